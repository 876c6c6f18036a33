//! Builders for hand-made plans.
#![allow(dead_code)]

use std::collections::BTreeMap;

use cairn_engine::{parse_instance, Action, Change, Drift, InstanceAddr, OutputChange, Plan};
use cairn_value::{PathStep, Type, Value};

pub fn addr(s: &str) -> InstanceAddr {
    parse_instance(s).expect("test address")
}

pub fn s(x: &str) -> Value {
    Value::string(x)
}

pub fn n(i: i64) -> Value {
    Value::int(i)
}

pub fn b(x: bool) -> Value {
    Value::bool(x)
}

pub fn unknown() -> Value {
    Value::unknown(Type::String)
}

pub fn null() -> Value {
    Value::null(Type::String)
}

pub fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

pub fn map(pairs: &[(&str, &str)]) -> Value {
    Value::map(
        Type::String,
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::string(*v)))
            .collect::<BTreeMap<_, _>>(),
    )
}

pub fn strs(items: &[&str]) -> Value {
    Value::list(
        Type::String,
        items.iter().map(|x| Value::string(*x)).collect(),
    )
}

pub fn list(items: Vec<Value>) -> Value {
    let t = items.first().map(Value::ty).unwrap_or(Type::Dynamic);
    Value::list(t, items)
}

pub fn set(items: Vec<Value>) -> Value {
    let t = items.first().map(Value::ty).unwrap_or(Type::Dynamic);
    Value::set(t, items)
}

pub fn attr(a: &str) -> Vec<PathStep> {
    vec![PathStep::Attr(a.to_string())]
}

pub fn change(a: &str, action: Action, before: Option<Value>, after: Option<Value>) -> Change {
    let provider = a
        .rsplit('.')
        .nth(1)
        .and_then(|t| t.split('_').next())
        .unwrap_or("aws")
        .to_string();
    Change {
        addr: addr(a),
        action,
        before,
        after,
        replace_paths: Vec::new(),
        reason: None,
        create_before_destroy: false,
        dependencies: Vec::new(),
        provider_key: (Vec::new(), provider.clone()),
        provider_name: provider,
        importing: None,
        moved_from: None,
        deposed: false,
    }
}

pub fn plan(changes: Vec<Change>) -> Plan {
    Plan {
        changes,
        ..Plan::default()
    }
}

pub fn output(before: Option<Value>, after: Option<Value>, sensitive: bool) -> OutputChange {
    OutputChange {
        before,
        after,
        sensitive,
    }
}

pub fn drift(a: &str, before: Value, after: Option<Value>) -> Drift {
    Drift {
        addr: addr(a),
        before,
        after,
    }
}

/// The text with ANSI escape sequences removed.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
