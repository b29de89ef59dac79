//! The `first_request` demo gets a 200, and its second request reuses the connection.

mod common;

use common::{in_order, run};

const DEMO: &str = env!("CARGO_BIN_EXE_first_request");

#[test]
fn one_get_gives_200_and_the_second_rides_the_pooled_connection() {
    let out = run(DEMO, &["--paused-clock"]);
    in_order(
        &out,
        &[
            "Requests go to the local example server at http://127.0.0.1:",
            "starting GET / (first time)",
            "Status for / was 200 (1256 bytes of body)",
            "over a new connection",
            "so far 1 opened, 0 reused",
            "Status for / was 200 (1256 bytes of body)",
            "over a pooled connection",
            "so far 1 opened, 1 reused",
        ],
    );
}
