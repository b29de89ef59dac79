//! Spawning a task and awaiting it on the same line runs tasks one after another.
//! The demo itself lives in the library: `src/tasks_pitfall.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::tasks_pitfall::{Args, run};

fn main() {
    run(Args::parse());
}
