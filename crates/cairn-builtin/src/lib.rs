//! The providers of the embedded default: `terraform` (`terraform_data`),
//! `null` (`null_resource`), `random` (`random_*`) and `local`
//! (`local_file`, `local_sensitive_file`). They need no network and no
//! configuration, so a configuration using only them applies on a fresh
//! machine.
//!
//! Resource type names, attribute names, types, required/optional/computed,
//! sensitive and replace-forcing flags follow the HashiCorp providers, so
//! existing `.tf` files and states read the same.

use std::sync::Arc;

use cairn_provider::{
    default_plan, mark_sensitive, proposed_new, PlanRequest, PlanResponse, ProviderError,
    ProviderFactory, ProviderSchema, Schema,
};
use cairn_value::{Type, Value};

mod local;
mod null;
mod random;
mod rng;
mod terraform;

pub use local::LocalFactory;
pub use null::NullFactory;
pub use random::RandomFactory;
pub use terraform::TerraformFactory;

/// One factory per built-in provider, in a stable order.
pub fn factories() -> Vec<Arc<dyn ProviderFactory>> {
    vec![
        Arc::new(TerraformFactory::new()),
        Arc::new(NullFactory::new()),
        Arc::new(RandomFactory::new()),
        Arc::new(LocalFactory::new()),
    ]
}

/// The built-in factory with this local name (`random`, `local`, ...).
pub fn factory(name: &str) -> Option<Arc<dyn ProviderFactory>> {
    factories().into_iter().find(|f| f.name() == name)
}

/// The schema of a managed resource type, or an error naming the type.
pub(crate) fn resource_schema<'a>(
    provider: &str,
    ps: &'a ProviderSchema,
    type_name: &str,
) -> Result<&'a Schema, ProviderError> {
    ps.resources
        .get(type_name)
        .map(|r| &r.block)
        .ok_or_else(|| unknown_type(provider, "resource", type_name, ps.resources.keys()))
}

/// The schema of a data source, or an error naming it.
pub(crate) fn data_schema<'a>(
    provider: &str,
    ps: &'a ProviderSchema,
    type_name: &str,
) -> Result<&'a Schema, ProviderError> {
    ps.data_sources
        .get(type_name)
        .map(|r| &r.block)
        .ok_or_else(|| unknown_type(provider, "data source", type_name, ps.data_sources.keys()))
}

/// The error for reading a data source a provider does not have.
pub(crate) fn no_data_source(
    provider: &str,
    ps: &ProviderSchema,
    type_name: &str,
) -> ProviderError {
    unknown_type(provider, "data source", type_name, ps.data_sources.keys())
}

fn unknown_type<'a>(
    provider: &str,
    what: &str,
    type_name: &str,
    known: impl Iterator<Item = &'a String>,
) -> ProviderError {
    let known: Vec<&str> = known.map(String::as_str).collect();
    let list = if known.is_empty() {
        "none".to_string()
    } else {
        known.join(", ")
    };
    ProviderError::new(
        format!("Unsupported {what} type {type_name:?}"),
        format!("The {provider:?} provider has no {what} type {type_name:?}; it offers: {list}."),
    )
}

/// The error for `import` on a type whose real provider cannot import it.
pub(crate) fn import_unsupported(type_name: &str) -> ProviderError {
    ProviderError::new(
        format!("Resource type {type_name:?} does not support import"),
        format!(
            "{type_name} cannot be imported (its Terraform provider does not support import \
             either); declare it in the configuration and let apply create it."
        ),
    )
}

/// An object value with every attribute the configuration left null set
/// to its schema default, as the plugin framework does before planning.
pub(crate) fn with_defaults(config: &Value, defaults: &[(&str, Value)]) -> Value {
    let Some(m) = config.as_entries() else {
        return config.clone();
    };
    let mut out = m.clone();
    for (k, d) in defaults {
        if out.get(*k).is_none_or(Value::is_null) {
            out.insert((*k).to_string(), d.clone());
        }
    }
    Value::object(out).mark(config.sensitive)
}

/// The plan for resources whose configurable attributes all force
/// replacement: defaults filled in, prior computed values kept when nothing
/// changed, computed values unknown on create and replace, and sensitive
/// attributes marked.
pub(crate) fn plan_with_defaults(
    schema: &Schema,
    req: &PlanRequest,
    defaults: &[(&str, Value)],
) -> PlanResponse {
    if req.config.is_null() {
        // Destroy: nothing to plan.
        return PlanResponse {
            planned: req.config.clone(),
            requires_replace: Vec::new(),
        };
    }
    let config = with_defaults(&req.config, defaults);
    let filled = PlanRequest {
        type_name: req.type_name.clone(),
        prior: req.prior.clone(),
        proposed: proposed_new(schema, req.prior.as_ref(), &config),
        config,
    };
    let mut resp = default_plan(schema, &filled);
    resp.planned = mark_sensitive(schema, &resp.planned);
    resp
}

/// A null object of the schema's type: the state after a delete.
pub(crate) fn deleted(schema: &Schema) -> Value {
    Value::null(schema.implied_type())
}

/// Same value for planning purposes: identical, or both null whatever the
/// null's type.
pub(crate) fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x.is_null() && y.is_null()) || x.raw_equal(y),
        (None, None) => true,
        (Some(x), None) | (None, Some(x)) => x.is_null(),
    }
}

/// A known, non-null attribute, or `None` (unset or unknown).
pub(crate) fn known<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get_attr(name)
        .filter(|x| !x.is_null() && x.is_wholly_known())
}

/// The value of an attribute as an apply sees it: from the planned state,
/// or the configuration when the plan did not know it yet.
pub(crate) fn apply_input<'a>(
    planned: &'a Value,
    config: &'a Value,
    name: &str,
) -> Option<&'a Value> {
    match planned.get_attr(name) {
        Some(v) if v.is_wholly_known() => Some(v),
        _ => config.get_attr(name).filter(|v| v.is_wholly_known()),
    }
}

/// An error for an attribute still unknown at apply time.
pub(crate) fn unknown_at_apply(type_name: &str, attr: &str) -> ProviderError {
    ProviderError::new(
        format!("{type_name}: {attr:?} is unknown at apply time"),
        format!(
            "The value of {attr:?} was not known when {type_name} was applied; this is a bug in \
             the engine's planning."
        ),
    )
}

/// A string value or a typed null.
pub(crate) fn opt_string(s: Option<&str>) -> Value {
    match s {
        Some(s) => Value::string(s),
        None => Value::null(Type::String),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factory_has_a_distinct_name() {
        let names: Vec<String> = factories().iter().map(|f| f.name().to_string()).collect();
        assert_eq!(names, vec!["terraform", "null", "random", "local"]);
        assert!(factory("random").is_some());
        assert!(factory("aws").is_none());
    }

    #[test]
    fn same_value_treats_nulls_of_any_type_as_equal() {
        let a = Value::null(Type::String);
        let b = Value::dynamic_null();
        assert!(same_value(Some(&a), Some(&b)));
        assert!(same_value(Some(&a), None));
        assert!(!same_value(Some(&Value::string("x")), Some(&b)));
    }
}
