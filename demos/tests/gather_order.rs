//! The `gather_order` demo: the second request answers first, the list keeps input order.

mod common;

use common::{in_order, run};

const DEMO: &str = env!("CARGO_BIN_EXE_gather_order");

#[test]
fn results_come_in_input_order_though_the_second_finishes_first() {
    let out = run(DEMO, &["--paused-clock"]);
    in_order(
        &out,
        &[
            "gather([GET /delay/300, GET /delay/100]):",
            "  answer in after 100 ms: #1 /delay/100",
            "  answer in after 300 ms: #0 /delay/300",
            "gather returned, in input order: [#0 /delay/300 -> 200, #1 /delay/100 -> 200]",
        ],
    );
}
