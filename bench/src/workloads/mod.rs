//! The workloads, the sizes they run at, and which runtime runs them.
//!
//! Each runtime gets its own file (`ripple.rs`, `tokio.rs`, `smol.rs`) with the same
//! functions, written as alike as the APIs allow, so that a diff of two files shows only
//! the API differences. Every function builds its runtime, starts the clock inside the
//! main future (runtime start-up is not measured), and returns the elapsed time.
//!
//! M1-M3 measure the runtimes alone. W1, W1s, W2 and L1 are HTTP clients against the
//! example server in another process (`server.rs`): ripple's `Session` on ripple,
//! hyper-util's pooled client on tokio; one function, [`ripple::gets`] and
//! [`tokio::gets`], runs all four with the sizes of [`Gets`]. L1 is the load row: every
//! request in flight at once, one connection each, so its peak RSS over the RSS before
//! the first request is what a pending request costs. smol has no HTTP client of its
//! own, so it sits out the W rows and L1.
//! F1 (`cli.rs`) runs programs rather than runtimes: ripple's `fetch` binary in ripple's
//! column and `curl --parallel` in the peer's (tokio's) column, against the same server.
//!
//! Rules the files keep:
//! - same work, same checks: M1 checks the sum of the indexes, M2 draws its delays from
//!   the same fixed-seed [`XorShift`], M3 checks the echoed bytes, each GET checks status
//!   200 and the body's length;
//! - same socket options on every runtime: `TCP_NODELAY` on both ends of M3 and on every
//!   client connection of the W workloads (ripple's client sets it; hyper's is told to);
//! - same HTTP shape: `in_flight` worker tasks take request numbers from one shared
//!   counter, each on a pooled keep-alive client limited to `in_flight` connections;
//! - a failed check panics: the child exits non-zero and the parent marks the run failed.
//!
//! Each runtime's file also has its own `run`, which names no other runtime: a
//! `bench-child-*` binary calls that one, so it links one runtime's code and no other's.
//!
//! Path: `child.rs` calls a runtime's `run` (or [`run`], for F1) -> one runtime's file ->
//! back to `child.rs`, which reports.

pub mod cli;
pub mod ripple;
pub mod smol;
pub mod tokio;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::ValueEnum;
use ripple_http::server::page::PAGE_LEN;

use crate::stopwatch::Measured;

/// One measured job. Lower numbers are better, except W2's requests per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Workload {
    /// Spawn 1,000,000 trivial tasks, then await each handle: ns per task.
    #[value(name = "M1")]
    M1,
    /// 100,000 concurrent tasks that each sleep 1..=100 ms: total ms (floor 100 ms).
    #[value(name = "M2")]
    M2,
    /// TCP ping-pong of 64 bytes over 127.0.0.1, 100,000 round trips: us per round trip.
    #[value(name = "M3")]
    M3,
    /// 1,000 GETs of `/delay/10`, 100 in flight: total ms (floor 100 ms).
    #[value(name = "W1")]
    W1,
    /// The same GETs one at a time, 200 of them (1,000 with `--full`): total ms (floor
    /// 10 ms per GET).
    #[value(name = "W1s")]
    W1s,
    /// 100,000 GETs of `/` (1,256 bytes), 64 in flight: requests per second.
    #[value(name = "W2")]
    W2,
    /// 10,000 GETs of `/`, 64 in flight, from the command line: ripple's `fetch` binary
    /// against `curl --parallel` (in the tokio column): seconds.
    #[value(name = "F1")]
    F1,
    /// 10,000 GETs of `/delay/1000`, all in flight at once (10,000 connections): total ms
    /// (floor 1,000 ms), peak RSS and peak RSS per pending request.
    #[value(name = "L1")]
    L1,
}

impl Workload {
    /// All of them, in table order.
    pub const ALL: [Workload; 8] = [
        Workload::M1,
        Workload::M2,
        Workload::M3,
        Workload::W1,
        Workload::W1s,
        Workload::W2,
        Workload::F1,
        Workload::L1,
    ];

    /// The unit of [`Workload::figure`].
    pub fn unit(self) -> &'static str {
        match self {
            Workload::M1 => "ns/task",
            Workload::M2 | Workload::W1 | Workload::W1s | Workload::L1 => "ms",
            Workload::M3 => "us/rt",
            Workload::W2 => "req/s",
            Workload::F1 => "s",
        }
    }

    /// How many operations a run at `sizes` does (tasks, sleepers, round trips, GETs).
    pub fn ops(self, sizes: Sizes) -> u64 {
        match self {
            Workload::M1 => sizes.tasks,
            Workload::M2 => sizes.sleepers,
            Workload::M3 => sizes.round_trips,
            Workload::W1 => sizes.delayed_gets,
            Workload::W1s => sizes.sequential_gets,
            Workload::W2 => sizes.page_gets,
            Workload::F1 => sizes.cli_gets,
            Workload::L1 => sizes.pending_gets,
        }
    }

    /// The number the table shows for a run that took `elapsed` over `ops` operations:
    /// time per operation for M1 and M3, the whole time for M2, W1, W1s and L1 (their
    /// floor is set by the sleeps, so a per-operation figure would mean nothing), and
    /// operations per second for W2, seconds for F1.
    pub fn figure(self, elapsed: Duration, ops: u64) -> f64 {
        let nanos = elapsed.as_nanos() as f64;
        match self {
            Workload::M1 => nanos / ops as f64,
            Workload::M2 | Workload::W1 | Workload::W1s | Workload::L1 => nanos / 1e6,
            Workload::M3 => nanos / 1e3 / ops as f64,
            Workload::W2 => ops as f64 / elapsed.as_secs_f64(),
            Workload::F1 => elapsed.as_secs_f64(),
        }
    }

    /// Whether a bigger [`Workload::figure`] is better (requests per second).
    pub fn higher_is_better(self) -> bool {
        self == Workload::W2
    }

    /// The HTTP requests of a W workload or L1; `None` for M1-M3 and F1 (see [`cli`]).
    pub fn gets(self, sizes: Sizes) -> Option<Gets> {
        let delayed = |requests, in_flight| Gets {
            path: DELAY_PATH,
            body_len: DELAY_BODY.len(),
            delay: DELAY,
            requests,
            in_flight,
        };
        match self {
            Workload::M1 | Workload::M2 | Workload::M3 | Workload::F1 => None,
            Workload::W1 => Some(delayed(sizes.delayed_gets, W1_IN_FLIGHT)),
            Workload::W1s => Some(delayed(sizes.sequential_gets, 1)),
            Workload::W2 => Some(Gets {
                path: "/",
                body_len: PAGE_LEN,
                delay: Duration::ZERO,
                requests: sizes.page_gets,
                in_flight: W2_IN_FLIGHT,
            }),
            // As many workers as requests: each does one GET, and all wait at once.
            Workload::L1 => Some(Gets {
                path: PENDING_PATH,
                body_len: PENDING_BODY.len(),
                delay: PENDING_DELAY,
                requests: sizes.pending_gets,
                in_flight: usize::try_from(sizes.pending_gets).unwrap_or(usize::MAX),
            }),
        }
    }

    /// Whether this is an HTTP workload (W1, W1s, W2, F1, L1), which needs the server.
    pub fn is_http(self) -> bool {
        matches!(
            self,
            Workload::W1 | Workload::W1s | Workload::W2 | Workload::F1 | Workload::L1
        )
    }

    /// Whether one uncounted run goes before the counted ones: L1's. Without it, L1's
    /// first run is the only one against a server that has never held 10,000
    /// connections: its heap still grows as it accepts, it falls behind the client by
    /// more than the backlog (4,096), the kernel drops SYNs and the client resends them
    /// a second later (measured: 2.3 s instead of 1.8 s, 1,445 listen overflows). It is
    /// also the only one that does not find the previous run's 10,000 client ports in
    /// TIME_WAIT, which make each `connect` search longer for a free port (measured:
    /// 1.45 s and 50 us of client CPU per request, against 2.05 s and 110 us after a
    /// run). After the warm-up, every counted run starts from that second state.
    pub fn warms_up(self) -> bool {
        self == Workload::L1
    }

    /// Whether the table shows this workload's peak RSS per request too: L1's, where the
    /// requests are all pending at once, so the growth over the baseline is theirs.
    pub fn rss_per_request(self) -> bool {
        self == Workload::L1
    }

    /// Whether `contender` runs this workload: every runtime runs M1-M3, only those with
    /// an HTTP client (ripple, and tokio with hyper) run the W workloads and L1.
    pub fn runs_on(self, contender: Contender) -> bool {
        !self.is_http() || contender != Contender::Smol
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            self.to_possible_value()
                .expect("no skipped variant")
                .get_name(),
        )
    }
}

/// Which runtime runs a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Contender {
    /// `ripple_reactor::Runtime`, this repository's runtime (with `ripple_http::Session`
    /// for the W workloads).
    Ripple,
    /// tokio's `current_thread` runtime with I/O and time enabled (with hyper-util's
    /// legacy `Client` over hyper for the W workloads).
    Tokio,
    /// smol's pieces: `async_executor::LocalExecutor` driven by `async_io::block_on`.
    Smol,
}

impl Contender {
    /// All of them, in column order; ripple first, as every ratio divides by it.
    pub const ALL: [Contender; 3] = [Contender::Ripple, Contender::Tokio, Contender::Smol];

    /// The child binary that runs this runtime's workloads and links no other runtime
    /// (`src/bin/`), next to `ripple-bench` in `target/release/`.
    pub fn child_binary(self) -> &'static str {
        match self {
            Contender::Ripple => "bench-child-ripple",
            Contender::Tokio => "bench-child-tokio",
            Contender::Smol => "bench-child-smol",
        }
    }
}

impl fmt::Display for Contender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            self.to_possible_value()
                .expect("no skipped variant")
                .get_name(),
        )
    }
}

/// Which sizes a run uses: `--quick`, the default, or `--full`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// [`Sizes::QUICK`].
    Quick,
    /// [`Sizes::STANDARD`].
    Standard,
    /// [`Sizes::FULL`].
    Full,
}

impl Scale {
    /// The scale that `--quick` and `--full` ask for (`--quick` wins).
    pub fn of_flags(quick: bool, full: bool) -> Scale {
        match (quick, full) {
            (true, _) => Scale::Quick,
            (false, true) => Scale::Full,
            (false, false) => Scale::Standard,
        }
    }

    /// The flag a child gets to run at this scale, if any.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Scale::Quick => Some("--quick"),
            Scale::Standard => None,
            Scale::Full => Some("--full"),
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scale::Quick => "--quick sizes",
            Scale::Standard => "standard sizes",
            Scale::Full => "--full sizes",
        })
    }
}

/// How big each workload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// M1: tasks spawned.
    pub tasks: u64,
    /// M2: concurrent sleeping tasks.
    pub sleepers: u64,
    /// M3: round trips of [`MESSAGE_LEN`] bytes.
    pub round_trips: u64,
    /// W1: GETs of [`DELAY_PATH`], [`W1_IN_FLIGHT`] at a time.
    pub delayed_gets: u64,
    /// W1s: GETs of [`DELAY_PATH`], one at a time.
    pub sequential_gets: u64,
    /// W2: GETs of `/`, [`W2_IN_FLIGHT`] at a time.
    pub page_gets: u64,
    /// F1: GETs of `/` from the command line, [`cli::IN_FLIGHT`] at a time.
    pub cli_gets: u64,
    /// L1: GETs of [`PENDING_PATH`], all at once, each on a connection of its own.
    pub pending_gets: u64,
}

impl Sizes {
    /// The sizes the table is about; W1s does 200 GETs rather than the chapter's 1,000,
    /// so that its ten runs take 20 s, not 100 s.
    pub const STANDARD: Sizes = Sizes {
        tasks: 1_000_000,
        sleepers: 100_000,
        round_trips: 100_000,
        delayed_gets: 1_000,
        sequential_gets: 200,
        page_gets: 100_000,
        cli_gets: 10_000,
        pending_gets: 10_000,
    };

    /// The chapter's sizes everywhere: W1s does its 1,000 GETs (10 s a run at least).
    pub const FULL: Sizes = Sizes {
        sequential_gets: 1_000,
        ..Sizes::STANDARD
    };

    /// A smoke run: every path taken, in a few seconds overall.
    pub const QUICK: Sizes = Sizes {
        tasks: 100_000,
        sleepers: 10_000,
        round_trips: 10_000,
        delayed_gets: 200,
        sequential_gets: 20,
        page_gets: 10_000,
        cli_gets: 2_000,
        pending_gets: 1_000,
    };

    /// The sizes of `scale`.
    pub fn new(scale: Scale) -> Sizes {
        match scale {
            Scale::Quick => Sizes::QUICK,
            Scale::Standard => Sizes::STANDARD,
            Scale::Full => Sizes::FULL,
        }
    }
}

/// Bytes in each M3 message, both ways.
pub const MESSAGE_LEN: usize = 64;

/// What W1 and W1s ask for: an answer after [`DELAY`].
pub const DELAY_PATH: &str = "/delay/10";

/// The server's answer to [`DELAY_PATH`] (`http/src/server/routes.rs`).
const DELAY_BODY: &str = "delayed 10 ms\n";

/// The server's sleep in [`DELAY_PATH`].
const DELAY: Duration = Duration::from_millis(10);

/// What L1 asks for: an answer after [`PENDING_DELAY`], long enough that every request
/// is sent, and its connection open, before the first answer comes.
pub const PENDING_PATH: &str = "/delay/1000";

/// The server's answer to [`PENDING_PATH`].
const PENDING_BODY: &str = "delayed 1000 ms\n";

/// The server's sleep in [`PENDING_PATH`].
const PENDING_DELAY: Duration = Duration::from_secs(1);

/// W1's requests in flight: the chapter's, and aiohttp's default connection limit.
pub const W1_IN_FLIGHT: usize = 100;

/// W2's requests in flight.
pub const W2_IN_FLIGHT: usize = 64;

/// The requests of one HTTP workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gets {
    /// Path on the server.
    pub path: &'static str,
    /// The body length every answer must have.
    pub body_len: usize,
    /// How long the server waits before each answer.
    pub delay: Duration,
    /// GETs in all.
    pub requests: u64,
    /// Worker tasks, and the client's connection limit.
    pub in_flight: usize,
}

impl Gets {
    /// The shortest time the GETs can take: the server's delay, once per round of
    /// `in_flight` requests.
    pub fn floor(&self) -> Duration {
        let rounds = self.requests.div_ceil(self.in_flight.max(1) as u64);
        self.delay * u32::try_from(rounds).unwrap_or(u32::MAX)
    }
}

/// Runs `workload` on `contender` and returns what it measured. The W workloads need the
/// `server`'s address. This links every runtime: the main binary's `--child` (F1) uses
/// it; each `bench-child-*` binary calls its own runtime's `run` instead.
pub fn run(
    workload: Workload,
    contender: Contender,
    sizes: Sizes,
    server: Option<SocketAddr>,
) -> Measured {
    if workload == Workload::F1 {
        let server = server.expect("F1 needs --server ADDRESS");
        assert!(
            contender != Contender::Smol,
            "F1 has ripple's fetch and curl only"
        );
        return cli::gets(server, contender, sizes.cli_gets);
    }
    match contender {
        Contender::Ripple => ripple::run(workload, sizes, server),
        Contender::Tokio => tokio::run(workload, sizes, server),
        Contender::Smol => smol::run(workload, sizes, server),
    }
}

/// The server's address for a W workload, which the parent always passes.
fn server_for(workload: Workload, server: Option<SocketAddr>) -> SocketAddr {
    server.unwrap_or_else(|| panic!("{workload} needs --server ADDRESS"))
}

/// The sum M1's tasks must add up to: 0 + 1 + ... + (tasks - 1).
pub fn expected_sum(tasks: u64) -> u64 {
    tasks * tasks.saturating_sub(1) / 2
}

/// The M3 message: byte `i` is `i`, so a short or shifted echo fails the check.
pub fn message() -> [u8; MESSAGE_LEN] {
    std::array::from_fn(|i| i as u8)
}

/// Marsaglia's xorshift64: the same delays, in the same order, on every runtime and in
/// every run, with no `rand` dependency.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// The seed every M2 run starts from.
    pub const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

    /// A generator at [`XorShift::SEED`].
    pub fn new() -> XorShift {
        XorShift(XorShift::SEED)
    }

    /// The next raw value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// The next M2 delay, 1..=100 ms.
    pub fn next_delay(&mut self) -> Duration {
        Duration::from_millis(1 + self.next_u64() % 100)
    }
}

impl Default for XorShift {
    fn default() -> Self {
        XorShift::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_one_to_one_hundred_ms_and_reach_both_ends() {
        let mut rng = XorShift::new();
        let delays: Vec<Duration> = (0..100_000).map(|_| rng.next_delay()).collect();
        assert!(delays.iter().all(|d| (1..=100).contains(&d.as_millis())));
        assert!(delays.contains(&Duration::from_millis(1)));
        assert!(delays.contains(&Duration::from_millis(100)));
    }

    #[test]
    fn every_generator_draws_the_same_sequence() {
        let a: Vec<u64> = (0..5)
            .scan(XorShift::new(), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(XorShift::new(), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn figures_are_per_task_whole_run_and_per_round_trip() {
        let elapsed = Duration::from_millis(500);
        assert_eq!(Workload::M1.figure(elapsed, 1_000_000), 500.0);
        assert_eq!(Workload::M2.figure(elapsed, 100_000), 500.0);
        assert_eq!(Workload::M3.figure(elapsed, 100_000), 5.0);
    }

    #[test]
    fn requests_per_second_count_requests_over_the_whole_run() {
        let elapsed = Duration::from_millis(500);
        assert_eq!(Workload::W2.figure(elapsed, 100_000), 200_000.0);
        assert_eq!(Workload::W1.figure(elapsed, 1_000), 500.0);
        assert!(Workload::W2.higher_is_better());
        assert!(!Workload::W1.higher_is_better());
    }

    #[test]
    fn floors_are_one_delay_per_round_of_requests_in_flight() {
        let sizes = Sizes::STANDARD;
        let floor = |w: Workload| w.gets(sizes).unwrap().floor();
        assert_eq!(floor(Workload::W1), Duration::from_millis(100));
        assert_eq!(floor(Workload::W1s), Duration::from_millis(2_000));
        assert_eq!(floor(Workload::W2), Duration::ZERO);
        assert_eq!(
            Workload::W1s.gets(Sizes::FULL).unwrap().floor(),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn smol_sits_out_the_http_workloads_only() {
        assert!(Workload::M3.runs_on(Contender::Smol));
        assert!(!Workload::W2.runs_on(Contender::Smol));
        assert!(!Workload::L1.runs_on(Contender::Smol));
        assert!(Workload::W2.runs_on(Contender::Tokio));
        assert!(Workload::L1.runs_on(Contender::Tokio));
    }

    #[test]
    fn l1_has_every_request_in_flight_and_one_round_of_the_delay() {
        let gets = Workload::L1.gets(Sizes::STANDARD).unwrap();
        assert_eq!((gets.requests, gets.in_flight), (10_000, 10_000));
        assert_eq!(gets.floor(), Duration::from_secs(1));
        assert_eq!(gets.body_len, "delayed 1000 ms\n".len());
        assert_eq!(
            Workload::L1.figure(Duration::from_millis(1_250), 10_000),
            1_250.0
        );
    }

    #[test]
    fn expected_sum_is_the_triangle_number() {
        assert_eq!(expected_sum(0), 0);
        assert_eq!(expected_sum(1), 0);
        assert_eq!(expected_sum(4), 6);
    }
}
