//! The expression evaluator.

use std::collections::BTreeMap;
use std::ops::Range;

use cairn_diagnostics::{Diagnostic, Span};
use cairn_functions::{Context, Registry};
use cairn_syntax::{Expr, Source};
use cairn_value::{convert, unify, Kind, Number, Type, Value};
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator,
    UnaryOperator,
};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

use crate::reference::{parse_reference, Reference};

/// Supplies the values of references. The engine implements it with the
/// state of the current walk; `validate` with unknowns of the right type.
pub trait Resolver {
    fn resolve(&self, r: &Reference, span: Option<&Span>) -> Result<Value, Diagnostic>;
}

/// A resolver that knows nothing: every reference is an error. Used for
/// expressions that must be constant (variable defaults, `-var` values).
pub struct NoReferences;

impl Resolver for NoReferences {
    fn resolve(&self, r: &Reference, span: Option<&Span>) -> Result<Value, Diagnostic> {
        Err(Diagnostic::error(
            "Variables not allowed",
            format!("Variables may not be used here (found a reference to {r})."),
        )
        .with_span(span.cloned()))
    }
}

/// Evaluates expressions against a resolver and a function registry.
pub struct Evaluator<'a> {
    pub resolver: &'a dyn Resolver,
    pub funcs: &'a Registry,
    pub ctx: &'a Context,
    /// Names bound around the expression (a `dynamic` block's iterator,
    /// template variables): looked up before references.
    pub bound: Vec<(String, Value)>,
    /// Templates rendered by `templatefile`: every name must be one of the
    /// bound variables (the `vars` argument).
    pub template_vars_only: bool,
}

type R = Result<Value, Diagnostic>;

/// Names bound by `for` expressions, innermost last.
struct Scope<'s> {
    vars: Vec<(&'s str, Value)>,
}

impl<'s> Scope<'s> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

impl<'a> Evaluator<'a> {
    pub fn new(resolver: &'a dyn Resolver, funcs: &'a Registry, ctx: &'a Context) -> Self {
        Evaluator {
            resolver,
            funcs,
            ctx,
            bound: Vec::new(),
            template_vars_only: false,
        }
    }

    pub fn with_bound(mut self, name: impl Into<String>, v: Value) -> Self {
        self.bound.push((name.into(), v));
        self
    }

    /// Evaluates an expression.
    pub fn eval(&self, e: &Expr) -> R {
        let mut scope = Scope { vars: Vec::new() };
        for (n, v) in &self.bound {
            scope.vars.push((n.as_str(), v.clone()));
        }
        let cx = Cx {
            ev: self,
            src: &e.source,
        };
        cx.expr(&e.expr, &mut scope)
    }

    /// Evaluates a template (from `templatefile`) with `vars` bound.
    pub fn eval_template(
        &self,
        tpl: &Template,
        source: &Source,
        vars: &BTreeMap<String, Value>,
    ) -> R {
        let mut scope = Scope { vars: Vec::new() };
        for (n, v) in vars {
            scope.vars.push((n.as_str(), v.clone()));
        }
        let cx = Cx {
            ev: self,
            src: source,
        };
        cx.template_value(tpl, &mut scope, true, None)
    }
}

struct Cx<'e, 'a> {
    ev: &'e Evaluator<'a>,
    src: &'e Source,
}

/// A function's error text, unless an argument is sensitive: functions
/// quote the input they reject ("invalid CIDR address: ..."), whole or in
/// part (one character of a date format), and any of it may be secret.
fn redact_sensitive_args(args: &[Value], detail: String) -> String {
    if args.iter().any(Value::is_sensitive_deep) {
        return "(the error's details are hidden because an argument is sensitive; check that \
                value's format without printing it)"
            .into();
    }
    detail
}

fn err(summary: &str, detail: impl Into<String>, span: Option<Span>) -> Diagnostic {
    Diagnostic::error(summary, detail).with_span(span)
}

impl Cx<'_, '_> {
    fn span(&self, r: Option<Range<usize>>) -> Option<Span> {
        self.src.span(r)
    }

    fn expr<'s>(&self, e: &'s Expression, scope: &mut Scope<'s>) -> R {
        match e {
            Expression::Null(_) => Ok(Value::dynamic_null()),
            Expression::Bool(b) => Ok(Value::bool(*b.value())),
            Expression::Number(n) => {
                let text = n.as_repr().map(|r| r.to_string()).filter(|t| !t.is_empty());
                let parsed = text
                    .as_deref()
                    .and_then(Number::parse)
                    .or_else(|| Number::parse(&n.value().to_string()));
                parsed.map(Value::number).ok_or_else(|| {
                    err(
                        "Invalid number literal",
                        "This number cannot be represented.",
                        self.span(e.span()),
                    )
                })
            }
            Expression::String(s) => Ok(Value::string(s.value().as_str())),
            Expression::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                for x in a.iter() {
                    items.push(self.expr(x, scope)?);
                }
                Ok(Value::tuple(items))
            }
            Expression::Object(o) => {
                let mut attrs = BTreeMap::new();
                let mut marked = false;
                let mut unknown = false;
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(id) => Value::string(id.as_str()),
                        // A bare name is a literal key, as in Terraform.
                        ObjectKey::Expression(Expression::Variable(id)) => {
                            Value::string(id.as_str())
                        }
                        ObjectKey::Expression(ke) => self.expr(ke, scope)?,
                    };
                    let kspan = || self.span(k.span());
                    if key.is_null() {
                        return Err(err(
                            "Null value as key",
                            "Can't use a null value as a key.",
                            kspan(),
                        ));
                    }
                    marked |= key.sensitive;
                    if key.is_unknown() {
                        unknown = true;
                        continue;
                    }
                    let key = convert(&key, &Type::String).map_err(|e| {
                        err(
                            "Incorrect key type",
                            format!("Can't use this value as a key: {e}."),
                            kspan(),
                        )
                    })?;
                    let val = self.expr(v.expr(), scope)?;
                    attrs.insert(key.as_str().unwrap_or_default().to_string(), val);
                }
                if unknown {
                    return Ok(Value::dynamic_unknown().mark(marked));
                }
                Ok(Value::object(attrs).mark(marked))
            }
            Expression::StringTemplate(t) => self.template_value(t, scope, false, e.span()),
            Expression::HeredocTemplate(h) => {
                self.template_value(&h.template, scope, true, e.span())
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), scope),
            Expression::Variable(v) => self.root(v.as_str(), &[], v.span(), scope).map(|(v, _)| v),
            Expression::Conditional(c) => {
                self.conditional(&c.cond_expr, &c.true_expr, &c.false_expr, scope)
            }
            Expression::FuncCall(f) => self.call(f, scope, e.span()),
            Expression::Traversal(t) => self.traversal(t, scope),
            Expression::UnaryOp(u) => {
                let v = self.expr(&u.expr, scope)?;
                let sp = self.span(e.span());
                let (want, what) = match u.operator.value() {
                    UnaryOperator::Neg => (Type::Number, "number"),
                    UnaryOperator::Not => (Type::Bool, "bool"),
                };
                let v = self.operand(&v, &want, what, sp)?;
                if v.is_unknown() {
                    return Ok(Value::unknown(want).mark(v.sensitive));
                }
                let out = match (u.operator.value(), &v.kind) {
                    (UnaryOperator::Neg, Kind::Number(n)) => Value::number(n.neg()),
                    (UnaryOperator::Not, Kind::Bool(b)) => Value::bool(!b),
                    _ => Value::unknown(want),
                };
                Ok(out.mark(v.sensitive))
            }
            Expression::BinaryOp(b) => self.binary(
                &b.lhs_expr,
                b.operator.value(),
                &b.rhs_expr,
                scope,
                e.span(),
            ),
            Expression::ForExpr(f) => self.for_expr(f, scope, e.span()),
        }
    }

    /// Converts an operand, with HCL's error wording.
    fn operand(&self, v: &Value, want: &Type, what: &str, span: Option<Span>) -> R {
        if v.is_null() {
            return Err(err(
                "Invalid operand",
                format!("Unsuitable value for unary operand: a {what} is required."),
                span,
            ));
        }
        convert(v, want).map_err(|e| {
            err(
                "Invalid operand",
                format!("Unsuitable value for unary operand: {e}."),
                span,
            )
        })
    }

    fn binary<'s>(
        &self,
        l: &'s Expression,
        op: &BinaryOperator,
        r: &'s Expression,
        scope: &mut Scope<'s>,
        whole: Option<Range<usize>>,
    ) -> R {
        use BinaryOperator as B;
        let lv = self.expr(l, scope)?;
        // Logical operators short-circuit on a known deciding left side,
        // as HCL does since 2.22.
        if matches!(op, B::And | B::Or) {
            let lb = self.logical_operand(&lv, "left", l)?;
            if let Some(b) = lb.as_bool() {
                if (*op == B::And && !b) || (*op == B::Or && b) {
                    return Ok(Value::bool(b).mark(lb.sensitive));
                }
            }
            let rv = self.expr(r, scope)?;
            let rb = self.logical_operand(&rv, "right", r)?;
            let marked = lb.sensitive || rb.sensitive;
            let out = match (lb.as_bool(), rb.as_bool()) {
                (_, Some(b)) if (*op == B::And && !b) || (*op == B::Or && b) => Value::bool(b),
                (Some(x), Some(y)) => Value::bool(if *op == B::And { x && y } else { x || y }),
                _ => Value::unknown(Type::Bool),
            };
            return Ok(out.mark(marked));
        }
        let rv = self.expr(r, scope)?;
        match op {
            B::Eq | B::NotEq => {
                let eq = lv.equals(&rv);
                Ok(match (op, eq.as_bool()) {
                    (B::NotEq, Some(b)) => Value::bool(!b).mark(eq.sensitive),
                    _ => eq,
                })
            }
            _ => {
                let conv = |v: &Value, side: &str, ex: &Expression| -> R {
                    let sp = self.span(ex.span());
                    if v.is_null() {
                        return Err(err(
                            "Invalid operand",
                            format!("Unsuitable value for {side} operand: a number is required."),
                            sp,
                        ));
                    }
                    convert(v, &Type::Number).map_err(|e| {
                        err(
                            "Invalid operand",
                            format!("Unsuitable value for {side} operand: {e}."),
                            sp,
                        )
                    })
                };
                let a = conv(&lv, "left", l)?;
                let b = conv(&rv, "right", r)?;
                let marked = a.sensitive || b.sensitive;
                let is_cmp = matches!(op, B::Less | B::LessEq | B::Greater | B::GreaterEq);
                let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else {
                    let t = if is_cmp { Type::Bool } else { Type::Number };
                    return Ok(Value::unknown(t).mark(marked));
                };
                let sp = self.span(whole);
                // Keep arithmetic bounded: results with extreme exponents
                // would grow into millions of digits.
                let too_big = match op {
                    B::Mul | B::Div => {
                        x.exponent().abs().saturating_add(y.exponent().abs())
                            > Number::MAX_RESULT_EXPONENT
                    }
                    _ => x.exponent().abs().max(y.exponent().abs()) > Number::MAX_RESULT_EXPONENT,
                };
                if too_big {
                    return Err(err(
                        "Operation failed",
                        format!("Error during operation: the result is too large (numbers are limited to exponents of ±{}).", Number::MAX_RESULT_EXPONENT),
                        sp,
                    ));
                }
                let out = match op {
                    B::Plus => Value::number(x.add(y)),
                    B::Minus => Value::number(x.sub(y)),
                    B::Mul => Value::number(x.mul(y)),
                    B::Div => Value::number(x.div(y).ok_or_else(|| {
                        err(
                            "Operation failed",
                            "Error during operation: can't divide by zero.",
                            sp.clone(),
                        )
                    })?),
                    B::Mod => Value::number(x.rem(y).ok_or_else(|| {
                        err(
                            "Operation failed",
                            "Error during operation: can't use modulo by zero.",
                            sp.clone(),
                        )
                    })?),
                    B::Less => Value::bool(x.cmp_num(y).is_lt()),
                    B::LessEq => Value::bool(x.cmp_num(y).is_le()),
                    B::Greater => Value::bool(x.cmp_num(y).is_gt()),
                    B::GreaterEq => Value::bool(x.cmp_num(y).is_ge()),
                    _ => Value::unknown(Type::Dynamic),
                };
                Ok(out.mark(marked))
            }
        }
    }

    fn logical_operand(&self, v: &Value, side: &str, ex: &Expression) -> R {
        let sp = self.span(ex.span());
        if v.is_null() {
            return Err(err(
                "Invalid operand",
                format!("Unsuitable value for {side} operand: a bool is required."),
                sp,
            ));
        }
        convert(v, &Type::Bool).map_err(|e| {
            err(
                "Invalid operand",
                format!("Unsuitable value for {side} operand: {e}."),
                sp,
            )
        })
    }

    fn conditional<'s>(
        &self,
        c: &'s Expression,
        t: &'s Expression,
        f: &'s Expression,
        scope: &mut Scope<'s>,
    ) -> R {
        let cv = self.expr(c, scope)?;
        let csp = self.span(c.span());
        if cv.is_null() {
            return Err(err(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
                csp,
            ));
        }
        let cv = convert(&cv, &Type::Bool).map_err(|e| {
            err(
                "Incorrect condition type",
                format!("The condition expression must be of type bool: {e}."),
                csp,
            )
        })?;
        // Both results are evaluated so their types can be unified, but as
        // in HCL only the selected branch's errors count (`c ? x[i] : 0`
        // guards the index); with an unknown condition both count.
        let tr = self.expr(t, scope);
        let fr = self.expr(f, scope);
        let (tv, fv) = match cv.as_bool() {
            Some(true) => (tr?, fr.unwrap_or_else(|_| Value::dynamic_unknown())),
            Some(false) => (tr.unwrap_or_else(|_| Value::dynamic_unknown()), fr?),
            None => (tr?, fr?),
        };
        let ty = unify(&[tv.ty(), fv.ty()]).ok_or_else(|| {
            err(
                "Inconsistent conditional result types",
                format!(
                    "The true and false result expressions must have consistent types. The 'true' value is {}, but the 'false' value is {}.",
                    tv.ty().friendly_name(),
                    fv.ty().friendly_name()
                ),
                self.span(t.span()).map(|s| match self.span(f.span()) {
                    Some(e) => s.to(&e),
                    None => s,
                }),
            )
        })?;
        let pick = match cv.as_bool() {
            None => return Ok(Value::unknown(ty).mark(cv.sensitive)),
            Some(true) => (&tv, t),
            Some(false) => (&fv, f),
        };
        let out = if ty.has_dynamic() {
            pick.0.clone()
        } else {
            convert(pick.0, &ty).unwrap_or_else(|_| pick.0.clone())
        };
        Ok(out.mark(cv.sensitive))
    }

    /// Resolves a root name (a `for` variable or a reference) and returns
    /// the value and how many operators the reference consumed.
    fn root(
        &self,
        name: &str,
        ops: &[&TraversalOperator],
        root_span: Option<Range<usize>>,
        scope: &Scope<'_>,
    ) -> Result<(Value, usize), Diagnostic> {
        if let Some(v) = scope.get(name) {
            return Ok((v.clone(), 0));
        }
        if self.ev.template_vars_only {
            let at = self
                .span(root_span.clone())
                .map(|s| format!(", referenced at {s}"))
                .unwrap_or_default();
            return Err(err(
                "Invalid function argument",
                format!("Invalid value for \"vars\" parameter: vars map does not contain key {name:?}{at}."),
                self.span(root_span.clone()),
            ));
        }
        let span_at = |i: usize| -> Option<Span> {
            if i == 0 {
                self.span(root_span.clone())
            } else {
                ops.get(i - 1).and_then(|o| self.span(o.span()))
            }
        };
        let (reference, consumed) = parse_reference(name, ops, &span_at)?;
        let span = match (
            root_span.clone(),
            consumed
                .checked_sub(1)
                .and_then(|i| ops.get(i))
                .and_then(|o| o.span()),
        ) {
            (Some(a), Some(b)) => self.span(Some(a.start..b.end)),
            (a, _) => self.span(a),
        };
        let v = self.ev.resolver.resolve(&reference, span.as_ref())?;
        Ok((v, consumed))
    }

    fn traversal<'s>(&self, t: &'s Traversal, scope: &mut Scope<'s>) -> R {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let (mut v, consumed) = match &t.expr {
            Expression::Variable(id) => self.root(id.as_str(), &ops, id.span(), scope)?,
            other => (self.expr(other, scope)?, 0),
        };
        let mut i = consumed;
        while i < t.operators.len() {
            let op = &t.operators[i];
            match op.value() {
                TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_) => {
                    let full = matches!(op.value(), TraversalOperator::FullSplat(_));
                    // A full splat applies every following operator to each
                    // element; an attribute splat only the attribute accesses
                    // that follow it directly.
                    let mut end = i + 1;
                    while end < t.operators.len() {
                        let o = t.operators[end].value();
                        let take = if full {
                            !matches!(
                                o,
                                TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_)
                            )
                        } else {
                            matches!(
                                o,
                                TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_)
                            )
                        };
                        if !take {
                            break;
                        }
                        end += 1;
                    }
                    let rest = &t.operators[i + 1..end];
                    v = self.splat(v, rest, scope)?;
                    i = end;
                }
                _ => {
                    v = self.apply_op(v, op, scope)?;
                    i += 1;
                }
            }
        }
        Ok(v)
    }

    fn splat<'s>(
        &self,
        v: Value,
        rest: &'s [hcl_edit::Decorated<TraversalOperator>],
        scope: &mut Scope<'s>,
    ) -> R {
        let apply_all = |x: Value, scope: &mut Scope<'s>| -> R {
            let mut x = x;
            for op in rest {
                x = self.apply_op(x, op, scope)?;
            }
            Ok(x)
        };
        let marked = v.sensitive;
        match &v.kind {
            Kind::Unknown(_) => Ok(Value::dynamic_unknown().mark(marked)),
            Kind::Null(_) => Ok(Value::empty_tuple().mark(marked)),
            Kind::List(_, items) | Kind::Set(_, items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items.iter() {
                    out.push(apply_all(x.clone(), scope)?);
                }
                // Lists and sets give lists, tuples give tuples, as in HCL.
                let out = Value::list_infer(out.clone()).unwrap_or_else(|| Value::tuple(out));
                Ok(out.mark(marked))
            }
            Kind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items.iter() {
                    out.push(apply_all(x.clone(), scope)?);
                }
                Ok(Value::tuple(out).mark(marked))
            }
            // Any other value splats as a one-element tuple.
            _ => Ok(Value::tuple(vec![apply_all(v.clone(), scope)?])),
        }
    }

    fn apply_op<'s>(
        &self,
        v: Value,
        op: &'s hcl_edit::Decorated<TraversalOperator>,
        scope: &mut Scope<'s>,
    ) -> R {
        let sp = self.span(op.span());
        match op.value() {
            TraversalOperator::GetAttr(id) => get_attr(&v, id.as_str(), sp),
            TraversalOperator::LegacyIndex(n) => index(&v, &Value::int(*n.value() as i64), sp),
            TraversalOperator::Index(e) => {
                let k = self.expr(e, scope)?;
                index(&v, &k, self.span(e.span()).or(sp))
            }
            TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_) => {
                self.splat(v, &[], scope)
            }
        }
    }

    fn for_expr<'s>(
        &self,
        f: &'s ForExpr,
        scope: &mut Scope<'s>,
        whole: Option<Range<usize>>,
    ) -> R {
        let coll = self.expr(&f.intro.collection_expr, scope)?;
        let csp = self.span(f.intro.collection_expr.span());
        if coll.is_null() {
            return Err(err(
                "Iteration over null value",
                "A null value cannot be used as the collection in a 'for' expression.",
                csp,
            ));
        }
        let marked = coll.sensitive;
        if coll.is_unknown() {
            // The result's type depends on the elements, unknown too.
            return Ok(Value::dynamic_unknown().mark(marked));
        }
        let pairs: Vec<(Value, Value)> = match crate::iteration_pairs(&coll) {
            Some(p) => p,
            None => {
                return Err(err(
                    "Iteration over non-iterable value",
                    format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    coll.ty().friendly_name()
                ),
                    csp,
                ))
            }
        };
        let kname = f.intro.key_var.as_ref().map(|k| k.as_str());
        let vname = f.intro.value_var.as_str();
        let mut list_out = Vec::new();
        let mut obj_out: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut unknown = false;
        for (k, x) in pairs {
            let n = scope.vars.len();
            if let Some(kn) = kname {
                scope.vars.push((kn, k));
            }
            scope.vars.push((vname, x));
            let res = self.for_item(
                f,
                scope,
                &mut list_out,
                &mut obj_out,
                &mut groups,
                &mut unknown,
            );
            scope.vars.truncate(n);
            res?;
        }
        let _ = whole;
        if unknown {
            return Ok(Value::dynamic_unknown().mark(marked));
        }
        let out = if f.key_expr.is_some() {
            if f.grouping {
                Value::object(
                    groups
                        .into_iter()
                        .map(|(k, v)| (k, Value::tuple(v)))
                        .collect(),
                )
            } else {
                Value::object(obj_out)
            }
        } else {
            Value::tuple(list_out)
        };
        Ok(out.mark(marked))
    }

    fn for_item<'s>(
        &self,
        f: &'s ForExpr,
        scope: &mut Scope<'s>,
        list_out: &mut Vec<Value>,
        obj_out: &mut BTreeMap<String, Value>,
        groups: &mut BTreeMap<String, Vec<Value>>,
        unknown: &mut bool,
    ) -> Result<(), Diagnostic> {
        if let Some(c) = &f.cond {
            let cv = self.expr(&c.expr, scope)?;
            let sp = self.span(c.expr.span());
            if cv.is_null() {
                return Err(err(
                    "Condition is null",
                    "The value of the 'if' clause must not be null.",
                    sp,
                ));
            }
            let cv = convert(&cv, &Type::Bool).map_err(|e| {
                err(
                    "Invalid 'for' condition",
                    format!("The 'if' clause value is invalid: {e}."),
                    sp,
                )
            })?;
            match cv.as_bool() {
                None => {
                    *unknown = true;
                    return Ok(());
                }
                Some(false) => return Ok(()),
                Some(true) => {}
            }
        }
        let val = self.expr(&f.value_expr, scope)?;
        match &f.key_expr {
            None => list_out.push(val),
            Some(ke) => {
                let kv = self.expr(ke, scope)?;
                let sp = self.span(ke.span());
                if kv.is_null() {
                    return Err(err(
                        "Invalid object key",
                        "Key expression in 'for' expression must not produce a null value.",
                        sp,
                    ));
                }
                if kv.is_unknown() {
                    *unknown = true;
                    return Ok(());
                }
                let kv = convert(&kv, &Type::String).map_err(|e| {
                    err(
                        "Invalid object key",
                        format!("The key expression produced an invalid result: {e}."),
                        sp.clone(),
                    )
                })?;
                let key = kv.as_str().unwrap_or_default().to_string();
                if f.grouping {
                    groups.entry(key).or_default().push(val);
                } else {
                    match obj_out.entry(key) {
                        std::collections::btree_map::Entry::Occupied(o) => {
                            return Err(err(
                                "Duplicate object key",
                                format!("Two different items produced the key {:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.", o.key()),
                                sp,
                            ));
                        }
                        std::collections::btree_map::Entry::Vacant(v) => {
                            v.insert(val);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn call<'s>(&self, f: &'s FuncCall, scope: &mut Scope<'s>, whole: Option<Range<usize>>) -> R {
        let name = f.name.name.as_str();
        let full_name = if f.name.is_namespaced() {
            let mut s: String = f
                .name
                .namespace
                .iter()
                .map(|n| format!("{}::", n.as_str()))
                .collect();
            s.push_str(name);
            s
        } else {
            name.to_string()
        };
        let name_span = self.span(f.name.name.span());
        // Terraform spells the provider-independent functions `core::name` too.
        let name = full_name.strip_prefix("core::").unwrap_or(&full_name);
        match name {
            "try" => return self.try_fn(f, scope, name_span),
            "can" => return self.can_fn(f, scope, name_span),
            _ => {}
        }
        let Some(_func) = self.ev.funcs.get(name) else {
            return Err(err(
                "Call to unknown function",
                format!("There is no function named {name:?}."),
                name_span,
            )
            .with_hint(crate::suggest_function(self.ev.funcs, name)));
        };
        let mut args = Vec::with_capacity(f.args.len());
        let mut arg_spans = Vec::with_capacity(f.args.len());
        for a in f.args.iter() {
            args.push(self.expr(a, scope)?);
            arg_spans.push(self.span(a.span()));
        }
        if f.args.expand_final() {
            let last = args.pop().unwrap_or_else(Value::dynamic_null);
            let lsp = arg_spans.pop().flatten();
            if last.is_null() {
                return Err(err(
                    "Invalid expanding argument value",
                    "The expanding argument (indicated by ...) must not be null.",
                    lsp,
                ));
            }
            if last.is_unknown() {
                return Ok(Value::dynamic_unknown().mark(last.sensitive));
            }
            match last.as_seq() {
                Some(items) if !matches!(last.kind, Kind::Map(..) | Kind::Object(_)) => {
                    for x in items {
                        args.push(x.clone().mark(last.sensitive));
                        arg_spans.push(lsp.clone());
                    }
                }
                _ => {
                    return Err(err(
                        "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                        lsp,
                    ))
                }
            }
        }
        self.ev.funcs.call(name, self.ev.ctx, &args).map_err(|e| {
            let (summary, detail) = e.summary_detail();
            let detail = redact_sensitive_args(&args, detail);
            let sp = match &e {
                // Arity errors point at the function name, like the static check.
                cairn_functions::CallError::TooFew { .. }
                | cairn_functions::CallError::TooMany { .. } => name_span.clone(),
                _ => e
                    .arg_index()
                    .and_then(|i| arg_spans.get(i).cloned().flatten()),
            }
            .or_else(|| self.span(whole.clone()));
            Diagnostic::error(summary, detail).with_span(sp)
        })
    }

    fn try_fn<'s>(&self, f: &'s FuncCall, scope: &mut Scope<'s>, sp: Option<Span>) -> R {
        if f.args.is_empty() {
            return Err(err(
                "Not enough function arguments",
                "Function \"try\" expects at least one argument.",
                sp,
            ));
        }
        let mut last_err = None;
        for a in f.args.iter() {
            let n = scope.vars.len();
            let r = self.expr(a, scope);
            scope.vars.truncate(n);
            match r {
                // An unknown result could still fail once known, so the
                // whole try is unknown (Terraform does the same).
                Ok(v) if !v.is_wholly_known() => return Ok(Value::dynamic_unknown()),
                Ok(v) => return Ok(v),
                Err(e) => last_err = Some(e),
            }
        }
        let detail = last_err
            .map(|e| format!("{}: {}", e.summary, e.detail))
            .unwrap_or_default();
        Err(err(
            "Error in function call",
            format!("Call to function \"try\" failed: no expression succeeded:\n- {detail}\n\nAt least one expression must produce a successful result."),
            sp,
        ))
    }

    fn can_fn<'s>(&self, f: &'s FuncCall, scope: &mut Scope<'s>, sp: Option<Span>) -> R {
        if f.args.len() != 1 {
            return Err(err(
                if f.args.is_empty() {
                    "Not enough function arguments"
                } else {
                    "Too many function arguments"
                },
                "Function \"can\" expects 1 argument(s).",
                sp,
            ));
        }
        let Some(a) = f.args.get(0) else {
            return Ok(Value::bool(false));
        };
        match self.expr(a, scope) {
            Ok(v) if !v.is_wholly_known() => Ok(Value::unknown(Type::Bool)),
            Ok(_) => Ok(Value::bool(true)),
            Err(_) => Ok(Value::bool(false)),
        }
    }

    /// Evaluates a template. A template that is a single interpolation
    /// returns the interpolated value unchanged (not converted to string).
    fn template_value<'s>(
        &self,
        tpl: &'s Template,
        scope: &mut Scope<'s>,
        heredoc: bool,
        whole: Option<Range<usize>>,
    ) -> R {
        if tpl.len() == 1 {
            if let Some(Element::Interpolation(i)) = tpl.get(0) {
                return self.expr(&i.expr, scope);
            }
        }
        let mut out = String::new();
        let mut marked = false;
        let mut unknown = false;
        let mode = TplMode { heredoc, depth: 0 };
        self.render(
            tpl,
            scope,
            false,
            false,
            mode,
            &mut out,
            &mut marked,
            &mut unknown,
        )?;
        let _ = whole;
        if unknown {
            return Ok(Value::unknown(Type::String).mark(marked));
        }
        Ok(Value::string(out).mark(marked))
    }

    #[allow(clippy::too_many_arguments)]
    fn render<'s>(
        &self,
        tpl: &'s Template,
        scope: &mut Scope<'s>,
        lead: bool,
        trail: bool,
        mode: TplMode,
        out: &mut String,
        marked: &mut bool,
        unknown: &mut bool,
    ) -> Result<(), Diagnostic> {
        let inner = TplMode {
            heredoc: mode.heredoc,
            depth: mode.depth + 1,
        };
        let elems: Vec<&Element> = tpl.iter().collect();
        let strip_of = |e: &Element| -> (bool, bool) {
            match e {
                Element::Literal(_) => (false, false),
                Element::Interpolation(i) => (i.strip.strip_start(), i.strip.strip_end()),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(i) => (
                        i.if_expr.strip.strip_start(),
                        i.endif_expr.strip.strip_end(),
                    ),
                    Directive::For(f) => (
                        f.for_expr.strip.strip_start(),
                        f.endfor_expr.strip.strip_end(),
                    ),
                },
            }
        };
        for (i, el) in elems.iter().enumerate() {
            match el {
                Element::Literal(lit) => {
                    // hcl-edit leaves backslash escapes in the literals of
                    // directives inside quoted strings; decode them here.
                    let mut s: String = if !mode.heredoc && mode.depth > 0 {
                        unescape_backslashes(lit.value())
                    } else {
                        lit.value().to_string()
                    };
                    let strip_lead = if i == 0 {
                        lead
                    } else {
                        strip_of(elems[i - 1]).1
                    };
                    let strip_trail = if i + 1 == elems.len() {
                        trail
                    } else {
                        strip_of(elems[i + 1]).0
                    };
                    if strip_lead {
                        s = strip_leading(&s, mode.heredoc);
                    }
                    if strip_trail {
                        s = strip_trailing(&s, mode.heredoc);
                    }
                    out.push_str(&s);
                }
                Element::Interpolation(ip) => {
                    let v = self.expr(&ip.expr, scope)?;
                    self.push_interp(&v, self.span(ip.expr.span()), out, marked, unknown)?;
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        let c = self.expr(&ifd.if_expr.cond_expr, scope)?;
                        let sp = self.span(ifd.if_expr.cond_expr.span());
                        if c.is_null() {
                            return Err(err("Null condition", "The condition value is null. Conditions must either be true or false.", sp));
                        }
                        let c = convert(&c, &Type::Bool).map_err(|e| {
                            err(
                                "Invalid template if condition",
                                format!("The value of the condition is invalid: {e}."),
                                sp,
                            )
                        })?;
                        *marked |= c.sensitive;
                        match c.as_bool() {
                            None => *unknown = true,
                            Some(true) => {
                                let tr = match &ifd.else_expr {
                                    Some(e) => e.strip.strip_start(),
                                    None => ifd.endif_expr.strip.strip_start(),
                                };
                                self.render(
                                    &ifd.if_expr.template,
                                    scope,
                                    ifd.if_expr.strip.strip_end(),
                                    tr,
                                    inner,
                                    out,
                                    marked,
                                    unknown,
                                )?;
                            }
                            Some(false) => {
                                if let Some(e) = &ifd.else_expr {
                                    self.render(
                                        &e.template,
                                        scope,
                                        e.strip.strip_end(),
                                        ifd.endif_expr.strip.strip_start(),
                                        inner,
                                        out,
                                        marked,
                                        unknown,
                                    )?;
                                }
                            }
                        }
                    }
                    Directive::For(fd) => {
                        let fe = &fd.for_expr;
                        let coll = self.expr(&fe.collection_expr, scope)?;
                        let sp = self.span(fe.collection_expr.span());
                        if coll.is_null() {
                            return Err(err("Iteration over null value", "A null value cannot be used as the collection in a 'for' directive.", sp));
                        }
                        *marked |= coll.sensitive;
                        if !coll.is_wholly_known() && coll.is_unknown() {
                            *unknown = true;
                            continue;
                        }
                        let pairs: Vec<(Value, Value)> = match crate::iteration_pairs(&coll) {
                            Some(p) => p,
                            None => {
                                return Err(err(
                                    "Iteration over non-iterable value",
                                    format!("A value of type {} cannot be used as the collection in a 'for' directive.", coll.ty().friendly_name()),
                                    sp,
                                ))
                            }
                        };
                        for (k, x) in pairs {
                            let n = scope.vars.len();
                            if let Some(kn) = &fe.key_var {
                                scope.vars.push((kn.as_str(), k));
                            }
                            scope.vars.push((fe.value_var.as_str(), x));
                            let r = self.render(
                                &fe.template,
                                scope,
                                fe.strip.strip_end(),
                                fd.endfor_expr.strip.strip_start(),
                                inner,
                                out,
                                marked,
                                unknown,
                            );
                            scope.vars.truncate(n);
                            r?;
                        }
                    }
                },
            }
        }
        Ok(())
    }

    fn push_interp(
        &self,
        v: &Value,
        sp: Option<Span>,
        out: &mut String,
        marked: &mut bool,
        unknown: &mut bool,
    ) -> Result<(), Diagnostic> {
        *marked |= v.is_sensitive_deep();
        if v.is_null() {
            return Err(err(
                "Invalid template interpolation value",
                "The expression result is null. Cannot include a null value in a string template.",
                sp,
            ));
        }
        if v.is_unknown() {
            *unknown = true;
            return Ok(());
        }
        let (plain, _) = v.unmark_deep();
        let s = convert(&plain, &Type::String).map_err(|e| {
            err(
                "Invalid template interpolation value",
                format!("Cannot include the given value in a string template: {e}."),
                sp,
            )
        })?;
        out.push_str(s.as_str().unwrap_or_default());
        Ok(())
    }
}

/// Where a template comes from, which decides how literals are read.
#[derive(Clone, Copy)]
struct TplMode {
    /// Heredocs and template files: HCL splits their literals into one
    /// token per line, so strip markers reach only to the line's end.
    heredoc: bool,
    /// Nesting inside `%{if}`/`%{for}` directives.
    depth: usize,
}

/// `~` after a directive or interpolation: whitespace of the following
/// literal token goes (in heredocs, only to the end of its first line).
fn strip_leading(s: &str, heredoc: bool) -> String {
    if !heredoc {
        return s.trim_start().to_string();
    }
    match s.find('\n') {
        Some(i) => {
            let (first, rest) = s.split_at(i + 1);
            format!("{}{rest}", first.trim_start())
        }
        None => s.trim_start().to_string(),
    }
}

/// `~` before a directive or interpolation: whitespace of the preceding
/// literal token goes (in heredocs, the token is the current line, or the
/// previous line with its newline when the current line is empty).
fn strip_trailing(s: &str, heredoc: bool) -> String {
    if !heredoc {
        return s.trim_end().to_string();
    }
    let spaces = s.trim_end_matches([' ', '\t']);
    if spaces.len() < s.len() {
        return spaces.to_string();
    }
    let line_start = s
        .trim_end_matches('\n')
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let (head, last) = s.split_at(line_start);
    format!("{head}{}", last.trim_end())
}

/// Decodes HCL's backslash escapes (`\n`, `\t`, `\"`, `\\`, `\uXXXX`,
/// `\UXXXXXXXX`).
fn unescape_backslashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(k @ ('u' | 'U')) => {
                let n = if k == 'u' { 4 } else { 8 };
                let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(k);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `v.name`: an object's attribute or a map's element.
pub fn get_attr(v: &Value, name: &str, sp: Option<Span>) -> R {
    let marked = v.sensitive;
    match &v.kind {
        Kind::Null(_) => Err(err(
            "Attempt to get attribute from null value",
            "This value is null, so it does not have any attributes.",
            sp,
        )),
        Kind::Unknown(t) => {
            let at = match t {
                Type::Object(o) => match o.attrs.get(name) {
                    Some(at) => at.clone(),
                    None => return Err(unsupported_attr(name, sp)),
                },
                Type::Map(e) => (**e).clone(),
                _ => Type::Dynamic,
            };
            Ok(Value::unknown(at).mark(marked))
        }
        Kind::Object(m) => m
            .get(name)
            .map(|x| x.clone().mark(marked))
            .ok_or_else(|| unsupported_attr(name, sp)),
        Kind::Map(_, m) => m.get(name).map(|x| x.clone().mark(marked)).ok_or_else(|| {
            err(
                "Invalid index",
                format!("The given key does not identify an element in this collection value (no key {name:?})."),
                sp,
            )
        }),
        Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => Err(err(
            "Unsupported attribute",
            format!("Can't access attributes on a list of objects. Did you mean to access attribute {name:?} for a specific element of the list, or across all elements of the list?"),
            sp,
        )),
        _ => Err(err(
            "Unsupported attribute",
            format!("Can't access attributes on a primitive-typed value ({}).", v.ty().friendly_name()),
            sp,
        )),
    }
}

fn unsupported_attr(name: &str, sp: Option<Span>) -> Diagnostic {
    err(
        "Unsupported attribute",
        format!("This object does not have an attribute named {name:?}."),
        sp,
    )
}

/// `v[k]`: element of a list/tuple by number, of a map/object by string.
pub fn index(v: &Value, k: &Value, sp: Option<Span>) -> R {
    let marked = v.sensitive || k.sensitive;
    if v.is_null() {
        return Err(err(
            "Attempt to index null value",
            "This value is null, so it does not have any indices.",
            sp,
        ));
    }
    if k.is_null() {
        return Err(err(
            "Invalid index",
            "Can't use a null value as an indexing key.",
            sp,
        ));
    }
    // Only an unknown value needs its type computed (that walks the whole
    // value, which must not happen per index of a large tuple).
    let is_set = match &v.kind {
        Kind::Set(..) => true,
        Kind::Unknown(t) | Kind::Null(t) => matches!(t, Type::Set(_)),
        _ => false,
    };
    if is_set {
        return Err(err(
            "Invalid index",
            "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
            sp,
        ));
    }
    if v.is_unknown() || k.is_unknown() {
        let t = match v.ty() {
            Type::List(e) | Type::Map(e) => *e,
            _ => Type::Dynamic,
        };
        return Ok(Value::unknown(t).mark(marked));
    }
    match &v.kind {
        Kind::List(_, items) | Kind::Tuple(items) => {
            let n = convert(k, &Type::Number)
                .ok()
                .and_then(|n| n.as_number().and_then(Number::to_i64))
                .ok_or_else(|| err("Invalid index", "The given key does not identify an element in this collection value: a number is required.", sp.clone()))?;
            if n < 0 || n as usize >= items.len() {
                let detail = if n < 0 {
                    "The given key does not identify an element in this collection value: a negative number is not a valid index for a sequence."
                } else {
                    "The given key does not identify an element in this collection value: the given index is greater than or equal to the length of the collection."
                };
                return Err(err("Invalid index", detail, sp));
            }
            Ok(items[n as usize].clone().mark(marked))
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            let key = convert(k, &Type::String).map_err(|_| {
                err("Invalid index", "The given key does not identify an element in this collection value: string required.", sp.clone())
            })?;
            let key = key.as_str().unwrap_or_default();
            match m.get(key) {
                Some(x) => Ok(x.clone().mark(marked)),
                // A sensitive key is not quoted back.
                None if matches!(v.kind, Kind::Object(_)) && !k.sensitive => Err(err(
                    "Invalid index",
                    format!("The given key does not identify an element in this collection value (no attribute {key:?})."),
                    sp,
                )),
                None => Err(err(
                    "Invalid index",
                    "The given key does not identify an element in this collection value.",
                    sp,
                )),
            }
        }
        _ => Err(err(
            "Invalid index",
            format!(
                "This value does not have any indices (it is {}).",
                v.ty().friendly_name()
            ),
            sp,
        )),
    }
}
