//! The chapter's patterns across crates: `gather` and `as_completed` over real requests.
//!
//! `ripple_combinators` runs the requests of one `ripple_http::Session` against the
//! example server: `gather` of 100 GETs through a pool of 10 keeps input order and takes
//! exactly as long as 10 FIFO slots allow; `as_completed` hands requests out in the order
//! of their `/delay/<ms>`, each with its input index; with a group timeout it yields
//! `TimedOut` for the slow ones at the deadline while they go on running (asyncio's
//! behaviour), unless `cancel_remaining()` stops them, which gives their pool slots back;
//! and a `gather` dropped by a timeout cancels its requests and frees their slots.
//!
//! Server and client share one runtime on the paused clock, so every time asserted here is
//! exact and the tests take no real time.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ripple_combinators::{TaskError, as_completed, gather, timeout};
use ripple_http::server::{Server, ServerHandle};
use ripple_http::{Error, Session};
use ripple_reactor::time::now;
use ripple_reactor::{Runtime, sleep_until};
use ripple_tests::{assert_nothing_in_use, in_use};

fn millis(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `test` on a paused clock with a fresh example server; checks that nothing is left.
fn with_server(test: impl AsyncFnOnce(&ServerHandle)) {
    let rt = Runtime::builder().paused_clock().build().unwrap();
    rt.block_on(async {
        let server = Server::bind("127.0.0.1:0".parse().unwrap())
            .unwrap()
            .spawn();
        test(&server).await;
        server.shutdown();
    });
    assert!(rt.is_idle(), "{:?}", rt.stats());
}

/// GET `/delay/<ms>` and read the body; counts the requests that got to the end.
async fn delayed(
    session: Rc<Session>,
    url: String,
    finished: Rc<Cell<usize>>,
) -> Result<String, Error> {
    let text = session.get(&url).send().await?.text().await?;
    finished.set(finished.get() + 1);
    Ok(text)
}

/// The requests for `delays`, in that order, each a future for the combinators.
fn requests(
    session: &Rc<Session>,
    server: &ServerHandle,
    delays: &[u64],
    finished: &Rc<Cell<usize>>,
) -> Vec<impl Future<Output = Result<String, Error>> + 'static> {
    delays
        .iter()
        .map(|ms| {
            let url = server.url(&format!("/delay/{ms}"));
            delayed(session.clone(), url, finished.clone())
        })
        .collect()
}

/// How long `delays` take through `slots` connections handed out in FIFO order, each
/// request starting the moment a slot frees (list scheduling, as the pool does).
fn fifo_makespan(delays: &[u64], slots: usize) -> Duration {
    let mut free_at: BinaryHeap<Reverse<u64>> = (0..slots).map(|_| Reverse(0)).collect();
    for &delay in delays {
        let Reverse(start) = free_at.pop().unwrap();
        free_at.push(Reverse(start + delay));
    }
    millis(free_at.into_iter().map(|Reverse(end)| end).max().unwrap())
}

fn elapsed_since(start: Instant) -> Duration {
    now() - start
}

#[test]
fn gather_of_a_hundred_gets_through_ten_connections_returns_every_body_in_input_order() {
    with_server(async |server| {
        let session = Rc::new(Session::builder().limit(10).build());
        let finished = Rc::new(Cell::new(0));
        // A permutation of 0..100 ms: the finishing order is far from the input order.
        let delays: Vec<u64> = (0..100).map(|i| (i * 37) % 100).collect();
        let start = now();
        let bodies = gather(requests(&session, server, &delays, &finished)).await;
        assert_eq!(bodies.len(), 100);
        for (i, (body, ms)) in bodies.into_iter().zip(&delays).enumerate() {
            assert_eq!(body.unwrap(), format!("delayed {ms} ms\n"), "input {i}");
        }
        assert_eq!(elapsed_since(start), fifo_makespan(&delays, 10));
        assert_eq!(server.stats().max_open_connections, 10);
        assert_eq!(server.stats().accepted, 10);
        assert_nothing_in_use(&session, 10);
    });
}

#[test]
fn as_completed_yields_requests_in_delay_order_with_their_input_indices() {
    with_server(async |server| {
        let session = Rc::new(Session::new());
        let finished = Rc::new(Cell::new(0));
        let delays = [300, 100, 500, 200, 400, 0];
        let start = now();
        let mut results = as_completed(requests(&session, server, &delays, &finished));
        let mut seen = Vec::new();
        while let Some((index, outcome)) = results.next().await {
            let ms = delays[index];
            assert_eq!(outcome.unwrap(), format!("delayed {ms} ms\n"));
            assert_eq!(elapsed_since(start), millis(ms), "input {index}");
            seen.push(index);
        }
        assert_eq!(seen, [5, 1, 3, 0, 4, 2]);
        assert_nothing_in_use(&session, delays.len());
    });
}

#[test]
fn as_completed_with_a_timeout_yields_the_slow_ones_at_the_deadline_and_they_still_finish() {
    with_server(async |server| {
        let session = Rc::new(Session::new());
        let finished = Rc::new(Cell::new(0));
        let delays = [100, 2000, 300, 5000];
        let start = now();
        let mut results =
            as_completed(requests(&session, server, &delays, &finished)).with_timeout(millis(1000));
        let mut outcomes = Vec::new();
        while let Some((index, outcome)) = results.next().await {
            outcomes.push((
                index,
                outcome.map_err(|e| e.is_timeout()),
                elapsed_since(start),
            ));
        }
        let body = |ms| Ok(format!("delayed {ms} ms\n"));
        assert_eq!(
            outcomes,
            [
                (0, body(100), millis(100)),
                (2, body(300), millis(300)),
                (1, Err(true), millis(1000)),
                (3, Err(true), millis(1000)),
            ]
        );
        // As in asyncio, a group timeout does not stop the requests.
        assert_eq!(results.still_running(), [1, 3]);
        assert_eq!(in_use(&session.stats()), 2);
        sleep_until(start + millis(2500)).await;
        assert_eq!(results.still_running(), [3]);
        assert_eq!(finished.get(), 3);
        sleep_until(start + millis(5500)).await;
        assert!(results.still_running().is_empty());
        assert_eq!(finished.get(), 4);
        assert_nothing_in_use(&session, 4);
        assert_eq!(server.stats().accepted, 4);
    });
}

#[test]
fn cancel_remaining_after_a_group_timeout_stops_the_slow_requests_and_frees_their_slots() {
    with_server(async |server| {
        // Two connections: at the deadline two slow requests hold them and two more wait.
        let session = Rc::new(Session::builder().limit(2).build());
        let finished = Rc::new(Cell::new(0));
        let delays = [100, 3000, 200, 4000, 5000, 6000];
        let start = now();
        let mut results =
            as_completed(requests(&session, server, &delays, &finished)).with_timeout(millis(1000));
        let mut fast = Vec::new();
        let mut timed_out = Vec::new();
        while let Some((index, outcome)) = results.next().await {
            match outcome {
                Ok(_) => fast.push((index, elapsed_since(start))),
                Err(TaskError::TimedOut) => {
                    assert_eq!(elapsed_since(start), millis(1000));
                    timed_out.push(index);
                    if timed_out.len() == 2 {
                        break; // two timeouts seen; the others are still owed
                    }
                }
                Err(error) => panic!("input {index}: {error}"),
            }
        }
        // Input 2 waited for input 0's connection: 100 ms queued, then 200 ms.
        assert_eq!(fast, [(0, millis(100)), (2, millis(300))]);
        assert_eq!(timed_out, [1, 3]);
        let stats = session.stats();
        assert_eq!((in_use(&stats), stats.waiting), (2, 2), "{stats:?}");

        assert_eq!(results.cancel_remaining(), [1, 3, 4, 5]);
        assert!(results.next().await.is_none(), "the stream has ended");
        // Both connections were mid-request: closed, not kept. Nobody waits any more.
        assert_nothing_in_use(&session, 0);
        assert!(session.stats().hosts.is_empty());
        sleep_until(start + millis(7000)).await;
        assert_eq!(finished.get(), 2, "no cancelled request finished");
        assert_eq!(server.stats().requests, 4, "the queued two were never sent");
        assert_eq!(server.stats().open_connections, 0);
    });
}

#[test]
fn a_gather_cut_short_by_a_timeout_cancels_its_requests_and_frees_their_slots() {
    with_server(async |server| {
        // Two connections: at 200 ms two slow requests hold them and one waits.
        let session = Rc::new(Session::builder().limit(2).build());
        let finished = Rc::new(Cell::new(0));
        let delays = [100, 150, 5000, 5000, 5000];
        let start = now();
        let all = gather(requests(&session, server, &delays, &finished));
        let outcome = timeout(millis(200), all).await;
        assert!(outcome.is_err(), "asyncio's wait_for(gather(..), 0.2)");
        assert_eq!(elapsed_since(start), millis(200));
        assert_eq!(finished.get(), 2);
        // Dropping the gather cancelled the three: both connections closed mid-request,
        // the queued request left the queue.
        assert_nothing_in_use(&session, 0);
        assert!(session.stats().hosts.is_empty());
        sleep_until(start + millis(6000)).await;
        assert_eq!(finished.get(), 2, "no cancelled request finished");
        assert_eq!(server.stats().requests, 4);
        assert_eq!(server.stats().open_connections, 0);
    });
}
