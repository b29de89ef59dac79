//! The three workloads, the sizes they run at, and which runtime runs them.
//!
//! Each runtime gets its own file (`ripple.rs`, `tokio.rs`, `smol.rs`) with the same three
//! functions, written as alike as the APIs allow, so that a diff of two files shows only
//! the API differences. Every function builds its runtime, starts the clock inside the
//! main future (runtime start-up is not measured), and returns the elapsed time.
//!
//! Rules the files keep:
//! - same work, same checks: M1 checks the sum of the indexes, M2 draws its delays from
//!   the same fixed-seed [`XorShift`], M3 checks the echoed bytes;
//! - same socket options on every runtime: `TCP_NODELAY` on both ends of M3;
//! - a failed check panics: the child exits non-zero and the parent marks the run failed.
//!
//! Path: `child.rs` calls [`run`] -> one runtime's file -> back to `child.rs`, which reports.

pub mod ripple;
pub mod smol;
pub mod tokio;

use std::fmt;
use std::time::Duration;

use clap::ValueEnum;

/// One measured job. Lower numbers are better for all three.
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
}

impl Workload {
    /// All of them, in table order.
    pub const ALL: [Workload; 3] = [Workload::M1, Workload::M2, Workload::M3];

    /// The unit of [`Workload::figure`].
    pub fn unit(self) -> &'static str {
        match self {
            Workload::M1 => "ns/task",
            Workload::M2 => "ms",
            Workload::M3 => "us/rt",
        }
    }

    /// How many operations a run at `sizes` does (tasks, sleepers, round trips).
    pub fn ops(self, sizes: Sizes) -> u64 {
        match self {
            Workload::M1 => sizes.tasks,
            Workload::M2 => sizes.sleepers,
            Workload::M3 => sizes.round_trips,
        }
    }

    /// The number the table shows for a run that took `elapsed` over `ops` operations:
    /// time per operation for M1 and M3, the whole time for M2 (its floor is the longest
    /// sleep, so a per-task figure would mean nothing).
    pub fn figure(self, elapsed: Duration, ops: u64) -> f64 {
        let nanos = elapsed.as_nanos() as f64;
        match self {
            Workload::M1 => nanos / ops as f64,
            Workload::M2 => nanos / 1e6,
            Workload::M3 => nanos / 1e3 / ops as f64,
        }
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
    /// `ripple_reactor::Runtime`, this repository's runtime.
    Ripple,
    /// tokio's `current_thread` runtime with I/O and time enabled.
    Tokio,
    /// smol's pieces: `async_executor::LocalExecutor` driven by `async_io::block_on`.
    Smol,
}

impl Contender {
    /// All of them, in column order; ripple first, as every ratio divides by it.
    pub const ALL: [Contender; 3] = [Contender::Ripple, Contender::Tokio, Contender::Smol];
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

/// How big each workload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// M1: tasks spawned.
    pub tasks: u64,
    /// M2: concurrent sleeping tasks.
    pub sleepers: u64,
    /// M3: round trips of [`MESSAGE_LEN`] bytes.
    pub round_trips: u64,
}

impl Sizes {
    /// The sizes the table is about.
    pub const FULL: Sizes = Sizes {
        tasks: 1_000_000,
        sleepers: 100_000,
        round_trips: 100_000,
    };

    /// A smoke run: every path taken, in a few seconds overall.
    pub const QUICK: Sizes = Sizes {
        tasks: 100_000,
        sleepers: 10_000,
        round_trips: 10_000,
    };

    /// [`Sizes::QUICK`] or [`Sizes::FULL`].
    pub fn new(quick: bool) -> Sizes {
        if quick { Sizes::QUICK } else { Sizes::FULL }
    }
}

/// Bytes in each M3 message, both ways.
pub const MESSAGE_LEN: usize = 64;

/// Runs `workload` on `contender` and returns the measured time.
pub fn run(workload: Workload, contender: Contender, sizes: Sizes) -> Duration {
    match (contender, workload) {
        (Contender::Ripple, Workload::M1) => ripple::spawn_join(sizes.tasks),
        (Contender::Ripple, Workload::M2) => ripple::sleepers(sizes.sleepers),
        (Contender::Ripple, Workload::M3) => ripple::ping_pong(sizes.round_trips),
        (Contender::Tokio, Workload::M1) => tokio::spawn_join(sizes.tasks),
        (Contender::Tokio, Workload::M2) => tokio::sleepers(sizes.sleepers),
        (Contender::Tokio, Workload::M3) => tokio::ping_pong(sizes.round_trips),
        (Contender::Smol, Workload::M1) => smol::spawn_join(sizes.tasks),
        (Contender::Smol, Workload::M2) => smol::sleepers(sizes.sleepers),
        (Contender::Smol, Workload::M3) => smol::ping_pong(sizes.round_trips),
    }
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
    fn expected_sum_is_the_triangle_number() {
        assert_eq!(expected_sum(0), 0);
        assert_eq!(expected_sum(1), 0);
        assert_eq!(expected_sum(4), 6);
    }
}
