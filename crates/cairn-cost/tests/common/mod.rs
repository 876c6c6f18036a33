//! Helpers shared by the tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use cairn_cost::{estimate, Catalog, CostItem, Estimate, Usage};
use cairn_value::{Type, Value};

/// An object value from attribute pairs.
pub fn obj(attrs: &[(&str, Value)]) -> Value {
    Value::object(
        attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A value from JSON text (objects become objects, arrays tuples).
pub fn json(text: &str) -> Value {
    cairn_value::json::decode(text).expect("test JSON parses")
}

pub fn s(v: &str) -> Value {
    Value::string(v)
}

pub fn n(v: i64) -> Value {
    Value::int(v)
}

pub fn unknown_str() -> Value {
    Value::unknown(Type::String)
}

pub fn unknown_num() -> Value {
    Value::unknown(Type::Number)
}

pub fn cat() -> &'static Catalog {
    Catalog::builtin()
}

/// The catalog's flat price (first tier) of a dimension.
pub fn price(region: &str, product: &str, key: &str) -> f64 {
    cat()
        .price(region, product, key)
        .unwrap_or_else(|| panic!("{region} {product} {key} in the catalog"))
        .usd
}

pub fn est(type_name: &str, region: &str, values: &Value) -> Estimate {
    est_usage(type_name, region, values, &Usage::none())
}

pub fn est_usage(type_name: &str, region: &str, values: &Value, usage: &Usage) -> Estimate {
    let item = CostItem::new(format!("{type_name}.x"), type_name, Some(region), values);
    estimate(&item, cat(), usage)
}

pub fn usage(yaml: &str) -> Usage {
    Usage::parse(yaml, "usage.yml").expect("test usage parses")
}

/// Floats computed the same way agree to far better than this.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[track_caller]
pub fn assert_close(a: f64, b: f64) {
    assert!(close(a, b), "{a} != {b}");
}

pub fn component<'a>(e: &'a Estimate, name_part: &str) -> &'a cairn_cost::LineItem {
    e.components
        .iter()
        .find(|c| c.name.contains(name_part))
        .unwrap_or_else(|| panic!("no component {name_part:?} in {:#?}", e.components))
}

pub fn has_note(e: &Estimate, part: &str) -> bool {
    e.notes.iter().any(|n| n.message.contains(part))
}
