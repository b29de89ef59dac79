//! A request head written out: `GET /path HTTP/1.1`, `Host`, the fields, the framing.
//!
//! [`write_request_head`] appends the head to a buffer the connection reuses (RFC 9112
//! sections 3 and 5). Every name and value is checked first: a CR, LF or NUL in a value
//! would let a caller inject fields or a second request, so it is an
//! [`Error::InvalidRequest`], never sent.
//!
//! Path: `conn.rs` `Conn::send` calls [`write_request_head`] with the request's
//! `RequestFields` (`fields.rs`) -> the bytes go out through `connect.rs`'s `Stream`.

use crate::error::{Error, Result};
use crate::url::Url;
use crate::wire::RequestFields;

/// Appends a request head to `out`: request line, `Host`, `headers` in order,
/// `Content-Length`, blank line.
///
/// `body_len` is the length of the body the caller will send right after (it may be
/// appended to `out` too). With `None`, `POST`, `PUT` and `PATCH` still say
/// `Content-Length: 0` (RFC 9110 section 8.6: a server may otherwise answer 411); other
/// methods send no framing at all.
///
/// `Host` is the URL's authority unless `headers` has one. `Content-Length` and
/// `Transfer-Encoding` are this function's to write, so finding either in `headers` is an
/// [`Error::InvalidRequest`], as is a method or name that is not an RFC 9110 token, or a
/// value with a control character other than tab. On error, `out` is left as it was.
pub fn write_request_head(
    out: &mut Vec<u8>,
    method: &str,
    url: &Url,
    headers: &RequestFields<'_>,
    body_len: Option<u64>,
) -> Result<()> {
    check_request(method, headers)?;
    out.reserve(
        64 + url.as_str().len()
            + headers
                .iter()
                .map(|(n, v)| n.len() + v.len() + 4)
                .sum::<usize>(),
    );
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(url.path_and_query().as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    match headers.get("host") {
        Some(host) => out.extend_from_slice(host),
        None => out.extend_from_slice(url.authority().as_bytes()),
    }
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers.iter() {
        if name.eq_ignore_ascii_case("host") {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    let body_len = body_len.or(match method {
        "POST" | "PUT" | "PATCH" => Some(0),
        _ => None,
    });
    if let Some(len) = body_len {
        out.extend_from_slice(format!("Content-Length: {len}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// The checks of [`write_request_head`], done before any byte is written.
fn check_request(method: &str, headers: &RequestFields<'_>) -> Result<()> {
    let bad = |reason: String| Error::InvalidRequest { reason };
    if !is_token(method) {
        return Err(bad(format!("the method {method:?} is not a token")));
    }
    let mut hosts = 0;
    for (name, value) in headers.iter() {
        if !is_token(name) {
            return Err(bad(format!("the header name {name:?} is not a token")));
        }
        if let Some(&b) = value
            .iter()
            .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            return Err(bad(format!(
                "the value of header {name:?} contains the control byte 0x{b:02x}"
            )));
        }
        for framing in ["content-length", "transfer-encoding"] {
            if name.eq_ignore_ascii_case(framing) {
                return Err(bad(format!(
                    "{name} is written by the client from the body; do not set it"
                )));
            }
        }
        if name.eq_ignore_ascii_case("host") {
            hosts += 1;
        }
    }
    if hosts > 1 {
        return Err(bad("more than one Host header".into()));
    }
    Ok(())
}

/// RFC 9110 section 5.6.2: `token = 1*tchar`.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Headers;

    fn written(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<u64>,
    ) -> Result<String> {
        let url = Url::parse(url)?;
        let mut out = b"previous".to_vec();
        let headers: Headers = headers.iter().copied().collect();
        write_request_head(&mut out, method, &url, &RequestFields::only(&headers), body)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn a_get_head_has_host_then_the_headers_in_order_and_no_framing() {
        let head = written(
            "GET",
            "http://example.com:8080/a?b=1",
            &[("User-Agent", "ripple"), ("Accept", "*/*")],
            None,
        );
        assert_eq!(
            head.ok().as_deref(),
            Some(
                "previousGET /a?b=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: ripple\r\nAccept: */*\r\n\r\n"
            )
        );
        let head = written("GET", "https://[::1]/", &[], None);
        assert_eq!(
            head.ok().as_deref(),
            Some("previousGET / HTTP/1.1\r\nHost: [::1]\r\n\r\n")
        );
    }

    #[test]
    fn a_body_gets_a_content_length_and_so_does_an_empty_post() {
        let head = written(
            "POST",
            "http://a/x",
            &[("Content-Type", "text/plain")],
            Some(11),
        );
        assert_eq!(
            head.ok().as_deref(),
            Some(
                "previousPOST /x HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n"
            )
        );
        let head = written("PUT", "http://a/x", &[], None);
        assert!(head.is_ok_and(|h| h.ends_with("Content-Length: 0\r\n\r\n")));
        let head = written("DELETE", "http://a/x", &[], None);
        assert!(head.is_ok_and(|h| !h.contains("Content-Length")));
    }

    #[test]
    fn a_callers_host_header_replaces_the_urls() {
        let head = written(
            "GET",
            "http://127.0.0.1:9/",
            &[("X", "1"), ("host", "virtual.test")],
            None,
        );
        assert_eq!(
            head.ok().as_deref(),
            Some("previousGET / HTTP/1.1\r\nHost: virtual.test\r\nX: 1\r\n\r\n")
        );
    }

    #[test]
    fn injection_and_bad_names_are_invalid_requests_and_write_nothing() {
        let cases: [(&str, &[(&str, &str)]); 9] = [
            ("GET", &[("X", "a\r\nInjected: yes")]),
            ("GET", &[("X", "a\nb")]),
            ("GET", &[("X", "a\0b")]),
            ("GET", &[("Bad Name", "x")]),
            ("GET", &[("Bad:Name", "x")]),
            ("GET", &[("", "x")]),
            ("GET", &[("Content-Length", "5")]),
            ("GET", &[("Host", "a"), ("host", "b")]),
            ("GET /evil", &[]),
        ];
        for (method, headers) in cases {
            let url = Url::parse("http://a/").ok();
            let mut out = b"previous".to_vec();
            let headers: Headers = headers.iter().copied().collect();
            let result = url.map(|url| {
                write_request_head(&mut out, method, &url, &RequestFields::only(&headers), None)
            });
            assert!(
                matches!(result, Some(Err(Error::InvalidRequest { .. }))),
                "{method:?} {headers:?}: {result:?}"
            );
            assert_eq!(out, b"previous");
        }
        let result = written(
            "GET",
            "http://a/",
            &[("Transfer-Encoding", "chunked")],
            None,
        );
        assert!(matches!(result, Err(Error::InvalidRequest { .. })));
        assert!(written("GET", "http://a/", &[("X-Tab", "a\tb")], None).is_ok());
    }
}
