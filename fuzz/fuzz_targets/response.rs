//! The response handling: any status, `Retry-After` value and body is
//! classified and turned into a bounded error without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runner_metrics::deliver::attempt::rejection;
use runner_metrics::deliver::retry::{self, Attempt, Decision};
use runner_metrics::error::Error;
use runner_metrics::redact::Secrets;
use std::time::{Duration, SystemTime};

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]) % 1000;
    let split = (data[2] as usize).min(data.len() - 3);
    let header = String::from_utf8_lossy(&data[3..3 + split]);
    let body = &data[3 + split..];
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);

    let retry_after_ms = retry::retry_after_ms(&header, now);
    // Delay-seconds (RFC 9110) always parse, to whole seconds (or the cap).
    let digits = header.trim();
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let ms = retry_after_ms.expect("delay-seconds parse");
        assert!(ms % 1000 == 0 || ms == retry::MAX_RETRY_AFTER_MS, "{ms}");
    }
    let decision = retry::classify(Attempt::Answered {
        status,
        retry_after_ms,
    });
    match decision {
        Decision::Accepted { .. } => assert!((200..300).contains(&status)),
        Decision::Split => assert_eq!(status, 413),
        Decision::Retry { after_ms } => {
            assert!(status == 429 || (status >= 500 && status != 501));
            assert_eq!(after_ms, retry_after_ms);
        }
        Decision::GiveUp => {}
    }
    match rejection(status, body, retry_after_ms, &Secrets::default()) {
        Error::Rejected {
            status: s,
            body: text,
            ..
        } => {
            assert_eq!(s, status);
            // The first KiB: exactly, when it is UTF-8.
            let prefix = &body[..body.len().min(1024)];
            if let Ok(exact) = std::str::from_utf8(prefix) {
                assert_eq!(text, exact);
            }
            assert!(text.chars().count() <= 1024);
        }
        other => panic!("{other:?}"),
    }
});
