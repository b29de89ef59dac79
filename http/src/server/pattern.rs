//! The bytes of every `/bytes/<n>` and `/chunked/<n>` body: a pattern a client can check.
//!
//! Byte `i` is `b'!' + i % 89`: printable ASCII (so `curl` shows it), and repeating with a
//! prime period, so a lost, repeated or reordered piece of any power-of-two size changes
//! what follows. A client test compares a body with [`pattern`], or checks any byte with
//! [`pattern_byte`], without this server's help.
//!
//! The server never builds a body of n bytes: one static block, a period longer than the
//! largest piece it writes, holds a slice for every starting offset ([`pattern_slice`]).
//!
//! Path: `routes.rs` and `faults.rs` write slices of it -> `response.rs`.

/// The body bytes of `/bytes` and `/chunked` repeat with this period: a prime, so a lost
/// or repeated piece of any power-of-two size changes the bytes that follow.
pub const PATTERN_PERIOD: u64 = 89;

/// Byte `index` of every `/bytes/<n>` and `/chunked/<n>` body: printable ASCII from `!`
/// to `y`, repeating every [`PATTERN_PERIOD`] bytes.
pub fn pattern_byte(index: u64) -> u8 {
    b'!' + (index % PATTERN_PERIOD) as u8
}

/// The first `len` bytes of the pattern: what `/bytes/<len>` sends.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len as u64).map(pattern_byte).collect()
}

/// The largest piece of a streamed body.
pub(crate) const BLOCK: usize = 64 * 1024;

/// The pattern from offset 0, one period longer than a block, so that a block starting at
/// any offset is one slice of it.
static PATTERN_BLOCK: [u8; BLOCK + PATTERN_PERIOD as usize] = pattern_block();

const fn pattern_block() -> [u8; BLOCK + PATTERN_PERIOD as usize] {
    let mut block = [0; BLOCK + PATTERN_PERIOD as usize];
    let mut i = 0;
    while i < block.len() {
        block[i] = b'!' + (i as u64 % PATTERN_PERIOD) as u8;
        i += 1;
    }
    block
}

/// The pattern bytes `offset..offset + len`, for `len <= BLOCK`.
pub(crate) fn pattern_slice(offset: u64, len: usize) -> &'static [u8] {
    let start = (offset % PATTERN_PERIOD) as usize;
    &PATTERN_BLOCK[start..start + len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_slices_match_the_pattern_at_any_offset() {
        let whole = pattern(3 * PATTERN_PERIOD as usize);
        for offset in 0..2 * PATTERN_PERIOD {
            let slice = pattern_slice(offset, 50);
            assert_eq!(slice, &whole[offset as usize..offset as usize + 50]);
        }
        assert_eq!(pattern_slice(1 << 40, BLOCK).len(), BLOCK);
        assert!(pattern(1000).iter().all(u8::is_ascii_graphic));
    }
}
