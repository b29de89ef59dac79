//! The tasks a combinator watches: one waker per child, and a list of the children that woke.
//!
//! Every combinator here runs its inputs as spawned tasks and then waits on their
//! [`JoinHandle`]s. The naive way polls every handle whenever any of them wakes the
//! combinator: with n children finishing one by one that is n polls per wake and n² in
//! all (the trap of the early `futures::join_all`). Here each child's handle is polled
//! with its own [`Waker`], a [`ChildWaker`] built once that knows the child's index. Its
//! `wake` pushes that index onto the shared [`ReadyList`] and wakes the combinator's task;
//! the combinator then polls only the handles named in the list. A wake costs O(1), and a
//! set of n children costs about 2n handle polls in total: one to leave the waker, one to
//! take the outcome.
//!
//! A set made with [`Children::lazy`] holds its inputs, unspawned, until its first poll:
//! a combinator, like any Rust future, does nothing until it is awaited.
//!
//! `std::task::Wake` wants `Send + Sync`, so the list sits behind a `Mutex` even though
//! ripple runs on one thread; it is never contended, and it is taken once per wake.
//!
//! # Invariants
//! - An index enters the ready list only from its own child's waker. A `JoinHandle` wakes
//!   its joiner once, when the task ends, so each index arrives about once; a duplicate or
//!   stale index costs one poll that returns `Pending`, or a skip if the outcome is taken.
//! - The combinator's waker is stored before the list is drained, in the same poll: a wake
//!   that lands after the drain finds the new waker, so no wake is lost.
//! - Only the wake that finds the list empty wakes the combinator: a non-empty list means
//!   an earlier wake already did, and the combinator has not drained since.
//!
//! Path: `gather.rs`, `as_completed.rs`, `wait.rs`, `task_group.rs` -> here -> the
//! runtime's `JoinHandle` (`ripple_reactor`, `task.rs`).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use ripple_reactor::{JoinError, JoinHandle, spawn};

/// Futures waiting to be spawned: the closure owns them and spawns them all, in order.
type Spawner<T> = Box<dyn FnOnce() -> Vec<JoinHandle<T>>>;

/// A set of spawned tasks, indexed in the order they were added.
pub(crate) struct Children<T> {
    /// Inputs not spawned yet (see [`Children::lazy`]), and how many there are.
    unspawned: Option<(Spawner<T>, usize)>,
    /// `None` once the outcome was taken, or the handle handed back to the caller.
    handles: Vec<Option<JoinHandle<T>>>,
    /// The waker each handle is polled with, built once per child.
    wakers: Vec<Waker>,
    ready: Arc<ReadyList>,
    /// Indexes taken from the ready list (or added, not yet polled once) still to look at.
    to_poll: VecDeque<usize>,
    /// How many `handles` are still `Some`.
    held: usize,
    /// Handle polls so far: the number the O(n) claim is about.
    handle_polls: u64,
}

impl<T: 'static> Children<T> {
    /// A set whose futures are spawned, in order, at its first `poll_next`: like every
    /// Rust future, a combinator does nothing until it is polled, so it can be built
    /// outside a runtime (`run(gather(futures))`). One box holds all the inputs.
    pub(crate) fn lazy<I>(futures: I) -> Self
    where
        I: IntoIterator,
        I::Item: Future<Output = T> + 'static,
    {
        let futures: Vec<I::Item> = futures.into_iter().collect();
        let count = futures.len();
        let spawner: Spawner<T> = Box::new(move || futures.into_iter().map(spawn).collect());
        let mut children = Children::new();
        children.unspawned = Some((spawner, count));
        children
    }

    /// Watches tasks that are already running.
    pub(crate) fn from_handles(handles: impl IntoIterator<Item = JoinHandle<T>>) -> Self {
        let mut children = Children::new();
        for handle in handles {
            children.push(handle);
        }
        children
    }
}

impl<T> Children<T> {
    /// An empty set.
    pub(crate) fn new() -> Self {
        Children {
            unspawned: None,
            handles: Vec::new(),
            wakers: Vec::new(),
            ready: Arc::new(ReadyList::default()),
            to_poll: VecDeque::new(),
            held: 0,
            handle_polls: 0,
        }
    }

    /// Adds a task; returns its index. It is polled once at the next `poll_next`, to leave
    /// its waker with the handle.
    pub(crate) fn push(&mut self, handle: JoinHandle<T>) -> usize {
        let index = self.handles.len();
        let child = ChildWaker {
            index,
            ready: Arc::clone(&self.ready),
        };
        self.wakers.push(Waker::from(Arc::new(child)));
        self.handles.push(Some(handle));
        self.to_poll.push_back(index);
        self.held += 1;
        index
    }

    /// Spawns the inputs of a [`lazy`](Children::lazy) set, if that has not happened yet.
    ///
    /// # Panics
    /// Outside a ripple runtime, if there is something to spawn.
    pub(crate) fn start(&mut self) {
        if let Some((spawner, count)) = self.unspawned.take() {
            self.handles.reserve(count);
            self.wakers.reserve(count);
            for handle in spawner() {
                self.push(handle);
            }
        }
    }

    /// How many children were ever added, spawned or not.
    pub(crate) fn len(&self) -> usize {
        self.handles.len() + self.unspawned_count()
    }

    /// How many outcomes are still to come: handles held (outcome not taken, handle not
    /// handed back) and inputs not spawned yet.
    pub(crate) fn held(&self) -> usize {
        self.held + self.unspawned_count()
    }

    fn unspawned_count(&self) -> usize {
        self.unspawned.as_ref().map_or(0, |(_, count)| *count)
    }

    /// The next outcome, in the order the tasks ended; `Ready(None)` once every held
    /// handle has given its outcome.
    ///
    /// Outcomes already there at the first poll come in the order the children were
    /// added; after that, a child is polled only when its own waker has fired.
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(usize, Result<T, JoinError>)>> {
        self.start();
        loop {
            if self.held == 0 {
                return Poll::Ready(None);
            }
            if self.to_poll.is_empty() {
                // INVARIANT (module): store our waker, then drain, in this order.
                self.ready.drain_into(&mut self.to_poll, cx.waker());
                if self.to_poll.is_empty() {
                    return Poll::Pending;
                }
            }
            while let Some(index) = self.to_poll.pop_front() {
                let Some(handle) = self.handles[index].as_mut() else {
                    continue; // a stale wake: this outcome was already taken
                };
                self.handle_polls += 1;
                let mut child_cx = Context::from_waker(&self.wakers[index]);
                if let Poll::Ready(outcome) = Pin::new(handle).poll(&mut child_cx) {
                    self.handles[index] = None;
                    self.held -= 1;
                    return Poll::Ready(Some((index, outcome)));
                }
            }
        }
    }

    /// Hands the handle at `index` back, if it is still held; the set forgets it.
    pub(crate) fn take(&mut self, index: usize) -> Option<JoinHandle<T>> {
        let handle = self.handles.get_mut(index)?.take()?;
        self.held -= 1;
        Some(handle)
    }

    /// The handle at `index`, if it is still held.
    pub(crate) fn get(&self, index: usize) -> Option<&JoinHandle<T>> {
        self.handles.get(index)?.as_ref()
    }

    /// Indexes of the handles still held, in order. O(n): for listings, not for loops.
    pub(crate) fn held_indexes(&self) -> impl Iterator<Item = usize> + '_ {
        self.handles
            .iter()
            .enumerate()
            .filter_map(|(index, handle)| handle.as_ref().map(|_| index))
    }

    /// Cancels every held task that is still running; inputs not spawned yet are dropped.
    /// The handles stay, so their `Cancelled` outcomes can still be taken.
    pub(crate) fn cancel_all(&mut self) {
        self.unspawned = None;
        self.cancel_spawned();
    }

    /// Cancels every held task that is still running (for sets that are never lazy).
    pub(crate) fn cancel_spawned(&self) {
        for handle in self.handles.iter().flatten() {
            handle.cancel();
        }
    }

    /// Cancels every held task except the one at `index`.
    pub(crate) fn cancel_all_except(&self, index: usize) {
        for (other, handle) in self.handles.iter().enumerate() {
            if let (true, Some(handle)) = (other != index, handle) {
                handle.cancel();
            }
        }
    }

    /// Hands back every held handle with its index, in order; the tasks keep running.
    /// Inputs not spawned yet are spawned first.
    ///
    /// # Panics
    /// Outside a ripple runtime, if there is something to spawn.
    pub(crate) fn into_handles(mut self) -> Vec<(usize, JoinHandle<T>)> {
        self.start();
        self.handles
            .into_iter()
            .enumerate()
            .filter_map(|(index, handle)| Some((index, handle?)))
            .collect()
    }

    /// Drops every held handle without cancelling: the tasks run on, detached. Inputs not
    /// spawned yet are dropped: they never ran, so there is nothing to leave running.
    pub(crate) fn detach_all(&mut self) {
        self.unspawned = None;
        self.handles.iter_mut().for_each(|handle| *handle = None);
        self.held = 0;
    }

    /// How many times a child's handle was polled so far.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn handle_polls(&self) -> u64 {
        self.handle_polls
    }
}

/// The indexes of the children that woke, and the waker of the task that waits on them.
#[derive(Default)]
struct ReadyList {
    state: Mutex<ReadyState>,
}

#[derive(Default)]
struct ReadyState {
    woken: Vec<usize>,
    /// The waker of the task polling the set, as of its last poll.
    waiter: Option<Waker>,
}

impl ReadyList {
    fn lock(&self) -> MutexGuard<'_, ReadyState> {
        // A panic cannot leave the state half-written (a push or a swap), so a poisoned
        // lock is still sound to use.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records `waiter` as the task to wake, then moves every woken index to `out`.
    fn drain_into(&self, out: &mut VecDeque<usize>, waiter: &Waker) {
        let mut state = self.lock();
        match &state.waiter {
            Some(known) if known.will_wake(waiter) => {}
            _ => state.waiter = Some(waiter.clone()),
        }
        out.extend(state.woken.drain(..));
    }
}

/// The waker of one child: it names the child's index in the ready list.
struct ChildWaker {
    index: usize,
    ready: Arc<ReadyList>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let waiter = {
            let mut state = self.ready.lock();
            state.woken.push(self.index);
            // INVARIANT (module): only the first wake since the last drain wakes the waiter.
            if state.woken.len() == 1 {
                state.waiter.clone()
            } else {
                None
            }
        };
        // Woken after the lock is released: a waker may run arbitrary code.
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::future::poll_fn;
    use std::time::Duration;

    use ripple_reactor::{Runtime, sleep};

    #[test]
    fn hundred_thousand_children_cost_two_handle_polls_each() {
        let rt = Runtime::builder().paused_clock().build().unwrap();
        const N: usize = 100_000;
        let (order, polls) = rt.block_on(async {
            // 100 distinct finish times, 1,000 children at each: a poll-everything
            // design would make 100 x 100,000 handle polls here.
            let mut children = Children::lazy((0..N).map(|i| async move {
                sleep(Duration::from_millis((i % 100) as u64 + 1)).await;
                i
            }));
            let mut order = Vec::with_capacity(N);
            while let Some((index, outcome)) = poll_fn(|cx| children.poll_next(cx)).await {
                assert_eq!(outcome, Ok(index));
                order.push(index);
            }
            (order, children.handle_polls())
        });
        assert_eq!(order.len(), N);
        assert_eq!(polls, 2 * N as u64);
        // Finish order: every child at 1 ms comes before any at 2 ms, and so on.
        assert!(order.windows(2).all(|w| w[0] % 100 <= w[1] % 100));
        assert!(rt.is_idle());
    }

    #[test]
    fn a_wake_that_lands_after_the_drain_is_not_lost() {
        let ready = Arc::new(ReadyList::default());
        let child = Waker::from(Arc::new(ChildWaker {
            index: 7,
            ready: Arc::clone(&ready),
        }));
        let counter = Arc::new(CountingWaker::default());
        let waiter = Waker::from(Arc::clone(&counter));
        let mut out = VecDeque::new();
        ready.drain_into(&mut out, &waiter);
        assert!(out.is_empty());
        child.wake_by_ref();
        child.wake_by_ref();
        // Two wakes, one wake of the waiter: the second found the list non-empty.
        assert_eq!(counter.count(), 1);
        ready.drain_into(&mut out, &waiter);
        assert_eq!(out, [7, 7]);
        child.wake_by_ref();
        assert_eq!(counter.count(), 2);
    }

    #[derive(Default)]
    struct CountingWaker(std::sync::atomic::AtomicUsize);

    impl CountingWaker {
        fn count(&self) -> usize {
            self.0.load(std::sync::atomic::Ordering::Relaxed)
        }
    }

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}
