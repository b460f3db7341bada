//! WIT-shaped JSON (conformance/README.md) to wasmtime's dynamic values and
//! back, walking the types the component itself reports: no WIT type is
//! restated here.

use serde_json::{Map, Value, json};
use wasmtime::component::Val;
use wasmtime::component::types::Type;

/// The value of type `ty` that `v` describes.
pub fn to_val(ty: &Type, v: &Value) -> Result<Val, String> {
    let bad = || format!("{v} is not a {ty:?}");
    Ok(match ty {
        Type::Bool => Val::Bool(v.as_bool().ok_or_else(bad)?),
        Type::String => Val::String(v.as_str().ok_or_else(bad)?.to_string()),
        Type::U16 => Val::U16(v.as_u64().and_then(|n| n.try_into().ok()).ok_or_else(bad)?),
        Type::U32 => Val::U32(v.as_u64().and_then(|n| n.try_into().ok()).ok_or_else(bad)?),
        Type::U64 => Val::U64(v.as_u64().ok_or_else(bad)?),
        Type::S64 => Val::S64(v.as_i64().ok_or_else(bad)?),
        Type::Float64 => Val::Float64(match v {
            Value::String(s) if s == "NaN" => f64::NAN,
            Value::String(s) if s == "Infinity" => f64::INFINITY,
            Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
            _ => v.as_f64().ok_or_else(bad)?,
        }),
        Type::List(l) => Val::List(
            v.as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|item| to_val(&l.ty(), item))
                .collect::<Result<_, _>>()?,
        ),
        Type::Tuple(t) => {
            let items = v.as_array().ok_or_else(bad)?;
            let types: Vec<Type> = t.types().collect();
            if items.len() != types.len() {
                return Err(bad());
            }
            Val::Tuple(
                types
                    .iter()
                    .zip(items)
                    .map(|(t, item)| to_val(t, item))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Option(o) => Val::Option(match v {
            Value::Null => None,
            some => Some(Box::new(to_val(&o.ty(), some)?)),
        }),
        Type::Record(r) => {
            let obj = v.as_object().ok_or_else(bad)?;
            Val::Record(
                r.fields()
                    .map(|f| {
                        let given = obj.get(f.name).unwrap_or(&Value::Null);
                        Ok((f.name.to_string(), to_val(&f.ty, given)?))
                    })
                    .collect::<Result<_, String>>()?,
            )
        }
        Type::Variant(t) => {
            let (case, payload) = match v {
                Value::String(case) => (case.as_str(), None),
                Value::Object(o) if o.len() == 1 => {
                    let (case, payload) = o.iter().next().unwrap();
                    (case.as_str(), Some(payload))
                }
                _ => return Err(bad()),
            };
            let c = t
                .cases()
                .find(|c| c.name == case)
                .ok_or_else(|| format!("no case {case} in {ty:?}"))?;
            let payload = match (c.ty, payload) {
                (Some(t), Some(p)) => Some(Box::new(to_val(&t, p)?)),
                (None, None) => None,
                _ => return Err(bad()),
            };
            Val::Variant(case.to_string(), payload)
        }
        Type::Enum(e) => {
            let name = v.as_str().ok_or_else(bad)?;
            if !e.names().any(|n| n == name) {
                return Err(bad());
            }
            Val::Enum(name.to_string())
        }
        other => return Err(format!("no WIT-shaped JSON for {other:?}")),
    })
}

/// The WIT-shaped JSON of `v`.
pub fn from_val(v: &Val) -> Value {
    match v {
        Val::Bool(b) => json!(b),
        Val::String(s) => json!(s),
        Val::U8(n) => json!(n),
        Val::U16(n) => json!(n),
        Val::U32(n) => json!(n),
        Val::U64(n) => json!(n),
        Val::S8(n) => json!(n),
        Val::S16(n) => json!(n),
        Val::S32(n) => json!(n),
        Val::S64(n) => json!(n),
        Val::Float32(n) => json!(n),
        Val::Float64(n) => json!(n),
        Val::List(items) | Val::Tuple(items) => Value::Array(items.iter().map(from_val).collect()),
        Val::Option(o) => o.as_deref().map_or(Value::Null, from_val),
        Val::Record(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), from_val(v)))
                .collect::<Map<_, _>>(),
        ),
        Val::Variant(case, None) | Val::Enum(case) => json!(case),
        Val::Variant(case, Some(p)) => json!({ case: from_val(p) }),
        Val::Result(Ok(p)) => json!({ "ok": p.as_deref().map_or(Value::Null, from_val) }),
        Val::Result(Err(p)) => json!({ "err": p.as_deref().map_or(Value::Null, from_val) }),
        other => json!(format!("{other:?}")),
    }
}
