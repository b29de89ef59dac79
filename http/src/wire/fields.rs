//! `RequestFields`: the header fields of one request, read from their layers in place.
//!
//! A request sends three layers of fields: the session's defaults (`User-Agent`,
//! `Accept`, whatever the builder added), the request's own (which replace a default of
//! the same name), and the `Cookie` the jar has for its URL. Merging them into one
//! [`Headers`] would copy every default for every request; this view walks the layers
//! where they are, in the order they are written: the defaults no own field overrides,
//! the own fields, then the cookies.
//!
//! Path: `session/mod.rs` makes one per request (and per redirect) -> `conn.rs` ->
//! `request_head.rs` writes it.

use crate::wire::Headers;

/// The header fields of one request, in three layers.
///
/// # Invariants
/// - `cookie` is `None` when either layer sets `Cookie` itself: a field set by hand wins
///   over the jar, and a request never carries two `Cookie` fields.
#[derive(Clone, Copy, Debug)]
pub struct RequestFields<'a> {
    defaults: &'a Headers,
    own: &'a Headers,
    cookie: Option<&'a str>,
}

/// No defaults, no cookies.
static NO_FIELDS: Headers = Headers::new();

impl<'a> RequestFields<'a> {
    /// The layers of one request; `cookie` is what the jar would send, dropped if either
    /// layer sets `Cookie` itself.
    pub fn new(defaults: &'a Headers, own: &'a Headers, cookie: Option<&'a str>) -> Self {
        let set_by_hand = defaults.contains("cookie") || own.contains("cookie");
        RequestFields {
            defaults,
            own,
            cookie: cookie.filter(|_| !set_by_hand),
        }
    }

    /// A request with only its own fields.
    pub fn only(own: &'a Headers) -> Self {
        RequestFields::new(&NO_FIELDS, own, None)
    }

    /// Every field in the order it is written.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + use<'a> {
        let own = self.own;
        let defaults = self.defaults.iter();
        defaults
            .filter(move |(name, _)| !own.contains(name))
            .chain(own.iter())
            .chain(self.cookie.map(|cookie| ("cookie", cookie.as_bytes())))
    }

    /// The first value of `name` (case-insensitive), as it will be written.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(fields: &[(&str, &str)]) -> Headers {
        fields.iter().copied().collect()
    }

    fn listed(fields: RequestFields<'_>) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(n, v)| (n.to_owned(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|&(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn own_fields_replace_defaults_of_any_case_and_come_after_the_rest() {
        let defaults = headers(&[("user-agent", "ripple"), ("accept", "*/*"), ("x-a", "1")]);
        let own = headers(&[("Accept", "text/html"), ("x-b", "2"), ("X-A", "3")]);
        let fields = RequestFields::new(&defaults, &own, Some("k=v"));
        assert_eq!(
            listed(fields),
            pairs(&[
                ("user-agent", "ripple"),
                ("Accept", "text/html"),
                ("x-b", "2"),
                ("X-A", "3"),
                ("cookie", "k=v"),
            ])
        );
        assert_eq!(fields.get("ACCEPT"), Some(&b"text/html"[..]));
        assert_eq!(fields.get("x-a"), Some(&b"3"[..]));
        assert_eq!(fields.get("host"), None);
    }

    #[test]
    fn a_cookie_set_by_hand_in_either_layer_wins_over_the_jar() {
        let plain = headers(&[("accept", "*/*")]);
        let with_cookie = headers(&[("Cookie", "mine=1")]);
        let by_request = RequestFields::new(&plain, &with_cookie, Some("jar=1"));
        assert_eq!(
            listed(by_request),
            pairs(&[("accept", "*/*"), ("Cookie", "mine=1")])
        );
        let by_session = RequestFields::new(&with_cookie, &plain, Some("jar=1"));
        assert_eq!(
            listed(by_session),
            pairs(&[("Cookie", "mine=1"), ("accept", "*/*")])
        );
    }

    #[test]
    fn repeated_own_fields_are_all_kept_and_only_replaces_nothing() {
        let own = headers(&[("x-tag", "a"), ("x-tag", "b")]);
        let defaults = headers(&[("x-tag", "default")]);
        assert_eq!(
            listed(RequestFields::new(&defaults, &own, None)),
            pairs(&[("x-tag", "a"), ("x-tag", "b")])
        );
        assert_eq!(
            listed(RequestFields::only(&own)),
            pairs(&[("x-tag", "a"), ("x-tag", "b")])
        );
    }
}
