//! The runtime's clock: the real one, or a paused one that only moves when told to.
//!
//! Every deadline in ripple reads this clock, so a paused clock governs all of them:
//! sleeps, timeouts, a pool's idle expiry. A paused clock starts at the real time the
//! runtime was built and then stands still; the loop moves it forward (see `turn` in
//! `runtime.rs`) only when no task can run, a zero-timeout `epoll_wait` found nothing, and
//! no blocking job is in flight: the moment when, on a real clock, the loop would sleep
//! until the next deadline. So "a 3 s and a 1 s sleep finish at 3 s" is exact, and instant.
//!
//! Path: `timers.rs` and `sleep.rs` read it -> `runtime.rs` advances it.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

/// A cheap handle to one runtime's notion of "now".
#[derive(Clone, Debug)]
pub(crate) struct Clock {
    /// `None` for the real clock; the shared paused time otherwise.
    paused_now: Option<Rc<Cell<Instant>>>,
}

impl Clock {
    pub(crate) fn real() -> Self {
        Clock { paused_now: None }
    }

    pub(crate) fn paused() -> Self {
        Clock {
            paused_now: Some(Rc::new(Cell::new(Instant::now()))),
        }
    }

    pub(crate) fn now(&self) -> Instant {
        match &self.paused_now {
            Some(now) => now.get(),
            None => Instant::now(),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused_now.is_some()
    }

    /// Moves a paused clock forward to `deadline` (never backward). Does nothing to a real clock.
    pub(crate) fn advance_to(&self, deadline: Instant) {
        if let Some(now) = &self.paused_now {
            if deadline > now.get() {
                now.set(deadline);
            }
        }
    }
}
