//! Shared pieces of the demos.

#![forbid(unsafe_code)]
