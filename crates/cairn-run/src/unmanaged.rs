//! Unmanaged objects (`cairn drift --unmanaged`): objects of the resource
//! types providers can list that exist where the configuration's
//! providers work (each configuration's account and region) but that no
//! instance in the state holds.
//!
//! Every provider configuration the configuration declares is listed, and
//! a provider's default (block-less) configuration when resources use it.
//! Listings run in parallel, at most `parallelism` at a time; a type that
//! cannot be listed (access denied, say) is reported as an error for that
//! type and configuration while the others still list.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cairn_diagnostics::Diagnostics;
use cairn_engine::{Configured, Mode, Plan};
use cairn_provider::{Listed, Provider, ProviderError};
use cairn_value::Value;

use crate::session::{provider_string, Session};

/// A provider configuration: (module path, `aws` or `aws.west`).
type Key = (Vec<String>, String);

/// An object no state instance holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub type_name: String,
    /// The ID the type's state would hold (what `cairn import` takes).
    pub id: String,
    pub name: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// The provider configuration that found it (`provider.aws.west`).
    pub provider: String,
}

/// A type that could not be listed with one provider configuration.
#[derive(Clone, Debug)]
pub struct ListError {
    pub type_name: String,
    pub provider: String,
    pub error: ProviderError,
}

/// What listing found.
#[derive(Clone, Debug, Default)]
pub struct Unmanaged {
    /// Sorted by type, then ID.
    pub objects: Vec<Object>,
    /// Sorted by type, then provider.
    pub errors: Vec<ListError>,
    /// The types listed (with at least one configuration), sorted.
    pub types: Vec<String>,
    /// The provider configurations listed with (`provider.aws`), sorted.
    pub providers: Vec<String>,
}

/// Lists every listable type with every provider configuration the
/// configuration uses and returns the objects no instance of the
/// session's state holds. `plan` is a plan of the session (its evaluated
/// provider configurations are used). Errors are only for providers that
/// cannot be configured; listing errors are in [`Unmanaged::errors`].
pub async fn find(
    sess: &Session,
    plan: &Plan,
    parallelism: usize,
) -> Result<Unmanaged, Diagnostics> {
    let prior = sess.prior()?;
    let configs = provider_configs(sess, plan, &prior);

    // Configured afresh: the plan's configured providers are not kept.
    let configured = Configured::default();
    let mut diags = Diagnostics::new();
    let mut providers: Vec<(Key, Arc<dyn Provider>)> = Vec::new();
    for (key, (name, config)) in configs {
        let (config, _) = config.unmark_deep();
        match configured
            .configure(&sess.registry, key.clone(), &name, &config)
            .await
        {
            Ok(p) => providers.push((key, p)),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(list_all(providers, &managed_ids(&prior), parallelism).await)
}

/// The provider configurations to list with, and their arguments: the
/// declared ones (as the plan evaluated them), and a provider's default
/// configuration when a resource in the configuration or the state uses
/// it without a block configuring it.
fn provider_configs(
    sess: &Session,
    plan: &Plan,
    prior: &cairn_engine::Prior,
) -> BTreeMap<Key, (String, Value)> {
    let local_name = |addr: &str| addr.split('.').next().unwrap_or_default().to_string();
    let mut out: BTreeMap<Key, (String, Value)> = plan
        .provider_configs
        .iter()
        .map(|(k, v)| (k.clone(), (local_name(&k.1), v.clone())))
        .collect();
    let mut defaults: BTreeSet<String> = BTreeSet::new();
    for (path, node) in &sess.tree.nodes {
        let m = &node.module;
        for r in m.resources.values().chain(m.data.values()) {
            let (name, alias) = match &r.provider {
                Some(p) => (p.name.clone(), p.alias.clone()),
                None => (r.provider_name(), None),
            };
            let resolved = cairn_graph::resolve_provider(&sess.tree, path, &name, alias.as_deref());
            if resolved.is_none() && alias.is_none() {
                defaults.insert(name);
            }
        }
    }
    // State the configuration no longer has still names its provider.
    for inst in prior
        .instances
        .values()
        .chain(prior.deposed.iter().map(|(_, i)| i))
    {
        let (module, addr) = &inst.provider_key;
        if module.is_empty() && *addr == inst.provider_name {
            defaults.insert(inst.provider_name.clone());
        }
    }
    for name in defaults {
        let key: Key = (Vec::new(), name.clone());
        if out.contains_key(&key) {
            continue;
        }
        // As the engine configures a provider without a block: every
        // argument null.
        if let Some(f) = sess.registry.get(&name) {
            let empty = Value::object(cairn_provider::empty_object(&f.schema().provider));
            out.insert(key, (name, empty));
        }
    }
    out
}

/// The state IDs of every managed instance, by resource type.
fn managed_ids(prior: &cairn_engine::Prior) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let all = prior
        .instances
        .iter()
        .chain(prior.deposed.iter().map(|(a, i)| (a, i)));
    for (addr, inst) in all {
        if addr.resource.mode != Mode::Managed {
            continue;
        }
        if let Some(id) = cairn_provider::get_str(&inst.value, "id") {
            out.entry(addr.resource.type_name.clone())
                .or_default()
                .insert(id);
        }
    }
    out
}

/// One listing's outcome: (configuration, type, result).
type Outcome = (Key, String, Result<Option<Vec<Listed>>, ProviderError>);

/// Lists every listable type of every provider, `parallelism` calls at a
/// time, and keeps what `managed` lacks.
async fn list_all(
    providers: Vec<(Key, Arc<dyn Provider>)>,
    managed: &BTreeMap<String, BTreeSet<String>>,
    parallelism: usize,
) -> Unmanaged {
    let sem = Arc::new(tokio::sync::Semaphore::new(parallelism.max(1)));
    let mut set = tokio::task::JoinSet::new();
    // What each task lists, for a task that panics.
    let mut tasks: BTreeMap<tokio::task::Id, (Key, String)> = BTreeMap::new();
    let mut listed_with: BTreeSet<String> = BTreeSet::new();
    for (key, p) in &providers {
        let types = p.listable();
        if !types.is_empty() {
            listed_with.insert(provider_string(key));
        }
        for t in types {
            let (sem, p, key2, t2) = (sem.clone(), p.clone(), key.clone(), t.clone());
            let h = set.spawn(async move {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = sem.acquire_owned().await;
                let r = p.list(&t2).await;
                (key2, t2, r)
            });
            tasks.insert(h.id(), (key.clone(), t));
        }
    }
    let mut outcomes: Vec<Outcome> = Vec::new();
    while let Some(done) = set.join_next_with_id().await {
        match done {
            Ok((_, o)) => outcomes.push(o),
            Err(e) => {
                if let Some((key, t)) = tasks.get(&e.id()) {
                    let err = ProviderError::new("Listing failed", e.to_string());
                    outcomes.push((key.clone(), t.clone(), Err(err)));
                }
            }
        }
    }
    // Configuration order decides which one is named for an object two
    // of them see (IAM is global; two aliases may share a region).
    outcomes.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));

    let mut out = Unmanaged {
        providers: listed_with.into_iter().collect(),
        ..Unmanaged::default()
    };
    let mut types = BTreeSet::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let none = BTreeSet::new();
    for (key, type_name, r) in outcomes {
        let provider = provider_string(&key);
        let listed = match r {
            Ok(Some(l)) => l,
            Ok(None) => continue,
            Err(error) => {
                out.errors.push(ListError {
                    type_name,
                    provider,
                    error,
                });
                continue;
            }
        };
        types.insert(type_name.clone());
        let ids = managed.get(&type_name).unwrap_or(&none);
        for l in listed {
            if ids.contains(&l.id) || !seen.insert((type_name.clone(), l.id.clone())) {
                continue;
            }
            out.objects.push(Object {
                type_name: type_name.clone(),
                id: l.id,
                name: l.name,
                tags: l.tags,
                provider: provider.clone(),
            });
        }
    }
    out.types = types.into_iter().collect();
    out.objects
        .sort_by(|a, b| (&a.type_name, &a.id).cmp(&(&b.type_name, &b.id)));
    out.errors
        .sort_by(|a, b| (&a.type_name, &a.provider).cmp(&(&b.type_name, &b.provider)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use cairn_provider::{ApplyRequest, PlanRequest, PlanResponse, ProviderSchema};

    /// A provider listing fixed objects; `denied` types fail.
    struct Fake {
        schema: ProviderSchema,
        objects: BTreeMap<String, Vec<&'static str>>,
        denied: Vec<&'static str>,
    }

    fn unused() -> ProviderError {
        ProviderError::new("unused", "")
    }

    #[async_trait]
    impl Provider for Fake {
        fn schema(&self) -> &ProviderSchema {
            &self.schema
        }
        async fn plan(&self, _: PlanRequest) -> Result<PlanResponse, ProviderError> {
            Err(unused())
        }
        async fn apply(&self, _: ApplyRequest) -> Result<Value, ProviderError> {
            Err(unused())
        }
        async fn read(&self, _: &str, _: &Value) -> Result<Option<Value>, ProviderError> {
            Err(unused())
        }
        async fn import(&self, _: &str, _: &str) -> Result<Value, ProviderError> {
            Err(unused())
        }
        async fn read_data(&self, _: &str, _: &Value) -> Result<Value, ProviderError> {
            Err(unused())
        }
        fn listable(&self) -> Vec<String> {
            let mut t: Vec<String> = self.objects.keys().cloned().collect();
            t.extend(self.denied.iter().map(|d| d.to_string()));
            t
        }
        async fn list(&self, type_name: &str) -> Result<Option<Vec<Listed>>, ProviderError> {
            if self.denied.contains(&type_name) {
                return Err(
                    ProviderError::new("listing failed", "denied").with_code("AccessDenied")
                );
            }
            Ok(self.objects.get(type_name).map(|ids| {
                ids.iter()
                    .map(|id| Listed {
                        id: id.to_string(),
                        ..Listed::default()
                    })
                    .collect()
            }))
        }
    }

    fn fake(objects: &[(&str, Vec<&'static str>)], denied: Vec<&'static str>) -> Arc<dyn Provider> {
        Arc::new(Fake {
            schema: ProviderSchema::default(),
            objects: objects
                .iter()
                .map(|(t, ids)| (t.to_string(), ids.clone()))
                .collect(),
            denied,
        })
    }

    #[tokio::test]
    async fn keeps_what_no_state_holds_once_and_reports_errors_per_type() {
        let east = fake(
            &[
                ("aws_vpc", vec!["vpc-2", "vpc-1"]),
                ("aws_iam_role", vec!["app", "ci"]),
            ],
            vec!["aws_kms_key"],
        );
        // A second configuration seeing the same (global) roles.
        let west = fake(&[("aws_iam_role", vec!["app", "ci"])], vec![]);
        let managed: BTreeMap<String, BTreeSet<String>> = [
            ("aws_vpc".to_string(), ["vpc-1".to_string()].into()),
            ("aws_iam_role".to_string(), ["app".to_string()].into()),
        ]
        .into();
        let out = list_all(
            vec![
                ((vec![], "aws".into()), east),
                ((vec![], "aws.west".into()), west),
            ],
            &managed,
            2,
        )
        .await;
        let got: Vec<(&str, &str, &str)> = out
            .objects
            .iter()
            .map(|o| (o.type_name.as_str(), o.id.as_str(), o.provider.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("aws_iam_role", "ci", "provider.aws"),
                ("aws_vpc", "vpc-2", "provider.aws"),
            ]
        );
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].type_name, "aws_kms_key");
        assert_eq!(out.errors[0].error.code.as_deref(), Some("AccessDenied"));
        assert_eq!(out.types, vec!["aws_iam_role", "aws_vpc"]);
        assert_eq!(out.providers, vec!["provider.aws", "provider.aws.west"]);
    }
}
