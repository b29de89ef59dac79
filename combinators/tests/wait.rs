//! wait: each ReturnWhen, the timeout that cancels nothing, and the loop over wait.

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;

use common::{Drops, Finishes, fail_after, ok_after, paused, secs, since, watched};
use ripple_combinators::{ReturnWhen, TaskError, wait};
use ripple_reactor::{JoinHandle, spawn, time};

type Handle = JoinHandle<Result<u64, String>>;

fn spawn_ok_after(seconds: &[u64]) -> Vec<Handle> {
    seconds
        .iter()
        .map(|&s| spawn(ok_after(s, secs(s))))
        .collect()
}

#[test]
fn all_completed_returns_everything_when_the_slowest_is_done() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let (done, pending) =
            wait(spawn_ok_after(&[1, 3, 2]), ReturnWhen::AllCompleted, None).await;
        assert_eq!(done, [(0, Ok(1)), (2, Ok(2)), (1, Ok(3))]);
        assert!(pending.is_empty());
        assert_eq!(since(start), secs(3));
    });
    assert!(rt.is_idle());
}

#[test]
fn first_completed_returns_every_task_done_at_the_first_finish() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let (done, pending) =
            wait(spawn_ok_after(&[3, 1, 1]), ReturnWhen::FirstCompleted, None).await;
        assert_eq!(done, [(1, Ok(1)), (2, Ok(1))]);
        assert_eq!(pending.len(), 1);
        assert!(!pending[0].is_finished());
        assert_eq!(since(start), secs(1));
        let (rest, none) = wait(pending, ReturnWhen::FirstCompleted, None).await;
        assert_eq!(rest, [(0, Ok(3))]);
        assert!(none.is_empty());
        assert_eq!(since(start), secs(3));
    });
    assert!(rt.is_idle());
}

#[test]
fn first_exception_returns_at_the_failure_and_cancels_nothing() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let start = time::now();
        let handles = vec![
            spawn(watched(1, secs(1), &drops, &finishes)),
            spawn(fail_after("python://example.com", secs(2))),
            spawn(watched(5, secs(5), &drops, &finishes)),
        ];
        let (done, pending) = wait(handles, ReturnWhen::FirstException, None).await;
        assert_eq!(
            done,
            [
                (0, Ok(1)),
                (1, Err(TaskError::Failed("python://example.com".into())))
            ]
        );
        assert_eq!(since(start), secs(2));
        assert_eq!(pending.len(), 1);
        // Still running: awaiting it gives its value at 5 s.
        assert_eq!(pending.into_iter().next().unwrap().await, Ok(Ok(5)));
        assert_eq!(since(start), secs(5));
        assert_eq!(drops.count(), 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn first_exception_without_a_failure_waits_for_all() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let (done, pending) = wait(spawn_ok_after(&[2, 1]), ReturnWhen::FirstException, None).await;
        assert_eq!(done, [(1, Ok(1)), (0, Ok(2))]);
        assert!(pending.is_empty());
        assert_eq!(since(start), secs(2));
    });
    assert!(rt.is_idle());
}

#[test]
fn a_panic_counts_as_an_exception() {
    let rt = paused();
    rt.block_on(async {
        let handles: Vec<JoinHandle<Result<u8, Infallible>>> = vec![
            spawn(async {
                ripple_reactor::sleep(secs(1)).await;
                panic!("oops")
            }),
            spawn(async {
                ripple_reactor::sleep(secs(9)).await;
                Ok(9)
            }),
        ];
        let (done, pending) = wait(handles, ReturnWhen::FirstException, None).await;
        assert_eq!(done, [(0, Err(TaskError::Panicked("oops".into())))]);
        assert_eq!(pending.len(), 1);
        pending[0].cancel();
    });
    assert!(rt.is_idle());
}

#[test]
fn with_a_timeout_each_mode_returns_at_the_timeout_and_nothing_is_cancelled() {
    for mode in [
        ReturnWhen::AllCompleted,
        ReturnWhen::FirstCompleted,
        ReturnWhen::FirstException,
    ] {
        let rt = paused();
        rt.block_on(async {
            let drops = Drops::default();
            let finishes = Finishes::new();
            let start = time::now();
            let handles: Vec<_> = [5, 10]
                .map(|s| spawn(watched(s, secs(s), &drops, &finishes)))
                .into();
            let (done, pending) = wait(handles, mode, Some(secs(2))).await;
            assert!(done.is_empty(), "{mode:?}");
            assert_eq!(pending.len(), 2);
            assert_eq!(since(start), secs(2));
            assert_eq!(rt.stats().live_tasks, 2);
            // They run on, and the wait left no timer behind.
            drop(pending);
            ripple_reactor::sleep(secs(20)).await;
            assert_eq!(finishes.times(), [secs(5), secs(10)], "{mode:?}");
            assert_eq!(drops.count(), 0);
        });
        assert!(rt.is_idle());
    }
}

#[test]
fn a_timeout_after_the_work_is_done_does_not_delay_the_result() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let (done, pending) = wait(
            spawn_ok_after(&[1]),
            ReturnWhen::AllCompleted,
            Some(secs(5)),
        )
        .await;
        assert_eq!(done, [(0, Ok(1))]);
        assert!(pending.is_empty());
        assert_eq!(since(start), secs(1));
        assert_eq!(rt.stats().timers, 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn a_loop_over_wait_processes_every_result_exactly_once() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        // Ten tasks, finishing in pairs at 1..=5 s; each returns its own number.
        let mut pending: Vec<Handle> = (0..10u64)
            .map(|n| spawn(ok_after(n, secs(n / 2 + 1))))
            .collect();
        let mut seen: BTreeMap<u64, std::time::Duration> = BTreeMap::new();
        let mut rounds = 0;
        while !pending.is_empty() {
            let (done, rest) = wait(pending, ReturnWhen::FirstCompleted, Some(secs(10))).await;
            rounds += 1;
            for (_, outcome) in done {
                let n = outcome.unwrap();
                assert!(seen.insert(n, since(start)).is_none(), "{n} seen twice");
            }
            pending = rest;
        }
        assert_eq!(rounds, 5);
        assert_eq!(seen.len(), 10);
        for (n, at) in seen {
            assert_eq!(at, secs(n / 2 + 1));
        }
    });
    assert!(rt.is_idle());
}

#[test]
fn an_empty_wait_returns_at_once() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let (done, pending) = wait(
            Vec::<Handle>::new(),
            ReturnWhen::FirstCompleted,
            Some(secs(1)),
        )
        .await;
        assert!(done.is_empty() && pending.is_empty());
        assert_eq!(since(start), secs(0));
    });
    assert!(rt.is_idle());
}
