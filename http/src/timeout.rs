//! `ClientTimeout`, and where each of its limits applies during one request.
//!
//! Three limits, as aiohttp's `ClientTimeout` has, each optional:
//! - `total`: from the call to `send()` to the last byte of the body, everything included
//!   (waiting for a pool slot, connecting, sending, the head, the body);
//! - `connect`: getting a new connection: DNS, TCP and TLS together. Waiting for a pool slot
//!   is *not* part of it (that wait is covered by `total` only), so a busy pool never eats
//!   the connect budget, the confusion of aiohttp #2648 and #10313;
//! - `sock_read`: the longest wait for any bytes from the server, restarted by every read.
//!
//! A [`RequestDeadlines`] is made when a request starts; each phase runs its work through
//! [`RequestDeadlines::run`], which races it against the earliest limit that applies to
//! that phase and, if the limit wins, drops the work (cancelling it) and returns an
//! [`Error::Timeout`] that names the limit and the phase. Every deadline reads the
//! runtime's clock, so a paused clock governs them all.
//!
//! Path: `request.rs` creates the deadlines -> `connect.rs`, `conn.rs`, `response.rs` run
//! their phases through them.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use ripple_reactor::time::{deadline_after, now, timeout_at};

use crate::error::{Error, Phase, Result, TimeoutKind};

/// The time limits of a request; `None` means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTimeout {
    /// The whole request, body included. Default: 300 s, as aiohttp's.
    pub total: Option<Duration>,
    /// DNS + TCP + TLS of a new connection. Default: none.
    pub connect: Option<Duration>,
    /// The longest wait for any bytes from the server. Default: none.
    pub sock_read: Option<Duration>,
}

impl Default for ClientTimeout {
    fn default() -> Self {
        ClientTimeout {
            total: Some(Duration::from_secs(300)),
            connect: None,
            sock_read: None,
        }
    }
}

impl ClientTimeout {
    /// No limits at all.
    pub const NONE: ClientTimeout = ClientTimeout {
        total: None,
        connect: None,
        sock_read: None,
    };

    /// Only a total limit.
    pub fn total(total: Duration) -> Self {
        ClientTimeout {
            total: Some(total),
            ..ClientTimeout::NONE
        }
    }
}

/// One limit that applies to a phase: when it expires, which kind it is, and its length
/// (for the error message).
#[derive(Clone, Copy, Debug)]
struct Limit {
    deadline: Instant,
    which: TimeoutKind,
    after: Duration,
}

/// The limits of one request, fixed when it starts.
#[derive(Clone, Copy, Debug)]
pub struct RequestDeadlines {
    timeouts: ClientTimeout,
    total: Option<Limit>,
}

impl RequestDeadlines {
    /// Starts the clock of a request with these limits.
    pub fn start(timeouts: ClientTimeout) -> Self {
        let total = timeouts.total.map(|after| Limit {
            deadline: deadline_after(now(), after),
            which: TimeoutKind::Total,
            after,
        });
        RequestDeadlines { timeouts, total }
    }

    /// The limits in force.
    pub fn timeouts(&self) -> ClientTimeout {
        self.timeouts
    }

    /// Starts the connect budget: the returned deadlines also limit the work they run to
    /// `connect` from now (DNS, TCP and TLS share one budget).
    pub fn for_connecting(&self) -> ConnectDeadlines {
        let connect = self.timeouts.connect.map(|after| Limit {
            deadline: deadline_after(now(), after),
            which: TimeoutKind::Connect,
            after,
        });
        ConnectDeadlines {
            request: *self,
            connect,
        }
    }

    /// Runs `work` in `phase` under the total limit only (pool wait, sending).
    pub fn run<'a, T: 'a>(
        &self,
        phase: Phase,
        work: impl Future<Output = Result<T>> + 'a,
    ) -> Limited<'a, T> {
        race(self.total, phase, work)
    }

    /// Runs one read from the server under the total and `sock_read` limits; the
    /// `sock_read` clock starts now.
    pub fn read<'a, T: 'a>(
        &self,
        phase: Phase,
        work: impl Future<Output = Result<T>> + 'a,
    ) -> Limited<'a, T> {
        let sock_read = self.timeouts.sock_read.map(|after| Limit {
            deadline: deadline_after(now(), after),
            which: TimeoutKind::SockRead,
            after,
        });
        race(earliest(self.total, sock_read), phase, work)
    }
}

/// The limits while a new connection is being made.
#[derive(Clone, Copy, Debug)]
pub struct ConnectDeadlines {
    request: RequestDeadlines,
    connect: Option<Limit>,
}

impl ConnectDeadlines {
    /// Runs `work` (DNS, TCP or TLS) under the total and connect limits.
    pub fn run<'a, T: 'a>(
        &self,
        phase: Phase,
        work: impl Future<Output = Result<T>> + 'a,
    ) -> Limited<'a, T> {
        race(earliest(self.request.total, self.connect), phase, work)
    }
}

/// The limit that expires first; on a tie, the total one (it is the one the user set for
/// the whole request, so it is the better explanation).
fn earliest(total: Option<Limit>, phase_limit: Option<Limit>) -> Option<Limit> {
    match (total, phase_limit) {
        (Some(total), Some(other)) if other.deadline < total.deadline => Some(other),
        (Some(total), _) => Some(total),
        (None, other) => other,
    }
}

/// A phase's work under its limits: what [`RequestDeadlines::run`] and friends return.
///
/// Boxed: passed by value through the async layers of a request, each layer would keep a
/// copy of the work in its state machine (rust-lang/rust#62958), and a request's future
/// grew to 14 KiB; boxed, the caller's future keeps a pointer.
pub type Limited<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + 'a>>;

fn race<'a, T: 'a>(
    limit: Option<Limit>,
    phase: Phase,
    work: impl Future<Output = Result<T>> + 'a,
) -> Limited<'a, T> {
    Box::pin(async move {
        let Some(limit) = limit else {
            return work.await;
        };
        match timeout_at(limit.deadline, work).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Error::Timeout {
                which: limit.which,
                phase,
                after: limit.after,
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ripple_reactor::{Runtime, sleep};

    fn paused() -> Runtime {
        Runtime::builder().paused_clock().build().unwrap()
    }

    async fn slow(delay: Duration) -> Result<&'static str> {
        sleep(delay).await;
        Ok("done")
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn the_limit_that_expires_first_fires_and_names_itself() {
        paused().block_on(async {
            let timeouts = ClientTimeout {
                total: Some(secs(10)),
                connect: Some(secs(2)),
                sock_read: Some(secs(3)),
            };
            let deadlines = RequestDeadlines::start(timeouts);
            let error = deadlines.for_connecting().run(Phase::Connect, slow(secs(5))).await.unwrap_err();
            assert!(matches!(
                error,
                Error::Timeout { which: TimeoutKind::Connect, phase: Phase::Connect, after } if after == secs(2)
            ));
            let error = deadlines.read(Phase::ReadingBody, slow(secs(5))).await.unwrap_err();
            assert!(matches!(error, Error::Timeout { which: TimeoutKind::SockRead, phase: Phase::ReadingBody, .. }));
            // 5 s spent: a fresh sock_read (8 s) comes before the total (10 s); 1 s fits.
            assert_eq!(deadlines.read(Phase::ReadingBody, slow(secs(1))).await.unwrap(), "done");
            // 6 s spent: a 5 s wait hits the total at 10 s before anything else.
            let error = deadlines.run(Phase::Sending, slow(secs(5))).await.unwrap_err();
            assert!(matches!(error, Error::Timeout { which: TimeoutKind::Total, phase: Phase::Sending, .. }));
        });
    }

    #[test]
    fn without_limits_work_runs_to_the_end() {
        paused().block_on(async {
            let deadlines = RequestDeadlines::start(ClientTimeout::NONE);
            assert_eq!(
                deadlines
                    .run(Phase::Queued, slow(secs(1000)))
                    .await
                    .unwrap(),
                "done"
            );
        });
    }

    #[test]
    fn the_connect_budget_is_shared_by_dns_tcp_and_tls() {
        paused().block_on(async {
            let deadlines = RequestDeadlines::start(ClientTimeout {
                connect: Some(secs(3)),
                ..ClientTimeout::NONE
            });
            let connecting = deadlines.for_connecting();
            connecting.run(Phase::Dns, slow(secs(1))).await.unwrap();
            connecting.run(Phase::Connect, slow(secs(1))).await.unwrap();
            let error = connecting
                .run(Phase::TlsHandshake, slow(secs(2)))
                .await
                .unwrap_err();
            assert!(matches!(
                error,
                Error::Timeout {
                    which: TimeoutKind::Connect,
                    phase: Phase::TlsHandshake,
                    ..
                }
            ));
        });
    }
}
