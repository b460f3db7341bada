//! The seam between delivery and the network: one HTTP exchange. The
//! component's implementation is `wasi_http`; tests script their own.

use crate::deliver::clock::Deadline;
use crate::error::Error;
use crate::settings::Endpoint;

/// At most this much of an answer's body is read; the rest is left unread.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// One request: `POST` of `body` to `endpoint`.
pub struct Request<'a> {
    pub endpoint: &'a Endpoint,
    /// Header names (lower-case) and values, `content-length` among them.
    pub headers: &'a [(&'a str, &'a [u8])],
    pub body: &'a [u8],
    /// Connect, upload and the whole answer must fit before it.
    pub deadline: Deadline,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The raw `Retry-After` value, if any.
    pub retry_after: Option<String>,
    /// Up to [`MAX_RESPONSE_BODY`] bytes of the body.
    pub body: Vec<u8>,
}

/// Sends requests.
pub trait Transport {
    /// Exchange `request`, or fail: `Error::Transport` with the host's code,
    /// or `Error::Timeout` when `request.deadline` passed first.
    fn send(&mut self, request: &Request<'_>) -> Result<Response, Error>;
}
