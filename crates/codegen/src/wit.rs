//! `wit/` as the generators see it: the package, its interfaces' named
//! types and functions in declaration order, their docs, and a
//! language-neutral type table (JSON) that the Python and JavaScript hosts
//! walk to check, convert and name values.
//!
//! Items behind `@unstable` features are not in the `Resolve` (no feature is
//! enabled), so test-only items never reach generated code.

use serde_json::{Value, json};
use std::path::Path;
use wit_parser::{
    Docs, Function, FunctionKind, Handle, Interface, PackageId, Resolve, Type, TypeDefKind, TypeId,
    TypeOwner,
};

/// The parsed package.
pub struct Wit {
    pub resolve: Resolve,
    pub package: PackageId,
}

/// One `options` setter: `set-<name>(<param>: <ty>)`.
pub struct Setter<'a> {
    /// The setting's name (the setter's without `set-`), kebab-case.
    pub name: String,
    /// The parameter after `self`.
    pub param: String,
    pub ty: Type,
    pub docs: &'a Docs,
}

/// The limits of one call (`client.issue`'s doc).
pub struct CallLimits {
    /// The most entries one call takes.
    pub items: u64,
    /// The most bytes of text (UTF-8, every string summed) one call takes.
    pub text: u64,
}

impl Wit {
    pub fn load(dir: &Path) -> Result<Wit, String> {
        let mut resolve = Resolve::default();
        let (package, _) = resolve.push_dir(dir).map_err(|e| format!("{e:#}"))?;
        Ok(Wit { resolve, package })
    }

    /// `github-runner:metrics@0.2.0`.
    pub fn package_id(&self) -> String {
        self.resolve.packages[self.package].name.to_string()
    }

    /// The package version, `0.2.0`.
    pub fn version(&self) -> String {
        self.resolve.packages[self.package]
            .name
            .version
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// The package's interfaces, in declaration order.
    pub fn interfaces(&self) -> Vec<&Interface> {
        self.resolve.packages[self.package]
            .interfaces
            .values()
            .map(|id| &self.resolve.interfaces[*id])
            .collect()
    }

    pub fn interface(&self, name: &str) -> &Interface {
        self.interfaces()
            .into_iter()
            .find(|i| i.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("wit/ has no interface `{name}`"))
    }

    /// The named types the package declares (not the ones it `use`s),
    /// in declaration order.
    pub fn types(&self) -> Vec<(&str, TypeId)> {
        let mut out = Vec::new();
        for iface in self.interfaces() {
            for (name, id) in &iface.types {
                let def = &self.resolve.types[*id];
                // A `use` makes an alias owned by the using interface whose
                // target has the same name: skip it, the original is listed.
                if let TypeDefKind::Type(Type::Id(target)) = def.kind
                    && self.resolve.types[target].name.as_deref() == Some(name)
                {
                    continue;
                }
                out.push((name.as_str(), *id));
            }
        }
        out
    }

    /// The setters of `resource options` in `promtail`, in declaration order.
    pub fn setters(&self) -> Vec<Setter<'_>> {
        let iface = self.interface("promtail");
        let options = iface.types["options"];
        iface
            .functions
            .values()
            .filter(|f| matches!(f.kind, FunctionKind::Method(id) if id == options))
            .filter_map(|f| {
                let name = f.item_name().strip_prefix("set-")?.to_string();
                assert_eq!(
                    f.params.len(),
                    2,
                    "setter {} must take one value after `self`",
                    f.name
                );
                Some(Setter {
                    name,
                    param: f.params[1].name.clone(),
                    ty: f.params[1].ty,
                    docs: &f.docs,
                })
            })
            .collect()
    }

    /// What one call that carries events may hold, as `client.issue`'s doc
    /// states it ("One call takes at most N entries holding at most M
    /// bytes"): the hosts check it before a call, and the WIT stays the one
    /// place the numbers are written.
    pub fn call_limits(&self) -> CallLimits {
        let iface = self.interface("promtail");
        let issue = iface
            .functions
            .get("[method]client.issue")
            .expect("wit/ has `client.issue`");
        let text = docs(&issue.docs)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let number_after = |prefix: &str| -> u64 {
            text.split_once(prefix)
                .and_then(|(_, rest)| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| {
                    panic!("`client.issue`'s doc must say \"{prefix}<number>\" (the call limits)")
                })
        };
        CallLimits {
            items: number_after("One call takes at most "),
            text: number_after(" entries holding at most "),
        }
    }

    /// The name a type is known by in the tables: its own name, or a
    /// structural description.
    pub fn type_ref(&self, ty: &Type) -> Value {
        match ty {
            Type::Bool => json!("bool"),
            Type::U8 => json!("u8"),
            Type::U16 => json!("u16"),
            Type::U32 => json!("u32"),
            Type::U64 => json!("u64"),
            Type::S8 => json!("s8"),
            Type::S16 => json!("s16"),
            Type::S32 => json!("s32"),
            Type::S64 => json!("s64"),
            Type::F32 => json!("f32"),
            Type::F64 => json!("f64"),
            Type::Char => json!("char"),
            Type::String => json!("string"),
            Type::ErrorContext => json!("error-context"),
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                if let Some(name) = &def.name {
                    return json!(name);
                }
                match &def.kind {
                    TypeDefKind::List(t) => json!({ "list": self.type_ref(t) }),
                    TypeDefKind::Option(t) => json!({ "option": self.type_ref(t) }),
                    TypeDefKind::Tuple(t) => {
                        json!({ "tuple": t.types.iter().map(|t| self.type_ref(t)).collect::<Vec<_>>() })
                    }
                    TypeDefKind::Result(r) => json!({ "result": [
                        r.ok.as_ref().map(|t| self.type_ref(t)),
                        r.err.as_ref().map(|t| self.type_ref(t)),
                    ] }),
                    TypeDefKind::Handle(Handle::Own(r)) => json!({ "own": self.name_of(*r) }),
                    TypeDefKind::Handle(Handle::Borrow(r)) => json!({ "borrow": self.name_of(*r) }),
                    TypeDefKind::Type(t) => self.type_ref(t),
                    other => panic!("no table form for an anonymous {}", other.as_str()),
                }
            }
        }
    }

    fn name_of(&self, id: TypeId) -> String {
        self.resolve.types[id].name.clone().unwrap_or_default()
    }

    /// The interface a type belongs to.
    pub fn interface_of(&self, id: TypeId) -> Option<&str> {
        match self.resolve.types[id].owner {
            TypeOwner::Interface(i) => self.resolve.interfaces[i].name.as_deref(),
            _ => None,
        }
    }

    /// Every named type, as `{name: {kind, interface, docs, ...}}`:
    /// records have `fields` (`[name, type, docs]`), variants `cases`
    /// (`[name, type or null, docs]`), enums `cases` (`[name, docs]`),
    /// aliases `type`, resources nothing more.
    pub fn type_table(&self) -> Value {
        let mut table = serde_json::Map::new();
        for (name, id) in self.types() {
            let def = &self.resolve.types[id];
            let mut entry = serde_json::Map::new();
            entry.insert("interface".into(), json!(self.interface_of(id)));
            entry.insert("docs".into(), json!(docs(&def.docs)));
            match &def.kind {
                TypeDefKind::Record(r) => {
                    entry.insert("kind".into(), json!("record"));
                    let fields: Vec<Value> = r
                        .fields
                        .iter()
                        .map(|f| json!([f.name, self.type_ref(&f.ty), docs(&f.docs)]))
                        .collect();
                    entry.insert("fields".into(), json!(fields));
                }
                TypeDefKind::Variant(v) => {
                    entry.insert("kind".into(), json!("variant"));
                    let cases: Vec<Value> = v
                        .cases
                        .iter()
                        .map(|c| {
                            json!([
                                c.name,
                                c.ty.as_ref().map(|t| self.type_ref(t)),
                                docs(&c.docs)
                            ])
                        })
                        .collect();
                    entry.insert("cases".into(), json!(cases));
                }
                TypeDefKind::Enum(e) => {
                    entry.insert("kind".into(), json!("enum"));
                    let cases: Vec<Value> = e
                        .cases
                        .iter()
                        .map(|c| json!([c.name, docs(&c.docs)]))
                        .collect();
                    entry.insert("cases".into(), json!(cases));
                }
                TypeDefKind::Type(t) => {
                    entry.insert("kind".into(), json!("alias"));
                    entry.insert("type".into(), self.type_ref(t));
                }
                TypeDefKind::Resource => {
                    entry.insert("kind".into(), json!("resource"));
                }
                other => panic!(
                    "type `{name}`: no table form for a named {}",
                    other.as_str()
                ),
            }
            table.insert(name.to_string(), Value::Object(entry));
        }
        Value::Object(table)
    }

    /// Every function of `interface`, as `{wit name: {params: [[name, type]],
    /// result: type or null, docs}}`; resource functions under their
    /// canonical names (`[constructor]client`, `[method]client.issue`).
    pub fn function_table(&self, interface: &str) -> Value {
        let iface = self.interface(interface);
        let mut table = serde_json::Map::new();
        for f in iface.functions.values() {
            table.insert(f.name.clone(), self.function(f));
        }
        Value::Object(table)
    }

    fn function(&self, f: &Function) -> Value {
        let params: Vec<Value> = f
            .params
            .iter()
            .map(|p| json!([p.name, self.type_ref(&p.ty)]))
            .collect();
        json!({
            "params": params,
            "result": f.result.as_ref().map(|t| self.type_ref(t)),
            "docs": docs(&f.docs),
        })
    }

    /// The `options` setters, as `[[setting, setter, param, type, docs]]`.
    pub fn setter_table(&self) -> Value {
        let rows: Vec<Value> = self
            .setters()
            .iter()
            .map(|s| {
                json!([
                    s.name,
                    format!("set-{}", s.name),
                    s.param,
                    self.type_ref(&s.ty),
                    docs(s.docs)
                ])
            })
            .collect();
        json!(rows)
    }
}

/// Doc comment text, `///` markers removed; empty when none.
pub fn docs(d: &Docs) -> String {
    d.contents.as_deref().unwrap_or("").trim().to_string()
}

/// `github-event` → `github_event`.
pub fn snake(name: &str) -> String {
    name.replace('-', "_").to_lowercase()
}

/// `github-event` → `githubEvent`.
pub fn camel(name: &str) -> String {
    let pascal = pascal(name);
    let mut chars = pascal.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `runner-start` → `RunnerStart`, `DNS-error` → `DnsError`.
pub fn pascal(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let lower = word.to_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}
