//! TLS for the client and the example server: rustls over ripple's own streams.
//!
//! rustls is a state machine that does no I/O: it turns records into plaintext and back,
//! and says when it wants bytes read or written. This module connects it to ripple's
//! `AsyncRead`/`AsyncWrite`, without tokio-rustls or futures:
//!
//! - `config.rs`   [`TlsConfig`]: trusted roots (webpki-roots by default, a private CA on
//!   request), ALPN `http/1.1`, and the loudly named opt-out of certificate checks;
//! - `stream.rs`   [`TlsStream`]: the handshake, then reads and writes through rustls; the
//!   invariants that keep a task from hanging live there;
//! - `acceptor.rs` [`TlsAcceptor`]: the server's handshake, for tests and the example server.
//!
//! # Errors, and what the HTTP layer makes of them
//!
//! Everything here returns `io::Error`, since it sits under `AsyncRead`/`AsyncWrite`. When
//! rustls itself refuses something the kind is `InvalidData` and the `rustls::Error` is the
//! source (see [`rustls_error`]); its `Display` is the reason a user needs, e.g.
//! "invalid peer certificate: UnknownIssuer". The client maps:
//!
//! - any error of [`TlsStream::connect`] -> `Error::Tls { host, source }`: a rejected
//!   certificate or name (`InvalidData`), but also a peer that closes or resets during the
//!   handshake (`UnexpectedEof`, `ConnectionReset`), the usual sign of a port that does not
//!   speak TLS. The handshake is cancelled by dropping it, so the connect timeout wraps it
//!   and reports `Timeout { which: Connect, phase: TlsHandshake }`.
//! - after the handshake, `Ok(0)` (the server's close_notify) is the end of the stream, as
//!   a TCP FIN is on plain http.
//! - `UnexpectedEof` (a TCP EOF without close_notify) is rustls's warning that the data
//!   might have been cut short by someone on the path. Decision: where the HTTP framing
//!   marks the end (Content-Length, chunked), the client stops reading at that end and never
//!   sees what follows, so an unclean close *after* a complete body changes nothing and the
//!   connection is merely not reused; *before* the end it is `Error::ServerDisconnected`,
//!   exactly like a FIN there. For a read-until-close body the EOF is the framing itself and
//!   many servers skip close_notify, so the client accepts `UnexpectedEof` as the end of
//!   such a body, as Python's `ssl` does by default (`suppress_ragged_eofs=True`); this
//!   trusts the network the same way plain http does.
//! - any other error after the handshake (`InvalidData`: a corrupt record or a fatal alert;
//!   a reset) -> `Error::Io { phase, source }`, the source naming rustls's reason.
//!
//! Path: `connect.rs` calls [`TlsStream::connect`] -> `conn.rs` reads and writes the
//! `TlsStream` -> `net/tcp.rs`.

mod acceptor;
mod config;
mod stream;

use std::io;

pub use acceptor::TlsAcceptor;
pub use config::TlsConfig;
pub use stream::TlsStream;

/// The rustls crate this module is built on, for its types (`rustls::Error`,
/// `pki_types::CertificateDer`, `ServerConfig`, ...) without a direct dependency.
pub use rustls;

/// The rustls error behind an `io::Error` of this module, if rustls is the one that said no:
/// a certificate it does not trust, a wrong name, an alert from the peer.
pub fn rustls_error(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}
