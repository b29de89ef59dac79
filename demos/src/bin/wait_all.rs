//! `wait_all`: wait until every task is done, failures included.
//! The demo itself lives in the library: `src/wait_all.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::wait_all::{Args, run};

fn main() {
    run(Args::parse());
}
