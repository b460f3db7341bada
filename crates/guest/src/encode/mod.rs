//! Encoding: the Loki push body that carries lines to the receiver, in one
//! of three encodings. (The line itself is `event::line`.)

pub mod json;
pub mod protobuf;
mod streams;

pub use streams::{Entry, Pairs, Stream};

use crate::Encoding;
use std::io::Write;

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
