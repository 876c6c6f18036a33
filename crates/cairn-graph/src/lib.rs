//! The dependency graph of a configuration.
//!
//! One node per configuration object per module (not per instance:
//! `count`/`for_each` expand later, see [`expand`]). An edge `a -> b` means
//! `b` reads `a`, so `a` must be evaluated first. Building the graph checks
//! every reference (undeclared variables, locals, resources, modules;
//! `count.index`/`each`/`self` used where they are not available) and
//! [`ConfigGraph::order`] reports reference cycles with their addresses.

use std::collections::HashMap;
use std::fmt;

use cairn_config::{Body, Module, ModuleTree, Resource, ResourceMode};
use cairn_diagnostics::{Diagnostic, Diagnostics, Span};
use cairn_eval::{references, FoundRef, Mode, Reference};
use cairn_syntax::Expr;
use petgraph::graph::{DiGraph, NodeIndex};

pub mod expand;

/// What kind of object a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Variable,
    Local,
    Output,
    Resource,
    Data,
    ModuleCall,
    Check,
    /// A `provider` block; name is `aws` or `aws.west`.
    Provider,
}

/// A configuration object: its module path, kind and name (`type.name`
/// for resources and data sources).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub module: Vec<String>,
    pub kind: Kind,
    pub name: String,
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.module {
            write!(f, "module.{m}.")?;
        }
        match self.kind {
            Kind::Variable => write!(f, "var.{}", self.name),
            Kind::Local => write!(f, "local.{}", self.name),
            Kind::Output => write!(f, "output.{}", self.name),
            Kind::Resource => write!(f, "{}", self.name),
            Kind::Data => write!(f, "data.{}", self.name),
            Kind::ModuleCall => write!(f, "module.{}", self.name),
            Kind::Check => write!(f, "check.{}", self.name),
            Kind::Provider => write!(f, "provider.{}", self.name),
        }
    }
}

/// Where an expression sits, which decides what it may refer to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allowed {
    pub count: bool,
    pub each: bool,
    pub self_ref: bool,
}

/// One expression of a node, with the module its references resolve in.
#[derive(Clone, Debug)]
pub struct ExprUse<'a> {
    pub expr: &'a Expr,
    /// Module whose objects the expression's references name (a child
    /// variable's value is an expression of the parent module).
    pub scope: Vec<String>,
    pub allowed: Allowed,
    /// Names bound around the expression (dynamic block iterators).
    pub bound: Vec<String>,
}

/// The graph.
#[derive(Debug, Default)]
pub struct ConfigGraph {
    pub graph: DiGraph<NodeId, ()>,
    pub index: HashMap<NodeId, NodeIndex>,
}

impl ConfigGraph {
    pub fn node(&self, id: &NodeId) -> Option<NodeIndex> {
        self.index.get(id).copied()
    }

    /// A topological order (dependencies first), or the cycles.
    pub fn order(&self) -> Result<Vec<NodeIndex>, Vec<Vec<NodeIndex>>> {
        match petgraph::algo::toposort(&self.graph, None) {
            Ok(o) => Ok(o),
            Err(_) => {
                let cycles: Vec<Vec<NodeIndex>> = petgraph::algo::tarjan_scc(&self.graph)
                    .into_iter()
                    .filter(|c| c.len() > 1 || self.graph.contains_edge(c[0], c[0]))
                    .collect();
                Err(cycles)
            }
        }
    }

    /// Diagnostics for the graph's cycles, naming every member.
    pub fn cycle_diagnostics(&self, tree: &ModuleTree) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Err(cycles) = self.order() {
            for mut c in cycles {
                c.sort_by_key(|i| self.graph[*i].clone());
                let names: Vec<String> = c.iter().map(|i| self.graph[*i].to_string()).collect();
                let span = c.iter().find_map(|i| decl_span(tree, &self.graph[*i]));
                diags.push(
                    Diagnostic::error("Cycle", names.join(", "))
                        .with_span(span)
                        .with_hint("These objects refer to each other; remove one of the references so that one of them can be evaluated first."),
                );
            }
        }
        diags
    }
}

/// The declaration span of a node's block.
pub fn decl_span(tree: &ModuleTree, id: &NodeId) -> Option<Span> {
    let m = tree.get(&id.module)?;
    match id.kind {
        Kind::Variable => m.variables.get(&id.name)?.decl_span.clone(),
        Kind::Local => m.locals.get(&id.name)?.span.clone(),
        Kind::Output => m.outputs.get(&id.name)?.decl_span.clone(),
        Kind::Resource => m.resources.get(&id.name)?.decl_span.clone(),
        Kind::Data => m.data.get(&id.name)?.decl_span.clone(),
        Kind::ModuleCall => m.module_calls.get(&id.name)?.decl_span.clone(),
        Kind::Check => m.checks.get(&id.name)?.decl_span.clone(),
        Kind::Provider => m
            .providers
            .iter()
            .find(|p| p.address() == id.name)?
            .decl_span
            .clone(),
    }
}

/// The expressions of a body, recursing into nested and dynamic blocks.
pub fn body_exprs<'a>(
    body: &'a Body,
    scope: &[String],
    allowed: Allowed,
    bound: &[String],
    out: &mut Vec<ExprUse<'a>>,
) {
    for a in body.attrs.values() {
        out.push(ExprUse {
            expr: &a.expr,
            scope: scope.to_vec(),
            allowed,
            bound: bound.to_vec(),
        });
    }
    for b in &body.blocks {
        body_exprs(&b.body, scope, allowed, bound, out);
    }
    for d in &body.dynamic_blocks {
        out.push(ExprUse {
            expr: &d.for_each,
            scope: scope.to_vec(),
            allowed,
            bound: bound.to_vec(),
        });
        let mut inner = bound.to_vec();
        inner.push(d.iterator_name().to_string());
        for l in &d.labels {
            out.push(ExprUse {
                expr: l,
                scope: scope.to_vec(),
                allowed,
                bound: inner.clone(),
            });
        }
        body_exprs(&d.content, scope, allowed, &inner, out);
    }
}

fn resource_exprs<'a>(r: &'a Resource, scope: &[String], out: &mut Vec<ExprUse<'a>>) {
    let meta = Allowed::default();
    let inst = Allowed {
        count: r.count.is_some(),
        each: r.for_each.is_some(),
        self_ref: false,
    };
    let push = |e: &'a Expr, allowed: Allowed, out: &mut Vec<ExprUse<'a>>| {
        out.push(ExprUse {
            expr: e,
            scope: scope.to_vec(),
            allowed,
            bound: Vec::new(),
        })
    };
    if let Some(c) = &r.count {
        push(c, meta, out);
    }
    if let Some(f) = &r.for_each {
        push(f, meta, out);
    }
    for d in &r.depends_on {
        push(d, meta, out);
    }
    body_exprs(&r.body, scope, inst, &[], out);
    for e in &r.lifecycle.replace_triggered_by {
        push(e, inst, out);
    }
    for e in [
        &r.lifecycle.create_before_destroy,
        &r.lifecycle.prevent_destroy,
    ]
    .into_iter()
    .flatten()
    {
        push(e, meta, out);
    }
    for c in &r.lifecycle.preconditions {
        push(
            &c.condition,
            Allowed {
                self_ref: false,
                ..inst
            },
            out,
        );
        push(&c.error_message, inst, out);
    }
    for c in &r.lifecycle.postconditions {
        let with_self = Allowed {
            self_ref: true,
            ..inst
        };
        push(&c.condition, with_self, out);
        push(&c.error_message, with_self, out);
    }
    let with_self = Allowed {
        self_ref: true,
        ..inst
    };
    if let Some(c) = &r.connection {
        body_exprs(&c.body, scope, with_self, &[], out);
    }
    for p in &r.provisioners {
        body_exprs(&p.body, scope, with_self, &[], out);
        if let Some(c) = &p.connection {
            body_exprs(&c.body, scope, with_self, &[], out);
        }
    }
}

/// Every expression of a node.
pub fn node_exprs<'a>(tree: &'a ModuleTree, id: &NodeId) -> Vec<ExprUse<'a>> {
    let mut out = Vec::new();
    let Some(m) = tree.get(&id.module) else {
        return out;
    };
    let here = id.module.clone();
    let plain = |e: &'a Expr| ExprUse {
        expr: e,
        scope: here.clone(),
        allowed: Allowed::default(),
        bound: Vec::new(),
    };
    match id.kind {
        Kind::Variable => {
            if let Some(v) = m.variables.get(&id.name) {
                for rule in &v.validations {
                    out.push(plain(&rule.condition));
                    out.push(plain(&rule.error_message));
                }
            }
            // A child module's variable takes the value of the call's
            // argument, an expression of the parent module.
            if let Some((call_name, parent_path)) = here.split_last() {
                if let Some(call) = tree
                    .get(parent_path)
                    .and_then(|p| p.module_calls.get(call_name))
                {
                    if let Some(a) = call.inputs.get(&id.name) {
                        out.push(ExprUse {
                            expr: &a.expr,
                            scope: parent_path.to_vec(),
                            allowed: Allowed {
                                count: call.count.is_some(),
                                each: call.for_each.is_some(),
                                self_ref: false,
                            },
                            bound: Vec::new(),
                        });
                    }
                }
            }
        }
        Kind::Local => {
            if let Some(l) = m.locals.get(&id.name) {
                out.push(plain(&l.expr));
            }
        }
        Kind::Output => {
            if let Some(o) = m.outputs.get(&id.name) {
                out.push(plain(&o.expr));
                out.extend(o.depends_on.iter().map(plain));
                for c in &o.preconditions {
                    out.push(plain(&c.condition));
                    out.push(plain(&c.error_message));
                }
            }
        }
        Kind::Resource => {
            if let Some(r) = m.resources.get(&id.name) {
                resource_exprs(r, &here, &mut out);
            }
        }
        Kind::Data => {
            if let Some(r) = m.data.get(&id.name) {
                resource_exprs(r, &here, &mut out);
            }
        }
        Kind::ModuleCall => {
            if let Some(c) = m.module_calls.get(&id.name) {
                out.extend(c.count.iter().map(plain));
                out.extend(c.for_each.iter().map(plain));
                out.extend(c.depends_on.iter().map(plain));
            }
        }
        Kind::Provider => {
            if let Some(p) = m.providers.iter().find(|p| p.address() == id.name) {
                body_exprs(&p.body, &here, Allowed::default(), &[], &mut out);
            }
        }
        Kind::Check => {
            if let Some(c) = m.checks.get(&id.name) {
                for d in &c.data {
                    resource_exprs(d, &here, &mut out);
                }
                for a in &c.asserts {
                    out.push(plain(&a.condition));
                    out.push(plain(&a.error_message));
                }
                body_exprs(&c.body, &here, Allowed::default(), &[], &mut out);
            }
        }
    }
    out
}

fn nodes_of(path: &[String], m: &Module) -> Vec<NodeId> {
    let id = |kind, name: &str| NodeId {
        module: path.to_vec(),
        kind,
        name: name.to_string(),
    };
    let mut v = Vec::new();
    v.extend(m.variables.keys().map(|n| id(Kind::Variable, n)));
    v.extend(m.locals.keys().map(|n| id(Kind::Local, n)));
    v.extend(m.outputs.keys().map(|n| id(Kind::Output, n)));
    v.extend(m.resources.keys().map(|n| id(Kind::Resource, n)));
    v.extend(m.data.keys().map(|n| id(Kind::Data, n)));
    v.extend(m.module_calls.keys().map(|n| id(Kind::ModuleCall, n)));
    v.extend(m.checks.keys().map(|n| id(Kind::Check, n)));
    v.extend(m.providers.iter().map(|p| id(Kind::Provider, &p.address())));
    v
}

fn module_label(path: &[String]) -> String {
    if path.is_empty() {
        "the root module".to_string()
    } else {
        cairn_config::module_address(path)
    }
}

/// Builds the graph, checking every reference.
pub fn build(tree: &ModuleTree) -> (ConfigGraph, Diagnostics) {
    let mut g = ConfigGraph::default();
    let mut diags = Diagnostics::new();
    for (path, node) in &tree.nodes {
        for id in nodes_of(path, &node.module) {
            let ix = g.graph.add_node(id.clone());
            g.index.insert(id, ix);
        }
    }
    let ids: Vec<NodeId> = g.graph.node_indices().map(|i| g.graph[i].clone()).collect();
    for id in ids {
        let Some(to) = g.node(&id) else { continue };
        // Everything in a called module waits for the call (its expansion).
        if let Some((call, parent)) = id.module.split_last() {
            let call_id = NodeId {
                module: parent.to_vec(),
                kind: Kind::ModuleCall,
                name: call.clone(),
            };
            if let Some(from) = g.node(&call_id) {
                g.graph.update_edge(from, to, ());
            }
        }
        if matches!(id.kind, Kind::Resource | Kind::Data) {
            let r = tree.get(&id.module).and_then(|m| {
                if id.kind == Kind::Resource {
                    m.resources.get(&id.name)
                } else {
                    m.data.get(&id.name)
                }
            });
            if let Some(r) = r {
                let (name, alias) = match &r.provider {
                    Some(p) => (p.name.clone(), p.alias.clone()),
                    None => (r.provider_name(), None),
                };
                if let Some(pid) = resolve_provider(tree, &id.module, &name, alias.as_deref()) {
                    if let Some(from) = g.node(&pid) {
                        g.graph.update_edge(from, to, ());
                    }
                }
            }
        }
        for use_ in node_exprs(tree, &id) {
            let (refs, d) = references(&use_.expr.expr, &use_.expr.source, &use_.bound);
            for x in d {
                diags.push(x);
            }
            for r in refs {
                match check_ref(tree, &id, &use_, &r) {
                    Ok(targets) => {
                        for t in targets {
                            if let Some(from) = g.node(&t) {
                                if from == to && matches!(id.kind, Kind::Resource | Kind::Data) {
                                    diags.push(
                                        Diagnostic::error(
                                            "Self-referential block",
                                            format!(
                                                "Configuration for {id} may not refer to itself."
                                            ),
                                        )
                                        .with_span(r.span.clone()),
                                    );
                                    continue;
                                }
                                g.graph.update_edge(from, to, ());
                            }
                        }
                    }
                    Err(d) => diags.push(d),
                }
            }
        }
    }
    // Self-references are reported above; the remaining cycles here.
    let self_loops: Vec<_> = g
        .graph
        .edge_indices()
        .filter(|e| g.graph.edge_endpoints(*e).is_some_and(|(a, b)| a == b))
        .collect();
    for e in self_loops.into_iter().rev() {
        g.graph.remove_edge(e);
    }
    (g, diags)
}

/// The `provider` block that configures provider `name` (with `alias`)
/// for resources in module `module`: declared there, passed in by the
/// module call's `providers` map, or (for the default configuration)
/// inherited from the parent. `None` when no block configures it (the
/// provider runs with an empty configuration).
pub fn resolve_provider(
    tree: &ModuleTree,
    module: &[String],
    name: &str,
    alias: Option<&str>,
) -> Option<NodeId> {
    let addr = match alias {
        Some(a) => format!("{name}.{a}"),
        None => name.to_string(),
    };
    let m = tree.get(module)?;
    if m.providers.iter().any(|p| p.address() == addr) {
        return Some(NodeId {
            module: module.to_vec(),
            kind: Kind::Provider,
            name: addr,
        });
    }
    let (call_name, parent) = module.split_last()?;
    let call = tree.get(parent)?.module_calls.get(call_name)?;
    if let Some(pp) = call
        .providers
        .values()
        .find(|pp| pp.child.address() == addr)
    {
        return resolve_provider(tree, parent, &pp.parent.name, pp.parent.alias.as_deref());
    }
    // Only default configurations are inherited implicitly.
    if alias.is_none() && call.providers.is_empty() {
        return resolve_provider(tree, parent, name, None);
    }
    None
}

/// Checks one reference; returns the nodes it depends on.
fn check_ref(
    tree: &ModuleTree,
    at: &NodeId,
    use_: &ExprUse<'_>,
    r: &FoundRef,
) -> Result<Vec<NodeId>, Diagnostic> {
    let scope = &use_.scope;
    let Some(m) = tree.get(scope) else {
        return Ok(Vec::new());
    };
    let in_mod = module_label(scope);
    let id = |kind, name: String| NodeId {
        module: scope.clone(),
        kind,
        name,
    };
    let sp = r.span.clone();
    match &r.reference {
        Reference::Var(n) => {
            if m.variables.contains_key(n) {
                Ok(vec![id(Kind::Variable, n.clone())])
            } else {
                Err(Diagnostic::error(
                    "Reference to undeclared input variable",
                    format!("An input variable with the name {n:?} has not been declared. This variable can be declared with a variable {n:?} {{}} block."),
                )
                .with_span(sp)
                .with_hint(suggest(n, m.variables.keys())))
            }
        }
        Reference::Local(n) => {
            if m.locals.contains_key(n) {
                Ok(vec![id(Kind::Local, n.clone())])
            } else {
                Err(Diagnostic::error(
                    "Reference to undeclared local value",
                    format!("A local value with the name {n:?} has not been declared."),
                )
                .with_span(sp)
                .with_hint(suggest(n, m.locals.keys())))
            }
        }
        Reference::Module(n) => {
            if m.module_calls.contains_key(n) {
                let mut child = scope.clone();
                child.push(n.clone());
                // `module.m.out` depends on that output only; `module.m`
                // alone (or indexed) on all of them.
                let outs: Vec<NodeId> = tree
                    .get(&child)
                    .map(|cm| {
                        cm.outputs
                            .keys()
                            .filter(|o| r.next_attr.as_ref().is_none_or(|n| !cm.outputs.contains_key(n) || n == *o))
                            .map(|o| NodeId {
                                module: child.clone(),
                                kind: Kind::Output,
                                name: o.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let mut v = outs;
                v.push(id(Kind::ModuleCall, n.clone()));
                Ok(v)
            } else {
                Err(Diagnostic::error(
                    "Reference to undeclared module",
                    format!("No module call named {n:?} is declared in {in_mod}."),
                )
                .with_span(sp)
                .with_hint(suggest(n, m.module_calls.keys())))
            }
        }
        Reference::Resource { mode, type_name, name } => {
            let key = format!("{type_name}.{name}");
            let (found, kind, what) = match mode {
                Mode::Managed => (m.resources.contains_key(&key), Kind::Resource, "managed resource"),
                Mode::Data => (
                    m.data.contains_key(&key) || in_check_data(m, at, &key),
                    Kind::Data,
                    "data resource",
                ),
            };
            if found {
                Ok(vec![id(kind, key)])
            } else {
                let all: Vec<&String> = match mode {
                    Mode::Managed => m.resources.keys().collect(),
                    Mode::Data => m.data.keys().collect(),
                };
                Err(Diagnostic::error(
                    "Reference to undeclared resource",
                    format!("A {what} {type_name:?} {name:?} has not been declared in {in_mod}."),
                )
                .with_span(sp)
                .with_hint(suggest(&key, all.into_iter())))
            }
        }
        Reference::CountIndex if !use_.allowed.count => Err(Diagnostic::error(
            "Reference to \"count\" in non-counted context",
            "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.",
        )
        .with_span(sp)),
        Reference::EachKey | Reference::EachValue if !use_.allowed.each => Err(Diagnostic::error(
            "Reference to \"each\" in context without for_each",
            "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.",
        )
        .with_span(sp)),
        Reference::SelfRef if !use_.allowed.self_ref => Err(Diagnostic::error(
            "Invalid \"self\" reference",
            "The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks.",
        )
        .with_span(sp)),
        _ => Ok(Vec::new()),
    }
}

/// Data sources declared inside a check block are visible in that block.
fn in_check_data(m: &Module, at: &NodeId, key: &str) -> bool {
    at.kind == Kind::Check
        && m.checks.get(&at.name).is_some_and(|c| {
            c.data.iter().any(|d| {
                d.mode == ResourceMode::Data && format!("{}.{}", d.type_name, d.name) == key
            })
        })
}

fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> String {
    match cairn_eval::closest(name, candidates.map(String::as_str), 2) {
        Some(c) => format!("Did you mean {c:?}?"),
        None => "Declare it, or check the spelling of the reference.".to_string(),
    }
}

#[cfg(test)]
mod tests;
