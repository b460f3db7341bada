//! A receiver that misbehaves on purpose, at the TCP level: the fault
//! matrix's peer for what a well-behaved HTTP server (see [`crate::receiver`])
//! cannot do, such as resetting mid-upload or mid-answer, or answering a byte
//! a second.

use crate::receiver::PUSH_PATH;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server does once it has read a request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Close with a reset (SO_LINGER 0) before answering.
    ResetBeforeResponse,
    /// Read the head and at least `after` bytes of the body, then reset
    /// while the client is still uploading: short of the whole body when
    /// its length is announced (unless one read brought it all).
    ResetMidBody {
        /// Body bytes to read first.
        after: usize,
    },
    /// Send part of the status line and headers, then reset.
    ResetDuringResponse,
    /// Never answer; keep the connection open.
    Hang,
    /// Accept the connection and never read from it: a large request body
    /// fills the socket buffers and the upload stalls.
    NeverReads,
    /// Send `head` at once, then `rest` one byte per `every`.
    Slow {
        /// Sent at once.
        head: Vec<u8>,
        /// Sent a byte at a time.
        rest: Vec<u8>,
        /// The wait after each byte of `rest`.
        every: Duration,
    },
    /// Answer `status` announcing a body of `len` bytes, and stream zeros
    /// for as long as the client reads.
    HugeBody {
        /// The status code.
        status: u16,
        /// The announced `content-length`.
        len: u64,
    },
    /// Send these bytes, then close the connection.
    Raw(Vec<u8>),
    /// Send `answer` (with no `Connection: close`), wait `after` without
    /// reading, then close: a client that sent its next request on the
    /// connection meanwhile finds it closed unanswered.
    AnswerThenClose {
        /// The whole answer.
        answer: Vec<u8>,
        /// How long the connection looks alive after it.
        after: Duration,
        /// Close with a reset, as a server closing a socket with unread
        /// bytes in it does, instead of a FIN.
        reset: bool,
    },
}

/// The server; it stops when dropped.
pub struct FaultyServer {
    addr: SocketAddr,
    counters: Arc<Counters>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Counters {
    requests: AtomicUsize,
    body_bytes: AtomicU64,
}

impl FaultyServer {
    /// Listen on `127.0.0.1:0` and misbehave as `fault` says on every
    /// connection.
    pub async fn start(fault: Fault) -> std::io::Result<FaultyServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let counter = counters.clone();
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((tcp, _)) = listener.accept().await {
                let fault = fault.clone();
                let counter = counter.clone();
                connections.spawn(async move {
                    let _ = serve(tcp, fault, &counter).await;
                });
            }
        });
        Ok(FaultyServer {
            addr,
            counters,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/loki/api/v1/push`.
    pub fn url(&self) -> String {
        format!("http://{}{PUSH_PATH}", self.addr)
    }

    /// Requests read in full.
    pub fn requests(&self) -> usize {
        self.counters.requests.load(Ordering::SeqCst)
    }

    /// Response body bytes the client took (written into the socket) before
    /// it closed the connection: what a client that stops reading lets in.
    pub fn body_bytes_sent(&self) -> u64 {
        self.counters.body_bytes.load(Ordering::SeqCst)
    }
}

impl Drop for FaultyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut tcp: TcpStream, fault: Fault, counters: &Counters) -> std::io::Result<()> {
    if let Fault::NeverReads = fault {
        std::future::pending::<()>().await;
    }
    if let Fault::ResetMidBody { after } = fault {
        read_request(&mut tcp, Some(after)).await?;
        return tcp.set_zero_linger();
    }
    read_request(&mut tcp, None).await?;
    counters.requests.fetch_add(1, Ordering::SeqCst);
    match fault {
        Fault::ResetBeforeResponse | Fault::ResetMidBody { .. } => tcp.set_zero_linger(),
        Fault::ResetDuringResponse => {
            tcp.write_all(b"HTTP/1.1 204 No Con").await?;
            tcp.flush().await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
            tcp.set_zero_linger()
        }
        Fault::Hang | Fault::NeverReads => {
            std::future::pending::<()>().await;
            Ok(())
        }
        Fault::Slow { head, rest, every } => {
            tcp.write_all(&head).await?;
            for b in rest {
                tcp.write_all(&[b]).await?;
                tokio::time::sleep(every).await;
            }
            Ok(())
        }
        Fault::HugeBody { status, len } => {
            let head = format!("HTTP/1.1 {status} Whatever\r\ncontent-length: {len}\r\n\r\n");
            tcp.write_all(head.as_bytes()).await?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                tcp.write_all(&chunk[..n]).await?;
                counters.body_bytes.fetch_add(n as u64, Ordering::SeqCst);
                left -= n as u64;
            }
            Ok(())
        }
        Fault::Raw(bytes) => {
            tcp.write_all(&bytes).await?;
            tcp.shutdown().await
        }
        Fault::AnswerThenClose {
            answer,
            after,
            reset,
        } => {
            tcp.write_all(&answer).await?;
            tokio::time::sleep(after).await;
            if reset {
                tcp.set_zero_linger()
            } else {
                tcp.shutdown().await
            }
        }
    }
}

/// Read one request: the head, then a chunked body to its last chunk or a
/// `content-length` body. With `stop_after`, stop once that many body bytes
/// are in, and short of the announced length, as far as reads allow.
async fn read_request(tcp: &mut TcpStream, stop_after: Option<usize>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = tcp.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let stop_after = stop_after.map(|n| match length {
        Some(len) => n.min(len.saturating_sub(1)),
        None => n,
    });
    loop {
        let body = &buf[head_end..];
        let done = match length {
            Some(n) => body.len() >= n,
            None => body.ends_with(b"0\r\n\r\n"),
        };
        if done || stop_after.is_some_and(|n| body.len() >= n) {
            return Ok(());
        }
        // Read no further than needed, so as to stop mid-body.
        let want = match (stop_after, length) {
            (Some(n), _) | (None, Some(n)) => (n - body.len()).min(chunk.len()),
            (None, None) => chunk.len(),
        };
        let n = tcp.read(&mut chunk[..want]).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
