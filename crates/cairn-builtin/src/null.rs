//! The `null` provider (hashicorp/null): `null_resource`.

use std::sync::Arc;

use async_trait::async_trait;
use cairn_provider::{
    ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider, ProviderError, ProviderFactory,
    ProviderSchema, ResourceSchema, Schema,
};
use cairn_value::{Type, Value};
use rand::RngCore;

use crate::{deleted, import_unsupported, no_data_source, plan_with_defaults, resource_schema};

const NAME: &str = "null";
const RESOURCE: &str = "null_resource";

fn schema() -> ProviderSchema {
    let res = Schema::new("A resource that does nothing beyond the standard lifecycle.")
        .attr(
            "triggers",
            Attribute::optional(
                Type::map(Type::String),
                "A map of arbitrary strings that, when changed, replace the resource.",
            )
            .force_new(),
        )
        .attr(
            "id",
            Attribute::computed(
                Type::String,
                "An arbitrary value that changes each time the resource is replaced.",
            ),
        );
    let mut ps = ProviderSchema {
        provider: Schema::new("The null provider; it takes no configuration."),
        ..ProviderSchema::default()
    };
    ps.resources.insert(
        RESOURCE.to_string(),
        ResourceSchema {
            version: 0,
            block: res,
        },
    );
    ps
}

/// Makes the `null` provider.
pub struct NullFactory {
    schema: Arc<ProviderSchema>,
}

impl NullFactory {
    pub fn new() -> Self {
        NullFactory {
            schema: Arc::new(schema()),
        }
    }
}

impl Default for NullFactory {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl ProviderFactory for NullFactory {
    fn name(&self) -> &str {
        NAME
    }
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }
    async fn configure(&self, _config: &Value) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(NullProvider {
            schema: self.schema.clone(),
        }))
    }
}

struct NullProvider {
    schema: Arc<ProviderSchema>,
}

#[async_trait]
impl Provider for NullProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, &req.type_name)?;
        Ok(plan_with_defaults(schema, &req, &[]))
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Value, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, &req.type_name)?;
        let Some(planned) = req.planned.filter(|p| !p.is_null()) else {
            return Ok(deleted(schema));
        };
        let mut out = planned.as_entries().cloned().unwrap_or_default();
        // Create and replace plan an unknown id; updates keep the prior one.
        if out.get("id").is_none_or(|v| v.as_str().is_none()) {
            // The real provider uses a random non-negative 63-bit integer.
            let n = rand::rng().next_u64() >> 1;
            out.insert("id".into(), Value::string(n.to_string()));
        }
        if out.get("triggers").is_some_and(|t| !t.is_wholly_known()) {
            match req.config.get_attr("triggers") {
                Some(t) if t.is_wholly_known() => {
                    out.insert("triggers".into(), t.clone());
                }
                _ => return Err(crate::unknown_at_apply(RESOURCE, "triggers")),
            }
        }
        Ok(Value::object(out))
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        resource_schema(NAME, &self.schema, type_name)?;
        Ok(Some(state.clone()))
    }

    async fn import(&self, type_name: &str, _id: &str) -> Result<Value, ProviderError> {
        resource_schema(NAME, &self.schema, type_name)?;
        Err(import_unsupported(type_name))
    }

    async fn read_data(&self, type_name: &str, _config: &Value) -> Result<Value, ProviderError> {
        Err(no_data_source(NAME, &self.schema, type_name))
    }
}
