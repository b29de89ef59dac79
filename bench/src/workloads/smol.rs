//! The workloads on smol's pieces: `async_executor::LocalExecutor` run by `async_io::block_on`.
//!
//! This is what `smol::LocalExecutor` plus `smol::block_on` are, without the `smol` facade
//! (which would also build async-fs, async-process and a blocking pool). `async_io` owns
//! the `epoll` instance (through `polling`) and the timers; `block_on` drives it while
//! the executor has nothing to run. A smol task's handle gives the value itself: a panic
//! propagates instead of becoming an error. The code mirrors `ripple.rs`.
//!
//! Path: `bin/bench-child-smol.rs` (or `workloads/mod.rs`) calls [`run`] ->
//! `async_executor` and `async_io` -> back with the elapsed time.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use async_executor::LocalExecutor;
use async_io::{Async, Timer};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use super::{MESSAGE_LEN, Sizes, Workload, XorShift, expected_sum, message};
use crate::stopwatch::Measured;

/// Runs `workload` on smol: M1-M3 only, as smol has no HTTP client here.
pub fn run(workload: Workload, sizes: Sizes, _server: Option<SocketAddr>) -> Measured {
    Measured::wall(match workload {
        Workload::M1 => spawn_join(sizes.tasks),
        Workload::M2 => sleepers(sizes.sleepers),
        Workload::M3 => ping_pong(sizes.round_trips),
        Workload::W1 | Workload::W1s | Workload::W2 | Workload::F1 | Workload::L1 => {
            panic!("smol has no HTTP client here: it does not run {workload}")
        }
    })
}

/// M1: spawn `tasks` tasks that each return their index, then await every handle.
pub fn spawn_join(tasks: u64) -> Duration {
    let executor = LocalExecutor::new();
    async_io::block_on(executor.run(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|i| executor.spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await;
        }
        let elapsed = start.elapsed();
        assert_eq!(sum, expected_sum(tasks));
        elapsed
    }))
}

/// M2: `sleepers` tasks each sleep the next xorshift delay; join them all.
pub fn sleepers(sleepers: u64) -> Duration {
    let executor = LocalExecutor::new();
    async_io::block_on(executor.run(async {
        let start = Instant::now();
        let mut rng = XorShift::new();
        let handles: Vec<_> = (0..sleepers)
            .map(|_| {
                let delay = rng.next_delay();
                executor.spawn(async move {
                    Timer::after(delay).await;
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
        start.elapsed()
    }))
}

/// M3: a server task echoes `round_trips` messages that the main future sends and reads.
pub fn ping_pong(round_trips: u64) -> Duration {
    let executor = LocalExecutor::new();
    async_io::block_on(executor.run(async {
        let listener = Async::<TcpListener>::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .expect("cannot bind 127.0.0.1");
        let address = listener.get_ref().local_addr().expect("no local address");
        let server = executor.spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept failed");
            stream
                .get_ref()
                .set_nodelay(true)
                .expect("cannot set TCP_NODELAY");
            let mut buf = [0; MESSAGE_LEN];
            for _ in 0..round_trips {
                stream.read_exact(&mut buf).await.expect("server read");
                stream.write_all(&buf).await.expect("server write");
            }
        });

        let mut stream = Async::<TcpStream>::connect(address)
            .await
            .expect("connect failed");
        stream
            .get_ref()
            .set_nodelay(true)
            .expect("cannot set TCP_NODELAY");
        let out = message();
        let mut back = [0; MESSAGE_LEN];
        let start = Instant::now();
        for _ in 0..round_trips {
            stream.write_all(&out).await.expect("client write");
            stream.read_exact(&mut back).await.expect("client read");
        }
        let elapsed = start.elapsed();
        assert_eq!(back, out, "the echo differs from the message");
        server.await;
        elapsed
    }))
}
