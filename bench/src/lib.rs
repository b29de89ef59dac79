//! ripple-bench: the same workloads on ripple, tokio and smol, one table of medians.
//!
//! Build with `cargo build --release -p ripple-bench`, run `target/release/ripple-bench`
//! (add `--quick --runs 1` for a smoke run). The parent process starts one child per
//! (workload, runtime, run), pinned to core 1 with `taskset` when it can; each child is
//! that runtime's own binary (`bench-child-ripple`, `-tokio`, `-smol`, linking no other
//! runtime, so its peak RSS counts one runtime's code), runs one workload and reports its
//! time and peak RSS on one line; the parent prints medians, min-max, and each peer's
//! ratio to ripple. For the HTTP workloads (W1, W1s, W2, L1) the parent first starts ripple's
//! example server in a process of its own (`ripple-bench --serve`), pinned to core 0, and
//! stops it at the end. F1 is the one row of programs rather than runtimes: its child
//! (`ripple-bench --child F1 RUNTIME`) runs ripple's `fetch` binary (next to this one) or
//! `curl --parallel` against the same server.
//!
//! Map of the crate (this library, and its binaries):
//! - `main.rs`: the `ripple-bench` binary: the command line; the parent's, F1's child's or
//!   the server's side.
//! - `bin/bench-child-{ripple,tokio,smol}.rs`: one child binary per runtime.
//! - `parent.rs`: the run plan, interleaved by runtime, one child process per run.
//! - `pinning.rs`: `taskset -c 1` for the children, `-c 0` for the server, or why not.
//! - `server.rs`: the server process and its guard, and `/stats` read from outside.
//! - `child.rs`: run one workload, read `VmHWM`, print the report line (and parse it).
//! - `workloads/`: the workloads and sizes (`mod.rs`), one file per runtime.
//! - `stopwatch.rs`: wall time and CPU time (`getrusage`) of one run.
//! - `memory.rs`: `VmRSS` and `VmHWM` from `/proc/self/status`.
//! - `open_files.rs`: the soft `RLIMIT_NOFILE` raised to the hard one, for L1.
//! - `stats.rs`: median, min, max.
//! - `table.rs`: the Markdown table. `json.rs`: `--json FILE`, the raw runs.
//!
//! Path: `main` -> `server::ServerProcess::start` (if an HTTP workload is planned) ->
//! `parent::run_all` -> (child) `bench-child-*` -> `child::main` -> a runtime's
//! `workloads::*::run` -> (parent) `table::render`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The bench's docs are read with its private items (`cargo doc -p ripple-bench
// --document-private-items`): a public constant may name the private one it derives from.
#![allow(rustdoc::private_intra_doc_links)]

pub mod child;
pub mod json;
pub mod memory;
pub mod open_files;
pub mod parent;
pub mod pinning;
pub mod server;
pub mod stats;
pub mod stopwatch;
pub mod table;
pub mod workloads;
