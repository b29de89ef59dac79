//! Interop: ripple's client against a server nobody here wrote, hyper 1 on tokio.
//!
//! The hyper server runs on a tokio `current_thread` runtime in its own thread, bound to
//! 127.0.0.1:0, and counts the connections it accepts and the most it had open at once;
//! the test's ripple runtime runs on the test thread. Its routes cover the framings a
//! client must read (Content-Length, chunked as hyper streams a body of unknown length, a
//! body of several MB, HEAD, 204), a POST echo, redirects, cookies and `Connection:
//! close`; the test can also have hyper close its idle connections. The tests check
//! bodies byte for byte, keep-alive reuse, the connection limit, and that the session's
//! pool ends with nothing in use.
//!
//! The hyper thread runs on the real clock, which ripple's paused clock cannot govern, so
//! these tests assert outcomes (bytes, counts), never durations. Each test stops its hyper
//! thread and joins it: no thread outlives its test.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{CONNECTION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ripple_http::Session;
use ripple_reactor::{Runtime, spawn};
use ripple_tests::assert_nothing_in_use;
use tokio::sync::{oneshot, watch};

/// The bytes of every body served here: position `i` holds `pattern(i)`, so a byte that
/// is lost, doubled or moved shows up.
fn pattern(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 16) as u8)
        .collect()
}

const FIXED_LEN: usize = 4321;
const LARGE_LEN: usize = 8 << 20;

/// Counters the hyper thread updates and the test reads.
#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicUsize,
    open: AtomicUsize,
    max_open: AtomicUsize,
}

/// One open connection, counted until its task ends or is dropped at shutdown.
struct OpenConnection(Arc<Counters>);

impl OpenConnection {
    fn new(counters: &Arc<Counters>) -> OpenConnection {
        counters.accepted.fetch_add(1, Ordering::SeqCst);
        let open = counters.open.fetch_add(1, Ordering::SeqCst) + 1;
        counters.max_open.fetch_max(open, Ordering::SeqCst);
        OpenConnection(Arc::clone(counters))
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A hyper server on its own thread; dropping it stops the thread and joins it.
struct HyperServer {
    address: SocketAddr,
    counters: Arc<Counters>,
    shutdown: Option<oneshot::Sender<()>>,
    /// Bumped to ask every open connection to close (hyper's graceful shutdown).
    close_connections: watch::Sender<u32>,
    /// One message per connection whose task has ended.
    connection_ended: mpsc::Receiver<()>,
    thread: Option<thread::JoinHandle<()>>,
}

impl HyperServer {
    fn start() -> HyperServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let counters = Arc::new(Counters::default());
        let (shutdown, stop) = oneshot::channel();
        let (close_connections, close) = watch::channel(0);
        let (ended, connection_ended) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("hyper server".into())
            .spawn({
                let counters = Arc::clone(&counters);
                move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    // Returning drops the runtime, which drops every connection task.
                    rt.block_on(accept_loop(listener, counters, stop, close, ended));
                }
            })
            .unwrap();
        HyperServer {
            address,
            counters,
            shutdown: Some(shutdown),
            close_connections,
            connection_ended,
            thread: Some(thread),
        }
    }

    /// Has hyper close its `open` connections (they are idle: closed at once), and
    /// returns once their tasks have ended, so the FIN is on its way to the client.
    fn close_idle_connections(&self, open: usize) {
        self.close_connections
            .send_modify(|generation| *generation += 1);
        for _ in 0..open {
            self.connection_ended
                .recv_timeout(Duration::from_secs(10))
                .expect("hyper closes the connection");
        }
        assert_eq!(self.counters.open.load(Ordering::SeqCst), 0);
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn accepted(&self) -> usize {
        self.counters.accepted.load(Ordering::SeqCst)
    }

    fn max_open(&self) -> usize {
        self.counters.max_open.load(Ordering::SeqCst)
    }
}

impl Drop for HyperServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let joined = thread.join();
            if !thread::panicking() {
                joined.expect("the hyper thread panicked");
            }
        }
    }
}

async fn accept_loop(
    listener: std::net::TcpListener,
    counters: Arc<Counters>,
    mut stop: oneshot::Receiver<()>,
    close: watch::Receiver<u32>,
    ended: mpsc::Sender<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let open = OpenConnection::new(&counters);
        let (mut close, ended) = (close.clone(), ended.clone());
        // Only a close asked for after this connection was accepted concerns it.
        close.borrow_and_update();
        tokio::spawn(async move {
            let connection =
                http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(route));
            let mut connection = pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = close.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(open);
            let _ = ended.send(());
        });
    }
}

type HyperBody = BoxBody<Bytes, Infallible>;

fn full(bytes: impl Into<Bytes>) -> HyperBody {
    Full::new(bytes.into()).boxed()
}

fn respond(status: StatusCode, body: HyperBody) -> Response<HyperBody> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}

/// A body of unknown length, handed to hyper in pieces of 1, 2, 4, ... bytes up to 64 KiB:
/// hyper frames it as chunked.
struct Pieces {
    data: Bytes,
    offset: usize,
    piece: usize,
}

impl Body for Pieces {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.offset == this.data.len() {
            return Poll::Ready(None);
        }
        let end = (this.offset + this.piece).min(this.data.len());
        let piece = this.data.slice(this.offset..end);
        this.offset = end;
        this.piece = (this.piece * 2).min(64 << 10);
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }
}

fn streamed(data: Bytes) -> HyperBody {
    Pieces {
        data,
        offset: 0,
        piece: 1,
    }
    .boxed()
}

/// The routes: what each answers is said beside it.
async fn route(request: Request<Incoming>) -> Result<Response<HyperBody>, Infallible> {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let number = |prefix: &str| path.strip_prefix(prefix)?.parse::<usize>().ok();
    let response = match (request.method(), path.as_str()) {
        // FIXED_LEN pattern bytes, Content-Length (also for HEAD, which hyper sends bare).
        (&Method::GET | &Method::HEAD, "/fixed") => {
            respond(StatusCode::OK, full(pattern(FIXED_LEN)))
        }
        // Pattern bytes of no announced length: chunked.
        (&Method::GET | &Method::HEAD, p) if p.starts_with("/stream/") => {
            match number("/stream/") {
                Some(n) => respond(StatusCode::OK, streamed(pattern(n))),
                None => respond(StatusCode::BAD_REQUEST, full("")),
            }
        }
        // Several MB with a Content-Length.
        (&Method::GET, "/large") => respond(StatusCode::OK, full(pattern(LARGE_LEN))),
        // The fixed body after a pause, so that requests overlap.
        (&Method::GET, p) if p.starts_with("/slow/") => {
            let ms = number("/slow/").unwrap_or(0) as u64;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            respond(StatusCode::OK, full(pattern(FIXED_LEN)))
        }
        // The request body back, and the method in a header.
        (_, "/echo") => {
            let method = request.method().to_string();
            let content_type = request.headers().get(CONTENT_TYPE).cloned();
            let body = request.into_body().collect().await.unwrap().to_bytes();
            let mut response = respond(StatusCode::OK, full(body));
            response
                .headers_mut()
                .insert("x-echo-method", method.parse().unwrap());
            if let Some(content_type) = content_type {
                response.headers_mut().insert(CONTENT_TYPE, content_type);
            }
            response
        }
        (_, "/no-content") => respond(StatusCode::NO_CONTENT, full("")),
        // `?to=/path&status=302`
        (_, "/redirect") => {
            let param = |name: &str| {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                    .map(str::to_owned)
            };
            let status = param("status").and_then(|s| s.parse().ok()).unwrap_or(302);
            let mut response = respond(StatusCode::from_u16(status).unwrap(), full(""));
            let to = param("to").unwrap_or_else(|| "/fixed".into());
            response.headers_mut().insert(LOCATION, to.parse().unwrap());
            response
        }
        // `?name=value`: sets that cookie for the whole site.
        (&Method::GET, "/cookies/set") => {
            let mut response = respond(StatusCode::OK, full("set\n"));
            response.headers_mut().insert(
                SET_COOKIE,
                format!("{query}; Path=/; HttpOnly").parse().unwrap(),
            );
            response
        }
        // The request's Cookie header, as it came.
        (&Method::GET, "/cookies") => {
            let cookie = request
                .headers()
                .get(COOKIE)
                .map(|value| value.as_bytes().to_vec())
                .unwrap_or_default();
            respond(StatusCode::OK, full(cookie))
        }
        // The fixed body, then hyper closes the connection.
        (&Method::GET, "/close") => {
            let mut response = respond(StatusCode::OK, full(pattern(FIXED_LEN)));
            response
                .headers_mut()
                .insert(CONNECTION, "close".parse().unwrap());
            response
        }
        _ => respond(StatusCode::NOT_FOUND, full("not found\n")),
    };
    Ok(response)
}

/// Runs `test` on a ripple runtime (real clock: the peer is another thread) against a fresh
/// hyper server; checks the session's pool and the runtime are empty afterwards and stops
/// the hyper thread.
fn against_hyper(test: impl AsyncFnOnce(&HyperServer)) {
    let hyper = HyperServer::start();
    let rt = Runtime::new().unwrap();
    rt.block_on(test(&hyper));
    assert!(rt.is_idle(), "{:?}", rt.stats());
    drop(hyper);
}

#[test]
fn a_fixed_body_with_content_length_arrives_byte_exact() {
    against_hyper(async |hyper| {
        let session = Session::new();
        let response = session.get(&hyper.url("/fixed")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.content_length(), Some(FIXED_LEN as u64));
        assert!(response.headers().get_str("transfer-encoding").is_none());
        assert_eq!(response.bytes().await.unwrap(), pattern(FIXED_LEN));
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn a_streamed_body_arrives_chunked_and_byte_exact_at_every_size() {
    against_hyper(async |hyper| {
        let session = Session::new();
        for n in [0, 1, 2, 3, 1000, 65_535, 65_536, 300_001] {
            let mut response = session
                .get(&hyper.url(&format!("/stream/{n}")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.headers().get_str("transfer-encoding"),
                Some("chunked"),
                "/stream/{n}"
            );
            assert_eq!(response.content_length(), None);
            let mut body = Vec::new();
            while let Some(piece) = response.chunk().await.unwrap() {
                body.extend(piece);
            }
            assert_eq!(body, pattern(n), "/stream/{n}");
            assert!(response.is_body_complete());
        }
        let body = session
            .get(&hyper.url("/stream/12345"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body, pattern(12345));
        assert_eq!(hyper.accepted(), 1, "chunked bodies keep the connection");
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn a_body_of_several_megabytes_arrives_byte_exact_with_either_framing() {
    against_hyper(async |hyper| {
        let session = Session::new();
        let body = session
            .get(&hyper.url("/large"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.len(), LARGE_LEN);
        assert!(body == pattern(LARGE_LEN), "the 8 MiB body differs");
        let body = session
            .get(&hyper.url(&format!("/stream/{LARGE_LEN}")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(body == pattern(LARGE_LEN), "the chunked 8 MiB body differs");
        assert_eq!(hyper.accepted(), 1);
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn a_hundred_sequential_gets_reuse_one_connection() {
    against_hyper(async |hyper| {
        let session = Session::new();
        for _ in 0..100 {
            let response = session.get(&hyper.url("/fixed")).send().await.unwrap();
            assert_eq!(response.bytes().await.unwrap().len(), FIXED_LEN);
        }
        assert_eq!(hyper.accepted(), 1);
        let stats = session.stats();
        assert_eq!((stats.opened, stats.reused), (1, 99), "{stats:?}");
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn concurrent_gets_with_limit_ten_never_open_more_than_ten_connections() {
    against_hyper(async |hyper| {
        let session = Rc::new(Session::builder().limit(10).build());
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let (session, url) = (session.clone(), hyper.url("/slow/5"));
                spawn(async move { session.get(&url).send().await?.bytes().await })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.await.unwrap().unwrap(), pattern(FIXED_LEN));
        }
        assert!(hyper.max_open() <= 10, "{:?}", hyper.counters);
        assert!(hyper.accepted() <= 10, "{:?}", hyper.counters);
        let stats = session.stats();
        assert_eq!(stats.opened as usize, hyper.accepted());
        assert_eq!(stats.opened + stats.reused, 100, "{stats:?}");
        assert_nothing_in_use(&session, stats.idle);
        assert!(stats.idle <= 10);
    });
}

#[test]
fn a_head_request_gets_the_length_but_no_body() {
    against_hyper(async |hyper| {
        let session = Session::new();
        let response = session.head(&hyper.url("/fixed")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.content_length(), Some(FIXED_LEN as u64));
        assert!(response.is_body_complete(), "HEAD has no body to read");
        assert!(response.bytes().await.unwrap().is_empty());
        // Had the client waited for the 4321 bytes, this GET would read them as its head.
        let body = session
            .get(&hyper.url("/fixed"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body, pattern(FIXED_LEN));
        // A HEAD of a body of unknown length: hyper sends no framing header at all, which
        // for any other response would mean "read until close".
        let response = session
            .head(&hyper.url("/stream/5000"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.content_length(), None);
        assert!(response.is_body_complete());
        assert!(response.bytes().await.unwrap().is_empty());
        let body = session
            .get(&hyper.url("/stream/5000"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body, pattern(5000));
        assert_eq!(hyper.accepted(), 1, "the connection was kept after HEAD");
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn a_post_is_echoed_and_a_204_has_no_body() {
    against_hyper(async |hyper| {
        let session = Session::new();
        let response = session
            .post(&hyper.url("/echo"))
            .header("content-type", "text/plain")
            .body("hello, hyper")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers().get_str("x-echo-method"), Some("POST"));
        assert_eq!(
            response.headers().get_str("content-type"),
            Some("text/plain")
        );
        assert_eq!(response.text().await.unwrap(), "hello, hyper");
        let big = pattern(1 << 20).to_vec();
        let response = session
            .put(&hyper.url("/echo"))
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers().get_str("x-echo-method"), Some("PUT"));
        assert!(
            response.bytes().await.unwrap() == big,
            "the 1 MiB echo differs"
        );

        let response = session.get(&hyper.url("/no-content")).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert!(response.is_body_complete());
        assert!(response.bytes().await.unwrap().is_empty());
        assert_eq!(hyper.accepted(), 1);
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn redirects_from_hyper_are_followed_with_the_right_method() {
    against_hyper(async |hyper| {
        let session = Session::new();
        let response = session
            .get(&hyper.url("/redirect?to=/fixed"))
            .send()
            .await
            .unwrap();
        assert_eq!((response.status(), response.url().path()), (200, "/fixed"));
        assert_eq!(response.bytes().await.unwrap(), pattern(FIXED_LEN));
        // 302 turns a POST into a GET without its body; 307 keeps both.
        let response = session
            .post(&hyper.url("/redirect?to=/echo&status=302"))
            .body("payload")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers().get_str("x-echo-method"), Some("GET"));
        assert_eq!(response.text().await.unwrap(), "");
        let response = session
            .post(&hyper.url("/redirect?to=/echo&status=307"))
            .body("payload")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers().get_str("x-echo-method"), Some("POST"));
        assert_eq!(response.text().await.unwrap(), "payload");
        assert_eq!(
            hyper.accepted(),
            1,
            "redirect bodies were read, not dropped"
        );
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn cookies_set_by_hyper_are_sent_back_on_the_next_request() {
    against_hyper(async |hyper| {
        let session = Session::new();
        for set in ["flavour=oat", "size=large", "flavour=rye"] {
            let response = session
                .get(&hyper.url(&format!("/cookies/set?{set}")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.text().await.unwrap(), "set\n");
        }
        let cookie = session
            .get(&hyper.url("/cookies"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut pairs: Vec<&str> = cookie.split("; ").collect();
        pairs.sort_unstable();
        assert_eq!(pairs, ["flavour=rye", "size=large"], "{cookie:?}");
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn a_response_with_connection_close_is_read_whole_and_its_connection_is_not_kept() {
    against_hyper(async |hyper| {
        let session = Session::new();
        for round in 1..=3 {
            let response = session.get(&hyper.url("/close")).send().await.unwrap();
            assert_eq!(response.headers().get_str("connection"), Some("close"));
            assert_eq!(response.bytes().await.unwrap(), pattern(FIXED_LEN));
            assert_nothing_in_use(&session, 0);
            assert_eq!(hyper.accepted(), round, "each request on a new connection");
        }
        let body = session
            .get(&hyper.url("/fixed"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body, pattern(FIXED_LEN));
        assert_eq!(hyper.accepted(), 4);
        assert_nothing_in_use(&session, 1);
    });
}

#[test]
fn a_connection_hyper_closed_while_idle_is_not_reused_and_the_next_get_succeeds() {
    against_hyper(async |hyper| {
        let session = Session::new();
        let body = session
            .get(&hyper.url("/fixed"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body, pattern(FIXED_LEN));
        assert_nothing_in_use(&session, 1);
        // The idle connection in ripple's pool is now closed by the server.
        hyper.close_idle_connections(1);
        let response = session.get(&hyper.url("/fixed")).send().await.unwrap();
        assert!(!response.timings().reused_connection);
        assert_eq!(response.bytes().await.unwrap(), pattern(FIXED_LEN));
        assert_eq!(hyper.accepted(), 2);
        let stats = session.stats();
        assert_eq!((stats.opened, stats.open), (2, 1), "{stats:?}");
        assert_nothing_in_use(&session, 1);
    });
}
