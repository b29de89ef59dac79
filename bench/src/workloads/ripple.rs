//! The workloads on ripple: `ripple_reactor::Runtime`, one thread, one mio loop.
//!
//! `spawn` puts a boxed future in the executor's slab and queues its id; `sleep` files a
//! deadline with the runtime's timer list; `TcpStream` reads and writes until
//! `WouldBlock`, then parks on its `epoll` slot. The code mirrors `tokio.rs` line by line.
//!
//! Path: `workloads/mod.rs` calls in -> `ripple_reactor` -> back with the elapsed time.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use ripple_reactor::{AsyncReadExt, AsyncWriteExt, Runtime, TcpListener, TcpStream};

use super::{MESSAGE_LEN, XorShift, expected_sum, message};

fn runtime() -> Runtime {
    Runtime::new().expect("cannot start the ripple runtime")
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
