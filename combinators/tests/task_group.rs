//! TaskGroup: the first failure cancels the rest and is returned; join waits for all.

mod common;

use common::{Drops, Finishes, fail_after, ok_after, paused, secs, since, watched};
use ripple_combinators::{TaskError, TaskGroup};
use ripple_reactor::{sleep, time};

#[test]
fn a_failure_at_1_s_cancels_a_10_s_sibling_and_is_returned_at_1_s() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let start = time::now();
        let mut group = TaskGroup::new();
        group.spawn(watched(10, secs(10), &drops, &finishes));
        group.spawn(fail_after("connection reset", secs(1)));
        let result = group.join().await;
        assert_eq!(
            result,
            Err(TaskError::Failed("connection reset".to_owned()))
        );
        assert_eq!(since(start), secs(1));
        assert_eq!(drops.count(), 1);
        assert_eq!(rt.stats().live_tasks, 0);
        assert_eq!(rt.stats().timers, 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn all_successes_return_every_value_in_spawn_order_after_the_slowest() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let mut group = TaskGroup::new();
        let indexes = [3, 1, 2].map(|s| group.spawn(ok_after(s, secs(s))));
        assert_eq!(indexes, [0, 1, 2]);
        assert_eq!(group.len(), 3);
        assert_eq!(group.join().await, Ok(vec![3, 1, 2]));
        assert_eq!(since(start), secs(3));
    });
    assert!(rt.is_idle());
}

#[test]
fn a_panic_cancels_the_siblings_and_is_returned() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let start = time::now();
        let mut group = TaskGroup::new();
        group.spawn(watched(1, secs(1), &drops, &finishes));
        group.spawn(async {
            sleep(secs(2)).await;
            panic!("index out of bounds")
        });
        group.spawn(watched(3, secs(30), &drops, &finishes));
        let result = group.join().await;
        assert_eq!(
            result,
            Err(TaskError::Panicked("index out of bounds".into()))
        );
        assert_eq!(since(start), secs(2));
        assert_eq!(finishes.times(), [secs(1)]);
        assert_eq!(drops.count(), 1);
    });
    assert!(rt.is_idle());
}

#[test]
fn a_failure_cancels_the_siblings_at_once_even_before_join() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let start = time::now();
        let mut group = TaskGroup::new();
        group.spawn(watched(10, secs(10), &drops, &finishes));
        group.spawn(fail_after("bad gateway", secs(1)));
        // The owner is busy until 5 s; the sibling is gone at 1 s, as seen at 2 s.
        sleep(secs(2)).await;
        assert!(group.has_failed());
        assert_eq!(drops.count(), 1);
        assert_eq!(rt.stats().live_tasks, 0);
        sleep(secs(3)).await;
        // A task spawned after the failure never runs.
        group.spawn(watched(99, secs(1), &drops, &finishes));
        assert_eq!(drops.count(), 2);
        assert_eq!(
            group.join().await,
            Err(TaskError::Failed("bad gateway".into()))
        );
        assert_eq!(since(start), secs(5));
        assert!(finishes.times().is_empty());
    });
    assert!(rt.is_idle());
}

#[test]
fn dropping_a_group_without_join_cancels_its_tasks() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let mut group = TaskGroup::new();
        for s in 1..=3 {
            group.spawn(watched(s, secs(s * 2), &drops, &finishes));
        }
        sleep(secs(3)).await;
        drop(group);
        assert_eq!(finishes.times(), [secs(2)]);
        assert_eq!(drops.count(), 2);
        assert_eq!(rt.stats().live_tasks, 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn an_empty_group_joins_at_once() {
    let rt = paused();
    rt.block_on(async {
        let group: TaskGroup<u8, String> = TaskGroup::default();
        assert!(group.is_empty());
        assert_eq!(group.join().await, Ok(vec![]));
    });
    assert!(rt.is_idle());
}
