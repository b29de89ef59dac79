//! Time limits for a session and for one request, and the error a too-slow request gets.
//!
//! A [`ClientTimeout`] has three limits, each optional: `total` (the whole request, from
//! the call to the last byte of the body), `connect` (DNS, TCP and TLS of a new
//! connection) and `sock_read` (the longest silence from the server). The session's
//! limits apply to every request; `.timeout(..)` on one request replaces them for it.
//! When a limit fires, the request's future is dropped where it stands and the error
//! names the limit and the phase it caught the request in: a timeout while waiting for a
//! pool slot is not the same problem as a server that does not answer.
//!
//! As in the chapter, the session allows 1 s in all and 100 ms to connect, and one request
//! overrides that with 10 ms in all. On the local server a slow answer is `/delay/<ms>`.
//!
//! Path: `RequestBuilder::timeout` (http/src/request.rs) -> `RequestDeadlines::run` and
//! `read` (http/src/timeout.rs) race each phase against `ripple_reactor::time::timeout_at`.

use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use ripple_http::{ClientTimeout, Error, Session};
use ripple_reactor::time::now;

use crate::target::{Target, TargetArgs};
use crate::{RunArgs, named, show};

/// A session-wide timeout, a per-request override, and a request that times out.
#[derive(Parser, Debug, Clone)]
#[command(name = "timeouts", version)]
pub struct Args {
    /// The session's total limit per request, in ms (the chapter's 1 s).
    #[arg(long, default_value_t = 1000)]
    pub session_total_ms: u64,
    /// The session's connect limit, in ms (the chapter's 100 ms).
    #[arg(long, default_value_t = 100)]
    pub connect_ms: u64,
    /// The one request's own total limit, in ms (the chapter's 10 ms).
    #[arg(long, default_value_t = 10)]
    pub request_total_ms: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["timeouts"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    args.run.block_on("timeouts", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session_limits = ClientTimeout {
            total: Some(Duration::from_millis(args.session_total_ms)),
            connect: Some(Duration::from_millis(args.connect_ms)),
            sock_read: None,
        };
        let request_limits = ClientTimeout::total(Duration::from_millis(args.request_total_ms));
        let session = Rc::new(Session::builder().timeout(session_limits).build());
        println!(
            "Session limits: total {}, connect {}. One request's own limits: total {}.\n",
            show(Duration::from_millis(args.session_total_ms)),
            show(Duration::from_millis(args.connect_ms)),
            show(Duration::from_millis(args.request_total_ms)),
        );

        let session_total = Duration::from_millis(args.session_total_ms);
        let request_total = Duration::from_millis(args.request_total_ms);
        // (what to ask for, the request's own limits if any, what should happen)
        let plan = if target.is_local() {
            vec![
                (target.page(), Some(request_limits), "fast enough for its own limit"),
                (
                    target.taking(request_total * 10),
                    Some(request_limits),
                    "ten times slower than its own limit",
                ),
                (
                    target.taking(session_total + session_total / 2),
                    None,
                    "slower than the session's limit",
                ),
            ]
        } else {
            vec![
                (target.page(), None, "under the session's limits"),
                (
                    target.page(),
                    Some(request_limits),
                    "under its own limit: a real network may not make it",
                ),
            ]
        };

        for (number, (request, own_limits, expectation)) in plan.into_iter().enumerate() {
            let which = match own_limits {
                Some(_) => "its own limits",
                None => "the session's limits",
            };
            println!(
                "{}. GET {request} with {which} ({expectation}):",
                number + 1
            );
            let start = now();
            let outcome = named(
                format!("{}. GET {request}", number + 1),
                fetch_within(Rc::clone(&session), request.url.clone(), own_limits),
            )
            .await;
            let took = now() - start;
            match outcome {
                Ok(status) => println!("   {status} after {}", show(took)),
                Err(error) => {
                    println!("   failed after {}: {error}", show(took));
                    if let Error::Timeout {
                        which,
                        phase,
                        after,
                    } = &error
                    {
                        println!(
                            "   Error::Timeout {{ which: {which}, phase: {phase:?}, after: {after:?} }}"
                        );
                    }
                }
            }
        }
        println!(
            "\nThe error says which limit fired and where the request was; the request's \
             future was dropped on the spot, its connection closed."
        );
    });
}

/// GETs `url` under `limits` if given (else the session's), reading the body too: the
/// `total` limit covers it.
async fn fetch_within(
    session: Rc<Session>,
    url: String,
    limits: Option<ClientTimeout>,
) -> Result<u16, Error> {
    let mut request = session.get(&url);
    if let Some(limits) = limits {
        request = request.timeout(limits);
    }
    let response = request.send().await?;
    let status = response.status();
    response.bytes().await?;
    Ok(status)
}
