//! `tour`: every demo in order, each introduced by what to notice.
//! The tour itself lives in the library: `src/tour.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::tour::{Args, run};

fn main() {
    run(Args::parse());
}
