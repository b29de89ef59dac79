//! ripple-bench: the same workloads on ripple, tokio and smol, one table of medians.
//!
//! Run `cargo build --release -p ripple-bench && target/release/ripple-bench` (add
//! `--quick --runs 1` for a smoke run); the build makes this parent and the three child
//! binaries it starts. This file is the command line: the parent's side, or (hidden) the
//! server's (`--serve`) and F1's child (`--child F1 RUNTIME`). The rest is in the library,
//! `lib.rs`, which maps it.
//!
//! Path: `main` -> `server::ServerProcess::start` (if an HTTP workload is planned) ->
//! `parent::run_all` -> (child) `bench-child-*` -> `child::main` -> a runtime's
//! `workloads::*::run` -> (parent) `table::render`.

#![forbid(unsafe_code)]

use std::fs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};

use ripple_bench::parent::{self, Plan};
use ripple_bench::pinning::{Pinning, SERVER_CORE};
use ripple_bench::server::{self, ServerProcess};
use ripple_bench::workloads::{self, Contender, Scale, Sizes, Workload};
use ripple_bench::{child, json, open_files, table};

/// The same workloads on ripple, tokio (current_thread) and smol, side by side.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Runs per workload and runtime; the table shows their median.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    runs: u64,

    /// Only these workloads, comma-separated (M1 spawn+join, M2 sleeps, M3 ping-pong,
    /// W1 concurrent GETs, W1s sequential GETs, W2 GETs per second, F1 ripple's `fetch`
    /// binary against `curl --parallel`, L1 10,000 GETs pending at once).
    #[arg(long, value_delimiter = ',', ignore_case = true)]
    only: Vec<Workload>,

    /// Only these runtimes, comma-separated; ripple should be one of them for the ratios.
    #[arg(long, value_delimiter = ',', ignore_case = true)]
    runtimes: Vec<Contender>,

    /// Smaller sizes (100,000 tasks, 10,000 sleeps, 10,000 round trips, 200, 20,
    /// 10,000, 2,000 and 1,000 GETs) for a smoke run.
    #[arg(long, conflicts_with = "full")]
    quick: bool,

    /// W1s at the chapter's 1,000 sequential GETs (10 s a run at least) instead of 200.
    #[arg(long)]
    full: bool,

    /// Also write every run, raw, to this JSON file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,

    /// Internal: be the child that runs one workload on one runtime (F1's; the others
    /// run in `bench-child-*`, which link one runtime each).
    #[arg(long, hide = true, num_args = 2, value_names = ["WORKLOAD", "RUNTIME"])]
    child: Option<Vec<String>>,

    /// Internal: the address of the server a W child sends its requests to.
    #[arg(long, hide = true, value_name = "ADDRESS")]
    server: Option<SocketAddr>,

    /// Internal: be the server of the W workloads, listening on this address, until
    /// killed or, when stdin is not a terminal, until stdin gives a byte or EOF.
    #[arg(long, hide = true, value_name = "ADDRESS")]
    serve: Option<SocketAddr>,
}

impl Args {
    fn scale(&self) -> Scale {
        Scale::of_flags(self.quick, self.full)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(address) = args.serve {
        server::serve(address);
        return ExitCode::SUCCESS;
    }
    match &args.child {
        Some(child) => be_the_child(child, args.scale(), args.server),
        None => be_the_parent(&args),
    }
}

fn be_the_child(child: &[String], scale: Scale, server: Option<SocketAddr>) -> ExitCode {
    let workload = Workload::from_str(&child[0], true);
    let contender = Contender::from_str(&child[1], true);
    match (workload, contender) {
        (Ok(workload), Ok(contender)) => {
            child::main(
                workload,
                Sizes::new(scale),
                server,
                |workload, sizes, server| workloads::run(workload, contender, sizes, server),
            );
            ExitCode::SUCCESS
        }
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("ripple-bench --child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn be_the_parent(args: &Args) -> ExitCode {
    let mut workloads = if args.only.is_empty() {
        Workload::ALL.to_vec()
    } else {
        args.only.clone()
    };
    if workloads.contains(&Workload::F1) {
        if let Some(why) = workloads::cli::unavailable() {
            println!("ripple-bench: skipping F1 (fetch vs curl): {why}");
            workloads.retain(|&w| w != Workload::F1);
        }
    }
    // Raised here, the limit is inherited by the server and every child (which raise
    // theirs too, for a child started by hand); what is left is the hard limit.
    let open_files = open_files::raise_to_hard_limit();
    if workloads.contains(&Workload::L1) {
        let sizes = Sizes::new(args.scale());
        let why = match open_files {
            Ok(limit) => open_files::too_few_for(Workload::L1, sizes, limit),
            Err(e) => Some(e),
        };
        if let Some(why) = why {
            println!("ripple-bench: skipping L1 (pending GETs): {why}");
            workloads.retain(|&w| w != Workload::L1);
        }
    }
    if ripple_http::TLS_ENABLED && workloads.iter().any(|w| w.is_http()) {
        println!(
            "ripple-bench: note: ripple's child links ripple-http with its `tls` feature \
             (cargo merged features with another package built in the same command), so \
             its peak RSS counts rustls's code and hyper's does not; build the bench on its \
             own for the like-for-like figures: `cargo build --release -p ripple-bench`"
        );
    }
    let plan = Plan {
        workloads,
        contenders: if args.runtimes.is_empty() {
            Contender::ALL.to_vec()
        } else {
            args.runtimes.clone()
        },
        runs: args.runs as usize,
        scale: args.scale(),
    };
    let pinning = Pinning::choose();
    let started = Instant::now();
    // Started before any run, so a server that cannot start fails the bench at once; the
    // guard kills it when `main` returns or unwinds.
    let server = if plan.needs_server() {
        match ServerProcess::start(&pinning) {
            Ok(server) => Some(server),
            Err(e) => {
                eprintln!("ripple-bench: the HTTP workloads need the example server: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let runs = match parent::run_all(&plan, &pinning, server.as_ref()) {
        Ok(runs) => runs,
        Err(e) => {
            eprintln!("ripple-bench: cannot start children: {e}");
            return ExitCode::FAILURE;
        }
    };

    println!();
    println!("{}", intro(&plan, &pinning, server.as_ref(), &runs));
    // A runtime that sits out every planned workload (smol, with only W ones) gets no
    // columns of empty cells.
    let columns: Vec<Contender> = plan
        .contenders
        .iter()
        .copied()
        .filter(|&c| plan.workloads.iter().any(|w| w.runs_on(c)))
        .collect();
    print!(
        "{}",
        table::render(&runs, &plan.workloads, &columns, plan.sizes())
    );
    println!();
    println!(
        "Cells: median (min-max) of {} run(s), each in a fresh process. Lower is better, \
         except req/s; a peer/ripple ratio above 1.00 means ripple was faster (for req/s \
         it is ripple's figure over the peer's). Peak RSS: the child's VmHWM (median). \
         Whole bench: {:.1} s.",
        plan.runs,
        started.elapsed().as_secs_f64()
    );
    if let Some(note) = table::http_note(&runs, &plan.workloads, &columns, plan.sizes()) {
        println!("{note}");
    }
    // The server goes before the JSON is written: nothing below needs it.
    drop(server);

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
fn intro(
    plan: &Plan,
    pinning: &Pinning,
    server: Option<&ServerProcess>,
    runs: &[parent::Run],
) -> String {
    let sizes = plan.scale;
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
    let server = match (server, pinning) {
        (Some(server), Pinning::Core(_)) if server.cpus() != SERVER_CORE.to_string() => {
            format!(
                "; pinning the server to core {SERVER_CORE} did NOT take effect: it reported \
                 Cpus_allowed_list {}",
                server.cpus()
            )
        }
        (Some(server), _) => format!(
            "; the server (ripple's example server, its own process) ran with \
             Cpus_allowed_list = {}",
            server.cpus()
        ),
        (None, _) => String::new(),
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
    format!("ripple-bench, {sizes}, {runs_each} each; {placement}{server}.{build}\n")
}
