//! `RequestSpec`: the one request every URL of a run gets (method, headers, body).
//!
//! The method follows curl's rules: `-X` wins, then `-I` (HEAD), then `-d` (POST), else
//! GET. A `-H` value is `Name: value`; the name must be an HTTP token, and the client
//! itself refuses CR, LF and NUL in a value (header injection) when the request is sent.
//!
//! Path: `setup.rs` builds one -> `single.rs` and `list.rs` call [`RequestSpec::build`]
//! for each URL -> `ripple_http::RequestBuilder::send`.

use ripple_http::{RequestBuilder, Session};

/// What is sent to every URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec {
    /// `GET`, `HEAD`, `POST`, ...
    pub method: String,
    /// `-H` headers, in order.
    pub headers: Vec<(String, String)>,
    /// `-d` or `--data-file`.
    pub body: Option<Vec<u8>>,
}

impl RequestSpec {
    /// Picks the method as curl does: `-X`, else `-I` (HEAD), else `-d` (POST), else GET.
    pub fn new(
        explicit_method: Option<&str>,
        head: bool,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
    ) -> RequestSpec {
        let method = match (explicit_method, head, &body) {
            (Some(method), _, _) => method.to_ascii_uppercase(),
            (None, true, _) => "HEAD".to_owned(),
            (None, false, Some(_)) => "POST".to_owned(),
            (None, false, None) => "GET".to_owned(),
        };
        RequestSpec {
            method,
            headers,
            body,
        }
    }

    /// The request for `url` on `session`, ready to `send()`.
    pub fn build<'s>(&self, session: &'s Session, url: &str) -> RequestBuilder<'s> {
        let mut request = session.request(&self.method, url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        request
    }
}

/// Splits a `-H 'Name: value'` argument.
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("header {text:?} has no ':' (expected 'Name: value')"))?;
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(is_token) {
        return Err(format!("header name {name:?} is not a valid HTTP token"));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_method_follows_curls_precedence() {
        let post = RequestSpec::new(None, false, vec![], Some(b"x".to_vec()));
        assert_eq!(post.method, "POST");
        assert_eq!(RequestSpec::new(None, true, vec![], None).method, "HEAD");
        assert_eq!(
            RequestSpec::new(Some("put"), false, vec![], None).method,
            "PUT"
        );
        assert_eq!(RequestSpec::new(None, false, vec![], None).method, "GET");
    }

    #[test]
    fn headers_split_at_the_first_colon_and_names_are_tokens() {
        assert_eq!(
            parse_header("X-Time: 12:30 "),
            Ok(("X-Time".into(), "12:30".into()))
        );
        assert_eq!(parse_header("Empty:"), Ok(("Empty".into(), String::new())));
        assert!(parse_header("no colon").is_err());
        assert!(parse_header(": value").is_err());
        assert!(parse_header("Bad Name: v").is_err());
    }
}
