//! Spawning a task and awaiting it on the same line runs tasks one after another.
//!
//! The chapter's pitfall: a loop that spawns a task and awaits it before spawning the
//! next looks concurrent but is not, because each task is awaited before the next one
//! even exists. Spawning them all first and awaiting afterwards lets their sleeps overlap.
//! This demo runs both ways and prints how long each took: the sum of the delays, then
//! only the longest. No requests here: `delay` sleeps, so `--url` has no meaning.
//!
//! Path: `spawn_named` (ripple-reactor, `executor.rs`) -> `sleep` (`time/sleep.rs`) ->
//! `timed` (ripple-combinators, `timed.rs`) prints the starting/finished lines.

use std::time::Duration;

use clap::Parser;
use ripple_combinators::timed;
use ripple_reactor::spawn_named;
use ripple_reactor::time::now;

use crate::{RunArgs, delay, show};

/// Awaiting each spawned task at once runs them one by one; spawning all first runs them
/// together.
#[derive(Parser, Debug, Clone)]
#[command(name = "tasks_pitfall", version)]
pub struct Args {
    /// How many tasks to run each way.
    #[arg(long, default_value_t = 3)]
    pub tasks: usize,
    /// How long each task sleeps, in milliseconds (the chapter sleeps 3 s; 300 ms tells
    /// the same story faster).
    #[arg(long, default_value_t = 300)]
    pub delay_ms: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["tasks_pitfall"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    let delays = vec![Duration::from_millis(args.delay_ms); args.tasks];
    let (one_by_one, together) = args.run.block_on("tasks_pitfall", async {
        println!("1. Spawn a task, await it, then spawn the next: each waits for the one before.");
        let start = now();
        timed("spawn-and-await-each", async {
            for (i, &d) in delays.iter().enumerate() {
                let name = format!("one by one: delay #{}", i + 1);
                spawn_named(name, delay(d))
                    .await
                    .expect("delay does not fail");
            }
        })
        .await;
        let one_by_one = now() - start;

        println!("\n2. Spawn every task first, then await them: the sleeps overlap.");
        let start = now();
        timed("spawn-all-then-await", async {
            let handles: Vec<_> = delays
                .iter()
                .enumerate()
                .map(|(i, &d)| spawn_named(format!("together: delay #{}", i + 1), delay(d)))
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
        show(one_by_one),
        show(together),
        one_by_one.as_secs_f64() / together.as_secs_f64().max(f64::EPSILON)
    );
}
