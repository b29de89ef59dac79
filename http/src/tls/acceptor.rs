//! `TlsAcceptor`: the server's side of the handshake, for tests and the example server.
//!
//! It holds one `rustls::ServerConfig` (a certificate chain, its private key, ALPN
//! `http/1.1`, the ring provider) and runs the server handshake over each accepted
//! connection. The result is the same [`TlsStream`] the client gets, so both ends share the
//! I/O glue of `stream.rs`. Clients are not asked for certificates.
//!
//! Path: a test or `server/` accepts a `TcpStream` -> [`TlsAcceptor::accept`] -> `stream.rs`.

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};

use ripple_reactor::{AsyncRead, AsyncWrite};

use crate::tls::TlsStream;
use crate::tls::config::{ALPN_HTTP_1_1, ring_provider};

/// Turns accepted connections into TLS connections. Cheap to clone: one per listener, a
/// clone per connection task.
#[derive(Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl TlsAcceptor {
    /// Serves `certificate_chain` (the server's own certificate first, then the
    /// intermediates up to, not including, the root) with its private `key`, over TLS 1.2
    /// or 1.3. Fails with `InvalidData` if the key does not fit the certificate or cannot be
    /// used.
    pub fn new(
        certificate_chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> io::Result<TlsAcceptor> {
        let invalid = |e| io::Error::new(io::ErrorKind::InvalidData, e);
        let mut config = ServerConfig::builder_with_provider(ring_provider())
            .with_safe_default_protocol_versions()
            .map_err(invalid)?
            .with_no_client_auth()
            .with_single_cert(certificate_chain, key)
            .map_err(invalid)?;
        config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
        Ok(TlsAcceptor::from_config(Arc::new(config)))
    }

    /// Like [`new`](Self::new), from PEM text: the chain's `BEGIN CERTIFICATE` blocks, and
    /// a key in PKCS#8, PKCS#1 or SEC1 form (what `openssl` and rcgen write).
    pub fn from_pem(certificate_chain_pem: &[u8], key_pem: &[u8]) -> io::Result<TlsAcceptor> {
        let invalid = |e| io::Error::new(io::ErrorKind::InvalidData, e);
        let chain = CertificateDer::pem_slice_iter(certificate_chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        if chain.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no BEGIN CERTIFICATE block in the certificate PEM",
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(invalid)?;
        TlsAcceptor::new(chain, key)
    }

    /// Uses a `rustls::ServerConfig` built by hand (say, TLS 1.2 only, for a test). Its
    /// ALPN list is used as it is.
    pub fn from_config(config: Arc<ServerConfig>) -> TlsAcceptor {
        TlsAcceptor { config }
    }

    /// The rustls configuration every accepted connection shares.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Runs the server handshake over `stream`. Errors as for
    /// [`TlsStream::connect`]: `InvalidData` with the `rustls::Error` as source (the client
    /// sent an alert, say, because it does not trust our certificate), `UnexpectedEof` if the
    /// client leaves half-way. Cancel it by dropping it.
    pub async fn accept<S: AsyncRead + AsyncWrite>(&self, stream: S) -> io::Result<TlsStream<S>> {
        let server = ServerConnection::new(Arc::clone(&self.config))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        TlsStream::accept(stream, server).await
    }
}

impl fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alpn: Vec<_> = self
            .config
            .alpn_protocols
            .iter()
            .map(|id| String::from_utf8_lossy(id))
            .collect();
        f.debug_struct("TlsAcceptor")
            .field("alpn", &alpn)
            .finish_non_exhaustive()
    }
}
