//! Values: known, unknown or null, each carrying an optional sensitive mark.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::number::Number;
use crate::types::{ObjectType, Type};

/// A Terraform value. `sensitive` marks this value (not its children: those
/// carry their own marks); operations propagate marks from operands to
/// results.
#[derive(Clone, Debug)]
pub struct Value {
    pub kind: Kind,
    pub sensitive: bool,
}

/// The shape of a value. Collections hold their element type so an empty
/// list still knows it is a `list(string)`.
#[derive(Clone, Debug)]
pub enum Kind {
    Null(Type),
    /// Known only after apply; the type may be `Dynamic` when it is unknown too.
    Unknown(Type),
    Bool(bool),
    Number(Number),
    String(Arc<str>),
    List(Type, Arc<Vec<Value>>),
    /// Elements kept sorted (see [`total_cmp`]) and without duplicates.
    Set(Type, Arc<Vec<Value>>),
    Map(Type, Arc<BTreeMap<String, Value>>),
    Tuple(Arc<Vec<Value>>),
    Object(Arc<BTreeMap<String, Value>>),
}

impl From<Kind> for Value {
    fn from(kind: Kind) -> Self {
        Value {
            kind,
            sensitive: false,
        }
    }
}

impl Value {
    pub fn null(t: Type) -> Value {
        Kind::Null(t).into()
    }
    pub fn dynamic_null() -> Value {
        Kind::Null(Type::Dynamic).into()
    }
    pub fn unknown(t: Type) -> Value {
        Kind::Unknown(t).into()
    }
    pub fn dynamic_unknown() -> Value {
        Kind::Unknown(Type::Dynamic).into()
    }
    pub fn bool(b: bool) -> Value {
        Kind::Bool(b).into()
    }
    pub fn number(n: Number) -> Value {
        Kind::Number(n).into()
    }
    pub fn int(i: i64) -> Value {
        Kind::Number(Number::from_i64(i)).into()
    }
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Kind::String(s.into()).into()
    }
    /// A list; `elem` is the element type (all elements must already have it).
    pub fn list(elem: Type, items: Vec<Value>) -> Value {
        Kind::List(elem, Arc::new(items)).into()
    }
    /// A set: sorts and removes duplicates.
    pub fn set(elem: Type, mut items: Vec<Value>) -> Value {
        items.sort_by(total_cmp);
        // Unknown elements may turn out distinct, so they are all kept.
        items.dedup_by(|a, b| a.is_wholly_known() && total_cmp(a, b) == Ordering::Equal);
        Kind::Set(elem, Arc::new(items)).into()
    }
    pub fn map(elem: Type, items: BTreeMap<String, Value>) -> Value {
        Kind::Map(elem, Arc::new(items)).into()
    }
    pub fn tuple(items: Vec<Value>) -> Value {
        Kind::Tuple(Arc::new(items)).into()
    }
    pub fn object(attrs: BTreeMap<String, Value>) -> Value {
        Kind::Object(Arc::new(attrs)).into()
    }
    pub fn empty_object() -> Value {
        Value::object(BTreeMap::new())
    }
    pub fn empty_tuple() -> Value {
        Value::tuple(Vec::new())
    }

    /// A list whose element type is inferred by unifying the items' types
    /// (converting items as needed); `None` when they have no common type.
    pub fn list_infer(items: Vec<Value>) -> Option<Value> {
        let t = crate::types::unify(&items.iter().map(Value::ty).collect::<Vec<_>>())?;
        let items = items
            .iter()
            .map(|v| crate::convert::convert(v, &t).ok())
            .collect::<Option<Vec<_>>>()?;
        Some(Value::list(t, items))
    }

    /// Sets this value's own sensitive mark (keeps an existing mark).
    pub fn mark(mut self, sensitive: bool) -> Value {
        self.sensitive |= sensitive;
        self
    }
    pub fn marked(self) -> Value {
        self.mark(true)
    }

    /// True when this value or anything inside it is sensitive.
    pub fn is_sensitive_deep(&self) -> bool {
        if self.sensitive {
            return true;
        }
        match &self.kind {
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => {
                v.iter().any(Value::is_sensitive_deep)
            }
            Kind::Map(_, m) | Kind::Object(m) => m.values().any(Value::is_sensitive_deep),
            _ => false,
        }
    }

    /// The value with every mark removed, and whether there were any.
    pub fn unmark_deep(&self) -> (Value, bool) {
        if !self.is_sensitive_deep() {
            return (self.clone(), false);
        }
        (self.strip_marks(), true)
    }

    fn strip_marks(&self) -> Value {
        let kind = match &self.kind {
            Kind::List(t, v) => Kind::List(
                t.clone(),
                Arc::new(v.iter().map(Value::strip_marks).collect()),
            ),
            Kind::Set(t, v) => Kind::Set(
                t.clone(),
                Arc::new(v.iter().map(Value::strip_marks).collect()),
            ),
            Kind::Tuple(v) => Kind::Tuple(Arc::new(v.iter().map(Value::strip_marks).collect())),
            Kind::Map(t, m) => Kind::Map(
                t.clone(),
                Arc::new(
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.strip_marks()))
                        .collect(),
                ),
            ),
            Kind::Object(m) => Kind::Object(Arc::new(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.strip_marks()))
                    .collect(),
            )),
            k => k.clone(),
        };
        kind.into()
    }

    /// The value's type. Unknown and null values report the type they were
    /// given.
    pub fn ty(&self) -> Type {
        match &self.kind {
            Kind::Null(t) | Kind::Unknown(t) => t.clone(),
            Kind::Bool(_) => Type::Bool,
            Kind::Number(_) => Type::Number,
            Kind::String(_) => Type::String,
            Kind::List(t, _) => Type::list(t.clone()),
            Kind::Set(t, _) => Type::set(t.clone()),
            Kind::Map(t, _) => Type::map(t.clone()),
            Kind::Tuple(v) => Type::Tuple(v.iter().map(Value::ty).collect()),
            Kind::Object(m) => Type::Object(ObjectType {
                attrs: m.iter().map(|(k, v)| (k.clone(), v.ty())).collect(),
                optional: Default::default(),
            }),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null(_))
    }
    /// True when this value itself is unknown (not its contents).
    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }
    /// True when the value is known all the way down.
    pub fn is_wholly_known(&self) -> bool {
        match &self.kind {
            Kind::Unknown(_) => false,
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Kind::Map(_, m) | Kind::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_number(&self) -> Option<&Number> {
        match &self.kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// Elements of a list, set or tuple.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => Some(v),
            _ => None,
        }
    }
    /// Entries of a map or object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match &self.kind {
            Kind::Map(_, m) | Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Number of elements for collections, tuples and objects.
    pub fn len(&self) -> Option<usize> {
        self.as_seq()
            .map(<[Value]>::len)
            .or_else(|| self.as_entries().map(BTreeMap::len))
    }
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Attribute of an object or element of a map by key.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_entries().and_then(|m| m.get(name))
    }

    /// Terraform's `==`: unknown when either side holds an unknown that
    /// matters; values of different types are never equal (no conversion).
    pub fn equals(&self, other: &Value) -> Value {
        let sensitive = self.is_sensitive_deep() || other.is_sensitive_deep();
        let r = match eq_inner(self, other) {
            Some(b) => Value::bool(b),
            None => Value::unknown(Type::Bool),
        };
        r.mark(sensitive)
    }

    /// Structural identity: same type, same content, unknowns equal only to
    /// unknowns of the same type. Marks are ignored.
    pub fn raw_equal(&self, other: &Value) -> bool {
        total_cmp(self, other) == Ordering::Equal && self.ty() == other.ty()
    }

    /// True/false for a known bool, `None` otherwise.
    pub fn truthy(&self) -> Option<bool> {
        self.as_bool()
    }
}

/// Equality where a null compares by nullness, and any unknown on the
/// way makes the answer unknown (`None`).
fn eq_inner(a: &Value, b: &Value) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (Kind::Unknown(_), _) | (_, Kind::Unknown(_)) => None,
        (Kind::Null(_), Kind::Null(_)) => Some(true),
        (Kind::Null(_), _) | (_, Kind::Null(_)) => Some(false),
        (Kind::Bool(x), Kind::Bool(y)) => Some(x == y),
        (Kind::Number(x), Kind::Number(y)) => Some(x == y),
        (Kind::String(x), Kind::String(y)) => Some(x == y),
        (Kind::List(t1, x), Kind::List(t2, y)) | (Kind::Set(t1, x), Kind::Set(t2, y)) => {
            if t1 != t2 && *t1 != Type::Dynamic && *t2 != Type::Dynamic {
                return Some(false);
            }
            seq_eq(x, y)
        }
        (Kind::Tuple(x), Kind::Tuple(y)) => seq_eq(x, y),
        (Kind::Map(t1, x), Kind::Map(t2, y)) => {
            if t1 != t2 && *t1 != Type::Dynamic && *t2 != Type::Dynamic {
                return Some(false);
            }
            map_eq(x, y)
        }
        (Kind::Object(x), Kind::Object(y)) => map_eq(x, y),
        _ => Some(false),
    }
}

fn seq_eq(x: &[Value], y: &[Value]) -> Option<bool> {
    if x.len() != y.len() {
        return Some(false);
    }
    let mut unknown = false;
    for (a, b) in x.iter().zip(y) {
        match eq_inner(a, b) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

fn map_eq(x: &BTreeMap<String, Value>, y: &BTreeMap<String, Value>) -> Option<bool> {
    if x.len() != y.len() || !x.keys().eq(y.keys()) {
        return Some(false);
    }
    let mut unknown = false;
    for (a, b) in x.values().zip(y.values()) {
        match eq_inner(a, b) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

fn kind_rank(k: &Kind) -> u8 {
    match k {
        Kind::Null(_) => 0,
        Kind::Bool(_) => 1,
        Kind::Number(_) => 2,
        Kind::String(_) => 3,
        Kind::List(..) => 4,
        Kind::Set(..) => 5,
        Kind::Tuple(_) => 6,
        Kind::Map(..) => 7,
        Kind::Object(_) => 8,
        Kind::Unknown(_) => 9,
    }
}

/// A total order used to keep set elements canonical: numbers numerically,
/// strings lexically, bools false before true, unknowns last (as Terraform
/// sorts sets of primitives); other kinds by content.
pub fn total_cmp(a: &Value, b: &Value) -> Ordering {
    match (&a.kind, &b.kind) {
        (Kind::Bool(x), Kind::Bool(y)) => x.cmp(y),
        (Kind::Number(x), Kind::Number(y)) => x.cmp_num(y),
        (Kind::String(x), Kind::String(y)) => x.cmp(y),
        (Kind::Null(x), Kind::Null(y)) | (Kind::Unknown(x), Kind::Unknown(y)) => x.cmp(y),
        (Kind::List(_, x), Kind::List(_, y))
        | (Kind::Set(_, x), Kind::Set(_, y))
        | (Kind::Tuple(x), Kind::Tuple(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let o = total_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Kind::Map(_, x), Kind::Map(_, y)) | (Kind::Object(x), Kind::Object(y)) => {
            for ((k1, v1), (k2, v2)) in x.iter().zip(y.iter()) {
                let o = k1.cmp(k2).then_with(|| total_cmp(v1, v2));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (x, y) => kind_rank(x).cmp(&kind_rank(y)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_sorted_and_deduplicated() {
        let s = Value::set(
            Type::String,
            vec![Value::string("b"), Value::string("a"), Value::string("b")],
        );
        let items: Vec<&str> = s
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(items, vec!["a", "b"]);
        let n = Value::set(
            Type::Number,
            vec![Value::int(10), Value::int(9), Value::int(-1)],
        );
        let items: Vec<String> = n
            .as_seq()
            .unwrap()
            .iter()
            .map(|v| v.as_number().unwrap().to_string())
            .collect();
        assert_eq!(items, vec!["-1", "9", "10"]);
    }

    #[test]
    fn equality_with_unknowns_and_types() {
        assert_eq!(Value::int(1).equals(&Value::int(1)).as_bool(), Some(true));
        assert_eq!(
            Value::int(1).equals(&Value::string("1")).as_bool(),
            Some(false)
        );
        assert!(Value::int(1)
            .equals(&Value::unknown(Type::Number))
            .is_unknown());
        let a = Value::tuple(vec![Value::int(1), Value::unknown(Type::Number)]);
        let b = Value::tuple(vec![Value::int(2), Value::int(3)]);
        // A known difference decides even when another element is unknown.
        assert_eq!(a.equals(&b).as_bool(), Some(false));
        assert_eq!(
            Value::dynamic_null()
                .equals(&Value::null(Type::String))
                .as_bool(),
            Some(true)
        );
    }

    #[test]
    fn marks_propagate_through_equality() {
        let s = Value::string("x").marked();
        let r = s.equals(&Value::string("x"));
        assert!(r.sensitive);
        assert_eq!(r.as_bool(), Some(true));
        let nested = Value::tuple(vec![Value::string("a").marked()]);
        assert!(!nested.sensitive);
        assert!(nested.is_sensitive_deep());
        let (plain, had) = nested.unmark_deep();
        assert!(had);
        assert!(!plain.is_sensitive_deep());
    }
}
