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
//! Steps 1 and 6 live in `request.rs` (the builder and the redirect loop); 2 to 5 here.
//!
//! Path: user code -> `request.rs` -> here -> `pool/`, `connect.rs`, `conn.rs` ->
//! `response.rs`.

#[cfg(feature = "tls")]
use std::cell::OnceCell;
use std::cell::RefCell;
use std::time::{Duration, SystemTime};

use ripple_reactor::time::now;

use crate::conn::Conn;
use crate::connect::{TlsSettings, connect};
use crate::cookies::CookieJar;
use crate::error::{Error, Limit, Phase, Result};
use crate::pool::{Lease, Pool, PoolConfig, PoolKey, PoolStats};
use crate::request::RequestBuilder;
use crate::response::{Response, Timings};
use crate::timeout::{ClientTimeout, RequestDeadlines};
#[cfg(feature = "tls")]
use crate::tls::TlsConfig;
use crate::url::Url;
use crate::wire::{
    BodyDecoder, BodyKind, Framing, HeadLimits, Headers, RequestFields, ResponseHead,
};

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

    /// One exchange on one connection, with the single safe retry (step 5).
    pub(crate) async fn execute(
        &self,
        method: &str,
        url: &Url,
        headers: &RequestFields<'_>,
        body: Option<&[u8]>,
        deadlines: &RequestDeadlines,
    ) -> Result<Response> {
        let key = PoolKey {
            https: url.is_https(),
            host: url.host().to_owned(),
            port: url.port(),
        };
        let mut retried = false;
        loop {
            let mut timings = Timings::default();
            let queued_at = now();
            let lease = deadlines
                .run(Phase::Queued, async {
                    Ok(if retried {
                        self.pool.checkout_new(&key).await
                    } else {
                        self.pool.checkout(&key).await
                    })
                })
                .await?;
            timings.queued = now() - queued_at;
            let mut lease = self
                .ensure_connected(lease, url, deadlines, &mut timings)
                .await?;
            match self
                .exchange(
                    &mut lease,
                    method,
                    url,
                    headers,
                    body,
                    deadlines,
                    &mut timings,
                )
                .await
            {
                Ok(started) => return Ok(started.into_response(url, lease, *deadlines, timings)),
                Err(error)
                    if !retried
                        && lease.is_reused()
                        && is_idempotent(method)
                        && is_stale(&error, &mut lease) =>
                {
                    // The server closed this idle connection as we sent on it; nothing of
                    // an answer came, so nothing was processed twice. Once, on a new one.
                    retried = true;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Gives a lease without a connection a new one (step 3).
    async fn ensure_connected(
        &self,
        mut lease: Lease<Conn>,
        url: &Url,
        deadlines: &RequestDeadlines,
        timings: &mut Timings,
    ) -> Result<Lease<Conn>> {
        timings.reused_connection = lease.is_reused();
        if lease.conn_mut().is_none() {
            // Boxed: the TLS handshake's state is large, and only new connections need it;
            // inline, it would make every request's future that much bigger.
            let connecting = deadlines.for_connecting();
            let (stream, connect_timings) =
                Box::pin(connect(url, self.tls_settings(), &connecting)).await?;
            lease.set_conn(Conn::new(stream));
            timings.dns = Some(connect_timings.dns);
            timings.connect = Some(connect_timings.tcp);
            timings.tls = connect_timings.tls;
        }
        Ok(lease)
    }

    /// Writes the request and reads the head (step 4). The lease stays with the caller,
    /// which decides about a retry before it goes into the `Response`.
    #[allow(clippy::too_many_arguments)]
    async fn exchange(
        &self,
        lease: &mut Lease<Conn>,
        method: &str,
        url: &Url,
        headers: &RequestFields<'_>,
        body: Option<&[u8]>,
        deadlines: &RequestDeadlines,
        timings: &mut Timings,
    ) -> Result<ResponseStart> {
        let conn = lease.conn_mut().ok_or(Error::ServerDisconnected {
            phase: Phase::Sending,
        })?;
        let sending_at = now();
        conn.send(method, url, headers, body, deadlines).await?;
        let sent_at = now();
        let head = conn.read_head(self.config.head_limits, deadlines).await?;
        let framing = head.framing(method)?;
        timings.sending = sent_at - sending_at;
        timings.waiting = now() - sent_at;
        if let (BodyKind::Length(length), Some(max)) = (framing.body, self.config.max_body) {
            if length > max {
                // Said up front: no need to read a byte of it.
                return Err(Error::TooLarge {
                    limit: Limit::BodySize,
                    max,
                });
            }
        }
        let decoder = BodyDecoder::new(framing.body, self.config.max_body);
        Ok(ResponseStart {
            head,
            framing,
            decoder,
        })
    }
}

/// A response head that has arrived, and how to read the body that follows it.
struct ResponseStart {
    head: ResponseHead,
    framing: Framing,
    decoder: BodyDecoder,
}

impl ResponseStart {
    fn into_response(
        self,
        url: &Url,
        lease: Lease<Conn>,
        deadlines: RequestDeadlines,
        timings: Timings,
    ) -> Response {
        Response::new(
            self.head,
            url.clone(),
            lease,
            self.decoder,
            self.framing,
            deadlines,
            timings,
        )
    }
}

/// Whether a request may be sent twice without changing its meaning (RFC 9110 9.2.2).
fn is_idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE"
    )
}

/// Whether `error` is what a reused connection that the server had already closed looks
/// like: the send failed or the answer never started.
fn is_stale(error: &Error, lease: &mut Lease<Conn>) -> bool {
    let nothing_received = lease
        .conn_mut()
        .is_some_and(|conn| !conn.has_buffered_bytes());
    let disconnected = matches!(
        error,
        Error::ServerDisconnected {
            phase: Phase::Sending | Phase::WaitingForHead
        } | Error::Io {
            phase: Phase::Sending,
            ..
        }
    );
    disconnected && nothing_received
}
