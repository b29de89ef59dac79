//! TLS end to end on 127.0.0.1: our server and our client, certificates made in the test.
//!
//! Each test runs one ripple runtime holding a server task and the client, guards against a
//! hang with a generous timeout (a lost wake shows up as that timeout, not as a stuck test
//! run), and ends by asserting that nothing is left behind: no task, socket or timer.

#[path = "support/certs.rs"]
mod certs;

use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::task::Poll;
use std::time::Duration;

use ripple_http::tls::rustls::{self, CertificateError, ProtocolVersion};
use ripple_http::tls::{TlsAcceptor, TlsConfig, TlsStream, rustls_error};
use ripple_reactor::{
    AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, JoinHandle, Runtime, TcpListener,
    TcpStream, spawn, time, timeout, yield_now,
};

use certs::{Leaf, TestCa, self_signed};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Runs `test` on `rt`, failing it (not hanging) after a minute, then checks the runtime
/// is empty.
fn run_on<F: Future<Output = ()>>(rt: Runtime, test: F) {
    rt.block_on(async {
        timeout(Duration::from_secs(60), test)
            .await
            .expect("the test hung: a lost wake or a deadlock");
    });
    assert!(rt.is_idle(), "left behind: {:?}", rt.stats());
}

fn run<F: Future<Output = ()>>(test: F) {
    run_on(Runtime::new().expect("runtime"), test);
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("an address")
}

fn acceptor(leaf: &Leaf) -> TlsAcceptor {
    TlsAcceptor::new(leaf.chain.clone(), leaf.key.clone_key()).expect("acceptor")
}

fn trusting(ca: &TestCa) -> TlsConfig {
    TlsConfig::webpki_roots()
        .add_root_certificate_pem(ca.pem.as_bytes())
        .expect("the CA's PEM")
}

/// Accepts one connection on 127.0.0.1, runs the server handshake, then `serve`. The task
/// returns the handshake's error or `serve`'s result.
fn serve_one<F, Fut, T>(acceptor: TlsAcceptor, serve: F) -> (SocketAddr, JoinHandle<io::Result<T>>)
where
    F: FnOnce(TlsStream<TcpStream>) -> Fut + 'static,
    Fut: Future<Output = io::Result<T>> + 'static,
    T: 'static,
{
    let listener = TcpListener::bind(loopback()).expect("bind");
    let address = listener.local_addr().expect("address");
    let task = spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let tls = acceptor.accept(tcp).await?;
        serve(tls).await
    });
    (address, task)
}

async fn connect(
    config: &TlsConfig,
    server_name: &str,
    address: SocketAddr,
) -> io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(address).await?;
    TlsStream::connect(config, server_name, tcp).await
}

/// Reads up to and including the blank line that ends an HTTP head.
async fn read_head<S: AsyncRead>(stream: &mut S) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// Bytes that differ from their neighbours, so a reordered or lost chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Echoes until the client's close_notify, then closes too.
async fn echo<S: AsyncRead + AsyncWrite>(mut stream: S) -> io::Result<u64> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            stream.close().await?;
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

fn the_rustls_error(error: &io::Error) -> &rustls::Error {
    assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
    rustls_error(error).unwrap_or_else(|| panic!("no rustls error behind {error:?}"))
}

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

/// Answers one request with [`RESPONSE`], then closes with close_notify.
async fn answer_one_request(mut tls: TlsStream<TcpStream>) -> io::Result<Vec<u8>> {
    let head = read_head(&mut tls).await?;
    tls.write_all(RESPONSE).await?;
    tls.close().await?;
    Ok(head)
}

/// Sends [`REQUEST`] and reads the response to the end.
async fn request_one(tls: &mut TlsStream<TcpStream>) -> io::Result<Vec<u8>> {
    tls.write_all(REQUEST).await?;
    tls.flush().await?;
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await?;
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// Handshake and data
// ---------------------------------------------------------------------------------------

#[test]
fn a_private_ca_lets_a_request_and_its_response_cross() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    run(async move {
        // The PEM route on both sides: what a user with files on disk does.
        let acceptor = TlsAcceptor::from_pem(leaf.chain_pem.as_bytes(), leaf.key_pem.as_bytes())
            .expect("acceptor from PEM");
        let (address, server) = serve_one(acceptor, answer_one_request);
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        assert_eq!(request_one(&mut tls).await.expect("exchange"), RESPONSE);
        assert_eq!(server.await.expect("server task").expect("server"), REQUEST);
    });
}

#[test]
fn alpn_settles_on_http_1_1_over_tls_1_3_on_both_ends() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), |tls| async move {
            let seen = (
                tls.negotiated_alpn().map(<[u8]>::to_vec),
                tls.protocol_version(),
            );
            echo(tls).await?;
            Ok(seen)
        });
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        assert_eq!(tls.negotiated_alpn(), Some(&b"http/1.1"[..]));
        assert_eq!(tls.protocol_version(), Some(ProtocolVersion::TLSv1_3));
        tls.close().await.expect("close");
        let (alpn, version) = server.await.expect("server task").expect("server");
        assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
        assert_eq!(version, Some(ProtocolVersion::TLSv1_3));
    });
}

#[test]
fn a_tls_1_2_only_server_is_still_reached() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    run(async move {
        let provider = rustls::crypto::ring::default_provider();
        let mut config = rustls::ServerConfig::builder_with_provider(provider.into())
            .with_protocol_versions(&[&rustls::version::TLS12])
            .expect("TLS 1.2")
            .with_no_client_auth()
            .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
            .expect("server config");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from_config(config.into());
        let (address, server) = serve_one(acceptor, answer_one_request);
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        assert_eq!(tls.protocol_version(), Some(ProtocolVersion::TLSv1_2));
        assert_eq!(tls.negotiated_alpn(), Some(&b"http/1.1"[..]));
        assert_eq!(request_one(&mut tls).await.expect("exchange"), RESPONSE);
        server.await.expect("server task").expect("server");
    });
}

/// The client writes and reads in one poll loop, so neither side can sit on a full socket
/// waiting for the other to read: both directions carry 8 MiB at the same time.
#[test]
fn a_full_duplex_echo_of_several_megabytes_does_not_deadlock() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), echo);
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        let sent = pattern(8 << 20);
        let mut written = 0;
        let mut closed = false;
        let mut received = Vec::with_capacity(sent.len());
        let mut buf = vec![0u8; 32 * 1024];
        poll_fn(|cx| {
            loop {
                let mut progress = false;
                if written < sent.len() {
                    let end = sent.len().min(written + 100_000);
                    if let Poll::Ready(n) = tls.poll_write(cx, &sent[written..end]) {
                        written += n?;
                        progress = true;
                    }
                } else if !closed {
                    if let Poll::Ready(result) = tls.poll_close(cx) {
                        result?;
                        closed = true;
                        progress = true;
                    }
                }
                match tls.poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(io::Result::Ok(())),
                    Poll::Ready(Ok(n)) => {
                        received.extend_from_slice(&buf[..n]);
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
                if !progress {
                    return Poll::Pending;
                }
            }
        })
        .await
        .expect("duplex transfer");
        assert!(closed);
        assert_eq!(received.len(), sent.len());
        assert!(received == sent, "the echo differs from what was sent");
        assert_eq!(
            server.await.expect("server task").expect("server"),
            sent.len() as u64
        );
    });
}

#[test]
fn several_megabytes_cross_each_way_in_turn_and_in_small_reads() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    const LEN: usize = 6 << 20;
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), |mut tls| async move {
            let mut upload = vec![0u8; LEN];
            tls.read_exact(&mut upload).await?;
            tls.write_all(&pattern(LEN)).await?;
            tls.close().await?;
            Ok(upload == pattern(LEN))
        });
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        tls.write_all(&pattern(LEN)).await.expect("upload");
        tls.flush().await.expect("flush");
        // A small buffer: rustls's decrypted records are handed out piece by piece.
        let mut download = Vec::with_capacity(LEN);
        let mut buf = [0u8; 1000];
        loop {
            match tls.read(&mut buf).await.expect("download") {
                0 => break,
                n => download.extend_from_slice(&buf[..n]),
            }
        }
        assert!(download == pattern(LEN), "the download differs");
        assert!(
            server.await.expect("server task").expect("server"),
            "the upload differs"
        );
    });
}

#[test]
fn many_small_writes_arrive_whole_and_in_order_both_ways() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    let sizes: Vec<usize> = (0..20_000).map(|i| 1 + (i * 13) % 64).collect();
    let total: usize = sizes.iter().sum();
    let server_sizes = sizes.clone();
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), |mut tls| async move {
            let mut got = Vec::new();
            tls.read_to_end(&mut got).await?; // until the client's close_notify
            let mut at = 0;
            for size in server_sizes {
                tls.write_all(&got[at..at + size]).await?;
                at += size;
            }
            tls.close().await?;
            Ok(got)
        });
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        let sent = pattern(total);
        let mut at = 0;
        for &size in &sizes {
            tls.write_all(&sent[at..at + size])
                .await
                .expect("small write");
            at += size;
        }
        tls.close().await.expect("close");
        let mut echoed = Vec::new();
        tls.read_to_end(&mut echoed).await.expect("read back");
        assert!(echoed == sent, "the small writes came back changed");
        assert!(server.await.expect("server task").expect("server") == sent);
    });
}

/// Bounded buffering: against a peer that reads nothing, `poll_write` soon says `Pending`
/// instead of piling up plaintext; once the peer reads, the parked writer is woken and
/// finishes.
#[test]
fn a_writer_is_held_back_by_a_peer_that_does_not_read_then_resumes() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    const LEN: usize = 64 << 20;
    run(async move {
        // The server task only handshakes and hands its stream back, unread.
        let (address, handshake) = serve_one(acceptor(&leaf), |tls| async move { Ok(tls) });
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        let mut server_side = handshake.await.expect("server task").expect("server");

        let sent = pattern(LEN);
        let mut written = 0;
        poll_fn(|cx| {
            while written < sent.len() {
                match tls.poll_write(cx, &sent[written..]) {
                    Poll::Ready(Ok(n)) => written += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Ready(Ok(())),
                }
            }
            Poll::Ready(Err(io::Error::other("64 MiB taken and nobody reads")))
        })
        .await
        .expect("held back");
        assert!(written > 0 && written < LEN, "{written} bytes taken");

        let reader = spawn(async move {
            let mut received = Vec::with_capacity(LEN);
            server_side.read_to_end(&mut received).await?;
            io::Result::Ok(received)
        });
        tls.write_all(&sent[written..])
            .await
            .expect("the rest, once the peer reads");
        tls.close().await.expect("close");
        let received = reader.await.expect("reader task").expect("reader");
        assert!(received == sent, "the bytes arrived changed");
    });
}

// ---------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------

#[test]
fn default_roots_reject_a_private_ca_naming_the_unknown_issuer() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), answer_one_request);
        let error = connect(&TlsConfig::webpki_roots(), "localhost", address)
            .await
            .expect_err("an untrusted issuer");
        let reason = the_rustls_error(&error);
        assert!(
            matches!(
                reason,
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
            ),
            "{reason:?}"
        );
        assert!(error.to_string().contains("UnknownIssuer"), "{error}");
        // The client told the server why, with an alert.
        let server_error = server.await.expect("server task").expect_err("refused");
        assert!(
            matches!(
                the_rustls_error(&server_error),
                rustls::Error::AlertReceived(_)
            ),
            "{server_error}"
        );
    });
}

#[test]
fn a_certificate_for_another_name_is_rejected() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["other.example"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), answer_one_request);
        let error = connect(&trusting(&ca), "localhost", address)
            .await
            .expect_err("a name mismatch");
        let reason = the_rustls_error(&error);
        assert!(
            matches!(
                reason,
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                )
            ),
            "{reason:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("localhost") && message.contains("other.example"),
            "{message}"
        );
        server.await.expect("server task").expect_err("refused");
    });
}

#[test]
fn an_ip_address_is_checked_against_the_certificates_ip_addresses() {
    let ca = TestCa::new("ripple test CA");
    let for_the_ip = ca.leaf(&["127.0.0.1"]);
    let for_a_name = ca.leaf(&["localhost"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&for_the_ip), answer_one_request);
        let mut tls = connect(&trusting(&ca), "127.0.0.1", address)
            .await
            .expect("handshake");
        assert_eq!(request_one(&mut tls).await.expect("exchange"), RESPONSE);
        server.await.expect("server task").expect("server");

        let (address, server) = serve_one(acceptor(&for_a_name), answer_one_request);
        let error = connect(&trusting(&ca), "127.0.0.1", address)
            .await
            .expect_err("the certificate names no IP address");
        assert!(
            matches!(
                the_rustls_error(&error),
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                )
            ),
            "{error}"
        );
        server.await.expect("server task").expect_err("refused");
    });
}

#[test]
fn the_danger_opt_out_accepts_an_unknown_issuer_and_a_wrong_name() {
    let leaf = self_signed(&["other.example"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), answer_one_request);
        let config = TlsConfig::webpki_roots().danger_accept_invalid_certificates(true);
        let mut tls = connect(&config, "localhost", address)
            .await
            .expect("handshake");
        assert_eq!(request_one(&mut tls).await.expect("exchange"), RESPONSE);
        server.await.expect("server task").expect("server");
    });
}

// ---------------------------------------------------------------------------------------
// Ends of stream, failures, cancellation
// ---------------------------------------------------------------------------------------

#[test]
fn close_notify_reads_as_a_clean_end_of_stream() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), |mut tls| async move {
            tls.write_all(b"bye").await?;
            tls.close().await
        });
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        let mut buf = [0u8; 16];
        let mut got = Vec::new();
        loop {
            match tls.read(&mut buf).await.expect("a clean read") {
                0 => break,
                n => got.extend_from_slice(&buf[..n]),
            }
        }
        assert_eq!(got, b"bye");
        assert_eq!(
            tls.read(&mut buf).await.expect("still clean"),
            0,
            "EOF stays EOF"
        );
        server.await.expect("server task").expect("server");
    });
}

#[test]
fn a_tcp_close_without_close_notify_is_an_unexpected_eof_not_a_hang() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), |mut tls| async move {
            tls.write_all(&pattern(100_000)).await?;
            tls.flush().await?;
            drop(tls); // the socket closes; no close_notify was sent
            Ok(())
        });
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        let mut got = Vec::new();
        let error = tls.read_to_end(&mut got).await.expect_err("an unclean end");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{error}");
        assert!(
            got == pattern(100_000),
            "the data before the cut arrived whole"
        );
        server.await.expect("server task").expect("server");
    });
}

#[test]
fn a_peer_that_closes_during_the_handshake_fails_it_with_unexpected_eof() {
    run(async {
        let listener = TcpListener::bind(loopback()).expect("bind");
        let address = listener.local_addr().expect("address");
        let server = spawn(async move {
            // Read the whole ClientHello record (so the close is a FIN, not a reset), leave.
            let (mut tcp, _) = listener.accept().await?;
            let mut header = [0u8; 5];
            tcp.read_exact(&mut header).await?;
            let mut body = vec![0u8; u16::from_be_bytes([header[3], header[4]]).into()];
            tcp.read_exact(&mut body).await?;
            io::Result::Ok(header[0])
        });
        let error = connect(&TlsConfig::webpki_roots(), "localhost", address)
            .await
            .expect_err("no server flight");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{error}");
        assert_eq!(
            server.await.expect("server task").expect("server"),
            22,
            "a handshake record"
        );
    });
}

/// The clock is paused: the 5 s are exact and take no real time.
#[test]
fn a_server_that_never_speaks_tls_cannot_hold_the_handshake_past_a_timeout() {
    let rt = Runtime::builder().paused_clock().build().expect("runtime");
    run_on(rt, async {
        let listener = TcpListener::bind(loopback()).expect("bind");
        let address = listener.local_addr().expect("address");
        // A plain TCP server: takes the ClientHello and never answers.
        let server = spawn(async move {
            let (mut tcp, _) = listener.accept().await?;
            let mut swallowed = Vec::new();
            tcp.read_to_end(&mut swallowed).await?; // until the client goes away
            io::Result::Ok(swallowed.len())
        });
        let start = time::now();
        let outcome = timeout(
            Duration::from_secs(5),
            connect(&TlsConfig::webpki_roots(), "localhost", address),
        )
        .await;
        assert!(outcome.is_err(), "the handshake cannot have finished");
        assert_eq!(time::now() - start, Duration::from_secs(5));
        // Dropping the handshake dropped its socket: the server sees the end of stream.
        let swallowed = server.await.expect("server task").expect("server");
        assert!(swallowed > 0, "the ClientHello was sent");
    });
}

// ---------------------------------------------------------------------------------------
// The pool's idle check
// ---------------------------------------------------------------------------------------

/// `try_read` until it says something other than `WouldBlock`, letting the loop turn (and
/// dispatch socket events) in between.
async fn try_read_soon(tls: &mut TlsStream<TcpStream>) -> io::Result<usize> {
    let mut buf = [0u8; 64];
    loop {
        match tls.try_read(&mut buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => yield_now().await,
            result => return result,
        }
    }
}

#[test]
fn try_read_tells_an_idle_connection_from_a_closed_one() {
    let ca = TestCa::new("ripple test CA");
    let leaf = ca.leaf(&["localhost"]);
    run(async move {
        let (address, server) = serve_one(acceptor(&leaf), |mut tls| async move {
            let mut buf = [0u8; 4];
            tls.read_exact(&mut buf).await?; // "ping"
            tls.write_all(b"pong").await?;
            tls.read_exact(&mut buf).await?; // "done"
            tls.close().await
        });
        let mut tls = connect(&trusting(&ca), "localhost", address)
            .await
            .expect("handshake");
        tls.write_all(b"ping").await.expect("ping");
        let mut pong = [0u8; 4];
        tls.read_exact(&mut pong).await.expect("pong");
        let mut buf = [0u8; 4];
        let idle = tls.try_read(&mut buf).expect_err("nothing to read");
        assert_eq!(idle.kind(), io::ErrorKind::WouldBlock, "an idle connection");

        tls.write_all(b"done").await.expect("done");
        tls.flush().await.expect("flush");
        server.await.expect("server task").expect("server");
        assert_eq!(try_read_soon(&mut tls).await.expect("a clean close"), 0);
    });
}
