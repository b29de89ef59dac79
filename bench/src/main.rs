//! ripple-bench: the same workloads on ripple, tokio and smol, one table of medians.
//!
//! Run `cargo run --release -p ripple-bench` (add `--quick --runs 1` for a smoke run). The
//! parent process starts one child per (workload, runtime, run), pinned to core 1 with
//! `taskset` when it can; each child runs one workload and reports its time and peak RSS
//! on one line; the parent prints medians, min-max, and each peer's ratio to ripple.
//!
//! Map of the crate:
//! - `main.rs`: the command line; the parent's or the child's side.
//! - `parent.rs`: the run plan, interleaved by runtime, one child process per run.
//! - `pinning.rs`: `taskset -c 1`, or why not.
//! - `child.rs`: run one workload, read `VmHWM`, print the report line (and parse it).
//! - `workloads/`: the workloads and sizes (`mod.rs`), one file per runtime.
//! - `stats.rs`: median, min, max.
//! - `table.rs`: the Markdown table. `json.rs`: `--json FILE`, the raw runs.
//!
//! Path: `main` -> `parent::run_all` -> (child) `child::main` -> `workloads::run` ->
//! (parent) `table::render`.

#![forbid(unsafe_code)]

mod child;
mod json;
mod parent;
mod pinning;
mod stats;
mod table;
mod workloads;

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};

use crate::parent::Plan;
use crate::pinning::Pinning;
use crate::workloads::{Contender, Sizes, Workload};

/// The same workloads on ripple, tokio (current_thread) and smol, side by side.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Runs per workload and runtime; the table shows their median.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    runs: u64,

    /// Only these workloads, comma-separated (M1 spawn+join, M2 sleeps, M3 ping-pong).
    #[arg(long, value_delimiter = ',', ignore_case = true)]
    only: Vec<Workload>,

    /// Only these runtimes, comma-separated; ripple should be one of them for the ratios.
    #[arg(long, value_delimiter = ',', ignore_case = true)]
    runtimes: Vec<Contender>,

    /// Smaller sizes (100,000 tasks, 10,000 sleeps, 10,000 round trips) for a smoke run.
    #[arg(long)]
    quick: bool,

    /// Also write every run, raw, to this JSON file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,

    /// Internal: be the child that runs one workload on one runtime.
    #[arg(long, hide = true, num_args = 2, value_names = ["WORKLOAD", "RUNTIME"])]
    child: Option<Vec<String>>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match &args.child {
        Some(child) => be_the_child(child, args.quick),
        None => be_the_parent(&args),
    }
}

fn be_the_child(child: &[String], quick: bool) -> ExitCode {
    let workload = Workload::from_str(&child[0], true);
    let contender = Contender::from_str(&child[1], true);
    match (workload, contender) {
        (Ok(workload), Ok(contender)) => {
            child::main(workload, contender, Sizes::new(quick));
            ExitCode::SUCCESS
        }
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("ripple-bench --child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn be_the_parent(args: &Args) -> ExitCode {
    let plan = Plan {
        workloads: if args.only.is_empty() {
            Workload::ALL.to_vec()
        } else {
            args.only.clone()
        },
        contenders: if args.runtimes.is_empty() {
            Contender::ALL.to_vec()
        } else {
            args.runtimes.clone()
        },
        runs: args.runs as usize,
        quick: args.quick,
    };
    let pinning = Pinning::choose();
    let started = Instant::now();
    let runs = match parent::run_all(&plan, &pinning) {
        Ok(runs) => runs,
        Err(e) => {
            eprintln!("ripple-bench: cannot start children: {e}");
            return ExitCode::FAILURE;
        }
    };

    println!();
    println!("{}", intro(&plan, &pinning, &runs));
    print!(
        "{}",
        table::render(&runs, &plan.workloads, &plan.contenders, plan.sizes())
    );
    println!();
    println!(
        "Cells: median (min-max) of {} run(s), each in a fresh process. Lower is better \
         everywhere; a peer/ripple ratio above 1.00 means ripple was faster. \
         Peak RSS: the child's VmHWM (median). Whole bench: {:.1} s.",
        plan.runs,
        started.elapsed().as_secs_f64()
    );

    if let Some(path) = &args.json {
        if let Err(e) = fs::write(path, json::render(&plan, &pinning, &runs)) {
            eprintln!("ripple-bench: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("Raw runs written to {}.", path.display());
    }
    if runs.iter().any(|r| r.outcome.is_err()) {
        eprintln!("ripple-bench: some runs failed (see above)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// One line on sizes and one on pinning, checked against what the children reported.
fn intro(plan: &Plan, pinning: &Pinning, runs: &[parent::Run]) -> String {
    let sizes = if plan.quick {
        "--quick sizes"
    } else {
        "full sizes"
    };
    let placement = match pinning {
        Pinning::Core(core) => {
            let expected = core.to_string();
            let reported: Vec<&str> = runs
                .iter()
                .filter_map(|r| r.outcome.as_ref().ok())
                .map(|report| report.cpus.as_str())
                .collect();
            if reported.iter().all(|&cpus| cpus == expected) {
                format!(
                    "children pinned to core {core} with taskset (each reported \
                     Cpus_allowed_list = {expected})"
                )
            } else {
                format!(
                    "pinning to core {core} did NOT take effect: children reported \
                     Cpus_allowed_list {reported:?}"
                )
            }
        }
        Pinning::Unpinned(why) => format!("children NOT pinned ({why})"),
    };
    let runs_each = match plan.runs {
        1 => "1 run".to_string(),
        n => format!("{n} runs"),
    };
    // An unoptimized build measures the compiler's debug code, not the runtimes.
    let build = if cfg!(debug_assertions) {
        "\nDEBUG BUILD: these numbers say nothing about the runtimes; use --release."
    } else {
        ""
    };
    format!("ripple-bench, {sizes}, {runs_each} each; {placement}.{build}\n")
}
