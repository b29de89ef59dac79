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
//! Path: `session/exchange.rs` calls [`connect`] for a lease without a connection ->
//! `ripple_reactor::resolve`, `TcpStream::connect`, `tls/stream.rs`.

use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

use ripple_reactor::time::now;
use ripple_reactor::{AsyncRead, AsyncWrite, TcpStream, resolve};

use crate::error::{Error, Phase, Result};
use crate::timeout::ConnectDeadlines;
#[cfg(feature = "tls")]
use crate::tls::{TlsConfig, TlsStream};
use crate::url::Url;

/// What a session hands [`connect`] for https: its TLS settings, or nothing in a build
/// without the `tls` feature.
#[cfg(feature = "tls")]
pub type TlsSettings = TlsConfig;
/// What a session hands [`connect`] for https: its TLS settings, or nothing in a build
/// without the `tls` feature.
#[cfg(not(feature = "tls"))]
pub type TlsSettings = ();

/// A connection's byte stream: plain TCP, or TLS over TCP.
pub enum Stream {
    /// `http://`
    Plain(TcpStream),
    /// `https://`; boxed because a TLS session is large and most of its life is idle.
    #[cfg(feature = "tls")]
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// Reads without waiting (`WouldBlock` if nothing is there); the pool uses it to see
    /// whether an idle connection was closed by the server.
    pub fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(stream) => stream.try_read(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(stream) => stream.try_read(buf),
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self {
            Stream::Plain(stream) => stream.poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Stream::Tls(stream) => stream.poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Stream::Plain(stream) => stream.poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Stream::Tls(stream) => stream.poll_write(cx, buf),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Plain(stream) => stream.poll_flush(cx),
            #[cfg(feature = "tls")]
            Stream::Tls(stream) => stream.poll_flush(cx),
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Plain(stream) => stream.poll_close(cx),
            #[cfg(feature = "tls")]
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
    tls: &TlsSettings,
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
        .run(Phase::TlsHandshake, start_tls(tls, host, tcp))
        .await?;
    timings.tls = Some(now() - connected);
    Ok((stream, timings))
}

/// The TLS handshake over a new TCP connection, checked against `tls`'s roots and `host`.
#[cfg(feature = "tls")]
async fn start_tls(tls: &TlsConfig, host: &str, tcp: TcpStream) -> Result<Stream> {
    match TlsStream::connect(tls, host, tcp).await {
        Ok(stream) => Ok(Stream::Tls(Box::new(stream))),
        Err(source) => Err(Error::Tls {
            host: host.to_owned(),
            source,
        }),
    }
}

/// A build without the `tls` feature has no TLS: an https URL fails here, saying why.
#[cfg(not(feature = "tls"))]
async fn start_tls(_tls: &(), host: &str, _tcp: TcpStream) -> Result<Stream> {
    Err(Error::Tls {
        host: host.to_owned(),
        source: io::Error::new(
            io::ErrorKind::Unsupported,
            "https needs ripple-http's `tls` feature, which this build leaves out",
        ),
    })
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

#[cfg(all(test, not(feature = "tls")))]
mod tests {
    use crate::server::Server;
    use crate::{Error, Session};

    #[test]
    fn without_the_tls_feature_an_https_url_fails_saying_why() {
        ripple_reactor::run(async {
            // A listener, so the TCP step succeeds and the failure is TLS's alone.
            let server = Server::bind("127.0.0.1:0".parse().unwrap())
                .unwrap()
                .spawn();
            let https = format!("https://{}/", server.local_addr());
            let error = Session::new().get(&https).send().await.unwrap_err();
            assert!(matches!(&error, Error::Tls { host, .. } if host == "127.0.0.1"));
            assert!(error.to_string().contains("`tls` feature"), "{error}");
            // Plain http is unaffected.
            let response = Session::new().get(&server.url("/")).send().await.unwrap();
            assert_eq!(response.status(), 200);
        });
    }
}
