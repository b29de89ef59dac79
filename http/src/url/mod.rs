//! `Url`: an `http` or `https` URL, checked once and kept in canonical form.
//!
//! Parsing follows RFC 3986's shape, `scheme://host[:port][/path][?query][#fragment]`,
//! restricted to what an HTTP/1.1 client can request: the scheme is `http` or `https`
//! (any case), the host is a DNS name, a dotted-quad IPv4 address or a bracketed IPv6
//! address, the port is 1-65535. [`Url::join`] (`join.rs`) resolves a redirect's
//! `Location` against a base URL.
//!
//! The rules it keeps:
//! - Nothing is silently rewritten except to a canonical form: the scheme and the host are
//!   lowercased, an IPv6 address is written the way `std` writes it, a default port is
//!   dropped, an empty path becomes `/`, and the fragment (never sent) is dropped.
//!   Percent-escapes are kept as given, neither decoded nor added.
//! - Bytes that cannot go on the wire as they are (a space, a control character, anything
//!   non-ASCII) are an error, not quietly percent-encoded: the caller sees what was wrong.
//! - Credentials (`user:password@host`) are rejected rather than ignored, so that a password
//!   never leaks into a log line or a `Host` header, and nobody thinks it was sent.
//! - Every failure is [`Error::InvalidUrl`] with a reason; no input panics.
//!
//! Path: `request.rs` parses the caller's URL here -> `pool/` keys connections by
//! `(scheme, host, port)` -> `wire/request_head.rs` writes `path_and_query()` and `authority()`.

mod join;

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The longest DNS name (RFC 1035 section 2.3.4, without the trailing dot).
const MAX_HOST_NAME: usize = 253;
/// The longest label of a DNS name.
const MAX_LABEL: usize = 63;

/// An absolute `http` or `https` URL, ready to be requested.
///
/// # Invariants
/// - `text` is canonical: `parse(text)` gives back this same value, so two `Url`s are
///   equal exactly when they request the same resource the same way.
/// - `text[host]` is the host without brackets; `text[path_start..]` starts with `/`;
///   `text[scheme_len + 3..path_start]` is the authority.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Url {
    text: String,
    https: bool,
    host: Range<usize>,
    path_start: usize,
    port: u16,
}

impl Url {
    /// Parses an absolute `http://` or `https://` URL.
    ///
    /// ```
    /// # use ripple_http::url::Url;
    /// let url = Url::parse("HTTP://Example.com:8080/a?b#c").unwrap();
    /// assert_eq!(url.as_str(), "http://example.com:8080/a?b");
    /// assert_eq!(url.authority(), "example.com:8080");
    /// assert!(Url::parse("python://example.com").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Url> {
        let bad = |reason: String| Error::invalid_url(input, reason);
        if input.is_empty() {
            return Err(bad("the URL is empty".into()));
        }
        check_characters(input).map_err(bad)?;

        let (scheme, rest) = split_scheme(input).map_err(bad)?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            _ => {
                return Err(bad(format!(
                    "unsupported scheme {scheme:?} (only http and https)"
                )));
            }
        };
        let Some(rest) = rest.strip_prefix("//") else {
            return Err(bad(format!("expected \"//\" after \"{scheme}:\"")));
        };

        // The fragment is for the browser; it is never sent.
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(authority_end);
        let (host, port) = parse_authority(authority).map_err(bad)?;
        let default_port = if https { 443 } else { 80 };
        let port = port.unwrap_or(default_port);

        // Build the canonical text: `scheme://host[:port]/path?query`.
        let scheme = if https { "https" } else { "http" };
        let mut text = String::with_capacity(input.len() + 2);
        text.push_str(scheme);
        text.push_str("://");
        let host_start = text.len() + usize::from(host.is_ipv6());
        // `write!` into the text itself: no temporary string per URL. Writing to a
        // `String` cannot fail.
        let _ = match &host {
            Host::Name(name) => write!(text, "{name}"),
            Host::V4(ip) => write!(text, "{ip}"),
            Host::V6(ip) => write!(text, "[{ip}]"),
        };
        let host_end = text.len() - usize::from(host.is_ipv6());
        if port != default_port {
            let _ = write!(text, ":{port}");
        }
        let path_start = text.len();
        if !path_and_query.starts_with('/') {
            text.push('/');
        }
        text.push_str(path_and_query);

        Ok(Url {
            text,
            https,
            host: host_start..host_end,
            path_start,
            port,
        })
    }

    /// The scheme: `"http"` or `"https"`.
    pub fn scheme(&self) -> &str {
        if self.https { "https" } else { "http" }
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host, lowercased, without the brackets of an IPv6 address.
    pub fn host(&self) -> &str {
        &self.text[self.host.clone()]
    }

    /// The host as an IP address, if it is one (then no DNS lookup is needed).
    pub fn host_ip(&self) -> Option<IpAddr> {
        self.host().parse().ok()
    }

    /// The port: the one given, or 80 for `http` and 443 for `https`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What goes in the `Host` header: the host (bracketed if IPv6), and `:port` only if
    /// the port is not the scheme's default.
    pub fn authority(&self) -> &str {
        &self.text[self.scheme().len() + 3..self.path_start]
    }

    /// The request target: the path and, if any, `?` and the query. Starts with `/`.
    pub fn path_and_query(&self) -> &str {
        &self.text[self.path_start..]
    }

    /// The path, without the query. Starts with `/`.
    pub fn path(&self) -> &str {
        let path_and_query = self.path_and_query();
        let end = path_and_query.find('?').unwrap_or(path_and_query.len());
        &path_and_query[..end]
    }

    /// The query, without its `?`, if the URL has one (possibly empty).
    pub fn query(&self) -> Option<&str> {
        self.path_and_query()
            .find('?')
            .map(|at| &self.path_and_query()[at + 1..])
    }

    /// The whole URL in canonical form.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `?query`, or `""` if there is no query.
    fn query_with_mark(&self) -> &str {
        let path_and_query = self.path_and_query();
        &path_and_query[path_and_query.find('?').unwrap_or(path_and_query.len())..]
    }
}

impl FromStr for Url {
    type Err = Error;

    fn from_str(input: &str) -> Result<Url> {
        Url::parse(input)
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Url({:?})", self.text)
    }
}

/// The three kinds of host, once checked.
enum Host {
    /// A DNS name, lowercased.
    Name(String),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Host {
    fn is_ipv6(&self) -> bool {
        matches!(self, Host::V6(_))
    }
}

/// Rejects what cannot be sent as it is: spaces, control characters, non-ASCII.
fn check_characters(input: &str) -> Result<(), String> {
    for c in input.chars() {
        if c == ' ' {
            return Err("contains a space (percent-encode it as %20)".into());
        }
        if c.is_control() {
            return Err(format!(
                "contains the control character U+{:04X}",
                u32::from(c)
            ));
        }
        if !c.is_ascii() {
            return Err(format!(
                "contains the non-ASCII character {c:?} (percent-encode it, or use the \
                 xn-- form of a host name)"
            ));
        }
    }
    Ok(())
}

/// Splits `scheme:rest`, checking that there is a scheme at all.
fn split_scheme(input: &str) -> Result<(&str, &str), String> {
    if !has_scheme(input) {
        return Err("no scheme (expected http:// or https://)".into());
    }
    let colon = input.find(':').unwrap_or_default();
    Ok((&input[..colon], &input[colon + 1..]))
}

/// Whether `reference` starts with an RFC 3986 scheme:
/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`.
fn has_scheme(reference: &str) -> bool {
    let Some(colon) = reference.find(':') else {
        return false;
    };
    let scheme = &reference.as_bytes()[..colon];
    scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Parses `host[:port]` or `[ipv6][:port]`. The port is `None` when absent or empty
/// (`host:`, which RFC 3986 section 6.2.3 says means the default).
fn parse_authority(authority: &str) -> Result<(Host, Option<u16>), String> {
    if authority.contains('@') {
        return Err("credentials (user:password@) in URLs are not supported".into());
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some(close) = bracketed.find(']') else {
            return Err("an IPv6 address is missing its closing ']'".into());
        };
        let after = &bracketed[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return Err(format!("unexpected {after:?} after the IPv6 address")),
        };
        let inner = &bracketed[..close];
        let ip = Ipv6Addr::from_str(inner)
            .map_err(|_| format!("{inner:?} is not a valid IPv6 address"))?;
        (Host::V6(ip), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        (parse_host(host)?, port)
    };
    let port = match port {
        None | Some("") => None,
        Some(port) => Some(parse_port(port)?),
    };
    Ok((host, port))
}

/// Checks a host that is not bracketed: an IPv4 address or a DNS name.
fn parse_host(host: &str) -> Result<Host, String> {
    if host.is_empty() {
        return Err("no host".into());
    }
    let host = host.to_ascii_lowercase();
    // A name whose last label is all digits would be an IPv4 address: no top-level
    // domain is numeric (RFC 3696 section 2), so `1.2.3` or `256.1.1.1` is a typo.
    let last_label = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    if !last_label.is_empty() && last_label.bytes().all(|b| b.is_ascii_digit()) {
        return match Ipv4Addr::from_str(&host) {
            Ok(ip) => Ok(Host::V4(ip)),
            Err(_) => Err(format!("{host:?} is not a valid IPv4 address")),
        };
    }
    if host.len() > MAX_HOST_NAME + usize::from(host.ends_with('.')) {
        return Err(format!(
            "the host name is longer than {MAX_HOST_NAME} bytes"
        ));
    }
    // One trailing dot (a fully qualified name) is allowed; empty labels are not.
    for label in host.strip_suffix('.').unwrap_or(&host).split('.') {
        if label.is_empty() {
            return Err(format!("the host {host:?} has an empty label"));
        }
        if label.len() > MAX_LABEL {
            return Err(format!(
                "a label of {host:?} is longer than {MAX_LABEL} bytes"
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return Err(format!("{c:?} is not allowed in a host name"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("a label of {host:?} starts or ends with '-'"));
        }
    }
    Ok(Host::Name(host))
}

/// Checks a port: decimal digits, 1-65535.
fn parse_port(port: &str) -> Result<u16, String> {
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the port {port:?} is not a number"));
    }
    let digits = port.trim_start_matches('0');
    match u16::from_str(digits) {
        _ if digits.is_empty() => Err("port 0 cannot be connected to".into()),
        Ok(port) => Ok(port),
        Err(_) => Err(format!("the port {port} is out of range (1-65535)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn reason(s: &str) -> String {
        match Url::parse(s) {
            Err(Error::InvalidUrl { url, reason }) => {
                assert_eq!(url, s, "the error keeps the URL as given");
                reason
            }
            other => panic!("{s:?} should be InvalidUrl, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_url_has_its_parts() {
        let u = url("http://example.com/index.html?q=1");
        assert_eq!(u.scheme(), "http");
        assert!(!u.is_https());
        assert_eq!(u.host(), "example.com");
        assert_eq!(u.port(), 80);
        assert_eq!(u.authority(), "example.com");
        assert_eq!(u.path_and_query(), "/index.html?q=1");
        assert_eq!(u.path(), "/index.html");
        assert_eq!(u.query(), Some("q=1"));
        assert_eq!(u.as_str(), "http://example.com/index.html?q=1");
        assert_eq!(u.to_string(), u.as_str());
        assert_eq!(u.host_ip(), None);
    }

    #[test]
    fn scheme_and_host_are_lowercased_and_the_default_port_dropped() {
        let u = url("HTTPS://WWW.Example.COM:443");
        assert!(u.is_https());
        assert_eq!(u.host(), "www.example.com");
        assert_eq!(u.port(), 443);
        assert_eq!(u.as_str(), "https://www.example.com/");
        assert_eq!(u, url("https://www.example.com/"));
        assert_eq!(url("http://a:0080/").as_str(), "http://a/");
        assert_eq!(url("http://a:/").as_str(), "http://a/");
    }

    #[test]
    fn a_non_default_port_is_kept_in_the_authority() {
        let u = url("https://example.com:8443/x");
        assert_eq!(u.port(), 8443);
        assert_eq!(u.authority(), "example.com:8443");
        assert_eq!(
            url("http://example.com:443/").authority(),
            "example.com:443"
        );
        assert_eq!(url("http://h:65535").port(), 65535);
        assert_eq!(url("http://h:1").port(), 1);
    }

    #[test]
    fn ip_hosts_are_recognised_and_ipv6_is_bracketed_only_in_the_authority() {
        let u = url("http://127.0.0.1:8080/");
        assert_eq!(u.host(), "127.0.0.1");
        assert_eq!(u.host_ip(), Some(IpAddr::from([127, 0, 0, 1])));
        let u = url("http://[::1]:8080/a");
        assert_eq!(u.host(), "::1");
        assert_eq!(u.authority(), "[::1]:8080");
        assert_eq!(u.host_ip(), Some(IpAddr::from(Ipv6Addr::LOCALHOST)));
        let u = url("https://[2001:DB8:0:0::1]");
        assert_eq!(u.host(), "2001:db8::1");
        assert_eq!(u.authority(), "[2001:db8::1]");
        assert_eq!(u.as_str(), "https://[2001:db8::1]/");
    }

    #[test]
    fn path_defaults_to_slash_and_the_fragment_is_dropped() {
        assert_eq!(url("http://a").path_and_query(), "/");
        assert_eq!(url("http://a?x=1").path_and_query(), "/?x=1");
        assert_eq!(url("http://a/b#frag").as_str(), "http://a/b");
        assert_eq!(url("http://a#frag").as_str(), "http://a/");
        assert_eq!(url("http://a/?").query(), Some(""));
        assert_eq!(url("http://a/").query(), None);
    }

    #[test]
    fn percent_escapes_and_odd_ascii_are_kept_as_given() {
        let u = url("http://a/%7Euser/a%20b?x=%zz&y=[1]|{2}");
        assert_eq!(u.path_and_query(), "/%7Euser/a%20b?x=%zz&y=[1]|{2}");
        assert_eq!(url("http://a/b@c:d").path(), "/b@c:d");
    }

    #[test]
    fn dns_names_allow_digits_hyphens_underscores_and_a_trailing_dot() {
        assert_eq!(
            url("http://my-host_1.example.com./").host(),
            "my-host_1.example.com."
        );
        assert_eq!(url("http://localhost:3000").host(), "localhost");
        assert_eq!(url("http://3com.com").host(), "3com.com");
    }

    #[test]
    fn wrong_schemes_are_invalid() {
        assert!(reason("python://example.com").contains("unsupported scheme \"python\""));
        assert!(reason("ftp://example.com").contains("unsupported scheme"));
        assert!(reason("example.com").contains("no scheme"));
        assert!(reason("//example.com").contains("no scheme"));
        assert!(reason("http:example.com").contains("expected \"//\""));
        assert!(reason("http:/example.com").contains("expected \"//\""));
    }

    #[test]
    fn missing_hosts_are_invalid() {
        for s in [
            "http://",
            "http:///path",
            "http://:80/",
            "https://?q",
            "http://#x",
        ] {
            assert!(reason(s).contains("no host"), "{s}");
        }
    }

    #[test]
    fn bad_ports_are_invalid() {
        assert!(reason("http://host:99999/").contains("out of range"));
        assert!(reason("http://host:65536/").contains("out of range"));
        assert!(reason("http://host:0/").contains("port 0"));
        assert!(reason("http://host:000/").contains("port 0"));
        assert!(reason("http://host:8o/").contains("not a number"));
        assert!(reason("http://host:-1/").contains("not a number"));
        assert!(reason("http://host:1:2/").contains("not a number"));
        assert!(reason("http://host:999999999999999999999/").contains("out of range"));
        assert!(reason("http://[::1]:x/").contains("not a number"));
    }

    #[test]
    fn bad_hosts_are_invalid() {
        assert!(reason("http://exa mple.com/").contains("space"));
        assert!(reason("http://a..b/").contains("empty label"));
        assert!(reason("http://.a/").contains("empty label"));
        assert!(reason("http://a!b/").contains("'!'"));
        assert!(reason("http://a%41/").contains("'%'"));
        assert!(reason("http://-a.com/").contains("'-'"));
        assert!(reason("http://a-.com/").contains("'-'"));
        assert!(reason("http://256.1.1.1/").contains("not a valid IPv4"));
        assert!(reason("http://1.2.3/").contains("not a valid IPv4"));
        assert!(reason("http://01.2.3.4/").contains("not a valid IPv4"));
        assert!(reason("http://[::1/").contains("closing ']'"));
        assert!(reason("http://[::g]/").contains("not a valid IPv6"));
        assert!(reason("http://[1.2.3.4]/").contains("not a valid IPv6"));
        assert!(reason("http://[::1]x/").contains("after the IPv6"));
        assert!(reason("http://[fe80::1%25eth0]/").contains("not a valid IPv6"));
        assert!(reason(&format!("http://{}/", "a".repeat(64))).contains("longer than 63"));
        let long = vec!["abcdefghi"; 26].join(".");
        assert!(reason(&format!("http://{long}/")).contains("longer than 253"));
        assert!(reason("http://bücher.de/").contains("non-ASCII"));
    }

    #[test]
    fn credentials_are_rejected_not_ignored() {
        assert!(reason("http://user:pw@example.com/").contains("credentials"));
        assert!(reason("http://@example.com/").contains("credentials"));
    }

    #[test]
    fn spaces_and_control_characters_are_invalid_anywhere() {
        assert!(reason("").contains("empty"));
        assert!(reason(" http://a/").contains("space"));
        assert!(reason("http://a/ ").contains("space"));
        assert!(reason("http://a/b c").contains("space"));
        assert!(reason("http://a/\r\nHost: evil").contains("U+000D"));
        assert!(reason("http://a/\0").contains("U+0000"));
        assert!(reason("http://a/\x7f").contains("U+007F"));
        assert!(reason("http://a/\t").contains("U+0009"));
        assert!(reason("http://a/é").contains("non-ASCII"));
    }

    #[test]
    fn from_str_and_debug() {
        let u: Url = "http://a/b".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{u:?}"), "Url(\"http://a/b\")");
        assert!("nope".parse::<Url>().is_err());
    }

    #[test]
    fn canonical_text_parses_back_to_the_same_url() {
        for s in [
            "HTTP://A:80",
            "http://[0:0::1]:8080/x?y#z",
            "https://h./a/../b",
            "http://1.2.3.4:443",
        ] {
            let u = url(s);
            assert_eq!(url(u.as_str()), u, "{s}");
        }
    }
}
