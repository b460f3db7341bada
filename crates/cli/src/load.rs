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
    let host = builder.build().map_err(|e| {
        let cause = one_line(&format!("{e:#}"));
        Failure::other(match &cli.component {
            // The host names the file only when it cannot read it.
            Some(path) => {
                let named = format!("{}: ", path.display());
                let cause = cause.strip_prefix(&named).unwrap_or(&cause);
                format!("loading --component {}: {cause}", path.display())
            }
            None => format!("loading the component: {cause}"),
        })
    })?;
    host.instantiate().await.map_err(|e| {
        Failure::other(format!(
            "instantiating the component: {}",
            one_line(&format!("{e:#}"))
        ))
    })
}

/// An error's text on one line, as the CLI prints every message: wasmtime's
/// parser, given something that is not WebAssembly, states the bytes it
/// expected and found as Rust's pretty debug lists, one byte a line.
fn one_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    for part in text.lines().map(str::trim).filter(|p| !p.is_empty()) {
        let tight = line.is_empty() || line.ends_with('[') || part.starts_with(']');
        if part.starts_with(']') && line.ends_with(',') {
            line.pop();
        }
        if !tight {
            line.push(' ');
        }
        line.push_str(part);
    }
    line
}

/// An `--allow` entry, checked by the host's rule (an entry that could
/// never match would deny every request silently): a usage error here.
fn check_authority(entry: &str) -> Result<(), Failure> {
    AllowList::entry(entry)
        .map(drop)
        .map_err(|why| Failure::invalid(format!("--allow {why}")))
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_pretty_debug_list_is_one_line() {
        let text = "magic header not detected: bad magic number - expected=[\n    0x0,\n    \
                    0x61,\n] actual=[\n    0x67,\n    0x61,\n] (at offset 0x0)";
        assert_eq!(
            one_line(text),
            "magic header not detected: bad magic number - expected=[0x0, 0x61] \
             actual=[0x67, 0x61] (at offset 0x0)"
        );
        assert_eq!(one_line("a\n  b\n"), "a b");
    }
}
