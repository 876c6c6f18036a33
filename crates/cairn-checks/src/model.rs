//! The checkers' view of a plan.

use std::collections::{BTreeSet, HashMap};

use cairn_config::ModuleTree;
use cairn_engine::{Action, Mode, Plan, Registry};
use cairn_lint::{Instance, Model};
use cairn_value::Value;

/// Every instance the plan leaves in place or creates (with its planned
/// values), every provider configuration (type `provider`), and every
/// sensitive variable's default (type `variable`), so credentials written
/// anywhere in the configuration are seen.
///
/// Planned values carry a sensitive mark both when they come from a secret
/// source (a sensitive variable, a secret data source) and when the
/// provider's schema declares the attribute sensitive. Only the first kind
/// is "not hardcoded": an argument whose expression is a literal (it
/// refers to nothing) is unmarked here, so `password = "changeme"` is
/// checked like any other literal.
pub fn model(plan: &Plan, registry: &Registry, tree: &ModuleTree) -> Model {
    let mut instances = Vec::with_capacity(plan.changes.len() + plan.provider_configs.len());
    let mut literals = Literals::new(tree);
    for c in &plan.changes {
        if c.action == Action::Delete || c.deposed {
            continue;
        }
        let Some(after) = &c.after else {
            continue;
        };
        let r = &c.addr.resource;
        let data = r.mode == Mode::Data;
        let taggable = !data
            && registry
                .resource_schema(&c.provider_name, &r.type_name, false)
                .is_ok_and(|s| s.block.attributes.contains_key("tags"));
        let schema = registry
            .resource_schema(&c.provider_name, &r.type_name, data)
            .ok();
        let body = literals.body(&c.addr.resource);
        let settled = match (schema, body) {
            (Some(s), Some(b)) => settle_unset(after, &s.block, b),
            _ => after.clone(),
        };
        let lits = literals.of(&c.addr.resource);
        instances.push(Instance {
            address: c.addr.to_string(),
            resource: resource_address(&c.addr.resource),
            type_name: r.type_name.clone(),
            values: unmark_literals(&settled, lits),
            dependencies: c.dependencies.clone(),
            taggable,
        });
    }
    for ((module, name), v) in &plan.provider_configs {
        let prefix: String = module.iter().map(|m| format!("module.{m}.")).collect();
        let addr = format!("{prefix}provider.{name}");
        instances.push(Instance {
            address: addr.clone(),
            resource: addr,
            type_name: "provider".into(),
            values: v.clone(),
            dependencies: Vec::new(),
            taggable: false,
        });
    }
    instances.extend(sensitive_defaults(tree));
    Model { instances }
}

/// Sensitive variables with a literal default: the default is in the code.
fn sensitive_defaults(tree: &ModuleTree) -> Vec<Instance> {
    let funcs = cairn_functions::Registry::standard();
    let ctx = literal_ctx();
    let ev = cairn_eval::Evaluator::new(&cairn_eval::NoReferences, &funcs, &ctx);
    let mut out = Vec::new();
    for (path, node) in &tree.nodes {
        let prefix: String = path.iter().map(|m| format!("module.{m}.")).collect();
        for (name, var) in &node.module.variables {
            let Some(default) = var.default.as_ref().filter(|_| var.sensitive) else {
                continue;
            };
            let Ok(v) = ev.eval(default) else {
                continue;
            };
            let addr = format!("{prefix}var.{name}");
            let mut m = std::collections::BTreeMap::new();
            m.insert(name.clone(), v.unmark_deep().0);
            out.push(Instance {
                address: addr.clone(),
                resource: addr,
                type_name: "variable".into(),
                values: Value::object(m),
                dependencies: Vec::new(),
                taggable: false,
            });
        }
    }
    out
}

fn literal_ctx() -> cairn_functions::Context {
    cairn_functions::Context {
        base_dir: std::path::PathBuf::new(),
        plan_time: false,
        template: None,
    }
}

/// The top-level arguments of each resource block whose expression is a
/// literal, computed once per block.
struct Literals<'t> {
    tree: &'t ModuleTree,
    funcs: cairn_functions::Registry,
    ctx: cairn_functions::Context,
    cache: HashMap<(Vec<String>, Mode, String), BTreeSet<String>>,
}

impl<'t> Literals<'t> {
    fn new(tree: &'t ModuleTree) -> Self {
        Literals {
            tree,
            funcs: cairn_functions::Registry::standard(),
            ctx: literal_ctx(),
            cache: HashMap::new(),
        }
    }

    /// The body of the resource block.
    fn body(&self, r: &cairn_engine::ResourceAddr) -> Option<&'t cairn_config::Body> {
        let m = self.tree.get(&r.module.config_path())?;
        let key = format!("{}.{}", r.type_name, r.name);
        let block = match r.mode {
            Mode::Managed => m.resources.get(&key),
            Mode::Data => m.data.get(&key),
        }?;
        Some(&block.body)
    }

    fn of(&mut self, r: &cairn_engine::ResourceAddr) -> &BTreeSet<String> {
        let key = (
            r.module.config_path(),
            r.mode,
            format!("{}.{}", r.type_name, r.name),
        );
        let tree = self.tree;
        let (funcs, ctx) = (&self.funcs, &self.ctx);
        self.cache
            .entry(key)
            .or_insert_with_key(|(path, mode, name)| {
                let Some(m) = tree.get(path) else {
                    return BTreeSet::new();
                };
                let block = match mode {
                    Mode::Managed => m.resources.get(name),
                    Mode::Data => m.data.get(name),
                };
                let Some(block) = block else {
                    return BTreeSet::new();
                };
                let ev = cairn_eval::Evaluator::new(&cairn_eval::NoReferences, funcs, ctx);
                block
                    .body
                    .attrs
                    .values()
                    .filter(|a| ev.eval(&a.expr).is_ok())
                    .map(|a| a.name.clone())
                    .collect()
            })
    }
}

/// Optional arguments and blocks the configuration does not set are
/// planned as unknown when the provider computes them; for the checks,
/// not setting them is the answer (`metadata_options` absent means the
/// AMI's default, IMDSv1 allowed), so they read as null. Computed-only
/// attributes (`id`, `arn`) stay unknown. One level of single nested
/// blocks written once (`root_block_device { ... }`) is settled too.
fn settle_unset(v: &Value, schema: &cairn_provider::Schema, body: &cairn_config::Body) -> Value {
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    let mut out: Option<std::collections::BTreeMap<String, Value>> = None;
    for (name, x) in m.iter() {
        let written = body.attrs.contains_key(name)
            || body.blocks.iter().any(|b| &b.type_name == name)
            || body.dynamic_blocks.iter().any(|d| &d.type_name == name);
        let replacement = if x.is_unknown() && !written {
            let unset_ok = schema
                .attributes
                .get(name)
                .is_some_and(|a| a.optional && a.computed)
                || schema.blocks.contains_key(name);
            unset_ok.then(|| Value::null(x.ty()))
        } else if let (Some(nested), Some(items)) = (schema.blocks.get(name), x.as_seq()) {
            let blocks: Vec<&cairn_config::Block> = body
                .blocks
                .iter()
                .filter(|b| &b.type_name == name)
                .collect();
            let dynamic = body.dynamic_blocks.iter().any(|d| &d.type_name == name);
            match (items, blocks.as_slice()) {
                ([one], [b]) if !dynamic => {
                    let settled = settle_unset(one, &nested.block, &b.body);
                    (!settled.raw_equal(one)).then(|| rebuild_seq(x, vec![settled]))
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some(r) = replacement {
            out.get_or_insert_with(|| (*m).clone())
                .insert(name.clone(), r);
        }
    }
    match out {
        Some(o) => Value::object(o).mark(v.sensitive),
        None => v.clone(),
    }
}

/// A list/set/tuple like `like` with new elements.
fn rebuild_seq(like: &Value, items: Vec<Value>) -> Value {
    match like.ty() {
        cairn_value::Type::Set(t) => Value::set(*t, items),
        cairn_value::Type::List(t) => Value::list(*t, items),
        _ => Value::tuple(items),
    }
    .mark(like.sensitive)
}

/// The value with the marks of the named top-level attributes removed.
fn unmark_literals(v: &Value, names: &BTreeSet<String>) -> Value {
    if names.is_empty() {
        return v.clone();
    }
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    if !names
        .iter()
        .any(|n| m.get(n).is_some_and(|x| x.is_sensitive_deep()))
    {
        return v.clone();
    }
    let mut out: std::collections::BTreeMap<String, Value> = (*m).clone();
    for n in names {
        if let Some(x) = m.get(n) {
            out.insert(n.clone(), x.unmark_deep().0);
        }
    }
    Value::object(out).mark(v.sensitive)
}

/// `module.a.aws_vpc.main`: the address with the module path and without
/// instance keys.
pub fn resource_address(r: &cairn_engine::ResourceAddr) -> String {
    let mut s: String = r
        .module
        .config_path()
        .iter()
        .map(|m| format!("module.{m}."))
        .collect();
    if r.mode == Mode::Data {
        s.push_str("data.");
    }
    s.push_str(&r.type_name);
    s.push('.');
    s.push_str(&r.name);
    s
}
