//! `timeouts`: time limits for a whole session and for one request, and the error a request that is too slow gets.
//! The demo itself lives in the library: `src/timeouts.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::timeouts::{Args, run};

fn main() {
    run(Args::parse());
}
