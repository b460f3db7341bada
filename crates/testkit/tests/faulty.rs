//! The misbehaving peer, in process: what each fault does to a client, and
//! what the server counts.

mod common;

use common::Framing;
use runner_metrics_testkit::{Fault, FaultyServer};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_before_response_reads_the_request_then_resets() {
    let server = FaultyServer::start(Fault::ResetBeforeResponse)
        .await
        .unwrap();
    let url = server.url();
    let got = blocking(move || common::request("POST", &url, &[], b"{}", Framing::Length)).await;
    let err = got.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    assert_eq!(server.requests(), 1, "the request was read in full");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_mid_body_resets_before_the_body_is_read() {
    let server = FaultyServer::start(Fault::ResetMidBody { after: 10 })
        .await
        .unwrap();
    let url = server.url();
    let err = blocking(move || {
        let (authority, path) = common::split_url(&url);
        let mut tcp = TcpStream::connect(authority).unwrap();
        write!(
            tcp,
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: 100000000\r\n\r\n"
        )
        .unwrap();
        tcp.write_all(&[b'x'; 100]).unwrap();
        tcp.flush().unwrap();
        // The rest of the body, slowly enough for the reset to come first.
        std::thread::sleep(Duration::from_millis(100));
        let chunk = vec![b'x'; 1 << 20];
        (0..100).find_map(|_| tcp.write_all(&chunk).err())
    })
    .await
    .expect("the upload was cut off");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        "{err}"
    );
    assert_eq!(server.requests(), 0, "no request was read in full");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_body_streams_what_the_client_takes() {
    let server = FaultyServer::start(Fault::HugeBody {
        status: 200,
        len: 1 << 30,
    })
    .await
    .unwrap();
    let url = server.url();
    let head = blocking(move || {
        let (authority, path) = common::split_url(&url);
        let mut tcp = TcpStream::connect(authority).unwrap();
        write!(
            tcp,
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n"
        )
        .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = tcp.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
        // Closing now: the server stops streaming.
    })
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("content-length: 1073741824"), "{head}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(server.body_bytes_sent() < 1 << 30);
}
