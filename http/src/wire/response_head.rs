//! A response head parsed in, as its bytes arrive.
//!
//! [`HeadParser::parse`] is called each time bytes arrive, with the whole buffer read so
//! far. It answers "not yet" (`Ok(None)`) or the [`ResponseHead`] and how many bytes it
//! took; the bytes after them are the body's. httparse does the parsing, but only when it
//! can give an answer: once the status line is complete (to reject garbage such as
//! `HTPT/1.1 200` at once) and once the blank line that ends the head has arrived. In
//! between, the parser only scans the new bytes for that blank line, so a head dripped in
//! byte by byte costs linear time, not quadratic.
//!
//! Interim responses (`100 Continue`, `103 Early Hints`, any 1xx but 101) are skipped here:
//! `parse` never returns one, and the bytes it reports consumed include them. A `101
//! Switching Protocols` is an error, since this client never asks for an upgrade.
//!
//! The rules it keeps:
//! - Memory stays bounded: an unfinished head longer than `max_head_bytes` is
//!   [`Error::TooLarge`] as soon as the buffer passes the limit, so a caller that reads
//!   once between calls never holds more than the limit plus one read. The limit counts
//!   every byte before the end of the final head, interim heads included.
//! - More than `max_headers` fields is `TooLarge` too; anything else malformed is
//!   [`Error::Protocol`] in [`Phase::WaitingForHead`], quoting the first line.
//!
//! Path: `conn.rs` reads with `HeadParser` (after `request_head.rs` wrote the request) ->
//! `wire/framing.rs` decides the body's framing -> `wire/body.rs` decodes it.

use std::fmt;

use crate::error::{Error, Limit, Phase, Result};
use crate::wire::Headers;

/// The HTTP version of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `HTTP/1.0`: the connection closes after the response unless it says `keep-alive`.
    Http10,
    /// `HTTP/1.1`: the connection stays open unless it says `close`.
    Http11,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        })
    }
}

/// A response's status line and header fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code, 100-599 (never 1xx here: interim responses are skipped).
    pub status: u16,
    /// The reason phrase, as sent (empty if absent or not text).
    pub reason: String,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: Version,
    /// The header fields, in order.
    pub headers: Headers,
}

/// Size limits on a response head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadLimits {
    /// The most bytes of status line and header fields together (default 64 KiB).
    pub max_head_bytes: usize,
    /// The most header fields (default 100).
    pub max_headers: usize,
}

impl Default for HeadLimits {
    fn default() -> HeadLimits {
        HeadLimits {
            max_head_bytes: 64 * 1024,
            max_headers: 100,
        }
    }
}

/// Header slots that live on the stack; a larger `max_headers` uses the heap.
const STACK_HEADERS: usize = 100;
/// A head this short is checked by httparse at each call, before its first line ends.
const SHORT_PREFIX: usize = 32;

/// Parses a response head from a buffer that grows as bytes arrive.
///
/// # Invariants
/// - Between two calls the caller only appends to the buffer: the first
///   `start + searched` bytes are the ones already looked at. (If the buffer shrank, the
///   parser starts over rather than trust stale offsets.)
/// - `buf[..start]` is whole interim (1xx) heads and empty lines, already skipped.
/// - `buf[start..start + searched]` holds no end of head.
#[derive(Clone, Debug)]
pub struct HeadParser {
    limits: HeadLimits,
    start: usize,
    searched: usize,
    status_line_checked: bool,
}

impl HeadParser {
    /// A parser for one response.
    pub fn new(limits: HeadLimits) -> HeadParser {
        HeadParser {
            limits,
            start: 0,
            searched: 0,
            status_line_checked: false,
        }
    }

    /// Looks for a complete final response head at the start of `buf`.
    ///
    /// `Ok(None)`: not complete yet, call again with more bytes appended. `Ok(Some((head,
    /// consumed)))`: `buf[..consumed]` was the head (after any interim heads), and the
    /// parser is ready for the next response.
    pub fn parse(&mut self, buf: &[u8]) -> Result<Option<(ResponseHead, usize)>> {
        if buf.len() < self.start + self.searched {
            *self = HeadParser::new(self.limits);
        }
        loop {
            // RFC 9112 section 2.2: empty lines before a status line are ignored. Skipping
            // them here (they count as consumed) means a blank line found later always
            // ends a head, so httparse runs once per head, not once per stray CRLF.
            let skipped = leading_empty_lines(&buf[self.start..]);
            self.start += skipped;
            self.searched = self.searched.saturating_sub(skipped);
            let head = &buf[self.start..];
            let scan = scan(head, self.searched);
            // Check the status line early: when it is complete, and while the head is
            // still short enough that a run costs nothing (garbage shows in 12 bytes).
            let check_status_line =
                !self.status_line_checked && (scan.newline || head.len() <= SHORT_PREFIX);
            if !scan.blank_line && !check_status_line {
                return self.not_yet(buf);
            }
            match parse_with_httparse(head, &self.limits)? {
                None => {
                    self.status_line_checked |= scan.newline;
                    return self.not_yet(buf);
                }
                Some((parsed, len)) => {
                    let end = self.start + len;
                    if end > self.limits.max_head_bytes {
                        return Err(self.too_large());
                    }
                    if is_interim(parsed.status) {
                        // Skip it and look for the next head right after it.
                        self.start = end;
                        self.searched = 0;
                        self.status_line_checked = false;
                        continue;
                    }
                    *self = HeadParser::new(self.limits);
                    return Ok(Some((parsed, end)));
                }
            }
        }
    }

    /// Remembers how far the buffer was searched; fails once it is past the limit.
    fn not_yet<T>(&mut self, buf: &[u8]) -> Result<Option<T>> {
        self.searched = buf.len() - self.start;
        // INVARIANT: every byte of `buf` belongs to an unfinished head, so checking at
        // each call bounds the buffer to the limit plus the caller's last read.
        if buf.len() > self.limits.max_head_bytes {
            return Err(self.too_large());
        }
        Ok(None)
    }

    fn too_large(&self) -> Error {
        Error::TooLarge {
            limit: Limit::HeadSize,
            max: self.limits.max_head_bytes as u64,
        }
    }
}

/// Parses the first complete response head of `buf`, interim ones skipped: the same as
/// a fresh [`HeadParser`]'s `parse`.
pub fn parse_response_head(
    buf: &[u8],
    limits: &HeadLimits,
) -> Result<Option<(ResponseHead, usize)>> {
    HeadParser::new(*limits).parse(buf)
}

/// How many bytes of CRLF or LF lines open `buf`.
fn leading_empty_lines(buf: &[u8]) -> usize {
    let mut skipped = 0;
    loop {
        match &buf[skipped..] {
            [b'\r', b'\n', ..] => skipped += 2,
            [b'\n', ..] => skipped += 1,
            _ => return skipped,
        }
    }
}

/// What [`scan`] found in the bytes not searched before.
struct Scan {
    /// A line end: the status line is complete (or was already).
    newline: bool,
    /// A blank line (`\n\r\n` or `\n\n`): the head is complete. httparse accepts bare
    /// LF line ends, as RFC 9112 section 2.2 allows a recipient to.
    blank_line: bool,
}

/// Scans `buf[from..]` (and the two bytes before, where a blank line may have started)
/// for line ends.
fn scan(buf: &[u8], from: usize) -> Scan {
    let from = from.saturating_sub(2).min(buf.len());
    let mut rest = &buf[from..];
    let mut found = Scan {
        newline: false,
        blank_line: false,
    };
    while let Some(at) = rest.iter().position(|&b| b == b'\n') {
        found.newline = true;
        rest = &rest[at + 1..];
        if let [b'\n', ..] | [b'\r', b'\n', ..] = rest {
            found.blank_line = true;
            break;
        }
    }
    found
}

/// One httparse run over `buf`: `None` if the head is incomplete.
fn parse_with_httparse(buf: &[u8], limits: &HeadLimits) -> Result<Option<(ResponseHead, usize)>> {
    let mut on_stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    let mut on_heap = Vec::new();
    let slots = if limits.max_headers <= STACK_HEADERS {
        &mut on_stack[..limits.max_headers]
    } else {
        on_heap.resize(limits.max_headers, httparse::EMPTY_HEADER);
        &mut on_heap[..]
    };
    let mut response = httparse::Response::new(slots);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Error::TooLarge {
                limit: Limit::HeaderCount,
                max: limits.max_headers as u64,
            });
        }
        Err(error) => return Err(garbage(buf, &error.to_string())),
    };
    // httparse fills these three before it can return Complete.
    let (Some(minor), Some(status)) = (response.version, response.code) else {
        return Err(garbage(buf, "incomplete status line"));
    };
    let version = if minor == 0 {
        Version::Http10
    } else {
        Version::Http11
    };
    if !(100..=599).contains(&status) {
        return Err(garbage(
            buf,
            &format!("status code {status} is not in 100-599"),
        ));
    }
    if status == 101 {
        return Err(garbage(
            buf,
            "101 Switching Protocols, but no upgrade was asked for",
        ));
    }
    let bytes: usize = response
        .headers
        .iter()
        .map(|h| h.name.len() + h.value.len())
        .sum();
    let mut headers = Headers::with_capacity(response.headers.len(), bytes);
    for field in response.headers.iter() {
        headers.append(field.name, field.value);
    }
    let head = ResponseHead {
        status,
        reason: response.reason.unwrap_or_default().to_owned(),
        version,
        headers,
    };
    Ok(Some((head, len)))
}

/// 1xx responses other than 101 are interim: the final response follows.
fn is_interim(status: u16) -> bool {
    (100..200).contains(&status) && status != 101
}

/// A protocol error that quotes the start of the first line, so the reader sees what came.
fn garbage(buf: &[u8], what: &str) -> Error {
    let line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(&line[..line.len().min(64)]);
    Error::protocol(Phase::WaitingForHead, format!("{what} in {line:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Empty:\r\n\r\nhello";

    fn parse_all(buf: &[u8]) -> Result<Option<(ResponseHead, usize)>> {
        parse_response_head(buf, &HeadLimits::default())
    }

    fn expect_head(buf: &[u8]) -> (ResponseHead, usize) {
        match parse_all(buf) {
            Ok(Some(done)) => done,
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(buf)),
        }
    }

    fn protocol_reason(buf: &[u8]) -> String {
        match parse_all(buf) {
            Err(Error::Protocol {
                phase: Phase::WaitingForHead,
                reason,
            }) => reason,
            other => panic!(
                "{:?}: expected a protocol error, got {other:?}",
                String::from_utf8_lossy(buf)
            ),
        }
    }

    #[test]
    fn a_response_head_is_parsed_and_the_body_left_alone() {
        let (head, consumed) = expect_head(RESPONSE);
        assert_eq!(&RESPONSE[consumed..], b"hello");
        assert_eq!(head.status, 200);
        assert_eq!(head.reason, "OK");
        assert_eq!(head.version, Version::Http11);
        assert_eq!(head.headers.get_str("content-type"), Some("text/plain"));
        assert_eq!(head.headers.get_str("x-empty"), Some(""));
        assert_eq!(head.headers.len(), 3);
    }

    #[test]
    fn a_response_head_parses_the_same_at_every_split_point() {
        let (whole, whole_len) = expect_head(RESPONSE);
        for cut in 0..=RESPONSE.len() {
            let mut parser = HeadParser::new(HeadLimits::default());
            let mut buf = RESPONSE[..cut].to_vec();
            let first = parser
                .parse(&buf)
                .unwrap_or_else(|e| panic!("cut {cut}: {e}"));
            let result = match first {
                Some(done) => done,
                None => {
                    buf.extend_from_slice(&RESPONSE[cut..]);
                    parser
                        .parse(&buf)
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| panic!("cut {cut}"))
                }
            };
            assert_eq!(result, (whole.clone(), whole_len), "split at byte {cut}");
        }
    }

    #[test]
    fn a_response_head_parses_the_same_fed_byte_by_byte() {
        let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 404 Not Found\nServer: x\n\nbody";
        let mut parser = HeadParser::new(HeadLimits::default());
        let mut got = None;
        for end in 0..=wire.len() {
            match parser.parse(&wire[..end]) {
                Ok(None) => continue,
                Ok(Some(done)) => {
                    got = Some((end, done));
                    break;
                }
                Err(e) => panic!("at {end}: {e}"),
            }
        }
        let (end, (head, consumed)) = got.unwrap_or_else(|| panic!("never complete"));
        assert_eq!(end, consumed, "complete as soon as the blank line is in");
        assert_eq!(&wire[consumed..], b"body");
        assert_eq!((head.status, head.version), (404, Version::Http10));
        assert_eq!(head.headers.get_str("server"), Some("x"));
    }

    #[test]
    fn interim_responses_are_skipped_and_counted_as_consumed() {
        let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nnext";
        let (head, consumed) = expect_head(wire);
        assert_eq!(head.status, 204);
        assert!(head.headers.is_empty());
        assert_eq!(&wire[consumed..], b"next");
        assert_eq!(
            parse_all(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2").ok(),
            Some(None)
        );
    }

    #[test]
    fn garbage_status_lines_are_protocol_errors_at_once() {
        assert!(protocol_reason(b"HTPT/1.1 200 OK\r\n").contains("HTPT/1.1 200 OK"));
        // Rejected before the line is even complete.
        protocol_reason(b"HTPT/1.1 2");
        protocol_reason(b"HTTP/1.1 abc OK\r\n\r\n");
        protocol_reason(b"HTTP/1.1 20 OK\r\n\r\n");
        protocol_reason(b"HTTP/2.0 200 OK\r\n\r\n");
        protocol_reason(b"SSH-2.0-OpenSSH_9.6\r\n");
        assert!(protocol_reason(b"HTTP/1.1 600 Odd\r\n\r\n").contains("100-599"));
        assert!(protocol_reason(b"HTTP/1.1 099 Odd\r\n\r\n").contains("100-599"));
        assert!(protocol_reason(b"HTTP/1.1 101 Switching Protocols\r\n\r\n").contains("upgrade"));
        protocol_reason(b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n");
        protocol_reason(b"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n");
        protocol_reason(b"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n");
    }

    #[test]
    fn a_head_past_the_size_limit_is_too_large_as_soon_as_it_passes() {
        let limits = HeadLimits {
            max_head_bytes: 100,
            max_headers: 100,
        };
        let mut parser = HeadParser::new(limits);
        let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
        while buf.len() <= 100 {
            assert!(
                matches!(parser.parse(&buf), Ok(None)),
                "{} bytes",
                buf.len()
            );
            buf.extend_from_slice(b"X-A: b\r\n");
        }
        assert!(matches!(
            parser.parse(&buf),
            Err(Error::TooLarge {
                limit: Limit::HeadSize,
                max: 100
            })
        ));
        // A complete head longer than the limit is too large too, even in one read.
        let mut whole = buf.clone();
        whole.extend_from_slice(b"\r\n");
        assert!(matches!(
            parse_response_head(&whole, &limits),
            Err(Error::TooLarge {
                limit: Limit::HeadSize,
                ..
            })
        ));
    }

    #[test]
    fn a_one_megabyte_header_line_is_rejected_after_one_read_past_the_limit() {
        let limits = HeadLimits::default();
        let mut parser = HeadParser::new(limits);
        let mut buf = b"HTTP/1.1 200 OK\r\nX-Huge: ".to_vec();
        let read = [b'a'; 4096];
        let mut result = parser.parse(&buf);
        while let Ok(None) = result {
            assert!(
                buf.len() <= limits.max_head_bytes,
                "read again past the limit"
            );
            buf.extend_from_slice(&read);
            result = parser.parse(&buf);
        }
        assert!(matches!(
            result,
            Err(Error::TooLarge {
                limit: Limit::HeadSize,
                ..
            })
        ));
        assert!(buf.len() <= limits.max_head_bytes + read.len());
    }

    #[test]
    fn a_never_ending_head_is_rejected_after_one_read_past_the_limit() {
        let limits = HeadLimits::default();
        let mut parser = HeadParser::new(limits);
        let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
        let read = b"X-Again: and again and again\r\n".repeat(128);
        let mut result = parser.parse(&buf);
        while let Ok(None) = result {
            assert!(
                buf.len() <= limits.max_head_bytes,
                "read again past the limit"
            );
            buf.extend_from_slice(&read);
            result = parser.parse(&buf);
        }
        assert!(matches!(
            result,
            Err(Error::TooLarge {
                limit: Limit::HeadSize,
                max: 65536
            })
        ));
        assert!(buf.len() <= limits.max_head_bytes + read.len());
    }

    #[test]
    fn a_one_megabyte_header_line_in_one_read_is_rejected_at_once() {
        let mut buf = b"HTTP/1.1 200 OK\r\nX-Huge: ".to_vec();
        buf.resize(1 << 20, b'a');
        assert!(matches!(
            parse_all(&buf),
            Err(Error::TooLarge {
                limit: Limit::HeadSize,
                ..
            })
        ));
        buf.extend_from_slice(b"\r\n\r\n");
        assert!(matches!(
            parse_all(&buf),
            Err(Error::TooLarge {
                limit: Limit::HeadSize,
                ..
            })
        ));
    }

    #[test]
    fn too_many_headers_is_too_large() {
        let limits = HeadLimits {
            max_head_bytes: 1 << 20,
            max_headers: 3,
        };
        let ok = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert!(matches!(parse_response_head(ok, &limits), Ok(Some(_))));
        let many = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
        assert!(matches!(
            parse_response_head(many, &limits),
            Err(Error::TooLarge {
                limit: Limit::HeaderCount,
                max: 3
            })
        ));
        // More slots than fit on the stack.
        let mut big = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..150 {
            big.extend_from_slice(format!("H{i}: v\r\n").as_bytes());
        }
        big.extend_from_slice(b"\r\n");
        let limits = HeadLimits {
            max_head_bytes: 1 << 20,
            max_headers: 200,
        };
        let parsed = parse_response_head(&big, &limits).ok().flatten();
        assert_eq!(parsed.map(|(head, _)| head.headers.len()), Some(150));
        assert!(matches!(
            parse_all(&big),
            Err(Error::TooLarge {
                limit: Limit::HeaderCount,
                max: 100
            })
        ));
    }

    #[test]
    fn empty_lines_before_the_status_line_are_skipped_and_consumed() {
        let wire = b"\r\n\nHTTP/1.1 200 OK\r\n\r\nbody";
        let (head, consumed) = expect_head(wire);
        assert_eq!((head.status, &wire[consumed..]), (200, &b"body"[..]));
        assert_eq!(parse_all(b"\r\n\r\n\r").ok(), Some(None));
        let mut parser = HeadParser::new(HeadLimits {
            max_head_bytes: 64,
            max_headers: 10,
        });
        let endless = b"\r\n".repeat(40);
        assert!(matches!(parser.parse(&endless[..60]), Ok(None)));
        assert!(matches!(
            parser.parse(&endless),
            Err(Error::TooLarge {
                limit: Limit::HeadSize,
                max: 64
            })
        ));
    }

    #[test]
    fn a_missing_reason_phrase_is_fine() {
        let (head, _) = expect_head(b"HTTP/1.1 204\r\n\r\n");
        assert_eq!((head.status, head.reason.as_str()), (204, ""));
    }

    #[test]
    fn a_shrunken_buffer_restarts_the_parser() {
        let mut parser = HeadParser::new(HeadLimits::default());
        assert!(matches!(
            parser.parse(b"HTTP/1.1 200 OK\r\nA: b\r\n"),
            Ok(None)
        ));
        assert!(matches!(
            parser.parse(b"HTTP/1.1 200 OK\r\n\r\n"),
            Ok(Some((_, 19)))
        ));
    }
}
