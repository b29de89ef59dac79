//! `wait_first_completed`: a loop of wait(FirstCompleted): each result as it arrives.
//! The demo itself lives in the library: `src/wait_first_completed.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::wait_first_completed::{Args, run};

fn main() {
    run(Args::parse());
}
