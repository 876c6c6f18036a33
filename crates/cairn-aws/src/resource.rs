//! What each resource type and data source implements.

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{empty_object, PlanResponse, ProviderError, Schema};
use cairn_value::Value;

use crate::config::AwsClients;

/// A managed resource type.
#[async_trait]
pub(crate) trait Resource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn schema_version(&self) -> u64 {
        0
    }

    /// Schema defaults (SDK `Default:`), filled into null arguments before
    /// planning.
    fn defaults(&self) -> Vec<(&'static str, Value)> {
        Vec::new()
    }

    /// Checks beyond the schema's types (conflicting arguments, formats).
    fn validate(&self, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Rewrites the configuration before the proposed new state is built:
    /// normalizes values the API stores differently (protocol names, JSON
    /// documents equal to the prior one) so they plan as no change.
    fn normalize_config(
        &self,
        _prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        Ok(config)
    }

    /// Adjusts the shared plan.
    fn customize_plan(
        &self,
        _aws: &AwsClients,
        _prior: Option<&Value>,
        _config: &Value,
        _resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    /// Creates the object; returns its state.
    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError>;

    /// The object's current state, or `None` when it no longer exists.
    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError>;

    /// Updates in place; returns the new state.
    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError>;

    /// Deletes the object; an object already gone is success.
    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError>;

    /// The state `read` starts from when importing `id`: the ID and the
    /// defaults of arguments the API does not report.
    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let mut m = empty_object(schema);
        for (k, v) in self.defaults() {
            m.insert(k.to_string(), v);
        }
        m.insert("id".into(), Value::string(id));
        Ok(Value::object(m))
    }

    /// What the import ID looks like, for error messages.
    fn import_hint(&self) -> String {
        format!(
            "Check the ID: {} is imported by its ID as shown in the AWS console.",
            self.type_name()
        )
    }
}

/// A data source.
#[async_trait]
pub(crate) trait DataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }
    async fn read(
        &self,
        aws: &AwsClients,
        schema: &Schema,
        config: &Value,
    ) -> Result<Value, ProviderError>;
}
