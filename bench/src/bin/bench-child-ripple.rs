//! The child binary for ripple: one workload, run once on `ripple_reactor` (and
//! `ripple_http` for the W and L workloads).
//!
//! It calls `workloads::ripple::run` and nothing that names another runtime, so the linker
//! leaves the others out, and the `VmHWM` this child reports counts one runtime's code, as
//! a user's program would. The parent starts it as `bench-child-ripple WORKLOAD [--quick |
//! --full] [--server ADDRESS]`.
//!
//! Path: `parent.rs` starts it -> `child::main_of_binary` -> `workloads/ripple.rs` -> the
//! report line on stdout.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use ripple_bench::child;
use ripple_bench::workloads::ripple;

fn main() -> ExitCode {
    child::main_of_binary(ripple::run)
}
