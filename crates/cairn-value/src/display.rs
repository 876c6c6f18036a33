//! The console's rendering of values, as `terraform console` prints them.

use std::fmt::Write as _;

use crate::value::{Kind, Value};

/// Renders a value the way `terraform console` does: `tolist([...])`,
/// `tomap({...})`, `toset([...])`, tuples and objects bare, multi-line
/// strings as heredocs, `(known after apply)` and `(sensitive value)`.
pub fn console(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, 0, &mut out);
    out
}

fn indent(n: usize, out: &mut String) {
    for _ in 0..n {
        out.push_str("  ");
    }
}

/// A quoted string literal with escapes for quotes, backslashes and
/// control characters; `${` is shown as is, as the console shows it.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_value(v: &Value, level: usize, out: &mut String) {
    if v.sensitive {
        out.push_str("(sensitive value)");
        return;
    }
    match &v.kind {
        Kind::Unknown(_) => out.push_str("(known after apply)"),
        Kind::Null(_) => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => out.push_str(&n.to_string()),
        Kind::String(s) => {
            if s.contains('\n') && s.len() > 1 {
                // Multi-line strings print as heredocs, like the console.
                out.push_str("<<EOT\n");
                for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                    out.push_str(line);
                    out.push('\n');
                }
                indent(level, out);
                out.push_str("EOT");
            } else {
                out.push_str(&quote(s));
            }
        }
        Kind::List(_, items) => seq("tolist(", ")", items, level, out),
        Kind::Set(_, items) => seq("toset(", ")", items, level, out),
        Kind::Tuple(items) => seq("", "", items, level, out),
        Kind::Map(_, m) => entries("tomap(", ")", m, level, out),
        Kind::Object(m) => entries("", "", m, level, out),
    }
}

fn seq(open: &str, close: &str, items: &[Value], level: usize, out: &mut String) {
    out.push_str(open);
    if items.is_empty() {
        out.push_str("[]");
    } else {
        out.push_str("[\n");
        for x in items {
            indent(level + 1, out);
            write_value(x, level + 1, out);
            out.push_str(",\n");
        }
        indent(level, out);
        out.push(']');
    }
    out.push_str(close);
}

fn entries(
    open: &str,
    close: &str,
    m: &std::collections::BTreeMap<String, Value>,
    level: usize,
    out: &mut String,
) {
    out.push_str(open);
    if m.is_empty() {
        out.push_str("{}");
    } else {
        out.push_str("{\n");
        let width = m
            .keys()
            .map(|k| quote(k).chars().count())
            .max()
            .unwrap_or(0);
        for (k, x) in m.iter() {
            indent(level + 1, out);
            let q = quote(k);
            let pad = width - q.chars().count();
            out.push_str(&q);
            for _ in 0..pad {
                out.push(' ');
            }
            out.push_str(" = ");
            write_value(x, level + 1, out);
            out.push('\n');
        }
        indent(level, out);
        out.push('}');
    }
    out.push_str(close);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;
    use std::collections::BTreeMap;

    #[test]
    fn renders_like_the_console() {
        let l = Value::list(Type::String, vec![Value::string("a"), Value::string("b")]);
        assert_eq!(console(&l), "tolist([\n  \"a\",\n  \"b\",\n])");
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), Value::int(1));
        m.insert("long".to_string(), Value::unknown(Type::String));
        assert_eq!(
            console(&Value::object(m)),
            "{\n  \"a\"    = 1\n  \"long\" = (known after apply)\n}"
        );
        assert_eq!(console(&Value::string("s").marked()), "(sensitive value)");
        assert_eq!(
            console(&Value::map(Type::String, BTreeMap::new())),
            "tomap({})"
        );
        assert_eq!(console(&Value::string("a${b}")), "\"a${b}\"");
    }
}
