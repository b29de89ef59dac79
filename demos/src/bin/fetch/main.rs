//! `fetch`: fetch one URL like curl, or ten thousand at once like a crawler.
//!
//! ```text
//! fetch http://127.0.0.1:8080/                     # the body on stdout
//! fetch -i -o page.html http://127.0.0.1:8080/     # head and body, into a file
//! fetch -f urls.txt -c 64 --timeout 5 --json       # one JSON line per URL
//! ```
//!
//! The whole program is one ripple runtime on one thread and one [`ripple_http::Session`]
//! (its pool holds the `-c` connections). A request is `session.request(..).send().await`,
//! then `response.chunk().await` until the body ends. For a list, `-c` workers, started
//! with `gather`, take the URLs one after another; the client does the rest: keep-alive,
//! timeouts that name their phase, redirects, TLS.
//!
//! Map:
//! - `main.rs` (this file): parse, plan, run, exit code (0 all succeeded, 1 some failed,
//!   2 usage error).
//! - `cli.rs`: the flags (clap).
//! - `setup.rs`: flags -> a checked `Plan`: the mode, the request, the session.
//! - `request.rs`: `RequestSpec`, the request every URL gets; `-H` parsing.
//! - `single.rs`: one URL, curl-like: the body on stdout or `-o FILE`.
//! - `list.rs`: many URLs: `-c` workers over the list, and `--deadline`.
//! - `output.rs`: each URL's line, in completion or input order, and the tally.
//! - `report.rs`: what became of one URL, as a text or JSON line.
//! - `summary.rs`: the counts, latencies and connections of the run, on stderr.
//! - `progress.rs`: the bar on stderr, only for a terminal.
//! - `names.rs`: safe, unique file names for `--out-dir`.
//! - `save.rs`: a file that appears whole or not at all (temporary file, then rename).
//!
//! Path: here -> `setup.rs` -> `single.rs` or `list.rs` -> ripple-http's `session/`.

#![forbid(unsafe_code)]

mod cli;
mod list;
mod names;
mod output;
mod progress;
mod report;
mod request;
mod save;
mod setup;
mod single;
mod summary;

use std::process::ExitCode;

use clap::Parser;
use ripple_reactor::Runtime;

use crate::cli::Args;
use crate::report::one_line;
use crate::setup::{Mode, Plan};

/// Every request succeeded.
const SUCCEEDED: u8 = 0;
/// At least one request failed (or the output could not be written).
const FAILED: u8 = 1;
/// The command line is wrong; clap uses the same code for a bad flag.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    // A bug must still end in one readable line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "fetch: internal error (a bug): {}",
            one_line(&info.to_string())
        );
    }));
    let args = Args::parse(); // a bad flag: clap prints why and exits with 2
    let plan = match setup::plan(args) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("fetch: {error}");
            return ExitCode::from(USAGE);
        }
    };
    if plan.insecure {
        eprintln!(
            "fetch: warning: --insecure: certificates are not checked; \
             anyone on the path can read and change this traffic"
        );
    }
    let runtime = match Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("fetch: cannot start the runtime: {error}");
            return ExitCode::from(FAILED);
        }
    };
    ExitCode::from(run(&runtime, plan))
}

/// Runs the plan on `runtime`; returns the exit code.
fn run(runtime: &Runtime, plan: Plan) -> u8 {
    let Plan {
        mode,
        request,
        session,
        deadline,
        fail,
        insecure: _,
    } = plan;
    match mode {
        Mode::One {
            url,
            output,
            include_head,
        } => {
            let options = single::Options {
                output,
                include_head,
                fail,
                deadline,
            };
            match runtime.block_on(single::run(&session, &request, &url, &options)) {
                Ok(()) => SUCCEEDED,
                Err(failure) => {
                    eprintln!("fetch: {}: {}", failure.kind, failure.message);
                    FAILED
                }
            }
        }
        Mode::Many {
            urls,
            json,
            out_dir,
            ordered,
            quiet,
            concurrency,
        } => {
            let options = list::Options {
                json,
                out_dir,
                ordered,
                quiet,
                fail,
                concurrency,
                deadline,
            };
            match runtime.block_on(list::run(session, request, urls, options)) {
                Ok(true) => SUCCEEDED,
                Ok(false) => FAILED,
                Err(error) => {
                    eprintln!("fetch: cannot write to stdout: {error}");
                    FAILED
                }
            }
        }
    }
}
