//! TCP on the reactor: a listener that accepts, a stream that connects, reads and writes.
//!
//! Both wrap mio's non-blocking sockets in an [`IoSource`], which registers them once with
//! `epoll` and parks a task on `WouldBlock`. `connect` is the one subtle call: a
//! non-blocking `connect(2)` returns at once with the handshake still under way; the
//! socket turns writable when it ends, and `SO_ERROR` (`take_error`) says how.
//!
//! Path: user code or `ripple-http` calls these -> `reactor.rs` (`IoSource::poll_io`).

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};

use crate::io::{AsyncRead, AsyncWrite};
use crate::net::dns::resolve;
use crate::reactor::{Direction, IoSource};

/// A socket that listens for TCP connections.
pub struct TcpListener {
    io: IoSource<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `address` (port 0 picks a free port; see [`local_addr`](Self::local_addr))
    /// and starts listening. `SO_REUSEADDR` is set, as servers expect.
    ///
    /// Fails outside a ripple runtime.
    pub fn bind(address: SocketAddr) -> io::Result<TcpListener> {
        let listener = mio::net::TcpListener::bind(address)?;
        Ok(TcpListener {
            io: IoSource::new(listener)?,
        })
    }

    /// Takes over a listening std socket (switched to non-blocking here).
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: IoSource::new(mio::net::TcpListener::from_std(listener))?,
        })
    }

    /// Waits for the next connection.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = poll_fn(|cx| {
            self.io
                .poll_io(Direction::Read, cx, |listener| listener.accept())
        })
        .await?;
        Ok((TcpStream::from_mio(stream)?, peer))
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// A TCP connection.
pub struct TcpStream {
    io: IoSource<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `address`. A closed port on a reachable host is an error of kind
    /// `ConnectionRefused`.
    pub async fn connect(address: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(address)?)?;
        poll_fn(|cx| stream.poll_connected(cx)).await?;
        Ok(stream)
    }

    /// Resolves `host` (see [`resolve`]) and connects to the first address that accepts,
    /// trying them in order. The error is the last address's.
    pub async fn connect_host(host: &str, port: u16) -> io::Result<TcpStream> {
        let mut last_error = None;
        for address in resolve(host, port).await? {
            match TcpStream::connect(address).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error
            .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address to connect to")))
    }

    fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new(stream)?,
        })
    }

    /// Ready once the handshake has ended, with its outcome.
    fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if self.io.poll_ready(Direction::Write, cx).is_pending() {
                return Poll::Pending;
            }
            let socket = self.io.get_ref();
            if let Some(error) = socket.take_error()? {
                return Poll::Ready(Err(error));
            }
            match socket.peer_addr() {
                Ok(_) => return Poll::Ready(Ok(())),
                // Writable before the handshake ended (the fresh registration assumes
                // "ready"): wait for the real event.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    self.io.clear_ready(Direction::Write)
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Reads without waiting: `WouldBlock` if no byte is there. The HTTP pool uses it to
    /// see whether an idle connection was closed by the server.
    ///
    /// If no readiness event arrived since a read last found the socket empty, nothing can
    /// be there (no byte, no FIN, no error: each would have raised an edge), and the answer
    /// is `WouldBlock` without a syscall.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.io.is_ready(Direction::Read) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let mut socket = self.io.get_ref();
        let result = socket.read(buf);
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.io.clear_ready(Direction::Read);
        }
        result
    }

    /// Closes the reading half, the writing half, or both (`shutdown(2)`).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// The address of the other end.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The address of this end.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Turns Nagle's algorithm off (`true`) so small writes leave at once.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let result = self
            .io
            .poll_io(Direction::Read, cx, |mut socket| socket.read(buf));
        if let Poll::Ready(Ok(n)) = result {
            // A short read emptied the kernel's buffer: the next read would only say
            // WouldBlock, so skip that syscall and park at once. (Not after 0 bytes: at
            // end of stream every read returns at once.)
            if n > 0 && n < buf.len() {
                self.io.clear_ready(Direction::Read);
            }
        }
        result
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = self
            .io
            .poll_io(Direction::Write, cx, |mut socket| socket.write(buf));
        if let Poll::Ready(Ok(n)) = result {
            // A short write filled the kernel's buffer, as above.
            if n < buf.len() {
                self.io.clear_ready(Direction::Write);
            }
        }
        result
    }

    fn poll_flush(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(())) // no buffer of our own: the kernel sends on its own
    }

    fn poll_close(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.shutdown(Shutdown::Write) {
            // The peer already went away: the write side is closed either way.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            result => Poll::Ready(result),
        }
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}
