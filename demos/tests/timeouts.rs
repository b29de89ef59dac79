//! The `timeouts` demo shows a request within its limit, then two that time out.

mod common;

use common::{in_order, run};

const DEMO: &str = env!("CARGO_BIN_EXE_timeouts");

#[test]
fn the_request_limit_and_the_session_limit_each_fire_and_say_where() {
    let out = run(DEMO, &["--paused-clock"]);
    in_order(
        &out,
        &[
            "Session limits: total 1.000 s, connect 100 ms. One request's own limits: total 10 ms.",
            "1. GET / with its own limits",
            "   200 after 0 ms",
            "2. GET /delay/100 with its own limits",
            "   failed after 10 ms: total timeout of 10ms fired while waiting for the response head",
            "   Error::Timeout { which: total, phase: WaitingForHead, after: 10ms }",
            "3. GET /delay/1500 with the session's limits",
            "   failed after 1.000 s: total timeout of 1s fired while waiting for the response head",
        ],
    );
}

#[test]
fn url_and_paused_clock_do_not_go_together() {
    let output = std::process::Command::new(DEMO)
        .args(["--paused-clock", "--url", "http://127.0.0.1:9/"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
