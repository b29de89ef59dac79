//! `as_completed`: results printed as each one arrives.
//! The demo itself lives in the library: `src/as_completed.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::as_completed::{Args, run};

fn main() {
    run(Args::parse());
}
