//! A time limit on a whole group: what is not done by then times out, and keeps running.
//!
//! One fast request and two slow ones (the chapter's 1 s, 10 s, 10 s with a 2 s limit,
//! ten times shorter) go through `as_completed(..).with_timeout(..)`. The fast result
//! comes in; when the group's limit passes, each unfinished request yields a timeout, one
//! per `next()`. As in asyncio, that does not cancel them: the demo lists the tasks still
//! running after the loop (`still_running()`), then stops them with
//! `cancel_remaining()`, and the pool shows their connections were given back.
//!
//! Path: `AsCompleted::with_timeout`, `still_running`, `cancel_remaining`
//! (combinators/src/as_completed.rs) -> `ripple_reactor::Sleep` -> [`named`]'s task
//! cancelled with its waiter (lib.rs).

use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use ripple_combinators::as_completed;
use ripple_http::Session;
use ripple_reactor::time::now;

use crate::target::{Target, TargetArgs, fetch_status, show_outcome, show_pool};
use crate::{RunArgs, named, show};

/// A group timeout on as_completed, the timeouts reported, and what is still running.
#[derive(Parser, Debug, Clone)]
#[command(name = "as_completed_timeout", version)]
pub struct Args {
    /// How long each request takes, in ms (the chapter: 1 s, 10 s, 10 s).
    #[arg(long, value_delimiter = ',', default_value = "100,1000,1000")]
    pub delays_ms: Vec<u64>,
    /// The limit on the whole group, in ms (the chapter: 2 s).
    #[arg(long, default_value_t = 200)]
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
        Args::parse_from(["as_completed_timeout"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    let limit = Duration::from_millis(args.timeout_ms);
    args.run.block_on("as_completed_timeout", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let requests: Vec<_> = target.taking_each(&args.delays_ms);
        for (i, request) in requests.iter().enumerate() {
            println!("  request #{i}: GET {request}");
        }
        println!("as_completed with a {} limit on the group:", show(limit));

        let start = now();
        let mut results = as_completed(requests.iter().enumerate().map(|(i, request)| {
            named(
                format!("#{i} GET {request}"),
                fetch_status(Rc::clone(&session), request.clone()),
            )
        }))
        .with_timeout(limit);
        let mut timeouts = 0;
        while let Some((index, outcome)) = results.next().await {
            if matches!(&outcome, Err(e) if e.is_timeout()) {
                timeouts += 1;
            }
            println!(
                "  [{:>7}] request #{index} ({}): {}",
                show(now() - start),
                requests[index],
                show_outcome(&outcome)
            );
        }
        println!("{timeouts} timeouts.");

        let running = results.still_running();
        println!(
            "\nStill running after the loop (the limit does not cancel them): {}",
            list(&running, &requests)
        );
        println!("  pool: {}", show_pool(&session.stats()));
        let cancelled = results.cancel_remaining();
        println!(
            "cancel_remaining() cancelled: {}",
            list(&cancelled, &requests)
        );
        println!(
            "Still running now: {}",
            list(&results.still_running(), &requests)
        );
        println!("  pool: {}", show_pool(&session.stats()));
    });
}

fn list(indexes: &[usize], requests: &[crate::target::Request]) -> String {
    if indexes.is_empty() {
        return "none".to_owned();
    }
    let items: Vec<String> = indexes
        .iter()
        .map(|&i| format!("#{i} ({})", requests[i]))
        .collect();
    items.join(", ")
}
