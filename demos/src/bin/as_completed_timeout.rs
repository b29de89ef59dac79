//! `as_completed_timeout`: a time limit on a group, and what it leaves running.
//! The demo itself lives in the library: `src/as_completed_timeout.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::as_completed_timeout::{Args, run};

fn main() {
    run(Args::parse());
}
