//! The embedding as a Rust service sees it: the README's Rust example is
//! examples/readme.rs, word for word, and it runs (one `runner_start` to
//! the test receiver); the demo (examples/demo.rs) shows every event
//! kind; an `options` handle shows none of its settings in a `Debug` print. (The generated `Debug` of `Auth` shows the password, as
//! docs/hosts/rust.md says: not checked here.)

/// The README's Rust example, run for real below.
#[path = "../../examples/readme.rs"]
#[allow(dead_code)]
mod readme;

/// The demo (`./scripts/demo`), run for real below.
#[path = "../../examples/demo.rs"]
#[allow(dead_code)]
mod demo;

use crate::common::*;
use runner_metrics_host::Auth;
use runner_metrics_testkit::Receiver;

/// The first ```rust block of `text` after `after`.
fn rust_block<'a>(text: &'a str, after: &str) -> &'a str {
    let start = text.find(after).expect("the heading") + after.len();
    let rest = &text[start..];
    let open = rest.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let len = rest[open..].find("```").expect("the block ends");
    &rest[open..open + len]
}

#[test]
fn the_readme_example_is_examples_readme_rs() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let block = rust_block(&readme, "### Rust");
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/readme.rs"),
    )
    .unwrap();
    // The example's code from its `use` to the end of `report`.
    let from = example
        .find("use runner_metrics_host")
        .expect("the use line");
    let to = example[from..].find("\n}\n").expect("the end of `report`") + from + 3;
    assert_eq!(
        block,
        &example[from..to],
        "README.md and examples/readme.rs differ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_example_issues_a_runner_start() {
    let rx = Receiver::start().await.unwrap();
    readme::report(&rx.url()).await.unwrap();
    let streams = rx.streams();
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0].label("event"), Some("runner_start"));
    assert_eq!(
        streams[0].entries[0].line,
        "{\"timestamp\":1764000000.0,\"event\":\"runner_start\",\"flavor\":\"small\",\
         \"workflow\":\"CI\",\"repo\":\"octo/hello\",\"github_event\":\"push\",\"idle\":3.5}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_one_stream_per_event_kind() {
    let shown = demo::run().await.unwrap();
    for name in [
        "runner_installed",
        "runner_start",
        "runner_stop",
        "reconciliation",
        "image_built",
    ] {
        assert!(
            shown.contains(&format!("event=\"{name}\"}}")),
            "{name} in:\n{shown}"
        );
    }
    assert!(shown.contains("The receiver got 5 pushes"), "{shown}");
    assert!(
        shown.contains(r#""event":"image_built","base":"noble","size_mb":2048,"cached":false}"#),
        "{shown}"
    );
}

#[tokio::test]
async fn an_options_handle_shows_no_setting() {
    const SECRET: &str = "dbg-Secret-5e1";
    let mut inst = host().instantiate().await.unwrap();
    let o = inst.options().await.unwrap();
    inst.set_auth(&o, &Auth::Bearer(SECRET.into()))
        .await
        .unwrap();
    inst.set_headers(&o, &[("x-api-key".into(), SECRET.into())])
        .await
        .unwrap();
    let shown = format!("{o:?}");
    assert!(!shown.contains(SECRET), "{shown}");
}
