//! The `tasks_pitfall` demo tells its story: one by one costs the sum, together the longest.

use std::process::Command;

fn run_demo(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_tasks_pitfall"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn one_by_one_costs_the_sum_and_together_the_longest() {
    let out = run_demo(&["--paused-clock", "--tasks", "3", "--seconds", "3"]);
    assert!(
        out.contains("finished spawn-and-await-each in 9.0000 s"),
        "{out}"
    );
    assert!(
        out.contains("finished spawn-all-then-await in 3.0000 s"),
        "{out}"
    );
    assert!(
        out.contains("One by one took 9.00 s, together 3.00 s"),
        "{out}"
    );
}

#[test]
fn spawned_together_the_tasks_all_sleep_before_any_wakes() {
    let out = run_demo(&["--paused-clock"]);
    let second_part = out.split("2. Spawn every task first").nth(1).unwrap();
    let lines: Vec<&str> = second_part
        .lines()
        .filter(|l| l.contains("delay(1)"))
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
