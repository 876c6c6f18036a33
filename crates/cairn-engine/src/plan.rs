//! Planning: walk the configuration in dependency order, expand modules and
//! `count`/`for_each`, refresh and diff every instance.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use cairn_config::{IgnoreChanges, ModuleTree, Resource};
use cairn_diagnostics::{Diagnostic, Diagnostics};
use cairn_eval::Evaluator;
use cairn_functions::{Context, Registry as Funcs};
use cairn_graph::expand::{self, Expansion};
use cairn_graph::{ConfigGraph, Kind, NodeId};
use cairn_provider::{mark_sensitive, proposed_new, PlanRequest, Provider, ResourceSchema};
use cairn_value::Value;

use crate::addr::{InstanceAddr, Key, Mode, ModuleInstance, ResourceAddr};
use crate::decode::decode_body;
use crate::model::{Action, Drift, OutputChange, Plan, Prior};
use crate::providers::{Configured, Registry};
use crate::values::{Bindings, Scope, Values};

/// Plan options (the command line's flags).
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub destroy: bool,
    /// Skip refreshing prior state.
    pub skip_refresh: bool,
    /// Only update state to match reality.
    pub refresh_only: bool,
    /// `-target` addresses (resource or instance).
    pub targets: Vec<InstanceAddr>,
    /// `-replace` addresses.
    pub replace: Vec<InstanceAddr>,
    pub parallelism: usize,
    pub workspace: String,
    /// Imports requested on the command line (`cairn import ADDR ID`).
    pub extra_imports: Vec<(InstanceAddr, String)>,
    /// Plan without touching infrastructure (`cairn lint`): no refresh, no
    /// data source reads (their results are unknown), a resource whose
    /// `count`/`for_each` is unknown is planned as one representative
    /// instance, and a provider that cannot be configured offline is
    /// replaced by planning from its schema alone (with a warning).
    pub offline: bool,
}

/// Everything a plan needs.
pub struct PlanInput<'a> {
    pub tree: &'a ModuleTree,
    pub root_vars: BTreeMap<String, Value>,
    pub prior: Prior,
    pub registry: &'a Registry,
    pub funcs: Arc<Funcs>,
    pub ctx: Context,
    pub cwd: std::path::PathBuf,
    pub options: PlanOptions,
}

/// The result: the plan (when there were no errors) and diagnostics.
pub struct PlanOutcome {
    pub plan: Option<Plan>,
    pub diags: Diagnostics,
    /// The values computed (for output rendering and apply).
    pub configured: Arc<Configured>,
}

/// Resource-level dependencies of each resource/data node: the resources
/// it reads directly or through variables, locals, outputs and modules.
pub fn resource_dependencies(g: &ConfigGraph) -> HashMap<NodeId, BTreeSet<NodeId>> {
    let mut out = HashMap::new();
    for ix in g.graph.node_indices() {
        let id = &g.graph[ix];
        if !matches!(id.kind, Kind::Resource | Kind::Data) {
            continue;
        }
        let mut seen = HashSet::new();
        let mut stack: Vec<_> = g
            .graph
            .neighbors_directed(ix, petgraph::Direction::Incoming)
            .collect();
        let mut deps = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            let nid = &g.graph[n];
            match nid.kind {
                Kind::Resource | Kind::Data => {
                    deps.insert(nid.clone());
                }
                Kind::Provider => {}
                _ => stack.extend(g.graph.neighbors_directed(n, petgraph::Direction::Incoming)),
            }
        }
        out.insert(id.clone(), deps);
    }
    out
}

pub struct Walker<'a> {
    pub tree: &'a ModuleTree,
    pub registry: &'a Registry,
    pub configured: Arc<Configured>,
    pub funcs: Arc<Funcs>,
    pub ctx: Context,
    pub values: Values,
    pub diags: Diagnostics,
    /// See [`PlanOptions::offline`].
    pub offline: bool,
    /// Each provider configuration's evaluated arguments.
    pub provider_configs: BTreeMap<(Vec<String>, String), Value>,
}

impl<'a> Walker<'a> {
    pub fn new(
        tree: &'a ModuleTree,
        registry: &'a Registry,
        funcs: Arc<Funcs>,
        ctx: Context,
        cwd: std::path::PathBuf,
        workspace: String,
    ) -> Self {
        let mut values = Values {
            cwd,
            workspace: if workspace.is_empty() {
                "default".into()
            } else {
                workspace
            },
            ..Values::default()
        };
        values
            .module_instances
            .insert(Vec::new(), vec![ModuleInstance::root()]);
        Walker {
            tree,
            registry,
            configured: Arc::new(Configured::default()),
            funcs,
            ctx,
            values,
            diags: Diagnostics::new(),
            offline: false,
            provider_configs: BTreeMap::new(),
        }
    }

    pub fn eval(
        &self,
        mi: &ModuleInstance,
        bind: Bindings,
        e: &cairn_syntax::Expr,
    ) -> Result<Value, Diagnostic> {
        let scope = Scope {
            tree: self.tree,
            values: &self.values,
            module: mi,
            bind,
        };
        Evaluator::new(&scope, &self.funcs, &self.ctx).eval(e)
    }

    fn eval_or_unknown(
        &mut self,
        mi: &ModuleInstance,
        bind: Bindings,
        e: &cairn_syntax::Expr,
    ) -> Value {
        match self.eval(mi, bind, e) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                Value::dynamic_unknown()
            }
        }
    }

    /// Variables, locals, outputs and module expansions for node `id` in
    /// every instance of its module. Returns false for resource nodes
    /// (the caller handles them) and providers.
    pub fn simple_node(&mut self, id: &NodeId, root_vars: &BTreeMap<String, Value>) -> bool {
        let tree = self.tree;
        let Some(m) = tree.get(&id.module) else {
            return true;
        };
        let instances = self.values.instances_of(&id.module);
        match id.kind {
            Kind::Variable => {
                for mi in instances {
                    let v = self.variable(&mi, &id.name, root_vars);
                    self.values.vars.insert((mi, id.name.clone()), v);
                }
                true
            }
            Kind::Local => {
                if let Some(l) = m.locals.get(&id.name) {
                    for mi in instances {
                        let v = self.eval_or_unknown(&mi, Bindings::default(), &l.expr);
                        self.values.locals.insert((mi, id.name.clone()), v);
                    }
                }
                true
            }
            Kind::Output => {
                if let Some(o) = m.outputs.get(&id.name) {
                    for mi in instances {
                        let v = self.eval_or_unknown(&mi, Bindings::default(), &o.expr);
                        for c in &o.preconditions {
                            self.check_rule(
                                &mi,
                                Bindings::default(),
                                c,
                                &format!("output.{}", id.name),
                            );
                        }
                        let v = if o.sensitive { v.marked() } else { v };
                        self.values.outputs.insert((mi, id.name.clone()), v);
                    }
                }
                true
            }
            Kind::ModuleCall => {
                if let Some(c) = m.module_calls.get(&id.name) {
                    let mut child_path = id.module.clone();
                    child_path.push(id.name.clone());
                    for mi in instances {
                        let exp = self.expansion(
                            &mi,
                            c.count.as_ref(),
                            c.for_each.as_ref(),
                            &format!("module.{}", id.name),
                        );
                        let keys = self.keys_of(&exp);
                        for k in keys {
                            let child = mi.child(&id.name, Key::from(&k));
                            self.values
                                .module_instances
                                .entry(child_path.clone())
                                .or_default()
                                .push(child);
                        }
                        self.values.calls.insert((mi, id.name.clone()), exp);
                    }
                }
                true
            }
            // Checks read their scoped data sources: see `check_node`.
            Kind::Check => false,
            Kind::Provider | Kind::Resource | Kind::Data => false,
        }
    }

    /// Evaluates a precondition/postcondition; failures are errors.
    pub fn check_rule(
        &mut self,
        mi: &ModuleInstance,
        bind: Bindings,
        rule: &cairn_config::CheckRule,
        what: &str,
    ) {
        match self.eval(mi, bind.clone(), &rule.condition) {
            Ok(v) if v.as_bool() == Some(false) => {
                let msg = self
                    .eval(mi, bind, &rule.error_message)
                    .ok()
                    .and_then(|m| {
                        if m.is_sensitive_deep() {
                            Some("(sensitive error message)".to_string())
                        } else {
                            m.as_str().map(str::to_string)
                        }
                    })
                    .unwrap_or_default();
                self.diags.push(
                    Diagnostic::error(
                        "Resource precondition failed".replace(
                            "Resource",
                            if what.starts_with("output") {
                                "Module output"
                            } else {
                                "Resource"
                            },
                        ),
                        msg,
                    )
                    .with_span(rule.condition.span())
                    .with_address(what.to_string()),
                );
            }
            Ok(_) => {}
            Err(d) => self.diags.push(d),
        }
    }

    fn variable(
        &mut self,
        mi: &ModuleInstance,
        name: &str,
        root_vars: &BTreeMap<String, Value>,
    ) -> Value {
        if mi.is_root() {
            return root_vars
                .get(name)
                .cloned()
                .unwrap_or_else(Value::dynamic_unknown);
        }
        let tree = self.tree;
        let path = mi.config_path();
        let Some(var) = tree.get(&path).and_then(|m| m.variables.get(name)) else {
            return Value::dynamic_unknown();
        };
        let Some((parent, (call_name, key))) = mi.parent() else {
            return Value::dynamic_unknown();
        };
        let input = tree
            .get(&parent.config_path())
            .and_then(|p| p.module_calls.get(call_name))
            .and_then(|c| c.inputs.get(name));
        let each_value = match (
            self.values.calls.get(&(parent.clone(), call_name.clone())),
            key,
        ) {
            (Some(Expansion::ForEach(m)), Key::Str(k)) => m.get(k).cloned(),
            _ => None,
        };
        let bind = Bindings {
            // No key: a single instance, or offline's representative one
            // (count.index unknown).
            key: if key.is_none() {
                None
            } else {
                Some(key.clone())
            },
            each_value,
            self_value: None,
        };
        let given = input.map(|a| {
            let v = self.eval_or_unknown(&parent, bind, &a.expr);
            cairn_vars::GivenValue {
                value: v,
                span: a.expr.span(),
                origin: format!("module.{call_name}"),
            }
        });
        let addr = mi.to_string();
        match cairn_vars::finalize(var, given.as_ref(), &addr, &self.funcs, &self.ctx) {
            Ok(v) => {
                let mut vars = BTreeMap::new();
                vars.insert(name.to_string(), v.clone());
                for (other, _) in tree
                    .get(&path)
                    .map(|m| m.variables.clone())
                    .unwrap_or_default()
                {
                    if let Some(x) = self.values.vars.get(&(mi.clone(), other.clone())) {
                        vars.entry(other).or_insert_with(|| x.clone());
                    }
                }
                let span = given.as_ref().and_then(|g| g.span.clone());
                self.diags.extend(cairn_vars::check_validations(
                    var,
                    &vars,
                    span.as_ref(),
                    &self.funcs,
                    &self.ctx,
                ));
                v
            }
            Err(d) => {
                self.diags.push(d);
                Value::unknown(var.ty())
            }
        }
    }

    /// Evaluates `count`/`for_each`; unknown values are errors in a plan.
    pub fn expansion(
        &mut self,
        mi: &ModuleInstance,
        count: Option<&cairn_syntax::Expr>,
        for_each: Option<&cairn_syntax::Expr>,
        what: &str,
    ) -> Expansion {
        let (e, is_count) = match (count, for_each) {
            (Some(c), _) => (c, true),
            (None, Some(f)) => (f, false),
            (None, None) => return Expansion::Single,
        };
        let v = match self.eval(mi, Bindings::default(), e) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                return Expansion::Count(0);
            }
        };
        let r = if is_count {
            expand::count(&v, e.span().as_ref())
        } else {
            expand::for_each(&v, e.span().as_ref())
        };
        match r {
            // Offline checks plan one representative instance instead
            // (see `keys_of`).
            Ok(Expansion::Unknown) if self.offline => Expansion::Unknown,
            Ok(Expansion::Unknown) => {
                let (arg, which) = if is_count {
                    ("count", "how many instances")
                } else {
                    ("for_each", "the full set of keys that")
                };
                self.diags.push(
                    Diagnostic::error(
                        format!("Invalid {arg} argument"),
                        format!("The \"{arg}\" value depends on resource attributes that cannot be determined until apply, so cairn cannot predict {which} will be created."),
                    )
                    .with_span(e.span())
                    .with_address(what.to_string())
                    .with_hint("Use -target to first apply only the resources the value depends on, or derive the value from variables and locals."),
                );
                Expansion::Count(0)
            }
            Ok(x) => x,
            Err(d) => {
                self.diags.push(d.with_address(what.to_string()));
                Expansion::Count(0)
            }
        }
    }

    /// Evaluates a `check` block in every instance of its module: reads
    /// its scoped data sources (unless offline), evaluates the assertions
    /// (a failure is a warning, as in Terraform) and the arguments of its
    /// `probe` blocks, which `cairn verify` runs.
    pub async fn check_node(&mut self, id: &NodeId) -> Vec<crate::model::CheckResult> {
        use crate::model::{CheckResult, CheckStatus, ProbeDecl};
        let tree = self.tree;
        let Some(m) = tree.get(&id.module) else {
            return Vec::new();
        };
        let Some(c) = m.checks.get(&id.name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for mi in self.values.instances_of(&id.module) {
            let address = format!(
                "{}check.{}",
                if mi.is_root() {
                    String::new()
                } else {
                    format!("{mi}.")
                },
                id.name
            );
            let mut result = CheckResult {
                address: address.clone(),
                status: CheckStatus::Pass,
                messages: Vec::new(),
                probes: Vec::new(),
            };
            // Scoped data sources: read now, visible to this check only
            // (by name; the graph keeps them out of other expressions).
            for d in &c.data {
                let addr = ResourceAddr {
                    module: mi.clone(),
                    mode: crate::addr::Mode::Data,
                    type_name: d.type_name.clone(),
                    name: d.name.clone(),
                };
                let v = self.read_scoped_data(&mi, d, &mut result).await;
                self.values.resources.insert(addr, v);
            }
            for a in &c.asserts {
                match self.eval(&mi, Bindings::default(), &a.condition) {
                    Ok(v) if v.as_bool() == Some(false) => {
                        // As for preconditions: a message built from a
                        // secret is not shown.
                        let msg = self
                            .eval(&mi, Bindings::default(), &a.error_message)
                            .ok()
                            .and_then(|m| {
                                if m.is_sensitive_deep() {
                                    Some("(sensitive error message)".to_string())
                                } else {
                                    m.as_str().map(str::to_string)
                                }
                            })
                            .unwrap_or_default();
                        self.diags.push(
                            Diagnostic::warning(
                                format!("Check block assertion failed: {address}"),
                                msg.clone(),
                            )
                            .with_span(a.condition.span()),
                        );
                        result.status = CheckStatus::Fail;
                        result.messages.push(msg);
                    }
                    Ok(v) if v.as_bool() == Some(true) => {}
                    Ok(_) => {
                        if result.status == CheckStatus::Pass {
                            result.status = CheckStatus::Unknown;
                        }
                    }
                    Err(d) => {
                        result.status = CheckStatus::Fail;
                        result.messages.push(d.detail.clone());
                    }
                }
            }
            for b in c.body.blocks.iter().filter(|b| b.type_name == "probe") {
                let kind = b.labels.first().cloned().unwrap_or_default();
                let mut args = std::collections::BTreeMap::new();
                for (name, attr) in &b.body.attrs {
                    match self.eval(&mi, Bindings::default(), &attr.expr) {
                        Ok(v) => {
                            args.insert(name.clone(), v);
                        }
                        Err(d) => {
                            result.status = CheckStatus::Fail;
                            result
                                .messages
                                .push(format!("probe {kind:?}: {}", d.detail));
                        }
                    }
                }
                result.probes.push(ProbeDecl {
                    kind,
                    args: Value::object(args),
                    span: b.span.clone(),
                });
            }
            out.push(result);
        }
        out
    }

    /// Reads one of a check's data sources; a failure fails the check (a
    /// warning, not an error, as in Terraform).
    async fn read_scoped_data(
        &mut self,
        mi: &ModuleInstance,
        d: &cairn_config::Resource,
        result: &mut crate::model::CheckResult,
    ) -> Value {
        let schema = match self
            .registry
            .resource_schema(&d.provider_name(), &d.type_name, true)
        {
            Ok(s) => s.clone(),
            Err(e) => {
                result.status = crate::model::CheckStatus::Fail;
                result.messages.push(e.detail);
                return Value::dynamic_unknown();
            }
        };
        let config = {
            let scope = Scope {
                tree: self.tree,
                values: &self.values,
                module: mi,
                bind: Bindings::default(),
            };
            let ev = Evaluator::new(&scope, &self.funcs, &self.ctx);
            decode_body(&d.body, &schema.block, &ev)
        };
        let config = match config {
            Ok(c) => c,
            Err(ds) => {
                result.status = crate::model::CheckStatus::Fail;
                result.messages.extend(ds.into_iter().map(|d| d.detail));
                return Value::dynamic_unknown();
            }
        };
        let Some((provider, _, _)) = self.provider_for(&mi.config_path(), d).await else {
            return Value::dynamic_unknown();
        };
        if !config.is_wholly_known() || (self.offline && !provider.reads_offline(&d.type_name)) {
            return crate::plan::unknown_data(&schema, &config.unmark_deep().0);
        }
        match provider
            .read_data(&d.type_name, &config.unmark_deep().0)
            .await
        {
            Ok(v) => finish_value(&schema, &config, &v),
            Err(e) => {
                let msg = e.to_diagnostic(&d.address()).detail;
                self.diags.push(
                    Diagnostic::warning(
                        format!("Check data source failed: {}", d.address()),
                        msg.clone(),
                    )
                    .with_span(d.decl_span.clone()),
                );
                result.status = crate::model::CheckStatus::Fail;
                result.messages.push(msg);
                Value::dynamic_unknown()
            }
        }
    }

    /// The instance keys of an expansion. Offline, an unknown expansion
    /// has one representative instance (no key: count.index, each.key
    /// and each.value are unknown), while references to the resource or
    /// module as a whole stay unknown.
    pub fn keys_of(&self, exp: &Expansion) -> Vec<cairn_graph::expand::InstanceKey> {
        match exp {
            Expansion::Unknown if self.offline => vec![cairn_graph::expand::InstanceKey::None],
            _ => exp.keys(),
        }
    }

    /// Configures the provider for a provider node.
    pub async fn provider_node(&mut self, id: &NodeId) {
        let tree = self.tree;
        let Some(m) = tree.get(&id.module) else {
            return;
        };
        let Some(p) = m.providers.iter().find(|p| p.address() == id.name) else {
            return;
        };
        let Some(f) = self.registry.get(&p.name) else {
            self.diags.push(
                Diagnostic::error(
                    "Provider not available",
                    format!("cairn has no provider {:?}.", p.name),
                )
                .with_span(p.decl_span.clone())
                .with_hint(format!(
                    "The built-in providers are: {}.",
                    self.registry.names().join(", ")
                )),
            );
            return;
        };
        let schema = f.schema().provider.clone();
        let mi = self
            .values
            .instances_of(&id.module)
            .into_iter()
            .next()
            .unwrap_or_default();
        let config = {
            let scope = Scope {
                tree: self.tree,
                values: &self.values,
                module: &mi,
                bind: Bindings::default(),
            };
            let ev = Evaluator::new(&scope, &self.funcs, &self.ctx);
            decode_body(&p.body, &schema, &ev)
        };
        match config {
            Ok(c) => {
                self.provider_configs
                    .insert((id.module.clone(), id.name.clone()), c.clone());
                let (c, _) = c.unmark_deep();
                let key = (id.module.clone(), id.name.clone());
                if let Err(d) = self
                    .configured
                    .configure_with(self.registry, key.clone(), &p.name, &c, self.offline)
                    .await
                {
                    if self.offline {
                        self.schema_only(key, f.clone(), d, p.decl_span.clone())
                            .await;
                    } else {
                        self.diags.push(d.with_span(p.decl_span.clone()));
                    }
                }
            }
            Err(ds) => {
                for d in ds {
                    self.diags.push(d);
                }
            }
        }
    }

    /// The configured provider serving a resource, configuring a default
    /// (empty) configuration when no block configures it.
    pub async fn provider_for(
        &mut self,
        module: &[String],
        r: &Resource,
    ) -> Option<(Arc<dyn Provider>, (Vec<String>, String), String)> {
        let (name, alias) = match &r.provider {
            Some(p) => (p.name.clone(), p.alias.clone()),
            None => (r.provider_name(), None),
        };
        let key = match cairn_graph::resolve_provider(self.tree, module, &name, alias.as_deref()) {
            Some(n) => (n.module, n.name),
            None => {
                if alias.is_some() {
                    self.diags.push(
                        Diagnostic::error(
                            "Provider configuration not present",
                            format!("{} refers to provider {name}.{}, which is not configured in this module.", r.address(), alias.clone().unwrap_or_default()),
                        )
                        .with_span(r.decl_span.clone())
                        .with_hint("Add a provider block with this alias, or pass it to the module with the module call's providers argument."),
                    );
                    return None;
                }
                (Vec::new(), name.clone())
            }
        };
        if let Some(p) = self.configured.get(&key).await {
            return Some((p, key, name));
        }
        // No provider block: configure with an all-null configuration.
        let Some(f) = self.registry.get(&name) else {
            self.diags.push(
                Diagnostic::error(
                    "Provider not available",
                    format!(
                        "cairn has no provider {name:?} (needed for {}).",
                        r.address()
                    ),
                )
                .with_span(r.decl_span.clone())
                .with_hint(format!(
                    "The built-in providers are: {}.",
                    self.registry.names().join(", ")
                )),
            );
            return None;
        };
        let empty = Value::object(cairn_provider::empty_object(&f.schema().provider));
        match self
            .configured
            .configure_with(self.registry, key.clone(), &name, &empty, self.offline)
            .await
        {
            Ok(p) => Some((p, key, name)),
            Err(d) if self.offline => {
                let f = f.clone();
                Some((
                    self.schema_only(key.clone(), f, d, r.decl_span.clone())
                        .await,
                    key,
                    name,
                ))
            }
            Err(d) => {
                self.diags.push(d.with_span(r.decl_span.clone()));
                None
            }
        }
    }

    /// Offline: a provider that cannot be configured without
    /// infrastructure (no region, no credentials) is planned from its
    /// schema alone; says so as a warning.
    async fn schema_only(
        &mut self,
        key: (Vec<String>, String),
        f: Arc<dyn cairn_provider::ProviderFactory>,
        d: Diagnostic,
        span: Option<cairn_diagnostics::Span>,
    ) -> Arc<dyn cairn_provider::Provider> {
        self.diags.push(
            Diagnostic::warning(
                format!("Provider {} planned from its schema only", key.1),
                format!(
                    "It could not be configured without infrastructure ({}: {}), so computed values provider-specific planning would add (such as tags_all) are unknown to the checks.",
                    d.summary, d.detail
                ),
            )
            .with_span(span),
        );
        let p: Arc<dyn cairn_provider::Provider> =
            Arc::new(crate::providers::SchemaOnly::new(f.schema().clone()));
        self.configured.insert(key, p.clone()).await;
        p
    }

    /// The value references see for a resource from its instances' values.
    pub fn aggregate(exp: &Expansion, vals: &BTreeMap<Key, Value>) -> Value {
        match exp {
            Expansion::Single => vals
                .get(&Key::None)
                .cloned()
                .unwrap_or_else(Value::dynamic_unknown),
            Expansion::Count(_) => Value::tuple(vals.values().cloned().collect()),
            Expansion::ForEach(_) => Value::object(
                vals.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Key::Str(s) => s.clone(),
                            Key::Int(i) => i.to_string(),
                            Key::None => String::new(),
                        };
                        (key, v.clone())
                    })
                    .collect(),
            ),
            Expansion::Unknown => Value::dynamic_unknown(),
        }
    }
}

/// Applies `ignore_changes`: the configuration takes the prior value of
/// every ignored attribute.
pub fn apply_ignore_changes(
    ic: &IgnoreChanges,
    schema: &ResourceSchema,
    config: &Value,
    prior: &Value,
) -> Value {
    let names: Vec<String> = match ic {
        IgnoreChanges::None => return config.clone(),
        IgnoreChanges::All => schema
            .block
            .attributes
            .iter()
            .filter(|(_, a)| a.optional || a.required)
            .map(|(k, _)| k.clone())
            .chain(schema.block.blocks.keys().cloned())
            .collect(),
        IgnoreChanges::List(exprs) => exprs
            .iter()
            .filter_map(|e| traversal_root(&e.expr))
            .collect(),
    };
    let Some(cm) = config.as_entries() else {
        return config.clone();
    };
    let mut out = cm.clone();
    for n in names {
        if let Some(pv) = prior.get_attr(&n) {
            out.insert(n, pv.clone());
        }
    }
    Value::object(out).mark(config.sensitive)
}

/// The attribute an `ignore_changes` entry names (`tags`, `tags["Name"]`
/// ignores the whole `tags` attribute).
fn traversal_root(e: &hcl_edit::expr::Expression) -> Option<String> {
    match e {
        hcl_edit::expr::Expression::Variable(v) => Some(v.as_str().to_string()),
        hcl_edit::expr::Expression::Traversal(t) => traversal_root(&t.expr),
        hcl_edit::expr::Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

/// Re-applies the configuration's sensitive marks to the planned value at
/// the same attribute paths (the provider never sees marks).
pub fn remark(config: &Value, planned: &Value) -> Value {
    match (config.as_entries(), planned.as_entries()) {
        (Some(c), Some(p)) => {
            let mut out = p.clone();
            for (k, cv) in c {
                if let Some(pv) = out.get(k).cloned() {
                    let nv = if cv.sensitive {
                        remark(cv, &pv).marked()
                    } else {
                        remark(cv, &pv)
                    };
                    out.insert(k.clone(), nv);
                }
            }
            // Keep the kind: a map stays a map.
            let rebuilt = match &planned.kind {
                cairn_value::Kind::Map(t, _) => Value::map(t.clone(), out),
                _ => Value::object(out),
            };
            rebuilt.mark(planned.sensitive || config.sensitive)
        }
        _ => {
            if config.sensitive {
                planned.clone().marked()
            } else if config.is_sensitive_deep() {
                // Collections with marked elements: mark the whole value
                // rather than risk showing a secret.
                planned.clone().marked()
            } else {
                planned.clone()
            }
        }
    }
}

/// Marks computed attributes whose value contains a secret from the
/// configuration (a provider copying an input to an output, like
/// `terraform_data.output`), so derived secrets stay hidden.
pub fn guard_derived_secrets(config: &Value, v: &Value) -> Value {
    let mut secrets = Vec::new();
    collect_secrets(config, &mut secrets);
    if secrets.is_empty() {
        return v.clone();
    }
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    let mut out = m.clone();
    for (k, x) in m {
        if x.is_sensitive_deep() || !x.is_wholly_known() {
            continue;
        }
        let text = cairn_value::json::encode(x).unwrap_or_default();
        if secrets
            .iter()
            .any(|s| !s.is_empty() && text.contains(s.as_str()))
        {
            out.insert(k.clone(), x.clone().marked());
        }
    }
    Value::object(out).mark(v.sensitive)
}

fn collect_secrets(v: &Value, out: &mut Vec<String>) {
    if v.sensitive {
        let (plain, _) = v.unmark_deep();
        if let Some(s) = plain.as_str() {
            out.push(s.to_string());
        } else if let Ok(j) = cairn_value::json::encode(&plain) {
            out.push(j);
        }
        return;
    }
    if let Some(items) = v.as_seq() {
        items.iter().for_each(|x| collect_secrets(x, out));
    } else if let Some(m) = v.as_entries() {
        m.values().for_each(|x| collect_secrets(x, out));
    }
}

/// Runs a plan.
pub async fn plan(input: PlanInput<'_>) -> PlanOutcome {
    let mut prior = input.prior;
    let opts = input.options.clone();
    let tree = input.tree;
    let mut w = Walker::new(
        tree,
        input.registry,
        input.funcs.clone(),
        input.ctx.clone(),
        input.cwd.clone(),
        opts.workspace.clone(),
    );
    w.offline = opts.offline;
    let (graph, d) = cairn_graph::build(tree);
    w.diags.extend(d);
    let cycles = graph.cycle_diagnostics(tree);
    if !cycles.is_empty() || w.diags.has_errors() {
        w.diags.extend(cycles);
        return PlanOutcome {
            plan: None,
            diags: w.diags,
            configured: w.configured,
        };
    }
    let deps = resource_dependencies(&graph);
    let mut plan = Plan {
        destroy: opts.destroy,
        refresh_only: opts.refresh_only,
        ..Plan::default()
    };
    let mut moved = crate::moved::apply_moved(tree, &mut prior, &mut w.diags);
    for (a, id) in &opts.extra_imports {
        moved.literal_imports.push((a.clone(), id.clone()));
    }
    let order = graph.order().unwrap_or_default();
    let target_nodes = crate::targets::target_closure(&graph, &opts.targets);
    let mut visited: HashSet<InstanceAddr> = HashSet::new();
    for ix in order {
        let id = graph.graph[ix].clone();
        if w.simple_node(&id, &input.root_vars) {
            continue;
        }
        match id.kind {
            Kind::Provider => w.provider_node(&id).await,
            Kind::Check => {
                let results = w.check_node(&id).await;
                plan.checks.extend(results);
            }
            Kind::Resource | Kind::Data => {
                let skip = target_nodes.as_ref().is_some_and(|t| !t.contains(&id));
                let deps_of: Vec<String> = deps
                    .get(&id)
                    .map(|s| s.iter().map(|n| n.to_string()).collect())
                    .unwrap_or_default();
                crate::plan_resource::plan_resource(
                    &mut w,
                    &id,
                    &mut prior,
                    &mut plan,
                    &mut visited,
                    &deps_of,
                    &opts,
                    skip,
                    &moved,
                )
                .await;
            }
            _ => {}
        }
    }
    // Instances in state that the configuration no longer has.
    crate::plan_resource::plan_orphans(
        &mut w,
        &prior,
        &mut plan,
        &visited,
        &opts,
        target_nodes.as_ref(),
    );
    // Root outputs.
    if let Some(root) = tree.root() {
        for (name, o) in &root.outputs {
            let after = if opts.destroy {
                None
            } else {
                w.values
                    .outputs
                    .get(&(ModuleInstance::root(), name.clone()))
                    .cloned()
            };
            // As Terraform: a root output may carry sensitive values only
            // when it says so, so nothing is exported by accident.
            if !o.sensitive && after.as_ref().is_some_and(|v| v.is_sensitive_deep()) {
                w.diags.push(o.sensitive_error());
            }
            plan.outputs.insert(
                name.clone(),
                OutputChange {
                    before: prior.outputs.get(name).cloned(),
                    after,
                    sensitive: o.sensitive,
                },
            );
        }
        for (name, v) in &prior.outputs {
            if !root.outputs.contains_key(name) {
                plan.outputs.insert(
                    name.clone(),
                    OutputChange {
                        before: Some(v.clone()),
                        after: None,
                        sensitive: v.is_sensitive_deep(),
                    },
                );
            }
        }
    }
    if opts.refresh_only {
        // Only the drift is applied: no resource changes.
        plan.changes.retain(|c| c.action == Action::NoOp);
    }
    plan.changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    plan.provider_configs = std::mem::take(&mut w.provider_configs);
    let failed = w.diags.has_errors();
    PlanOutcome {
        plan: if failed { None } else { Some(plan) },
        diags: w.diags,
        configured: w.configured,
    }
}

/// Records a refresh difference.
pub fn drift_of(addr: &InstanceAddr, before: &Value, after: Option<&Value>) -> Option<Drift> {
    match after {
        Some(a) if a.raw_equal(before) => None,
        _ => Some(Drift {
            addr: addr.clone(),
            before: before.clone(),
            after: after.cloned(),
        }),
    }
}

/// The unknown value a data source has until it is read.
pub fn unknown_data(schema: &ResourceSchema, config: &Value) -> Value {
    cairn_provider::unknown_computed(&schema.block, config)
}

pub(crate) fn plan_request(
    type_name: &str,
    schema: &ResourceSchema,
    prior: Option<&Value>,
    config: &Value,
) -> PlanRequest {
    let (c, _) = config.unmark_deep();
    let p = prior.map(|p| p.unmark_deep().0);
    let proposed = proposed_new(&schema.block, p.as_ref(), &c);
    PlanRequest {
        type_name: type_name.to_string(),
        prior: p,
        config: c,
        proposed,
    }
}

/// Marks by schema and re-applies the configuration's marks.
pub(crate) fn finish_value(schema: &ResourceSchema, config: &Value, v: &Value) -> Value {
    let v = mark_sensitive(&schema.block, v);
    let v = remark(config, &v);
    guard_derived_secrets(config, &v)
}

pub(crate) fn mode_of(kind: Kind) -> Mode {
    if kind == Kind::Data {
        Mode::Data
    } else {
        Mode::Managed
    }
}

pub(crate) fn resource_addr(mi: &ModuleInstance, kind: Kind, r: &Resource) -> ResourceAddr {
    ResourceAddr {
        module: mi.clone(),
        mode: mode_of(kind),
        type_name: r.type_name.clone(),
        name: r.name.clone(),
    }
}
