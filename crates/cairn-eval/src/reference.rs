//! References: the named things an expression reads (`var.x`,
//! `aws_instance.web`, `count.index`, ...), found by parsing the start of a
//! traversal the way Terraform does.

use std::fmt;

use cairn_diagnostics::{Diagnostic, Span};
use cairn_syntax::Source;
use hcl_edit::expr::{Expression, Traversal, TraversalOperator};
use hcl_edit::Span as _;

/// Whether a resource reference is to a managed resource or a data source.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

/// A reference to a named object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reference {
    Var(String),
    Local(String),
    /// `module.NAME`: the module call's outputs (an object, or a tuple/object
    /// of them for `count`/`for_each`).
    Module(String),
    Resource {
        mode: Mode,
        type_name: String,
        name: String,
    },
    CountIndex,
    EachKey,
    EachValue,
    /// `path.module`, `path.root`, `path.cwd`.
    Path(String),
    TerraformWorkspace,
    SelfRef,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Var(n) => write!(f, "var.{n}"),
            Reference::Local(n) => write!(f, "local.{n}"),
            Reference::Module(n) => write!(f, "module.{n}"),
            Reference::Resource {
                mode: Mode::Managed,
                type_name,
                name,
            } => write!(f, "{type_name}.{name}"),
            Reference::Resource {
                mode: Mode::Data,
                type_name,
                name,
            } => write!(f, "data.{type_name}.{name}"),
            Reference::CountIndex => write!(f, "count.index"),
            Reference::EachKey => write!(f, "each.key"),
            Reference::EachValue => write!(f, "each.value"),
            Reference::Path(n) => write!(f, "path.{n}"),
            Reference::TerraformWorkspace => write!(f, "terraform.workspace"),
            Reference::SelfRef => write!(f, "self"),
        }
    }
}

/// A reference found in an expression, with its span and how many of the
/// traversal's operators it consumed.
#[derive(Clone, Debug)]
pub struct FoundRef {
    pub reference: Reference,
    pub span: Option<Span>,
    pub consumed: usize,
    /// The attribute named right after the reference (`module.m.out`
    /// gives `out`), when there is one.
    pub next_attr: Option<String>,
}

fn attr_name(op: &TraversalOperator) -> Option<&str> {
    match op {
        TraversalOperator::GetAttr(id) => Some(id.as_str()),
        _ => None,
    }
}

/// Parses the reference at the start of a traversal rooted at `root`.
/// `ops` are the traversal's operators (may be empty for a bare name).
pub fn parse_reference(
    root: &str,
    ops: &[&TraversalOperator],
    span_at: &dyn Fn(usize) -> Option<Span>,
) -> Result<(Reference, usize), Diagnostic> {
    let attr = |i: usize| ops.get(i).and_then(|o| attr_name(o));
    let need = |what: &str, detail: String| {
        Diagnostic::error(format!("Invalid reference{what}"), detail).with_span(span_at(0))
    };
    match root {
        "var" | "local" | "module" => {
            let Some(name) = attr(0) else {
                return Err(need(
                    "",
                    format!("The \"{root}\" object cannot be accessed directly. Instead, access one of its attributes."),
                ));
            };
            let r = match root {
                "var" => Reference::Var(name.to_string()),
                "local" => Reference::Local(name.to_string()),
                _ => Reference::Module(name.to_string()),
            };
            Ok((r, 1))
        }
        "count" => match attr(0) {
            Some("index") => Ok((Reference::CountIndex, 1)),
            Some(other) => Err(Diagnostic::error(
                "Invalid \"count\" attribute",
                format!("The \"count\" object does not have an attribute named {other:?}. The only supported attribute is count.index, which is the index of each instance of a resource block that has the \"count\" argument set."),
            )
            .with_span(span_at(1))),
            None => Err(need("", "The \"count\" object cannot be accessed directly. Instead, access one of its attributes.".into())),
        },
        "each" => match attr(0) {
            Some("key") => Ok((Reference::EachKey, 1)),
            Some("value") => Ok((Reference::EachValue, 1)),
            Some(other) => Err(Diagnostic::error(
                "Invalid \"each\" attribute",
                format!("The \"each\" object does not have an attribute named {other:?}. The supported attributes are each.key and each.value, the current key and value pair of the \"for_each\" attribute set."),
            )
            .with_span(span_at(1))),
            None => Err(need("", "The \"each\" object cannot be accessed directly. Instead, access one of its attributes.".into())),
        },
        "path" => match attr(0) {
            Some(n @ ("module" | "root" | "cwd")) => Ok((Reference::Path(n.to_string()), 1)),
            Some(other) => Err(Diagnostic::error(
                "Invalid \"path\" attribute",
                format!("The \"path\" object does not have an attribute named {other:?}. The supported attributes are path.cwd, path.module and path.root."),
            )
            .with_span(span_at(1))),
            None => Err(need("", "The \"path\" object cannot be accessed directly. Instead, access one of its attributes.".into())),
        },
        "terraform" => match attr(0) {
            Some("workspace") => Ok((Reference::TerraformWorkspace, 1)),
            Some(other) => Err(Diagnostic::error(
                "Invalid \"terraform\" attribute",
                format!("The \"terraform\" object does not have an attribute named {other:?}. The only supported attribute is terraform.workspace, the name of the currently-selected workspace."),
            )
            .with_span(span_at(1))),
            None => Err(need("", "The \"terraform\" object cannot be accessed directly. Instead, access one of its attributes.".into())),
        },
        "self" => Ok((Reference::SelfRef, 0)),
        "data" => {
            let (Some(t), Some(n)) = (attr(0), attr(1)) else {
                return Err(need(
                    "",
                    "A reference to a data source must be followed by at least one attribute access, specifying the resource type and name.".into(),
                ));
            };
            Ok((
                Reference::Resource {
                    mode: Mode::Data,
                    type_name: t.to_string(),
                    name: n.to_string(),
                },
                2,
            ))
        }
        "resource" => {
            let (Some(t), Some(n)) = (attr(0), attr(1)) else {
                return Err(need(
                    "",
                    "The \"resource\" object must be followed by two attribute names: the resource type and the resource name.".into(),
                ));
            };
            Ok((
                Reference::Resource {
                    mode: Mode::Managed,
                    type_name: t.to_string(),
                    name: n.to_string(),
                },
                2,
            ))
        }
        _ => {
            let Some(n) = attr(0) else {
                return Err(need(
                    "",
                    "A reference to a resource type must be followed by at least one attribute access, specifying the resource name.".into(),
                ));
            };
            Ok((
                Reference::Resource {
                    mode: Mode::Managed,
                    type_name: root.to_string(),
                    name: n.to_string(),
                },
                1,
            ))
        }
    }
}

/// Every reference in an expression, skipping names bound by `for`
/// expressions and template `for` directives, and names in `bound`.
/// Invalid references are reported as diagnostics.
pub fn references(
    expr: &Expression,
    source: &Source,
    bound: &[String],
) -> (Vec<FoundRef>, Vec<Diagnostic>) {
    let mut w = Walker {
        source,
        bound: bound.to_vec(),
        refs: Vec::new(),
        diags: Vec::new(),
    };
    w.expr(expr);
    (w.refs, w.diags)
}

struct Walker<'a> {
    source: &'a Source,
    bound: Vec<String>,
    refs: Vec<FoundRef>,
    diags: Vec<Diagnostic>,
}

impl Walker<'_> {
    fn root(
        &mut self,
        name: &str,
        ops: &[&TraversalOperator],
        whole: Option<std::ops::Range<usize>>,
        root_span: Option<std::ops::Range<usize>>,
    ) {
        if self.bound.iter().any(|b| b == name) {
            return;
        }
        let src = self.source;
        let span_at = |i: usize| -> Option<Span> {
            if i == 0 {
                src.span(root_span.clone())
            } else {
                ops.get(i - 1)
                    .and_then(|o| src.span(o.span()))
                    .or_else(|| src.span(whole.clone()))
            }
        };
        match parse_reference(name, ops, &span_at) {
            Ok((reference, consumed)) => {
                let end = if consumed == 0 {
                    root_span.clone()
                } else {
                    ops.get(consumed - 1).and_then(|o| o.span())
                };
                let span = match (root_span.clone(), end) {
                    (Some(a), Some(b)) => src.span(Some(a.start..b.end)),
                    (a, _) => src.span(a),
                };
                let next_attr = ops
                    .get(consumed)
                    .and_then(|o| attr_name(o))
                    .map(str::to_string);
                self.refs.push(FoundRef {
                    reference,
                    span,
                    consumed,
                    next_attr,
                });
            }
            Err(d) => self.diags.push(d),
        }
    }

    fn traversal(&mut self, t: &Traversal) {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        if let Expression::Variable(v) = &t.expr {
            self.root(v.as_str(), &ops, t.span(), v.span());
        } else {
            self.expr(&t.expr);
        }
        for op in &t.operators {
            if let TraversalOperator::Index(e) = op.value() {
                self.expr(e);
            }
        }
    }

    fn template(&mut self, tpl: &hcl_edit::template::Template) {
        use hcl_edit::template::{Directive, Element};
        for el in tpl.iter() {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(i) => {
                        self.expr(&i.if_expr.cond_expr);
                        self.template(&i.if_expr.template);
                        if let Some(e) = &i.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(f) => {
                        self.expr(&f.for_expr.collection_expr);
                        let n = self.bound.len();
                        if let Some(k) = &f.for_expr.key_var {
                            self.bound.push(k.as_str().to_string());
                        }
                        self.bound.push(f.for_expr.value_var.as_str().to_string());
                        self.template(&f.for_expr.template);
                        self.bound.truncate(n);
                    }
                },
            }
        }
    }

    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(a) => a.iter().for_each(|x| self.expr(x)),
            Expression::Object(o) => {
                for (k, v) in o.iter() {
                    if let hcl_edit::expr::ObjectKey::Expression(ke) = k {
                        // A bare name as a key is a literal string, not a reference.
                        if !matches!(ke, Expression::Variable(_)) {
                            self.expr(ke);
                        }
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => self.root(v.as_str(), &[], v.span(), v.span()),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(f) => f.args.iter().for_each(|x| self.expr(x)),
            Expression::Traversal(t) => self.traversal(t),
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let n = self.bound.len();
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.as_str().to_string());
                }
                self.bound.push(f.intro.value_var.as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(n);
            }
        }
    }
}
