//! The `tasks_pitfall` demo tells its story: one by one costs the sum, together the longest.

mod common;

use common::{in_order, run};

const DEMO: &str = env!("CARGO_BIN_EXE_tasks_pitfall");

#[test]
fn one_by_one_costs_the_sum_and_together_the_longest() {
    let out = run(
        DEMO,
        &["--paused-clock", "--tasks", "3", "--delay-ms", "3000"],
    );
    in_order(
        &out,
        &[
            "finished spawn-and-await-each in 9.0000 s",
            "finished spawn-all-then-await in 3.0000 s",
            "One by one took 9.000 s, together 3.000 s",
            "(3.0x faster here)",
        ],
    );
}

#[test]
fn spawned_together_the_tasks_all_sleep_before_any_wakes() {
    let out = run(DEMO, &["--paused-clock"]);
    let second_part = out.split("2. Spawn every task first").nth(1).unwrap();
    let lines: Vec<&str> = second_part
        .lines()
        .filter(|l| l.contains("delay(300 ms)"))
        .collect();
    assert_eq!(lines.len(), 6, "{second_part}");
    assert!(
        lines[..3].iter().all(|l| l.contains("going to sleep")),
        "{lines:?}"
    );
    assert!(
        lines[3..].iter().all(|l| l.contains("awake again")),
        "{lines:?}"
    );
}
