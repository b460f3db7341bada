//! Loading the component and calling it.

use crate::bindings::exports::github_runner::metrics::promtail;
use crate::bindings::exports::github_runner::metrics::promtail::{Entry, Stats};
use crate::bindings::{Event, Metrics, MetricsPre};
use crate::cache;
use crate::config::ClientConfig;
use crate::error::Error;
use crate::hooks::{AllowList, Hooks};
use crate::sender::Pool;
use std::path::{Path, PathBuf};
use wasmtime::component::{Component, Linker, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// A host directory the guest sees at `guest` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
}

/// How requests leave the host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SenderKind {
    /// A keep-alive pool shared by every instance of the host.
    #[default]
    Pooled,
    /// wasmtime-wasi-http's default: a new connection per request.
    PerRequest,
}

/// What a host lets its instances do.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// Authorities the component may reach. `None`: any.
    pub allow: Option<AllowList>,
    pub sender: SenderKind,
    /// Directories for the file sink and the spool; none by default, so the
    /// component has no filesystem unless one of those needs it.
    pub dirs: Vec<Preopen>,
}

/// An engine with the pooling instance allocator (instantiation in about
/// 17 µs instead of 25 µs, see BENCHMARKS.md), or the default one where the
/// pool's address-space reservation is refused.
pub fn engine() -> Engine {
    let mut config = wasmtime::Config::new();
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    // Every call into the component runs on a pooled fiber stack; keeping
    // its pages resident spares a page fault per touched page per call.
    pool.async_stack_keep_resident(128 * 1024);
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).unwrap_or_default()
}

/// A compiled component, ready to instantiate many times.
pub struct MetricsHost {
    engine: Engine,
    component: Component,
    pre: MetricsPre<State>,
    options: HostOptions,
    pool: Option<Pool>,
}

impl MetricsHost {
    /// Compile the component at `path`.
    pub fn from_file(path: impl AsRef<Path>, options: HostOptions) -> wasmtime::Result<Self> {
        Self::from_bytes(&std::fs::read(path)?, options, None)
    }

    /// Compile a component from its bytes (e.g. [`crate::COMPONENT_BYTES`]),
    /// or load it precompiled from `cache_dir` (see [`crate::cache`]).
    pub fn from_bytes(
        bytes: &[u8],
        options: HostOptions,
        cache_dir: Option<&Path>,
    ) -> wasmtime::Result<Self> {
        let engine = engine();
        let (component, _) = cache::load(&engine, bytes, cache_dir)?;
        Self::new(&engine, &component, options)
    }

    /// Link an already compiled component.
    pub fn new(
        engine: &Engine,
        component: &Component,
        options: HostOptions,
    ) -> wasmtime::Result<Self> {
        let mut linker = Linker::<State>::new(engine);
        // std pulls in `wasi:cli` and friends; the component itself only
        // makes HTTP requests and reads clocks.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let pre = MetricsPre::new(linker.instantiate_pre(component)?)?;
        let pool = (options.sender == SenderKind::Pooled).then(Pool::new);
        Ok(MetricsHost {
            engine: engine.clone(),
            component: component.clone(),
            pre,
            options,
            pool,
        })
    }

    /// The same compiled component with other options (no recompilation).
    pub fn with_options(&self, options: HostOptions) -> wasmtime::Result<Self> {
        Self::new(&self.engine, &self.component, options)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compiled component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// Response body bytes this host's instances have read, with the pooled
    /// sender (`None` with wasmtime's default one).
    pub fn response_body_bytes(&self) -> Option<u64> {
        self.pool.as_ref().map(Pool::response_body_bytes)
    }

    /// A fresh instance with its own store.
    pub async fn instantiate(&self) -> wasmtime::Result<Instance> {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stderr();
        for dir in &self.options.dirs {
            wasi.preopened_dir(&dir.host, &dir.guest, FsPerms::ReadWrite)?;
        }
        let state = State {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: Hooks {
                allow: self.options.allow.clone(),
                pool: self.pool.clone(),
            },
        };
        let mut store = Store::new(&self.engine, state);
        let metrics = self.pre.instantiate_async(&mut store).await?;
        Ok(Instance { store, metrics })
    }
}

/// The per-store state WASI and WASI HTTP need.
pub struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: Hooks,
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

/// A `client` resource living in an [`Instance`].
#[derive(Debug, Clone, Copy)]
pub struct ClientHandle(ResourceAny);

/// One instance of the component and its store.
pub struct Instance {
    store: Store<State>,
    metrics: Metrics,
}

impl Instance {
    /// `issue-event` with the default config.
    pub async fn issue_event(&mut self, event: &Event) -> Result<(), Error> {
        let guest = self.metrics.github_runner_metrics_promtail();
        flatten(guest.call_issue_event(&mut self.store, event).await)
    }

    /// `issue-events` with the default config.
    pub async fn issue_events(&mut self, events: &[Event]) -> Result<(), Error> {
        let guest = self.metrics.github_runner_metrics_promtail();
        flatten(guest.call_issue_events(&mut self.store, events).await)
    }

    /// `issue-entries` with the default config.
    pub async fn issue_entries(&mut self, entries: &[Entry]) -> Result<(), Error> {
        let guest = self.metrics.github_runner_metrics_promtail();
        flatten(guest.call_issue_entries(&mut self.store, entries).await)
    }

    /// `client` constructor.
    pub async fn client(&mut self, config: &ClientConfig) -> Result<ClientHandle, Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        flatten(
            guest
                .call_constructor(&mut self.store, &config.to_wit())
                .await,
        )
        .map(ClientHandle)
    }

    /// `client.issue-event`.
    pub async fn client_issue_event(
        &mut self,
        client: ClientHandle,
        event: &Event,
    ) -> Result<(), Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        flatten(
            guest
                .call_issue_event(&mut self.store, client.0, event)
                .await,
        )
    }

    /// `client.issue-events`.
    pub async fn client_issue_events(
        &mut self,
        client: ClientHandle,
        events: &[Event],
    ) -> Result<(), Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        flatten(
            guest
                .call_issue_events(&mut self.store, client.0, events)
                .await,
        )
    }

    /// `client.issue-entries`.
    pub async fn client_issue_entries(
        &mut self,
        client: ClientHandle,
        entries: &[Entry],
    ) -> Result<(), Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        flatten(
            guest
                .call_issue_entries(&mut self.store, client.0, entries)
                .await,
        )
    }

    /// `client.flush`.
    pub async fn flush(&mut self, client: ClientHandle) -> Result<(), Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        flatten(guest.call_flush(&mut self.store, client.0).await)
    }

    /// `client.stats`.
    pub async fn stats(&mut self, client: ClientHandle) -> Result<Stats, Error> {
        let guest = self.metrics.github_runner_metrics_promtail().client();
        guest
            .call_stats(&mut self.store, client.0)
            .await
            .map_err(Error::Trap)
    }

    /// Drop a client (runs its destructor in the guest).
    pub async fn drop_client(&mut self, client: ClientHandle) -> Result<(), Error> {
        client
            .0
            .resource_drop_async(&mut self.store)
            .await
            .map_err(Error::Trap)
    }
}

fn flatten<T>(r: wasmtime::Result<Result<T, promtail::Error>>) -> Result<T, Error> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::Component(e)),
        Err(trap) => Err(Error::Trap(trap)),
    }
}
