//! Results as soon as each one arrives, instead of all of them at the end.
//!
//! Three requests, two fast and one slow (the chapter's 1 s, 1 s and 10 s, ten times
//! shorter). `gather` would print nothing until the slow one is done; `as_completed`
//! hands over each outcome the moment its task ends, so the fast answers are printed
//! while the slow one is still on its way. Each outcome comes with the index of its
//! input, which asyncio's `as_completed` does not give.
//!
//! Path: `as_completed` (combinators/src/as_completed.rs) -> `children.rs` (the woken
//! list) -> [`fetch_status`] (target.rs).

use std::rc::Rc;

use clap::Parser;
use ripple_combinators::as_completed;
use ripple_http::Session;
use ripple_reactor::time::now;

use crate::target::{Target, TargetArgs, fetch_status, show_outcome};
use crate::{RunArgs, named, show};

/// Requests of different lengths, each result printed as it arrives.
#[derive(Parser, Debug, Clone)]
#[command(name = "as_completed", version)]
pub struct Args {
    /// How long each request takes, in ms (the chapter: 1 s, 1 s, 10 s).
    #[arg(long, value_delimiter = ',', default_value = "100,100,1000")]
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
        Args::parse_from(["as_completed"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    args.run.block_on("as_completed", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let requests: Vec<_> = target.taking_each(&args.delays_ms);
        for (i, request) in requests.iter().enumerate() {
            println!("  request #{i}: GET {request}");
        }
        println!("Printing each result as soon as it arrives:");

        let start = now();
        let mut results = as_completed(requests.iter().enumerate().map(|(i, request)| {
            named(
                format!("#{i} GET {request}"),
                fetch_status(Rc::clone(&session), request.clone()),
            )
        }));
        let mut first = None;
        while let Some((index, outcome)) = results.next().await {
            let at = now() - start;
            first.get_or_insert(at);
            println!(
                "  [{:>9}] request #{index} ({}): {}",
                show(at),
                requests[index],
                show_outcome(&outcome)
            );
        }
        let total = now() - start;
        println!(
            "\nAll done in {}; the first result was printed {} before the last one \
             arrived. gather would have held it back until the end.",
            show(total),
            show(total - first.unwrap_or(total))
        );
    });
}
