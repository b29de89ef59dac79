//! `timeout`: run a future, but give up on it once a delay has passed.
//!
//! The future and a [`Sleep`] are polled side by side; whichever is ready first wins. If
//! the sleep wins, the future is dropped, which cancels it: its destructors run and its
//! sockets close, as `asyncio.wait_for` cancels the coroutine it waited for.
//!
//! Path: `ripple-http` and `ripple-combinators` wrap their work in it -> `sleep.rs`.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::time::sleep::{Sleep, sleep, sleep_until};

/// The error of a [`timeout`] or [`timeout_at`] whose deadline passed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `future` for at most `delay`; at expiry the future is dropped (cancelled) and the
/// result is `Err(Elapsed)`. A future that is ready on its first poll wins even with a
/// zero delay.
///
/// Like everything async in Rust, and like asyncio's `wait_for`, nothing starts until the
/// result is first polled: that is when the clock starts, so `rt.block_on(timeout(..))`
/// works.
pub async fn timeout<F: Future>(delay: Duration, future: F) -> Result<F::Output, Elapsed> {
    race(future, sleep(delay)).await
}

/// Like [`timeout`], with an absolute deadline.
pub async fn timeout_at<F: Future>(deadline: Instant, future: F) -> Result<F::Output, Elapsed> {
    race(future, sleep_until(deadline)).await
}

async fn race<F: Future>(future: F, timer: Sleep) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    let mut timer = pin!(timer);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(value) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(value));
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
