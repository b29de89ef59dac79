//! Property tests of `Url`: no input panics, and the canonical text parses back to itself.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use ripple_http::Error;
use ripple_http::url::Url;

/// A valid DNS name: 1-4 labels of letters, digits, `-` and `_`, not starting or ending
/// with `-`, with a non-numeric last label, in mixed case.
fn dns_name() -> impl Strategy<Value = String> {
    let label = "[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,10}[a-zA-Z0-9_])?";
    (
        prop::collection::vec(label, 0..3),
        "[a-zA-Z][a-zA-Z0-9]{0,5}",
    )
        .prop_map(|(mut labels, top)| {
            labels.push(top);
            labels.join(".")
        })
}

/// A host as written in a URL, and as `host()` should give it back.
fn host() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        dns_name().prop_map(|name| (name.clone(), name.to_ascii_lowercase())),
        any::<[u8; 4]>().prop_map(|b| {
            let ip = Ipv4Addr::from(b);
            (ip.to_string(), ip.to_string())
        }),
        any::<[u16; 8]>().prop_map(|s| {
            let ip = Ipv6Addr::from(s);
            (format!("[{ip}]"), ip.to_string())
        }),
    ]
}

/// Printable ASCII that may appear in a path or query as given (no space, `#` or `?`).
const PATH_CHARS: &str = "[a-zA-Z0-9/._~%!$&'()*+,;=:@-]{0,20}";

prop_compose! {
    /// A valid URL, with what `scheme()`, `host()`, `port()` should say about it.
    fn valid_url()(
        scheme in prop::sample::select(vec!["http", "https", "HTTP", "Https"]),
        (host, expected_host) in host(),
        port in prop::option::of(1u16..=65535),
        path in prop::option::of(PATH_CHARS.prop_map(|p| format!("/{p}"))),
        query in prop::option::of(PATH_CHARS),
        fragment in prop::option::of("[a-z ?#]{0,5}"),
    ) -> (String, String, u16) {
        let mut text = format!("{scheme}://{host}");
        if let Some(port) = port {
            text.push_str(&format!(":{port}"));
        }
        text.push_str(path.as_deref().unwrap_or(""));
        if let Some(query) = query {
            text.push('?');
            text.push_str(&query);
        }
        if let Some(fragment) = fragment {
            // A fragment's own characters are checked too, so keep them sendable.
            text.push('#');
            text.push_str(&fragment.replace(' ', "_"));
        }
        let https = scheme.eq_ignore_ascii_case("https");
        (text, expected_host, port.unwrap_or(if https { 443 } else { 80 }))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        if let Err(error) = Url::parse(&input) {
            prop_assert!(matches!(error, Error::InvalidUrl { .. }), "{}", error);
        }
    }

    #[test]
    fn url_shaped_strings_never_panic(input in "[hH][tT]{2}[pP][sS]?:/{0,3}[a-z0-9.:\\[\\]@%/?#-]{0,30}") {
        if let Ok(url) = Url::parse(&input) {
            prop_assert_eq!(Url::parse(url.as_str()).ok(), Some(url));
        }
    }

    #[test]
    fn valid_urls_parse_and_their_text_parses_back_to_them((text, host, port) in valid_url()) {
        let url = Url::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(url.host(), host.as_str());
        prop_assert_eq!(url.port(), port);
        prop_assert!(url.path_and_query().starts_with('/'));
        prop_assert!(!url.as_str().contains('#'));
        let again = Url::parse(&url.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&again, &url);
        prop_assert_eq!(again.as_str(), url.as_str());
    }

    #[test]
    fn join_never_panics_and_gives_canonical_urls(
        (base, _, _) in valid_url(),
        location in prop_oneof![any::<String>(), "[a-z./?#]{0,12}", "(\\.\\./|\\./|[a-z]/){0,6}[a-z]?"],
    ) {
        let base = Url::parse(&base).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match base.join(&location) {
            Ok(joined) => {
                prop_assert_eq!(Url::parse(joined.as_str()).ok(), Some(joined.clone()));
            }
            Err(error) => prop_assert!(matches!(error, Error::InvalidUrl { .. }), "{}", error),
        }
    }
}
