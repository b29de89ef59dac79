//! The client against the example server, on 127.0.0.1: pooling, bodies, statuses,
//! timeouts, bad input, faults, TLS, cookies and redirects.
//!
//! Everything runs in one ripple runtime per test: the server as tasks, the client in the
//! main future. Time-based tests use the paused clock, so "times out at 1 s" is exact.

#[path = "support/certs.rs"]
mod certs;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use ripple_http::server::{Server, ServerHandle};
use ripple_http::tls::{TlsAcceptor, TlsConfig};
use ripple_http::{ClientTimeout, Error, Limit, Phase, Session, TimeoutKind};
use ripple_reactor::time::now;
use ripple_reactor::{AsyncReadExt, AsyncWriteExt, Runtime, TcpListener, spawn};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn millis(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `test` with a fresh example server, on a paused clock; checks that nothing is left.
fn with_server<F, Fut>(test: F)
where
    F: FnOnce(ServerHandle) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = Runtime::builder().paused_clock().build().unwrap();
    rt.block_on(async {
        let server = Server::bind("127.0.0.1:0".parse().unwrap())
            .unwrap()
            .spawn();
        test(server).await;
    });
    assert!(rt.is_idle(), "{:?}", rt.stats());
}

#[test]
fn a_get_returns_the_page_and_its_headers() {
    with_server(|server| async move {
        let session = Session::new();
        let response = session.get(&server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.content_length(), Some(1256));
        assert!(
            response
                .headers()
                .get_str("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        let text = response.text().await.unwrap();
        assert_eq!(text.len(), 1256);
        assert!(text.contains("<html"));
    });
}

#[test]
fn a_thousand_sequential_gets_reuse_one_connection() {
    with_server(|server| async move {
        let session = Session::new();
        for _ in 0..1000 {
            let response = session.get(&server.url("/")).send().await.unwrap();
            assert_eq!(response.bytes().await.unwrap().len(), 1256);
        }
        assert_eq!(server.stats().accepted, 1);
        assert_eq!(server.stats().requests, 1000);
        let stats = session.stats();
        assert_eq!((stats.opened, stats.reused, stats.idle), (1, 999, 1));
    });
}

#[test]
fn a_thousand_concurrent_gets_never_open_more_than_the_limit() {
    with_server(|server| async move {
        let session = Rc::new(Session::builder().limit(100).build());
        let handles: Vec<_> = (0..1000)
            .map(|_| {
                let (session, url) = (session.clone(), server.url("/delay/10"));
                spawn(async move { session.get(&url).send().await?.bytes().await })
            })
            .collect();
        for handle in handles {
            assert!(handle.await.unwrap().is_ok());
        }
        let served = server.stats();
        assert!(served.max_open_connections <= 100, "{served:?}");
        assert_eq!(
            served.accepted, 100,
            "the 100 connections are reused: {served:?}"
        );
        assert_eq!(session.stats().waiting, 0);
    });
}

#[test]
fn the_per_host_limit_holds_for_each_host() {
    with_server(|first| async move {
        let second = Server::bind("127.0.0.1:0".parse().unwrap())
            .unwrap()
            .spawn();
        let session = Rc::new(Session::builder().limit(100).limit_per_host(3).build());
        let handles: Vec<_> = (0..40)
            .map(|i| {
                let server = if i % 2 == 0 { &first } else { &second };
                let (session, url) = (session.clone(), server.url("/delay/5"));
                spawn(async move { session.get(&url).send().await?.bytes().await })
            })
            .collect();
        for handle in handles {
            assert!(handle.await.unwrap().is_ok());
        }
        assert_eq!(first.stats().max_open_connections, 3);
        assert_eq!(second.stats().max_open_connections, 3);
    });
}

#[test]
fn read_body_keeps_the_response_for_its_timings_and_trailers() {
    with_server(|server| async move {
        let session = Session::new();
        let mut response = session
            .get(&server.url("/chunked/3000"))
            .send()
            .await
            .unwrap();
        assert!(response.timings().body.is_none(), "not read yet");
        let body = response.read_body().await.unwrap();
        assert_eq!(body.len(), 3000);
        assert!(response.is_body_complete());
        assert!(
            response.timings().body.is_some(),
            "{:?}",
            response.timings()
        );
        let trailer = response.trailers().unwrap().get_str("x-body-length");
        assert_eq!(trailer, Some("3000"));
        // The body was taken: a second read finds nothing left.
        assert!(response.read_body().await.unwrap().is_empty());
        // And the connection went back to the pool, clean, for the next request.
        assert_eq!(session.stats().idle, 1);
        let again = session.get(&server.url("/")).send().await.unwrap();
        assert!(again.timings().reused_connection);
    });
}

#[test]
fn content_length_chunked_and_until_close_bodies_arrive_whole() {
    with_server(|server| async move {
        let session = Session::new();
        for n in [0, 1, 1000, 65_536, 1_000_000] {
            let body = session
                .get(&server.url(&format!("/bytes/{n}")))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(body.len(), n, "/bytes/{n}");
            assert!(
                body.iter()
                    .enumerate()
                    .all(|(i, &b)| b == ripple_http::server::pattern_byte(i as u64))
            );
            let mut response = session
                .get(&server.url(&format!("/chunked/{n}")))
                .send()
                .await
                .unwrap();
            let mut chunked = Vec::new();
            while let Some(piece) = response.chunk().await.unwrap() {
                chunked.extend(piece);
            }
            assert_eq!(chunked, body, "/chunked/{n}");
            let trailer = response.trailers().unwrap().get_str("x-body-length");
            assert_eq!(trailer, Some(n.to_string().as_str()));
        }
        // Read-until-close: an HTTP/1.0 answer with no length, from a hand-written peer.
        let url = spawn_raw_peer(
            b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the very end",
        );
        let response = session.get(&url).send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "until the very end");
        assert_eq!(
            session.stats().open,
            1,
            "only the example server's connection is kept"
        );
    });
}

/// A peer that accepts connections and never sends a byte; returns an https URL for it.
fn spawn_silent_peer() -> String {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    spawn(async move {
        let mut held = Vec::new();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            held.push(stream);
        }
    });
    url
}

/// A one-shot peer that answers any request with `answer` and closes.
fn spawn_raw_peer(answer: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request).await;
        let _ = stream.write_all(answer).await;
    });
    url
}

#[test]
fn statuses_head_and_post_behave() {
    with_server(|server| async move {
        let session = Session::new();
        // (/status/301 has no Location, so it is returned as it is.)
        for code in [200, 201, 301, 404, 418, 500, 503] {
            let url = server.url(&format!("/status/{code}"));
            let response = session.get(&url).send().await.unwrap();
            assert_eq!(response.status(), code);
            let body = response.text().await.unwrap();
            assert!(body.starts_with(&code.to_string()), "{body}");
            let failed = session.get(&url).send().await.unwrap().error_for_status();
            assert_eq!(failed.is_err(), code >= 400, "{code}");
            if let Err(Error::Status { code: got, .. }) = failed {
                assert_eq!(got, code);
            } else if let Ok(response) = failed {
                response.bytes().await.unwrap();
            }
        }
        for code in [204, 304] {
            let response = session
                .get(&server.url(&format!("/status/{code}")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), code);
            assert!(response.is_body_complete(), "{code} has no body");
        }
        let head = session
            .head(&server.url("/bytes/5000"))
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_length(), Some(5000));
        assert!(head.is_body_complete());
        assert!(head.bytes().await.unwrap().is_empty());
        let echoed = session
            .post(&server.url("/echo"))
            .header("content-type", "text/plain")
            .body("hello, server")
            .send()
            .await
            .unwrap();
        assert_eq!(echoed.headers().get_str("x-echo-method"), Some("POST"));
        assert_eq!(echoed.text().await.unwrap(), "hello, server");
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        let echoed = session
            .put(&server.url("/echo"))
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(echoed.bytes().await.unwrap(), big);
        // Each error_for_status() that failed dropped a response with its body unread,
        // which closes that connection: one connection, plus one per failure (4).
        assert_eq!(server.stats().accepted, 5);
    });
}

#[test]
fn each_timeout_fires_against_its_slow_route_and_names_itself() {
    with_server(|server| async move {
        let session = Session::new();
        let start = now();
        let error = session
            .get(&server.url("/delay/5000"))
            .timeout(ClientTimeout::total(secs(1)))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Timeout {
                    which: TimeoutKind::Total,
                    phase: Phase::WaitingForHead,
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(now() - start, secs(1));

        let start = now();
        let sock_read = ClientTimeout {
            sock_read: Some(millis(500)),
            ..ClientTimeout::NONE
        };
        let response = session
            .get(&server.url("/fault/slow-body?ms=2000&bytes=3"))
            .timeout(sock_read)
            .send()
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Timeout {
                    which: TimeoutKind::SockRead,
                    phase: Phase::ReadingBody,
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(now() - start, millis(500));

        // A server that accepts and never says a word: the TLS handshake never ends.
        let start = now();
        let https = spawn_silent_peer();
        let connect = ClientTimeout {
            connect: Some(millis(300)),
            ..ClientTimeout::NONE
        };
        let error = session
            .get(&https)
            .timeout(connect)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Timeout {
                    which: TimeoutKind::Connect,
                    phase: Phase::TlsHandshake,
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(now() - start, millis(300));

        // A request that finishes in time is not affected by any of them.
        let all = ClientTimeout {
            total: Some(secs(2)),
            connect: Some(secs(1)),
            sock_read: Some(secs(1)),
        };
        let response = session
            .get(&server.url("/delay/900"))
            .timeout(all)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        assert_eq!(session.stats().waiting, 0);
    });
}

#[test]
fn bad_urls_closed_ports_and_unknown_hosts_are_told_apart() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let session = Session::new();
        for bad in ["python://example.com", "http://", "http://host:99999/", "not a url", ""] {
            let error = session.get(bad).send().await.unwrap_err();
            assert!(matches!(error, Error::InvalidUrl { .. }), "{bad}: {error}");
        }
        let closed = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap().local_addr().unwrap();
        let error = session.get(&format!("http://{closed}/")).send().await.unwrap_err();
        assert!(matches!(&error, Error::Connect { source, .. } if source.kind() == std::io::ErrorKind::ConnectionRefused), "{error}");
        let error = session.get("http://no-such-host.invalid/").send().await.unwrap_err();
        assert!(matches!(error, Error::Dns { .. }), "{error}");
    });
    assert!(rt.is_idle(), "{:?}", rt.stats());
}

/// Tells whether an error is the one a fault route should cause.
type ErrorCheck = fn(&Error) -> bool;

#[test]
fn every_fault_route_gives_its_own_error_and_the_session_still_works() {
    with_server(|server| async move {
        let session = Session::builder()
            .timeout(ClientTimeout::total(secs(5)))
            .build();
        let cases: &[(&str, ErrorCheck)] = &[
            ("/fault/close-mid-headers", |e| {
                matches!(
                    e,
                    Error::ServerDisconnected {
                        phase: Phase::WaitingForHead
                    }
                )
            }),
            ("/fault/close-before-answer", |e| {
                matches!(
                    e,
                    Error::ServerDisconnected {
                        phase: Phase::WaitingForHead
                    }
                )
            }),
            ("/fault/close-mid-body", |e| {
                matches!(
                    e,
                    Error::ServerDisconnected {
                        phase: Phase::ReadingBody
                    }
                )
            }),
            ("/fault/wrong-content-length", |e| {
                matches!(
                    e,
                    Error::ServerDisconnected {
                        phase: Phase::ReadingBody
                    }
                )
            }),
            ("/fault/garbage-status", |e| {
                matches!(
                    e,
                    Error::Protocol {
                        phase: Phase::WaitingForHead,
                        ..
                    }
                )
            }),
            ("/fault/oversized-header", |e| {
                matches!(
                    e,
                    Error::TooLarge {
                        limit: Limit::HeadSize,
                        ..
                    }
                )
            }),
            ("/fault/never-ending-head?ms=1", |e| {
                matches!(
                    e,
                    Error::TooLarge {
                        limit: Limit::HeadSize | Limit::HeaderCount,
                        ..
                    }
                )
            }),
            ("/fault/bad-chunk-size", |e| {
                matches!(
                    e,
                    Error::Protocol {
                        phase: Phase::ReadingBody,
                        ..
                    }
                )
            }),
            ("/fault/huge-chunk-size", |e| {
                matches!(e, Error::Protocol { .. } | Error::TooLarge { .. })
            }),
            ("/fault/truncated-chunked", |e| {
                matches!(
                    e,
                    Error::ServerDisconnected {
                        phase: Phase::ReadingBody
                    }
                )
            }),
            ("/fault/never-answer", |e| {
                matches!(
                    e,
                    Error::Timeout {
                        which: TimeoutKind::Total,
                        phase: Phase::WaitingForHead,
                        ..
                    }
                )
            }),
        ];
        for (path, expected) in cases {
            let outcome =
                async { session.get(&server.url(path)).send().await?.bytes().await }.await;
            let error = outcome.expect_err(path);
            assert!(expected(&error), "{path}: {error} ({error:?})");
            let ok = session
                .get(&server.url("/"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(ok.len(), 1256, "after {path}");
        }
        // A body longer than its Content-Length spoils the connection: not reused.
        let response = session
            .get(&server.url("/fault/wrong-content-length?extra=10"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.bytes().await.unwrap().len(), 100);
        let accepted = server.stats().accepted;
        assert_eq!(
            session.get(&server.url("/")).send().await.unwrap().status(),
            200
        );
        assert_eq!(
            server.stats().accepted,
            accepted + 1,
            "the spoiled connection was dropped"
        );
        let stats = session.stats();
        assert_eq!(
            (stats.waiting, stats.open - stats.idle),
            (0, 0),
            "{stats:?}"
        );
    });
}

#[test]
fn a_connection_the_server_closed_while_idle_is_never_used() {
    with_server(|server| async move {
        let session = Session::new();
        let first = session
            .get(&server.url("/fault/close-idle"))
            .send()
            .await
            .unwrap();
        first.bytes().await.unwrap();
        ripple_reactor::yield_now().await; // the server's FIN arrives
        let second = session.get(&server.url("/")).send().await.unwrap();
        assert_eq!(second.bytes().await.unwrap().len(), 1256);
        assert_eq!(server.stats().accepted, 2);
    });
}

#[test]
fn a_stale_connection_is_retried_once_when_the_close_races_the_request() {
    // The server closes the idle connection right as the request goes out: the checkout
    // saw it alive, the send or the head read fails, and the GET is retried once.
    let rt = Runtime::builder().paused_clock().build().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let connections = Rc::new(Cell::new(0));
        spawn({
            let connections = connections.clone();
            async move {
                loop {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    connections.set(connections.get() + 1);
                    let first_connection = connections.get() == 1;
                    spawn(async move {
                        let mut request = [0u8; 4096];
                        let _ = stream.read(&mut request).await;
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                            .await;
                        if first_connection {
                            // Read the next request, then close without answering.
                            let _ = stream.read(&mut request).await;
                            return;
                        }
                        loop {
                            match stream.read(&mut request).await {
                                Ok(0) | Err(_) => return,
                                Ok(_) => {
                                    let _ = stream
                                        .write_all(
                                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                                        )
                                        .await;
                                }
                            }
                        }
                    });
                }
            }
        });
        let session = Session::new();
        assert_eq!(
            session
                .get(&url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "ok"
        );
        assert_eq!(
            session
                .get(&url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "ok"
        );
        assert_eq!(connections.get(), 2, "the retry opened a new connection");
        // A POST is not idempotent: the same situation is an error, not a retry.
        let listener_error = session.post(&url).body("x").send().await;
        assert!(listener_error.is_ok(), "the second connection is healthy");
    });
}

#[test]
fn cookies_set_by_one_response_are_sent_on_the_next() {
    with_server(|server| async move {
        let session = Session::new();
        let response = session
            .get(&server.url("/cookies/set?flavour=oat&size=large"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.url().path(), "/cookies", "followed the redirect");
        let text = response.text().await.unwrap();
        assert!(
            text.contains("flavour=oat") && text.contains("size=large"),
            "{text}"
        );
        session
            .get(&server.url("/cookies/delete?size"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let text = session
            .get(&server.url("/cookies"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text.trim(), "flavour=oat");

        let no_jar = Session::builder().cookie_store(false).build();
        let text = no_jar
            .get(&server.url("/cookies/set?a=1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text.trim(), "");
    });
}

#[test]
fn redirects_are_followed_and_bounded() {
    with_server(|server| async move {
        let session = Session::new();
        let response = session
            .get(&server.url("/redirect/5"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            (response.status(), response.url().path()),
            (200, "/redirect/0")
        );
        response.bytes().await.unwrap();
        let error = session
            .get(&server.url("/redirect/11"))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::TooManyRedirects { max: 10, .. }),
            "{error}"
        );
        let manual = Session::builder().max_redirects(0).build();
        let response = manual.get(&server.url("/redirect/1")).send().await.unwrap();
        assert_eq!(response.status(), 302);
        // 303 turns a POST into a GET; 307 keeps the method and the body.
        let to_echo = |status: u16| server.url(&format!("/redirect-to?url=/echo&status={status}"));
        let response = session
            .post(&to_echo(303))
            .body("data")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers().get_str("x-echo-method"), Some("GET"));
        response.bytes().await.unwrap();
        let response = session
            .post(&to_echo(307))
            .body("data")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers().get_str("x-echo-method"), Some("POST"));
        assert_eq!(response.text().await.unwrap(), "data");
    });
}

#[test]
fn tls_is_verified_against_the_roots_and_the_host_name() {
    let rt = Runtime::builder().paused_clock().build().unwrap();
    rt.block_on(async {
        let ca = certs::TestCa::new("ripple test CA");
        let leaf = ca.leaf(&["localhost"]);
        let acceptor =
            TlsAcceptor::from_pem(leaf.chain_pem.as_bytes(), leaf.key_pem.as_bytes()).unwrap();
        let server = Server::bind_tls("127.0.0.1:0".parse().unwrap(), acceptor)
            .unwrap()
            .spawn();
        let port = server.local_addr().port();
        let url = format!("https://localhost:{port}/");

        let trusting = Session::builder()
            .root_certificates_pem(ca.pem.as_bytes())
            .unwrap()
            .build();
        let response = trusting.get(&url).send().await.unwrap();
        assert!(response.timings().tls.is_some());
        assert_eq!(response.bytes().await.unwrap().len(), 1256);
        // Reused: the second request does no handshake.
        let response = trusting.get(&url).send().await.unwrap();
        assert!(response.timings().reused_connection && response.timings().tls.is_none());
        response.bytes().await.unwrap();

        let default_roots = Session::new();
        let error = default_roots.get(&url).send().await.unwrap_err();
        assert!(matches!(&error, Error::Tls { .. }), "{error}");
        let reason = std::error::Error::source(&error).unwrap().to_string();
        assert!(reason.contains("UnknownIssuer"), "{reason}");

        let wrong_name = format!("https://127.0.0.1:{port}/");
        let error = trusting.get(&wrong_name).send().await.unwrap_err();
        assert!(matches!(&error, Error::Tls { .. }), "{error}");

        let reckless = Session::builder()
            .tls(TlsConfig::default().danger_accept_invalid_certificates(true))
            .build();
        assert_eq!(
            reckless.get(&wrong_name).send().await.unwrap().status(),
            200
        );
    });
}

#[test]
fn a_request_cancelled_at_any_point_gives_its_pool_slot_back() {
    with_server(|server| async move {
        let session = Rc::new(Session::builder().limit(1).build());
        // Queued behind a request that holds the only slot, then cancelled.
        let holder = session
            .get(&server.url("/delay/1000"))
            .send()
            .await
            .unwrap();
        let queued = spawn({
            let (session, url) = (session.clone(), server.url("/"));
            async move { session.get(&url).send().await.map(|_| ()) }
        });
        ripple_reactor::sleep(millis(10)).await;
        assert_eq!(session.stats().waiting, 1);
        queued.cancel();
        assert_eq!(session.stats().waiting, 0);
        drop(holder); // a response dropped with its body unread closes its connection
        assert_eq!(session.stats().open, 0);
        // Cancelled while waiting for the head, and while reading the body.
        for (path, after) in [
            ("/delay/1000", 10),
            ("/fault/slow-body?ms=100&bytes=50", 150),
        ] {
            let request = spawn({
                let (session, url) = (session.clone(), server.url(path));
                async move { session.get(&url).send().await?.bytes().await }
            });
            ripple_reactor::sleep(millis(after)).await;
            assert_eq!(session.stats().open, 1);
            request.cancel();
            let stats = session.stats();
            assert_eq!(
                (stats.open, stats.idle, stats.waiting),
                (0, 0, 0),
                "cancelled during {path}"
            );
        }
        assert_eq!(
            session.get(&server.url("/")).send().await.unwrap().status(),
            200
        );
    });
}

#[test]
fn a_body_over_the_limit_is_refused_whatever_its_framing() {
    with_server(|server| async move {
        let session = Session::builder().max_body_bytes(10_000).build();
        let error = session
            .get(&server.url("/bytes/20000"))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::TooLarge {
                    limit: Limit::BodySize,
                    max: 10_000
                }
            ),
            "{error}"
        );
        let response = session
            .get(&server.url("/chunked/20000"))
            .send()
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::TooLarge {
                    limit: Limit::BodySize,
                    ..
                }
            ),
            "{error}"
        );
        let fits = session
            .get(&server.url("/bytes/10000"))
            .send()
            .await
            .unwrap();
        assert_eq!(fits.bytes().await.unwrap().len(), 10_000);
    });
}

#[test]
fn the_send_future_stays_small() {
    // Thousands of requests wait at once in a crawler: each one's future is that much
    // memory. Opening a connection (TLS included) is boxed, so it does not count here.
    let session = Session::new();
    let send = session.get("http://127.0.0.1:1/").send();
    let size = std::mem::size_of_val(&send);
    assert!(size <= 2048, "send() future is {size} bytes");
}

#[test]
fn dropping_the_future_that_owns_a_session_cancels_its_requests_cleanly() {
    // A Session cannot be dropped while a request borrows it; what a program drops is the
    // future (or task) that owns the session and its requests. Everything must go with it.
    use std::pin::Pin;
    with_server(|server| async move {
        let urls: Vec<String> = (0..10)
            .map(|i| server.url(&format!("/delay/{}", 1000 + i)))
            .collect();
        let owner = spawn(async move {
            let session = Session::new();
            let mut requests: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> = urls
                .iter()
                .map(|url| {
                    let session = &session;
                    Box::pin(async move {
                        let _ = session.get(url).send().await;
                    }) as Pin<Box<dyn Future<Output = ()>>>
                })
                .collect();
            // Poll them all together until every one has finished (none will in time).
            std::future::poll_fn(|cx| {
                requests.retain_mut(|request| request.as_mut().poll(cx).is_pending());
                if requests.is_empty() {
                    std::task::Poll::Ready(())
                } else {
                    std::task::Poll::Pending
                }
            })
            .await;
        });
        ripple_reactor::sleep(millis(100)).await;
        assert_eq!(
            server.stats().open_connections,
            10,
            "all ten requests are in flight"
        );
        owner.cancel();
        // The client's sockets closed with the future; the server notices when it next
        // writes (its /delay answers come at about 1 s).
        ripple_reactor::sleep(millis(2000)).await;
        assert_eq!(server.stats().open_connections, 0);
        assert_eq!(server.stats().accepted, 10);
    });
}
