//! A stopwatch for two clocks: the wall clock, and the CPU time this process has used.
//!
//! The HTTP workloads report both: wall time says how long the user waited, CPU time says
//! what the client cost, which the one-core server cannot cap. CPU time comes from
//! `getrusage(RUSAGE_SELF)`: user plus system time of every thread of the process, to the
//! microsecond. The kernel derives the total from the scheduler's exact run time, so it is
//! precise even over 100 ms; `/proc/self/stat` reports the same figures in clock ticks
//! (10 ms), too coarse for W1.
//!
//! Path: a workload in `workloads/` starts a [`Stopwatch`] after its set-up and stops it
//! after its last check -> `child.rs` reports the [`Measured`] pair.

use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};

/// What one run measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measured {
    /// Wall time.
    pub elapsed: Duration,
    /// CPU time (user + system), where the workload measures it.
    pub cpu: Option<Duration>,
    /// Peak RSS in KiB of a program the workload ran (F1's `fetch` or `curl`), which the
    /// child reports instead of its own `VmHWM`.
    pub peak_rss_kib: Option<u64>,
    /// The process's RSS in KiB just before the first request of an HTTP workload: the
    /// runtime and the client exist, no request does yet.
    pub baseline_rss_kib: Option<u64>,
}

impl Measured {
    /// A wall time alone, for the workloads whose CPU time is their wall time anyway.
    pub fn wall(elapsed: Duration) -> Measured {
        Measured {
            elapsed,
            cpu: None,
            peak_rss_kib: None,
            baseline_rss_kib: None,
        }
    }

    /// The same, with the RSS read before the first request.
    pub fn with_baseline_rss(self, baseline_rss_kib: Option<u64>) -> Measured {
        Measured {
            baseline_rss_kib,
            ..self
        }
    }
}

/// Both clocks at the start.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    wall: Instant,
    cpu: Duration,
}

impl Stopwatch {
    /// Reads both clocks.
    pub fn start() -> Stopwatch {
        Stopwatch {
            wall: Instant::now(),
            cpu: cpu_time(),
        }
    }

    /// The time on both clocks since [`Stopwatch::start`].
    pub fn stop(&self) -> Measured {
        // The wall clock first: the `getrusage` call is not part of the run.
        let elapsed = self.wall.elapsed();
        Measured {
            elapsed,
            cpu: Some(cpu_time().saturating_sub(self.cpu)),
            peak_rss_kib: None,
            baseline_rss_kib: None,
        }
    }
}

/// User plus system time of this process so far; zero if `getrusage` fails (it fails
/// only for a bad `who`), which shows as a CPU time of zero rather than a failed run.
fn cpu_time() -> Duration {
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(usage) => timeval(usage.user_time()) + timeval(usage.system_time()),
        Err(_) => Duration::ZERO,
    }
}

fn timeval(tv: nix::sys::time::TimeVal) -> Duration {
    let seconds = u64::try_from(tv.tv_sec()).unwrap_or(0);
    let micros = u64::try_from(tv.tv_usec()).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_while_this_thread_spins() {
        let watch = Stopwatch::start();
        let mut x = 1u64;
        // Spin until 5 ms of CPU time show; the wall clock only bounds a broken clock.
        let measured = loop {
            for _ in 0..10_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
            let measured = watch.stop();
            if measured.cpu.unwrap() >= Duration::from_millis(5)
                || measured.elapsed > Duration::from_secs(10)
            {
                break measured;
            }
        };
        let cpu = measured.cpu.unwrap();
        // No upper bound: RUSAGE_SELF counts every thread, and tests run side by side.
        assert!(cpu >= Duration::from_millis(5), "{measured:?}");
    }
}
