//! No file descriptor outlives its socket or its runtime.
//!
//! One test in its own binary: the fd count is process-wide, so no other test may run
//! beside it.

use std::net::SocketAddr;
use std::time::Duration;

use ripple_reactor::{AsyncReadExt, AsyncWriteExt, Runtime, TcpListener, TcpStream, sleep, spawn};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| dir.count())
        .unwrap_or(0)
}

#[test]
fn sockets_and_runtimes_give_back_every_fd() {
    let baseline = open_fds();
    assert!(baseline > 0, "/proc/self/fd is readable");

    // 1,000 connect/close cycles on one runtime.
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
        let address = listener.local_addr().unwrap();
        let server = spawn(async move {
            for _ in 0..1000 {
                let (mut stream, _) = listener.accept().await.unwrap();
                stream.write_all(b"bye").await.unwrap();
            }
        });
        for _ in 0..1000 {
            let mut stream = TcpStream::connect(address).await.unwrap();
            let mut greeting = [0u8; 3];
            stream.read_exact(&mut greeting).await.unwrap();
            assert_eq!(&greeting, b"bye");
        }
        server.await.unwrap();
    });
    assert!(rt.is_idle());
    drop(rt);
    assert_eq!(open_fds(), baseline, "after 1,000 connect/close cycles");

    // A runtime that ends with tasks still holding sockets and timers.
    for _ in 0..3 {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
            let address = listener.local_addr().unwrap();
            spawn(async move {
                let mut held = Vec::new();
                loop {
                    held.push(listener.accept().await.unwrap());
                }
            });
            for _ in 0..50 {
                let stream = TcpStream::connect(address).await.unwrap();
                spawn(async move {
                    let _stream = stream;
                    sleep(Duration::from_secs(3600)).await;
                });
            }
            sleep(Duration::from_millis(5)).await;
        });
        drop(rt);
    }
    assert_eq!(
        open_fds(),
        baseline,
        "after runtimes shut down with live sockets"
    );
}
