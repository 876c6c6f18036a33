//! Small helpers: names, suggestions, references, range text.

use cairn_diagnostics::{Diagnostic, Diagnostics, Span};
use cairn_syntax::hcl_edit::expr::{Expression, TraversalOperator};
use cairn_syntax::{json, Expr};

use crate::model::ProviderRef;

/// Terraform's rule for names: a letter or underscore, then letters,
/// digits, underscores and dashes.
pub fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

pub(crate) const BAD_NAME_DETAIL: &str =
    "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.";

/// Reports an invalid name; returns whether the name is valid.
pub(crate) fn check_name(
    name: &str,
    summary: &str,
    span: Option<Span>,
    diags: &mut Diagnostics,
) -> bool {
    if is_valid_name(name) {
        return true;
    }
    diags.push(Diagnostic::error(summary, BAD_NAME_DETAIL).with_span(span));
    false
}

/// The closest of `candidates` when it is a likely typo (edit distance
/// below 3, as Terraform suggests).
pub(crate) fn suggest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (levenshtein(given, c), *c))
        .filter(|(d, _)| *d < 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
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

/// A range in Terraform's "declared at" form: `main.tf:3,1-21`, or
/// `main.tf:3,1-5,2` when it spans lines.
pub fn range_text(span: &Span) -> String {
    if span.start.line == span.end.line {
        format!(
            "{}:{},{}-{}",
            span.file, span.start.line, span.start.column, span.end.column
        )
    } else {
        format!(
            "{}:{},{}-{},{}",
            span.file, span.start.line, span.start.column, span.end.line, span.end.column
        )
    }
}

pub(crate) fn range_text_opt(span: &Option<Span>) -> String {
    span.as_ref()
        .map(range_text)
        .unwrap_or_else(|| "an unknown position".into())
}

/// The text of a reference made only of names (`aws.west`), else None.
pub(crate) fn reference_text(e: &Expression) -> Option<String> {
    match e {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => {
            let mut s = reference_text(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(i) => {
                        s.push('.');
                        s.push_str(i.as_str());
                    }
                    _ => return None,
                }
            }
            Some(s)
        }
        _ => None,
    }
}

/// Whether `e` is a reference: a name followed by attribute accesses and
/// indexes. With `static_keys`, indexes must be literal (Terraform's
/// "static variable reference", as in `depends_on`).
pub(crate) fn is_reference(e: &Expression, static_keys: bool) -> bool {
    match e {
        Expression::Variable(_) => true,
        Expression::Traversal(t) => {
            matches!(t.expr, Expression::Variable(_))
                && t.operators.iter().all(|op| match op.value() {
                    TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_) => true,
                    TraversalOperator::Index(i) => {
                        !static_keys
                            || matches!(i, Expression::Number(_) | Expression::String(_))
                            || json::literal_string(i).is_some()
                    }
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => false,
                })
        }
        _ => false,
    }
}

pub(crate) const STATIC_REFERENCE_DETAIL: &str = "A single static variable reference is required: only attribute access and indexing with constant keys. No calculations, function calls, template expressions, etc are allowed here.";

/// Checks a reference argument; reports and returns false when invalid.
pub(crate) fn check_reference(e: &Expr, static_keys: bool, diags: &mut Diagnostics) -> bool {
    if is_reference(&e.expr, static_keys) {
        return true;
    }
    let detail = if static_keys {
        STATIC_REFERENCE_DETAIL
    } else {
        "A reference to a resource or module is required: a name followed by attribute accesses and indexes."
    };
    diags.push(Diagnostic::error("Invalid expression", detail).with_span(e.span()));
    false
}

/// Reads `aws` or `aws.west`. Terraform 0.11's quoted form is accepted
/// with a warning.
pub(crate) fn provider_ref(e: &Expr, diags: &mut Diagnostics) -> Option<ProviderRef> {
    let text = match reference_text(&e.expr) {
        Some(t) => Some(t),
        None => {
            let quoted = json::literal_string(&e.expr);
            if quoted.is_some() {
                diags.push(
                    Diagnostic::warning(
                        "Quoted references are deprecated",
                        "In this context, references are expected literally rather than in quotes. Remove the quotes surrounding this reference to silence this warning.",
                    )
                    .with_span(e.span()),
                );
            }
            quoted
        }
    };
    let parts: Vec<&str> = text
        .as_deref()
        .map(|t| t.split('.').collect())
        .unwrap_or_default();
    match parts.as_slice() {
        [name] if is_valid_name(name) => Some(ProviderRef {
            name: name.to_string(),
            alias: None,
            span: e.span(),
        }),
        [name, alias] if is_valid_name(name) && is_valid_name(alias) => Some(ProviderRef {
            name: name.to_string(),
            alias: Some(alias.to_string()),
            span: e.span(),
        }),
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid provider configuration reference",
                    "The provider argument requires a provider type name, optionally followed by a period and then a configuration alias.",
                )
                .with_span(e.span()),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("a-b_1"));
        assert!(is_valid_name("_x"));
        assert!(!is_valid_name("1a"));
        assert!(!is_valid_name("a.b"));
        assert!(!is_valid_name(""));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("resourc", &["resource", "data"]), Some("resource"));
        assert_eq!(suggest("zzz", &["resource", "data"]), None);
    }
}
