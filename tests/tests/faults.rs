//! The fault matrix under load: thousands of requests through one session to normal and
//! broken servers, each ending on time with the outcome its route calls for, nothing leaked.
//!
//! One runtime on the real clock (a TLS server and blocking DNS lookups take part) holds
//! the example server (on a socket the test makes, for its backlog: see [`IN_FLIGHT`]), a
//! TLS example server whose self-signed certificate nobody trusts, a port where nothing
//! listens and a host name that cannot resolve. [`IN_FLIGHT`] worker tasks share one
//! [`Session`] whose limit is the same number, and take the next request of a seeded plan
//! until [`REQUESTS`] are done: normal routes (page, delay, bytes, chunked) and every kind
//! of fault, each with a total timeout. Each request reads its whole body, and is timed
//! with `Instant`. With `--nocapture` the test prints the matrix as it ran: route,
//! outcome, count, and the slowest end against the timeout.
//!
//! Checked: every request ends, with the exact outcome of its route (body length, or the
//! error variant and phase), and no later than its timeout plus [`MARGIN`]; then the pool
//! has nothing in use or waiting and no more idle connections than its limit, the runtime
//! holds nothing but the servers (their accept tasks and open connections), a normal
//! request still works, and once the runtime is dropped the process has exactly the file
//! descriptors it had before (counted in `/proc/self/fd`, which is why this scenario is a
//! test binary of its own: the count is process-wide).
//!
//! Path: this file -> `ripple_http::Session` (`request.rs`, `pool/`, `connect.rs`,
//! `conn.rs`) -> the example server's `routes.rs` and `faults.rs`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ripple_http::server::{Server, ServerHandle};
use ripple_http::tls::TlsAcceptor;
use ripple_http::{ClientTimeout, Error, Session};
use ripple_reactor::{Runtime, sleep, spawn};
use ripple_tests::{Rng, in_use};
use socket2::{Domain, Socket, Type};

/// Requests sent in all.
const REQUESTS: usize = 10_000;

/// Requests in flight at once, and the session's connection limit: 200, as issue 6 asks.
///
/// Most fault routes close their connection, so nearly every request opens a new one, and
/// up to this many connections at once can wait for the example server to accept them.
/// `Server::bind` listens with a backlog of [`BIND_BACKLOG`]; past it the kernel drops
/// the SYN, and the client waits out Linux's 1 s SYN retransmission (measured with 200 in
/// flight on `bind` and a 1 s timeout: 60 of 10,000 requests ended as `Timeout Total
/// Connect`, exactly the SYNs the kernel counted as dropped). The client is right to
/// time out there; the queue is the server's to size. So the test makes the plain
/// server's socket itself, with a backlog of [`BACKLOG`], and serves on it with
/// `Server::from_std` (see [`listener_with_backlog`]).
///
/// The TLS server keeps `bind_tls` and its 128, as there is no `from_std` for TLS: only
/// the TLS route's requests reach it, one in fifteen, and it accepts each connection the
/// moment it arrives. The test counts that route's requests in flight (each holds at most
/// one connection, and one that ended with `Tls` was accepted) and checks they stay under
/// [`BIND_BACKLOG`].
const IN_FLIGHT: usize = 200;

/// The backlog of the plain server's socket: room for every request in flight and more.
/// (Linux caps it at `net.core.somaxconn`, 4096 by default since 5.4.)
const BACKLOG: i32 = 1024;

/// The backlog of a socket from `Server::bind` or `bind_tls` (std's and mio's).
const BIND_BACKLOG: usize = 128;

/// The total timeout of the routes that end before it, with a value or an error that has
/// nothing to do with time. It only bounds them, so it stays well clear of how long a
/// request can wait for a busy loop: with three debug copies of this test at once on a
/// busy 2-core machine, `/delay/20` took up to 1.4 s, and a 1 s timeout failed the run.
const TIMEOUT: Duration = Duration::from_secs(3);

/// The total timeout of the routes that can only end by timing out: shorter, so the slots
/// they hold come back sooner.
const SHORT_TIMEOUT: Duration = Duration::from_millis(500);

/// How late after its timeout a request may end, on a loaded 2-core machine.
const MARGIN: Duration = Duration::from_secs(2);

/// The fixed seed of the plan: change it to explore another mix; every run must pass.
const SEED: u64 = 0xFA17_2026;

/// Where a route is served.
#[derive(Clone, Copy)]
enum Target {
    /// The example server, plain HTTP.
    Http,
    /// The TLS example server, with its untrusted certificate.
    Tls,
    /// A port with nothing listening.
    ClosedPort,
    /// `no-such-host.invalid` (RFC 6761: never resolves).
    UnknownHost,
}

/// One line of the matrix: a route, where it is served, its timeout, and the outcome it
/// must have, spelled as [`outcome`] spells them.
struct Route {
    /// How often it comes up in the plan, against the others.
    weight: u64,
    target: Target,
    path: &'static str,
    timeout: Duration,
    expected: &'static str,
}

const fn route(
    weight: u64,
    target: Target,
    path: &'static str,
    timeout: Duration,
    expected: &'static str,
) -> Route {
    Route {
        weight,
        target,
        path,
        timeout,
        expected,
    }
}

const ROUTES: &[Route] = &[
    route(10, Target::Http, "/", TIMEOUT, "ok, 1256 bytes"),
    route(10, Target::Http, "/delay/20", TIMEOUT, "ok, 14 bytes"),
    route(10, Target::Http, "/bytes/5000", TIMEOUT, "ok, 5000 bytes"),
    route(10, Target::Http, "/chunked/3000", TIMEOUT, "ok, 3000 bytes"),
    route(
        10,
        Target::Http,
        "/fault/close-mid-headers",
        TIMEOUT,
        "ServerDisconnected WaitingForHead",
    ),
    route(
        10,
        Target::Http,
        "/fault/close-mid-body",
        TIMEOUT,
        "ServerDisconnected ReadingBody",
    ),
    // The whole response a byte every 100 ms: some 9 s, far past its timeout.
    route(
        10,
        Target::Http,
        "/fault/slow-drip?ms=100&bytes=10",
        SHORT_TIMEOUT,
        "Timeout Total WaitingForHead",
    ),
    route(
        10,
        Target::Http,
        "/fault/garbage-status",
        TIMEOUT,
        "Protocol WaitingForHead",
    ),
    // A 1 MiB header line, against the client's 64 KiB limit on a head.
    route(
        10,
        Target::Http,
        "/fault/oversized-header",
        TIMEOUT,
        "TooLarge HeadSize",
    ),
    route(
        10,
        Target::Http,
        "/fault/wrong-content-length",
        TIMEOUT,
        "ServerDisconnected ReadingBody",
    ),
    route(
        10,
        Target::Http,
        "/fault/bad-chunk-size",
        TIMEOUT,
        "Protocol ReadingBody",
    ),
    route(
        10,
        Target::Http,
        "/fault/truncated-chunked",
        TIMEOUT,
        "ServerDisconnected ReadingBody",
    ),
    route(
        10,
        Target::Http,
        "/fault/never-answer",
        SHORT_TIMEOUT,
        "Timeout Total WaitingForHead",
    ),
    route(10, Target::Tls, "/", TIMEOUT, "Tls"),
    route(
        10,
        Target::ClosedPort,
        "/",
        TIMEOUT,
        "Connect ConnectionRefused",
    ),
    // Rarer than the others: each is a lookup that goes to the network (see
    // [`SLOW_RESOLVER`]).
    route(1, Target::UnknownHost, "/", TIMEOUT, "Dns"),
];

/// The other outcome the unknown host may have: a lookup that outlives the request's
/// timeout. The name is looked up by the C library's `getaddrinfo` on the runtime's few
/// blocking threads, and `.invalid` goes to the network's resolver, which here now and then
/// drops a query: the C library then waits 5 s to ask again, the request's total timeout
/// ends it first, and the lookups queued behind it wait too. Which of the two it is
/// depends on the network, not on the client; ending on time is the client's part.
const SLOW_RESOLVER: &str = "Timeout Total Dns";

/// Whether `outcome` is what `route` must end with.
fn expected(route: &Route, outcome: &str) -> bool {
    outcome == route.expected
        || (matches!(route.target, Target::UnknownHost) && outcome == SLOW_RESOLVER)
}

/// A request's outcome in a few words: the body's length, or the error's variant and the
/// part of it that tells the faults apart (phase, limit, OS error).
fn outcome(result: &ripple_http::Result<Vec<u8>>) -> String {
    let error = match result {
        Ok(body) => return format!("ok, {} bytes", body.len()),
        Err(error) => error,
    };
    match error {
        Error::ServerDisconnected { phase } => format!("ServerDisconnected {phase:?}"),
        Error::Protocol { phase, .. } => format!("Protocol {phase:?}"),
        Error::TooLarge { limit, .. } => format!("TooLarge {limit:?}"),
        Error::Timeout { which, phase, .. } => format!("Timeout {which:?} {phase:?}"),
        Error::Connect { source, .. } => format!("Connect {:?}", source.kind()),
        Error::Io { phase, source } => format!("Io {phase:?} {:?}", source.kind()),
        Error::Tls { .. } => "Tls".to_owned(),
        Error::Dns { .. } => "Dns".to_owned(),
        other => format!("{} ({other})", other.kind_name()),
    }
}

/// The file descriptors this process has open now.
fn open_fds() -> usize {
    // The directory handle itself is counted too, every time alike.
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A TCP port on 127.0.0.1 where nothing listens, and the socket that keeps it so: bound,
/// never listening, so a connection to it is refused. (Bound, not bound and dropped: a
/// freed port may come back as the local port of one of the client's own connections, and
/// a connection from a port to itself succeeds, TCP's simultaneous open.)
fn closed_port() -> (Socket, SocketAddr) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&any_port.into()).unwrap();
    let address = socket.local_addr().unwrap().as_socket().unwrap();
    (socket, address)
}

/// A listening socket on 127.0.0.1 (port 0) with a backlog of [`BACKLOG`], for
/// `Server::from_std`: what `bind` does, but with room for every request in flight.
fn listener_with_backlog() -> std::net::TcpListener {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_nonblocking(true).unwrap();
    let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&any_port.into()).unwrap();
    socket.listen(BACKLOG).unwrap();
    socket.into()
}

/// The TLS example server, with a fresh self-signed certificate for 127.0.0.1 that no
/// root the client knows has signed.
fn spawn_untrusted_tls_server() -> ServerHandle {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let acceptor = TlsAcceptor::from_pem(
        certified.cert.pem().as_bytes(),
        certified.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    Server::bind_tls("127.0.0.1:0".parse().unwrap(), acceptor)
        .unwrap()
        .spawn()
}

/// What one request did.
struct Done {
    route: usize,
    outcome: String,
    elapsed: Duration,
}

/// One route's requests in flight: now, and the most at once so far.
#[derive(Default)]
struct InFlight {
    now: Cell<usize>,
    most: Cell<usize>,
}

impl InFlight {
    fn start(&self) {
        self.now.set(self.now.get() + 1);
        self.most.set(self.most.get().max(self.now.get()));
    }

    fn end(&self) {
        self.now.set(self.now.get() - 1);
    }
}

/// How many requests of one route ended with one outcome, and the slowest of them.
#[derive(Default)]
struct Seen {
    count: usize,
    slowest: Duration,
}

/// Prints the matrix as it ran (see it with `--nocapture`): per route, its timeout and the
/// most of its requests in flight at once; per outcome, how many requests ended so, and
/// when the slowest of them ended against the timeout. An outcome the route must not have
/// is printed with the one it must.
fn print_table(table: &[BTreeMap<&str, Seen>], in_flight: &[InFlight]) {
    eprintln!(
        "{:<32}  {:>7}  {:>7}  {:<34}  {:>5}  {:>7}  {:>10}",
        "route", "timeout", "at once", "outcome", "count", "slowest", "vs timeout"
    );
    for ((route, outcomes), load) in ROUTES.iter().zip(table).zip(in_flight) {
        let name = match route.target {
            Target::Http => route.path,
            Target::Tls => "https, untrusted certificate",
            Target::ClosedPort => "closed port",
            Target::UnknownHost => "no-such-host.invalid",
        };
        for (&outcome, seen) in outcomes {
            let outcome = if expected(route, outcome) {
                outcome.to_owned()
            } else {
                format!("{outcome} (must be {})", route.expected)
            };
            eprintln!(
                "{name:<32}  {:>7}  {:>7}  {outcome:<34}  {:>5}  {:>7}  {:>10}",
                format!("{:?}", route.timeout),
                load.most.get(),
                seen.count,
                millis(seen.slowest),
                against(seen.slowest, route.timeout),
            );
        }
    }
}

/// `end` against `timeout`, signed: "-918ms" is that long before it, "+12ms" after.
fn against(end: Duration, timeout: Duration) -> String {
    match end.checked_sub(timeout) {
        Some(after) => format!("+{}", millis(after)),
        None => format!("-{}", millis(timeout - end)),
    }
}

/// A duration in whole milliseconds: "1009ms", where `{:.0?}` would round to "1s".
fn millis(duration: Duration) -> String {
    format!("{}ms", duration.as_millis())
}

/// A whole request: send it, read the body.
async fn fetch(session: &Session, url: &str, timeout: Duration) -> ripple_http::Result<Vec<u8>> {
    session
        .get(url)
        .timeout(ClientTimeout::total(timeout))
        .send()
        .await?
        .bytes()
        .await
}

#[test]
fn ten_thousand_requests_to_a_matrix_of_faults_all_end_on_time_with_their_outcome_and_leak_nothing()
{
    // Warm up what the C library opens once and keeps (the resolver's configuration, if
    // anything): such descriptors are not the client's.
    let _ = std::net::ToSocketAddrs::to_socket_addrs("no-such-host.invalid:80");
    let baseline = open_fds();
    let started = Instant::now();
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let http = Server::from_std(listener_with_backlog()).unwrap().spawn();
        let tls = spawn_untrusted_tls_server();
        let (_closed, closed_address) = closed_port();
        let urls: Vec<String> = ROUTES
            .iter()
            .map(|route| match route.target {
                Target::Http => http.url(route.path),
                Target::Tls => tls.url(route.path),
                Target::ClosedPort => format!("http://{closed_address}{}", route.path),
                Target::UnknownHost => format!("http://no-such-host.invalid{}", route.path),
            })
            .collect();
        let mut rng = Rng::new(SEED);
        let weights: u64 = ROUTES.iter().map(|route| route.weight).sum();
        let plan: Vec<usize> = (0..REQUESTS)
            .map(|_| {
                let mut pick = rng.below(weights);
                ROUTES
                    .iter()
                    .position(|route| {
                        let here = pick < route.weight;
                        pick = pick.saturating_sub(route.weight);
                        here
                    })
                    .unwrap()
            })
            .collect();

        let session = Rc::new(Session::builder().limit(IN_FLIGHT).build());
        let (plan, urls) = (Rc::new(plan), Rc::new(urls));
        let next = Rc::new(Cell::new(0));
        let most_in_use = Rc::new(Cell::new(0));
        let done = Rc::new(RefCell::new(Vec::with_capacity(REQUESTS)));
        let in_flight: Rc<Vec<InFlight>> =
            Rc::new(ROUTES.iter().map(|_| InFlight::default()).collect());
        let workers: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                let (session, plan, urls) = (session.clone(), plan.clone(), urls.clone());
                let (next, most_in_use, done) = (next.clone(), most_in_use.clone(), done.clone());
                let in_flight = in_flight.clone();
                spawn(async move {
                    loop {
                        let i = next.get();
                        if i == plan.len() {
                            return;
                        }
                        next.set(i + 1);
                        let route = plan[i];
                        in_flight[route].start();
                        let start = Instant::now();
                        let result = fetch(&session, &urls[route], ROUTES[route].timeout).await;
                        let elapsed = start.elapsed();
                        in_flight[route].end();
                        most_in_use.set(most_in_use.get().max(in_use(&session.stats())));
                        done.borrow_mut().push(Done {
                            route,
                            outcome: outcome(&result),
                            elapsed,
                        });
                    }
                })
            })
            .collect();
        // Every request ends: the workers end only when the plan is done. The bound is
        // only there to fail rather than hang.
        let all = async {
            for worker in workers {
                worker.await.unwrap();
            }
        };
        ripple_reactor::timeout(Duration::from_secs(120), all)
            .await
            .expect("every request ends");
        let sent = started.elapsed();
        // The lookups that outlived their requests end on their own; wait for them, so
        // that what is left below is only the servers (and their sockets are closed).
        let lookups = async {
            while rt.stats().blocking_in_flight > 0 {
                sleep(Duration::from_millis(10)).await;
            }
            sleep(Duration::from_millis(10)).await;
        };
        ripple_reactor::timeout(Duration::from_secs(60), lookups)
            .await
            .expect("every lookup ends");

        // The table for the report, and the checks, route by route.
        let done = done.take();
        assert_eq!(done.len(), REQUESTS);
        let mut table: Vec<BTreeMap<&str, Seen>> = ROUTES.iter().map(|_| BTreeMap::new()).collect();
        let mut wrong = Vec::new();
        let mut late = Vec::new();
        for request in &done {
            let route = &ROUTES[request.route];
            let seen = table[request.route].entry(&request.outcome).or_default();
            seen.count += 1;
            seen.slowest = seen.slowest.max(request.elapsed);
            if !expected(route, &request.outcome) {
                wrong.push(format!("{}: {}", urls[request.route], request.outcome));
            }
            if request.elapsed > route.timeout + MARGIN {
                late.push(format!("{}: {:?}", urls[request.route], request.elapsed));
            }
        }
        eprintln!(
            "{REQUESTS} requests, {IN_FLIGHT} in flight, sent in {sent:.2?}; \
             session {:?}",
            session.stats()
        );
        eprintln!(
            "servers: plain (backlog {BACKLOG}) {:?}; TLS (backlog {BIND_BACKLOG}) {:?}",
            http.stats(),
            tls.stats()
        );
        print_table(&table, &in_flight);
        assert!(
            wrong.is_empty(),
            "{} requests ended with the wrong outcome, e.g. {:#?}",
            wrong.len(),
            &wrong[..wrong.len().min(10)]
        );
        assert!(
            late.is_empty(),
            "{} requests ended more than {MARGIN:?} after their timeout, e.g. {:#?}",
            late.len(),
            &late[..late.len().min(10)]
        );
        assert!(
            table.iter().all(|outcomes| !outcomes.is_empty()),
            "every route was tried"
        );
        // The premise of keeping the TLS server on `bind_tls` (see [`IN_FLIGHT`]).
        for (route, load) in ROUTES.iter().zip(in_flight.iter()) {
            if matches!(route.target, Target::Tls) {
                assert!(
                    load.most.get() < BIND_BACKLOG,
                    "{} TLS requests in flight at once: the TLS server's backlog could fill",
                    load.most.get()
                );
            }
        }

        // The pool: nothing in use, nobody waiting, no more idle connections than its limit
        // (all of them to the plain server: no other host leaves a connection to keep).
        assert!(
            most_in_use.get() <= IN_FLIGHT,
            "the limit held: {}",
            most_in_use.get()
        );
        let stats = session.stats();
        assert_eq!((in_use(&stats), stats.waiting), (0, 0), "{stats:?}");
        assert!(stats.idle <= IN_FLIGHT, "{stats:?}");
        assert!(
            stats
                .hosts
                .iter()
                .all(|(key, host)| key.port == http.local_addr().port()
                    && host.in_use == 0
                    && host.waiting == 0),
            "{stats:?}"
        );

        // The runtime: the two accept tasks and one task per connection the servers still
        // hold (those the client closed linger a moment in the server); no lookup, no
        // worker, no request's timer. Sockets: the two listeners, the servers' connections
        // and the pool's idle ones.
        let server_connections = http.stats().open_connections + tls.stats().open_connections;
        let rt_stats = rt.stats();
        assert_eq!(
            (
                rt_stats.live_tasks,
                rt_stats.io_sources,
                rt_stats.blocking_in_flight
            ),
            (
                2 + server_connections,
                2 + server_connections + stats.idle,
                0
            ),
            "{rt_stats:?}, {server_connections} server connections, {stats:?}"
        );
        assert!(
            rt_stats.timers <= server_connections,
            "only lingering server connections wait on a timer: {rt_stats:?}"
        );

        // None of the idle connections is broken: as many requests at once as there are
        // idle connections each take one of them, and the pool opens none (a stale one
        // would be closed at checkout and replaced).
        let idle = stats.idle;
        let checks: Vec<_> = (0..idle.max(1))
            .map(|_| {
                let (session, url) = (session.clone(), http.url("/"));
                spawn(async move { fetch(&session, &url, TIMEOUT).await })
            })
            .collect();
        for check in checks {
            assert_eq!(
                check.await.unwrap().unwrap().len(),
                1256,
                "a normal request"
            );
        }
        let after = session.stats();
        assert_eq!((in_use(&after), after.waiting), (0, 0), "{after:?}");
        assert_eq!(after.idle, idle.max(1), "{after:?}");
        if idle > 0 {
            assert_eq!(
                (after.opened, after.reused),
                (stats.opened, stats.reused + idle as u64),
                "every idle connection was reused: {after:?}"
            );
        }

        http.shutdown();
        tls.shutdown();
        drop(session);
        let rt_stats = rt.stats();
        assert_eq!(
            (
                rt_stats.live_tasks,
                rt_stats.io_sources,
                rt_stats.timers,
                rt_stats.blocking_in_flight
            ),
            (0, 0, 0, 0),
            "nothing left once the servers are shut down: {rt_stats:?}"
        );
    });
    assert!(rt.is_idle(), "{:?}", rt.stats());
    drop(rt);
    assert_eq!(open_fds(), baseline, "every descriptor is closed");
    eprintln!("the whole test took {:.2?}", started.elapsed());
}
