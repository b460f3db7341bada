//! The native references: the same bodies built by the same Rust encoder,
//! natively, and posted by a keep-alive hyper client with TCP_NODELAY.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use runner_metrics::encode::{Entry, Stream, json, line};
use runner_metrics::{Event, validate};

pub struct NativeClient {
    client: Client<HttpConnector, Full<Bytes>>,
    url: http::Uri,
}

impl NativeClient {
    pub fn new(url: &str) -> NativeClient {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        NativeClient {
            client: Client::builder(TokioExecutor::new()).build(http),
            url: url.parse().expect("receiver URL"),
        }
    }

    /// POST `body` and read the answer; panics on anything but 2xx.
    pub async fn post(
        &self,
        body: Bytes,
        content_type: &'static str,
        content_encoding: Option<&'static str>,
    ) {
        let mut req = http::Request::post(self.url.clone()).header("content-type", content_type);
        if let Some(e) = content_encoding {
            req = req.header("content-encoding", e);
        }
        let resp = self
            .client
            .request(req.body(Full::new(body)).unwrap())
            .await
            .expect("native POST");
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.into_body().collect().await.expect("answer body");
    }
}

/// What a client does natively for one event: validate, encode the line and
/// the JSON push body.
pub fn json_body(
    event: &Event,
    labels: &[(&str, &str)],
    ts_ns: u64,
    line_buf: &mut Vec<u8>,
) -> Bytes {
    validate::event(event).expect("valid event");
    line_buf.clear();
    line::write(event, line_buf).expect("line");
    let line = std::str::from_utf8(line_buf).expect("utf-8");
    let mut l = labels.to_vec();
    l.push(("event", validate::event_name(event)));
    let stream = Stream {
        labels: l,
        entries: vec![Entry {
            ts_ns,
            line,
            shared: &[],
            own: &[],
        }],
    };
    let mut body = Vec::with_capacity(256);
    json::write(&[stream], &mut body).expect("body");
    Bytes::from(body)
}
