//! What a spawned task hands back: its id, its `JoinHandle`, and how it can end.
//!
//! [`spawn`](crate::spawn) returns a [`JoinHandle`], a future of `Result<T, JoinError>`.
//! The handle and the running task share one [`JoinState`]: the task writes its outcome
//! there and wakes whoever awaits the handle. As in asyncio, dropping the handle does not
//! stop the task (it is *detached*); [`JoinHandle::cancel`] does, by dropping the task's
//! future at once, which is what cancellation means for a Rust future.
//!
//! # Invariants
//! - A `JoinState` is `Running` exactly while its task owns a slot in the executor's slab.
//!   Finishing, panicking and cancelling all move it out of `Running` in the same step that
//!   frees the slot, so a handle whose state is `Running` can name its task by `TaskId`.
//!
//! Path: `executor.rs` runs the task and fills the state -> the awaiting task reads it here.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use crate::executor::Executor;

/// The identity of a task: its index in the executor's slab, unique among live tasks.
///
/// An id is reused once its task has ended, so keep ids for display and tracing, not as
/// long-lived keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub(crate) usize);

impl TaskId {
    /// The slab index behind the id, for labels and tables.
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Why a task produced no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The task was cancelled (its future dropped) before it finished: by
    /// [`JoinHandle::cancel`], or because the runtime shut down.
    Cancelled,
    /// The task panicked; the panic was caught and carries this message. The loop and the
    /// other tasks go on, as they do when an asyncio task raises.
    Panicked(String),
}

impl JoinError {
    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled"),
            JoinError::Panicked(message) => write!(f, "task panicked: {message}"),
        }
    }
}

impl std::error::Error for JoinError {}

/// Where a task's outcome waits for its `JoinHandle`.
///
/// Each variant rules something out: `Running` has no result yet, `Finished` has one that
/// nobody took, `Taken` means the handle already returned it (polling again is a bug).
enum Stage<T> {
    Running { joiner: Option<Waker> },
    Finished(Result<T, JoinError>),
    Taken,
}

/// The outcome cell shared by a task and its handle.
pub(crate) struct JoinState<T> {
    stage: RefCell<Stage<T>>,
}

/// The part of a `JoinState` the executor needs without knowing `T`: ending it with an
/// error when the task panics or is cancelled.
pub(crate) trait TaskOutcome {
    fn fail(&self, error: JoinError);
}

impl<T> JoinState<T> {
    pub(crate) fn new() -> Self {
        JoinState {
            stage: RefCell::new(Stage::Running { joiner: None }),
        }
    }

    /// Records the outcome, if the task is still running, and wakes the joiner.
    pub(crate) fn finish(&self, result: Result<T, JoinError>) {
        let joiner = {
            let mut stage = self.stage.borrow_mut();
            let Stage::Running { joiner } = &mut *stage else {
                return;
            };
            let joiner = joiner.take();
            *stage = Stage::Finished(result);
            joiner
        };
        // Woken after the borrow ends: a waker may run arbitrary code.
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }

    fn is_running(&self) -> bool {
        matches!(*self.stage.borrow(), Stage::Running { .. })
    }
}

impl<T> TaskOutcome for JoinState<T> {
    fn fail(&self, error: JoinError) {
        self.finish(Err(error));
    }
}

/// An owned permission to await (or cancel) a spawned task.
///
/// Await it to get the task's value, `Err(JoinError::Cancelled)` or
/// `Err(JoinError::Panicked(..))`. Drop it to detach the task, which then runs on
/// unobserved. It is not `Send`: ripple runs everything on one thread.
pub struct JoinHandle<T> {
    state: Rc<JoinState<T>>,
    task: TaskId,
    executor: Weak<Executor>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(state: Rc<JoinState<T>>, task: TaskId, executor: Weak<Executor>) -> Self {
        JoinHandle {
            state,
            task,
            executor,
        }
    }

    /// The task's id, as it appears in traces.
    pub fn id(&self) -> TaskId {
        self.task
    }

    /// Whether the task has ended (with a value, a panic or a cancellation).
    pub fn is_finished(&self) -> bool {
        !self.state.is_running()
    }

    /// Cancels the task: its future is dropped now, running its destructors, and the handle
    /// yields `Err(JoinError::Cancelled)`. Cancelling a task that has already ended does
    /// nothing; its result stays available.
    ///
    /// asyncio's `Task.cancel()` throws `CancelledError` into the coroutine at its next
    /// `await`; a Rust future has no such hook, so dropping it is the cancellation.
    pub fn cancel(&self) {
        if !self.state.is_running() {
            return;
        }
        // INVARIANT (JoinState): still running, so the slot `self.task` is this task's.
        if let Some(executor) = self.executor.upgrade() {
            executor.cancel(self.task);
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut stage = self.state.stage.borrow_mut();
        match &mut *stage {
            Stage::Running { joiner } => {
                match joiner {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => *joiner = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            Stage::Finished(_) => match mem::replace(&mut *stage, Stage::Taken) {
                Stage::Finished(result) => Poll::Ready(result),
                _ => unreachable!("the stage was just matched as Finished"),
            },
            Stage::Taken => panic!("JoinHandle polled again after it returned its result"),
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.task)
            .field("finished", &self.is_finished())
            .finish()
    }
}
