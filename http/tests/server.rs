//! The example server, checked byte by byte with a raw TCP client written here.
//!
//! Each test runs the server and its client on one runtime with a paused clock, so the
//! delays and fault routes take no real time and their timings are exact. The client is
//! deliberately dumb (a buffer, `httparse` for heads, a few lines of chunk decoding): it
//! must not share code with ripple's client, whose tests use this server as a reference.
//! Every test ends by checking that the runtime is left with no task, socket or timer.

#[path = "support/certs.rs"]
mod certs;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use ripple_http::server::{
    PATTERN_PERIOD, Server, ServerHandle, pattern, pattern_byte, serve_connection,
};
use ripple_http::tls::{TlsAcceptor, TlsConfig, TlsStream};
use ripple_reactor::time::now;
use ripple_reactor::{
    AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Runtime, TcpListener, TcpStream, sleep,
    spawn, timeout,
};

// ---------------------------------------------------------------------------------------
// A raw client and the harness.

/// Runs `test` against a fresh server on a paused-clock runtime, then checks that
/// nothing was left behind.
fn with_server<F, Fut>(test: F)
where
    F: FnOnce(ServerHandle) -> Fut,
    Fut: Future<Output = ()>,
{
    with_runtime(async {
        let server = Server::bind(localhost()).unwrap().spawn();
        test(server).await;
    });
}

/// Runs `test` on a paused-clock runtime and checks that nothing was left behind.
fn with_runtime(test: impl Future<Output = ()>) {
    let rt = Runtime::builder().paused_clock().build().unwrap();
    rt.block_on(test);
    assert!(rt.is_idle(), "left behind: {:?}", rt.stats());
}

fn localhost() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Waits (on the paused clock, so instantly) until `condition` holds, at most 10 s.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if condition() {
            return;
        }
        sleep(ms(1)).await;
    }
    panic!("never happened: {what}");
}

/// One response as read off the wire.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    trailers: Vec<(String, String)>,
    /// Every byte of the response, head and framing included.
    raw: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn head_text(&self) -> String {
        let end = find(&self.raw, b"\r\n\r\n").unwrap() + 4;
        String::from_utf8_lossy(&self.raw[..end]).into_owned()
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A connection (TCP unless said otherwise) with a buffer of bytes received but not
/// yet used.
struct Client<S = TcpStream> {
    stream: S,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(server: &ServerHandle) -> Client {
        Client {
            stream: TcpStream::connect(server.local_addr()).await.unwrap(),
            buf: Vec::new(),
        }
    }
}

impl<S: AsyncRead + AsyncWrite> Client<S> {
    async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream.write_all(bytes.as_ref()).await.unwrap();
    }

    /// Sends a GET and reads its response.
    async fn get(&mut self, path: &str) -> Response {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n"))
            .await;
        self.response(false).await
    }

    /// Reads once more into the buffer; returns how many bytes came (0: end of stream).
    async fn read_more(&mut self) -> usize {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await.unwrap();
        self.buf.extend_from_slice(&chunk[..n]);
        n
    }

    async fn fill_to(&mut self, len: usize) {
        while self.buf.len() < len {
            assert!(
                self.read_more().await > 0,
                "end of stream before {len} bytes"
            );
        }
    }

    fn take(&mut self, n: usize, raw: &mut Vec<u8>) -> Vec<u8> {
        let taken: Vec<u8> = self.buf.drain(..n).collect();
        raw.extend_from_slice(&taken);
        taken
    }

    /// Takes one CRLF-terminated line (without the CRLF).
    async fn line(&mut self, raw: &mut Vec<u8>) -> String {
        let end = loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                break end;
            }
            assert!(self.buf.len() < 1 << 20, "no line end");
            assert!(self.read_more().await > 0, "end of stream inside a line");
        };
        let line = self.take(end + 2, raw);
        String::from_utf8(line[..end].to_vec()).unwrap()
    }

    /// Reads one response; `head_request` says the request was a HEAD (no body follows).
    async fn response(&mut self, head_request: bool) -> Response {
        let end = loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                break end + 4;
            }
            assert!(self.buf.len() < 1 << 20, "head too long");
            assert!(self.read_more().await > 0, "end of stream inside a head");
        };
        let mut raw = Vec::new();
        let head = self.take(end, &mut raw);
        let mut header_slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut header_slots);
        assert!(parsed.parse(&head).unwrap().is_complete());
        let status = parsed.code.unwrap();
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| {
                let value = String::from_utf8(h.value.to_vec()).unwrap();
                (h.name.to_owned(), value)
            })
            .collect();
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
            trailers: Vec::new(),
            raw: Vec::new(),
        };
        let no_body = head_request || status < 200 || status == 204 || status == 304;
        if no_body {
        } else if let Some(length) = response.header("Content-Length") {
            let length: usize = length.parse().unwrap();
            self.fill_to(length).await;
            response.body = self.take(length, &mut raw);
        } else if response.header("Transfer-Encoding") == Some("chunked") {
            loop {
                let size_line = self.line(&mut raw).await;
                let size = usize::from_str_radix(&size_line, 16).unwrap();
                if size == 0 {
                    break;
                }
                self.fill_to(size + 2).await;
                let data = self.take(size, &mut raw);
                response.body.extend_from_slice(&data);
                assert_eq!(self.take(2, &mut raw), b"\r\n");
            }
            loop {
                let trailer = self.line(&mut raw).await;
                let Some((name, value)) = trailer.split_once(": ") else {
                    assert_eq!(trailer, "");
                    break;
                };
                response.trailers.push((name.to_owned(), value.to_owned()));
            }
        } else {
            response.body = self.read_to_end().await;
            raw.extend_from_slice(&response.body);
        }
        response.raw = raw;
        response
    }

    /// Everything until end of stream, starting with what is buffered.
    async fn read_to_end(&mut self) -> Vec<u8> {
        let mut rest = std::mem::take(&mut self.buf);
        self.stream.read_to_end(&mut rest).await.unwrap();
        rest
    }

    /// Whether the server has closed: end of stream with nothing more to read.
    async fn is_closed(&mut self) -> bool {
        self.buf.is_empty() && self.read_more().await == 0
    }
}

/// Sends `request` on a new connection and returns every byte up to end of stream.
async fn exchange(server: &ServerHandle, request: impl AsRef<[u8]>) -> Vec<u8> {
    let mut client = Client::connect(server).await;
    client.send(request).await;
    client.read_to_end().await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------
// Routes.

#[test]
fn root_is_a_1256_byte_html_page() {
    with_server(|server| async move {
        let response = Client::connect(&server).await.get("/").await;
        assert_eq!(
            response.head_text(),
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Length: 1256\r\n\r\n"
        );
        assert_eq!(response.body.len(), 1256);
        assert!(response.text().starts_with("<!doctype html>"));
        assert!(response.text().ends_with("</html>\n"));
    });
}

#[test]
fn delay_answers_after_exactly_the_delay_on_the_paused_clock() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let start = now();
        let response = client.get("/delay/1000").await;
        assert_eq!(now() - start, Duration::from_secs(1));
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), "delayed 1000 ms\n");
        let start = now();
        assert_eq!(client.get("/delay/0").await.status, 200);
        assert_eq!(now(), start);
        assert_eq!(client.get("/delay/soon").await.status, 400);
        assert_eq!(client.get("/delay/86400001").await.status, 400);
    });
}

#[test]
fn status_sends_the_code_and_no_body_for_204_and_304() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        for code in [200, 201, 299, 301, 400, 404, 418, 500, 503, 599] {
            let response = client.get(&format!("/status/{code}")).await;
            assert_eq!(response.status, code);
            assert!(response.text().starts_with(&format!("{code} ")));
        }
        assert_eq!(
            client.get("/status/418").await.raw,
            b"HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/plain; charset=utf-8\r\n\
              Content-Length: 17\r\n\r\n418 I'm a teapot\n"
        );
        for code in [204, 304] {
            let response = client.get(&format!("/status/{code}")).await;
            assert_eq!(response.status, code);
            assert_eq!(response.header("Content-Length"), None);
        }
        // Still in step: no stray body bytes came after the 204 and 304 heads.
        assert_eq!(client.get("/status/200").await.status, 200);
        for bad in ["99", "600", "abc", ""] {
            assert_eq!(client.get(&format!("/status/{bad}")).await.status, 400);
        }
        assert_eq!(server.stats().accepted, 1);
    });
}

#[test]
fn status_1xx_sends_the_interim_head_then_a_final_200() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        client.send("GET /status/103 HTTP/1.1\r\n\r\n").await;
        let interim = client.response(false).await;
        assert_eq!(interim.raw, b"HTTP/1.1 103 Early Hints\r\n\r\n");
        assert_eq!(client.response(false).await.status, 200);
    });
}

#[test]
fn bytes_sends_the_pattern_with_a_content_length() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        for n in [0, 1, 10, 89, 90, 65_536, 200_000] {
            let response = client.get(&format!("/bytes/{n}")).await;
            assert_eq!(
                response.head_text(),
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                     Content-Length: {n}\r\n\r\n"
                )
            );
            assert_eq!(response.body, pattern(n), "/bytes/{n}");
        }
        assert_eq!(&client.get("/bytes/5").await.body, b"!\"#$%");
        assert_eq!(client.get("/bytes/-1").await.status, 400);
    });
}

#[test]
fn bytes_streams_100_mb_without_trouble() {
    with_server(|server| async move {
        const N: u64 = 100_000_000;
        let mut client = Client::connect(&server).await;
        client
            .send(format!(
                "GET /bytes/{N} HTTP/1.1\r\nConnection: close\r\n\r\n"
            ))
            .await;
        let head = client.response(true).await;
        assert_eq!(head.header("Content-Length"), Some("100000000"));
        // Count the body as it streams instead of keeping 100 MB; spot-check the pattern.
        let mut received = client.buf.len() as u64;
        let mut chunk = vec![0u8; 256 * 1024];
        loop {
            let n = client.stream.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            assert_eq!(chunk[0], pattern_byte(received));
            assert_eq!(chunk[n - 1], pattern_byte(received + n as u64 - 1));
            received += n as u64;
        }
        assert_eq!(received, N);
    });
}

#[test]
fn chunked_sends_growing_chunks_and_a_trailer() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let response = client.get("/chunked/20").await;
        assert_eq!(
            text(&response.raw),
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
             Trailer: X-Body-Length\r\nTransfer-Encoding: chunked\r\n\r\n\
             1\r\n!\r\n2\r\n\"#\r\n4\r\n$%&'\r\n8\r\n()*+,-./\r\n5\r\n01234\r\n\
             0\r\nX-Body-Length: 20\r\n\r\n"
        );
        for n in [0, 1, 300_000] {
            let response = client.get(&format!("/chunked/{n}")).await;
            assert_eq!(response.body, pattern(n), "/chunked/{n}");
            let length = n.to_string();
            assert_eq!(response.trailers, [("X-Body-Length".into(), length)]);
        }
        assert_eq!(server.stats().accepted, 1);
    });
}

#[test]
fn redirect_counts_down_to_a_200() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let mut path = "/redirect/3".to_owned();
        let mut hops = 0;
        loop {
            let response = client.get(&path).await;
            if response.status == 200 {
                break;
            }
            assert_eq!(response.status, 302);
            path = response.header("Location").unwrap().to_owned();
            hops += 1;
        }
        assert_eq!((hops, path.as_str()), (3, "/redirect/0"));
    });
}

#[test]
fn redirect_to_uses_the_given_url_and_status() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let response = client
            .get("/redirect-to?url=http%3A%2F%2F127.0.0.1%3A1%2Fa%3Fb%3Dc&status=307")
            .await;
        assert_eq!(response.status, 307);
        assert_eq!(
            response.header("Location"),
            Some("http://127.0.0.1:1/a?b=c")
        );
        let response = client.get("/redirect-to?url=/echo").await;
        assert_eq!(
            (response.status, response.header("Location")),
            (302, Some("/echo"))
        );
        for bad in [
            "/redirect-to",
            "/redirect-to?url=/&status=200",
            "/redirect-to?url=%0D%0A",
        ] {
            assert_eq!(client.get(bad).await.status, 400, "{bad}");
        }
    });
}

#[test]
fn cookies_are_set_echoed_and_deleted() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let response = client.get("/cookies/set?a=1&session=xyz").await;
        assert_eq!(response.status, 302);
        assert_eq!(response.header("Location"), Some("/cookies"));
        let set: Vec<&str> = response
            .headers
            .iter()
            .filter(|(n, _)| n == "Set-Cookie")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(set, ["a=1; Path=/", "session=xyz; Path=/"]);

        client
            .send("GET /cookies HTTP/1.1\r\nCookie: a=1; session=xyz\r\nCookie: c=3\r\n\r\n")
            .await;
        assert_eq!(
            client.response(false).await.text(),
            "a=1\nsession=xyz\nc=3\n"
        );
        assert_eq!(client.get("/cookies").await.text(), "");

        let response = client.get("/cookies/delete?a").await;
        assert_eq!(response.header("Set-Cookie"), Some("a=; Max-Age=0; Path=/"));
        assert_eq!(client.get("/cookies/set?a=b%3Bc").await.status, 400);
    });
}

#[test]
fn echo_returns_the_body_method_and_headers() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        client
            .send(
                "PUT /echo HTTP/1.1\r\nContent-Type: text/x-test\r\nContent-Length: 5\r\n\r\nhello",
            )
            .await;
        let response = client.response(false).await;
        assert_eq!(response.text(), "hello");
        assert_eq!(response.header("Content-Type"), Some("text/x-test"));
        assert_eq!(response.header("X-Echo-Method"), Some("PUT"));
        assert_eq!(response.header("X-Echo-Content-Length"), Some("5"));

        // A chunked request body, sent in pieces, arrives decoded.
        client
            .send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi")
            .await;
        sleep(ms(10)).await;
        client.send("ki\r\n5\r\npedia\r\n0\r\n\r\n").await;
        let response = client.response(false).await;
        assert_eq!(response.text(), "Wikipedia");
        assert_eq!(
            response.header("Content-Type"),
            Some("application/octet-stream")
        );
        assert_eq!(response.header("X-Echo-Transfer-Encoding"), Some("chunked"));

        // With Expect: 100-continue the server asks for the body first.
        client
            .send("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
            .await;
        assert_eq!(
            client.response(false).await.raw,
            b"HTTP/1.1 100 Continue\r\n\r\n"
        );
        client.send("abc").await;
        assert_eq!(client.response(false).await.text(), "abc");

        // A body on another route is read and ignored; the connection stays in step.
        client
            .send("POST /status/201 HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody")
            .await;
        assert_eq!(client.response(false).await.status, 201);
        assert_eq!(client.get("/").await.status, 200);
        assert_eq!(server.stats().accepted, 1);
    });
}

#[test]
fn headers_lists_the_request_headers_as_received() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        client
            .send(
                "GET /headers HTTP/1.1\r\nHost: a\r\nX-Custom:  spaced value\r\nx-lower: 1\r\n\r\n",
            )
            .await;
        assert_eq!(
            client.response(false).await.text(),
            "Host: a\nX-Custom: spaced value\nx-lower: 1\n"
        );
    });
}

#[test]
fn head_gets_the_get_head_and_no_body() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        for path in [
            "/",
            "/bytes/1000",
            "/chunked/1000",
            "/status/404",
            "/delay/5",
            "/nope",
        ] {
            client.send(format!("GET {path} HTTP/1.1\r\n\r\n")).await;
            let get = client.response(false).await;
            client.send(format!("HEAD {path} HTTP/1.1\r\n\r\n")).await;
            let head = client.response(true).await;
            assert_eq!(head.raw, get.head_text().as_bytes(), "{path}");
        }
        // If any HEAD had sent a body, this response would not parse.
        assert_eq!(client.get("/status/202").await.status, 202);
        assert_eq!(server.stats().accepted, 1);
    });
}

#[test]
fn unknown_paths_are_404() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let response = client.get("/no/such/page").await;
        assert_eq!(response.status, 404);
        assert_eq!(response.text(), "not found: /no/such/page\n");
        assert_eq!(client.get("/fault/no-such-fault").await.status, 404);
        assert_eq!(client.get("/").await.status, 200);
    });
}

// ---------------------------------------------------------------------------------------
// Connections: keep-alive, pipelining, closing, limits.

#[test]
fn two_requests_share_one_connection() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        assert_eq!(client.get("/").await.status, 200);
        assert_eq!(client.get("/bytes/10").await.status, 200);
        let stats = server.stats();
        assert_eq!((stats.accepted, stats.requests), (1, 2));
    });
}

#[test]
fn a_thousand_sequential_gets_use_one_connection() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        for _ in 0..1000 {
            assert_eq!(client.get("/").await.body.len(), 1256);
        }
        let stats = server.stats();
        assert_eq!((stats.accepted, stats.requests), (1, 1000));
        assert_eq!(stats.max_open_connections, 1);
    });
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        client
            .send(
                "GET /delay/30 HTTP/1.1\r\n\r\n\
                 POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc\
                 GET /status/204 HTTP/1.1\r\n\r\n\
                 GET /bytes/3 HTTP/1.1\r\nConnection: close\r\n\r\n",
            )
            .await;
        assert_eq!(client.response(false).await.text(), "delayed 30 ms\n");
        assert_eq!(client.response(false).await.text(), "abc");
        assert_eq!(client.response(false).await.status, 204);
        let last = client.response(false).await;
        assert_eq!(last.header("Connection"), Some("close"));
        assert_eq!(last.body, b"!\"#");
        assert!(client.is_closed().await);
        assert_eq!(server.stats().requests, 4);
    });
}

#[test]
fn connection_close_is_honoured() {
    with_server(|server| async move {
        let raw = exchange(
            &server,
            "GET /bytes/2 HTTP/1.1\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(
            text(&raw),
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\n!\""
        );
        eventually("the server closes its side", || {
            server.stats().open_connections == 0
        })
        .await;
    });
}

#[test]
fn http_1_0_closes_unless_keep_alive_is_asked_for() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /bytes/2 HTTP/1.0\r\n\r\n").await;
        assert!(text(&raw).contains("Content-Length: 2\r\nConnection: close\r\n\r\n"));

        let mut client = Client::connect(&server).await;
        client
            .send("GET /bytes/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .await;
        let response = client.response(false).await;
        assert_eq!(response.header("Connection"), Some("keep-alive"));
        client.send("GET /chunked/3 HTTP/1.0\r\n\r\n").await;
        // No chunks for HTTP/1.0: the body is ended by closing.
        assert_eq!(
            text(&client.read_to_end().await),
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
             Trailer: X-Body-Length\r\nConnection: close\r\n\r\n!\"#"
        );
    });
}

#[test]
fn a_garbage_request_is_answered_400_and_closed() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        assert_eq!(client.get("/").await.status, 200);
        client.send("HELLO WORLD\r\n\r\n").await;
        let response = client.response(false).await;
        assert_eq!(response.status, 400);
        assert_eq!(response.header("Connection"), Some("close"));
        assert!(client.is_closed().await);

        // A TLS ClientHello sent to the plain-HTTP port.
        let raw = exchange(&server, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03").await;
        assert!(text(&raw).starts_with("HTTP/1.1 400 Bad Request\r\n"));
    });
}

#[test]
fn request_limits_are_answered_431_413_501_and_400() {
    with_server(|server| async move {
        let big_head = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(70_000));
        let many_headers = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: 1\r\n".repeat(101));
        let cases = [
            (big_head.as_str(), 431),
            (many_headers.as_str(), 431),
            (
                "POST /echo HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n",
                413,
            ),
            (
                "POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                501,
            ),
            (
                "POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                400,
            ),
            (
                "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                400,
            ),
            (
                "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
                400,
            ),
        ];
        for (request, status) in cases {
            let mut client = Client::connect(&server).await;
            client.send(request).await;
            let response = client.response(false).await;
            assert_eq!(response.status, status, "{}", &request[..40]);
            assert_eq!(response.header("Connection"), Some("close"));
            assert!(client.is_closed().await);
        }
        // 100 header lines are still fine.
        let mut client = Client::connect(&server).await;
        client
            .send(format!(
                "GET / HTTP/1.1\r\n{}\r\n",
                "X-A: 1\r\n".repeat(100)
            ))
            .await;
        assert_eq!(client.response(false).await.status, 200);
    });
}

#[test]
fn stats_count_open_and_most_open_connections() {
    with_server(|server| async move {
        let mut clients = Vec::new();
        for _ in 0..5 {
            let mut client = Client::connect(&server).await;
            assert_eq!(client.get("/").await.status, 200);
            clients.push(client);
        }
        let stats = server.stats();
        assert_eq!((stats.accepted, stats.open_connections), (5, 5));
        assert_eq!((stats.max_open_connections, stats.requests), (5, 5));
        clients.truncate(2);
        eventually("three connections close", || {
            server.stats().open_connections == 2
        })
        .await;
        assert_eq!(server.stats().max_open_connections, 5);
    });
}

#[test]
fn a_connection_closed_before_the_next_opens_is_never_counted_with_it() {
    with_server(|server| async move {
        for _ in 0..50 {
            let mut client = Client::connect(&server).await;
            assert_eq!(client.get("/").await.status, 200);
        }
        let stats = server.stats();
        assert_eq!((stats.accepted, stats.max_open_connections), (50, 1));
    });
}

#[test]
fn stats_route_reports_the_counters_to_another_process() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        assert_eq!(client.get("/").await.status, 200);
        assert_eq!(
            client.get("/stats").await.text(),
            "accepted 1\nopen_connections 1\nmax_open_connections 1\nrequests 2\n"
        );
    });
}

#[test]
fn shutdown_closes_every_connection() {
    with_server(|server| async move {
        let mut idle = Client::connect(&server).await;
        assert_eq!(idle.get("/").await.status, 200);
        let mut waiting = Client::connect(&server).await;
        waiting.send("GET /delay/10000 HTTP/1.1\r\n\r\n").await;
        eventually("both connections open", || {
            server.stats().open_connections == 2
        })
        .await;
        server.shutdown();
        assert!(idle.is_closed().await);
        assert!(waiting.is_closed().await);
        assert_eq!(server.stats().open_connections, 0);
        assert!(TcpStream::connect(server.local_addr()).await.is_err());
    });
}

#[test]
fn bind_tls_serves_the_same_routes_over_https() {
    with_runtime(async {
        let ca = certs::TestCa::new("ripple server test CA");
        let leaf = ca.leaf(&["localhost"]);
        let acceptor = TlsAcceptor::new(leaf.chain, leaf.key).unwrap();
        let server = Server::bind_tls(localhost(), acceptor).unwrap().spawn();
        assert!(server.url("/a").starts_with("https://127.0.0.1:"));
        assert!(server.url("/a").ends_with("/a"));

        let config = TlsConfig::without_roots()
            .add_root_certificate_pem(ca.pem.as_bytes())
            .unwrap();
        let tcp = TcpStream::connect(server.local_addr()).await.unwrap();
        let stream = TlsStream::connect(&config, "localhost", tcp).await.unwrap();
        let mut client = Client {
            stream,
            buf: Vec::new(),
        };
        assert_eq!(client.get("/").await.body.len(), 1256);
        assert_eq!(client.get("/chunked/1000").await.body, pattern(1000));
        assert_eq!(server.stats().accepted, 1);

        // A client that does not trust the certificate fails its handshake; the server
        // goes on.
        let tcp = TcpStream::connect(server.local_addr()).await.unwrap();
        assert!(
            TlsStream::connect(&TlsConfig::without_roots(), "localhost", tcp)
                .await
                .is_err()
        );
        assert_eq!(client.get("/status/201").await.status, 201);
    });
}

#[test]
fn serve_connection_serves_any_accepted_stream() {
    with_runtime(async {
        let listener = TcpListener::bind(localhost()).unwrap();
        let address = listener.local_addr().unwrap();
        let task = spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            serve_connection(stream).await
        });
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /bytes/3 HTTP/1.1\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        assert!(text(&raw).ends_with("\r\n\r\n!\"#"));
        drop(stream);
        task.await.unwrap().unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// Fault routes: each produces its fault, exactly.

#[test]
fn close_mid_headers_sends_part_of_a_head_then_closes() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /fault/close-mid-headers HTTP/1.1\r\n\r\n").await;
        assert_eq!(text(&raw), "HTTP/1.1 200 OK\r\nContent-Type: text/pl");
    });
}

#[test]
fn close_before_answer_closes_without_a_byte() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /fault/close-before-answer HTTP/1.1\r\n\r\n").await;
        assert!(raw.is_empty());
    });
}

#[test]
fn close_mid_body_sends_100_of_1000_bytes_then_closes() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        client
            .send("GET /fault/close-mid-body HTTP/1.1\r\n\r\n")
            .await;
        let head = client.response(true).await;
        assert_eq!(head.header("Content-Length"), Some("1000"));
        assert_eq!(head.header("Connection"), None);
        assert_eq!(client.read_to_end().await, pattern(100));
    });
}

#[test]
fn close_idle_answers_as_keep_alive_then_closes() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let response = client.get("/fault/close-idle").await;
        assert_eq!(response.status, 200);
        assert_eq!(response.header("Connection"), None);
        assert!(client.is_closed().await);
    });
}

#[test]
fn keep_alive_timeout_closes_the_idle_connection_after_the_timeout() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let response = client.get("/fault/keep-alive-timeout?s=1").await;
        assert_eq!(response.header("Keep-Alive"), Some("timeout=1"));
        // A request within the timeout is served, and the idle clock starts again.
        sleep(ms(900)).await;
        assert_eq!(client.get("/").await.status, 200);
        let idle_since = now();
        assert!(client.is_closed().await);
        assert_eq!(now() - idle_since, Duration::from_secs(1));
        // The server still serves, on a new connection.
        assert_eq!(Client::connect(&server).await.get("/").await.status, 200);
    });
}

#[test]
fn slow_drip_sends_the_whole_response_a_byte_at_a_time() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let start = now();
        client
            .send("GET /fault/slow-drip?ms=100&bytes=5 HTTP/1.1\r\n\r\n")
            .await;
        let mut reads: u32 = 0;
        let mut raw = Vec::new();
        let expected = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                        Content-Length: 5\r\n\r\n!\"#$%";
        while raw.len() < expected.len() {
            let mut byte = [0u8; 64];
            let n = client.stream.read(&mut byte).await.unwrap();
            assert_eq!(n, 1, "one byte per read");
            raw.push(byte[0]);
            reads += 1;
        }
        assert_eq!(text(&raw), expected);
        assert_eq!(now() - start, ms(100) * (reads - 1));
        // A valid response: the connection goes on.
        assert_eq!(client.get("/").await.status, 200);
    });
}

#[test]
fn slow_body_sends_the_head_at_once_and_the_body_a_byte_at_a_time() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let start = now();
        client
            .send("GET /fault/slow-body?ms=250&bytes=4 HTTP/1.1\r\n\r\n")
            .await;
        let head = client.response(true).await;
        assert_eq!(now(), start);
        assert_eq!(head.header("Content-Length"), Some("4"));
        client.fill_to(4).await;
        assert_eq!(client.buf, pattern(4));
        assert_eq!(now() - start, ms(750));
    });
}

#[test]
fn never_answer_holds_the_connection_without_a_byte() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        client
            .send("GET /fault/never-answer HTTP/1.1\r\n\r\n")
            .await;
        let mut byte = [0u8; 1];
        let waited = timeout(Duration::from_secs(3600), client.stream.read(&mut byte)).await;
        assert!(waited.is_err(), "an hour without a byte");
        assert_eq!(server.stats().open_connections, 1);
        drop(client);
        eventually("the server lets go", || {
            server.stats().open_connections == 0
        })
        .await;
    });
}

#[test]
fn garbage_status_sends_a_non_http_status_line() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /fault/garbage-status HTTP/1.1\r\n\r\n").await;
        assert!(text(&raw).starts_with("ICY 200 OK\r\n"));
        let mut slots = [httparse::EMPTY_HEADER; 8];
        assert!(httparse::Response::new(&mut slots).parse(&raw).is_err());
    });
}

#[test]
fn oversized_header_sends_a_header_line_of_a_megabyte() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /fault/oversized-header HTTP/1.1\r\n\r\n").await;
        let line_start = b"HTTP/1.1 200 OK\r\nX-Oversized: ".len();
        let line_end = line_start + find(&raw[line_start..], b"\r\n").unwrap();
        assert_eq!(line_end - line_start, 1 << 20);
        assert!(raw[line_start..line_end].iter().all(|&b| b == b'a'));
        assert!(raw.ends_with(b"\r\nContent-Length: 0\r\n\r\n"));
        let raw = exchange(
            &server,
            "GET /fault/oversized-header?kb=65 HTTP/1.1\r\n\r\n",
        )
        .await;
        assert_eq!(raw.len(), 17 + 13 + 65 * 1024 + 23);
    });
}

#[test]
fn never_ending_head_sends_header_lines_at_a_steady_rate_until_the_client_leaves() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let start = now();
        client
            .send("GET /fault/never-ending-head?ms=10 HTTP/1.1\r\n\r\n")
            .await;
        let mut raw = Vec::new();
        assert_eq!(client.line(&mut raw).await, "HTTP/1.1 200 OK");
        for i in 0..100 {
            let line = client.line(&mut raw).await;
            assert_eq!(line.len() + 2, 1000);
            assert!(
                line.starts_with(&format!("X-Never-Ending-{i:06}: xxx")),
                "{i}"
            );
            assert_eq!(now() - start, ms(10) * (i + 1));
        }
        drop(client);
        eventually("the server notices", || {
            server.stats().open_connections == 0
        })
        .await;
    });
}

#[test]
fn wrong_content_length_sends_50_of_100_bytes_then_closes() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /fault/wrong-content-length HTTP/1.1\r\n\r\n").await;
        let mut expected = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".to_vec();
        expected.extend(pattern(50));
        assert_eq!(raw, expected);
    });
}

#[test]
fn wrong_content_length_with_extra_bytes_spoils_the_kept_connection() {
    with_server(|server| async move {
        let mut client = Client::connect(&server).await;
        let response = client.get("/fault/wrong-content-length?extra=7").await;
        assert_eq!(response.body, pattern(100));
        // The 7 bytes too many sit where the next response should start.
        client.send("GET /bytes/1 HTTP/1.1\r\n\r\n").await;
        let next_head_at = loop {
            if let Some(at) = find(&client.buf, b"HTTP/1.1 200 OK") {
                break at;
            }
            assert!(client.read_more().await > 0);
        };
        assert_eq!(&client.buf[..next_head_at], &pattern(107)[100..]);
        assert_eq!(server.stats().accepted, 1);
    });
}

#[test]
fn bad_chunk_size_sends_a_chunk_size_that_is_not_hex() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /fault/bad-chunk-size HTTP/1.1\r\n\r\n").await;
        assert!(text(&raw).ends_with("Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"));
    });
}

#[test]
fn huge_chunk_size_announces_an_impossible_chunk() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /fault/huge-chunk-size HTTP/1.1\r\n\r\n").await;
        let body_at = find(&raw, b"\r\n\r\n").unwrap() + 4;
        let mut expected = b"ffffffffffffffff\r\n".to_vec();
        expected.extend(pattern(100));
        assert_eq!(raw[body_at..], expected);
    });
}

#[test]
fn truncated_chunked_closes_in_the_middle_of_a_chunk() {
    with_server(|server| async move {
        let raw = exchange(&server, "GET /fault/truncated-chunked HTTP/1.1\r\n\r\n").await;
        let body_at = find(&raw, b"\r\n\r\n").unwrap() + 4;
        let mut expected = b"10\r\n".to_vec();
        expected.extend(pattern(16));
        expected.extend(b"\r\n20\r\n");
        expected.extend(&pattern(26)[16..]);
        assert_eq!(raw[body_at..], expected);
    });
}

#[test]
fn the_pattern_repeats_with_its_prime_period() {
    assert_eq!(pattern_byte(0), b'!');
    assert_eq!(pattern_byte(PATTERN_PERIOD), b'!');
    assert_eq!(pattern_byte(PATTERN_PERIOD - 1), b'y');
}
