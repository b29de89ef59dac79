//! The connection pool: idle keep-alive connections per host, limits, and a fair queue.
//!
//! Every open connection is covered by a [`Lease`]: an RAII permit counted against the
//! session's total limit (default 100, as aiohttp's) and the optional per-host limit. A
//! request gets its lease from [`Pool::checkout`]: an idle connection to the same
//! `(scheme, host, port)` if one is fresh, otherwise permission to open a new one, and if
//! the limits are reached it waits in FIFO order. When the request is done it gives the
//! lease back with [`Lease::release`]: the connection goes back to the idle list if its
//! response was read to the end and both sides agreed to keep it, and is closed otherwise.
//!
//! A lease that is dropped instead (the request was cancelled at any await point: queued,
//! DNS, connect, TLS, head, body) closes its connection and frees its place: a slot cannot
//! leak, which is the bug class of aiohttp #835/#9670 and httpcore #1093. A waiter that is
//! handed a lease and then dropped before it ran passes the lease on in the same way.
//!
//! Idle connections expire after the idle timeout (or the server's `Keep-Alive: timeout`),
//! and one that the server closed meanwhile is found at checkout and dropped, so a request
//! is never sent on it (the "connection closed before message completed" class of errors).
//!
//! # Invariants
//! - `open_total` counts every lease alive plus every idle connection; a host's `open`
//!   counts the same for that host. Neither exceeds its limit.
//! - A waiter is in `queue` exactly while its state is `Waiting`.
//! - Capacity freed while waiters exist goes to the oldest waiter that can use it (see
//!   `grant_waiters`), so a new request never overtakes a queued one.
//! - No connection is dropped and no waker is woken while the state is borrowed.
//!
//! Path: `session.rs` checks out and releases -> here -> `connect.rs` opens what is missing.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use ripple_reactor::time::now;
use slab::Slab;

/// Which connections are interchangeable: same scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolKey {
    /// Whether the connection speaks TLS.
    pub https: bool,
    /// The host, as in the URL.
    pub host: String,
    /// The port.
    pub port: u16,
}

impl fmt::Display for PoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

/// What the pool needs to know about a connection.
pub trait Poolable {
    /// Whether an idle connection can still carry a request: not closed by the server, no
    /// unexpected bytes waiting. Checked at checkout, so it must not wait.
    fn is_reusable(&mut self) -> bool;
}

/// The pool's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// The most connections open at once, idle or busy, over all hosts.
    pub limit: usize,
    /// The most connections open at once to one `(scheme, host, port)`.
    pub limit_per_host: Option<usize>,
    /// How long an idle connection is kept.
    pub idle_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            limit: 100,
            limit_per_host: None,
            idle_timeout: Duration::from_secs(15),
        }
    }
}

/// The state of one host's connections, as plain numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Connections waiting in the pool for a request.
    pub idle: usize,
    /// Connections carrying a request, or being opened for one.
    pub in_use: usize,
    /// Requests queued for a connection.
    pub waiting: usize,
}

/// The pool as plain numbers: per host, and in total.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Per `(scheme, host, port)`, for hosts with anything open or waiting.
    pub hosts: Vec<(PoolKey, HostStats)>,
    /// Connections open now (idle and in use).
    pub open: usize,
    /// Idle connections now.
    pub idle: usize,
    /// Requests waiting now.
    pub waiting: usize,
    /// Connections opened since the pool was created.
    pub opened: u64,
    /// Checkouts served by an idle connection.
    pub reused: u64,
}

struct Idle<C> {
    conn: C,
    expires_at: Instant,
}

struct Host<C> {
    idle: Vec<Idle<C>>,
    /// Leases plus idle connections of this host.
    open: usize,
    waiting: usize,
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
enum WaiterState<C> {
    Waiting(Option<Waker>),
    Granted(Option<Idle<C>>),
}

struct Waiter<C> {
    key: PoolKey,
    state: WaiterState<C>,
}

struct PoolState<C> {
    config: PoolConfig,
    hosts: HashMap<PoolKey, Host<C>>,
    open_total: usize,
    idle_total: usize,
    waiters: Slab<Waiter<C>>,
    queue: VecDeque<usize>,
    opened: u64,
    reused: u64,
}

/// Connections to reuse, limits, and the queue of requests waiting for one.
pub struct Pool<C> {
    state: Rc<RefCell<PoolState<C>>>,
}

impl<C> Clone for Pool<C> {
    fn clone(&self) -> Self {
        Pool {
            state: Rc::clone(&self.state),
        }
    }
}

/// The right to one open connection to `key`: counted against the limits until it is
/// released or dropped. Holds the connection once there is one.
pub struct Lease<C: Poolable> {
    pool: Rc<RefCell<PoolState<C>>>,
    key: PoolKey,
    conn: Option<C>,
    reused: bool,
    /// Set by `release`, so that `drop` does not free the place a second time.
    released: bool,
}

/// What a change to the pool's state asks for once the borrow has ended: connections to
/// close (dropping one may run arbitrary code) and waiters to wake.
struct Effects<C> {
    close: Vec<C>,
    wake: Vec<Waker>,
}

impl<C> Effects<C> {
    fn new() -> Self {
        Effects {
            close: Vec::new(),
            wake: Vec::new(),
        }
    }

    /// Call only after the pool's state is no longer borrowed.
    fn apply(self) {
        drop(self.close);
        for waker in self.wake {
            waker.wake();
        }
    }
}

impl<C: Poolable> Pool<C> {
    /// An empty pool with these limits (a limit of 0 is taken as 1).
    pub fn new(mut config: PoolConfig) -> Self {
        config.limit = config.limit.max(1);
        config.limit_per_host = config.limit_per_host.map(|limit| limit.max(1));
        Pool {
            state: Rc::new(RefCell::new(PoolState {
                config,
                hosts: HashMap::new(),
                open_total: 0,
                idle_total: 0,
                waiters: Slab::new(),
                queue: VecDeque::new(),
                opened: 0,
                reused: 0,
            })),
        }
    }

    /// Waits for the right to use a connection to `key`: an idle one if there is a fresh
    /// one, or permission to open one (the lease then holds no connection yet).
    ///
    /// Cancel-safe: dropping the future at any point leaves the pool's counters as if it
    /// had never been called.
    pub async fn checkout(&self, key: &PoolKey) -> Lease<C> {
        self.checkout_inner(key, true).await
    }

    /// Like [`checkout`](Self::checkout), but never hands out an idle connection: for the
    /// one retry after a reused connection turned out to be closed by the server.
    pub async fn checkout_new(&self, key: &PoolKey) -> Lease<C> {
        self.checkout_inner(key, false).await
    }

    async fn checkout_inner(&self, key: &PoolKey, allow_idle: bool) -> Lease<C> {
        let (granted, effects) = self.state.borrow_mut().try_acquire(key, allow_idle);
        effects.apply();
        if let Some(conn) = granted {
            return self.lease(key, conn);
        }
        // Queue up, then let the oldest waiters that fit take what is free: if only
        // per-host limits held the others back, this request may be served at once.
        let (id, effects) = {
            let mut state = self.state.borrow_mut();
            let id = state.enqueue(key);
            let mut effects = Effects::new();
            state.grant_waiters(&mut effects);
            (id, effects)
        };
        effects.apply();
        let mut ticket = WaiterTicket {
            pool: Rc::clone(&self.state),
            id: Some(id),
        };
        let conn = poll_fn(|cx| ticket.poll_granted(cx)).await;
        self.lease(key, conn)
    }

    fn lease(&self, key: &PoolKey, conn: Option<C>) -> Lease<C> {
        Lease {
            pool: Rc::clone(&self.state),
            key: key.clone(),
            reused: conn.is_some(),
            conn,
            released: false,
        }
    }

    /// The pool as plain numbers.
    pub fn stats(&self) -> PoolStats {
        self.state.borrow().stats()
    }

    /// Closes every idle connection (for example when the session is dropped).
    pub fn close_idle(&self) {
        let effects = self.state.borrow_mut().close_all_idle();
        effects.apply();
    }
}

impl<C: Poolable> Lease<C> {
    /// The connection, if the lease has one (a reused one, or one set after connecting).
    pub fn conn_mut(&mut self) -> Option<&mut C> {
        self.conn.as_mut()
    }

    /// Gives the lease the connection just opened for it.
    pub fn set_conn(&mut self, conn: C) {
        self.conn = Some(conn);
        self.pool.borrow_mut().opened += 1;
    }

    /// Takes the connection out, leaving the lease (and its place) in force.
    pub fn take_conn(&mut self) -> Option<C> {
        self.conn.take()
    }

    /// Whether the connection came from the idle list.
    pub fn is_reused(&self) -> bool {
        self.reused
    }

    /// The host this lease is for.
    pub fn key(&self) -> &PoolKey {
        &self.key
    }

    /// Ends the lease. A connection that `reusable` says may carry another request goes
    /// back to the idle list for `keep_alive` (or the pool's idle timeout, whichever is
    /// shorter); anything else is closed. Either way the place is freed for others.
    pub fn release(mut self, reusable: bool, keep_alive: Option<Duration>) {
        self.released = true;
        let conn = self.conn.take();
        let effects = {
            let mut state = self.pool.borrow_mut();
            match conn {
                Some(conn) if reusable => {
                    let idle_timeout = state.config.idle_timeout;
                    let idle_for = keep_alive.map_or(idle_timeout, |d| d.min(idle_timeout));
                    state.return_idle(&self.key, conn, now() + idle_for)
                }
                closed => {
                    let mut effects = state.free_place(&self.key);
                    effects.close.extend(closed);
                    effects
                }
            }
        };
        effects.apply();
    }
}

impl<C: Poolable> Drop for Lease<C> {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        // Cancelled or failed: whatever the connection's state, it is not trustworthy.
        let mut effects = self.pool.borrow_mut().free_place(&self.key);
        effects.close.extend(self.conn.take());
        effects.apply();
    }
}

/// A queued checkout. Dropping it leaves the queue, or passes on a grant it never used.
struct WaiterTicket<C: Poolable> {
    pool: Rc<RefCell<PoolState<C>>>,
    /// `None` once the grant has been picked up.
    id: Option<usize>,
}

impl<C: Poolable> WaiterTicket<C> {
    fn poll_granted(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Option<C>> {
        let Some(id) = self.id else {
            return Poll::Pending;
        };
        let mut state = self.pool.borrow_mut();
        if let WaiterState::Waiting(waker) = &mut state.waiters[id].state {
            if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *waker = Some(cx.waker().clone());
            }
            return Poll::Pending;
        }
        self.id = None;
        let waiter = state.remove_waiter(id);
        match waiter.state {
            WaiterState::Granted(idle) => {
                // Counted here, when a request really uses the connection, not at the grant.
                state.reused += u64::from(idle.is_some());
                Poll::Ready(idle.map(|idle| idle.conn))
            }
            WaiterState::Waiting(_) => unreachable!("checked just above"),
        }
    }
}

impl<C: Poolable> Drop for WaiterTicket<C> {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        let effects = {
            let mut state = self.pool.borrow_mut();
            let waiter = state.remove_waiter(id);
            match waiter.state {
                WaiterState::Waiting(_) => {
                    state.queue.retain(|&queued| queued != id);
                    Effects::new()
                }
                // Handed a place it will never use: give it back, to the next in line, with
                // the expiry the connection had (the server's keep-alive timeout holds).
                WaiterState::Granted(Some(idle)) => {
                    state.return_idle(&waiter.key, idle.conn, idle.expires_at)
                }
                WaiterState::Granted(None) => state.free_place(&waiter.key),
            }
        };
        effects.apply();
    }
}

impl<C: Poolable> PoolState<C> {
    /// Tries to get a place for `key` now, without overtaking a queued request. Returns
    /// `Some(Some(conn))` for an idle connection, `Some(None)` for permission to open
    /// one, `None` if the request must wait.
    fn try_acquire(&mut self, key: &PoolKey, allow_idle: bool) -> (Option<Option<C>>, Effects<C>) {
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
    fn has_room_for(&mut self, key: &PoolKey, effects: &mut Effects<C>) -> bool {
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

    fn take_idle(&mut self, key: &PoolKey) -> Option<C> {
        let host = self.hosts.get_mut(key)?;
        // Newest first: the one least likely to have been closed by the server.
        let idle = host.idle.pop()?;
        self.idle_total -= 1;
        Some(idle.conn)
    }

    /// Removes this host's idle connections that expired or that the server closed.
    fn take_stale_idle(&mut self, key: &PoolKey) -> Vec<C> {
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
    fn evict_oldest_idle(&mut self) -> Option<C> {
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

    fn enqueue(&mut self, key: &PoolKey) -> usize {
        let id = self.waiters.insert(Waiter {
            key: key.clone(),
            state: WaiterState::Waiting(None),
        });
        self.queue.push_back(id);
        self.hosts.entry(key.clone()).or_default().waiting += 1;
        id
    }

    fn remove_waiter(&mut self, id: usize) -> Waiter<C> {
        let waiter = self.waiters.remove(id);
        if let Some(host) = self.hosts.get_mut(&waiter.key) {
            host.waiting -= 1;
        }
        self.forget_host_if_empty(&waiter.key);
        waiter
    }

    /// A lease ends without a reusable connection: its place is free.
    fn free_place(&mut self, key: &PoolKey) -> Effects<C> {
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
    fn return_idle(&mut self, key: &PoolKey, conn: C, expires_at: Instant) -> Effects<C> {
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
    fn grant_waiters(&mut self, effects: &mut Effects<C>) {
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

    fn grant(&mut self, id: usize, idle: Option<Idle<C>>, effects: &mut Effects<C>) {
        let old = std::mem::replace(&mut self.waiters[id].state, WaiterState::Granted(idle));
        if let WaiterState::Waiting(Some(waker)) = old {
            effects.wake.push(waker);
        }
    }

    fn close_all_idle(&mut self) -> Effects<C> {
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

    fn forget_host_if_empty(&mut self, key: &PoolKey) {
        if self
            .hosts
            .get(key)
            .is_some_and(|host| host.open == 0 && host.waiting == 0)
        {
            self.hosts.remove(key);
        }
    }

    fn stats(&self) -> PoolStats {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    use ripple_reactor::{Runtime, sleep, spawn, yield_now};

    /// A stand-in connection: its `open` flag says whether the "server" still has it.
    struct FakeConn {
        open: Rc<Cell<bool>>,
        closed_count: Rc<Cell<usize>>,
    }

    impl Poolable for FakeConn {
        fn is_reusable(&mut self) -> bool {
            self.open.get()
        }
    }

    impl Drop for FakeConn {
        fn drop(&mut self) {
            self.closed_count.set(self.closed_count.get() + 1);
        }
    }

    fn fake(closed: &Rc<Cell<usize>>) -> (FakeConn, Rc<Cell<bool>>) {
        let open = Rc::new(Cell::new(true));
        let conn = FakeConn {
            open: open.clone(),
            closed_count: closed.clone(),
        };
        (conn, open)
    }

    fn key(host: &str) -> PoolKey {
        PoolKey {
            https: false,
            host: host.into(),
            port: 80,
        }
    }

    fn paused() -> Runtime {
        Runtime::builder().paused_clock().build().unwrap()
    }

    fn config(limit: usize, per_host: Option<usize>) -> PoolConfig {
        PoolConfig {
            limit,
            limit_per_host: per_host,
            idle_timeout: Duration::from_secs(15),
        }
    }

    #[test]
    fn a_released_connection_is_reused_and_a_dropped_one_is_closed() {
        paused().block_on(async {
            let closed = Rc::new(Cell::new(0));
            let pool = Pool::new(config(10, None));
            let mut lease = pool.checkout(&key("a")).await;
            assert!(lease.conn_mut().is_none() && !lease.is_reused());
            lease.set_conn(fake(&closed).0);
            lease.release(true, None);
            assert_eq!((pool.stats().open, pool.stats().idle), (1, 1));

            let lease = pool.checkout(&key("a")).await;
            assert!(lease.is_reused());
            drop(lease); // e.g. the response was not read to the end
            assert_eq!(closed.get(), 1);
            assert_eq!(pool.stats().open, 0);
            assert_eq!((pool.stats().opened, pool.stats().reused), (1, 1));
        });
    }

    #[test]
    fn requests_beyond_the_limit_wait_in_fifo_order() {
        paused().block_on(async {
            let closed = Rc::new(Cell::new(0));
            let pool = Pool::new(config(2, None));
            let order = Rc::new(RefCell::new(Vec::new()));
            let mut first = pool.checkout(&key("a")).await;
            first.set_conn(fake(&closed).0);
            let _second = pool.checkout(&key("b")).await;
            let waiters: Vec<_> = (0..3)
                .map(|i| {
                    let (pool, order) = (pool.clone(), order.clone());
                    spawn(async move {
                        let lease = pool.checkout(&key("c")).await;
                        order.borrow_mut().push(i);
                        sleep(Duration::from_millis(10)).await;
                        drop(lease);
                    })
                })
                .collect();
            yield_now().await;
            assert_eq!(pool.stats().waiting, 3);
            // `first` goes back idle, but host "c" cannot use an idle "a" connection: the
            // pool closes it to make room for the oldest waiter.
            first.release(true, None);
            assert_eq!(closed.get(), 1);
            for waiter in waiters {
                waiter.await.unwrap();
            }
            assert_eq!(*order.borrow(), [0, 1, 2]);
            assert_eq!(pool.stats().open, 1, "only `_second` is left");
        });
    }

    #[test]
    fn the_per_host_limit_holds_back_only_that_host() {
        paused().block_on(async {
            let pool: Pool<FakeConn> = Pool::new(config(10, Some(1)));
            let a1 = pool.checkout(&key("a")).await;
            let blocked = spawn({
                let pool = pool.clone();
                async move { pool.checkout(&key("a")).await.key().host.clone() }
            });
            yield_now().await;
            assert_eq!(pool.stats().waiting, 1);
            // Another host is not held back by the queued "a" request.
            let b = pool.checkout(&key("b")).await;
            assert_eq!(pool.stats().waiting, 1);
            drop(b);
            drop(a1);
            assert_eq!(blocked.await.unwrap(), "a");
            assert_eq!(pool.stats().open, 0);
        });
    }

    #[test]
    fn a_cancelled_waiter_leaves_the_queue_and_a_granted_one_passes_its_place_on() {
        paused().block_on(async {
            let pool: Pool<FakeConn> = Pool::new(config(1, None));
            let holder = pool.checkout(&key("a")).await;
            let cancelled = spawn({
                let pool = pool.clone();
                async move { drop(pool.checkout(&key("a")).await) }
            });
            let granted_then_cancelled = spawn({
                let pool = pool.clone();
                async move { drop(pool.checkout(&key("a")).await) }
            });
            let last = spawn({
                let pool = pool.clone();
                async move { pool.checkout(&key("a")).await.key().host.clone() }
            });
            yield_now().await;
            assert_eq!(pool.stats().waiting, 3);
            cancelled.cancel();
            assert_eq!(pool.stats().waiting, 2);
            // Free the place: the next waiter is granted it, and is cancelled before it
            // can run; the place must move on to `last`.
            drop(holder);
            granted_then_cancelled.cancel();
            assert_eq!(last.await.unwrap(), "a");
            let stats = pool.stats();
            assert_eq!((stats.open, stats.waiting, stats.idle), (0, 0, 0));
            assert!(stats.hosts.is_empty(), "{stats:?}");
        });
    }

    #[test]
    fn stale_and_expired_idle_connections_are_dropped_at_checkout() {
        paused().block_on(async {
            let closed = Rc::new(Cell::new(0));
            let pool = Pool::new(config(10, None));
            let mut lease = pool.checkout(&key("a")).await;
            let (conn, open) = fake(&closed);
            lease.set_conn(conn);
            lease.release(true, None);
            open.set(false); // the server closed it while idle
            let lease = pool.checkout(&key("a")).await;
            assert!(
                !lease.is_reused(),
                "the closed connection was not handed out"
            );
            assert_eq!(closed.get(), 1);
            drop(lease);

            let mut lease = pool.checkout(&key("a")).await;
            lease.set_conn(fake(&closed).0);
            lease.release(true, Some(Duration::from_secs(1))); // server said Keep-Alive: timeout=1
            sleep(Duration::from_secs(2)).await;
            let lease = pool.checkout(&key("a")).await;
            assert!(
                !lease.is_reused(),
                "the expired connection was not handed out"
            );
            assert_eq!(closed.get(), 2);
        });
    }
}
