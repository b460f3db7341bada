//! The guest's one error type: the WIT `error` cases, with the transport
//! failure kept as WASI's typed `error-code` until it crosses the WIT
//! boundary (`exports`), so retries are decided by matching on the type.
//!
//! Nothing in the guest panics: a trap poisons the instance for every later
//! call, so every failure becomes one of these values.

use wasi::http::types::ErrorCode;

/// Why a call failed.
#[derive(Debug, Clone)]
pub enum Error {
    /// An event failed validation.
    InvalidEvent(Invalid),
    /// A setting failed validation.
    InvalidConfig(Invalid),
    /// The exchange failed; `code` is what the host (or the guest's own
    /// stream handling) reported.
    Transport {
        code: ErrorCode,
        detail: Option<String>,
    },
    /// No complete answer within this many milliseconds.
    Timeout(u64),
    /// A non-2xx answer; `body` is already cut and redacted.
    Rejected {
        status: u16,
        body: String,
        retry_after_ms: Option<u64>,
    },
    /// A file could not be used.
    Storage { path: String, detail: String },
    /// Undelivered, but safe in the spool.
    Spooled { events: u32, cause: String },
}

/// Where a bad input is, and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

/// The refusal of an event field.
pub fn invalid_event(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidEvent(Invalid {
        field: field.into(),
        reason: reason.into(),
    })
}

/// The refusal of a setting.
pub fn invalid_config(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidConfig(Invalid {
        field: field.into(),
        reason: reason.into(),
    })
}

/// A file could not be used; `detail` comes from the I/O error's kind, in
/// words every host shares. A path the host gave the component no
/// directory for is "missing" through WASI, and a link out of them
/// "permission denied": each said as what it is.
pub fn storage(path: &str, e: &std::io::Error) -> Error {
    use crate::preopens;
    let detail = match e.kind() {
        std::io::ErrorKind::NotFound if preopens::outside_all(path) => {
            preopens::OUTSIDE.to_string()
        }
        std::io::ErrorKind::PermissionDenied => {
            preopens::unfollowed_link(path).unwrap_or_else(|| io_detail(e))
        }
        _ => io_detail(e),
    };
    Error::Storage {
        path: path.to_string(),
        detail,
    }
}

/// A failed write's detail where WASI does not say which cause it was.
const BARE_IO: &str =
    "I/O error (a full disk, a file size limit or a read-only file system give this one)";

/// What an I/O error was, in words. Rust's own message for an error that
/// came through WASI's streams is often only "I/O error (os error 29)"; the
/// kind usually says more.
pub fn io_detail(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let what = match e.kind() {
        K::NotFound => "no such file or directory",
        K::PermissionDenied => "permission denied",
        K::AlreadyExists => "already exists",
        K::StorageFull => "no space left on device",
        K::FileTooLarge => "file too large (a file size limit?)",
        K::NotADirectory => "not a directory",
        K::IsADirectory => "is a directory",
        K::QuotaExceeded => "disk quota exceeded",
        // WASI reports a write that failed on its stream as a bare I/O
        // error (errno 29, EIO): a full disk, a file size limit and (through
        // wasmtime-wasi 48, which does not map EROFS) a read-only file
        // system end so. preview2-shim does map EROFS: the same words for
        // it keep every host's text the same.
        K::ReadOnlyFilesystem => BARE_IO,
        _ if e.raw_os_error() == Some(29) => BARE_IO,
        _ => return e.to_string(),
    };
    what.to_string()
}

impl Error {
    /// The error as one line of text: `stats.last-error`, spool notices, and
    /// (by the same rules, in every host) the host's message for it.
    pub fn describe(&self) -> String {
        match self {
            Error::InvalidEvent(i) => format!("invalid event: {}: {}", i.field, i.reason),
            Error::InvalidConfig(i) => format!("invalid config: {}: {}", i.field, i.reason),
            Error::Transport { code, detail } => match detail {
                Some(d) => format!("transport failure: {} ({d})", code_name(code)),
                None => format!("transport failure: {}", code_name(code)),
            },
            Error::Timeout(ms) => format!("no answer within {ms} ms"),
            Error::Rejected {
                status,
                body,
                retry_after_ms,
            } => {
                let mut text = format!("the receiver answered {status}");
                if let Some(ms) = retry_after_ms {
                    text.push_str(&format!(" (retry after {ms} ms)"));
                }
                let body = body.trim_end();
                if !body.is_empty() {
                    text.push_str(": ");
                    text.push_str(body);
                }
                text
            }
            Error::Storage { path, detail } => format!("storage failure: {path}: {detail}"),
            Error::Spooled { events, cause } => format!("{events} events spooled after: {cause}"),
        }
    }

    /// A transport failure from the host's code, with the detail its
    /// payload carries. The host's own timeouts become `Timeout(limit_ms)`,
    /// so callers see one timeout case.
    pub fn from_code(code: ErrorCode, limit_ms: u64) -> Error {
        use ErrorCode as E;
        let detail = match &code {
            E::DnsTimeout
            | E::ConnectionTimeout
            | E::ConnectionReadTimeout
            | E::ConnectionWriteTimeout
            | E::HttpResponseTimeout => return Error::Timeout(limit_ms),
            E::DnsError(p) => p
                .rcode
                .clone()
                .or_else(|| p.info_code.map(|c| format!("info code {c}"))),
            E::TlsAlertReceived(p) => p.alert_message.clone(),
            E::HttpRequestBodySize(n) => n.map(|n| n.to_string()),
            E::HttpRequestHeaderSize(p) => p.as_ref().and_then(|p| p.field_name.clone()),
            E::HttpResponseHeaderSize(p) => p.field_name.clone(),
            E::HttpResponseTransferCoding(c) | E::HttpResponseContentCoding(c) => c.clone(),
            E::InternalError(m) => m.clone(),
            _ => None,
        };
        Error::Transport { code, detail }
    }
}

/// The name of a `wasi:http/types.error-code` case, exactly as WASI's WIT
/// spells it (`DNS-error`, `HTTP-request-denied`).
pub fn code_name(code: &ErrorCode) -> &'static str {
    use ErrorCode as E;
    match code {
        E::DnsTimeout => "DNS-timeout",
        E::DnsError(_) => "DNS-error",
        E::DestinationNotFound => "destination-not-found",
        E::DestinationUnavailable => "destination-unavailable",
        E::DestinationIpProhibited => "destination-IP-prohibited",
        E::DestinationIpUnroutable => "destination-IP-unroutable",
        E::ConnectionRefused => "connection-refused",
        E::ConnectionTerminated => "connection-terminated",
        E::ConnectionTimeout => "connection-timeout",
        E::ConnectionReadTimeout => "connection-read-timeout",
        E::ConnectionWriteTimeout => "connection-write-timeout",
        E::ConnectionLimitReached => "connection-limit-reached",
        E::TlsProtocolError => "TLS-protocol-error",
        E::TlsCertificateError => "TLS-certificate-error",
        E::TlsAlertReceived(_) => "TLS-alert-received",
        E::HttpRequestDenied => "HTTP-request-denied",
        E::HttpRequestLengthRequired => "HTTP-request-length-required",
        E::HttpRequestBodySize(_) => "HTTP-request-body-size",
        E::HttpRequestMethodInvalid => "HTTP-request-method-invalid",
        E::HttpRequestUriInvalid => "HTTP-request-URI-invalid",
        E::HttpRequestUriTooLong => "HTTP-request-URI-too-long",
        E::HttpRequestHeaderSectionSize(_) => "HTTP-request-header-section-size",
        E::HttpRequestHeaderSize(_) => "HTTP-request-header-size",
        E::HttpRequestTrailerSectionSize(_) => "HTTP-request-trailer-section-size",
        E::HttpRequestTrailerSize(_) => "HTTP-request-trailer-size",
        E::HttpResponseIncomplete => "HTTP-response-incomplete",
        E::HttpResponseHeaderSectionSize(_) => "HTTP-response-header-section-size",
        E::HttpResponseHeaderSize(_) => "HTTP-response-header-size",
        E::HttpResponseBodySize(_) => "HTTP-response-body-size",
        E::HttpResponseTrailerSectionSize(_) => "HTTP-response-trailer-section-size",
        E::HttpResponseTrailerSize(_) => "HTTP-response-trailer-size",
        E::HttpResponseTransferCoding(_) => "HTTP-response-transfer-coding",
        E::HttpResponseContentCoding(_) => "HTTP-response-content-coding",
        E::HttpResponseTimeout => "HTTP-response-timeout",
        E::HttpUpgradeFailed => "HTTP-upgrade-failed",
        E::HttpProtocolError => "HTTP-protocol-error",
        E::LoopDetected => "loop-detected",
        E::ConfigurationError => "configuration-error",
        E::InternalError(_) => "internal-error",
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_only_file_system_reads_as_wasmtime_reports_it() {
        // wasmtime-wasi reports EROFS as EIO, preview2-shim as read-only:
        // both must give one text.
        let eio = std::io::Error::from_raw_os_error(29);
        let erofs = std::io::Error::from(std::io::ErrorKind::ReadOnlyFilesystem);
        assert_eq!(io_detail(&erofs), io_detail(&eio));
        assert_eq!(io_detail(&eio), BARE_IO);
    }

    #[test]
    fn texts() {
        let rejected = |retry_after_ms, body: &str| Error::Rejected {
            status: 429,
            body: body.into(),
            retry_after_ms,
        };
        assert_eq!(
            rejected(Some(1500), "slow down\n").describe(),
            "the receiver answered 429 (retry after 1500 ms): slow down"
        );
        assert_eq!(
            rejected(None, " \n").describe(),
            "the receiver answered 429"
        );
        let dns = Error::from_code(
            ErrorCode::DnsError(wasi::http::types::DnsErrorPayload {
                rcode: Some("NXDOMAIN".into()),
                info_code: None,
            }),
            5,
        );
        assert_eq!(dns.describe(), "transport failure: DNS-error (NXDOMAIN)");
        assert!(matches!(
            Error::from_code(ErrorCode::ConnectionReadTimeout, 7),
            Error::Timeout(7)
        ));
    }

    /// The guest's texts are the table every host is held to
    /// (`conformance/fixtures.json`, `error-texts`).
    #[test]
    fn every_case_has_the_table_text() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../conformance/fixtures.json"
        );
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
        let invalid = |p: &serde_json::Value| Invalid {
            field: text(p, "field"),
            reason: text(p, "reason"),
        };
        let codes = [
            ErrorCode::ConnectionRefused,
            ErrorCode::DnsError(wasi::http::types::DnsErrorPayload {
                rcode: None,
                info_code: None,
            }),
        ];
        for case in doc["error-texts"].as_array().unwrap() {
            let (name, p) = case["error"].as_object().unwrap().iter().next().unwrap();
            let error = match name.as_str() {
                "invalid-event" => Error::InvalidEvent(invalid(p)),
                "invalid-config" => Error::InvalidConfig(invalid(p)),
                "transport" => Error::Transport {
                    code: codes
                        .iter()
                        .find(|c| code_name(c) == p["code"])
                        .cloned()
                        .unwrap(),
                    detail: p["detail"].as_str().map(str::to_string),
                },
                "timeout" => Error::Timeout(p.as_u64().unwrap()),
                "rejected" => Error::Rejected {
                    status: p["status"].as_u64().unwrap() as u16,
                    body: text(p, "body"),
                    retry_after_ms: p["retry-after-ms"].as_u64(),
                },
                "storage" => Error::Storage {
                    path: text(p, "path"),
                    detail: text(p, "detail"),
                },
                "spooled" => Error::Spooled {
                    events: p["events"].as_u64().unwrap() as u32,
                    cause: text(p, "cause"),
                },
                other => panic!("an error case the guest does not know: {other}"),
            };
            assert_eq!(error.describe(), case["text"].as_str().unwrap(), "{name}");
        }
    }
}
