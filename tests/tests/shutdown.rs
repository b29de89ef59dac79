//! Ending a runtime while a session's requests are in flight: every task goes, and every
//! socket closes.
//!
//! `block_on` returns when its main future does, and the tasks still alive are dropped
//! right there, where each one waits (asyncio.run's semantics). Here those tasks hold the
//! only handles to a [`Session`], and their requests wait at every stage a request can
//! wait in: queued behind the per-host limit, in the TCP handshake, in the TLS handshake,
//! waiting for a head (plain and TLS), reading a body; the session's pool also keeps an
//! idle connection of each kind, and the example servers hold the other ends. Checked:
//! every task was dropped without finishing, the runtime is empty once `block_on` returns,
//! and once it is dropped the process has exactly the file descriptors it had before
//! (counted in `/proc/self/fd`, so this is a test binary of its own: the count is
//! process-wide). A leak here would be a cycle of `Rc`s between pool, connection and
//! task, which no single cancelled request shows (`pool.rs` checks those one by one).
//!
//! No host name is looked up: a lookup runs in the C library on a blocking thread, and
//! what it holds open is the C library's, not the client's. The clock is paused: the
//! requests reach their stages, and the test moves on, without real waiting.
//!
//! Path: this file -> `ripple_reactor::Runtime::block_on` (the leftover tasks are
//! cancelled) -> `ripple_http::Session` (`pool/` leases, `conn.rs`, `tls/`).

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ripple_http::pool::HostStats;
use ripple_http::server::Server;
use ripple_http::tls::{TlsAcceptor, TlsConfig};
use ripple_http::{ClientTimeout, Session};
use ripple_reactor::{Runtime, sleep, spawn};
use socket2::{Domain, Socket, Type};

/// The file descriptors this process has open now.
fn open_fds() -> usize {
    // The directory handle itself is counted too, every time alike.
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Counts the request tasks as they go: ended on their own (none should), and dropped.
#[derive(Default)]
struct Tally {
    finished: Cell<usize>,
    dropped: Cell<usize>,
}

/// Held by each request task: dropped with it, however it goes.
struct DropGuard(Rc<Tally>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.dropped.set(self.0.dropped.get() + 1);
    }
}

/// A listener whose accept queue is full: a connection to it stays in the TCP handshake
/// (its SYN is dropped). The backlog is 0, which holds one connection: the filler.
fn listener_with_a_full_backlog() -> (Socket, std::net::TcpStream, SocketAddr) {
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
    listener.bind(&any_port.into()).unwrap();
    listener.listen(0).unwrap();
    let address = listener.local_addr().unwrap().as_socket().unwrap();
    let filler = std::net::TcpStream::connect(address).unwrap();
    (listener, filler, address)
}

#[test]
fn a_runtime_ended_with_requests_at_every_stage_drops_them_all_and_closes_every_socket() {
    let baseline = open_fds();
    let tally = Rc::new(Tally::default());
    // Outside the runtime, never serving: the kernel completes the TCP handshake and
    // queues the ClientHello, and no answer ever comes (the TLS handshake waits). And a
    // listener that never completes a TCP handshake.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (full, filler, full_address) = listener_with_a_full_backlog();
    let rt = Runtime::builder().paused_clock().build().unwrap();
    let spawned = rt.block_on(async {
        let http = Server::bind("127.0.0.1:0".parse().unwrap())
            .unwrap()
            .spawn();
        let idle_http = Server::bind("127.0.0.1:0".parse().unwrap())
            .unwrap()
            .spawn();
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
        let acceptor = TlsAcceptor::from_pem(
            certified.cert.pem().as_bytes(),
            certified.signing_key.serialize_pem().as_bytes(),
        )
        .unwrap();
        let tls = Server::bind_tls("127.0.0.1:0".parse().unwrap(), acceptor)
            .unwrap()
            .spawn();
        // Certificate checks off: the test needs TLS connections, not verified ones.
        let session = Rc::new(
            Session::builder()
                .limit_per_host(2)
                .tls(TlsConfig::default().danger_accept_invalid_certificates(true))
                .build(),
        );

        let silent_address = silent.local_addr().unwrap();
        let urls = [
            // Waiting for the head, and reading a body (a byte a second): the two slots
            // of the example server.
            http.url("/fault/never-answer"),
            http.url("/fault/slow-body?ms=1000&bytes=100"),
            // Queued behind them: the per-host limit is 2.
            http.url("/"),
            http.url("/"),
            format!("http://{full_address}/"),
            format!("https://{silent_address}/"),
            tls.url("/fault/never-answer"),
        ];
        let heads = Rc::new(Cell::new(0));
        for url in &urls {
            let (session, tally, heads) = (session.clone(), tally.clone(), heads.clone());
            let url = url.clone();
            spawn(async move {
                let _guard = DropGuard(tally.clone());
                if let Ok(response) = session.get(&url).send().await {
                    heads.set(heads.get() + 1);
                    let _ = response.bytes().await;
                }
                tally.finished.set(tally.finished.get() + 1);
            });
        }
        // One whole request each on a second plain connection and a second TLS one, which
        // then wait idle in the pool.
        let whole = ClientTimeout::total(Duration::from_secs(5));
        for url in [idle_http.url("/"), tls.url("/")] {
            let response = session.get(&url).timeout(whole).send().await.unwrap();
            assert_eq!(response.bytes().await.unwrap().len(), 1256, "{url}");
        }
        // Paused clock: this returns once every request waits where it will stay.
        sleep(Duration::from_secs(2)).await;

        // Each request really is at its stage.
        let stats = session.stats();
        let host = |port: u16| {
            stats
                .hosts
                .iter()
                .find(|(key, _)| key.port == port)
                .map(|(_, host)| *host)
                .unwrap_or_default()
        };
        let stage = |in_use, waiting, idle| HostStats {
            idle,
            in_use,
            waiting,
        };
        assert_eq!(host(http.local_addr().port()), stage(2, 2, 0), "{stats:?}");
        assert_eq!(host(idle_http.local_addr().port()), stage(0, 0, 1));
        assert_eq!(host(tls.local_addr().port()), stage(1, 0, 1));
        assert_eq!(host(full_address.port()), stage(1, 0, 0));
        assert_eq!(host(silent_address.port()), stage(1, 0, 0));
        assert_eq!(heads.get(), 1, "only the slow body's head came");
        assert_eq!(tally.finished.get(), 0);
        assert_eq!(tally.dropped.get(), 0);
        // The servers still hold their ends: 2 plain, 1 idle plain, 2 TLS.
        let server_connections =
            [&http, &idle_http, &tls].map(|server| server.stats().open_connections);
        assert_eq!(server_connections, [2, 1, 2]);
        // The servers' handles go to a task of their own, so that they are among the
        // leftovers rather than shut down as this future returns. The session already
        // is: once this future returns, only the request tasks hold it.
        spawn(async move {
            let _servers = (http, idle_http, tls);
            std::future::pending::<()>().await
        });
        urls.len()
    });
    assert_eq!(tally.finished.get(), 0, "no request ended on its own");
    assert_eq!(
        tally.dropped.get(),
        spawned,
        "every request task was dropped"
    );
    assert!(rt.is_idle(), "{:?}", rt.stats());
    drop(rt);
    drop((silent, full, filler));
    assert_eq!(open_fds(), baseline, "every descriptor is closed");
}
