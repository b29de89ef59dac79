//! `as_completed`: outcomes in the order the tasks finish, each with its input's index.
//!
//! The inputs are spawned as tasks at the first [`AsCompleted::next`], which then hands
//! out one outcome per call, the first task to end first, so a program can print the
//! fast results while the slow ones still run. asyncio's `as_completed` yields bare
//! results and the caller has to work out which input each came from; here every
//! outcome comes as `(index, result)`.
//!
//! A group timeout ([`AsCompleted::with_timeout`]) is a `Sleep`, started with the tasks
//! and polled beside them. When it fires, every task that has not delivered an outcome yet is owed a
//! [`TaskError::TimedOut`], handed out one per `next()`, in input order; the tasks
//! themselves are not cancelled (asyncio's behaviour, and what CPython #99933 asks to keep
//! controllable). They can be listed with [`AsCompleted::still_running`], cancelled with
//! [`AsCompleted::cancel_remaining`], or taken with [`AsCompleted::into_handles`].
//!
//! # Invariants
//! - A task is in exactly one place: owed (its handle in `children`), reported as timed
//!   out (its handle in `given_up`), or delivered (no handle left).
//! - Before the deadline, outcomes that are already there win: the deadline is looked at
//!   only after `children` said `Pending`, so a task that ended by then is a value.
//!
//! Path: user code -> here -> `children.rs` and `ripple_reactor::Sleep`.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use ripple_reactor::{JoinHandle, Sleep, sleep};

use crate::children::Children;
use crate::error::{Outcome, TaskError, flatten};

/// Runs every future concurrently, each as a task, and returns a stream of their
/// outcomes in finishing order, each with the index of the input it came from
/// (asyncio's `as_completed`, plus the index).
///
/// ```text
/// let mut results = as_completed(fetches).with_timeout(Duration::from_secs(2));
/// while let Some((index, outcome)) = results.next().await { ... }
/// ```
///
/// The futures return `Result<T, E>`; an outcome is `Ok(value)` or a [`TaskError`]
/// (the future's own `Err`, a panic, or a group timeout).
///
/// # Differences from asyncio
/// - Outcomes carry their input index.
/// - The tasks, and the group timeout's clock, start at the first `next()`, as with any
///   Rust future; asyncio starts both in the call. In the usual loop that is the same
///   moment.
/// - Dropping the stream cancels every task whose outcome it has not handed out yet.
///   Tasks already reported as timed out are the exception: like asyncio's, they keep
///   running after the stream is gone, unless cancelled with
///   [`cancel_remaining`](AsCompleted::cancel_remaining) first.
///
/// # Panics
/// When polled outside a ripple runtime.
pub fn as_completed<I, T, E>(futures: I) -> AsCompleted<T, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    AsCompleted {
        children: Children::lazy(futures),
        timeout: None,
        deadline: None,
        timed_out: None,
        given_up: Vec::new(),
    }
}

/// The stream of outcomes returned by [`as_completed`].
#[must_use = "nothing runs until next() is awaited"]
pub struct AsCompleted<T, E> {
    children: Children<Result<T, E>>,
    /// The group timeout, until the first poll turns it into `deadline`.
    timeout: Option<Duration>,
    /// The group deadline, until it fires or every outcome was delivered.
    deadline: Option<Sleep>,
    /// `Some` once the deadline passed: the indexes still owed a `TimedOut`, in order.
    timed_out: Option<VecDeque<usize>>,
    /// Tasks reported as timed out, kept so they can be listed, cancelled or handed back.
    given_up: Vec<(usize, JoinHandle<Result<T, E>>)>,
}

impl<T, E> AsCompleted<T, E> {
    /// Gives the whole group `timeout`, counted from the first `next()`: once it passes,
    /// every task that has not finished yields [`TaskError::TimedOut`] and keeps running.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The next outcome, or `None` once every input has had one.
    pub async fn next(&mut self) -> Option<Outcome<T, E>> {
        poll_fn(|cx| self.poll_next(cx)).await
    }

    /// Polls for the next outcome; what [`next`](AsCompleted::next) awaits.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Outcome<T, E>>> {
        if let Some(timeout) = self.timeout.take() {
            self.deadline = Some(sleep(timeout)); // the first poll: start the clock
        }
        if let Some(owed) = &mut self.timed_out {
            let Some(index) = owed.pop_front() else {
                return Poll::Ready(None);
            };
            // INVARIANT (module): the handle moves from owed to given up as it is reported.
            if let Some(handle) = self.children.take(index) {
                self.given_up.push((index, handle));
            }
            return Poll::Ready(Some((index, Err(TaskError::TimedOut))));
        }
        match self.children.poll_next(cx) {
            Poll::Ready(Some((index, outcome))) => {
                return Poll::Ready(Some((index, flatten(outcome))));
            }
            Poll::Ready(None) => {
                self.deadline = None; // nothing left to time out: free the timer now
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        // INVARIANT (module): `children` said Pending, so no finished outcome is left.
        let Some(deadline) = &mut self.deadline else {
            return Poll::Pending;
        };
        if Pin::new(deadline).poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.deadline = None;
        self.timed_out = Some(self.children.held_indexes().collect());
        self.poll_next(cx)
    }

    /// How many outcomes are still to come.
    pub fn remaining(&self) -> usize {
        match &self.timed_out {
            Some(owed) => owed.len(),
            None => self.children.held(),
        }
    }

    /// The indexes of the tasks that are still running, in input order: the ones not
    /// finished yet and the ones reported as timed out that go on (the chapter's
    /// "tasks still running" listing).
    pub fn still_running(&self) -> Vec<usize> {
        let owed = self
            .children
            .held_indexes()
            .filter(|&index| self.children.get(index).is_some_and(|h| !h.is_finished()));
        let given_up = self
            .given_up
            .iter()
            .filter(|(_, handle)| !handle.is_finished())
            .map(|(index, _)| *index);
        let mut running: Vec<usize> = owed.chain(given_up).collect();
        running.sort_unstable();
        running
    }

    /// Cancels every task still running, timed-out ones included, and ends the stream:
    /// `next()` returns `None` from now on, and outcomes not yet taken are discarded.
    /// Returns the indexes of the tasks it cancelled, in input order.
    pub fn cancel_remaining(&mut self) -> Vec<usize> {
        let running = self.still_running();
        self.children.cancel_all();
        self.children.detach_all();
        for (_, handle) in self.given_up.drain(..) {
            handle.cancel();
        }
        self.timeout = None;
        self.deadline = None;
        self.timed_out = Some(VecDeque::new());
        running
    }

    /// Ends the stream and hands back the handle of every task whose value it has not
    /// delivered (not finished yet, or reported as timed out), in input order. Nothing is
    /// cancelled: the caller now owns the tasks, to await or cancel.
    pub fn into_handles(mut self) -> Vec<(usize, JoinHandle<Result<T, E>>)> {
        let mut handles: Vec<_> = std::mem::replace(&mut self.children, Children::new())
            .into_handles()
            .into_iter()
            .chain(self.given_up.drain(..))
            .collect();
        handles.sort_unstable_by_key(|(index, _)| *index);
        handles
    }
}

impl<T, E> Drop for AsCompleted<T, E> {
    fn drop(&mut self) {
        // Owed outcomes are cancelled; `given_up` is dropped after this, which detaches
        // the timed-out tasks (see `as_completed`'s doc).
        self.children.cancel_all();
    }
}
