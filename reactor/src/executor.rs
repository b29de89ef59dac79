//! The executor: a slab of tasks, and a queue of the ones that were woken.
//!
//! A task is a boxed future in a [`Slab`]; its [`TaskId`] is its index. Polling a task
//! hands it a [`Waker`] built once, at spawn, from a `TaskWaker` (`waker.rs`). Waking
//! calls [`Executor::schedule`], which pushes the id onto the `run_queue`: directly when
//! the wake happens on the loop's thread, or after a detour through the remote queue when
//! it comes from another thread (the blocking pool, a user's thread).
//!
//! # Invariants
//! - A task is on the run queue at most once: its slot's `scheduled` flag is set by the
//!   first wake and cleared just before the task is polled, so later wakes are free.
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
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use slab::Slab;

use crate::task::{JoinError, JoinHandle, JoinState, TaskId, TaskOutcome};
use crate::trace::{TaskEnd, Trace};
use crate::waker::{RemoteQueue, TaskWaker};

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
    /// On the run queue (see the invariants). Here, not in the waker, so polling a task
    /// touches its slot and its future and nothing else.
    scheduled: bool,
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
            let waker = Waker::from(Arc::new(TaskWaker::new(id, Arc::clone(&self.remote))));
            entry.insert(TaskSlot {
                state: SlotState::Idle(Runnable {
                    future: Box::pin(task),
                    waker,
                }),
                outcome: Rc::clone(&state) as Rc<dyn TaskOutcome>,
                scheduled: true,
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

    /// Queues a woken task, unless it is already queued. Called on the loop's thread, by
    /// a `TaskWaker` or for each wake that came through the remote queue.
    pub(crate) fn schedule(&self, id: TaskId) {
        // The slab is never borrowed across a wake (module invariants); if it ever were,
        // queueing twice is harmless: the second pop finds the task not scheduled.
        if let Ok(mut tasks) = self.tasks.try_borrow_mut() {
            match tasks.get_mut(id.0) {
                Some(slot) if !slot.scheduled => slot.scheduled = true,
                // Already queued, or a stale wake for a task that has ended.
                _ => return,
            }
        }
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
            if !slot.scheduled {
                return; // a duplicate entry (see `schedule`)
            }
            slot.scheduled = false;
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
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id.0) else {
            return;
        };
        match mem::replace(&mut slot.state, SlotState::PollingCancelled) {
            SlotState::Idle(runnable) => {
                drop(tasks);
                self.end(id, runnable, TaskEnd::Cancelled)
                    .fail(JoinError::Cancelled);
            }
            // The task is cancelling itself from inside its own poll: now marked, `park`
            // or `end` frees the slot when the poll returns.
            SlotState::Polling | SlotState::PollingCancelled => {
                let outcome = Rc::clone(&slot.outcome);
                drop(tasks);
                outcome.fail(JoinError::Cancelled);
            }
        }
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
        for id in self.remote.take() {
            self.schedule(id);
        }
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
