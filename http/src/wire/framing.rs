//! Framing: where a response's body ends, and whether the connection can be used again.
//!
//! RFC 9112 section 6.3 decides the body's length from the request method, the status
//! and two fields, in this order:
//! 1. a response to `HEAD`, and every 1xx, 204 and 304 response, has no body;
//! 2. `Transfer-Encoding: chunked` frames it with chunks (and wins over Content-Length);
//! 3. `Content-Length: n` says it is n bytes;
//! 4. otherwise the body runs until the server closes the connection.
//!
//! Where the RFC leaves a choice, this client takes the strict one:
//! - A Transfer-Encoding other than exactly `chunked` (`gzip, chunked`, `identity`,
//!   `chunked, chunked`) is a protocol error. RFC 9112 would read a body whose last coding
//!   is not chunked until close, but this client sends no `TE` field, so a server may only
//!   use chunked (RFC 9110 section 10.1.4), and passing undecoded bytes on as the body
//!   would be silently wrong.
//! - Transfer-Encoding in an HTTP/1.0 response is a protocol error (RFC 9112 section 6.1:
//!   "MUST treat the message as if the framing is faulty").
//! - With both Transfer-Encoding and Content-Length, chunked wins, but the connection is
//!   not reused afterwards: such a response may be an attempt at response splitting.
//! - Several Content-Length values (in one field, `5, 5`, or in several) must all be the
//!   same number, else it is a protocol error, as is anything but digits, or a number
//!   that does not fit in 64 bits.
//!
//! Keep-alive (RFC 9112 section 9.3): an HTTP/1.1 connection stays open unless either
//! `Connection` says `close`; an HTTP/1.0 one only if the response says `keep-alive`. A
//! body read until close ends the connection by definition. `Keep-Alive: timeout=N` is
//! read so the pool can drop the idle connection before the server does. The request's
//! own `Connection: close` is the connection's business: it knows what it sent.
//!
//! A `CONNECT` tunnel (2xx to CONNECT) is not supported: this client never sends CONNECT.
//!
//! Path: `conn.rs` calls [`ResponseHead::framing`] after `wire/response_head.rs` -> builds a
//! `wire/body.rs` decoder from the [`BodyKind`].

use std::time::Duration;

use crate::error::{Error, Phase, Result};
use crate::wire::{ResponseHead, Version};

/// How a response's body is delimited on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// No body at all (HEAD, 1xx, 204, 304).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunks, ended by a zero-size chunk and optional trailer fields.
    Chunked,
    /// Everything until the server closes the connection.
    UntilClose,
}

/// What the head says about the body and about the connection after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing {
    /// Where the body ends.
    pub body: BodyKind,
    /// Whether the connection may carry another request once this body is read.
    pub keep_alive: bool,
    /// The server's `Keep-Alive: timeout=N`, if it sent one and the connection is kept:
    /// after this long idle, the server may close it.
    pub keep_alive_timeout: Option<Duration>,
}

impl ResponseHead {
    /// Decides the body framing and connection reuse for this response to a `method`
    /// request (RFC 9112 sections 6.3 and 9.3; the module docs list the choices made).
    pub fn framing(&self, method: &str) -> Result<Framing> {
        let (body, suspicious) = self.body_kind(method)?;
        let headers = &self.headers;
        let keep_alive = !suspicious
            && body != BodyKind::UntilClose
            && !headers.contains_token("connection", "close")
            && match self.version {
                Version::Http11 => true,
                Version::Http10 => headers.contains_token("connection", "keep-alive"),
            };
        let keep_alive_timeout = if keep_alive {
            headers.get("keep-alive").and_then(parse_keep_alive_timeout)
        } else {
            None
        };
        Ok(Framing {
            body,
            keep_alive,
            keep_alive_timeout,
        })
    }

    /// RFC 9112 section 6.3; the flag says the framing is valid but not to be trusted
    /// for another request (both Transfer-Encoding and Content-Length).
    fn body_kind(&self, method: &str) -> Result<(BodyKind, bool)> {
        if method == "HEAD" || (100..200).contains(&self.status) || matches!(self.status, 204 | 304)
        {
            return Ok((BodyKind::Empty, false));
        }
        let has_length = self.headers.contains("content-length");
        if self.headers.contains("transfer-encoding") {
            self.check_chunked_only()?;
            return Ok((BodyKind::Chunked, has_length));
        }
        if has_length {
            return Ok((BodyKind::Length(self.content_length()?), false));
        }
        Ok((BodyKind::UntilClose, false))
    }

    /// Accepts a Transfer-Encoding that is exactly `chunked`, over one or more fields.
    fn check_chunked_only(&self) -> Result<()> {
        if self.version == Version::Http10 {
            return Err(bad_framing("Transfer-Encoding in an HTTP/1.0 response"));
        }
        let mut codings = self
            .headers
            .get_all("transfer-encoding")
            .flat_map(|value| value.split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .filter(|coding| !coding.is_empty());
        match (codings.next(), codings.next()) {
            (Some(coding), None) if coding.eq_ignore_ascii_case(b"chunked") => Ok(()),
            (None, _) => Err(bad_framing("an empty Transfer-Encoding")),
            _ => {
                let all = self.headers.get_all("transfer-encoding");
                let all: Vec<_> = all.map(String::from_utf8_lossy).collect();
                Err(bad_framing(&format!(
                    "unsupported Transfer-Encoding {:?} (only \"chunked\")",
                    all.join(", ")
                )))
            }
        }
    }

    /// Every Content-Length value, which must be one number, said once or repeated.
    fn content_length(&self) -> Result<u64> {
        let mut length = None;
        let values = self.headers.get_all("content-length");
        for value in values.flat_map(|value| value.split(|&b| b == b',')) {
            let value = value.trim_ascii();
            let parsed = parse_digits(value).ok_or_else(|| {
                bad_framing(&format!(
                    "invalid Content-Length {:?}",
                    String::from_utf8_lossy(value)
                ))
            })?;
            if length.is_some_and(|length| length != parsed) {
                return Err(bad_framing("conflicting Content-Length values"));
            }
            length = Some(parsed);
        }
        length.ok_or_else(|| bad_framing("an empty Content-Length"))
    }
}

/// `1*DIGIT` as a `u64`; `None` for anything else, including overflow.
fn parse_digits(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        let digit = char::from(b).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// `timeout=N` out of a `Keep-Alive` field such as `timeout=5, max=1000`.
fn parse_keep_alive_timeout(value: &[u8]) -> Option<Duration> {
    value
        .split(|&b| b == b',' || b == b';')
        .find_map(|parameter| {
            let at = parameter.iter().position(|&b| b == b'=')?;
            let (name, seconds) = (&parameter[..at], &parameter[at + 1..]);
            if !name.trim_ascii().eq_ignore_ascii_case(b"timeout") {
                return None;
            }
            let seconds = seconds.trim_ascii();
            let seconds = seconds
                .strip_prefix(b"\"")
                .and_then(|s| s.strip_suffix(b"\""))
                .unwrap_or(seconds);
            parse_digits(seconds).map(Duration::from_secs)
        })
}

fn bad_framing(what: &str) -> Error {
    Error::protocol(Phase::WaitingForHead, what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Headers;

    fn head(status: u16, version: Version, fields: &[(&str, &str)]) -> ResponseHead {
        ResponseHead {
            status,
            reason: String::new(),
            version,
            headers: fields.iter().copied().collect::<Headers>(),
        }
    }

    fn framing(status: u16, fields: &[(&str, &str)]) -> Result<Framing> {
        head(status, Version::Http11, fields).framing("GET")
    }

    fn body(status: u16, fields: &[(&str, &str)]) -> BodyKind {
        match framing(status, fields) {
            Ok(framing) => framing.body,
            Err(e) => panic!("{status} {fields:?}: {e}"),
        }
    }

    fn protocol_error(version: Version, fields: &[(&str, &str)]) -> String {
        match head(200, version, fields).framing("GET") {
            Err(Error::Protocol {
                phase: Phase::WaitingForHead,
                reason,
            }) => reason,
            other => panic!("{fields:?}: expected a protocol error, got {other:?}"),
        }
    }

    #[test]
    fn head_1xx_204_and_304_have_no_body_whatever_the_fields_say() {
        let length = [("Content-Length", "10")];
        assert_eq!(
            head(200, Version::Http11, &length)
                .framing("HEAD")
                .map(|f| f.body)
                .ok(),
            Some(BodyKind::Empty)
        );
        for status in [100, 103, 204, 304] {
            assert_eq!(body(status, &length), BodyKind::Empty, "{status}");
        }
        let framing = framing(204, &[]).ok();
        assert_eq!(framing.map(|f| f.keep_alive), Some(true));
    }

    #[test]
    fn content_length_gives_an_exact_length() {
        assert_eq!(
            body(200, &[("Content-Length", "1256")]),
            BodyKind::Length(1256)
        );
        assert_eq!(body(200, &[("Content-Length", "0")]), BodyKind::Length(0));
        assert_eq!(
            body(200, &[("Content-Length", " 007 ")]),
            BodyKind::Length(7)
        );
        assert_eq!(
            body(200, &[("Content-Length", "5, 5")]),
            BodyKind::Length(5)
        );
        assert_eq!(
            body(200, &[("Content-Length", "5"), ("content-length", "5")]),
            BodyKind::Length(5)
        );
        assert_eq!(
            body(200, &[("Content-Length", "18446744073709551615")]),
            BodyKind::Length(u64::MAX)
        );
    }

    #[test]
    fn conflicting_or_invalid_content_lengths_are_protocol_errors() {
        let v = Version::Http11;
        assert!(protocol_error(v, &[("Content-Length", "5, 6")]).contains("conflicting"));
        assert!(
            protocol_error(v, &[("Content-Length", "5"), ("Content-Length", "6")])
                .contains("conflicting")
        );
        for bad in [
            "",
            "-1",
            "+5",
            "5a",
            "0x10",
            "1 2",
            "5,",
            "18446744073709551616",
            "1e3",
        ] {
            let reason = protocol_error(v, &[("Content-Length", bad)]);
            assert!(reason.contains("Content-Length"), "{bad:?}: {reason}");
        }
    }

    #[test]
    fn chunked_wins_over_content_length_but_the_connection_is_not_reused() {
        assert_eq!(
            body(200, &[("Transfer-Encoding", "chunked")]),
            BodyKind::Chunked
        );
        assert_eq!(
            body(200, &[("Transfer-Encoding", "Chunked")]),
            BodyKind::Chunked
        );
        assert_eq!(
            body(200, &[("Transfer-Encoding", " chunked ,")]),
            BodyKind::Chunked
        );
        let both = framing(
            200,
            &[("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
        );
        let both = both.ok();
        assert_eq!(
            both.map(|f| (f.body, f.keep_alive)),
            Some((BodyKind::Chunked, false))
        );
        // Even an invalid Content-Length does not matter once chunked decides.
        assert_eq!(
            body(
                200,
                &[("Content-Length", "x"), ("Transfer-Encoding", "chunked")]
            ),
            BodyKind::Chunked
        );
    }

    #[test]
    fn transfer_codings_other_than_chunked_are_protocol_errors() {
        let v = Version::Http11;
        for te in [
            "gzip",
            "gzip, chunked",
            "chunked, gzip",
            "chunked, chunked",
            "identity",
            "",
        ] {
            let reason = protocol_error(v, &[("Transfer-Encoding", te)]);
            assert!(reason.contains("Transfer-Encoding"), "{te:?}: {reason}");
        }
        let split = [
            ("Transfer-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
        ];
        assert!(protocol_error(v, &split).contains("gzip, chunked"));
        let reason = protocol_error(Version::Http10, &[("Transfer-Encoding", "chunked")]);
        assert!(reason.contains("HTTP/1.0"));
    }

    #[test]
    fn without_framing_fields_the_body_runs_until_close_and_ends_the_connection() {
        let framing = framing(200, &[]).ok();
        assert_eq!(
            framing.map(|f| (f.body, f.keep_alive)),
            Some((BodyKind::UntilClose, false))
        );
    }

    #[test]
    fn http_1_1_keeps_alive_unless_told_to_close() {
        let keep = |fields: &[(&str, &str)]| framing(200, fields).map(|f| f.keep_alive).ok();
        assert_eq!(keep(&[("Content-Length", "1")]), Some(true));
        assert_eq!(
            keep(&[("Content-Length", "1"), ("Connection", "close")]),
            Some(false)
        );
        assert_eq!(
            keep(&[("Content-Length", "1"), ("Connection", "Upgrade, CLOSE")]),
            Some(false)
        );
        assert_eq!(
            keep(&[
                ("Transfer-Encoding", "chunked"),
                ("Connection", "keep-alive")
            ]),
            Some(true)
        );
    }

    #[test]
    fn http_1_0_keeps_alive_only_when_asked() {
        let keep = |fields: &[(&str, &str)]| {
            head(200, Version::Http10, fields)
                .framing("GET")
                .map(|f| f.keep_alive)
                .ok()
        };
        assert_eq!(keep(&[("Content-Length", "1")]), Some(false));
        assert_eq!(
            keep(&[("Content-Length", "1"), ("Connection", "Keep-Alive")]),
            Some(true)
        );
        assert_eq!(
            keep(&[("Connection", "keep-alive")]),
            Some(false),
            "until close"
        );
    }

    #[test]
    fn the_keep_alive_timeout_is_read_when_the_connection_is_kept() {
        let timeout = |value: &str, connection: &str| {
            let fields = [
                ("Content-Length", "0"),
                ("Keep-Alive", value),
                ("Connection", connection),
            ];
            framing(200, &fields)
                .ok()
                .and_then(|f| f.keep_alive_timeout)
        };
        let secs = |n| Some(Duration::from_secs(n));
        assert_eq!(timeout("timeout=5, max=1000", ""), secs(5));
        assert_eq!(timeout("max=10, Timeout = 30", ""), secs(30));
        assert_eq!(timeout("timeout=\"7\"", ""), secs(7));
        assert_eq!(timeout("timeout=0", ""), secs(0));
        assert_eq!(timeout("timeout=-1", ""), None);
        assert_eq!(timeout("timeout=abc", ""), None);
        assert_eq!(timeout("max=5", ""), None);
        assert_eq!(timeout("timeout=5", "close"), None);
    }
}
