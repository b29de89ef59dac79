//! `timeout`: asyncio's `wait_for`, a limit on how long one future may take.
//!
//! The runtime already has the mechanism (`ripple_reactor::time::timeout`: the future and
//! a `Sleep` polled side by side, whichever is ready first wins); this file gives it its
//! place among the combinators and spells out what cancellation means here. At expiry the
//! inner future is dropped: its destructors run at once, its sockets close, its timers go.
//! asyncio's `wait_for` cancels the same way, but it has to wait for the coroutine to
//! notice its `CancelledError`; a Rust future has no say, so there is nothing to wait for.
//!
//! Path: user code -> here -> `ripple_reactor::time::timeout` -> `Sleep`.

use std::future::Future;
use std::time::{Duration, Instant};

pub use ripple_reactor::Elapsed;

/// Runs `future` for at most `delay` (asyncio's `wait_for`): `Ok(value)` if it finishes
/// in time, `Err(Elapsed)` if not, in which case the future has been dropped, which
/// cancels it.
///
/// The clock is the runtime's (paused in tests) and starts at the first poll, as
/// asyncio's starts at the `await` (`ripple_reactor::timeout` starts it at the call
/// instead); so `run(timeout(d, work))` works. A future that is ready on its first poll
/// wins even with a zero delay.
///
/// # A `JoinHandle` is not its task
/// `timeout(d, handle)` drops the *handle* at expiry, and dropping a handle detaches its
/// task, which keeps running: that is asyncio's `wait_for(shield(task))`. To stop the task
/// too, call `handle.cancel()` on `Err(Elapsed)`, or put the work itself, not its handle,
/// inside the timeout.
///
/// # Panics
/// When polled outside a ripple runtime.
pub async fn timeout<F: Future>(delay: Duration, future: F) -> Result<F::Output, Elapsed> {
    ripple_reactor::time::timeout(delay, future).await
}

/// Like [`timeout`], with an absolute `deadline` on the runtime's clock
/// (`ripple_reactor::time::now() + delay`).
///
/// # Panics
/// When polled outside a ripple runtime.
pub async fn timeout_at<F: Future>(deadline: Instant, future: F) -> Result<F::Output, Elapsed> {
    ripple_reactor::time::timeout_at(deadline, future).await
}
