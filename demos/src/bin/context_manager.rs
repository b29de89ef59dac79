//! `context_manager`: a resource acquired with an await and released on every way out.
//! The demo itself lives in the library: `src/context_manager.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::context_manager::{Args, run};

fn main() {
    run(Args::parse());
}
