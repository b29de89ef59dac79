//! `Session`: the client. One per program, shared by reference, as aiohttp's ClientSession.
//!
//! A session holds what requests share: the connection pool, default headers, the cookie
//! jar, the TLS roots, the timeouts and limits. `session.get(url)` starts a
//! [`RequestBuilder`]; `.send().await` runs the request step by step:
//!
//! 1. start the request's deadlines (`timeout.rs`);
//! 2. wait for a pool lease (`pool/`): an idle connection, or the right to open one;
//! 3. open one if needed: DNS, TCP, TLS (`connect.rs`);
//! 4. write the request and read the response head (`conn.rs`, `wire/`);
//! 5. if a reused connection turns out to have been closed by the server before any byte
//!    of the answer came, and the method is idempotent, retry once on a new connection;
//! 6. store cookies; follow a redirect (back to 2), or return the [`Response`], whose body
//!    is read when the caller asks for it.
//!
//! Steps 1 and 6 live in `request.rs` (the builder and the redirect loop); 2 to 5 in
//! `exchange.rs`. This file holds the session itself: its settings and its builder.
//!
//! Path: user code -> `request.rs` -> `exchange.rs` -> `pool/`, `connect.rs`, `conn.rs` ->
//! `response.rs`.

mod exchange;

#[cfg(feature = "tls")]
use std::cell::OnceCell;
use std::cell::RefCell;
use std::time::{Duration, SystemTime};

use crate::conn::Conn;
use crate::connect::TlsSettings;
use crate::cookies::CookieJar;
#[cfg(feature = "tls")]
use crate::error::{Error, Result};
use crate::pool::{Pool, PoolConfig, PoolStats};
use crate::request::RequestBuilder;
use crate::timeout::ClientTimeout;
#[cfg(feature = "tls")]
use crate::tls::TlsConfig;
use crate::url::Url;
use crate::wire::{HeadLimits, Headers, RequestFields};

/// The `User-Agent` sent unless the session sets another.
pub const DEFAULT_USER_AGENT: &str = concat!("ripple/", env!("CARGO_PKG_VERSION"));

/// What every request of a session shares.
pub(crate) struct SessionConfig {
    headers: Headers,
    pub(crate) timeout: ClientTimeout,
    pub(crate) max_redirects: usize,
    /// `None`: the webpki roots, built at the first https connection (building them costs
    /// half a megabyte, which a plain-http session never needs).
    #[cfg(feature = "tls")]
    tls: Option<TlsConfig>,
    head_limits: HeadLimits,
    max_body: Option<u64>,
}

/// An HTTP client: a connection pool and the settings its requests share.
pub struct Session {
    pool: Pool<Conn>,
    pub(crate) config: SessionConfig,
    /// The TLS settings in use, made at the first https connection.
    #[cfg(feature = "tls")]
    tls: OnceCell<TlsConfig>,
    cookies: Option<RefCell<CookieJar>>,
}

/// Settings for a [`Session`]; start with [`Session::builder`].
pub struct SessionBuilder {
    pool: PoolConfig,
    config: SessionConfig,
    cookies: bool,
}

impl SessionBuilder {
    /// The most connections open at once over all hosts (default 100, as aiohttp's).
    pub fn limit(mut self, connections: usize) -> Self {
        self.pool.limit = connections;
        self
    }

    /// The most connections open at once to one `(scheme, host, port)` (default: none).
    pub fn limit_per_host(mut self, connections: usize) -> Self {
        self.pool.limit_per_host = Some(connections);
        self
    }

    /// How long an idle keep-alive connection is kept (default 15 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool.idle_timeout = timeout;
        self
    }

    /// The time limits of every request (default: total 300 s); a request may override
    /// them with [`RequestBuilder::timeout`].
    pub fn timeout(mut self, timeout: ClientTimeout) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// A header sent with every request (replacing an earlier one of the same name).
    pub fn default_header(mut self, name: &str, value: &str) -> Self {
        self.config.headers.set(name, value);
        self
    }

    /// Whether to keep cookies (default: yes).
    pub fn cookie_store(mut self, enabled: bool) -> Self {
        self.cookies = enabled;
        self
    }

    /// How many redirects to follow (default 10; 0 returns 3xx responses as they are).
    pub fn max_redirects(mut self, redirects: usize) -> Self {
        self.config.max_redirects = redirects;
        self
    }

    /// The TLS settings: trusted roots, and the opt-out of certificate checks.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.config.tls = Some(tls);
        self
    }

    /// Trusts the certificates in this PEM as roots, besides the webpki roots: for a
    /// private CA.
    #[cfg(feature = "tls")]
    pub fn root_certificates_pem(mut self, pem: &[u8]) -> Result<Self> {
        let tls = self.config.tls.take().unwrap_or_default();
        let tls = tls
            .add_root_certificate_pem(pem)
            .map_err(|source| Error::InvalidConfig {
                reason: format!("cannot use these root certificates: {source}"),
            })?;
        self.config.tls = Some(tls);
        Ok(self)
    }

    /// The most bytes of a response head, and the most header fields (defaults 64 KiB
    /// and 100).
    pub fn head_limits(mut self, limits: HeadLimits) -> Self {
        self.config.head_limits = limits;
        self
    }

    /// The most bytes of a response body (default: no limit).
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.config.max_body = Some(bytes);
        self
    }

    /// Builds the session.
    pub fn build(self) -> Session {
        Session {
            pool: Pool::new(self.pool),
            config: self.config,
            #[cfg(feature = "tls")]
            tls: OnceCell::new(),
            cookies: self.cookies.then(|| RefCell::new(CookieJar::new())),
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::builder().build()
    }
}

impl Session {
    /// A session with the default settings.
    pub fn new() -> Session {
        Session::default()
    }

    /// Starts building a session with other settings.
    pub fn builder() -> SessionBuilder {
        let mut headers = Headers::new();
        headers.set("user-agent", DEFAULT_USER_AGENT);
        headers.set("accept", "*/*");
        SessionBuilder {
            pool: PoolConfig::default(),
            config: SessionConfig {
                headers,
                timeout: ClientTimeout::default(),
                max_redirects: 10,
                #[cfg(feature = "tls")]
                tls: None,
                head_limits: HeadLimits::default(),
                max_body: None,
            },
            cookies: true,
        }
    }

    /// A `GET` request.
    pub fn get(&self, url: &str) -> RequestBuilder<'_> {
        self.request("GET", url)
    }

    /// A `POST` request.
    pub fn post(&self, url: &str) -> RequestBuilder<'_> {
        self.request("POST", url)
    }

    /// A `PUT` request.
    pub fn put(&self, url: &str) -> RequestBuilder<'_> {
        self.request("PUT", url)
    }

    /// A `DELETE` request.
    pub fn delete(&self, url: &str) -> RequestBuilder<'_> {
        self.request("DELETE", url)
    }

    /// A `HEAD` request.
    pub fn head(&self, url: &str) -> RequestBuilder<'_> {
        self.request("HEAD", url)
    }

    /// A request with any method. An invalid URL is reported by `send()`.
    pub fn request(&self, method: &str, url: &str) -> RequestBuilder<'_> {
        RequestBuilder::new(self, method, url)
    }

    #[cfg(feature = "tls")]
    fn tls_settings(&self) -> &TlsSettings {
        self.tls
            .get_or_init(|| self.config.tls.clone().unwrap_or_default())
    }

    #[cfg(not(feature = "tls"))]
    fn tls_settings(&self) -> &TlsSettings {
        &()
    }

    /// The pool, as plain numbers: per host idle, in use and waiting; connections opened
    /// and reused.
    pub fn stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// The header fields of one request: the session's defaults, the request's own (which
    /// win), and the jar's cookies for this URL unless either sets `Cookie` itself. The
    /// cookie text, when there is one, lives in `cookie`, which the caller keeps.
    pub(crate) fn fields_for<'a>(
        &'a self,
        url: &Url,
        own: &'a Headers,
        cookie: &'a mut Option<String>,
    ) -> RequestFields<'a> {
        let by_hand = self.config.headers.contains("cookie") || own.contains("cookie");
        *cookie = match &self.cookies {
            Some(jar) if !by_hand => jar.borrow().header_for(url, SystemTime::now()),
            _ => None,
        };
        RequestFields::new(&self.config.headers, own, cookie.as_deref())
    }

    pub(crate) fn store_cookies(&self, url: &Url, headers: &Headers) {
        if let Some(jar) = &self.cookies {
            jar.borrow_mut().store_all(url, headers, SystemTime::now());
        }
    }
}
