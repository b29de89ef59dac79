//! `cancel`: handle results as they come within a time budget, then cancel whatever is still pending.
//! The demo itself lives in the library: `src/cancel.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::cancel::{Args, run};

fn main() {
    run(Args::parse());
}
