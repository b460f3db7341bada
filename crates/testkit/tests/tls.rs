//! The self-signed HTTPS peer: a client that verifies certificates refuses
//! it for its issuer alone, and one that trusts its certificate gets 204.

mod common;

use runner_metrics_testkit::TlsServer;
use rustls::{CertificateError, Error};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verifying_client_refuses_the_self_signed_certificate() {
    let server = TlsServer::start().await.unwrap();
    assert!(server.url().starts_with("https://127.0.0.1:"));
    // Roots that are not empty, but hold another self-signed certificate.
    let other = rcgen::generate_simple_self_signed(["localhost".to_string()]).unwrap();
    let config = common::tls_client(&[other.cert.der().clone()]);
    let url = server.url();
    let got = tokio::task::spawn_blocking(move || common::tls_post(&url, config))
        .await
        .unwrap();
    assert_eq!(
        got,
        Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
    );
    assert_eq!(server.requests(), 0);
    assert_eq!(server.handshakes(), 0);
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trusting_the_certificate_gets_204() {
    let server = TlsServer::start().await.unwrap();
    assert!(
        server
            .certificate_pem()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    // Valid for 127.0.0.1: only the issuer is wrong with it.
    let config = common::tls_client(&[server.certificate_der().clone()]);
    let url = server.url();
    let got = tokio::task::spawn_blocking(move || common::tls_post(&url, config))
        .await
        .unwrap();
    assert_eq!(got, Ok(204));
    assert_eq!(server.requests(), 1);
    assert_eq!(server.handshakes(), 1);
}
