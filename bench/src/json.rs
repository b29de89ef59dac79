//! `--json FILE`: every run, raw, for whoever wants to plot or re-check the table.
//!
//! Hand-written rather than serde: the shape is flat and fixed, and the only text that
//! needs escaping is an error message. One object per run, in the order they ran:
//!
//! ```text
//! {"workload": "M1", "runtime": "ripple", "run": 1, "ok": true, "elapsed_ns": 312000000,
//!  "ops": 1000000, "figure": 312.0, "unit": "ns/task", "peak_rss_kib": 135168, "cpus": "1"}
//! ```
//!
//! A W or L1 run adds `"cpu_ns"` (the client's user + system time), `"connections"`
//! (opened to the server), `"baseline_rss_kib"` (the client's RSS before its first
//! request) and `"server_cpu_ns"` (the server's CPU time meanwhile), when they were
//! measured.
//!
//! Path: `main.rs` -> [`render`] -> the file.

use std::fmt::Write;

use crate::parent::{Plan, Run};
use crate::pinning::Pinning;

/// The whole document: the plan, the pinning, and the runs.
pub fn render(plan: &Plan, pinning: &Pinning, runs: &[Run]) -> String {
    let sizes = plan.sizes();
    let pinned = match pinning {
        Pinning::Core(core) => core.to_string(),
        Pinning::Unpinned(_) => "null".to_string(),
    };
    let mut out = String::new();
    let _ = writeln!(out, "{{");
    let _ = writeln!(
        out,
        "  \"sizes\": {{\"tasks\": {}, \"sleepers\": {}, \"round_trips\": {}, \
         \"delayed_gets\": {}, \"sequential_gets\": {}, \"page_gets\": {}, \
         \"cli_gets\": {}, \"pending_gets\": {}}},",
        sizes.tasks,
        sizes.sleepers,
        sizes.round_trips,
        sizes.delayed_gets,
        sizes.sequential_gets,
        sizes.page_gets,
        sizes.cli_gets,
        sizes.pending_gets
    );
    let _ = writeln!(out, "  \"pinned_core\": {pinned},");
    let _ = writeln!(out, "  \"runs\": [");
    for (i, run) in runs.iter().enumerate() {
        let comma = if i + 1 < runs.len() { "," } else { "" };
        let _ = writeln!(out, "    {}{comma}", run_object(run));
    }
    let _ = writeln!(out, "  ]");
    let _ = writeln!(out, "}}");
    out
}

fn run_object(run: &Run) -> String {
    let head = format!(
        "\"workload\": \"{}\", \"runtime\": \"{}\", \"run\": {}",
        run.workload, run.contender, run.index
    );
    match &run.outcome {
        Ok(report) => {
            let mut http = String::new();
            if let Some(cpu) = report.cpu {
                let _ = write!(http, ", \"cpu_ns\": {}", cpu.as_nanos());
            }
            if let Some(connections) = report.connections {
                let _ = write!(http, ", \"connections\": {connections}");
            }
            if let Some(baseline) = report.baseline_rss_kib {
                let _ = write!(http, ", \"baseline_rss_kib\": {baseline}");
            }
            if let Some(cpu) = run.server_cpu {
                let _ = write!(http, ", \"server_cpu_ns\": {}", cpu.as_nanos());
            }
            format!(
                "{{{head}, \"ok\": true, \"elapsed_ns\": {}, \"ops\": {}, \"figure\": {}, \
                 \"unit\": \"{}\", \"peak_rss_kib\": {}, \"cpus\": \"{}\"{http}}}",
                report.elapsed.as_nanos(),
                report.ops,
                run.workload.figure(report.elapsed, report.ops),
                run.workload.unit(),
                report.peak_rss_kib,
                escape(&report.cpus)
            )
        }
        Err(e) => format!("{{{head}, \"ok\": false, \"error\": \"{}\"}}", escape(e)),
    }
}

/// `s` as the inside of a JSON string.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{Contender, Workload};

    #[test]
    fn quotes_backslashes_and_control_characters_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd\u{1}"), "a\\\"b\\\\c\\nd\\u0001");
    }

    #[test]
    fn an_http_run_carries_cpu_time_and_connections() {
        let run = Run {
            workload: Workload::W2,
            contender: Contender::Ripple,
            index: 1,
            outcome: Ok(crate::child::ChildReport {
                elapsed: std::time::Duration::from_secs(2),
                ops: 100_000,
                peak_rss_kib: 4096,
                cpus: "1".to_string(),
                cpu: Some(std::time::Duration::from_secs(1)),
                connections: Some(64),
                baseline_rss_kib: Some(3072),
            }),
            server_cpu: None,
        };
        assert!(
            run_object(&run).ends_with(
                "\"figure\": 50000, \"unit\": \"req/s\", \"peak_rss_kib\": 4096, \
                 \"cpus\": \"1\", \"cpu_ns\": 1000000000, \"connections\": 64, \
                 \"baseline_rss_kib\": 3072}"
            ),
            "{}",
            run_object(&run)
        );
    }

    #[test]
    fn a_failed_run_carries_its_error() {
        let run = Run {
            workload: Workload::M2,
            contender: Contender::Tokio,
            index: 3,
            outcome: Err("child exit status: 101".to_string()),
            server_cpu: None,
        };
        assert_eq!(
            run_object(&run),
            "{\"workload\": \"M2\", \"runtime\": \"tokio\", \"run\": 3, \"ok\": false, \
             \"error\": \"child exit status: 101\"}"
        );
    }
}
