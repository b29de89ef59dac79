//! Helpers shared by the end-to-end tests in `tests/tests/`, one file per scenario.
//!
//! The scenarios themselves live in the test files; this library holds what more than one
//! of them needs: polling a future once by hand with a waker that counts its wakes (to
//! stop a request at a chosen await point), a seeded pseudo-random sequence (so a "random"
//! test runs the same way every time), and the pool's counters read as "nothing in use".
//!
//! Map:
//! - [`poll_once`], [`WakeCounter`]: drive a future one step, outside any task.
//! - [`DropAfterPolls`]: a future that drops its inner future at its n-th await point.
//! - [`Rng`]: xorshift64*, seeded.
//! - [`in_use`], [`assert_nothing_in_use`]: the pool's counters, as the tests read them.
//!
//! Path: a test file in `tests/tests/` -> here -> `ripple_http::Session::stats`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use ripple_http::Session;
use ripple_http::pool::PoolStats;

/// A waker that only counts how often it was woken.
#[derive(Debug, Default)]
pub struct WakeCounter {
    wakes: AtomicUsize,
}

impl WakeCounter {
    /// A new counter and a waker that adds to it.
    pub fn new() -> (Arc<WakeCounter>, Waker) {
        let counter = Arc::new(WakeCounter::default());
        let waker = Waker::from(Arc::clone(&counter));
        (counter, waker)
    }

    /// How many wakes so far.
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `future` once with `waker`, outside of any task: the future runs up to its next
/// await point that is not ready, and stays parked there until polled again or dropped.
/// Must be called inside a ripple runtime when the future needs one (sockets, timers).
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Runs its inner future until it has parked `polls` times, then drops it there: a
/// cancellation at a chosen await point, whichever point that turns out to be.
///
/// Yields `Some(output)` if the inner future finished first, `None` if it was dropped.
pub struct DropAfterPolls<F: Future> {
    inner: Option<Pin<Box<F>>>,
    polls_left: u32,
}

impl<F: Future> DropAfterPolls<F> {
    /// Drops `inner` once it has returned `Pending` `polls` times (at least once).
    pub fn new(inner: F, polls: u32) -> Self {
        DropAfterPolls {
            inner: Some(Box::pin(inner)),
            polls_left: polls.max(1),
        }
    }
}

impl<F: Future> Future for DropAfterPolls<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Boxed inner future: `Self` holds nothing pinned and is `Unpin`.
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Poll::Ready(output) = inner.as_mut().poll(cx) {
            this.inner = None;
            return Poll::Ready(Some(output));
        }
        this.polls_left -= 1;
        if this.polls_left > 0 {
            return Poll::Pending;
        }
        // Parked at an await point: drop it right there, as a cancelled task would be.
        this.inner = None;
        Poll::Ready(None)
    }
}

/// xorshift64*: a small pseudo-random sequence; the same seed gives the same test.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A sequence starting from `seed` (0 is replaced: xorshift would stay at 0).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}

/// Connections carrying a request or being opened for one, over all hosts.
pub fn in_use(stats: &PoolStats) -> usize {
    stats.open - stats.idle
}

/// Asserts that the session's pool holds nothing but `idle` idle connections: nothing in
/// use, nobody waiting, and no host listed that has neither.
#[track_caller]
pub fn assert_nothing_in_use(session: &Session, idle: usize) {
    let stats = session.stats();
    assert_eq!(
        (stats.open, stats.idle, stats.waiting),
        (idle, idle, 0),
        "{stats:?}"
    );
    assert!(
        stats
            .hosts
            .iter()
            .all(|(_, host)| host.in_use == 0 && host.waiting == 0 && host.idle > 0),
        "{stats:?}"
    );
}

/// A GET of `url` with its whole body: the response's error or the body's.
pub async fn get_bytes(session: &Session, url: &str) -> ripple_http::Result<Vec<u8>> {
    session.get(url).send().await?.bytes().await
}
