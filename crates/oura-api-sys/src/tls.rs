//! TLS for every HTTP client this workspace builds: rustls with the *ring* crypto provider and
//! the platform's root certificates, handed to reqwest as a ready configuration.
//!
//! reqwest's own `rustls` feature brings the aws-lc-rs provider, whose C build is the longest
//! step of a cold build (about 40% of building the facade). *ring* builds in a fraction of
//! that. The provider is given to each client's configuration explicitly, never installed as
//! the process default, so an application that installs another provider (or builds its own
//! reqwest clients with reqwest's defaults) is not affected.
//!
//! The platform's certificates are read once per process, at the first `https://` handshake
//! (a client of `http://` only, such as one of an emulator, never reads them). On a system without any (a bare
//! container), clients still build and plain `http://` works (an emulator, a proxy); every
//! `https://` request then fails certificate verification with a TLS error.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;

/// The crypto provider of every client: *ring*'s.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    Arc::clone(PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())))
}

/// The rustls configuration of every client: TLS 1.2 and 1.3, the platform's verifier, ALPN
/// for HTTP/2 and HTTP/1.1.
pub fn client_config() -> ClientConfig {
    let builder = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .expect("ring's provider supports TLS 1.2 and 1.3");
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Platform))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// A reqwest client builder with [`client_config`] as its TLS; set timeouts and the rest on it.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().tls_backend_preconfigured(client_config())
}

/// The platform's verifier, made at the first handshake that needs it: every call goes to
/// [`verifier`].
#[derive(Debug)]
struct Platform;

impl ServerCertVerifier for Platform {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        verifier().verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        verifier().verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        verifier().verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        verifier().supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        verifier().requires_raw_public_keys()
    }
}

static VERIFIER: OnceLock<Arc<dyn ServerCertVerifier>> = OnceLock::new();

/// The platform's verifier, made once; without any root certificate, one that trusts nothing.
fn verifier() -> Arc<dyn ServerCertVerifier> {
    Arc::clone(VERIFIER.get_or_init(|| {
        let provider = crypto_provider();
        match rustls_platform_verifier::Verifier::new(Arc::clone(&provider)) {
            Ok(verifier) => Arc::new(verifier),
            Err(_) => Arc::new(Untrusting(provider)),
        }
    }))
}

/// The verifier of a system without root certificates: every certificate is refused, with
/// rustls's own "unknown issuer" error.
#[derive(Debug)]
struct Untrusting(Arc<CryptoProvider>);

impl ServerCertVerifier for Untrusting {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_speaks_h2_and_http1_with_ring() {
        let config = client_config();
        assert_eq!(config.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
        assert!(config.enable_sni);
        let provider = crypto_provider();
        assert!(
            provider
                .cipher_suites
                .iter()
                .any(|suite| suite.version() == &rustls::version::TLS13),
            "TLS 1.3 suites"
        );
        // reqwest takes the configuration (a rustls of another version would be refused at
        // build); the real handshake is in tests/tls.rs.
        let _client = client_builder().build().expect("a client with this configuration");
        assert!(
            VERIFIER.get().is_none(),
            "no certificate is read before an https handshake"
        );
    }

    #[test]
    fn a_system_without_roots_refuses_every_certificate() {
        let refused = Untrusting(crypto_provider()).verify_server_cert(
            &rustls::pki_types::CertificateDer::from(vec![0_u8; 4]),
            &[],
            &rustls::pki_types::ServerName::try_from("api.ouraring.com").expect("a DNS name"),
            &[],
            rustls::pki_types::UnixTime::now(),
        );
        assert!(matches!(
            refused,
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            ))
        ));
    }
}
