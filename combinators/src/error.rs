//! `TaskError`: why a child of a combinator gave no value.
//!
//! In asyncio an awaitable "fails" by raising. A Rust future has two ways to do that:
//! return `Err(e)`, or panic. The combinators that care about failure
//! ([`gather_results`](crate::gather_results), [`try_gather`](crate::try_gather),
//! [`as_completed`](crate::as_completed), [`wait`](crate::wait),
//! [`TaskGroup`](crate::TaskGroup)) therefore take futures whose output is
//! `Result<T, E>`, and hand back `Result<T, TaskError<E>>`: the task's own error stays
//! a value of the caller's type, and the ways a task can end without producing anything
//! at all (a panic, a cancellation, a group timeout) sit beside it, each its own variant.
//! One level of `Result`, not `Result<Result<T, E>, JoinError>`.
//!
//! A future that cannot fail returns `Ok::<_, Infallible>(value)`; [`gather`](crate::gather())
//! and [`gather!`](crate::gather!) take plain values and need no such wrapping.
//!
//! Path: every combinator's outcome goes through [`flatten`] on its way out.

use std::error::Error;
use std::fmt;

use ripple_reactor::JoinError;

/// Why a task started by a combinator produced no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError<E> {
    /// The future finished and returned `Err(e)`: asyncio's "the coroutine raised".
    Failed(E),
    /// The task panicked; the panic was caught (the other tasks go on) and this is its
    /// message.
    Panicked(String),
    /// The task was cancelled before it finished: its future was dropped.
    Cancelled,
    /// A group timeout ([`as_completed`](crate::as_completed)'s) passed before the task
    /// finished. The task itself is not cancelled by this: it may still be running.
    TimedOut,
}

impl<E> TaskError<E> {
    /// Whether the future itself returned an error.
    pub fn is_failed(&self) -> bool {
        matches!(self, TaskError::Failed(_))
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked(_))
    }

    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// Whether a group timeout passed first.
    pub fn is_timeout(&self) -> bool {
        matches!(self, TaskError::TimedOut)
    }

    /// The future's own error, if that is what this is.
    pub fn into_failure(self) -> Option<E> {
        match self {
            TaskError::Failed(error) => Some(error),
            _ => None,
        }
    }
}

impl<E> From<JoinError> for TaskError<E> {
    fn from(error: JoinError) -> Self {
        match error {
            JoinError::Cancelled => TaskError::Cancelled,
            JoinError::Panicked(message) => TaskError::Panicked(message),
        }
    }
}

impl<E: fmt::Display> fmt::Display for TaskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Failed(error) => write!(f, "task failed: {error}"),
            TaskError::Panicked(message) => write!(f, "task panicked: {message}"),
            TaskError::Cancelled => f.write_str("task was cancelled"),
            TaskError::TimedOut => f.write_str("timed out waiting for the task"),
        }
    }
}

impl<E: Error + 'static> Error for TaskError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            TaskError::Failed(error) => Some(error),
            _ => None,
        }
    }
}

/// An input's index and what became of it: the item of [`as_completed`](crate::as_completed)
/// and of [`wait`](crate::wait)'s `done` list.
pub type Outcome<T, E> = (usize, Result<T, TaskError<E>>);

/// One level of `Result` from a task's two: its join outcome and its own.
pub(crate) fn flatten<T, E>(outcome: Result<Result<T, E>, JoinError>) -> Result<T, TaskError<E>> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(TaskError::Failed(error)),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flatten_keeps_the_task_error_apart_from_the_join_error() {
        let ok: Result<Result<u8, &str>, JoinError> = Ok(Ok(1));
        assert_eq!(flatten(ok), Ok(1));
        assert_eq!(
            flatten::<u8, _>(Ok(Err("bad"))),
            Err(TaskError::Failed("bad"))
        );
        assert_eq!(
            flatten::<u8, &str>(Err(JoinError::Panicked("boom".into()))),
            Err(TaskError::Panicked("boom".into()))
        );
        assert_eq!(
            flatten::<u8, &str>(Err(JoinError::Cancelled)),
            Err(TaskError::Cancelled)
        );
    }

    #[test]
    fn display_names_what_happened() {
        assert_eq!(
            TaskError::Failed("no route").to_string(),
            "task failed: no route"
        );
        assert_eq!(
            TaskError::<&str>::TimedOut.to_string(),
            "timed out waiting for the task"
        );
    }
}
