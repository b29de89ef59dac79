//! `Output`: where the reports of the list mode go: a line each, the tally, the bar.
//!
//! Each report is counted (`summary.rs`), moves the bar (`progress.rs`), and becomes a
//! line on stdout (`report.rs`: text or `--json`). By default the line is printed at
//! once, so lines come in completion order. With `--ordered` a report that arrives
//! before its turn waits in a map by index, and the lines are printed as soon as every
//! earlier one has been: input order, still streamed (only a slow early URL holds back
//! the lines after it).
//!
//! If stdout fails (a closed pipe: `fetch -f urls | head`), the error is kept, nothing
//! more is printed, the workers stop taking URLs, and `finish` returns the error.
//!
//! Path: `list.rs` delivers each report -> here -> stdout, and stderr at the end.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use crate::progress::Progress;
use crate::report::Report;
use crate::summary::Tally;

/// The output of one list run.
pub struct Output {
    json: bool,
    ordered: bool,
    quiet: bool,
    /// `--fail`.
    fail: bool,
    progress: Progress,
    tally: Tally,
    /// `--ordered`: reports that came before their turn, by index.
    early: BTreeMap<usize, Report>,
    /// `--ordered`: the index whose line is next.
    next_line: usize,
    /// The first error writing to stdout.
    broken: Option<io::Error>,
}

impl Output {
    /// The output for a list of `total` URLs.
    pub fn new(total: usize, json: bool, ordered: bool, quiet: bool, fail: bool) -> Output {
        Output {
            json,
            ordered,
            quiet,
            fail,
            progress: Progress::new(total, total > 1 && !quiet),
            tally: Tally::default(),
            early: BTreeMap::new(),
            next_line: 0,
            broken: None,
        }
    }

    /// Whether `status` is a failure (`--fail` and 4xx or 5xx).
    pub fn fails_on_status(&self, status: u16) -> bool {
        self.fail && status >= 400
    }

    /// Whether stdout has failed.
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Counts a report and prints its line (or, with `--ordered`, keeps it until its turn).
    pub fn deliver(&mut self, report: Report) {
        self.tally.add(&report, self.fail);
        self.progress.record(report.succeeded(self.fail));
        if !self.ordered {
            self.print(&report);
            return;
        }
        self.early.insert(report.index, report);
        while let Some(report) = self.early.remove(&self.next_line) {
            self.print(&report);
            self.next_line += 1;
        }
    }

    fn print(&mut self, report: &Report) {
        if self.broken.is_some() {
            return;
        }
        let line = if self.json {
            report.json_line(self.fail)
        } else {
            report.text_line()
        };
        if let Err(error) = self.progress.print_line(&line) {
            self.broken = Some(error);
        }
    }

    /// Removes the bar and prints the summary (unless `--quiet`). Returns whether every
    /// request succeeded, or the error that stopped stdout.
    pub fn finish(&mut self, elapsed: Duration, opened: u64, reused: u64) -> io::Result<bool> {
        self.progress.finish();
        if let Some(error) = self.broken.take() {
            return Err(error);
        }
        if !self.quiet {
            eprint!("{}", self.tally.render(elapsed, opened, reused));
        }
        Ok(self.tally.all_succeeded())
    }
}
