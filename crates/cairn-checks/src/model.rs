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
        let lits = literals.of(&c.addr.resource);
        instances.push(Instance {
            address: c.addr.to_string(),
            resource: resource_address(&c.addr.resource),
            type_name: r.type_name.clone(),
            values: unmark_literals(after, lits),
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
