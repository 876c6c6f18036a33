//! Terraform's type system.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A Terraform type. `Dynamic` is the `any` placeholder of type constraints
/// and the type of a value whose type is not known yet.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Dynamic,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(ObjectType),
}

/// An object type. `optional` lists attributes that may be omitted when a
/// value is converted to this type (only meaningful in type constraints).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ObjectType {
    pub attrs: BTreeMap<String, Type>,
    pub optional: BTreeSet<String>,
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }
    pub fn object(attrs: BTreeMap<String, Type>) -> Type {
        Type::Object(ObjectType {
            attrs,
            optional: BTreeSet::new(),
        })
    }
    pub fn empty_object() -> Type {
        Type::Object(ObjectType::default())
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }
    pub fn is_list_like(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Tuple(_))
    }
    pub fn is_map_like(&self) -> bool {
        matches!(self, Type::Map(_) | Type::Object(_))
    }

    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// True when the type contains `Dynamic` anywhere (it is not fully known).
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::String | Type::Number | Type::Bool => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
            Type::Object(o) => o.attrs.values().any(Type::has_dynamic),
        }
    }

    /// A friendly name, as Terraform's error messages use ("list of string").
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Dynamic => "any type".into(),
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Tuple(_) => "tuple".into(),
            Type::Object(_) => "object".into(),
        }
    }
}

/// Renders types as Terraform's type constraint syntax (`list(string)`),
/// the same text `type()` prints in the console.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dynamic => write!(f, "any"),
            Type::String => write!(f, "string"),
            Type::Number => write!(f, "number"),
            Type::Bool => write!(f, "bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                write!(f, "tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, "])")
            }
            Type::Object(o) => {
                write!(f, "object({{")?;
                for (i, (k, t)) in o.attrs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    if o.optional.contains(k) {
                        write!(f, "{k}=optional({t})")?;
                    } else {
                        write!(f, "{k}={t}")?;
                    }
                }
                write!(f, "}})")
            }
        }
    }
}

/// Finds one type all the given types convert to, as Terraform does when a
/// tuple becomes `list(any)` or for a conditional's two results.
pub fn unify(types: &[Type]) -> Option<Type> {
    let mut known: Vec<&Type> = types.iter().filter(|t| **t != Type::Dynamic).collect();
    if known.is_empty() {
        return Some(Type::Dynamic);
    }
    known.dedup();
    if known.iter().all(|t| *t == known[0]) {
        return Some(known[0].clone());
    }
    if known.iter().all(|t| t.is_primitive()) {
        // Mixed primitives all become strings (numbers and bools have a
        // string form); number and bool alone have no common type.
        return if known.contains(&&Type::String) {
            Some(Type::String)
        } else {
            None
        };
    }
    if known.iter().all(|t| matches!(t, Type::List(_))) {
        let elems: Vec<Type> = known
            .iter()
            .filter_map(|t| t.element_type().cloned())
            .collect();
        return unify(&elems).map(Type::list);
    }
    if known.iter().all(|t| matches!(t, Type::Set(_))) {
        let elems: Vec<Type> = known
            .iter()
            .filter_map(|t| t.element_type().cloned())
            .collect();
        return unify(&elems).map(Type::set);
    }
    if known
        .iter()
        .all(|t| matches!(t, Type::Map(_) | Type::Object(_)))
    {
        // Objects with the same attribute names unify attribute by attribute.
        if known.iter().all(|t| matches!(t, Type::Object(_))) {
            let first = match known[0] {
                Type::Object(o) => o,
                _ => return None,
            };
            let same_keys = known.iter().all(|t| match t {
                Type::Object(o) => o.attrs.keys().eq(first.attrs.keys()),
                _ => false,
            });
            if same_keys {
                let mut attrs = BTreeMap::new();
                for k in first.attrs.keys() {
                    let ts: Vec<Type> = known
                        .iter()
                        .filter_map(|t| match t {
                            Type::Object(o) => o.attrs.get(k).cloned(),
                            _ => None,
                        })
                        .collect();
                    attrs.insert(k.clone(), unify(&ts)?);
                }
                return Some(Type::object(attrs));
            }
        }
        // Otherwise a map of the unified attribute/element types.
        let mut elems = Vec::new();
        for t in &known {
            match t {
                Type::Map(e) => elems.push((**e).clone()),
                Type::Object(o) => elems.extend(o.attrs.values().cloned()),
                _ => {}
            }
        }
        return unify(&elems).map(Type::map);
    }
    if known
        .iter()
        .all(|t| matches!(t, Type::Tuple(_) | Type::List(_)))
    {
        let mut elems = Vec::new();
        let mut lens = BTreeSet::new();
        for t in &known {
            match t {
                Type::Tuple(ts) => {
                    lens.insert(ts.len());
                    elems.extend(ts.iter().cloned());
                }
                Type::List(e) => {
                    lens.insert(usize::MAX);
                    elems.push((**e).clone());
                }
                _ => {}
            }
        }
        if lens.len() == 1 && !lens.contains(&usize::MAX) {
            // Tuples of one length: unify position by position.
            let n = *lens.iter().next().unwrap_or(&0);
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let ts: Vec<Type> = known
                    .iter()
                    .filter_map(|t| match t {
                        Type::Tuple(ts) => ts.get(i).cloned(),
                        _ => None,
                    })
                    .collect();
                out.push(unify(&ts)?);
            }
            return Some(Type::Tuple(out));
        }
        return unify(&elems).map(Type::list);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_terraform_syntax() {
        let mut attrs = BTreeMap::new();
        attrs.insert("a".to_string(), Type::String);
        attrs.insert("b".to_string(), Type::list(Type::Number));
        let mut o = ObjectType {
            attrs,
            optional: BTreeSet::new(),
        };
        o.optional.insert("b".into());
        assert_eq!(
            Type::Object(o).to_string(),
            "object({a=string, b=optional(list(number))})"
        );
        assert_eq!(
            Type::Tuple(vec![Type::String, Type::Bool]).to_string(),
            "tuple([string, bool])"
        );
    }

    #[test]
    fn unify_primitives() {
        assert_eq!(unify(&[Type::Number, Type::String]), Some(Type::String));
        assert_eq!(unify(&[Type::Number, Type::Bool]), None);
        assert_eq!(unify(&[Type::Number, Type::Dynamic]), Some(Type::Number));
    }
}
