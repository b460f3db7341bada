//! Loading the component: one compiled component (from the embedded bytes,
//! a file, or the precompiled cache), linked once, instantiated cheaply.

use crate::bindings::MetricsPre;
use crate::cache;
use crate::file_size;
use crate::hooks::{AllowList, Hooks};
use crate::instance::{Instance, State};
use crate::sender::Pool;
use std::path::PathBuf;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime_wasi::{FsPerms, WasiCtx};
use wasmtime_wasi_http::WasiHttpCtx;

/// A host directory the component sees at `guest`: where a `log-file` or a
/// spool may live. The component has no filesystem unless given one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The directory on the host.
    pub host: PathBuf,
    /// Its path inside the component.
    pub guest: String,
}

/// How requests leave the host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sender {
    /// A keep-alive pool shared by every instance of the host.
    #[default]
    Pooled,
    /// wasmtime-wasi-http's default: a new connection per request.
    PerRequest,
}

/// Where the component comes from.
#[derive(Debug, Clone, Default)]
enum Source {
    #[default]
    Embedded,
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// How to make a [`MetricsHost`]; see [`MetricsHost::builder`].
#[derive(Debug, Clone, Default)]
pub struct HostBuilder {
    source: Source,
    cache_dir: Option<PathBuf>,
    allow: Option<Vec<String>>,
    sender: Sender,
    dirs: Vec<Preopen>,
    max_instances: Option<u32>,
    fs_on_blocking_pool: bool,
    no_memory_init_cow: bool,
}

/// Instances a host holds at once unless told otherwise
/// ([`HostBuilder::max_instances`]).
pub const DEFAULT_MAX_INSTANCES: u32 = 1000;

impl HostBuilder {
    /// Load this component file instead of the embedded one.
    pub fn component_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.source = Source::File(path.into());
        self
    }

    /// Load these component bytes instead of the embedded ones.
    pub fn component_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.source = Source::Bytes(bytes.into());
        self
    }

    /// Keep the compiled component in `dir` and load it from there next
    /// time (see [`cache`]); [`cache::default_dir`] is the usual choice.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Only these authorities may be reached; any other request fails with
    /// `HTTP-request-denied`. Each is `host` (every port of it) or
    /// `host:port`, compared without regard to case; an IPv6 address is
    /// written alone (`::1`) or in brackets (`[::1]:3100`). An entry that
    /// could never match a request (`http://host`, `host/path`) makes
    /// [`HostBuilder::build`] fail, naming it; an empty list allows nothing.
    pub fn allow<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, authorities: I) -> Self {
        self.allow = Some(
            authorities
                .into_iter()
                .map(|a| a.as_ref().to_string())
                .collect(),
        );
        self
    }

    /// How requests are sent (default: [`Sender::Pooled`]).
    pub fn sender(mut self, sender: Sender) -> Self {
        self.sender = sender;
        self
    }

    /// Let the component use the host directory `host` as `guest`.
    pub fn dir(mut self, host: impl Into<PathBuf>, guest: impl Into<String>) -> Self {
        self.dirs.push(Preopen {
            host: host.into(),
            guest: guest.into(),
        });
        self
    }

    /// The most instances alive at once (default
    /// [`DEFAULT_MAX_INSTANCES`]); instantiating one more fails until one is
    /// dropped. Each idle instance takes about 120 KiB of resident memory;
    /// the limit sizes wasmtime's instance pool, which reserves (but does
    /// not touch) address space for that many (about 4 GiB each). Where
    /// that reservation is refused (under `ulimit -v`, or for more than the
    /// address space holds), the host uses wasmtime's default allocator
    /// instead, with every other setting kept, and then does not limit the
    /// count. At least one: 0 is taken as 1.
    pub fn max_instances(mut self, n: u32) -> Self {
        self.max_instances = Some(n.max(1));
        self
    }

    /// Run the component's file operations (spool, log file) on tokio's
    /// blocking pool, one `spawn_blocking` per operation, instead of on the
    /// thread that runs the instance (the default). On that thread they are
    /// about 4 times faster (a call through a spool of 16,000 batches: 0.23 s
    /// instead of 0.90 s, `bench --probe spool`, BENCHMARKS.md); the pool
    /// keeps a runtime's worker free during each one, for a spool on a slow
    /// network filesystem.
    pub fn filesystem_on_blocking_pool(mut self, yes: bool) -> Self {
        self.fs_on_blocking_pool = yes;
        self
    }

    /// Map each instance's initial memory from one image per compiled
    /// component (wasmtime's `memory_init_cow`, the default: `true`), or copy
    /// it into each instance (`false`: about 0.2 ms more per instantiation).
    /// A component compiled in this process keeps its image in a memfd, a
    /// file that a file size limit (`ulimit -f`) can refuse: under such a
    /// limit the host copies, whatever this says. A command that makes one
    /// instance per process loses nothing by copying.
    pub fn memory_init_cow(mut self, yes: bool) -> Self {
        self.no_memory_init_cow = !yes;
        self
    }

    /// Each directory to preopen is one, or the error names it.
    fn check_dirs(&self) -> wasmtime::Result<()> {
        for Preopen { host, .. } in &self.dirs {
            match std::fs::metadata(host) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => wasmtime::bail!("dir {}: not a directory", host.display()),
                Err(e) => wasmtime::bail!("dir {}: {e}", host.display()),
            }
        }
        Ok(())
    }

    fn instance_limit(&self) -> u32 {
        self.max_instances.unwrap_or(DEFAULT_MAX_INSTANCES)
    }

    /// What the engine is made with: hosts that differ here cannot share one.
    fn engine_settings(&self) -> EngineSettings {
        EngineSettings {
            instances: self.instance_limit(),
            cow: !self.no_memory_init_cow && !file_size::limited(),
        }
    }

    /// Compile (or load) the component and link it. Each [`dir`](Self::dir)
    /// must be a directory now (the error names it).
    ///
    /// This also ignores SIGXFSZ if its action is still the default, as
    /// Python and Node do: under a file size limit (`ulimit -f`) a spool or
    /// log file write past it then fails as a `storage` error instead of
    /// killing the process (and so does writing the cache).
    pub fn build(self) -> wasmtime::Result<MetricsHost> {
        file_size::ignore_signal();
        self.check_dirs()?;
        let engine = engine(self.engine_settings());
        let bytes;
        let wasm: &[u8] = match &self.source {
            Source::Embedded => crate::COMPONENT,
            Source::Bytes(b) => b,
            Source::File(path) => {
                bytes = std::fs::read(path)
                    .map_err(|e| wasmtime::format_err!("{}: {e}", path.display()))?;
                &bytes
            }
        };
        let (component, _) = cache::load(&engine, wasm, self.cache_dir.as_deref())?;
        MetricsHost::link(&engine, &component, self)
    }
}

/// What an engine is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EngineSettings {
    /// The instance pool's size ([`HostBuilder::max_instances`]).
    instances: u32,
    /// [`HostBuilder::memory_init_cow`]; compiled into the code.
    cow: bool,
}

/// An engine with the pooling instance allocator (instantiation about twice
/// as fast as with the default allocator, BENCHMARKS.md section 5) sized for
/// `instances` instances, or, where the pool's address-space reservation is
/// refused (`ulimit -v`, or a pool too large for the address space), the
/// same engine with wasmtime's default allocator, which does not limit the
/// count; `cow`: [`HostBuilder::memory_init_cow`].
fn engine(EngineSettings { instances, cow }: EngineSettings) -> Engine {
    let config = |pooled: bool| {
        let mut config = wasmtime::Config::new();
        config.memory_init_cow(cow);
        if pooled {
            let mut pool = wasmtime::PoolingAllocationConfig::default();
            // Every call into the component runs on a pooled fiber stack;
            // keeping its pages resident spares a page fault per touched
            // page per call.
            pool.async_stack_keep_resident(128 * 1024);
            // wasmtime's defaults (1,000 core instances and 1,000 tables in
            // all) hold only 333 instances of this component: each is three
            // core instances (the module and wit-component's two adapter
            // shims) with two tables. Room for four of each keeps a
            // component built with another adapter layout within the limit
            // too.
            pool.total_component_instances(instances)
                .total_core_instances(instances.saturating_mul(4))
                .total_tables(instances.saturating_mul(4))
                .total_memories(instances)
                .total_stacks(instances);
            config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        }
        config
    };
    Engine::new(&config(true))
        .or_else(|_| Engine::new(&config(false)))
        .unwrap_or_default()
}

/// A compiled and linked component, ready to instantiate many times.
pub struct MetricsHost {
    engine: Engine,
    component: Component,
    pre: MetricsPre<State>,
    options: HostBuilder,
    pool: Option<Pool>,
    /// [`HostBuilder::allow`], checked.
    allow: Option<AllowList>,
}

impl MetricsHost {
    /// Start here: the embedded component, pooled sender, no directories,
    /// every authority allowed, no cache.
    pub fn builder() -> HostBuilder {
        HostBuilder::default()
    }

    fn link(
        engine: &Engine,
        component: &Component,
        options: HostBuilder,
    ) -> wasmtime::Result<Self> {
        let mut linker = Linker::<State>::new(engine);
        // std pulls in `wasi:cli` and friends; the component itself only
        // makes HTTP requests, reads clocks and (for a spool or a log file)
        // uses the directories it is given.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let pre = MetricsPre::new(linker.instantiate_pre(component)?)?;
        let pool = (options.sender == Sender::Pooled).then(Pool::new);
        let allow = match &options.allow {
            Some(entries) => {
                Some(AllowList::new(entries).map_err(|why| wasmtime::format_err!("allow: {why}"))?)
            }
            None => None,
        };
        Ok(MetricsHost {
            engine: engine.clone(),
            component: component.clone(),
            pre,
            options,
            pool,
            allow,
        })
    }

    /// The same compiled component with other settings (no recompilation):
    /// change them in `f`. A new [`HostBuilder::max_instances`] gives the
    /// new host an instance pool of its own (the compiled code is copied
    /// into it, not compiled again); otherwise the two share one pool. A
    /// new [`HostBuilder::memory_init_cow`] compiles the component again (or
    /// loads it from the cache): wasmtime compiles that setting in.
    pub fn with(&self, f: impl FnOnce(HostBuilder) -> HostBuilder) -> wasmtime::Result<Self> {
        let options = f(self.options.clone());
        options.check_dirs()?;
        let (now, new) = (self.options.engine_settings(), options.engine_settings());
        if new == now {
            return Self::link(&self.engine, &self.component, options);
        }
        if new.cow != now.cow {
            return options.build();
        }
        let engine = engine(new);
        let compiled = self.component.serialize()?;
        // SAFETY: the bytes were serialized just now by this process's
        // wasmtime, from a component of an engine with the same settings
        // (only the instance pool's size differs).
        let component = unsafe { Component::deserialize(&engine, &compiled)? };
        Self::link(&engine, &component, options)
    }

    /// The engine the component was compiled for.
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
        // Before the preopens: each directory takes the setting when added.
        wasi.allow_blocking_current_thread(!self.options.fs_on_blocking_pool);
        for dir in &self.options.dirs {
            // It was checked in `build`, but may have gone since.
            wasi.preopened_dir(&dir.host, &dir.guest, FsPerms::ReadWrite)
                .map_err(|e| wasmtime::format_err!("dir {}: {e:#}", dir.host.display()))?;
        }
        let state = State {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: Hooks {
                allow: self.allow.clone(),
                pool: self.pool.clone(),
            },
        };
        Instance::new(&self.engine, &self.pre, state).await
    }
}
