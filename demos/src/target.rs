//! Where a demo's requests go: the local example server, or a real URL given with `--url`.
//!
//! With no `--url`, [`Target::start`] binds ripple's example server to a free port on
//! 127.0.0.1 and spawns it on the demo's own runtime. A slow request is then a request
//! to `/delay/<ms>`, which the server answers after that long on the runtime's clock, so
//! the demo needs no network and a paused clock governs the server too.
//!
//! With `--url`, every request goes to that URL and the network sets the pace. Where a
//! demo needs one request to be slower than another, it sleeps before sending, as the
//! chapter's `fetch_status(session, url, delay)` does.
//!
//! Path: a demo -> [`fetch_status`] -> `ripple_http::Session::get`
//! (http/src/session/mod.rs).

use std::fmt;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ripple_combinators::TaskError;
use ripple_http::pool::PoolStats;
use ripple_http::server::{Server, ServerHandle, ServerStats};
use ripple_http::{Error, Session, Timings};
use ripple_reactor::{JoinHandle, sleep, spawn_named};

use crate::show;

/// The `--url` flag of the demos that make requests.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TargetArgs {
    /// Send the requests to URL (a real server, over the network) instead of the local
    /// example server; the delays then come from the network. The paused clock needs
    /// the local server, so the two flags do not go together.
    #[arg(long, value_name = "URL", conflicts_with = "paused_clock")]
    pub url: Option<String>,
}

/// The server a demo talks to.
pub struct Target {
    kind: Kind,
}

enum Kind {
    /// The example server, running on this runtime until the `Target` is dropped.
    Local(ServerHandle),
    /// A URL given on the command line.
    Remote(String),
}

impl Target {
    /// Starts the local example server, or remembers the `--url`. Call it inside the
    /// demo's runtime: the server's tasks run there.
    pub fn start(args: &TargetArgs) -> Target {
        let kind = match &args.url {
            Some(url) => Kind::Remote(url.clone()),
            None => Kind::Local(start_local_server()),
        };
        Target { kind }
    }

    /// One line saying where the requests go.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Local(server) => format!(
                "Requests go to the local example server at {} (in this process; \
                 --url URL picks a real one).",
                server.url("/")
            ),
            Kind::Remote(url) => format!("Requests go to {url}, over the network."),
        }
    }

    /// Whether the requests go to the local example server.
    pub fn is_local(&self) -> bool {
        matches!(self.kind, Kind::Local(_))
    }

    /// A request for a small page: `/` (1,256 bytes) on the local server.
    pub fn page(&self) -> Request {
        match &self.kind {
            Kind::Local(server) => Request::new(server.url("/")),
            Kind::Remote(url) => Request::new(url.clone()),
        }
    }

    /// One request per delay, in order: [`taking`](Self::taking) for each, in milliseconds.
    pub fn taking_each(&self, delays_ms: &[u64]) -> Vec<Request> {
        delays_ms
            .iter()
            .map(|&ms| self.taking(Duration::from_millis(ms)))
            .collect()
    }

    /// A request whose answer takes `delay`: `/delay/<ms>` on the local server; with
    /// `--url`, the URL itself, after sleeping `delay` first.
    pub fn taking(&self, delay: Duration) -> Request {
        match &self.kind {
            Kind::Local(server) => Request::new(server.url(&delay_path(delay))),
            Kind::Remote(url) => Request {
                sleep_first: delay,
                ..Request::new(url.clone())
            },
        }
    }

    /// A request the server answers after `delay`; with `--url`, the URL as it is: the
    /// network decides (no sleep is added, unlike [`taking`](Self::taking)).
    pub fn served_after(&self, delay: Duration) -> Request {
        match &self.kind {
            Kind::Local(_) => self.taking(delay),
            Kind::Remote(url) => Request::new(url.clone()),
        }
    }

    /// The local server's counters (`None` with `--url`).
    pub fn server_stats(&self) -> Option<ServerStats> {
        match &self.kind {
            Kind::Local(server) => Some(server.stats()),
            Kind::Remote(_) => None,
        }
    }
}

fn start_local_server() -> ServerHandle {
    let address: SocketAddr = ([127, 0, 0, 1], 0).into();
    match Server::bind(address) {
        Ok(server) => server.spawn(),
        Err(e) => {
            eprintln!("cannot start the local example server: {e}");
            std::process::exit(1)
        }
    }
}

fn delay_path(delay: Duration) -> String {
    format!("/delay/{}", delay.as_millis())
}

/// One GET to make: a URL, and how long to sleep before sending it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The URL, as given to `session.get`.
    pub url: String,
    /// A pause before sending (only with `--url`, where the server cannot be asked to
    /// take its time).
    pub sleep_first: Duration,
}

impl Request {
    /// A GET of `url`, sent at once.
    pub fn new(url: impl Into<String>) -> Request {
        Request {
            url: url.into(),
            sleep_first: Duration::ZERO,
        }
    }
}

/// Short enough for one line: the path on the local server, the whole URL otherwise,
/// plus the pause, if any.
impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = self
            .url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.find('/').map(|slash| &rest[slash..]))
            .unwrap_or(&self.url);
        f.write_str(short)?;
        if !self.sleep_first.is_zero() {
            write!(f, " after a {} sleep", show(self.sleep_first))?;
        }
        Ok(())
    }
}

/// GETs `request.url` and returns the status code: the chapter's `fetch_status`. The body
/// is read to the end so the connection can go back to the pool for the next request.
///
/// Takes the session by `Rc` so that the future owns what it uses and can run as a task.
pub async fn fetch_status(session: Rc<Session>, request: Request) -> Result<u16, Error> {
    if !request.sleep_first.is_zero() {
        sleep(request.sleep_first).await;
    }
    let response = session.get(&request.url).send().await?;
    let status = response.status();
    response.bytes().await?;
    Ok(status)
}

/// Spawns one task per request, named `#i GET <request>`, each running [`fetch_status`]:
/// the running tasks that `wait` takes (asyncio's `create_task` for each).
pub fn spawn_fetches(
    session: &Rc<Session>,
    requests: &[Request],
) -> Vec<JoinHandle<Result<u16, Error>>> {
    requests
        .iter()
        .enumerate()
        .map(|(i, request)| {
            spawn_named(
                format!("#{i} GET {request}"),
                fetch_status(Rc::clone(session), request.clone()),
            )
        })
        .collect()
}

/// A status, or what went wrong instead, in a few words.
pub fn show_outcome(outcome: &Result<u16, TaskError<Error>>) -> String {
    match outcome {
        Ok(status) => status.to_string(),
        Err(TaskError::Failed(error)) => format!("error: {error}"),
        Err(TaskError::TimedOut) => "timed out (the group's timeout passed first)".to_owned(),
        Err(TaskError::Cancelled) => "cancelled".to_owned(),
        Err(TaskError::Panicked(message)) => format!("panicked: {message}"),
    }
}

/// The pool in one line: `session.stats()` as the demos print it.
pub fn show_pool(stats: &PoolStats) -> String {
    format!(
        "{} open ({} idle, {} in use), {} waiting; so far {} opened, {} reused",
        stats.open,
        stats.idle,
        stats.open - stats.idle,
        stats.waiting,
        stats.opened,
        stats.reused
    )
}

/// A response's `timings()` in one line.
pub fn show_timings(timings: &Timings) -> String {
    let mut line = format!("queued {}", show(timings.queued));
    let optional = [
        ("dns", timings.dns),
        ("connect", timings.connect),
        ("tls", timings.tls),
    ];
    for (name, took) in optional {
        if let Some(took) = took {
            line.push_str(&format!(", {name} {}", show(took)));
        }
    }
    line.push_str(&format!(
        ", sending {}, waiting {}",
        show(timings.sending),
        show(timings.waiting)
    ));
    if let Some(body) = timings.body {
        line.push_str(&format!(", body {}", show(body)));
    }
    line.push_str(if timings.reused_connection {
        "; over a pooled connection"
    } else {
        "; over a new connection"
    });
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_prints_its_path_on_the_local_server_and_its_url_elsewhere() {
        let local = Request::new("http://127.0.0.1:40123/delay/100");
        assert_eq!(local.to_string(), "/delay/100");
        let remote = Request {
            sleep_first: Duration::from_millis(100),
            ..Request::new("https://example.com/")
        };
        assert_eq!(
            remote.to_string(),
            "https://example.com/ after a 100 ms sleep"
        );
        assert_eq!(
            Request::new("python://example.com").to_string(),
            "python://example.com"
        );
    }

    #[test]
    fn delay_paths_are_in_whole_milliseconds() {
        assert_eq!(delay_path(Duration::from_millis(10)), "/delay/10");
        assert_eq!(delay_path(Duration::from_secs(1)), "/delay/1000");
    }
}
