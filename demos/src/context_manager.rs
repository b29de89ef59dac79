//! A resource acquired with an `await` and released on every way out: Rust's async context manager.
//!
//! Python's `async with` awaits `__aenter__` to acquire and `__aexit__` to release, on any
//! exit. Rust has no async `Drop`, so the idiom has three parts, all in [`ConnectedSocket`]:
//! - acquiring is an `async fn` that returns a guard: [`ConnectedSocket::accept`] waits
//!   for a client (`accept(2)` once the listener is readable);
//! - the normal exit is an explicit, awaited [`ConnectedSocket::close`]: `shutdown(2)` of
//!   our writing half, so the client reads end-of-stream, then the socket is closed;
//! - every other exit (an early `return` or `?`, a panic, a cancelled task) drops the
//!   guard, and its `Drop` closes the socket at once (`close(2)`). Drop cannot await, so
//!   anything that needs to wait (a goodbye message, a TLS close_notify) belongs in `close`.
//!
//! The demo connects to itself: a listener on 127.0.0.1 (port 0) and a client task on the
//! same runtime that sends one line and reads until the server closes. It runs twice: the
//! handler ends normally, then it leaves early through `?`. With `--listen ADDR` it waits
//! for you instead, as the chapter does: `telnet 127.0.0.1 8000` and type a line.
//!
//! Path: `ripple_reactor::TcpListener::accept` and `TcpStream` (`net/tcp.rs`) ->
//! `AsyncWriteExt::close` (`io.rs`) -> `shutdown(2)`; `Drop` -> mio closes the fd.

use std::io;
use std::net::SocketAddr;

use clap::Parser;
use ripple_reactor::{
    AsyncReadExt, AsyncWriteExt, JoinHandle, TcpListener, TcpStream, spawn_named,
};

use crate::RunArgs;

/// An async resource with an explicit close and a Drop for every other way out.
#[derive(Parser, Debug, Clone)]
#[command(name = "context_manager", version)]
pub struct Args {
    /// Listen on ADDR and wait for a client of your own (e.g. `telnet 127.0.0.1 8000`)
    /// instead of the built-in one; only the normal exit is shown then.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

impl Default for Args {
    fn default() -> Self {
        Args::parse_from(["context_manager"])
    }
}

/// A connection accepted from a listener: the guard of the `async with` block.
///
/// # Invariants
/// - `stream` is `Some` until [`close`](Self::close) or `Drop` takes it, so exactly one of
///   the two closes the socket and says so.
pub struct ConnectedSocket {
    stream: Option<TcpStream>,
}

impl ConnectedSocket {
    /// Waits for a client to connect (`__aenter__`).
    pub async fn accept(listener: &TcpListener) -> io::Result<ConnectedSocket> {
        println!(
            "enter: waiting for a connection on {}",
            listener.local_addr()?
        );
        let (stream, peer) = listener.accept().await?;
        println!("accepted a connection from {}", client_side(peer));
        Ok(ConnectedSocket {
            stream: Some(stream),
        })
    }

    /// The connection, to read from and write to.
    pub fn stream(&mut self) -> &mut TcpStream {
        // INVARIANT (ConnectedSocket): only `close` and `Drop` take it, and both consume.
        self.stream
            .as_mut()
            .expect("the stream is there until close or drop")
    }

    /// The normal way out (`__aexit__`): shuts our side down, so the client reads
    /// end-of-stream, and closes the socket.
    pub async fn close(mut self) -> io::Result<()> {
        let mut stream = self
            .stream
            .take()
            .expect("the stream is there until close or drop");
        println!("exit: close().await shuts down our side; the client will read end-of-stream");
        stream.close().await?;
        drop(stream);
        println!("closed the connection");
        Ok(())
    }
}

impl Drop for ConnectedSocket {
    fn drop(&mut self) {
        if let Some(stream) = self.stream.take() {
            println!("exit: the guard was dropped without close(); Drop closes the socket");
            drop(stream);
            println!("closed the connection");
        }
    }
}

/// The body of the `async with` block: read one line; if `strict`, insist on a greeting.
async fn handle_one(listener: &TcpListener, strict: bool) -> io::Result<()> {
    let mut connection = ConnectedSocket::accept(listener).await?;
    let mut buf = [0u8; 1024];
    let n = connection.stream().read(&mut buf).await?;
    let line = String::from_utf8_lossy(&buf[..n]).into_owned();
    println!("received {n} bytes: {line:?}");
    if strict && !line.starts_with("hello") {
        // The early way out: `?` returns, `connection` is dropped on the way.
        return Err(io::Error::other(format!(
            "expected a greeting, got {:?}",
            line.trim_end()
        )));
    }
    connection.close().await
}

/// The other end: connect, send `line`, read until the server closes.
fn client(address: SocketAddr, name: &str, line: &'static str) -> JoinHandle<io::Result<()>> {
    spawn_named(name, async move {
        let mut stream = TcpStream::connect(address).await?;
        stream.write_all(line.as_bytes()).await?;
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await?;
        println!("client: the server closed the connection (end of stream)");
        Ok(())
    })
}

/// Runs the demo, printing to standard output.
pub fn run(args: Args) {
    args.run.block_on("context_manager", async {
        let address = args
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = match TcpListener::bind(address) {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("cannot listen on {address}: {e}");
                std::process::exit(1)
            }
        };
        if args.listen.is_some() {
            println!(
                "Connect with a client of your own now, e.g. `telnet {address}`, and type a line."
            );
            report(
                spawn_named("handler (normal exit)", async move {
                    handle_one(&listener, false).await
                })
                .await,
            );
            return;
        }
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let listener = std::rc::Rc::new(listener);

        println!("1. The block ends normally: close().await releases the connection.");
        let handler = {
            let listener = listener.clone();
            spawn_named("handler (normal exit)", async move {
                handle_one(&listener, false).await
            })
        };
        let peer = client(address, "client 1", "hello from the client\r\n");
        report(handler.await);
        peer.await.expect("the client task runs").ok();

        println!(
            "\n2. The block leaves early through `?`: nobody calls close(), Drop releases it."
        );
        let handler = {
            let listener = listener.clone();
            spawn_named("handler (early exit)", async move {
                handle_one(&listener, true).await
            })
        };
        let peer = client(address, "client 2", "something else\r\n");
        report(handler.await);
        peer.await.expect("the client task runs").ok();
        println!("\nEither way the socket was closed exactly once, and the client saw it close.");
    });
}

fn report(outcome: Result<io::Result<()>, ripple_reactor::JoinError>) {
    match outcome {
        Ok(Ok(())) => println!("the block ended normally"),
        Ok(Err(e)) => println!("the block returned early with an error: {e}"),
        Err(e) => println!("the handler task ended abnormally: {e}"),
    }
}

/// The peer address without its (random) port: "127.0.0.1 (port chosen by the OS)".
fn client_side(peer: SocketAddr) -> String {
    format!("{} (the client's port is chosen by the OS)", peer.ip())
}
