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
//! Map: this file holds the handles ([`Pool`], [`Lease`], the waiter's ticket) and the
//! public types; `state.rs` holds the counting they share, with its invariants.
//!
//! Path: `session/exchange.rs` checks out, `response.rs` releases -> here -> `connect.rs` opens what is missing.

mod state;

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use ripple_reactor::time::now;

use state::{Effects, PoolState, WaiterState};

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

impl<C: Poolable> Pool<C> {
    /// An empty pool with these limits (a limit of 0 is taken as 1).
    pub fn new(mut config: PoolConfig) -> Self {
        config.limit = config.limit.max(1);
        config.limit_per_host = config.limit_per_host.map(|limit| limit.max(1));
        Pool {
            state: Rc::new(RefCell::new(PoolState::new(config))),
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
