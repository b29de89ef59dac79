//! `gather_exceptions`: when one request of a group fails: the error at once, or every outcome kept.
//! The demo itself lives in the library: `src/gather_exceptions.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::gather_exceptions::{Args, run};

fn main() {
    run(Args::parse());
}
