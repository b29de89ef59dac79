//! The child binary for tokio: one workload, run once on tokio (and hyper with
//! hyper-util for the W and L workloads).
//!
//! It calls `workloads::tokio::run` and nothing that names another runtime, so the linker
//! leaves the others out, and the `VmHWM` this child reports counts one runtime's code, as
//! a user's program would. The parent starts it as `bench-child-tokio WORKLOAD [--quick |
//! --full] [--server ADDRESS]`.
//!
//! Path: `parent.rs` starts it -> `child::main_of_binary` -> `workloads/tokio.rs` -> the
//! report line on stdout.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use ripple_bench::child;
use ripple_bench::workloads::tokio;

fn main() -> ExitCode {
    child::main_of_binary(tokio::run)
}
