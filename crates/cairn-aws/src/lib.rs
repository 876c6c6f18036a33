//! The `aws` provider: resource types and data sources of the Terraform
//! AWS provider (same names, arguments and exported attributes), built on
//! the official AWS SDK for Rust.
//!
//! The same code runs against real AWS and against a local AWS-API server
//! such as moto: only the endpoint differs (`AWS_ENDPOINT_URL`, or the
//! provider's `endpoints` block).
//!
//! Each resource type implements [`resource::Resource`]: create, read,
//! update, delete and an import ID format. Planning is shared: schema
//! defaults, Terraform's proposed new state, replace-forcing attributes,
//! and `tags_all` from the provider's `default_tags`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{
    default_plan, proposed_new, ApplyRequest, Listed, PlanRequest, PlanResponse, Provider,
    ProviderError, ProviderFactory, ProviderSchema, ResourceSchema, Schema,
};
use cairn_value::Value;

mod compute;
mod config;
mod data;
mod ec2;
mod error;
mod iam;
mod list;
mod ops;
mod policy;
mod resource;
mod s3;
pub mod secret_read;
mod secrets;
mod tags;
mod util;

use config::AwsClients;
use resource::{DataSource, Resource};

const NAME: &str = "aws";

/// Every managed resource type, by name.
fn resources() -> Vec<Arc<dyn Resource>> {
    let mut out: Vec<Arc<dyn Resource>> = Vec::new();
    out.extend(ec2::resources());
    out.extend(s3::resources());
    out.extend(iam::resources());
    out.extend(compute::resources());
    out.extend(ops::resources());
    out.extend(secrets::resources());
    out
}

/// Every data source, by name.
fn data_sources() -> Vec<Arc<dyn DataSource>> {
    let mut out = data::data_sources();
    out.extend(compute::data_sources());
    out.extend(ops::data_sources());
    out.extend(secrets::data_sources());
    out
}

struct Catalog {
    schema: ProviderSchema,
    resources: BTreeMap<String, Arc<dyn Resource>>,
    data: BTreeMap<String, Arc<dyn DataSource>>,
}

impl Catalog {
    fn new() -> Self {
        let mut schema = ProviderSchema {
            provider: config::provider_schema(),
            ..ProviderSchema::default()
        };
        let mut resources = BTreeMap::new();
        for r in self::resources() {
            schema.resources.insert(
                r.type_name().to_string(),
                ResourceSchema {
                    version: r.schema_version(),
                    block: r.schema(),
                },
            );
            resources.insert(r.type_name().to_string(), r);
        }
        let mut data = BTreeMap::new();
        for d in data_sources() {
            schema.data_sources.insert(
                d.type_name().to_string(),
                ResourceSchema {
                    version: 0,
                    block: d.schema(),
                },
            );
            data.insert(d.type_name().to_string(), d);
        }
        Catalog {
            schema,
            resources,
            data,
        }
    }

    fn resource(&self, type_name: &str) -> Result<(&Arc<dyn Resource>, &Schema), ProviderError> {
        match (
            self.resources.get(type_name),
            self.schema.resources.get(type_name),
        ) {
            (Some(r), Some(s)) => Ok((r, &s.block)),
            _ => Err(unknown_type("resource", type_name, self.resources.keys())),
        }
    }

    fn data_source(
        &self,
        type_name: &str,
    ) -> Result<(&Arc<dyn DataSource>, &Schema), ProviderError> {
        match (
            self.data.get(type_name),
            self.schema.data_sources.get(type_name),
        ) {
            (Some(d), Some(s)) => Ok((d, &s.block)),
            _ => Err(unknown_type("data source", type_name, self.data.keys())),
        }
    }
}

fn unknown_type<'a>(
    what: &str,
    type_name: &str,
    known: impl Iterator<Item = &'a String>,
) -> ProviderError {
    let known: Vec<&str> = known.map(String::as_str).collect();
    ProviderError::new(
        format!("Unsupported {what} type {type_name:?}"),
        format!(
            "The \"aws\" provider has no {what} type {type_name:?}; it offers: {}.",
            known.join(", ")
        ),
    )
}

/// Makes configured `aws` providers.
pub struct AwsFactory {
    catalog: Arc<Catalog>,
}

impl AwsFactory {
    pub fn new() -> Self {
        AwsFactory {
            catalog: Arc::new(Catalog::new()),
        }
    }
}

impl Default for AwsFactory {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl ProviderFactory for AwsFactory {
    fn name(&self) -> &str {
        NAME
    }
    fn schema(&self) -> &ProviderSchema {
        &self.catalog.schema
    }
    async fn configure(&self, config: &Value) -> Result<Arc<dyn Provider>, ProviderError> {
        let clients = AwsClients::from_config(config).await?;
        Ok(Arc::new(AwsProvider {
            catalog: self.catalog.clone(),
            aws: Arc::new(clients),
        }))
    }

    async fn configure_offline(&self, config: &Value) -> Result<Arc<dyn Provider>, ProviderError> {
        // The SDK's clients are lazy; only the credential check calls out
        // while configuring.
        let config = cairn_provider::with_attrs(
            config,
            [("skip_credentials_validation", Value::bool(true))],
        );
        self.configure(&config).await
    }
}

/// A configured `aws` provider (one per `provider "aws"` block or alias).
struct AwsProvider {
    catalog: Arc<Catalog>,
    aws: Arc<AwsClients>,
}

#[async_trait]
impl Provider for AwsProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.catalog.schema
    }

    fn validate_resource(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        match self.catalog.resource(type_name) {
            Ok((r, _)) => r.validate(config),
            Err(_) => Vec::new(),
        }
    }

    fn validate_data_source(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        match self.catalog.data_source(type_name) {
            Ok((d, _)) => d.validate(config),
            Err(_) => Vec::new(),
        }
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let (r, schema) = self.catalog.resource(&req.type_name)?;
        if req.config.is_null() {
            // Destroy: nothing to plan.
            return Ok(PlanResponse {
                planned: req.config.clone(),
                requires_replace: Vec::new(),
            });
        }
        let prior = req.prior.as_ref().filter(|p| !p.is_null());
        let config = util::with_defaults(&req.config, &r.defaults());
        let config = r.normalize_config(prior, config)?;
        let proposed = proposed_new(schema, prior, &config);
        let filled = PlanRequest {
            type_name: req.type_name.clone(),
            prior: prior.cloned(),
            config,
            proposed,
        };
        let mut resp = default_plan(schema, &filled);
        if schema.attributes.contains_key("tags_all") {
            let all = tags::planned_tags_all(&self.aws, &filled.config);
            resp.planned = cairn_provider::with_attrs(&resp.planned, [("tags_all", all)]);
        }
        r.customize_plan(&self.aws, prior, &filled.config, &mut resp)?;
        Ok(resp)
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Value, ProviderError> {
        let (r, schema) = self.catalog.resource(&req.type_name)?;
        let prior = req.prior.as_ref().filter(|p| !p.is_null());
        let planned = req.planned.as_ref().filter(|p| !p.is_null());
        let config = req.config.clone();
        let out = match (prior, planned) {
            (Some(p), None) => {
                r.delete(&self.aws, p).await?;
                return Ok(Value::null(schema.implied_type()));
            }
            (None, None) => return Ok(Value::null(schema.implied_type())),
            (None, Some(planned)) => {
                let key = match &req.idempotency_key {
                    Some(k) => util::token_for(k, planned),
                    None => uuid::Uuid::new_v4().simple().to_string(),
                };
                util::APPLY_CONFIG
                    .scope(
                        config,
                        util::IDEMPOTENCY_KEY.scope(key, r.create(&self.aws, planned)),
                    )
                    .await?
            }
            (Some(p), Some(planned)) => {
                util::APPLY_CONFIG
                    .scope(config, r.update(&self.aws, p, planned))
                    .await?
            }
        };
        Ok(util::conform(schema, &util::unknowns_to_null(&out)))
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        let (r, schema) = self.catalog.resource(type_name)?;
        if state.is_null() {
            return Ok(None);
        }
        Ok(r.read(&self.aws, state)
            .await?
            .map(|v| util::conform(schema, &v)))
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        let (r, schema) = self.catalog.resource(type_name)?;
        let seed = r.import_state(schema, id)?;
        match r.read(&self.aws, &seed).await? {
            Some(v) => Ok(util::conform(schema, &util::unknowns_to_null(&v))),
            None => Err(ProviderError::new(
                format!("Cannot import non-existent remote object {id:?}"),
                format!("No {type_name} with the ID {id:?} exists in this account and region."),
            )
            .with_hint(r.import_hint())),
        }
    }

    fn reads_offline(&self, type_name: &str) -> bool {
        // Computed from the configuration and the provider's region alone.
        matches!(
            type_name,
            "aws_iam_policy_document" | "aws_partition" | "aws_region"
        )
    }

    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        let (d, schema) = self.catalog.data_source(type_name)?;
        let v = d.read(&self.aws, schema, config).await?;
        Ok(util::conform(schema, &v))
    }

    fn listable(&self) -> Vec<String> {
        list::LISTABLE.iter().map(|t| t.to_string()).collect()
    }

    async fn list(&self, type_name: &str) -> Result<Option<Vec<Listed>>, ProviderError> {
        list::list(&self.aws, type_name).await
    }
}

#[cfg(test)]
mod tests;
