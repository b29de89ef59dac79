//! `Error`: every way a request can fail, one variant per thing a caller must tell apart.
//!
//! A caller wants to know *what* went wrong (a bad URL is a bug in the caller; a refused
//! connection is a dead server; a timeout may be worth a retry) and *where* (a timeout
//! while waiting for a pool slot is a different problem from one while reading the body).
//! So the variants follow what a user must decide, and the ones that can happen at several
//! points of a request carry the [`Phase`] they happened in. Each keeps its cause as
//! `source()`, so `{:#}`-style chains show the OS or rustls reason.
//!
//! Path: every module of the client returns these -> the caller of `send()`.

use std::fmt;
use std::io;
use std::time::Duration;

/// A request's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in its life a request was when something went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Waiting for a connection slot in the pool.
    Queued,
    /// Resolving the host name.
    Dns,
    /// Opening the TCP connection.
    Connect,
    /// The TLS handshake.
    TlsHandshake,
    /// Writing the request.
    Sending,
    /// Waiting for (or reading) the response's status line and headers.
    WaitingForHead,
    /// Reading the response body.
    ReadingBody,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Queued => "waiting for a pool slot",
            Phase::Dns => "resolving the host name",
            Phase::Connect => "connecting",
            Phase::TlsHandshake => "in the TLS handshake",
            Phase::Sending => "sending the request",
            Phase::WaitingForHead => "waiting for the response head",
            Phase::ReadingBody => "reading the response body",
        })
    }
}

/// Which limit of a [`ClientTimeout`](crate) fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeoutKind {
    /// The whole request, from the call to the last byte of the body.
    Total,
    /// Getting a connection: DNS, TCP and TLS.
    Connect,
    /// The longest wait for any bytes from the server.
    SockRead,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Total => "total",
            TimeoutKind::Connect => "connect",
            TimeoutKind::SockRead => "sock_read",
        })
    }
}

/// Which size limit a response broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// The bytes of the status line and headers together.
    HeadSize,
    /// The number of header lines.
    HeaderCount,
    /// The bytes of the body.
    BodySize,
    /// A chunk-size line or a single chunk of a chunked body.
    ChunkSize,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::HeadSize => "header block size",
            Limit::HeaderCount => "header count",
            Limit::BodySize => "body size",
            Limit::ChunkSize => "chunk size",
        })
    }
}

/// Everything that can go wrong with a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The URL cannot be requested: wrong scheme, no host, bad port, bad characters.
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The host name did not resolve.
    Dns {
        /// The name looked up.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// No TCP connection could be made (refused, unreachable, reset during connect).
    Connect {
        /// `host:port` as requested.
        address: String,
        /// The OS error of the last address tried.
        source: io::Error,
    },
    /// The TLS handshake failed: an untrusted or expired certificate, a wrong host name,
    /// no common protocol version. The source is rustls's reason.
    Tls {
        /// The host name the certificate was checked against.
        host: String,
        /// rustls's error, wrapped in an `io::Error`.
        source: io::Error,
    },
    /// A time limit fired.
    Timeout {
        /// Which limit.
        which: TimeoutKind,
        /// Where the request was when it fired.
        phase: Phase,
        /// The limit's value.
        after: Duration,
    },
    /// The server closed the connection before the response was complete.
    ServerDisconnected {
        /// Where the request was.
        phase: Phase,
    },
    /// The server sent something that is not HTTP/1.1 (a garbage status line, a bad
    /// chunk size, a body shorter or longer than its Content-Length says).
    Protocol {
        /// Where the request was.
        phase: Phase,
        /// What was wrong.
        reason: String,
    },
    /// A response broke a size limit.
    TooLarge {
        /// Which limit.
        limit: Limit,
        /// Its value.
        max: u64,
    },
    /// The response's status was 4xx or 5xx and the caller asked for that to be an error
    /// (`error_for_status`).
    Status {
        /// The status code.
        code: u16,
        /// The URL that answered it.
        url: String,
    },
    /// More redirects than the session allows.
    TooManyRedirects {
        /// The limit.
        max: usize,
        /// The last URL redirected to.
        url: String,
    },
    /// The request itself cannot be sent: a header name or value with a forbidden
    /// character (CR, LF, NUL: header injection), an invalid method, or a framing header
    /// (`Content-Length`, `Transfer-Encoding`) that the client writes itself. A bug in the
    /// caller, like [`Error::InvalidUrl`]; nothing was sent.
    InvalidRequest {
        /// What is wrong with it.
        reason: String,
    },
    /// The session was given settings it cannot use (e.g. a root certificate file that
    /// holds no certificate). Reported when the session is built.
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// Any other I/O error on an established connection (a reset, a broken pipe).
    Io {
        /// Where the request was.
        phase: Phase,
        /// The OS error.
        source: io::Error,
    },
}

impl Error {
    /// A short name for the kind of failure, for summaries and logs
    /// (`"timeout"`, `"connect"`, `"tls"`, ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } => "invalid_url",
            Error::Dns { .. } => "dns",
            Error::Connect { .. } => "connect",
            Error::Tls { .. } => "tls",
            Error::Timeout { .. } => "timeout",
            Error::ServerDisconnected { .. } => "server_disconnected",
            Error::Protocol { .. } => "protocol",
            Error::TooLarge { .. } => "too_large",
            Error::Status { .. } => "status",
            Error::TooManyRedirects { .. } => "too_many_redirects",
            Error::InvalidRequest { .. } => "invalid_request",
            Error::InvalidConfig { .. } => "invalid_config",
            Error::Io { .. } => "io",
        }
    }

    /// Whether this is a timeout (of any kind).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// A shorthand for building an [`Error::InvalidUrl`].
    pub fn invalid_url(url: &str, reason: impl Into<String>) -> Error {
        Error::InvalidUrl {
            url: url.to_owned(),
            reason: reason.into(),
        }
    }

    /// A shorthand for building an [`Error::Protocol`].
    pub fn protocol(phase: Phase, reason: impl Into<String>) -> Error {
        Error::Protocol {
            phase,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl { url, reason } => write!(f, "invalid URL {url:?}: {reason}"),
            Error::Dns { host, source } => write!(f, "cannot resolve {host}: {source}"),
            Error::Connect { address, source } => {
                write!(f, "cannot connect to {address}: {source}")
            }
            Error::Tls { host, source } => write!(f, "TLS handshake with {host} failed: {source}"),
            Error::Timeout {
                which,
                phase,
                after,
            } => {
                write!(f, "{which} timeout of {after:?} fired while {phase}")
            }
            Error::ServerDisconnected { phase } => {
                write!(f, "server closed the connection while {phase}")
            }
            Error::Protocol { phase, reason } => {
                write!(f, "invalid HTTP response ({phase}): {reason}")
            }
            Error::TooLarge { limit, max } => {
                write!(f, "response exceeds the {limit} limit of {max}")
            }
            Error::Status { code, url } => write!(f, "HTTP status {code} from {url}"),
            Error::TooManyRedirects { max, url } => {
                write!(f, "more than {max} redirects (last one to {url})")
            }
            Error::InvalidRequest { reason } => write!(f, "invalid request: {reason}"),
            Error::InvalidConfig { reason } => write!(f, "invalid session settings: {reason}"),
            Error::Io { phase, source } => write!(f, "I/O error while {phase}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Dns { source, .. }
            | Error::Connect { source, .. }
            | Error::Tls { source, .. }
            | Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_names_its_limit_and_phase() {
        let error = Error::Timeout {
            which: TimeoutKind::SockRead,
            phase: Phase::ReadingBody,
            after: Duration::from_millis(250),
        };
        assert_eq!(
            error.to_string(),
            "sock_read timeout of 250ms fired while reading the response body"
        );
        assert!(error.is_timeout());
        assert_eq!(error.kind_name(), "timeout");
    }

    #[test]
    fn io_causes_are_kept_as_source() {
        let error = Error::Connect {
            address: "127.0.0.1:1".into(),
            source: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        let source = std::error::Error::source(&error).expect("a source");
        assert!(source.to_string().contains("refused"), "{source}");
    }
}
