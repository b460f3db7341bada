//! What the host tests share: one compiled component, instances with other
//! host settings, a client with one attempt per request, and events.

use runner_metrics_host::{
    Client, Entry, Error, Event, HostBuilder, Instance, MetricsHost, Options, RunnerInstalled,
    WitError,
};
pub use runner_metrics_testkit::{closed_url, repo_root};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The component, compiled once for this test binary.
pub fn host() -> &'static MetricsHost {
    static HOST: OnceLock<MetricsHost> = OnceLock::new();
    HOST.get_or_init(|| {
        MetricsHost::builder()
            .cache_dir(cache_dir())
            .build()
            .expect("the built component loads")
    })
}

/// Where this test binary keeps the precompiled component.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("component-cache")
}

/// An instance of the same compiled component, with other host settings.
pub async fn instance_with(f: impl FnOnce(HostBuilder) -> HostBuilder) -> Instance {
    host().with(f).unwrap().instantiate().await.unwrap()
}

/// A client to `url` with one attempt per request, after `more`.
pub async fn client_with(
    inst: &mut Instance,
    url: &str,
    more: impl AsyncFnOnce(&mut Instance, &Options) -> Result<(), Error>,
) -> Client {
    let o = inst.options().await.unwrap();
    inst.set_endpoint(&o, url).await.unwrap();
    inst.set_max_attempts(&o, 1).await.unwrap();
    more(inst, &o).await.unwrap();
    let c = inst.client(&o).await.unwrap();
    inst.drop_options(o).await.unwrap();
    c
}

/// [`client_with`] with nothing more.
pub async fn client(inst: &mut Instance, url: &str) -> Client {
    client_with(inst, url, async |_, _| Ok(())).await
}

/// A valid event.
pub fn event() -> Event {
    Event::RunnerInstalled(RunnerInstalled {
        timestamp: 1.5,
        flavor: "small".into(),
        duration: 2.0,
    })
}

/// Issue [`event`] through `c`.
pub async fn issue(inst: &mut Instance, c: &Client) -> Result<(), Error> {
    inst.issue(c, &[Entry::from(event())]).await
}

/// The WIT error of a call that must have failed with one.
pub fn component_error<T: std::fmt::Debug>(r: Result<T, Error>) -> WitError {
    match r {
        Err(Error::Component(e)) => e,
        other => panic!("expected a component error, got {other:?}"),
    }
}
