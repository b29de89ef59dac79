//! The `wait` demos: all completed, first exception, first completed in a loop, timeout.

mod common;

use common::{in_order, run};

#[test]
fn wait_all_returns_every_outcome_in_finishing_order() {
    let out = run(env!("CARGO_BIN_EXE_wait_all"), &["--paused-clock"]);
    in_order(
        &out,
        &[
            "wait(AllCompleted) returned after 200 ms: 3 done, 0 pending.",
            r#"failed #1 (python://example.com): error: invalid URL "python://example.com""#,
            "ok     #2 (/delay/100): 200",
            "ok     #0 (/delay/200): 200",
            "2 succeeded, 1 failed",
        ],
    );
}

#[test]
fn wait_first_exception_returns_at_once_and_the_pending_are_cancelled() {
    let out = run(
        env!("CARGO_BIN_EXE_wait_first_exception"),
        &["--paused-clock"],
    );
    in_order(
        &out,
        &[
            "wait(FirstException) returned after 0 ms: 1 done, 2 pending.",
            "done: #0 (python://example.com): error: invalid URL",
            "pool: 2 open (0 idle, 2 in use)",
            "Cancelling the 2 pending tasks:",
            "#1 (/delay/300): task was cancelled",
            "#2 (/delay/300): task was cancelled",
            "pool: 0 open (0 idle, 0 in use), 0 waiting",
            "All over after 0 ms",
        ],
    );
}

#[test]
fn a_loop_of_wait_first_completed_handles_each_result_as_it_comes() {
    let out = run(
        env!("CARGO_BIN_EXE_wait_first_completed"),
        &["--paused-clock"],
    );
    in_order(
        &out,
        &[
            "[ 100 ms] round 1: #1 (/delay/100) -> 200",
            "2 still pending",
            "[ 300 ms] round 2: #0 (/delay/300) -> 200",
            "1 still pending",
            "[ 500 ms] round 3: #2 (/delay/500) -> 200",
            "0 still pending",
        ],
    );
}

#[test]
fn wait_timeout_splits_done_from_pending_and_cancels_nothing() {
    let out = run(env!("CARGO_BIN_EXE_wait_timeout"), &["--paused-clock"]);
    in_order(
        &out,
        &[
            "wait(AllCompleted, timeout 300 ms) returned after 300 ms: 2 done, 1 pending.",
            "done:    #0 (/delay/100): 200",
            "done:    #1 (/delay/100): 200",
            "pending: #2 (/delay/1000): finished yet? false",
            "[1.000 s] #2 (/delay/1000): 200",
        ],
    );
}

#[test]
fn cancel_handles_results_within_the_budget_then_frees_the_pending_slots() {
    let out = run(env!("CARGO_BIN_EXE_cancel"), &["--paused-clock"]);
    in_order(
        &out,
        &[
            "[ 100 ms] #0 (/delay/100) -> 200",
            "[ 200 ms] #1 (/delay/200) -> 200",
            "[ 300 ms] #2 (/delay/300) -> 200",
            "[ 500 ms] the budget is spent",
            "Before cancelling, pool: 5 open (3 idle, 2 in use)",
            "#3 (/delay/2000): task was cancelled",
            "#4 (/delay/2000): task was cancelled",
            "After cancelling, pool: 3 open (3 idle, 0 in use), 0 waiting",
            "Done after 500 ms",
        ],
    );
}
