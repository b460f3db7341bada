//! How the receiver answers: a status with headers and body, or none.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;

/// How to answer a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with this status, headers and body. A 2xx records the push.
    Status {
        /// The status code.
        status: u16,
        /// Response headers, in order.
        headers: Vec<(String, String)>,
        /// The response body.
        body: Vec<u8>,
    },
    /// Read the request, then never answer.
    Hang,
    /// Store the push as Loki would, then never answer: the client cannot
    /// tell it arrived (a lost 204).
    LostAnswer,
}

impl Reply {
    /// Loki's success: 204 No Content.
    pub fn accept() -> Reply {
        Reply::status(204, "")
    }

    /// Answer `status` with `body` and no headers.
    pub fn status(status: u16, body: &str) -> Reply {
        Reply::Status {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// Add a response header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Status { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }
}

/// The HTTP response for a status, headers and body; an invalid header is
/// left out rather than failing the test server.
pub(crate) fn answer(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::copy_from_slice(body)));
    *resp.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    for (n, v) in headers {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(n.as_bytes()),
            http::HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(n, v);
        }
    }
    resp
}
