//! One exchange, step by step: a lease from the pool, a connection if the lease has none,
//! the request written and the response head read, and the one safe retry.
//!
//! These are steps 2 to 5 of the walk in `mod.rs`. [`Session::execute`] runs them for one
//! URL; `request.rs` calls it once per request and once more per redirect.
//!
//! Path: `request.rs` -> here -> `pool/` (checkout), `connect.rs` (a new connection),
//! `conn.rs` (send, read_head) -> `response.rs` (the `Response` that owns the lease).

use ripple_reactor::time::now;

use super::Session;
use crate::conn::Conn;
use crate::connect::connect;
use crate::error::{Error, Limit, Phase, Result};
use crate::pool::{Lease, PoolKey};
use crate::response::{Response, Timings};
use crate::timeout::RequestDeadlines;
use crate::url::Url;
use crate::wire::{BodyDecoder, BodyKind, Framing, RequestFields, ResponseHead};

impl Session {
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
