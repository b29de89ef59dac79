//! Arbitrary bytes into the response head parser, whole and split in two: it must never
//! panic, never loop, stay within its limits, and give the same answer however the bytes
//! arrive.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ripple_http::wire::{HeadLimits, HeadParser};

fuzz_target!(|data: &[u8]| {
    let limits = HeadLimits { max_head_bytes: 8 * 1024, max_headers: 32 };
    let whole = HeadParser::new(limits).parse(data).map(|found| found.map(|(head, used)| (head, used)));
    // The same bytes arriving in two reads, cut where the first byte says.
    let cut = data.first().map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let mut parser = HeadParser::new(limits);
    let first = parser.parse(&data[..cut]);
    let split = match first {
        Ok(Some(found)) => Ok(Some(found)),
        Ok(None) => parser.parse(data),
        Err(error) => Err(error),
    };
    match (&whole, &split) {
        (Ok(Some((a, used_a))), Ok(Some((b, used_b)))) => {
            assert_eq!(a, b);
            assert_eq!(used_a, used_b);
            assert!(*used_a <= data.len());
        }
        (Ok(None), Ok(None)) | (Err(_), Err(_)) => {}
        // A complete head found in the first part is found whole too, and vice versa.
        (Ok(Some(_)), Ok(None)) | (Ok(None), Ok(Some(_))) => panic!("split changed the outcome"),
        _ => {}
    }
});
