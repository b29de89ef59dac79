//! `gather`: 1,000 requests at once through one session, then the same 1,000 one at a time.
//! The demo itself lives in the library: `src/gather.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::gather::{Args, run};

fn main() {
    run(Args::parse());
}
