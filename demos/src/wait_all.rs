//! `wait` until every task is done, then go through the finished ones, failures included.
//!
//! Unlike `gather`, `wait` takes tasks that already run (their `JoinHandle`s) and returns
//! two lists: `done`, the outcomes of the tasks that finished, in finishing order, and
//! `pending`, the handles of the others. With `ReturnWhen::AllCompleted` and no timeout,
//! `pending` comes back empty. A failed request is not thrown at the caller: it is one
//! of the `done` outcomes, to look at like the others (here the invalid URL).
//!
//! Path: [`spawn_fetches`] (target.rs) -> `wait` (combinators/src/wait.rs) ->
//! `children.rs` -> `ripple_reactor::JoinHandle` (reactor/src/task.rs).

use std::rc::Rc;

use clap::Parser;
use ripple_combinators::{ReturnWhen, wait};
use ripple_http::Session;
use ripple_reactor::time::now;

use crate::gather_exceptions::INVALID_URL;
use crate::target::{Request, Target, TargetArgs, show_outcome, spawn_fetches};
use crate::{RunArgs, show};

/// wait(AllCompleted): every outcome, successes and failures, in finishing order.
#[derive(Parser, Debug, Clone)]
#[command(name = "wait_all", version)]
pub struct Args {
    /// How long the two good requests take, in ms.
    #[arg(long, value_delimiter = ',', default_value = "200,100")]
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
        Args::parse_from(["wait_all"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    args.run.block_on("wait_all", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let mut requests: Vec<Request> = target.taking_each(&args.delays_ms);
        requests.insert(1, Request::new(INVALID_URL));
        let tasks = spawn_fetches(&session, &requests);
        for (i, request) in requests.iter().enumerate() {
            println!("  spawned task #{i}: GET {request}");
        }

        let start = now();
        let (done, pending) = wait(tasks, ReturnWhen::AllCompleted, None).await;
        println!(
            "wait(AllCompleted) returned after {}: {} done, {} pending.",
            show(now() - start),
            done.len(),
            pending.len()
        );
        println!("The done tasks, in the order they finished:");
        for (index, outcome) in &done {
            let verdict = if outcome.is_ok() { "ok    " } else { "failed" };
            println!(
                "  {verdict} #{index} ({}): {}",
                requests[*index],
                show_outcome(outcome)
            );
        }
        let failed = done.iter().filter(|(_, outcome)| outcome.is_err()).count();
        println!(
            "\n{} succeeded, {failed} failed; nothing was thrown at the caller: each \
             outcome is a value to inspect.",
            done.len() - failed
        );
    });
}
