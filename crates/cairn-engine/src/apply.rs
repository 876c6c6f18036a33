//! Applying a plan.
//!
//! Three phases, each walking in dependency order with independent
//! operations in parallel (bounded by `parallelism`):
//! 1. destroy the old objects of replacements without
//!    `create_before_destroy` (dependents first);
//! 2. creates, updates, replacement creates and deferred data reads, in
//!    dependency order, level by level: every configuration object is
//!    evaluated again with the values now known, the provider plans the
//!    final change (which must agree with the saved plan) and applies it;
//! 3. deletes of removed instances and of objects deposed by
//!    `create_before_destroy` (dependents first).
//!
//! Every finished operation is handed to the [`StateSink`] before the next
//! starts depending on it, so an interrupted apply leaves state that knows
//! every object created. After a failure no new operation starts; running
//! ones finish and are recorded.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cairn_config::ModuleTree;
use cairn_diagnostics::{Diagnostic, Diagnostics};
use cairn_eval::Evaluator;
use cairn_functions::{Context, Registry as Funcs};
use cairn_graph::expand::Expansion;
use cairn_graph::{Kind, NodeId};
use cairn_provider::{ApplyRequest, Provider, ResourceSchema};
use cairn_value::Value;
use tokio::sync::Semaphore;

use crate::addr::{InstanceAddr, Key, Mode, ModuleInstance};
use crate::decode::decode_body;
use crate::model::{Action, Change, Plan, Prior};
use crate::plan::{finish_value, plan_request, resource_addr, Walker};
use crate::providers::Registry;
use crate::values::{Bindings, Scope};

/// One instance's new state.
#[derive(Clone, Debug)]
pub struct InstanceRecord {
    pub addr: InstanceAddr,
    pub value: Value,
    pub schema_version: u64,
    pub dependencies: Vec<String>,
    pub provider_key: (Vec<String>, String),
    pub provider_name: String,
    pub create_before_destroy: bool,
    /// Set for an object deposed by a create_before_destroy replacement.
    pub deposed: Option<String>,
}

/// Where apply records what it did, operation by operation.
#[async_trait]
pub trait StateSink: Send + Sync {
    async fn set_instance(&self, rec: InstanceRecord) -> Result<(), String>;
    async fn remove_instance(
        &self,
        addr: &InstanceAddr,
        deposed: Option<&str>,
    ) -> Result<(), String>;
    async fn set_output(
        &self,
        name: &str,
        value: Option<Value>,
        sensitive: bool,
    ) -> Result<(), String>;
    /// Records, durably, that a create of `addr` is about to be sent with
    /// idempotency key `key` (see [`Prior::pending_creates`]).
    async fn pending_create(&self, _addr: &InstanceAddr, _key: &str) -> Result<(), String> {
        Ok(())
    }
}

/// Progress events.
#[derive(Clone, Debug)]
pub enum Event {
    Started {
        addr: InstanceAddr,
        action: Action,
    },
    Finished {
        addr: InstanceAddr,
        action: Action,
        elapsed: Duration,
        error: Option<String>,
    },
}

pub trait Events: Send + Sync {
    fn event(&self, e: Event);
}

/// Everything apply needs.
pub struct ApplyInput<'a> {
    pub tree: &'a ModuleTree,
    pub root_vars: BTreeMap<String, Value>,
    pub plan: Plan,
    pub prior: Prior,
    pub registry: &'a Registry,
    pub funcs: Arc<Funcs>,
    pub ctx: Context,
    pub cwd: std::path::PathBuf,
    pub workspace: String,
    pub parallelism: usize,
    pub sink: Arc<dyn StateSink>,
    pub events: Arc<dyn Events>,
}

/// What happened.
pub struct ApplyOutcome {
    pub diags: Diagnostics,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    pub outputs: BTreeMap<String, (Value, bool)>,
    /// Operations that completed, in order (for rollback-on-failure).
    pub completed: Vec<(InstanceAddr, Action)>,
}

struct Counters {
    added: usize,
    changed: usize,
    destroyed: usize,
    completed: Vec<(InstanceAddr, Action)>,
}

/// The result of one provider operation, run in its own task.
struct OpResult {
    addr: InstanceAddr,
    action: Action,
    result: Result<Option<Value>, Diagnostic>,
}

/// Applies a plan.
pub async fn apply(input: ApplyInput<'_>) -> ApplyOutcome {
    let tree = input.tree;
    let mut w = Walker::new(
        tree,
        input.registry,
        input.funcs.clone(),
        input.ctx.clone(),
        input.cwd.clone(),
        input.workspace.clone(),
    );
    let mut counters = Counters {
        added: 0,
        changed: 0,
        destroyed: 0,
        completed: Vec::new(),
    };
    let failed = Arc::new(AtomicBool::new(false));
    let sem = Arc::new(Semaphore::new(input.parallelism.max(1)));
    let (graph, d) = cairn_graph::build(tree);
    w.diags.extend(d);
    let Ok(order) = graph.order() else {
        w.diags.push(Diagnostic::error(
            "Cycle",
            "The configuration has a reference cycle; run cairn validate.",
        ));
        return outcome(w, counters, BTreeMap::new());
    };
    let changes: HashMap<InstanceAddr, Change> = input
        .plan
        .changes
        .iter()
        .map(|c| (c.addr.clone(), c.clone()))
        .collect();
    let ctx = OpCtx {
        pending_creates: Arc::new(input.prior.pending_creates.clone()),
        sink: input.sink.clone(),
        events: input.events.clone(),
        sem: sem.clone(),
        failed: failed.clone(),
    };

    // Phase 1: old objects of destroy-then-create replacements.
    let phase1: Vec<&Change> = input
        .plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Replace && !c.create_before_destroy)
        .collect();
    // Deletes that run before the forward walk (phase 1, and every delete
    // of a destroy plan) need providers configured, so evaluate variables
    // and locals and configure providers up front only then.
    // Resource-dependent values stay unknown here; phase 2 evaluates
    // everything again in order.
    if !phase1.is_empty() || input.plan.destroy {
        let mut pre = Walker::new(
            tree,
            input.registry,
            input.funcs.clone(),
            input.ctx.clone(),
            input.cwd.clone(),
            input.workspace.clone(),
        );
        pre.configured = w.configured.clone();
        for ix in &order {
            let id = graph.graph[*ix].clone();
            if pre.simple_node(&id, &input.root_vars) {
                continue;
            }
            if id.kind == Kind::Provider {
                pre.provider_node(&id).await;
            }
        }
        w.diags.extend(pre.diags);
        if w.diags.has_errors() {
            return outcome(w, counters, BTreeMap::new());
        }
    }

    run_deletes(&mut w, &ctx, &phase1, &mut counters, false).await;

    // Phase 2: forward walk.
    if !failed.load(Ordering::SeqCst) && !input.plan.destroy {
        let levels = levels(&graph, &order);
        for level in levels {
            if failed.load(Ordering::SeqCst) {
                break;
            }
            let mut ops: Vec<PreparedOp> = Vec::new();
            for ix in &level {
                let id = graph.graph[*ix].clone();
                if w.simple_node(&id, &input.root_vars) {
                    continue;
                }
                match id.kind {
                    Kind::Provider => w.provider_node(&id).await,
                    Kind::Resource | Kind::Data => {
                        prepare_resource(
                            &mut w,
                            &id,
                            &changes,
                            &input.plan,
                            &input.prior,
                            &input.sink,
                            &mut ops,
                        )
                        .await;
                    }
                    _ => {}
                }
            }
            if w.diags.has_errors() {
                failed.store(true, Ordering::SeqCst);
                break;
            }
            run_ops(&mut w, &ctx, ops, &mut counters).await;
        }
    }

    // Phase 3: deletes and deposed objects.
    if !failed.load(Ordering::SeqCst) {
        let phase3: Vec<Change> = input
            .plan
            .changes
            .iter()
            .filter(|c| {
                c.action == Action::Delete
                    || (c.action == Action::Replace && c.create_before_destroy)
            })
            .cloned()
            .collect();
        let refs: Vec<&Change> = phase3.iter().collect();
        run_deletes(&mut w, &ctx, &refs, &mut counters, true).await;
    }

    // Outputs.
    let mut outputs = BTreeMap::new();
    if !failed.load(Ordering::SeqCst) {
        for (name, oc) in &input.plan.outputs {
            let v = if input.plan.destroy {
                None
            } else {
                w.values
                    .outputs
                    .get(&(ModuleInstance::root(), name.clone()))
                    .cloned()
            };
            if oc.after.is_none() && v.is_none() {
                if let Err(e) = input.sink.set_output(name, None, oc.sensitive).await {
                    w.diags.push(Diagnostic::error("Failed to save state", e));
                }
                continue;
            }
            if let Some(v) = v {
                if let Err(e) = input
                    .sink
                    .set_output(name, Some(v.clone()), oc.sensitive)
                    .await
                {
                    w.diags.push(Diagnostic::error("Failed to save state", e));
                }
                outputs.insert(name.clone(), (v, oc.sensitive));
            }
        }
    }
    outcome(w, counters, outputs)
}

fn outcome(w: Walker<'_>, c: Counters, outputs: BTreeMap<String, (Value, bool)>) -> ApplyOutcome {
    ApplyOutcome {
        diags: w.diags,
        added: c.added,
        changed: c.changed,
        destroyed: c.destroyed,
        outputs,
        completed: c.completed,
    }
}

#[derive(Clone)]
struct OpCtx {
    /// Idempotency keys of creates an earlier run started but did not see
    /// finish, by instance address.
    pending_creates: Arc<BTreeMap<String, String>>,
    sink: Arc<dyn StateSink>,
    events: Arc<dyn Events>,
    sem: Arc<Semaphore>,
    failed: Arc<AtomicBool>,
}

/// Configuration nodes grouped by depth: nodes of one level never depend
/// on each other.
fn levels(
    g: &cairn_graph::ConfigGraph,
    order: &[petgraph::graph::NodeIndex],
) -> Vec<Vec<petgraph::graph::NodeIndex>> {
    let mut depth: HashMap<petgraph::graph::NodeIndex, usize> = HashMap::new();
    let mut out: Vec<Vec<petgraph::graph::NodeIndex>> = Vec::new();
    for ix in order {
        let d = g
            .graph
            .neighbors_directed(*ix, petgraph::Direction::Incoming)
            .filter_map(|p| depth.get(&p))
            .map(|x| x + 1)
            .max()
            .unwrap_or(0);
        depth.insert(*ix, d);
        if out.len() <= d {
            out.resize(d + 1, Vec::new());
        }
        out[d].push(*ix);
    }
    out
}

/// An operation ready to run.
struct PreparedOp {
    addr: InstanceAddr,
    action: Action,
    provider: Arc<dyn Provider>,
    schema: Arc<ResourceSchema>,
    type_name: String,
    prior: Option<Value>,
    config: Value,
    /// The value the saved plan promised.
    promised: Option<Value>,
    record: InstanceRecord,
    module: ModuleInstance,
    bind: Bindings,
    node: NodeId,
}

/// Evaluates every instance of a resource node and prepares the operations
/// its changes need; instances without operations get their values now.
async fn prepare_resource(
    w: &mut Walker<'_>,
    id: &NodeId,
    changes: &HashMap<InstanceAddr, Change>,
    plan: &Plan,
    prior: &Prior,
    sink: &Arc<dyn StateSink>,
    ops: &mut Vec<PreparedOp>,
) {
    let tree = w.tree;
    let Some(m) = tree.get(&id.module) else {
        return;
    };
    let r = if id.kind == Kind::Data {
        m.data.get(&id.name)
    } else {
        m.resources.get(&id.name)
    };
    let Some(r) = r else { return };
    let data = id.kind == Kind::Data;
    let schema = match w
        .registry
        .resource_schema(&r.provider_name(), &r.type_name, data)
    {
        Ok(s) => Arc::new(s.clone()),
        Err(d) => {
            w.diags.push(d);
            return;
        }
    };
    let Some((provider, provider_key, provider_name)) = w.provider_for(&id.module, r).await else {
        return;
    };
    for mi in w.values.instances_of(&id.module) {
        let raddr = resource_addr(&mi, id.kind, r);
        let exp = w.expansion(
            &mi,
            r.count.as_ref(),
            r.for_each.as_ref(),
            &raddr.to_string(),
        );
        let mut vals: BTreeMap<Key, Value> = BTreeMap::new();
        for k in exp.keys() {
            let key = Key::from(&k);
            let addr = raddr.instance(key.clone());
            let each_value = match (&exp, &key) {
                (Expansion::ForEach(m), Key::Str(s)) => m.get(s).cloned(),
                _ => None,
            };
            let bind = Bindings {
                key: if key.is_none() {
                    None
                } else {
                    Some(key.clone())
                },
                each_value,
                self_value: None,
            };
            let change = changes.get(&addr);
            if data {
                if let Some(v) = plan.data.get(&addr) {
                    // Data read at plan time: keep it in state too.
                    let template = bare_change(&addr, &provider_key, &provider_name);
                    let rec = record_for(&addr, v, &schema, &template);
                    if let Err(e) = sink.set_instance(rec).await {
                        w.diags.push(Diagnostic::error("Failed to save state", e));
                    }
                    vals.insert(key, v.clone());
                    continue;
                }
            }
            let action = change.map(|c| c.action).unwrap_or(Action::NoOp);
            let prior_value = change
                .and_then(|c| c.before.clone())
                .or_else(|| prior.instances.get(&addr).map(|p| p.value.clone()));
            if action == Action::NoOp && !data {
                let v = prior_value.clone().unwrap_or_else(Value::dynamic_unknown);
                if let Some(c) = change {
                    if c.importing.is_some() || c.moved_from.is_some() {
                        // Record imports and moves in state.
                        if let Some(old) = &c.moved_from {
                            if let Err(e) = sink.remove_instance(old, None).await {
                                w.diags.push(Diagnostic::error("Failed to save state", e));
                            }
                        }
                        let rec = record_for(&addr, &v, &schema, c);
                        if let Err(e) = sink.set_instance(rec).await {
                            w.diags.push(Diagnostic::error("Failed to save state", e));
                        }
                    }
                }
                vals.insert(key, v);
                continue;
            }
            let config = {
                let scope = Scope {
                    tree: w.tree,
                    values: &w.values,
                    module: &mi,
                    bind: bind.clone(),
                };
                let ev = Evaluator::new(&scope, &w.funcs, &w.ctx);
                decode_body(&r.body, &schema.block, &ev)
            };
            let config = match config {
                Ok(c) => c,
                Err(ds) => {
                    for d in ds {
                        w.diags.push(d.with_address(addr.to_string()));
                    }
                    continue;
                }
            };
            let template = Change {
                addr: addr.clone(),
                action,
                before: prior_value.clone(),
                after: None,
                replace_paths: Vec::new(),
                reason: None,
                create_before_destroy: change.is_some_and(|c| c.create_before_destroy),
                dependencies: change.map(|c| c.dependencies.clone()).unwrap_or_default(),
                provider_key: provider_key.clone(),
                provider_name: provider_name.clone(),
                importing: None,
                moved_from: None,
                deposed: false,
            };
            let record = record_for(&addr, &Value::dynamic_null(), &schema, &template);
            let action = if data { Action::Read } else { action };
            if let Some(c) = change {
                if let Some(old) = &c.moved_from {
                    if let Err(e) = sink.remove_instance(old, None).await {
                        w.diags.push(Diagnostic::error("Failed to save state", e));
                    }
                }
                if action == Action::Replace && c.create_before_destroy {
                    // The old object stays in state as deposed until phase 3
                    // deletes it, so a crash in between loses nothing.
                    if let Some(b) = &c.before {
                        let mut rec = record_for(&addr, b, &schema, c);
                        rec.deposed = Some("deposed".into());
                        if let Err(e) = sink.set_instance(rec).await {
                            w.diags.push(Diagnostic::error("Failed to save state", e));
                        }
                    }
                }
            }
            ops.push(PreparedOp {
                addr: addr.clone(),
                action,
                provider: provider.clone(),
                schema: schema.clone(),
                type_name: r.type_name.clone(),
                prior: if action == Action::Update {
                    prior_value
                } else {
                    None
                },
                config,
                promised: change.and_then(|c| c.after.clone()),
                record,
                module: mi.clone(),
                bind,
                node: id.clone(),
            });
            // Placeholder until the operation finishes.
            vals.insert(key, Value::dynamic_unknown());
        }
        let agg = Walker::aggregate(&exp, &vals);
        w.values.resources.insert(raddr, agg);
    }
}

fn bare_change(
    addr: &InstanceAddr,
    provider_key: &(Vec<String>, String),
    provider_name: &str,
) -> Change {
    Change {
        addr: addr.clone(),
        action: Action::NoOp,
        before: None,
        after: None,
        replace_paths: Vec::new(),
        reason: None,
        create_before_destroy: false,
        dependencies: Vec::new(),
        provider_key: provider_key.clone(),
        provider_name: provider_name.to_string(),
        importing: None,
        moved_from: None,
        deposed: false,
    }
}

fn record_for(
    addr: &InstanceAddr,
    v: &Value,
    schema: &ResourceSchema,
    c: &Change,
) -> InstanceRecord {
    InstanceRecord {
        addr: addr.clone(),
        value: v.clone(),
        schema_version: schema.version,
        dependencies: c.dependencies.clone(),
        provider_key: c.provider_key.clone(),
        provider_name: c.provider_name.clone(),
        create_before_destroy: c.create_before_destroy,
        deposed: None,
    }
}

/// Runs prepared operations concurrently; records results; updates the
/// resource values of the walk.
async fn run_ops(w: &mut Walker<'_>, ctx: &OpCtx, ops: Vec<PreparedOp>, counters: &mut Counters) {
    if ops.is_empty() {
        return;
    }
    let mut set = tokio::task::JoinSet::new();
    let mut meta: HashMap<InstanceAddr, PreparedOp> = HashMap::new();
    for op in ops {
        let addr = op.addr.clone();
        let action = op.action;
        let provider = op.provider.clone();
        let schema = op.schema.clone();
        let type_name = op.type_name.clone();
        let prior = op.prior.clone();
        let config = op.config.clone();
        let promised = op.promised.clone();
        let c = ctx.clone();
        set.spawn(async move {
            let _permit = c.sem.clone().acquire_owned().await;
            if c.failed.load(Ordering::SeqCst) {
                return OpResult {
                    addr,
                    action,
                    result: Err(Diagnostic::error(
                        "Not started",
                        "An earlier operation failed.",
                    )),
                };
            }
            c.events.event(Event::Started {
                addr: addr.clone(),
                action,
            });
            let t0 = Instant::now();
            let result = match create_key(&c, action, prior.is_none(), &addr).await {
                Ok(key) => {
                    run_one(
                        &provider, &schema, &type_name, action, prior, &config, promised, &addr,
                        key,
                    )
                    .await
                }
                Err(d) => Err(d),
            };
            c.events.event(Event::Finished {
                addr: addr.clone(),
                action,
                elapsed: t0.elapsed(),
                error: result
                    .as_ref()
                    .err()
                    .map(|d| format!("{}: {}", d.summary, d.detail)),
            });
            if result.is_err() {
                c.failed.store(true, Ordering::SeqCst);
            }
            OpResult {
                addr,
                action,
                result,
            }
        });
        meta.insert(op.addr.clone(), op);
    }
    let mut results = Vec::new();
    while let Some(j) = set.join_next().await {
        match j {
            Ok(r) => {
                // Save as soon as each finishes: a crash later keeps it.
                if let Ok(Some(v)) = &r.result {
                    if let Some(op) = meta.get(&r.addr) {
                        let mut rec = op.record.clone();
                        rec.value = v.clone();
                        if let Err(e) = ctx.sink.set_instance(rec).await {
                            w.diags.push(
                                Diagnostic::error("Failed to save state", e)
                                    .with_address(r.addr.to_string()),
                            );
                            ctx.failed.store(true, Ordering::SeqCst);
                        }
                    }
                }
                results.push(r);
            }
            Err(e) => {
                ctx.failed.store(true, Ordering::SeqCst);
                w.diags
                    .push(Diagnostic::error("Operation task failed", e.to_string()));
            }
        }
    }
    results.sort_by(|a, b| a.addr.cmp(&b.addr));
    // Update values and check postconditions.
    let mut by_resource: BTreeMap<crate::addr::ResourceAddr, Vec<(Key, Value)>> = BTreeMap::new();
    for r in results {
        let Some(op) = meta.get(&r.addr) else {
            continue;
        };
        match r.result {
            Ok(Some(v)) => {
                match r.action {
                    Action::Create => counters.added += 1,
                    Action::Update => counters.changed += 1,
                    Action::Replace => counters.added += 1,
                    _ => {}
                }
                counters.completed.push((r.addr.clone(), r.action));
                let tree = w.tree;
                if let Some(res) = tree
                    .get(&op.node.module)
                    .and_then(|m| m.resources.get(&op.node.name))
                {
                    let mut bind = op.bind.clone();
                    bind.self_value = Some(v.clone());
                    for c in &res.lifecycle.postconditions {
                        w.check_rule(&op.module, bind.clone(), c, &r.addr.to_string());
                    }
                }
                by_resource
                    .entry(r.addr.resource.clone())
                    .or_default()
                    .push((r.addr.key.clone(), v));
            }
            Ok(None) => {}
            Err(d) => {
                if d.summary != "Not started" {
                    w.diags.push(d.with_address(r.addr.to_string()));
                }
            }
        }
    }
    // Splice the new values into the resources' aggregated values.
    for (raddr, items) in by_resource {
        let cur = w
            .values
            .resources
            .get(&raddr)
            .cloned()
            .unwrap_or_else(Value::dynamic_unknown);
        let updated = splice(&cur, &items);
        w.values.resources.insert(raddr, updated);
    }
}

/// Replaces instance values inside a resource's aggregated value.
fn splice(cur: &Value, items: &[(Key, Value)]) -> Value {
    match &cur.kind {
        cairn_value::Kind::Tuple(xs) => {
            let mut v: Vec<Value> = xs.to_vec();
            for (k, x) in items {
                if let Key::Int(i) = k {
                    if let Some(slot) = usize::try_from(*i).ok().and_then(|i| v.get_mut(i)) {
                        *slot = x.clone();
                    }
                }
            }
            Value::tuple(v)
        }
        cairn_value::Kind::Object(m) if items.iter().all(|(k, _)| matches!(k, Key::Str(_))) => {
            let mut m = (**m).clone();
            for (k, x) in items {
                if let Key::Str(s) = k {
                    m.insert(s.clone(), x.clone());
                }
            }
            Value::object(m)
        }
        _ => items
            .iter()
            .find(|(k, _)| k.is_none())
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| cur.clone()),
    }
}

/// The idempotency key of a create: the key of a create of this address
/// an earlier run started and did not see finish, or a new one; recorded
/// in the journal before the provider is called, so a crash during the
/// call leaves it for the retry.
async fn create_key(
    c: &OpCtx,
    action: Action,
    creating: bool,
    addr: &InstanceAddr,
) -> Result<Option<String>, Diagnostic> {
    if action == Action::Read || !creating {
        return Ok(None);
    }
    let name = addr.to_string();
    let key = c
        .pending_creates
        .get(&name)
        .cloned()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    c.sink.pending_create(addr, &key).await.map_err(|e| {
        Diagnostic::error(
            "Cannot record the create in the state journal",
            format!("{name} was not created, because the journal entry that makes a retried create safe could not be written: {e}"),
        )
    })?;
    Ok(Some(key))
}

/// One create/update/replace-create/read.
#[allow(clippy::too_many_arguments)]
async fn run_one(
    provider: &Arc<dyn Provider>,
    schema: &ResourceSchema,
    type_name: &str,
    action: Action,
    prior: Option<Value>,
    config: &Value,
    promised: Option<Value>,
    addr: &InstanceAddr,
    idempotency_key: Option<String>,
) -> Result<Option<Value>, Diagnostic> {
    if action == Action::Read {
        let v = provider
            .read_data(type_name, &config.unmark_deep().0)
            .await
            .map_err(|e| e.to_diagnostic(&addr.to_string()))?;
        return Ok(Some(finish_value(schema, config, &v)));
    }
    let req = plan_request(type_name, schema, prior.as_ref(), config);
    let final_plan = provider
        .plan(req.clone())
        .await
        .map_err(|e| e.to_diagnostic(&addr.to_string()))?;
    if let Some(p) = &promised {
        check_consistent(p, &final_plan.planned, addr)?;
    }
    let new = provider
        .apply(ApplyRequest {
            type_name: type_name.to_string(),
            prior: req.prior.clone(),
            planned: Some(final_plan.planned),
            config: req.config.clone(),
            idempotency_key,
        })
        .await
        .map_err(|e| e.to_diagnostic(&addr.to_string()))?;
    if !new.is_wholly_known() {
        return Err(Diagnostic::error(
            "Provider returned invalid result object after apply",
            format!("After applying changes to {addr}, the provider left some values unknown. This is a bug in the provider."),
        ));
    }
    Ok(Some(finish_value(schema, config, &new)))
}

/// Every value the saved plan knew must be what the final plan says.
fn check_consistent(
    promised: &Value,
    final_: &Value,
    addr: &InstanceAddr,
) -> Result<(), Diagnostic> {
    let (p, _) = promised.unmark_deep();
    let (f, _) = final_.unmark_deep();
    if let (Some(pm), Some(fm)) = (p.as_entries(), f.as_entries()) {
        for (k, pv) in pm {
            if !pv.is_wholly_known() {
                continue;
            }
            match fm.get(k) {
                Some(fv) if fv.raw_equal(pv) || (fv.is_null() && pv.is_null()) => {}
                Some(fv) if !fv.is_wholly_known() => {}
                _ => {
                    return Err(Diagnostic::error(
                        "Planned value changed before apply",
                        format!("When applying changes to {addr}, attribute {k:?} was planned as {} but is now {}.", cairn_value::display::console(pv), fm.get(k).map(cairn_value::display::console).unwrap_or_default()),
                    )
                    .with_hint("Something changed since the plan was made; run plan again."));
                }
            }
        }
    }
    Ok(())
}

/// Deletes (phase 1 and 3), dependents first, each group of independent
/// deletes in parallel. `deposed_cbd`: the changes are phase-3 ones, where
/// create_before_destroy replacements delete their deposed object.
async fn run_deletes(
    w: &mut Walker<'_>,
    ctx: &OpCtx,
    changes: &[&Change],
    counters: &mut Counters,
    phase3: bool,
) {
    if changes.is_empty() {
        return;
    }
    // Group by configuration address; order groups so a resource is
    // deleted before the resources it depends on.
    let group_of = |c: &Change| -> String {
        let mut s = String::new();
        for (m, _) in &c.addr.resource.module.0 {
            s.push_str(&format!("module.{m}."));
        }
        if c.addr.resource.mode == Mode::Data {
            s.push_str("data.");
        }
        s.push_str(&c.addr.resource.config_key());
        s
    };
    let mut groups: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
    for c in changes {
        groups.entry(group_of(c)).or_default().push(c);
    }
    // dependents[g] = groups that depend on g (must go first).
    let names: BTreeSet<String> = groups.keys().cloned().collect();
    let mut waiting: BTreeMap<String, BTreeSet<String>> =
        names.iter().map(|n| (n.clone(), BTreeSet::new())).collect();
    for (g, cs) in &groups {
        for c in cs {
            for d in &c.dependencies {
                if names.contains(d) && d != g {
                    if let Some(set) = waiting.get_mut(d) {
                        set.insert(g.clone());
                    }
                }
            }
        }
    }
    let mut done: BTreeSet<String> = BTreeSet::new();
    while done.len() < names.len() {
        if ctx.failed.load(Ordering::SeqCst) {
            return;
        }
        let ready: Vec<String> = waiting
            .iter()
            .filter(|(g, deps)| !done.contains(*g) && deps.iter().all(|d| done.contains(d)))
            .map(|(g, _)| g.clone())
            .collect();
        // A dependency cycle in old state: delete the rest together.
        let ready = if ready.is_empty() {
            names
                .iter()
                .filter(|g| !done.contains(*g))
                .cloned()
                .collect()
        } else {
            ready
        };
        let mut set = tokio::task::JoinSet::new();
        for g in &ready {
            for c in groups.get(g).into_iter().flatten() {
                let c = (*c).clone();
                let cx = ctx.clone();
                let provider = match w.configured.get(&c.provider_key).await {
                    Some(p) => Some(p),
                    None => {
                        let empty = w.registry.get(&c.provider_name).map(|f| {
                            Value::object(cairn_provider::empty_object(&f.schema().provider))
                        });
                        match empty {
                            Some(e) => w
                                .configured
                                .configure(w.registry, c.provider_key.clone(), &c.provider_name, &e)
                                .await
                                .ok(),
                            None => None,
                        }
                    }
                };
                set.spawn(async move {
                    let _permit = cx.sem.acquire_owned().await;
                    let action = Action::Delete;
                    cx.events.event(Event::Started {
                        addr: c.addr.clone(),
                        action,
                    });
                    let t0 = Instant::now();
                    let r = delete_one(provider, &c).await;
                    let deposed = if (phase3 && c.action == Action::Replace) || c.deposed {
                        Some("deposed")
                    } else {
                        None
                    };
                    let r = match r {
                        Ok(()) => cx
                            .sink
                            .remove_instance(&c.addr, deposed)
                            .await
                            .map_err(|e| Diagnostic::error("Failed to save state", e)),
                        Err(d) => Err(d),
                    };
                    cx.events.event(Event::Finished {
                        addr: c.addr.clone(),
                        action,
                        elapsed: t0.elapsed(),
                        error: r
                            .as_ref()
                            .err()
                            .map(|d| format!("{}: {}", d.summary, d.detail)),
                    });
                    if r.is_err() {
                        cx.failed.store(true, Ordering::SeqCst);
                    }
                    (c, r)
                });
            }
        }
        while let Some(j) = set.join_next().await {
            match j {
                Ok((c, Ok(()))) => {
                    if c.action == Action::Delete && c.addr.resource.mode == Mode::Managed {
                        counters.destroyed += 1;
                    }
                    if c.action == Action::Replace {
                        counters.destroyed += 1;
                    }
                    counters.completed.push((c.addr.clone(), Action::Delete));
                }
                Ok((c, Err(d))) => w.diags.push(d.with_address(c.addr.to_string())),
                Err(e) => w
                    .diags
                    .push(Diagnostic::error("Operation task failed", e.to_string())),
            }
        }
        done.extend(ready);
    }
}

async fn delete_one(provider: Option<Arc<dyn Provider>>, c: &Change) -> Result<(), Diagnostic> {
    if c.addr.resource.mode == Mode::Data {
        return Ok(());
    }
    let Some(provider) = provider else {
        return Err(Diagnostic::error(
            "Provider not available",
            format!(
                "cannot delete {}: provider {:?} is not available",
                c.addr, c.provider_name
            ),
        ));
    };
    let before = c.before.as_ref().map(|b| b.unmark_deep().0);
    provider
        .apply(ApplyRequest {
            type_name: c.addr.resource.type_name.clone(),
            prior: before,
            planned: None,
            config: Value::dynamic_null(),
            idempotency_key: None,
        })
        .await
        .map(|_| ())
        .map_err(|e| e.to_diagnostic(&c.addr.to_string()))
}
