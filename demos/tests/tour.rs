//! The tour runs start to finish offline and introduces every demo.

use std::process::Command;

#[test]
fn the_tour_runs_every_demo_to_the_end() {
    let output = Command::new(env!("CARGO_BIN_EXE_tour"))
        .arg("--paused-clock")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(out.contains("==> [1/1] tasks_pitfall:"), "{out}");
    assert!(
        out.contains("One by one took 3.00 s, together 1.00 s"),
        "{out}"
    );
    assert!(out.contains("End of the tour"), "{out}");
}
