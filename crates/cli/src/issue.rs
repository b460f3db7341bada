//! `runner-metrics issue`: one event, pushed through a `client` or appended
//! through a `log-file`.

use crate::args::{Cli, DEFAULT_ENDPOINT, Issue, Push};
use crate::exit::{self, Failure};
use crate::load::{self, Host};
use crate::settings::Settings;
use crate::{events, paths};
use runner_metrics_host::{Entry, Error, Event, Stats, WitError};
use std::path::Path;
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
    let name = Path::new(&place.path).file_name().unwrap_or_default();
    let on_host = place.dir.host.join(name);
    let existed = std::fs::symlink_metadata(&on_host).is_ok();
    let file = instance
        .log_file(&place.path)
        .await
        .map_err(Failure::from)?;
    let written = instance.write(&file, &[event]).await;
    if let Err(e) = &written
        && matches!(e.component(), Some(WitError::InvalidEvent(_)))
        && !existed
        && std::fs::metadata(&on_host).is_ok_and(|m| m.len() == 0)
    {
        // The log file's constructor made it; a refused event leaves
        // nothing behind.
        let _ = std::fs::remove_file(&on_host);
    }
    written.map_err(Failure::from)
}

async fn push(cli: &Cli, push: &Push, event: Event) -> Result<(), Failure> {
    let settings = Settings::read(push)?;
    let spool = push.spool.as_deref().map(paths::spool).transpose()?;
    let host = Host {
        allow: &push.allow,
        dir: spool.as_ref().map(|s| &s.dir),
    };
    let made = async {
        let mut instance = load::instance(cli, host).await?;
        let options = instance.options().await?;
        let spool_path = spool.as_ref().map(|s| s.path.as_str());
        settings.apply(&mut instance, &options, spool_path).await?;
        let client = instance.client(&options).await?;
        Ok::<_, Failure>((instance, client))
    };
    let (mut instance, client) = match made.await {
        Ok(made) => made,
        Err(e) => {
            if let Some(spool) = &spool {
                spool.unmake();
            }
            return Err(e);
        }
    };
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
    if let (Err(e), Some(spool)) = (&sent, &spool)
        && matches!(e.component(), Some(WitError::InvalidEvent(_)))
    {
        // A refused event touched no spool: leave no new directory behind.
        spool.unmake();
    }
    let stats = instance.stats(&client).await.ok();
    if let Some(stats) = &stats {
        // The call's own event, refused, is its error (below), not a loss
        // of the spool's.
        let own = matches!(&sent, Err(e) if matches!(e.component(), Some(WitError::Rejected(_))));
        let dir = spool.as_ref().map(|s| s.dir.host.as_path());
        warn_of_losses(stats, u64::from(own), sent.as_ref().err(), dir);
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
/// silently. `own` is the call's own error.
fn warn_of_losses(stats: &Stats, own_rejected: u64, own: Option<&Error>, spool: Option<&Path>) {
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
            "spool files were corrupt or unreadable and were set aside as *.bad",
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
    if replay_rejected == 0 && stats.spool_quarantined == 0 {
        return;
    }
    // `last-error` is the last error met: the replay's last notice, unless
    // the call then failed, when it is the call's own error. That one is
    // the call's message (`push`), not a loss of the spool's.
    let notice = stats
        .last_error
        .as_deref()
        .filter(|last| own.is_none_or(|e| e.to_string() != *last));
    if let Some(notice) = notice {
        exit::say(format_args!("warning: {notice}"));
    }
    if let (None, true, Some(dir)) = (notice, stats.spool_quarantined > 0, spool) {
        // The call's own error came after the notice naming the file.
        exit::say(format_args!("warning: they are in {}", dir.display()));
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
