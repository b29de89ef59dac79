//! The `gather_exceptions` demo: the InvalidUrl error propagates, then every outcome is kept.

mod common;

use common::{in_order, run};

const DEMO: &str = env!("CARGO_BIN_EXE_gather_exceptions");

#[test]
fn the_first_error_comes_back_and_the_others_run_on_unless_cancelled() {
    let out = run(DEMO, &["--paused-clock"]);
    let (part1, rest) = out
        .split_once("2. try_gather(..).cancel_on_error()")
        .unwrap();
    let (part2, part3) = rest.split_once("3. gather_results").unwrap();
    in_order(
        part1,
        &[
            r#"try_gather returned the first error: task failed: invalid URL "python://example.com": unsupported scheme "python""#,
            "finished fetch_status(/delay/200) in 0.2000 s",
        ],
    );
    in_order(
        part2,
        &["try_gather returned the first error: task failed: invalid URL"],
    );
    assert!(
        !part2.contains("finished fetch_status(/delay/200)"),
        "{part2}"
    );
    in_order(
        part3,
        &[
            "All results: [Ok(200), Err(invalid_url), Ok(200)]",
            "Finished successfully: [200, 200]",
            r#"Threw errors: [InvalidUrl { url: "python://example.com", reason: "unsupported scheme \"python\" (only http and https)" }]"#,
        ],
    );
}
