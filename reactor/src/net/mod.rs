//! Networking: TCP sockets on the reactor, and name resolution on the blocking pool.
//!
//! - `tcp.rs`: [`TcpListener`] and [`TcpStream`].
//! - `dns.rs`: [`resolve`], which skips the pool for a literal IP.

mod dns;
mod tcp;

pub use dns::resolve;
pub use tcp::{TcpListener, TcpStream};
