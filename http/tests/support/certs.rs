//! Certificates made up on the spot with rcgen: a private CA and the leaves it signs.
//!
//! A test includes this file with `#[path = "support/certs.rs"] mod certs;`. Nothing is read
//! from or written to disk; keys are fresh ECDSA P-256 keys for every run.

#![allow(dead_code)] // each test file uses its own part

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use ripple_http::tls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate and its private key, in the forms rustls and PEM files use.
pub struct Leaf {
    /// The leaf, then the CA that signed it (a server sends the chain, root included or not).
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub chain_pem: String,
    pub key_pem: String,
}

/// A private certificate authority, trusted by nobody until a test says so.
pub struct TestCa {
    pub certificate: CertificateDer<'static>,
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        let certificate = params.self_signed(&key).expect("CA certificate");
        TestCa {
            pem: certificate.pem(),
            certificate: certificate.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `names` (DNS names or IP addresses), signed by this CA.
    pub fn leaf(&self, names: &[&str]) -> Leaf {
        let params = leaf_params(names);
        let key = KeyPair::generate().expect("leaf key");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        Leaf {
            chain: vec![certificate.der().clone(), self.certificate.clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
            chain_pem: format!("{}{}", certificate.pem(), self.pem),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A certificate for `names` that signs itself: no CA vouches for it.
pub fn self_signed(names: &[&str]) -> Leaf {
    let params = leaf_params(names);
    let key = KeyPair::generate().expect("key");
    let certificate = params.self_signed(&key).expect("self-signed certificate");
    Leaf {
        chain: vec![certificate.der().clone()],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        chain_pem: certificate.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn leaf_params(names: &[&str]) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let mut params = CertificateParams::new(names.clone()).expect("leaf params");
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params
}
