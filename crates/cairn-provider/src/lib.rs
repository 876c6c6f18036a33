//! The provider interface.
//!
//! A [`ProviderFactory`] declares a provider's schemas and, given a
//! `provider` block's configuration, returns a configured [`Provider`]
//! (one per configuration, so aliases are separate instances). The engine
//! talks only to this interface: built-in providers and AWS implement it.
//!
//! Values crossing it are whole objects of the schema's implied type:
//! unset optional attributes are null, nested blocks are lists, sets, maps
//! or objects. During plan, values the provider cannot know yet are
//! unknown.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_value::{Kind, PathStep, Type, Value};

pub mod schema;

pub use schema::{Attribute, NestedBlock, Nesting, ProviderSchema, ResourceSchema, Schema};

/// A provider's error: what failed, with the API's code when there is one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ProviderError {
    pub summary: String,
    pub detail: String,
    /// The remote API's error code (`InvalidVpcID.NotFound`).
    pub code: Option<String>,
    pub hint: Option<String>,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary)?;
        if let Some(c) = &self.code {
            write!(f, " ({c})")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl ProviderError {
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        ProviderError {
            summary: summary.into(),
            detail: detail.into(),
            code: None,
            hint: None,
        }
    }
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// As a diagnostic about `address`.
    pub fn to_diagnostic(&self, address: &str) -> Diagnostic {
        let mut detail = self.detail.clone();
        if let Some(c) = &self.code {
            detail = format!("{detail} (error code {c})");
        }
        let d =
            Diagnostic::error(format!("{address}: {}", self.summary), detail).with_address(address);
        match &self.hint {
            Some(h) => d.with_hint(h.clone()),
            None => d,
        }
    }
}

/// Plan one resource instance.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub type_name: String,
    /// The current state; `None` when the instance is to be created.
    pub prior: Option<Value>,
    /// The configuration as written (nulls where unset).
    pub config: Value,
    /// Config merged with prior computed values ([`proposed_new`]).
    pub proposed: Value,
}

/// The provider's plan for an instance.
#[derive(Clone, Debug)]
pub struct PlanResponse {
    /// The expected new state, unknown where only apply will tell.
    pub planned: Value,
    /// Attributes whose change forces replacement.
    pub requires_replace: Vec<Vec<PathStep>>,
}

/// Apply a planned change: create (no prior), update, or delete (no
/// planned).
#[derive(Clone, Debug)]
pub struct ApplyRequest {
    pub type_name: String,
    pub prior: Option<Value>,
    pub planned: Option<Value>,
    pub config: Value,
    /// For a create: a key the engine keeps stable across retries of the
    /// same planned create (including after a crash), so providers whose
    /// APIs take an idempotency token never make a second object.
    pub idempotency_key: Option<String>,
}

/// An object found by listing a resource type ([`Provider::list`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listed {
    /// The ID the type's state holds in its `id` attribute, so listed
    /// objects compare with state.
    pub id: String,
    /// A name for people (the `Name` tag, a role's name), when there is one.
    pub name: Option<String>,
    /// Tags, when the listing call returns them (empty otherwise).
    pub tags: BTreeMap<String, String>,
}

/// A configured provider.
#[async_trait]
pub trait Provider: Send + Sync {
    fn schema(&self) -> &ProviderSchema;

    /// Checks a managed resource's configuration beyond its schema's types.
    fn validate_resource(&self, _type_name: &str, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Checks a data source's configuration beyond its schema's types. A
    /// separate call: a data source and a resource often share a type name
    /// (`local_file`, `aws_vpc`) and not their rules.
    fn validate_data_source(&self, _type_name: &str, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError>;

    /// Returns the new state (null after a delete).
    async fn apply(&self, req: ApplyRequest) -> Result<Value, ProviderError>;

    /// Refreshes an instance: its current state, or `None` when it no
    /// longer exists.
    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError>;

    /// The state of an existing object, by the ID `import` is given.
    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError>;

    /// Reads a data source.
    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError>;

    /// True for data sources computed without touching infrastructure
    /// (a policy document, a local file), which offline checks may read.
    fn reads_offline(&self, _type_name: &str) -> bool {
        false
    }

    /// The resource types [`Provider::list`] can enumerate.
    fn listable(&self) -> Vec<String> {
        Vec::new()
    }

    /// Every object of a resource type that exists where this provider
    /// works (its account and region), managed or not, leaving out the
    /// objects the platform makes by itself (default networks and the
    /// like). `None` when the type cannot be listed.
    async fn list(&self, _type_name: &str) -> Result<Option<Vec<Listed>>, ProviderError> {
        Ok(None)
    }
}

/// Makes configured providers.
#[async_trait]
pub trait ProviderFactory: Send + Sync {
    /// The local name (`aws`, `random`).
    fn name(&self) -> &str;
    fn schema(&self) -> &ProviderSchema;
    async fn configure(&self, config: &Value) -> Result<Arc<dyn Provider>, ProviderError>;

    /// Configures for offline checks (`cairn lint`): nothing may reach
    /// infrastructure, not even to validate credentials. Providers whose
    /// `configure` makes calls override this.
    async fn configure_offline(&self, config: &Value) -> Result<Arc<dyn Provider>, ProviderError> {
        self.configure(config).await
    }
}

/// Terraform's "proposed new state": the configuration, with the prior
/// value kept for computed attributes the configuration leaves null.
pub fn proposed_new(schema: &Schema, prior: Option<&Value>, config: &Value) -> Value {
    let Some(prior) = prior.filter(|p| !p.is_null() && !p.is_unknown()) else {
        return config.clone();
    };
    if config.is_null() || config.is_unknown() {
        return config.clone();
    }
    let (Some(c), Some(p)) = (config.as_entries(), prior.as_entries()) else {
        return config.clone();
    };
    let mut out = BTreeMap::new();
    for (k, a) in &schema.attributes {
        let cv = c
            .get(k)
            .cloned()
            .unwrap_or_else(|| Value::null(a.ty().clone()));
        let v = if cv.is_null() && a.computed {
            p.get(k).cloned().unwrap_or(cv)
        } else {
            cv
        };
        out.insert(k.clone(), v);
    }
    for (k, b) in &schema.blocks {
        let cv = c.get(k).cloned().unwrap_or_else(Value::dynamic_null);
        let pv = p.get(k);
        let v = match (b.nesting, pv) {
            (Nesting::Single, Some(pv)) => proposed_new(&b.block, Some(pv), &cv),
            (Nesting::List, Some(pv)) => match (cv.as_seq(), pv.as_seq()) {
                (Some(cs), Some(ps)) => {
                    // Elements pair up by position.
                    let items: Vec<Value> = cs
                        .iter()
                        .enumerate()
                        .map(|(i, x)| proposed_new(&b.block, ps.get(i), x))
                        .collect();
                    match &cv.kind {
                        Kind::List(t, _) => Value::list(t.clone(), items),
                        _ => Value::tuple(items),
                    }
                }
                _ => cv,
            },
            (Nesting::Map, Some(pv)) => match (&cv.kind, pv.as_entries()) {
                (Kind::Map(t, cm), Some(pm)) => Value::map(
                    t.clone(),
                    cm.iter()
                        .map(|(key, x)| (key.clone(), proposed_new(&b.block, pm.get(key), x)))
                        .collect(),
                ),
                _ => cv,
            },
            _ => cv,
        };
        out.insert(k.clone(), v);
    }
    Value::object(out).mark(config.sensitive)
}

/// The usual plan for resources without provider-specific planning: the
/// proposed value, with computed attributes that are still null unknown on
/// create (and on replace), and force-new attributes that changed listed.
pub fn default_plan(schema: &Schema, req: &PlanRequest) -> PlanResponse {
    let mut requires_replace = Vec::new();
    if let Some(prior) = &req.prior {
        for (k, a) in &schema.attributes {
            if !a.force_new {
                continue;
            }
            let before = prior.get_attr(k);
            let after = req.proposed.get_attr(k);
            let same = match (before, after) {
                (Some(b), Some(x)) => b.raw_equal(x) || (b.is_null() && x.is_null()),
                (None, None) => true,
                _ => false,
            };
            if !same {
                requires_replace.push(vec![PathStep::Attr(k.clone())]);
            }
        }
        for (k, b) in &schema.blocks {
            if b.force_new {
                let same = match (prior.get_attr(k), req.proposed.get_attr(k)) {
                    (Some(x), Some(y)) => x.raw_equal(y),
                    (None, None) => true,
                    _ => false,
                };
                if !same {
                    requires_replace.push(vec![PathStep::Attr(k.clone())]);
                }
            }
        }
    }
    let planned = if req.prior.is_none() {
        unknown_computed(schema, &req.proposed)
    } else if !requires_replace.is_empty() {
        // A replacement is a new object: nothing carries over from prior.
        unknown_computed(schema, &req.config)
    } else {
        req.proposed.clone()
    };
    PlanResponse {
        planned,
        requires_replace,
    }
}

/// Sets every computed attribute the configuration left null to unknown.
pub fn unknown_computed(schema: &Schema, v: &Value) -> Value {
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    let mut out = m.clone();
    for (k, a) in &schema.attributes {
        if a.computed && out.get(k).is_none_or(Value::is_null) {
            out.insert(k.clone(), Value::unknown(a.ty().clone()));
        }
    }
    Value::object(out).mark(v.sensitive)
}

/// Marks the attributes the schema calls sensitive.
pub fn mark_sensitive(schema: &Schema, v: &Value) -> Value {
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    let mut out = m.clone();
    for (k, a) in &schema.attributes {
        if a.sensitive {
            if let Some(x) = out.get(k).cloned() {
                out.insert(k.clone(), x.marked());
            }
        }
    }
    for (k, b) in &schema.blocks {
        if let Some(x) = out.get(k).cloned() {
            let marked = match &x.kind {
                Kind::List(t, items) => Value::list(
                    t.clone(),
                    items.iter().map(|i| mark_sensitive(&b.block, i)).collect(),
                ),
                Kind::Set(t, items) => Value::set(
                    t.clone(),
                    items.iter().map(|i| mark_sensitive(&b.block, i)).collect(),
                ),
                Kind::Tuple(items) => {
                    Value::tuple(items.iter().map(|i| mark_sensitive(&b.block, i)).collect())
                }
                Kind::Map(t, m) => Value::map(
                    t.clone(),
                    m.iter()
                        .map(|(key, i)| (key.clone(), mark_sensitive(&b.block, i)))
                        .collect(),
                ),
                Kind::Object(_) => mark_sensitive(&b.block, &x),
                _ => x.clone(),
            };
            out.insert(k.clone(), marked.mark(x.sensitive));
        }
    }
    Value::object(out).mark(v.sensitive)
}

/// A null value of every attribute: the starting point for building a
/// state object.
pub fn empty_object(schema: &Schema) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (k, a) in &schema.attributes {
        out.insert(k.clone(), Value::null(a.ty().clone()));
    }
    for (k, b) in &schema.blocks {
        let t = b.block.implied_type();
        let v = match b.nesting {
            Nesting::Single => Value::null(t),
            Nesting::List => Value::list(t, Vec::new()),
            Nesting::Set => Value::set(t, Vec::new()),
            Nesting::Map => Value::map(t, BTreeMap::new()),
        };
        out.insert(k.clone(), v);
    }
    out
}

/// Reads a string attribute of an object value.
pub fn get_str(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(|x| x.as_str().map(str::to_string))
}

/// Reads a number attribute as i64.
pub fn get_i64(v: &Value, name: &str) -> Option<i64> {
    v.get_attr(name)
        .and_then(|x| x.as_number().and_then(|n| n.to_i64()))
}

/// Reads a bool attribute.
pub fn get_bool(v: &Value, name: &str) -> Option<bool> {
    v.get_attr(name).and_then(Value::as_bool)
}

/// Replaces attributes of an object value.
pub fn with_attrs(v: &Value, attrs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut m = v.as_entries().cloned().unwrap_or_default();
    for (k, x) in attrs {
        m.insert(k.to_string(), x);
    }
    Value::object(m).mark(v.sensitive)
}

/// The type of an attribute path inside a schema, when it names one.
pub fn attribute_type(schema: &Schema, name: &str) -> Option<Type> {
    schema.attributes.get(name).map(|a| a.ty().clone())
}

#[cfg(test)]
mod tests;
