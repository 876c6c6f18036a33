//! Canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace.
//! The hashes are computed over this form so they do not depend on field
//! order or formatting (serde_json here preserves insertion order).

use serde_json::Value;
use sha2::{Digest, Sha256};

/// `value` in canonical form.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// Hex SHA-256 of the canonical form of `value`.
pub fn canonical_hash(value: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(value).as_bytes()))
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // With arbitrary_precision this is the number's text as parsed, so a
        // line read back hashes exactly as it was written.
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_value(v, out);
                }
            }
            out.push('}');
        }
    }
}

/// serde_json's string escaping is deterministic (only `"`, `\` and control
/// characters are escaped), which is all canonical form needs.
fn write_string(s: &str, out: &mut String) {
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        // Serializing a &str cannot fail; keep a deterministic fallback
        // rather than a panic.
        Err(_) => {
            out.push('"');
            out.push_str(&s.escape_default().to_string());
            out.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let v = json!({"b": 1, "a": {"z": [1, 2, {"y": null, "x": true}], "c": "q\"\n"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"q\"\n","z":[1,2,{"x":true,"y":null}]},"b":1}"#
        );
    }

    #[test]
    fn same_value_different_order_same_hash() {
        let a: Value = serde_json::from_str(r#"{"x": 1, "y": [true, "é"]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y":[true,"é"],"x":1}"#).unwrap();
        assert_eq!(canonical_hash(&a), canonical_hash(&b));
        assert_eq!(canonical_hash(&a).len(), 64);
    }

    #[test]
    fn numbers_round_trip() {
        let text = r#"{"big":123456789012345678901234567890,"f":1.5,"n":-3}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(canonical_json(&v), text);
    }
}
