//! Delivery's rules, natively, through a scripted transport and a clock the
//! test moves: 413 halving, replay order, retry decisions and deadline
//! arithmetic. (The wasmtime suites prove the same end to end.)

use super::*;
use crate::counters::Counters;
use crate::error::Error;
use crate::settings::{Options, Settings};
use crate::{CustomEvent, FieldValue};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasi::http::types::ErrorCode;

/// Time only moves when the test says: by a transport's answer, a sleep,
/// or (when set) a little at every reading, as a real clock does.
#[derive(Default)]
struct FakeClock {
    now_ns: Cell<u64>,
    slept_ms: RefCell<Vec<u64>>,
    /// How far each `now_ns` moves the clock.
    per_read_ns: Cell<u64>,
}

impl Clock for FakeClock {
    fn now_ns(&self) -> u64 {
        self.now_ns.set(self.now_ns.get() + self.per_read_ns.get());
        self.now_ns.get()
    }
    fn wall_ns(&self) -> u64 {
        1_764_000_000_000_000_000 + self.now_ns.get()
    }
    fn sleep_ms(&self, ms: u64) {
        self.slept_ms.borrow_mut().push(ms);
        self.advance(ms);
    }
    fn jitter(&self) -> f64 {
        1.0 - f64::EPSILON
    }
    fn random_u64(&self) -> u64 {
        42
    }
}

impl FakeClock {
    fn advance(&self, ms: u64) {
        self.now_ns.set(self.now_ns.get() + ms * 1_000_000);
    }
}

/// What the scripted receiver does with one request.
enum Step {
    /// Answer after `ms`.
    Answer(u16, Option<&'static str>, u64),
    /// Fail after `ms`.
    Fail(ErrorCode, u64),
    /// Take the whole attempt's time.
    Hang,
}

/// A request as the transport saw it.
#[derive(Debug, Clone)]
struct Seen {
    events: usize,
    /// The attempt's time, in ms (what the host's timeouts are set to).
    span_ms: u64,
    content_length: String,
}

struct Script {
    clock: Rc<FakeClock>,
    steps: VecDeque<Step>,
    seen: Rc<RefCell<Vec<Seen>>>,
}

impl Transport for Script {
    fn send(&mut self, req: &Request<'_>) -> Result<Response, Error> {
        let body = std::str::from_utf8(req.body).unwrap();
        let header = |name: &str| {
            req.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default()
        };
        self.seen.borrow_mut().push(Seen {
            events: body.matches("\\\"seq\\\"").count(),
            span_ms: req.deadline.span_ns() / 1_000_000,
            content_length: header("content-length"),
        });
        let answer = |status, retry_after: Option<&str>| Response {
            status,
            retry_after: retry_after.map(str::to_string),
            body: Vec::new(),
        };
        match self.steps.pop_front().unwrap_or(Step::Answer(204, None, 1)) {
            Step::Answer(status, retry_after, ms) => {
                self.clock.advance(ms);
                Ok(answer(status, retry_after))
            }
            Step::Fail(code, ms) => {
                self.clock.advance(ms);
                Err(Error::from_code(code, req.deadline.limit_ms()))
            }
            Step::Hang => {
                let left = req.deadline.remaining_ns(self.clock.as_ref());
                let now = self.clock.now_ns.get();
                self.clock.now_ns.set(now + left);
                Err(req.deadline.timeout())
            }
        }
    }
}

struct Rig {
    settings: Settings,
    counters: Counters,
    clock: Rc<FakeClock>,
    transport: Script,
    seen: Rc<RefCell<Vec<Seen>>>,
    encoder: Encoder,
    spool: Option<Spool>,
}

impl Rig {
    fn new(steps: Vec<Step>, set: impl FnOnce(&mut Options)) -> Rig {
        let mut options = Options::default();
        set(&mut options);
        let clock = Rc::new(FakeClock::default());
        let seen = Rc::new(RefCell::new(Vec::new()));
        let settings = options.settings().unwrap();
        let spool = settings
            .spool
            .as_ref()
            .map(|s| Spool::open(s, 1, clock.random_u64()).unwrap());
        Rig {
            settings,
            counters: Counters::default(),
            transport: Script {
                clock: clock.clone(),
                steps: steps.into(),
                seen: seen.clone(),
            },
            clock,
            seen,
            encoder: Encoder::default(),
            spool,
        }
    }

    fn flush(&mut self, batch: &Batch) -> Result<(), Error> {
        Delivery {
            exchange: Exchange {
                settings: &self.settings,
                counters: &mut self.counters,
                transport: &mut self.transport,
                clock: self.clock.as_ref(),
            },
            encoder: &mut self.encoder,
            spool: self.spool.as_mut(),
        }
        .flush(batch)
    }

    fn events_per_request(&self) -> Vec<usize> {
        self.seen.borrow().iter().map(|s| s.events).collect()
    }
}

fn batch(n: i64) -> Batch {
    let mut b = Batch::default();
    for seq in 0..n {
        let e = crate::Event::Custom(CustomEvent {
            name: "x".into(),
            timestamp: 1.0,
            fields: vec![("seq".into(), FieldValue::Integer(seq))],
        });
        b.push(&e, seq as u64 + 1, &[], usize::MAX).unwrap();
    }
    b
}

#[test]
fn a_413_splits_the_batch_in_halves_until_it_fits() {
    let mut rig = Rig::new(
        vec![
            Step::Answer(413, None, 1),
            Step::Answer(413, None, 1),
            Step::Answer(204, None, 1),
            Step::Answer(204, None, 1),
            Step::Answer(204, None, 1),
        ],
        |_| {},
    );
    rig.flush(&batch(4)).unwrap();
    assert_eq!(rig.events_per_request(), [4, 2, 1, 1, 2]);
    assert_eq!(rig.counters.sent_events, 4);
    // A single event that is still too large is refused, not split further.
    let mut rig = Rig::new(vec![Step::Answer(413, None, 1)], |_| {});
    let Err(Error::Rejected { status: 413, .. }) = rig.flush(&batch(1)) else {
        panic!("a lone 413 is the outcome")
    };
    assert_eq!(rig.counters.dropped_rejected, 1);
}

#[test]
fn every_request_says_how_long_its_body_is() {
    let mut rig = Rig::new(vec![], |_| {});
    rig.flush(&batch(3)).unwrap();
    let seen = rig.seen.borrow();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].content_length,
        rig.encoder.body.len().to_string(),
        "content-length is the body's length"
    );
}

#[test]
fn retries_follow_the_policy() {
    let set = |o: &mut Options| {
        o.set_max_attempts(3).unwrap();
        o.set_min_backoff_ms(100).unwrap();
        o.set_max_backoff_ms(150).unwrap();
    };
    // 503, 429 then accepted: three requests, two retries, backoff doubling
    // up to the maximum (the fake jitter takes all of it).
    let mut rig = Rig::new(
        vec![
            Step::Answer(503, None, 1),
            Step::Answer(429, None, 1),
            Step::Answer(204, None, 1),
        ],
        set,
    );
    rig.flush(&batch(1)).unwrap();
    assert_eq!((rig.counters.requests, rig.counters.retries), (3, 2));
    assert_eq!(*rig.clock.slept_ms.borrow(), [99, 149]);
    // A `Retry-After` replaces the backoff.
    let mut rig = Rig::new(vec![Step::Answer(429, Some("2"), 1)], |o| {
        set(o);
        o.set_deadline_ms(60_000).unwrap();
    });
    rig.flush(&batch(1)).unwrap();
    assert_eq!(*rig.clock.slept_ms.borrow(), [2000]);
    // Never retried: a 400, a bad certificate, a denied host.
    for step in [
        Step::Answer(400, None, 1),
        Step::Fail(ErrorCode::TlsCertificateError, 1),
        Step::Fail(ErrorCode::HttpRequestDenied, 1),
    ] {
        let mut rig = Rig::new(vec![step], set);
        assert!(rig.flush(&batch(1)).is_err());
        assert_eq!(rig.counters.requests, 1);
    }
    // Retried: a refusal, a reset, a timeout.
    for step in [
        Step::Fail(ErrorCode::ConnectionRefused, 1),
        Step::Fail(ErrorCode::ConnectionTerminated, 1),
        Step::Hang,
    ] {
        let mut rig = Rig::new(vec![step], set);
        rig.flush(&batch(1)).unwrap();
        assert_eq!(rig.counters.requests, 2);
    }
}

#[test]
fn the_deadline_bounds_attempts_and_says_what_happened() {
    // Each attempt gets `timeout-ms` or what is left of the call: 5000 ms of
    // a 7000 ms deadline, then 1501 (after a 499 ms backoff).
    let mut rig = Rig::new(vec![Step::Hang, Step::Hang], |o| {
        o.set_max_attempts(5).unwrap();
        o.set_min_backoff_ms(500).unwrap();
        o.set_max_backoff_ms(500).unwrap();
        o.set_deadline_ms(7000).unwrap();
    });
    let Err(Error::Timeout(ms)) = rig.flush(&batch(1)) else {
        panic!("a timeout")
    };
    let limits: Vec<u64> = rig.seen.borrow().iter().map(|s| s.span_ms).collect();
    assert_eq!(limits, [5000, 1501]);
    assert_eq!(
        ms, 5000,
        "the error is the last full attempt's, not the cut-short one"
    );

    // One attempt, cut short by the call's deadline: the limit it hit is the
    // call's (the 300 the caller set, not what was left of it).
    let mut rig = Rig::new(vec![Step::Hang], |o| {
        o.set_max_attempts(1).unwrap();
        o.set_deadline_ms(300).unwrap();
    });
    rig.clock.per_read_ns.set(10_000);
    let Err(Error::Timeout(ms)) = rig.flush(&batch(1)) else {
        panic!("a timeout")
    };
    assert_eq!(ms, 300);

    // Less than a millisecond left is still time for an attempt (a receiver
    // on loopback answers in less).
    let mut rig = Rig::new(vec![Step::Answer(204, None, 0)], |o| {
        o.set_deadline_ms(1).unwrap();
    });
    rig.clock.per_read_ns.set(100_000);
    rig.flush(&batch(1)).unwrap();
    assert_eq!(rig.counters.requests, 1);

    // A 503, then an attempt the deadline cuts short: the 503 is the answer.
    let mut rig = Rig::new(vec![Step::Answer(503, None, 10), Step::Hang], |o| {
        o.set_max_attempts(5).unwrap();
        o.set_min_backoff_ms(500).unwrap();
        o.set_max_backoff_ms(500).unwrap();
        o.set_deadline_ms(2000).unwrap();
    });
    let Err(Error::Rejected { status: 503, .. }) = rig.flush(&batch(1)) else {
        panic!("the 503")
    };

    // A Retry-After past the deadline ends the call at once.
    let mut rig = Rig::new(vec![Step::Answer(503, Some("60"), 1)], |o| {
        o.set_max_attempts(5).unwrap();
        o.set_deadline_ms(5000).unwrap();
    });
    assert!(rig.flush(&batch(1)).is_err());
    assert!(rig.clock.slept_ms.borrow().is_empty());
    assert!(
        rig.clock.now_ns() < 10_000_000,
        "no waiting for a retry that cannot happen"
    );
}

#[test]
fn the_spool_replays_oldest_first_before_new_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let spool = |o: &mut Options| {
        o.set_spool(&path).unwrap();
        o.set_max_attempts(1).unwrap();
    };
    // Down: three flushes of one event each go to the spool.
    let mut rig = Rig::new(
        (0..3)
            .map(|_| Step::Fail(ErrorCode::ConnectionRefused, 1))
            .collect(),
        spool,
    );
    for n in 1..=3 {
        let Err(Error::Spooled { events, .. }) = rig.flush(&batch(n)) else {
            panic!("spooled")
        };
        assert_eq!(i64::from(events), n);
        rig.clock.advance(5);
    }
    assert_eq!(rig.counters.spooled_events, 6);
    // Up: the three batches (1, 2 and 3 events) go first, in order, then
    // the new one.
    let mut rig = Rig::new(vec![], spool);
    rig.flush(&batch(4)).unwrap();
    assert_eq!(rig.events_per_request(), [1, 2, 3, 4]);
    assert_eq!(rig.counters.replayed_events, 6);
    assert_eq!(rig.counters.sent_events, 10);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "delivered batches are removed: {left:?}");
}

/// A spool file as another process left it in `dir`: batch `n` of this
/// rig's destination (1), created `age_ms` before the rig's wall clock, in
/// `state`, holding one event (or, `.tmp`, half a batch).
fn leave(
    dir: &std::path::Path,
    rig: &Rig,
    age_ms: u64,
    n: u64,
    state: spool::file::State,
) -> std::path::PathBuf {
    let name = spool::file::Name {
        created_ms: rig.clock.wall_ns() / 1_000_000 - age_ms,
        destination: 1,
        writer: 7,
        n,
    };
    let bytes = match state {
        spool::file::State::Writing => b"half a batch".to_vec(),
        _ => spool::file::encode(&name, crate::Encoding::Json, 1, b"{}"),
    };
    let file = dir.join(name.file(&state));
    std::fs::write(&file, bytes).unwrap();
    file
}

#[test]
fn tidying_a_large_spool_stops_at_the_deadline_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let bounded = |deadline_ms| {
        let path = path.clone();
        move |o: &mut Options| {
            o.set_spool(&path).unwrap();
            // Room for 16 batches (one 4 KiB block each), the least allowed.
            o.set_spool_max_bytes(16 * 4096).unwrap();
            o.set_deadline_ms(deadline_ms).unwrap();
        }
    };
    let mut rig = Rig::new(vec![], bounded(100));
    // 400 batches an earlier run left for this destination, oldest first.
    for n in 0..400 {
        leave(dir.path(), &rig, 1000 - n, n, spool::file::State::Ready);
    }
    let files = || std::fs::read_dir(dir.path()).unwrap().count();

    // A slow disk: every clock reading finds 2 ms gone. The listing ends
    // in time, but checking 400 batches and dropping 384 to get within the
    // bound does not: it stops at the deadline, and the call says what
    // took it.
    rig.clock.per_read_ns.set(2_000_000);
    let Err(Error::Spooled { events: 1, cause }) = rig.flush(&batch(1)) else {
        panic!("the call's event is spooled")
    };
    assert!(
        cause.contains("looking through it took the call's whole deadline (100 ms)"),
        "{cause}"
    );
    assert!(rig.seen.borrow().is_empty(), "nothing was sent");
    let left = files();
    assert!(left > 50, "dropping stopped at the deadline: {left} files");
    assert!(rig.counters.dropped_spool_full > 0, "but it got somewhere");

    // The next calls go on: within the bound, then replayed.
    let mut rig = Rig::new(vec![], bounded(30_000));
    rig.flush(&batch(1)).unwrap();
    assert_eq!(files(), 0);
    assert_eq!(
        rig.counters.replayed_events, 16,
        "the 16 newest batches fit"
    );
}

#[test]
fn tmp_files_left_by_dead_writers_are_removed_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let mut rig = Rig::new(vec![], |o| o.set_spool(&path).unwrap());
    // A writer that died 11 minutes ago, and one that is writing now.
    let tmp = spool::file::State::Writing;
    let dead = leave(dir.path(), &rig, 11 * 60 * 1000, 0, tmp.clone());
    let live = leave(dir.path(), &rig, 1000, 1, tmp);
    rig.flush(&batch(1)).unwrap();
    assert!(!dead.exists(), "a .tmp older than 10 minutes is removed");
    assert!(
        live.exists(),
        "a recent .tmp is another writer's, still at work"
    );
    assert_eq!(rig.counters.replayed_events, 0, "a .tmp is never replayed");
}

#[test]
fn a_dead_replayers_claim_is_taken_back_and_a_live_one_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let mut rig = Rig::new(vec![], |o| o.set_spool(&path).unwrap());
    let wall_ms = rig.clock.wall_ns() / 1_000_000;
    let claimed = |n: u64, until_ms: u64| {
        let state = spool::file::State::Claimed { until_ms };
        leave(dir.path(), &rig, 60_000 - n, n, state)
    };
    // Killed while replaying: its claim ran out a second ago. Another
    // process is replaying the second one now, for another 10 s.
    let dead = claimed(0, wall_ms - 1000);
    let live = claimed(1, wall_ms + 10_000);
    rig.flush(&batch(1)).unwrap();
    assert!(!dead.exists());
    assert_eq!(
        rig.counters.replayed_events, 1,
        "the dead claim is replayed"
    );
    assert!(live.exists(), "a live claim is its claimer's");
    assert_eq!(
        rig.events_per_request().len(),
        2,
        "the replay, then the call"
    );
}

/// A spool in `path` with room for 16 batches (one 4 KiB block each), the
/// least allowed.
fn within_16_blocks(path: &str) -> impl FnOnce(&mut Options) + '_ {
    move |o: &mut Options| {
        o.set_spool(path).unwrap();
        o.set_spool_max_bytes(16 * 4096).unwrap();
    }
}

/// The names of the files in `dir`.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_file_posing_as_a_batch_goes_before_any_good_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let mut rig = Rig::new(vec![], within_16_blocks(&path));
    // Three good batches, then, newest, 80 KB of garbage under a batch's
    // name, and a good batch cut short: together over the bound.
    for n in 0..3 {
        leave(dir.path(), &rig, 1000 - n, n, spool::file::State::Ready);
    }
    let garbage = leave(dir.path(), &rig, 10, 3, spool::file::State::Ready);
    std::fs::write(&garbage, vec![0x5a; 80_000]).unwrap();
    let cut = leave(dir.path(), &rig, 5, 4, spool::file::State::Ready);
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 1]).unwrap();
    rig.flush(&batch(1)).unwrap();
    assert_eq!(
        rig.seen.borrow().len(),
        4,
        "every good batch, then the call's"
    );
    assert_eq!(rig.counters.replayed_events, 3);
    assert_eq!(rig.counters.dropped_spool_full, 0);
    assert_eq!(rig.counters.spool_quarantined, 2);
    // The garbage went, which brought the spool within its bound; the batch
    // cut short stays set aside, for inspection.
    let left = names_in(dir.path());
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with("-00000004.bad"), "{left:?}");
}

/// Whether this user got past file permissions (`bypassed`: it `did`
/// what they forbid), so a test of them must be skipped. Root does;
/// scripts/test-all runs these tests again as another user, where a skip
/// would hide a failure.
fn permissions_bypassed(bypassed: bool, did: &str) -> bool {
    if bypassed {
        assert!(
            std::env::var_os("RUNNER_METRICS_UNPRIVILEGED").is_none(),
            "run unprivileged, yet this user {did}"
        );
        eprintln!("skipped: this user {did}");
    }
    bypassed
}

#[test]
fn an_unreadable_batch_is_set_aside_and_the_rest_go() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let mut rig = Rig::new(vec![], |o| o.set_spool(&path).unwrap());
    let locked = leave(dir.path(), &rig, 1000, 0, spool::file::State::Ready);
    leave(dir.path(), &rig, 900, 1, spool::file::State::Ready);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if permissions_bypassed(std::fs::read(&locked).is_ok(), "reads a file of mode 000") {
        return;
    }
    rig.flush(&batch(1)).unwrap();
    assert_eq!(
        rig.seen.borrow().len(),
        2,
        "the readable batch, then the call's"
    );
    assert_eq!(rig.counters.spool_quarantined, 1);
    let bad = names_in(dir.path());
    assert_eq!(bad.len(), 1);
    assert!(bad[0].ends_with(".bad"), "{bad:?}");
}

#[test]
fn a_spool_that_cannot_be_replayed_holds_no_new_event_back() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let mut rig = Rig::new(vec![], |o| o.set_spool(&path).unwrap());
    leave(dir.path(), &rig, 1000, 0, spool::file::State::Ready);
    // Read-only: the batch can be neither claimed nor joined by another.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = dir.path().join("probe");
    let root = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    if permissions_bypassed(root, "writes a directory of mode 555") {
        return;
    }
    // The receiver is up: the call's event goes to it, and the batch that
    // could not be claimed waits for a later call.
    let sent = rig.flush(&batch(1));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    sent.unwrap();
    assert_eq!(rig.seen.borrow().len(), 1, "only the call's own batch");
    assert_eq!(rig.counters.dropped_undeliverable, 0);
    let said = rig.counters.last_error.clone().unwrap_or_default();
    assert!(
        said.starts_with("a spooled batch could not be replayed: storage failure: "),
        "{said:?}"
    );
    assert_eq!(names_in(dir.path()).len(), 1, "the batch waits");
}

#[test]
fn a_file_posing_as_an_expired_batch_goes_before_any_good_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let mut rig = Rig::new(vec![], within_16_blocks(&path));
    for n in 1..4 {
        leave(dir.path(), &rig, 1000 - n, n, spool::file::State::Ready);
    }
    // Named two days old: dropped as expired, it turns out no batch, and
    // is set aside, still over the bound. It goes first, not the good ones.
    let day = 86_400_000;
    let garbage = leave(dir.path(), &rig, 2 * day, 0, spool::file::State::Ready);
    std::fs::write(&garbage, vec![0x5a; 80_000]).unwrap();
    rig.flush(&batch(1)).unwrap();
    assert_eq!(
        rig.seen.borrow().len(),
        4,
        "every good batch, then the call's"
    );
    assert_eq!(rig.counters.dropped_spool_full, 0);
    assert_eq!(rig.counters.spool_quarantined, 1);
    // Set aside while expiring, it is said, as when sorted out or replayed.
    let said = rig.counters.last_error.clone().unwrap_or_default();
    assert!(
        said.starts_with("a spool file was not a whole batch and was set aside: "),
        "{said:?}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}
