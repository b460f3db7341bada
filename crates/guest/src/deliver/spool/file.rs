//! One spooled batch on disk: its name, and its bytes (a header with a
//! checksum, then the exact request body that was to be sent).
//!
//! Names order the spool and keep writers apart; they are never trusted for
//! counts: the header says how many events a batch holds, and a batch whose
//! header, body and name do not agree is quarantined, not sent.
//!
//! ```text
//! <created ms, 16 digits>-<destination, 8 hex>-<writer, 16 hex>-<n, 8 digits>.batch   ready
//! <same>.tmp                                                      being written
//! <same>.claim-<until ms, 16 digits>                              being replayed
//! <same>.bad                                                      quarantined
//! ```
//!
//! The destination is a checksum of the endpoint and tenant the batch was
//! for: clients that share a spool directory replay only their own.

use crate::Encoding;

/// The first bytes of every batch file.
const MAGIC: &[u8; 8] = b"RMSPOOL1";
/// magic, encoding (1), events (4), created ms (8), destination (4), body
/// length (8), crc32 (4).
pub const HEADER_LEN: usize = 8 + 1 + 4 + 8 + 4 + 8 + 4;

/// What a batch's name says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name {
    /// When it was written, wall-clock ms; the spool's order.
    pub created_ms: u64,
    /// Where it was to go (see [`destination`]).
    pub destination: u32,
    pub writer: u64,
    pub n: u64,
}

/// The state a file's suffix gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Ready,
    Writing,
    /// Claimed by a replay that has until this wall-clock ms.
    Claimed {
        until_ms: u64,
    },
    Quarantined,
}

impl Name {
    /// The file name in `state`.
    pub fn file(&self, state: &State) -> String {
        let base = format!(
            "{:016}-{:08x}-{:016x}-{:08}",
            self.created_ms, self.destination, self.writer, self.n
        );
        match state {
            State::Ready => format!("{base}.batch"),
            State::Writing => format!("{base}.tmp"),
            State::Claimed { until_ms } => format!("{base}.claim-{until_ms:016}"),
            State::Quarantined => format!("{base}.bad"),
        }
    }

    /// The inverse of [`Name::file`]; `None` for a name this code did not write.
    pub fn parse(file: &str) -> Option<(Name, State)> {
        let (base, suffix) = file.split_once('.')?;
        let state = match suffix {
            "batch" => State::Ready,
            "tmp" => State::Writing,
            "bad" => State::Quarantined,
            s => {
                let until = s.strip_prefix("claim-")?;
                State::Claimed {
                    until_ms: digits(until, 16)?,
                }
            }
        };
        let mut parts = base.split('-');
        let created_ms = digits(parts.next()?, 16)?;
        let destination = hex(parts.next()?, 8)? as u32;
        let writer = hex(parts.next()?, 16)?;
        let n = digits(parts.next()?, 8)?;
        if parts.next().is_some() {
            return None;
        }
        Some((
            Name {
                created_ms,
                destination,
                writer,
                n,
            },
            state,
        ))
    }
}

/// Exactly `len` decimal digits.
fn digits(s: &str, len: usize) -> Option<u64> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Exactly `len` lower-case hex digits.
fn hex(s: &str, len: usize) -> Option<u64> {
    if s.len() != len
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

/// Where batches go: a checksum of the endpoint and the tenant. Batches
/// for another destination are left to the clients that have it.
pub fn destination(endpoint: &str, tenant: Option<&[u8]>) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(endpoint.as_bytes());
    h.update(&[0]);
    h.update(tenant.unwrap_or_default());
    h.finalize()
}

/// What a verified batch file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub encoding: Encoding,
    pub events: u32,
    pub created_ms: u64,
    pub destination: u32,
    pub body: Vec<u8>,
}

/// The bytes of a batch file for `name`.
pub fn encode(name: &Name, encoding: Encoding, events: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.push(tag(encoding));
    out.extend_from_slice(&events.to_le_bytes());
    out.extend_from_slice(&name.created_ms.to_le_bytes());
    out.extend_from_slice(&name.destination.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let crc = checksum(&out, body);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Read back what [`encode`] wrote. `Err`: why the bytes cannot be trusted.
pub fn decode(bytes: &[u8]) -> Result<Stored, &'static str> {
    let head = bytes.get(..HEADER_LEN).ok_or("shorter than a header")?;
    if &head[..8] != MAGIC {
        return Err("not a spool batch");
    }
    let encoding = match head[8] {
        0 => Encoding::Json,
        1 => Encoding::JsonGzip,
        2 => Encoding::Protobuf,
        _ => return Err("an unknown encoding"),
    };
    let u32_at = |i: usize| u32::from_le_bytes(head[i..i + 4].try_into().unwrap_or_default());
    let u64_at = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().unwrap_or_default());
    let events = u32_at(9);
    let created_ms = u64_at(13);
    let destination = u32_at(21);
    let len = u64_at(25);
    let crc = u32_at(33);
    let body = &bytes[HEADER_LEN..];
    if body.len() as u64 != len {
        return Err("its length does not match its header");
    }
    if checksum(&head[..33], body) != crc {
        return Err("its checksum does not match");
    }
    Ok(Stored {
        encoding,
        events,
        created_ms,
        destination,
        body: body.to_vec(),
    })
}

/// What a header alone says (to count a batch that is dropped unread, or
/// to sort out a file that is no batch without reading it all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub events: u32,
    pub created_ms: u64,
    pub destination: u32,
    /// The whole file's length: the header and the body it announces.
    pub file_len: u64,
}

impl Head {
    /// Whether the header is one written for `name`.
    pub fn is_for(&self, name: &Name) -> bool {
        self.created_ms == name.created_ms && self.destination == name.destination
    }
}

/// The header's fields; `None` when it is not one of ours.
pub fn peek(head: &[u8]) -> Option<Head> {
    if head.len() < HEADER_LEN || &head[..8] != MAGIC {
        return None;
    }
    let body_len = u64::from_le_bytes(head[25..33].try_into().ok()?);
    Some(Head {
        events: u32::from_le_bytes(head[9..13].try_into().ok()?),
        created_ms: u64::from_le_bytes(head[13..21].try_into().ok()?),
        destination: u32::from_le_bytes(head[21..25].try_into().ok()?),
        file_len: body_len.checked_add(HEADER_LEN as u64)?,
    })
}

impl Stored {
    /// Whether the file's header agrees with its name.
    pub fn is_named(&self, name: &Name) -> bool {
        self.created_ms == name.created_ms && self.destination == name.destination
    }
}

fn tag(encoding: Encoding) -> u8 {
    match encoding {
        Encoding::Json => 0,
        Encoding::JsonGzip => 1,
        Encoding::Protobuf => 2,
    }
}

fn checksum(head: &[u8], body: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(head);
    h.update(body);
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_by_time() {
        let a = Name {
            created_ms: 1_764_000_000_000,
            destination: 0xabcd_0123,
            writer: 0xdead_beef,
            n: 7,
        };
        for state in [
            State::Ready,
            State::Writing,
            State::Claimed { until_ms: 42 },
            State::Quarantined,
        ] {
            let file = a.file(&state);
            assert_eq!(Name::parse(&file), Some((a.clone(), state)), "{file}");
        }
        let later = Name {
            created_ms: a.created_ms + 1,
            destination: 0,
            writer: 0,
            n: 0,
        };
        assert!(a.file(&State::Ready) < later.file(&State::Ready));
        for foreign in [
            "x.batch",
            "00000000000000000001.0.4294967295.json.batch",
            "1764000000000000-abcd0123-00000000deadbeef-00000007.batch.extra",
            "1764000000000000-abcd0123-00000000deadbeef-00000007.claim-1",
            "1764000000000000-00000000deadbeef-00000007.batch",
            "1764000000000000-ABCD0123-00000000deadbeef-00000007.batch",
        ] {
            assert_eq!(Name::parse(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn corruption_is_detected() {
        let name = Name {
            created_ms: 99,
            destination: 7,
            writer: 1,
            n: 0,
        };
        let bytes = encode(&name, Encoding::Protobuf, 3, b"body bytes");
        let stored = decode(&bytes).unwrap();
        assert_eq!(
            (stored.encoding, stored.events, stored.created_ms),
            (Encoding::Protobuf, 3, 99)
        );
        assert_eq!(stored.body, b"body bytes");
        assert!(stored.is_named(&name));
        let head = peek(&bytes).unwrap();
        assert_eq!((head.events, head.created_ms, head.destination), (3, 99, 7));
        assert!(head.is_for(&name));
        assert_eq!(head.file_len, bytes.len() as u64);
        assert_ne!(
            destination("http://a/", None),
            destination("http://a/", Some(b"t"))
        );
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(decode(&bad).is_err(), "a flip at byte {i} is caught");
        }
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.extend_from_slice(b"interleaved");
        assert!(decode(&longer).is_err());
    }
}
