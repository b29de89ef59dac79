//! `gather_order`: gather's results come in input order.
//! The demo itself lives in the library: `src/gather_order.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::gather_order::{Args, run};

fn main() {
    run(Args::parse());
}
