//! One HTTP/1.1 connection: write a request, read a response head, read its body.
//!
//! A `Conn` owns the stream (plain or TLS) and a read buffer. Bytes are read into the
//! buffer in blocks that start at 4 KiB and double while the reads keep filling them (up
//! to 64 KiB), then shrink back once a response is done. The head parser
//! (`wire/response_head.rs`) and the body decoder (`wire/body.rs`) consume from its
//! front, and whatever they leave stays for the next step, so no byte of a response is
//! ever lost between the head and the body, or swallowed past the body's end. Every read
//! runs under the request's deadlines: the `sock_read` clock restarts at each read, the
//! `total` one does not.
//!
//! I/O errors become the `Error` a caller can act on: a reset, a broken pipe or an EOF
//! before the response is complete is [`Error::ServerDisconnected`] with the phase it cut
//! short; anything else is [`Error::Io`]. A TLS close without close_notify counts as a
//! plain EOF here (see `tls/mod.rs` for why that is safe).
//!
//! Path: `session/exchange.rs` drives a `Conn` -> `wire/` turns bytes into heads and bodies
//! -> `connect.rs`'s `Stream` -> `ripple_reactor`'s `TcpStream`.

use std::io;

use ripple_reactor::{AsyncReadExt, AsyncWriteExt};

use crate::connect::Stream;
use crate::error::{Error, Phase, Result};
use crate::pool::Poolable;
use crate::timeout::RequestDeadlines;
use crate::url::Url;
use crate::wire::{
    BodyDecoder, HeadLimits, HeadParser, RequestFields, ResponseHead, write_request_head,
};

/// What the first read of a connection asks the kernel for: enough for a typical small
/// response's head and body in one read. The buffer is zeroed when made (safe Rust cannot
/// read into uninitialised memory), so all of it is resident, per connection: 16 KiB
/// cost W1 of the bench 0.7 MiB at 100 connections, and 8 KiB was most of L1's 14 KiB
/// per pending request.
const FIRST_READ: usize = 4 * 1024;

/// The most one read asks for, reached by doubling while reads keep filling what they
/// were offered: a large body then takes one syscall per 64 KiB, not per 4 KiB.
const LARGEST_READ: usize = 64 * 1024;

/// A request body this small is copied behind the head and sent in one write.
const COALESCE_BODY: usize = 4 * 1024;

/// An open connection and the bytes read from it but not yet used.
pub struct Conn {
    stream: Stream,
    buffer: ReadBuffer,
    /// Reused for every request head written on this connection.
    head: Vec<u8>,
}

impl Conn {
    /// Wraps a freshly opened stream.
    pub fn new(stream: Stream) -> Conn {
        Conn {
            stream,
            buffer: ReadBuffer::new(),
            head: Vec::with_capacity(512),
        }
    }

    /// Writes a request: its head, then `body`.
    pub async fn send(
        &mut self,
        method: &str,
        url: &Url,
        headers: &RequestFields<'_>,
        body: Option<&[u8]>,
        deadlines: &RequestDeadlines,
    ) -> Result<()> {
        self.head.clear();
        write_request_head(
            &mut self.head,
            method,
            url,
            headers,
            body.map(|b| b.len() as u64),
        )?;
        let body = body.unwrap_or_default();
        let separate_body = if body.len() <= COALESCE_BODY {
            self.head.extend_from_slice(body);
            &[][..]
        } else {
            body
        };
        let (stream, head) = (&mut self.stream, &self.head);
        let write = async {
            stream.write_all(head).await?;
            stream.write_all(separate_body).await?;
            stream.flush().await
        };
        deadlines
            .run(Phase::Sending, async {
                write.await.map_err(|error| io_error(error, Phase::Sending))
            })
            .await
    }

    /// Reads the response head (skipping any 1xx interim responses).
    pub async fn read_head(
        &mut self,
        limits: HeadLimits,
        deadlines: &RequestDeadlines,
    ) -> Result<ResponseHead> {
        let mut parser = HeadParser::new(limits);
        loop {
            if let Some((head, consumed)) = parser.parse(self.buffer.filled())? {
                self.buffer.consume(consumed);
                return Ok(head);
            }
            if self.fill(deadlines, Phase::WaitingForHead).await? == 0 {
                return Err(Error::ServerDisconnected {
                    phase: Phase::WaitingForHead,
                });
            }
        }
    }

    /// Whether any byte of a response has arrived since the request was sent: a failure
    /// before that point on a reused connection is safe to retry.
    pub fn has_buffered_bytes(&self) -> bool {
        !self.buffer.filled().is_empty()
    }

    /// Reads the next piece of the body, appending it to `out`. Returns `true` once the
    /// body is complete.
    pub async fn read_body(
        &mut self,
        decoder: &mut BodyDecoder,
        out: &mut Vec<u8>,
        deadlines: &RequestDeadlines,
    ) -> Result<bool> {
        loop {
            if decoder.is_done() {
                self.buffer.settle();
                return Ok(true);
            }
            if !self.buffer.filled().is_empty() {
                let input = self.buffer.filled();
                let decoded = decoder.decode(input)?;
                out.extend_from_slice(&input[decoded.body.clone()]);
                self.buffer.consume(decoded.consumed);
                if decoded.done {
                    self.buffer.settle();
                    return Ok(true);
                }
                if !decoded.body.is_empty() {
                    return Ok(false);
                }
                if decoded.consumed > 0 && !self.buffer.filled().is_empty() {
                    continue; // framing only; the rest may decode without a read
                }
            }
            if self.fill(deadlines, Phase::ReadingBody).await? == 0 {
                decoder.eof()?; // fine only for a read-until-close body
                return Ok(true);
            }
        }
    }

    /// Reads one block from the stream into the buffer; `Ok(0)` at end of stream.
    async fn fill(&mut self, deadlines: &RequestDeadlines, phase: Phase) -> Result<usize> {
        let (stream, buffer) = (&mut self.stream, &mut self.buffer);
        deadlines
            .read(phase, async {
                match stream.read(buffer.space()).await {
                    // A TLS peer that closed without close_notify: an EOF like any other;
                    // the framing decides whether the response was complete.
                    Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                    Err(error) => Err(io_error(error, phase)),
                    Ok(read) => {
                        buffer.commit(read);
                        Ok(read)
                    }
                }
            })
            .await
    }
}

impl Poolable for Conn {
    /// An idle connection is reusable only if nothing at all is waiting on it: a server
    /// that closed it shows an EOF (or a reset), and stray bytes would corrupt the next
    /// response.
    fn is_reusable(&mut self) -> bool {
        if !self.buffer.filled().is_empty() {
            return false;
        }
        let mut probe = [0u8; 1];
        matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

/// Turns an I/O error into the error a caller can act on.
fn io_error(error: io::Error, phase: Phase) -> Error {
    use io::ErrorKind::*;
    match error.kind() {
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
            Error::ServerDisconnected { phase }
        }
        _ => Error::Io {
            phase,
            source: error,
        },
    }
}

/// The bytes read from a connection and not yet used, as a window `start..end` into a
/// buffer that is only ever appended to at the end and consumed from the front, and the
/// size of the next read.
///
/// The read size adapts, as hyper's does: it doubles each time a read fills all it was
/// offered (more is waiting), up to [`LARGEST_READ`], and [`settle`](Self::settle) takes
/// it and the buffer back to [`FIRST_READ`] once a response is done, so a connection that
/// once carried a large body does not keep a large buffer while it sits idle in the pool.
///
/// # Invariants
/// - `start <= end <= bytes.len()`; `bytes[start..end]` are the unread bytes.
/// - `FIRST_READ <= read_size <= LARGEST_READ`.
/// - The window moves back to the front whenever it is empty or the space behind it is
///   too small for a read, so the buffer grows only while a single head or chunk line is
///   longer than what is free (bounded by the head limit, which the parser enforces) or
///   while the read size grows.
struct ReadBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
    read_size: usize,
}

impl ReadBuffer {
    fn new() -> Self {
        ReadBuffer {
            bytes: vec![0; FIRST_READ],
            start: 0,
            end: 0,
            read_size: FIRST_READ,
        }
    }

    fn filled(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    fn consume(&mut self, count: usize) {
        self.start = (self.start + count).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Room for the next read at the end of the window: exactly `read_size` bytes.
    fn space(&mut self) -> &mut [u8] {
        if self.bytes.len() - self.end < self.read_size {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.bytes.len() - self.end < self.read_size {
                self.bytes.resize(self.end + self.read_size, 0);
            }
        }
        &mut self.bytes[self.end..self.end + self.read_size]
    }

    /// Records a read of `read` bytes into [`space`](Self::space).
    fn commit(&mut self, read: usize) {
        self.end += read;
        if read == self.read_size {
            self.read_size = (self.read_size * 2).min(LARGEST_READ);
        }
    }

    /// Back to the first read size, and to a buffer of that size if it grew and holds
    /// nothing: called when a response is complete.
    fn settle(&mut self) {
        self.read_size = FIRST_READ;
        if self.bytes.len() > FIRST_READ && self.start == self.end {
            self.bytes.truncate(FIRST_READ);
            self.bytes.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_buffer_keeps_unread_bytes_across_compaction() {
        let mut buffer = ReadBuffer::new();
        buffer.space()[..5].copy_from_slice(b"hello");
        buffer.commit(5);
        buffer.consume(2);
        assert_eq!(buffer.filled(), b"llo");
        // Fill the rest so the next `space` must compact, then grow.
        let free = buffer.space().len();
        buffer.commit(free);
        assert_eq!(buffer.filled().len(), 3 + FIRST_READ);
        assert_eq!(&buffer.filled()[..3], b"llo");
        // That read filled all it was offered: the next one is offered twice as much.
        assert_eq!(buffer.space().len(), 2 * FIRST_READ);
        assert_eq!(&buffer.filled()[..3], b"llo");
        buffer.consume(usize::MAX);
        assert!(buffer.filled().is_empty());
        assert_eq!(buffer.space().len(), 2 * FIRST_READ);
    }

    #[test]
    fn full_reads_double_the_read_size_up_to_the_largest_and_settle_resets_it() {
        let mut buffer = ReadBuffer::new();
        let mut offered = Vec::new();
        for _ in 0..8 {
            let size = buffer.space().len();
            offered.push(size);
            buffer.commit(size);
            buffer.consume(usize::MAX);
        }
        assert_eq!(
            offered,
            [4, 8, 16, 32, 64, 64, 64, 64].map(|kib| kib * 1024),
            "doubling while reads come back full, capped"
        );
        // A short read keeps the size where it is.
        let size = buffer.space().len();
        buffer.commit(10);
        assert_eq!(buffer.space().len(), size);
        buffer.consume(usize::MAX);
        buffer.settle();
        assert_eq!(buffer.space().len(), FIRST_READ);
        assert_eq!(
            buffer.bytes.len(),
            FIRST_READ,
            "the grown buffer is given back"
        );
    }

    #[test]
    fn settle_keeps_a_buffer_that_still_holds_bytes() {
        let mut buffer = ReadBuffer::new();
        let size = buffer.space().len();
        buffer.commit(size);
        buffer.space()[..3].copy_from_slice(b"abc");
        buffer.commit(3);
        buffer.consume(size);
        buffer.settle();
        assert_eq!(buffer.filled(), b"abc", "unread bytes survive settling");
        assert_eq!(buffer.space().len(), FIRST_READ);
    }
}
