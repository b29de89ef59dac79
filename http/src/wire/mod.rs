//! The HTTP/1.1 wire format, without any I/O: request heads out, response heads and
//! bodies in.
//!
//! Everything here works on byte slices the connection hands in, so it is tested without
//! a socket or a runtime, and every parser is fed every split of its input. The
//! connection owns the buffer; these functions say how many of its bytes they used, so
//! bytes that belong to the next response are never swallowed.
//!
//! - `headers.rs`: [`Headers`], an ordered, case-insensitive list of fields.
//! - `fields.rs`: [`RequestFields`], a request's defaults, own fields and cookies, layered.
//! - `request_head.rs`: [`write_request_head`], with its checks against injection.
//! - `response_head.rs`: [`HeadParser`] for a [`ResponseHead`], with limits.
//! - `framing.rs`: from a head to a [`BodyKind`] and whether the connection stays open.
//! - `body.rs`: [`BodyDecoder`] for Content-Length, chunked and read-until-close bodies.
//!
//! Path: `conn.rs` calls in -> nothing further: this is the bottom of the HTTP stack.

mod body;
mod fields;
mod framing;
mod headers;
mod request_head;
mod response_head;

pub use body::{BodyDecoder, Decoded, MAX_CHUNK_SIZE, MAX_SIZE_LINE, MAX_TRAILER_BYTES};
pub use fields::RequestFields;
pub use framing::{BodyKind, Framing};
pub use headers::Headers;
pub use request_head::write_request_head;
pub use response_head::{HeadLimits, HeadParser, ResponseHead, Version, parse_response_head};
