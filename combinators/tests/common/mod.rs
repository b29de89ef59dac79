//! Helpers shared by the combinator tests: a paused runtime, timed values, drop guards.

#![allow(dead_code)] // each test file uses its own subset

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ripple_reactor::{Runtime, sleep, time};

/// A runtime on the paused clock: sleeps are exact and take no real time.
pub fn paused() -> Runtime {
    Runtime::builder().paused_clock().build().unwrap()
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The time since `start` on the runtime's clock.
pub fn since(start: Instant) -> Duration {
    time::now() - start
}

/// `value`, after `delay`.
pub async fn value_after<T>(value: T, delay: Duration) -> T {
    sleep(delay).await;
    value
}

/// `Ok(value)` after `delay`.
pub async fn ok_after<T>(value: T, delay: Duration) -> Result<T, String> {
    sleep(delay).await;
    Ok(value)
}

/// `Err(message)` after `delay`.
pub async fn fail_after<T>(message: &str, delay: Duration) -> Result<T, String> {
    sleep(delay).await;
    Err(message.to_owned())
}

/// Counts the futures that were dropped before they finished.
#[derive(Clone, Default)]
pub struct Drops(Rc<Cell<usize>>);

impl Drops {
    pub fn count(&self) -> usize {
        self.0.get()
    }

    /// A guard that counts its drop unless `defuse` was called.
    pub fn guard(&self) -> DropGuard {
        DropGuard {
            drops: self.clone(),
            armed: true,
        }
    }
}

/// Adds one to its `Drops` when dropped while armed.
pub struct DropGuard {
    drops: Drops,
    armed: bool,
}

impl DropGuard {
    pub fn defuse(mut self) {
        self.armed = false;
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if self.armed {
            self.drops.0.set(self.drops.0.get() + 1);
        }
    }
}

/// The times, since `start`, at which work finished: "the task kept running" as data.
#[derive(Clone)]
pub struct Finishes {
    start: Instant,
    times: Rc<RefCell<Vec<Duration>>>,
}

impl Finishes {
    pub fn new() -> Self {
        Finishes {
            start: time::now(),
            times: Rc::default(),
        }
    }

    pub fn record(&self) {
        self.times.borrow_mut().push(since(self.start));
    }

    pub fn times(&self) -> Vec<Duration> {
        self.times.borrow().clone()
    }
}

/// `Ok(value)` after `delay`; counted as dropped if cancelled first, recorded if finished.
pub fn watched<T: 'static>(
    value: T,
    delay: Duration,
    drops: &Drops,
    finishes: &Finishes,
) -> impl Future<Output = Result<T, String>> + 'static {
    let guard = drops.guard();
    let finishes = finishes.clone();
    async move {
        sleep(delay).await;
        guard.defuse();
        finishes.record();
        Ok(value)
    }
}

/// A writer several futures can share, read back by the test.
#[derive(Clone, Default)]
pub struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl SharedBuf {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).unwrap()
    }
}

impl io::Write for SharedBuf {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
