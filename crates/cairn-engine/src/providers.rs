//! The providers a run can use, and their configured instances.

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_diagnostics::Diagnostic;
use cairn_provider::{Provider, ProviderFactory, ResourceSchema};
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
        let p = f
            .configure(config)
            .await
            .map_err(|e| e.to_diagnostic(&format!("provider.{}", key.1)))?;
        g.insert(key, p.clone());
        Ok(p)
    }
}
