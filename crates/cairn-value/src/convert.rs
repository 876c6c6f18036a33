//! Type conversion with Terraform's rules (those of its `cty` library):
//! primitives convert through their string forms, tuples/lists/sets into
//! each other, objects/maps into each other, and objects lose attributes the
//! target type does not declare.

use std::collections::BTreeMap;
use std::fmt;

use crate::number::Number;
use crate::types::{unify, Type};
use crate::value::{Kind, Value};

/// One step of the path to the offending part of a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    Attr(String),
    Index(usize),
    Key(String),
}

/// A failed conversion: what was required, where inside the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConvertError {
    pub path: Vec<PathStep>,
    pub message: String,
}

impl fmt::Display for ConvertError {
    /// Terraform's form: `attribute "name": string required`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(step) = self.path.last() {
            match step {
                PathStep::Attr(a) => write!(f, "attribute {a:?}: ")?,
                PathStep::Index(i) => write!(f, "element {i}: ")?,
                PathStep::Key(k) => write!(f, "element {k:?}: ")?,
            }
        }
        write!(f, "{}", self.message)
    }
}

impl ConvertError {
    fn new(message: impl Into<String>) -> Self {
        ConvertError {
            path: Vec::new(),
            message: message.into(),
        }
    }
    fn at(mut self, step: PathStep) -> Self {
        self.path.insert(0, step);
        self
    }
}

/// Converts `v` to type `want`, keeping marks.
pub fn convert(v: &Value, want: &Type) -> Result<Value, ConvertError> {
    if *want == Type::Dynamic {
        return Ok(v.clone());
    }
    let out = match &v.kind {
        Kind::Null(t) => {
            check_type(t, want)?;
            Value::null(want.clone())
        }
        Kind::Unknown(t) => {
            check_type(t, want)?;
            Value::unknown(converted_type(t, want))
        }
        _ => convert_known(v, want)?,
    };
    Ok(out.mark(v.sensitive))
}

/// The type a value of type `from` has after conversion to `want`: `want`
/// with its `any` parts filled from `from` (a `set(string)` converted to
/// `list(any)` is a `list(string)`).
pub fn converted_type(from: &Type, want: &Type) -> Type {
    match (from, want) {
        (_, Type::Dynamic) => from.clone(),
        (Type::List(a) | Type::Set(a), Type::List(b)) => Type::list(converted_type(a, b)),
        (Type::List(a) | Type::Set(a), Type::Set(b)) => Type::set(converted_type(a, b)),
        (Type::Map(a), Type::Map(b)) => Type::map(converted_type(a, b)),
        (Type::Tuple(ts), Type::List(b) | Type::Set(b)) if b.has_dynamic() => {
            let elem = unify(&ts.iter().map(|t| converted_type(t, b)).collect::<Vec<_>>())
                .unwrap_or(Type::Dynamic);
            if matches!(want, Type::Set(_)) {
                Type::set(elem)
            } else {
                Type::list(elem)
            }
        }
        (Type::Object(o), Type::Map(b)) if b.has_dynamic() => {
            let elem = unify(
                &o.attrs
                    .values()
                    .map(|t| converted_type(t, b))
                    .collect::<Vec<_>>(),
            )
            .unwrap_or(Type::Dynamic);
            Type::map(elem)
        }
        _ => want.clone(),
    }
}

/// Whether a conversion from `from` to `want` can exist (for null and
/// unknown values, whose contents cannot be checked).
pub fn check_type(from: &Type, want: &Type) -> Result<(), ConvertError> {
    if *from == Type::Dynamic || *want == Type::Dynamic || from == want {
        return Ok(());
    }
    match (from, want) {
        (Type::String | Type::Number | Type::Bool, Type::String) => Ok(()),
        (Type::String, Type::Number | Type::Bool) => Ok(()),
        (Type::List(a) | Type::Set(a), Type::List(b) | Type::Set(b)) => check_type(a, b),
        (Type::Tuple(ts), Type::List(b) | Type::Set(b)) => {
            ts.iter().try_for_each(|t| check_type(t, b))
        }
        (Type::Tuple(a), Type::Tuple(b)) if a.len() == b.len() => {
            a.iter().zip(b).try_for_each(|(x, y)| check_type(x, y))
        }
        (Type::List(a) | Type::Set(a), Type::Tuple(bs)) => {
            bs.iter().try_for_each(|b| check_type(a, b))
        }
        (Type::Map(a), Type::Map(b)) => check_type(a, b),
        (Type::Object(o), Type::Map(b)) => o.attrs.values().try_for_each(|t| check_type(t, b)),
        (Type::Map(a), Type::Object(o)) => o.attrs.values().try_for_each(|t| check_type(a, t)),
        (Type::Object(a), Type::Object(b)) => {
            for (k, t) in &b.attrs {
                match a.attrs.get(k) {
                    Some(f) => check_type(f, t).map_err(|e| e.at(PathStep::Attr(k.clone())))?,
                    None if b.optional.contains(k) => {}
                    None => return Err(ConvertError::new(format!("attribute {k:?} is required"))),
                }
            }
            Ok(())
        }
        _ => Err(required(want)),
    }
}

fn required(want: &Type) -> ConvertError {
    ConvertError::new(format!("{} required", want.friendly_name()))
}

fn convert_known(v: &Value, want: &Type) -> Result<Value, ConvertError> {
    match want {
        Type::Dynamic => Ok(v.clone()),
        Type::String => match &v.kind {
            Kind::String(_) => Ok(strip(v)),
            Kind::Number(n) => Ok(Value::string(n.to_string())),
            Kind::Bool(b) => Ok(Value::string(if *b { "true" } else { "false" })),
            _ => Err(required(want)),
        },
        Type::Number => match &v.kind {
            Kind::Number(_) => Ok(strip(v)),
            Kind::String(s) => Number::parse(s)
                .map(Value::number)
                .ok_or_else(|| ConvertError::new("a number is required")),
            _ => Err(required(want)),
        },
        Type::Bool => match &v.kind {
            Kind::Bool(_) => Ok(strip(v)),
            Kind::String(s) => match &**s {
                "true" | "1" => Ok(Value::bool(true)),
                "false" | "0" => Ok(Value::bool(false)),
                other if other.eq_ignore_ascii_case("true") => Err(ConvertError::new(
                    "a bool is required; to convert from string, use lowercase \"true\"",
                )),
                other if other.eq_ignore_ascii_case("false") => Err(ConvertError::new(
                    "a bool is required; to convert from string, use lowercase \"false\"",
                )),
                _ => Err(ConvertError::new("a bool is required")),
            },
            _ => Err(required(want)),
        },
        Type::List(et) | Type::Set(et) => {
            let items = match &v.kind {
                Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => v.as_seq().unwrap_or(&[]),
                _ => return Err(required(want)),
            };
            let src = v.ty().element_type().cloned();
            let (et, items) = convert_elements(items.iter().map(|x| (None, x)), et, want, src)?;
            let items: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
            Ok(if matches!(want, Type::Set(_)) {
                Value::set(et, items)
            } else {
                Value::list(et, items)
            })
        }
        Type::Map(et) => {
            let entries = match &v.kind {
                Kind::Map(_, m) | Kind::Object(m) => m,
                _ => return Err(required(want)),
            };
            let (et, items) = convert_elements(
                entries.iter().map(|(k, x)| (Some(k), x)),
                et,
                want,
                v.ty().element_type().cloned(),
            )?;
            Ok(Value::map(
                et,
                items
                    .into_iter()
                    .map(|(k, v)| (k.cloned().unwrap_or_default(), v))
                    .collect(),
            ))
        }
        Type::Tuple(ts) => {
            let items = match &v.kind {
                Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => v.as_seq().unwrap_or(&[]),
                _ => return Err(required(want)),
            };
            if items.len() != ts.len() {
                return Err(ConvertError::new(format!(
                    "tuple required with exactly {} element{}",
                    ts.len(),
                    if ts.len() == 1 { "" } else { "s" }
                )));
            }
            let out = items
                .iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (x, t))| convert(x, t).map_err(|e| e.at(PathStep::Index(i))))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::tuple(out))
        }
        Type::Object(ot) => {
            let entries = match &v.kind {
                Kind::Map(_, m) | Kind::Object(m) => m,
                _ => return Err(required(want)),
            };
            let mut out = BTreeMap::new();
            for (k, t) in &ot.attrs {
                match entries.get(k) {
                    Some(x) => {
                        out.insert(
                            k.clone(),
                            convert(x, t).map_err(|e| e.at(PathStep::Attr(k.clone())))?,
                        );
                    }
                    None if ot.optional.contains(k) => {
                        out.insert(k.clone(), Value::null(t.clone()));
                    }
                    None => return Err(ConvertError::new(format!("attribute {k:?} is required"))),
                }
            }
            Ok(Value::object(out))
        }
    }
}

/// A copy without this level's mark (the caller re-applies it).
fn strip(v: &Value) -> Value {
    Value {
        kind: v.kind.clone(),
        sensitive: false,
    }
}

type Converted<'a> = (Type, Vec<(Option<&'a String>, Value)>);

/// Converts collection elements to `et`, choosing a single element type
/// by unification when `et` contains `any`.
fn convert_elements<'a>(
    items: impl Iterator<Item = (Option<&'a String>, &'a Value)>,
    et: &Type,
    want: &Type,
    source_elem: Option<Type>,
) -> Result<Converted<'a>, ConvertError> {
    let items: Vec<(Option<&String>, &Value)> = items.collect();
    let step = |k: Option<&String>, i: usize| match k {
        Some(k) => PathStep::Key(k.clone()),
        None => PathStep::Index(i),
    };
    let mut first: Vec<(Option<&String>, Value)> = Vec::with_capacity(items.len());
    for (i, (k, x)) in items.iter().enumerate() {
        first.push((*k, convert(x, et).map_err(|e| e.at(step(*k, i)))?));
    }
    if !et.has_dynamic() {
        return Ok((et.clone(), first));
    }
    if first.is_empty() {
        // No elements to unify: an empty typed collection keeps its type.
        let t = source_elem
            .map(|f| converted_type(&f, et))
            .unwrap_or_else(|| et.clone());
        return Ok((t, first));
    }
    // `any` inside a collection means one type for all elements.
    let types: Vec<Type> = first.iter().map(|(_, v)| v.ty()).collect();
    let unified = unify(&types).ok_or_else(|| {
        let kind = match want {
            Type::Map(_) => "map",
            Type::Set(_) => "set",
            _ => "list",
        };
        ConvertError::new(format!("all {kind} elements must have the same type"))
    })?;
    let target = merge_dynamic(et, &unified);
    let mut out = Vec::with_capacity(first.len());
    for (i, (k, x)) in first.into_iter().enumerate() {
        out.push((k, convert(&x, &target).map_err(|e| e.at(step(k, i)))?));
    }
    Ok((target, out))
}

/// Fills the `any` holes of a constraint with the corresponding parts of a
/// concrete type.
fn merge_dynamic(constraint: &Type, concrete: &Type) -> Type {
    match (constraint, concrete) {
        (Type::Dynamic, c) => c.clone(),
        (Type::List(a), Type::List(b)) => Type::list(merge_dynamic(a, b)),
        (Type::Set(a), Type::Set(b)) => Type::set(merge_dynamic(a, b)),
        (Type::Map(a), Type::Map(b)) => Type::map(merge_dynamic(a, b)),
        (c, _) => c.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn primitives() {
        assert_eq!(
            convert(&Value::int(5), &Type::String).unwrap().as_str(),
            Some("5")
        );
        assert_eq!(
            convert(&Value::bool(true), &Type::String).unwrap().as_str(),
            Some("true")
        );
        assert_eq!(
            convert(&s("1.50"), &Type::Number)
                .unwrap()
                .as_number()
                .unwrap()
                .to_string(),
            "1.5"
        );
        assert_eq!(
            convert(&s("abc"), &Type::Number).unwrap_err().to_string(),
            "a number is required"
        );
        assert_eq!(
            convert(&s("false"), &Type::Bool).unwrap().as_bool(),
            Some(false)
        );
        assert_eq!(
            convert(&s("True"), &Type::Bool).unwrap_err().to_string(),
            "a bool is required; to convert from string, use lowercase \"true\""
        );
        assert_eq!(
            convert(&Value::bool(true), &Type::Number)
                .unwrap_err()
                .to_string(),
            "number required"
        );
    }

    #[test]
    fn tuple_to_list_unifies() {
        let t = Value::tuple(vec![Value::int(1), s("a")]);
        let l = convert(&t, &Type::list(Type::Dynamic)).unwrap();
        assert_eq!(l.ty(), Type::list(Type::String));
        let bad = Value::tuple(vec![Value::int(1), Value::bool(true)]);
        assert_eq!(
            convert(&bad, &Type::list(Type::Dynamic))
                .unwrap_err()
                .to_string(),
            "all list elements must have the same type"
        );
    }

    #[test]
    fn object_conversion_with_optional_and_extra_attrs() {
        let mut attrs = BTreeMap::new();
        attrs.insert("name".to_string(), Type::String);
        attrs.insert("size".to_string(), Type::Number);
        let mut ot = crate::types::ObjectType {
            attrs,
            optional: Default::default(),
        };
        ot.optional.insert("size".into());
        let want = Type::Object(ot);
        let mut m = BTreeMap::new();
        m.insert("name".to_string(), Value::int(3));
        m.insert("extra".to_string(), Value::bool(true));
        let out = convert(&Value::object(m), &want).unwrap();
        assert_eq!(out.get_attr("name").unwrap().as_str(), Some("3"));
        assert!(out.get_attr("size").unwrap().is_null());
        assert!(out.get_attr("extra").is_none());

        let mut m = BTreeMap::new();
        m.insert("name".to_string(), Value::tuple(vec![]));
        assert_eq!(
            convert(&Value::object(m), &want).unwrap_err().to_string(),
            "attribute \"name\": string required"
        );
        assert_eq!(
            convert(&Value::empty_object(), &want)
                .unwrap_err()
                .to_string(),
            "attribute \"name\" is required"
        );
    }

    #[test]
    fn unknown_and_null_keep_target_type() {
        let u = convert(&Value::unknown(Type::String), &Type::Number).unwrap();
        assert!(u.is_unknown());
        assert_eq!(u.ty(), Type::Number);
        assert!(convert(&Value::unknown(Type::Bool), &Type::list(Type::String)).is_err());
        let n = convert(&Value::dynamic_null(), &Type::String).unwrap();
        assert!(n.is_null());
        assert_eq!(n.ty(), Type::String);
    }

    #[test]
    fn marks_survive_conversion() {
        let v = convert(&Value::int(1).marked(), &Type::String).unwrap();
        assert!(v.sensitive);
        let l = convert(
            &Value::tuple(vec![s("a").marked()]),
            &Type::set(Type::String),
        )
        .unwrap();
        assert!(l.is_sensitive_deep());
    }

    #[test]
    fn set_from_list_deduplicates() {
        let l = Value::tuple(vec![s("b"), s("a"), s("b")]);
        let set = convert(&l, &Type::set(Type::String)).unwrap();
        assert_eq!(set.len(), Some(2));
    }

    #[test]
    fn any_keeps_known_element_types() {
        let empty = Value::list(Type::String, vec![]);
        assert_eq!(
            convert(&empty, &Type::list(Type::Dynamic)).unwrap().ty(),
            Type::list(Type::String)
        );
        let u = Value::unknown(Type::set(Type::String));
        assert_eq!(
            convert(&u, &Type::list(Type::Dynamic)).unwrap().ty(),
            Type::list(Type::String)
        );
        let t = Value::unknown(Type::Tuple(vec![Type::Number, Type::String]));
        assert_eq!(
            convert(&t, &Type::list(Type::Dynamic)).unwrap().ty(),
            Type::list(Type::String)
        );
        // Unknown set elements stay distinct.
        let s = Value::set(
            Type::String,
            vec![Value::unknown(Type::String), Value::unknown(Type::String)],
        );
        assert_eq!(s.len(), Some(2));
    }
}
