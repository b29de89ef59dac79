//! ripple-reactor: a single-threaded async runtime on mio, small enough to read in an evening.
//!
//! # The loop
//!
//! ```text
//!   spawn(future) ──► executor: slab of tasks ──► run_queue ◄── wakers
//!                                 │                  ▲    ▲
//!                           poll the task            │    └── timers: deadline passed
//!                                 │                  │
//!              socket says WouldBlock: park waker ──►│ reactor: epoll_wait ─► dispatch
//! ```
//!
//! [`Runtime::block_on`] repeats one `turn`: poll the woken tasks (executor), wake those
//! whose deadline passed (timers), block in `epoll_wait` until a socket is ready or the
//! next deadline comes (reactor), and queue the tasks parked on the ready sockets. A task
//! that cannot go on returns `Pending` after leaving its `Waker` where the event will
//! find it: with a socket's slot in the reactor, with a deadline in the timer list, or in
//! a `JoinHandle`'s state.
//!
//! # Map of the crate
//!
//! - `runtime.rs`: [`Runtime`], [`Builder`], [`run`], `block_on` and the loop's `turn`.
//! - `executor.rs`: the task slab and the run queue.
//! - `waker.rs`: the wakers that re-queue a task, from the loop's thread or any other.
//! - `task.rs`: [`TaskId`], [`JoinHandle`], [`JoinError`]; cancel and detach.
//! - `context.rs`: the thread-local "current runtime" behind [`spawn`] and [`sleep`].
//! - `reactor.rs`: `mio::Poll`, one slot per socket, readiness and dispatch.
//! - `time/`: the clock (real or paused), the timer list, [`sleep`], [`timeout`].
//! - `io.rs`: [`AsyncRead`], [`AsyncWrite`] and their `read`/`write_all` helpers.
//! - `net/`: [`TcpListener`], [`TcpStream`], and [`resolve`] (DNS on the blocking pool).
//! - `blocking.rs`: [`spawn_blocking`] on a few helper threads that wake the loop.
//! - `trace.rs`: the optional record of task events, for timeline pictures.
//!
//! # The walk from `spawn` to `epoll_wait`
//!
//! [`spawn`] boxes the future into a slab slot and queues its id (`executor.rs`). The
//! loop's `turn` (`runtime.rs`) pops the id and polls the future with the task's waker.
//! Say it reads a [`TcpStream`] that has no data: `net/tcp.rs` asks `reactor.rs`
//! (`IoSource::poll_io`), the `read(2)` says `WouldBlock`, the waker goes into the
//! socket's slot, and the task returns `Pending`. With nothing left to run, `turn` blocks
//! in `epoll_wait` (`Reactor::poll`); bytes arrive, `dispatch` wakes the waker, which
//! pushes the id back on the run queue (`waker.rs`, `executor.rs`), and the next turn
//! polls the task again: this time the read succeeds.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod blocking;
mod context;
mod executor;
pub mod io;
pub mod net;
mod reactor;
mod runtime;
mod task;
pub mod time;
mod trace;
mod waker;

use std::future::{Future, poll_fn};
use std::task::Poll;

pub use blocking::spawn_blocking;
pub use io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
pub use net::{TcpListener, TcpStream, resolve};
pub use runtime::{Builder, Runtime, RuntimeStats, run};
pub use task::{JoinError, JoinHandle, TaskId};
pub use time::{Elapsed, Sleep, sleep, sleep_until, timeout};
pub use trace::{TaskEnd, TaskEvent, TraceEvent};

/// Starts `future` as a new task on the current runtime and returns its handle
/// (asyncio's `create_task`). The task starts at the loop's next turn, not inside this
/// call; dropping the handle leaves it running.
///
/// # Panics
/// Outside a ripple runtime.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    context::current().executor.spawn(None, future)
}

/// Like [`spawn`], with a name that appears in traces, timelines and slow-poll warnings.
///
/// # Panics
/// Outside a ripple runtime.
pub fn spawn_named<F>(name: impl Into<String>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let name = name.into().into_boxed_str();
    context::current().executor.spawn(Some(name), future)
}

/// Gives the other ready tasks a turn before continuing (asyncio's `await asyncio.sleep(0)`).
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
