//! The built-in `terraform` provider (`terraform.io/builtin/terraform`):
//! the `terraform_data` resource.

use std::sync::Arc;

use async_trait::async_trait;
use cairn_provider::{
    empty_object, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider, ProviderError,
    ProviderFactory, ProviderSchema, ResourceSchema, Schema,
};
use cairn_value::{PathStep, Type, Value};

use crate::{deleted, no_data_source, resource_schema, same_value};

const NAME: &str = "terraform";
const DATA: &str = "terraform_data";

fn schema() -> ProviderSchema {
    let data = Schema::new(
        "Stores a value with the managed-resource lifecycle; a replacement for null_resource.",
    )
    .attr(
        "input",
        Attribute::optional(
            Type::Dynamic,
            "A value of any type to store; it is copied to `output` on apply.",
        ),
    )
    .attr(
        "output",
        Attribute::computed(
            Type::Dynamic,
            "The stored `input`; unknown, of `input`'s type, in plans where `input` changes.",
        ),
    )
    .attr(
        "triggers_replace",
        // Replacement comes from the plan, not a schema flag, in Terraform;
        // the flag here tells docs and lints the same thing.
        Attribute::optional(
            Type::Dynamic,
            "A value of any type; a change replaces the resource.",
        )
        .force_new(),
    )
    .attr(
        "id",
        Attribute::computed(Type::String, "A unique ID for the instance."),
    );
    let mut ps = ProviderSchema {
        provider: Schema::new("The built-in terraform provider; it takes no configuration."),
        ..ProviderSchema::default()
    };
    ps.resources.insert(
        DATA.to_string(),
        ResourceSchema {
            version: 0,
            block: data,
        },
    );
    ps
}

/// Makes the `terraform` provider.
pub struct TerraformFactory {
    schema: Arc<ProviderSchema>,
}

impl TerraformFactory {
    pub fn new() -> Self {
        TerraformFactory {
            schema: Arc::new(schema()),
        }
    }
}

impl Default for TerraformFactory {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl ProviderFactory for TerraformFactory {
    fn name(&self) -> &str {
        NAME
    }
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }
    async fn configure(&self, _config: &Value) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(TerraformProvider {
            schema: self.schema.clone(),
        }))
    }
}

struct TerraformProvider {
    schema: Arc<ProviderSchema>,
}

/// `output` for a new `input`: null stays null (apply will copy it), other
/// values are unknown of the input's type until apply.
fn pending_output(input: &Value) -> Value {
    if input.is_null() {
        input.clone()
    } else {
        Value::unknown(input.ty())
    }
}

#[async_trait]
impl Provider for TerraformProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, &req.type_name)?;
        if req.config.is_null() {
            return Ok(PlanResponse {
                planned: req.config.clone(),
                requires_replace: Vec::new(),
            });
        }
        let input = req
            .config
            .get_attr("input")
            .cloned()
            .unwrap_or_else(Value::dynamic_null);
        let mut planned = req.proposed.as_entries().cloned().unwrap_or_default();
        let mut requires_replace = Vec::new();
        match &req.prior {
            None => {
                planned.insert("id".into(), Value::unknown(Type::String));
                planned.insert("output".into(), pending_output(&input));
            }
            Some(prior)
                if !same_value(
                    prior.get_attr("triggers_replace"),
                    req.config.get_attr("triggers_replace"),
                ) =>
            {
                requires_replace.push(vec![PathStep::Attr("triggers_replace".into())]);
                planned.insert("id".into(), Value::unknown(Type::String));
                planned.insert("output".into(), pending_output(&input));
            }
            Some(prior) if !same_value(prior.get_attr("input"), Some(&input)) => {
                // Only the stored value changes: an in-place update.
                planned.insert("output".into(), pending_output(&input));
            }
            Some(_) => {}
        }
        // Attributes the proposal lacked (a malformed prior) are null.
        for (k, v) in empty_object(schema) {
            planned.entry(k).or_insert(v);
        }
        Ok(PlanResponse {
            planned: Value::object(planned),
            requires_replace,
        })
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Value, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, &req.type_name)?;
        let Some(planned) = req.planned.filter(|p| !p.is_null()) else {
            return Ok(deleted(schema));
        };
        let mut out = planned.as_entries().cloned().unwrap_or_default();
        // Create and replace plan an unknown id; updates keep the prior one.
        let id = match planned.get_attr("id") {
            Some(v) if v.as_str().is_some() => v.clone(),
            _ => Value::string(uuid::Uuid::new_v4().to_string()),
        };
        let input = planned
            .get_attr("input")
            .filter(|v| v.is_wholly_known())
            .or_else(|| req.config.get_attr("input"))
            .cloned()
            .unwrap_or_else(Value::dynamic_null);
        if !input.is_wholly_known() {
            return Err(crate::unknown_at_apply(DATA, "input"));
        }
        out.insert("id".into(), id);
        out.insert("input".into(), input.clone());
        out.insert("output".into(), input);
        Ok(Value::object(out))
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        resource_schema(NAME, &self.schema, type_name)?;
        // The state is the only copy of the data: nothing to refresh.
        Ok(Some(state.clone()))
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, type_name)?;
        // As Terraform does: only the ID is known; input and triggers come
        // from the next plan.
        let mut out = empty_object(schema);
        out.insert("id".into(), Value::string(id));
        Ok(Value::object(out))
    }

    async fn read_data(&self, type_name: &str, _config: &Value) -> Result<Value, ProviderError> {
        Err(no_data_source(NAME, &self.schema, type_name))
    }
}
