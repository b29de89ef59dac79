//! `resolve`: host name to socket addresses, without blocking the loop.
//!
//! The OS resolver, `getaddrinfo`, blocks (it may read files, ask a DNS server, time out),
//! so a name goes to the blocking pool and the task awaits the answer. A literal IPv4 or
//! IPv6 address (bracketed or not) needs no lookup and is answered at once.
//!
//! Path: `TcpStream::connect_host` and `ripple-http`'s connector call [`resolve`] ->
//! `blocking.rs` -> a helper thread runs `getaddrinfo`.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crate::blocking::spawn_blocking;

/// Resolves `host` (a name, an IPv4 literal, or an IPv6 literal with or without brackets)
/// to the addresses to try for `port`, in the resolver's order of preference.
///
/// An unknown name is an error of kind `NotFound` that carries the resolver's message.
///
/// # Panics
/// Outside a ripple runtime, for a name that needs a lookup.
pub async fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if host.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "empty host name",
        ));
    }
    let name = host.to_owned();
    let lookup = spawn_blocking(move || {
        (name.as_str(), port)
            .to_socket_addrs()
            .map(Iterator::collect)
    });
    let addresses: Vec<SocketAddr> = match lookup.await {
        Ok(Ok(addresses)) => addresses,
        Ok(Err(e)) => {
            let message = format!("cannot resolve {host:?}: {e}");
            return Err(io::Error::new(io::ErrorKind::NotFound, message));
        }
        Err(join_error) => return Err(io::Error::other(join_error)),
    };
    if addresses.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host:?} has no addresses"),
        ));
    }
    Ok(addresses)
}
