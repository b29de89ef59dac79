//! `Tally`: the numbers of a whole run, and the summary printed on stderr at its end.
//!
//! Every report is added as it arrives; the summary then says how many succeeded and
//! failed, the responses by status class (2xx, 4xx, ...), the failures by kind, the
//! latency of the responses (p50, p95, max: nearest rank over all of them, sorted once at
//! the end), the rate, the bytes received and how many connections the session opened
//! and reused (`Session::stats`, so keep-alive shows).
//!
//! The lines are `name  value value ...` so a test or a script can pick one out:
//!
//! ```text
//! fetch: 1000 URLs in 0.42s, 2381.0 requests/s: 1000 succeeded, 0 failed
//!   status       2xx 900  4xx 100
//!   errors       none
//!   latency      p50 8.1ms  p95 21.3ms  max 40.2ms
//!   received     1256000 bytes
//!   connections  50 opened, 950 reused
//! ```
//!
//! Path: `output.rs` adds each report -> [`Tally::render`] at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::report::{Outcome, Report, format_duration};

/// Counts over the reports of one run.
#[derive(Debug, Default)]
pub struct Tally {
    succeeded: u64,
    failed: u64,
    /// Responses by status class: index 1 is 1xx, ..., 5 is 5xx.
    by_class: [u64; 6],
    /// Failures by kind, in name order.
    by_kind: BTreeMap<&'static str, u64>,
    /// The time of every response (failures are left out: a timeout's time is its limit).
    latencies: Vec<Duration>,
    bytes: u64,
}

impl Tally {
    /// Counts one report; `fail_on_status` is `--fail`.
    pub fn add(&mut self, report: &Report, fail_on_status: bool) {
        if report.succeeded(fail_on_status) {
            self.succeeded += 1;
        } else {
            self.failed += 1;
        }
        match &report.outcome {
            Outcome::Response { status, bytes, .. } => {
                self.by_class[usize::from(status / 100).min(5)] += 1;
                self.latencies.push(report.time);
                self.bytes += bytes;
            }
            Outcome::Failed(failure) => *self.by_kind.entry(failure.kind).or_default() += 1,
        }
    }

    /// Whether every report counted succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.failed == 0
    }

    /// The summary: `elapsed` is the run's wall time; `opened` and `reused` the session's
    /// connection counts.
    pub fn render(&mut self, elapsed: Duration, opened: u64, reused: u64) -> String {
        let total = self.succeeded + self.failed;
        let rate = total as f64 / elapsed.as_secs_f64().max(1e-9);
        let mut out = format!(
            "fetch: {total} URLs in {}, {rate:.1} requests/s: {} succeeded, {} failed\n",
            format_duration(elapsed),
            self.succeeded,
            self.failed
        );
        let classes: Vec<String> = (1..=5)
            .filter(|&class| self.by_class[class] > 0)
            .map(|class| format!("{class}xx {}", self.by_class[class]))
            .collect();
        let kinds: Vec<String> = self
            .by_kind
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect();
        let _ = writeln!(out, "  status       {}", or_none(&classes));
        let _ = writeln!(out, "  errors       {}", or_none(&kinds));
        self.latencies.sort_unstable();
        if let Some(max) = self.latencies.last() {
            let _ = writeln!(
                out,
                "  latency      p50 {}  p95 {}  max {}",
                format_duration(percentile(&self.latencies, 50)),
                format_duration(percentile(&self.latencies, 95)),
                format_duration(*max)
            );
        }
        let _ = writeln!(out, "  received     {} bytes", self.bytes);
        let _ = writeln!(out, "  connections  {opened} opened, {reused} reused");
        out
    }
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join("  ")
    }
}

/// The nearest-rank percentile of `sorted`, which must not be empty: the smallest value
/// with at least `p` percent of the values at or below it.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Failure;

    fn response(status: u16, millis: u64) -> Report {
        Report {
            index: 0,
            url: "http://h/".into(),
            time: Duration::from_millis(millis),
            outcome: Outcome::Response {
                status,
                bytes: 10,
                file: None,
            },
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 95), Duration::from_millis(95));
        assert_eq!(percentile(&sorted[..1], 95), Duration::from_millis(1));
    }

    #[test]
    fn the_summary_counts_classes_kinds_and_fail() {
        let mut tally = Tally::default();
        for report in [response(200, 1), response(404, 2), response(500, 3)] {
            tally.add(&report, true);
        }
        let mut failed = response(200, 4);
        failed.outcome = Outcome::Failed(Failure::new("timeout", "slow"));
        tally.add(&failed, true);
        assert!(!tally.all_succeeded());
        let text = tally.render(Duration::from_secs(2), 3, 1);
        assert!(
            text.starts_with("fetch: 4 URLs in 2.00s, 2.0 requests/s: 1 succeeded, 3 failed\n")
        );
        assert!(
            text.contains("  status       2xx 1  4xx 1  5xx 1\n"),
            "{text}"
        );
        assert!(text.contains("  errors       timeout 1\n"), "{text}");
        assert!(
            text.contains("  latency      p50 2.0ms  p95 3.0ms  max 3.0ms\n"),
            "{text}"
        );
        assert!(text.contains("  received     30 bytes\n  connections  3 opened, 1 reused\n"));
    }
}
