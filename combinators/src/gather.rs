//! `gather`: run many futures at once and collect their results in input order.
//!
//! Each input is spawned as a task when the gather is first polled (asyncio's `gather`
//! wraps each coroutine in a task the same way), so they all make progress while the
//! caller waits. The returned future watches the tasks through `children.rs` and puts
//! each result in the slot of the input it came from, so the order of the output never
//! depends on the order of finishing: `gather([sleep 3 -> 3, sleep 1 -> 1])` is `[3, 1]`.
//!
//! Three flavours, after asyncio's `return_exceptions` flag:
//! - [`gather()`]: plain values; a panicking task panics the gatherer (Rust's "raise").
//! - [`gather_results`]: every outcome kept, errors in their slots (`return_exceptions=True`).
//! - [`try_gather`]: the first error, as soon as it happens (`return_exceptions=False`);
//!   the rest keep running, or are cancelled with [`TryGather::cancel_on_error`].
//!
//! One rule differs from asyncio on purpose: dropping any of these futures before it is
//! done cancels the tasks it spawned. A Rust future that is dropped is cancelled, and a
//! gather whose result nobody can receive any more should not leave work behind.
//!
//! Path: user code -> here -> `children.rs` (per-child wakers) -> `ripple_reactor::spawn`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::children::Children;
use crate::error::{TaskError, flatten};

/// Runs every future concurrently, each as its own task, and returns their values in
/// input order once all are done (asyncio's `gather`).
///
/// # Differences from asyncio
/// - Nothing starts until the returned future is first polled, as with any Rust future;
///   asyncio schedules the tasks in the call. So `run(gather(futures))` works, and work
///   that must start before it is awaited is for [`spawn`](ripple_reactor::spawn).
/// - Dropping the returned future before it is done cancels every task still running.
/// - A task that panics makes the gatherer panic with the same message (what an
///   exception does to an un-flagged `gather`); the other tasks are cancelled as the
///   gatherer unwinds. Use [`gather_results`] to keep failures as values.
///
/// # Panics
/// When polled outside a ripple runtime; and when one of the tasks panics, as said above.
pub fn gather<I>(futures: I) -> Gather<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    let children = Children::lazy(futures);
    let values = empty_slots(children.len());
    Gather { children, values }
}

/// Like [`gather()`] for futures that return `Result<T, E>`, keeping every outcome, errors
/// included, in input order (asyncio's `return_exceptions=True`).
///
/// A panic or a cancellation is not a panic of the gatherer here but a value:
/// [`TaskError::Panicked`] or [`TaskError::Cancelled`] in that input's slot; an `Err(e)`
/// returned by the future is [`TaskError::Failed`]`(e)`. As with [`gather()`], the tasks
/// start at the first poll, and dropping the returned future before it is done cancels
/// the ones still running.
///
/// # Panics
/// When polled outside a ripple runtime.
pub fn gather_results<I, T, E>(futures: I) -> GatherResults<T, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    let children = Children::lazy(futures);
    let outcomes = empty_slots(children.len());
    GatherResults { children, outcomes }
}

/// Like [`gather()`] for futures that return `Result<T, E>`: all the values in input order,
/// or the first failure (in finishing time) as soon as it happens (asyncio's default,
/// `return_exceptions=False`).
///
/// When it fails, the other tasks keep running, detached, as in asyncio; their results
/// are lost. Call [`TryGather::cancel_on_error`] to cancel them instead. As with
/// [`gather()`], the tasks start at the first poll, and dropping the returned future
/// before it is done cancels the ones still running.
///
/// # Panics
/// When polled outside a ripple runtime.
pub fn try_gather<I, T, E>(futures: I) -> TryGather<T, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    let children = Children::lazy(futures);
    let values = empty_slots(children.len());
    TryGather {
        children,
        values,
        cancel_on_error: false,
    }
}

/// The future returned by [`gather()`].
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<T> {
    children: Children<T>,
    values: Vec<Option<T>>,
}

/// The future returned by [`gather_results`].
#[must_use = "futures do nothing unless awaited"]
pub struct GatherResults<T, E> {
    children: Children<Result<T, E>>,
    outcomes: Vec<Option<Result<T, TaskError<E>>>>,
}

/// The future returned by [`try_gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct TryGather<T, E> {
    children: Children<Result<T, E>>,
    values: Vec<Option<T>>,
    cancel_on_error: bool,
}

impl<T, E> TryGather<T, E> {
    /// On the first failure, cancel every task still running instead of leaving it to
    /// run detached (the variant asyncio's `gather` lacks).
    pub fn cancel_on_error(mut self) -> Self {
        self.cancel_on_error = true;
        self
    }
}

// The futures own their slots and never pin them: nothing in them is structurally pinned.
impl<T> Unpin for Gather<T> {}
impl<T, E> Unpin for GatherResults<T, E> {}
impl<T, E> Unpin for TryGather<T, E> {}

impl<T> Future for Gather<T> {
    type Output = Vec<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        let this = self.get_mut();
        loop {
            match this.children.poll_next(cx) {
                Poll::Ready(Some((index, Ok(value)))) => this.values[index] = Some(value),
                Poll::Ready(Some((index, Err(error)))) => {
                    // Dropping `self` during the unwind cancels the others (`Drop` below).
                    panic!("gather: the task for input {index} ended without a value: {error}")
                }
                Poll::Ready(None) => return Poll::Ready(take_filled(&mut this.values)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T, E> Future for GatherResults<T, E> {
    type Output = Vec<Result<T, TaskError<E>>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match this.children.poll_next(cx) {
                Poll::Ready(Some((index, outcome))) => {
                    this.outcomes[index] = Some(flatten(outcome));
                }
                Poll::Ready(None) => return Poll::Ready(take_filled(&mut this.outcomes)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T, E> Future for TryGather<T, E> {
    type Output = Result<Vec<T>, TaskError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match this.children.poll_next(cx) {
                Poll::Ready(Some((index, outcome))) => match flatten(outcome) {
                    Ok(value) => this.values[index] = Some(value),
                    Err(error) => {
                        if this.cancel_on_error {
                            this.children.cancel_all();
                        }
                        // Without the flag the others run on; with it, their handles
                        // are no longer needed. Either way `Drop` has nothing left to do.
                        this.children.detach_all();
                        return Poll::Ready(Err(error));
                    }
                },
                Poll::Ready(None) => return Poll::Ready(Ok(take_filled(&mut this.values))),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T> Drop for Gather<T> {
    fn drop(&mut self) {
        self.children.cancel_all();
    }
}

impl<T, E> Drop for GatherResults<T, E> {
    fn drop(&mut self) {
        self.children.cancel_all();
    }
}

impl<T, E> Drop for TryGather<T, E> {
    fn drop(&mut self) {
        self.children.cancel_all();
    }
}

fn empty_slots<T>(len: usize) -> Vec<Option<T>> {
    std::iter::repeat_with(|| None).take(len).collect()
}

/// The values out of slots that are all filled.
fn take_filled<T>(slots: &mut Vec<Option<T>>) -> Vec<T> {
    // INVARIANT: called once `poll_next` said `None`, i.e. every child gave its outcome,
    // and each outcome went into its own slot, so every slot is `Some`.
    debug_assert!(slots.iter().all(Option::is_some));
    std::mem::take(slots).into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_filled_keeps_slot_order() {
        let mut slots = vec![Some(3), Some(1), Some(2)];
        assert_eq!(take_filled(&mut slots), [3, 1, 2]);
        assert!(slots.is_empty());
    }
}
