//! Which `wasi:http/types.error-code` a failed exchange is, from the errors
//! underneath (rustls, I/O, hyper): the one place both senders ask, so that
//! the pooled sender and wasmtime's default one report a fault with the code
//! wasmtime's own default hooks give it (which is also what wasmtime-py, the
//! Python host, reports, and no host code can change there), except where
//! those are wrong in wasmtime 48: a bad certificate is
//! `TLS-certificate-error`, never a retried `internal-error` or protocol error.
//!
//! - before the exchange: DNS → `DNS-error`; connecting → `connection-refused`
//!   (`connection-timeout` when it timed out); TLS → `TLS-certificate-error`,
//!   `TLS-alert-received` or `TLS-protocol-error`;
//! - once the exchange is under way (a reset, a peer that closed):
//!   `HTTP-protocol-error`.

use std::error::Error as StdError;
use std::io;
use wasmtime_wasi_http::p2::bindings::http::types::{
    DnsErrorPayload, ErrorCode, TlsAlertReceivedPayload,
};

/// The code of a failure of the pooled sender's client.
pub fn pooled(e: &hyper_util::client::legacy::Error) -> ErrorCode {
    if let Some(code) = tls(e) {
        return code;
    }
    if e.is_connect() {
        return connect(e);
    }
    ErrorCode::HttpProtocolError
}

/// The code of a failure to connect (`err` and its sources).
pub fn connect(err: &(dyn StdError + 'static)) -> ErrorCode {
    let mut link = Some(err);
    while let Some(e) = link {
        // hyper-util's connector reports resolver failures as "dns error".
        if e.to_string().starts_with("dns error") {
            return ErrorCode::DnsError(DnsErrorPayload {
                rcode: e.source().map(|c| c.to_string()),
                info_code: None,
            });
        }
        if let Some(io) = e.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::TimedOut
        {
            return ErrorCode::ConnectionTimeout;
        }
        link = e.source();
    }
    ErrorCode::ConnectionRefused
}

/// The code of a TLS failure anywhere in `err`'s chain: a rustls error, bare
/// or carried in (I/O errors carried in) an I/O error.
pub fn tls(err: &(dyn StdError + 'static)) -> Option<ErrorCode> {
    let mut link = Some(err);
    while let Some(e) = link {
        if let Some(rustls) = rustls_in(e) {
            return Some(match rustls {
                rustls::Error::InvalidCertificate(_) => ErrorCode::TlsCertificateError,
                rustls::Error::AlertReceived(alert) => {
                    ErrorCode::TlsAlertReceived(TlsAlertReceivedPayload {
                        alert_id: Some(u8::from(*alert)),
                        alert_message: Some(format!("{alert:?}")),
                    })
                }
                _ => ErrorCode::TlsProtocolError,
            });
        }
        link = e.source();
    }
    None
}

/// The rustls error `e` is, or carries. (An I/O error's `source` skips the
/// error it carries, so that is looked into here.)
fn rustls_in<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    if let Some(r) = e.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    rustls_in(e.downcast_ref::<io::Error>()?.get_ref()?)
}
