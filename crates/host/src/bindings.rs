//! Host bindings generated from `wit/` by wasmtime's `bindgen!`: every type
//! that mirrors a WIT type comes from here (with serde derives, so events
//! read from and write to JSON without hand-written readers).

wasmtime::component::bindgen!({
    path: "wit",
    world: "metrics",
    exports: { default: async },
    additional_derives: [PartialEq, Clone, serde::Serialize, serde::Deserialize],
});
