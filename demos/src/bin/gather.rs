//! `gather`: 1,000 requests at once, then one at a time, and the speed-up.
//! The demo itself lives in the library: `src/gather.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::gather::{Args, run};

fn main() {
    run(Args::parse());
}
