//! A live progress bar for the long runs, and `gather` with one, built on `as_completed`.
//!
//! [`Progress`] is an indicatif bar on standard error. When standard error is not a
//! terminal (a pipe, a file, a test) it is hidden: no escape codes end up in logs.
//!
//! [`gather_with_progress`] returns what `gather_results` returns (every outcome, in
//! input order) while moving the bar as each request ends. `gather` itself is silent
//! until everything is done; `as_completed` hands over each outcome as it arrives, with
//! the index of its input, so the bar can move and the outcome can drop into its slot.
//!
//! Path: `gather.rs` -> here -> `ripple_combinators::as_completed` -> indicatif.

use std::future::Future;
use std::io::{IsTerminal, stderr};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ripple_combinators::{TaskError, as_completed};

/// A progress bar that shows only on a terminal.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` steps, labelled `message`.
    pub fn new(total: usize, message: &str) -> Progress {
        let bar = if stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        let style = ProgressStyle::with_template("  {msg} [{bar:40}] {pos}/{len} ({elapsed})")
            .expect("the template is valid")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(message.to_owned());
        Progress { bar }
    }

    /// One more step done.
    pub fn step(&self) {
        self.bar.inc(1);
    }

    /// Removes the bar, leaving the terminal as it was for the lines that follow.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Runs every future concurrently and returns every outcome in input order, moving
/// `progress` one step as each one ends.
pub async fn gather_with_progress<I, T, E>(
    futures: I,
    progress: &Progress,
) -> Vec<Result<T, TaskError<E>>>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    let mut outcomes = as_completed(futures);
    let mut slots: Vec<Option<Result<T, TaskError<E>>>> = std::iter::repeat_with(|| None)
        .take(outcomes.remaining())
        .collect();
    while let Some((index, outcome)) = outcomes.next().await {
        slots[index] = Some(outcome);
        progress.step();
    }
    progress.finish();
    slots
        .into_iter()
        .map(|slot| slot.expect("as_completed yields every index once"))
        .collect()
}
