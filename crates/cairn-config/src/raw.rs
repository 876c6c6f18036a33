//! A common view of `.tf` and `.tf.json` block bodies.
//!
//! HCL bodies say which items are blocks; JSON bodies do not, so a body is
//! decoded against a [`Schema`] naming the arguments and block types the
//! caller expects (as HCL's own decoder does). Override files are merged at
//! this level: a [`RawBody::Merged`] answers every query with the base's
//! items replaced by the override's.

use std::sync::Arc;

use cairn_diagnostics::{Diagnostic, Diagnostics, Span};
use cairn_syntax::hcl_edit::expr::{Expression, ObjectKey};
use cairn_syntax::hcl_edit::structure::{self, BlockLabel};
use cairn_syntax::hcl_edit::Span as _;
use cairn_syntax::json::{json_expr, json_keyword_expr, JsonKind, JsonValue, StringMode};
use cairn_syntax::{json, Expr, Source, SourceFile};
use indexmap::IndexMap;

use crate::util::{self, reference_text};

/// A JSON file's text and identity, shared by the values read from it.
#[derive(Clone, Debug)]
pub(crate) struct JsonCtx {
    pub text: Arc<str>,
    pub file: Arc<SourceFile>,
}

impl JsonCtx {
    pub fn span(&self, range: std::ops::Range<usize>) -> Option<Span> {
        Some(self.file.index.span(&self.file.name, range))
    }
}

#[derive(Clone, Debug)]
pub(crate) enum RawBody {
    Hcl {
        body: structure::Body,
        src: Source,
        /// The file's text, to find braces hcl-edit keeps no span for.
        text: Arc<str>,
    },
    /// One or more JSON objects (Terraform allows an array of objects
    /// wherever a body is expected).
    Json {
        objects: Vec<JsonValue>,
        ctx: JsonCtx,
    },
    Merged {
        base: Box<RawBody>,
        over: Box<RawBody>,
    },
}

/// An argument of a raw body.
#[derive(Clone, Debug)]
pub(crate) struct RawAttr {
    pub name: String,
    pub name_span: Option<Span>,
    /// `name = value` as a whole.
    pub span: Option<Span>,
    pub value: RawValue,
}

#[derive(Clone, Debug)]
pub(crate) enum RawValue {
    Hcl(Expr),
    Json(JsonValue, JsonCtx),
}

#[derive(Clone, Debug)]
pub(crate) struct Label {
    pub value: String,
    pub span: Option<Span>,
}

/// A nested block of a raw body.
#[derive(Clone, Debug)]
pub(crate) struct RawBlock {
    pub type_name: String,
    pub type_span: Option<Span>,
    pub labels: Vec<Label>,
    pub body: RawBody,
    pub span: Option<Span>,
    /// The header, `resource "a" "b"`, as Terraform's "declared at".
    pub decl_span: Option<Span>,
    /// The body's opening brace, where missing arguments are reported.
    pub brace_span: Option<Span>,
}

impl RawBlock {
    pub fn label(&self, i: usize) -> &str {
        self.labels.get(i).map(|l| l.value.as_str()).unwrap_or("")
    }

    pub fn label_span(&self, i: usize) -> Option<Span> {
        self.labels.get(i).and_then(|l| l.span.clone())
    }

    /// The key nested-block overrides replace by: a `dynamic "x"` block
    /// counts as a block of type `x`.
    fn override_key(&self) -> &str {
        if self.type_name == "dynamic" && self.labels.len() == 1 {
            self.label(0)
        } else {
            &self.type_name
        }
    }
}

/// A block type a schema expects, with its label names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockSpec {
    pub name: &'static str,
    pub labels: &'static [&'static str],
}

pub(crate) const fn block(name: &'static str, labels: &'static [&'static str]) -> BlockSpec {
    BlockSpec { name, labels }
}

/// What a body is expected to contain.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schema {
    pub attrs: &'static [&'static str],
    pub blocks: &'static [BlockSpec],
    /// Nested block types that overrides merge argument by argument
    /// (`lifecycle`) instead of replacing.
    pub merge_blocks: &'static [&'static str],
}

/// A body sorted by a schema.
#[derive(Debug, Default)]
pub(crate) struct Content {
    pub attrs: IndexMap<String, RawAttr>,
    pub blocks: Vec<RawBlock>,
    pub other_attrs: Vec<RawAttr>,
    pub other_blocks: Vec<RawBlock>,
}

impl Content {
    /// Reports every argument and block the schema does not name.
    pub fn reject_others(&self, schema: &Schema, diags: &mut Diagnostics) {
        for a in &self.other_attrs {
            if let RawValue::Json(..) = a.value {
                // JSON cannot say whether it meant an argument or a block.
                let mut names: Vec<&str> = schema.attrs.to_vec();
                names.extend(schema.blocks.iter().map(|b| b.name));
                let d = Diagnostic::error(
                    "Extraneous JSON object property",
                    format!("No argument or block type is named \"{}\".", a.name),
                )
                .with_span(a.name_span.clone());
                diags.push(match util::suggest(&a.name, &names) {
                    Some(s) => d.with_hint(format!("Did you mean \"{s}\"?")),
                    None => d,
                });
                continue;
            }
            diags.push(unsupported_argument(
                &a.name,
                a.name_span.clone(),
                schema.attrs,
            ));
        }
        for b in &self.other_blocks {
            let names: Vec<&str> = schema.blocks.iter().map(|s| s.name).collect();
            diags.push(unsupported_block(&b.type_name, b.type_span.clone(), &names));
        }
    }

    pub fn blocks_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a RawBlock> + 'a {
        self.blocks.iter().filter(move |b| b.type_name == name)
    }
}

pub(crate) fn unsupported_argument(
    name: &str,
    span: Option<Span>,
    expected: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error(
        "Unsupported argument",
        format!("An argument named \"{name}\" is not expected here."),
    )
    .with_span(span);
    match util::suggest(name, expected) {
        Some(s) => d.with_hint(format!("Did you mean \"{s}\"?")),
        None => d,
    }
}

pub(crate) fn unsupported_block(name: &str, span: Option<Span>, expected: &[&str]) -> Diagnostic {
    let d = Diagnostic::error(
        "Unsupported block type",
        format!("Blocks of type \"{name}\" are not expected here."),
    )
    .with_span(span);
    match util::suggest(name, expected) {
        Some(s) => d.with_hint(format!("Did you mean \"{s}\"?")),
        None => d,
    }
}

impl RawBody {
    pub fn span(&self) -> Option<Span> {
        match self {
            RawBody::Hcl { body, src, .. } => src.span(body.span()),
            RawBody::Json { objects, ctx } => {
                let first = objects.first()?;
                let last = objects.last()?;
                ctx.span(first.range.start..last.range.end)
            }
            RawBody::Merged { base, .. } => base.span(),
        }
    }

    pub fn is_json(&self) -> bool {
        match self {
            RawBody::Hcl { .. } => false,
            RawBody::Json { .. } => true,
            RawBody::Merged { base, .. } => base.is_json(),
        }
    }

    /// Sorts the body's items by `schema`, checking label counts.
    pub fn content(&self, schema: &Schema, diags: &mut Diagnostics) -> Content {
        match self {
            RawBody::Hcl { body, src, text } => hcl_content(body, src, text, schema, diags),
            RawBody::Json { objects, ctx } => {
                let mut c = Content::default();
                for obj in objects {
                    json_content(obj, ctx, schema, &mut c, diags);
                }
                c
            }
            RawBody::Merged { base, over } => {
                let mut c = base.content(schema, diags);
                let o = over.content(schema, diags);
                for (k, v) in o.attrs {
                    c.attrs.insert(k, v);
                }
                for a in o.other_attrs {
                    match c.other_attrs.iter_mut().find(|x| x.name == a.name) {
                        Some(x) => *x = a,
                        None => c.other_attrs.push(a),
                    }
                }
                c.blocks = merge_blocks(c.blocks, o.blocks, schema.merge_blocks);
                c.other_blocks = merge_blocks(c.other_blocks, o.other_blocks, &[]);
                c
            }
        }
    }

    /// All items as arguments (a `locals` block, `required_providers`);
    /// blocks are reported.
    pub fn just_attributes(&self, diags: &mut Diagnostics) -> Vec<RawAttr> {
        const NONE: Schema = Schema {
            attrs: &[],
            blocks: &[],
            merge_blocks: &[],
        };
        let c = self.content(&NONE, diags);
        for b in &c.other_blocks {
            diags.push(
                Diagnostic::error(
                    format!("Unexpected \"{}\" block", b.type_name),
                    "Blocks are not allowed here.",
                )
                .with_span(b.type_span.clone()),
            );
        }
        c.other_attrs
    }
}

/// Nested blocks of a type the override has replace all of the base's
/// blocks of that type; `merge` types are merged argument by argument.
fn merge_blocks(base: Vec<RawBlock>, over: Vec<RawBlock>, merge: &[&str]) -> Vec<RawBlock> {
    let mut out = base;
    let mut replaced: Vec<String> = Vec::new();
    for b in over {
        let key = b.override_key().to_string();
        if merge.contains(&key.as_str()) {
            if let Some(i) = out.iter().position(|x| x.type_name == key) {
                let mut existing = out.remove(i);
                existing.body = RawBody::Merged {
                    base: Box::new(existing.body),
                    over: Box::new(b.body),
                };
                out.insert(i, existing);
                continue;
            }
        } else if !replaced.contains(&key) {
            out.retain(|x| x.override_key() != key);
            replaced.push(key);
        }
        out.push(b);
    }
    out
}

fn hcl_content(
    body: &structure::Body,
    src: &Source,
    text: &Arc<str>,
    schema: &Schema,
    diags: &mut Diagnostics,
) -> Content {
    let mut c = Content::default();
    for s in body.iter() {
        match s {
            structure::Structure::Attribute(a) => {
                let name = a.key.as_str().to_string();
                let raw = RawAttr {
                    name: name.clone(),
                    name_span: src.span(a.key.span()),
                    span: src.span(a.span()),
                    value: RawValue::Hcl(Expr::new(a.value.clone(), src.clone())),
                };
                if schema.attrs.contains(&name.as_str()) {
                    c.attrs.insert(name, raw);
                } else {
                    c.other_attrs.push(raw);
                }
            }
            structure::Structure::Block(b) => {
                let type_name = b.ident.as_str().to_string();
                let labels: Vec<Label> = b
                    .labels
                    .iter()
                    .map(|l| Label {
                        value: match l {
                            BlockLabel::Ident(i) => i.as_str().to_string(),
                            BlockLabel::String(s) => s.value().to_string(),
                        },
                        span: src.span(l.span()),
                    })
                    .collect();
                let type_span = src.span(b.ident.span());
                let header_end = b
                    .labels
                    .last()
                    .and_then(|l| l.span())
                    .or_else(|| b.ident.span())
                    .map(|r| r.end);
                let decl_span = match (b.ident.span(), header_end) {
                    (Some(r), Some(end)) => src.span(Some(r.start..end)),
                    _ => type_span.clone(),
                };
                let open_brace = header_end
                    .and_then(|end| Some(end + text.get(end..)?.find('{')?))
                    .map(|i| i..i + 1);
                let raw = RawBlock {
                    type_name: type_name.clone(),
                    type_span,
                    labels,
                    body: RawBody::Hcl {
                        body: b.body.clone(),
                        src: src.clone(),
                        text: text.clone(),
                    },
                    span: src.span(b.span()),
                    decl_span,
                    brace_span: src.span(open_brace),
                };
                match schema.blocks.iter().find(|s| s.name == type_name) {
                    Some(spec) => {
                        if check_labels(&raw, spec, raw.brace_span.clone(), diags) {
                            c.blocks.push(raw);
                        }
                    }
                    None => c.other_blocks.push(raw),
                }
            }
        }
    }
    c
}

/// HCL's label-count errors; false when the block must be skipped.
fn check_labels(
    b: &RawBlock,
    spec: &BlockSpec,
    brace: Option<Span>,
    diags: &mut Diagnostics,
) -> bool {
    let want = spec.labels.len();
    let have = b.labels.len();
    if have < want {
        let list = spec.labels.join(", ");
        diags.push(
            Diagnostic::error(
                format!("Missing {} for {}", spec.labels[have], spec.name),
                format!(
                    "All {} blocks must have {} labels ({list}).",
                    spec.name, want
                ),
            )
            .with_span(brace.or_else(|| b.decl_span.clone())),
        );
        return false;
    }
    if have > want {
        let detail = if want == 0 {
            format!("No labels are expected for {} blocks.", spec.name)
        } else {
            format!(
                "Only {want} labels ({}) are expected for {} blocks.",
                spec.labels.join(", "),
                spec.name
            )
        };
        diags.push(
            Diagnostic::error(format!("Extraneous label for {}", spec.name), detail)
                .with_span(b.label_span(want)),
        );
        return false;
    }
    true
}

fn not_object(v: &JsonValue, ctx: &JsonCtx, what: &str) -> Diagnostic {
    Diagnostic::error(
        "Incorrect JSON value type",
        format!(
            "A JSON object is required here, {what}; found {}.",
            v.kind_name()
        ),
    )
    .with_span(ctx.span(v.range.clone()))
}

fn json_content(
    obj: &JsonValue,
    ctx: &JsonCtx,
    schema: &Schema,
    c: &mut Content,
    diags: &mut Diagnostics,
) {
    let Some(props) = obj.as_object() else {
        diags.push(not_object(obj, ctx, "setting the arguments for this block"));
        return;
    };
    for p in props {
        // "//" properties are comments in Terraform's JSON syntax.
        if p.name == "//" {
            continue;
        }
        let name_span = ctx.span(p.name_range.clone());
        if let Some(spec) = schema.blocks.iter().find(|s| s.name == p.name) {
            let head = Label {
                value: p.name.clone(),
                span: name_span.clone(),
            };
            json_blocks(
                &p.value,
                spec.labels,
                &head,
                Vec::new(),
                ctx,
                &mut c.blocks,
                diags,
            );
            continue;
        }
        let raw = RawAttr {
            name: p.name.clone(),
            name_span,
            span: ctx.span(p.name_range.start..p.value.range.end),
            value: RawValue::Json(p.value.clone(), ctx.clone()),
        };
        if schema.attrs.contains(&p.name.as_str()) {
            c.attrs.insert(p.name.clone(), raw);
        } else {
            c.other_attrs.push(raw);
        }
    }
}

/// Expands `"type": {"label1": {"label2": {body}}}` into blocks; at every
/// level an array of objects may stand for several.
fn json_blocks(
    v: &JsonValue,
    labels_left: &[&str],
    head: &Label,
    labels: Vec<Label>,
    ctx: &JsonCtx,
    out: &mut Vec<RawBlock>,
    diags: &mut Diagnostics,
) {
    match &v.kind {
        JsonKind::Array(items) => {
            for item in items {
                json_blocks(item, labels_left, head, labels.clone(), ctx, out, diags);
            }
        }
        JsonKind::Object(props) if !labels_left.is_empty() => {
            for p in props {
                if p.name == "//" {
                    continue;
                }
                let mut l = labels.clone();
                l.push(Label {
                    value: p.name.clone(),
                    span: ctx.span(p.name_range.clone()),
                });
                json_blocks(&p.value, &labels_left[1..], head, l, ctx, out, diags);
            }
        }
        JsonKind::Object(_) => {
            let decl_span = labels.last().map_or(head.span.clone(), |l| l.span.clone());
            out.push(RawBlock {
                type_name: head.value.clone(),
                type_span: head.span.clone(),
                labels,
                body: RawBody::Json {
                    objects: vec![v.clone()],
                    ctx: ctx.clone(),
                },
                span: ctx.span(v.range.clone()),
                decl_span,
                brace_span: ctx.span(v.range.start..v.range.start + 1),
            });
        }
        _ => {
            let what = if labels_left.is_empty() {
                "setting the arguments for this block".to_string()
            } else {
                format!("to group {} blocks by {}", head.value, labels_left[0])
            };
            diags.push(not_object(v, ctx, &what));
        }
    }
}

impl RawAttr {
    /// The span of the value alone.
    pub fn value_span(&self) -> Option<Span> {
        match &self.value {
            RawValue::Hcl(e) => e.span(),
            RawValue::Json(v, ctx) => ctx.span(v.range.clone()),
        }
    }

    /// The value as an expression (JSON strings are templates).
    pub fn expr(&self, diags: &mut Diagnostics) -> Option<Expr> {
        match &self.value {
            RawValue::Hcl(e) => Some(e.clone()),
            RawValue::Json(v, ctx) => {
                match json_expr(&ctx.text, v, &ctx.file, StringMode::Template) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        diags.push(json_expr_error(e, ctx));
                        None
                    }
                }
            }
        }
    }

    /// The value where Terraform evaluates without a context (a variable's
    /// `default`): in JSON, strings are then literal text, not templates.
    pub fn literal_expr(&self, diags: &mut Diagnostics) -> Option<Expr> {
        match &self.value {
            RawValue::Hcl(e) => Some(e.clone()),
            RawValue::Json(v, ctx) => match json_expr(&ctx.text, v, &ctx.file, StringMode::Literal)
            {
                Ok(e) => Some(e),
                Err(e) => {
                    diags.push(json_expr_error(e, ctx));
                    None
                }
            },
        }
    }

    /// The value where Terraform expects a reference or keyword: in JSON
    /// the string's content is parsed as an expression.
    pub fn keyword(&self, diags: &mut Diagnostics) -> Option<Expr> {
        match &self.value {
            RawValue::Hcl(e) => Some(e.clone()),
            RawValue::Json(v, ctx) => json_keyword(v, ctx, diags),
        }
    }

    /// A list of references or keywords (`depends_on`, `ignore_changes`).
    pub fn keyword_list(&self, diags: &mut Diagnostics) -> Option<Vec<Expr>> {
        match &self.value {
            RawValue::Hcl(e) => match &e.expr {
                Expression::Array(a) => Some(
                    a.iter()
                        .map(|x| Expr::new(x.clone(), e.source.clone()))
                        .collect(),
                ),
                _ => {
                    diags.push(static_list_required(e.span()));
                    None
                }
            },
            RawValue::Json(v, ctx) => match v.as_array() {
                Some(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        out.push(json_keyword(item, ctx, diags)?);
                    }
                    Some(out)
                }
                None => {
                    diags.push(static_list_required(ctx.span(v.range.clone())));
                    None
                }
            },
        }
    }

    /// A literal string (`source`, `description`, `version`).
    pub fn static_string(&self, diags: &mut Diagnostics) -> Option<String> {
        let found = match &self.value {
            RawValue::Hcl(e) => json::literal_string(&e.expr),
            RawValue::Json(v, _) => v.as_str().map(str::to_string),
        };
        if found.is_none() {
            diags.push(
                Diagnostic::error(
                    "Unsuitable value type",
                    format!(
                        "The argument \"{}\" requires a literal string; references, function calls and template interpolations are not allowed here.",
                        self.name
                    ),
                )
                .with_span(self.value_span()),
            );
        }
        found
    }

    /// A literal bool (`sensitive`, `nullable`); a literal "true"/"false"
    /// string converts, as in Terraform.
    pub fn static_bool(&self, diags: &mut Diagnostics) -> Option<bool> {
        let found = match &self.value {
            RawValue::Hcl(e) => match &e.expr {
                Expression::Bool(b) => Some(*b.value()),
                other => json::literal_string(other).and_then(|s| s.parse().ok()),
            },
            RawValue::Json(v, _) => match &v.kind {
                JsonKind::Bool(b) => Some(*b),
                JsonKind::String(s) => s.parse().ok(),
                _ => None,
            },
        };
        if found.is_none() {
            diags.push(
                Diagnostic::error(
                    "Unsuitable value type",
                    format!(
                        "The argument \"{}\" requires a literal bool (true or false); references and expressions are not allowed here.",
                        self.name
                    ),
                )
                .with_span(self.value_span()),
            );
        }
        found
    }

    /// The entries of an object-valued argument (`required_providers`
    /// entries, module `providers`), each as an argument of its own. Keys
    /// that are references (`aws.west = ...`) are given as their text.
    pub fn object_items(&self, diags: &mut Diagnostics) -> Option<Vec<RawAttr>> {
        match &self.value {
            RawValue::Hcl(e) => {
                let Expression::Object(obj) = &e.expr else {
                    diags.push(
                        Diagnostic::error(
                            "Invalid expression",
                            format!(
                                "The argument \"{}\" requires an object: {{ key = value, ... }}.",
                                self.name
                            ),
                        )
                        .with_span(e.span()),
                    );
                    return None;
                };
                let mut out = Vec::new();
                for (k, v) in obj.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => Some(i.as_str().to_string()),
                        ObjectKey::Expression(x) => {
                            json::literal_string(x).or_else(|| reference_text(x))
                        }
                    };
                    let key_span = e.source.span(k.span());
                    let Some(key) = key else {
                        diags.push(
                            Diagnostic::error(
                                "Invalid object key",
                                "A static name is required here; computed keys are not allowed.",
                            )
                            .with_span(key_span),
                        );
                        continue;
                    };
                    let value = Expr::new(v.expr().clone(), e.source.clone());
                    let span = match (key_span.clone(), value.span()) {
                        (Some(a), Some(b)) => Some(a.to(&b)),
                        (a, b) => a.or(b),
                    };
                    out.push(RawAttr {
                        name: key,
                        name_span: key_span,
                        span,
                        value: RawValue::Hcl(value),
                    });
                }
                Some(out)
            }
            RawValue::Json(v, ctx) => {
                let Some(props) = v.as_object() else {
                    diags.push(not_object(
                        v,
                        ctx,
                        &format!("for the argument \"{}\"", self.name),
                    ));
                    return None;
                };
                Some(
                    props
                        .iter()
                        .filter(|p| p.name != "//")
                        .map(|p| RawAttr {
                            name: p.name.clone(),
                            name_span: ctx.span(p.name_range.clone()),
                            span: ctx.span(p.name_range.start..p.value.range.end),
                            value: RawValue::Json(p.value.clone(), ctx.clone()),
                        })
                        .collect(),
                )
            }
        }
    }
}

fn json_keyword(v: &JsonValue, ctx: &JsonCtx, diags: &mut Diagnostics) -> Option<Expr> {
    match json_keyword_expr(&ctx.text, v, &ctx.file) {
        Ok(e) => Some(e),
        Err(e) => {
            diags.push(json_expr_error(e, ctx));
            None
        }
    }
}

fn json_expr_error(e: json::JsonError, ctx: &JsonCtx) -> Diagnostic {
    Diagnostic::error("Invalid expression", e.message).with_span(ctx.span(e.range))
}

fn static_list_required(span: Option<Span>) -> Diagnostic {
    Diagnostic::error(
        "Invalid expression",
        "A static list expression is required.",
    )
    .with_span(span)
}

impl RawAttr {
    /// A JSON property that holds blocks (`"dynamic": {"x": {...}}`).
    pub fn json_blocks(&self, spec: &BlockSpec, diags: &mut Diagnostics) -> Vec<RawBlock> {
        let RawValue::Json(v, ctx) = &self.value else {
            return Vec::new();
        };
        let head = Label {
            value: self.name.clone(),
            span: self.name_span.clone(),
        };
        let mut out = Vec::new();
        json_blocks(v, spec.labels, &head, Vec::new(), ctx, &mut out, diags);
        out
    }
}
