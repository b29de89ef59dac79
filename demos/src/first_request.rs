//! One session, one GET, one status: the first web request of the chapter.
//!
//! A [`Session`] is aiohttp's `ClientSession`: made once, shared by reference, and
//! holding a pool of keep-alive connections. `session.get(url).send().await` returns as
//! soon as the response head has arrived; the body is still on the wire until read. The
//! demo prints the status, how long each step took (`response.timings()`), and the pool
//! afterwards (`session.stats()`); then it asks again, and the second request rides on the
//! connection the first one left in the pool: no new TCP handshake.
//!
//! Path: `Session::get` -> `RequestBuilder::send` (http/src/request.rs) -> `Pool::checkout`
//! (http/src/pool/mod.rs) -> `connect` (connect.rs) -> `Conn::send`, `Conn::read_head`
//! (conn.rs) -> `Response::read_body` (response.rs); docs/GUIDE.md follows it down to
//! `epoll_wait`.

use std::rc::Rc;

use clap::Parser;
use ripple_combinators::timed;
use ripple_http::{Error, Session, Timings};

use crate::target::{Target, TargetArgs, show_pool, show_timings};
use crate::{RunArgs, named};

/// One session, one GET, the status, how long each step took, and the pool.
#[derive(Parser, Debug, Clone)]
#[command(name = "first_request", version)]
pub struct Args {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["first_request"])
    }
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    args.run.block_on("first_request", async {
        let target = Target::start(&args.target);
        println!("{}", target.describe());
        let session = Rc::new(Session::new());
        let request = target.page();

        for attempt in ["first", "second"] {
            let what = format!("GET {request} ({attempt} time)");
            let fetch = fetch_and_read(Rc::clone(&session), request.url.clone());
            match timed(what.clone(), named(what, fetch)).await {
                Ok((status, bytes, timings)) => {
                    println!("  Status for {request} was {status} ({bytes} bytes of body)");
                    println!("  timings: {}", show_timings(&timings));
                }
                Err(error) => println!("  the request failed: {error}"),
            }
            println!("  pool: {}\n", show_pool(&session.stats()));
        }
        println!(
            "The second request found the first one's connection idle in the pool and \
             reused it: no new connection, as with one aiohttp ClientSession per program."
        );
    });
}

/// GETs `url` and reads the body with `read_body`, which keeps the response, so the
/// body's time is measured too: the status, the body's length, and `response.timings()`
/// once the body is in.
async fn fetch_and_read(session: Rc<Session>, url: String) -> Result<(u16, usize, Timings), Error> {
    let mut response = session.get(&url).send().await?;
    let body = response.read_body().await?;
    Ok((response.status(), body.len(), response.timings()))
}
