//! `timed`: the chapter's `async_timed` decorator, as a wrapper around a future.
//!
//! A decorator in Python rewrites a function; in Rust the same effect is a future that
//! wraps another: `timed("fetch", fetch(url)).await`. When first polled it writes a
//! `starting` line and reads the runtime's clock; when the inner future is done it writes
//! a `finished` line with the elapsed seconds. The clock is `ripple_reactor::time::now()`,
//! so on a paused clock the figures are exact ("3.0000 s") and a test can compare lines.
//!
//! The lines go to standard output with [`timed`], or to any `io::Write` with
//! [`timed_to`]: a test passes a buffer it can read afterwards, a program a log file.
//! A writer that fails does not fail the work: the line is lost, the value is not.
//!
//! Path: user code -> here -> `ripple_reactor::time::now`.

use std::future::Future;
use std::io::{self, Write};
use std::time::Duration;

use ripple_reactor::time::now;

/// Runs `future`, printing `starting NAME` when it starts and `finished NAME in S s`
/// when it is done (S in seconds, 4 decimals) to standard output.
///
/// # Panics
/// Outside a ripple runtime.
pub async fn timed<F: Future>(name: impl Into<String>, future: F) -> F::Output {
    timed_to(io::stdout(), name, future).await
}

/// Like [`timed`], writing the two lines to `out` instead of standard output.
///
/// Several timed futures may share one writer (say an `Rc<RefCell<Vec<u8>>>` behind a
/// small `Write` impl): each line is written with one `write_all`.
///
/// # Panics
/// Outside a ripple runtime.
pub async fn timed_to<W: Write, F: Future>(
    mut out: W,
    name: impl Into<String>,
    future: F,
) -> F::Output {
    let name = name.into();
    let _ = out.write_all(starting_line(&name).as_bytes());
    let start = now();
    let output = future.await;
    let _ = out.write_all(finished_line(&name, now() - start).as_bytes());
    let _ = out.flush();
    output
}

fn starting_line(name: &str) -> String {
    format!("starting {name}\n")
}

fn finished_line(name: &str, took: Duration) -> String {
    format!("finished {name} in {:.4} s\n", took.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_work_and_give_seconds_to_four_places() {
        assert_eq!(starting_line("fetch"), "starting fetch\n");
        assert_eq!(
            finished_line("fetch", Duration::from_millis(1500)),
            "finished fetch in 1.5000 s\n"
        );
        assert_eq!(
            finished_line("main", Duration::from_micros(123_456)),
            "finished main in 0.1235 s\n"
        );
    }
}
