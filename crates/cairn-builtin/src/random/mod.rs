//! The `random` provider (hashicorp/random): managed randomness. Values
//! are generated on create and kept in state until an argument changes;
//! every argument forces replacement.

use std::sync::Arc;

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{
    mark_sensitive, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider, ProviderError,
    ProviderFactory, ProviderSchema, ResourceSchema, Schema,
};
use cairn_value::{Type, Value};

use crate::{
    deleted, import_unsupported, no_data_source, plan_with_defaults, resource_schema,
    unknown_at_apply, with_defaults,
};

mod other;
mod string;
mod words;

const NAME: &str = "random";

/// Largest `length`/`byte_length`/`result_count` accepted: far beyond any
/// real use, low enough that a typo cannot exhaust memory.
pub(crate) const MAX_SIZE: i64 = 1 << 20;

/// The `keepers` argument every random resource has.
pub(crate) fn keepers() -> Attribute {
    Attribute::optional(
        Type::map(Type::String),
        "Arbitrary map of values that, when changed, will trigger recreation of the resource.",
    )
    .force_new()
}

fn schema() -> ProviderSchema {
    let mut ps = ProviderSchema {
        provider: Schema::new("The random provider; it takes no configuration."),
        ..ProviderSchema::default()
    };
    let resources = [
        ("random_id", other::id_schema()),
        ("random_integer", other::integer_schema()),
        ("random_password", string::schema(true)),
        ("random_pet", other::pet_schema()),
        ("random_shuffle", other::shuffle_schema()),
        ("random_string", string::schema(false)),
        ("random_uuid", other::uuid_schema()),
    ];
    for (name, block) in resources {
        // Versions as in the real provider's current schemas, so states
        // written by Terraform need no upgrade.
        let version = match name {
            "random_password" => 3,
            "random_string" => 2,
            _ => 0,
        };
        ps.resources
            .insert(name.to_string(), ResourceSchema { version, block });
    }
    ps
}

/// Schema defaults, filled in when the configuration leaves them null.
fn defaults(type_name: &str, config: &Value) -> Vec<(&'static str, Value)> {
    match type_name {
        "random_string" | "random_password" => string::defaults(config),
        "random_pet" => vec![("length", Value::int(2)), ("separator", Value::string("-"))],
        _ => Vec::new(),
    }
}

/// Makes the `random` provider.
pub struct RandomFactory {
    schema: Arc<ProviderSchema>,
}

impl RandomFactory {
    pub fn new() -> Self {
        RandomFactory {
            schema: Arc::new(schema()),
        }
    }
}

impl Default for RandomFactory {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl ProviderFactory for RandomFactory {
    fn name(&self) -> &str {
        NAME
    }
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }
    async fn configure(&self, _config: &Value) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(RandomProvider {
            schema: self.schema.clone(),
        }))
    }
}

struct RandomProvider {
    schema: Arc<ProviderSchema>,
}

/// The arguments an apply generates from: each from the plan, or from the
/// configuration where the plan did not know it; an error when still
/// unknown.
fn apply_inputs(
    schema: &Schema,
    type_name: &str,
    planned: &Value,
    config: &Value,
) -> Result<Value, ProviderError> {
    let mut out = planned.as_entries().cloned().unwrap_or_default();
    for (k, a) in &schema.attributes {
        if !(a.required || a.optional) {
            continue;
        }
        match crate::apply_input(planned, config, k) {
            Some(v) => {
                out.insert(k.clone(), v.clone());
            }
            None => {
                let present = planned.get_attr(k).or_else(|| config.get_attr(k));
                if present.is_some_and(|v| !v.is_wholly_known()) {
                    return Err(unknown_at_apply(type_name, k));
                }
                out.insert(k.clone(), Value::null(a.ty().clone()));
            }
        }
    }
    let v = Value::object(out);
    Ok(with_defaults(&v, &defaults(type_name, &v)))
}

#[async_trait]
impl Provider for RandomProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_resource(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        match type_name {
            "random_string" | "random_password" => string::validate(type_name, config),
            "random_id" => other::validate_id(config),
            "random_integer" => other::validate_integer(config),
            "random_pet" => other::validate_pet(config),
            "random_shuffle" => other::validate_shuffle(config),
            _ => Vec::new(),
        }
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, &req.type_name)?;
        let d = defaults(&req.type_name, &req.config);
        Ok(plan_with_defaults(schema, &req, &d))
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Value, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, &req.type_name)?;
        let Some(planned) = req.planned.filter(|p| !p.is_null()) else {
            return Ok(deleted(schema));
        };
        if req.prior.is_some() && planned.is_wholly_known() {
            // Every argument forces replacement, so an update changes
            // nothing the provider keeps: the plan is the new state.
            return Ok(mark_sensitive(schema, &planned));
        }
        let inputs = apply_inputs(schema, &req.type_name, &planned, &req.config)?;
        let state = match req.type_name.as_str() {
            "random_string" | "random_password" => string::create(&req.type_name, &inputs)?,
            "random_id" => other::create_id(&inputs)?,
            "random_integer" => other::create_integer(&inputs)?,
            "random_pet" => other::create_pet(&inputs)?,
            "random_shuffle" => other::create_shuffle(&inputs)?,
            "random_uuid" => other::create_uuid(&inputs),
            other => {
                return Err(ProviderError::new(
                    format!("Unsupported resource type {other:?}"),
                    "The random provider cannot create this type.",
                ))
            }
        };
        Ok(mark_sensitive(schema, &state))
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, type_name)?;
        // The values exist only in state: nothing to refresh.
        Ok(Some(mark_sensitive(schema, state)))
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, type_name)?;
        let state = match type_name {
            "random_string" | "random_password" => string::import(type_name, id)?,
            "random_id" => other::import_id(id)?,
            "random_integer" => other::import_integer(id)?,
            "random_uuid" => other::import_uuid(id)?,
            _ => return Err(import_unsupported(type_name)),
        };
        // Attributes the importer does not set are null.
        let mut full = cairn_provider::empty_object(schema);
        if let Some(m) = state.as_entries() {
            for (k, v) in m {
                full.insert(k.clone(), v.clone());
            }
        }
        Ok(mark_sensitive(schema, &Value::object(full)))
    }

    async fn read_data(&self, type_name: &str, _config: &Value) -> Result<Value, ProviderError> {
        Err(no_data_source(NAME, &self.schema, type_name))
    }
}

/// An integer argument for validation: `None` when null or unknown; an
/// error diagnostic when it is not a whole number that fits.
pub(crate) fn int_arg(
    type_name: &str,
    config: &Value,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<i64> {
    let v = crate::known(config, name)?;
    match v.as_number().and_then(|n| n.to_i64()) {
        Some(i) => Some(i),
        None => {
            diags.push(invalid(
                type_name,
                name,
                &format!(
                    "must be a whole number between {} and {}",
                    i64::MIN,
                    i64::MAX
                ),
            ));
            None
        }
    }
}

/// A diagnostic naming the resource type and attribute.
pub(crate) fn invalid(type_name: &str, attr: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Invalid value for {attr:?}"),
        format!("{type_name}: {attr:?} {what}."),
    )
}

/// An integer argument at apply time (already validated).
pub(crate) fn req_int(type_name: &str, v: &Value, name: &str) -> Result<i64, ProviderError> {
    cairn_provider::get_i64(v, name).ok_or_else(|| {
        ProviderError::new(
            format!("{type_name}: {name:?} must be a whole number"),
            format!("{type_name} needs {name:?} set to a whole number."),
        )
    })
}
