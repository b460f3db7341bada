//! `runner-metrics`: issue one runner metric event through the component, or
//! run a self-contained demo against an in-process Loki push receiver.

mod demo;

use clap::{Args, Parser, Subcommand};
use metrics_host::bindings::WitError;
use metrics_host::hooks::AllowList;
use metrics_host::{Auth, ClientConfig, Encoding, Error, Event, HostOptions, MetricsHost, Preopen};
use metrics_host::{RetryPolicy, Sink, SpoolConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Load this component instead of the one built into the binary.
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<String>,
    /// Compile the component every time instead of loading it precompiled
    /// from the cache ($RUNNER_METRICS_CACHE_DIR, $XDG_CACHE_HOME/runner-metrics
    /// or ~/.cache/runner-metrics).
    #[arg(long, global = true)]
    no_cache: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Issue one event. Exit codes: 0 sent, 2 invalid event or config,
    /// 3 transport or storage failure, 4 timeout, 5 rejected by the
    /// receiver, 6 not delivered but spooled, 1 other.
    Issue(Box<Issue>),
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
    /// Time limit for one request, in milliseconds. Default: 5000.
    #[arg(long)]
    timeout_ms: Option<u32>,
    /// Body encoding. Default: json.
    #[arg(long, value_enum)]
    encoding: Option<EncodingArg>,
    /// Loki tenant, sent as `X-Scope-OrgID`.
    #[arg(long)]
    tenant: Option<String>,
    /// Another request header, `name=value`; repeatable.
    #[arg(long = "header", value_name = "NAME=VALUE")]
    headers: Vec<String>,
    /// Attempts per request, the first included. Default: 10.
    #[arg(long)]
    max_attempts: Option<u32>,
    /// The longest the call may take with its retries, in ms. Default: 30000.
    #[arg(long)]
    deadline_ms: Option<u32>,
    /// Append the line to this file instead of pushing it (the file sink).
    #[arg(long, value_name = "PATH", conflicts_with = "endpoint")]
    file: Option<PathBuf>,
    /// Keep undeliverable events in this directory and replay them on the
    /// next call.
    #[arg(long, value_name = "DIR")]
    spool: Option<PathBuf>,
    /// Only these authorities (`host` or `host:port`) may be reached; repeatable.
    #[arg(long = "allow", value_name = "AUTHORITY")]
    allow: Vec<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum EncodingArg {
    Json,
    JsonGzip,
    Protobuf,
}

/// Credentials come from the environment, never from the command line where
/// `ps` would show them.
const ENV_BEARER: &str = "RUNNER_METRICS_BEARER_TOKEN";
const ENV_USER: &str = "RUNNER_METRICS_BASIC_USER";
const ENV_PASSWORD: &str = "RUNNER_METRICS_BASIC_PASSWORD";

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
            let host = load(&cli, HostOptions::default())?;
            demo::run(&host).await.map_err(|e| (1, e))
        }
        Command::Issue(ref args) => issue(&cli, args).await,
    }
}

fn load(cli: &Cli, options: HostOptions) -> Result<MetricsHost, Failure> {
    let failed = |e: String| (1, format!("loading the component: {e}"));
    // The built-in component is used in place; only a `--component` is read.
    let bytes: std::borrow::Cow<'static, [u8]> = match &cli.component {
        Some(path) => std::fs::read(path)
            .map_err(|e| failed(format!("{path}: {e}")))?
            .into(),
        None => metrics_host::COMPONENT_BYTES.into(),
    };
    let cache = if cli.no_cache {
        None
    } else {
        metrics_host::cache::default_dir()
    };
    MetricsHost::from_bytes(&bytes, options, cache.as_deref()).map_err(|e| failed(format!("{e:#}")))
}

async fn issue(cli: &Cli, args: &Issue) -> Result<(), Failure> {
    let usage = |m: String| (2, m);
    let event = read_event(args).map_err(usage)?;
    let (config, dirs) = client_config(args).map_err(usage)?;
    let options = HostOptions {
        allow: (!args.allow.is_empty()).then(|| AllowList::new(&args.allow)),
        dirs,
        ..HostOptions::default()
    };
    let host = load(cli, options)?;
    let mut instance = host
        .instantiate()
        .await
        .map_err(|e| (1, format!("instantiating the component: {e:#}")))?;
    let sent = match instance.client(&config).await {
        Ok(client) => instance.client_issue_event(client, &event).await,
        Err(e) => Err(e),
    };
    sent.map_err(|e| (exit_code(&e), e.to_string()))
}

/// The client config, and the directories to preopen for it: the file
/// sink's directory and the spool, each at its own absolute path.
fn client_config(args: &Issue) -> Result<(ClientConfig, Vec<Preopen>), String> {
    let pairs = |list: &[String]| {
        list.iter()
            .map(|p| split_pair(p))
            .collect::<Result<Vec<_>, _>>()
    };
    let mut dirs = Vec::new();
    let mut preopen = |dir: &Path| -> Result<String, String> {
        let abs = std::path::absolute(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        std::fs::create_dir_all(&abs).map_err(|e| format!("{}: {e}", abs.display()))?;
        let guest = abs.to_string_lossy().into_owned();
        dirs.push(Preopen {
            host: abs,
            guest: guest.clone(),
        });
        Ok(guest)
    };
    let sink = match &args.file {
        Some(file) => {
            let name = file.file_name().ok_or("--file needs a file name")?;
            let dir = preopen(
                file.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new(".")),
            )?;
            Some(Sink::File(format!("{dir}/{}", name.to_string_lossy())))
        }
        None => None,
    };
    let spool = match &args.spool {
        Some(dir) => Some(SpoolConfig {
            dir: preopen(dir)?,
            max_bytes: None,
            max_age_ms: None,
        }),
        None => None,
    };
    let auth = match (std::env::var(ENV_BEARER), std::env::var(ENV_USER)) {
        (Ok(token), _) => Some(Auth::Bearer(token)),
        (_, Ok(user)) => Some(Auth::Basic {
            user,
            password: std::env::var(ENV_PASSWORD).unwrap_or_default(),
        }),
        _ => None,
    };
    let retry =
        (args.max_attempts.is_some() || args.deadline_ms.is_some()).then_some(RetryPolicy {
            max_attempts: args.max_attempts,
            min_backoff_ms: None,
            max_backoff_ms: None,
            deadline_ms: args.deadline_ms,
        });
    let config = ClientConfig {
        endpoint: args.endpoint.clone(),
        labels: pairs(&args.labels)?,
        timeout_ms: args.timeout_ms,
        encoding: args.encoding.map(|e| match e {
            EncodingArg::Json => Encoding::Json,
            EncodingArg::JsonGzip => Encoding::JsonGzip,
            EncodingArg::Protobuf => Encoding::Protobuf,
        }),
        tenant: args.tenant.clone(),
        auth,
        headers: pairs(&args.headers)?,
        retry,
        sink,
        spool,
        ..ClientConfig::default()
    };
    Ok((config, dirs))
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
        Some(WitError::Transport(_) | WitError::Storage(_)) => 3,
        Some(WitError::Timeout(_)) => 4,
        Some(WitError::Rejected(_)) => 5,
        Some(WitError::Spooled(_)) => 6,
        None => 1,
    }
}
