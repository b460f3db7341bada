//! Arbitrary answers from the receiver (any status, body and
//! `Retry-After`): a 2xx is `ok`, anything else `rejected` with the status,
//! the body's first KiB made UTF-8, and a delay in seconds read as the
//! signed milliseconds the WIT gives (saturating); never a trap.

use super::*;
use strategies::*;

#[test]
fn arbitrary_answers_are_classified_never_trap() {
    let rig = rig();
    let answer = (
        200u16..=599,
        proptest::collection::vec(any::<u8>(), 0..3000),
        proptest::option::of(prop_oneof!["[0-9]{1,25}", text()]),
    );
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&answer, |(status, body, retry_after)| {
            let mut reply = Reply::Status {
                status,
                headers: vec![],
                body: body.clone(),
            };
            if let Some(v) = &retry_after {
                reply = reply.with_header("Retry-After", v);
            }
            rig.rx.script([reply]);
            let result = rig.issue(&one_of_each()[..1]);
            no_trap(&result)?;
            let has_body = !matches!(status, 204 | 304);
            let huge_header = retry_after.as_ref().is_some_and(|v| v.len() > 64 * 1024);
            match result {
                // hyper refuses an answer whose head is that large.
                Err(Error::Component(WitError::Transport(_))) if huge_header => {}
                Ok(()) => prop_assert!((200..300).contains(&status)),
                Err(Error::Component(WitError::Rejected(r))) => {
                    prop_assert!(!(200..300).contains(&status));
                    prop_assert_eq!(r.status, status);
                    // Decoded (lossy), then cut to its first KiB at a
                    // character's end, as the WIT's `rejection.body` says.
                    let want = if has_body {
                        let text = String::from_utf8_lossy(&body).into_owned();
                        let mut end = text.len().min(1024);
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text[..end].to_string()
                    } else {
                        String::new()
                    };
                    prop_assert_eq!(r.body, want);
                    if let Some(v) = retry_after
                        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    {
                        // As many digits as given, capped at 2^53 - 1 ms
                        // (the WIT's `rejection.retry-after-ms`).
                        const CAP: i64 = (1 << 53) - 1;
                        let ms = v.parse::<u128>().map_or(CAP, |s| {
                            i64::try_from(s.saturating_mul(1000))
                                .unwrap_or(CAP)
                                .min(CAP)
                        });
                        prop_assert_eq!(r.retry_after_ms, Some(ms));
                    }
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            Ok(())
        })
        .unwrap();
}
