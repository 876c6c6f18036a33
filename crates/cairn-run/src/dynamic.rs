//! Attributes of type `any` (terraform_data's `input`, say) lose their exact
//! type in JSON: a list comes back a tuple, a map an object, and a value
//! then differs from itself after a round trip through state. Like
//! Terraform, state keeps such values together with their type.

use std::collections::BTreeMap;

use cairn_engine::{InstanceAddr, Mode, Registry};
use cairn_provider::Schema;
use cairn_value::{json, ObjectType, Type, Value};

fn dynamic_attrs(schema: &Schema) -> Vec<&String> {
    schema
        .attributes
        .iter()
        .filter(|(_, a)| *a.ty() == Type::Dynamic)
        .map(|(k, _)| k)
        .collect()
}

fn wrapper_type() -> Type {
    let mut attrs = BTreeMap::new();
    attrs.insert("type".to_string(), Type::String);
    attrs.insert("value".to_string(), Type::Dynamic);
    Type::Object(ObjectType {
        attrs,
        optional: Default::default(),
    })
}

/// The value as stored: `any` attributes as `{type, value}` objects.
pub fn wrap(registry: &Registry, provider: &str, addr: &InstanceAddr, v: &Value) -> Value {
    let data = addr.resource.mode == Mode::Data;
    let Ok(schema) = registry.resource_schema(provider, &addr.resource.type_name, data) else {
        return v.clone();
    };
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    let mut out = m.clone();
    for k in dynamic_attrs(&schema.block) {
        if let Some(x) = m.get(k) {
            if x.is_null() {
                continue;
            }
            let ty = serde_json::to_string(&json::type_to_json(&x.ty())).unwrap_or_default();
            let mut w = BTreeMap::new();
            w.insert("type".to_string(), Value::string(ty));
            w.insert("value".to_string(), x.clone());
            out.insert(k.clone(), Value::object(w));
        }
    }
    Value::object(out).mark(v.sensitive)
}

/// The type to decode stored attributes with.
pub fn stored_type(schema: &Schema) -> Type {
    match schema.implied_type() {
        Type::Object(mut o) => {
            for k in dynamic_attrs(schema) {
                o.attrs.insert(k.clone(), wrapper_type());
            }
            Type::Object(o)
        }
        t => t,
    }
}

/// The inverse of [`wrap`].
pub fn unwrap(schema: &Schema, v: &Value) -> Value {
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    let mut out = m.clone();
    for k in dynamic_attrs(schema) {
        let Some(w) = m.get(k) else { continue };
        if w.is_null() {
            out.insert(k.clone(), Value::dynamic_null());
            continue;
        }
        let ty = w
            .get_attr("type")
            .and_then(|t| t.as_str())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .and_then(|j| json::type_from_json(&j));
        let inner = w
            .get_attr("value")
            .cloned()
            .unwrap_or_else(Value::dynamic_null);
        let restored = match ty {
            Some(t) => cairn_value::convert(&inner, &t).unwrap_or(inner),
            None => inner,
        };
        out.insert(k.clone(), restored);
    }
    Value::object(out).mark(v.sensitive)
}
