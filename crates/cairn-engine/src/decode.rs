//! Decoding a resource body into the object value its schema describes:
//! arguments converted to their types, nested and `dynamic` blocks
//! collected, with Terraform's errors for unsupported, missing and
//! read-only arguments.

use std::collections::BTreeMap;

use cairn_config::{Block, Body, DynamicBlock};
use cairn_diagnostics::{Diagnostic, Span};
use cairn_eval::Evaluator;
use cairn_provider::{Nesting, Schema};
use cairn_value::{convert, Type, Value};

/// Evaluates `body` against `schema`. All problems are collected.
pub fn decode_body(
    body: &Body,
    schema: &Schema,
    ev: &Evaluator<'_>,
) -> Result<Value, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let v = decode(body, schema, ev, &mut diags, body.span.clone());
    if diags.is_empty() {
        Ok(v)
    } else {
        Err(diags)
    }
}

fn decode(
    body: &Body,
    schema: &Schema,
    ev: &Evaluator<'_>,
    diags: &mut Vec<Diagnostic>,
    at: Option<Span>,
) -> Value {
    let mut out = BTreeMap::new();
    for (name, a) in &body.attrs {
        if body.from_json && schema.blocks.contains_key(name) {
            continue;
        }
        let Some(attr) = schema.attributes.get(name) else {
            let hint = if schema.blocks.contains_key(name) {
                format!("{name:?} is a block type: write it as {name} {{ ... }}.")
            } else {
                match closest(name, schema.attributes.keys().chain(schema.blocks.keys())) {
                    Some(c) => format!("Did you mean {c:?}?"),
                    None => "Remove the argument; see the resource type's documentation for its arguments.".into(),
                }
            };
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!("An argument named {name:?} is not expected here."),
                )
                .with_span(a.name_span.clone().or(a.span.clone()))
                .with_hint(hint),
            );
            continue;
        };
        if attr.computed && !attr.optional && !attr.required {
            diags.push(
                Diagnostic::error(
                    "Invalid Configuration for Read-Only Attribute",
                    format!("Cannot set value for the attribute {name:?}: the provider has marked it as read-only."),
                )
                .with_span(a.name_span.clone().or(a.span.clone()))
                .with_hint("Remove the configuration line setting the value."),
            );
            continue;
        }
        match ev.eval(&a.expr) {
            Ok(v) => match convert(&v, attr.ty()) {
                Ok(v) => {
                    out.insert(name.clone(), v);
                }
                Err(e) => diags.push(
                    Diagnostic::error(
                        "Incorrect attribute value type",
                        format!("Inappropriate value for attribute {name:?}: {e}."),
                    )
                    .with_span(a.expr.span()),
                ),
            },
            Err(d) => diags.push(d),
        }
    }
    for (name, attr) in &schema.attributes {
        if out.contains_key(name) {
            continue;
        }
        if attr.required && !body.attrs.contains_key(name) {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("The argument {name:?} is required, but no definition was found."),
                )
                .with_span(at.clone()),
            );
        }
        out.insert(name.clone(), Value::null(attr.ty().clone()));
    }
    for b in &body.blocks {
        if !schema.blocks.contains_key(&b.type_name) {
            diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    format!("Blocks of type {:?} are not expected here.", b.type_name),
                )
                .with_span(b.span.clone())
                .with_hint(match closest(&b.type_name, schema.blocks.keys()) {
                    Some(c) => format!("Did you mean {c:?}?"),
                    None => "See the resource type's documentation for its nested blocks.".into(),
                }),
            );
        }
    }
    for d in &body.dynamic_blocks {
        if !schema.blocks.contains_key(&d.type_name) {
            diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    format!("Blocks of type {:?} are not expected here.", d.type_name),
                )
                .with_span(d.span.clone()),
            );
        }
    }
    for (name, nb) in &schema.blocks {
        let statics: Vec<Block> = if body.from_json {
            body.blocks_of_type(name)
        } else {
            body.blocks
                .iter()
                .filter(|b| &b.type_name == name)
                .cloned()
                .collect()
        };
        let dynamics: Vec<&DynamicBlock> = body
            .dynamic_blocks
            .iter()
            .filter(|d| &d.type_name == name)
            .collect();
        // (order, labels, value) for each block instance, in source order.
        let mut items: Vec<(usize, Vec<String>, Value)> = Vec::new();
        let mut unknown = false;
        for b in &statics {
            let v = decode(&b.body, &nb.block, ev, diags, b.span.clone());
            items.push((b.order, b.labels.clone(), v));
        }
        for d in dynamics {
            match expand_dynamic(d, &nb.block, ev, diags) {
                Some(mut xs) => items.append(&mut xs),
                None => unknown = true,
            }
        }
        items.sort_by_key(|(o, _, _)| *o);
        let t = nb.block.implied_type();
        let first_span = statics.first().and_then(|b| b.span.clone()).or(at.clone());
        if !unknown {
            let n = items.len() as u64;
            if n < nb.min_items {
                diags.push(
                    Diagnostic::error(
                        "Insufficient blocks",
                        format!("At least {} {name:?} block(s) are required.", nb.min_items),
                    )
                    .with_span(at.clone()),
                );
            }
            if let Some(max) = nb.max_items {
                if n > max {
                    diags.push(
                        Diagnostic::error(
                            "Too many blocks",
                            format!("No more than {max} {name:?} block(s) are allowed."),
                        )
                        .with_span(first_span.clone()),
                    );
                }
            }
        }
        let v = if unknown {
            match nb.nesting {
                Nesting::Single => Value::unknown(t),
                Nesting::List => Value::unknown(Type::list(t)),
                Nesting::Set => Value::unknown(Type::set(t)),
                Nesting::Map => Value::unknown(Type::map(t)),
            }
        } else {
            match nb.nesting {
                Nesting::Single => items
                    .into_iter()
                    .next()
                    .map(|(_, _, v)| v)
                    .unwrap_or_else(|| Value::null(t)),
                Nesting::List => Value::list(t, items.into_iter().map(|(_, _, v)| v).collect()),
                Nesting::Set => Value::set(t, items.into_iter().map(|(_, _, v)| v).collect()),
                Nesting::Map => {
                    let mut m = BTreeMap::new();
                    for (_, labels, v) in items {
                        let key = labels.into_iter().next().unwrap_or_default();
                        if m.insert(key.clone(), v).is_some() {
                            diags.push(
                                Diagnostic::error(
                                    "Duplicate block",
                                    format!(
                                        "A {name:?} block labelled {key:?} was already declared."
                                    ),
                                )
                                .with_span(first_span.clone()),
                            );
                        }
                    }
                    Value::map(t, m)
                }
            }
        };
        out.insert(name.clone(), v);
    }
    Value::object(out)
}

/// The block instances a `dynamic` block generates, or `None` when its
/// `for_each` is not known yet.
fn expand_dynamic(
    d: &DynamicBlock,
    schema: &Schema,
    ev: &Evaluator<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<(usize, Vec<String>, Value)>> {
    let coll = match ev.eval(&d.for_each) {
        Ok(v) => v,
        Err(e) => {
            diags.push(e);
            return Some(Vec::new());
        }
    };
    if coll.is_null() {
        diags.push(
            Diagnostic::error(
                "Invalid dynamic for_each value",
                "Cannot use a null value in for_each.",
            )
            .with_span(d.for_each.span()),
        );
        return Some(Vec::new());
    }
    if !coll.is_wholly_known() && coll.is_unknown() {
        return None;
    }
    let marked = coll.sensitive;
    let pairs: Vec<(Value, Value)> = match cairn_eval::iteration_pairs(&coll) {
        Some(p) => p,
        None => {
            diags.push(
                Diagnostic::error(
                    "Invalid dynamic for_each value",
                    format!(
                        "Cannot use a {} value in for_each. An iterable collection is required.",
                        coll.ty().friendly_name()
                    ),
                )
                .with_span(d.for_each.span()),
            );
            return Some(Vec::new());
        }
    };
    let mut out = Vec::new();
    for (k, x) in pairs {
        let mut iter = BTreeMap::new();
        iter.insert("key".to_string(), k.mark(marked));
        iter.insert("value".to_string(), x.mark(marked));
        let mut inner = Evaluator::new(ev.resolver, ev.funcs, ev.ctx);
        inner.bound = ev.bound.clone();
        inner
            .bound
            .push((d.iterator_name().to_string(), Value::object(iter)));
        let mut labels = Vec::new();
        for l in &d.labels {
            match inner.eval(l).map(|v| convert(&v, &Type::String)) {
                Ok(Ok(v)) => labels.push(v.as_str().unwrap_or_default().to_string()),
                Ok(Err(e)) => diags.push(
                    Diagnostic::error(
                        "Invalid dynamic block label",
                        format!("Cannot use this value as a label: {e}."),
                    )
                    .with_span(l.span()),
                ),
                Err(e) => diags.push(e),
            }
        }
        let v = decode(&d.content, schema, &inner, diags, d.span.clone());
        out.push((d.order, labels, v));
    }
    Some(out)
}

fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    cairn_eval::closest(name, candidates.map(String::as_str), 2)
}
