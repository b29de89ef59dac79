//! Time: the clock (real or paused), the timer list, and the futures built on them.
//!
//! - `clock.rs`: what "now" is, and the paused clock's jump.
//! - `timers.rs`: pending deadlines in order; the loop fires the due ones.
//! - `sleep.rs`: [`sleep`], [`sleep_until`], [`now`].
//! - `timeout.rs`: [`timeout`], [`timeout_at`], [`Elapsed`].

pub(crate) mod clock;
mod sleep;
mod timeout;
pub(crate) mod timers;

pub use sleep::{Sleep, deadline_after, now, sleep, sleep_until};
pub use timeout::{Elapsed, timeout, timeout_at};
