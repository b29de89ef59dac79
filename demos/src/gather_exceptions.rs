//! When one request of a group fails: the error at once, or every outcome kept.
//!
//! The list holds an invalid URL, `python://example.com`, beside good ones. asyncio's
//! `gather` has a flag for what happens then; ripple has a function for each answer:
//! - [`try_gather`] (`return_exceptions=False`): the first error comes back as soon as
//!   it happens, and the other requests are *not* cancelled: they run on, unseen (their
//!   `finished` lines still appear). `.cancel_on_error()` cancels them instead.
//! - [`gather_results`] (`return_exceptions=True`): every outcome, in input order, errors
//!   in their slots as values; the demo then splits successes from failures.
//!
//! The URL is rejected by `Url::parse` before any socket is opened: `Error::InvalidUrl`,
//! a bug in the caller, told apart from a network failure by its variant.
//!
//! Path: `try_gather`, `gather_results` (combinators/src/gather.rs) -> `timed` (timed.rs)
//! -> [`fetch_status`] -> `RequestBuilder::send` (http/src/request.rs) -> `Url::parse`.

use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use ripple_combinators::{TaskError, gather_results, timed, try_gather};
use ripple_http::Session;
use ripple_reactor::sleep;

use crate::target::{Request, Target, TargetArgs, fetch_status};
use crate::{RunArgs, named, show};

/// The URL the chapter uses to make one request of the group fail.
pub const INVALID_URL: &str = "python://example.com";

/// A group of requests with an invalid URL: errors propagating, then errors collected.
#[derive(Parser, Debug, Clone)]
#[command(name = "gather_exceptions", version)]
pub struct Args {
    /// How long the slow good request takes, in ms; long enough to still be running when
    /// the error comes back.
    #[arg(long, default_value_t = 200)]
    pub slow_ms: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["gather_exceptions"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    let slow = Duration::from_millis(args.slow_ms);
    args.run.block_on("gather_exceptions", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let requests = vec![
            target.page(),
            Request::new(INVALID_URL),
            target.taking(slow),
        ];
        let listed: Vec<String> = requests.iter().map(ToString::to_string).collect();
        println!("The requests: [{}]\n", listed.join(", "));
        let fetches = |part: &str| {
            let part = part.to_owned();
            let session = Rc::clone(&session);
            requests
                .clone()
                .into_iter()
                .enumerate()
                .map(move |(i, request)| {
                    let what = format!("fetch_status({request})");
                    let work = timed(what.clone(), fetch_status(Rc::clone(&session), request));
                    named(format!("part {part}: #{i} {what}"), work)
                })
                .collect::<Vec<_>>()
        };
        // Long enough for every request left running to finish and print its line.
        let linger = slow + Duration::from_millis(50);

        println!("1. try_gather: the first error comes back at once; the others run on.");
        match try_gather(fetches("1")).await {
            Ok(statuses) => println!("try_gather returned {statuses:?}"),
            Err(error) => println!("try_gather returned the first error: {error}"),
        }
        println!("(waiting {} to see what the others do)", show(linger));
        sleep(linger).await;

        println!("\n2. try_gather(..).cancel_on_error(): the first error cancels the others.");
        match try_gather(fetches("2")).cancel_on_error().await {
            Ok(statuses) => println!("try_gather returned {statuses:?}"),
            Err(error) => println!("try_gather returned the first error: {error}"),
        }
        println!(
            "(waiting {}: no more finished lines, the others were cancelled)",
            show(linger)
        );
        sleep(linger).await;

        println!("\n3. gather_results: every outcome, in input order, errors as values.");
        let results = gather_results(fetches("3")).await;
        let all: Vec<String> = results
            .iter()
            .map(|result| match result {
                Ok(status) => format!("Ok({status})"),
                Err(TaskError::Failed(error)) => format!("Err({})", error.kind_name()),
                Err(other) => format!("Err({other})"),
            })
            .collect();
        let succeeded: Vec<u16> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .copied()
            .collect();
        let failed: Vec<String> = results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|error| match error {
                TaskError::Failed(error) => format!("{error:?}"),
                other => other.to_string(),
            })
            .collect();
        println!("All results: [{}]", all.join(", "));
        println!("Finished successfully: {succeeded:?}");
        println!("Threw errors: [{}]", failed.join(", "));
    });
}
