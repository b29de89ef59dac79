//! `RequestBuilder`: one request put together, then sent, following redirects.
//!
//! `session.get(url)` returns a builder; `.header()`, `.body()` and `.timeout()` add to it;
//! `.send()` starts the request's deadlines (the total limit covers every redirect), asks
//! the session to run one exchange (`Session::execute`, `session/exchange.rs`), stores the cookies
//! the answer sets, and, for a 301/302/303/307/308 with a `Location`, goes round again on
//! the new URL, at most the session's `max_redirects` times. 301-303 turn the request into
//! a GET without a body, as browsers do; 307 and 308 keep method and body. An
//! `Authorization` header does not follow a redirect to another host.
//!
//! Path: user code -> here -> `session/exchange.rs` (`execute`) -> back here with each response.

use crate::error::{Error, Result};
use crate::response::Response;
use crate::session::Session;
use crate::timeout::{ClientTimeout, RequestDeadlines};
use crate::url::Url;
use crate::wire::Headers;

/// A request being put together; [`send`](Self::send) runs it.
pub struct RequestBuilder<'a> {
    session: &'a Session,
    method: String,
    url: Result<Url>,
    headers: Headers,
    body: Option<Vec<u8>>,
    timeout: Option<ClientTimeout>,
}

impl<'a> RequestBuilder<'a> {
    pub(crate) fn new(session: &'a Session, method: &str, url: &str) -> Self {
        RequestBuilder {
            session,
            method: method.to_ascii_uppercase(),
            url: Url::parse(url),
            headers: Headers::new(),
            body: None,
            timeout: None,
        }
    }

    /// Adds a header (after the session's defaults, replacing a default of the same name).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The request body; its length goes into `Content-Length`.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// This request's time limits, instead of the session's.
    pub fn timeout(mut self, timeout: ClientTimeout) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the request and waits for the response head (following redirects).
    pub async fn send(self) -> Result<Response> {
        let session = self.session;
        let mut url = self.url?;
        let mut method = self.method;
        let mut body = self.body;
        let mut own_headers = self.headers;
        let deadlines = RequestDeadlines::start(self.timeout.unwrap_or(session.config.timeout));
        let mut redirects = 0;
        loop {
            let mut cookie = None;
            let headers = session.fields_for(&url, &own_headers, &mut cookie);
            let response = session
                .execute(&method, &url, &headers, body.as_deref(), &deadlines)
                .await?;
            session.store_cookies(&url, response.headers());
            let Some(location) = redirect_location(&response) else {
                return Ok(response);
            };
            if session.config.max_redirects == 0 {
                return Ok(response);
            }
            let next = url.join(&location)?;
            if redirects == session.config.max_redirects {
                return Err(Error::TooManyRedirects {
                    max: session.config.max_redirects,
                    url: next.to_string(),
                });
            }
            redirects += 1;
            if matches!(response.status(), 301..=303) && method != "HEAD" {
                // What browsers do, and RFC 9110 allows for 301/302: the next request is a
                // GET without the body. 307 and 308 keep both.
                method = "GET".to_owned();
                body = None;
            }
            if next.host() != url.host() {
                own_headers.remove("authorization"); // credentials stay with their host
            }
            Box::pin(discard_body(response)).await; // boxed: rare, and large
            url = next;
        }
    }
}

/// The target of a redirect response, if it is one.
fn redirect_location(response: &Response) -> Option<String> {
    if !matches!(response.status(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    response.headers().get_str("location").map(str::to_owned)
}

/// Reads a short redirect body so its connection can be reused; drops a long one.
async fn discard_body(response: Response) {
    const WORTH_READING: u64 = 64 * 1024;
    if response
        .content_length()
        .is_some_and(|length| length <= WORTH_READING)
    {
        let _ = response.bytes().await;
    }
}
