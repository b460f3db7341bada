//! What every suite needs besides the receivers: push URLs on loopback, a
//! port nothing listens on, and the repository's root.

use crate::PUSH_PATH;
use std::path::PathBuf;

/// The push URL of `127.0.0.1:port`.
pub fn local_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}{PUSH_PATH}")
}

/// A loopback port with nothing listening on it (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A push URL with nothing listening behind it: a request is refused.
pub fn closed_url() -> String {
    local_url(closed_port())
}

/// The repository's root directory (this crate is `crates/testkit`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/testkit is two levels down")
        .to_path_buf()
}
