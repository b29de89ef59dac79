//! Arbitrary strings into `Url::parse` and `Url::join`: never a panic, and a parsed URL
//! parses back to itself from its own text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ripple_http::Url;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (left, right) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    if let Ok(url) = Url::parse(left) {
        let again = Url::parse(url.as_str()).expect("a parsed URL's text parses");
        assert_eq!(url, again);
        if let Ok(joined) = url.join(right) {
            assert_eq!(Url::parse(joined.as_str()).expect("joined URLs parse"), joined);
        }
    }
    let _ = Url::parse(text);
});
