//! The timer list: every pending deadline, in order, with the waker to call when it passes.
//!
//! Deadlines live in a `BTreeMap` keyed by `(Instant, seq)`; `seq` makes two sleeps with
//! the same deadline distinct and keeps them in creation order. The loop asks for the
//! first key to choose its `epoll_wait` timeout and, each turn, pops every key that is due
//! ([`Timers::fire_due`]). A sleep dropped early removes its own key, so a cancelled timer
//! costs an `O(log n)` removal and nothing at expiry. (A binary heap with lazy deletion is
//! the road not taken: dropped timeouts would pile up inside it until their deadline.)
//!
//! # Invariants
//! - A key is in the map exactly while its `Sleep` waits; firing removes it, so a `Sleep`
//!   whose key is gone knows its deadline has passed.
//!
//! Path: `sleep.rs` inserts and removes -> `runtime.rs` calls `fire_due` and `next_deadline`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::task::Waker;
use std::time::Instant;

use crate::time::clock::Clock;

/// Names one registered deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimerKey {
    deadline: Instant,
    seq: u64,
}

/// The pending deadlines of one runtime, and its clock.
pub(crate) struct Timers {
    clock: Clock,
    pending: RefCell<BTreeMap<TimerKey, Waker>>,
    next_seq: Cell<u64>,
    /// Reused between turns so firing allocates nothing.
    due: RefCell<Vec<Waker>>,
}

impl Timers {
    pub(crate) fn new(clock: Clock) -> Self {
        Timers {
            clock,
            pending: RefCell::new(BTreeMap::new()),
            next_seq: Cell::new(0),
            due: RefCell::new(Vec::new()),
        }
    }

    #[cfg(test)]
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Registers `waker` to be woken once `deadline` has passed.
    pub(crate) fn insert(&self, deadline: Instant, waker: Waker) -> TimerKey {
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        let key = TimerKey { deadline, seq };
        self.pending.borrow_mut().insert(key, waker);
        key
    }

    /// For a sleep polled again: returns `false` if its deadline already fired, otherwise
    /// makes sure the stored waker is the current one and returns `true`.
    pub(crate) fn refresh(&self, key: TimerKey, waker: &Waker) -> bool {
        let mut pending = self.pending.borrow_mut();
        let Some(stored) = pending.get_mut(&key) else {
            return false;
        };
        if !stored.will_wake(waker) {
            *stored = waker.clone();
        }
        true
    }

    /// Forgets a deadline that nobody waits for any more.
    pub(crate) fn remove(&self, key: TimerKey) {
        let removed = self.pending.borrow_mut().remove(&key);
        drop(removed); // a waker's drop may run code: outside the borrow
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.pending
            .borrow()
            .first_key_value()
            .map(|(key, _)| key.deadline)
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.borrow().len()
    }

    /// Wakes every sleep whose deadline has passed. Returns how many fired.
    pub(crate) fn fire_due(&self) -> usize {
        let now = self.clock.now();
        let mut due = self.due.take();
        {
            let mut pending = self.pending.borrow_mut();
            while let Some(entry) = pending.first_entry() {
                if entry.key().deadline > now {
                    break;
                }
                due.push(entry.remove());
            }
        }
        let fired = due.len();
        for waker in due.drain(..) {
            waker.wake();
        }
        *self.due.borrow_mut() = due;
        fired
    }

    /// Paused clock only: jumps to the next deadline, if there is one.
    pub(crate) fn advance_clock_to_next_deadline(&self) {
        if let Some(deadline) = self.next_deadline() {
            self.clock.advance_to(deadline);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;
    use std::time::Duration;

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<CountingWaker>, Waker) {
        let count = Arc::new(CountingWaker(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn fires_in_deadline_order_only_what_is_due() {
        let timers = Timers::new(Clock::paused());
        let start = timers.now();
        let (early, early_waker) = counter();
        let (late, late_waker) = counter();
        timers.insert(start + Duration::from_secs(3), late_waker);
        timers.insert(start + Duration::from_secs(1), early_waker);
        assert_eq!(timers.next_deadline(), Some(start + Duration::from_secs(1)));

        timers.advance_clock_to_next_deadline();
        assert_eq!(timers.fire_due(), 1);
        assert_eq!(early.0.load(Ordering::SeqCst), 1);
        assert_eq!(late.0.load(Ordering::SeqCst), 0);

        timers.advance_clock_to_next_deadline();
        assert_eq!(timers.now() - start, Duration::from_secs(3));
        assert_eq!(timers.fire_due(), 1);
        assert_eq!(late.0.load(Ordering::SeqCst), 1);
        assert_eq!(timers.len(), 0);
    }

    #[test]
    fn a_removed_timer_never_fires() {
        let timers = Timers::new(Clock::paused());
        let (count, waker) = counter();
        let key = timers.insert(timers.now() + Duration::from_millis(5), waker);
        timers.remove(key);
        assert_eq!(timers.next_deadline(), None);
        timers
            .clock()
            .advance_to(timers.now() + Duration::from_secs(1));
        assert_eq!(timers.fire_due(), 0);
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn equal_deadlines_are_distinct_timers() {
        let timers = Timers::new(Clock::paused());
        let deadline = timers.now() + Duration::from_millis(1);
        let (count, waker) = counter();
        let first = timers.insert(deadline, waker.clone());
        timers.insert(deadline, waker);
        assert!(timers.refresh(first, &Waker::noop().clone()));
        timers.clock().advance_to(deadline);
        assert_eq!(timers.fire_due(), 2);
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "the refreshed one woke the new waker"
        );
        assert!(!timers.refresh(first, &Waker::noop().clone()));
    }
}
