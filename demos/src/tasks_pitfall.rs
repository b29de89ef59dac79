//! Spawning a task and awaiting it on the same line runs tasks one after another.
//!
//! The chapter's pitfall: `[await create_task(delay(s)) for s in delays]` looks concurrent
//! but is not, because each task is awaited before the next one is even created. Spawning
//! them all first and awaiting afterwards lets their sleeps overlap. This demo runs both
//! and prints how long each took: the sum of the delays, then only the longest.
//!
//! Path: `spawn` (ripple-reactor, executor.rs) -> `sleep` (time/sleep.rs) -> `timed`
//! (ripple-combinators) prints the lines.

use std::time::Duration;

use crate::{delay, runtime};
use clap::Parser;
use ripple_combinators::timed;
use ripple_reactor::spawn;
use ripple_reactor::time::now;

/// Awaiting each spawned task right away runs them one by one; spawning all first runs them together.
#[derive(Parser, Debug, Clone)]
#[command(name = "tasks_pitfall", version)]
pub struct Args {
    /// How many tasks to run each way.
    #[arg(long, default_value_t = 3)]
    pub tasks: u64,
    /// How long each task sleeps, in seconds (the chapter uses 3).
    #[arg(long, default_value_t = 1)]
    pub seconds: u64,
    /// Run on a paused clock: the same story, instantly, with exact timings.
    #[arg(long)]
    pub paused_clock: bool,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["tasks_pitfall"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    let delays = vec![args.seconds; args.tasks as usize];
    let rt = runtime(args.paused_clock);
    let (one_by_one, together) = rt.block_on(async {
        println!("1. Spawn a task, await it, then spawn the next: each waits for the one before.");
        let start = now();
        timed("spawn-and-await-each", async {
            for &seconds in &delays {
                spawn(delay(seconds)).await.expect("delay does not fail");
            }
        })
        .await;
        let one_by_one = now() - start;

        println!("\n2. Spawn every task first, then await them: the sleeps overlap.");
        let start = now();
        timed("spawn-all-then-await", async {
            let handles: Vec<_> = delays
                .iter()
                .map(|&seconds| spawn(delay(seconds)))
                .collect();
            for handle in handles {
                handle.await.expect("delay does not fail");
            }
        })
        .await;
        (one_by_one, now() - start)
    });
    println!(
        "\nOne by one took {}, together {}: the first way costs the sum of the delays, \
         the second only the longest ({:.1}x faster here).",
        seconds(one_by_one),
        seconds(together),
        one_by_one.as_secs_f64() / together.as_secs_f64().max(f64::EPSILON)
    );
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}
