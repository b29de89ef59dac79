//! The timer list: every pending deadline, grouped in 100 µs ticks, with the waker to call.
//!
//! Deadlines are rounded *up* to whole ticks of 100 µs since the clock's origin, and each
//! tick with a pending timer has a bucket: a `Vec` of timer entries, in a `BTreeMap`
//! ordered by tick. Thousands of sleeps share a few hundred buckets, so adding one costs a
//! short map lookup and a push, and the loop reads the first key to choose its
//! `epoll_wait` timeout. Each turn pops every bucket that is due ([`Timers::fire_due`]).
//! (The tick is a tenth of `epoll_wait`'s millisecond, so rounding adds at most 0.1 ms to
//! the up-to-1 ms that `epoll_wait` adds; a 1 ms tick made `/delay/10` take 11.5 ms.)
//!
//! The entries themselves live in a slab, so a sleep finds its own in O(1): to refresh its
//! waker, to see that it fired, or, when dropped early, to leave its bucket by
//! `swap_remove` (the entry moved into its place gets its new position). A cancelled timer
//! therefore costs O(1) and nothing at expiry. (A `BTreeMap` keyed by each `(Instant, seq)`
//! was the first version: exact to the nanosecond, but every insert walked a tree of all
//! pending timers; with 100,000 sleeps that was most of the bench's M2 time.)
//!
//! # Invariants
//! - An entry is `Pending { tick, position }` exactly while `buckets[tick][position]` names
//!   it; `Fired` entries are in no bucket. Every bucket in the map is non-empty.
//! - An entry lives until its `Sleep` sees it fired or drops it; the key's `generation`
//!   tells a reused slab index from the original.
//! - Timers in one bucket fire in the order they were added, except that an early removal
//!   moves the bucket's last timer into the hole.
//!
//! Path: `sleep.rs` inserts and removes -> `runtime.rs` calls `fire_due` and `next_deadline`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::task::Waker;
use std::time::{Duration, Instant};

use slab::Slab;

use crate::time::clock::Clock;

/// The resolution of every deadline.
const TICK: Duration = Duration::from_micros(100);

/// Names one registered deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: usize,
    generation: u64,
}

/// Where a timer stands; see the invariants.
enum EntryState {
    Pending {
        tick: u64,
        position: usize,
        waker: Waker,
    },
    Fired,
}

struct Entry {
    generation: u64,
    state: EntryState,
}

/// The pending deadlines of one runtime, and its clock.
pub(crate) struct Timers {
    clock: Clock,
    /// Tick 0 is this instant; a deadline's tick is its distance from here, rounded up.
    origin: Instant,
    entries: RefCell<Slab<Entry>>,
    buckets: RefCell<BTreeMap<u64, Vec<usize>>>,
    next_generation: Cell<u64>,
    /// Reused between turns so firing allocates nothing.
    due: RefCell<Vec<Waker>>,
}

impl Timers {
    pub(crate) fn new(clock: Clock) -> Self {
        let origin = clock.now();
        Timers {
            clock,
            origin,
            entries: RefCell::new(Slab::new()),
            buckets: RefCell::new(BTreeMap::new()),
            next_generation: Cell::new(0),
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

    /// The first tick at or after `deadline`.
    fn tick_at_or_after(&self, deadline: Instant) -> u64 {
        let since_origin = deadline.saturating_duration_since(self.origin).as_nanos();
        let tick = since_origin.div_ceil(TICK.as_nanos());
        u64::try_from(tick).unwrap_or(u64::MAX)
    }

    /// The last tick that has fully begun at `now`.
    fn tick_before(&self, now: Instant) -> u64 {
        let since_origin = now.saturating_duration_since(self.origin).as_nanos();
        u64::try_from(since_origin / TICK.as_nanos()).unwrap_or(u64::MAX)
    }

    fn instant_of(&self, tick: u64) -> Instant {
        // A tick comes from a real Instant, so this cannot overflow.
        self.origin + Duration::from_nanos(tick.saturating_mul(TICK.as_nanos() as u64))
    }

    /// Registers `waker` to be woken once `deadline` has passed (rounded up to the tick).
    pub(crate) fn insert(&self, deadline: Instant, waker: Waker) -> TimerKey {
        let tick = self.tick_at_or_after(deadline);
        let generation = self.next_generation.get();
        self.next_generation.set(generation + 1);
        let mut entries = self.entries.borrow_mut();
        let slot = entries.vacant_entry().key();
        let mut buckets = self.buckets.borrow_mut();
        let bucket = buckets.entry(tick).or_default();
        bucket.push(slot);
        let position = bucket.len() - 1;
        entries.insert(Entry {
            generation,
            state: EntryState::Pending {
                tick,
                position,
                waker,
            },
        });
        TimerKey { slot, generation }
    }

    /// For a sleep polled again: if its timer fired, forgets it and returns `false`;
    /// otherwise makes sure the stored waker is the current one and returns `true`.
    pub(crate) fn refresh(&self, key: TimerKey, waker: &Waker) -> bool {
        let mut entries = self.entries.borrow_mut();
        let Some(entry) = entries
            .get_mut(key.slot)
            .filter(|e| e.generation == key.generation)
        else {
            return false;
        };
        match &mut entry.state {
            EntryState::Pending { waker: stored, .. } => {
                if !stored.will_wake(waker) {
                    *stored = waker.clone();
                }
                true
            }
            EntryState::Fired => {
                entries.remove(key.slot);
                false
            }
        }
    }

    /// Forgets a timer that nobody waits for any more.
    pub(crate) fn remove(&self, key: TimerKey) {
        let removed = {
            let mut entries = self.entries.borrow_mut();
            if entries
                .get(key.slot)
                .is_none_or(|e| e.generation != key.generation)
            {
                return;
            }
            let removed = entries.remove(key.slot);
            if let EntryState::Pending { tick, position, .. } = removed.state {
                self.leave_bucket(&mut entries, tick, position);
            }
            removed
        };
        drop(removed); // a waker's drop may run code: outside the borrows
    }

    /// Takes the entry at `position` out of bucket `tick`, moving the bucket's last entry
    /// into the hole and telling it its new position.
    fn leave_bucket(&self, entries: &mut Slab<Entry>, tick: u64, position: usize) {
        let mut buckets = self.buckets.borrow_mut();
        let Some(bucket) = buckets.get_mut(&tick) else {
            return;
        };
        bucket.swap_remove(position);
        if let Some(&moved) = bucket.get(position) {
            if let Some(Entry {
                state:
                    EntryState::Pending {
                        position: moved_position,
                        ..
                    },
                ..
            }) = entries.get_mut(moved)
            {
                *moved_position = position;
            }
        }
        if bucket.is_empty() {
            buckets.remove(&tick);
        }
    }

    /// The instant the first pending timer is due (its tick's start).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let first_tick = *self.buckets.borrow().first_key_value()?.0;
        Some(self.instant_of(first_tick))
    }

    /// Timers that exist: pending, or fired and not yet seen by their sleep.
    pub(crate) fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    /// Wakes every sleep whose tick has come. Returns how many fired.
    pub(crate) fn fire_due(&self) -> usize {
        let now_tick = self.tick_before(self.clock.now());
        let mut due = self.due.take();
        {
            let mut buckets = self.buckets.borrow_mut();
            let mut entries = self.entries.borrow_mut();
            while let Some(bucket) = buckets.first_entry() {
                if *bucket.key() > now_tick {
                    break;
                }
                for slot in bucket.remove() {
                    let entry = &mut entries[slot];
                    if let EntryState::Pending { waker, .. } =
                        std::mem::replace(&mut entry.state, EntryState::Fired)
                    {
                        due.push(waker);
                    }
                }
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

    fn wakes(count: &CountingWaker) -> usize {
        count.0.load(Ordering::SeqCst)
    }

    #[test]
    fn fires_in_deadline_order_only_what_is_due() {
        let timers = Timers::new(Clock::paused());
        let start = timers.now();
        let (early, early_waker) = counter();
        let (late, late_waker) = counter();
        let late_key = timers.insert(start + Duration::from_secs(3), late_waker);
        let early_key = timers.insert(start + Duration::from_secs(1), early_waker);
        assert_eq!(timers.next_deadline(), Some(start + Duration::from_secs(1)));

        timers.advance_clock_to_next_deadline();
        assert_eq!(timers.fire_due(), 1);
        assert_eq!((wakes(&early), wakes(&late)), (1, 0));
        assert!(
            !timers.refresh(early_key, &Waker::noop().clone()),
            "fired, and now forgotten"
        );

        timers.advance_clock_to_next_deadline();
        assert_eq!(timers.now() - start, Duration::from_secs(3));
        assert_eq!(timers.fire_due(), 1);
        assert_eq!(wakes(&late), 1);
        assert!(!timers.refresh(late_key, &Waker::noop().clone()));
        assert_eq!(timers.len(), 0);
    }

    #[test]
    fn a_removed_timer_never_fires() {
        let timers = Timers::new(Clock::paused());
        let (count, waker) = counter();
        let key = timers.insert(timers.now() + Duration::from_millis(5), waker);
        timers.remove(key);
        assert_eq!(timers.next_deadline(), None);
        assert_eq!(timers.len(), 0);
        timers
            .clock()
            .advance_to(timers.now() + Duration::from_secs(1));
        assert_eq!(timers.fire_due(), 0);
        assert_eq!(wakes(&count), 0);
    }

    #[test]
    fn removing_from_the_middle_of_a_bucket_keeps_the_others() {
        let timers = Timers::new(Clock::paused());
        let deadline = timers.now() + Duration::from_millis(7);
        let counters: Vec<_> = (0..4).map(|_| counter()).collect();
        let keys: Vec<_> = counters
            .iter()
            .map(|(_, waker)| timers.insert(deadline, waker.clone()))
            .collect();
        timers.remove(keys[1]); // the last one moves into its place
        timers.remove(keys[3]); // ...and is then removed from there
        timers.clock().advance_to(deadline);
        assert_eq!(timers.fire_due(), 2);
        let fired: Vec<usize> = counters.iter().map(|(count, _)| wakes(count)).collect();
        assert_eq!(fired, [1, 0, 1, 0]);
    }

    #[test]
    fn equal_deadlines_are_distinct_timers() {
        let timers = Timers::new(Clock::paused());
        let deadline = timers.now() + Duration::from_millis(1);
        let (count, waker) = counter();
        let first = timers.insert(deadline, waker.clone());
        timers.insert(deadline, waker);
        let (other, other_waker) = counter();
        assert!(timers.refresh(first, &other_waker));
        timers.clock().advance_to(deadline);
        assert_eq!(timers.fire_due(), 2);
        assert_eq!(
            (wakes(&count), wakes(&other)),
            (1, 1),
            "the refreshed timer woke the new waker"
        );
    }

    #[test]
    fn deadlines_round_up_to_the_next_tick() {
        let timers = Timers::new(Clock::paused());
        let start = timers.now();
        let (count, waker) = counter();
        timers.insert(start + Duration::from_micros(1550), waker);
        assert_eq!(
            timers.next_deadline(),
            Some(start + Duration::from_micros(1600))
        );
        timers
            .clock()
            .advance_to(start + Duration::from_micros(1599));
        assert_eq!(timers.fire_due(), 0, "never early");
        timers.advance_clock_to_next_deadline();
        assert_eq!(timers.fire_due(), 1);
        assert_eq!(wakes(&count), 1);
    }

    #[test]
    fn a_stale_key_does_not_touch_a_reused_slot() {
        let timers = Timers::new(Clock::paused());
        let (_, waker) = counter();
        let old = timers.insert(timers.now() + Duration::from_millis(1), waker.clone());
        timers.remove(old);
        let (count, new_waker) = counter();
        let new = timers.insert(timers.now() + Duration::from_millis(1), new_waker);
        timers.remove(old); // must not remove the new timer in the reused slot
        assert!(timers.refresh(new, &waker) && timers.len() == 1);
        timers.advance_clock_to_next_deadline();
        assert_eq!(timers.fire_due(), 1);
        assert_eq!(wakes(&count), 0, "refresh replaced the waker");
    }
}
