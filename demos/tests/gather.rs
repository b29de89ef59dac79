//! The `gather` demo: 1,000 requests at once are more than 10x faster than one at a time.

mod common;

use common::{in_order, run};

const DEMO: &str = env!("CARGO_BIN_EXE_gather");

/// The factor in "3. At once was 100.0x faster than one at a time (...)".
fn speed_up(out: &str) -> f64 {
    let line = out
        .lines()
        .find(|line| line.starts_with("3. At once was"))
        .unwrap_or_else(|| panic!("no speed-up line in:\n{out}"));
    let factor = line
        .trim_start_matches("3. At once was ")
        .split('x')
        .next()
        .unwrap();
    factor.parse().unwrap()
}

#[test]
fn a_thousand_at_once_take_a_tenth_of_a_second_and_one_at_a_time_ten_seconds() {
    let out = run(DEMO, &["--paused-clock"]);
    in_order(
        &out,
        &[
            "1. 1000 requests at once",
            "   1000 responses in 100 ms: 1000 x 200",
            "   connections: 100 opened, 900 reuses of pooled ones",
            "   the server saw at most 100 connections open at once",
            "2. The same requests one at a time",
            "   1000 responses in 10.000 s: 1000 x 200",
            "   connections: 0 opened, 1000 reuses of pooled ones",
            "3. At once was 100.0x faster than one at a time (100 ms vs 10.000 s).",
        ],
    );
    assert!(speed_up(&out) > 10.0);
}

#[test]
fn a_shortened_sequential_run_estimates_the_whole() {
    let out = run(DEMO, &["--paused-clock", "--sequential", "50"]);
    in_order(
        &out,
        &[
            "   50 responses in 500 ms: 50 x 200",
            "(50 of 1000 measured; all 1000 would take about 10.000 s)",
            "3. At once was 100.0x faster",
        ],
    );
}

#[test]
fn the_pool_limit_sets_the_number_of_waves() {
    let out = run(
        DEMO,
        &[
            "--paused-clock",
            "--requests",
            "200",
            "--limit",
            "20",
            "--sequential",
            "10",
        ],
    );
    in_order(
        &out,
        &[
            "   200 responses in 100 ms: 200 x 200",
            "   connections: 20 opened, 180 reuses of pooled ones",
        ],
    );
}
