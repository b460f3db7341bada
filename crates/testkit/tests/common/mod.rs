//! What the tests share: a raw HTTP/1.1 client (so a test chooses between
//! `Content-Length` and chunked framing), push bodies, and the
//! `runner-metrics-receiver` binary run as the other suites run it.

#![allow(dead_code)] // each test binary uses its own part

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How a request body is framed.
#[derive(Clone, Copy, PartialEq)]
pub enum Framing {
    Length,
    Chunked,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("{e}: {:?}", String::from_utf8_lossy(&self.body));
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `http://host:port/path` → (`host:port`, `/path`).
pub fn split_url(url: &str) -> (&str, &str) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let slash = rest.find('/').unwrap_or(rest.len());
    (&rest[..slash], &rest[slash..])
}

/// Send one request on a new connection (`Connection: close`) and read the
/// answer to the end.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    framing: Framing,
) -> std::io::Result<Answer> {
    let (authority, path) = split_url(url);
    let mut tcp = TcpStream::connect(authority)?;
    tcp.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    match framing {
        Framing::Length => head.push_str(&format!("content-length: {}\r\n\r\n", body.len())),
        Framing::Chunked => head.push_str("transfer-encoding: chunked\r\n\r\n"),
    }
    tcp.write_all(head.as_bytes())?;
    match framing {
        Framing::Length => tcp.write_all(body)?,
        Framing::Chunked => {
            // Two chunks, then the last one.
            let (a, b) = body.split_at(body.len() / 2);
            for part in [a, b] {
                if !part.is_empty() {
                    tcp.write_all(format!("{:x}\r\n", part.len()).as_bytes())?;
                    tcp.write_all(part)?;
                    tcp.write_all(b"\r\n")?;
                }
            }
            tcp.write_all(b"0\r\n\r\n")?;
        }
    }
    tcp.flush()?;
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw)?;
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> std::io::Result<Answer> {
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of head"))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = raw[end + 4..].to_vec();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

pub fn post(url: &str, content_type: &str, body: &[u8]) -> Answer {
    request(
        "POST",
        url,
        &[("content-type", content_type)],
        body,
        Framing::Length,
    )
    .unwrap()
}

pub fn get(url: &str) -> Answer {
    request("GET", url, &[], b"", Framing::Length).unwrap()
}

pub fn post_json(url: &str, value: &Value) -> Answer {
    post(url, "application/json", value.to_string().as_bytes())
}

/// Unix nanoseconds, now.
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

/// A Loki JSON push body: `{job, event}` labels, two entries, the second
/// with structured metadata.
pub fn json_body(ts: i64) -> Vec<u8> {
    serde_json::json!({
        "streams": [{
            "stream": {"job": "runner-metrics", "event": "start"},
            "values": [
                [ts.to_string(), "first line"],
                [(ts + 1).to_string(), "second line", {"run_id": "42", "repo": "o/r"}],
            ],
        }]
    })
    .to_string()
    .into_bytes()
}

/// The `runner-metrics-receiver` binary, run as the Python and JavaScript
/// suites run it: stdin a pipe, the URLs read from its first line. Dropping
/// it kills the process.
pub struct Spawned {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub push: String,
    pub control: String,
}

impl Spawned {
    pub fn start(args: &[&str]) -> Spawned {
        let mut child = Command::new(env!("CARGO_BIN_EXE_runner-metrics-receiver"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawning runner-metrics-receiver");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("first line {line:?} is not JSON: {e}"));
        let field = |name: &str| ready[name].as_str().unwrap().to_string();
        Spawned {
            stdin: child.stdin.take(),
            push: field("push"),
            control: field("control"),
            child,
        }
    }

    pub fn control(&self, route: &str) -> String {
        format!("{}/{route}", self.control)
    }

    /// Wait up to `limit` for the process to exit; its status code.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A rustls client that trusts only `roots`, with the ring provider.
pub fn tls_client(roots: &[rustls::pki_types::CertificateDer<'static>]) -> rustls::ClientConfig {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth()
}

/// Send `POST` with an empty JSON body over TLS to `url` (`https://`),
/// verifying the server's certificate as `config` says: the answer's status.
pub fn tls_post(url: &str, config: rustls::ClientConfig) -> Result<u16, rustls::Error> {
    let rest = url.strip_prefix("https://").expect("an https:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let host = authority.rsplit_once(':').unwrap().0.to_string();
    let name = rustls::pki_types::ServerName::try_from(host).unwrap();
    let mut conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name)?;
    let mut tcp = TcpStream::connect(authority).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let req = format!(
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
    );
    let io_to_tls = |e: std::io::Error| match e.into_inner() {
        Some(inner) => match inner.downcast::<rustls::Error>() {
            Ok(tls) => *tls,
            Err(other) => rustls::Error::General(other.to_string()),
        },
        None => rustls::Error::General("I/O error".into()),
    };
    tls.write_all(req.as_bytes()).map_err(io_to_tls)?;
    let mut raw = Vec::new();
    match tls.read_to_end(&mut raw) {
        Ok(_) => {}
        // The server may close without close_notify after answering.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(io_to_tls(e)),
    }
    Ok(parse_answer(&raw).unwrap().status)
}
