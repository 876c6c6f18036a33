//! Checks that need no values: unknown functions and wrong argument counts.

use cairn_diagnostics::Diagnostic;
use cairn_functions::Registry;
use cairn_syntax::Expr;
use hcl_edit::expr::FuncCall;
use hcl_edit::visit::{visit_func_call, Visit};
use hcl_edit::Span as _;

/// Every call to an unknown function, and every call with the wrong number
/// of arguments, in `e`.
pub fn check_calls(e: &Expr, funcs: &Registry) -> Vec<Diagnostic> {
    let mut v = Calls {
        e,
        funcs,
        diags: Vec::new(),
    };
    v.visit_expr(&e.expr);
    v.diags
}

struct Calls<'a> {
    e: &'a Expr,
    funcs: &'a Registry,
    diags: Vec<Diagnostic>,
}

impl Visit for Calls<'_> {
    fn visit_func_call(&mut self, node: &FuncCall) {
        let mut name = String::new();
        for ns in &node.name.namespace {
            name.push_str(ns.as_str());
            name.push_str("::");
        }
        name.push_str(node.name.name.as_str());
        let name = name.strip_prefix("core::").unwrap_or(&name).to_string();
        let span = self.e.source.span(node.name.name.span());
        let n = node.args.len();
        let arity = match name.as_str() {
            "try" => Some((1, None)),
            "can" => Some((1, Some(1))),
            _ => self.funcs.get(&name).map(|f| {
                let max = if f.variadic.is_some() {
                    None
                } else {
                    Some(f.params.len())
                };
                (f.params.len(), max)
            }),
        };
        match arity {
            None => self.diags.push(
                Diagnostic::error(
                    "Call to unknown function",
                    format!("There is no function named {name:?}."),
                )
                .with_span(span)
                .with_hint(crate::suggest_function(self.funcs, &name)),
            ),
            // With `...` expansion the count is only known at run time.
            Some(_) if node.args.expand_final() => {}
            Some((min, _)) if n < min => self.diags.push(
                Diagnostic::error(
                    "Not enough function arguments",
                    format!(
                        "Function {name:?} expects {min} argument(s). Missing value for {:?}.",
                        self.funcs
                            .get(&name)
                            .and_then(|f| f.params.get(n))
                            .map(|p| p.name)
                            .unwrap_or("value")
                    ),
                )
                .with_span(span),
            ),
            Some((_, Some(max))) if n > max => self.diags.push(
                Diagnostic::error(
                    "Too many function arguments",
                    format!("Function {name:?} expects only {max} argument(s)."),
                )
                .with_span(span),
            ),
            Some(_) => {}
        }
        visit_func_call(self, node);
    }
}
