//! An optional record of what each task did and when: spawned, woken, polled, finished.
//!
//! Turned on with [`Builder::trace`](crate::Builder::trace); off, it costs one `Option`
//! check per event. The demos turn the record into a timeline picture (one bar per task
//! from spawn to finish), which is how "sequential" and "concurrent" look different.
//! Timestamps come from the runtime's clock, so a paused-clock run draws the same picture
//! as a real one, only instantly.
//!
//! Path: `executor.rs` records -> [`Runtime::take_trace`](crate::Runtime::take_trace) reads.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use crate::task::TaskId;
use crate::time::clock::Clock;

/// One thing that happened to one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// The task it happened to.
    pub task: TaskId,
    /// When, measured from the moment the runtime was built.
    pub at: Duration,
    /// What happened.
    pub kind: TaskEvent,
}

/// The kinds of [`TraceEvent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskEvent {
    /// The task was spawned, with the name given to [`spawn_named`](crate::spawn_named).
    Spawned {
        /// The task's name, if it has one.
        name: Option<String>,
    },
    /// Something woke the task; it will be polled soon.
    Woken,
    /// The task was polled and ran for this long before returning.
    Polled {
        /// How long the poll held the loop (real time, even on a paused clock).
        took: Duration,
    },
    /// The task ended.
    Finished(TaskEnd),
}

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEnd {
    /// Its future returned a value.
    Completed,
    /// Its future was dropped before it finished.
    Cancelled,
    /// Its future panicked.
    Panicked,
}

/// The recorder the executor writes to.
pub(crate) struct Trace {
    clock: Clock,
    start: Instant,
    events: RefCell<Vec<TraceEvent>>,
}

impl Trace {
    pub(crate) fn new(clock: Clock) -> Self {
        let start = clock.now();
        Trace {
            clock,
            start,
            events: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn spawned(&self, task: TaskId, name: Option<&str>) {
        let name = name.map(str::to_owned);
        self.record(task, TaskEvent::Spawned { name });
    }

    pub(crate) fn woken(&self, task: TaskId) {
        self.record(task, TaskEvent::Woken);
    }

    pub(crate) fn polled(&self, task: TaskId, took: Duration) {
        self.record(task, TaskEvent::Polled { took });
    }

    pub(crate) fn finished(&self, task: TaskId, how: TaskEnd) {
        self.record(task, TaskEvent::Finished(how));
    }

    pub(crate) fn take(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut *self.events.borrow_mut())
    }

    fn record(&self, task: TaskId, kind: TaskEvent) {
        let at = self.clock.now().saturating_duration_since(self.start);
        self.events.borrow_mut().push(TraceEvent { task, at, kind });
    }
}
