//! timed: the chapter's async_timed lines, captured and compared exactly.

mod common;

use common::{SharedBuf, paused, secs, value_after};
use ripple_combinators::{gather, timed_to};

#[test]
fn timed_writes_starting_and_finished_lines_with_exact_elapsed_seconds() {
    let rt = paused();
    let log = SharedBuf::default();
    let out = rt.block_on(timed_to(log.clone(), "main", {
        let log = log.clone();
        async move {
            gather(vec![
                timed_to(log.clone(), "delay(3)", value_after(3, secs(3))),
                timed_to(log.clone(), "delay(1)", value_after(1, secs(1))),
            ])
            .await
        }
    }));
    assert_eq!(out, [3, 1]);
    assert_eq!(
        log.text(),
        "starting main\n\
         starting delay(3)\n\
         starting delay(1)\n\
         finished delay(1) in 1.0000 s\n\
         finished delay(3) in 3.0000 s\n\
         finished main in 3.0000 s\n"
    );
    assert!(rt.is_idle());
}

#[test]
fn the_clock_starts_at_the_first_poll_not_at_the_call() {
    let rt = paused();
    let log = SharedBuf::default();
    rt.block_on(async {
        let work = timed_to(log.clone(), "late", value_after((), secs(2)));
        ripple_reactor::sleep(secs(5)).await;
        work.await;
    });
    assert_eq!(log.text(), "starting late\nfinished late in 2.0000 s\n");
    assert!(rt.is_idle());
}
