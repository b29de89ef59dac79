//! What the example server answers: every route, normal and faulty, in one table.
//!
//! | Route | Answer |
//! |---|---|
//! | `/` | 200 `text/html`: a page of exactly 1,256 bytes (example.com's size) |
//! | `/delay/<ms>` | 200 `text/plain` after `<ms>` milliseconds on the runtime's clock (the paused clock obeys); at most 86,400,000 |
//! | `/status/<code>` | `<code>` (100..=599) with body `<code> <reason>\n`; 204 and 304 with no body and no `Content-Length`; a 1xx code sends that interim head, then a final 200 |
//! | `/bytes/<n>` | 200 `application/octet-stream`, `Content-Length: n`, n bytes of the pattern ([`pattern_byte`](super::pattern_byte)), streamed 64 KiB at a time |
//! | `/chunked/<n>` | the same n bytes with `Transfer-Encoding: chunked`, in chunks of 1, 2, 4, ... up to 64 KiB bytes, then the trailer `X-Body-Length: n` (announced by `Trailer:`) |
//! | `/redirect/<n>` | n > 0: 302 with `Location: /redirect/<n-1>`; n = 0: 200 |
//! | `/redirect-to?url=U&status=S` | S (300..=399, default 302) with `Location: U` (percent-decoded) |
//! | `/cookies/set?k=v&k2=v2` | 302 to `/cookies`, with one `Set-Cookie: k=v; Path=/` per pair |
//! | `/cookies/delete?k&k2` | 302 to `/cookies`, with one `Set-Cookie: k=; Max-Age=0; Path=/` per name |
//! | `/cookies` | 200 `text/plain`: the request's cookies, one `k=v` line each, in the order sent |
//! | `/headers` | 200 `text/plain`: the request's headers, one `Name: value` line each, as received |
//! | `/stats` | 200 `text/plain`: the server's counters ([`ServerStats`](super::ServerStats)), one `name value` line each, this request and its connection included |
//! | `/echo` | 200: the request body back, with the request's `Content-Type` (else `application/octet-stream`); header `X-Echo-Method: <method>`, and each request header `Name: v` again as `X-Echo-Name: v` |
//! | `/fault/close-mid-headers` | `HTTP/1.1 200 OK\r\nContent-Type: text/pl`, then closes |
//! | `/fault/close-before-answer` | reads the request, closes without sending a byte |
//! | `/fault/close-mid-body` | `Content-Length: 1000`, sends 100 bytes, closes |
//! | `/fault/close-idle` | a valid 200 that keeps the connection alive (no `Connection: close`), then closes it at once: the stale pooled connection |
//! | `/fault/keep-alive-timeout?s=1` | a valid 200 with `Keep-Alive: timeout=<s>`; the connection then closes after s seconds without a request |
//! | `/fault/slow-drip?ms=100&bytes=10` | a valid 200 with a `bytes`-byte body, the whole response sent one byte at a time, `ms` apart |
//! | `/fault/slow-body?ms=100&bytes=10` | the head at once, then the `bytes`-byte body one byte every `ms` |
//! | `/fault/never-answer` | reads the request, never answers; holds the connection until the client leaves |
//! | `/fault/garbage-status` | `ICY 200 OK` (a SHOUTcast status line, not HTTP) and a few headers, then closes |
//! | `/fault/oversized-header?kb=1024` | a header line of `kb` KiB (default 1 MiB, far over 64 KiB), then closes |
//! | `/fault/never-ending-head?ms=10` | a status line, then a 1,000-byte header line every `ms`, forever, until the client leaves |
//! | `/fault/wrong-content-length` | `Content-Length: 100`, sends 50 bytes, closes |
//! | `/fault/wrong-content-length?extra=N` | `Content-Length: 100`, sends 100 + N bytes and keeps the connection: the N bytes spoil it |
//! | `/fault/bad-chunk-size` | chunked, and the first chunk-size line is `zz`; closes |
//! | `/fault/huge-chunk-size` | chunked, chunk size `ffffffffffffffff`, 100 bytes, closes |
//! | `/fault/truncated-chunked` | chunked, a 16-byte chunk, then 10 bytes of a 32-byte chunk; closes |
//! | anything else | 404 `text/plain` |
//!
//! Rules for every route:
//! - Any method is accepted. The request body is always read (so the next request on the
//!   connection starts where it should) and ignored, except by `/echo`.
//! - HEAD gets the head a GET would get, and no body. Fault routes that break the framing
//!   send the same bytes whatever the method.
//! - A number in the path or query that does not parse, or is out of range: 400 (the
//!   connection stays open). A malformed request: 400; a head over 64 KiB or with more
//!   than 100 lines: 431; a body over 16 MiB: 413; a transfer coding other than chunked:
//!   501; after those the server closes the connection.
//! - Responses carry no `Date` or `Server` header, so they are the same bytes every time.
//!
//! Path: `connection.rs` calls `respond` with each request -> `faults.rs` for
//! `/fault/...` -> `response.rs` writes the bytes.

use std::io;
use std::time::Duration;

use ripple_reactor::{AsyncWrite, sleep};

use crate::server::Counters;
use crate::server::connection::After;
use crate::server::faults;
use crate::server::page::PAGE;
use crate::server::pattern::{BLOCK, pattern_slice};
use crate::server::request::{Request, query_pairs, query_param};
use crate::server::response::{Framing, Responder, reason};

/// Every route, with a one-line description, for `serve` to print.
pub const ROUTES: &[(&str, &str)] = &[
    ("/", "a 1,256-byte HTML page"),
    ("/delay/<ms>", "200 after <ms> milliseconds"),
    ("/status/<code>", "that status code (100..=599)"),
    ("/bytes/<n>", "n pattern bytes, Content-Length"),
    ("/chunked/<n>", "n pattern bytes, chunked, with a trailer"),
    (
        "/redirect/<n>",
        "302 to /redirect/<n-1>, ..., /redirect/0 is 200",
    ),
    ("/redirect-to?url=U&status=S", "S (default 302) to U"),
    (
        "/cookies/set?k=v&k2=v2",
        "Set-Cookie for each pair, 302 to /cookies",
    ),
    (
        "/cookies/delete?k&k2",
        "expire each cookie, 302 to /cookies",
    ),
    ("/cookies", "the request's cookies, k=v lines"),
    ("/headers", "the request's headers, Name: value lines"),
    (
        "/echo",
        "the request body back, method and headers as X-Echo-*",
    ),
    (
        "/stats",
        "the server's counters: accepted, open, most open, requests",
    ),
    ("/fault/close-mid-headers", "part of a head, then close"),
    (
        "/fault/close-before-answer",
        "read the request, close without a byte",
    ),
    (
        "/fault/close-mid-body",
        "Content-Length 1000, 100 bytes, close",
    ),
    ("/fault/close-idle", "a keep-alive 200, then close at once"),
    (
        "/fault/keep-alive-timeout?s=1",
        "Keep-Alive: timeout=s, close after s idle",
    ),
    (
        "/fault/slow-drip?ms=100&bytes=10",
        "the whole response a byte per ms",
    ),
    (
        "/fault/slow-body?ms=100&bytes=10",
        "the head at once, the body a byte per ms",
    ),
    ("/fault/never-answer", "read the request, never answer"),
    ("/fault/garbage-status", "a non-HTTP status line"),
    ("/fault/oversized-header?kb=1024", "a header line of kb KiB"),
    ("/fault/never-ending-head?ms=10", "header lines forever"),
    (
        "/fault/wrong-content-length",
        "Content-Length 100, 50 bytes, close",
    ),
    (
        "/fault/wrong-content-length?extra=N",
        "Content-Length 100, 100+N bytes",
    ),
    ("/fault/bad-chunk-size", "chunk size zz"),
    ("/fault/huge-chunk-size", "chunk size ffffffffffffffff"),
    ("/fault/truncated-chunked", "close in the middle of a chunk"),
];

/// The longest delay `/delay` and the fault routes accept, one day in milliseconds: far
/// from overflowing the clock.
pub(crate) const MAX_DELAY_MS: u64 = 86_400_000;

/// Answers `request` according to the table above.
pub(crate) async fn respond<S: AsyncWrite>(
    request: &Request,
    out: &mut Responder<'_, S>,
    counters: &Counters,
) -> io::Result<After> {
    let path = request.path();
    if let Some(fault) = path.strip_prefix("/fault/") {
        return faults::respond(fault, request, out).await;
    }
    if let Some(ms) = path.strip_prefix("/delay/") {
        return delay(ms, out).await;
    }
    if let Some(code) = path.strip_prefix("/status/") {
        return status(code, out).await;
    }
    if let Some(n) = path.strip_prefix("/bytes/") {
        return bytes(n, false, out).await;
    }
    if let Some(n) = path.strip_prefix("/chunked/") {
        return bytes(n, true, out).await;
    }
    if let Some(n) = path.strip_prefix("/redirect/") {
        return redirect(n, out).await;
    }
    match path {
        "/" => {
            out.start(200)
                .header("Content-Type", "text/html; charset=utf-8");
            out.send(PAGE.as_bytes()).await?;
        }
        "/redirect-to" => return redirect_to(request.query(), out).await,
        "/cookies/set" => return set_cookies(request.query(), out).await,
        "/cookies/delete" => return delete_cookies(request.query(), out).await,
        "/cookies" => text(out, 200, &cookie_lines(request)).await?,
        "/headers" => text(out, 200, &header_lines(request)).await?,
        "/echo" => echo(request, out).await?,
        "/stats" => {
            let stats = counters.snapshot();
            let lines = format!(
                "accepted {}\nopen_connections {}\nmax_open_connections {}\nrequests {}\n",
                stats.accepted, stats.open_connections, stats.max_open_connections, stats.requests
            );
            text(out, 200, &lines).await?;
        }
        _ => text(out, 404, &format!("not found: {path}\n")).await?,
    }
    Ok(After::Next)
}

/// Sends a `text/plain` response.
pub(crate) async fn text<S: AsyncWrite>(
    out: &mut Responder<'_, S>,
    status: u16,
    body: &str,
) -> io::Result<()> {
    out.start(status)
        .header("Content-Type", "text/plain; charset=utf-8");
    out.send(body.as_bytes()).await
}

/// Answers 400 for a bad parameter; the connection stays usable.
pub(crate) async fn bad_request<S: AsyncWrite>(
    out: &mut Responder<'_, S>,
    why: &str,
) -> io::Result<After> {
    text(out, 400, &format!("bad request: {why}\n")).await?;
    Ok(After::Next)
}

/// Parses `text` as a number no larger than `max`.
pub(crate) fn number(text: &str, max: u64) -> Option<u64> {
    text.parse().ok().filter(|&n| n <= max)
}

/// The query parameter `name` as a number up to `max`, or `default` when absent.
pub(crate) fn number_param(query: &str, name: &str, default: u64, max: u64) -> Option<u64> {
    match query_param(query, name) {
        None => Some(default),
        Some(value) => number(&value, max),
    }
}

async fn delay<S: AsyncWrite>(ms: &str, out: &mut Responder<'_, S>) -> io::Result<After> {
    let Some(ms) = number(ms, MAX_DELAY_MS) else {
        return bad_request(out, "the delay must be a number of milliseconds").await;
    };
    sleep(Duration::from_millis(ms)).await;
    text(out, 200, &format!("delayed {ms} ms\n")).await?;
    Ok(After::Next)
}

async fn status<S: AsyncWrite>(code: &str, out: &mut Responder<'_, S>) -> io::Result<After> {
    let Some(code) = number(code, 599).filter(|&code| code >= 100) else {
        return bad_request(out, "the status must be a number from 100 to 599").await;
    };
    // The cast is exact: 100 <= code <= 599.
    let code = code as u16;
    if code < 200 {
        out.start(code).send_interim().await?;
        text(out, 200, "the final response after an interim one\n").await?;
    } else {
        text(out, code, &format!("{code} {}\n", reason(code))).await?;
    }
    Ok(After::Next)
}

/// `/bytes/<n>`, or with `chunked`, `/chunked/<n>`.
async fn bytes<S: AsyncWrite>(
    n: &str,
    chunked: bool,
    out: &mut Responder<'_, S>,
) -> io::Result<After> {
    let Some(n) = number(n, u64::MAX) else {
        return bad_request(out, "the length must be a number of bytes").await;
    };
    out.start(200)
        .header("Content-Type", "application/octet-stream");
    // Chunks grow from 1 byte, so small bodies still come in several chunks.
    let mut piece = if chunked {
        out.header("Trailer", "X-Body-Length");
        out.send_head(Framing::Chunked).await?;
        1
    } else {
        out.send_head(Framing::Length(n)).await?;
        BLOCK
    };
    let mut offset = 0;
    while offset < n && out.sends_body() {
        // The cast is exact: the minimum is at most `piece`, a usize.
        let len = (piece as u64).min(n - offset) as usize;
        out.send_body(pattern_slice(offset, len)).await?;
        offset += len as u64;
        piece = (piece * 2).min(BLOCK);
    }
    out.finish(&[("X-Body-Length", &n.to_string())]).await?;
    Ok(After::Next)
}

async fn redirect<S: AsyncWrite>(n: &str, out: &mut Responder<'_, S>) -> io::Result<After> {
    let Some(n) = number(n, u64::MAX) else {
        return bad_request(out, "the redirect count must be a number").await;
    };
    if n == 0 {
        text(out, 200, "redirects done\n").await?;
    } else {
        redirect_response(out, 302, &format!("/redirect/{}", n - 1)).await?;
    }
    Ok(After::Next)
}

async fn redirect_to<S: AsyncWrite>(query: &str, out: &mut Responder<'_, S>) -> io::Result<After> {
    let Some(location) = query_param(query, "url") else {
        return bad_request(out, "redirect-to needs ?url=").await;
    };
    if location.chars().any(char::is_control) {
        return bad_request(out, "the url must not contain control characters").await;
    }
    let Some(status) = number_param(query, "status", 302, 399).filter(|&s| s >= 300) else {
        return bad_request(out, "the status must be a number from 300 to 399").await;
    };
    // The cast is exact: 300 <= status <= 399.
    redirect_response(out, status as u16, &location).await?;
    Ok(After::Next)
}

async fn redirect_response<S: AsyncWrite>(
    out: &mut Responder<'_, S>,
    status: u16,
    location: &str,
) -> io::Result<()> {
    out.start(status)
        .header("Location", location)
        .header("Content-Type", "text/plain; charset=utf-8");
    out.send(format!("redirecting to {location}\n").as_bytes())
        .await
}

async fn set_cookies<S: AsyncWrite>(query: &str, out: &mut Responder<'_, S>) -> io::Result<After> {
    let pairs = query_pairs(query);
    if let Some((name, value)) = pairs
        .iter()
        .find(|(name, value)| !is_cookie_name(name) || !value.bytes().all(is_cookie_octet))
    {
        return bad_request(out, &format!("not a valid cookie: {name:?}={value:?}")).await;
    }
    out.start(302).header("Location", "/cookies");
    for (name, value) in &pairs {
        out.header("Set-Cookie", format!("{name}={value}; Path=/"));
    }
    out.send(b"").await?;
    Ok(After::Next)
}

async fn delete_cookies<S: AsyncWrite>(
    query: &str,
    out: &mut Responder<'_, S>,
) -> io::Result<After> {
    let pairs = query_pairs(query);
    if let Some((name, _)) = pairs.iter().find(|(name, _)| !is_cookie_name(name)) {
        return bad_request(out, &format!("not a valid cookie name: {name:?}")).await;
    }
    out.start(302).header("Location", "/cookies");
    for (name, _) in &pairs {
        out.header("Set-Cookie", format!("{name}=; Max-Age=0; Path=/"));
    }
    out.send(b"").await?;
    Ok(After::Next)
}

/// A cookie name is an HTTP token (RFC 6265 section 4.1.1).
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A cookie value byte: printable ASCII but for `"`, `,`, `;` and `\` (RFC 6265 4.1.1).
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

fn cookie_lines(request: &Request) -> String {
    let mut lines = String::new();
    for value in request.header_values("Cookie") {
        for pair in String::from_utf8_lossy(value).split(';') {
            let pair = pair.trim();
            if !pair.is_empty() {
                lines.push_str(pair);
                lines.push('\n');
            }
        }
    }
    lines
}

fn header_lines(request: &Request) -> String {
    let mut lines = String::new();
    for (name, value) in &request.headers {
        lines.push_str(name);
        lines.push_str(": ");
        lines.push_str(&String::from_utf8_lossy(value));
        lines.push('\n');
    }
    lines
}

async fn echo<S: AsyncWrite>(request: &Request, out: &mut Responder<'_, S>) -> io::Result<()> {
    let content_type = request
        .header("Content-Type")
        .unwrap_or(b"application/octet-stream");
    out.start(200)
        .header("Content-Type", content_type)
        .header("X-Echo-Method", &request.method);
    for (name, value) in &request.headers {
        out.header(&format!("X-Echo-{name}"), value);
    }
    out.send(&request.body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_in_the_list_is_in_the_documented_table() {
        let doc: Vec<&str> = include_str!("routes.rs")
            .lines()
            .filter(|line| line.starts_with("//! | `"))
            .collect();
        for (route, _) in ROUTES {
            let cell = format!("//! | `{route}` |");
            assert!(
                doc.iter().any(|line| line.starts_with(&cell)),
                "{route} missing"
            );
        }
        assert_eq!(
            doc.len(),
            ROUTES.len(),
            "the table and ROUTES list the same routes"
        );
    }

    #[test]
    fn cookie_names_and_values_are_checked() {
        assert!(is_cookie_name("session_id"));
        assert!(!is_cookie_name("a b") && !is_cookie_name("") && !is_cookie_name("a;b"));
        assert!(b"abc-123".iter().all(|&b| is_cookie_octet(b)));
        assert!(!is_cookie_octet(b';') && !is_cookie_octet(b' ') && !is_cookie_octet(b'"'));
    }
}
