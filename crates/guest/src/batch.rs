//! Events waiting to be pushed: their lines, encoded once into one reused
//! buffer, grouped into streams by label set when a request is built.

use crate::Event;
use crate::encode::{Entry, Pairs, Stream};
use crate::event::{self, line};
use std::ops::Range;

/// One encoded event.
#[derive(Debug)]
pub struct Pending {
    pub ts_ns: u64,
    /// Index into `Batch::names`: the event name, the one varying label.
    pub stream: usize,
    /// Where the line is in `Batch::text`.
    line: Range<usize>,
    pub metadata: Vec<(String, String)>,
}

impl Pending {
    /// What counts towards `batch-max-bytes`: line and metadata bytes.
    pub fn size(&self) -> usize {
        self.line.len()
            + self
                .metadata
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }
}

/// The buffer of a client. Its allocations are kept from one flush to the
/// next.
#[derive(Debug, Default)]
pub struct Batch {
    pub entries: Vec<Pending>,
    /// Distinct event names, in order of first appearance.
    names: Vec<String>,
    /// Every line, back to back (serde_json writes UTF-8).
    text: Vec<u8>,
    /// Line and metadata bytes buffered, the measure of `batch-max-bytes`.
    pub bytes: usize,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Encode the line of `event` (already validated) into the batch. `Err`
    /// (why) leaves the batch as it was: the line could not be written, or
    /// is longer than `max_line` bytes.
    pub fn push(
        &mut self,
        event: &Event,
        ts_ns: u64,
        metadata: &Pairs,
        max_line: usize,
    ) -> Result<(), String> {
        let start = self.text.len();
        if let Err(e) = line::write(event, &mut self.text) {
            self.text.truncate(start);
            return Err(e.to_string());
        }
        let len = self.text.len() - start;
        if len > max_line {
            self.text.truncate(start);
            return Err(event::line_too_long(len, max_line));
        }
        let name = event::name(event);
        let stream = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        };
        let p = Pending {
            ts_ns,
            stream,
            line: start..self.text.len(),
            metadata: metadata.to_vec(),
        };
        self.bytes += p.size();
        self.entries.push(p);
        Ok(())
    }

    /// The line of `p`.
    pub fn line(&self, p: &Pending) -> &str {
        let bytes = &self.text[p.line.clone()];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: `text` only ever receives `line::write` output, which is
        // serde_json's, and serde_json writes UTF-8 (its own `to_string`
        // relies on that the same way). Checking again on every request
        // costs a pass over every line, in wasm a slow one.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Forget everything after the first `len` entries (a batch call with an
    /// invalid event is all or nothing).
    pub fn truncate(&mut self, len: usize) {
        if let Some(first) = self.entries.get(len) {
            self.text.truncate(first.line.start);
        }
        for p in self.entries.drain(len..) {
            self.bytes -= p.size();
        }
    }

    /// Order the entries by stream (in order of first appearance), then by
    /// timestamp (stably), so that a stream split over several requests goes
    /// out in time order, as Loki prefers. Needed only for the events' own
    /// timestamps: call-time ones already increase. `truncate` needs issue
    /// order, so this is for a batch about to be flushed.
    pub fn sort_by_stream_and_time(&mut self) {
        self.entries.sort_by_key(|p| (p.stream, p.ts_ns));
    }

    /// Empty the batch, keeping its allocations.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.names.clear();
        self.text.clear();
        self.bytes = 0;
    }

    /// Consecutive ranges whose line and metadata bytes stay within `max`
    /// (an entry larger than `max` alone in its range), as Promtail sizes
    /// its batches.
    pub fn chunks(&self, max: usize) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let (mut start, mut size) = (0, 0);
        for (i, p) in self.entries.iter().enumerate() {
            let n = p.size();
            if i > start && size + n > max {
                out.push(start..i);
                (start, size) = (i, 0);
            }
            size += n;
        }
        if start < self.entries.len() {
            out.push(start..self.entries.len());
        }
        out
    }

    /// The streams of `range`: one per label set in order of first
    /// appearance, each sorted by timestamp (stably, so equal timestamps keep
    /// issue order).
    pub fn streams<'a>(
        &'a self,
        range: Range<usize>,
        labels: &'a [(String, String)],
        shared: &'a Pairs,
    ) -> Vec<Stream<'a>> {
        let mut streams: Vec<Stream<'a>> = Vec::new();
        let mut slot: Vec<Option<usize>> = vec![None; self.names.len()];
        for p in &self.entries[range] {
            let i = *slot[p.stream].get_or_insert_with(|| {
                let mut l: Vec<(&str, &str)> = labels
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                l.push(("event", &self.names[p.stream]));
                streams.push(Stream {
                    labels: l,
                    entries: Vec::new(),
                });
                streams.len() - 1
            });
            streams[i].entries.push(Entry {
                ts_ns: p.ts_ns,
                line: self.line(p),
                shared,
                own: &p.metadata,
            });
        }
        for s in &mut streams {
            s.entries.sort_by_key(|e| e.ts_ns);
        }
        streams
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CustomEvent, FieldValue};

    fn event(name: &str, seq: i64) -> Event {
        Event::Custom(CustomEvent {
            name: name.into(),
            timestamp: 1.0,
            fields: vec![("n".into(), FieldValue::Integer(seq))],
        })
    }

    fn seqs(s: &Stream<'_>) -> Vec<String> {
        s.entries
            .iter()
            .map(|e| {
                e.line
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .trim_end_matches('}')
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn groups_by_name_and_sorts_each_stream() {
        let mut b = Batch::default();
        for (name, seq, ts) in [
            ("b", 30, 30),
            ("a", 20, 20),
            ("b", 10, 10),
            ("a", 21, 20),
            ("b", 20, 20),
        ] {
            b.push(&event(name, seq), ts, &[], usize::MAX).unwrap();
        }
        let labels = vec![("job".to_string(), "metrics".to_string())];
        let streams = b.streams(0..5, &labels, &[]);
        assert_eq!(streams.len(), 2);
        assert_eq!(streams[0].labels, vec![("job", "metrics"), ("event", "b")]);
        assert_eq!(seqs(&streams[0]), ["10", "20", "30"]);
        assert_eq!(streams[1].labels, vec![("job", "metrics"), ("event", "a")]);
        assert_eq!(
            seqs(&streams[1]),
            ["20", "21"],
            "equal timestamps keep issue order"
        );
        assert_eq!(b.streams(2..3, &labels, &[]).len(), 1);

        let size = b.entries[0].size();
        assert_eq!(size, r#"{"timestamp":1.0,"event":"b","n":30}"#.len());
        assert_eq!(b.chunks(2 * size), vec![0..2, 2..4, 4..5]);
        assert_eq!(b.chunks(1000), vec![0..5]);
        assert_eq!(b.chunks(1).len(), 5);
        b.truncate(1);
        assert_eq!((b.len(), b.bytes), (1, size));
        assert_eq!(
            b.line(&b.entries[0]),
            r#"{"timestamp":1.0,"event":"b","n":30}"#
        );
        b.clear();
        assert!(b.is_empty() && b.bytes == 0);
    }
}
