//! `first_request`: one session, one GET, one status.
//! The demo itself lives in the library: `src/first_request.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::first_request::{Args, run};

fn main() {
    run(Args::parse());
}
