//! ripple-combinators: the chapter's toolbox for running a group of futures at once.
//!
//! Every combinator here spawns its inputs as tasks on the current ripple runtime when it
//! is first polled (or takes tasks that already run) and waits on them without polling
//! the ones that did not wake, so 100,000 children cost about 200,000 handle polls, not
//! 10¹⁰.
//!
//! | asyncio                                    | ripple                                   |
//! |--------------------------------------------|------------------------------------------|
//! | `await gather(*aws)`                       | [`gather()`]                             |
//! | `gather(*aws, return_exceptions=True)`     | [`gather_results`]                       |
//! | `gather(*aws)` where one raises            | [`try_gather`], `.cancel_on_error()`     |
//! | `gather(a(), b())` of different types      | [`gather!`]                              |
//! | `as_completed(aws, timeout=2)`             | [`as_completed`], `.with_timeout(d)`     |
//! | `wait(tasks, return_when=..., timeout=..)` | [`wait`], [`ReturnWhen`]                 |
//! | `wait_for(aw, timeout)`                    | [`timeout`]                              |
//! | `async with TaskGroup() as tg`             | [`TaskGroup`]: `spawn`, `join().await`   |
//! | the chapter's `@async_timed()`             | [`timed`], [`timed_to`]                  |
//!
//! Where Rust changes the answer, the item says so under "Differences from asyncio". The
//! two main ones: a future does nothing until polled, so the tasks start at the first
//! `.await`, not at the call (and `run(gather(futures))` works); and dropping a future
//! cancels it, so dropping a `gather` or an `as_completed` half-way cancels its tasks. What "an error" is: futures whose output is
//! `Result<T, E>`, with panics, cancellations and group timeouts beside `E` in one
//! [`TaskError`].
//!
//! # Map of the crate
//!
//! - `children.rs`: the tasks a combinator watches, one waker each and a list of who woke.
//! - `error.rs`: [`TaskError`], and how a task's two `Result`s become one.
//! - `gather.rs`: [`gather()`], [`gather_results`], [`try_gather`].
//! - `gather_tuple.rs`: the [`gather!`] macro, for futures of different types.
//! - `as_completed.rs`: [`as_completed`], outcomes in finishing order with their index.
//! - `wait.rs`: [`wait`] and [`ReturnWhen`]: `(done, pending)`, nothing cancelled.
//! - `timeout.rs`: [`timeout`] (asyncio's `wait_for`), [`timeout_at`], [`Elapsed`].
//! - `task_group.rs`: [`TaskGroup`], structured concurrency.
//! - `timed.rs`: [`timed`] and [`timed_to`], the chapter's `async_timed`.
//!
//! Path: start at `gather.rs`, then `children.rs`, which leads into `ripple_reactor`'s
//! `JoinHandle`; `as_completed.rs` adds a deadline, `task_group.rs` adds cancellation.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod as_completed;
mod children;
mod error;
mod gather;
mod gather_tuple;
mod task_group;
mod timed;
mod timeout;
mod wait;

pub use as_completed::{AsCompleted, as_completed};
pub use error::{Outcome, TaskError};
pub use gather::{Gather, GatherResults, TryGather, gather, gather_results, try_gather};
pub use task_group::TaskGroup;
pub use timed::{timed, timed_to};
pub use timeout::{Elapsed, timeout, timeout_at};
pub use wait::{ReturnWhen, wait};

/// What the [`gather!`] macro expands to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::gather_tuple::SpawnGuard;
}
