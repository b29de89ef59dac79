//! `CookieJar`: remembers what `Set-Cookie` said and sends it back where it belongs.
//!
//! This is RFC 6265's storage model (sections 5.2 and 5.3) without I/O and without a
//! clock of its own: the caller passes `now`, so tests (and the paused clock) decide the
//! time. [`CookieJar::store`] parses one `Set-Cookie` value against the URL that sent it;
//! [`CookieJar::header_for`] builds the `Cookie` value for a URL: the cookies whose domain,
//! path and `Secure` flag match and which have not expired, longer paths first.
//!
//! Where RFC 6265 leaves a choice (or a later draft, 6265bis, made one):
//! - `Max-Age` wins over `Expires`; `Max-Age` of 0 or less, or an `Expires` in the past,
//!   deletes the cookie. Dates are read with the RFC's own forgiving algorithm (section
//!   5.1.1, in `date.rs`), which takes IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC
//!   850 (`Sunday, 06-Nov-94 08:49:37 GMT`), asctime (`Sun Nov  6 08:49:37 1994`) and the
//!   usual variants. An unreadable date is ignored, as the RFC says.
//! - There is no public-suffix list. As a stand-in, a `Domain` attribute must
//!   domain-match the request host and contain a dot (so `Domain=com` is refused); a
//!   `Domain` equal to the host (an IP address, `localhost`) makes a host-only cookie. A
//!   `Domain` that does not match refuses the whole cookie.
//! - A `Secure` cookie sent over plain `http` is refused (6265bis), so a network attacker
//!   cannot plant one. `HttpOnly` is accepted and has no effect (there is no script
//!   here); `SameSite` is ignored (there is no cross-site context).
//! - Cookies with control characters, or a name and value over 4096 bytes, are refused;
//!   the jar keeps at most 50 cookies per domain and 3000 in all, evicting the oldest
//!   (expired ones first), so a server cannot grow it without bound.
//!
//! Path: `session/mod.rs` calls `store` for each `Set-Cookie` of a response and
//! `header_for` before each request; `date.rs` reads `Expires`.

use std::time::{Duration, SystemTime};

use crate::url::Url;
use crate::wire::Headers;

mod date;

use date::parse_cookie_date;

/// The most bytes of name and value together (RFC 6265 section 6.1's minimum).
const MAX_COOKIE_BYTES: usize = 4096;
/// The most cookies per domain (RFC 6265 section 6.1's minimum).
const MAX_PER_DOMAIN: usize = 50;
/// The most cookies in a jar (RFC 6265 section 6.1's minimum).
const MAX_COOKIES: usize = 3000;

/// A set of cookies, as a browser keeps them.
///
/// # Invariants
/// - No two cookies have the same (name, domain, path): `store` replaces.
/// - No cookie has expired as of the last `store` call's `now` (expired ones are deleted
///   when seen); `header_for` still checks, since its `now` may be later.
#[derive(Clone, Debug, Default)]
pub struct CookieJar {
    cookies: Vec<Cookie>,
    /// Creation order, so that equal-length paths are sent oldest first.
    next_created: u64,
}

/// One stored cookie (RFC 6265 section 5.3).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cookie {
    name: String,
    value: String,
    /// Lowercase; the request host itself when `host_only`.
    domain: String,
    /// Sent only to exactly `domain`, not to its subdomains.
    host_only: bool,
    path: String,
    /// `None` for a session cookie, kept until the jar is dropped.
    expires: Option<SystemTime>,
    secure: bool,
    created: u64,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> CookieJar {
        CookieJar::default()
    }

    /// Stores (or replaces, or deletes) the cookie of one `Set-Cookie` value received in
    /// the response to `request_url`. A cookie the rules refuse is ignored silently, as a
    /// browser does.
    pub fn store(&mut self, request_url: &Url, set_cookie: &str, now: SystemTime) {
        let Some(cookie) = parse_set_cookie(request_url, set_cookie, now) else {
            return;
        };
        let same = |c: &Cookie| {
            c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path
        };
        let existing = self.cookies.iter().position(same);
        if cookie.expires.is_some_and(|expires| expires <= now) {
            if let Some(at) = existing {
                self.cookies.remove(at);
            }
            return;
        }
        match existing {
            Some(at) => {
                // A replacement keeps the old cookie's place in the sending order.
                let created = self.cookies[at].created;
                self.cookies[at] = Cookie { created, ..cookie };
            }
            None => {
                self.make_room(&cookie.domain, now);
                let created = self.next_created;
                self.next_created += 1;
                self.cookies.push(Cookie { created, ..cookie });
            }
        }
    }

    /// Stores every `Set-Cookie` field of a response (fields that are not UTF-8 are
    /// skipped).
    pub fn store_all(&mut self, request_url: &Url, headers: &Headers, now: SystemTime) {
        for value in headers.get_all("set-cookie") {
            if let Ok(value) = std::str::from_utf8(value) {
                self.store(request_url, value, now);
            }
        }
    }

    /// The `Cookie` header value for a request to `url`, if any cookie applies:
    /// `name=value` pairs joined by `"; "`, longer paths first, then older first.
    pub fn header_for(&self, url: &Url, now: SystemTime) -> Option<String> {
        let host = url.host();
        let mut matching: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| {
                let domain_ok = if c.host_only {
                    c.domain == host
                } else {
                    domain_matches(host, &c.domain)
                };
                domain_ok
                    && path_matches(url.path(), &c.path)
                    && (!c.secure || url.is_https())
                    && c.expires.is_none_or(|expires| expires > now)
            })
            .collect();
        if matching.is_empty() {
            return None;
        }
        matching.sort_by_key(|c| (std::cmp::Reverse(c.path.len()), c.created));
        let pairs: Vec<String> = matching
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        Some(pairs.join("; "))
    }

    /// Deletes the cookies that have expired by `now`.
    pub fn remove_expired(&mut self, now: SystemTime) {
        self.cookies
            .retain(|c| c.expires.is_none_or(|expires| expires > now));
    }

    /// How many cookies are stored.
    pub fn len(&self) -> usize {
        self.cookies.len()
    }

    /// Whether the jar is empty.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// Forgets every cookie.
    pub fn clear(&mut self) {
        self.cookies.clear();
    }

    /// Evicts cookies so that one more for `domain` fits: expired ones first, then the
    /// oldest of that domain, then the oldest of all.
    fn make_room(&mut self, domain: &str, now: SystemTime) {
        let in_domain = self.cookies.iter().filter(|c| c.domain == domain).count();
        if in_domain < MAX_PER_DOMAIN && self.cookies.len() < MAX_COOKIES {
            return;
        }
        self.remove_expired(now);
        let in_domain = self.cookies.iter().filter(|c| c.domain == domain).count();
        let oldest = if in_domain >= MAX_PER_DOMAIN {
            self.cookies
                .iter()
                .enumerate()
                .filter(|(_, c)| c.domain == domain)
                .min_by_key(|(_, c)| c.created)
        } else if self.cookies.len() >= MAX_COOKIES {
            self.cookies
                .iter()
                .enumerate()
                .min_by_key(|(_, c)| c.created)
        } else {
            None
        };
        if let Some((at, _)) = oldest {
            self.cookies.remove(at);
        }
    }
}

/// RFC 6265 sections 5.2 and 5.3: one `Set-Cookie` value into a cookie, or `None` if it
/// is to be ignored. The result may already be expired (that means "delete").
fn parse_set_cookie(url: &Url, set_cookie: &str, now: SystemTime) -> Option<Cookie> {
    let mut parts = set_cookie.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty()
        || name.len() + value.len() > MAX_COOKIE_BYTES
        || name.chars().chain(value.chars()).any(char::is_control)
    {
        return None;
    }

    let mut max_age: Option<Option<SystemTime>> = None;
    let mut expires: Option<SystemTime> = None;
    let mut domain: Option<String> = None;
    let mut path: Option<String> = None;
    let mut secure = false;
    for attribute in parts {
        let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
        let (key, value) = (key.trim(), value.trim());
        // The last occurrence of an attribute wins (section 5.3, step 3).
        match key.to_ascii_lowercase().as_str() {
            "expires" => {
                if let Some(date) = parse_cookie_date(value) {
                    expires = Some(date);
                }
            }
            "max-age" => {
                if let Some(delta) = parse_max_age(value) {
                    max_age = Some(if delta <= 0 {
                        Some(SystemTime::UNIX_EPOCH)
                    } else {
                        // Too far to represent: as good as never.
                        now.checked_add(Duration::from_secs(delta.unsigned_abs()))
                    });
                }
            }
            "domain" if !value.is_empty() => {
                let value = value.strip_prefix('.').unwrap_or(value);
                domain = Some(value.to_ascii_lowercase());
            }
            "path" => {
                path = value.starts_with('/').then(|| value.to_owned());
            }
            "secure" => secure = true,
            // HttpOnly, SameSite and unknown attributes change nothing here.
            _ => {}
        }
    }
    if secure && !url.is_https() {
        return None;
    }

    let host = url.host();
    let (domain, host_only) = match domain {
        None => (host.to_owned(), true),
        Some(domain) if domain == host => (domain, true),
        Some(domain) if domain_matches(host, &domain) && domain.contains('.') => (domain, false),
        Some(_) => return None,
    };
    Some(Cookie {
        name: name.to_owned(),
        value: value.to_owned(),
        domain,
        host_only,
        path: path.unwrap_or_else(|| default_path(url.path())),
        expires: max_age.unwrap_or(expires),
        secure,
        created: 0,
    })
}

/// `Max-Age`: an optional `-` and digits (section 5.2.2); huge values saturate.
fn parse_max_age(value: &str) -> Option<i64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX);
    Some(if value.starts_with('-') {
        -magnitude
    } else {
        magnitude
    })
}

/// Section 5.1.3: `host` is `domain`, or ends with `.domain` and is not an IP address.
fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
            && host.parse::<std::net::IpAddr>().is_err())
}

/// Section 5.1.4: the directory of the request path (`/a/b` -> `/a`, `/a` -> `/`).
fn default_path(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(last) => path[..last].to_owned(),
    }
}

/// Section 5.1.4: `cookie_path` is `path`, or a prefix of it that ends at a `/`.
fn path_matches(path: &str, cookie_path: &str) -> bool {
    path == cookie_path
        || (path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || path.as_bytes()[cookie_path.len()] == b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// 2015-10-21 07:28:00 UTC, a fixed "now".
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480)
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn jar_with(request: &str, set_cookies: &[&str]) -> CookieJar {
        let mut jar = CookieJar::new();
        for set_cookie in set_cookies {
            jar.store(&url(request), set_cookie, now());
        }
        jar
    }

    fn sent(jar: &CookieJar, to: &str) -> Option<String> {
        jar.header_for(&url(to), now())
    }

    #[test]
    fn a_cookie_goes_back_to_the_host_that_set_it_only() {
        let jar = jar_with(
            "http://example.com/",
            &["sid=abc123; HttpOnly; SameSite=Lax"],
        );
        assert_eq!(
            sent(&jar, "http://example.com/any/path").as_deref(),
            Some("sid=abc123")
        );
        assert_eq!(sent(&jar, "http://www.example.com/"), None, "host-only");
        assert_eq!(sent(&jar, "http://other.com/"), None);
        assert_eq!(
            sent(&jar, "http://example.com:8080/").as_deref(),
            Some("sid=abc123"),
            "ports are not part of it"
        );
    }

    #[test]
    fn a_domain_cookie_goes_to_subdomains_too() {
        let jar = jar_with("http://www.example.com/", &["a=1; Domain=.Example.COM"]);
        for to in [
            "http://example.com/",
            "http://www.example.com/",
            "http://x.y.example.com/",
        ] {
            assert_eq!(sent(&jar, to).as_deref(), Some("a=1"), "{to}");
        }
        assert_eq!(sent(&jar, "http://badexample.com/"), None);
    }

    #[test]
    fn a_domain_that_does_not_match_or_has_no_dot_refuses_the_cookie() {
        assert!(jar_with("http://www.example.com/", &["a=1; Domain=other.com"]).is_empty());
        assert!(
            jar_with(
                "http://www.example.com/",
                &["a=1; Domain=www.example.com.evil"]
            )
            .is_empty()
        );
        assert!(jar_with("http://example.com/", &["a=1; Domain=www.example.com"]).is_empty());
        assert!(jar_with("http://example.com/", &["a=1; Domain=com"]).is_empty());
        assert!(jar_with("http://127.0.0.1/", &["a=1; Domain=0.0.1"]).is_empty());
        // Equal to the host: fine, and host-only.
        let jar = jar_with("http://127.0.0.1:9/", &["a=1; Domain=127.0.0.1"]);
        assert_eq!(sent(&jar, "http://127.0.0.1/").as_deref(), Some("a=1"));
        let jar = jar_with("http://localhost/", &["a=1; Domain=localhost"]);
        assert_eq!(sent(&jar, "http://localhost/").as_deref(), Some("a=1"));
        // An empty Domain is ignored, leaving a host-only cookie.
        let jar = jar_with("http://example.com/", &["a=1; Domain="]);
        assert_eq!(sent(&jar, "http://www.example.com/"), None);
        assert_eq!(sent(&jar, "http://example.com/").as_deref(), Some("a=1"));
    }

    #[test]
    fn the_default_path_is_the_request_directory() {
        assert_eq!(default_path("/"), "/");
        assert_eq!(default_path("/a"), "/");
        assert_eq!(default_path("/a/b"), "/a");
        assert_eq!(default_path("/a/b/"), "/a/b");
        let jar = jar_with("http://h/docs/page", &["a=1", "b=2; Path=relative"]);
        assert_eq!(sent(&jar, "http://h/docs").as_deref(), Some("a=1; b=2"));
        assert_eq!(sent(&jar, "http://h/docs/x/y").as_deref(), Some("a=1; b=2"));
        assert_eq!(sent(&jar, "http://h/docsy"), None);
        assert_eq!(sent(&jar, "http://h/"), None);
    }

    #[test]
    fn paths_match_on_segment_boundaries_and_longer_paths_come_first() {
        let jar = jar_with(
            "http://h/",
            &[
                "root=1; Path=/",
                "deep=2; Path=/a/b",
                "mid=3; Path=/a/",
                "other=4; Path=/a",
            ],
        );
        assert_eq!(
            sent(&jar, "http://h/a/b/c?q=1").as_deref(),
            Some("deep=2; mid=3; other=4; root=1")
        );
        assert_eq!(sent(&jar, "http://h/a").as_deref(), Some("other=4; root=1"));
        assert_eq!(sent(&jar, "http://h/ab").as_deref(), Some("root=1"));
        assert!(path_matches("/a/b", "/a/"));
        assert!(!path_matches("/a", "/a/"));
    }

    #[test]
    fn same_name_domain_and_path_replaces_and_keeps_the_order() {
        let jar = jar_with("http://h/", &["a=1", "b=2", "a=3", "a=4; Path=/x"]);
        assert_eq!(jar.len(), 3);
        assert_eq!(sent(&jar, "http://h/").as_deref(), Some("a=3; b=2"));
        assert_eq!(sent(&jar, "http://h/x").as_deref(), Some("a=4; a=3; b=2"));
    }

    #[test]
    fn max_age_sets_expiry_and_wins_over_expires() {
        let mut jar = jar_with(
            "http://h/",
            &[
                "a=1; Max-Age=60",
                "b=2; Expires=Wed, 21 Oct 2015 07:29:00 GMT; Max-Age=3600",
            ],
        );
        let h = url("http://h/");
        assert_eq!(
            jar.header_for(&h, now() + secs(59)).as_deref(),
            Some("a=1; b=2")
        );
        assert_eq!(jar.header_for(&h, now() + secs(60)).as_deref(), Some("b=2"));
        assert_eq!(jar.header_for(&h, now() + secs(3600)), None);
        jar.remove_expired(now() + secs(120));
        assert_eq!(jar.len(), 1);
        // Order does not matter: Max-Age first, Expires later.
        let jar = jar_with(
            "http://h/",
            &["c=3; Max-Age=10; Expires=Thu, 01 Jan 2099 00:00:00 GMT"],
        );
        assert_eq!(jar.header_for(&h, now() + secs(11)), None);
    }

    #[test]
    fn expires_in_the_past_or_max_age_zero_deletes() {
        let mut jar = jar_with("http://h/", &["a=1", "b=2", "c=3"]);
        let h = url("http://h/");
        jar.store(&h, "a=; Max-Age=0", now());
        jar.store(&h, "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", now());
        jar.store(&h, "c=; Max-Age=-1", now());
        assert!(jar.is_empty());
        jar.store(&h, "d=4; Expires=Wed, 21 Oct 2015 07:28:00 GMT", now());
        assert!(jar.is_empty(), "expiring exactly now is expired");
        jar.store(&h, "e=5; Max-Age=abc; Expires=nonsense", now());
        assert_eq!(jar.len(), 1, "bad attributes are ignored: a session cookie");
        jar.store(&h, "f=6; Max-Age=99999999999999999999999", now());
        assert_eq!(
            jar.header_for(&h, now() + secs(1 << 40)).as_deref(),
            Some("e=5; f=6")
        );
    }

    #[test]
    fn secure_cookies_need_https_both_ways() {
        let jar = jar_with("https://h/", &["s=1; Secure", "p=2"]);
        assert_eq!(sent(&jar, "https://h/").as_deref(), Some("s=1; p=2"));
        assert_eq!(sent(&jar, "http://h/").as_deref(), Some("p=2"));
        assert!(jar_with("http://h/", &["s=1; Secure"]).is_empty());
    }

    #[test]
    fn malformed_set_cookie_values_are_ignored() {
        let jar = jar_with(
            "http://h/",
            &[
                "",
                "noequals",
                "=value",
                " ; a=1",
                "a\u{1}=x",
                "b=x\u{7f}y",
                &format!("big={}", "x".repeat(5000)),
            ],
        );
        assert!(jar.is_empty(), "{jar:?}");
        let jar = jar_with(
            "http://h/",
            &["  spaced  =  value with spaces  ; path=/", "empty="],
        );
        assert_eq!(
            sent(&jar, "http://h/").as_deref(),
            Some("spaced=value with spaces; empty=")
        );
    }

    #[test]
    fn store_all_takes_every_set_cookie_field() {
        let headers = Headers::from_iter([
            ("Set-Cookie", "a=1"),
            ("Content-Type", "x"),
            ("set-cookie", "b=2"),
        ]);
        let mut jar = CookieJar::new();
        jar.store_all(&url("http://h/"), &headers, now());
        assert_eq!(sent(&jar, "http://h/").as_deref(), Some("a=1; b=2"));
    }

    #[test]
    fn the_jar_is_bounded_per_domain_and_in_all() {
        let mut jar = CookieJar::new();
        let h = url("http://h/");
        for i in 0..MAX_PER_DOMAIN + 5 {
            jar.store(&h, &format!("c{i}=v"), now());
        }
        assert_eq!(jar.len(), MAX_PER_DOMAIN);
        let header = sent(&jar, "http://h/").unwrap_or_default();
        assert!(
            header.starts_with("c5=v; "),
            "the oldest were evicted: {header}"
        );
        for i in 0..MAX_COOKIES {
            jar.store(
                &url(&format!("http://h{}.test/", i % 100)),
                &format!("n{i}=v"),
                now(),
            );
        }
        assert_eq!(jar.len(), MAX_COOKIES);
    }
}
