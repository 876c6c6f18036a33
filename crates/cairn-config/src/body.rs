//! Generic bodies: resource, provider and backend arguments whose schema is
//! known only to the provider.

use cairn_diagnostics::{Diagnostic, Diagnostics, Span};
use cairn_syntax::hcl_edit::expr::{Expression, ObjectKey};
use cairn_syntax::hcl_edit::Span as _;
use cairn_syntax::{json, Expr};

use crate::model::{Attribute, Block, Body, DynamicBlock};
use crate::raw::{block, RawAttr, RawBlock, RawBody, RawValue, Schema};
use crate::util::{self, range_text_opt};

const NOTHING: Schema = Schema {
    attrs: &[],
    blocks: &[],
    merge_blocks: &[],
};

const DYNAMIC: Schema = Schema {
    attrs: &["for_each", "iterator", "labels"],
    blocks: &[block("content", &[])],
    merge_blocks: &[],
};

/// Decodes a whole body generically.
pub(crate) fn generic_body(raw: &RawBody, diags: &mut Diagnostics) -> Body {
    let c = raw.content(&NOTHING, diags);
    body_from_parts(
        c.other_attrs,
        c.other_blocks,
        raw.is_json(),
        raw.span(),
        diags,
    )
}

/// Builds a generic body from the arguments and blocks a typed decoder
/// left over.
pub(crate) fn body_from_parts(
    attrs: Vec<RawAttr>,
    blocks: Vec<RawBlock>,
    from_json: bool,
    span: Option<Span>,
    diags: &mut Diagnostics,
) -> Body {
    let mut body = Body {
        from_json,
        span,
        ..Body::default()
    };
    let mut blocks = blocks;
    for a in attrs {
        if let RawValue::Json(..) = &a.value {
            // In JSON a `dynamic` property holds blocks, as in HCL.
            if a.name == "dynamic" {
                blocks.extend(a.json_blocks(&block("dynamic", &["type"]), diags));
                continue;
            }
        }
        let Some(expr) = a.expr(diags) else { continue };
        if let Some(prev) = body.attrs.get(&a.name) {
            diags.push(
                Diagnostic::error(
                    "Attribute redefined",
                    format!(
                        "The argument \"{}\" was already set at {}. Each argument may be set only once.",
                        a.name,
                        range_text_opt(&prev.name_span)
                    ),
                )
                .with_span(a.name_span.clone()),
            );
            continue;
        }
        body.attrs.insert(
            a.name.clone(),
            Attribute {
                name: a.name,
                expr,
                span: a.span,
                name_span: a.name_span,
            },
        );
    }
    for (order, b) in blocks.into_iter().enumerate() {
        if b.type_name == "dynamic" {
            if let Some(d) = decode_dynamic(&b, order, diags) {
                body.dynamic_blocks.push(d);
            }
        } else {
            body.blocks.push(Block {
                type_name: b.type_name,
                labels: b.labels.into_iter().map(|l| l.value).collect(),
                body: generic_body(&b.body, diags),
                span: b.span,
                order,
            });
        }
    }
    body
}

fn decode_dynamic(b: &RawBlock, order: usize, diags: &mut Diagnostics) -> Option<DynamicBlock> {
    if b.labels.len() != 1 {
        let (summary, detail, span) = if b.labels.is_empty() {
            (
                "Missing type for dynamic",
                "All dynamic blocks must have 1 labels (type).",
                b.decl_span.clone(),
            )
        } else {
            (
                "Extraneous label for dynamic",
                "Only 1 labels (type) are expected for dynamic blocks.",
                b.label_span(1),
            )
        };
        diags.push(Diagnostic::error(summary, detail).with_span(span));
        return None;
    }
    let c = b.body.content(&DYNAMIC, diags);
    c.reject_others(&DYNAMIC, diags);
    let type_name = b.label(0).to_string();
    let Some(for_each) = c.attrs.get("for_each").and_then(|a| a.expr(diags)) else {
        if !c.attrs.contains_key("for_each") {
            diags.push(missing_argument("for_each", b));
        }
        return None;
    };
    let mut iterator = None;
    if let Some(a) = c.attrs.get("iterator") {
        let e = a.keyword(diags)?;
        match &e.expr {
            Expression::Variable(v) => iterator = Some(v.as_str().to_string()),
            _ => {
                diags.push(
                    Diagnostic::error(
                        "Invalid dynamic iterator name",
                        "Dynamic iterator must be a single variable name.",
                    )
                    .with_span(e.span()),
                );
                return None;
            }
        }
    }
    let labels = match c.attrs.get("labels") {
        Some(a) => {
            let e = a.expr(diags)?;
            match &e.expr {
                Expression::Array(items) => items
                    .iter()
                    .map(|x| Expr::new(x.clone(), e.source.clone()))
                    .collect(),
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "Invalid dynamic block labels",
                            "The labels argument requires a list of label expressions.",
                        )
                        .with_span(e.span()),
                    );
                    return None;
                }
            }
        }
        None => Vec::new(),
    };
    let mut contents = c.blocks_of("content");
    let Some(content) = contents.next() else {
        diags.push(
            Diagnostic::error(
                "Missing content block",
                format!(
                    "The dynamic \"{type_name}\" block must have a nested block of type \"content\" to describe the body of each generated block."
                ),
            )
            .with_span(b.decl_span.clone()),
        );
        return None;
    };
    if let Some(extra) = contents.next() {
        diags.push(
            Diagnostic::error(
                "Duplicate content block",
                format!(
                    "Only one content block is allowed in a dynamic block; the first is at {}.",
                    range_text_opt(&content.decl_span)
                ),
            )
            .with_span(extra.decl_span.clone()),
        );
    }
    Some(DynamicBlock {
        type_name,
        for_each,
        iterator,
        labels,
        content: generic_body(&content.body, diags),
        span: b.span.clone(),
        order,
    })
}

/// "Missing required argument" pointing at the block's opening brace.
pub(crate) fn missing_argument(name: &str, b: &RawBlock) -> Diagnostic {
    let span = b.brace_span.clone().or_else(|| b.decl_span.clone());
    Diagnostic::error(
        "Missing required argument",
        format!("The argument \"{name}\" is required, but no definition was found."),
    )
    .with_span(span)
}

impl Body {
    /// The nested blocks of one type. For bodies read from JSON, where
    /// blocks cannot be told from arguments without the provider schema,
    /// an argument of that name holding an object (one block) or an array
    /// of objects (several) is read as blocks.
    pub fn blocks_of_type(&self, type_name: &str) -> Vec<Block> {
        let mut out: Vec<Block> = self
            .blocks
            .iter()
            .filter(|b| b.type_name == type_name)
            .cloned()
            .collect();
        if self.from_json {
            if let Some(a) = self.attrs.get(type_name) {
                let order = self.blocks.len() + self.dynamic_blocks.len();
                match &a.expr.expr {
                    Expression::Object(_) => {
                        out.extend(object_block(type_name, &a.expr, order));
                    }
                    Expression::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            let e = Expr::new(item.clone(), a.expr.source.clone());
                            out.extend(object_block(type_name, &e, order + i));
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

fn object_block(type_name: &str, e: &Expr, order: usize) -> Option<Block> {
    Some(Block {
        type_name: type_name.to_string(),
        labels: Vec::new(),
        body: object_body(e)?,
        span: e.span(),
        order,
    })
}

/// Reads an object expression from a JSON file as a block body.
fn object_body(e: &Expr) -> Option<Body> {
    let Expression::Object(obj) = &e.expr else {
        return None;
    };
    let mut body = Body {
        from_json: true,
        span: e.span(),
        ..Body::default()
    };
    for (k, v) in obj.iter() {
        let name = match k {
            ObjectKey::Ident(i) => i.as_str().to_string(),
            ObjectKey::Expression(x) => json::literal_string(x)?,
        };
        if name == "//" {
            continue;
        }
        let value = Expr::new(v.expr().clone(), e.source.clone());
        let name_span = e.source.span(k.span());
        if name == "dynamic" {
            let order = body.blocks.len() + body.dynamic_blocks.len();
            body.dynamic_blocks.extend(dynamic_from_expr(&value, order));
            continue;
        }
        let span = match (&name_span, value.span()) {
            (Some(a), Some(b)) => Some(a.to(&b)),
            (a, b) => a.clone().or(b),
        };
        body.attrs.insert(
            name.clone(),
            Attribute {
                name,
                expr: value,
                span,
                name_span,
            },
        );
    }
    Some(body)
}

/// `"dynamic": {"type": {"for_each": ..., "content": {...}}}` inside a
/// JSON object value; entries that do not have that shape are skipped
/// (they fail later, against the provider schema).
fn dynamic_from_expr(e: &Expr, order: usize) -> Vec<DynamicBlock> {
    let mut out = Vec::new();
    let groups: Vec<&Expression> = match &e.expr {
        Expression::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for g in groups {
        let Expression::Object(obj) = g else { continue };
        for (k, v) in obj.iter() {
            let type_name = match k {
                ObjectKey::Ident(i) => i.as_str().to_string(),
                ObjectKey::Expression(x) => match json::literal_string(x) {
                    Some(s) => s,
                    None => continue,
                },
            };
            let spec = Expr::new(v.expr().clone(), e.source.clone());
            let Some(spec_body) = object_body(&spec) else {
                continue;
            };
            let Some(for_each) = spec_body.attrs.get("for_each").map(|a| a.expr.clone()) else {
                continue;
            };
            let iterator = spec_body
                .attrs
                .get("iterator")
                .and_then(|a| json::literal_string(&a.expr.expr));
            let labels = match spec_body.attrs.get("labels").map(|a| &a.expr) {
                Some(l) => match &l.expr {
                    Expression::Array(items) => items
                        .iter()
                        .map(|x| Expr::new(x.clone(), l.source.clone()))
                        .collect(),
                    _ => Vec::new(),
                },
                None => Vec::new(),
            };
            let content = spec_body
                .attrs
                .get("content")
                .and_then(|a| object_body(&a.expr))
                .unwrap_or_default();
            out.push(DynamicBlock {
                type_name,
                for_each,
                iterator,
                labels,
                content,
                span: spec.span(),
                order: order + out.len(),
            });
        }
    }
    out
}

/// Checks a name and reports with `summary`.
pub(crate) fn valid_label(b: &RawBlock, i: usize, summary: &str, diags: &mut Diagnostics) -> bool {
    util::check_name(b.label(i), summary, b.label_span(i), diags)
}
