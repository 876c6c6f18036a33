//! Expression evaluation with Terraform's semantics.
//!
//! [`Evaluator`] evaluates hcl-edit expressions to [`cairn_value::Value`]s,
//! reading references through a [`Resolver`] and calling functions from a
//! [`cairn_functions::Registry`]. `try` and `can` are evaluated here because
//! they need their arguments unevaluated; `templatefile` gets its renderer
//! from [`template_renderer`].

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_diagnostics::{Diagnostic, LineIndex};
use cairn_functions::{Context, Registry};
use cairn_syntax::{Expr, Source, SourceFile};
use cairn_value::Value;

mod eval;
pub mod reference;
pub mod static_check;

pub use eval::{get_attr, index, Evaluator, NoReferences, Resolver};
pub use reference::{references, FoundRef, Mode, Reference};

/// Parses one expression from text (the console, `-var` values, tests).
pub fn parse_expr(text: &str, file_name: &str) -> Result<Expr, Diagnostic> {
    // Trailing newlines (from a console line or a file) are not part of
    // the expression.
    let text = text.trim_end();
    let file = Arc::new(SourceFile {
        name: file_name.into(),
        index: LineIndex::new(text),
    });
    match hcl_edit::parser::parse_expr(text) {
        Ok(e) => Ok(Expr::new(e, Source::new(file))),
        Err(e) => Err(syntax_error(&e, &file)),
    }
}

/// A diagnostic for an hcl-edit parse error, pointing at its location.
pub fn syntax_error(e: &hcl_edit::parser::Error, file: &Arc<SourceFile>) -> Diagnostic {
    let loc = e.location();
    let pos = cairn_diagnostics::Pos {
        line: loc.line(),
        column: loc.column(),
        byte: loc.offset(),
    };
    Diagnostic::error("Invalid expression", e.message().to_string()).with_span(Some(
        cairn_diagnostics::Span {
            file: file.name.clone(),
            start: pos,
            end: pos,
        },
    ))
}

/// The (key, value) pairs a `for` expression, `for` directive or
/// `dynamic` block iterates: index and element for lists and tuples, the
/// element twice for sets, key and value for maps and objects. `None`
/// for anything else.
pub fn iteration_pairs(coll: &Value) -> Option<Vec<(Value, Value)>> {
    use cairn_value::Kind;
    Some(match &coll.kind {
        Kind::List(_, items) | Kind::Tuple(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| (Value::int(i as i64), x.clone()))
            .collect(),
        Kind::Set(_, items) => items.iter().map(|x| (x.clone(), x.clone())).collect(),
        Kind::Map(_, m) | Kind::Object(m) => m
            .iter()
            .map(|(k, x)| (Value::string(k.as_str()), x.clone()))
            .collect(),
        _ => return None,
    })
}

/// The candidate closest to `name` within `max` edits (the first of
/// equally close ones), for "did you mean" hints.
pub fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The closest function name, for "did you mean" hints.
pub fn suggest_function(funcs: &Registry, name: &str) -> String {
    match closest(name, funcs.names().chain(["try", "can"]), 2) {
        Some(c) => format!("Did you mean {c:?}?"),
        None => "See the list of built-in functions in cairn's documentation (Terraform's function library).".into(),
    }
}

/// Levenshtein distance, for suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A function context whose `templatefile` renders templates with this
/// crate's evaluator (templates see only their variables and functions).
pub fn context_with_templates(mut ctx: Context, funcs: Arc<Registry>) -> Context {
    let inner = ctx.clone();
    ctx.template = Some(Arc::new(move |text: &str, name: &str, vars: &Value| {
        render_template(text, name, vars, &funcs, &inner)
    }));
    ctx
}

/// Renders a template file's text with the given variables object.
pub fn render_template(
    text: &str,
    name: &str,
    vars: &Value,
    funcs: &Registry,
    ctx: &Context,
) -> Result<Value, String> {
    let file = Arc::new(SourceFile {
        name: name.into(),
        index: LineIndex::new(text),
    });
    let tpl = hcl_edit::parser::parse_template(text).map_err(|e| {
        let loc = e.location();
        format!("{name}:{}:{}: {}", loc.line(), loc.column(), e.message())
    })?;
    let mut bound = BTreeMap::new();
    if let Some(m) = vars.as_entries() {
        for (k, v) in m {
            bound.insert(k.clone(), v.clone());
        }
    }
    // `templatefile` inside a template would allow unbounded recursion, so
    // the template's own context has no renderer (Terraform forbids it too).
    let mut inner = ctx.clone();
    inner.template = None;
    let mut ev = Evaluator::new(&NoReferences, funcs, &inner);
    ev.template_vars_only = true;
    let source = Source::new(file);
    ev.eval_template(&tpl, &source, &bound).map_err(|d| {
        let at = d
            .span
            .as_ref()
            .map(|s| format!("{s}: "))
            .unwrap_or_default();
        format!("{at}{}: {}", d.summary, d.detail)
    })
}

#[cfg(test)]
mod tests;
