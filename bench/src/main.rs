//! Placeholder: the bench is being written.

#![forbid(unsafe_code)]

fn main() {}
