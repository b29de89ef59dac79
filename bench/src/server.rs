//! The server of the HTTP workloads: ripple's example server in a process of its own.
//!
//! W1, W2 and L1 need a server that neither client shares a core with. The parent starts one
//! for the whole bench, `taskset -c 0 ripple-bench --serve 127.0.0.1:0`: this binary,
//! running `ripple_http::server::Server` on a ripple runtime, the very code the `serve`
//! binary of ripple-demos runs. Being its own server saves a second package to build:
//! `cargo build -p ripple-bench` makes the server with the rest. The server prints its
//! URL (with the port the kernel picked) on its first stdout line; the parent reads it,
//! then asks `/stats` until an answer comes, so no run starts before the server accepts.
//!
//! L1 connects 10,000 times at once. The server therefore listens with a backlog of
//! [`BACKLOG`] rather than the 128 of `Server::bind`, on a socket made with socket2 and
//! handed over with `Server::from_std`, and raises its soft limit on open files to the
//! hard one (`open_files.rs`), one descriptor per connection.
//!
//! The rules:
//! - the server dies with the bench: [`ServerProcess`] kills it when dropped, which covers
//!   the end of `main`, an early return and a panic; Ctrl-C in a terminal reaches the
//!   server directly, since it stays in the bench's foreground process group; and if the
//!   bench dies some other way (even `kill -9`), the server sees its stdin, a pipe from
//!   the bench, close, and exits;
//! - `/stats` is read with a blocking `std::net::TcpStream` and `Connection: close`, so a
//!   query costs one accepted connection, which [`connections_opened`] subtracts.
//!
//! The parent also reads the server's CPU time around each W run, from
//! `/proc/<pid>/schedstat`: with it, the table can say whether the one-core server was
//! the limit, or the client.
//!
//! Path: `main.rs` starts a [`ServerProcess`] (or, with `--serve`, is one: [`serve`]) ->
//! `parent.rs` hands its address to each W child -> `child.rs` reads [`stats`] before and
//! after the run.

use std::fs;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ripple_http::server::Server;
use socket2::{Domain, Protocol, Socket, Type};

use crate::open_files;
use crate::pinning::Pinning;

/// How long the server may take to print its URL and answer a first `/stats`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one `/stats` query may take, connect and answer together.
const STATS_TIMEOUT: Duration = Duration::from_secs(5);

/// The listening socket's backlog: connections the kernel completes before the server
/// accepts them. When the queue is full the kernel drops the SYNs that come on, and the
/// client resends them one second later. With `Server::bind`'s 128, L1's 10,000 connects
/// at once overflowed it 6,688 times in five runs, and two of four counted runs took a
/// second longer (2.9 and 3.2 s, against 2.0-2.5 s); with this one, a handful in a
/// whole bench, none after L1's warm-up. Linux caps the figure at `net.core.somaxconn`
/// (4,096 by default since 5.4), which is enough: the server accepts nearly as fast as
/// the client connects, so the queue never holds 10,000.
const BACKLOG: i32 = 16_384;

/// The server's life in its own process (`ripple-bench --serve ADDR`): bind, print the
/// URL, serve until killed, or until stdin closes when it is a pipe.
pub fn serve(address: SocketAddr) {
    if let Err(e) = open_files::raise_to_hard_limit() {
        eprintln!("ripple-bench --serve: cannot raise the open-files limit: {e}");
    }
    if !io::stdin().is_terminal() {
        // A thread of its own, so the runtime's one thread stays the only one that serves
        // (and the only one `/proc/<pid>/schedstat` counts).
        thread::spawn(|| {
            // Returns at EOF, when the bench that holds the pipe's other end is gone.
            let _ = io::stdin().read(&mut [0; 1]);
            std::process::exit(0);
        });
    }
    ripple_reactor::run(async move {
        let server = listen(address).and_then(Server::from_std);
        let server = server.unwrap_or_else(|e| {
            eprintln!("ripple-bench --serve: cannot listen on {address}: {e}");
            std::process::exit(1)
        });
        // The parent reads this line (Rust's stdout is line-buffered even into a pipe, so
        // it leaves at once); a closed pipe must not stop the server.
        let _ = writeln!(io::stdout(), "{}", server.url("/"));
        server.run().await;
    });
}

/// A listening socket on `address` with a backlog of [`BACKLOG`], as `Server::from_std`
/// takes it: `SO_REUSEADDR` (as std's and mio's `bind` set it) and non-blocking.
fn listen(address: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// The server process, killed when this is dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    address: SocketAddr,
    cpus: String,
}

impl ServerProcess {
    /// Starts the server under `pinning` (core 0 when the children get core 1) and waits
    /// until it answers `/stats`.
    pub fn start(pinning: &Pinning) -> Result<ServerProcess, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
        let mut command = pinning.server_command(&exe);
        // stdin: a pipe that stays open as long as `child` is ours (see `serve`).
        command
            .args(["--serve", "127.0.0.1:0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let stdout = child.stdout.take();
        // From here on the guard exists: every early return below kills the server.
        let mut server = ServerProcess {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            cpus: "unknown".to_string(),
        };
        let line = first_line(stdout, START_TIMEOUT)?;
        server.address = address_of_url(&line)?;
        let deadline = Instant::now() + START_TIMEOUT;
        while let Err(e) = stats(server.address) {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("the server exited at start: {status}"));
            }
            if Instant::now() >= deadline {
                return Err(format!("the server does not answer /stats: {e}"));
            }
            thread::sleep(Duration::from_millis(10));
        }
        // `taskset` set the mask, then exec'd the server under the same pid.
        let status = fs::read_to_string(format!("/proc/{}/status", server.child.id()));
        if let Some(cpus) = status.ok().as_deref().and_then(cpus_allowed) {
            server.cpus = cpus.to_string();
        }
        Ok(server)
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The CPUs it may run on (`Cpus_allowed_list` of its `/proc/<pid>/status`).
    pub fn cpus(&self) -> &str {
        &self.cpus
    }

    /// The CPU time the server has used so far; `None` without procfs or schedstats.
    pub fn cpu_time(&self) -> Option<Duration> {
        let schedstat = fs::read_to_string(format!("/proc/{}/schedstat", self.child.id()));
        run_time_of_schedstat(&schedstat.ok()?)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Our own child, by its handle; nothing else is touched.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server's first stdout line, read on a helper thread so that a server that never
/// prints cannot hang the bench.
fn first_line(
    stdout: Option<impl Read + Send + 'static>,
    timeout: Duration,
) -> Result<String, String> {
    let stdout = stdout.ok_or("the server's stdout is not piped")?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = tx.send(BufReader::new(stdout).read_line(&mut line).map(|_| line));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(line)) if !line.is_empty() => Ok(line.trim().to_string()),
        Ok(Ok(_)) => Err("the server exited before printing its URL".to_string()),
        Ok(Err(e)) => Err(format!("cannot read the server's URL: {e}")),
        Err(_) => Err(format!(
            "the server printed no URL within {} s",
            timeout.as_secs()
        )),
    }
}

/// `http://127.0.0.1:40123/` -> `127.0.0.1:40123`.
fn address_of_url(url: &str) -> Result<SocketAddr, String> {
    url.strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .and_then(|authority| authority.parse().ok())
        .ok_or_else(|| format!("the server printed {url:?}, not http://IP:PORT/"))
}

/// The value of `Cpus_allowed_list` in a `/proc/<pid>/status` text.
fn cpus_allowed(status: &str) -> Option<&str> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .map(str::trim)
}

/// The time a thread has run, user and system, from its `/proc/<pid>/schedstat`: the
/// first of three numbers, in nanoseconds. The server runs on one thread, its main one,
/// which is the thread `/proc/<pid>` describes. (`/proc/<pid>/stat` has the process's
/// user and system times too, but in 10 ms ticks: too coarse for W1's 20 ms of server
/// work.)
fn run_time_of_schedstat(schedstat: &str) -> Option<Duration> {
    let nanos = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The counters of `/stats`, as far as the bench needs them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Connections accepted since the server started, the asking one included.
    pub accepted: u64,
    /// Request heads received, the asking one included.
    pub requests: u64,
}

impl ServerStats {
    /// Reads the body of `/stats`: `name value` lines; names it does not know are skipped.
    pub fn parse(body: &str) -> Result<ServerStats, String> {
        let (mut accepted, mut requests) = (None, None);
        for line in body.lines().filter(|line| !line.trim().is_empty()) {
            let (name, value) = line
                .split_once(' ')
                .ok_or_else(|| format!("/stats line without a value: {line:?}"))?;
            let value = || {
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|e| format!("/stats {name}: {value:?}: {e}"))
            };
            match name {
                "accepted" => accepted = Some(value()?),
                "requests" => requests = Some(value()?),
                _ => {}
            }
        }
        Ok(ServerStats {
            accepted: accepted.ok_or("/stats has no `accepted` line")?,
            requests: requests.ok_or("/stats has no `requests` line")?,
        })
    }
}

/// Connections a client opened between two `/stats` answers: each query is a connection
/// of its own, counted by the answer it gets, so the later query's is taken off.
pub fn connections_opened(before: ServerStats, after: ServerStats) -> u64 {
    after
        .accepted
        .saturating_sub(before.accepted)
        .saturating_sub(1)
}

/// Asks the server at `address` for `/stats`, on a connection of its own.
pub fn stats(address: SocketAddr) -> Result<ServerStats, String> {
    let response = get_and_close(address, "/stats").map_err(|e| format!("GET /stats: {e}"))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET /stats: no end of head in {response:?}"))?;
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(format!("GET /stats: {status:?}"));
    }
    ServerStats::parse(body)
}

/// The whole response to `GET path` with `Connection: close`, read until the server
/// closes. Good enough for `/stats`, a short text; nothing here is measured.
fn get_and_close(address: SocketAddr, path: &str) -> io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&address, STATS_TIMEOUT)?;
    stream.set_read_timeout(Some(STATS_TIMEOUT))?;
    // One `write_all`, not `write!`: an unbuffered stream would send each piece of the
    // format as a segment of its own.
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "accepted 12\nopen_connections 1\nmax_open_connections 100\nrequests 1013\n";

    #[test]
    fn stats_body_gives_accepted_and_requests() {
        assert_eq!(
            ServerStats::parse(BODY),
            Ok(ServerStats {
                accepted: 12,
                requests: 1013
            })
        );
    }

    #[test]
    fn stats_lines_may_come_in_any_order_and_new_ones_are_skipped() {
        let body = "requests 5\nuptime_ms 300\n\naccepted 2\n";
        assert_eq!(
            ServerStats::parse(body),
            Ok(ServerStats {
                accepted: 2,
                requests: 5
            })
        );
    }

    #[test]
    fn stats_without_accepted_or_with_a_bad_number_is_an_error() {
        assert!(ServerStats::parse("requests 5\n").is_err());
        assert!(ServerStats::parse("accepted many\nrequests 5\n").is_err());
        assert!(ServerStats::parse("accepted\n").is_err());
        assert!(ServerStats::parse("").is_err());
    }

    #[test]
    fn the_later_stats_query_is_not_counted_as_the_clients_connection() {
        let before = ServerStats {
            accepted: 1,
            requests: 1,
        };
        let after = ServerStats {
            accepted: 102,
            requests: 1002,
        };
        assert_eq!(connections_opened(before, after), 100);
        assert_eq!(connections_opened(after, before), 0);
    }

    #[test]
    fn run_time_is_the_first_schedstat_number() {
        assert_eq!(
            run_time_of_schedstat("1113771234 59839 694\n"),
            Some(Duration::from_nanos(1_113_771_234))
        );
        assert_eq!(run_time_of_schedstat(""), None);
        assert_eq!(run_time_of_schedstat("-1 2 3"), None);
    }

    #[test]
    fn the_address_is_read_from_the_printed_url() {
        assert_eq!(
            address_of_url("http://127.0.0.1:40123/"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 40123)))
        );
        assert!(address_of_url("https://127.0.0.1:40123/").is_err());
        assert!(address_of_url("http://localhost:40123/").is_err());
        assert!(address_of_url("").is_err());
    }

    #[test]
    fn cpus_allowed_list_is_found_but_not_cpus_allowed() {
        let status = "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n";
        assert_eq!(cpus_allowed(status), Some("0"));
        assert_eq!(cpus_allowed("Name:\tserve\n"), None);
    }

    /// The whole path: a server in this process (on its own thread and runtime), its URL,
    /// and two `/stats` queries that see each other's connection.
    #[test]
    fn stats_are_read_from_a_live_server() {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            ripple_reactor::run(async move {
                let address = SocketAddr::from(([127, 0, 0, 1], 0));
                let server = listen(address).and_then(Server::from_std).unwrap();
                tx.send(server.local_addr()).unwrap();
                server.run().await;
            })
        });
        let address = rx.recv().unwrap();
        let first = stats(address).unwrap();
        let second = stats(address).unwrap();
        assert_eq!(first.accepted, 1);
        assert_eq!(connections_opened(first, second), 0);
        assert_eq!(second.requests, 2);
    }
}
