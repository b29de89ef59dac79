//! The crate's own `AsyncRead` and `AsyncWrite`, and the `read`/`write_all` helpers on top.
//!
//! A stream says "try now, or tell me later" with `poll_read` and `poll_write`: it either
//! makes progress or parks the task's waker and returns `Pending`. The extension traits
//! turn those into `async fn`s (`read`, `read_exact`, `read_to_end`, `write_all`, `flush`,
//! `close`) with `std::future::poll_fn`, so there are no hand-written future structs.
//!
//! The traits take `&mut self`, not `Pin<&mut Self>` as tokio's and futures' do: every
//! stream here (TCP, TLS over TCP) is `Unpin`, and the pin would only add noise. A
//! self-referential stream can still implement them by boxing itself.
//!
//! Path: `net/tcp.rs` implements these -> `http` reads and writes through them.

use std::future::{Future, poll_fn};
use std::io;
use std::task::{Context, Poll};

/// A source of bytes that can say "not yet" without blocking.
pub trait AsyncRead {
    /// Reads into `buf`: `Ready(Ok(n))` with `n > 0` bytes, `Ready(Ok(0))` at end of
    /// stream (or for an empty `buf`), `Pending` after arranging a wake when bytes arrive.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
}

/// A sink of bytes that can say "not yet" without blocking.
pub trait AsyncWrite {
    /// Writes some of `buf`, returning how many bytes were taken.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Pushes out anything buffered inside the stream.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Flushes, then tells the peer no more bytes will come (a TCP FIN, a TLS close_notify).
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

impl<T: AsyncRead + ?Sized> AsyncRead for &mut T {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        (**self).poll_read(cx, buf)
    }
}

impl<T: AsyncRead + ?Sized> AsyncRead for Box<T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        (**self).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + ?Sized> AsyncWrite for &mut T {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        (**self).poll_write(cx, buf)
    }
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_flush(cx)
    }
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_close(cx)
    }
}

impl<T: AsyncWrite + ?Sized> AsyncWrite for Box<T> {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        (**self).poll_write(cx, buf)
    }
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_flush(cx)
    }
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_close(cx)
    }
}

/// `async fn` helpers for every [`AsyncRead`].
pub trait AsyncReadExt: AsyncRead {
    /// Reads some bytes into `buf`; `Ok(0)` means end of stream.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        poll_fn(move |cx| self.poll_read(cx, buf))
    }

    /// Fills `buf` completely, or fails with `UnexpectedEof` if the stream ends first.
    fn read_exact<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        let mut filled = 0;
        poll_fn(move |cx| {
            while filled < buf.len() {
                match self.poll_read(cx, &mut buf[filled..]) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                    }
                    Poll::Ready(Ok(n)) => filled += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            Poll::Ready(Ok(()))
        })
    }

    /// Reads until end of stream, appending to `buf`; returns how many bytes were added.
    fn read_to_end<'a>(
        &'a mut self,
        buf: &'a mut Vec<u8>,
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        let start = buf.len();
        poll_fn(move |cx| {
            let mut chunk = [0u8; 8192];
            loop {
                match self.poll_read(cx, &mut chunk) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Ok(buf.len() - start)),
                    Poll::Ready(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// `async fn` helpers for every [`AsyncWrite`].
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `buf`; returns how many bytes were taken.
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        poll_fn(move |cx| self.poll_write(cx, buf))
    }

    /// Writes all of `buf`, or fails with `WriteZero` if the stream stops taking bytes.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a {
        let mut written = 0;
        poll_fn(move |cx| {
            while written < buf.len() {
                match self.poll_write(cx, &buf[written..]) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Poll::Ready(Ok(n)) => written += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            Poll::Ready(Ok(()))
        })
    }

    /// Pushes out anything buffered inside the stream.
    fn flush(&mut self) -> impl Future<Output = io::Result<()>> + '_ {
        poll_fn(move |cx| self.poll_flush(cx))
    }

    /// Flushes and closes the writing half (TCP: sends FIN; TLS: close_notify).
    fn close(&mut self) -> impl Future<Output = io::Result<()>> + '_ {
        poll_fn(move |cx| self.poll_close(cx))
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
