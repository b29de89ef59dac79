//! `TaskGroup`: structured concurrency, where no task outlives the group that started it.
//!
//! Python 3.11's `async with TaskGroup() as tg` gives three promises: leaving the block
//! waits for every task; the first task to fail cancels the others; and that failure is
//! what the block raises. Rust cannot await in `Drop`, so "leaving the block" is an
//! explicit [`TaskGroup::join`], and dropping a group without joining it cancels its
//! tasks: either way none is left running behind the group's back.
//!
//! How the first failure reaches the others at once, even while the owner is busy
//! elsewhere and not yet joining: each task runs inside a small wrapper that catches its
//! panic, and when the task fails (returns `Err` or panics) the wrapper records its index
//! as the group's first failure and cancels every sibling before handing on the outcome.
//! The panic is then resumed, so the runtime still reports it as the task's own.
//!
//! # Invariants
//! - `first_failure` is set once, by the first child to fail (or by `join`, for a failure
//!   the wrapper could not see), and names a child whose outcome is an error.
//! - The `children` borrow is never held across an await: `spawn` and `join` belong to the
//!   owner, the wrappers' `fail` to a child task, and one thread runs one of them at a time.
//!
//! Path: user code -> here -> `children.rs` -> `ripple_reactor::spawn`.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::pin;
use std::rc::{Rc, Weak};
use std::task::Poll;

use ripple_reactor::spawn;

use crate::children::Children;
use crate::error::{TaskError, flatten};

/// A scope for tasks that return `Result<T, E>`: the first failure cancels the rest and
/// is what [`join`](TaskGroup::join) returns; `join` waits for every task.
///
/// ```text
/// let mut group = TaskGroup::new();
/// for url in urls { group.spawn(fetch(url)); }
/// let statuses = group.join().await?;   // Vec in spawn order, or the first failure
/// ```
///
/// # Differences from asyncio
/// - Leaving the scope is `join().await`; dropping the group (or the `join` future)
///   instead cancels every task still running.
/// - The failure returned is the first one, alone, not an `ExceptionGroup` of all; the
///   tasks cancelled because of it are not failures.
/// - The owner's own code is not cancelled by a child's failure; it learns of it at
///   `join`, or by asking [`has_failed`](TaskGroup::has_failed).
/// - A task spawned after the group has failed is cancelled before it runs.
pub struct TaskGroup<T, E> {
    members: Rc<Members<T, E>>,
}

/// The tasks of a group and the first of them to fail.
struct Members<T, E> {
    children: RefCell<Children<Result<T, E>>>,
    first_failure: Cell<Option<usize>>,
}

impl<T, E> Members<T, E> {
    /// Records the failure of child `index` if it is the first, and cancels the others.
    fn fail(&self, index: usize) {
        if self.first_failure.get().is_some() {
            return;
        }
        self.first_failure.set(Some(index));
        // INVARIANT (module): no other borrow is live. Cancelling drops sibling futures,
        // which cannot reach this group: a child never holds the group itself.
        self.children.borrow().cancel_all_except(index);
    }
}

impl<T: 'static, E: 'static> TaskGroup<T, E> {
    /// An empty group.
    pub fn new() -> Self {
        TaskGroup {
            members: Rc::new(Members {
                children: RefCell::new(Children::new()),
                first_failure: Cell::new(None),
            }),
        }
    }

    /// Starts `future` as a task of the group (asyncio's `tg.create_task`); returns its
    /// index, which is its place in `join`'s output.
    ///
    /// # Panics
    /// Outside a ripple runtime.
    pub fn spawn<F>(&mut self, future: F) -> usize
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        let index = self.members.children.borrow().len();
        let handle = spawn(run_member(Rc::downgrade(&self.members), index, future));
        if self.has_failed() {
            handle.cancel();
        }
        let pushed = self.members.children.borrow_mut().push(handle);
        debug_assert_eq!(pushed, index);
        index
    }

    /// How many tasks were spawned into the group.
    pub fn len(&self) -> usize {
        self.members.children.borrow().len()
    }

    /// Whether no task was spawned yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a task has failed (and the others were cancelled).
    pub fn has_failed(&self) -> bool {
        self.members.first_failure.get().is_some()
    }

    /// Waits for every task to end, then returns their values in spawn order, or the
    /// first failure: [`TaskError::Failed`] for an `Err`, [`TaskError::Panicked`] for a
    /// panic. On a failure the others were cancelled the moment it happened.
    pub async fn join(self) -> Result<Vec<T>, TaskError<E>> {
        let members = &self.members;
        let count = members.children.borrow().len();
        let mut outcomes: Vec<Option<Result<T, TaskError<E>>>> =
            std::iter::repeat_with(|| None).take(count).collect();
        poll_fn(|cx| {
            loop {
                let next = members.children.borrow_mut().poll_next(cx);
                match next {
                    Poll::Ready(Some((index, outcome))) => {
                        let outcome = flatten(outcome);
                        if outcome.is_err() {
                            members.fail(index); // a no-op if the wrapper did it already
                        }
                        outcomes[index] = Some(outcome);
                    }
                    Poll::Ready(None) => return Poll::Ready(()),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await;
        if let Some(index) = members.first_failure.get() {
            // INVARIANT (module): the first failure's outcome is an error.
            if let Some(Err(error)) = outcomes[index].take() {
                return Err(error);
            }
        }
        outcomes.into_iter().flatten().collect()
    }
}

impl<T: 'static, E: 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        // After `join` every handle is gone and this does nothing; before it, this is
        // what keeps a dropped group from leaving tasks behind.
        self.members.children.borrow().cancel_spawned();
    }
}

/// One task of a group: runs `future`, and on failure tells the group before ending.
async fn run_member<T, E, F>(members: Weak<Members<T, E>>, index: usize, future: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
{
    let mut future = pin!(future);
    // The panic is caught only to cancel the siblings first; it is resumed below.
    let outcome = poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
            Err(panic) => Poll::Ready(Err(panic)),
        },
    )
    .await;
    if !matches!(outcome, Ok(Ok(_))) {
        if let Some(members) = members.upgrade() {
            members.fail(index);
        }
    }
    match outcome {
        Ok(result) => result,
        Err(panic) => resume_unwind(panic),
    }
}
