//! JSON encoding and decoding with Terraform's `jsonencode`/`jsondecode`
//! semantics.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::number::Number;
use crate::types::Type;
use crate::value::{Kind, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("value is not known until apply")]
    Unknown,
    #[error("{0}")]
    Syntax(String),
}

/// Encodes as compact JSON exactly as Terraform's `jsonencode` does: object
/// keys sorted, sets as arrays, and `<`, `>`, `&`, U+2028, U+2029 escaped as
/// `\u003c` and so on. Marks are ignored: callers re-mark the result.
pub fn encode(v: &Value) -> Result<String, JsonError> {
    let mut out = String::new();
    encode_into(v, &mut out)?;
    Ok(out)
}

fn encode_into(v: &Value, out: &mut String) -> Result<(), JsonError> {
    match &v.kind {
        Kind::Unknown(_) => return Err(JsonError::Unknown),
        Kind::Null(_) => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => out.push_str(&n.to_string()),
        Kind::String(s) => encode_str(s, out),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_into(x, out)?;
            }
            out.push(']');
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_str(k, out);
                out.push(':');
                encode_into(x, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A JSON string literal with Go's `encoding/json` escaping.
pub fn encode_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Decodes JSON text as `jsondecode` does: objects become objects, arrays
/// tuples, numbers keep every digit.
pub fn decode(text: &str) -> Result<Value, JsonError> {
    let j: serde_json::Value =
        serde_json::from_str(text).map_err(|e| JsonError::Syntax(e.to_string()))?;
    Ok(from_json(&j))
}

/// Converts a parsed JSON document to a value with the implied types.
pub fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::dynamic_null(),
        serde_json::Value::Bool(b) => Value::bool(*b),
        serde_json::Value::Number(n) => match Number::parse(&n.to_string()) {
            Some(n) => Value::number(n),
            None => Value::dynamic_null(),
        },
        serde_json::Value::String(s) => Value::string(s.as_str()),
        serde_json::Value::Array(a) => Value::tuple(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::object(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// Converts a known value to a JSON document (unknowns are an error).
pub fn to_json(v: &Value) -> Result<serde_json::Value, JsonError> {
    Ok(match &v.kind {
        Kind::Unknown(_) => return Err(JsonError::Unknown),
        Kind::Null(_) => serde_json::Value::Null,
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        Kind::Number(n) => {
            serde_json::from_str(&n.to_string()).map_err(|e| JsonError::Syntax(e.to_string()))?
        }
        Kind::String(s) => serde_json::Value::String(s.to_string()),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            serde_json::Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Kind::Map(_, m) | Kind::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), to_json(x)?)))
                .collect::<Result<_, JsonError>>()?,
        ),
    })
}

/// Decodes a JSON document known to hold a value of type `ty` (as state
/// files do), restoring lists, sets and maps that JSON cannot distinguish.
pub fn from_json_typed(j: &serde_json::Value, ty: &Type) -> Result<Value, crate::ConvertError> {
    crate::convert::convert(&from_json(j), ty)
}

/// A JSON encoding of a type, as Terraform writes types in plans and state
/// (`"string"`, `["list","string"]`, `["object",{"a":"string"}]`).
pub fn type_to_json(t: &Type) -> serde_json::Value {
    use serde_json::json;
    match t {
        Type::Dynamic => json!("dynamic"),
        Type::String => json!("string"),
        Type::Number => json!("number"),
        Type::Bool => json!("bool"),
        Type::List(e) => json!(["list", type_to_json(e)]),
        Type::Set(e) => json!(["set", type_to_json(e)]),
        Type::Map(e) => json!(["map", type_to_json(e)]),
        Type::Tuple(ts) => json!(["tuple", ts.iter().map(type_to_json).collect::<Vec<_>>()]),
        Type::Object(o) => {
            let attrs: serde_json::Map<String, serde_json::Value> = o
                .attrs
                .iter()
                .map(|(k, t)| (k.clone(), type_to_json(t)))
                .collect();
            json!(["object", attrs])
        }
    }
}

/// The inverse of [`type_to_json`].
pub fn type_from_json(j: &serde_json::Value) -> Option<Type> {
    match j {
        serde_json::Value::String(s) => match s.as_str() {
            "dynamic" => Some(Type::Dynamic),
            "string" => Some(Type::String),
            "number" => Some(Type::Number),
            "bool" => Some(Type::Bool),
            _ => None,
        },
        serde_json::Value::Array(a) if a.len() == 2 => {
            let kind = a[0].as_str()?;
            match kind {
                "list" => Some(Type::list(type_from_json(&a[1])?)),
                "set" => Some(Type::set(type_from_json(&a[1])?)),
                "map" => Some(Type::map(type_from_json(&a[1])?)),
                "tuple" => Some(Type::Tuple(
                    a[1].as_array()?
                        .iter()
                        .map(type_from_json)
                        .collect::<Option<_>>()?,
                )),
                "object" => Some(Type::object(
                    a[1].as_object()?
                        .iter()
                        .map(|(k, v)| Some((k.clone(), type_from_json(v)?)))
                        .collect::<Option<_>>()?,
                )),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_like_terraform() {
        let mut m = BTreeMap::new();
        m.insert(
            "b".to_string(),
            Value::tuple(vec![Value::int(1), Value::bool(true)]),
        );
        m.insert("a".to_string(), Value::string("<&>"));
        m.insert("c".to_string(), Value::dynamic_null());
        assert_eq!(
            encode(&Value::object(m)).unwrap(),
            r#"{"a":"\u003c\u0026\u003e","b":[1,true],"c":null}"#
        );
        assert_eq!(
            encode(&Value::unknown(Type::String)),
            Err(JsonError::Unknown)
        );
    }

    #[test]
    fn decode_keeps_precision_and_shapes() {
        let v = decode(r#"{"n": 12345678901234567890.5, "l": [1, "a"]}"#).unwrap();
        assert_eq!(
            v.get_attr("n").unwrap().as_number().unwrap().to_string(),
            "12345678901234567890.5"
        );
        assert_eq!(
            v.get_attr("l").unwrap().ty(),
            Type::Tuple(vec![Type::Number, Type::String])
        );
        assert!(matches!(decode("{"), Err(JsonError::Syntax(_))));
    }

    #[test]
    fn type_json_round_trip() {
        let t = Type::list(Type::object(
            [("a".to_string(), Type::map(Type::Bool))]
                .into_iter()
                .collect(),
        ));
        assert_eq!(type_from_json(&type_to_json(&t)), Some(t));
    }
}
