//! Spawning, joining, cancelling and panicking tasks.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use ripple_reactor::{JoinError, Runtime, run, sleep, spawn, yield_now};

/// Sets its flag when dropped, so a test can see that a future was dropped.
struct DropGuard(Rc<Cell<bool>>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

fn paused() -> Runtime {
    Runtime::builder().paused_clock().build().unwrap()
}

#[test]
fn ten_thousand_tasks_deliver_every_result() {
    let rt = Runtime::new().unwrap();
    let sum = rt.block_on(async {
        let handles: Vec<_> = (0..10_000u64)
            .map(|i| spawn(async move { i * 2 }))
            .collect();
        let mut sum = 0;
        for (i, handle) in handles.into_iter().enumerate() {
            let value = handle.await.unwrap();
            assert_eq!(value, i as u64 * 2);
            sum += value;
        }
        sum
    });
    assert_eq!(sum, (0..10_000u64).map(|i| i * 2).sum::<u64>());
    assert!(rt.is_idle());
}

#[test]
fn join_order_does_not_depend_on_finish_order() {
    let rt = paused();
    let finished = Rc::new(RefCell::new(Vec::new()));
    let joined = rt.block_on({
        let finished = finished.clone();
        async move {
            // Task i finishes after (10 - i) ms: the last spawned finishes first.
            let handles: Vec<_> = (0..10u64)
                .map(|i| {
                    let finished = finished.clone();
                    spawn(async move {
                        sleep(Duration::from_millis(10 - i)).await;
                        finished.borrow_mut().push(i);
                        i
                    })
                })
                .collect();
            let mut joined = Vec::new();
            for handle in handles {
                joined.push(handle.await.unwrap());
            }
            joined
        }
    });
    assert_eq!(joined, (0..10).collect::<Vec<_>>());
    assert_eq!(*finished.borrow(), (0..10).rev().collect::<Vec<_>>());
    assert!(rt.is_idle());
}

#[test]
fn a_cancelled_pending_task_is_dropped_and_reports_cancelled() {
    let rt = paused();
    rt.block_on(async {
        let dropped = Rc::new(Cell::new(false));
        let reached_end = Rc::new(Cell::new(false));
        let handle = spawn({
            let guard = DropGuard(dropped.clone());
            let reached_end = reached_end.clone();
            async move {
                let _guard = guard;
                sleep(Duration::from_secs(10)).await;
                reached_end.set(true);
            }
        });
        sleep(Duration::from_secs(1)).await; // the task is now parked on its sleep
        assert!(!dropped.get());
        handle.cancel();
        assert!(dropped.get(), "cancel drops the future at once");
        assert!(handle.is_finished());
        assert_eq!(handle.await, Err(JoinError::Cancelled));
        assert!(!reached_end.get());
    });
    assert!(rt.is_idle(), "the cancelled task's timer is gone too");
}

#[test]
fn cancelling_a_finished_task_is_harmless() {
    run(async {
        let handle = spawn(async { 7 });
        yield_now().await;
        yield_now().await;
        assert!(handle.is_finished());
        handle.cancel();
        handle.cancel();
        assert_eq!(handle.await, Ok(7));
    });
}

#[test]
fn a_task_can_cancel_itself() {
    let rt = paused();
    rt.block_on(async {
        let slot: Rc<RefCell<Option<ripple_reactor::JoinHandle<()>>>> = Rc::default();
        let dropped = Rc::new(Cell::new(false));
        let handle = spawn({
            let slot = slot.clone();
            let guard = DropGuard(dropped.clone());
            async move {
                let _guard = guard;
                yield_now().await;
                if let Some(me) = slot.borrow().as_ref() {
                    me.cancel();
                }
                sleep(Duration::from_secs(1)).await;
                unreachable!("a cancelled task is never polled again");
            }
        });
        // Keep a second handle-like view: the task sees itself through the slot.
        *slot.borrow_mut() = Some(handle);
        sleep(Duration::from_millis(1)).await;
        assert!(dropped.get());
        let handle = slot.borrow_mut().take().unwrap();
        assert_eq!(handle.await, Err(JoinError::Cancelled));
    });
    assert!(rt.is_idle());
}

#[test]
fn a_panicking_task_does_not_take_its_siblings_down() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let bad = spawn(async {
            yield_now().await;
            panic!("boom at the second poll");
        });
        let siblings: Vec<_> = (0..100)
            .map(|i| {
                spawn(async move {
                    yield_now().await;
                    yield_now().await;
                    i
                })
            })
            .collect();
        match bad.await {
            Err(JoinError::Panicked(message)) => assert!(message.contains("boom"), "{message}"),
            other => panic!("expected a panic, got {other:?}"),
        }
        for (i, sibling) in siblings.into_iter().enumerate() {
            assert_eq!(sibling.await, Ok(i));
        }
    });
    assert!(rt.is_idle());
}

#[test]
fn a_dropped_handle_detaches_the_task() {
    let rt = paused();
    let ran = Rc::new(Cell::new(false));
    rt.block_on({
        let ran = ran.clone();
        async move {
            drop(spawn(async move {
                sleep(Duration::from_secs(1)).await;
                ran.set(true);
            }));
            sleep(Duration::from_secs(2)).await;
        }
    });
    assert!(ran.get());
}

#[test]
fn tasks_left_when_main_returns_are_dropped() {
    let rt = paused();
    let dropped = Rc::new(Cell::new(false));
    rt.block_on({
        let guard = DropGuard(dropped.clone());
        async move {
            spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
            });
            yield_now().await;
        }
    });
    assert!(
        dropped.get(),
        "asyncio.run semantics: leftovers are cancelled"
    );
    assert!(rt.is_idle());
}

#[test]
fn yield_now_lets_other_tasks_run() {
    run(async {
        let counter = Rc::new(Cell::new(0));
        let worker = spawn({
            let counter = counter.clone();
            async move {
                for _ in 0..3 {
                    counter.set(counter.get() + 1);
                    yield_now().await;
                }
            }
        });
        yield_now().await;
        assert!(counter.get() >= 1);
        worker.await.unwrap();
        assert_eq!(counter.get(), 3);
    });
}
