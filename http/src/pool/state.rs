//! The pool's bookkeeping: who holds what, what is idle, who waits, and who is next.
//!
//! [`PoolState`] is plain data behind the pool's `RefCell`; the handles in `mod.rs`
//! (`Pool`, `Lease`, `WaiterTicket`) borrow it for one step at a time. Each step returns
//! [`Effects`]: the connections to close and the waiters to wake, applied only after the
//! borrow has ended, since dropping a connection or waking a task may come back into the
//! pool. The invariants are on [`PoolState`].
//!
//! Path: `mod.rs` (checkout, release, drop) -> here -> `Effects::apply`.

use std::collections::{HashMap, VecDeque};
use std::task::Waker;
use std::time::Instant;

use ripple_reactor::time::now;
use slab::Slab;

use super::{HostStats, PoolConfig, PoolKey, PoolStats, Poolable};

/// An idle connection and when it stops being worth reusing.
pub(super) struct Idle<C> {
    pub(super) conn: C,
    pub(super) expires_at: Instant,
}

/// One host's connections: the idle ones, and how many are open or waited for.
pub(super) struct Host<C> {
    pub(super) idle: Vec<Idle<C>>,
    /// Leases plus idle connections of this host.
    pub(super) open: usize,
    pub(super) waiting: usize,
}

impl<C> Default for Host<C> {
    fn default() -> Self {
        Host {
            idle: Vec::new(),
            open: 0,
            waiting: 0,
        }
    }
}

/// Where a queued request stands. `Waiting` is in the queue; `Granted` was handed a lease
/// (and a connection that was just released, with its expiry, if there was one) that its
/// future has not picked up yet.
pub(super) enum WaiterState<C> {
    Waiting(Option<Waker>),
    Granted(Option<Idle<C>>),
}

/// A queued request: the host it wants, and where it stands.
pub(super) struct Waiter<C> {
    pub(super) key: PoolKey,
    pub(super) state: WaiterState<C>,
}

/// Everything the pool knows.
///
/// # Invariants
/// - `open_total` counts every lease alive plus every idle connection; a host's `open`
///   counts the same for that host. Neither exceeds its limit.
/// - A waiter is in `queue` exactly while its state is `Waiting`.
/// - Capacity freed while waiters exist goes to the oldest waiter that can use it (see
///   `grant_waiters`), so a new request never overtakes a queued one.
/// - No connection is dropped and no waker is woken while the state is borrowed.
pub(super) struct PoolState<C> {
    pub(super) config: PoolConfig,
    pub(super) hosts: HashMap<PoolKey, Host<C>>,
    pub(super) open_total: usize,
    pub(super) idle_total: usize,
    pub(super) waiters: Slab<Waiter<C>>,
    pub(super) queue: VecDeque<usize>,
    pub(super) opened: u64,
    pub(super) reused: u64,
}

/// What a change to the pool's state asks for once the borrow has ended: connections to
/// close (dropping one may run arbitrary code) and waiters to wake.
pub(super) struct Effects<C> {
    pub(super) close: Vec<C>,
    pub(super) wake: Vec<Waker>,
}

impl<C> Effects<C> {
    pub(super) fn new() -> Self {
        Effects {
            close: Vec::new(),
            wake: Vec::new(),
        }
    }

    /// Call only after the pool's state is no longer borrowed.
    pub(super) fn apply(self) {
        drop(self.close);
        for waker in self.wake {
            waker.wake();
        }
    }
}

impl<C: Poolable> PoolState<C> {
    /// Nothing open, idle or waiting yet.
    pub(super) fn new(config: PoolConfig) -> Self {
        PoolState {
            config,
            hosts: HashMap::new(),
            open_total: 0,
            idle_total: 0,
            waiters: Slab::new(),
            queue: VecDeque::new(),
            opened: 0,
            reused: 0,
        }
    }

    /// Tries to get a place for `key` now, without overtaking a queued request. Returns
    /// `Some(Some(conn))` for an idle connection, `Some(None)` for permission to open
    /// one, `None` if the request must wait.
    pub(super) fn try_acquire(
        &mut self,
        key: &PoolKey,
        allow_idle: bool,
    ) -> (Option<Option<C>>, Effects<C>) {
        let mut effects = Effects::new();
        effects.close = self.take_stale_idle(key);
        if let Some(conn) = allow_idle.then(|| self.take_idle(key)).flatten() {
            self.reused += 1;
            return (Some(Some(conn)), effects);
        }
        if !self.queue.is_empty() || !self.has_room_for(key, &mut effects) {
            return (None, effects);
        }
        self.open_total += 1;
        self.hosts.entry(key.clone()).or_default().open += 1;
        (Some(None), effects)
    }

    /// Whether one more connection to `key` fits the limits, closing the oldest idle
    /// connection of another host if that is what it takes.
    pub(super) fn has_room_for(&mut self, key: &PoolKey, effects: &mut Effects<C>) -> bool {
        let host_open = self.hosts.get(key).map_or(0, |host| host.open);
        if self
            .config
            .limit_per_host
            .is_some_and(|limit| host_open >= limit)
        {
            return false;
        }
        if self.open_total < self.config.limit {
            return true;
        }
        match self.evict_oldest_idle() {
            Some(evicted) => {
                effects.close.push(evicted);
                true
            }
            None => false,
        }
    }

    pub(super) fn take_idle(&mut self, key: &PoolKey) -> Option<C> {
        let host = self.hosts.get_mut(key)?;
        // Newest first: the one least likely to have been closed by the server.
        let idle = host.idle.pop()?;
        self.idle_total -= 1;
        Some(idle.conn)
    }

    /// Removes this host's idle connections that expired or that the server closed.
    pub(super) fn take_stale_idle(&mut self, key: &PoolKey) -> Vec<C> {
        let Some(host) = self.hosts.get_mut(key) else {
            return Vec::new();
        };
        let now = now();
        let mut stale = Vec::new();
        let mut index = 0;
        while index < host.idle.len() {
            let idle = &mut host.idle[index];
            if idle.expires_at <= now || !idle.conn.is_reusable() {
                stale.push(host.idle.remove(index).conn);
            } else {
                index += 1;
            }
        }
        host.open -= stale.len();
        self.open_total -= stale.len();
        self.idle_total -= stale.len();
        stale
    }

    /// Closes the idle connection that has waited longest, over all hosts, to make room.
    pub(super) fn evict_oldest_idle(&mut self) -> Option<C> {
        let (key, index) = self
            .hosts
            .iter()
            .flat_map(|(key, host)| {
                host.idle
                    .iter()
                    .enumerate()
                    .map(move |(index, idle)| (key, index, idle.expires_at))
            })
            .min_by_key(|&(_, _, expires_at)| expires_at)
            .map(|(key, index, _)| (key.clone(), index))?;
        let host = self.hosts.get_mut(&key)?;
        let idle = host.idle.remove(index);
        host.open -= 1;
        self.open_total -= 1;
        self.idle_total -= 1;
        self.forget_host_if_empty(&key);
        Some(idle.conn)
    }

    pub(super) fn enqueue(&mut self, key: &PoolKey) -> usize {
        let id = self.waiters.insert(Waiter {
            key: key.clone(),
            state: WaiterState::Waiting(None),
        });
        self.queue.push_back(id);
        self.hosts.entry(key.clone()).or_default().waiting += 1;
        id
    }

    pub(super) fn remove_waiter(&mut self, id: usize) -> Waiter<C> {
        let waiter = self.waiters.remove(id);
        if let Some(host) = self.hosts.get_mut(&waiter.key) {
            host.waiting -= 1;
        }
        self.forget_host_if_empty(&waiter.key);
        waiter
    }

    /// A lease ends without a reusable connection: its place is free.
    pub(super) fn free_place(&mut self, key: &PoolKey) -> Effects<C> {
        if let Some(host) = self.hosts.get_mut(key) {
            host.open -= 1;
            self.open_total -= 1;
        }
        self.forget_host_if_empty(key);
        let mut effects = Effects::new();
        self.grant_waiters(&mut effects);
        effects
    }

    /// A lease ends with a reusable connection: hand it to the oldest waiter for the same
    /// host, or put it on the idle list; then let waiters use whatever is free.
    pub(super) fn return_idle(
        &mut self,
        key: &PoolKey,
        conn: C,
        expires_at: Instant,
    ) -> Effects<C> {
        let mut effects = Effects::new();
        let same_host = self
            .queue
            .iter()
            .position(|&id| self.waiters[id].key == *key);
        if let Some(id) = same_host.and_then(|position| self.queue.remove(position)) {
            self.grant(id, Some(Idle { conn, expires_at }), &mut effects);
            return effects;
        }
        if let Some(host) = self.hosts.get_mut(key) {
            host.idle.push(Idle { conn, expires_at });
            self.idle_total += 1;
        }
        self.grant_waiters(&mut effects);
        effects
    }

    /// Gives free places to waiters, oldest first. Stops at the first waiter that cannot
    /// be served because the total limit is reached (nobody behind it could be either);
    /// skips waiters held back only by their host's limit.
    pub(super) fn grant_waiters(&mut self, effects: &mut Effects<C>) {
        let mut position = 0;
        while let Some(&id) = self.queue.get(position) {
            let key = self.waiters[id].key.clone();
            let host_open = self.hosts.get(&key).map_or(0, |host| host.open);
            if self
                .config
                .limit_per_host
                .is_some_and(|limit| host_open >= limit)
            {
                position += 1;
                continue;
            }
            if !self.has_room_for(&key, effects) {
                break;
            }
            self.open_total += 1;
            self.hosts.entry(key).or_default().open += 1;
            self.queue.remove(position);
            self.grant(id, None, effects);
        }
    }

    pub(super) fn grant(&mut self, id: usize, idle: Option<Idle<C>>, effects: &mut Effects<C>) {
        let old = std::mem::replace(&mut self.waiters[id].state, WaiterState::Granted(idle));
        if let WaiterState::Waiting(Some(waker)) = old {
            effects.wake.push(waker);
        }
    }

    pub(super) fn close_all_idle(&mut self) -> Effects<C> {
        let mut effects = Effects::new();
        for host in self.hosts.values_mut() {
            host.open -= host.idle.len();
            effects
                .close
                .extend(host.idle.drain(..).map(|idle| idle.conn));
        }
        self.open_total -= effects.close.len();
        self.idle_total = 0;
        self.hosts
            .retain(|_, host| host.open > 0 || host.waiting > 0);
        self.grant_waiters(&mut effects);
        effects
    }

    pub(super) fn forget_host_if_empty(&mut self, key: &PoolKey) {
        if self
            .hosts
            .get(key)
            .is_some_and(|host| host.open == 0 && host.waiting == 0)
        {
            self.hosts.remove(key);
        }
    }

    pub(super) fn stats(&self) -> PoolStats {
        let mut hosts: Vec<(PoolKey, HostStats)> = self
            .hosts
            .iter()
            .map(|(key, host)| {
                let stats = HostStats {
                    idle: host.idle.len(),
                    in_use: host.open - host.idle.len(),
                    waiting: host.waiting,
                };
                (key.clone(), stats)
            })
            .collect();
        hosts.sort_by_key(|(key, _)| key.to_string());
        PoolStats {
            hosts,
            open: self.open_total,
            idle: self.idle_total,
            waiting: self.queue.len(),
            opened: self.opened,
            reused: self.reused,
        }
    }
}
