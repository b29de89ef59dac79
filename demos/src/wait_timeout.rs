//! `wait` with a timeout: what finished in time, and what still runs (`wait` cancels nothing).
//!
//! Two fast requests and a slow one (the chapter's two quick fetches and one of 3 s
//! against a 1 s limit, shortened). `wait(.., ReturnWhen::AllCompleted, Some(limit))`
//! returns when the limit passes with the fast ones in `done` and the slow one in
//! `pending`. Unlike `timeout` (asyncio's `wait_for`), it cancels nothing: the slow task
//! is still running, and the demo awaits it to show it finishes in its own time. The
//! `cancel` demo is the other choice: cancel what is pending.
//!
//! Path: [`spawn_fetches`] (target.rs) -> `wait` (combinators/src/wait.rs) races the
//! children against a `ripple_reactor::Sleep`.

use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use ripple_combinators::{ReturnWhen, wait};
use ripple_http::Session;
use ripple_reactor::time::now;

use crate::target::{Target, TargetArgs, show_outcome, spawn_fetches};
use crate::{RunArgs, show};

/// wait with a timeout: done, pending, and the pending task left running.
#[derive(Parser, Debug, Clone)]
#[command(name = "wait_timeout", version)]
pub struct Args {
    /// How long each request takes, in ms (the chapter: two quick ones and 3 s).
    #[arg(long, value_delimiter = ',', default_value = "100,100,1000")]
    pub delays_ms: Vec<u64>,
    /// wait's timeout, in ms (the chapter: 1 s).
    #[arg(long, default_value_t = 300)]
    pub timeout_ms: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["wait_timeout"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    let limit = Duration::from_millis(args.timeout_ms);
    args.run.block_on("wait_timeout", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let requests: Vec<_> = target.taking_each(&args.delays_ms);
        let tasks = spawn_fetches(&session, &requests);
        for (i, request) in requests.iter().enumerate() {
            println!("  spawned task #{i}: GET {request}");
        }

        let start = now();
        let (done, pending) = wait(tasks, ReturnWhen::AllCompleted, Some(limit)).await;
        println!(
            "wait(AllCompleted, timeout {}) returned after {}: {} done, {} pending.",
            show(limit),
            show(now() - start),
            done.len(),
            pending.len()
        );
        let mut finished = vec![false; requests.len()];
        for (index, outcome) in &done {
            finished[*index] = true;
            println!(
                "  done:    #{index} ({}): {}",
                requests[*index],
                show_outcome(outcome)
            );
        }
        let unfinished: Vec<usize> = (0..requests.len()).filter(|&i| !finished[i]).collect();
        for (task, &index) in pending.iter().zip(&unfinished) {
            println!(
                "  pending: #{index} ({}): finished yet? {}",
                requests[index],
                task.is_finished()
            );
        }

        println!("\nwait cancelled nothing; awaiting the pending tasks anyway:");
        for (task, index) in pending.into_iter().zip(unfinished) {
            let outcome = match task.await {
                Ok(Ok(status)) => status.to_string(),
                Ok(Err(error)) => format!("error: {error}"),
                Err(error) => error.to_string(),
            };
            println!(
                "  [{:>7}] #{index} ({}): {outcome}",
                show(now() - start),
                requests[index]
            );
        }
    });
}
