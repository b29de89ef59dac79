//! Opening a connection: DNS, then TCP, then (for https) TLS, under one connect budget.
//!
//! The host name goes to the runtime's resolver (`getaddrinfo` on the blocking pool; a
//! literal IP skips it); each address is tried in the resolver's order until one accepts;
//! `TCP_NODELAY` is set, since HTTP writes a head and waits for an answer; and for https
//! the TLS handshake runs over the new socket, checking the certificate against the
//! session's roots and the URL's host. Each step runs under the request's deadlines, so a
//! timeout names the step it cut short, and each failure maps to the `Error` variant a user
//! can act on: `Dns`, `Connect` or `Tls`.
//!
//! Path: `session.rs` calls [`connect`] for a lease without a connection ->
//! `ripple_reactor::resolve`, `TcpStream::connect`, `tls/stream.rs`.

use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

use ripple_reactor::time::now;
use ripple_reactor::{AsyncRead, AsyncWrite, TcpStream, resolve};

use crate::error::{Error, Phase, Result};
use crate::timeout::ConnectDeadlines;
use crate::tls::{TlsConfig, TlsStream};
use crate::url::Url;

/// A connection's byte stream: plain TCP, or TLS over TCP.
pub enum Stream {
    /// `http://`
    Plain(TcpStream),
    /// `https://`; boxed because a TLS session is large and most of its life is idle.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// Reads without waiting (`WouldBlock` if nothing is there); the pool uses it to see
    /// whether an idle connection was closed by the server.
    pub fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(stream) => stream.try_read(buf),
            Stream::Tls(stream) => stream.try_read(buf),
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self {
            Stream::Plain(stream) => stream.poll_read(cx, buf),
            Stream::Tls(stream) => stream.poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Stream::Plain(stream) => stream.poll_write(cx, buf),
            Stream::Tls(stream) => stream.poll_write(cx, buf),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Plain(stream) => stream.poll_flush(cx),
            Stream::Tls(stream) => stream.poll_flush(cx),
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Plain(stream) => stream.poll_close(cx),
            Stream::Tls(stream) => stream.poll_close(cx),
        }
    }
}

/// How long each step of opening a connection took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectTimings {
    /// Resolving the host name (zero for a literal IP).
    pub dns: Duration,
    /// The TCP handshake.
    pub tcp: Duration,
    /// The TLS handshake (`None` for plain http).
    pub tls: Option<Duration>,
}

/// Opens a connection to `url`'s host and port.
pub async fn connect(
    url: &Url,
    tls: &TlsConfig,
    deadlines: &ConnectDeadlines,
) -> Result<(Stream, ConnectTimings)> {
    let host = url.host();
    let port = url.port();
    let started = now();
    let addresses = deadlines
        .run(Phase::Dns, async {
            resolve(host, port).await.map_err(|source| Error::Dns {
                host: host.to_owned(),
                source,
            })
        })
        .await?;
    let resolved = now();
    let tcp = deadlines
        .run(Phase::Connect, connect_first(url, &addresses))
        .await?;
    let connected = now();
    let mut timings = ConnectTimings {
        dns: resolved - started,
        tcp: connected - resolved,
        tls: None,
    };
    if !url.is_https() {
        return Ok((Stream::Plain(tcp), timings));
    }
    let stream = deadlines
        .run(Phase::TlsHandshake, async {
            TlsStream::connect(tls, host, tcp)
                .await
                .map_err(|source| Error::Tls {
                    host: host.to_owned(),
                    source,
                })
        })
        .await?;
    timings.tls = Some(now() - connected);
    Ok((Stream::Tls(Box::new(stream)), timings))
}

/// Tries each address in turn; the error is the last one's.
async fn connect_first(url: &Url, addresses: &[std::net::SocketAddr]) -> Result<TcpStream> {
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    for &address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                // Best effort: a socket that refuses the option still works.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(error) => last_error = error,
        }
    }
    Err(Error::Connect {
        address: format!("{}:{}", url.host(), url.port()),
        source: last_error,
    })
}
