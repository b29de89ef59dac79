//! `Report`: what became of one URL, and the line that says so (text or JSON).
//!
//! With many URLs, each one ends as exactly one [`Report`]: a response (its status and
//! body size, and where the body was saved) or a failure (a short kind, such as
//! `timeout` or `connect`, and a message). The kinds are the client's
//! [`Error::kind_name`]s, plus three of this tool's own: `write` (saving the body
//! failed), `cancelled` (the `--deadline` passed first) and `panic` (a bug).
//!
//! A text line is whitespace-separated, so `awk` can read it:
//! `STATUS-OR-KIND  BYTES-OR-DASH  TIME  URL  [-> FILE | MESSAGE]`. A JSON line is one
//! object with the same facts; it is written by hand (a few fields, one escaping rule)
//! rather than with a serialization library.
//!
//! Path: `list.rs` makes reports -> `output.rs` prints their lines, made here, and
//! `summary.rs` counts them.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use ripple_http::Error;

/// Why a URL produced no (complete) response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// A short name: `timeout`, `connect`, `protocol`, ..., `write`, `cancelled`.
    pub kind: &'static str,
    /// What happened, on one line.
    pub message: String,
}

impl Failure {
    /// A failure of this tool's own (not of the client).
    pub fn new(kind: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: one_line(&message.into()),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::new(error.kind_name(), error.to_string())
    }
}

/// What a URL gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A whole response arrived (any status).
    Response {
        /// The status code of the last response (after redirects).
        status: u16,
        /// The body's length, after chunked decoding.
        bytes: u64,
        /// Where the body was saved, with `--out-dir`.
        file: Option<PathBuf>,
    },
    /// No whole response.
    Failed(Failure),
}

/// One URL's line in the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The URL's place in the input, from 0.
    pub index: usize,
    /// The URL as given.
    pub url: String,
    /// From the request's start (it had a free slot) to its last byte, or its failure.
    pub time: Duration,
    /// What it gave.
    pub outcome: Outcome,
}

impl Report {
    /// Whether this counts as a success: a response, and with `--fail` not a 4xx or 5xx.
    pub fn succeeded(&self, fail_on_status: bool) -> bool {
        match self.outcome {
            Outcome::Response { status, .. } => !(fail_on_status && status >= 400),
            Outcome::Failed(_) => false,
        }
    }

    /// The text line (without the newline).
    pub fn text_line(&self) -> String {
        let time = format_duration(self.time);
        match &self.outcome {
            Outcome::Response {
                status,
                bytes,
                file,
            } => {
                let mut line = format!("{status:<9} {bytes:>10} {time:>9}  {}", self.url);
                if let Some(file) = file {
                    let _ = write!(line, "  -> {}", file.display());
                }
                line
            }
            Outcome::Failed(failure) => format!(
                "{:<9} {:>10} {time:>9}  {}  {}",
                failure.kind, "-", self.url, failure.message
            ),
        }
    }

    /// The JSON line (without the newline), e.g.
    /// `{"index":0,"url":"http://...","ok":true,"status":200,"bytes":1256,"seconds":0.002}`.
    pub fn json_line(&self, fail_on_status: bool) -> String {
        let mut line = format!(
            "{{\"index\":{},\"url\":{},\"ok\":{}",
            self.index,
            json_string(&self.url),
            self.succeeded(fail_on_status)
        );
        match &self.outcome {
            Outcome::Response {
                status,
                bytes,
                file,
            } => {
                let _ = write!(line, ",\"status\":{status},\"bytes\":{bytes}");
                if let Some(file) = file {
                    let path = file.to_string_lossy();
                    let _ = write!(line, ",\"file\":{}", json_string(&path));
                }
            }
            Outcome::Failed(failure) => {
                let _ = write!(
                    line,
                    ",\"error\":{},\"message\":{}",
                    json_string(failure.kind),
                    json_string(&failure.message)
                );
            }
        }
        let _ = write!(line, ",\"seconds\":{:.6}}}", self.time.as_secs_f64());
        line
    }
}

/// `3.2ms` below a second, `1.25s` from there on.
pub fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{:.1}ms", duration.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2}s", duration.as_secs_f64())
    }
}

/// Replaces control characters (a newline from a server's reason phrase, say) so that a
/// message stays on one line.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` as a JSON string literal (RFC 8259 section 7).
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcome: Outcome) -> Report {
        Report {
            index: 3,
            url: "http://h/a\"b".into(),
            time: Duration::from_millis(1500),
            outcome,
        }
    }

    #[test]
    fn a_text_line_puts_status_bytes_time_and_url_first() {
        let ok = report(Outcome::Response {
            status: 200,
            bytes: 1256,
            file: None,
        });
        let line = ok.text_line();
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields, ["200", "1256", "1.50s", "http://h/a\"b"]);
        let failed = report(Outcome::Failed(Failure::new("timeout", "too\nslow")));
        let line = failed.text_line();
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            fields,
            ["timeout", "-", "1.50s", "http://h/a\"b", "too", "slow"]
        );
    }

    #[test]
    fn json_lines_escape_strings_and_say_ok() {
        let failed = report(Outcome::Failed(Failure::new("connect", "refused\t\u{1}")));
        assert_eq!(
            failed.json_line(false),
            "{\"index\":3,\"url\":\"http://h/a\\\"b\",\"ok\":false,\"error\":\"connect\",\
             \"message\":\"refused  \",\"seconds\":1.500000}"
        );
        let not_found = report(Outcome::Response {
            status: 404,
            bytes: 0,
            file: None,
        });
        assert!(not_found.json_line(false).contains("\"ok\":true"));
        assert!(not_found.json_line(true).contains("\"ok\":false"));
        assert_eq!(json_string("a\u{1}\\"), "\"a\\u0001\\\\\"");
    }

    #[test]
    fn durations_read_well_at_both_scales() {
        assert_eq!(format_duration(Duration::from_micros(3200)), "3.2ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.25s");
    }
}
