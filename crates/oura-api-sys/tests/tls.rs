//! A real TLS handshake through `oura_api_sys::tls`: a local rustls server with a self-signed
//! certificate for `localhost` (tests/fixtures, not trusted by any platform). The client must
//! offer HTTP/2 and HTTP/1.1 over TLS made with *ring*, consult the platform's verifier, and fail
//! with a certificate error, never a panic or an unverified connection.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;

const CERT: &[u8] = include_bytes!("fixtures/localhost.crt");
const KEY: &[u8] = include_bytes!("fixtures/localhost.key");

#[tokio::test]
async fn an_untrusted_certificate_is_refused_after_a_real_handshake() {
    let cert = CertificateDer::from_pem_slice(CERT).expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(KEY).expect("key");
    let mut server = rustls::ServerConfig::builder_with_provider(oura_api_sys::tls::crypto_provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server config");
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let server = Arc::new(server);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();

    // The server records what the client offered, then completes (or fails) its handshake.
    let (hello_tx, hello_rx) = tokio::sync::oneshot::channel();
    let serving = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let start = tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), stream)
            .await
            .expect("a client hello");
        let hello = start.client_hello();
        let alpn: Vec<Vec<u8>> = hello
            .alpn()
            .map(|p| p.map(<[u8]>::to_vec).collect())
            .unwrap_or_default();
        let _ = hello_tx.send((alpn, hello.server_name().map(str::to_owned)));
        // The client sees the certificate and refuses it: the handshake fails on this side too.
        let handshake = start.into_stream(server).await;
        assert!(handshake.is_err(), "the client must abort the handshake");
    });

    let http = oura_api_sys::tls::client_builder().build().expect("client");
    let err = http
        .get(format!("https://localhost:{port}/v2/usercollection/personal_info"))
        .send()
        .await
        .expect_err("an untrusted certificate must not be accepted");
    let (alpn, sni) = hello_rx.await.expect("the server saw a client hello");
    assert_eq!(alpn, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    assert_eq!(sni.as_deref(), Some("localhost"));
    serving.await.expect("server task");

    // reqwest's error wraps rustls's; the chain names the certificate.
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&err);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    let chain = chain.join(" / ");
    assert!(err.is_connect() || err.is_request(), "{chain}");
    assert!(chain.contains("invalid peer certificate"), "{chain}");
}
