//! Pieces the demo programs share, and one module per demo.
//!
//! Each demo shows one idea of the chapter "Concurrent web requests". They all start the
//! same way (`setup.rs`): a runtime that names any task blocking the loop for 100 ms or
//! more (the mistake asyncio's debug mode reports), the local example server unless
//! `--url` names a real one (`target.rs`), and, with `--paused-clock`, a clock that jumps
//! instead of passing, so the same story replays instantly with exact timings.
//!
//! Map:
//! - `lib.rs` (this file): [`delay`], [`named`], [`show`]; the module list.
//! - `setup.rs`: the flags every demo shares; the runtime; the timeline file.
//! - `target.rs`: where the requests go (the local server or `--url`), and `fetch_status`.
//! - `timeline.rs`: the runtime's task trace drawn as an SVG, one bar per task.
//! - `progress.rs`: a live progress bar for long runs, fed by `as_completed`.
//! - One module per demo, in the chapter's order: `context_manager.rs`,
//!   `first_request.rs`, `timeouts.rs`, `tasks_pitfall.rs`, `gather.rs`, `gather_order.rs`,
//!   `gather_exceptions.rs`, `as_completed.rs`, `as_completed_timeout.rs`, `wait_all.rs`,
//!   `wait_first_exception.rs`, `wait_first_completed.rs`, `wait_timeout.rs`, `cancel.rs`.
//! - `tour.rs`: every demo in order, each introduced by what to notice.
//!
//! Each demo is a module with an `Args` (its command line) and a `run`; `src/bin/` holds
//! one three-line `main` per demo, so `tour` can call them all in one process.
//! `docs/GUIDE.md` follows each demo through the code.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod as_completed;
pub mod as_completed_timeout;
pub mod cancel;
pub mod context_manager;
pub mod first_request;
pub mod gather;
pub mod gather_exceptions;
pub mod gather_order;
pub mod progress;
pub mod setup;
pub mod target;
pub mod tasks_pitfall;
pub mod timeline;
pub mod timeouts;
pub mod tour;
pub mod wait_all;
pub mod wait_first_completed;
pub mod wait_first_exception;
pub mod wait_timeout;

use std::future::{Future, pending};
use std::panic::resume_unwind;
use std::time::Duration;

use ripple_reactor::{JoinError, JoinHandle, sleep, spawn_named};

pub use setup::{RunArgs, SLOW_POLL_WARNING, runtime};

/// Sleeps for `delay`, saying so before and after: the stand-in for slow work that the
/// chapter's first examples use. Returns `delay`.
pub async fn delay(delay: Duration) -> Duration {
    println!("  delay({}): going to sleep", show(delay));
    sleep(delay).await;
    println!("  delay({}): awake again", show(delay));
    delay
}

/// Runs `future` as a task named `name` and waits for its value: the name shows in
/// timelines and slow-poll warnings (asyncio's `create_task(coro, name=...)`).
///
/// The combinators spawn one task per input but cannot name it; handing them
/// `named(name, work)` instead of `work` puts the work in a named task of its own, and
/// the combinator's task only waits for it. Cancelling (dropping) the returned future
/// cancels the named task too, so `cancel_remaining` and `cancel_on_error` still stop
/// the work. A panic in the task is resumed here, as if it had happened in place.
pub fn named<F>(name: impl Into<String>, future: F) -> impl Future<Output = F::Output> + 'static
where
    F: Future + 'static,
    F::Output: 'static,
{
    let name = name.into();
    async move {
        let mut task = CancelOnDrop(spawn_named(name, future));
        match (&mut task.0).await {
            Ok(value) => value,
            Err(JoinError::Panicked(message)) => resume_unwind(Box::new(message)),
            // Only the runtime's shutdown cancels the named task without dropping this
            // future first, and it drops this future next: nothing is left to return.
            Err(JoinError::Cancelled) => pending().await,
        }
    }
}

/// A task handle that cancels its task when dropped (a plain `JoinHandle` detaches it).
struct CancelOnDrop<T>(JoinHandle<T>);

impl<T> Drop for CancelOnDrop<T> {
    fn drop(&mut self) {
        self.0.cancel(); // a task that already ended keeps its result; nothing happens
    }
}

/// A duration the way the demos print it: `1.500 s` from a second up, `100 ms` or
/// `100.4 ms` below, `250 µs` below a millisecond; exact on a paused clock.
pub fn show(duration: Duration) -> String {
    if !duration.is_zero() && duration < Duration::from_millis(1) {
        format!("{} µs", duration.as_micros())
    } else if duration < Duration::from_secs(1) {
        let ms = duration.as_secs_f64() * 1000.0;
        if duration.subsec_nanos() % 1_000_000 == 0 {
            format!("{ms:.0} ms")
        } else {
            format!("{ms:.1} ms")
        }
    } else {
        format!("{:.3} s", duration.as_secs_f64())
    }
}

/// What is left of `items` once the ones at `finished` (indices into `items`) are gone,
/// in order. `wait` reports its `done` by index into the list it was given, and the demos
/// that call it again keep their labels in step with what is still pending.
pub fn without<T>(items: Vec<T>, finished: impl IntoIterator<Item = usize>) -> Vec<T> {
    let mut keep = vec![true; items.len()];
    for index in finished {
        keep[index] = false;
    }
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_keeps_the_rest_in_order() {
        assert_eq!(without(vec!['a', 'b', 'c', 'd'], [2, 0]), ['b', 'd']);
        assert_eq!(without(vec!['a'], []), ['a']);
    }

    #[test]
    fn show_prints_whole_milliseconds_without_decimals() {
        assert_eq!(show(Duration::from_millis(100)), "100 ms");
        assert_eq!(show(Duration::from_micros(100_400)), "100.4 ms");
        assert_eq!(show(Duration::ZERO), "0 ms");
        assert_eq!(show(Duration::from_micros(250)), "250 µs");
        assert_eq!(show(Duration::from_millis(1500)), "1.500 s");
    }

    #[test]
    fn a_named_task_is_cancelled_with_the_future_that_waits_for_it() {
        let rt = ripple_reactor::Runtime::builder()
            .paused_clock()
            .build()
            .unwrap();
        rt.block_on(async {
            let waiting = ripple_reactor::spawn(named("sleeper", sleep(Duration::from_secs(5))));
            sleep(Duration::from_millis(1)).await;
            assert_eq!(rt.stats().live_tasks, 2, "the waiter and the named task");
            waiting.cancel();
            sleep(Duration::from_millis(1)).await;
            assert_eq!(rt.stats().live_tasks, 0);
        });
        assert!(rt.is_idle());
    }
}
