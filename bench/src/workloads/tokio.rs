//! The workloads on tokio's `current_thread` runtime, the peer most Rust users know.
//!
//! `Builder::new_current_thread().enable_all()` gives one thread with tokio's I/O driver
//! (mio, as ripple) and its timer wheel. `tokio::spawn` asks for `Send` futures even here;
//! ours are `Send` anyway, so no `LocalSet` is needed. The HTTP workloads use the client
//! most tokio programs reach through reqwest: hyper-util's legacy `Client`, which pools
//! keep-alive connections and drives each one as a task spawned with `TokioExecutor`.
//! The code mirrors `ripple.rs`.
//!
//! Path: `bin/bench-child-tokio.rs` (or `workloads/mod.rs`) calls [`run`] -> `tokio`
//! (and `hyper_util`, `hyper`) -> back with the elapsed time.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

use super::{Gets, MESSAGE_LEN, Sizes, Workload, XorShift, expected_sum, message, server_for};
use crate::memory;
use crate::stopwatch::{Measured, Stopwatch};

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot start the tokio runtime")
}

/// Runs `workload` on tokio (M1-M3, or W1, W1s, W2 and L1 against `server`).
pub fn run(workload: Workload, sizes: Sizes, server: Option<SocketAddr>) -> Measured {
    if let Some(requests) = workload.gets(sizes) {
        return gets(server_for(workload, server), requests);
    }
    Measured::wall(match workload {
        Workload::M1 => spawn_join(sizes.tasks),
        Workload::M2 => sleepers(sizes.sleepers),
        Workload::M3 => ping_pong(sizes.round_trips),
        Workload::W1 | Workload::W1s | Workload::W2 | Workload::F1 | Workload::L1 => {
            unreachable!("{workload} is not one of tokio's workloads")
        }
    })
}

/// M1: spawn `tasks` tasks that each return their index, then await every handle.
pub fn spawn_join(tasks: u64) -> Duration {
    runtime().block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks).map(|i| tokio::spawn(async move { i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.expect("task failed");
        }
        let elapsed = start.elapsed();
        assert_eq!(sum, expected_sum(tasks));
        elapsed
    })
}

/// M2: `sleepers` tasks each sleep the next xorshift delay; join them all.
pub fn sleepers(sleepers: u64) -> Duration {
    runtime().block_on(async move {
        let start = Instant::now();
        let mut rng = XorShift::new();
        let handles: Vec<_> = (0..sleepers)
            .map(|_| {
                let delay = rng.next_delay();
                tokio::spawn(async move { tokio::time::sleep(delay).await })
            })
            .collect();
        for handle in handles {
            handle.await.expect("task failed");
        }
        start.elapsed()
    })
}

/// M3: a server task echoes `round_trips` messages that the main future sends and reads.
pub fn ping_pong(round_trips: u64) -> Duration {
    runtime().block_on(async move {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("cannot bind 127.0.0.1");
        let address = listener.local_addr().expect("no local address");
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept failed");
            stream.set_nodelay(true).expect("cannot set TCP_NODELAY");
            let mut buf = [0; MESSAGE_LEN];
            for _ in 0..round_trips {
                stream.read_exact(&mut buf).await.expect("server read");
                stream.write_all(&buf).await.expect("server write");
            }
        });

        let mut stream = TcpStream::connect(address).await.expect("connect failed");
        stream.set_nodelay(true).expect("cannot set TCP_NODELAY");
        let out = message();
        let mut back = [0; MESSAGE_LEN];
        let start = Instant::now();
        for _ in 0..round_trips {
            stream.write_all(&out).await.expect("client write");
            stream.read_exact(&mut back).await.expect("client read");
        }
        let elapsed = start.elapsed();
        assert_eq!(back, out, "the echo differs from the message");
        server.await.expect("server task failed");
        elapsed
    })
}

/// A GET of `url` with the header fields ripple's session sends by default (`Host`,
/// `User-Agent`, `Accept`); hyper sends only `Host` unless told. The same fields make the
/// same work for the server, which W2 keeps busy: the clients are compared, not their
/// requests' sizes.
fn get(url: &Uri) -> Request<Empty<Bytes>> {
    Request::get(url.clone())
        .header("user-agent", concat!("hyper/", "1"))
        .header("accept", "*/*")
        .body(Empty::new())
        .expect("a GET with valid header fields")
}

/// W1, W1s, W2, L1: `gets.in_flight` tasks share one client and one request counter, each
/// taking the next number and doing one GET with it until all `gets.requests` are done.
pub fn gets(server: SocketAddr, gets: Gets) -> Measured {
    runtime().block_on(async move {
        let mut connector = HttpConnector::new();
        // ripple's client sets TCP_NODELAY on its connections; hyper's does not by default.
        connector.set_nodelay(true);
        // hyper-util has no connection limit like ripple's `limit`: the workers bound the
        // requests in flight, and the pool keeps up to as many idle connections. A request
        // that finds no idle connection opens one (while racing for one coming back), so
        // L1's 10,000 workers, all waiting at once, hold 10,000 connections, as ripple's.
        let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(gets.in_flight)
            .build(connector);
        let url: Uri = format!("http://{server}{}", gets.path)
            .parse()
            .expect("the URL is valid");
        // `tokio::spawn` wants `Send` tasks: an atomic, uncontended on one thread.
        let next = Arc::new(AtomicU64::new(0));
        // L1's baseline: the runtime and the client are made, no request is.
        let baseline_rss_kib = memory::resident_kib();
        let watch = Stopwatch::start();
        let workers: Vec<_> = (0..gets.in_flight)
            .map(|_| {
                let (client, url, next) = (client.clone(), url.clone(), Arc::clone(&next));
                tokio::spawn(async move {
                    while next.fetch_add(1, Ordering::Relaxed) < gets.requests {
                        let response = client.request(get(&url)).await;
                        let response = response.unwrap_or_else(|e| panic!("GET {url}: {e}"));
                        assert_eq!(response.status(), 200, "GET {url}");
                        let body = response.into_body().collect().await;
                        let body = body.unwrap_or_else(|e| panic!("GET {url}, body: {e}"));
                        assert_eq!(
                            body.to_bytes().len(),
                            gets.body_len,
                            "GET {url}: body length"
                        );
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.expect("worker failed");
        }
        watch.stop().with_baseline_rss(baseline_rss_kib)
    })
}
