//! `runner-metrics issue`: one event, pushed through a `client` or appended
//! through a `log-file`.

use crate::args::{Cli, DEFAULT_ENDPOINT, Issue, Push};
use crate::exit::{self, Failure};
use crate::load::{self, Host};
use crate::settings::Settings;
use crate::{events, paths};
use runner_metrics_host::{Entry, Error, Event, Stats, WitError};
use std::time::Instant;

pub async fn run(cli: &Cli, args: &Issue) -> Result<(), Failure> {
    let event = events::read(args)?;
    match &args.file {
        Some(path) => write(cli, path, event).await,
        None => push(cli, &args.push, event).await,
    }
}

async fn write(cli: &Cli, path: &std::path::Path, event: Event) -> Result<(), Failure> {
    let place = paths::log_file(path)?;
    let host = Host {
        dir: Some(&place.dir),
        ..Host::default()
    };
    let mut instance = load::instance(cli, host).await?;
    let file = instance
        .log_file(&place.path)
        .await
        .map_err(Failure::from)?;
    instance.write(&file, &[event]).await.map_err(Failure::from)
}

async fn push(cli: &Cli, push: &Push, event: Event) -> Result<(), Failure> {
    let settings = Settings::read(push)?;
    let spool = push.spool.as_deref().map(paths::spool).transpose()?;
    let host = Host {
        allow: &push.allow,
        dir: spool.as_ref().map(|s| &s.dir),
    };
    let mut instance = load::instance(cli, host).await?;
    let options = instance.options().await?;
    let spool_path = spool.as_ref().map(|s| s.path.as_str());
    settings.apply(&mut instance, &options, spool_path).await?;
    let client = instance.client(&options).await?;
    let started = Instant::now();
    let sent = instance
        .issue(
            &client,
            &[Entry {
                event,
                metadata: Vec::new(),
            }],
        )
        .await;
    let took = started.elapsed();
    let stats = instance.stats(&client).await.ok();
    if let Some(stats) = &stats {
        // The call's own event, refused, is its error (below), not a loss
        // of the spool's.
        let own = matches!(&sent, Err(e) if matches!(e.component(), Some(WitError::Rejected(_))));
        warn_of_losses(stats, u64::from(own));
    }
    let Err(e) = sent else {
        return Ok(());
    };
    let attempts = stats.map(|s| s.requests);
    let endpoint = push.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
    Err(Failure::new(
        exit::code(&e),
        with_context(&e, endpoint, attempts, took.as_secs_f64()),
    ))
}

/// Say what the call gave up on besides its own event (spooled batches
/// that expired, were pushed out by the bound, or were refused on replay;
/// files set aside as corrupt), which no exit code carries: nothing is lost
/// silently.
fn warn_of_losses(stats: &Stats, own_rejected: u64) {
    let d = &stats.dropped;
    let replay_rejected = d.rejected.saturating_sub(own_rejected);
    for (n, what) in [
        (
            d.spool_expired,
            "spooled events were older than --spool-max-age-ms and were dropped",
        ),
        (
            d.spool_full,
            "spooled events were dropped to keep the spool within --spool-max-bytes",
        ),
        (
            replay_rejected,
            "spooled events were refused by the receiver on replay and were dropped",
        ),
        (
            stats.spool_quarantined,
            "spool files did not match their checksum and were set aside as *.bad",
        ),
        (
            stats.spool_skipped,
            "spool entries are not spool files and were left alone",
        ),
    ] {
        if n > 0 {
            exit::say(format_args!("warning: {n} {what}"));
        }
    }
    if let Some(last) = &stats.last_error
        && (replay_rejected > 0 || stats.spool_quarantined > 0)
    {
        exit::say(format_args!("warning: {last}"));
    }
}

/// The component's text for `e`; for a failed delivery, then where it went
/// and how hard it was tried. The endpoint is shown without its query,
/// which may carry a token.
fn with_context(e: &Error, endpoint: &str, attempts: Option<u64>, secs: f64) -> String {
    let delivery = match e.component() {
        Some(
            WitError::Transport(_)
            | WitError::Timeout(_)
            | WitError::Rejected(_)
            | WitError::Spooled(_),
        ) => true,
        // The spool failed after delivery did.
        Some(WitError::Storage(_)) => attempts.is_some_and(|n| n > 0),
        _ => false,
    };
    let text = exit::describe(e);
    if !delivery {
        return text;
    }
    let endpoint = endpoint.split(['?', '#']).next().unwrap_or_default();
    let attempts = match attempts {
        Some(1) => "1 attempt".to_string(),
        Some(n) => format!("{n} attempts"),
        None => "attempts unknown".to_string(),
    };
    format!("{text} (endpoint {endpoint}, {attempts} in {secs:.1} s)")
}
