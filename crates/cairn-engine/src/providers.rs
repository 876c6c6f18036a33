//! The providers a run can use, and their configured instances.

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_diagnostics::Diagnostic;
use cairn_provider::{
    ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderError, ProviderFactory,
    ProviderSchema, ResourceSchema,
};
use cairn_value::Value;
use tokio::sync::Mutex;

/// All provider factories by local name (`aws`, `random`).
#[derive(Clone, Default)]
pub struct Registry {
    factories: BTreeMap<String, Arc<dyn ProviderFactory>>,
}

impl Registry {
    pub fn new(factories: impl IntoIterator<Item = Arc<dyn ProviderFactory>>) -> Self {
        Registry {
            factories: factories
                .into_iter()
                .map(|f| (f.name().to_string(), f))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn ProviderFactory>> {
        self.factories.get(name)
    }

    pub fn names(&self) -> Vec<String> {
        self.factories.keys().cloned().collect()
    }

    /// The schema of a resource type (`data` for data sources), or the
    /// error a configuration using it gets.
    pub fn resource_schema(
        &self,
        provider: &str,
        type_name: &str,
        data: bool,
    ) -> Result<&ResourceSchema, Diagnostic> {
        let f = self.factories.get(provider).ok_or_else(|| {
            Diagnostic::error(
                "Provider not available",
                format!(
                    "cairn has no provider {provider:?} (needed for {}{type_name}).",
                    if data {
                        "data source "
                    } else {
                        "resource type "
                    }
                ),
            )
            .with_hint(format!(
                "The built-in providers are: {}.",
                self.names().join(", ")
            ))
        })?;
        let s = f.schema();
        let map = if data { &s.data_sources } else { &s.resources };
        map.get(type_name).ok_or_else(|| {
            let close = cairn_eval::closest(type_name, map.keys().map(String::as_str), 3)
                .map(|k| format!("Did you mean {k:?}?"));
            Diagnostic::error(
                if data {
                    "Invalid data source"
                } else {
                    "Invalid resource type"
                },
                format!(
                    "The provider {provider:?} does not support {} {type_name:?}.",
                    if data { "data source" } else { "resource type" }
                ),
            )
            .with_hint(close.unwrap_or_else(|| {
                format!(
                    "Supported: {}.",
                    map.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            }))
        })
    }
}

/// Configured providers of a run, keyed by configuration (module path and
/// address `aws.west`); configured once, on first use.
#[derive(Default)]
pub struct Configured {
    inner: Mutex<BTreeMap<ProviderKey, Arc<dyn Provider>>>,
}

/// A provider configuration: (module path, `aws` or `aws.west`).
pub type ProviderKey = (Vec<String>, String);

impl Configured {
    /// Records a provider for a configuration key (offline planning's
    /// stand-in).
    pub async fn insert(&self, key: ProviderKey, p: Arc<dyn Provider>) {
        self.inner.lock().await.insert(key, p);
    }

    pub async fn get(&self, key: &ProviderKey) -> Option<Arc<dyn Provider>> {
        self.inner.lock().await.get(key).cloned()
    }

    /// Configures a provider (idempotent per key).
    pub async fn configure(
        &self,
        registry: &Registry,
        key: ProviderKey,
        name: &str,
        config: &Value,
    ) -> Result<Arc<dyn Provider>, Diagnostic> {
        self.configure_with(registry, key, name, config, false)
            .await
    }

    /// Configures a provider; `offline` for checks that must not reach
    /// infrastructure.
    pub async fn configure_with(
        &self,
        registry: &Registry,
        key: ProviderKey,
        name: &str,
        config: &Value,
        offline: bool,
    ) -> Result<Arc<dyn Provider>, Diagnostic> {
        let mut g = self.inner.lock().await;
        if let Some(p) = g.get(&key) {
            return Ok(p.clone());
        }
        let f = registry.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Provider not available",
                format!("cairn has no provider {name:?}."),
            )
            .with_hint(format!(
                "The built-in providers are: {}.",
                registry.names().join(", ")
            ))
        })?;
        let configured = if offline {
            f.configure_offline(config).await
        } else {
            f.configure(config).await
        };
        let p = configured.map_err(|e| e.to_diagnostic(&format!("provider.{}", key.1)))?;
        g.insert(key, p.clone());
        Ok(p)
    }
}

/// A stand-in for a provider that could not be configured during offline
/// planning (`cairn lint`): plans from the schema (computed attributes
/// unknown), reads data sources as unknown, and refuses anything that
/// would touch infrastructure.
pub struct SchemaOnly {
    schema: ProviderSchema,
}

impl SchemaOnly {
    pub fn new(schema: ProviderSchema) -> Self {
        SchemaOnly { schema }
    }

    fn offline_error(what: &str) -> ProviderError {
        ProviderError::new(
            "Not available offline",
            format!(
                "{what} needs a configured provider; offline checks never touch infrastructure."
            ),
        )
    }
}

#[async_trait::async_trait]
impl Provider for SchemaOnly {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let Some(r) = self.schema.resources.get(&req.type_name) else {
            return Err(ProviderError::new(
                "Unknown resource type",
                format!("{} is not in the provider's schema.", req.type_name),
            ));
        };
        Ok(cairn_provider::default_plan(&r.block, &req))
    }

    async fn apply(&self, _req: ApplyRequest) -> Result<Value, ProviderError> {
        Err(Self::offline_error("Applying"))
    }

    async fn read(&self, _type_name: &str, _state: &Value) -> Result<Option<Value>, ProviderError> {
        Err(Self::offline_error("Refreshing"))
    }

    async fn import(&self, _type_name: &str, _id: &str) -> Result<Value, ProviderError> {
        Err(Self::offline_error("Importing"))
    }

    async fn read_data(&self, _type_name: &str, _config: &Value) -> Result<Value, ProviderError> {
        Err(Self::offline_error("Reading a data source"))
    }
}
