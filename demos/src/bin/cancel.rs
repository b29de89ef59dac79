//! `cancel`: results within a time budget, then the pending requests cancelled.
//! The demo itself lives in the library: `src/cancel.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::cancel::{Args, run};

fn main() {
    run(Args::parse());
}
