//! The `as_completed` demos: results as they arrive; a group timeout and what it leaves running.

mod common;

use common::{in_order, run};

#[test]
fn fast_results_are_printed_before_the_slow_one_arrives() {
    let out = run(env!("CARGO_BIN_EXE_as_completed"), &["--paused-clock"]);
    in_order(
        &out,
        &[
            "[   100 ms] request #0 (/delay/100): 200",
            "[   100 ms] request #1 (/delay/100): 200",
            "[  1.000 s] request #2 (/delay/1000): 200",
            "All done in 1.000 s; the first result was printed 900 ms before the last one arrived.",
        ],
    );
}

#[test]
fn the_group_timeout_reports_two_timeouts_and_leaves_them_running_until_cancelled() {
    let out = run(
        env!("CARGO_BIN_EXE_as_completed_timeout"),
        &["--paused-clock"],
    );
    in_order(
        &out,
        &[
            "as_completed with a 200 ms limit on the group:",
            "[ 100 ms] request #0 (/delay/100): 200",
            "[ 200 ms] request #1 (/delay/1000): timed out",
            "[ 200 ms] request #2 (/delay/1000): timed out",
            "2 timeouts.",
            "Still running after the loop (the limit does not cancel them): #1 (/delay/1000), #2 (/delay/1000)",
            "pool: 3 open (1 idle, 2 in use)",
            "cancel_remaining() cancelled: #1 (/delay/1000), #2 (/delay/1000)",
            "Still running now: none",
            "pool: 1 open (1 idle, 0 in use), 0 waiting",
        ],
    );
    assert_eq!(out.matches("timed out").count(), 2, "{out}");
}
