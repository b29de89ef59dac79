//! `wait_first_exception`: `wait` returns at the first failure; then the caller cancels what is still pending.
//! The demo itself lives in the library: `src/wait_first_exception.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::wait_first_exception::{Args, run};

fn main() {
    run(Args::parse());
}
