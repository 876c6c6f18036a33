//! Operations and data services: DynamoDB tables, CloudWatch log groups and metric alarms, SNS topics.

use std::sync::Arc;

use cairn_value::Value;

use crate::resource::{DataSource, Resource};

mod alarm;
mod dynamodb;
mod log_group;
mod sns;

pub(crate) fn resources() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(dynamodb::Table),
        Arc::new(log_group::LogGroup),
        Arc::new(alarm::MetricAlarm),
        Arc::new(sns::Topic),
    ]
}

pub(crate) fn data_sources() -> Vec<Arc<dyn DataSource>> {
    vec![]
}

/// Whether the planned value of `k` differs from the prior one.
fn changed(prior: &Value, planned: &Value, k: &str) -> bool {
    match (prior.get_attr(k), planned.get_attr(k)) {
        (Some(a), Some(b)) => !(a.raw_equal(b) || (a.is_null() && b.is_null())),
        (None, None) => false,
        _ => true,
    }
}

/// Whether an argument is set (known and not null) in a configuration.
fn is_set(v: &Value, k: &str) -> bool {
    v.get_attr(k).is_some_and(|x| !x.is_null())
}

/// A number attribute as f64.
fn f64_of(v: &Value, k: &str) -> Option<f64> {
    v.get_attr(k)
        .and_then(Value::as_number)
        .map(cairn_value::Number::to_f64)
}

/// A number value from an f64 the API reported.
fn num(f: f64) -> Value {
    cairn_value::Number::from_f64(f)
        .map(Value::number)
        .unwrap_or_else(|| Value::null(cairn_value::Type::Number))
}

/// Two JSON texts that parse to the same value (key order and spacing
/// ignored); text that is not JSON compares as text.
fn json_equivalent(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
