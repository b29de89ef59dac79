//! Results as they come in: `wait` for the first to finish, handle it, wait on the rest.
//!
//! `wait(.., ReturnWhen::FirstCompleted, ..)` returns as soon as at least one task is
//! done, and hands back the others as `pending`. Calling it again on `pending` in a loop
//! until nothing is left processes each result as it arrives, like `as_completed`, but
//! the caller holds the running tasks between rounds: it can add more, cancel some, or
//! stop early. Indexes restart with each call, so the demo keeps the names of the pending
//! tasks beside their handles.
//!
//! Path: [`spawn_fetches`] (target.rs) -> `wait` (combinators/src/wait.rs), once per
//! round -> `children.rs`.

use std::rc::Rc;

use clap::Parser;
use ripple_combinators::{ReturnWhen, wait};
use ripple_http::Session;
use ripple_reactor::time::now;

use crate::target::{Target, TargetArgs, show_outcome, spawn_fetches};
use crate::{RunArgs, show, without};

/// A loop of wait(FirstCompleted): each result handled as it arrives.
#[derive(Parser, Debug, Clone)]
#[command(name = "wait_first_completed", version)]
pub struct Args {
    /// How long each request takes, in ms.
    #[arg(long, value_delimiter = ',', default_value = "300,100,500")]
    pub delays_ms: Vec<u64>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["wait_first_completed"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    args.run.block_on("wait_first_completed", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let requests: Vec<_> = target.taking_each(&args.delays_ms);
        let mut pending = spawn_fetches(&session, &requests);
        // The names of the pending tasks, in the same order as their handles.
        let mut names: Vec<String> = requests
            .iter()
            .enumerate()
            .map(|(i, request)| format!("#{i} ({request})"))
            .collect();
        for name in &names {
            println!("  spawned task {name}");
        }
        println!("Looping on wait(FirstCompleted) until nothing is pending:");

        let start = now();
        let mut round = 0;
        while !pending.is_empty() {
            round += 1;
            let (done, still_pending) = wait(pending, ReturnWhen::FirstCompleted, None).await;
            for (index, outcome) in &done {
                println!(
                    "  [{:>7}] round {round}: {} -> {}",
                    show(now() - start),
                    names[*index],
                    show_outcome(outcome)
                );
            }
            names = without(names, done.iter().map(|(index, _)| *index));
            pending = still_pending;
            println!("            {} still pending", pending.len());
        }
        println!(
            "\nEach result was handled as soon as it came, in {round} rounds; the loop \
             held the unfinished tasks in between."
        );
    });
}
