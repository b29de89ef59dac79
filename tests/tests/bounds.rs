//! Hostile responses cost bounded memory: each is a clear error, and the process's peak
//! memory stays within a stated bound however many times it happens.
//!
//! A head that never ends, a 4 MiB header line, a chunk size of 2^64-1 and 10 MB bodies
//! over the session's 64 KiB limit (with and without Content-Length) are each requested 50
//! times from the example server's fault routes. Each must fail with its own error variant,
//! and the process's peak RSS (`VmHWM`) may grow by at most 1 MiB over the whole run: had
//! any of them been buffered whole even once, the growth would be 4 MiB or more. One test
//! in its own binary, since peak RSS is process-wide.

use std::time::Duration;

use ripple_http::server::Server;
use ripple_http::{ClientTimeout, Error, Limit, Session};
use ripple_reactor::Runtime;
use ripple_tests::get_bytes;

/// The process's peak resident memory so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn hostile_responses_fail_with_bounded_memory() {
    const BOUND_KIB: u64 = 1024;
    let rt = Runtime::new().unwrap();
    let before = rt.block_on(async {
        let server = Server::bind("127.0.0.1:0".parse().unwrap())
            .unwrap()
            .spawn();
        let session = Session::builder()
            .timeout(ClientTimeout::total(Duration::from_secs(10)))
            .max_body_bytes(64 * 1024)
            .build();
        // Warm up: the first requests allocate the pool, buffers and code pages.
        let warm = session.get(&server.url("/")).send().await.unwrap();
        warm.bytes().await.unwrap();
        let before = peak_rss_kib();
        for _ in 0..50 {
            let never_ending =
                get_bytes(&session, &server.url("/fault/never-ending-head?ms=0")).await;
            assert!(
                matches!(
                    never_ending,
                    Err(Error::TooLarge {
                        limit: Limit::HeadSize | Limit::HeaderCount,
                        ..
                    })
                ),
                "{never_ending:?}"
            );
            let huge_line =
                get_bytes(&session, &server.url("/fault/oversized-header?kb=4096")).await;
            assert!(
                matches!(
                    huge_line,
                    Err(Error::TooLarge {
                        limit: Limit::HeadSize,
                        ..
                    })
                ),
                "{huge_line:?}"
            );
            let huge_chunk = get_bytes(&session, &server.url("/fault/huge-chunk-size")).await;
            assert!(
                matches!(
                    huge_chunk,
                    Err(Error::TooLarge { .. } | Error::Protocol { .. })
                ),
                "{huge_chunk:?}"
            );
            let too_long = get_bytes(&session, &server.url("/bytes/10000000")).await;
            assert!(
                matches!(
                    too_long,
                    Err(Error::TooLarge {
                        limit: Limit::BodySize,
                        ..
                    })
                ),
                "{too_long:?}"
            );
            let chunked = get_bytes(&session, &server.url("/chunked/10000000")).await;
            assert!(
                matches!(
                    chunked,
                    Err(Error::TooLarge {
                        limit: Limit::BodySize,
                        ..
                    })
                ),
                "{chunked:?}"
            );
        }
        // The session still works.
        let ok = session.get(&server.url("/")).send().await.unwrap();
        assert_eq!(ok.bytes().await.unwrap().len(), 1256);
        before
    });
    let grown = peak_rss_kib().saturating_sub(before);
    eprintln!("peak RSS grew by {grown} KiB over 250 hostile responses (bound {BOUND_KIB} KiB)");
    assert!(grown <= BOUND_KIB, "peak RSS grew by {grown} KiB");
}
