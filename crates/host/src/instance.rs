//! One instance of the component and its store, and the calls into it. The
//! WIT resources it makes (`options`, `client`, `log-file`) are handles
//! that belong to the instance that made them.

use crate::Event;
use crate::bindings::exports::github_runner::metrics::promtail::{Entry, Error as WitError, Stats};
use crate::bindings::{Metrics, MetricsPre};
use crate::calls;
use crate::error::Error;
use crate::hooks::Hooks;
use wasmtime::component::types::Type;
use wasmtime::component::{Func, ResourceAny, ResourceTable, Val};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The per-store state WASI and WASI HTTP need.
pub struct State {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) table: ResourceTable,
    pub(crate) hooks: Hooks,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// An `options` resource: a client's settings, set one at a time with the
/// `set_*` methods of [`Instance`] (one per WIT setter).
///
/// Drop it with [`Instance::drop_options`] once its clients are made:
/// dropping the Rust value leaves its handle in the instance's table (the
/// component cannot be called from `Drop`), and an instance that holds
/// about 100,000 handles traps. The same holds for a [`Client`] and a
/// [`LogFile`] not closed.
#[derive(Debug)]
#[must_use = "drop it with `Instance::drop_options`, or its handle stays in the instance"]
pub struct Options(pub(crate) ResourceAny);

/// A `client` resource, of the instance that made it.
///
/// Close it with [`Instance::close`]: dropping it runs nothing in the
/// component (`Drop` cannot await a call), so what it buffered (a client
/// with `batch-max-events` above 1) would be lost.
#[derive(Debug)]
#[must_use = "close it with `Instance::close`, or what it buffered is lost"]
pub struct Client(ResourceAny);

/// A `log-file` resource: close it with [`Instance::close_log_file`].
#[derive(Debug)]
#[must_use = "close it with `Instance::close_log_file`, or its handle stays in the instance"]
pub struct LogFile(ResourceAny);

/// The versioned name the component exports `promtail` under.
pub const PROMTAIL: &str = concat!("github-runner:metrics/promtail@", env!("CARGO_PKG_VERSION"));

/// One instance of the component and its store.
///
/// Its calls are not cancel-safe: a call's future dropped before it
/// completes (a `tokio::time::timeout` around it) leaves the instance
/// unusable, and the next call fails with [`Error::Trap`]. The component's
/// own limits (`deadline-ms`, `timeout-ms`) end a call cleanly, in time.
pub struct Instance {
    pub(crate) store: Store<State>,
    pub(crate) metrics: Metrics,
    raw: wasmtime::component::Instance,
}

impl Instance {
    pub(crate) async fn new(
        engine: &Engine,
        pre: &MetricsPre<State>,
        state: State,
    ) -> wasmtime::Result<Instance> {
        let mut store = Store::new(engine, state);
        let raw = pre.instance_pre().instantiate_async(&mut store).await?;
        let metrics = Metrics::new(&mut store, &raw)?;
        Ok(Instance {
            store,
            metrics,
            raw,
        })
    }

    /// Call a function of the `promtail` interface by its WIT name
    /// (`issue-event`, `[constructor]options`, `[method]options.set-endpoint`,
    /// ...) with dynamic values: for tools and tests that read WIT-shaped
    /// values rather than Rust types. [`Instance::func_params`] gives the
    /// types to build the arguments from.
    pub async fn call(&mut self, name: &str, args: &[Val]) -> wasmtime::Result<Vec<Val>> {
        let func = self.func(name)?;
        let mut results = vec![Val::Bool(false); func.ty(&self.store).results().len()];
        func.call_async(&mut self.store, args, &mut results).await?;
        Ok(results)
    }

    /// The parameter types of the `promtail` function `name`.
    pub fn func_params(&mut self, name: &str) -> wasmtime::Result<Vec<Type>> {
        let func = self.func(name)?;
        Ok(func.ty(&self.store).params().map(|(_, t)| t).collect())
    }

    fn func(&mut self, name: &str) -> wasmtime::Result<Func> {
        let iface = self
            .raw
            .get_export_index(&mut self.store, None, PROMTAIL)
            .ok_or_else(|| wasmtime::format_err!("no export {PROMTAIL}"))?;
        let index = self
            .raw
            .get_export_index(&mut self.store, Some(&iface), name)
            .ok_or_else(|| wasmtime::format_err!("{PROMTAIL} has no function {name}"))?;
        self.raw
            .get_func(&mut self.store, index)
            .ok_or_else(|| wasmtime::format_err!("{name} is not a function"))
    }

    /// `issue-event`: one event to Promtail's default endpoint, one attempt,
    /// as the Python original.
    pub async fn issue_event(&mut self, event: &Event) -> Result<(), Error> {
        calls::check("event", None, event)?;
        let guest = self.metrics.github_runner_metrics_promtail();
        flatten(guest.call_issue_event(&mut self.store, event).await)
    }

    /// A new `options` with every setting at its default.
    pub async fn options(&mut self) -> Result<Options, Error> {
        let guest = self.metrics.github_runner_metrics_promtail().options();
        guest
            .call_constructor(&mut self.store)
            .await
            .map(Options)
            .map_err(Error::Trap)
    }

    /// A client with the settings of `options` (copied).
    pub async fn client(&mut self, options: &Options) -> Result<Client, Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        flatten(guest.call_constructor(&mut self.store, options.0).await).map(Client)
    }

    /// `client.issue`: push the entries now, or buffer them when batching.
    pub async fn issue(&mut self, client: &Client, entries: &[Entry]) -> Result<(), Error> {
        calls::check("entries", Some(entries.len()), entries)?;
        let guest = self.metrics.github_runner_metrics_promtail().client();
        flatten(guest.call_issue(&mut self.store, client.0, entries).await)
    }

    /// `client.flush`: replay the spool, then push everything buffered.
    pub async fn flush(&mut self, client: &Client) -> Result<(), Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        flatten(guest.call_flush(&mut self.store, client.0).await)
    }

    /// `client.stats`.
    pub async fn stats(&mut self, client: &Client) -> Result<Stats, Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        guest
            .call_stats(&mut self.store, client.0)
            .await
            .map_err(Error::Trap)
    }

    /// Drop a client. What it buffered is flushed first, and a failure of
    /// that flush is returned (`spooled`: the events are safe on disk), so
    /// that no loss goes unseen; the client is dropped either way.
    pub async fn close(&mut self, client: Client) -> Result<(), Error> {
        let flushed = match self.stats(&client).await {
            Ok(stats) if stats.buffered_events > 0 => self.flush(&client).await,
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        let dropped = self.drop_resource(client.0).await;
        flushed.and(dropped)
    }

    /// Drop an `options`.
    pub async fn drop_options(&mut self, options: Options) -> Result<(), Error> {
        self.drop_resource(options.0).await
    }

    /// A `log-file` appending to `path` (in a directory given to the host).
    pub async fn log_file(&mut self, path: &str) -> Result<LogFile, Error> {
        let guest = self.metrics.github_runner_metrics_promtail().log_file();
        flatten(guest.call_constructor(&mut self.store, path).await).map(LogFile)
    }

    /// `log-file.write`: append the events' lines.
    pub async fn write(&mut self, file: &LogFile, events: &[Event]) -> Result<(), Error> {
        calls::check("events", Some(events.len()), events)?;
        let guest = self.metrics.github_runner_metrics_promtail().log_file();
        flatten(guest.call_write(&mut self.store, file.0, events).await)
    }

    /// Drop a `log-file`.
    pub async fn close_log_file(&mut self, file: LogFile) -> Result<(), Error> {
        self.drop_resource(file.0).await
    }

    async fn drop_resource(&mut self, resource: ResourceAny) -> Result<(), Error> {
        resource
            .resource_drop_async(&mut self.store)
            .await
            .map_err(Error::Trap)
    }
}

/// A call's result, with a trap and the WIT error apart.
pub(crate) fn flatten<T>(r: wasmtime::Result<Result<T, WitError>>) -> Result<T, Error> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::Component(e)),
        Err(trap) => Err(Error::Trap(trap)),
    }
}

impl From<Event> for Entry {
    /// An entry with no metadata of its own.
    fn from(event: Event) -> Entry {
        Entry {
            event,
            metadata: Vec::new(),
        }
    }
}
