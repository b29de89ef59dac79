//! `Response`: the status and headers of an answer, and its body, read when asked for.
//!
//! `send()` returns as soon as the head has arrived; the body is still on the wire. It is
//! read by [`Response::bytes`], [`Response::text`], or piece by piece with
//! [`Response::chunk`] for bodies too big to hold. The response owns the connection's pool
//! lease until the body has been read to its end: then the connection goes back to the
//! pool if both sides allow it. A response dropped before that closes its connection
//! instead, since the unread rest of the body would corrupt the next request on it.
//!
//! Path: `session/exchange.rs` builds a `Response` -> `conn.rs` reads its body -> `pool/` takes
//! the connection back.

use std::fmt;
use std::time::{Duration, Instant};

use ripple_reactor::time::now;

use crate::conn::Conn;
use crate::error::{Error, Phase, Result};
use crate::pool::Lease;
use crate::timeout::RequestDeadlines;
use crate::url::Url;
use crate::wire::{BodyDecoder, Framing, Headers, ResponseHead, Version};

/// How long each step of a request took, as plain data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    /// Waiting for a connection slot in the pool.
    pub queued: Duration,
    /// Resolving the host name (`None` on a reused connection).
    pub dns: Option<Duration>,
    /// The TCP handshake (`None` on a reused connection).
    pub connect: Option<Duration>,
    /// The TLS handshake (`None` for http, or on a reused connection).
    pub tls: Option<Duration>,
    /// Writing the request.
    pub sending: Duration,
    /// From the request sent to the response head received ("time to first byte").
    pub waiting: Duration,
    /// Reading the body (`None` until it has been read to the end).
    pub body: Option<Duration>,
    /// Whether the request went over a connection from the pool.
    pub reused_connection: bool,
}

/// The body still on the wire, and what reading it needs.
struct BodyReader {
    lease: Lease<Conn>,
    decoder: BodyDecoder,
    framing: Framing,
    deadlines: RequestDeadlines,
    started: Instant,
}

/// An HTTP response whose head has arrived.
pub struct Response {
    head: ResponseHead,
    url: Url,
    /// `None` once the body has been read to the end (or there was none).
    body: Option<BodyReader>,
    timings: Timings,
    /// A chunked body's trailer fields, once the body has been read.
    trailers: Option<Headers>,
}

impl Response {
    pub(crate) fn new(
        head: ResponseHead,
        url: Url,
        lease: Lease<Conn>,
        decoder: BodyDecoder,
        framing: Framing,
        deadlines: RequestDeadlines,
        timings: Timings,
    ) -> Response {
        let mut response = Response {
            head,
            url,
            body: Some(BodyReader {
                lease,
                decoder,
                framing,
                deadlines,
                started: now(),
            }),
            timings,
            trailers: None,
        };
        // No body (HEAD, 204, 304, Content-Length: 0): the connection is free right away.
        if response
            .body
            .as_ref()
            .is_some_and(|body| body.decoder.is_done())
        {
            response.finish_body();
        }
        response
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// The reason phrase, as the server sent it.
    pub fn reason(&self) -> &str {
        &self.head.reason
    }

    /// `HTTP/1.0` or `HTTP/1.1`.
    pub fn version(&self) -> Version {
        self.head.version
    }

    /// The header fields, in the order received.
    pub fn headers(&self) -> &Headers {
        &self.head.headers
    }

    /// The URL that answered: the last one, after redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `Content-Length`, if the server sent one.
    pub fn content_length(&self) -> Option<u64> {
        self.head
            .headers
            .get_str("content-length")?
            .trim()
            .parse()
            .ok()
    }

    /// How long each step took; `body` is set once the body has been read.
    pub fn timings(&self) -> Timings {
        self.timings
    }

    /// Whether the body has been read to its end.
    pub fn is_body_complete(&self) -> bool {
        self.body.is_none()
    }

    /// Turns a 4xx or 5xx status into [`Error::Status`] (aiohttp's `raise_for_status`).
    pub fn error_for_status(self) -> Result<Response> {
        if (400..600).contains(&self.head.status) {
            return Err(Error::Status {
                code: self.head.status,
                url: self.url.to_string(),
            });
        }
        Ok(self)
    }

    /// The next piece of the body, or `None` at its end. For bodies too big to hold.
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let mut piece = Vec::new();
        while piece.is_empty() {
            let Some(reader) = self.body.as_mut() else {
                return Ok(None);
            };
            let conn = reader.lease.conn_mut().ok_or(Error::ServerDisconnected {
                phase: Phase::ReadingBody,
            })?;
            let done = conn
                .read_body(&mut reader.decoder, &mut piece, &reader.deadlines)
                .await?;
            if done {
                self.finish_body();
                break;
            }
        }
        Ok(if piece.is_empty() { None } else { Some(piece) })
    }

    /// The whole body.
    pub async fn bytes(mut self) -> Result<Vec<u8>> {
        self.read_body().await
    }

    /// The whole body (or what is left of it after [`chunk`](Self::chunk)), keeping the
    /// response: afterwards `timings().body` and [`trailers`](Self::trailers) are set,
    /// which [`bytes`](Self::bytes), taking the response, cannot show. Once the body has
    /// been read, another call returns nothing.
    pub async fn read_body(&mut self) -> Result<Vec<u8>> {
        let capacity = self.content_length().unwrap_or(0).min(1 << 20) as usize;
        let mut body = Vec::with_capacity(capacity);
        while let Some(reader) = self.body.as_mut() {
            let conn = reader.lease.conn_mut().ok_or(Error::ServerDisconnected {
                phase: Phase::ReadingBody,
            })?;
            if conn
                .read_body(&mut reader.decoder, &mut body, &reader.deadlines)
                .await?
            {
                self.finish_body();
            }
        }
        Ok(body)
    }

    /// The whole body as text, decoded with the charset of `Content-Type` (UTF-8 when it
    /// names none; ISO-8859-1 and US-ASCII are understood too). Bytes that are not valid
    /// in the charset become U+FFFD, as in reqwest and browsers, instead of failing.
    pub async fn text(self) -> Result<String> {
        let charset = charset(&self.head.headers);
        let body = self.bytes().await?;
        Ok(match charset.as_deref() {
            Some("iso-8859-1" | "latin1" | "latin-1") => {
                body.iter().map(|&b| char::from(b)).collect()
            }
            _ => match String::from_utf8(body) {
                Ok(text) => text,
                Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
            },
        })
    }

    /// The trailer fields of a chunked body, once it has been read.
    pub fn trailers(&self) -> Option<&Headers> {
        self.trailers.as_ref()
    }

    /// The body is read to its end: give the connection back (or close it).
    fn finish_body(&mut self) {
        let Some(mut reader) = self.body.take() else {
            return;
        };
        self.timings.body = Some(now() - reader.started);
        self.trailers = Some(reader.decoder.take_trailers());
        reader
            .lease
            .release(reader.framing.keep_alive, reader.framing.keep_alive_timeout);
    }
}

/// The `charset` parameter of `Content-Type`, lowercased.
fn charset(headers: &Headers) -> Option<String> {
    let content_type = headers.get_str("content-type")?;
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    })
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.head.status)
            .field("url", &self.url.as_str())
            .field("body_complete", &self.body.is_none())
            .finish()
    }
}
