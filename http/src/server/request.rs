//! One request as the server sees it: the head parsed by httparse, the body, the query.
//!
//! [`parse_head`] hands the bytes received so far to `httparse::Request::parse`, which
//! either finds a complete head (request line, header lines, empty line) or asks for more.
//! The body's framing follows RFC 9112 section 6: `Transfer-Encoding: chunked` is decoded
//! by `chunked.rs`, a `Content-Length` is read as is, and neither means no body.
//!
//! Rules kept here, each answered with its own status by `connection.rs`:
//! - a head longer than [`MAX_HEAD`] or with more than [`MAX_HEADERS`] lines: 431;
//! - a body longer than [`MAX_BODY`]: 413;
//! - a transfer coding other than `chunked`: 501;
//! - anything malformed, including both framings at once or two different
//!   `Content-Length`s (the request-smuggling cases): 400.
//!
//! Path: `connection.rs` feeds received bytes in -> `routes.rs` reads the [`Request`];
//! a chunked body goes through `chunked.rs`.

use std::fmt;

/// The longest request head accepted, in bytes (request line, headers, empty line).
pub const MAX_HEAD: usize = 64 * 1024;

/// The most header lines a request may have.
pub const MAX_HEADERS: usize = 100;

/// The longest request body accepted, in bytes (it is held in memory for `/echo`).
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

/// Why a request cannot be served; each maps to the status the server answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestError {
    /// The head or body breaks the HTTP/1.1 grammar (400).
    Malformed(String),
    /// The head is longer than [`MAX_HEAD`] or has more than [`MAX_HEADERS`] lines (431).
    HeadTooLarge,
    /// The body is longer than [`MAX_BODY`] (413).
    BodyTooLarge,
    /// A transfer coding this server does not decode (501).
    UnsupportedTransferEncoding,
}

impl RequestError {
    /// The status code that answers this error.
    pub(crate) fn status(&self) -> u16 {
        match self {
            RequestError::Malformed(_) => 400,
            RequestError::HeadTooLarge => 431,
            RequestError::BodyTooLarge => 413,
            RequestError::UnsupportedTransferEncoding => 501,
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Malformed(why) => write!(f, "malformed request: {why}"),
            RequestError::HeadTooLarge => write!(
                f,
                "request head larger than {MAX_HEAD} bytes or with more than {MAX_HEADERS} lines"
            ),
            RequestError::BodyTooLarge => write!(f, "request body larger than {MAX_BODY} bytes"),
            RequestError::UnsupportedTransferEncoding => {
                f.write_str("only the chunked transfer coding is supported")
            }
        }
    }
}

/// How the request's body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No body at all.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed request: its head, and once `connection.rs` has read it, its body.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The method as sent (`GET`, `POST`, ...).
    pub method: String,
    /// The request target as sent, e.g. `/redirect-to?url=%2F`.
    pub target: String,
    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub minor_version: u8,
    /// Header lines in the order received, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, decoded from its framing.
    pub body: Vec<u8>,
}

impl Request {
    /// The path part of the target, without the query. An absolute-form target
    /// (`http://host/path`, as proxies receive) is reduced to its path.
    pub fn path(&self) -> &str {
        let target = self.origin_form();
        target.split_once('?').map_or(target, |(path, _)| path)
    }

    /// The query part of the target, after `?` (empty if there is none).
    pub fn query(&self) -> &str {
        self.origin_form()
            .split_once('?')
            .map_or("", |(_, query)| query)
    }

    fn origin_form(&self) -> &str {
        let target = &self.target;
        for scheme in ["http://", "https://"] {
            if let Some(rest) = target.strip_prefix(scheme) {
                return rest.find('/').map_or("/", |slash| &rest[slash..]);
            }
        }
        target
    }

    /// Whether this is a HEAD request, answered with the head only.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }

    /// Every value of the headers named `name` (case-insensitive), in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }

    /// Whether a comma-separated header such as `Connection` lists `token`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.header_values(name).any(|value| {
            value
                .split(|&b| b == b',')
                .any(|item| item.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        })
    }

    /// Whether the client lets the connection live on after the response: HTTP/1.1
    /// unless it says `Connection: close`; HTTP/1.0 only if it says `keep-alive`.
    pub fn wants_keep_alive(&self) -> bool {
        if self.minor_version >= 1 {
            !self.has_token("Connection", "close")
        } else {
            self.has_token("Connection", "keep-alive")
        }
    }

    /// Whether the client waits for `100 Continue` before sending its body.
    pub fn expects_continue(&self) -> bool {
        self.minor_version >= 1 && self.has_token("Expect", "100-continue")
    }

    /// How the body is delimited (RFC 9112 section 6.3).
    pub fn body_framing(&self) -> Result<BodyFraming, RequestError> {
        let mut lengths = self.header_values("Content-Length");
        let length = match lengths.next() {
            None => None,
            Some(first) => {
                let length = parse_content_length(first)?;
                // INVARIANT: two lengths that disagree are how requests are smuggled.
                for other in lengths {
                    if parse_content_length(other)? != length {
                        return Err(malformed("conflicting Content-Length headers"));
                    }
                }
                Some(length)
            }
        };
        let mut codings = self
            .header_values("Transfer-Encoding")
            .flat_map(|value| value.split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .filter(|coding| !coding.is_empty())
            .peekable();
        if codings.peek().is_none() {
            return Ok(match length {
                None | Some(0) => BodyFraming::Empty,
                Some(n) => BodyFraming::Length(n),
            });
        }
        if length.is_some() {
            return Err(malformed("both Transfer-Encoding and Content-Length"));
        }
        if self.minor_version == 0 {
            return Err(malformed("Transfer-Encoding in an HTTP/1.0 request"));
        }
        let codings: Vec<&[u8]> = codings.collect();
        if codings.len() == 1 && codings[0].eq_ignore_ascii_case(b"chunked") {
            Ok(BodyFraming::Chunked)
        } else {
            Err(RequestError::UnsupportedTransferEncoding)
        }
    }
}

/// Parses the head at the start of `buf`: `Ok(Some((request, head_len)))` once it is
/// complete, `Ok(None)` if more bytes are needed, an error if it can never be valid.
/// The returned request has an empty body.
pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<(Request, usize)>, RequestError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let head_len = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(head_len)) => head_len,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(RequestError::HeadTooLarge);
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(RequestError::HeadTooLarge),
        Err(e) => return Err(malformed(&e.to_string())),
    };
    if head_len > MAX_HEAD {
        return Err(RequestError::HeadTooLarge);
    }
    // `Complete` guarantees the method, target and version are all present.
    let (Some(method), Some(target), Some(minor_version)) =
        (parsed.method, parsed.path, parsed.version)
    else {
        return Err(malformed("incomplete request line"));
    };
    let request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        minor_version,
        headers: parsed
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), h.value.to_owned()))
            .collect(),
        body: Vec::new(),
    };
    Ok(Some((request, head_len)))
}

fn parse_content_length(value: &[u8]) -> Result<u64, RequestError> {
    let digits = value.trim_ascii();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(malformed("Content-Length is not a number"));
    }
    std::str::from_utf8(digits)
        .ok()
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| malformed("Content-Length is too large"))
}

pub(crate) fn malformed(why: &str) -> RequestError {
    RequestError::Malformed(why.to_owned())
}

/// The `name=value` pairs of a query string, percent-decoded (`+` is a space), in order.
/// A pair without `=` has an empty value.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// The value of the first query parameter named `name`.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query_pairs(query)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value)
}

/// Decodes `%XX` escapes and `+`; an escape that is not two hex digits stays as it is.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match bytes
                .get(i + 1..i + 3)
                .and_then(|pair| hex_pair(pair[0], pair[1]))
            {
                Some(decoded) => {
                    out.push(decoded);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Request {
        match parse_head(text.as_bytes()) {
            Ok(Some((request, len))) => {
                assert_eq!(len, text.len());
                request
            }
            other => panic!("not a complete head: {other:?}"),
        }
    }

    #[test]
    fn a_head_is_complete_only_at_its_empty_line() {
        let text = "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n";
        for cut in 0..text.len() {
            assert!(
                matches!(parse_head(&text.as_bytes()[..cut]), Ok(None)),
                "cut {cut}"
            );
        }
        let request = head(text);
        assert_eq!(request.method, "GET");
        assert_eq!(request.path(), "/a");
        assert_eq!(request.query(), "b=c");
        assert_eq!(request.header("host"), Some(&b"x"[..]));
    }

    #[test]
    fn garbage_is_malformed_and_a_huge_head_is_too_large() {
        assert!(matches!(
            parse_head(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
            Err(RequestError::Malformed(_))
        ));
        let mut big = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        big.resize(MAX_HEAD + 10, b'a');
        assert_eq!(parse_head(&big).unwrap_err(), RequestError::HeadTooLarge);
    }

    #[test]
    fn keep_alive_follows_the_version_and_the_connection_header() {
        assert!(head("GET / HTTP/1.1\r\n\r\n").wants_keep_alive());
        assert!(!head("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").wants_keep_alive());
        assert!(!head("GET / HTTP/1.0\r\n\r\n").wants_keep_alive());
        assert!(head("GET / HTTP/1.0\r\nConnection: foo, Keep-Alive\r\n\r\n").wants_keep_alive());
    }

    #[test]
    fn body_framing_rejects_the_smuggling_cases() {
        let framing = |text: &str| head(text).body_framing();
        assert_eq!(framing("POST / HTTP/1.1\r\n\r\n"), Ok(BodyFraming::Empty));
        assert_eq!(
            framing("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
            Ok(BodyFraming::Length(5))
        );
        assert_eq!(
            framing("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Ok(BodyFraming::Chunked)
        );
        for bad in [
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert!(
                matches!(framing(bad), Err(RequestError::Malformed(_))),
                "{bad}"
            );
        }
        assert_eq!(
            framing("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            Err(RequestError::UnsupportedTransferEncoding)
        );
    }

    #[test]
    fn query_pairs_are_percent_decoded_in_order() {
        assert_eq!(
            query_pairs("url=http%3A%2F%2Fa%2Fb%3Fc%3Dd&status=307&flag&x=a+b%"),
            [
                ("url".to_owned(), "http://a/b?c=d".to_owned()),
                ("status".to_owned(), "307".to_owned()),
                ("flag".to_owned(), String::new()),
                ("x".to_owned(), "a b%".to_owned()),
            ]
        );
        assert_eq!(query_param("a=1&b=2", "b").as_deref(), Some("2"));
    }
}
