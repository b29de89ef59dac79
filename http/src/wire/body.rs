//! `BodyDecoder`: turns the bytes after a response head into body bytes, whatever the
//! framing, as they arrive.
//!
//! The connection passes in whatever its read buffer holds; [`BodyDecoder::decode`] says
//! how many of those bytes it used, and which of them are body. Content-Length and
//! read-until-close bodies are the input itself, so the answer is a range of it: no copy.
//! A chunked body (RFC 9112 section 7.1) is read by a byte-at-a-time state machine over
//! the framing (`1a;ext=1\r\n`, data, `\r\n`, ..., `0\r\n`, trailer fields, `\r\n`); each
//! call stops at the end of one run of data, so that data is a range of the input too.
//! Framing bytes are consumed as they come, so the decoder keeps nothing but a few
//! numbers, except for the trailer section, which it keeps (bounded) to parse it.
//!
//! The rules it keeps:
//! - Bytes after the end of the body are never consumed: `done` comes with `consumed`
//!   stopping right there, so a pipelined or garbage tail stays in the caller's buffer.
//! - Work and memory are bounded whatever the server sends. A chunk-size line is at most
//!   [`MAX_SIZE_LINE`] bytes, a chunk at most [`MAX_CHUNK_SIZE`] (checked digit by digit,
//!   so `ffffffffffffffffffff` fails at its ninth digit, long before any overflow), the
//!   trailer section at most [`MAX_TRAILER_BYTES`]; none of them allocates by a size the
//!   server declares. The body limit, if any, is checked against a declared length before
//!   a byte of it is read.
//! - Chunk framing is strict: CRLF line ends, no bare LF (a lenient chunk parser is how
//!   request smuggling starts; a client gains nothing from leniency here).
//!
//! Path: `conn.rs` makes one from `wire/framing.rs`'s [`BodyKind`] -> `response.rs` reads
//! the body through it, chunk by chunk or all at once.

use std::ops::Range;

use crate::error::{Error, Limit, Phase, Result};
use crate::wire::{BodyKind, Headers};

/// The longest chunk-size line, extensions included.
pub const MAX_SIZE_LINE: u64 = 4096;
/// The largest single chunk (4 GiB). Servers send kilobytes; this bound exists to reject
/// absurd sizes early, not to limit bodies: a body may have any number of chunks.
pub const MAX_CHUNK_SIZE: u64 = 1 << 32;
/// The largest trailer section (the same as the default head limit).
pub const MAX_TRAILER_BYTES: u64 = 64 * 1024;
/// The most trailer fields.
const MAX_TRAILERS: usize = 100;

/// What one call to [`BodyDecoder::decode`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// How many bytes at the start of the input were used (framing and body). The rest
    /// must be passed in again, after more bytes are appended, unless `done`.
    pub consumed: usize,
    /// The body bytes found, as a range of the input (empty if none).
    pub body: Range<usize>,
    /// Whether the body is complete: nothing more to read, trailers included.
    pub done: bool,
}

/// Decodes one response body.
///
/// # Invariants
/// - `received` counts the body bytes returned so far and never passes `max_body`: a
///   declared size is checked before its bytes are returned.
/// - `State::Done` is the only state in which `decode` reports `done`.
#[derive(Debug)]
pub struct BodyDecoder {
    state: State,
    max_body: Option<u64>,
    received: u64,
    trailers: Headers,
}

/// Where in the body the decoder is.
#[derive(Debug)]
enum State {
    /// Content-Length: this many bytes still to come (never 0: that is `Done`).
    Length { remaining: u64 },
    /// Everything until EOF is body; only [`BodyDecoder::eof`] ends it.
    UntilClose,
    /// Inside a chunked body.
    Chunked(Chunk),
    /// The body is complete; no more input is taken.
    Done,
}

/// The chunked state machine, one state per thing the next byte may be.
#[derive(Debug)]
enum Chunk {
    /// Reading the hex digits of a chunk size; `line` counts the bytes of the size line.
    Size { size: u64, digits: u32, line: u64 },
    /// After the digits: whitespace and `;name=value` extensions (ignored), up to CR.
    Extension { size: u64, line: u64 },
    /// Saw the CR that ends the size line: only LF may follow.
    SizeLf { size: u64 },
    /// Inside a chunk's data: this many bytes still to come (never 0).
    Data { remaining: u64 },
    /// After a chunk's data: only CR may follow (a longer chunk than declared fails here).
    DataCr,
    /// After that CR: only LF may follow.
    DataLf,
    /// After the last (zero-size) chunk: trailer fields, kept until the empty line.
    Trailers { section: Vec<u8> },
}

impl BodyDecoder {
    /// A decoder for a body framed as `kind`, failing with [`Error::TooLarge`] past
    /// `max_body` bytes (if given).
    pub fn new(kind: BodyKind, max_body: Option<u64>) -> BodyDecoder {
        let state = match kind {
            BodyKind::Empty | BodyKind::Length(0) => State::Done,
            BodyKind::Length(remaining) => State::Length { remaining },
            BodyKind::Chunked => State::Chunked(Chunk::Size {
                size: 0,
                digits: 0,
                line: 0,
            }),
            BodyKind::UntilClose => State::UntilClose,
        };
        BodyDecoder {
            state,
            max_body,
            received: 0,
            trailers: Headers::new(),
        }
    }

    /// Decodes from the start of `input`: see [`Decoded`]. Call it again with the rest of
    /// the input (plus what arrives) until `done`; at EOF, call [`BodyDecoder::eof`].
    pub fn decode(&mut self, input: &[u8]) -> Result<Decoded> {
        let mut pos = 0;
        loop {
            let available = (input.len() - pos) as u64;
            match &mut self.state {
                State::Done => return Ok(Decoded::framing(pos, true)),
                State::Length { remaining } => {
                    let remaining = *remaining;
                    self.check_limit(remaining)?;
                    let n = remaining.min(available);
                    self.state = match remaining - n {
                        0 => State::Done,
                        remaining => State::Length { remaining },
                    };
                    return Ok(self.data(pos, n));
                }
                State::UntilClose => {
                    self.check_limit(available)?;
                    return Ok(self.data(pos, available));
                }
                State::Chunked(Chunk::Data { remaining }) => {
                    if available == 0 {
                        return Ok(Decoded::framing(pos, false));
                    }
                    let n = (*remaining).min(available);
                    *remaining -= n;
                    if *remaining == 0 {
                        self.state = State::Chunked(Chunk::DataCr);
                    }
                    return Ok(self.data(pos, n));
                }
                State::Chunked(_) => {
                    let Some(&byte) = input.get(pos) else {
                        return Ok(Decoded::framing(pos, false));
                    };
                    pos += 1;
                    self.chunk_framing(byte)?;
                }
            }
        }
    }

    /// Decodes as much of `input` as belongs to the body, appending the body bytes to
    /// `out`; returns how many bytes of `input` were used. Check [`BodyDecoder::is_done`].
    pub fn decode_into(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize> {
        let mut pos = 0;
        loop {
            let decoded = self.decode(&input[pos..])?;
            out.extend_from_slice(&input[pos..][decoded.body]);
            pos += decoded.consumed;
            if decoded.done || pos == input.len() {
                return Ok(pos);
            }
        }
    }

    /// The connection reached EOF: ends a read-until-close body; any other unfinished
    /// body is [`Error::ServerDisconnected`].
    pub fn eof(&mut self) -> Result<()> {
        match self.state {
            State::Done => Ok(()),
            State::UntilClose => {
                self.state = State::Done;
                Ok(())
            }
            _ => Err(Error::ServerDisconnected {
                phase: Phase::ReadingBody,
            }),
        }
    }

    /// Whether the whole body has been decoded.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// How many body bytes have been returned so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The trailer fields of a chunked body (empty until it is done, or if there were
    /// none).
    pub fn trailers(&self) -> &Headers {
        &self.trailers
    }

    /// Takes the trailer fields out, leaving none.
    pub fn take_trailers(&mut self) -> Headers {
        std::mem::take(&mut self.trailers)
    }

    /// Returns `n` bytes at `pos` as body, counting them.
    fn data(&mut self, pos: usize, n: u64) -> Decoded {
        // INVARIANT: `n` is at most the input left after `pos`, so it fits in usize.
        let end = pos + n as usize;
        self.received += n;
        Decoded {
            consumed: end,
            body: pos..end,
            done: self.is_done(),
        }
    }

    /// Fails if `more` bytes would take the body past its limit.
    fn check_limit(&self, more: u64) -> Result<()> {
        check_limit(self.max_body, self.received, more)
    }

    /// One framing byte of a chunked body (any state but `Data`).
    fn chunk_framing(&mut self, byte: u8) -> Result<()> {
        let (max_body, received) = (self.max_body, self.received);
        let State::Chunked(chunk) = &mut self.state else {
            return Ok(());
        };
        let next = match chunk {
            Chunk::Size { size, digits, line } => {
                let line = *line + 1;
                match (char::from(byte).to_digit(16), byte) {
                    (Some(digit), _) => {
                        // Digit by digit, so the size never gets near overflow.
                        let size = *size * 16 + u64::from(digit);
                        if size > MAX_CHUNK_SIZE {
                            return Err(Error::TooLarge {
                                limit: Limit::ChunkSize,
                                max: MAX_CHUNK_SIZE,
                            });
                        }
                        check_size_line(line)?;
                        check_limit(max_body, received, size)?;
                        Chunk::Size {
                            size,
                            digits: *digits + 1,
                            line,
                        }
                    }
                    (None, _) if *digits == 0 => return Err(bad_chunk("a chunk size")),
                    (None, b'\r') => Chunk::SizeLf { size: *size },
                    (None, b';' | b' ' | b'\t') => Chunk::Extension { size: *size, line },
                    (None, _) => return Err(bad_chunk("a hex digit, ';' or CRLF in a chunk size")),
                }
            }
            Chunk::Extension { size, line } => {
                let line = *line + 1;
                check_size_line(line)?;
                match byte {
                    b'\r' => Chunk::SizeLf { size: *size },
                    b'\n' | 0 => return Err(bad_chunk("CRLF after a chunk size")),
                    _ => Chunk::Extension { size: *size, line },
                }
            }
            Chunk::SizeLf { size } => match (byte, *size) {
                (b'\n', 0) => Chunk::Trailers {
                    section: Vec::new(),
                },
                (b'\n', remaining) => Chunk::Data { remaining },
                _ => return Err(bad_chunk("LF after CR in a chunk size line")),
            },
            Chunk::DataCr if byte == b'\r' => Chunk::DataLf,
            Chunk::DataLf if byte == b'\n' => Chunk::Size {
                size: 0,
                digits: 0,
                line: 0,
            },
            Chunk::DataCr | Chunk::DataLf => {
                return Err(bad_chunk(
                    "CRLF after chunk data (a chunk longer than its size?)",
                ));
            }
            Chunk::Trailers { section } => {
                if byte == b'\n' && section.last() != Some(&b'\r') {
                    return Err(bad_chunk("CRLF line ends in the trailer section"));
                }
                section.push(byte);
                if section.len() as u64 > MAX_TRAILER_BYTES {
                    return Err(Error::TooLarge {
                        limit: Limit::HeadSize,
                        max: MAX_TRAILER_BYTES,
                    });
                }
                if section.as_slice() == b"\r\n" || section.ends_with(b"\r\n\r\n") {
                    self.trailers = parse_trailers(section)?;
                    self.state = State::Done;
                }
                return Ok(());
            }
            Chunk::Data { .. } => return Ok(()),
        };
        *chunk = next;
        Ok(())
    }
}

impl Decoded {
    /// Framing only: `consumed` bytes used, no body bytes.
    fn framing(consumed: usize, done: bool) -> Decoded {
        Decoded {
            consumed,
            body: consumed..consumed,
            done,
        }
    }
}

/// Fails if `more` bytes after `received` would take the body past `max_body`.
fn check_limit(max_body: Option<u64>, received: u64, more: u64) -> Result<()> {
    match max_body {
        Some(max) if received.saturating_add(more) > max => Err(Error::TooLarge {
            limit: Limit::BodySize,
            max,
        }),
        _ => Ok(()),
    }
}

/// Fails if a chunk-size line has grown to `line` bytes, past [`MAX_SIZE_LINE`].
fn check_size_line(line: u64) -> Result<()> {
    if line > MAX_SIZE_LINE {
        return Err(Error::TooLarge {
            limit: Limit::ChunkSize,
            max: MAX_SIZE_LINE,
        });
    }
    Ok(())
}

/// Parses a complete trailer section (it ends with an empty line) into fields.
fn parse_trailers(section: &[u8]) -> Result<Headers> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_TRAILERS];
    match httparse::parse_headers(section, &mut slots) {
        Ok(httparse::Status::Complete((_, fields))) => Ok(fields
            .iter()
            .map(|field| (field.name, field.value))
            .collect()),
        Err(httparse::Error::TooManyHeaders) => Err(Error::TooLarge {
            limit: Limit::HeaderCount,
            max: MAX_TRAILERS as u64,
        }),
        Ok(httparse::Status::Partial) | Err(_) => Err(bad_chunk("valid trailer fields")),
    }
}

fn bad_chunk(expected: &str) -> Error {
    Error::protocol(
        Phase::ReadingBody,
        format!("invalid chunked body: expected {expected}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` in two pieces cut at `cut`, keeping unconsumed bytes as a connection
    /// would; returns the body, the bytes left after it, and whether it was done.
    fn feed_split(kind: BodyKind, wire: &[u8], cut: usize) -> Result<(Vec<u8>, Vec<u8>, bool)> {
        let mut decoder = BodyDecoder::new(kind, None);
        let mut body = Vec::new();
        let mut buffer = wire[..cut].to_vec();
        let used = decoder.decode_into(&buffer, &mut body)?;
        buffer.drain(..used);
        if !decoder.is_done() {
            buffer.extend_from_slice(&wire[cut..]);
            let used = decoder.decode_into(&buffer, &mut body)?;
            buffer.drain(..used);
        } else {
            buffer.extend_from_slice(&wire[cut..]);
        }
        Ok((body, buffer, decoder.is_done()))
    }

    /// Feeds `wire` one byte at a time.
    fn feed_bytes(kind: BodyKind, wire: &[u8]) -> Result<(Vec<u8>, usize, bool)> {
        let mut decoder = BodyDecoder::new(kind, None);
        let mut body = Vec::new();
        let mut used = 0;
        for byte in wire {
            if decoder.is_done() {
                break;
            }
            used += decoder.decode_into(std::slice::from_ref(byte), &mut body)?;
        }
        Ok((body, used, decoder.is_done()))
    }

    fn assert_every_split(kind: BodyKind, wire: &[u8], body: &[u8], tail: &[u8]) {
        for cut in 0..=wire.len() {
            let got = feed_split(kind, wire, cut).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
            assert_eq!(
                got,
                (body.to_vec(), tail.to_vec(), true),
                "split at byte {cut}"
            );
        }
        let got = feed_bytes(kind, wire).unwrap_or_else(|e| panic!("byte by byte: {e}"));
        assert_eq!(
            got,
            (body.to_vec(), wire.len() - tail.len(), true),
            "byte by byte"
        );
    }

    fn error_of(kind: BodyKind, max: Option<u64>, wire: &[u8]) -> Error {
        let mut decoder = BodyDecoder::new(kind, max);
        match decoder.decode_into(wire, &mut Vec::new()) {
            Err(e) => e,
            Ok(n) => panic!(
                "{:?}: no error, used {n}, done {}",
                String::from_utf8_lossy(wire),
                decoder.is_done()
            ),
        }
    }

    fn protocol_reason(wire: &[u8]) -> String {
        match error_of(BodyKind::Chunked, None, wire) {
            Error::Protocol {
                phase: Phase::ReadingBody,
                reason,
            } => reason,
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(wire)),
        }
    }

    #[test]
    fn content_length_decodes_at_every_split_point_and_keeps_the_next_response() {
        assert_every_split(
            BodyKind::Length(5),
            b"helloHTTP/1.1 200",
            b"hello",
            b"HTTP/1.1 200",
        );
    }

    #[test]
    fn chunked_body_decodes_at_every_split_point() {
        let wire =
            b"4\r\nWiki\r\n5;name=value\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\nnext";
        assert_every_split(
            BodyKind::Chunked,
            wire,
            b"Wikipedia in\r\n\r\nchunks.",
            b"next",
        );
    }

    #[test]
    fn chunked_trailers_are_parsed_at_every_split_point() {
        let wire = b"3\r\nabc\r\n0;last\r\nExpires: never\r\nX-Sum: 42\r\n\r\nGET";
        assert_every_split(BodyKind::Chunked, wire, b"abc", b"GET");
        let mut decoder = BodyDecoder::new(BodyKind::Chunked, None);
        assert!(decoder.decode_into(wire, &mut Vec::new()).is_ok());
        assert_eq!(decoder.trailers().get_str("x-sum"), Some("42"));
        assert_eq!(decoder.take_trailers().len(), 2);
        assert!(decoder.trailers().is_empty());
    }

    #[test]
    fn an_empty_body_takes_nothing() {
        assert_every_split(BodyKind::Empty, b"HTTP/1.1", b"", b"HTTP/1.1");
        assert_every_split(BodyKind::Length(0), b"x", b"", b"x");
        assert_every_split(BodyKind::Chunked, b"0\r\n\r\n", b"", b"");
    }

    #[test]
    fn a_body_is_returned_as_ranges_of_the_input_without_copies() {
        let mut decoder = BodyDecoder::new(BodyKind::Chunked, None);
        let input = b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let first = decoder.decode(input).ok();
        assert_eq!(
            first,
            Some(Decoded {
                consumed: 6,
                body: 3..6,
                done: false
            })
        );
        let second = decoder.decode(&input[6..]).ok();
        assert_eq!(
            second,
            Some(Decoded {
                consumed: 7,
                body: 5..7,
                done: false
            })
        );
        let last = decoder.decode(&input[13..]).ok();
        assert_eq!(
            last,
            Some(Decoded {
                consumed: 7,
                body: 7..7,
                done: true
            })
        );
        assert_eq!(decoder.received(), 5);
    }

    #[test]
    fn until_close_takes_everything_and_eof_ends_it() {
        let mut decoder = BodyDecoder::new(BodyKind::UntilClose, None);
        let decoded = decoder.decode(b"all of it").ok();
        assert_eq!(
            decoded,
            Some(Decoded {
                consumed: 9,
                body: 0..9,
                done: false
            })
        );
        assert!(decoder.eof().is_ok());
        assert!(decoder.is_done());
        assert_eq!(decoder.decode(b"more").ok().map(|d| d.consumed), Some(0));
    }

    #[test]
    fn eof_before_the_end_is_server_disconnected() {
        for (kind, wire) in [
            (BodyKind::Length(10), &b"short"[..]),
            (BodyKind::Chunked, b"5\r\nab"),
            (BodyKind::Chunked, b"5\r\nabcde\r\n"),
            (BodyKind::Chunked, b"0\r\n"),
            (BodyKind::Chunked, b"0\r\nX: y\r\n"),
        ] {
            let mut decoder = BodyDecoder::new(kind, None);
            assert!(decoder.decode_into(wire, &mut Vec::new()).is_ok());
            assert!(
                matches!(
                    decoder.eof(),
                    Err(Error::ServerDisconnected {
                        phase: Phase::ReadingBody
                    })
                ),
                "{kind:?} {wire:?}"
            );
        }
        assert!(BodyDecoder::new(BodyKind::Empty, None).eof().is_ok());
    }

    #[test]
    fn bad_chunk_size_lines_are_protocol_errors() {
        assert!(protocol_reason(b"xyz\r\n").contains("chunk size"));
        assert!(protocol_reason(b"\r\n").contains("chunk size"));
        assert!(protocol_reason(b";ext\r\n").contains("chunk size"));
        assert!(protocol_reason(b"-1\r\n").contains("chunk size"));
        assert!(protocol_reason(b"0x5\r\n").contains("chunk size"));
        assert!(protocol_reason(b"5\n").contains("chunk size"));
        assert!(protocol_reason(b"5;a\nabcde").contains("CRLF"));
        assert!(protocol_reason(b"5\rabcde").contains("LF after CR"));
        assert!(protocol_reason(b"3\r\nabcd\r\n").contains("longer than its size"));
        assert!(protocol_reason(b"3\r\nabc\n").contains("CRLF after chunk data"));
        assert!(protocol_reason(b"0\r\nX: y\n\n").contains("trailer"));
        assert!(protocol_reason(b"0\r\n\n").contains("trailer"));
        assert!(protocol_reason(b"0\r\nBad Name: y\r\n\r\n").contains("trailer"));
    }

    #[test]
    fn absurd_chunk_sizes_fail_early_without_allocating() {
        for wire in [
            &b"ffffffffffffffffff\r\n"[..],
            b"ffffffffffffffff\r\n",
            b"100000001\r\n",
        ] {
            assert!(
                matches!(
                    error_of(BodyKind::Chunked, None, wire),
                    Error::TooLarge {
                        limit: Limit::ChunkSize,
                        max: MAX_CHUNK_SIZE
                    }
                ),
                "{wire:?}"
            );
        }
        // The largest allowed chunk is just a number: nothing is reserved for it.
        let mut decoder = BodyDecoder::new(BodyKind::Chunked, None);
        assert_eq!(
            decoder.decode(b"100000000\r\nab").ok().map(|d| d.body),
            Some(11..13)
        );
        // Leading zeros are fine until the line is too long.
        assert!(
            BodyDecoder::new(BodyKind::Chunked, None)
                .decode(b"0000000000000000000005\r\n")
                .is_ok()
        );
        let zeros = vec![b'0'; MAX_SIZE_LINE as usize + 1];
        assert!(matches!(
            error_of(BodyKind::Chunked, None, &zeros),
            Error::TooLarge {
                limit: Limit::ChunkSize,
                max: MAX_SIZE_LINE
            }
        ));
        let mut extension = b"5;".to_vec();
        extension.resize(MAX_SIZE_LINE as usize + 10, b'x');
        assert!(matches!(
            error_of(BodyKind::Chunked, None, &extension),
            Error::TooLarge {
                limit: Limit::ChunkSize,
                max: MAX_SIZE_LINE
            }
        ));
    }

    #[test]
    fn a_trailer_section_that_never_ends_is_too_large() {
        let mut wire = b"0\r\n".to_vec();
        while wire.len() as u64 <= MAX_TRAILER_BYTES + 10 {
            wire.extend_from_slice(b"X-A: b\r\n");
        }
        assert!(matches!(
            error_of(BodyKind::Chunked, None, &wire),
            Error::TooLarge {
                limit: Limit::HeadSize,
                ..
            }
        ));
    }

    #[test]
    fn the_body_limit_applies_to_every_framing() {
        let too_large = |kind, wire: &[u8]| {
            matches!(
                error_of(kind, Some(4), wire),
                Error::TooLarge {
                    limit: Limit::BodySize,
                    max: 4
                }
            )
        };
        // A declared length over the limit fails before any byte arrives.
        assert!(too_large(BodyKind::Length(5), b""));
        assert!(too_large(BodyKind::UntilClose, b"hello"));
        // A chunk size over the limit fails at the size line.
        assert!(too_large(BodyKind::Chunked, b"5\r\n"));
        assert!(too_large(BodyKind::Chunked, b"2\r\nab\r\n3\r\n"));
        // Exactly the limit is fine.
        let mut decoder = BodyDecoder::new(BodyKind::Chunked, Some(4));
        let mut body = Vec::new();
        assert!(
            decoder
                .decode_into(b"2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n", &mut body)
                .is_ok()
        );
        assert_eq!((body.as_slice(), decoder.is_done()), (&b"abcd"[..], true));
        let mut decoder = BodyDecoder::new(BodyKind::Length(4), Some(4));
        assert!(decoder.decode(b"abcd").is_ok_and(|d| d.done));
    }
}
