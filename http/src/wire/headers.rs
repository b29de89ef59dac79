//! `Headers`: an ordered list of header fields, looked up by name without regard to case.
//!
//! HTTP field names are case-insensitive (RFC 9110 section 5.1) and a name may repeat
//! (`Set-Cookie`), so this is a list, not a map: `get` returns the first value, `get_all`
//! every value in arrival order. Values are bytes, because RFC 9110 allows obsolete
//! non-ASCII text in them; [`Headers::get_str`] gives the common UTF-8 view.
//!
//! All names live in one `String` and all values in one `Vec<u8>`, with a small index of
//! ranges: parsing a response's headers costs three allocations, however many there are.
//! Lookups scan the list: a response rarely has more than a dozen fields.
//!
//! This type does not check what it is given; `wire/request_head.rs` checks names and values when
//! it writes a request, and httparse has checked those of a parsed response.
//!
//! Path: `wire/response_head.rs` fills one from httparse -> `response.rs` exposes it; the session's
//! default and per-request headers are one too.

use std::fmt;
use std::ops::Range;

/// An ordered list of header fields.
///
/// # Invariants
/// - `entries` are in insertion order, and each range points into `names` / `values` at
///   what was appended for it; `remove` rebuilds both, so nothing unreachable is kept.
#[derive(Clone, Default)]
pub struct Headers {
    names: String,
    values: Vec<u8>,
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    name: Range<usize>,
    value: Range<usize>,
}

impl Headers {
    /// An empty list.
    pub const fn new() -> Headers {
        Headers {
            names: String::new(),
            values: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// An empty list with room for `fields` fields of about `bytes` bytes in all.
    pub fn with_capacity(fields: usize, bytes: usize) -> Headers {
        Headers {
            names: String::with_capacity(bytes / 2),
            values: Vec::with_capacity(bytes),
            entries: Vec::with_capacity(fields),
        }
    }

    /// Adds a field at the end, keeping any others of the same name.
    pub fn append(&mut self, name: &str, value: impl AsRef<[u8]>) {
        let name_start = self.names.len();
        self.names.push_str(name);
        let value_start = self.values.len();
        self.values.extend_from_slice(value.as_ref());
        self.entries.push(Entry {
            name: name_start..self.names.len(),
            value: value_start..self.values.len(),
        });
    }

    /// Replaces every field named `name` by one with this value, at the end.
    pub fn set(&mut self, name: &str, value: impl AsRef<[u8]>) {
        self.remove(name);
        self.append(name, value);
    }

    /// Removes every field named `name`; says whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        if !self.contains(name) {
            return false;
        }
        let kept: Vec<(String, Vec<u8>)> = self
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        self.names.clear();
        self.values.clear();
        self.entries.clear();
        for (n, v) in kept {
            self.append(&n, v);
        }
        true
    }

    /// The first value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// The first value of `name` as text, if there is one and it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name)
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> {
        self.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// Whether a field named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether any value of `name`, read as a comma-separated list, has `token` as an
    /// element (case-insensitive): `Connection: keep-alive, Close` contains `close`.
    pub fn contains_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name).any(|value| {
            value
                .split(|&b| b == b',')
                .any(|element| element.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        })
    }

    /// Every field, in order, as (name as received, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries.iter().map(|entry| {
            (
                // INVARIANT (Headers): the ranges are those `append` recorded, so they lie
                // inside the buffers and on `char` boundaries of `names`.
                &self.names[entry.name.clone()],
                &self.values[entry.value.clone()],
            )
        })
    }

    /// The number of fields (a repeated name counts each time).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every field, keeping the allocations.
    pub fn clear(&mut self) {
        self.names.clear();
        self.values.clear();
        self.entries.clear();
    }
}

impl PartialEq for Headers {
    /// Same fields, same order, same name spelling, same values.
    fn eq(&self, other: &Headers) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(name, value)| (name, String::from_utf8_lossy(value))),
            )
            .finish()
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> Extend<(N, V)> for Headers {
    fn extend<I: IntoIterator<Item = (N, V)>>(&mut self, fields: I) {
        for (name, value) in fields {
            self.append(name.as_ref(), value);
        }
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(fields: I) -> Headers {
        let mut headers = Headers::new();
        headers.extend(fields);
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Headers {
        Headers::from_iter([
            ("Content-Type", "text/html"),
            ("Set-Cookie", "a=1"),
            ("set-cookie", "b=2"),
            ("X-Bytes", "caf\u{e9}"),
        ])
    }

    #[test]
    fn lookups_ignore_case_and_keep_order() {
        let headers = sample();
        assert_eq!(headers.get("content-type"), Some(&b"text/html"[..]));
        assert_eq!(headers.get_str("CONTENT-TYPE"), Some("text/html"));
        let cookies: Vec<&[u8]> = headers.get_all("SET-COOKIE").collect();
        assert_eq!(cookies, [&b"a=1"[..], &b"b=2"[..]]);
        assert!(headers.contains("x-bytes"));
        assert!(!headers.contains("x-missing"));
        assert_eq!(headers.get("x-missing"), None);
        assert_eq!(headers.len(), 4);
        let names: Vec<&str> = headers.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["Content-Type", "Set-Cookie", "set-cookie", "X-Bytes"]
        );
    }

    #[test]
    fn values_are_bytes_and_get_str_needs_utf8() {
        let mut headers = Headers::new();
        headers.append("X-Latin1", [b'c', b'a', b'f', 0xe9]);
        assert_eq!(headers.get("x-latin1"), Some(&[b'c', b'a', b'f', 0xe9][..]));
        assert_eq!(headers.get_str("x-latin1"), None);
    }

    #[test]
    fn set_replaces_every_field_of_that_name_and_remove_rebuilds() {
        let mut headers = sample();
        headers.set("SET-COOKIE", "c=3");
        assert_eq!(headers.get_all("set-cookie").count(), 1);
        assert_eq!(headers.get_str("set-cookie"), Some("c=3"));
        assert!(headers.remove("content-type"));
        assert!(!headers.remove("content-type"));
        assert_eq!(
            headers,
            Headers::from_iter([("X-Bytes", "caf\u{e9}"), ("SET-COOKIE", "c=3")])
        );
        headers.clear();
        assert!(headers.is_empty());
    }

    #[test]
    fn tokens_are_found_in_comma_separated_lists() {
        let headers = Headers::from_iter([("Connection", "keep-alive, Close"), ("TE", "x")]);
        assert!(headers.contains_token("connection", "close"));
        assert!(headers.contains_token("connection", "keep-alive"));
        assert!(!headers.contains_token("connection", "clos"));
        assert!(!headers.contains_token("upgrade", "close"));
    }

    #[test]
    fn debug_shows_names_and_values() {
        let headers = Headers::from_iter([("A", "1")]);
        assert_eq!(format!("{headers:?}"), r#"[("A", "1")]"#);
    }
}
