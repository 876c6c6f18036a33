//! Type constraint expressions: `list(object({a = optional(string, "x")}))`.

use std::collections::{BTreeMap, BTreeSet};

use cairn_diagnostics::{Diagnostic, Diagnostics, Span};
use cairn_syntax::hcl_edit::expr::{Expression, ObjectKey};
use cairn_syntax::{json, Expr, Source};
use cairn_value::Type;

use crate::model::TypeConstraint;
use crate::raw::{RawAttr, RawValue};
use crate::util;

const SUMMARY: &str = "Invalid type specification";
const KEYWORDS: &[&str] = &[
    "string", "number", "bool", "any", "list", "set", "map", "tuple", "object",
];

/// Decodes a variable's `type` argument.
pub(crate) fn decode_type_attr(attr: &RawAttr, diags: &mut Diagnostics) -> Option<TypeConstraint> {
    if let RawValue::Hcl(e) = &attr.value {
        // Terraform 0.11 quoted type names.
        if let Some(s) = json::literal_string(&e.expr) {
            let ty = match s.as_str() {
                "string" => Type::String,
                "list" => Type::list(Type::Dynamic),
                "map" => Type::map(Type::Dynamic),
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "Invalid legacy variable type hint",
                            "To provide a full type expression, remove the surrounding quotes and give the type expression directly.",
                        )
                        .with_span(e.span()),
                    );
                    return None;
                }
            };
            diags.push(
                Diagnostic::warning(
                    "Quoted type constraints are deprecated",
                    format!(
                        "Terraform 0.11 and earlier required type constraints to be given in quotes, but that form is now deprecated. Remove the quotes around \"{s}\" and write {} instead.",
                        if s == "string" { "string".to_string() } else { format!("{s}(any)") }
                    ),
                )
                .with_span(e.span()),
            );
            return Some(TypeConstraint {
                ty,
                defaults: Vec::new(),
                span: e.span(),
            });
        }
    }
    let e = attr.keyword(diags)?;
    parse_type_constraint(&e, diags)
}

/// Parses a type constraint expression.
pub fn parse_type_constraint(e: &Expr, diags: &mut Diagnostics) -> Option<TypeConstraint> {
    let mut p = Parser {
        src: &e.source,
        defaults: Vec::new(),
        path: Vec::new(),
        ok: true,
        diags,
    };
    let ty = p.ty(&e.expr);
    if !p.ok {
        return None;
    }
    Some(TypeConstraint {
        ty,
        defaults: p.defaults,
        span: e.span(),
    })
}

struct Parser<'a> {
    src: &'a Source,
    defaults: Vec<(Vec<String>, Expr)>,
    path: Vec<String>,
    ok: bool,
    diags: &'a mut Diagnostics,
}

impl Parser<'_> {
    fn err(&mut self, detail: impl Into<String>, span: Option<Span>) -> Type {
        self.ok = false;
        self.diags
            .push(Diagnostic::error(SUMMARY, detail).with_span(span));
        Type::Dynamic
    }

    fn span(&self, node: &impl cairn_syntax::hcl_edit::Span) -> Option<Span> {
        self.src.span(node.span())
    }

    fn ty(&mut self, e: &Expression) -> Type {
        match e {
            Expression::Parenthesis(p) => self.ty(p.inner()),
            Expression::Variable(v) => match v.as_str() {
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "any" => Type::Dynamic,
                // Bare collection keywords: Terraform 0.11 meant "of any".
                "list" => Type::list(Type::Dynamic),
                "set" => Type::set(Type::Dynamic),
                "map" => Type::map(Type::Dynamic),
                other => {
                    let span = self.span(v);
                    self.ok = false;
                    let mut d = Diagnostic::error(
                        SUMMARY,
                        format!("The keyword \"{other}\" is not a valid type specification."),
                    )
                    .with_span(span);
                    if let Some(s) = util::suggest(other, KEYWORDS) {
                        d = d.with_hint(format!("Did you mean \"{s}\"?"));
                    }
                    self.diags.push(d);
                    Type::Dynamic
                }
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                let span = self.span(&**call);
                let args: Vec<&Expression> = call.args.iter().collect();
                match name {
                    "list" | "set" | "map" => {
                        if args.len() != 1 {
                            return self.err(
                                format!("The {name} type constructor requires one argument specifying the element type."),
                                span,
                            );
                        }
                        self.path.push("*".into());
                        let el = self.ty(args[0]);
                        self.path.pop();
                        match name {
                            "list" => Type::list(el),
                            "set" => Type::set(el),
                            _ => Type::map(el),
                        }
                    }
                    "tuple" => {
                        let Some(Expression::Array(items)) = args.first().copied().filter(|_| args.len() == 1) else {
                            return self.err(
                                "The tuple type constructor requires one argument specifying the element types as a list.",
                                span,
                            );
                        };
                        let mut tys = Vec::new();
                        for (i, item) in items.iter().enumerate() {
                            self.path.push(i.to_string());
                            tys.push(self.ty(item));
                            self.path.pop();
                        }
                        Type::Tuple(tys)
                    }
                    "object" => {
                        let Some(Expression::Object(obj)) = args.first().copied().filter(|_| args.len() == 1) else {
                            return self.err(
                                "The object type constructor requires one argument specifying the attribute types as a map.",
                                span,
                            );
                        };
                        let mut attrs = BTreeMap::new();
                        let mut optional = BTreeSet::new();
                        for (k, v) in obj.iter() {
                            let key = match k {
                                ObjectKey::Ident(i) => Some(i.as_str().to_string()),
                                ObjectKey::Expression(Expression::Variable(i)) => Some(i.as_str().to_string()),
                                ObjectKey::Expression(x) => json::literal_string(x),
                            };
                            let Some(key) = key else {
                                let ks = self.span(k);
                                self.err("Object constructor map keys must be attribute names.", ks);
                                continue;
                            };
                            self.path.push(key.clone());
                            let ty = self.attr_ty(v.expr(), &key, &mut optional);
                            self.path.pop();
                            attrs.insert(key, ty);
                        }
                        Type::Object(cairn_value::ObjectType { attrs, optional })
                    }
                    "optional" => self.err(
                        "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                        span,
                    ),
                    other => {
                        let ns = self.span(&call.name.name);
                        self.err(format!("Keyword \"{other}\" is not a valid type constructor."), ns)
                    }
                }
            }
            other => {
                let span = self.span(other);
                self.err(
                    "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
                    span,
                )
            }
        }
    }

    /// An object attribute's type, which may be `optional(T[, default])`.
    fn attr_ty(&mut self, e: &Expression, key: &str, optional: &mut BTreeSet<String>) -> Type {
        let Expression::FuncCall(call) = e else {
            return self.ty(e);
        };
        if call.name.name.as_str() != "optional" {
            return self.ty(e);
        }
        let args: Vec<&Expression> = call.args.iter().collect();
        let span = self.span(&**call);
        match args.as_slice() {
            [t] => {
                optional.insert(key.to_string());
                self.ty(t)
            }
            [t, default] => {
                optional.insert(key.to_string());
                let ty = self.ty(t);
                self.defaults
                    .push((self.path.clone(), Expr::new((*default).clone(), self.src.clone())));
                ty
            }
            [] => self.err(
                "Optional attribute modifier requires the attribute type as its argument.",
                span,
            ),
            _ => self.err(
                "Optional attribute modifier expects at most two arguments: the attribute type, and a default value.",
                span,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_diagnostics::LineIndex;
    use cairn_syntax::SourceFile;
    use std::sync::Arc;

    fn parse(text: &str) -> (Option<TypeConstraint>, Diagnostics) {
        let file = Arc::new(SourceFile {
            name: Arc::from("t.tf"),
            index: LineIndex::new(text),
        });
        let expr = cairn_syntax::hcl_edit::parser::parse_expr(text).unwrap();
        let mut diags = Diagnostics::new();
        let t = parse_type_constraint(&Expr::new(expr, Source::new(file)), &mut diags);
        (t, diags)
    }

    #[test]
    fn nested_types_and_defaults() {
        let (t, d) = parse("list(object({a = string, b = optional(map(number), {x = 1}), c = tuple([bool, any])}))");
        assert!(d.is_empty(), "{d}");
        let t = t.unwrap();
        assert_eq!(
            t.ty.to_string(),
            "list(object({a=string, b=optional(map(number)), c=tuple([bool, any])}))"
        );
        assert_eq!(t.defaults.len(), 1);
        assert_eq!(t.defaults[0].0, vec!["*".to_string(), "b".to_string()]);
    }

    #[test]
    fn errors() {
        let (t, d) = parse("strin");
        assert!(t.is_none());
        let e = d.iter().next().unwrap();
        assert_eq!(e.summary, SUMMARY);
        assert_eq!(
            e.detail,
            "The keyword \"strin\" is not a valid type specification."
        );
        assert_eq!(e.hint.as_deref(), Some("Did you mean \"string\"?"));
        let (_, d) = parse("list(string, number)");
        assert!(d
            .iter()
            .next()
            .unwrap()
            .detail
            .contains("requires one argument"));
        let (_, d) = parse("optional(string)");
        assert!(d
            .iter()
            .next()
            .unwrap()
            .detail
            .contains("only as a modifier"));
        let (_, d) = parse("foo(string)");
        assert_eq!(
            d.iter().next().unwrap().detail,
            "Keyword \"foo\" is not a valid type constructor."
        );
        let (t, d) = parse("map");
        assert!(d.is_empty());
        assert_eq!(t.unwrap().ty, Type::map(Type::Dynamic));
    }
}
