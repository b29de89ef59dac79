//! The child process: run one workload on one runtime, then report on one stdout line.
//!
//! The parent (`parent.rs`) starts a fresh process per run, `bench-child-ripple M1`, so
//! that each run starts from a clean heap and its peak RSS belongs to that run alone.
//! There is one child binary per runtime (`src/bin/bench-child-*.rs`, each a thin `main`
//! over [`main_of_binary`]): `VmHWM` counts the binary's code pages the run touched, and a
//! user's program holds one runtime, not three. F1 runs programs, not a runtime, so its
//! child is the main binary again, `ripple-bench --child F1 ripple`.
//!
//! Linux keeps the peak in `/proc/self/status` as `VmHWM` (the resident set's "high water
//! mark"); the child reads it after the workload, along with
//! `Cpus_allowed_list`, which shows whether `taskset` pinned it. A W child also gets the
//! server's address (`--server`): it reads the server's `/stats` before and after the run,
//! and reports how many connections its client opened.
//!
//! The report line is the whole protocol between the two processes; `cpu_ns` (the
//! client's CPU time, user + system), `connections` and `baseline_rss_kib` (`VmRSS` just
//! before the first request) come only from W and L1 children:
//!
//! ```text
//! ripple-bench-child elapsed_ns=812345678 ops=1000000 vm_hwm_kib=135168 cpus=1
//! ripple-bench-child elapsed_ns=2512345678 ops=100000 vm_hwm_kib=4096 cpus=1 cpu_ns=2412345000 connections=64 baseline_rss_kib=3072
//! ```
//!
//! Before anything else the child raises its soft limit on open files to the hard one
//! (`open_files.rs`): L1 holds 10,000 connections.
//!
//! Path: a `bench-child-*` binary (or `main.rs`, seeing `--child`) -> here ->
//! `workloads/` -> the line on stdout -> `parent.rs` parses it with
//! [`ChildReport::from_stdout`].

use std::fs;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use crate::server::{self, ServerStats};
use crate::stopwatch::Measured;
use crate::workloads::{Scale, Sizes, Workload};
use crate::{memory, open_files};

/// The word that starts the report line, so stray output from a runtime cannot be taken
/// for it.
const PREFIX: &str = "ripple-bench-child";

/// What one child measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildReport {
    /// Time taken by the workload, start-up excluded.
    pub elapsed: Duration,
    /// Operations done (tasks, sleepers or round trips), so the parent need not trust its
    /// own idea of the sizes.
    pub ops: u64,
    /// Peak resident set of the child, in KiB (`VmHWM`).
    pub peak_rss_kib: u64,
    /// The CPUs the child was allowed to run on (`Cpus_allowed_list`, e.g. `1` or `0-1`).
    pub cpus: String,
    /// CPU time (user + system) of the workload, where it measures it (W workloads).
    pub cpu: Option<Duration>,
    /// Connections the client opened to the server (W workloads), from its `/stats`.
    pub connections: Option<u64>,
    /// The child's RSS in KiB just before its first request (W workloads and L1).
    pub baseline_rss_kib: Option<u64>,
}

impl ChildReport {
    /// L1's figure: KiB of peak RSS over the baseline, per request; `None` without a
    /// baseline or a peak.
    pub fn rss_per_op_kib(&self) -> Option<f64> {
        let baseline = self.baseline_rss_kib?;
        (self.peak_rss_kib > 0).then(|| memory::kib_per_op(self.peak_rss_kib, baseline, self.ops))
    }

    /// The report as the one line the child prints.
    pub fn to_line(&self) -> String {
        let mut line = format!(
            "{PREFIX} elapsed_ns={} ops={} vm_hwm_kib={} cpus={}",
            self.elapsed.as_nanos(),
            self.ops,
            self.peak_rss_kib,
            self.cpus
        );
        if let Some(cpu) = self.cpu {
            line += &format!(" cpu_ns={}", cpu.as_nanos());
        }
        if let Some(connections) = self.connections {
            line += &format!(" connections={connections}");
        }
        if let Some(baseline) = self.baseline_rss_kib {
            line += &format!(" baseline_rss_kib={baseline}");
        }
        line
    }

    /// Reads a line written by [`ChildReport::to_line`]. Fields may come in any order;
    /// unknown ones are ignored, so a later version may add some.
    pub fn parse(line: &str) -> Result<ChildReport, String> {
        let mut words = line.split_whitespace();
        if words.next() != Some(PREFIX) {
            return Err(format!("not a report line: {line:?}"));
        }
        let (mut elapsed, mut ops, mut peak_rss_kib, mut cpus) = (None, None, None, None);
        let (mut cpu, mut connections, mut baseline_rss_kib) = (None, None, None);
        for word in words {
            let (key, value) = word
                .split_once('=')
                .ok_or_else(|| format!("field without '=': {word:?}"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|e| format!("field {key}: {value:?}: {e}"))
            };
            match key {
                "elapsed_ns" => elapsed = Some(Duration::from_nanos(number()?)),
                "ops" => ops = Some(number()?),
                "vm_hwm_kib" => peak_rss_kib = Some(number()?),
                "cpus" => cpus = Some(value.to_string()),
                "cpu_ns" => cpu = Some(Duration::from_nanos(number()?)),
                "connections" => connections = Some(number()?),
                "baseline_rss_kib" => baseline_rss_kib = Some(number()?),
                _ => {}
            }
        }
        let missing = |name: &str| format!("report line lacks {name}: {line:?}");
        Ok(ChildReport {
            elapsed: elapsed.ok_or_else(|| missing("elapsed_ns"))?,
            ops: ops.ok_or_else(|| missing("ops"))?,
            peak_rss_kib: peak_rss_kib.ok_or_else(|| missing("vm_hwm_kib"))?,
            cpus: cpus.ok_or_else(|| missing("cpus"))?,
            cpu,
            connections,
            baseline_rss_kib,
        })
    }

    /// Finds and reads the report line in a child's whole stdout.
    pub fn from_stdout(stdout: &str) -> Result<ChildReport, String> {
        let line = stdout
            .lines()
            .rfind(|line| line.starts_with(PREFIX))
            .ok_or_else(|| format!("no report line in the child's output: {stdout:?}"))?;
        ChildReport::parse(line)
    }
}

/// The command line of a `bench-child-*` binary; its runtime is in its name.
#[derive(Debug, Parser)]
#[command(version)]
pub struct ChildArgs {
    /// The workload to run once (M1, M2, M3, W1, W1s, W2, L1).
    #[arg(ignore_case = true)]
    pub workload: Workload,

    /// The `--quick` sizes.
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,

    /// The `--full` sizes.
    #[arg(long)]
    pub full: bool,

    /// The address of the server a W workload sends its requests to.
    #[arg(long, value_name = "ADDRESS")]
    pub server: Option<SocketAddr>,
}

/// The whole `main` of a `bench-child-*` binary: read [`ChildArgs`], then [`main`] with
/// `run`, that binary's one runtime (`workloads::ripple::run`, for instance). Naming the
/// runtime's own `run`, not `workloads::run`, is what keeps the other runtimes out of the
/// binary.
pub fn main_of_binary(run: fn(Workload, Sizes, Option<SocketAddr>) -> Measured) -> ExitCode {
    let args = ChildArgs::parse();
    let scale = Scale::of_flags(args.quick, args.full);
    main(args.workload, Sizes::new(scale), args.server, run);
    ExitCode::SUCCESS
}

/// The child's whole life: run `workload` with `run`, measure, print the line.
pub fn main(
    workload: Workload,
    sizes: Sizes,
    server: Option<SocketAddr>,
    run: impl FnOnce(Workload, Sizes, Option<SocketAddr>) -> Measured,
) {
    // A failure shows as L1's connects failing with EMFILE; the parent has already
    // skipped L1 where the hard limit is too low.
    if let Err(e) = open_files::raise_to_hard_limit() {
        eprintln!("ripple-bench child: cannot raise the open-files limit: {e}");
    }
    let before = server.and_then(server_stats);
    let measured = run(workload, sizes, server);
    let after = server.and_then(server_stats);
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let report = ChildReport {
        elapsed: measured.elapsed,
        cpu: measured.cpu,
        // Only one child runs at a time: the server's new connections are this client's.
        connections: before
            .zip(after)
            .map(|(before, after)| server::connections_opened(before, after)),
        baseline_rss_kib: measured.baseline_rss_kib,
        ops: workload.ops(sizes),
        // F1 reports the peak of the program it ran; the others this process's VmHWM, 0
        // where there is no procfs: the table then shows no RSS rather than failing.
        peak_rss_kib: measured
            .peak_rss_kib
            .unwrap_or_else(|| memory::kib_field(&status, "VmHWM").unwrap_or(0)),
        cpus: status_field(&status, "Cpus_allowed_list")
            .unwrap_or("unknown")
            .to_string(),
    };
    println!("{}", report.to_line());
}

/// The server's counters, or a warning and no connection count (the run still counts).
fn server_stats(address: SocketAddr) -> Option<ServerStats> {
    server::stats(address)
        .inspect_err(|e| eprintln!("ripple-bench --child: {e}"))
        .ok()
}

/// The value of `name` in a `/proc/<pid>/status` text (`Name:\tvalue`), trimmed.
fn status_field<'a>(status: &'a str, name: &str) -> Option<&'a str> {
    status.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key == name).then(|| value.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChildReport {
        ChildReport {
            elapsed: Duration::from_nanos(812_345_678),
            ops: 1_000_000,
            peak_rss_kib: 135_168,
            cpus: "1".to_string(),
            cpu: None,
            connections: None,
            baseline_rss_kib: None,
        }
    }

    #[test]
    fn a_report_line_reads_back_as_the_same_report() {
        let line = sample().to_line();
        assert_eq!(
            line,
            "ripple-bench-child elapsed_ns=812345678 ops=1000000 vm_hwm_kib=135168 cpus=1"
        );
        assert_eq!(ChildReport::parse(&line), Ok(sample()));
    }

    #[test]
    fn an_http_report_carries_cpu_time_connections_and_baseline_both_ways() {
        let report = ChildReport {
            cpu: Some(Duration::from_micros(2_412_345)),
            connections: Some(64),
            baseline_rss_kib: Some(3_072),
            ..sample()
        };
        let line = report.to_line();
        assert!(
            line.ends_with(" cpu_ns=2412345000 connections=64 baseline_rss_kib=3072"),
            "{line}"
        );
        assert_eq!(ChildReport::parse(&line), Ok(report));
    }

    #[test]
    fn rss_per_op_is_the_growth_over_the_baseline() {
        let report = ChildReport {
            ops: 10_000,
            peak_rss_kib: 53_072,
            baseline_rss_kib: Some(3_072),
            ..sample()
        };
        assert_eq!(report.rss_per_op_kib(), Some(5.0));
        assert_eq!(sample().rss_per_op_kib(), None);
    }

    #[test]
    fn fields_may_come_in_any_order_and_unknown_ones_are_ignored() {
        let line = "ripple-bench-child cpus=1 polls=3 vm_hwm_kib=135168 ops=1000000 \
                    elapsed_ns=812345678";
        assert_eq!(ChildReport::parse(line), Ok(sample()));
    }

    #[test]
    fn the_report_is_found_among_other_stdout_lines() {
        let stdout = format!("warming up\n{}\n", sample().to_line());
        assert_eq!(ChildReport::from_stdout(&stdout), Ok(sample()));
    }

    #[test]
    fn a_missing_field_a_bad_number_or_a_foreign_line_is_an_error() {
        assert!(ChildReport::parse("ripple-bench-child elapsed_ns=1 ops=1 cpus=1").is_err());
        assert!(
            ChildReport::parse("ripple-bench-child elapsed_ns=x ops=1 vm_hwm_kib=1 cpus=1")
                .is_err()
        );
        assert!(ChildReport::parse("thread 'main' panicked").is_err());
        assert!(ChildReport::from_stdout("").is_err());
    }

    #[test]
    fn status_fields_are_found_by_exact_name() {
        let status = "Cpus_allowed:\t2\nCpus_allowed_list:\t1\n";
        assert_eq!(status_field(status, "Cpus_allowed_list"), Some("1"));
        assert_eq!(status_field(status, "Cpus_allowed"), Some("2"));
        assert_eq!(status_field(status, "Cpus"), None);
    }
}
