//! `moved` blocks (and Terraform's implied moves between `count` and no
//! `count`) rewrite prior addresses before planning; `import` blocks name
//! objects to adopt.

use std::collections::BTreeMap;

use cairn_config::ModuleTree;
use cairn_diagnostics::{Diagnostic, Diagnostics};
use hcl_edit::expr::{Expression, TraversalOperator};

use crate::addr::{parse_instance, InstanceAddr, Key, ModuleInstance};
use crate::model::Prior;
use crate::plan::Walker;
use crate::values::Bindings;

/// What moved, and the import blocks.
#[derive(Default)]
pub struct Moved {
    /// New address -> old address.
    pub from: BTreeMap<InstanceAddr, InstanceAddr>,
    /// Import targets with their `id` expressions (root module).
    pub imports: Vec<(InstanceAddr, cairn_syntax::Expr)>,
    /// Imports with a literal ID (from the command line).
    pub literal_imports: Vec<(InstanceAddr, String)>,
}

impl Moved {
    pub fn from_for(&self, addr: &InstanceAddr) -> Option<InstanceAddr> {
        self.from.get(addr).cloned()
    }
}

/// Renders a reference expression (`aws_x.a[0]`, `module.m.aws_x.a`) as an
/// address string.
pub fn expr_address(e: &Expression) -> Option<String> {
    match e {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => {
            let mut s = expr_address(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(id) => {
                        s.push('.');
                        s.push_str(id.as_str());
                    }
                    TraversalOperator::Index(Expression::Number(n)) => {
                        s.push_str(&format!("[{}]", n.value()))
                    }
                    TraversalOperator::Index(Expression::String(st)) => {
                        s.push_str(&format!("[{}]", cairn_value::display::quote(st.value())))
                    }
                    TraversalOperator::LegacyIndex(n) => s.push_str(&format!("[{}]", n.value())),
                    _ => return None,
                }
            }
            Some(s)
        }
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

fn prefix(module: &[String], addr: &str) -> String {
    let mut s = String::new();
    for m in module {
        s.push_str(&format!("module.{m}."));
    }
    s.push_str(addr);
    s
}

/// Rewrites prior addresses for `moved` blocks and implied moves.
pub fn apply_moved(tree: &ModuleTree, prior: &mut Prior, diags: &mut Diagnostics) -> Moved {
    let mut moved = Moved::default();
    for (path, node) in &tree.nodes {
        for mv in &node.module.moved {
            let (Some(from), Some(to)) = (expr_address(&mv.from.expr), expr_address(&mv.to.expr))
            else {
                diags.push(
                    Diagnostic::error(
                        "Invalid moved block",
                        "The from and to arguments must be resource or module addresses.",
                    )
                    .with_span(mv.span.clone()),
                );
                continue;
            };
            let (from, to) = (prefix(path, &from), prefix(path, &to));
            move_matching(prior, &from, &to, &mut moved, diags, mv.span.clone());
        }
    }
    // Implied moves: a resource that gained or lost `count`.
    let addrs: Vec<InstanceAddr> = prior.instances.keys().cloned().collect();
    for a in addrs {
        let Some(m) = tree.get(&a.resource.module.config_path()) else {
            continue;
        };
        let Some(r) = m.resources.get(&a.resource.config_key()) else {
            continue;
        };
        let target = match (&a.key, r.count.is_some(), r.for_each.is_some()) {
            (Key::None, true, _) => Some(Key::Int(0)),
            (Key::Int(0), false, false) => Some(Key::None),
            _ => None,
        };
        if let Some(k) = target {
            let to = a.resource.instance(k);
            if !prior.instances.contains_key(&to) {
                if let Some(p) = prior.instances.remove(&a) {
                    prior.instances.insert(to.clone(), p);
                    moved.from.insert(to, a);
                }
            }
        }
    }
    if let Some(root) = tree.root() {
        for imp in &root.imports {
            match expr_address(&imp.to.expr).map(|s| parse_instance(&s)) {
                Some(Ok(a)) => {
                    if let Some(id) = &imp.id {
                        moved.imports.push((a, id.clone()));
                    }
                }
                _ => diags.push(
                    Diagnostic::error(
                        "Invalid import address",
                        "The to argument must be a resource instance address.",
                    )
                    .with_span(imp.span.clone()),
                ),
            }
        }
    }
    moved
}

fn move_matching(
    prior: &mut Prior,
    from: &str,
    to: &str,
    moved: &mut Moved,
    diags: &mut Diagnostics,
    span: Option<cairn_diagnostics::Span>,
) {
    let rename = |a: &InstanceAddr| -> Option<InstanceAddr> {
        let s = a.to_string();
        let rest = s.strip_prefix(from)?;
        // A whole resource or module moves with all its instances.
        if !(rest.is_empty() || rest.starts_with('[') || rest.starts_with('.')) {
            return None;
        }
        parse_instance(&format!("{to}{rest}")).ok()
    };
    let hits: Vec<(InstanceAddr, InstanceAddr)> = prior
        .instances
        .keys()
        .filter_map(|a| rename(a).map(|n| (a.clone(), n)))
        .collect();
    for (old, new) in hits {
        if prior.instances.contains_key(&new) {
            diags.push(
                Diagnostic::warning(
                    "Moved object still exists",
                    format!("This statement declares a move from {old} to {new}, but both exist in state; the move is ignored."),
                )
                .with_span(span.clone()),
            );
            continue;
        }
        if let Some(p) = prior.instances.remove(&old) {
            prior.instances.insert(new.clone(), p);
            moved.from.insert(new, old);
        }
    }
}

/// The import ID for an address, if an import block names it.
pub fn import_id_for(w: &mut Walker<'_>, addr: &InstanceAddr, moved: &Moved) -> Option<String> {
    if let Some((_, id)) = moved.literal_imports.iter().find(|(a, _)| a == addr) {
        return Some(id.clone());
    }
    let (_, e) = moved.imports.iter().find(|(a, _)| a == addr)?;
    match w.eval(&ModuleInstance::root(), Bindings::default(), e) {
        Ok(v) => v.as_str().map(str::to_string),
        Err(d) => {
            w.diags.push(d);
            None
        }
    }
}
