//! A small HTTP/1.1 server on ripple's reactor: the offline stand-in for the internet.
//!
//! The demos, the tests and the bench point ripple's client at it. [`Server::bind`] opens
//! a listening socket (`bind(2)`, `listen(2)`); [`Server::spawn`] starts the accept loop
//! as a task on the current runtime, which spawns one more task per connection. Each
//! connection task reads requests and answers them until either side closes (keep-alive,
//! pipelining). Tests run the server and their client on the same runtime, so the paused
//! clock governs both: `/delay/1000` answers after exactly one second of paused time.
//!
//! What it serves, normal pages and deliberate faults, is listed in one table in
//! [`routes`]. The counters ([`ServerStats`]) are plain data, readable while it runs.
//!
//! Map:
//! - `mod.rs` (this file): [`Server`], [`ServerHandle`], [`ServerStats`], the accept loop,
//!   and [`serve_connection`], the seam for other streams ([`Server::bind_tls`] uses it).
//! - `connection.rs`: one connection's loop: head, body, answer, keep-alive or close.
//! - `request.rs`: the request head (httparse), body framing, limits, query strings.
//! - `chunked.rs`: a chunked request body, decoded as it arrives.
//! - `response.rs`: writing a status line, headers and a framed body by hand.
//! - `routes.rs`: the route table and the normal routes.
//! - `faults.rs`: the fault routes, each a distinct way for a server to misbehave.
//! - `page.rs`: the 1,256-byte page served at `/`.
//! - `pattern.rs`: the bytes of `/bytes/<n>` and `/chunked/<n>`, which a client can check.
//!
//! This server does not use the client's HTTP code: it parses with httparse and writes
//! its responses by hand, so a bug in one cannot hide the same bug in the other. Only the
//! TLS glue (`tls/`) is shared, for [`Server::bind_tls`].
//!
//! Path: a test or demo calls [`Server::bind`] and [`Server::spawn`] -> `connection.rs`
//! -> `routes.rs`; the bytes travel through `net/tcp.rs` in ripple-reactor.

mod chunked;
mod connection;
mod faults;
pub mod page;
mod pattern;
mod request;
mod response;
pub mod routes;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ripple_reactor::{
    AsyncRead, AsyncWrite, JoinHandle, TcpListener, TcpStream, sleep, spawn_named, yield_now,
};

#[cfg(feature = "tls")]
use crate::tls::TlsAcceptor;

/// A build without the `tls` feature has no acceptor: a type with no values, so that the
/// server's `tls` field is always `None` and the https paths compile away.
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
enum TlsAcceptor {}

pub use pattern::{PATTERN_PERIOD, pattern, pattern_byte};
pub use request::{MAX_BODY, MAX_HEAD, MAX_HEADERS};

/// How long the accept loop pauses after an error such as "too many open files", so it
/// does not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// A bound, not yet running server. [`spawn`](Server::spawn) it, or `.await` [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    address: SocketAddr,
    counters: Rc<Counters>,
    /// Set by [`Server::bind_tls`]: every connection starts with this handshake.
    tls: Option<TlsAcceptor>,
}

/// The server's counters at one moment, as plain data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Connections accepted since the server started.
    pub accepted: u64,
    /// Connections open right now: accepted, and not yet seen closed by the server. A
    /// connection the client closed while the server was busy with it (in `/delay`, say)
    /// counts until the server next reads or writes it.
    pub open_connections: usize,
    /// The most connections that were open at the same time.
    pub max_open_connections: usize,
    /// Request heads received (including those answered with an error status).
    pub requests: u64,
}

/// The live counters behind [`ServerStats`], shared by the server, its handle and every
/// connection task. `Cell`s, not atomics: everything runs on the loop's one thread.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    accepted: Cell<u64>,
    open: Cell<usize>,
    max_open: Cell<usize>,
    pub(crate) requests: Cell<u64>,
}

impl Counters {
    fn snapshot(&self) -> ServerStats {
        ServerStats {
            accepted: self.accepted.get(),
            open_connections: self.open.get(),
            max_open_connections: self.max_open.get(),
            requests: self.requests.get(),
        }
    }
}

impl Server {
    /// Binds to `address` (port 0 picks a free port) and listens. Must be called inside a
    /// ripple runtime, whose loop will serve the connections.
    pub fn bind(address: SocketAddr) -> io::Result<Server> {
        Server::from_listener(TcpListener::bind(address)?)
    }

    /// Serves on a socket that is already bound and listening: the way to choose its
    /// options. `bind` listens with a backlog of 128 (std's and mio's), and a client that
    /// opens more connections than that at once sees its extra SYNs dropped and retried a
    /// second later; a test or bench that needs more creates the socket itself (socket2)
    /// with a longer backlog. Must be called inside a ripple runtime.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<Server> {
        Server::from_listener(TcpListener::from_std(listener)?)
    }

    fn from_listener(listener: TcpListener) -> io::Result<Server> {
        let address = listener.local_addr()?;
        Ok(Server {
            listener,
            address,
            counters: Rc::default(),
            tls: None,
        })
    }

    /// Like [`bind`](Self::bind), but each connection first runs the TLS handshake with
    /// `acceptor` (`tls/acceptor.rs`), then the same routes are served over it: https.
    /// A failed handshake only ends that connection.
    #[cfg(feature = "tls")]
    pub fn bind_tls(address: SocketAddr, acceptor: TlsAcceptor) -> io::Result<Server> {
        let mut server = Server::bind(address)?;
        server.tls = Some(acceptor);
        Ok(server)
    }

    /// The address the server listens on, with the real port if 0 was asked for.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// The URL of `path` on this server, e.g. `http://127.0.0.1:40123/delay/10` (`https`
    /// after [`bind_tls`](Self::bind_tls)).
    pub fn url(&self, path: &str) -> String {
        url(self.scheme(), self.address, path)
    }

    fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// The counters so far (all zero until the server runs).
    pub fn stats(&self) -> ServerStats {
        self.counters.snapshot()
    }

    /// Starts the accept loop as a task on the current runtime. The server runs until the
    /// handle is dropped or [`ServerHandle::shutdown`] is called.
    pub fn spawn(self) -> ServerHandle {
        let address = self.address;
        let scheme = self.scheme();
        let counters = Rc::clone(&self.counters);
        let task = spawn_named("server: accept", self.run());
        ServerHandle {
            task,
            address,
            scheme,
            counters,
        }
    }

    /// Runs the accept loop in the current task, forever; dropping the future stops the
    /// server and closes every connection it opened. The `serve` binary's main loop.
    pub async fn run(self) {
        // Dropped with this future: cancels the connection tasks.
        let mut connections = ConnectionTasks::default();
        loop {
            let stream = match self.listener.accept().await {
                Ok((stream, _peer)) => stream,
                Err(e) if is_per_connection(&e) => continue,
                Err(_) => {
                    // Out of file descriptors or memory: wait for some to be freed.
                    sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            };
            // Small responses must leave at once, not wait for Nagle's ACK.
            let _ = stream.set_nodelay(true);
            // A client that closes a connection and at once opens another: the end of
            // the old one was seen by the same `epoll_wait`, and its task is queued. Let it
            // run first, so the two are never counted open together. (Measured: 3,000
            // close-then-connect rounds from another process reached 2 open without this
            // yield, 1 with it.)
            yield_now().await;
            let open = connections.open(Rc::clone(&self.counters));
            let key = open.key;
            let counters = Rc::clone(&self.counters);
            let tls = self.tls.clone();
            let task = spawn_named("server: connection", async move {
                // The error only says how the connection ended; the server goes on.
                let _ = match tls {
                    None => connection::serve(stream, &counters).await,
                    Some(acceptor) => serve_tls(&acceptor, stream, &counters).await,
                };
                drop(open);
            });
            // INVARIANT (OpenConnection, own entry): `spawn` does not poll, so the task
            // cannot have ended (and removed its entry) before this insert.
            connections.tasks.borrow_mut().insert(key, task);
        }
    }
}

/// Serves HTTP/1.1 on an already connected `stream` of any kind until it closes, with the
/// same routes as [`Server`]: the seam for other transports. [`Server::bind_tls`] uses it
/// with a `TlsStream`; a test may hand it any [`AsyncRead`] + [`AsyncWrite`]. The error
/// says how the connection ended (usually: the client went away).
pub async fn serve_connection<S: AsyncRead + AsyncWrite>(stream: S) -> io::Result<()> {
    connection::serve(stream, &Counters::default()).await
}

/// The TLS handshake, then HTTP over the encrypted stream.
#[cfg(feature = "tls")]
async fn serve_tls(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    counters: &Counters,
) -> io::Result<()> {
    let stream = acceptor.accept(stream).await?;
    connection::serve(stream, counters).await
}

#[cfg(not(feature = "tls"))]
async fn serve_tls(acceptor: &TlsAcceptor, _: TcpStream, _: &Counters) -> io::Result<()> {
    match *acceptor {}
}

/// A running server. Dropping it stops the server, as [`shutdown`](Self::shutdown) does.
pub struct ServerHandle {
    task: JoinHandle<()>,
    address: SocketAddr,
    scheme: &'static str,
    counters: Rc<Counters>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// The URL of `path` on this server, e.g. `http://127.0.0.1:40123/delay/10`.
    pub fn url(&self, path: &str) -> String {
        url(self.scheme, self.address, path)
    }

    /// The counters right now.
    pub fn stats(&self) -> ServerStats {
        self.counters.snapshot()
    }

    /// Stops accepting and closes every open connection, at once: their tasks are
    /// cancelled and their sockets dropped. The counters stay readable.
    pub fn shutdown(&self) {
        self.task.cancel();
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerHandle")
            .field("address", &self.address)
            .field("stats", &self.stats())
            .finish()
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.address)
            .finish()
    }
}

fn url(scheme: &str, address: SocketAddr, path: &str) -> String {
    let slash = if path.starts_with('/') { "" } else { "/" };
    format!("{scheme}://{address}{slash}{path}")
}

/// Errors of `accept` that concern only the connection being accepted.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// The connection tasks of one accept loop, by key, so that stopping the loop can cancel
/// them. A task removes its own entry when it ends.
#[derive(Default)]
struct ConnectionTasks {
    tasks: Rc<RefCell<HashMap<u64, JoinHandle<()>>>>,
    next_key: u64,
}

impl ConnectionTasks {
    /// Counts a newly accepted connection and gives it a key.
    fn open(&mut self, counters: Rc<Counters>) -> OpenConnection {
        let key = self.next_key;
        self.next_key += 1;
        counters.accepted.set(counters.accepted.get() + 1);
        let open = counters.open.get() + 1;
        counters.open.set(open);
        counters.max_open.set(counters.max_open.get().max(open));
        OpenConnection {
            counters,
            tasks: Rc::clone(&self.tasks),
            key,
        }
    }
}

impl Drop for ConnectionTasks {
    fn drop(&mut self) {
        // Collected first: a cancelled task's `OpenConnection` touches the map as it drops.
        let tasks: Vec<JoinHandle<()>> = self.tasks.borrow_mut().drain().map(|(_, t)| t).collect();
        for task in tasks {
            task.cancel();
        }
    }
}

/// One open connection, counted from accept until its task ends or is cancelled.
///
/// # Invariants
/// - `Counters::open` is the number of live `OpenConnection`s: `ConnectionTasks::open`
///   adds one, `drop` takes it away. The value lives inside the connection's task from
///   before it is spawned, so a task cancelled before its first poll still gives its
///   count back.
/// - The entry `key` in `tasks` is this connection's own task handle, inserted right
///   after `spawn` and removed only here or by `ConnectionTasks::drop`.
struct OpenConnection {
    counters: Rc<Counters>,
    tasks: Rc<RefCell<HashMap<u64, JoinHandle<()>>>>,
    key: u64,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.counters.open.set(self.counters.open.get() - 1);
        // Busy only while `ConnectionTasks::drop` drains the map, which removes us anyway.
        if let Ok(mut tasks) = self.tasks.try_borrow_mut() {
            // Detaches our own handle: the task ends with this drop.
            tasks.remove(&self.key);
        }
    }
}
