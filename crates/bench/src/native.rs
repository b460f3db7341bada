//! The native references: the same bodies built by the same Rust encoder,
//! natively, and posted by a keep-alive hyper client with TCP_NODELAY.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use runner_metrics::encode::{Entry, Stream, json};
use runner_metrics::event::{self, line, validate};
use runner_metrics::{Event, RunnerStart};

/// Loki's default line limit, the component's default `max-line-bytes`.
pub const MAX_LINE: usize = 256 * 1024;

#[derive(Clone)]
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
        let mut req = http::Request::post(self.url.clone())
            .header("content-type", content_type)
            .header("content-length", body.len());
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

    /// What a client does natively for one event: validate it, write its
    /// line and the JSON push body, and POST that.
    pub async fn issue(&self, event: &Event, line_buf: &mut Vec<u8>) {
        let body = json_body(event, &[("job", "metrics")], now_ns(), line_buf);
        self.post(body, json::CONTENT_TYPE, None).await;
    }
}

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Validate, encode the line and the JSON push body.
pub fn json_body(
    event: &Event,
    labels: &[(&str, &str)],
    ts_ns: u64,
    line_buf: &mut Vec<u8>,
) -> Bytes {
    validate::event(event, MAX_LINE).expect("valid event");
    line_buf.clear();
    line::write(event, line_buf).expect("line");
    let line = std::str::from_utf8(line_buf).expect("utf-8");
    let mut l = labels.to_vec();
    l.push(("event", event::name(event)));
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
    json::write(&[stream], &mut body);
    Bytes::from(body)
}

/// The event of the single-event sections, as the guest's type.
pub fn guest_event() -> Event {
    Event::RunnerStart(RunnerStart {
        timestamp: 1_764_000_000.5,
        flavor: "small".into(),
        workflow: "CI".into(),
        repo: "canonical/github-runner-operator".into(),
        github_event: "pull_request".into(),
        idle: 3.5,
        queue_duration: Some(12.25),
    })
}

/// The same event as the host's type.
pub fn host_event() -> runner_metrics_host::Event {
    host_event_at(1_764_000_000.5)
}

/// The same event, as the host's type, at another time.
pub fn host_event_at(timestamp: f64) -> runner_metrics_host::Event {
    runner_metrics_host::Event::RunnerStart(runner_metrics_host::RunnerStart {
        timestamp,
        flavor: "small".into(),
        workflow: "CI".into(),
        repo: "canonical/github-runner-operator".into(),
        github_event: "pull_request".into(),
        idle: 3.5,
        queue_duration: Some(12.25),
    })
}
