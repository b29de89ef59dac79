//! ripple-http: a tiny but honest HTTP/1.1 client, and a small server, on ripple's runtime.
//!
//! ```no_run
//! # ripple_reactor::run(async {
//! let session = ripple_http::Session::new();
//! let response = session.get("http://127.0.0.1:8080/").send().await?;
//! println!("{} {}", response.status(), response.text().await?.len());
//! # Ok::<(), ripple_http::Error>(())
//! # });
//! ```
//!
//! A [`Session`] is aiohttp's `ClientSession`: one per program, shared by reference. It
//! keeps keep-alive connections in a pool (100 at most by default, optionally fewer per
//! host; the rest wait in line), sends cookies back, follows redirects, checks TLS
//! certificates, and bounds every request by a [`ClientTimeout`] whose errors name the
//! limit and the phase. [`Session::stats`] and [`Response::timings`] are plain numbers.
//!
//! # Map of the crate
//!
//! - `session/`: [`Session`], [`SessionBuilder`] (`mod.rs`); one exchange, step by step
//!   (`exchange.rs`).
//! - `request.rs`: [`RequestBuilder`]: headers, body, timeout; `send()` and the redirects.
//! - `pool/`: idle connections per (scheme, host, port), limits, FIFO waiters, leases.
//! - `connect.rs`: DNS, TCP and TLS under the connect budget.
//! - `conn.rs`: one HTTP/1.1 connection: write a request, read a head, read a body.
//! - `response.rs`: [`Response`]: status, headers, `bytes()`, `text()`, `chunk()`, timings.
//! - `timeout.rs`: [`ClientTimeout`], and which limit applies in which phase.
//! - `wire/`: the HTTP/1.1 bytes, without I/O: heads out and in, framing, body decoding.
//! - `tls/`: rustls over ripple's own streams, client and server (the `tls` feature, on
//!   by default; without it the crate has no rustls and refuses https URLs).
//! - `url/`, `cookies/`, `error.rs`: [`Url`], [`CookieJar`], [`Error`].
//! - `server/`: the example server the demos, tests and bench use as the internet.
//!
//! # The walk of one `session.get(url).send().await`
//!
//! 1. `request.rs` `RequestBuilder::send` (the URL was parsed by `Session::get`) starts
//!    the deadlines (`timeout.rs`) and calls `Session::execute` in `session/exchange.rs`.
//! 2. `pool/` `Pool::checkout` hands back a `Lease`: an idle connection, or the right
//!    to open one (or the request waits in line for one).
//! 3. For a new connection, `connect.rs` `connect` resolves the name (on the runtime's
//!    blocking pool), opens a `ripple_reactor::TcpStream`, and for https runs the
//!    handshake in `tls/stream.rs`.
//! 4. `conn.rs` `Conn::send` writes the head built by `wire/request_head.rs`;
//!    `Conn::read_head` reads until `wire/response_head.rs`'s parser has a whole head. Each
//!    read goes down to `ripple_reactor`'s `TcpStream::poll_read`, which parks the task in
//!    the reactor on `WouldBlock`; the loop's `epoll_wait` wakes it when bytes arrive.
//! 5. `session/exchange.rs` wraps head and lease in a `Response` (`response.rs`); `bytes()`
//!    then reads the body through `wire/body.rs`'s decoder, and hands the lease back to the
//!    pool.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod conn;
mod connect;
pub mod cookies;
pub mod error;
pub mod pool;
mod request;
mod response;
pub mod server;
mod session;
pub mod timeout;
#[cfg(feature = "tls")]
pub mod tls;
pub mod url;
pub mod wire;

pub use cookies::CookieJar;
pub use error::{Error, Limit, Phase, Result, TimeoutKind};
pub use request::RequestBuilder;
pub use response::{Response, Timings};
pub use session::{Session, SessionBuilder};
pub use timeout::ClientTimeout;
pub use url::Url;
pub use wire::Headers;

/// Whether this build can speak https: the `tls` feature (on by default) is enabled.
pub const TLS_ENABLED: bool = cfg!(feature = "tls");
