//! The tour runs start to finish offline and introduces every demo.

mod common;

use common::{in_order, run};

#[test]
fn the_tour_runs_every_demo_to_the_end() {
    let out = run(env!("CARGO_BIN_EXE_tour"), &["--paused-clock"]);
    in_order(
        &out,
        &[
            "==> [1/14] context_manager:",
            "closed the connection",
            "==> [2/14] first_request:",
            "Status for / was 200",
            "==> [3/14] timeouts:",
            "total timeout of 10ms fired",
            "==> [4/14] tasks_pitfall:",
            "One by one took 900 ms, together 300 ms",
            "==> [5/14] gather:",
            "3. At once was 100.0x faster than one at a time",
            "==> [6/14] gather_order:",
            "gather returned, in input order: [#0 /delay/300 -> 200, #1 /delay/100 -> 200]",
            "==> [7/14] gather_exceptions:",
            "Threw errors: [InvalidUrl",
            "==> [8/14] as_completed:",
            "All done in 1.000 s",
            "==> [9/14] as_completed_timeout:",
            "2 timeouts.",
            "==> [10/14] wait_all:",
            "3 done, 0 pending",
            "==> [11/14] wait_first_exception:",
            "task was cancelled",
            "==> [12/14] wait_first_completed:",
            "round 3",
            "==> [13/14] wait_timeout:",
            "1 pending",
            "==> [14/14] cancel:",
            "the budget is spent",
            "End of the tour. docs/GUIDE.md",
        ],
    );
}
