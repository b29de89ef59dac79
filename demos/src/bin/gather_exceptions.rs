//! `gather_exceptions`: a group with an invalid URL: the first error, or every outcome.
//! The demo itself lives in the library: `src/gather_exceptions.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::gather_exceptions::{Args, run};

fn main() {
    run(Args::parse());
}
