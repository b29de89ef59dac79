//! `TlsConfig`: which servers the client trusts, built once per session and shared.
//!
//! A `rustls::ClientConfig` holds the root certificates, the crypto provider, the protocol
//! versions, ALPN and rustls's session-resumption cache. Building one costs a copy of the
//! ~150 webpki roots, so a `Session` builds it once and every connection shares it through an
//! `Arc`; sharing also lets a new connection resume an earlier one's TLS session.
//!
//! The rules it keeps:
//! - the crypto is always `ring`, passed explicitly: nothing depends on a process-wide
//!   default provider being installed;
//! - the certificate chain and the host name are verified (webpki), unless the caller turned
//!   that off with [`TlsConfig::danger_accept_invalid_certificates`];
//! - ALPN offers exactly `http/1.1`, the one protocol this client speaks.
//!
//! Path: `Session::builder()` builds one -> `connect.rs` hands it to [`TlsStream::connect`].
//!
//! [`TlsStream::connect`]: super::TlsStream::connect

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{self, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The ALPN protocol id of HTTP/1.1, the only one we offer (client) or accept (server).
pub(crate) const ALPN_HTTP_1_1: &[u8] = b"http/1.1";

/// The client's TLS settings: trusted roots, and whether certificates are checked at all.
///
/// Cheap to clone (the built `rustls::ClientConfig` is behind an `Arc`). The builder methods
/// take and return `self`, as reqwest's `ClientBuilder` does:
///
/// ```no_run
/// # fn main() -> std::io::Result<()> {
/// use ripple_http::tls::TlsConfig;
/// let public = TlsConfig::webpki_roots(); // the default
/// let private_ca = std::fs::read("ca.pem")?;
/// let both = TlsConfig::webpki_roots().add_root_certificate_pem(&private_ca)?;
/// let only_ours = TlsConfig::without_roots().add_root_certificate_pem(&private_ca)?;
/// # let _ = (public, both, only_ours);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    roots: RootCertStore,
    accept_invalid_certificates: bool,
    /// Built from the two fields above after every change.
    client: Arc<ClientConfig>,
}

impl TlsConfig {
    /// Trusts the Mozilla root certificates that `webpki-roots` compiles in: the public
    /// web's CAs, the same on every machine, no OS store read. The default.
    pub fn webpki_roots() -> TlsConfig {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        TlsConfig::with_roots(roots, false)
    }

    /// Trusts nothing until a root is added: for a client that talks only to servers of a
    /// private CA (tests, an internal network).
    pub fn without_roots() -> TlsConfig {
        TlsConfig::with_roots(RootCertStore::empty(), false)
    }

    /// Also trusts every certificate in `pem` (one or more `BEGIN CERTIFICATE` blocks), for
    /// a private CA. Fails with `InvalidData` if `pem` holds no certificate or a bad one.
    pub fn add_root_certificate_pem(self, pem: &[u8]) -> io::Result<TlsConfig> {
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if certificates.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no BEGIN CERTIFICATE block in the PEM input",
            ));
        }
        self.with_root_certificates(certificates)
    }

    /// Also trusts these DER certificates (what `Session::builder().root_certificates(..)`
    /// passes on). Fails with `InvalidData` if one cannot be parsed as a trust anchor.
    pub fn with_root_certificates(
        mut self,
        certificates: Vec<CertificateDer<'static>>,
    ) -> io::Result<TlsConfig> {
        for certificate in certificates {
            self.roots
                .add(certificate)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        }
        Ok(TlsConfig::with_roots(
            self.roots,
            self.accept_invalid_certificates,
        ))
    }

    /// **Dangerous.** With `true`, the client accepts *any* certificate: expired, self-signed,
    /// issued by nobody it trusts, or made out for another host name. The connection is
    /// still encrypted, and the handshake's signature still proves that the server holds the
    /// key of the certificate it showed, but nothing proves *who* that server is: anyone on
    /// the path can stand in for it and read everything. For tests and for reaching a
    /// machine on a lab network by IP; never for the internet.
    pub fn danger_accept_invalid_certificates(self, accept: bool) -> TlsConfig {
        TlsConfig::with_roots(self.roots, accept)
    }

    /// Whether [`danger_accept_invalid_certificates`](Self::danger_accept_invalid_certificates)
    /// is on.
    pub fn accepts_invalid_certificates(&self) -> bool {
        self.accept_invalid_certificates
    }

    /// How many root certificates are trusted.
    pub fn root_count(&self) -> usize {
        self.roots.len()
    }

    /// The rustls configuration every connection of this config shares.
    pub fn client_config(&self) -> &Arc<ClientConfig> {
        &self.client
    }

    fn with_roots(roots: RootCertStore, accept_invalid_certificates: bool) -> TlsConfig {
        let provider = ring_provider();
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .expect("ring's default provider supports TLS 1.2 and 1.3");
        let mut client = if accept_invalid_certificates {
            let verifier = AcceptAnyCertificate {
                algorithms: provider.signature_verification_algorithms,
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        } else {
            builder
                .with_root_certificates(roots.clone())
                .with_no_client_auth()
        };
        client.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
        TlsConfig {
            roots,
            accept_invalid_certificates,
            client: Arc::new(client),
        }
    }
}

impl Default for TlsConfig {
    /// [`TlsConfig::webpki_roots`].
    fn default() -> TlsConfig {
        TlsConfig::webpki_roots()
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("roots", &self.roots.len())
            .field(
                "accept_invalid_certificates",
                &self.accept_invalid_certificates,
            )
            .finish_non_exhaustive()
    }
}

/// The verifier behind [`TlsConfig::danger_accept_invalid_certificates`]: every certificate
/// passes, but the handshake's signatures are still checked against the certificate shown,
/// so the peer must at least hold that certificate's private key.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(message, certificate, signature, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(message, certificate, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The ring provider, for the server side too.
pub(crate) fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_trusts_the_webpki_roots_and_offers_http_1_1() {
        let config = TlsConfig::default();
        assert!(config.root_count() > 100, "{config:?}");
        assert!(!config.accepts_invalid_certificates());
        assert_eq!(
            config.client_config().alpn_protocols,
            [b"http/1.1".to_vec()]
        );
    }

    #[test]
    fn pem_without_a_certificate_is_invalid_data() {
        for input in [
            &b""[..],
            b"hello",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            let error = TlsConfig::without_roots()
                .add_root_certificate_pem(input)
                .expect_err("no certificate");
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
        }
    }

    #[test]
    fn the_danger_switch_keeps_the_roots_and_can_be_turned_off_again() {
        let config = TlsConfig::webpki_roots().danger_accept_invalid_certificates(true);
        assert!(config.accepts_invalid_certificates());
        let roots = config.root_count();
        let config = config.danger_accept_invalid_certificates(false);
        assert!(!config.accepts_invalid_certificates());
        assert_eq!(config.root_count(), roots);
    }
}
