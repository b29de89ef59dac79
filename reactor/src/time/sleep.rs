//! `sleep` and `sleep_until`: a future that is ready once a deadline has passed.
//!
//! The first poll checks the clock; a deadline already in the past is ready at once and
//! never touches the timer list. Otherwise the sleep inserts its deadline and waker into
//! [`Timers`] and keeps the key; later polls only refresh the waker. Dropping a waiting
//! sleep removes its key, which is how a timeout that did not fire costs nothing later.
//!
//! Path: user code awaits a `Sleep` -> `timers.rs` holds its waker -> `runtime.rs` fires it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::context;
use crate::time::timers::{TimerKey, Timers};

/// Waits for `delay` on the current runtime's clock (asyncio's `asyncio.sleep`).
///
/// # Panics
/// Outside a ripple runtime.
pub fn sleep(delay: Duration) -> Sleep {
    let timers = Rc::clone(&context::current().timers);
    let deadline = deadline_after(timers.now(), delay);
    Sleep::new(timers, deadline)
}

/// `now + delay`, or about 30 years from now if that overflows (`Duration::MAX` means
/// "never", not a panic).
pub fn deadline_after(now: Instant, delay: Duration) -> Instant {
    const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);
    // Only an Instant within 30 years of the end of time could overflow here.
    now.checked_add(delay.min(FAR_FUTURE)).unwrap_or(now)
}

/// Waits until `deadline` on the current runtime's clock.
///
/// # Panics
/// Outside a ripple runtime.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Rc::clone(&context::current().timers), deadline)
}

/// The current time on the current runtime's clock: real time, or the paused clock's.
///
/// # Panics
/// Outside a ripple runtime.
pub fn now() -> Instant {
    context::current().timers.now()
}

/// Where a sleep stands: `Idle` has no timer yet, `Waiting` owns exactly one key in the
/// timer list, `Done` owns none and will not register again.
enum SleepState {
    Idle,
    Waiting(TimerKey),
    Done,
}

/// The future returned by [`sleep`] and [`sleep_until`].
pub struct Sleep {
    timers: Rc<Timers>,
    deadline: Instant,
    state: SleepState,
}

impl Sleep {
    fn new(timers: Rc<Timers>, deadline: Instant) -> Self {
        Sleep {
            timers,
            deadline,
            state: SleepState::Idle,
        }
    }

    /// The instant this sleep ends.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        matches!(self.state, SleepState::Done) || self.timers.now() >= self.deadline
    }

    /// Moves the deadline, as if the sleep had just been created with the new one.
    /// Used for "longest wait for any bytes" timeouts, which restart on every read.
    pub fn reset(&mut self, deadline: Instant) {
        self.unregister();
        self.deadline = deadline;
        self.state = SleepState::Idle;
    }

    fn unregister(&mut self) {
        if let SleepState::Waiting(key) = self.state {
            self.timers.remove(key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.state {
            SleepState::Done => Poll::Ready(()),
            SleepState::Waiting(key) => {
                if self.timers.refresh(key, cx.waker()) {
                    Poll::Pending
                } else {
                    self.state = SleepState::Done;
                    Poll::Ready(())
                }
            }
            SleepState::Idle => {
                if self.timers.now() >= self.deadline {
                    self.state = SleepState::Done;
                    return Poll::Ready(());
                }
                let key = self.timers.insert(self.deadline, cx.waker().clone());
                self.state = SleepState::Waiting(key);
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.unregister();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}
