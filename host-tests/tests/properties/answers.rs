//! Arbitrary answers from the receiver.

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
            let result = rig.rt.block_on(
                rig.inst
                    .borrow_mut()
                    .client_issue_event(rig.client, &one_of_each()[0]),
            );
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
                    let cut = &body[..body.len().min(1024)];
                    let want = if has_body {
                        String::from_utf8_lossy(cut).into_owned()
                    } else {
                        String::new()
                    };
                    prop_assert_eq!(r.body, want);
                    if let Some(v) = retry_after
                        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    {
                        let secs: u64 = v.parse().unwrap_or(u64::MAX);
                        prop_assert_eq!(r.retry_after_ms, Some(secs.saturating_mul(1000)));
                    }
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            Ok(())
        })
        .unwrap();
}
