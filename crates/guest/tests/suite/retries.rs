//! Retry rules against a scripted receiver: what is retried (transport
//! failures, timeouts, 429, 5xx but 501), what is not, `Retry-After` in
//! seconds and as a date, `max-attempts`, and the call's `deadline-ms`.

use crate::common::*;
use runner_metrics_host::{Client, Error, Instance, WitError};
use runner_metrics_testkit::{Receiver, Reply};
use std::time::{Duration, Instant, SystemTime};

/// A client to `url` with this retry policy (the deadline left at its
/// default when `None`).
async fn retrying(
    inst: &mut Instance,
    url: &str,
    min_ms: i64,
    max_ms: i64,
    attempts: i64,
    deadline_ms: Option<i64>,
) -> Client {
    client_with(inst, url, async |i, o| {
        i.set_max_attempts(o, attempts).await?;
        i.set_min_backoff_ms(o, min_ms).await?;
        i.set_max_backoff_ms(o, max_ms).await?;
        match deadline_ms {
            Some(ms) => i.set_deadline_ms(o, ms).await,
            None => Ok(()),
        }
    })
    .await
}

/// One event through `c`: the outcome, and how long the call took.
async fn issue_timed(inst: &mut Instance, c: &Client) -> (Result<(), Error>, Duration) {
    let started = Instant::now();
    let result = issue(inst, c, &one_of_each()[0]).await;
    (result, started.elapsed())
}

#[tokio::test]
async fn two_503s_then_204_succeeds_with_two_retries() {
    let rx = Receiver::start().await.unwrap();
    rx.script([Reply::status(503, "ring unhealthy"), Reply::status(503, "")]);
    let mut inst = instance().await;
    let c = retrying(&mut inst, &rx.url(), 10, 50, 10, None).await;
    issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    assert_eq!(rx.requests(), 3);
    assert_eq!(rx.pushes().len(), 1);
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        (stats.requests, stats.retries, stats.sent_events),
        (3, 2, 1)
    );
}

#[tokio::test]
async fn every_retryable_answer_is_retried() {
    for status in [429, 500, 502, 503, 504, 599] {
        let rx = Receiver::start().await.unwrap();
        rx.script([Reply::status(status, "try again")]);
        let mut inst = instance().await;
        let c = retrying(&mut inst, &rx.url(), 1, 5, 3, None).await;
        issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
        assert_eq!(rx.requests(), 2, "{status}");
    }
}

#[tokio::test]
async fn a_429_with_retry_after_waits_that_long() {
    let rx = Receiver::start().await.unwrap();
    rx.script([Reply::status(429, "slow down").with_header("Retry-After", "1")]);
    let mut inst = instance().await;
    // Backoff alone would retry after 10 ms; Retry-After says 1 s.
    let c = retrying(&mut inst, &rx.url(), 10, 10, 5, None).await;
    let (result, took) = issue_timed(&mut inst, &c).await;
    result.unwrap();
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(rx.requests(), 2);
}

/// `at` as an HTTP date (RFC 9110's IMF-fixdate), whole seconds, formatted
/// here rather than by the `httpdate` the component uses.
fn http_date(at: SystemTime) -> String {
    let secs = at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days to a civil date (Howard Hinnant's `civil_from_days`).
    let z = days + 719_468;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        months[month as usize - 1],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[test]
fn http_dates_are_formatted_as_rfc_9110_says() {
    // RFC 9110's own example, and a leap day.
    let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    assert_eq!(http_date(at(784_111_777)), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(http_date(at(951_782_400)), "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_eq!(http_date(at(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
}

#[tokio::test]
async fn a_503_with_retry_after_as_an_http_date_waits_until_then() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    // Backoff alone would retry after 5 to 10 ms.
    let c = retrying(&mut inst, &rx.url(), 10, 10, 5, Some(10_000)).await;
    // Dates have whole seconds: 2 s ahead, truncated, is 1 to 2 s away.
    let at = SystemTime::now() + Duration::from_secs(2);
    rx.script([Reply::status(503, "ring unhealthy").with_header("Retry-After", &http_date(at))]);
    issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    let arrivals = rx.arrivals();
    assert_eq!(arrivals.len(), 2);
    let gap = arrivals[1] - arrivals[0];
    // 1 s less the few ms between scripting and the client reading the
    // answer; at most 2 s, with slack for a loaded machine.
    assert!(
        gap >= Duration::from_millis(900) && gap < Duration::from_secs(3),
        "retried after {gap:?}"
    );
    assert_eq!(inst.stats(&c).await.unwrap().retries, 1);
}

#[tokio::test]
async fn statuses_that_are_never_retried() {
    for status in [301, 400, 401, 403, 404, 409, 422, 501] {
        let rx = Receiver::start().await.unwrap();
        rx.script([Reply::status(status, "no")]);
        let mut inst = instance().await;
        let c = retrying(&mut inst, &rx.url(), 1, 5, 10, None).await;
        let err = issue(&mut inst, &c, &one_of_each()[0]).await.unwrap_err();
        match err {
            Error::Component(WitError::Rejected(r)) => assert_eq!(r.status, status),
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(rx.requests(), 1, "{status} is not retried");
        let stats = inst.stats(&c).await.unwrap();
        assert_eq!((stats.retries, stats.dropped.rejected), (0, 1));
        assert!(stats.last_error.unwrap().contains(&status.to_string()));
    }
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let rx = Receiver::start().await.unwrap();
    rx.set_default(Reply::status(503, "down"));
    let mut inst = instance().await;
    let c = retrying(&mut inst, &rx.url(), 1, 2, 4, None).await;
    let (result, _) = issue_timed(&mut inst, &c).await;
    let err = result.unwrap_err();
    assert!(
        matches!(err, Error::Component(WitError::Rejected(ref r)) if r.status == 503),
        "{err:?}"
    );
    assert_eq!(rx.requests(), 4);
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        (stats.requests, stats.retries, stats.dropped.undeliverable),
        (4, 3, 1)
    );
}

#[tokio::test]
async fn refused_connections_are_retried() {
    let mut inst = instance().await;
    let c = retrying(&mut inst, &closed_url(), 1, 2, 3, None).await;
    let (result, _) = issue_timed(&mut inst, &c).await;
    let err = result.unwrap_err();
    assert!(err.to_string().contains("connection-refused"), "{err}");
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.requests, stats.retries), (3, 2));
}

#[tokio::test]
async fn the_deadline_bounds_the_whole_call() {
    let rx = Receiver::start().await.unwrap();
    rx.set_default(Reply::status(503, "down"));
    let mut inst = instance().await;
    let c = retrying(&mut inst, &rx.url(), 100, 200, 1000, Some(1000)).await;
    let (result, took) = issue_timed(&mut inst, &c).await;
    let err = result.unwrap_err();
    assert!(
        matches!(err, Error::Component(WitError::Rejected(_))),
        "{err:?}"
    );
    assert!(took < Duration::from_millis(1300), "{took:?}");
    assert!(
        rx.requests() >= 4,
        "it kept trying until the deadline: {}",
        rx.requests()
    );
}

#[tokio::test]
async fn a_retry_the_deadline_cuts_short_reports_the_answer_before_it() {
    // 503, then a receiver that never answers: the retry gets what is left
    // of the deadline, less than its own 5 s timeout, and runs out.
    let rx = Receiver::start().await.unwrap();
    rx.script([Reply::status(503, "ring unhealthy")]);
    rx.set_default(Reply::Hang);
    let mut inst = instance().await;
    let c = retrying(&mut inst, &rx.url(), 100, 100, 10, Some(800)).await;
    let (result, took) = issue_timed(&mut inst, &c).await;
    let err = result.unwrap_err();
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert!(
        matches!(err, Error::Component(WitError::Rejected(ref r)) if r.status == 503),
        "the 503 made it retry; the cut-short retry's timeout says nothing: {err:?}"
    );
    assert_eq!(rx.requests(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_ends_the_call_at_once() {
    let rx = Receiver::start().await.unwrap();
    rx.set_default(Reply::status(429, "later").with_header("Retry-After", "60"));
    let mut inst = instance().await;
    let c = retrying(&mut inst, &rx.url(), 10, 10, 10, Some(5000)).await;
    let (result, took) = issue_timed(&mut inst, &c).await;
    let err = result.unwrap_err();
    assert!(
        took < Duration::from_secs(2),
        "no pointless sleep to the deadline"
    );
    match err {
        Error::Component(WitError::Rejected(r)) => assert_eq!(r.retry_after_ms, Some(60_000)),
        other => panic!("{other:?}"),
    }
    assert_eq!(rx.requests(), 1);
}

#[tokio::test]
async fn a_hung_receiver_is_retried_within_the_deadline() {
    let rx = Receiver::start().await.unwrap();
    rx.script([Reply::Hang]);
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_max_attempts(o, 3).await?;
        i.set_min_backoff_ms(o, 10).await?;
        i.set_max_backoff_ms(o, 10).await?;
        i.set_deadline_ms(o, 5000).await?;
        i.set_timeout_ms(o, 300).await
    })
    .await;
    issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    assert_eq!(rx.requests(), 2, "the timed-out attempt was retried");
    assert_eq!(inst.stats(&c).await.unwrap().retries, 1);
}

#[tokio::test]
async fn other_2xx_answers_are_accepted_and_counted() {
    let rx = Receiver::start().await.unwrap();
    rx.script([Reply::status(200, "ok"), Reply::status(260, "")]);
    let mut inst = instance().await;
    let c = client(&mut inst, &rx.url()).await;
    for _ in 0..3 {
        issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    }
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        (stats.sent_events, stats.accepted_not_204, stats.retries),
        (3, 2, 0)
    );
}
