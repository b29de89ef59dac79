//! The executor: a slab of tasks, a queue of the ones that were woken, and the waker
//! that puts a task back on that queue.
//!
//! A task is a boxed future in a [`Slab`]; its [`TaskId`] is its index. Polling a task
//! hands it a [`Waker`] built once, at spawn, from a [`TaskWaker`] (`std::task::Wake`, so
//! no hand-written vtable). Waking pushes the id onto the `run_queue`: directly when the
//! wake happens on the loop's thread, or through the [`RemoteQueue`] and a poke of
//! `mio::Waker` when it comes from another thread (the blocking pool, a user's thread).
//!
//! # Invariants
//! - A task is on the run queue at most once: `TaskWaker::queued` is set by the first wake
//!   and cleared just before the task is polled, so later wakes are free.
//! - A task's future and waker are taken out of its slot while it is polled, so the task
//!   may spawn, cancel or wake anything (itself included) without a double borrow, and
//!   the poll costs no reference-count traffic. A task cancelled during its own poll is
//!   marked `PollingCancelled` and dropped when the poll returns.
//! - No `RefCell` borrow is held across a poll, a wake or a drop of a future.
//!
//! Path: `spawn()` -> here -> `runtime.rs` calls [`Executor::run_ready`] each turn.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use slab::Slab;

use crate::context;
use crate::task::{JoinError, JoinHandle, JoinState, TaskId, TaskOutcome};
use crate::trace::{TaskEnd, Trace};

type BoxedTask = Pin<Box<dyn Future<Output = ()>>>;

/// What polling a task needs; out of the slot while the task runs.
struct Runnable {
    future: BoxedTask,
    waker: Waker,
}

/// Where a task is: waiting in its slot, or out being polled (and maybe cancelled meanwhile).
enum SlotState {
    Idle(Runnable),
    Polling,
    PollingCancelled,
}

/// One live task. Kept small: a million tasks means a million slots.
struct TaskSlot {
    state: SlotState,
    outcome: Rc<dyn TaskOutcome>,
    wake_state: Arc<TaskWaker>,
}

/// The tasks of one runtime and the queue of those ready to run.
pub(crate) struct Executor {
    tasks: RefCell<Slab<TaskSlot>>,
    /// Names of the tasks that have one; most have none, so they live beside the slab.
    names: RefCell<HashMap<TaskId, Box<str>>>,
    run_queue: RefCell<VecDeque<TaskId>>,
    remote: Arc<RemoteQueue>,
    trace: Option<Trace>,
    slow_poll_threshold: Option<Duration>,
    polls: Cell<u64>,
    slow_polls: Cell<u64>,
}

impl Executor {
    pub(crate) fn new(
        remote: Arc<RemoteQueue>,
        trace: Option<Trace>,
        slow_poll_threshold: Option<Duration>,
    ) -> Self {
        Executor {
            tasks: RefCell::new(Slab::new()),
            names: RefCell::new(HashMap::new()),
            run_queue: RefCell::new(VecDeque::new()),
            remote,
            trace,
            slow_poll_threshold,
            polls: Cell::new(0),
            slow_polls: Cell::new(0),
        }
    }

    /// Adds a task and queues it for its first poll.
    pub(crate) fn spawn<F>(
        self: &Rc<Self>,
        name: Option<Box<str>>,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let state = Rc::new(JoinState::new());
        let outcome = Rc::clone(&state);
        // The async block pins `future` for us (no unsafe projection) and stores its
        // value where the JoinHandle will find it.
        let task = async move {
            let value = future.await;
            outcome.finish(Ok(value));
        };
        let id = {
            let mut tasks = self.tasks.borrow_mut();
            let entry = tasks.vacant_entry();
            let id = TaskId(entry.key());
            let wake_state = Arc::new(TaskWaker::new(
                WakeTarget::Task(id),
                Arc::clone(&self.remote),
            ));
            entry.insert(TaskSlot {
                state: SlotState::Idle(Runnable {
                    future: Box::pin(task),
                    waker: Waker::from(Arc::clone(&wake_state)),
                }),
                outcome: Rc::clone(&state) as Rc<dyn TaskOutcome>,
                wake_state,
            });
            id
        };
        if let Some(trace) = &self.trace {
            trace.spawned(id, name.as_deref());
        }
        if let Some(name) = name {
            self.names.borrow_mut().insert(id, name);
        }
        self.run_queue.borrow_mut().push_back(id);
        JoinHandle::new(state, id, Rc::downgrade(self))
    }

    /// Queues a task woken on the loop's own thread.
    pub(crate) fn wake_local(&self, id: TaskId) {
        if let Some(trace) = &self.trace {
            trace.woken(id);
        }
        self.run_queue.borrow_mut().push_back(id);
    }

    /// Polls up to `budget` queued tasks; returns how many ran. The budget keeps a flood
    /// of ready tasks from starving I/O and timers.
    pub(crate) fn run_ready(&self, budget: usize) -> usize {
        for ran in 0..budget {
            let next = self.run_queue.borrow_mut().pop_front();
            match next {
                Some(id) => self.poll_task(id),
                None => return ran,
            }
        }
        budget
    }

    fn poll_task(&self, id: TaskId) {
        let mut runnable = {
            let mut tasks = self.tasks.borrow_mut();
            // A stale wake (the task ended, or its id was reused) costs one lookup.
            let Some(slot) = tasks.get_mut(id.0) else {
                return;
            };
            slot.wake_state.queued.store(false, Ordering::Release);
            match mem::replace(&mut slot.state, SlotState::Polling) {
                SlotState::Idle(runnable) => runnable,
                other => {
                    slot.state = other;
                    return;
                }
            }
        };
        let started = self.is_observing().then(Instant::now);
        let mut cx = Context::from_waker(&runnable.waker);
        let result = catch_unwind(AssertUnwindSafe(|| runnable.future.as_mut().poll(&mut cx)));
        if let Some(started) = started {
            self.observe_poll(id, started.elapsed());
        }
        self.polls.set(self.polls.get() + 1);
        match result {
            Ok(Poll::Pending) => self.park(id, runnable),
            Ok(Poll::Ready(())) => {
                // The task's async block already stored its value in the JoinState.
                self.end(id, runnable, TaskEnd::Completed);
            }
            Err(panic) => {
                let message = panic_message(&*panic);
                // Does nothing if the task had cancelled itself before panicking.
                self.end(id, runnable, TaskEnd::Panicked)
                    .fail(JoinError::Panicked(message));
            }
        }
    }

    /// Puts a pending task back in its slot, unless it was cancelled while it ran.
    fn park(&self, id: TaskId, runnable: Runnable) {
        {
            let mut tasks = self.tasks.borrow_mut();
            let slot = &mut tasks[id.0];
            if let SlotState::Polling = slot.state {
                slot.state = SlotState::Idle(runnable);
                return;
            }
        }
        self.end(id, runnable, TaskEnd::Cancelled);
    }

    /// Frees a task's slot and drops its future; returns the task's outcome cell.
    fn end(&self, id: TaskId, runnable: Runnable, how: TaskEnd) -> Rc<dyn TaskOutcome> {
        let slot = self.tasks.borrow_mut().remove(id.0);
        drop_quietly(runnable.future);
        self.forget_name(id);
        self.record_end(id, how);
        slot.outcome
    }

    fn forget_name(&self, id: TaskId) {
        let mut names = self.names.borrow_mut();
        if !names.is_empty() {
            names.remove(&id);
        }
    }

    /// Cancels a live task: drops its future now, or right after its current poll if it
    /// is cancelling itself.
    pub(crate) fn cancel(&self, id: TaskId) {
        let removed = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(id.0) else {
                return;
            };
            if let SlotState::Idle(_) = slot.state {
                tasks.remove(id.0)
            } else {
                // The task is cancelling itself from inside its own poll: `park` or `end`
                // frees the slot when the poll returns.
                slot.state = SlotState::PollingCancelled;
                let outcome = Rc::clone(&slot.outcome);
                drop(tasks);
                outcome.fail(JoinError::Cancelled);
                return;
            }
        };
        if let SlotState::Idle(runnable) = removed.state {
            drop_quietly(runnable.future);
        }
        self.forget_name(id);
        self.record_end(id, TaskEnd::Cancelled);
        removed.outcome.fail(JoinError::Cancelled);
    }

    /// Drops every live task, as `asyncio.run` cancels what is left when `main` returns.
    /// Dropping a future may spawn another task, so this repeats until the slab is empty.
    pub(crate) fn cancel_all(&self) {
        loop {
            let slots: Vec<TaskSlot> = self.tasks.borrow_mut().drain().collect();
            if slots.is_empty() {
                break;
            }
            for slot in slots {
                if let SlotState::Idle(runnable) = slot.state {
                    drop_quietly(runnable.future);
                }
                slot.outcome.fail(JoinError::Cancelled);
            }
        }
        self.names.borrow_mut().clear();
        self.run_queue.borrow_mut().clear();
    }

    /// Whether a task is queued to run.
    pub(crate) fn has_ready_tasks(&self) -> bool {
        !self.run_queue.borrow().is_empty()
    }

    /// Moves the wakes that other threads left in the remote queue onto the run queue.
    pub(crate) fn take_remote_wakes(&self) {
        self.remote.drain_into(&mut self.run_queue.borrow_mut());
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.tasks.borrow().len()
    }

    pub(crate) fn polls(&self) -> u64 {
        self.polls.get()
    }

    pub(crate) fn slow_polls(&self) -> u64 {
        self.slow_polls.get()
    }

    pub(crate) fn trace(&self) -> Option<&Trace> {
        self.trace.as_ref()
    }

    fn is_observing(&self) -> bool {
        self.trace.is_some() || self.slow_poll_threshold.is_some()
    }

    fn observe_poll(&self, id: TaskId, took: Duration) {
        if let Some(trace) = &self.trace {
            trace.polled(id, took);
        }
        let Some(threshold) = self.slow_poll_threshold else {
            return;
        };
        if took >= threshold {
            self.slow_polls.set(self.slow_polls.get() + 1);
            let names = self.names.borrow();
            let name = names.get(&id).map_or("unnamed", |name| &**name);
            eprintln!(
                "ripple: task {id} ({name}) held the loop for {:.1} ms in one poll; \
                 blocking code stalls every other task",
                took.as_secs_f64() * 1000.0
            );
        }
    }

    fn record_end(&self, id: TaskId, how: TaskEnd) {
        if let Some(trace) = &self.trace {
            trace.finished(id, how);
        }
    }
}

/// Drops a future, containing a panic from its destructor to this task.
fn drop_quietly(future: BoxedTask) {
    let _ = catch_unwind(AssertUnwindSafe(move || drop(future)));
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

/// Which future a waker wakes: a spawned task, or the future passed to `block_on`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum WakeTarget {
    Task(TaskId),
    Main,
}

/// The state behind every `Waker` the executor hands out.
pub(crate) struct TaskWaker {
    target: WakeTarget,
    /// Set by the first wake, cleared just before the next poll (see the invariants).
    queued: AtomicBool,
    remote: Arc<RemoteQueue>,
}

impl TaskWaker {
    pub(crate) fn new(target: WakeTarget, remote: Arc<RemoteQueue>) -> Self {
        TaskWaker {
            target,
            queued: AtomicBool::new(true),
            remote,
        }
    }

    /// Clears the queued flag, returning whether it was set. The loop calls it before
    /// polling the `block_on` future.
    pub(crate) fn take_queued(&self) -> bool {
        self.queued.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn is_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire)
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return; // already queued: this wake is free
        }
        let loop_id = self.remote.loop_id;
        match self.target {
            WakeTarget::Task(id) => {
                let local =
                    context::with_loop_if(loop_id, |event_loop| event_loop.executor.wake_local(id));
                if local.is_none() {
                    self.remote.push(id);
                }
            }
            // The flag is all the main future needs; another thread must also unblock
            // a loop that may be asleep in epoll_wait.
            WakeTarget::Main => {
                if context::with_loop_if(loop_id, |_| ()).is_none() {
                    self.remote.poke();
                }
            }
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

    fn drain_into(&self, run_queue: &mut VecDeque<TaskId>) {
        if !self.has_wakes.swap(false, Ordering::AcqRel) {
            return;
        }
        let mut woken = self
            .woken
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        run_queue.extend(woken.drain(..));
    }
}
