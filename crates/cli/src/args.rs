//! The command line: what `runner-metrics` takes, and nothing else. Values
//! are checked where they are used: events by `runner_metrics_host::json`,
//! settings by the component's `options` setters.

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use runner_metrics_host::json::BUILTIN_EVENTS;
use std::ffi::OsString;
use std::path::PathBuf;

/// The total time the CLI gives one `issue` (`deadline-ms`) unless told
/// otherwise: the original's 5 s. A pre-job hook waits for it, so while Loki
/// is down a job must not be held for the component's own, longer default.
pub const DEADLINE_MS: i64 = 5000;

/// The component's default endpoint (the WIT's `set-endpoint`), named in
/// the help and in messages when `--endpoint` is not given. The host has no
/// getter for it; a unit test checks it against the WIT.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:3100/loki/api/v1/push";

#[derive(Parser)]
#[command(name = "runner-metrics", version, about)]
pub struct Cli {
    /// Load this component instead of the one built into the binary.
    #[arg(long, global = true, value_name = "PATH", value_parser = path())]
    pub component: Option<PathBuf>,
    /// Compile the component every time instead of loading it precompiled
    /// from the cache ($RUNNER_METRICS_CACHE_DIR, $XDG_CACHE_HOME/runner-metrics
    /// or $HOME/.cache/runner-metrics; relative paths are ignored).
    #[arg(long, global = true)]
    pub no_cache: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Issue one event to Loki's push API (or append its line to a file).
    #[command(after_help = ISSUE_AFTER_HELP)]
    Issue(Box<Issue>),
}

/// Shown after `issue --help`. A unit test checks that it names every
/// credential variable the CLI reads.
const ISSUE_AFTER_HELP: &str = "\
Credentials come only from the environment (a command line is visible to
every user through ps), and are never printed:
  RUNNER_METRICS_BEARER_TOKEN    sent as `Authorization: Bearer <token>`
  RUNNER_METRICS_BASIC_USER      with RUNNER_METRICS_BASIC_PASSWORD: basic
  RUNNER_METRICS_BASIC_PASSWORD  authentication (set both, or neither)
Setting the bearer token and the basic pair together is an error.

Settings without a default stated here take the component's (the `options`
setter of the same name in the contract, wit/promtail.wit); the component
judges every value and, refusing one, states the range it takes.

Exit codes: 0 sent (or written), 2 invalid event or setting (or usage),
3 transport or storage failure, 4 timeout, 5 rejected by the receiver,
6 not delivered but spooled, 1 other.";

#[derive(Args)]
pub struct Issue {
    #[arg(
        value_name = "EVENT",
        help = format!(
            "The event name: {} (another name needs --custom)",
            BUILTIN_EVENTS.join(", ")
        ),
        required_unless_present = "json",
        conflicts_with = "json"
    )]
    pub event: Option<String>,
    /// The event's fields, with the keys of its JSON line
    /// (`github_event=push`, `queue_duration=12.5`; `status_info.code=403`
    /// sets a nested field). `timestamp` defaults to now.
    #[arg(value_name = "KEY=VALUE", requires = "event")]
    pub fields: Vec<String>,
    /// The event as a JSON object in the shape of its line:
    /// `{"event":"runner_start","flavor":"small",...}`; `-` reads it from
    /// stdin. `timestamp` defaults to now.
    #[arg(long, value_name = "OBJECT|-")]
    pub json: Option<String>,
    /// Allow an event name that is not a built-in event: a custom event,
    /// whose fields are booleans, numbers or text.
    #[arg(long)]
    pub custom: bool,
    /// Append the event's line to this file instead of pushing it, as the
    /// runner manager writes the log Promtail tails. Its directory must
    /// exist. Takes none of the push settings.
    #[arg(long, value_name = "PATH", conflicts_with = PUSH, value_parser = path())]
    pub file: Option<PathBuf>,
    #[command(flatten, next_help_heading = "Push settings (not with --file)")]
    pub push: Push,
}

/// The id of the group of push-only flags, which `--file` conflicts with.
pub const PUSH: &str = "push";

/// The settings of a push, one flag per `options` setter the CLI offers.
/// Every flag here is push-only: `--file` conflicts with the group.
#[derive(Args)]
#[group(id = PUSH, multiple = true)]
pub struct Push {
    #[arg(long, value_name = "URL", help = format!(
        "The push URL (Promtail, Loki or Grafana Alloy). Default: {DEFAULT_ENDPOINT}, Promtail's"
    ))]
    pub endpoint: Option<String>,
    /// A stream label added to every stream; repeatable.
    #[arg(long = "label", value_name = "NAME=VALUE")]
    pub labels: Vec<String>,
    /// Structured metadata (Loki 3) added to the entry; repeatable.
    #[arg(long = "metadata", value_name = "NAME=VALUE")]
    pub metadata: Vec<String>,
    /// Another request header, NAME=VALUE or "NAME: VALUE"; repeatable. No
    /// message shows its value. Credentials go in the environment (below).
    #[arg(long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// The Loki tenant, sent as `X-Scope-OrgID`.
    #[arg(long)]
    pub tenant: Option<String>,
    /// The body encoding.
    #[arg(long, value_enum)]
    pub encoding: Option<Encoding>,
    /// Use the event's own timestamp as the entry's, not the time of the call.
    #[arg(long)]
    pub use_event_timestamp: bool,
    /// The time one request may take, from connect to the last byte of the
    /// answer, in milliseconds.
    #[arg(long, value_name = "MS", allow_negative_numbers = true, value_parser = s64())]
    pub timeout_ms: Option<i64>,
    /// Attempts per request, the first included.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = s64())]
    pub max_attempts: Option<i64>,
    /// The first backoff before a retry, in milliseconds.
    #[arg(long, value_name = "MS", allow_negative_numbers = true, value_parser = s64())]
    pub min_backoff_ms: Option<i64>,
    /// The longest backoff, in milliseconds.
    #[arg(long, value_name = "MS", allow_negative_numbers = true, value_parser = s64())]
    pub max_backoff_ms: Option<i64>,
    /// The longest the whole call may take, retries and spool included, in
    /// milliseconds. Short, so that a hook does not hold a job while Loki
    /// is down; undeliverable events go to the spool within it.
    #[arg(long, value_name = "MS", allow_negative_numbers = true, value_parser = s64(), default_value_t = DEADLINE_MS)]
    pub deadline_ms: i64,
    /// The longest JSON line the event may have, in bytes.
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true, value_parser = s64())]
    pub max_line_bytes: Option<i64>,
    /// Keep undeliverable events in this directory (created if missing) and
    /// replay them, oldest first, on the next call.
    #[arg(long, value_name = "DIR", value_parser = path())]
    pub spool: Option<PathBuf>,
    /// The most the spool may take on disk, in bytes.
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true, value_parser = s64())]
    pub spool_max_bytes: Option<i64>,
    /// The oldest a spooled event may get before it is dropped, in ms.
    #[arg(long, value_name = "MS", allow_negative_numbers = true, value_parser = s64())]
    pub spool_max_age_ms: Option<i64>,
    /// Only these authorities (`host` or `host:port`) may be reached; any
    /// other is refused before connecting. Repeatable.
    #[arg(long = "allow", value_name = "AUTHORITY")]
    pub allow: Vec<String>,
}

/// How push bodies are encoded (the WIT `encoding`).
#[derive(Clone, Copy, ValueEnum)]
pub enum Encoding {
    /// `application/json`, as the Python original sends.
    Json,
    /// JSON compressed with gzip.
    JsonGzip,
    /// Loki's protobuf, snappy-compressed.
    Protobuf,
}

/// A number flag's value: an integer, or a whole number written as a float
/// (`5000.0`, `1e3`), which Python and JavaScript take as that integer too.
/// One past 64 bits is refused in the words every host uses, naming the
/// range, not clap's "number too large to fit in target type".
fn s64() -> impl TypedValueParser<Value = i64> {
    clap::builder::StringValueParser::new().try_map(|text: String| whole(&text))
}

fn whole(text: &str) -> Result<i64, String> {
    if let Ok(i) = text.parse::<i64>() {
        return Ok(i);
    }
    let range = |got: &str| {
        let (min, max) = (i64::MIN, i64::MAX);
        format!("must be an integer from {min} to {max}, got {got}")
    };
    if runner_metrics_host::json::is_wide(text) {
        return Err(range(text));
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 => {
            // i64::MAX as f64 is 2^63, itself out of range.
            if f < i64::MIN as f64 || f >= i64::MAX as f64 {
                Err(range(&format!("{f:.0}")))
            } else {
                Ok(f as i64)
            }
        }
        _ => Err("expected an integer".to_string()),
    }
}

/// A path flag's value: any bytes (a path that is not UTF-8 is refused
/// later, naming its flag), but not empty, which clap's own path parser
/// refuses as if no value had been given.
fn path() -> impl TypedValueParser<Value = PathBuf> {
    clap::builder::OsStringValueParser::new().try_map(|value: OsString| {
        if value.is_empty() {
            Err("is empty")
        } else {
            Ok(PathBuf::from(value))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    /// The `issue` flags that make sense with `--file`; every other one must
    /// conflict with it, so that no flag is silently ignored. A new flag is
    /// push-only unless added here.
    const FILE_FLAGS: [&str; 5] = ["json", "custom", "file", "component", "no_cache"];

    fn issue_command() -> clap::Command {
        let mut cli = Cli::command();
        cli.build();
        cli.find_subcommand("issue").unwrap().clone()
    }

    #[test]
    fn file_conflicts_with_every_push_flag() {
        let issue = issue_command();
        let flags: Vec<_> = issue
            .get_arguments()
            .filter(|a| a.get_long().is_some() && a.get_id() != "help")
            .filter(|a| !FILE_FLAGS.contains(&a.get_id().as_str()))
            .collect();
        assert!(flags.len() >= 10, "{} push flags", flags.len());
        for flag in flags {
            let long = format!("--{}", flag.get_long().unwrap());
            let mut argv = vec!["runner-metrics", "issue", "--file", "m.log", &long];
            let value = match flag.get_possible_values().first() {
                Some(v) => v.get_name().to_string(),
                None => "1".to_string(),
            };
            if flag.get_action().takes_values() {
                argv.push(&value);
            }
            argv.extend(["runner_installed", "flavor=s", "duration=1"]);
            let err = Cli::try_parse_from(&argv)
                .err()
                .unwrap_or_else(|| panic!("{long} was accepted with --file"));
            assert_eq!(err.kind(), ErrorKind::ArgumentConflict, "{long}: {err}");
        }
        // Defaults (--deadline-ms has one) do not conflict.
        let argv = [
            "runner-metrics",
            "issue",
            "--file",
            "m.log",
            "runner_installed",
        ];
        assert!(Cli::try_parse_from(argv).is_ok());
    }

    #[test]
    fn help_names_every_credential_variable_and_the_deadline() {
        let help = issue_command().render_long_help().to_string();
        for var in crate::credentials::VARIABLES {
            assert!(help.contains(var), "{var} in:\n{help}");
        }
        assert!(
            help.contains(&format!("[default: {DEADLINE_MS}]")),
            "{help}"
        );
    }

    #[test]
    fn version_names_the_binary() {
        let err = Cli::try_parse_from(["x", "--version"]).err().unwrap();
        assert_eq!(
            err.to_string().trim(),
            format!("runner-metrics {}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn the_default_endpoint_is_the_contracts() {
        let wit = include_str!("../../../wit/promtail.wit");
        let at = wit
            .find("set-endpoint: func")
            .expect("set-endpoint in the WIT");
        // The last default stated before the setter is its own.
        let stated = wit[..at]
            .rsplit("Default: `")
            .next()
            .and_then(|d| d.split('`').next());
        assert_eq!(stated, Some(DEFAULT_ENDPOINT));
    }
}
