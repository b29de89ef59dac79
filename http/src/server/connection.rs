//! One connection: read a request, answer it, and again, until one side closes.
//!
//! Bytes arrive in an [`InputBuffer`]; each time more come, httparse looks for a complete
//! head (`request.rs`). The body is then read by its framing, the route writes its answer
//! (`routes.rs`), and whatever the buffer still holds is the start of the next request:
//! that is all pipelining takes, and answers go out in the order requests came in.
//!
//! Closing follows RFC 9112 section 9.6. The server sends its FIN first (`shutdown`),
//! then reads and throws away what the client still sends until the client closes: a
//! socket closed with unread input makes the kernel send a RST, and a RST can destroy
//! the response before the client has read it. That wait is bounded by [`LINGER`].
//!
//! Path: `mod.rs` accepts and spawns [`serve`] -> `request.rs` parses -> `routes.rs`
//! answers through `response.rs`.

use std::io;
use std::time::Duration;

use ripple_reactor::time::{now, timeout, timeout_at};
use ripple_reactor::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::server::Counters;
use crate::server::chunked::ChunkedDecoder;
use crate::server::request::{BodyFraming, MAX_BODY, MAX_HEAD, Request, RequestError, parse_head};
use crate::server::response::{Responder, reason};
use crate::server::routes;

/// How many bytes one `read` asks for.
const READ_CHUNK: usize = 16 * 1024;

/// Below this many buffered bytes a partial head is parsed again on every read; above it,
/// only when a new line has arrived, so a client dripping a huge head costs no more than
/// one parse per line.
const REPARSE_ALWAYS: usize = 4096;

/// How long a closing connection waits for the client to close its side.
const LINGER: Duration = Duration::from_secs(2);

/// How much a closing connection reads and throws away before giving up on the client.
const LINGER_BYTES: usize = 1024 * 1024;

/// What the connection does once a route has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    /// Read the next request, if this one allowed keep-alive; close otherwise.
    Next,
    /// As `Next`, and from now on close the connection once it has been idle this long.
    NextWithin(Duration),
    /// Close now: FIN, then the lingering read.
    Close,
    /// Never answer: read and discard until the client goes away.
    Hold,
}

/// What waiting for a request head produced.
enum Incoming {
    Request(Request),
    /// The client closed (or stayed idle past the idle timeout) between requests.
    Closed,
    /// The bytes can never be a valid head.
    Bad(RequestError),
}

/// Serves HTTP/1.1 on one connection until it closes, counting requests in `counters`.
/// An error is the connection's end, not a server's failure (the client went away).
pub(crate) async fn serve<S: AsyncRead + AsyncWrite>(
    stream: S,
    counters: &Counters,
) -> io::Result<()> {
    let mut connection = Connection {
        stream,
        input: InputBuffer::new(),
        head: Vec::with_capacity(512),
        idle_timeout: None,
    };
    loop {
        // 1. Wait for a complete head, parsing as bytes arrive.
        let mut request = match connection.read_head().await? {
            Incoming::Request(request) => request,
            Incoming::Closed => return Ok(()),
            Incoming::Bad(error) => return connection.refuse(&error).await,
        };
        counters.requests.set(counters.requests.get() + 1);
        // 2. Read its body, whatever the route, so the next request starts where it should.
        if let Err(error) = connection.read_body(&mut request).await? {
            return connection.refuse(&error).await;
        }
        // 3. Answer it.
        let mut responder = Responder::new(&mut connection.stream, &mut connection.head, &request);
        let after = routes::respond(&request, &mut responder, counters).await?;
        let keep_alive = responder.keep_alive();
        // 4. Go round again, or close.
        match after {
            After::Next if keep_alive => {}
            After::NextWithin(idle) if keep_alive => connection.idle_timeout = Some(idle),
            After::Hold => return connection.discard(usize::MAX).await,
            _ => return connection.close().await,
        }
    }
}

/// A connection's stream and the buffers that outlive one request.
struct Connection<S> {
    stream: S,
    input: InputBuffer,
    /// Scratch space for response heads (see `Responder`).
    head: Vec<u8>,
    /// Set by `/fault/keep-alive-timeout`: close after this long without a request.
    idle_timeout: Option<Duration>,
}

impl<S: AsyncRead + AsyncWrite> Connection<S> {
    async fn read_head(&mut self) -> io::Result<Incoming> {
        let idle_deadline = self.idle_timeout.map(|idle| now() + idle);
        let mut new_line = true;
        loop {
            let buffered = self.input.data();
            if new_line || buffered.len() <= REPARSE_ALWAYS || buffered.len() > MAX_HEAD {
                match parse_head(buffered) {
                    Ok(Some((request, head_len))) => {
                        self.input.consume(head_len);
                        return Ok(Incoming::Request(request));
                    }
                    Ok(None) => {}
                    Err(error) => return Ok(Incoming::Bad(error)),
                }
            }
            let read = match idle_deadline {
                // The idle timeout runs only between requests, while nothing has arrived.
                Some(deadline) if self.input.data().is_empty() => {
                    match timeout_at(deadline, self.input.fill(&mut self.stream)).await {
                        Ok(read) => read?,
                        Err(_elapsed) => return Ok(Incoming::Closed),
                    }
                }
                _ => self.input.fill(&mut self.stream).await?,
            };
            if read.is_empty() {
                // End of stream, between requests or inside a head: nothing to answer.
                return Ok(Incoming::Closed);
            }
            new_line = read.contains(&b'\n');
        }
    }

    /// Reads the request's body into `request.body`. The outer error is the stream's
    /// (the client left mid-body); the inner one is the request's fault.
    async fn read_body(&mut self, request: &mut Request) -> io::Result<Result<(), RequestError>> {
        let framing = match request.body_framing() {
            Ok(framing) => framing,
            Err(error) => return Ok(Err(error)),
        };
        if let BodyFraming::Length(length) = framing {
            if length > MAX_BODY {
                return Ok(Err(RequestError::BodyTooLarge));
            }
        }
        if framing != BodyFraming::Empty
            && request.expects_continue()
            && self.input.data().is_empty()
        {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
        }
        match framing {
            BodyFraming::Empty => {}
            BodyFraming::Length(length) => {
                // The cast is exact: `length <= MAX_BODY`, checked above.
                let length = length as usize;
                request.body.reserve_exact(length);
                loop {
                    let take = (length - request.body.len()).min(self.input.data().len());
                    request.body.extend_from_slice(&self.input.data()[..take]);
                    self.input.consume(take);
                    if request.body.len() == length {
                        break;
                    }
                    self.fill_or_eof().await?;
                }
            }
            BodyFraming::Chunked => {
                let mut decoder = ChunkedDecoder::new();
                loop {
                    match decoder.feed(self.input.data(), &mut request.body) {
                        Ok(used) => self.input.consume(used),
                        Err(error) => return Ok(Err(error)),
                    }
                    if decoder.is_done() {
                        break;
                    }
                    self.fill_or_eof().await?;
                }
            }
        }
        Ok(Ok(()))
    }

    async fn fill_or_eof(&mut self) -> io::Result<()> {
        if self.input.fill(&mut self.stream).await?.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client closed the connection in the middle of a request body",
            ));
        }
        Ok(())
    }

    /// Answers a request that cannot be served with its error status, then closes.
    async fn refuse(mut self, error: &RequestError) -> io::Result<()> {
        let status = error.status();
        let body = format!("{error}\n");
        let response = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            reason(status),
            body.len(),
        );
        self.stream.write_all(response.as_bytes()).await?;
        self.close().await
    }

    /// Sends FIN, then waits (bounded) for the client to close its side.
    async fn close(mut self) -> io::Result<()> {
        self.stream.close().await?;
        // Timing out is fine: the wait only protects the response from a RST.
        let _ = timeout(LINGER, self.discard(LINGER_BYTES)).await;
        Ok(())
    }

    /// Reads and throws away up to `limit` bytes, until end of stream.
    async fn discard(&mut self, limit: usize) -> io::Result<()> {
        let mut discarded = 0;
        while discarded < limit {
            self.input.clear();
            let read = self.input.fill(&mut self.stream).await?.len();
            if read == 0 {
                break;
            }
            discarded += read;
        }
        Ok(())
    }
}

/// Received bytes not yet used: `bytes[start..end]`. Allocated (and zeroed) once; grows
/// only while a head is larger than it.
struct InputBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl InputBuffer {
    fn new() -> Self {
        InputBuffer {
            bytes: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
        }
    }

    fn data(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.end - self.start);
        self.start += n;
        if self.start == self.end {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Reads once from `stream` and returns the new bytes (empty at end of stream).
    /// Cancel-safe: if the read is dropped, the buffer is as it was.
    async fn fill(&mut self, stream: &mut impl AsyncRead) -> io::Result<&[u8]> {
        if self.bytes.len() - self.end < READ_CHUNK / 2 {
            // Make room: move the unused bytes to the front, then grow if still short.
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.bytes.len() - self.end < READ_CHUNK / 2 {
                self.bytes.resize(self.bytes.len() + READ_CHUNK, 0);
            }
        }
        let read = stream.read(&mut self.bytes[self.end..]).await?;
        self.end += read;
        Ok(&self.bytes[self.end - read..self.end])
    }
}
