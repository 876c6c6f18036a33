//! Points findings at the configuration: the attribute they name, else
//! the nearest enclosing argument or block, else the resource block.

use cairn_config::{Body, ModuleTree};
use cairn_diagnostics::Span;
use cairn_engine::Mode;
use cairn_findings::{Location, Report};
use cairn_value::Value;

/// Fills in `location` for every finding that names an address and has
/// none. `values` gives each instance's planned value (to tell apart
/// several blocks of one type, whose order in a set is not source order).
pub fn locate<'a>(
    report: &mut Report,
    tree: &ModuleTree,
    values: impl Fn(&str) -> Option<&'a Value>,
) {
    let funcs = cairn_functions::Registry::standard();
    let ctx = cairn_functions::Context {
        base_dir: std::path::PathBuf::new(),
        plan_time: false,
        template: None,
    };
    let cx = Cx {
        funcs: &funcs,
        ctx: &ctx,
    };
    for f in &mut report.findings {
        if f.location.is_some() {
            continue;
        }
        let Some(addr) = f.address.as_deref() else {
            continue;
        };
        if let Some(span) = variable_default(tree, addr) {
            f.location = Some(Location::from(&span));
            continue;
        }
        let (body, decl) = match find_block(tree, addr) {
            Some(x) => x,
            None => continue,
        };
        let value = values(addr);
        let span = cx.in_body(body, &f.path, value).or_else(|| decl.cloned());
        f.location = span.as_ref().map(Location::from);
    }
}

/// The body and header span of the resource or provider block `addr`
/// names (`module.a["x"].aws_vpc.b[0]`, `module.a.provider.aws.west`).
fn find_block<'t>(tree: &'t ModuleTree, addr: &str) -> Option<(&'t Body, Option<&'t Span>)> {
    if let Some((module, name)) = split_provider(addr) {
        let m = tree.get(&module)?;
        let p = m.providers.iter().find(|p| p.address() == name)?;
        return Some((&p.body, p.decl_span.as_ref().or(p.span.as_ref())));
    }
    let a = cairn_engine::parse_instance(addr).ok()?;
    let m = tree.get(&a.resource.module.config_path())?;
    let key = format!("{}.{}", a.resource.type_name, a.resource.name);
    let r = match a.resource.mode {
        Mode::Managed => m.resources.get(&key)?,
        Mode::Data => m.data.get(&key)?,
    };
    Some((&r.body, r.decl_span.as_ref().or(r.span.as_ref())))
}

/// The default's span of the variable `addr` names (`module.a.var.x`).
fn variable_default(tree: &ModuleTree, addr: &str) -> Option<Span> {
    let stripped = cairn_findings::strip_keys(addr);
    let mut module = Vec::new();
    let mut rest = stripped.as_str();
    loop {
        if let Some(name) = rest.strip_prefix("var.") {
            let v = tree.get(&module)?.variables.get(name)?;
            return v
                .default
                .as_ref()
                .and_then(|d| d.span())
                .or_else(|| v.span.clone());
        }
        let r = rest.strip_prefix("module.")?;
        let (name, tail) = r.split_once('.')?;
        module.push(name.to_string());
        rest = tail;
    }
}

/// `module.a.provider.aws.west` -> (["a"], "aws.west").
fn split_provider(addr: &str) -> Option<(Vec<String>, String)> {
    let stripped = cairn_findings::strip_keys(addr);
    let mut module = Vec::new();
    let mut rest = stripped.as_str();
    loop {
        if let Some(r) = rest.strip_prefix("provider.") {
            return Some((module, r.to_string()));
        }
        let r = rest.strip_prefix("module.")?;
        let (name, tail) = r.split_once('.')?;
        module.push(name.to_string());
        rest = tail;
    }
}

struct Cx<'a> {
    funcs: &'a cairn_functions::Registry,
    ctx: &'a cairn_functions::Context,
}

impl Cx<'_> {
    /// The span of `path` inside `body`, as deep as the configuration
    /// spells it out; `None` when not even the first step is written.
    fn in_body(&self, body: &Body, path: &[String], value: Option<&Value>) -> Option<Span> {
        let (first, rest) = path.split_first()?;
        if let Some(a) = body.attrs.get(first) {
            // Deeper steps are inside the argument's value: point at it.
            return a.span.clone().or_else(|| a.expr.span());
        }
        let blocks: Vec<&cairn_config::Block> = body
            .blocks
            .iter()
            .filter(|b| &b.type_name == first)
            .collect();
        let dynamic = body.dynamic_blocks.iter().find(|d| &d.type_name == first);
        let elems: Option<&[Value]> = value
            .and_then(|v| v.get_attr(first))
            .and_then(|v| v.as_seq());
        let (index, after_index) = match rest.split_first() {
            Some((i, tail)) if i.parse::<usize>().is_ok() => (i.parse::<usize>().ok(), tail),
            _ => (None, rest),
        };
        let elem = match (elems, index) {
            (Some(e), Some(i)) => e.get(i),
            _ => None,
        };
        let chosen = match (blocks.len(), dynamic) {
            (0, Some(d)) => {
                return self
                    .in_body(&d.content, after_index, elem_as_parent(elem))
                    .or_else(|| d.span.clone())
            }
            (0, None) => return None,
            (1, None) => blocks[0],
            _ => self.matching_block(&blocks, elem).or_else(|| {
                index
                    .and_then(|i| blocks.get(i).copied())
                    .filter(|_| dynamic.is_none())
            })?,
        };
        self.in_body(&chosen.body, after_index, elem_as_parent(elem))
            .or_else(|| chosen.span.clone())
    }

    /// Of several blocks of one type, the one whose literal arguments all
    /// equal the planned element's.
    fn matching_block<'b>(
        &self,
        blocks: &[&'b cairn_config::Block],
        elem: Option<&Value>,
    ) -> Option<&'b cairn_config::Block> {
        let elem = elem?;
        let ev = cairn_eval::Evaluator::new(&cairn_eval::NoReferences, self.funcs, self.ctx);
        let mut found = None;
        for b in blocks {
            let mut compared = 0;
            let all_equal = b.body.attrs.values().all(|a| {
                let Ok(lit) = ev.eval(&a.expr) else {
                    return true; // not a literal: cannot tell, do not count
                };
                let Some(planned) = elem.get_attr(&a.name) else {
                    return false;
                };
                compared += 1;
                same_json(&lit, planned)
            });
            if all_equal && compared > 0 {
                if found.is_some() {
                    return None; // ambiguous
                }
                found = Some(*b);
            }
        }
        found
    }
}

/// The element as the "value" of a nested body: the block's own object.
fn elem_as_parent(elem: Option<&Value>) -> Option<&Value> {
    elem
}

/// Equal as JSON, ignoring the order of arrays (sets are sorted by value,
/// configuration lists by position).
fn same_json(a: &Value, b: &Value) -> bool {
    let (Ok(x), Ok(y)) = (
        cairn_value::json::to_json(&a.unmark_deep().0),
        cairn_value::json::to_json(&b.unmark_deep().0),
    ) else {
        return false;
    };
    normalize(x) == normalize(y)
}

fn normalize(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(items) => {
            let mut items: Vec<serde_json::Value> = items.into_iter().map(normalize).collect();
            items.sort_by_key(|a| a.to_string());
            serde_json::Value::Array(items)
        }
        serde_json::Value::Object(m) => {
            serde_json::Value::Object(m.into_iter().map(|(k, v)| (k, normalize(v))).collect())
        }
        serde_json::Value::Number(n) => {
            // 22 and 22.0 are the same number.
            match n.as_f64() {
                Some(f) => serde_json::json!(f),
                None => serde_json::Value::Number(n),
            }
        }
        other => other,
    }
}
