//! Resolving a reference against a base URL: where a redirect's `Location` points.
//!
//! RFC 3986 section 5.2: a reference may be absolute (`https://other/x`), scheme-relative
//! (`//other/x`), an absolute path (`/x`), a relative path (`x`, `../x`), a query (`?q`)
//! or empty. The base supplies what the reference leaves out, `.` and `..` segments are
//! resolved (section 5.2.4), and the result is checked like any parsed URL.
//!
//! Path: `request.rs`'s redirect loop calls [`Url::join`] -> `Url::parse` in `mod.rs`.

use super::{Url, has_scheme};
use crate::error::{Error, Result};

impl Url {
    /// Resolves a redirect's `Location` against this URL (RFC 3986 section 5.2).
    ///
    /// `location` may be absolute (`https://other/x`), scheme-relative (`//other/x`), an
    /// absolute path (`/x`), a relative path (`x`, `../x`), a query (`?q`) or empty (this
    /// URL itself). A fragment is dropped. The result is checked like [`Url::parse`].
    pub fn join(&self, location: &str) -> Result<Url> {
        let reference = location.split('#').next().unwrap_or_default();
        let reparse = |text: &str| {
            Url::parse(text).map_err(|error| match error {
                Error::InvalidUrl { reason, .. } => Error::invalid_url(location, reason),
                other => other,
            })
        };
        if has_scheme(reference) {
            return Url::parse(location);
        }
        if reference.starts_with("//") {
            return reparse(&format!("{}:{reference}", self.scheme()));
        }

        let (ref_path, ref_query) = match reference.find('?') {
            Some(at) => (&reference[..at], Some(&reference[at..])),
            None => (reference, None),
        };
        let path = if ref_path.is_empty() {
            self.path().to_owned()
        } else if ref_path.starts_with('/') {
            remove_dot_segments(ref_path)
        } else {
            // Merge: everything of the base path up to its last `/`, then the reference.
            let base = self.path();
            let directory = &base[..base.rfind('/').map_or(0, |slash| slash + 1)];
            remove_dot_segments(&format!("{directory}{ref_path}"))
        };
        let query = match ref_query {
            Some(query) => query,
            None if ref_path.is_empty() => self.query_with_mark(),
            None => "",
        };
        reparse(&format!(
            "{}://{}{path}{query}",
            self.scheme(),
            self.authority()
        ))
    }
}

/// RFC 3986 section 5.2.4: resolves `.` and `..` segments of an absolute path.
///
/// A `..` above the root stays at the root; a path ending in `.` or `..` keeps its
/// trailing `/` (`/a/b/..` is `/a/`).
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                out.pop();
            }
            segment => {
                out.push(segment);
                continue;
            }
        }
        if last {
            out.push("");
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn join_follows_rfc_3986_examples() {
        // RFC 3986 section 5.4.1, adapted to http (no `g:h`, no fragments kept).
        let base = url("http://a/b/c/d;p?q");
        let cases = [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("g#s", "http://a/b/c/g"),
            ("g?y#s", "http://a/b/c/g?y"),
            (";x", "http://a/b/c/;x"),
            ("g;x", "http://a/b/c/g;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../", "http://a/"),
            ("../../g", "http://a/g"),
            // Abnormal examples, section 5.4.2.
            ("../../../g", "http://a/g"),
            ("../../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            (".g", "http://a/b/c/.g"),
            ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("g?y/./x", "http://a/b/c/g?y/./x"),
        ];
        for (reference, expected) in cases {
            let joined = base
                .join(reference)
                .unwrap_or_else(|e| panic!("{reference}: {e}"));
            assert_eq!(joined.as_str(), expected, "joining {reference:?}");
        }
    }

    #[test]
    fn join_handles_absolute_and_scheme_relative_locations() {
        let base = url("https://a.com:8443/x/y?z");
        assert_eq!(
            base.join("http://b.com/q").map(|u| u.to_string()).ok(),
            Some("http://b.com/q".into())
        );
        assert_eq!(
            base.join("//b.com/q").map(|u| u.to_string()).ok(),
            Some("https://b.com/q".into())
        );
        assert_eq!(
            base.join("/q").map(|u| u.to_string()).ok(),
            Some("https://a.com:8443/q".into())
        );
        assert_eq!(
            base.join("HTTPS://B.com").map(|u| u.to_string()).ok(),
            Some("https://b.com/".into())
        );
        let ipv6 = url("http://[::1]:9/a/b");
        assert_eq!(
            ipv6.join("c").map(|u| u.to_string()).ok(),
            Some("http://[::1]:9/a/c".into())
        );
    }

    #[test]
    fn join_rejects_bad_locations_naming_the_location() {
        let base = url("http://a/b");
        for location in [
            "python://x/",
            "//",
            "///x",
            "x y",
            "/\r\nSet-Cookie: a=b",
            "mailto:a@b",
        ] {
            match base.join(location) {
                Err(Error::InvalidUrl { url, .. }) => assert_eq!(url, location),
                other => panic!("{location:?}: {other:?}"),
            }
        }
    }
}
