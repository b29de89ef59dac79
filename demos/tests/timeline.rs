//! `--timeline FILE.svg` writes a well-formed SVG with one bar per task the demo ran.

mod common;

use common::{run, svg_bars, temp_svg};

fn timeline_of(demo: &str, name: &str, args: &[&str]) -> Vec<String> {
    let path = temp_svg(name);
    let path_text = path.to_str().unwrap();
    let mut all = vec!["--paused-clock", "--timeline", path_text];
    all.extend_from_slice(args);
    let out = run(demo, &all);
    assert!(out.contains(&format!("written to {path_text}")), "{out}");
    svg_bars(&path)
}

#[test]
fn tasks_pitfall_draws_its_six_tasks_with_exact_times() {
    let bars = timeline_of(env!("CARGO_BIN_EXE_tasks_pitfall"), "pitfall", &[]);
    assert_eq!(
        bars,
        [
            "one by one: delay #1: 0 ms to 300 ms (completed)",
            "one by one: delay #2: 300 ms to 600 ms (completed)",
            "one by one: delay #3: 600 ms to 900 ms (completed)",
            "together: delay #1: 900 ms to 1.200 s (completed)",
            "together: delay #2: 900 ms to 1.200 s (completed)",
            "together: delay #3: 900 ms to 1.200 s (completed)",
        ]
    );
}

#[test]
fn as_completed_timeout_draws_the_cancelled_requests_as_cancelled() {
    let bars = timeline_of(env!("CARGO_BIN_EXE_as_completed_timeout"), "act", &[]);
    assert_eq!(
        bars,
        [
            "#0 GET /delay/100: 0 ms to 100 ms (completed)",
            "#1 GET /delay/1000: 0 ms to 200 ms (cancelled)",
            "#2 GET /delay/1000: 0 ms to 200 ms (cancelled)",
        ]
    );
}

#[test]
fn gather_draws_one_bar_per_request_both_ways() {
    let bars = timeline_of(env!("CARGO_BIN_EXE_gather"), "gather", &[]);
    assert_eq!(bars.len(), 2000);
    assert_eq!(bars[0], "at once #1: 0 ms to 10 ms (completed)");
    assert_eq!(bars[999], "at once #1000: 0 ms to 100 ms (completed)");
    assert_eq!(bars[1000], "one at a time #1: 100 ms to 110 ms (completed)");
    assert_eq!(
        bars[1999],
        "one at a time #1000: 10.090 s to 10.100 s (completed)"
    );
}

#[test]
fn every_demo_that_makes_requests_draws_a_timeline() {
    let demos = [
        (env!("CARGO_BIN_EXE_context_manager"), 4),
        (env!("CARGO_BIN_EXE_first_request"), 2),
        (env!("CARGO_BIN_EXE_timeouts"), 3),
        (env!("CARGO_BIN_EXE_gather_order"), 2),
        (env!("CARGO_BIN_EXE_gather_exceptions"), 9),
        (env!("CARGO_BIN_EXE_as_completed"), 3),
        (env!("CARGO_BIN_EXE_wait_all"), 3),
        (env!("CARGO_BIN_EXE_wait_first_exception"), 3),
        (env!("CARGO_BIN_EXE_wait_first_completed"), 3),
        (env!("CARGO_BIN_EXE_wait_timeout"), 3),
        (env!("CARGO_BIN_EXE_cancel"), 5),
    ];
    for (i, (demo, tasks)) in demos.into_iter().enumerate() {
        let bars = timeline_of(demo, &format!("demo{i}"), &[]);
        assert_eq!(bars.len(), tasks, "{demo}: {bars:#?}");
    }
}
