//! Encoding: the Loki push body that carries lines to the receiver, in one
//! of three encodings. (The line itself is `event::line`.)

pub mod json;
pub mod protobuf;

use crate::Encoding;
use std::io::Write;

/// Structured metadata pairs.
pub type Pairs = [(String, String)];

/// One log entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Unix nanoseconds, the Loki entry timestamp.
    pub ts_ns: u64,
    /// The JSON line of the event.
    pub line: &'a str,
    /// Structured metadata from the config, written first.
    pub shared: &'a Pairs,
    /// This entry's own structured metadata.
    pub own: &'a Pairs,
}

impl Entry<'_> {
    pub fn has_metadata(&self) -> bool {
        !self.shared.is_empty() || !self.own.is_empty()
    }

    pub fn metadata(&self) -> impl Iterator<Item = &(String, String)> {
        self.shared.iter().chain(self.own)
    }
}

/// Entries that share one label set.
#[derive(Debug, Clone)]
pub struct Stream<'a> {
    /// Label names and values, in the order they are written.
    pub labels: Vec<(&'a str, &'a str)>,
    /// The stream's entries, in the order they are written.
    pub entries: Vec<Entry<'a>>,
}

/// The `Content-Type` of a body in `encoding`.
pub fn content_type(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Json | Encoding::JsonGzip => json::CONTENT_TYPE,
        Encoding::Protobuf => protobuf::CONTENT_TYPE,
    }
}

/// The `Content-Encoding` of a body in `encoding`, if it has one.
pub fn content_encoding(encoding: Encoding) -> Option<&'static str> {
    match encoding {
        Encoding::JsonGzip => Some("gzip"),
        Encoding::Json | Encoding::Protobuf => None,
    }
}

/// Buffers reused from one request to the next.
#[derive(Default)]
pub struct Encoder {
    /// The body of the last `encode`.
    pub body: Vec<u8>,
    /// The body before compression.
    raw: Vec<u8>,
    /// The protobuf message of the last request, kept so that its strings'
    /// allocations serve the next one.
    request: runner_metrics_logproto::PushRequest,
    snappy: Option<snap::raw::Encoder>,
}

impl Encoder {
    /// Encode `streams` into `self.body`; returns its size before compression.
    pub fn encode(&mut self, encoding: Encoding, streams: &[Stream<'_>]) -> Result<usize, String> {
        self.body.clear();
        match encoding {
            Encoding::Json => {
                json::write(streams, &mut self.body);
                Ok(self.body.len())
            }
            Encoding::JsonGzip => {
                // JSON first, then one compression pass: the JSON is written
                // in many tiny pieces, and deflate is slow fed that way.
                self.raw.clear();
                json::write(streams, &mut self.raw);
                let level = flate2::Compression::default();
                let mut gz = flate2::write::GzEncoder::new(&mut self.body, level);
                gz.write_all(&self.raw).map_err(|e| e.to_string())?;
                gz.finish().map_err(|e| e.to_string())?;
                Ok(self.raw.len())
            }
            Encoding::Protobuf => {
                self.raw.clear();
                protobuf::write(streams, &mut self.request, &mut self.raw);
                let snappy = self.snappy.get_or_insert_with(snap::raw::Encoder::new);
                self.body
                    .resize(snap::raw::max_compress_len(self.raw.len()), 0);
                let n = snappy
                    .compress(&self.raw, &mut self.body)
                    .map_err(|e| e.to_string())?;
                self.body.truncate(n);
                Ok(self.raw.len())
            }
        }
    }
}
