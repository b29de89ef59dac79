//! `gather_order`: `gather` hands back results in the order the work was given, not the order it finished.
//! The demo itself lives in the library: `src/gather_order.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::gather_order::{Args, run};

fn main() {
    run(Args::parse());
}
