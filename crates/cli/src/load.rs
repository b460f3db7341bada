//! Loading the component: the built-in one or `--component`, precompiled
//! from the cache unless `--no-cache`, with the host settings a command
//! needs (an allow-list, a directory).

use crate::args::Cli;
use crate::exit::Failure;
use runner_metrics_host::hooks::AllowList;
use runner_metrics_host::{HostBuilder, Instance, MetricsHost, Preopen, cache};

/// The host's settings beyond the component and the cache.
#[derive(Default)]
pub struct Host<'a> {
    /// Only these authorities may be reached (none given: any).
    pub allow: &'a [String],
    /// The one directory the component may use.
    pub dir: Option<&'a Preopen>,
}

/// A fresh instance of the component, loaded as `cli` says.
pub async fn instance(cli: &Cli, host: Host<'_>) -> Result<Instance, Failure> {
    // One instance per process: copying the memory image costs nothing
    // that counts, and a memfd image would fail under `ulimit -f`.
    let mut builder: HostBuilder = MetricsHost::builder().memory_init_cow(false);
    if let Some(path) = &cli.component {
        builder = builder.component_file(path);
    }
    if !cli.no_cache
        && let Some(dir) = cache::default_dir()
    {
        builder = builder.cache_dir(dir);
    }
    if !host.allow.is_empty() {
        for authority in host.allow {
            check_authority(authority)?;
        }
        builder = builder.allow(host.allow);
    }
    if let Some(dir) = host.dir {
        builder = builder.dir(&dir.host, &dir.guest);
    }
    let host = builder
        .build()
        .map_err(|e| Failure::other(format!("loading the component: {e:#}")))?;
    host.instantiate()
        .await
        .map_err(|e| Failure::other(format!("instantiating the component: {e:#}")))
}

/// An `--allow` entry, checked by the host's rule (an entry that could
/// never match would deny every request silently): a usage error here.
fn check_authority(entry: &str) -> Result<(), Failure> {
    AllowList::entry(entry)
        .map(drop)
        .map_err(|why| Failure::invalid(format!("--allow {why}")))
}
