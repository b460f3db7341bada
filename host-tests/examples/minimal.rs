//! The least a Rust service needs to issue one event through the component.
//! Run: cargo run -p host-tests --example minimal -- <component.wasm>
//! (Formatted by hand, compactly, so the whole embedding reads at a glance.)
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

wasmtime::component::bindgen!({ path: "../wit", world: "metrics", exports: { default: async } });
use exports::github_runner::metrics::events::{Event, RunnerInstalled};

struct State(WasiCtx, WasiHttpCtx, ResourceTable);
#[rustfmt::skip]
impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> { WasiCtxView { ctx: &mut self.0, table: &mut self.2 } }
}
#[rustfmt::skip]
impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.1, table: &mut self.2, hooks: Default::default() }
    }
}

/// Issue `event` with the component at `wasm`: its defaults, Promtail's URL.
#[rustfmt::skip]
pub async fn issue(wasm: &str, event: &Event) -> wasmtime::Result<Result<(), String>> {
    let engine = Engine::default();
    let component = Component::from_file(&engine, wasm)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?; // std imports wasi:cli, clocks, random
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    let state = State(WasiCtx::builder().build(), WasiHttpCtx::new(), ResourceTable::new());
    let mut store = Store::new(&engine, state);
    let metrics = Metrics::instantiate_async(&mut store, &component, &linker).await?;
    let result = metrics.github_runner_metrics_promtail().call_issue_event(&mut store, event).await?;
    Ok(result.map_err(|e| format!("{e:?}")))
}

#[tokio::main]
#[rustfmt::skip]
async fn main() -> wasmtime::Result<()> {
    let wasm = std::env::args().nth(1).expect("usage: minimal <component.wasm>");
    let event = Event::RunnerInstalled(RunnerInstalled { timestamp: 1.7e9, flavor: "small".into(), duration: 12.5 });
    println!("{:?}", issue(&wasm, &event).await?);
    Ok(())
}
