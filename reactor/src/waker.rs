//! The wakers: how "this task can go on" travels back to the loop, from any thread.
//!
//! A spawned task's `Waker` is built from a [`TaskWaker`] (`std::task::Wake`, so no
//! hand-written vtable and no `unsafe`). On the loop's own thread, waking calls
//! `Executor::schedule` directly through the thread-local context: no lock. From another
//! thread (a blocking job, a user's thread) the task's id goes into the [`RemoteQueue`],
//! and a poke of `mio::Waker` (an eventfd) makes a sleeping `epoll_wait` return, so the
//! loop drains the queue at once. The future passed to `block_on` has its own
//! [`MainWaker`]: a flag the loop checks each turn.
//!
//! Path: a socket, timer or join handle calls `wake()` -> here -> `executor.rs` (schedule).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Wake;

use crate::context;
use crate::task::TaskId;

/// The data behind a spawned task's `Waker`.
pub(crate) struct TaskWaker {
    task: TaskId,
    remote: Arc<RemoteQueue>,
}

impl TaskWaker {
    pub(crate) fn new(task: TaskId, remote: Arc<RemoteQueue>) -> Self {
        TaskWaker { task, remote }
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let on_loop_thread = context::with_loop_if(self.remote.loop_id, |event_loop| {
            event_loop.executor.schedule(self.task)
        });
        if on_loop_thread.is_none() {
            self.remote.push(self.task);
        }
    }
}

/// The data behind the `block_on` future's `Waker`: a flag, plus the poke for other threads.
pub(crate) struct MainWaker {
    woken: AtomicBool,
    remote: Arc<RemoteQueue>,
}

impl MainWaker {
    pub(crate) fn new(remote: Arc<RemoteQueue>) -> Self {
        MainWaker {
            woken: AtomicBool::new(true),
            remote,
        }
    }

    /// Clears the flag, returning whether it was set: whether `main` should be polled.
    pub(crate) fn take_woken(&self) -> bool {
        self.woken.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn is_woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let was_woken = self.woken.swap(true, Ordering::AcqRel);
        // Another thread must also unblock a loop that may be asleep in epoll_wait.
        if !was_woken && context::with_loop_if(self.remote.loop_id, |_| ()).is_none() {
            self.remote.poke();
        }
    }
}

/// Wakes that arrive from other threads, and the `mio::Waker` that interrupts `epoll_wait`
/// so the loop sees them. The only lock in the runtime, and the loop takes it only when
/// `has_wakes` says there is something to take.
pub(crate) struct RemoteQueue {
    loop_id: u64,
    woken: Mutex<Vec<TaskId>>,
    has_wakes: AtomicBool,
    poll_waker: mio::Waker,
}

impl RemoteQueue {
    pub(crate) fn new(loop_id: u64, poll_waker: mio::Waker) -> Self {
        RemoteQueue {
            loop_id,
            woken: Mutex::new(Vec::new()),
            has_wakes: AtomicBool::new(false),
            poll_waker,
        }
    }

    fn push(&self, id: TaskId) {
        let was_empty = {
            let mut woken = self
                .woken
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            woken.push(id);
            woken.len() == 1
        };
        self.has_wakes.store(true, Ordering::Release);
        if was_empty {
            self.poke();
        }
    }

    /// Interrupts a blocked `epoll_wait`. Failure means the eventfd is gone, which only
    /// happens once the runtime is dropped; then there is nobody left to wake.
    fn poke(&self) {
        let _ = self.poll_waker.wake();
    }

    /// Takes every wake queued so far (nothing, without locking, if there is none).
    pub(crate) fn take(&self) -> Vec<TaskId> {
        if !self.has_wakes.swap(false, Ordering::AcqRel) {
            return Vec::new();
        }
        let mut woken = self
            .woken
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut *woken)
    }
}
