//! `count` and `for_each`: which instances a block has, with Terraform's
//! rules and messages for unsuitable values.

use std::collections::BTreeMap;
use std::fmt;

use cairn_diagnostics::{Diagnostic, Span};
use cairn_value::{Kind, Type, Value};

/// An instance key: none (a single instance), a `count` index or a
/// `for_each` key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    None,
    Int(i64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    /// The address suffix: ``, `[0]`, `["a"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", cairn_value::display::quote(s)),
        }
    }
}

/// The instances of a block: keys with the `each.value` for `for_each`.
#[derive(Clone, Debug)]
pub enum Expansion {
    Single,
    Count(i64),
    ForEach(BTreeMap<String, Value>),
    /// The value is not known yet (plan: known after apply).
    Unknown,
}

impl Expansion {
    pub fn keys(&self) -> Vec<InstanceKey> {
        match self {
            Expansion::Single => vec![InstanceKey::None],
            Expansion::Count(n) => (0..*n).map(InstanceKey::Int).collect(),
            Expansion::ForEach(m) => m.keys().cloned().map(InstanceKey::Str).collect(),
            Expansion::Unknown => Vec::new(),
        }
    }
}

/// The most instances one `count` may ask for.
pub const MAX_COUNT: i64 = 10_000_000;

fn bad(summary: &str, detail: impl Into<String>, span: Option<&Span>) -> Diagnostic {
    Diagnostic::error(summary, detail).with_span(span.cloned())
}

/// Checks a `count` value.
pub fn count(v: &Value, span: Option<&Span>) -> Result<Expansion, Diagnostic> {
    if v.is_sensitive_deep() {
        return Err(bad(
            "Invalid count argument",
            "Sensitive values, or values derived from sensitive values, cannot be used as count arguments. If used, the sensitive value could be exposed as a resource instance key.",
            span,
        ));
    }
    if v.is_null() {
        return Err(bad(
            "Invalid count argument",
            "The given \"count\" argument value is null. An integer is required.",
            span,
        ));
    }
    let n = cairn_value::convert(v, &Type::Number).map_err(|e| {
        bad(
            "Invalid count argument",
            format!("The given \"count\" argument value is unsuitable: {e}."),
            span,
        )
    })?;
    if n.is_unknown() {
        return Ok(Expansion::Unknown);
    }
    let Some(num) = n.as_number() else {
        return Ok(Expansion::Unknown);
    };
    if num.is_negative() {
        return Err(bad(
            "Invalid count argument",
            "The given \"count\" argument value is unsuitable: must be greater than or equal to zero.",
            span,
        ));
    }
    if !num.is_integer() {
        return Err(bad(
            "Invalid count argument",
            "The given \"count\" argument value is unsuitable: the number must be a whole number.",
            span,
        ));
    }
    match num.to_i64().filter(|i| *i <= MAX_COUNT) {
        Some(i) => Ok(Expansion::Count(i)),
        None => Err(bad(
            "Invalid count argument",
            format!("The given \"count\" argument value is unsuitable: {num} instances is more than cairn can manage (at most {MAX_COUNT})."),
            span,
        )),
    }
}

/// Checks a `for_each` value: a map, an object, or a set of strings.
pub fn for_each(v: &Value, span: Option<&Span>) -> Result<Expansion, Diagnostic> {
    if (v.is_sensitive_deep() && !matches!(v.kind, Kind::Map(..) | Kind::Object(_))) || v.sensitive
    {
        return Err(bad(
            "Invalid for_each argument",
            "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.",
            span,
        ));
    }
    if v.is_null() {
        return Err(bad(
            "Invalid for_each argument",
            "The given \"for_each\" argument value is unsuitable: the given \"for_each\" argument value is null. A map, or set of strings is allowed.",
            span,
        ));
    }
    match &v.kind {
        Kind::Unknown(t) => match t {
            Type::Map(_) | Type::Object(_) | Type::Set(_) | Type::Dynamic => Ok(Expansion::Unknown),
            other => Err(unsuitable(other, span)),
        },
        Kind::Map(_, m) | Kind::Object(m) => {
            // Keys are known even when some values are not.
            let mut out = BTreeMap::new();
            for (k, x) in m.iter() {
                // Map values may be sensitive; the keys must not be.
                out.insert(k.clone(), x.clone());
            }
            Ok(Expansion::ForEach(out))
        }
        Kind::Set(et, items) => {
            if !matches!(et, Type::String | Type::Dynamic) {
                return Err(bad(
                    "Invalid for_each set argument",
                    format!(
                        "The given \"for_each\" argument value is unsuitable: \"for_each\" supports sets of strings, but you have provided a set containing type {}.",
                        et.friendly_name()
                    ),
                    span,
                ));
            }
            let mut out = BTreeMap::new();
            for x in items.iter() {
                if x.is_null() {
                    return Err(bad(
                        "Invalid for_each set argument",
                        "The given \"for_each\" argument value is unsuitable: \"for_each\" sets must not contain null values.",
                        span,
                    ));
                }
                if !x.is_wholly_known() {
                    return Ok(Expansion::Unknown);
                }
                let s = x.as_str().unwrap_or_default().to_string();
                out.insert(s, x.clone());
            }
            Ok(Expansion::ForEach(out))
        }
        _ => Err(unsuitable(&v.ty(), span)),
    }
}

fn unsuitable(t: &Type, span: Option<&Span>) -> Diagnostic {
    let name = match t {
        Type::Tuple(_) => "tuple".to_string(),
        Type::List(_) => format!(
            "list of {}",
            t.element_type()
                .map(Type::friendly_name)
                .unwrap_or_default()
        ),
        other => other.friendly_name(),
    };
    bad(
        "Invalid for_each argument",
        format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {name}."),
        span,
    )
    .with_hint("Convert a list to a set with toset(), or build a map with a for expression: { for x in var.list : x.name => x }.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(items: &[&str]) -> Vec<Value> {
        items.iter().map(|s| Value::string(*s)).collect()
    }

    #[test]
    fn count_values() {
        assert!(matches!(
            count(&Value::int(3), None),
            Ok(Expansion::Count(3))
        ));
        assert!(matches!(
            count(&Value::string("2"), None),
            Ok(Expansion::Count(2))
        ));
        assert!(matches!(
            count(&Value::unknown(Type::Number), None),
            Ok(Expansion::Unknown)
        ));
        let e = count(&Value::int(-1), None).unwrap_err();
        assert_eq!(e.detail, "The given \"count\" argument value is unsuitable: must be greater than or equal to zero.");
        let e = count(&Value::dynamic_null(), None).unwrap_err();
        assert_eq!(
            e.detail,
            "The given \"count\" argument value is null. An integer is required."
        );
        let e = count(&Value::int(1).marked(), None).unwrap_err();
        assert!(e.detail.starts_with("Sensitive values"));
        let e = count(&Value::tuple(vec![]), None).unwrap_err();
        assert_eq!(
            e.detail,
            "The given \"count\" argument value is unsuitable: number required."
        );
        assert_eq!(
            Expansion::Count(2).keys(),
            vec![InstanceKey::Int(0), InstanceKey::Int(1)]
        );
    }

    #[test]
    fn for_each_values() {
        let set = Value::set(Type::String, strs(&["b", "a"]));
        let e = for_each(&set, None).unwrap();
        assert_eq!(
            e.keys(),
            vec![InstanceKey::Str("a".into()), InstanceKey::Str("b".into())]
        );
        let tuple = Value::tuple(strs(&["a"]));
        assert_eq!(
            for_each(&tuple, None).unwrap_err().detail,
            "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type tuple."
        );
        let list = Value::list(Type::String, strs(&["a"]));
        assert!(for_each(&list, None)
            .unwrap_err()
            .detail
            .ends_with("a value of type list of string."));
        let nums = Value::set(Type::Number, vec![Value::int(1)]);
        assert_eq!(
            for_each(&nums, None).unwrap_err().detail,
            "The given \"for_each\" argument value is unsuitable: \"for_each\" supports sets of strings, but you have provided a set containing type number."
        );
        assert!(for_each(&Value::dynamic_null(), None)
            .unwrap_err()
            .detail
            .contains("is null"));
        assert!(for_each(&set.clone().marked(), None).is_err());
        let mut m = BTreeMap::new();
        m.insert("k".to_string(), Value::string("secret").marked());
        // Sensitive values in a map are allowed; only keys become addresses.
        assert!(matches!(
            for_each(&Value::map(Type::String, m), None),
            Ok(Expansion::ForEach(_))
        ));
        assert!(matches!(
            for_each(&Value::unknown(Type::set(Type::String)), None),
            Ok(Expansion::Unknown)
        ));
        assert_eq!(InstanceKey::Str("a\"b".into()).to_string(), "[\"a\\\"b\"]");
    }
}
