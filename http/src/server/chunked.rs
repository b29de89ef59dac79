//! A chunked request body, decoded from bytes as they arrive, in pieces of any size.
//!
//! RFC 9112 section 7.1: a body is a series of chunks, each a hex size line (with optional
//! `;extensions`), that many bytes and a CRLF, ended by a chunk of size 0, trailer lines
//! and an empty line. [`ChunkedDecoder::feed`] takes whatever has arrived, uses what it
//! can and leaves an incomplete line for the next call, so a client may split its body
//! anywhere. Size lines are parsed by `httparse::parse_chunk_size`.
//!
//! Limits: a size line or the trailer section longer than 4 KiB is malformed (400), and
//! the body may not outgrow [`MAX_BODY`] (413), however large a chunk claims to be.
//!
//! Path: `connection.rs` feeds received bytes in -> the decoded body goes to `/echo`.

use crate::server::request::{MAX_BODY, RequestError, malformed};

/// The longest chunk-size line or trailer section.
const MAX_CHUNK_LINE: usize = 4096;

/// Where a [`ChunkedDecoder`] stands. Each state says what the next bytes must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// A chunk-size line: hex digits, optional `;extensions`, CRLF.
    Size,
    /// This many data bytes of the current chunk.
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer lines, up to an empty line.
    Trailers,
    /// The body has ended; nothing more is consumed.
    Done,
}

/// Decodes a chunked request body from bytes as they arrive, in pieces of any size.
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    state: ChunkState,
    trailer_bytes: usize,
}

impl ChunkedDecoder {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        ChunkedDecoder {
            state: ChunkState::Size,
            trailer_bytes: 0,
        }
    }

    /// Whether the last chunk and the trailers have been read.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    /// Decodes what it can of `input`, appending chunk data to `body`, and returns how
    /// many bytes of `input` it used. An incomplete line is left unused, to be offered
    /// again with more bytes after it.
    pub fn feed(&mut self, input: &[u8], body: &mut Vec<u8>) -> Result<usize, RequestError> {
        let mut used = 0;
        loop {
            let rest = &input[used..];
            match self.state {
                ChunkState::Size => match httparse::parse_chunk_size(rest) {
                    Ok(httparse::Status::Complete((line_len, size))) => {
                        used += line_len;
                        if size > MAX_BODY.saturating_sub(body.len() as u64) {
                            return Err(RequestError::BodyTooLarge);
                        }
                        self.state = if size == 0 {
                            ChunkState::Trailers
                        } else {
                            ChunkState::Data(size)
                        };
                    }
                    Ok(httparse::Status::Partial) if rest.len() > MAX_CHUNK_LINE => {
                        return Err(malformed("chunk-size line too long"));
                    }
                    Ok(httparse::Status::Partial) => return Ok(used),
                    Err(httparse::InvalidChunkSize) => return Err(malformed("bad chunk size")),
                },
                ChunkState::Data(remaining) => {
                    if rest.is_empty() {
                        return Ok(used);
                    }
                    // The cast is exact: the minimum is at most `rest.len()`.
                    let take = remaining.min(rest.len() as u64) as usize;
                    body.extend_from_slice(&rest[..take]);
                    used += take;
                    self.state = match remaining - take as u64 {
                        0 => ChunkState::DataEnd,
                        left => ChunkState::Data(left),
                    };
                }
                ChunkState::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        used += 2;
                        self.state = ChunkState::Size;
                    }
                    [] | [b'\r'] => return Ok(used),
                    _ => return Err(malformed("chunk data not followed by CRLF")),
                },
                ChunkState::Trailers => {
                    let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
                        if self.trailer_bytes + rest.len() > MAX_CHUNK_LINE {
                            return Err(malformed("trailer section too long"));
                        }
                        return Ok(used);
                    };
                    let line = &rest[..newline];
                    used += newline + 1;
                    self.trailer_bytes += newline + 1;
                    if line.is_empty() || line == b"\r" {
                        self.state = ChunkState::Done;
                    } else if self.trailer_bytes > MAX_CHUNK_LINE {
                        return Err(malformed("trailer section too long"));
                    }
                }
                ChunkState::Done => return Ok(used),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_body_decodes_at_every_split_point() {
        let wire = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: yes\r\n\r\nNEXT";
        for cut in 0..=wire.len() {
            let mut decoder = ChunkedDecoder::new();
            let mut body = Vec::new();
            let used = decoder.feed(&wire[..cut], &mut body).unwrap();
            let mut pending = wire[used..cut].to_vec();
            pending.extend_from_slice(&wire[cut..]);
            let used_after = decoder.feed(&pending, &mut body).unwrap();
            assert_eq!(body, b"Wikipedia", "split at byte {cut}");
            assert!(decoder.is_done(), "split at byte {cut}");
            assert_eq!(&pending[used_after..], b"NEXT", "split at byte {cut}");
        }
    }

    #[test]
    fn chunked_body_rejects_bad_sizes_and_huge_chunks() {
        let mut body = Vec::new();
        assert!(ChunkedDecoder::new().feed(b"zz\r\n", &mut body).is_err());
        assert!(ChunkedDecoder::new().feed(b"3\r\nabcX", &mut body).is_err());
        assert_eq!(
            ChunkedDecoder::new().feed(b"ffffffffffffffff\r\n", &mut body),
            Err(RequestError::BodyTooLarge)
        );
    }
}
