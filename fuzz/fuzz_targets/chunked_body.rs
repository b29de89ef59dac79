//! Arbitrary bytes into the chunked body decoder, fed in pieces whose sizes come from the
//! input: it must never panic, always make progress or finish, and never return more body
//! than it was given.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ripple_http::wire::{BodyDecoder, BodyKind};

fuzz_target!(|data: &[u8]| {
    let Some((&step, input)) = data.split_first() else { return };
    let step = usize::from(step % 64) + 1;
    let mut decoder = BodyDecoder::new(BodyKind::Chunked, Some(1 << 20));
    let mut buffered: Vec<u8> = Vec::new();
    let mut body = 0usize;
    for piece in input.chunks(step) {
        buffered.extend_from_slice(piece);
        match decoder.decode(&buffered) {
            Ok(decoded) => {
                assert!(decoded.consumed <= buffered.len());
                assert!(decoded.body.end <= decoded.consumed);
                body += decoded.body.len();
                buffered.drain(..decoded.consumed);
                if decoded.done {
                    break;
                }
            }
            Err(_) => return,
        }
    }
    assert!(body <= input.len());
    assert!(body as u64 <= 1 << 20);
    let _ = decoder.eof();
});
