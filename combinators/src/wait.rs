//! `wait`: wait on running tasks until a condition holds, and split them into done and pending.
//!
//! Unlike `gather` and `as_completed`, `wait` takes tasks that already run (their
//! [`JoinHandle`]s) and gives the unfinished ones back: `(done, pending)`. It returns when
//! [`ReturnWhen`] says so, or when the optional timeout passes, and it never cancels
//! anything. Calling it again on `pending` in a loop processes results as they arrive,
//! the chapter's pattern for `asyncio.wait`.
//!
//! Each call watches the handles through `children.rs`, so a wake costs O(1); the handles
//! given back in `pending` still hold one of its wakers until they are next polled, which
//! at worst costs the caller one spurious wake.
//!
//! Path: user code -> here -> `children.rs` and `ripple_reactor::Sleep`.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use ripple_reactor::{JoinHandle, sleep};

use crate::children::Children;
use crate::error::{Outcome, flatten};

/// When [`wait`] returns (asyncio's `return_when`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// When every task has finished (or the timeout passed).
    AllCompleted,
    /// As soon as at least one task has finished.
    FirstCompleted,
    /// As soon as a task fails (returns `Err` or panics), or when all have finished.
    /// A cancelled task does not count as a failure, as in asyncio.
    FirstException,
}

/// Waits on running tasks until `return_when` holds or `timeout` passes, then returns
/// `(done, pending)`: the outcomes of the tasks that finished, in finishing order, and the
/// handles of the others, in input order (asyncio's `wait`).
///
/// Nothing is cancelled, not at the timeout and not when the returned future is dropped
/// half-way (the tasks keep running, detached). The caller can await, `wait` again on, or
/// cancel the `pending` handles. The timeout counts from the first poll, as asyncio's
/// counts from the `await`.
///
/// # Differences from asyncio
/// - A finished task comes back as its outcome, `Result<T, TaskError<E>>`, rather than as
///   a task object to ask for `.result()`; its index names its place in this call's input.
///   In a loop over `wait`, indexes restart with each call: let the tasks return whatever
///   identifies them (the URL, say).
/// - An empty input returns `(vec![], vec![])` at once instead of raising.
///
/// # Panics
/// When `timeout` is set, outside a ripple runtime.
pub async fn wait<I, T, E>(
    handles: I,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> (Vec<Outcome<T, E>>, Vec<JoinHandle<Result<T, E>>>)
where
    I: IntoIterator<Item = JoinHandle<Result<T, E>>>,
    T: 'static,
    E: 'static,
{
    let mut children = Children::from_handles(handles);
    let mut timer = timeout.map(sleep);
    let mut done: Vec<Outcome<T, E>> = Vec::new();
    poll_fn(|cx| {
        // Take every outcome that is there: a split reports all that finished by now.
        loop {
            match children.poll_next(cx) {
                Poll::Ready(Some((index, outcome))) => done.push((index, flatten(outcome))),
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => break,
            }
        }
        if condition_met(return_when, &done) {
            return Poll::Ready(());
        }
        match timer.as_mut().map(|timer| Pin::new(timer).poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(()),
            _ => Poll::Pending,
        }
    })
    .await;
    let pending = children
        .into_handles()
        .into_iter()
        .map(|(_, handle)| handle)
        .collect();
    (done, pending)
}

/// Whether `done` satisfies `return_when` with some tasks still pending.
fn condition_met<T, E>(return_when: ReturnWhen, done: &[Outcome<T, E>]) -> bool {
    match return_when {
        ReturnWhen::AllCompleted => false,
        ReturnWhen::FirstCompleted => !done.is_empty(),
        ReturnWhen::FirstException => done
            .iter()
            .any(|(_, outcome)| matches!(outcome, Err(e) if e.is_failed() || e.is_panic())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskError;

    #[test]
    fn first_exception_ignores_cancelled_tasks() {
        let cancelled: Vec<Outcome<(), ()>> = vec![(0, Ok(())), (1, Err(TaskError::Cancelled))];
        assert!(!condition_met(ReturnWhen::FirstException, &cancelled));
        let failed: Vec<Outcome<(), ()>> = vec![(2, Err(TaskError::Failed(())))];
        assert!(condition_met(ReturnWhen::FirstException, &failed));
        let panicked: Vec<Outcome<(), ()>> = vec![(0, Err(TaskError::Panicked("x".into())))];
        assert!(condition_met(ReturnWhen::FirstException, &panicked));
    }

    #[test]
    fn first_completed_needs_one_and_all_completed_needs_all() {
        let none: Vec<Outcome<(), ()>> = Vec::new();
        let one: Vec<Outcome<(), ()>> = vec![(0, Ok(()))];
        assert!(!condition_met(ReturnWhen::FirstCompleted, &none));
        assert!(condition_met(ReturnWhen::FirstCompleted, &one));
        assert!(!condition_met(ReturnWhen::AllCompleted, &one));
    }
}
