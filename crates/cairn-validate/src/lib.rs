//! `cairn validate`: everything that can be checked without touching
//! infrastructure, all reported at once.
//!
//! 1. loading: syntax and block structure (cairn-config);
//! 2. the dependency graph: undeclared references, misplaced
//!    `count`/`each`/`self`, cycles (cairn-graph);
//! 3. function calls: unknown functions and wrong argument counts;
//! 4. module interfaces: arguments a module does not declare, required
//!    arguments missing;
//! 5. variables: values from files, flags and environment, converted to
//!    their types, with `validation` blocks;
//! 6. an evaluation of every expression in dependency order, with resources
//!    unknown: type errors in constants, bad `count`/`for_each` values,
//!    sensitive values in unmarked root outputs.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_config::{Loader, ModuleTree};
use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap, Span};
use cairn_eval::{Evaluator, Reference, Resolver};
use cairn_functions::{Context, Registry};
use cairn_graph::{expand, node_exprs, ConfigGraph, Kind, NodeId};
use cairn_value::{Type, Value};
use cairn_vars::CliInput;

/// What `validate` is given besides the directory.
#[derive(Clone, Default)]
pub struct Options {
    /// `-var` and `-var-file` in command-line order.
    pub cli: Vec<CliInput>,
    /// The process environment (for `TF_VAR_`/`CAIRN_VAR_` values).
    pub env: Vec<(String, String)>,
    /// `terraform.workspace`.
    pub workspace: String,
    /// Report missing values of required root variables (Terraform's own
    /// validate does not; plan does).
    pub require_root_vars: bool,
    /// The providers, to check resource and provider blocks against their
    /// schemas. Without it only the language is checked.
    pub registry: Option<cairn_engine::Registry>,
    /// Evaluate the configuration with root variables unknown (of their
    /// types), as Terraform's validate does, so nothing is reported that
    /// depends on particular values (a resource whose `count` is 0 for the
    /// defaults is still checked, and not falsely). Variable values are
    /// still checked against types and validation blocks.
    pub unknown_variables: bool,
    /// Configuration files to read instead of the disk (rollback to a
    /// configuration kept with an old state version).
    pub overlay: Option<std::sync::Arc<cairn_config::Overlay>>,
}

/// The result: diagnostics and the sources they point into.
pub struct Outcome {
    pub diags: Diagnostics,
    pub sources: SourceMap,
    pub tree: Option<ModuleTree>,
    /// What the walk computed: variables, locals and outputs that do not
    /// depend on resources (for `console`).
    pub values: Values,
    /// The root variables' final values (converted, defaulted, validated).
    pub root_vars: BTreeMap<String, Value>,
}

impl Outcome {
    /// A resolver for expressions typed at the console, in the root module.
    pub fn root_scope(&self) -> Option<Scope<'_>> {
        self.tree.as_ref().map(|tree| Scope {
            tree,
            vals: &self.values,
            module: &[],
            strict: true,
        })
    }
}

/// Validates the configuration in `dir`.
pub fn validate(dir: &Path, opts: &Options) -> Outcome {
    let mut loader = Loader::new(dir);
    if let Some(o) = &opts.overlay {
        loader = loader.with_overlay(o.clone());
    }
    let (tree, mut diags) = loader.load_tree(dir);
    let Some(tree) = tree else {
        let sources = loader.sources().clone();
        return Outcome {
            diags: sorted(diags),
            sources,
            tree: None,
            values: Values::default(),
            root_vars: BTreeMap::new(),
        };
    };
    let funcs = Arc::new(Registry::standard());
    let ctx = cairn_eval::context_with_templates(
        Context {
            base_dir: dir.to_path_buf(),
            plan_time: true,
            template: None,
        },
        funcs.clone(),
    );

    let (graph, d) = cairn_graph::build(&tree);
    diags.extend(d);
    let cycles = graph.cycle_diagnostics(&tree);
    let has_cycles = !cycles.is_empty();
    diags.extend(cycles);

    for i in graph.graph.node_indices() {
        for u in node_exprs(&tree, &graph.graph[i]) {
            for d in cairn_eval::static_check::check_calls(u.expr, &funcs) {
                diags.push(d);
            }
        }
    }
    diags.extend(module_interfaces(&tree));

    // Root variables.
    let mut root_vars = BTreeMap::new();
    if let Some(root) = tree.root() {
        let (given, d) = cairn_vars::gather_root(
            &loader,
            root,
            dir,
            &opts.cli,
            opts.env.clone(),
            &funcs,
            &ctx,
        );
        diags.extend(d);
        let (values, d) = cairn_vars::root_values(root, &given, &funcs, &ctx);
        for x in d.iter() {
            if x.summary == "No value for required variable" && !opts.require_root_vars {
                // A module checked on its own: say it, plan will require it.
                let mut w = x.clone();
                w.severity = cairn_diagnostics::Severity::Warning;
                diags.push(w);
                continue;
            }
            diags.push(x.clone());
        }
        root_vars = values;
    }

    let mut vals = Values {
        values: HashMap::new(),
        root_dir: dir.to_path_buf(),
        workspace: if opts.workspace.is_empty() {
            "default".into()
        } else {
            opts.workspace.clone()
        },
    };
    // Evaluation needs an order; with cycles there is none.
    if !has_cycles {
        let mut w = Walk {
            tree: &tree,
            graph: &graph,
            funcs: &funcs,
            ctx: &ctx,
            vals: vals.clone(),
            diags: Diagnostics::new(),
            registry: opts.registry.as_ref(),
            warned_providers: Default::default(),
            unknown_variables: opts.unknown_variables,
        };
        for (n, v) in root_vars.clone() {
            let v = if opts.unknown_variables {
                // The declared type (not the value's): `any` stays any.
                let decl = tree.root().and_then(|m| m.variables.get(&n));
                let sensitive = decl.is_some_and(|var| var.sensitive);
                let ty = decl.map(|var| var.ty()).unwrap_or_else(|| v.ty());
                Value::unknown(ty).mark(sensitive)
            } else {
                v
            };
            w.vals.values.insert(
                NodeId {
                    module: Vec::new(),
                    kind: Kind::Variable,
                    name: n,
                },
                v,
            );
        }
        w.run();
        diags.extend(w.diags);
        vals = w.vals;
    }
    let sources = loader.sources().clone();
    Outcome {
        diags: sorted(diags),
        sources,
        tree: Some(tree),
        values: vals,
        root_vars,
    }
}

fn sorted(mut d: Diagnostics) -> Diagnostics {
    d.sort_dedup();
    d
}

/// Module call arguments against the called module's variables.
fn module_interfaces(tree: &ModuleTree) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for (path, node) in &tree.nodes {
        for (name, call) in &node.module.module_calls {
            let mut child_path = path.clone();
            child_path.push(name.clone());
            let Some(child) = tree.get(&child_path) else {
                continue;
            };
            for (arg, a) in &call.inputs {
                if !child.variables.contains_key(arg) {
                    diags.push(
                        Diagnostic::error(
                            "Unsupported argument",
                            format!("An argument named {arg:?} is not expected here."),
                        )
                        .with_span(a.name_span.clone().or(a.span.clone()))
                        .with_hint(format!(
                            "module.{name} ({}) declares no variable {arg:?}; its variables are: {}.",
                            call.source,
                            child.variables.keys().cloned().collect::<Vec<_>>().join(", ")
                        )),
                    );
                }
            }
            for (vname, v) in &child.variables {
                if v.default.is_none() && !call.inputs.contains_key(vname) {
                    diags.push(
                        Diagnostic::error(
                            "Missing required argument",
                            format!("The argument {vname:?} is required, but no definition was found."),
                        )
                        .with_span(call.decl_span.clone())
                        .with_hint(format!("module.{name} needs {vname} = <value>: variable {vname:?} in {} has no default.", call.source)),
                    );
                }
            }
        }
    }
    diags
}

/// The evaluation walk.
struct Walk<'a> {
    tree: &'a ModuleTree,
    graph: &'a ConfigGraph,
    funcs: &'a Registry,
    ctx: &'a Context,
    vals: Values,
    diags: Diagnostics,
    registry: Option<&'a cairn_engine::Registry>,
    warned_providers: std::collections::BTreeSet<String>,
    unknown_variables: bool,
}

/// The values computed for configuration objects (resources are unknown).
#[derive(Clone, Debug, Default)]
pub struct Values {
    pub values: HashMap<NodeId, Value>,
    pub root_dir: PathBuf,
    pub workspace: String,
}

/// Resolves references in one module, from the values computed so far.
pub struct Scope<'w> {
    pub tree: &'w ModuleTree,
    pub vals: &'w Values,
    pub module: &'w [String],
    /// Report references to undeclared objects (the console); the walk
    /// leaves that to the graph, which has already reported them.
    pub strict: bool,
}

impl Resolver for Scope<'_> {
    fn resolve(&self, r: &Reference, _span: Option<&Span>) -> Result<Value, Diagnostic> {
        let w = self.vals;
        let tree = self.tree;
        if self.strict {
            self.check_declared(r, _span)?;
        }
        let get = |kind, name: &str| {
            w.values
                .get(&NodeId {
                    module: self.module.to_vec(),
                    kind,
                    name: name.to_string(),
                })
                .cloned()
                .unwrap_or_else(Value::dynamic_unknown)
        };
        Ok(match r {
            Reference::Var(n) => get(Kind::Variable, n),
            Reference::Local(n) => get(Kind::Local, n),
            Reference::Module(n) => {
                let m = tree.get(self.module);
                let call = m.and_then(|m| m.module_calls.get(n));
                match call {
                    Some(c) if c.count.is_none() && c.for_each.is_none() => {
                        let mut child = self.module.to_vec();
                        child.push(n.clone());
                        let outs = tree.get(&child).map(|cm| {
                            cm.outputs
                                .keys()
                                .map(|o| {
                                    let v = w
                                        .values
                                        .get(&NodeId {
                                            module: child.clone(),
                                            kind: Kind::Output,
                                            name: o.clone(),
                                        })
                                        .cloned()
                                        .unwrap_or_else(Value::dynamic_unknown);
                                    (o.clone(), v)
                                })
                                .collect::<BTreeMap<_, _>>()
                        });
                        match outs {
                            Some(o) => Value::object(o),
                            None => Value::dynamic_unknown(),
                        }
                    }
                    _ => Value::dynamic_unknown(),
                }
            }
            Reference::CountIndex => Value::unknown(Type::Number),
            Reference::EachKey => Value::unknown(Type::String),
            Reference::Path(p) => {
                let dir = match p.as_str() {
                    "root" => ".".to_string(),
                    "cwd" => w.root_dir.to_string_lossy().to_string(),
                    _ => tree
                        .nodes
                        .get(self.module)
                        .map(|n| module_dir(&w.root_dir, &n.module.dir))
                        .unwrap_or_else(|| ".".into()),
                };
                Value::string(dir)
            }
            Reference::TerraformWorkspace => Value::string(w.workspace.as_str()),
            _ => Value::dynamic_unknown(),
        })
    }
}

impl Scope<'_> {
    fn check_declared(&self, r: &Reference, span: Option<&Span>) -> Result<(), Diagnostic> {
        let Some(m) = self.tree.get(self.module) else {
            return Ok(());
        };
        let missing = match r {
            Reference::Var(n) if !m.variables.contains_key(n) => Some((
                "Reference to undeclared input variable",
                format!("An input variable with the name {n:?} has not been declared."),
            )),
            Reference::Local(n) if !m.locals.contains_key(n) => Some((
                "Reference to undeclared local value",
                format!("A local value with the name {n:?} has not been declared."),
            )),
            Reference::Module(n) if !m.module_calls.contains_key(n) => Some((
                "Reference to undeclared module",
                format!("No module call named {n:?} is declared in the root module."),
            )),
            Reference::Resource {
                mode,
                type_name,
                name,
            } => {
                let key = format!("{type_name}.{name}");
                let found = match mode {
                    cairn_eval::Mode::Managed => m.resources.contains_key(&key),
                    cairn_eval::Mode::Data => m.data.contains_key(&key),
                };
                (!found).then(|| {
                    (
                        "Reference to undeclared resource",
                        format!("A resource {r} has not been declared in the root module."),
                    )
                })
            }
            Reference::CountIndex
            | Reference::EachKey
            | Reference::EachValue
            | Reference::SelfRef => Some((
                "Invalid reference",
                format!("{r} is only available inside a resource or module block."),
            )),
            _ => None,
        };
        match missing {
            Some((summary, detail)) => {
                Err(Diagnostic::error(summary, detail).with_span(span.cloned()))
            }
            None => Ok(()),
        }
    }
}

/// `path.module`: the module's directory relative to the root, as
/// Terraform gives it (`.` for the root).
fn module_dir(root: &Path, dir: &Path) -> String {
    match dir.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.to_string_lossy().to_string(),
        Err(_) => dir.to_string_lossy().to_string(),
    }
}

impl Walk<'_> {
    fn eval_in(
        &self,
        module: &[String],
        e: &cairn_syntax::Expr,
        bound: &[String],
    ) -> Result<Value, Diagnostic> {
        let scope = Scope {
            tree: self.tree,
            vals: &self.vals,
            module,
            strict: false,
        };
        let mut ev = Evaluator::new(&scope, self.funcs, self.ctx);
        for b in bound {
            ev = ev.with_bound(b.clone(), Value::dynamic_unknown());
        }
        ev.eval(e)
    }

    fn run(&mut self) {
        let Ok(order) = self.graph.order() else {
            return;
        };
        for ix in order {
            let id = self.graph.graph[ix].clone();
            let v = self.node(&id);
            self.vals.values.insert(id, v);
        }
    }

    /// Evaluates a node's expressions; returns the node's value.
    fn node(&mut self, id: &NodeId) -> Value {
        let tree = self.tree;
        let Some(m) = tree.get(&id.module) else {
            return Value::dynamic_unknown();
        };
        match id.kind {
            Kind::Variable => self.variable(id, m),
            Kind::Local => match m.locals.get(&id.name) {
                Some(l) => self.eval_or_unknown(&id.module, &l.expr, &[]),
                None => Value::dynamic_unknown(),
            },
            Kind::Output => {
                let Some(o) = m.outputs.get(&id.name) else {
                    return Value::dynamic_unknown();
                };
                let v = self.eval_or_unknown(&id.module, &o.expr, &[]);
                if id.module.is_empty() && !o.sensitive && v.is_sensitive_deep() {
                    self.diags.push(o.sensitive_error());
                }
                for e in &o.depends_on {
                    self.eval_or_unknown(&id.module, e, &[]);
                }
                if o.sensitive {
                    v.marked()
                } else {
                    v
                }
            }
            Kind::Resource | Kind::Data => {
                let r = if id.kind == Kind::Resource {
                    m.resources.get(&id.name)
                } else {
                    m.data.get(&id.name)
                };
                if let Some(r) = r {
                    if let Some(c) = &r.count {
                        let v = self.eval_or_unknown(&id.module, c, &[]);
                        if let Err(d) = expand::count(&v, c.span().as_ref()) {
                            self.diags.push(d.with_address(id.to_string()));
                        }
                    }
                    if let Some(f) = &r.for_each {
                        let v = self.eval_or_unknown(&id.module, f, &[]);
                        if let Err(d) = expand::for_each(&v, f.span().as_ref()) {
                            self.diags.push(d.with_address(id.to_string()));
                        }
                    }
                }
                self.other_exprs(id, true);
                if let Some(r) = r {
                    self.check_schema(id, r);
                }
                Value::dynamic_unknown()
            }
            Kind::ModuleCall => {
                if let Some(c) = m.module_calls.get(&id.name) {
                    if let Some(e) = &c.count {
                        let v = self.eval_or_unknown(&id.module, e, &[]);
                        if let Err(d) = expand::count(&v, e.span().as_ref()) {
                            self.diags.push(d.with_address(id.to_string()));
                        }
                    }
                    if let Some(e) = &c.for_each {
                        let v = self.eval_or_unknown(&id.module, e, &[]);
                        if let Err(d) = expand::for_each(&v, e.span().as_ref()) {
                            self.diags.push(d.with_address(id.to_string()));
                        }
                    }
                }
                Value::dynamic_unknown()
            }
            Kind::Check => {
                self.other_exprs(id, false);
                Value::dynamic_unknown()
            }
            Kind::Provider => {
                self.other_exprs(id, false);
                self.check_provider_schema(id);
                Value::dynamic_unknown()
            }
        }
    }

    /// Evaluates every expression of a resource or check other than
    /// `count`/`for_each` (already checked), for their errors.
    fn other_exprs(&mut self, id: &NodeId, skip_meta: bool) {
        let tree = self.tree;
        let m = tree.get(&id.module);
        let meta: Vec<*const cairn_syntax::Expr> = m
            .and_then(|m| {
                if id.kind == Kind::Resource {
                    m.resources.get(&id.name)
                } else {
                    m.data.get(&id.name)
                }
            })
            .map(|r| {
                r.count
                    .iter()
                    .chain(r.for_each.iter())
                    .map(|e| e as *const _)
                    .collect()
            })
            .unwrap_or_default();
        for u in node_exprs(tree, id) {
            if skip_meta && meta.contains(&(u.expr as *const _)) {
                continue;
            }
            self.eval_or_unknown(&u.scope, u.expr, &u.bound);
        }
    }

    /// Decodes a resource body against its provider's schema: unknown and
    /// read-only arguments, missing required ones, wrong types, blocks.
    fn check_schema(&mut self, id: &NodeId, r: &cairn_config::Resource) {
        let Some(registry) = self.registry else {
            return;
        };
        let provider = match &r.provider {
            Some(p) => p.name.clone(),
            None => r.provider_name(),
        };
        if registry.get(&provider).is_none() {
            if self.warned_providers.insert(provider.clone()) {
                self.diags.push(
                    Diagnostic::warning(
                        "Provider not available",
                        format!("cairn has no provider {provider:?}, so {} and other {provider} resources were checked for language errors only, not against a schema.", r.address()),
                    )
                    .with_span(r.decl_span.clone())
                    .with_hint(format!("The built-in providers are: {}.", registry.names().join(", "))),
                );
            }
            return;
        }
        let schema = match registry.resource_schema(&provider, &r.type_name, id.kind == Kind::Data)
        {
            Ok(s) => s.clone(),
            Err(d) => {
                self.diags.push(
                    d.with_span(r.decl_span.clone())
                        .with_address(id.to_string()),
                );
                return;
            }
        };
        let scope = Scope {
            tree: self.tree,
            vals: &self.vals,
            module: &id.module,
            strict: false,
        };
        let ev = Evaluator::new(&scope, self.funcs, self.ctx);
        if let Err(ds) = cairn_engine::decode::decode_body(&r.body, &schema.block, &ev) {
            for d in ds {
                self.diags.push(d.with_address(id.to_string()));
            }
        }
    }

    fn check_provider_schema(&mut self, id: &NodeId) {
        let Some(registry) = self.registry else {
            return;
        };
        let tree = self.tree;
        let Some(p) = tree
            .get(&id.module)
            .and_then(|m| m.providers.iter().find(|p| p.address() == id.name))
        else {
            return;
        };
        let Some(f) = registry.get(&p.name) else {
            if self.warned_providers.insert(p.name.clone()) {
                self.diags.push(
                    Diagnostic::warning(
                        "Provider not available",
                        format!("cairn has no provider {:?}; its configuration was checked for language errors only.", p.name),
                    )
                    .with_span(p.decl_span.clone()),
                );
            }
            return;
        };
        let schema = f.schema().provider.clone();
        let scope = Scope {
            tree: self.tree,
            vals: &self.vals,
            module: &id.module,
            strict: false,
        };
        let ev = Evaluator::new(&scope, self.funcs, self.ctx);
        if let Err(ds) = cairn_engine::decode::decode_body(&p.body, &schema, &ev) {
            for d in ds {
                self.diags.push(d);
            }
        }
    }

    fn eval_or_unknown(
        &mut self,
        module: &[String],
        e: &cairn_syntax::Expr,
        bound: &[String],
    ) -> Value {
        match self.eval_in(module, e, bound) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                Value::dynamic_unknown()
            }
        }
    }

    fn variable(&mut self, id: &NodeId, m: &cairn_config::Module) -> Value {
        if id.module.is_empty() {
            // Root values were computed (and validated) up front.
            return self
                .vals
                .values
                .get(id)
                .cloned()
                .unwrap_or_else(Value::dynamic_unknown);
        }
        let Some(var) = m.variables.get(&id.name) else {
            return Value::dynamic_unknown();
        };
        let (call_name, parent) = match id.module.split_last() {
            Some(x) => x,
            None => return Value::dynamic_unknown(),
        };
        let input = self
            .tree
            .get(parent)
            .and_then(|p| p.module_calls.get(call_name))
            .and_then(|c| c.inputs.get(&id.name));
        let given = match input {
            Some(a) => {
                let v = self.eval_or_unknown(parent, &a.expr, &[]);
                Some(cairn_vars::GivenValue {
                    value: v,
                    span: a.expr.span(),
                    origin: format!("module.{call_name}"),
                })
            }
            None => None,
        };
        let addr = cairn_config::module_address(&id.module);
        // Missing required arguments are reported by module_interfaces.
        if given.is_none() && var.default.is_none() {
            return Value::unknown(var.ty());
        }
        let v = match cairn_vars::finalize(var, given.as_ref(), &addr, self.funcs, self.ctx) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                return Value::unknown(var.ty());
            }
        };
        if !var.validations.is_empty() {
            let mut vars = BTreeMap::new();
            for name in m.variables.keys() {
                let key = NodeId {
                    module: id.module.clone(),
                    kind: Kind::Variable,
                    name: name.clone(),
                };
                let val = if *name == id.name {
                    Some(v.clone())
                } else {
                    self.vals.values.get(&key).cloned()
                };
                vars.insert(name.clone(), val.unwrap_or_else(Value::dynamic_unknown));
            }
            let span = given.as_ref().and_then(|g| g.span.clone());
            self.diags.extend(cairn_vars::check_validations(
                var,
                &vars,
                span.as_ref(),
                self.funcs,
                self.ctx,
            ));
        }
        if self.unknown_variables {
            // As Terraform's validate: the value is checked, the rest of the
            // module sees only its type.
            return Value::unknown(var.ty()).mark(var.sensitive);
        }
        v
    }
}

#[cfg(test)]
mod tests;
