//! `Progress`: the live bar on stderr (done/total, rate, errors, ETA), only for a person.
//!
//! indicatif draws the bar with ANSI escape codes, which are noise in a log file or a
//! pipe. So the bar exists only when stderr is a terminal (`isatty(2)`, through
//! `IsTerminal`), there is more than one URL, and `--quiet` is off; otherwise every call
//! here is a no-op and stderr gets no escape code at all. The bar moves as each URL ends,
//! in both output modes (`--ordered` included).
//!
//! The per-URL lines go to stdout. When stdout is the same terminal, a line is printed with
//! the bar lifted (`suspend`), so the two do not tear each other.
//!
//! Path: `output.rs` creates one, calls [`Progress::record`] for each report, and prints
//! the lines through it.

use std::cell::Cell;
use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

/// How often the bar redraws when nothing ends (so rate and ETA keep moving).
const TICK: Duration = Duration::from_millis(200);

/// The bar, if there is one, and the counts it shows.
pub struct Progress {
    bar: Option<ProgressBar>,
    errors: Cell<u64>,
    /// Whether stdout and the bar share the terminal.
    stdout_is_terminal: bool,
}

impl Progress {
    /// A bar for `total` URLs, shown only if `wanted` (more than one URL, no `--quiet`) and
    /// stderr is a terminal.
    pub fn new(total: usize, wanted: bool) -> Progress {
        let bar = (wanted && io::stderr().is_terminal()).then(|| {
            let style =
                ProgressStyle::with_template("{bar:30} {pos}/{len}  {rate}  {msg}  ETA {eta}")
                    .expect("the template is valid")
                    .with_key("rate", |state: &ProgressState, out: &mut dyn fmt::Write| {
                        let _ = write!(out, "{:.0}/s", state.per_sec());
                    })
                    .progress_chars("=> ");
            let bar = ProgressBar::new(total as u64).with_style(style);
            bar.set_message("0 errors");
            bar.enable_steady_tick(TICK);
            bar
        });
        Progress {
            bar,
            errors: Cell::new(0),
            stdout_is_terminal: io::stdout().is_terminal(),
        }
    }

    /// One more URL done.
    pub fn record(&self, succeeded: bool) {
        let Some(bar) = &self.bar else { return };
        if !succeeded {
            self.errors.set(self.errors.get() + 1);
            bar.set_message(format!("{} errors", self.errors.get()));
        }
        bar.inc(1);
    }

    /// Prints one line on stdout, lifting the bar if they share the terminal.
    pub fn print_line(&self, line: &str) -> io::Result<()> {
        let print = || writeln!(io::stdout().lock(), "{line}");
        match &self.bar {
            Some(bar) if self.stdout_is_terminal => bar.suspend(print),
            _ => print(),
        }
    }

    /// Removes the bar, before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
