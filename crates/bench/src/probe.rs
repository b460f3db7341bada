//! Measurements made in a child process of their own (`bench --probe
//! calls|memory`), so that what they switch on (a tracing subscriber, a call
//! hook) or leave behind (a thousand instances) does not touch the timed
//! sections:
//!
//! - `calls`: the host calls the guest makes per `client.issue` of one event,
//!   counted by `Store::call_hook` (every guest-to-host transition) and named
//!   by the spans wasmtime-wasi's and wasmtime-wasi-http's bindings open for
//!   each import they implement (all but a few resource drops);
//! - `memory`: each instance's linear memory (from a `ResourceLimiter`) and
//!   the process's resident memory per instance, idle and after a
//!   10,000-event batch, and a thousand idle instances at once.
//!
//! The probe keeps a store state of its own (a call counter, a memory
//! limiter) around the host crate's bindings, linked as the host crate links
//! them: the same linker, hooks and pooled sender.

use runner_metrics_host::hooks::Hooks;
use runner_metrics_host::sender::Pool;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{CallHook, Engine, ResourceLimiter, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use runner_metrics_host::Entry;
use runner_metrics_host::bindings;

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: Hooks,
    calls: u64,
    memory: Memory,
}

/// Linear memory, as the instance grows it.
#[derive(Default)]
struct Memory {
    bytes: usize,
}

impl ResourceLimiter for Memory {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.bytes = self.bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
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

/// The component, linked as the host crate links it.
struct Probe {
    engine: Engine,
    pre: bindings::MetricsPre<State>,
    pool: Pool,
}

impl Probe {
    fn new() -> Probe {
        let host = crate::load_host();
        Probe::link(host.engine().clone(), host.component())
    }

    fn link(engine: Engine, component: &wasmtime::component::Component) -> Probe {
        let mut linker = Linker::<State>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("wasi");
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).expect("http");
        let pre =
            bindings::MetricsPre::new(linker.instantiate_pre(component).expect("instantiate_pre"))
                .expect("pre");
        Probe {
            engine,
            pre,
            pool: Pool::new(),
        }
    }

    async fn instance(&self) -> (Store<State>, bindings::Metrics) {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stderr();
        let state = State {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: Hooks {
                allow: None,
                pool: Some(self.pool.clone()),
            },
            calls: 0,
            memory: Memory::default(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.memory);
        store.call_hook(|mut ctx, hook| {
            if let CallHook::CallingHost = hook {
                ctx.data_mut().calls += 1;
            }
            Ok(())
        });
        let metrics = self
            .pre
            .instantiate_async(&mut store)
            .await
            .expect("instantiate");
        (store, metrics)
    }
}

/// A client pushing to `url` in one attempt, with `batch-max-bytes` raised
/// so that a big batch goes in one request.
async fn client(
    store: &mut Store<State>,
    m: &bindings::Metrics,
    url: &str,
) -> wasmtime::component::ResourceAny {
    let p = m.github_runner_metrics_promtail();
    let o = p
        .options()
        .call_constructor(&mut *store)
        .await
        .expect("options");
    p.options()
        .call_set_endpoint(&mut *store, o, url)
        .await
        .expect("call")
        .expect("endpoint");
    p.options()
        .call_set_max_attempts(&mut *store, o, 1)
        .await
        .expect("call")
        .expect("attempts");
    p.options()
        .call_set_batch_max_bytes(&mut *store, o, 64 << 20)
        .await
        .expect("call")
        .expect("bytes");
    let c = p
        .client()
        .call_constructor(&mut *store, o)
        .await
        .expect("call")
        .expect("client");
    o.resource_drop_async(&mut *store).await.expect("drop");
    c
}

/// The benchmark's event, one second later per `i`.
fn event(i: usize) -> Entry {
    Entry {
        event: crate::native::host_event_at(1_764_000_000.5 + i as f64),
        metadata: Vec::new(),
    }
}

/// Counts the spans of the bindings' imports, by `interface.function`.
#[derive(Default)]
struct Spans {
    counts: Mutex<BTreeMap<String, u64>>,
    next: AtomicU64,
}

struct Fields {
    module: String,
    function: String,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "module" => self.module = value.to_string(),
            "function" => self.function = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, format!("{value:?}").trim_matches('"'));
    }
}

impl tracing::Subscriber for Spans {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if meta.is_span() && meta.name() == "wit-bindgen import" {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.is_span() && meta.name() == "wit-bindgen import"
    }

    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut f = Fields {
            module: String::new(),
            function: String::new(),
        };
        attrs.record(&mut f);
        *self
            .counts
            .lock()
            .expect("counts")
            .entry(format!("{}.{}", f.module, f.function))
            .or_default() += 1;
        tracing::span::Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// `calls`: host calls per single-event `client.issue`, as JSON.
pub fn calls() -> serde_json::Value {
    let spans = std::sync::Arc::new(Spans::default());
    tracing::subscriber::set_global_default(SharedSpans(spans.clone())).expect("subscriber");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let rx = runner_metrics_testkit::Receiver::start_null()
            .await
            .expect("receiver");
        let probe = Probe::new();
        let (mut store, m) = probe.instance().await;
        let c = client(&mut store, &m, &rx.url()).await;
        let p = m.github_runner_metrics_promtail();
        let one = [event(0)];
        for _ in 0..20 {
            p.client()
                .call_issue(&mut store, c, &one)
                .await
                .expect("call")
                .expect("issue");
        }
        const N: u64 = 200;
        store.data_mut().calls = 0;
        spans.counts.lock().expect("counts").clear();
        for _ in 0..N {
            p.client()
                .call_issue(&mut store, c, &one)
                .await
                .expect("call")
                .expect("issue");
        }
        let calls = store.data().calls;
        let named: BTreeMap<String, f64> = spans
            .counts
            .lock()
            .expect("counts")
            .iter()
            .map(|(k, v)| (k.clone(), *v as f64 / N as f64))
            .collect();
        serde_json::json!({
            "calls_per_event": calls as f64 / N as f64,
            "named_per_event": named,
        })
    })
}

/// A `Subscriber` that is a shared `Spans`.
struct SharedSpans(std::sync::Arc<Spans>);

impl tracing::Subscriber for SharedSpans {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        self.0.register_callsite(meta)
    }
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        self.0.enabled(meta)
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.0.new_span(attrs)
    }
    fn record(&self, a: &tracing::span::Id, b: &tracing::span::Record<'_>) {
        self.0.record(a, b)
    }
    fn record_follows_from(&self, a: &tracing::span::Id, b: &tracing::span::Id) {
        self.0.record_follows_from(a, b)
    }
    fn event(&self, e: &tracing::Event<'_>) {
        self.0.event(e)
    }
    fn enter(&self, id: &tracing::span::Id) {
        self.0.enter(id)
    }
    fn exit(&self, id: &tracing::span::Id) {
        self.0.exit(id)
    }
}

/// Resident memory of this process, from /proc/self/statm.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// `memory`: per instance, idle and after a 10,000-event batch; `idle`
/// instances at once. As JSON.
pub fn memory(idle: usize, busy: usize) -> serde_json::Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let rx = runner_metrics_testkit::Receiver::start_null()
            .await
            .expect("receiver");
        let url = rx.url();
        let batch: Vec<Entry> = (0..10_000).map(event).collect();

        // Linear memory, from the limiter: one instance with a client, idle,
        // then after the batch.
        let probe = Probe::new();
        let (mut store, m) = probe.instance().await;
        let linear_instantiated = store.data().memory.bytes;
        let c = client(&mut store, &m, &url).await;
        let linear_idle = store.data().memory.bytes;
        let p = m.github_runner_metrics_promtail();
        p.client()
            .call_issue(&mut store, c, &batch)
            .await
            .expect("call")
            .expect("issue");
        let linear_batch = store.data().memory.bytes;
        drop(store);

        // Resident memory of many instances of the host crate, each with a
        // client: idle, then each after one batch.
        let host = crate::load_host();
        let mut warm = host.instantiate().await.expect("instance");
        let opts = warm.options().await.expect("options");
        warm.set_endpoint(&opts, &url).await.expect("endpoint");
        let _ = warm.client(&opts).await.expect("client");
        drop(warm);
        let before = rss_bytes();
        let mut instances = Vec::with_capacity(idle);
        let mut failed = None;
        for i in 0..idle {
            match host.instantiate().await {
                Ok(mut inst) => {
                    let opts = inst.options().await.expect("options");
                    inst.set_endpoint(&opts, &url).await.expect("endpoint");
                    inst.set_max_attempts(&opts, 1).await.expect("attempts");
                    inst.set_batch_max_bytes(&opts, 64 << 20)
                        .await
                        .expect("bytes");
                    let c = inst.client(&opts).await.expect("client");
                    inst.drop_options(opts).await.expect("drop");
                    instances.push((inst, c));
                }
                Err(e) => {
                    failed = Some(format!("instance {} failed: {e:#}", i + 1));
                    break;
                }
            }
        }
        let idle_made = instances.len();
        let idle_rss = rss_bytes().saturating_sub(before);
        let busy = busy.min(instances.len());
        let before_busy = rss_bytes();
        for (inst, c) in instances.iter_mut().take(busy) {
            inst.issue(c, &batch).await.expect("batch");
        }
        let busy_rss = rss_bytes().saturating_sub(before_busy);
        serde_json::json!({
            "linear_instantiated": linear_instantiated,
            "linear_idle": linear_idle,
            "linear_after_batch": linear_batch,
            "idle_instances": idle_made,
            "idle_rss": idle_rss,
            "idle_failed": failed,
            "busy_instances": busy,
            "busy_rss_growth": busy_rss,
        })
    })
}
