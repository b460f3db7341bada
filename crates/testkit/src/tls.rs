//! An HTTPS receiver with a self-signed certificate: the fault matrix's
//! peer for "self-signed certificate". A client that verifies certificates
//! must fail the handshake with a certificate error; one that trusts
//! [`TlsServer::certificate_pem`] gets 204 to any request.
//!
//! The certificate is made at start (ECDSA P-256, by `rcgen`) for
//! `localhost` and `127.0.0.1`, so its issuer is the only thing wrong
//! with it; it is served by rustls with the ring provider.

use crate::receiver::{PUSH_PATH, answer};
use http_body_util::BodyExt;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// The server; it stops when dropped.
pub struct TlsServer {
    addr: SocketAddr,
    certificate: CertificateDer<'static>,
    certificate_pem: String,
    counters: Arc<Counters>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Counters {
    connections: AtomicUsize,
    handshakes: AtomicUsize,
    requests: AtomicUsize,
}

impl TlsServer {
    /// Make a self-signed certificate and listen on `127.0.0.1:0`.
    pub async fn start() -> std::io::Result<TlsServer> {
        let (cert, key) = self_signed().map_err(std::io::Error::other)?;
        let certificate = cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone()], key)
            .map_err(std::io::Error::other)?;
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let counter = counters.clone();
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((tcp, _)) = listener.accept().await {
                counter.connections.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                let counter = counter.clone();
                connections.spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    counter.handshakes.fetch_add(1, Ordering::SeqCst);
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let counter = counter.clone();
                        async move {
                            let _ = req.into_body().collect().await;
                            counter.requests.fetch_add(1, Ordering::SeqCst);
                            Ok::<_, std::convert::Infallible>(answer(204, &[], b""))
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Ok(TlsServer {
            addr,
            certificate,
            certificate_pem: cert.pem(),
            counters,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:<port>/loki/api/v1/push`.
    pub fn url(&self) -> String {
        format!("https://{}{PUSH_PATH}", self.addr)
    }

    /// The certificate it presents, DER-encoded: a client that adds it to
    /// its roots can connect.
    pub fn certificate_der(&self) -> &CertificateDer<'static> {
        &self.certificate
    }

    /// The same certificate, PEM-encoded.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// TCP connections accepted.
    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes completed: a client that rejected the certificate
    /// completed none.
    pub fn handshakes(&self) -> usize {
        self.counters.handshakes.load(Ordering::SeqCst)
    }

    /// HTTP requests answered (with 204).
    pub fn requests(&self) -> usize {
        self.counters.requests.load(Ordering::SeqCst)
    }
}

/// A certificate for `localhost` and `127.0.0.1`, signed by its own key,
/// with a subject of its own (not rcgen's default, which another rcgen
/// certificate in a client's roots would share).
fn self_signed() -> Result<(rcgen::Certificate, rcgen::KeyPair), rcgen::Error> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(["localhost".into(), "127.0.0.1".into()])?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "runner-metrics-testkit self-signed",
    );
    Ok((params.self_signed(&key)?, key))
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
