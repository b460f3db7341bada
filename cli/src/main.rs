//! `runner-metrics`: issue one runner metric event through the component, or
//! run a self-contained demo against an in-process Loki push receiver.

mod demo;

use clap::{Args, Parser, Subcommand};
use metrics_host::bindings::WitError;
use metrics_host::hooks::AllowList;
use metrics_host::{Config, Error, Event, HostOptions, MetricsHost};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Load this component instead of the one built into the binary.
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Issue one event. Exit codes: 0 sent, 2 invalid event or config,
    /// 3 transport failure, 4 timeout, 5 rejected by the receiver, 1 other.
    Issue(Issue),
    /// Start a Loki push receiver in-process, issue one event of each kind
    /// to it, and print what it received.
    Demo,
}

#[derive(Args)]
struct Issue {
    /// The event name (`runner_start`, ..., or a custom snake_case name),
    /// followed by its fields as `key=value` (JSON keys, e.g.
    /// `github_event=push queue_duration=12.5 status_info=403`).
    /// `timestamp` defaults to now.
    #[arg(value_name = "EVENT [KEY=VALUE]...", required_unless_present = "json")]
    fields: Vec<String>,
    /// The event as a JSON object in the shape of its line:
    /// `{"event":"runner_start","flavor":"small",...}`; `-` reads stdin.
    #[arg(long, conflicts_with = "fields")]
    json: Option<String>,
    /// The push URL. Default: Promtail's http://localhost:3100/loki/api/v1/push.
    #[arg(long)]
    endpoint: Option<String>,
    /// A static stream label, `name=value`; repeatable.
    #[arg(long = "label", value_name = "NAME=VALUE")]
    labels: Vec<String>,
    /// Time limit for the push, in milliseconds. Default: 5000.
    #[arg(long)]
    timeout_ms: Option<u32>,
    /// Only these authorities (`host` or `host:port`) may be reached; repeatable.
    #[arg(long = "allow", value_name = "AUTHORITY")]
    allow: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("runner-metrics: {message}");
            ExitCode::from(code)
        }
    }
}

type Failure = (u8, String);

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Demo => {
            let host = load(cli.component.as_deref(), HostOptions::default())?;
            demo::run(&host).await.map_err(|e| (1, e))
        }
        Command::Issue(args) => issue(cli.component.as_deref(), args).await,
    }
}

fn load(component: Option<&str>, options: HostOptions) -> Result<MetricsHost, Failure> {
    let host = match component {
        Some(path) => MetricsHost::from_file(path, options),
        None => MetricsHost::from_bytes(metrics_host::COMPONENT_BYTES, options),
    };
    host.map_err(|e| (1, format!("loading the component: {e:#}")))
}

async fn issue(component: Option<&str>, args: Issue) -> Result<(), Failure> {
    let usage = |m: String| (2, m);
    let event = read_event(&args).map_err(usage)?;
    let labels = args
        .labels
        .iter()
        .map(|l| split_pair(l).map_err(usage))
        .collect::<Result<_, _>>()?;
    let options = HostOptions {
        allow: (!args.allow.is_empty()).then(|| AllowList::new(&args.allow)),
    };
    let host = load(component, options)?;
    let mut instance = host
        .instantiate()
        .await
        .map_err(|e| (1, format!("instantiating the component: {e:#}")))?;
    let config = Config {
        endpoint: args.endpoint,
        labels,
        timeout_ms: args.timeout_ms,
    };
    let sent = match instance.client(&config).await {
        Ok(client) => instance.client_issue_event(client, &event).await,
        Err(e) => Err(e),
    };
    sent.map_err(|e| (exit_code(&e), e.to_string()))
}

fn read_event(args: &Issue) -> Result<Event, String> {
    if let Some(json) = &args.json {
        let text = if json == "-" {
            std::io::read_to_string(std::io::stdin()).map_err(|e| format!("reading stdin: {e}"))?
        } else {
            json.clone()
        };
        let mut value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("--json: {e}"))?;
        if let Some(obj) = value.as_object_mut()
            && !obj.contains_key("timestamp")
        {
            obj.insert("timestamp".into(), now().into());
        }
        return metrics_host::event_from_json(&value);
    }
    let (name, rest) = args
        .fields
        .split_first()
        .ok_or("an event name is required")?;
    let mut pairs: Vec<(String, String)> = rest
        .iter()
        .map(|p| split_pair(p))
        .collect::<Result<_, _>>()?;
    if !pairs.iter().any(|(k, _)| k == "timestamp") {
        pairs.insert(0, ("timestamp".into(), now().to_string()));
    }
    metrics_host::event_from_pairs(name, &pairs)
}

fn split_pair(pair: &str) -> Result<(String, String), String> {
    pair.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{pair:?} is not key=value"))
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

fn exit_code(e: &Error) -> u8 {
    match e.component() {
        Some(WitError::InvalidEvent(_) | WitError::InvalidConfig(_)) => 2,
        Some(WitError::Transport(_)) => 3,
        Some(WitError::Timeout(_)) => 4,
        Some(WitError::Rejected(_)) => 5,
        None => 1,
    }
}
