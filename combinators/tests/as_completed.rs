//! as_completed: finishing order, input indexes, the group timeout, and cancellation.

mod common;

use std::convert::Infallible;
use std::pin::Pin;
use std::time::Duration;

use common::{Drops, Finishes, fail_after, ok_after, paused, secs, since, watched};
use ripple_combinators::{TaskError, as_completed};
use ripple_reactor::{sleep, time};

#[test]
fn outcomes_come_at_1_1_and_10_seconds_with_their_indexes() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let mut results = as_completed(vec![
            ok_after("a", secs(1)),
            ok_after("b", secs(1)),
            ok_after("c", secs(10)),
        ]);
        let mut seen = Vec::new();
        while let Some((index, outcome)) = results.next().await {
            seen.push((index, outcome, since(start)));
        }
        assert_eq!(
            seen,
            [
                (0, Ok("a"), secs(1)),
                (1, Ok("b"), secs(1)),
                (2, Ok("c"), secs(10)),
            ]
        );
    });
    assert!(rt.is_idle());
}

#[test]
fn indexes_name_the_input_whatever_the_finishing_order() {
    let rt = paused();
    rt.block_on(async {
        let delays = [4u64, 2, 3, 1];
        let mut results = as_completed(delays.map(|d| ok_after(d, secs(d))));
        let mut order = Vec::new();
        while let Some((index, outcome)) = results.next().await {
            assert_eq!(outcome, Ok(delays[index]));
            order.push(index);
        }
        assert_eq!(order, [3, 1, 2, 0]);
        assert_eq!(results.remaining(), 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn failures_and_panics_arrive_in_order_as_task_errors() {
    let rt = paused();
    rt.block_on(async {
        let mut results = as_completed(vec![
            Box::pin(ok_after(1, secs(3))) as Pin<Box<dyn Future<Output = _>>>,
            Box::pin(fail_after("refused", secs(1))),
            Box::pin(async {
                sleep(secs(2)).await;
                panic!("parser bug")
            }),
        ]);
        assert_eq!(
            results.next().await,
            Some((1, Err(TaskError::Failed("refused".into()))))
        );
        assert_eq!(
            results.next().await,
            Some((2, Err(TaskError::Panicked("parser bug".into()))))
        );
        assert_eq!(results.next().await, Some((0, Ok(1))));
        assert_eq!(results.next().await, None);
    });
    assert!(rt.is_idle());
}

/// The chapter's listing: two slow requests, one fast, a group timeout of 2 s.
#[test]
fn after_the_group_timeout_the_slow_ones_time_out_and_keep_running() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let start = time::now();
        let mut results = as_completed(vec![
            watched("slow", secs(10), &drops, &finishes),
            watched("fast", secs(1), &drops, &finishes),
            watched("slow", secs(10), &drops, &finishes),
        ])
        .with_timeout(secs(2));
        let mut seen = Vec::new();
        while let Some((index, outcome)) = results.next().await {
            seen.push((index, outcome, since(start)));
        }
        assert_eq!(
            seen,
            [
                (1, Ok("fast"), secs(1)),
                (0, Err(TaskError::TimedOut), secs(2)),
                (2, Err(TaskError::TimedOut), secs(2)),
            ]
        );
        // "tasks still running", as the chapter lists them after its loop.
        assert_eq!(results.still_running(), [0, 2]);
        drop(results);
        assert_eq!(rt.stats().live_tasks, 2);
        sleep(secs(20)).await;
        assert_eq!(finishes.times(), [secs(1), secs(10), secs(10)]);
        assert_eq!(drops.count(), 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn cancel_remaining_stops_the_timed_out_tasks_too() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let mut results = as_completed(vec![
            watched(0, secs(10), &drops, &finishes),
            watched(1, secs(1), &drops, &finishes),
            watched(2, secs(10), &drops, &finishes),
            watched(3, secs(30), &drops, &finishes),
        ])
        .with_timeout(secs(2));
        assert_eq!(results.next().await, Some((1, Ok(1))));
        // Index 0 is reported as timed out, 2 and 3 are still owed a report.
        assert_eq!(results.next().await, Some((0, Err(TaskError::TimedOut))));
        assert_eq!(results.remaining(), 2);
        assert_eq!(results.cancel_remaining(), [0, 2, 3]);
        assert_eq!(drops.count(), 3);
        assert_eq!(results.next().await, None);
        assert_eq!(results.remaining(), 0);
        assert!(results.still_running().is_empty());
        assert_eq!(rt.stats().live_tasks, 0);
        assert_eq!(rt.stats().timers, 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn dropping_the_stream_half_way_cancels_the_tasks_not_yet_reported() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let mut results = as_completed((1..=5).map(|n| watched(n, secs(n), &drops, &finishes)));
        assert_eq!(results.next().await, Some((0, Ok(1))));
        assert_eq!(results.next().await, Some((1, Ok(2))));
        drop(results);
        assert_eq!(drops.count(), 3);
        assert_eq!(rt.stats().live_tasks, 0);
        assert_eq!(rt.stats().timers, 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn into_handles_gives_the_unfinished_tasks_to_the_caller() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let mut results = as_completed(vec![
            ok_after(10, secs(10)),
            ok_after(1, secs(1)),
            ok_after(5, secs(5)),
        ])
        .with_timeout(secs(2));
        assert_eq!(results.next().await, Some((1, Ok(1))));
        assert_eq!(results.next().await, Some((0, Err(TaskError::TimedOut))));
        // Index 2 is owed a report, index 0 was given up on: both come back, in order.
        let handles = results.into_handles();
        let indexes: Vec<usize> = handles.iter().map(|(index, _)| *index).collect();
        assert_eq!(indexes, [0, 2]);
        for (_, handle) in handles {
            handle.await.unwrap().unwrap();
        }
        assert_eq!(since(start), secs(10));
    });
    assert!(rt.is_idle());
}

#[test]
fn a_hundred_thousand_sleeps_come_out_in_finishing_order() {
    let rt = paused();
    const N: u64 = 100_000;
    rt.block_on(async {
        let start = time::now();
        let mut results = as_completed((0..N).map(|i| async move {
            sleep(Duration::from_millis(N - i)).await;
            Ok::<_, Infallible>(i)
        }));
        let mut expected = N;
        while let Some((index, outcome)) = results.next().await {
            expected -= 1;
            assert_eq!((index as u64, outcome), (expected, Ok(expected)));
        }
        assert_eq!(expected, 0);
        assert_eq!(since(start), Duration::from_millis(N));
    });
    assert!(rt.stats().polls < 4 * N, "{} task polls", rt.stats().polls);
    assert!(rt.is_idle());
}

#[test]
fn a_stream_built_outside_the_runtime_starts_its_clock_at_the_first_next() {
    let rt = paused();
    let results =
        as_completed(vec![ok_after(1, secs(1)), ok_after(3, secs(3))]).with_timeout(secs(2));
    assert_eq!(results.remaining(), 2);
    assert!(
        results.still_running().is_empty(),
        "nothing runs before the first poll"
    );
    rt.block_on(async move {
        let mut results = results;
        sleep(secs(5)).await;
        let start = time::now();
        assert_eq!(results.next().await, Some((0, Ok(1))));
        assert_eq!(results.next().await, Some((1, Err(TaskError::TimedOut))));
        assert_eq!(since(start), secs(2));
        assert_eq!(results.cancel_remaining(), [1]);
    });
    assert!(rt.is_idle());
}
