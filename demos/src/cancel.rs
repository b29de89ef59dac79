//! Handle results as they come within a time budget, then cancel whatever is still pending.
//!
//! Five requests, three quick and two slow, and a budget of 500 ms for the whole batch.
//! A loop of `wait(pending, ReturnWhen::FirstCompleted, Some(time left))` prints each
//! result as it arrives; when a round returns with nothing done, the budget is spent, and
//! the demo cancels the pending tasks (`JoinHandle::cancel`: the future is dropped where
//! it stands, its socket closed). Awaiting a cancelled handle says so, and the pool's
//! figures before and after show the cancelled requests gave their connections back:
//! a slot cannot leak, whatever the await point the request was cancelled at.
//!
//! Path: [`spawn_fetches`] (target.rs) -> `wait` (combinators/src/wait.rs) ->
//! `JoinHandle::cancel` (reactor/src/task.rs) -> `Executor::cancel` (executor.rs) drops
//! the future -> the pool `Lease`'s `Drop` (http/src/pool/mod.rs).

use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use ripple_combinators::{ReturnWhen, wait};
use ripple_http::Session;
use ripple_reactor::time::now;

use crate::target::{Target, TargetArgs, show_outcome, show_pool, spawn_fetches};
use crate::{RunArgs, show, without};

/// Results as they come within a budget, then the pending requests cancelled.
#[derive(Parser, Debug, Clone)]
#[command(name = "cancel", version)]
pub struct Args {
    /// How long each request takes, in ms.
    #[arg(long, value_delimiter = ',', default_value = "100,200,300,2000,2000")]
    pub delays_ms: Vec<u64>,
    /// The time budget for the whole batch, in ms.
    #[arg(long, default_value_t = 500)]
    pub budget_ms: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["cancel"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    let budget = Duration::from_millis(args.budget_ms);
    args.run.block_on("cancel", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let requests: Vec<_> = target.taking_each(&args.delays_ms);
        let mut pending = spawn_fetches(&session, &requests);
        let mut names: Vec<String> = requests
            .iter()
            .enumerate()
            .map(|(i, request)| format!("#{i} ({request})"))
            .collect();
        for name in &names {
            println!("  spawned task {name}");
        }
        println!(
            "Handling results as they come, for at most {}:",
            show(budget)
        );

        let start = now();
        let deadline = start + budget;
        while !pending.is_empty() {
            let left = deadline.saturating_duration_since(now());
            let (done, still_pending) = wait(pending, ReturnWhen::FirstCompleted, Some(left)).await;
            pending = still_pending;
            if done.is_empty() {
                println!("  [{:>7}] the budget is spent", show(now() - start));
                break;
            }
            for (index, outcome) in &done {
                println!(
                    "  [{:>7}] {} -> {}",
                    show(now() - start),
                    names[*index],
                    show_outcome(outcome)
                );
            }
            names = without(names, done.iter().map(|(index, _)| *index));
        }

        if !pending.is_empty() {
            println!("\nBefore cancelling, pool: {}", show_pool(&session.stats()));
            println!("Cancelling {} pending tasks:", pending.len());
            for task in &pending {
                task.cancel();
            }
            for (task, name) in pending.into_iter().zip(&names) {
                let outcome = match task.await {
                    Ok(Ok(status)) => format!("{status} (it had finished already)"),
                    Ok(Err(error)) => format!("error: {error}"),
                    Err(error) => error.to_string(),
                };
                println!("  {name}: {outcome}");
            }
            println!("After cancelling, pool: {}", show_pool(&session.stats()));
        }
        println!(
            "\nDone after {}: the slow requests were not waited for, and their \
             connections went back to the pool (closed, since a half-read answer \
             cannot be reused).",
            show(now() - start)
        );
    });
}
