//! `timeouts`: session and per-request time limits, and a request that times out.
//! The demo itself lives in the library: `src/timeouts.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::timeouts::{Args, run};

fn main() {
    run(Args::parse());
}
