//! Writing a response by hand: the status line and headers, then the body in its framing.
//!
//! A route calls [`Responder::start`] with a status, adds headers, and either sends a
//! whole body at once ([`Responder::send`], one `write(2)` for a small response) or a
//! head ([`Responder::send_head`]) followed by pieces ([`Responder::send_body`]) and an
//! end ([`Responder::finish`]). The framing header (`Content-Length` or
//! `Transfer-Encoding: chunked`) and the `Connection` header are added here, from what
//! the request allowed, so no route can get them wrong.
//!
//! Rules kept here (RFC 9110 section 6.4.1, RFC 9112 section 6):
//! - a HEAD response has the same head as the GET response, and no body;
//! - 1xx, 204 and 304 responses have no body and no `Content-Length`;
//! - an HTTP/1.0 client cannot read chunks: its chunked body is sent as is, ended by
//!   closing the connection.
//!
//! Path: `routes.rs` and `faults.rs` write through a [`Responder`] -> the stream's
//! `poll_write` (`net/tcp.rs` in ripple-reactor).

use std::io::{self, Write};
use std::time::Duration;

use ripple_reactor::{AsyncWrite, AsyncWriteExt, sleep};

use crate::server::request::Request;

/// Bodies up to this size go out in the same `write` as the head.
const INLINE_BODY: usize = 16 * 1024;

/// How a response body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// `Content-Length: n`, then exactly n bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`: size-prefixed pieces, a last empty chunk, trailers.
    Chunked,
    /// No body at all (1xx, 204, 304).
    NoBody,
}

/// Writes one response (or, for faults, any bytes) to a connection's stream.
pub(crate) struct Responder<'a, S> {
    stream: &'a mut S,
    /// The head being built; reused from response to response by the connection.
    head: &'a mut Vec<u8>,
    head_only: bool,
    keep_alive: bool,
    http10: bool,
    /// Whether the body now being sent is chunked on the wire.
    chunked: bool,
    /// The status of the head being built.
    status: u16,
}

impl<'a, S: AsyncWrite> Responder<'a, S> {
    /// A responder for `request`, writing to `stream`; `head` is scratch space.
    pub fn new(stream: &'a mut S, head: &'a mut Vec<u8>, request: &Request) -> Self {
        Responder {
            stream,
            head,
            head_only: request.is_head(),
            keep_alive: request.wants_keep_alive(),
            http10: request.minor_version == 0,
            chunked: false,
            status: 0,
        }
    }

    /// Whether the connection may carry another request after this response.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// Whether body bytes are sent at all (not for a HEAD request).
    pub fn sends_body(&self) -> bool {
        !self.head_only
    }

    /// Begins a response: clears the head and writes its status line.
    pub fn start(&mut self, status: u16) -> &mut Self {
        self.head.clear();
        self.status = status;
        // Writing to a Vec cannot fail.
        let _ = write!(self.head, "HTTP/1.1 {status} {}\r\n", reason(status));
        self
    }

    /// Adds a header line. The value must not contain CR or LF (routes check input that
    /// ends up here).
    pub fn header(&mut self, name: &str, value: impl AsRef<[u8]>) -> &mut Self {
        self.head.extend_from_slice(name.as_bytes());
        self.head.extend_from_slice(b": ");
        self.head.extend_from_slice(value.as_ref());
        self.head.extend_from_slice(b"\r\n");
        self
    }

    /// Sends the head begun by [`start`](Self::start) with `body`, framed by
    /// `Content-Length`; small responses leave in one write.
    pub async fn send(&mut self, body: &[u8]) -> io::Result<()> {
        let framing = if has_no_body(self.status) {
            Framing::NoBody
        } else {
            Framing::Length(body.len() as u64)
        };
        self.end_head(framing);
        let body = if self.head_only || framing == Framing::NoBody {
            &[][..]
        } else {
            body
        };
        if body.len() <= INLINE_BODY {
            self.head.extend_from_slice(body);
            self.stream.write_all(self.head).await
        } else {
            self.stream.write_all(self.head).await?;
            self.stream.write_all(body).await
        }
    }

    /// Sends an interim (1xx) head, such as `100 Continue`; the final response follows.
    pub async fn send_interim(&mut self) -> io::Result<()> {
        self.head.extend_from_slice(b"\r\n");
        self.stream.write_all(self.head).await
    }

    /// Sends the head begun by [`start`](Self::start), announcing `framing`; the body
    /// follows with [`send_body`](Self::send_body) and [`finish`](Self::finish).
    pub async fn send_head(&mut self, framing: Framing) -> io::Result<()> {
        self.end_head(framing);
        self.stream.write_all(self.head).await
    }

    /// Sends a piece of the body announced by [`send_head`](Self::send_head), as one
    /// chunk if the body is chunked. Nothing is sent for a HEAD request or an empty piece.
    pub async fn send_body(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.head_only || bytes.is_empty() {
            return Ok(());
        }
        if !self.chunked {
            return self.stream.write_all(bytes).await;
        }
        self.head.clear();
        let _ = write!(self.head, "{:x}\r\n", bytes.len());
        if bytes.len() <= INLINE_BODY {
            self.head.extend_from_slice(bytes);
            self.head.extend_from_slice(b"\r\n");
            return self.stream.write_all(self.head).await;
        }
        self.stream.write_all(self.head).await?;
        self.stream.write_all(bytes).await?;
        self.stream.write_all(b"\r\n").await
    }

    /// Ends a chunked body: the last (empty) chunk, then `trailers`. Does nothing for
    /// other framings.
    pub async fn finish(&mut self, trailers: &[(&str, &str)]) -> io::Result<()> {
        if self.head_only || !self.chunked {
            return Ok(());
        }
        self.head.clear();
        self.head.extend_from_slice(b"0\r\n");
        for (name, value) in trailers {
            self.header(name, value);
        }
        self.head.extend_from_slice(b"\r\n");
        self.stream.write_all(self.head).await
    }

    /// Like [`send`](Self::send), but the whole response leaves one byte at a time,
    /// with `delay` between bytes.
    pub async fn send_slowly(&mut self, body: &[u8], delay: Duration) -> io::Result<()> {
        self.end_head(Framing::Length(body.len() as u64));
        if !self.head_only {
            self.head.extend_from_slice(body);
        }
        let response = std::mem::take(self.head);
        for (i, byte) in response.iter().enumerate() {
            if i > 0 {
                sleep(delay).await;
            }
            self.stream.write_all(std::slice::from_ref(byte)).await?;
        }
        *self.head = response;
        Ok(())
    }

    /// Sends `bytes` as they are, whatever the request: how fault routes break the rules.
    pub async fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Adds the framing and `Connection` headers and the empty line that ends the head.
    fn end_head(&mut self, framing: Framing) {
        self.chunked = false;
        match framing {
            Framing::Length(n) => {
                let _ = write!(self.head, "Content-Length: {n}\r\n");
            }
            // INVARIANT (rule 3): HTTP/1.0 has no chunks; close to end the body instead.
            Framing::Chunked if self.http10 => self.keep_alive = false,
            Framing::Chunked => {
                self.head
                    .extend_from_slice(b"Transfer-Encoding: chunked\r\n");
                self.chunked = true;
            }
            Framing::NoBody => {}
        }
        if !self.keep_alive {
            self.head.extend_from_slice(b"Connection: close\r\n");
        } else if self.http10 {
            self.head.extend_from_slice(b"Connection: keep-alive\r\n");
        }
        self.head.extend_from_slice(b"\r\n");
    }
}

/// Whether responses with this status never carry a body (RFC 9110 section 6.4.1).
pub(crate) fn has_no_body(status: u16) -> bool {
    matches!(status, 100..=199 | 204 | 304)
}

/// The reason phrase for a status code; an empty phrase is allowed for the rest.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        414 => "URI Too Long",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
