//! Property tests of the wire format: arbitrary bytes never panic the head parser or the
//! body decoders and every call makes bounded progress; valid messages decode the same
//! however they are split.

use proptest::prelude::*;
use ripple_http::Error;
use ripple_http::wire::{BodyDecoder, BodyKind, HeadLimits, HeadParser, Headers, ResponseHead};

const KINDS: [BodyKind; 5] = [
    BodyKind::Empty,
    BodyKind::Length(0),
    BodyKind::Length(37),
    BodyKind::Chunked,
    BodyKind::UntilClose,
];

/// Cuts `wire` into pieces at the given points (taken modulo its length, sorted).
fn pieces(wire: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.push(wire.len());
    cuts.sort_unstable();
    let mut start = 0;
    cuts.into_iter()
        .map(|end| {
            let piece = wire[start..end].to_vec();
            start = end;
            piece
        })
        .collect()
}

/// Feeds a head parser the pieces one after another, as a connection's reads.
fn parse_head_in_pieces(
    pieces: &[Vec<u8>],
    limits: HeadLimits,
) -> Result<Option<(ResponseHead, usize)>, Error> {
    let mut parser = HeadParser::new(limits);
    let mut buffer = Vec::new();
    for piece in pieces {
        buffer.extend_from_slice(piece);
        if let Some(done) = parser.parse(&buffer)? {
            return Ok(Some(done));
        }
        assert!(
            buffer.len() <= limits.max_head_bytes,
            "kept more than the limit"
        );
    }
    Ok(None)
}

/// What a whole body decode gives: the body, the trailers, and the bytes left after it.
#[derive(Debug, PartialEq)]
struct BodyOutcome {
    body: Vec<u8>,
    trailers: Headers,
    tail: Vec<u8>,
    done: bool,
}

/// Feeds a body decoder the pieces, keeping unconsumed bytes as a connection would, and
/// checks each call's answer is in bounds and makes progress.
fn decode_in_pieces(kind: BodyKind, pieces: &[Vec<u8>]) -> Result<BodyOutcome, Error> {
    let mut decoder = BodyDecoder::new(kind, None);
    let mut buffer: Vec<u8> = Vec::new();
    let mut body = Vec::new();
    for piece in pieces {
        buffer.extend_from_slice(piece);
        while !decoder.is_done() && !buffer.is_empty() {
            let decoded = decoder.decode(&buffer)?;
            assert!(decoded.consumed <= buffer.len());
            assert!(decoded.body.start <= decoded.body.end);
            assert!(decoded.body.end <= decoded.consumed);
            assert!(decoded.consumed > 0 || decoded.done, "no progress");
            body.extend_from_slice(&buffer[decoded.body]);
            buffer.drain(..decoded.consumed);
        }
    }
    Ok(BodyOutcome {
        body,
        trailers: decoder.take_trailers(),
        tail: buffer,
        done: decoder.is_done(),
    })
}

/// A chunked encoding of `chunks` (empty ones skipped: a zero size ends the body), with
/// optional extensions, upper- or lowercase hex, and trailers.
fn chunked(
    chunks: &[Vec<u8>],
    extension: bool,
    upper: bool,
    trailers: &[(String, String)],
) -> Vec<u8> {
    let mut wire = Vec::new();
    for chunk in chunks.iter().filter(|c| !c.is_empty()) {
        let size = if upper {
            format!("{:X}", chunk.len())
        } else {
            format!("{:x}", chunk.len())
        };
        wire.extend_from_slice(size.as_bytes());
        if extension {
            wire.extend_from_slice(b" ;name=\"v\"");
        }
        wire.extend_from_slice(b"\r\n");
        wire.extend_from_slice(chunk);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n");
    for (name, value) in trailers {
        wire.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    wire.extend_from_slice(b"\r\n");
    wire
}

fn field() -> impl Strategy<Value = (String, String)> {
    ("[A-Za-z][A-Za-z0-9-]{0,12}", "[ -~]{0,20}")
        .prop_map(|(name, value)| (name, value.trim().to_owned()))
}

prop_compose! {
    /// A valid response head with a body after it, and what parsing it must give.
    fn response()(
        status in 200u16..=599,
        reason in "[A-Za-z ]{0,12}",
        http10 in any::<bool>(),
        fields in prop::collection::vec(field(), 0..8),
        interim in any::<bool>(),
        lf_only in any::<bool>(),
        tail in prop::collection::vec(any::<u8>(), 0..16),
    ) -> (Vec<u8>, u16, Headers, usize) {
        let eol = if lf_only { "\n" } else { "\r\n" };
        let mut wire = Vec::new();
        if interim {
            wire.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let version = if http10 { "HTTP/1.0" } else { "HTTP/1.1" };
        wire.extend_from_slice(format!("{version} {status} {reason}{eol}").as_bytes());
        for (name, value) in &fields {
            wire.extend_from_slice(format!("{name}: {value}{eol}").as_bytes());
        }
        wire.extend_from_slice(eol.as_bytes());
        let head_len = wire.len();
        wire.extend_from_slice(&tail);
        (wire, status, fields.into_iter().collect(), head_len)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_head_parser(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        max_head_bytes in 0usize..600,
        max_headers in 0usize..8,
    ) {
        let limits = HeadLimits { max_head_bytes, max_headers };
        if let Ok(Some((head, consumed))) = parse_head_in_pieces(&pieces(&bytes, &cuts), limits) {
            prop_assert!(consumed <= bytes.len());
            prop_assert!(consumed <= max_head_bytes);
            prop_assert!(head.headers.len() <= max_headers);
            prop_assert!((200..=599).contains(&head.status), "status {}", head.status);
        }
    }

    #[test]
    fn http_shaped_bytes_never_panic_the_head_parser(
        bytes in "(HTTP/1\\.[01] [0-9]{3}[ -~]{0,8}\r?\n)?([A-Za-z:;, \r\n\t-]{0,40})",
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let _ = parse_head_in_pieces(&pieces(bytes.as_bytes(), &cuts), HeadLimits::default());
    }

    #[test]
    fn a_valid_head_parses_the_same_however_it_is_split(
        (wire, status, headers, head_len) in response(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let whole = parse_head_in_pieces(std::slice::from_ref(&wire), HeadLimits::default());
        let whole = whole.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let Some((head, consumed)) = whole.clone() else {
            return Err(TestCaseError::fail("a complete head was not parsed"));
        };
        prop_assert_eq!(head.status, status);
        prop_assert_eq!(&head.headers, &headers);
        prop_assert_eq!(consumed, head_len);
        let split = parse_head_in_pieces(&pieces(&wire, &cuts), HeadLimits::default());
        prop_assert_eq!(split.ok(), Some(whole));
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_body_decoders(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        kind in prop::sample::select(KINDS.to_vec()),
        max_body in prop::option::of(0u64..64),
    ) {
        let mut decoder = BodyDecoder::new(kind, max_body);
        let mut received = 0u64;
        'pieces: for piece in pieces(&bytes, &cuts) {
            let mut input = piece.as_slice();
            // Each call consumes something or reports done: at most one call per byte.
            for _ in 0..=input.len() {
                match decoder.decode(input) {
                    Ok(decoded) => {
                        prop_assert!(decoded.consumed <= input.len());
                        prop_assert!(decoded.body.end <= decoded.consumed);
                        received += decoded.body.len() as u64;
                        input = &input[decoded.consumed..];
                        if decoded.done || input.is_empty() {
                            continue 'pieces;
                        }
                    }
                    Err(_) => break 'pieces,
                }
            }
            return Err(TestCaseError::fail("the decoder made no progress"));
        }
        prop_assert_eq!(received, decoder.received());
        if let Some(max) = max_body {
            prop_assert!(received <= max);
        }
        let _ = decoder.eof();
    }

    #[test]
    fn chunk_shaped_bytes_never_panic_the_chunked_decoder(
        bytes in "([0-9a-fA-F]{0,3}(;[a-z=]{0,4})?\r?\n?[a-z]{0,6}\r?\n?){0,6}",
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let _ = decode_in_pieces(BodyKind::Chunked, &pieces(bytes.as_bytes(), &cuts));
    }

    #[test]
    fn a_chunked_body_decodes_the_same_however_it_is_split(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..6),
        extension in any::<bool>(),
        upper in any::<bool>(),
        trailers in prop::collection::vec(field(), 0..3),
        tail in prop::collection::vec(any::<u8>(), 0..16),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut wire = chunked(&chunks, extension, upper, &trailers);
        wire.extend_from_slice(&tail);
        let expected = BodyOutcome {
            body: chunks.concat(),
            trailers: trailers.into_iter().collect(),
            tail: tail.clone(),
            done: true,
        };
        let whole = decode_in_pieces(BodyKind::Chunked, std::slice::from_ref(&wire));
        prop_assert_eq!(whole.as_ref().ok(), Some(&expected), "{:?}", whole);
        let split = decode_in_pieces(BodyKind::Chunked, &pieces(&wire, &cuts));
        prop_assert_eq!(split.ok(), Some(expected));
    }

    #[test]
    fn a_length_body_decodes_the_same_however_it_is_split(
        body in prop::collection::vec(any::<u8>(), 0..200),
        tail in prop::collection::vec(any::<u8>(), 0..16),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut wire = body.clone();
        wire.extend_from_slice(&tail);
        let expected = BodyOutcome { body: body.clone(), trailers: Headers::new(), tail, done: true };
        let kind = BodyKind::Length(body.len() as u64);
        let split = decode_in_pieces(kind, &pieces(&wire, &cuts));
        prop_assert_eq!(split.ok(), Some(expected));
    }

    #[test]
    fn an_until_close_body_is_everything_however_it_is_split(
        body in prop::collection::vec(any::<u8>(), 0..200),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let split = decode_in_pieces(BodyKind::UntilClose, &pieces(&body, &cuts));
        let split = split.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&split.body, &body);
        prop_assert!(split.tail.is_empty() && !split.done);
    }
}
