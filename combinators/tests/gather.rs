//! gather, gather_results, try_gather and gather!, on the paused clock.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use common::{Drops, Finishes, fail_after, ok_after, paused, secs, since, value_after, watched};
use ripple_combinators::{TaskError, gather, gather_results, timeout, try_gather};
use ripple_reactor::{sleep, time, yield_now};

#[test]
fn gather_keeps_input_order_and_waits_for_the_slowest() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let out = gather(vec![value_after(3, secs(3)), value_after(1, secs(1))]).await;
        assert_eq!(out, [3, 1]);
        assert_eq!(since(start), secs(3));
    });
    assert!(rt.is_idle());
}

#[test]
fn a_thousand_futures_are_all_delivered_in_input_order() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        // Later inputs finish first: the output order cannot come from finishing order.
        let futures = (0..1000u64).map(|i| value_after(i, Duration::from_millis(1000 - i)));
        let out = gather(futures).await;
        assert_eq!(out, (0..1000).collect::<Vec<_>>());
        assert_eq!(since(start), Duration::from_millis(1000));
    });
    assert!(rt.is_idle());
}

#[test]
fn a_hundred_thousand_children_are_gathered_with_few_polls() {
    let rt = paused();
    const N: u64 = 100_000;
    rt.block_on(async {
        let start = time::now();
        let futures = (0..N).map(|i| value_after(i, Duration::from_millis(i % 1000 + 1)));
        let out = gather(futures).await;
        assert_eq!(out.len() as u64, N);
        assert!(out.iter().copied().eq(0..N));
        assert_eq!(since(start), Duration::from_millis(1000));
    });
    // Each child task is polled twice (start, timer); the gatherer once per wake. The
    // children's handles are counted in `children.rs`'s unit test.
    assert!(rt.stats().polls < 3 * N, "{} task polls", rt.stats().polls);
    assert!(rt.is_idle());
}

#[test]
fn gather_results_keeps_every_outcome_with_the_error_at_its_index() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let out = gather_results(vec![
            Box::pin(ok_after(1, secs(1))) as std::pin::Pin<Box<dyn Future<Output = _>>>,
            Box::pin(fail_after("python://example.com is not a URL", secs(2))),
            Box::pin(ok_after(3, secs(3))),
            Box::pin(async { panic!("bad input") }),
        ])
        .await;
        assert_eq!(
            out,
            [
                Ok(1),
                Err(TaskError::Failed(
                    "python://example.com is not a URL".into()
                )),
                Ok(3),
                Err(TaskError::Panicked("bad input".into())),
            ]
        );
        assert_eq!(since(start), secs(3));
    });
    assert!(rt.is_idle());
}

#[test]
fn try_gather_returns_the_first_error_when_it_happens_and_siblings_run_on() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let start = time::now();
        let out = try_gather(vec![
            Box::pin(watched(1, secs(3), &drops, &finishes))
                as std::pin::Pin<Box<dyn Future<Output = _>>>,
            Box::pin(fail_after("no such host", secs(1))),
            Box::pin(watched(3, secs(5), &drops, &finishes)),
        ])
        .await;
        assert_eq!(out, Err(TaskError::Failed("no such host".to_owned())));
        assert_eq!(since(start), secs(1));
        // Like asyncio: the failure does not stop the others; they finish on time.
        sleep(secs(10)).await;
        assert_eq!(finishes.times(), [secs(3), secs(5)]);
        assert_eq!(drops.count(), 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn try_gather_cancel_on_error_cancels_the_siblings_at_the_failure() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let start = time::now();
        let out = try_gather(vec![
            Box::pin(watched(1, secs(3), &drops, &finishes))
                as std::pin::Pin<Box<dyn Future<Output = _>>>,
            Box::pin(fail_after("rate limited", secs(1))),
            Box::pin(watched(3, secs(5), &drops, &finishes)),
        ])
        .cancel_on_error()
        .await;
        assert_eq!(out, Err(TaskError::Failed("rate limited".to_owned())));
        assert_eq!(since(start), secs(1));
        assert_eq!(drops.count(), 2);
        assert_eq!(rt.stats().live_tasks, 0);
        assert_eq!(rt.stats().timers, 0);
        sleep(secs(10)).await;
        assert!(finishes.times().is_empty());
    });
    assert!(rt.is_idle());
}

#[test]
fn try_gather_with_no_failure_returns_every_value_in_order() {
    let rt = paused();
    rt.block_on(async {
        let out = try_gather(vec![ok_after('a', secs(2)), ok_after('b', secs(1))]).await;
        assert_eq!(out, Ok(vec!['a', 'b']));
    });
    assert!(rt.is_idle());
}

#[test]
fn dropping_a_gather_half_way_cancels_its_tasks() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let futures: Vec<_> = (1..=3)
            .map(|n| watched(n, secs(n * 5), &drops, &finishes))
            .collect();
        let start = time::now();
        // The first finishes at 5 s; the timeout drops the gather at 7 s.
        assert!(timeout(secs(7), gather(futures)).await.is_err());
        assert_eq!(since(start), secs(7));
        assert_eq!(drops.count(), 2);
        assert_eq!(finishes.times(), [secs(5)]);
        assert_eq!(rt.stats().live_tasks, 0);
        assert_eq!(rt.stats().timers, 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn dropping_gather_results_and_try_gather_half_way_cancels_their_tasks() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let results = gather_results(vec![watched(1, secs(5), &drops, &finishes)]);
        let first = try_gather(vec![watched(2, secs(5), &drops, &finishes)]);
        yield_now().await; // let the tasks start
        drop(results);
        drop(first);
        assert_eq!(drops.count(), 2);
        assert_eq!(rt.stats().live_tasks, 0);
    });
    assert!(rt.is_idle());
}

#[test]
#[should_panic(
    expected = "gather: the task for input 1 ended without a value: task panicked: boom"
)]
fn gather_panics_when_a_task_panics() {
    let rt = paused();
    rt.block_on(async {
        let _: Vec<u8> = gather(vec![
            Box::pin(value_after(1u8, secs(1))) as std::pin::Pin<Box<dyn Future<Output = _>>>,
            Box::pin(async { panic!("boom") }),
        ])
        .await;
    });
}

#[test]
fn gather_macro_joins_different_types_into_a_tuple() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let (number, text, flag) = ripple_combinators::gather!(
            value_after(3u32, secs(3)),
            value_after(String::from("one"), secs(1)),
            async { true },
        )
        .await;
        assert_eq!((number, text.as_str(), flag), (3, "one", true));
        assert_eq!(since(start), secs(3));
        let (single,) = ripple_combinators::gather!(value_after('x', secs(2))).await;
        assert_eq!(single, 'x');
    });
    assert!(rt.is_idle());
}

#[test]
fn gather_macro_starts_at_the_first_poll_and_cancels_when_dropped() {
    let rt = paused();
    rt.block_on(async {
        let started = Rc::new(Cell::new(0));
        let drops = Drops::default();
        let task = |delay| {
            let started = started.clone();
            let guard = drops.guard();
            async move {
                started.set(started.get() + 1);
                sleep(delay).await;
                guard.defuse();
            }
        };
        let both = ripple_combinators::gather!(task(secs(1)), task(secs(5)));
        yield_now().await;
        assert_eq!(started.get(), 0, "a future does nothing until polled");
        let start = time::now();
        assert!(timeout(secs(2), both).await.is_err());
        assert_eq!(since(start), secs(2));
        assert_eq!(started.get(), 2);
        assert_eq!(drops.count(), 1);
        assert_eq!(rt.stats().live_tasks, 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn a_gather_built_outside_the_runtime_runs_inside_it() {
    let rt = paused();
    let out = rt.block_on(gather((1..=3).map(|n| value_after(n, secs(n)))));
    assert_eq!(out, [1, 2, 3]);
    let (a, b) = rt.block_on(ripple_combinators::gather!(async { 'a' }, async { "b" }));
    assert_eq!((a, b), ('a', "b"));
    let all = rt.block_on(try_gather(vec![ok_after(1, secs(1))]));
    assert_eq!(all, Ok(vec![1]));
    assert!(rt.is_idle());
}
