//! Events waiting to be pushed: their encoded lines, grouped into streams by
//! label set when a request is built.

use crate::encode::{Entry, Pairs, Stream};
use std::ops::Range;

/// One encoded event.
#[derive(Debug)]
pub struct Pending {
    pub ts_ns: u64,
    /// Index into `Batch::names`: the event name, the one varying label.
    pub stream: usize,
    pub line: String,
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

/// The buffer of a client.
#[derive(Debug, Default)]
pub struct Batch {
    pub entries: Vec<Pending>,
    /// Distinct event names, in order of first appearance.
    names: Vec<String>,
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

    pub fn push(&mut self, name: &str, ts_ns: u64, line: String, metadata: Vec<(String, String)>) {
        let stream = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        };
        self.bytes += line.len()
            + metadata
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>();
        self.entries.push(Pending {
            ts_ns,
            stream,
            line,
            metadata,
        });
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

    /// Forget everything after the first `len` entries (a batch call with an
    /// invalid event is all or nothing).
    pub fn truncate(&mut self, len: usize) {
        for p in self.entries.drain(len..) {
            self.bytes -= p.line.len()
                + p.metadata
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>();
        }
    }

    /// Take the contents, leaving the batch empty.
    pub fn take(&mut self) -> Batch {
        std::mem::take(self)
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
                line: &p.line,
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

    #[test]
    fn groups_by_name_and_sorts_each_stream() {
        let mut b = Batch::default();
        b.push("b", 30, "b30".into(), vec![]);
        b.push("a", 20, "a20".into(), vec![]);
        b.push("b", 10, "b10".into(), vec![]);
        b.push("a", 20, "a20-second".into(), vec![]);
        b.push("b", 20, "b20".into(), vec![]);
        let labels = vec![("job".to_string(), "metrics".to_string())];
        let streams = b.streams(0..5, &labels, &[]);
        type Shape<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a str>);
        let shape: Vec<Shape> = streams
            .iter()
            .map(|s| (s.labels.clone(), s.entries.iter().map(|e| e.line).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (
                    vec![("job", "metrics"), ("event", "b")],
                    vec!["b10", "b20", "b30"]
                ),
                (
                    vec![("job", "metrics"), ("event", "a")],
                    vec!["a20", "a20-second"]
                ),
            ]
        );
        assert_eq!(b.streams(2..3, &labels, &[]).len(), 1);
        assert_eq!(b.chunks(6), vec![0..2, 2..3, 3..4, 4..5]);
        assert_eq!(b.chunks(100), vec![0..5]);
        assert_eq!(b.chunks(1), vec![0..1, 1..2, 2..3, 3..4, 4..5]);
        b.truncate(1);
        assert_eq!((b.len(), b.bytes), (1, 3));
    }
}
