//! The fault routes: each one a distinct way for a server to misbehave, for a client to detect.
//!
//! A client's error handling can only be tested against a server that breaks the rules
//! on purpose, the same way every time. Each route here breaks exactly one: it closes
//! too early, sends too much or too little, too slowly, or not HTTP at all (the table in
//! `routes.rs` lists them). The broken ones write their bytes with
//! [`Responder::raw`], which no framing rule touches; the merely slow or short-lived ones
//! are valid responses and go through the usual [`Responder`] calls.
//!
//! Path: `routes.rs` hands over every `/fault/<name>` -> the bytes go out through
//! `response.rs`; the returned [`After`] tells `connection.rs` whether to close or hold.

use std::io;
use std::time::Duration;

use ripple_reactor::{AsyncWrite, sleep};

use crate::server::connection::After;
use crate::server::pattern::{BLOCK, pattern_slice};
use crate::server::request::{Request, query_param};
use crate::server::response::{Framing, Responder};
use crate::server::routes::{MAX_DELAY_MS, bad_request, number, number_param, text};

/// The head of the chunked fault responses.
const CHUNKED_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
Transfer-Encoding: chunked\r\n\r\n";

/// The length of each header line `/fault/never-ending-head` sends, CRLF included.
const ENDLESS_LINE: usize = 1000;

/// The longest header `/fault/oversized-header` sends: 1 GiB, in KiB.
const MAX_OVERSIZED_KB: u64 = 1024 * 1024;

/// Answers `/fault/<name>`.
pub(crate) async fn respond<S: AsyncWrite>(
    name: &str,
    request: &Request,
    out: &mut Responder<'_, S>,
) -> io::Result<After> {
    let query = request.query();
    match name {
        "close-mid-headers" => {
            out.raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/pl").await?;
            Ok(After::Close)
        }
        "close-before-answer" => Ok(After::Close),
        "close-mid-body" => {
            out.raw(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                Content-Length: 1000\r\n\r\n",
            )
            .await?;
            out.raw(pattern_slice(0, 100)).await?;
            Ok(After::Close)
        }
        "close-idle" => {
            text(
                out,
                200,
                "this connection closes right after this response\n",
            )
            .await?;
            Ok(After::Close)
        }
        "keep-alive-timeout" => {
            let Some(seconds) = number_param(query, "s", 1, MAX_DELAY_MS / 1000) else {
                return bad_request(out, "s must be a number of seconds").await;
            };
            out.start(200)
                .header("Content-Type", "text/plain; charset=utf-8")
                .header("Keep-Alive", format!("timeout={seconds}"));
            out.send(format!("this connection closes after {seconds} s idle\n").as_bytes())
                .await?;
            Ok(After::NextWithin(Duration::from_secs(seconds)))
        }
        "slow-drip" | "slow-body" => {
            let (Some(ms), Some(len)) = (
                number_param(query, "ms", 100, MAX_DELAY_MS),
                number_param(query, "bytes", 10, BLOCK as u64),
            ) else {
                return bad_request(out, "ms and bytes must be numbers").await;
            };
            // The cast is exact: `len <= BLOCK`.
            let body = pattern_slice(0, len as usize);
            let delay = Duration::from_millis(ms);
            out.start(200)
                .header("Content-Type", "application/octet-stream");
            if name == "slow-drip" {
                out.send_slowly(body, delay).await?;
            } else {
                out.send_head(Framing::Length(len)).await?;
                for (i, byte) in body.iter().enumerate() {
                    if i > 0 {
                        sleep(delay).await;
                    }
                    out.send_body(std::slice::from_ref(byte)).await?;
                }
            }
            Ok(After::Next)
        }
        "never-answer" => Ok(After::Hold),
        "garbage-status" => {
            out.raw(b"ICY 200 OK\r\nicy-name: ripple radio\r\nContent-Type: audio/mpeg\r\n\r\n")
                .await?;
            Ok(After::Close)
        }
        "oversized-header" => {
            let Some(kb) = number_param(query, "kb", 1024, MAX_OVERSIZED_KB) else {
                return bad_request(out, "kb must be a number of KiB").await;
            };
            out.raw(b"HTTP/1.1 200 OK\r\nX-Oversized: ").await?;
            let filler = vec![b'a'; BLOCK];
            let mut left = kb * 1024;
            while left > 0 {
                // The cast is exact: the minimum is at most BLOCK.
                let piece = left.min(BLOCK as u64) as usize;
                out.raw(&filler[..piece]).await?;
                left -= piece as u64;
            }
            out.raw(b"\r\nContent-Length: 0\r\n\r\n").await?;
            Ok(After::Close)
        }
        "never-ending-head" => {
            let Some(ms) = number_param(query, "ms", 10, MAX_DELAY_MS) else {
                return bad_request(out, "ms must be a number of milliseconds").await;
            };
            out.raw(b"HTTP/1.1 200 OK\r\n").await?;
            let filler = "x".repeat(ENDLESS_LINE - "X-Never-Ending-000000: \r\n".len());
            // Ends only when a write fails: the client has gone away.
            for i in 0u64.. {
                sleep(Duration::from_millis(ms)).await;
                let line = format!("X-Never-Ending-{i:06}: {filler}\r\n");
                out.raw(line.as_bytes()).await?;
            }
            Ok(After::Close)
        }
        "wrong-content-length" => match query_param(query, "extra") {
            None => {
                out.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                    .await?;
                out.raw(pattern_slice(0, 50)).await?;
                Ok(After::Close)
            }
            Some(extra) => {
                let Some(extra) = number(&extra, (BLOCK - 100) as u64) else {
                    return bad_request(out, "extra must be a number of bytes").await;
                };
                out.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                    .await?;
                // The cast is exact: 100 + extra <= BLOCK.
                out.raw(pattern_slice(0, 100 + extra as usize)).await?;
                Ok(After::Next)
            }
        },
        "bad-chunk-size" => {
            out.raw(CHUNKED_HEAD).await?;
            out.raw(b"zz\r\nhello\r\n0\r\n\r\n").await?;
            Ok(After::Close)
        }
        "huge-chunk-size" => {
            out.raw(CHUNKED_HEAD).await?;
            out.raw(b"ffffffffffffffff\r\n").await?;
            out.raw(pattern_slice(0, 100)).await?;
            Ok(After::Close)
        }
        "truncated-chunked" => {
            out.raw(CHUNKED_HEAD).await?;
            out.raw(b"10\r\n").await?;
            out.raw(pattern_slice(0, 16)).await?;
            out.raw(b"\r\n20\r\n").await?;
            out.raw(pattern_slice(16, 10)).await?;
            Ok(After::Close)
        }
        _ => {
            text(out, 404, &format!("no such fault: {name}\n")).await?;
            Ok(After::Next)
        }
    }
}
