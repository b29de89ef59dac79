//! `wait_timeout`: wait with a timeout: done, pending, nothing cancelled.
//! The demo itself lives in the library: `src/wait_timeout.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::wait_timeout::{Args, run};

fn main() {
    run(Args::parse());
}
