//! 1,000 requests at once through one session, then the same 1,000 one at a time.
//!
//! Concurrently, every request is a task from the start; the session's pool lets 100 of
//! them hold a connection at once and queues the rest in arrival order, so with a 10 ms
//! answer the whole batch takes about 1,000 / 100 x 10 ms = 0.1 s. One at a time, each
//! request waits for the one before: 1,000 x 10 ms = 10 s at least. The demo prints both
//! times, the speed-up, and the pool's figures (`session.stats()`): 100 connections
//! opened for the concurrent run and then reused, none opened for the sequential one.
//!
//! The concurrent run goes through [`gather_with_progress`]: `gather`'s result (every
//! outcome, in input order) with a live progress bar fed by `as_completed`. On a paused
//! clock the figures are exact: 0.100 s and 10.000 s.
//!
//! Path: [`gather_with_progress`] (progress.rs) -> `as_completed` (combinators) ->
//! [`fetch_status`] -> `Session::get` (http/src/session/mod.rs) -> `Pool::checkout`
//! (http/src/pool/mod.rs).

use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use ripple_http::{Error, Session};
use ripple_reactor::time::now;

use crate::progress::{Progress, gather_with_progress};
use crate::target::{Request, Target, TargetArgs, fetch_status, show_outcome};
use crate::{RunArgs, named, show};

/// 1,000 GETs concurrently, then one at a time, and the speed-up.
#[derive(Parser, Debug, Clone)]
#[command(name = "gather", version)]
pub struct Args {
    /// How many requests to make each way.
    #[arg(long, default_value_t = 1000)]
    pub requests: usize,
    /// How many of them to repeat one at a time; fewer saves time, and the full
    /// sequential time is then estimated from their average.
    #[arg(long)]
    pub sequential: Option<usize>,
    /// The session's connection limit (aiohttp's default is 100).
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// How long the local server takes to answer each request, in ms (ignored with
    /// --url, where the network sets the pace).
    #[arg(long, default_value_t = 10)]
    pub delay_ms: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["gather"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    let requests = args.requests.max(1);
    let sequential = args.sequential.unwrap_or(requests).clamp(1, requests);
    let delay = Duration::from_millis(args.delay_ms);
    args.run.block_on("gather", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let request = target.served_after(delay);
        let session = Rc::new(Session::builder().limit(args.limit).build());
        let waves = requests.div_ceil(args.limit.max(1)) as u32;
        if target.is_local() {
            println!(
                "Each answer takes {} (GET {request}); one session, at most {} connections.\n",
                show(delay),
                args.limit
            );
        }

        println!("1. {requests} requests at once (each a task; all outcomes in input order):");
        let before = session.stats();
        let start = now();
        let progress = Progress::new(requests, "at once");
        let outcomes = gather_with_progress(
            (0..requests).map(|i| {
                named(
                    format!("at once #{}", i + 1),
                    fetch_status(Rc::clone(&session), request.clone()),
                )
            }),
            &progress,
        )
        .await;
        let concurrent = now() - start;
        let statuses: Vec<_> = outcomes
            .into_iter()
            .map(|outcome| outcome.map_err(|e| show_outcome(&Err(e))))
            .collect();
        print_summary(&statuses, concurrent);
        let after = session.stats();
        println!(
            "   connections: {} opened, {} reuses of pooled ones",
            after.opened - before.opened,
            after.reused - before.reused
        );
        if let Some(server) = target.server_stats() {
            println!(
                "   the server saw at most {} connections open at once",
                server.max_open_connections
            );
        }
        if target.is_local() {
            println!(
                "   (expected: about {}: {requests} requests / {} connections x {})",
                show(delay * waves),
                args.limit,
                show(delay)
            );
        }

        println!("\n2. The same requests one at a time (each awaited before the next starts):");
        let before = session.stats();
        let start = now();
        let progress = Progress::new(sequential, "one at a time");
        let mut statuses = Vec::with_capacity(sequential);
        for i in 0..sequential {
            let status = one_at_a_time(i, &session, &request).await;
            statuses.push(status.map_err(|e| format!("error: {e}")));
            progress.step();
        }
        progress.finish();
        let measured = now() - start;
        print_summary(&statuses, measured);
        let after = session.stats();
        println!(
            "   connections: {} opened, {} reuses of pooled ones",
            after.opened - before.opened,
            after.reused - before.reused
        );
        let one_by_one = if sequential < requests {
            let estimate = measured.mul_f64(requests as f64 / sequential as f64);
            println!(
                "   ({sequential} of {requests} measured; all {requests} would take about {})",
                show(estimate)
            );
            estimate
        } else {
            measured
        };
        if target.is_local() {
            println!(
                "   (expected: {} or more: {requests} x {}, one after another)",
                show(delay * requests as u32),
                show(delay)
            );
        }

        println!(
            "\n3. At once was {:.1}x faster than one at a time ({} vs {}).",
            one_by_one.as_secs_f64() / concurrent.as_secs_f64().max(1e-9),
            show(concurrent),
            show(one_by_one)
        );
    });
}

/// One request as its own named task, awaited at once: the sequential way, drawn as a
/// staircase in the timeline.
async fn one_at_a_time(i: usize, session: &Rc<Session>, request: &Request) -> Result<u16, Error> {
    named(
        format!("one at a time #{}", i + 1),
        fetch_status(Rc::clone(session), request.clone()),
    )
    .await
}

/// "1000 responses in 0.100 s: 1000 x 200", with any errors counted by kind.
fn print_summary(statuses: &[Result<u16, String>], took: Duration) {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for status in statuses {
        let key = match status {
            Ok(code) => code.to_string(),
            Err(error) => error.clone(),
        };
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    let counts: Vec<String> = counts
        .iter()
        .map(|(key, n)| format!("{n} x {key}"))
        .collect();
    println!(
        "   {} responses in {}: {}",
        statuses.len(),
        show(took),
        counts.join(", ")
    );
}
