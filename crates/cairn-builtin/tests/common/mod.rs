//! Helpers shared by the integration tests: configure a built-in provider,
//! build configuration objects, and run plan/apply like the engine does.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_provider::{
    empty_object, proposed_new, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider,
    ProviderError, Schema,
};
use cairn_value::{PathStep, Type, Value};

pub async fn provider(name: &str) -> Arc<dyn Provider> {
    let f = cairn_builtin::factory(name).expect("built-in provider");
    f.configure(&Value::empty_object())
        .await
        .expect("configure")
}

pub fn schema(p: &dyn Provider, type_name: &str) -> Schema {
    p.schema().resources[type_name].block.clone()
}

pub fn attr(p: &dyn Provider, type_name: &str, name: &str) -> Attribute {
    schema(p, type_name).attributes[name].clone()
}

/// A configuration object: every attribute null except those given.
pub fn config(p: &dyn Provider, type_name: &str, set: &[(&str, Value)]) -> Value {
    let mut m = empty_object(&schema(p, type_name));
    for (k, v) in set {
        assert!(m.contains_key(*k), "{type_name} has no attribute {k}");
        m.insert((*k).to_string(), v.clone());
    }
    Value::object(m)
}

pub fn data_config(p: &dyn Provider, type_name: &str, set: &[(&str, Value)]) -> Value {
    let mut m = empty_object(&p.schema().data_sources[type_name].block);
    for (k, v) in set {
        m.insert((*k).to_string(), v.clone());
    }
    Value::object(m)
}

pub fn strmap(items: &[(&str, &str)]) -> Value {
    Value::map(
        Type::String,
        items
            .iter()
            .map(|(k, v)| (k.to_string(), Value::string(*v)))
            .collect::<BTreeMap<_, _>>(),
    )
}

pub fn strlist(items: &[&str]) -> Value {
    Value::list(
        Type::String,
        items.iter().map(|s| Value::string(*s)).collect(),
    )
}

pub async fn plan(
    p: &dyn Provider,
    type_name: &str,
    prior: Option<&Value>,
    cfg: &Value,
) -> PlanResponse {
    let s = schema(p, type_name);
    p.plan(PlanRequest {
        type_name: type_name.to_string(),
        prior: prior.cloned(),
        config: cfg.clone(),
        proposed: proposed_new(&s, prior, cfg),
    })
    .await
    .expect("plan")
}

pub async fn try_create(
    p: &dyn Provider,
    type_name: &str,
    cfg: &Value,
) -> Result<Value, ProviderError> {
    let planned = plan(p, type_name, None, cfg).await.planned;
    p.apply(ApplyRequest {
        type_name: type_name.to_string(),
        prior: None,
        planned: Some(planned),
        config: cfg.clone(),
        idempotency_key: None,
    })
    .await
}

/// Plans and applies a create, as the engine does.
pub async fn create(p: &dyn Provider, type_name: &str, cfg: &Value) -> Value {
    try_create(p, type_name, cfg).await.expect("apply")
}

pub async fn destroy(p: &dyn Provider, type_name: &str, prior: &Value) -> Value {
    p.apply(ApplyRequest {
        type_name: type_name.to_string(),
        prior: Some(prior.clone()),
        planned: None,
        config: Value::null(schema(p, type_name).implied_type()),
        idempotency_key: None,
    })
    .await
    .expect("delete")
}

pub fn s(v: &Value, name: &str) -> String {
    v.get_attr(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{name} is not a known string in {v:?}"))
        .to_string()
}

pub fn replaces(resp: &PlanResponse, name: &str) -> bool {
    resp.requires_replace
        .iter()
        .any(|p| p.first() == Some(&PathStep::Attr(name.to_string())))
}

/// Plans the same configuration over the state it produced: no change.
pub async fn assert_no_change(p: &dyn Provider, type_name: &str, state: &Value, cfg: &Value) {
    let resp = plan(p, type_name, Some(state), cfg).await;
    assert!(
        resp.requires_replace.is_empty(),
        "{type_name}: unexpected replace {:?}",
        resp.requires_replace
    );
    assert!(
        resp.planned.raw_equal(state),
        "{type_name}: planned differs from prior\nplanned: {:?}\nprior:   {:?}",
        resp.planned,
        state
    );
}

pub fn error_mentions(diags: &[cairn_diagnostics::Diagnostic], attr: &str) -> bool {
    diags
        .iter()
        .any(|d| d.is_error() && (d.summary.contains(attr) || d.detail.contains(attr)))
}
