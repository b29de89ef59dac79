//! The tour: every demo, in the chapter's order, each introduced by what to notice.
//!
//! This is the program README's first command runs. It calls each demo's `run` in this
//! process with the demo's defaults, so it needs nothing but the local machine.
//!
//! Path: `bin/tour.rs` -> here -> each demo module.

use clap::Parser;

use crate::tasks_pitfall;

/// Runs every demo in order, offline, each with a line on what to look for.
#[derive(Parser, Debug, Clone, Default)]
#[command(name = "tour", version)]
pub struct Args {
    /// Replay every demo on a paused clock: instant, with exact timings.
    #[arg(long)]
    pub paused_clock: bool,
}

/// One stop of the tour: a demo's name, what to notice, and how to run it.
struct Stop {
    name: &'static str,
    notice: &'static str,
    run: fn(&Args),
}

const STOPS: &[Stop] = &[Stop {
    name: "tasks_pitfall",
    notice: "awaiting each task as soon as it is spawned takes the sum of the delays; \
             spawning all first takes only the longest.",
    run: |tour| {
        tasks_pitfall::run(tasks_pitfall::Args {
            paused_clock: tour.paused_clock,
            ..tasks_pitfall::Args::default()
        })
    },
}];

/// Runs the tour.
pub fn run(args: Args) {
    for (number, stop) in STOPS.iter().enumerate() {
        println!(
            "==> [{}/{}] {}: {}",
            number + 1,
            STOPS.len(),
            stop.name,
            stop.notice
        );
        println!(
            "    (run it alone: cargo run -p ripple-demos --bin {})\n",
            stop.name
        );
        (stop.run)(&args);
        println!();
    }
    println!("End of the tour. docs/GUIDE.md follows each demo through the code.");
}
