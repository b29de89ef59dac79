//! The child binary for smol: one workload, run once on smol's pieces (`async-executor`,
//! `async-io`), M1-M3 only.
//!
//! It calls `workloads::smol::run` and nothing that names another runtime, so the linker
//! leaves the others out, and the `VmHWM` this child reports counts one runtime's code, as
//! a user's program would. The parent starts it as `bench-child-smol WORKLOAD [--quick |
//! --full] [--server ADDRESS]`.
//!
//! Path: `parent.rs` starts it -> `child::main_of_binary` -> `workloads/smol.rs` -> the
//! report line on stdout.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use ripple_bench::child;
use ripple_bench::workloads::smol;

fn main() -> ExitCode {
    child::main_of_binary(smol::run)
}
