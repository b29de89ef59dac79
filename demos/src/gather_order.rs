//! `gather` hands back results in the order the work was given, not the order it finished.
//!
//! Two requests: the first takes 300 ms, the second 100 ms (the chapter's `delay(3)` and
//! `delay(1)`, ten times shorter). Each one says when its answer comes in, so the output
//! shows the second finishing first; yet `gather` returns `[first, second]`. It keeps one
//! slot per input and fills each as its task ends, so order never depends on timing.
//!
//! Path: `gather` (combinators/src/gather.rs) -> `children.rs` (one waker per child) ->
//! [`fetch_status`] (target.rs).

use std::rc::Rc;

use clap::Parser;
use ripple_combinators::gather;
use ripple_http::Session;
use ripple_reactor::time::now;

use crate::target::{Target, TargetArgs, fetch_status};
use crate::{RunArgs, named, show};

/// Results in input order though the second request finishes first.
#[derive(Parser, Debug, Clone)]
#[command(name = "gather_order", version)]
pub struct Args {
    /// How long each request takes, in ms, in input order (the chapter: 3 s and 1 s).
    #[arg(long, value_delimiter = ',', default_value = "300,100")]
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
        Args::parse_from(["gather_order"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    args.run.block_on("gather_order", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let requests: Vec<_> = target.taking_each(&args.delays_ms);
        let listed: Vec<String> = requests.iter().map(|r| format!("GET {r}")).collect();
        println!("gather([{}]):", listed.join(", "));

        let start = now();
        let results = gather(requests.into_iter().enumerate().map(|(i, request)| {
            let session = Rc::clone(&session);
            named(format!("#{i} GET {request}"), async move {
                let label = request.to_string();
                let status = fetch_status(session, request).await;
                println!("  answer in after {}: #{i} {label}", show(now() - start));
                match status {
                    Ok(status) => format!("#{i} {label} -> {status}"),
                    Err(error) => format!("#{i} {label} -> error: {error}"),
                }
            })
        }))
        .await;
        println!("gather returned, in input order: [{}]", results.join(", "));
        println!(
            "\nThe answers came in finishing order; the list is in the order the requests \
             were given, so results[i] always belongs to request i."
        );
    });
}
