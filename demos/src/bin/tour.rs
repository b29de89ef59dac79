//! Every demo in order, each introduced by what to notice. See `src/tour.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::tour::{Args, run};

fn main() {
    run(Args::parse());
}
