//! The values of configuration objects during a walk, per module instance,
//! and the resolver that reads them.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use cairn_config::ModuleTree;
use cairn_diagnostics::{Diagnostic, Span};
use cairn_eval::{Mode as RefMode, Reference, Resolver};
use cairn_graph::expand::Expansion;
use cairn_value::{Type, Value};

use crate::addr::{Key, Mode, ModuleInstance, ResourceAddr};

/// What the walk knows so far.
#[derive(Default)]
pub struct Values {
    pub vars: HashMap<(ModuleInstance, String), Value>,
    pub locals: HashMap<(ModuleInstance, String), Value>,
    pub outputs: HashMap<(ModuleInstance, String), Value>,
    /// Each resource's value as references see it: one object, a tuple
    /// (count) or an object keyed by for_each key.
    pub resources: HashMap<ResourceAddr, Value>,
    /// Module call expansions: (calling module instance, call name).
    pub calls: HashMap<(ModuleInstance, String), Expansion>,
    /// The instances of each configured module path.
    pub module_instances: HashMap<Vec<String>, Vec<ModuleInstance>>,
    /// The working directory: `path.cwd`, and the base that `path.module`
    /// and `path.root` are relative to (as in Terraform).
    pub cwd: PathBuf,
    pub workspace: String,
}

/// A directory as `path.module` shows it: relative to the working
/// directory when inside it, `.` for the working directory itself.
pub fn rel_dir(dir: &std::path::Path, cwd: &std::path::Path) -> String {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        cwd.join(dir)
    };
    let mut parts: Vec<std::path::Component> = Vec::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let norm: PathBuf = parts.iter().collect();
    match norm.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.to_string_lossy().to_string(),
        Err(_) => norm.to_string_lossy().to_string(),
    }
}

/// Per-evaluation bindings: `count.index`, `each.*`, `self`.
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    pub key: Option<Key>,
    pub each_value: Option<Value>,
    pub self_value: Option<Value>,
}

/// Resolves references in one module instance.
pub struct Scope<'a> {
    pub tree: &'a ModuleTree,
    pub values: &'a Values,
    pub module: &'a ModuleInstance,
    pub bind: Bindings,
}

impl Values {
    pub fn instances_of(&self, path: &[String]) -> Vec<ModuleInstance> {
        self.module_instances.get(path).cloned().unwrap_or_default()
    }

    /// The object of a module instance's outputs.
    fn module_object(&self, tree: &ModuleTree, mi: &ModuleInstance) -> Value {
        let path = mi.config_path();
        let Some(m) = tree.get(&path) else {
            return Value::dynamic_unknown();
        };
        let mut out = BTreeMap::new();
        for name in m.outputs.keys() {
            let v = self
                .outputs
                .get(&(mi.clone(), name.clone()))
                .cloned()
                .unwrap_or_else(Value::dynamic_unknown);
            out.insert(name.clone(), v);
        }
        Value::object(out)
    }

    /// The value of `module.NAME` seen from `from`.
    pub fn module_value(&self, tree: &ModuleTree, from: &ModuleInstance, name: &str) -> Value {
        match self.calls.get(&(from.clone(), name.to_string())) {
            None | Some(Expansion::Unknown) => Value::dynamic_unknown(),
            Some(Expansion::Single) => self.module_object(tree, &from.child(name, Key::None)),
            Some(Expansion::Count(n)) => Value::tuple(
                (0..*n)
                    .map(|i| self.module_object(tree, &from.child(name, Key::Int(i))))
                    .collect(),
            ),
            Some(Expansion::ForEach(m)) => Value::object(
                m.keys()
                    .map(|k| {
                        (
                            k.clone(),
                            self.module_object(tree, &from.child(name, Key::Str(k.clone()))),
                        )
                    })
                    .collect(),
            ),
        }
    }
}

impl Resolver for Scope<'_> {
    fn resolve(&self, r: &Reference, span: Option<&Span>) -> Result<Value, Diagnostic> {
        let v = self.values;
        let not_available = |what: &str| {
            Diagnostic::error(
                "Reference not available",
                format!("{what} is not available here."),
            )
            .with_span(span.cloned())
        };
        Ok(match r {
            Reference::Var(n) => v
                .vars
                .get(&(self.module.clone(), n.clone()))
                .cloned()
                .unwrap_or_else(Value::dynamic_unknown),
            Reference::Local(n) => v
                .locals
                .get(&(self.module.clone(), n.clone()))
                .cloned()
                .unwrap_or_else(Value::dynamic_unknown),
            Reference::Module(n) => v.module_value(self.tree, self.module, n),
            Reference::Resource {
                mode,
                type_name,
                name,
            } => {
                let addr = ResourceAddr {
                    module: self.module.clone(),
                    mode: match mode {
                        RefMode::Managed => Mode::Managed,
                        RefMode::Data => Mode::Data,
                    },
                    type_name: type_name.clone(),
                    name: name.clone(),
                };
                v.resources
                    .get(&addr)
                    .cloned()
                    .unwrap_or_else(Value::dynamic_unknown)
            }
            Reference::CountIndex => match &self.bind.key {
                Some(Key::Int(i)) => Value::int(*i),
                Some(_) => return Err(not_available("count.index")),
                None => Value::unknown(Type::Number),
            },
            Reference::EachKey => match &self.bind.key {
                Some(Key::Str(s)) => Value::string(s.as_str()),
                Some(_) => return Err(not_available("each.key")),
                None => Value::unknown(Type::String),
            },
            Reference::EachValue => self
                .bind
                .each_value
                .clone()
                .unwrap_or_else(Value::dynamic_unknown),
            Reference::SelfRef => self
                .bind
                .self_value
                .clone()
                .unwrap_or_else(Value::dynamic_unknown),
            Reference::Path(p) => {
                let s = match p.as_str() {
                    "cwd" => v.cwd.to_string_lossy().to_string(),
                    "root" => self
                        .tree
                        .root()
                        .map(|m| rel_dir(&m.dir, &v.cwd))
                        .unwrap_or_else(|| ".".into()),
                    _ => self
                        .tree
                        .get(&self.module.config_path())
                        .map(|m| rel_dir(&m.dir, &v.cwd))
                        .unwrap_or_else(|| ".".into()),
                };
                Value::string(s)
            }
            Reference::TerraformWorkspace => Value::string(v.workspace.as_str()),
        })
    }
}
