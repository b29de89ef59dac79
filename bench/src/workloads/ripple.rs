//! The workloads on ripple: `ripple_reactor::Runtime`, one thread, one mio loop.
//!
//! `spawn` puts a boxed future in the executor's slab and queues its id; `sleep` files a
//! deadline with the runtime's timer list; `TcpStream` reads and writes until
//! `WouldBlock`, then parks on its `epoll` slot. The HTTP workloads use
//! `ripple_http::Session` as a user would: one session, shared by `Rc`, `get().send()`
//! then `bytes()`. The code mirrors `tokio.rs` line by line.
//!
//! Path: `bin/bench-child-ripple.rs` (or `workloads/mod.rs`) calls [`run`] ->
//! `ripple_reactor` (and `ripple_http`) -> back with the elapsed time.

use std::cell::Cell;
use std::net::{Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use ripple_http::Session;
use ripple_reactor::{AsyncReadExt, AsyncWriteExt, Runtime, TcpListener, TcpStream};

use super::{Gets, MESSAGE_LEN, Sizes, Workload, XorShift, expected_sum, message, server_for};
use crate::memory;
use crate::stopwatch::{Measured, Stopwatch};

fn runtime() -> Runtime {
    Runtime::new().expect("cannot start the ripple runtime")
}

/// Runs `workload` on ripple (M1-M3, or W1, W1s, W2 and L1 against `server`).
pub fn run(workload: Workload, sizes: Sizes, server: Option<SocketAddr>) -> Measured {
    if let Some(requests) = workload.gets(sizes) {
        return gets(server_for(workload, server), requests);
    }
    Measured::wall(match workload {
        Workload::M1 => spawn_join(sizes.tasks),
        Workload::M2 => sleepers(sizes.sleepers),
        Workload::M3 => ping_pong(sizes.round_trips),
        Workload::W1 | Workload::W1s | Workload::W2 | Workload::F1 | Workload::L1 => {
            unreachable!("{workload} is not one of ripple's workloads")
        }
    })
}

/// M1: spawn `tasks` tasks that each return their index, then await every handle.
pub fn spawn_join(tasks: u64) -> Duration {
    runtime().block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|i| ripple_reactor::spawn(async move { i }))
            .collect();
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
                ripple_reactor::spawn(async move { ripple_reactor::sleep(delay).await })
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
            .expect("cannot bind 127.0.0.1");
        let address = listener.local_addr().expect("no local address");
        let server = ripple_reactor::spawn(async move {
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

/// W1, W1s, W2, L1: `gets.in_flight` tasks share one session and one request counter, each
/// taking the next number and doing one GET with it until all `gets.requests` are done.
pub fn gets(server: SocketAddr, gets: Gets) -> Measured {
    runtime().block_on(async move {
        // As many connections as workers (10,000 for L1), so no request waits for a slot;
        // the default total timeout, 300 s, leaves L1's second of waiting far inside it.
        let session = Rc::new(Session::builder().limit(gets.in_flight).build());
        let url: Rc<str> = format!("http://{server}{}", gets.path).into();
        // One thread: a `Cell` does what tokio's side needs an atomic for.
        let next = Rc::new(Cell::new(0));
        // L1's baseline: the runtime and the client are made, no request is.
        let baseline_rss_kib = memory::resident_kib();
        let watch = Stopwatch::start();
        let workers: Vec<_> = (0..gets.in_flight)
            .map(|_| {
                let (session, url, next) = (Rc::clone(&session), Rc::clone(&url), Rc::clone(&next));
                ripple_reactor::spawn(async move {
                    // `replace` gives the old number: tokio's `fetch_add`, without atomics.
                    while next.replace(next.get() + 1) < gets.requests {
                        let response = session.get(&url).send().await;
                        let response = response.unwrap_or_else(|e| panic!("GET {url}: {e}"));
                        assert_eq!(response.status(), 200, "GET {url}");
                        let body = response.bytes().await;
                        let body = body.unwrap_or_else(|e| panic!("GET {url}, body: {e}"));
                        assert_eq!(body.len(), gets.body_len, "GET {url}: body length");
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
