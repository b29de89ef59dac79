//! `wait_first_completed`: process results as they come in: `wait` for the first to finish, handle it, wait again on the rest.
//! The demo itself lives in the library: `src/wait_first_completed.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::wait_first_completed::{Args, run};

fn main() {
    run(Args::parse());
}
