//! Every demo explains itself with `--help`, and offers the flags they all share.

use std::process::Command;

const DEMOS: &[(&str, &str)] = &[
    ("context_manager", env!("CARGO_BIN_EXE_context_manager")),
    ("first_request", env!("CARGO_BIN_EXE_first_request")),
    ("timeouts", env!("CARGO_BIN_EXE_timeouts")),
    ("tasks_pitfall", env!("CARGO_BIN_EXE_tasks_pitfall")),
    ("gather", env!("CARGO_BIN_EXE_gather")),
    ("gather_order", env!("CARGO_BIN_EXE_gather_order")),
    ("gather_exceptions", env!("CARGO_BIN_EXE_gather_exceptions")),
    ("as_completed", env!("CARGO_BIN_EXE_as_completed")),
    (
        "as_completed_timeout",
        env!("CARGO_BIN_EXE_as_completed_timeout"),
    ),
    ("wait_all", env!("CARGO_BIN_EXE_wait_all")),
    (
        "wait_first_exception",
        env!("CARGO_BIN_EXE_wait_first_exception"),
    ),
    (
        "wait_first_completed",
        env!("CARGO_BIN_EXE_wait_first_completed"),
    ),
    ("wait_timeout", env!("CARGO_BIN_EXE_wait_timeout")),
    ("cancel", env!("CARGO_BIN_EXE_cancel")),
];

/// The demos that make no HTTP requests, and so have no `--url`.
const NO_REQUESTS: &[&str] = &["context_manager", "tasks_pitfall"];

#[test]
fn every_demo_has_help_with_the_shared_flags() {
    for (name, path) in DEMOS {
        let output = Command::new(path).arg("--help").output().unwrap();
        assert!(output.status.success(), "{name} --help failed");
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(help.contains(&format!("Usage: {name}")), "{name}:\n{help}");
        assert!(help.contains("--paused-clock"), "{name}:\n{help}");
        assert!(help.contains("--timeline <FILE.svg>"), "{name}:\n{help}");
        assert_eq!(
            help.contains("--url <URL>"),
            !NO_REQUESTS.contains(name),
            "{name}:\n{help}"
        );
    }
}
