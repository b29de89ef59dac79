//! `tasks_pitfall`: awaiting each task as soon as it is spawned runs them one by one.
//! The demo itself lives in the library: `src/tasks_pitfall.rs`.

#![forbid(unsafe_code)]

use clap::Parser;
use ripple_demos::tasks_pitfall::{Args, run};

fn main() {
    run(Args::parse());
}
