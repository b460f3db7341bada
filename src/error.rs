//! Constructors for the WIT `error` variant, the guest's one error type.
//!
//! Every failure is turned into one of these values; nothing in the guest
//! panics, because a trap poisons the instance for every later call.

use crate::bindings::exports::github_runner::metrics::promtail::{SpoolNotice, StorageFailure};
use crate::{Error, InvalidInput, Rejection, TransportFailure};
use wasi::http::types::ErrorCode;

/// A value quoted for a message: JSON-escaped (serde_json, already in the
/// component, rather than `{:?}` and its Unicode tables), and cut to 64
/// characters so a huge input never makes a huge message.
pub fn quoted(s: &str) -> String {
    const SHOWN: usize = 64;
    match s.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", serde_json::to_string(&s[..end]).unwrap_or_default()),
        None => serde_json::to_string(s).unwrap_or_default(),
    }
}

/// A float for a message, formatted by serde_json's shortest round-trip
/// writer rather than `{}` (which pulls core's float formatting in).
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        serde_json::to_string(&x).unwrap_or_default()
    }
}

/// The refusal of one event field.
pub fn invalid_event(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidEvent(InvalidInput {
        field: field.into(),
        reason: reason.into(),
    })
}

/// The refusal of one config field.
pub fn invalid_config(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidConfig(InvalidInput {
        field: field.into(),
        reason: reason.into(),
    })
}

/// A transport failure described by the guest itself (a stream error, a
/// resource the host refused to hand out).
pub fn transport(code: &str, detail: impl Into<String>) -> Error {
    Error::Transport(TransportFailure {
        code: code.to_string(),
        detail: Some(detail.into()),
    })
}

/// A file could not be used.
pub fn storage(path: &str, detail: impl Into<String>) -> Error {
    Error::Storage(StorageFailure {
        path: path.to_string(),
        detail: detail.into(),
    })
}

/// Events that failed are safe in the spool.
pub fn spooled(events: u32, cause: &Error) -> Error {
    Error::Spooled(SpoolNotice {
        events,
        cause: describe(cause),
    })
}

/// The error as one line of text, for `stats.last-error` and notices.
pub fn describe(e: &Error) -> String {
    match e {
        Error::InvalidEvent(i) => format!("invalid event: {}: {}", i.field, i.reason),
        Error::InvalidConfig(i) => format!("invalid config: {}: {}", i.field, i.reason),
        Error::Transport(t) => match &t.detail {
            Some(d) => format!("transport failure: {} ({d})", t.code),
            None => format!("transport failure: {}", t.code),
        },
        Error::Timeout(ms) => format!("no answer within {ms} ms"),
        Error::Rejected(r) => format!("the receiver answered {}: {}", r.status, r.body.trim_end()),
        Error::Storage(s) => format!("storage failure: {}: {}", s.path, s.detail),
        Error::Spooled(s) => format!("{} events spooled after: {}", s.events, s.cause),
    }
}

/// A non-2xx answer.
pub fn rejected(status: u16, body: &[u8], retry_after_ms: Option<u64>) -> Error {
    const BODY_PREFIX: usize = 1024;
    let end = body.len().min(BODY_PREFIX);
    Error::Rejected(Rejection {
        status,
        body: String::from_utf8_lossy(&body[..end]).into_owned(),
        retry_after_ms,
    })
}

/// Map the host's `wasi:http` error code to our error. The host's own
/// timeouts are reported as `timeout` so callers see one timeout case.
pub fn from_http(code: &ErrorCode, timeout_ms: u32) -> Error {
    use ErrorCode as E;
    let (name, detail): (&str, Option<String>) = match code {
        E::DnsTimeout
        | E::ConnectionTimeout
        | E::ConnectionReadTimeout
        | E::ConnectionWriteTimeout
        | E::HttpResponseTimeout => return Error::Timeout(timeout_ms),
        E::DnsError(p) => (
            "dns-error",
            p.rcode
                .clone()
                .or_else(|| p.info_code.map(|c| format!("info code {c}"))),
        ),
        E::DestinationNotFound => ("destination-not-found", None),
        E::DestinationUnavailable => ("destination-unavailable", None),
        E::DestinationIpProhibited => ("destination-ip-prohibited", None),
        E::DestinationIpUnroutable => ("destination-ip-unroutable", None),
        E::ConnectionRefused => ("connection-refused", None),
        E::ConnectionTerminated => ("connection-terminated", None),
        E::ConnectionLimitReached => ("connection-limit-reached", None),
        E::TlsProtocolError => ("tls-protocol-error", None),
        E::TlsCertificateError => ("tls-certificate-error", None),
        E::TlsAlertReceived(p) => ("tls-alert-received", p.alert_message.clone()),
        E::HttpRequestDenied => ("http-request-denied", None),
        E::HttpRequestLengthRequired => ("http-request-length-required", None),
        E::HttpRequestBodySize(n) => ("http-request-body-size", n.map(|n| n.to_string())),
        E::HttpRequestMethodInvalid => ("http-request-method-invalid", None),
        E::HttpRequestUriInvalid => ("http-request-uri-invalid", None),
        E::HttpRequestUriTooLong => ("http-request-uri-too-long", None),
        E::HttpRequestHeaderSectionSize(_) => ("http-request-header-section-size", None),
        E::HttpRequestHeaderSize(p) => (
            "http-request-header-size",
            p.as_ref().and_then(|p| p.field_name.clone()),
        ),
        E::HttpRequestTrailerSectionSize(_) => ("http-request-trailer-section-size", None),
        E::HttpRequestTrailerSize(_) => ("http-request-trailer-size", None),
        E::HttpResponseIncomplete => ("http-response-incomplete", None),
        E::HttpResponseHeaderSectionSize(_) => ("http-response-header-section-size", None),
        E::HttpResponseHeaderSize(p) => ("http-response-header-size", p.field_name.clone()),
        E::HttpResponseBodySize(_) => ("http-response-body-size", None),
        E::HttpResponseTrailerSectionSize(_) => ("http-response-trailer-section-size", None),
        E::HttpResponseTrailerSize(_) => ("http-response-trailer-size", None),
        E::HttpResponseTransferCoding(c) => ("http-response-transfer-coding", c.clone()),
        E::HttpResponseContentCoding(c) => ("http-response-content-coding", c.clone()),
        E::HttpUpgradeFailed => ("http-upgrade-failed", None),
        E::HttpProtocolError => ("http-protocol-error", None),
        E::LoopDetected => ("loop-detected", None),
        E::ConfigurationError => ("configuration-error", None),
        E::InternalError(m) => ("internal-error", m.clone()),
    };
    Error::Transport(TransportFailure {
        code: name.to_string(),
        detail,
    })
}
