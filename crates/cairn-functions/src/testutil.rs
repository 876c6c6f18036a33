//! Helpers for the function tests.
#![allow(dead_code)]

use cairn_value::{Type, Value};

use crate::{CallError, Context, Registry};

pub fn call(name: &str, args: Vec<Value>) -> Result<Value, CallError> {
    Registry::standard().call(name, &Context::default(), &args)
}

/// Calls and renders the result as the console does, for compact asserts.
pub fn show(name: &str, args: Vec<Value>) -> String {
    match call(name, args) {
        Ok(v) => cairn_value::display::console(&v),
        Err(e) => format!("error: {e}"),
    }
}

pub fn s(x: &str) -> Value {
    Value::string(x)
}
pub fn n(x: i64) -> Value {
    Value::int(x)
}
pub fn num(x: &str) -> Value {
    Value::number(cairn_value::Number::parse(x).expect("test number"))
}
pub fn b(x: bool) -> Value {
    Value::bool(x)
}
pub fn tuple(items: Vec<Value>) -> Value {
    Value::tuple(items)
}
pub fn strs(items: &[&str]) -> Value {
    Value::list(Type::String, items.iter().map(|x| s(x)).collect())
}
pub fn obj(items: &[(&str, Value)]) -> Value {
    Value::object(
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}
pub fn unknown(t: Type) -> Value {
    Value::unknown(t)
}

/// Calls with a given context (base directory, plan time, renderer).
pub fn call_in(ctx: &Context, name: &str, args: Vec<Value>) -> Result<Value, CallError> {
    Registry::standard().call(name, ctx, &args)
}

/// Like [`show`], with a given context.
pub fn show_in(ctx: &Context, name: &str, args: Vec<Value>) -> String {
    match call_in(ctx, name, args) {
        Ok(v) => cairn_value::display::console(&v),
        Err(e) => format!("error: {e}"),
    }
}

/// Calls and returns the result's type (for checking return types).
pub fn call_ty(name: &str, args: Vec<Value>) -> Type {
    call(name, args).expect("call succeeds").ty()
}
pub fn list(t: Type, items: Vec<Value>) -> Value {
    Value::list(t, items)
}
pub fn set(t: Type, items: Vec<Value>) -> Value {
    Value::set(t, items)
}
pub fn map(t: Type, items: &[(&str, Value)]) -> Value {
    Value::map(
        t,
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}
pub fn nums(items: &[i64]) -> Value {
    Value::list(Type::Number, items.iter().map(|i| n(*i)).collect())
}
