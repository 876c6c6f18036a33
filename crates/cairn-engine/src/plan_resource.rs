//! Planning one resource block (all its instances) and the orphans.

use std::collections::{BTreeMap, HashSet};

use cairn_diagnostics::Diagnostic;
use cairn_eval::Evaluator;
use cairn_graph::expand::Expansion;
use cairn_graph::{Kind, NodeId};
use cairn_value::Value;

use crate::addr::{InstanceAddr, Key, Mode};
use crate::decode::decode_body;
use crate::model::{Action, Change, Plan, Prior};
use crate::moved::Moved;
use crate::plan::{
    apply_ignore_changes, drift_of, finish_value, plan_request, resource_addr, unknown_data,
    PlanOptions, Walker,
};
use crate::values::{Bindings, Scope};

/// Plans every instance of resource node `id` in every instance of its
/// module. `skip` (outside `-target`) keeps prior values without changes.
#[allow(clippy::too_many_arguments)]
pub async fn plan_resource(
    w: &mut Walker<'_>,
    id: &NodeId,
    prior: &mut Prior,
    plan: &mut Plan,
    visited: &mut HashSet<InstanceAddr>,
    deps: &[String],
    opts: &PlanOptions,
    skip: bool,
    moved: &Moved,
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
        .resource_schema(&provider_local_name(r), &r.type_name, data)
    {
        Ok(s) => s.clone(),
        Err(d) => {
            w.diags
                .push(d.with_span(r.decl_span.clone()).with_address(r.address()));
            return;
        }
    };
    let Some((provider, provider_key, provider_name)) = w.provider_for(&id.module, r).await else {
        return;
    };
    let instances = w.values.instances_of(&id.module);
    for mi in instances {
        let raddr = resource_addr(&mi, id.kind, r);
        if skip {
            // Outside -target: keep what state has, evaluate nothing.
            let mut vals: BTreeMap<Key, Value> = BTreeMap::new();
            for (a, p) in prior.instances.iter().filter(|(a, _)| a.resource == raddr) {
                visited.insert(a.clone());
                vals.insert(a.key.clone(), p.value.clone());
            }
            let exp = match vals.keys().next() {
                Some(Key::Int(_)) => Expansion::Count(vals.len() as i64),
                Some(Key::Str(_)) => Expansion::ForEach(
                    vals.iter()
                        .filter_map(|(k, v)| match k {
                            Key::Str(s) => Some((s.clone(), v.clone())),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => Expansion::Single,
            };
            let agg = Walker::aggregate(&exp, &vals);
            w.values.resources.insert(raddr, agg);
            continue;
        }
        let exp = w.expansion(
            &mi,
            r.count.as_ref(),
            r.for_each.as_ref(),
            &raddr.to_string(),
        );
        let mut vals: BTreeMap<Key, Value> = BTreeMap::new();
        let keys = w.keys_of(&exp);
        // Refresh this resource's prior instances concurrently first.
        let mut refreshed: BTreeMap<InstanceAddr, Option<Value>> = BTreeMap::new();
        if !data && !opts.skip_refresh && !opts.destroy && !opts.offline {
            let addrs: Vec<InstanceAddr> = keys
                .iter()
                .map(|k| raddr.instance(Key::from(k)))
                .filter(|a| prior.instances.contains_key(a))
                .collect();
            let mut set = tokio::task::JoinSet::new();
            let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(opts.parallelism.max(1)));
            for a in addrs {
                let Some(p) = prior.instances.get(&a) else {
                    continue;
                };
                let (pv, _) = p.value.unmark_deep();
                let prov = provider.clone();
                let tn = r.type_name.clone();
                let sem = sem.clone();
                set.spawn(async move {
                    let _permit = sem.acquire_owned().await;
                    let res = prov.read(&tn, &pv).await;
                    (a, res)
                });
            }
            while let Some(j) = set.join_next().await {
                match j {
                    Ok((a, Ok(v))) => {
                        refreshed.insert(a, v);
                    }
                    Ok((a, Err(e))) => w.diags.push(e.to_diagnostic(&a.to_string())),
                    Err(e) => w
                        .diags
                        .push(Diagnostic::error("Refresh task failed", e.to_string())),
                }
            }
        }
        for k in &keys {
            let key = Key::from(k);
            let addr = raddr.instance(key.clone());
            visited.insert(addr.clone());
            let each_value = match &exp {
                Expansion::ForEach(m) => match &key {
                    Key::Str(s) => m.get(s).cloned(),
                    _ => None,
                },
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
            let prior_inst = prior.instances.get(&addr).cloned();
            if skip || opts.destroy {
                let v = prior_inst
                    .as_ref()
                    .map(|p| p.value.clone())
                    .unwrap_or_else(Value::dynamic_unknown);
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
                    vals.insert(key, Value::dynamic_unknown());
                    continue;
                }
            };
            let mut invalid = false;
            let plain = config.unmark_deep().0;
            let found = if data {
                provider.validate_data_source(&r.type_name, &plain)
            } else {
                provider.validate_resource(&r.type_name, &plain)
            };
            for d in found {
                invalid |= d.is_error();
                w.diags.push(
                    d.with_span(r.decl_span.clone())
                        .with_address(addr.to_string()),
                );
            }
            for c in &r.lifecycle.preconditions {
                w.check_rule(&mi, bind.clone(), c, &addr.to_string());
            }
            if data && invalid {
                // A configuration the provider rejected is not read: the
                // read would only repeat the validation error.
                vals.insert(key, Value::dynamic_unknown());
                continue;
            }
            if data {
                let v = if config.is_wholly_known()
                    && (!w.offline || provider.reads_offline(&r.type_name))
                {
                    match provider
                        .read_data(&r.type_name, &config.unmark_deep().0)
                        .await
                    {
                        Ok(v) => {
                            let v = finish_value(&schema, &config, &v);
                            plan.data.insert(addr.clone(), v.clone());
                            v
                        }
                        Err(e) => {
                            w.diags.push(
                                e.to_diagnostic(&addr.to_string())
                                    .with_span(r.decl_span.clone()),
                            );
                            Value::dynamic_unknown()
                        }
                    }
                } else {
                    let v = finish_value(
                        &schema,
                        &config,
                        &unknown_data(&schema, &config.unmark_deep().0),
                    );
                    plan.changes.push(Change {
                        addr: addr.clone(),
                        action: Action::Read,
                        before: None,
                        after: Some(v.clone()),
                        replace_paths: Vec::new(),
                        reason: Some("config refers to values not yet known".into()),
                        create_before_destroy: false,
                        dependencies: deps.to_vec(),
                        provider_key: provider_key.clone(),
                        provider_name: provider_name.clone(),
                        importing: None,
                        moved_from: None,
                        deposed: false,
                    });
                    v
                };
                vals.insert(key, v);
                continue;
            }
            // Import blocks: read the object now, apply records it.
            let mut importing = None;
            let mut prior_value = prior_inst.as_ref().map(|p| p.value.clone());
            if let Some(r2) = refreshed.get(&addr) {
                if let Some(pv) = &prior_value {
                    if let Some(dft) = drift_of(
                        &addr,
                        &pv.unmark_deep().0,
                        r2.as_ref().map(|x| x.unmark_deep().0).as_ref(),
                    ) {
                        plan.drift.push(crate::model::Drift {
                            addr: dft.addr,
                            before: pv.clone(),
                            after: r2.as_ref().map(|x| finish_value(&schema, &config, x)),
                        });
                    }
                }
                prior_value = r2.as_ref().map(|x| finish_value(&schema, &config, x));
            }
            if prior_value.is_none() {
                if let Some(import_id) = crate::moved::import_id_for(w, &addr, moved) {
                    match provider.import(&r.type_name, &import_id).await {
                        Ok(v) => {
                            let v = match provider.read(&r.type_name, &v).await {
                                Ok(Some(x)) => x,
                                Ok(None) => {
                                    w.diags.push(Diagnostic::error(
                                        "Cannot import non-existent remote object",
                                        format!("While attempting to import an existing object to {addr}, the provider detected that no object exists with the given id {import_id:?}."),
                                    ));
                                    continue;
                                }
                                Err(e) => {
                                    w.diags.push(e.to_diagnostic(&addr.to_string()));
                                    continue;
                                }
                            };
                            prior_value = Some(finish_value(&schema, &config, &v));
                            importing = Some(import_id);
                        }
                        Err(e) => {
                            w.diags.push(e.to_diagnostic(&addr.to_string()));
                            continue;
                        }
                    }
                }
            }
            let config_for_plan = match &prior_value {
                Some(pv) => apply_ignore_changes(&r.lifecycle.ignore_changes, &schema, &config, pv),
                None => config.clone(),
            };
            let req = plan_request(
                &r.type_name,
                &schema,
                prior_value.as_ref(),
                &config_for_plan,
            );
            let resp = match provider.plan(req).await {
                Ok(x) => x,
                Err(e) => {
                    w.diags.push(
                        e.to_diagnostic(&addr.to_string())
                            .with_span(r.decl_span.clone()),
                    );
                    vals.insert(key, Value::dynamic_unknown());
                    continue;
                }
            };
            let tainted = prior_inst.as_ref().is_some_and(|p| p.tainted);
            let forced = opts
                .replace
                .iter()
                .any(|a| a == &addr || (a.key.is_none() && a.resource == raddr && key.is_none()));
            let mut planned = finish_value(&schema, &config, &resp.planned);
            let (action, reason) = match &prior_value {
                None => (Action::Create, None),
                Some(pv) => {
                    if tainted || forced || !resp.requires_replace.is_empty() {
                        let reason = if forced {
                            Some("replacement requested with -replace".to_string())
                        } else if tainted {
                            Some("the object is tainted, so must be replaced".to_string())
                        } else {
                            None
                        };
                        if forced || tainted {
                            // Plan the new object from scratch.
                            let req = plan_request(&r.type_name, &schema, None, &config);
                            if let Ok(x) = provider.plan(req).await {
                                planned = finish_value(&schema, &config, &x.planned);
                            }
                        }
                        (Action::Replace, reason)
                    } else if pv.unmark_deep().0.raw_equal(&planned.unmark_deep().0) {
                        (Action::NoOp, None)
                    } else {
                        (Action::Update, None)
                    }
                }
            };
            let cbd = match &r.lifecycle.create_before_destroy {
                Some(e) => w
                    .eval(&mi, bind.clone(), e)
                    .ok()
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                None => false,
            };
            if action == Action::Replace && prevent_destroy(w, &mi, r) {
                w.diags.push(prevent_destroy_error(&addr.to_string(), r));
            }
            let value_for_refs = if action == Action::NoOp {
                prior_value.clone().unwrap_or_else(|| planned.clone())
            } else {
                planned.clone()
            };
            vals.insert(key, value_for_refs);
            plan.changes.push(Change {
                addr: addr.clone(),
                action,
                before: prior_value,
                after: Some(planned),
                replace_paths: resp.requires_replace,
                reason,
                create_before_destroy: cbd,
                dependencies: deps.to_vec(),
                provider_key: provider_key.clone(),
                provider_name: provider_name.clone(),
                importing,
                moved_from: moved.from_for(&addr),
                deposed: false,
            });
        }
        let agg = Walker::aggregate(&exp, &vals);
        w.values.resources.insert(raddr, agg);
    }
}

fn provider_local_name(r: &cairn_config::Resource) -> String {
    r.provider_name()
}

fn prevent_destroy(
    w: &mut Walker<'_>,
    mi: &crate::addr::ModuleInstance,
    r: &cairn_config::Resource,
) -> bool {
    match &r.lifecycle.prevent_destroy {
        Some(e) => w
            .eval(mi, Bindings::default(), e)
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        None => false,
    }
}

fn prevent_destroy_error(addr: &str, r: &cairn_config::Resource) -> Diagnostic {
    Diagnostic::error(
        "Instance cannot be destroyed",
        format!("Resource {addr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed."),
    )
    .with_span(r.lifecycle.prevent_destroy.as_ref().and_then(|e| e.span()).or(r.decl_span.clone()))
    .with_address(addr.to_string())
    .with_hint("To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag.")
}

/// Deletes for prior instances the configuration no longer has (or all of
/// them for a destroy plan).
pub fn plan_orphans(
    w: &mut Walker<'_>,
    prior: &Prior,
    plan: &mut Plan,
    visited: &HashSet<InstanceAddr>,
    opts: &PlanOptions,
    targets: Option<&HashSet<NodeId>>,
) {
    let tree = w.tree;
    for (addr, p) in &prior.instances {
        if !opts.destroy && visited.contains(addr) {
            continue;
        }
        let path = addr.resource.module.config_path();
        let kind = if addr.resource.mode == Mode::Data {
            Kind::Data
        } else {
            Kind::Resource
        };
        let node = NodeId {
            module: path.clone(),
            kind,
            name: addr.resource.config_key(),
        };
        if let Some(t) = targets {
            let instance_targeted = opts
                .targets
                .iter()
                .any(|a| a == addr || (a.key.is_none() && a.resource == addr.resource));
            if !t.contains(&node) && !instance_targeted {
                continue;
            }
        }
        if addr.resource.mode == Mode::Data {
            // Data sources are not destroyed; they just leave state.
            plan.changes.push(Change {
                addr: addr.clone(),
                action: Action::Delete,
                before: Some(p.value.clone()),
                after: None,
                replace_paths: Vec::new(),
                reason: Some("data source no longer in configuration".into()),
                create_before_destroy: false,
                dependencies: p.dependencies.clone(),
                provider_key: p.provider_key.clone(),
                provider_name: p.provider_name.clone(),
                importing: None,
                moved_from: None,
                deposed: false,
            });
            continue;
        }
        let module = tree.get(&path);
        let res = module.and_then(|m| m.resources.get(&addr.resource.config_key()));
        let reason = if opts.destroy {
            None
        } else if module.is_none() || !w.values.instances_of(&path).contains(&addr.resource.module)
        {
            Some(format!("{} is not in configuration", addr.resource.module))
        } else if res.is_none() {
            Some(format!("{} is not in configuration", addr.resource))
        } else {
            match &addr.key {
                Key::Int(i) => Some(format!("index [{i}] is out of range for count")),
                Key::Str(s) => Some(format!(
                    "key [{}] is not in for_each map",
                    cairn_value::display::quote(s)
                )),
                Key::None => Some(format!("{} now has count or for_each set", addr.resource)),
            }
        };
        if opts.destroy {
            if let Some(r) = res {
                let mi = addr.resource.module.clone();
                if prevent_destroy(w, &mi, r) {
                    w.diags.push(prevent_destroy_error(&addr.to_string(), r));
                }
            }
        }
        plan.changes.push(Change {
            addr: addr.clone(),
            action: Action::Delete,
            before: Some(p.value.clone()),
            after: None,
            replace_paths: Vec::new(),
            reason,
            create_before_destroy: false,
            dependencies: p.dependencies.clone(),
            provider_key: p.provider_key.clone(),
            provider_name: p.provider_name.clone(),
            importing: None,
            moved_from: None,
            deposed: false,
        });
    }
    // Deposed objects are always deleted (they are in no configuration).
    for (addr, p) in &prior.deposed {
        plan.changes.push(Change {
            addr: addr.clone(),
            action: Action::Delete,
            before: Some(p.value.clone()),
            after: None,
            replace_paths: Vec::new(),
            reason: Some(
                "deposed object left by an interrupted create_before_destroy replacement".into(),
            ),
            create_before_destroy: false,
            dependencies: p.dependencies.clone(),
            provider_key: p.provider_key.clone(),
            provider_name: p.provider_name.clone(),
            importing: None,
            moved_from: None,
            deposed: true,
        });
    }
}
