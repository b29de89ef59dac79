//! `timeout`: run a future, but give up on it once a delay has passed.
//!
//! The future and a [`Sleep`] are polled side by side; whichever is ready first wins. If
//! the sleep wins, the future is dropped, which cancels it: its destructors run and its
//! sockets close, as `asyncio.wait_for` cancels the coroutine it waited for.
//!
//! Path: `ripple-http` and `ripple-combinators` wrap their work in it -> `sleep.rs`.

use std::fmt;
use std::future::Future;
use std::future::poll_fn;
use std::pin::{Pin, pin};
use std::task::Context;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::time::sleep::{Sleep, sleep, sleep_until};

/// The error of a [`timeout`] or [`timeout_at`] whose deadline passed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `future` for at most `delay`; at expiry the future is dropped (cancelled) and the
/// result is `Err(Elapsed)`. A future that is ready on its first poll wins even with a
/// zero delay.
///
/// Like everything async in Rust, and like asyncio's `wait_for`, nothing starts until the
/// result is first polled: that is when the clock starts, so `rt.block_on(timeout(..))`
/// works.
pub async fn timeout<F: Future>(delay: Duration, future: F) -> Result<F::Output, Elapsed> {
    // One async layer, not a call to a shared async helper: each layer would keep its own
    // copy of `future` in the state machine (rust-lang/rust#62958).
    let mut future = pin!(future);
    let mut timer = sleep(delay);
    poll_fn(|cx| poll_race(future.as_mut(), &mut timer, cx)).await
}

/// Like [`timeout`], with an absolute deadline.
pub async fn timeout_at<F: Future>(deadline: Instant, future: F) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    let mut timer = sleep_until(deadline);
    poll_fn(|cx| poll_race(future.as_mut(), &mut timer, cx)).await
}

/// The future first: a value that is ready wins over a deadline that has passed.
fn poll_race<F: Future>(
    future: Pin<&mut F>,
    timer: &mut Sleep,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, Elapsed>> {
    if let Poll::Ready(value) = future.poll(cx) {
        return Poll::Ready(Ok(value));
    }
    match Pin::new(timer).poll(cx) {
        Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
        Poll::Pending => Poll::Pending,
    }
}
