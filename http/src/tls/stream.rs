//! `TlsStream`: TLS over any ripple stream, by pumping bytes between the socket and rustls.
//!
//! rustls does no I/O of its own. A `rustls::Connection` takes ciphertext in (`read_tls`),
//! decrypts it (`process_new_packets`) and hands plaintext out (`reader()`); plaintext goes
//! in through `writer()`, and the records to send come out of `write_tls`. This file moves
//! those bytes between the connection and the inner stream's `poll_read`/`poll_write`.
//! [`SyncIo`] lends rustls the inner stream together with the task's `Context` as a plain
//! `std::io::Read + Write`: a `Pending` of the inner stream becomes `WouldBlock` on the way
//! into rustls, and `WouldBlock` becomes `Pending` again on the way out.
//!
//! # Invariants
//! - **No lost wake.** Every `Poll::Pending` returned from this file comes from a
//!   `WouldBlock` of [`SyncIo`], that is from a `Pending` of the inner stream, which parked
//!   the task's waker on the socket. No branch decides "not yet" on its own. (Test: every
//!   transfer in `tests/tls.rs` finishes; a lost wake would hang it.)
//! - **Out before in.** Whenever rustls holds records to send (our handshake flight, the
//!   reply to a key update, an alert, plaintext the caller wrote but did not flush), a read
//!   first tries to send them: the peer may be waiting for them before it says anything.
//!   A full socket does not stop the read, though: both wakers are parked and the read goes
//!   on, or two peers each waiting for the other to read would deadlock
//!   (test: `a_full_duplex_echo_of_several_megabytes_does_not_deadlock`).
//! - **Bounded buffering.** rustls keeps at most 64 KiB of records to send; `poll_write`
//!   takes plaintext only while there is room, so a slow peer slows the writer down
//!   (test: `a_writer_is_held_back_by_a_peer_that_does_not_read_then_resumes`).
//! - **Two ends of stream.** A peer's `close_notify` reads as `Ok(0)`: a clean end. A TCP EOF
//!   without one reads as an error of kind `UnexpectedEof` once all data has been read
//!   (rustls's rule, kept: it may be a truncation). See the module docs of `tls` for what the
//!   HTTP layer makes of it (tests: `close_notify_reads_as_a_clean_end_of_stream`,
//!   `a_tcp_close_without_close_notify_is_an_unexpected_eof_not_a_hang`).
//!
//! Path: `conn.rs` reads and writes here -> `net/tcp.rs` (`TcpStream::poll_read`/`poll_write`).

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::task::{Context, Poll, Waker, ready};

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, Connection, ProtocolVersion, ServerConnection};

use ripple_reactor::{AsyncRead, AsyncWrite};

use crate::tls::TlsConfig;

/// A TLS connection over the stream `S` (a [`TcpStream`](ripple_reactor::TcpStream) in
/// practice): either end, client ([`TlsStream::connect`]) or server
/// ([`TlsAcceptor::accept`](super::TlsAcceptor::accept)). It reads and writes plaintext
/// through ripple's [`AsyncRead`] and [`AsyncWrite`].
///
/// One type for both ends, not two: `rustls::Connection` already is "a client or a server
/// connection", and offers every call the glue needs.
///
/// Writes are buffered, as with a `BufWriter`: `poll_write` may return before the bytes
/// reached the socket. [`flush`](ripple_reactor::AsyncWriteExt::flush) pushes them out; so
/// does the next read, so a request followed by a wait for its response never hangs on
/// unsent bytes.
pub struct TlsStream<S> {
    stream: S,
    tls: Connection,
}

impl<S: AsyncRead + AsyncWrite> TlsStream<S> {
    /// Runs the client handshake over `stream`: sends SNI for `server_name`, checks the
    /// server's certificate against `config`'s roots and against `server_name`, offers ALPN
    /// `http/1.1`. `server_name` may be a DNS name or an IP address (`127.0.0.1`, `::1`, or
    /// `[::1]` as in a URL); for an address no SNI is sent and the certificate must name
    /// the address.
    ///
    /// Errors: `InvalidInput` for a `server_name` that is neither; `InvalidData` when rustls
    /// refuses the handshake (its `rustls::Error` is the source: see
    /// [`rustls_error`](super::rustls_error)); `UnexpectedEof` when the peer closes before
    /// the handshake ends; the inner stream's errors as they are.
    ///
    /// Cancel it by dropping it (e.g. from `timeout`): the stream is dropped with it.
    pub async fn connect(
        config: &TlsConfig,
        server_name: &str,
        stream: S,
    ) -> io::Result<TlsStream<S>> {
        let name = parse_server_name(server_name)?;
        let client = ClientConnection::new(config.client_config().clone(), name)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        TlsStream::handshake(stream, client.into()).await
    }

    /// The server's half of [`connect`](Self::connect), for `TlsAcceptor::accept`.
    pub(crate) async fn accept(stream: S, server: ServerConnection) -> io::Result<TlsStream<S>> {
        TlsStream::handshake(stream, server.into()).await
    }

    async fn handshake(stream: S, tls: Connection) -> io::Result<TlsStream<S>> {
        let mut this = TlsStream { stream, tls };
        poll_fn(|cx| this.poll_handshake(cx)).await?;
        Ok(this)
    }

    /// Reads without waiting: plaintext if some is there now, `Ok(0)` after the peer's
    /// close_notify, `UnexpectedEof` after a bare TCP close, `WouldBlock` otherwise.
    ///
    /// For the pool's check of an idle connection, where the inner stream's own `try_read`
    /// would swallow ciphertext and break the TLS session. It parks a no-op waker on the
    /// socket, which the next real read replaces.
    pub fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_read(&mut cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// Drives the handshake until rustls says it is over and its last flight (the client's
    /// Finished, the server's session tickets) has been sent.
    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.tls.is_handshaking() {
            // 1. Our flight first (ClientHello; later our Finished): the peer waits for it.
            let sent = self.poll_write_tls(cx)?;
            if !self.tls.wants_read() {
                // rustls reads nothing while its flight is unsent, so step 1 is Pending
                // and has parked us on writability (INVARIANT: no lost wake). With the
                // flight sent, only a close_notify from the peer stops it reading.
                if sent.is_pending() {
                    return Poll::Pending;
                }
                return Poll::Ready(Err(closed_during_handshake()));
            }
            // 2. The peer's flight.
            if ready!(self.poll_read_tls(cx))? == 0 {
                return Poll::Ready(Err(closed_during_handshake()));
            }
        }
        self.poll_write_tls(cx)
    }

    /// Sends every record rustls holds, until none is left or the socket is full.
    fn poll_write_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.tls.wants_write() {
            let mut io = SyncIo::new(&mut self.stream, cx);
            match self.tls.write_tls(&mut io) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(_) => {}
                // INVARIANT (no lost wake): WouldBlock here is the inner stream's Pending.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Reads one batch of records from the socket and decrypts it. `Ok(0)` at the socket's
    /// EOF (rustls notes it, and its reader then reports the end).
    fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut io = SyncIo::new(&mut self.stream, cx);
        let n = match self.tls.read_tls(&mut io) {
            Ok(n) => n,
            // INVARIANT (no lost wake): WouldBlock here is the inner stream's Pending.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        };
        if n > 0 {
            if let Err(error) = self.tls.process_new_packets() {
                // rustls queued an alert that tells the peer why. Send it if the socket
                // takes it right now; waiting for a peer we are dropping is not worth it.
                let _ = self.poll_write_tls(cx);
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, error)));
            }
        }
        Poll::Ready(Ok(n))
    }
}

impl<S> TlsStream<S> {
    /// The protocol ALPN settled on: `Some(b"http/1.1")`, or `None` if the peer did not
    /// take part in ALPN.
    pub fn negotiated_alpn(&self) -> Option<&[u8]> {
        self.tls.alpn_protocol()
    }

    /// The TLS version in use (`TLSv1_3` or `TLSv1_2`).
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.tls.protocol_version()
    }

    /// The rustls connection, for anything else (cipher suite, peer certificates).
    pub fn connection(&self) -> &Connection {
        &self.tls
    }

    /// The stream underneath, e.g. for its addresses.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream underneath, e.g. to set `TCP_NODELAY`. Reading or writing it directly
    /// would corrupt the TLS session.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }
}

impl<S: AsyncRead + AsyncWrite> AsyncRead for TlsStream<S> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            // 1. Plaintext rustls has already decrypted, or the end of the stream: `Ok(0)`
            //    after a close_notify, `UnexpectedEof` after a bare TCP EOF.
            match self.tls.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
            // 2. Out before in (INVARIANT): send what rustls holds. A full socket parks us
            //    on writability but does not stop the read.
            let _ = self.poll_write_tls(cx)?;
            // 3. More records. After the handshake rustls always takes more when it has no
            //    plaintext and saw no close_notify, which step 1 just established.
            ready!(self.poll_read_tls(cx))?;
        }
    }
}

impl<S: AsyncRead + AsyncWrite> AsyncWrite for TlsStream<S> {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // 1. Encrypt what fits in rustls's send buffer (0 bytes when it is full).
        let taken = self.tls.writer().write(buf)?;
        // 2. Push records toward the socket.
        let sent = self.poll_write_tls(cx)?;
        if taken > 0 {
            // Taken is taken, even if some records still wait: flush finishes the job.
            return Poll::Ready(Ok(taken));
        }
        if sent.is_pending() {
            // Buffer full and socket full: parked on writability (INVARIANT: no lost wake).
            return Poll::Pending;
        }
        // 3. The buffer was full and step 2 emptied it: now there is room. (If rustls still
        //    takes nothing, e.g. after close, say so with Ok(0) rather than loop.)
        Poll::Ready(Ok(self.tls.writer().write(buf)?))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_write_tls(cx))?;
        self.stream.poll_flush(cx)
    }

    /// Sends close_notify, then closes the inner stream's writing half. Polling it again
    /// after `Pending` does not queue a second close_notify (rustls sends it once).
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.tls.send_close_notify();
        ready!(self.poll_write_tls(cx))?;
        self.stream.poll_close(cx)
    }
}

impl<S: fmt::Debug> fmt::Debug for TlsStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.tls {
            Connection::Client(_) => "client",
            Connection::Server(_) => "server",
        };
        f.debug_struct("TlsStream")
            .field("side", &side)
            .field("version", &self.protocol_version())
            .field("alpn", &self.negotiated_alpn().map(String::from_utf8_lossy))
            .field("stream", &self.stream)
            .finish()
    }
}

/// The inner stream and the task's `Context`, lent to rustls as blocking-style I/O.
///
/// # Invariants
/// - `WouldBlock` from here means exactly "the inner stream returned `Pending`", so the task's
///   waker is parked. A `Ready(Err(WouldBlock))` from the inner stream (a broken stream:
///   ripple's say `Pending` instead) is turned into another error, so it cannot pass for a
///   parked waker and lose the wake.
struct SyncIo<'a, 'b, S> {
    stream: &'a mut S,
    cx: &'a mut Context<'b>,
}

impl<'a, 'b, S> SyncIo<'a, 'b, S> {
    fn new(stream: &'a mut S, cx: &'a mut Context<'b>) -> SyncIo<'a, 'b, S> {
        SyncIo { stream, cx }
    }
}

impl<S: AsyncRead> Read for SyncIo<'_, '_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        pending_to_would_block(self.stream.poll_read(self.cx, buf))
    }
}

impl<S: AsyncWrite> Write for SyncIo<'_, '_, S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        pending_to_would_block(self.stream.poll_write(self.cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        pending_to_would_block(self.stream.poll_flush(self.cx))
    }
}

fn pending_to_would_block<T>(poll: Poll<io::Result<T>>) -> io::Result<T> {
    match poll {
        Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::WouldBlock => Err(io::Error::other(
            "the stream under TLS returned WouldBlock instead of Pending",
        )),
        Poll::Ready(result) => result,
    }
}

fn closed_during_handshake() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the peer closed the connection during the TLS handshake",
    )
}

/// `example.com`, `127.0.0.1`, `::1` or `[::1]` (a URL's spelling of an IPv6 host).
fn parse_server_name(name: &str) -> io::Result<ServerName<'static>> {
    let bare = name
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(name);
    ServerName::try_from(bare.to_owned()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a DNS name or an IP address: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_are_dns_names_or_ip_addresses() {
        assert!(matches!(
            parse_server_name("example.com"),
            Ok(ServerName::DnsName(_))
        ));
        for ip in ["127.0.0.1", "::1", "[::1]"] {
            assert!(
                matches!(parse_server_name(ip), Ok(ServerName::IpAddress(_))),
                "{ip}"
            );
        }
        for bad in ["", "a b", "exa mple.com", "[example.com"] {
            let error = parse_server_name(bad).expect_err(bad);
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad}: {error}");
        }
    }

    #[test]
    fn a_stream_that_says_would_block_cannot_pass_for_a_parked_waker() {
        let error =
            pending_to_would_block::<usize>(Poll::Ready(Err(io::ErrorKind::WouldBlock.into())))
                .expect_err("an error");
        assert_ne!(error.kind(), io::ErrorKind::WouldBlock);
        let pending = pending_to_would_block::<usize>(Poll::Pending).expect_err("WouldBlock");
        assert_eq!(pending.kind(), io::ErrorKind::WouldBlock);
    }
}
