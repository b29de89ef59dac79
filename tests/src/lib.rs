//! End-to-end tests across ripple's crates live in `tests/tests/`, one file per scenario.
//! This library is empty; it exists so the crate can hold those test files.

#![forbid(unsafe_code)]
