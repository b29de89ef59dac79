//! Placeholder: the combinators are being written.

#![forbid(unsafe_code)]
