//! `wait_first_exception`: wait until the first failure, then cancel the rest.
//! The demo itself lives in the library: `src/wait_first_exception.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::wait_first_exception::{Args, run};

fn main() {
    run(Args::parse());
}
