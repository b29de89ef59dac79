//! The parent process: start one child per (workload, runtime, run) and collect reports.
//!
//! The order interleaves the runtimes, run by run, and rotates who goes first (ripple 1,
//! tokio 1, smol 1, then tokio 2, smol 2, ripple 2, ...), so that a burst of noise from the
//! rest of the machine, or a slot that is always slow (right after a heavy run), lands on
//! every column rather than on one. Each child is its runtime's own binary, found next to
//! this one (`std::env::current_exe`): `bench-child-tokio WORKLOAD` (and, for the W
//! workloads, `--server ADDRESS`: the server `main.rs` started), so that its peak RSS
//! counts one runtime's code, as in a user's program. F1's child is this binary again,
//! `--child F1 RUNTIME`. A missing child binary stops the bench before the first run
//! (`cargo run` builds only this one: `cargo build --release -p ripple-bench` builds them
//! all); a child that fails or hangs past [`CHILD_TIMEOUT`] makes a failed run, not a
//! failed bench. A runtime that cannot run a workload (smol has no HTTP client) is left
//! out of that workload's turns. L1 starts with one run that is not counted (see
//! [`Workload::warms_up`]), so that every counted run starts from the same state.
//!
//! Path: `main.rs` calls [`run_all`] -> [`Pinning::command`] starts each child ->
//! `child.rs` on the other side -> [`ChildReport::from_stdout`] -> back to `main.rs`.

use std::env;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::child::ChildReport;
use crate::pinning::Pinning;
use crate::server::ServerProcess;
use crate::workloads::{Contender, Scale, Sizes, Workload};

/// A child taking longer than this is killed: a hung runtime must not hang the bench.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// How often the parent looks whether a child has exited.
const WAIT_STEP: Duration = Duration::from_millis(10);

/// One run of one workload on one runtime.
#[derive(Clone, Debug)]
pub struct Run {
    /// What ran.
    pub workload: Workload,
    /// On which runtime.
    pub contender: Contender,
    /// 1-based run number.
    pub index: usize,
    /// The child's report, or why there is none.
    pub outcome: Result<ChildReport, String>,
    /// The server's CPU time during a W run (its `/proc/<pid>/schedstat`).
    pub server_cpu: Option<Duration>,
}

impl Run {
    /// The table's number for this run (see [`Workload::figure`]), if it succeeded.
    pub fn figure(&self) -> Option<f64> {
        let report = self.outcome.as_ref().ok()?;
        Some(self.workload.figure(report.elapsed, report.ops))
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Workloads, in order.
    pub workloads: Vec<Workload>,
    /// Runtimes, interleaved within each run.
    pub contenders: Vec<Contender>,
    /// Runs per (workload, runtime).
    pub runs: usize,
    /// `--quick`, standard or `--full` sizes.
    pub scale: Scale,
}

impl Plan {
    /// The sizes the children will use.
    pub fn sizes(&self) -> Sizes {
        Sizes::new(self.scale)
    }

    /// The runtimes that take turns at `workload`.
    pub fn contenders_for(&self, workload: Workload) -> Vec<Contender> {
        self.contenders
            .iter()
            .copied()
            .filter(|&c| workload.runs_on(c))
            .collect()
    }

    /// Whether some workload needs the HTTP server (and some runtime will run it).
    pub fn needs_server(&self) -> bool {
        self.workloads
            .iter()
            .any(|&w| w.is_http() && !self.contenders_for(w).is_empty())
    }
}

/// Runs the whole plan, printing one progress line per run on stderr. `server` is the
/// server the W workloads use.
pub fn run_all(
    plan: &Plan,
    pinning: &Pinning,
    server: Option<&ServerProcess>,
) -> io::Result<Vec<Run>> {
    let exe = env::current_exe()?;
    for &contender in &plan.contenders {
        let used = plan
            .workloads
            .iter()
            .any(|&w| w != Workload::F1 && w.runs_on(contender));
        if used {
            check_child_binary(&exe.with_file_name(contender.child_binary()))?;
        }
    }
    let mut runs = Vec::new();
    for &workload in &plan.workloads {
        let server = server.filter(|_| workload.is_http());
        let args = |contender| ChildArgs {
            workload,
            contender,
            scale: plan.scale,
            server: server.map(ServerProcess::address),
        };
        let warm_up = plan.contenders_for(workload).first().copied();
        if let Some(contender) = warm_up.filter(|_| workload.warms_up()) {
            let outcome = run_child(&exe, pinning, args(contender));
            let how = outcome.map_or_else(|e| format!("FAILED: {e}"), |_| "done".to_string());
            eprintln!("{workload} warm-up {contender} (not counted): {how}");
        }
        for index in 1..=plan.runs {
            let mut order = plan.contenders_for(workload);
            let first = (index - 1) % order.len().max(1);
            order.rotate_left(first);
            for contender in order {
                let cpu_before = server.and_then(ServerProcess::cpu_time);
                let outcome = run_child(&exe, pinning, args(contender));
                let cpu_after = server.and_then(ServerProcess::cpu_time);
                let run = Run {
                    workload,
                    contender,
                    index,
                    outcome,
                    server_cpu: cpu_before
                        .zip(cpu_after)
                        .map(|(before, after)| after.saturating_sub(before)),
                };
                progress(&run, plan.runs);
                runs.push(run);
            }
        }
    }
    Ok(runs)
}

/// Fails if the child binary `child` is missing. It cannot tell a stale one:
/// `cargo run -p ripple-bench` builds only `ripple-bench`, and cargo links the binaries of
/// one build in any order, so comparing their times proves nothing.
fn check_child_binary(child: &Path) -> io::Result<()> {
    if child.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "no {}: `cargo build --release -p ripple-bench` builds every child",
            child.display()
        ),
    ))
}

/// What one child is told to do.
struct ChildArgs {
    workload: Workload,
    contender: Contender,
    scale: Scale,
    server: Option<SocketAddr>,
}

/// Starts one child, waits for it (at most [`CHILD_TIMEOUT`]) and reads its report. `exe`
/// is this binary: F1's child, and the directory of the others.
fn run_child(exe: &Path, pinning: &Pinning, args: ChildArgs) -> Result<ChildReport, String> {
    let mut command;
    if args.workload == Workload::F1 {
        command = pinning.command(exe);
        command
            .arg("--child")
            .arg(args.workload.to_string())
            .arg(args.contender.to_string());
    } else {
        command = pinning.command(&exe.with_file_name(args.contender.child_binary()));
        command.arg(args.workload.to_string());
    }
    command.args(args.scale.flag());
    if let Some(server) = args.server {
        command.arg("--server").arg(server.to_string());
    }
    // stdout carries one short line, which fits in the pipe's buffer: reading it after the
    // exit cannot deadlock. stderr goes to the terminal, so a panic is seen as it happens.
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the child: {e}"))?;
    let status = wait_with_timeout(&mut child)?;
    let mut stdout = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_string(&mut stdout)
            .map_err(|e| format!("cannot read the child's output: {e}"))?;
    }
    if !status.success() {
        return Err(format!("child {status}"));
    }
    ChildReport::from_stdout(&stdout)
}

fn wait_with_timeout(child: &mut Child) -> Result<std::process::ExitStatus, String> {
    let deadline = Instant::now() + CHILD_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(WAIT_STEP),
            Ok(None) => {
                // Our own child, by its handle: nothing else is touched.
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("killed after {} s", CHILD_TIMEOUT.as_secs()));
            }
            Err(e) => return Err(format!("cannot wait for the child: {e}")),
        }
    }
}

fn progress(run: &Run, runs: usize) {
    let what = match &run.outcome {
        Ok(report) => {
            let mut what = format!(
                "{:.1} {}, peak RSS {:.1} MiB, cpus {}",
                run.workload.figure(report.elapsed, report.ops),
                run.workload.unit(),
                report.peak_rss_kib as f64 / 1024.0,
                report.cpus
            );
            if let Some(cpu) = report.cpu {
                let per_op = cpu.as_secs_f64() * 1e6 / report.ops.max(1) as f64;
                what += &format!(", CPU {per_op:.1} us/req");
            }
            if let Some(connections) = report.connections {
                what += &format!(", {connections} connections");
            }
            what
        }
        Err(e) => format!("FAILED: {e}"),
    };
    let mut stderr = io::stderr().lock();
    let _ = writeln!(
        stderr,
        "{} run {}/{} {:<6} {what}",
        run.workload, run.index, runs, run.contender
    );
}
