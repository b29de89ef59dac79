//! `wait` returns at the first failure; then the caller cancels what is still pending.
//!
//! One request with an invalid URL fails at once; two good ones would take 300 ms each.
//! `wait(.., ReturnWhen::FirstException, ..)` returns as soon as the failure is there,
//! with the two others in `pending`, still running: `wait` never cancels. The demo then
//! cancels them (`JoinHandle::cancel` drops their futures where they stand), awaits each
//! handle to see it end as cancelled, and shows the pool got their connections back.
//! The chapter's use: when one request fails, the others are likely pointless.
//!
//! Path: [`spawn_fetches`] (target.rs) -> `wait` (combinators/src/wait.rs) ->
//! `JoinHandle::cancel` (reactor/src/task.rs) -> `executor.rs` drops the future -> the
//! pool lease's `Drop` (http/src/pool/mod.rs) frees the slot.

use std::rc::Rc;

use clap::Parser;
use ripple_combinators::{ReturnWhen, wait};
use ripple_http::Session;
use ripple_reactor::time::now;

use crate::gather_exceptions::INVALID_URL;
use crate::target::{Request, Target, TargetArgs, show_outcome, show_pool, spawn_fetches};
use crate::{RunArgs, show};

/// wait(FirstException), then cancel the pending tasks.
#[derive(Parser, Debug, Clone)]
#[command(name = "wait_first_exception", version)]
pub struct Args {
    /// How long the good requests take, in ms (the chapter: 3 s each).
    #[arg(long, value_delimiter = ',', default_value = "300,300")]
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
        Args::parse_from(["wait_first_exception"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    args.run.block_on("wait_first_exception", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let mut requests = vec![Request::new(INVALID_URL)];
        requests.extend(target.taking_each(&args.delays_ms));
        let tasks = spawn_fetches(&session, &requests);
        for (i, request) in requests.iter().enumerate() {
            println!("  spawned task #{i}: GET {request}");
        }

        let start = now();
        let (done, pending) = wait(tasks, ReturnWhen::FirstException, None).await;
        println!(
            "wait(FirstException) returned after {}: {} done, {} pending.",
            show(now() - start),
            done.len(),
            pending.len()
        );
        let mut finished = vec![false; requests.len()];
        for (index, outcome) in &done {
            finished[*index] = true;
            println!(
                "  done: #{index} ({}): {}",
                requests[*index],
                show_outcome(outcome)
            );
        }
        println!("  pool: {}", show_pool(&session.stats()));

        // `pending` keeps input order, so its handles line up with the unfinished inputs.
        let unfinished: Vec<usize> = (0..requests.len()).filter(|&i| !finished[i]).collect();
        println!("\nCancelling the {} pending tasks:", pending.len());
        for task in &pending {
            task.cancel();
        }
        for (task, index) in pending.into_iter().zip(unfinished) {
            let outcome = match task.await {
                Ok(Ok(status)) => format!("{status} (it had finished already)"),
                Ok(Err(error)) => format!("error: {error}"),
                Err(error) => error.to_string(),
            };
            println!("  #{index} ({}): {outcome}", requests[index]);
        }
        println!("  pool: {}", show_pool(&session.stats()));
        println!(
            "\nAll over after {}: nobody waited for the slow requests once one had failed.",
            show(now() - start)
        );
    });
}
