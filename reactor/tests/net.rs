//! TCP, DNS and cross-thread wakes, all on 127.0.0.1.

use std::cell::Cell;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use ripple_reactor::{
    AsyncReadExt, AsyncWriteExt, Runtime, TcpListener, TcpStream, resolve, run, sleep, spawn,
    spawn_blocking,
};

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Serves an echo on every accepted connection until the runtime ends.
fn spawn_echo_server() -> SocketAddr {
    let listener = TcpListener::bind(loopback()).unwrap();
    let address = listener.local_addr().unwrap();
    spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            spawn(async move {
                let mut buf = [0u8; 1024];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => stream.write_all(&buf[..n]).await.unwrap(),
                    }
                }
            });
        }
    });
    address
}

#[test]
fn a_thousand_concurrent_clients_get_their_own_bytes_back() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let address = spawn_echo_server();
        let clients: Vec<_> = (0..1000u32)
            .map(|i| {
                spawn(async move {
                    let mut stream = TcpStream::connect(address).await?;
                    let message =
                        format!("client {i} says hello, {}", "x".repeat(i as usize % 200));
                    stream.write_all(message.as_bytes()).await?;
                    let mut echoed = vec![0u8; message.len()];
                    stream.read_exact(&mut echoed).await?;
                    assert_eq!(echoed, message.as_bytes());
                    stream.close().await?;
                    let mut rest = Vec::new();
                    stream.read_to_end(&mut rest).await?;
                    assert!(
                        rest.is_empty(),
                        "the server closes after our FIN, sending nothing more"
                    );
                    io::Result::Ok(())
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap().unwrap();
        }
    });
    assert!(
        rt.is_idle(),
        "every socket was deregistered: {:?}",
        rt.stats()
    );
}

#[test]
fn connecting_to_a_closed_port_is_refused_not_hung() {
    run(async {
        // Bind, learn the port, close: nothing listens there now.
        let address = TcpListener::bind(loopback()).unwrap().local_addr().unwrap();
        let error = TcpStream::connect(address).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn large_writes_are_delivered_whole_through_a_full_socket_buffer() {
    run(async {
        let listener = TcpListener::bind(loopback()).unwrap();
        let address = listener.local_addr().unwrap();
        let payload: Vec<u8> = (0..8_000_000u32).map(|i| (i % 251) as u8).collect();
        let sender = spawn({
            let payload = payload.clone();
            async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                stream.write_all(&payload).await.unwrap();
            }
        });
        let mut stream = TcpStream::connect(address).await.unwrap();
        let mut received = Vec::new();
        stream.read_to_end(&mut received).await.unwrap();
        sender.await.unwrap();
        assert_eq!(received.len(), payload.len());
        assert!(received == payload);
    });
}

#[test]
fn resolving_localhost_finds_the_loopback_address() {
    run(async {
        let addresses = resolve("localhost", 8080).await.unwrap();
        assert!(
            addresses
                .iter()
                .any(|a| a.ip().is_loopback() && a.port() == 8080),
            "{addresses:?}"
        );
        assert_eq!(
            resolve("127.0.0.1", 1).await.unwrap(),
            ["127.0.0.1:1".parse().unwrap()]
        );
        assert_eq!(
            resolve("[::1]", 2).await.unwrap(),
            ["[::1]:2".parse().unwrap()]
        );
        let stream = TcpStream::connect_host("localhost", spawn_echo_server().port()).await;
        assert!(stream.is_ok(), "{stream:?}");
    });
}

#[test]
fn an_unknown_host_is_a_not_found_error() {
    run(async {
        // `.invalid` is reserved (RFC 2606): no resolver may answer it.
        let error = resolve("no-such-host.invalid", 80).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert!(
            error.to_string().contains("no-such-host.invalid"),
            "{error}"
        );
    });
}

#[test]
fn timers_keep_firing_while_a_slow_blocking_job_runs() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let ticks = Rc::new(Cell::new(0u32));
        let slow_lookup = spawn_blocking(|| {
            // Stands in for a slow getaddrinfo.
            std::thread::sleep(Duration::from_millis(300));
            "resolved"
        });
        let ticker = spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    sleep(Duration::from_millis(10)).await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        assert_eq!(slow_lookup.await, Ok("resolved"));
        ticker.cancel();
        // The loop was free the whole time: had the job run on it, no tick could happen.
        assert!(ticks.get() >= 5, "only {} ticks during 300 ms", ticks.get());
    });
    assert!(rt.is_idle());
}

#[test]
fn a_panic_in_a_blocking_job_is_reported_not_propagated() {
    run(async {
        let job = spawn_blocking(|| -> u32 { panic!("the job failed") });
        let error = job.await.unwrap_err();
        assert!(
            error.is_panic() && error.to_string().contains("the job failed"),
            "{error}"
        );
    });
}

/// A oneshot channel built from nothing but a mutex and a waker.
#[derive(Default)]
struct Oneshot {
    value: Option<u32>,
    waker: Option<Waker>,
}

#[test]
fn a_wake_from_another_thread_unblocks_the_loop() {
    let rt = Runtime::new().unwrap();
    let shared = Arc::new(Mutex::new(Oneshot::default()));
    let value = rt.block_on({
        let shared = shared.clone();
        async move {
            let sender = {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(50));
                    let waker = {
                        let mut slot = shared.lock().unwrap();
                        slot.value = Some(99);
                        slot.waker.take()
                    };
                    // The loop parked long before these 50 ms ran out; if not, the value is
                    // simply there at its first poll.
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                })
            };
            // The main future and a spawned task both wait: first the main one, then a task.
            let received = poll_fn(|cx| {
                let mut slot = shared.lock().unwrap();
                match slot.value.take() {
                    Some(value) => Poll::Ready(value),
                    None => {
                        slot.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            })
            .await;
            sender.join().unwrap();
            received
        }
    });
    assert_eq!(value, 99);

    // The same for a spawned task: its wake goes through the remote queue.
    let value = rt.block_on(async {
        let shared = Arc::new(Mutex::new(Oneshot::default()));
        let task = spawn({
            let shared = shared.clone();
            async move {
                poll_fn(|cx| {
                    let mut slot = shared.lock().unwrap();
                    match slot.value.take() {
                        Some(value) => Poll::Ready(value),
                        None => {
                            slot.waker = Some(cx.waker().clone());
                            Poll::Pending
                        }
                    }
                })
                .await
            }
        });
        sleep(Duration::from_millis(5)).await; // the task is parked by now
        let thread = std::thread::spawn(move || {
            let waker = {
                let mut slot = shared.lock().unwrap();
                slot.value = Some(7);
                slot.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        let value = task.await.unwrap();
        thread.join().unwrap();
        value
    });
    assert_eq!(value, 7);
    assert!(rt.is_idle());
}

#[test]
fn end_of_stream_after_a_short_read_is_not_lost() {
    // The peer's data and FIN arrive together; a short read takes the data and clears
    // "readable", but no new edge will come for the FIN. The hang-up must stay sticky.
    run(async {
        let listener = TcpListener::bind(loopback()).unwrap();
        let address = listener.local_addr().unwrap();
        let writer = spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.write_all(b"short and final").await.unwrap();
            // dropped here: FIN follows the bytes
        });
        let mut stream = TcpStream::connect(address).await.unwrap();
        writer.await.unwrap();
        sleep(Duration::from_millis(20)).await; // let the FIN land before the first read
        let mut everything = Vec::new();
        let read =
            ripple_reactor::timeout(Duration::from_secs(5), stream.read_to_end(&mut everything))
                .await;
        assert!(read.is_ok(), "read_to_end hung after a short read");
        assert_eq!(everything, b"short and final");
    });
}

#[test]
fn try_read_sees_data_and_end_of_stream_once_the_loop_has_seen_them() {
    run(async {
        let listener = TcpListener::bind(loopback()).unwrap();
        let address = listener.local_addr().unwrap();
        let client = TcpStream::connect(address).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 16];
        // Fresh socket: the first try does the syscall, which says WouldBlock.
        assert_eq!(
            client.try_read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        server.write_all(b"hi").await.unwrap();
        sleep(Duration::from_millis(5)).await; // the loop turns and sees the event
        assert_eq!(client.try_read(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"hi");
        drop(server);
        sleep(Duration::from_millis(5)).await;
        assert_eq!(client.try_read(&mut buf).unwrap(), 0, "end of stream");
    });
}
