//! timeout (asyncio's wait_for): the inner future is dropped at expiry.

mod common;

use common::{Drops, Finishes, paused, secs, since, value_after, watched};
use ripple_combinators::{timeout, timeout_at};
use ripple_reactor::{sleep, spawn, time};

#[test]
fn at_expiry_the_inner_future_is_dropped_and_the_result_is_elapsed() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let start = time::now();
        let result = timeout(secs(2), watched(1, secs(10), &drops, &finishes)).await;
        assert!(result.is_err());
        assert_eq!(since(start), secs(2));
        // Dropped at 2 s, not at the end of the test.
        assert_eq!(drops.count(), 1);
        assert_eq!(rt.stats().timers, 0);
        sleep(secs(20)).await;
        assert!(finishes.times().is_empty());
    });
    assert!(rt.is_idle());
}

#[test]
fn a_fast_future_is_unaffected() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        assert_eq!(
            timeout(secs(5), value_after("done", secs(1))).await,
            Ok("done")
        );
        assert_eq!(since(start), secs(1));
        // The timeout's own timer went with it.
        assert_eq!(rt.stats().timers, 0);
        assert_eq!(timeout(secs(0), async { 7 }).await, Ok(7));
    });
    assert!(rt.is_idle());
}

#[test]
fn timeout_at_uses_the_runtime_clock() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let deadline = start + secs(3);
        assert!(timeout_at(deadline, sleep(secs(4))).await.is_err());
        assert_eq!(since(start), secs(3));
    });
    assert!(rt.is_idle());
}

/// Documented on `timeout`: a handle is not its task.
#[test]
fn a_join_handle_that_times_out_leaves_its_task_running() {
    let rt = paused();
    rt.block_on(async {
        let drops = Drops::default();
        let finishes = Finishes::new();
        let handle = spawn(watched(1, secs(5), &drops, &finishes));
        assert!(timeout(secs(1), handle).await.is_err());
        sleep(secs(10)).await;
        assert_eq!(finishes.times(), [secs(5)]);
        assert_eq!(drops.count(), 0);
    });
    assert!(rt.is_idle());
}

#[test]
fn the_clock_starts_at_the_first_poll_so_it_can_be_built_outside() {
    let rt = paused();
    let limited = timeout(secs(2), value_after(1, secs(1)));
    assert_eq!(rt.block_on(limited), Ok(1));
    rt.block_on(async {
        let late = timeout(secs(2), value_after(1, secs(1)));
        sleep(secs(5)).await;
        let start = time::now();
        assert_eq!(late.await, Ok(1));
        assert_eq!(since(start), secs(1));
    });
    assert!(rt.is_idle());
}
