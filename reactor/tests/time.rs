//! Sleeps, timeouts and the paused clock.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ripple_reactor::time::{now, timeout_at};
use ripple_reactor::{Runtime, sleep, sleep_until, spawn, spawn_blocking, timeout};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn paused() -> Runtime {
    Runtime::builder().paused_clock().build().unwrap()
}

#[test]
fn three_and_one_second_sleeps_end_at_exactly_three_seconds_instantly() {
    let rt = paused();
    let real_start = Instant::now();
    let finished = Rc::new(RefCell::new(Vec::new()));
    let elapsed = rt.block_on({
        let finished = finished.clone();
        async move {
            let start = now();
            let sleeper = |seconds: u64| {
                let finished = finished.clone();
                spawn(async move {
                    sleep(secs(seconds)).await;
                    finished.borrow_mut().push((seconds, now() - start));
                })
            };
            let three = sleeper(3);
            let one = sleeper(1);
            three.await.unwrap();
            one.await.unwrap();
            now() - start
        }
    });
    assert_eq!(elapsed, secs(3));
    assert_eq!(
        *finished.borrow(),
        [(1, secs(1)), (3, secs(3))],
        "the 1 s sleep finishes first"
    );
    assert!(
        real_start.elapsed() < secs(1),
        "paused time costs no real time"
    );
    assert!(rt.is_idle());
}

#[test]
fn equal_deadlines_fire_in_creation_order() {
    let rt = paused();
    let order = Rc::new(RefCell::new(Vec::new()));
    rt.block_on({
        let order = order.clone();
        async move {
            let deadline = now() + secs(1);
            let handles: Vec<_> = (0..5)
                .map(|i| {
                    let order = order.clone();
                    spawn(async move {
                        sleep_until(deadline).await;
                        order.borrow_mut().push(i);
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    assert_eq!(*order.borrow(), [0, 1, 2, 3, 4]);
}

#[test]
fn a_past_deadline_is_ready_without_a_timer() {
    let rt = paused();
    rt.block_on(async {
        let start = now();
        sleep(Duration::ZERO).await;
        sleep_until(start).await;
        assert_eq!(now(), start);
    });
    assert!(rt.is_idle());
}

#[test]
fn timeout_drops_the_slow_future_and_spares_the_fast_one() {
    let rt = paused();
    rt.block_on(async {
        let start = now();
        let slow = timeout(secs(2), async {
            sleep(secs(10)).await;
            "slow"
        });
        assert!(slow.await.is_err());
        assert_eq!(now() - start, secs(2));
        assert_eq!(
            rt.stats().timers,
            0,
            "the inner sleep was dropped with its future"
        );

        let fast = timeout(secs(2), async {
            sleep(secs(1)).await;
            "fast"
        });
        assert_eq!(fast.await, Ok("fast"));
        assert_eq!(now() - start, secs(3));

        assert!(
            timeout_at(now(), async { 1 }).await.is_ok(),
            "ready on first poll wins"
        );
    });
    assert!(rt.is_idle());
}

#[test]
fn dropping_a_sleep_removes_its_timer() {
    let rt = paused();
    rt.block_on(async {
        let mut sleep_a = Box::pin(sleep(secs(5)));
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(sleep_a.as_mut().poll(&mut cx).is_pending());
        assert_eq!(rt.stats().timers, 1);
        drop(sleep_a);
        assert_eq!(rt.stats().timers, 0);
    });
    assert_eq!(rt.stats().timers, 0);
}

#[test]
fn the_paused_clock_waits_for_a_blocking_job_instead_of_jumping() {
    let rt = paused();
    rt.block_on(async {
        let start = now();
        // A real 50 ms of blocking work, and a 10 s timeout around it. Were the clock to
        // jump while the job runs, the timeout would fire first.
        let job = spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(50));
            42
        });
        let outcome = timeout(secs(10), job).await;
        assert_eq!(outcome, Ok(Ok(42)));
        assert!(now() - start < secs(10));
    });
    assert!(rt.is_idle());
}

#[test]
fn a_real_clock_sleep_lasts_at_least_its_delay() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        sleep(Duration::from_millis(20)).await;
        assert!(start.elapsed() >= Duration::from_millis(20));
    });
}

#[test]
fn a_sleep_of_duration_max_means_never_not_a_panic() {
    let rt = paused();
    rt.block_on(async {
        let start = now();
        assert!(timeout(secs(5), sleep(Duration::MAX)).await.is_err());
        assert_eq!(now() - start, secs(5));
    });
    assert!(rt.is_idle());
}
