//! Terraform's JSON syntax (`.tf.json`, `.tfvars.json`).
//!
//! [`parse_json`] reads a JSON document into a [`JsonValue`] tree that keeps
//! the byte range of every value and property name, so that block structure
//! can be decoded with positions. [`json_expr`] turns a JSON value used as an
//! expression into the same hcl-edit [`Expression`] tree `.tf` files produce:
//! strings become string templates (or plain literals), arrays and objects
//! become tuple and object constructors.
//!
//! Positions: a JSON value is almost always valid HCL expression text
//! (`{"a": [1, "x${y}"]}` parses as an HCL object whose keys are quoted
//! strings), so the value's own text is parsed and the resulting spans line
//! up with the file exactly (`Source::offset` is the value's start). Strings
//! whose JSON escapes HCL does not share (`\/`, `\b`, `\f`, `\u`) are
//! re-encoded in place, padded so that later positions stay put; only when
//! that is impossible does the whole value collapse to one `Source::fixed`
//! range.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

use hcl_edit::expr::Expression;

use crate::{Expr, Source, SourceFile};

/// A JSON value with the byte range of its text in the document.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonValue {
    pub kind: JsonKind,
    pub range: Range<usize>,
}

/// The kind and content of a [`JsonValue`].
#[derive(Clone, Debug, PartialEq)]
pub enum JsonKind {
    Null,
    Bool(bool),
    /// The number's text as written (JSON numbers are arbitrary precision).
    Number(String),
    /// The decoded string.
    String(String),
    Array(Vec<JsonValue>),
    /// Properties in document order; duplicate names are kept because
    /// Terraform's JSON syntax allows them in block bodies.
    Object(Vec<JsonProperty>),
}

/// One `"name": value` member of a JSON object.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonProperty {
    pub name: String,
    pub name_range: Range<usize>,
    pub value: JsonValue,
}

impl JsonValue {
    /// A short name for the value's kind, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            JsonKind::Null => "null",
            JsonKind::Bool(_) => "boolean",
            JsonKind::Number(_) => "number",
            JsonKind::String(_) => "string",
            JsonKind::Array(_) => "array",
            JsonKind::Object(_) => "object",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JsonKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[JsonProperty]> {
        match &self.kind {
            JsonKind::Object(p) => Some(p),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[JsonValue]> {
        match &self.kind {
            JsonKind::Array(v) => Some(v),
            _ => None,
        }
    }
}

/// A JSON syntax error, or a JSON string that is not a valid template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub message: String,
    /// Byte range in the document.
    pub range: Range<usize>,
}

/// Parses a JSON document, keeping positions.
///
/// serde_json checks the syntax first (its messages are the familiar ones,
/// and it limits nesting depth); a small scanner then records positions.
pub fn parse_json(text: &str) -> Result<JsonValue, JsonError> {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        let offset = offset_of(text, e.line(), e.column());
        let message = strip_position(&e.to_string());
        return Err(JsonError {
            message,
            range: offset..offset,
        });
    }
    let mut p = Scanner { text, pos: 0 };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(v)
}

/// serde_json appends " at line L column C"; the position is reported
/// separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Byte offset of a 1-based line and column (serde_json counts the column
/// in bytes; column 0 means "at the end of the previous line").
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let mut off = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    off
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl Scanner<'_> {
    fn error(&self, msg: &str) -> JsonError {
        JsonError {
            message: msg.to_string(),
            range: self.pos..self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", b as char)))
        }
    }

    fn value(&mut self) -> Result<JsonValue, JsonError> {
        self.skip_ws();
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut props = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        let ns = self.pos;
                        let name = self.string()?;
                        let name_range = ns..self.pos;
                        self.expect(b':')?;
                        let value = self.value()?;
                        props.push(JsonProperty {
                            name,
                            name_range,
                            value,
                        });
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                JsonKind::Object(props)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value()?);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                }
                JsonKind::Array(items)
            }
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b't') => self.keyword("true", JsonKind::Bool(true))?,
            Some(b'f') => self.keyword("false", JsonKind::Bool(false))?,
            Some(b'n') => self.keyword("null", JsonKind::Null)?,
            Some(b'-' | b'0'..=b'9') => {
                while matches!(
                    self.peek(),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.pos += 1;
                }
                JsonKind::Number(self.text[start..self.pos].to_string())
            }
            _ => return Err(self.error("expected a value")),
        };
        Ok(JsonValue {
            kind,
            range: start..self.pos,
        })
    }

    fn keyword(&mut self, word: &str, kind: JsonKind) -> Result<JsonKind, JsonError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// Scans a string literal and decodes it with serde_json (escapes and
    /// surrogate pairs are its business).
    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string"));
        }
        self.pos += 1;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => self.pos += 2,
                Some(_) => self.pos += 1,
                None => return Err(self.error("unterminated string")),
            }
        }
        let raw = self.text.get(start..self.pos).unwrap_or("\"\"");
        serde_json::from_str::<String>(raw).map_err(|e| JsonError {
            message: strip_position(&e.to_string()),
            range: start..self.pos,
        })
    }
}

/// How JSON strings are read when a value is used as an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringMode {
    /// Strings are templates (`"${var.x}-a"`), as in `.tf.json` files.
    Template,
    /// Strings are literal text, as in `.tfvars.json` files, where
    /// Terraform evaluates without a context and so never interpolates.
    Literal,
}

/// Converts a JSON value into an expression over `file` (whose full text is
/// `text`). Fails only when a string is not a valid template.
pub fn json_expr(
    text: &str,
    value: &JsonValue,
    file: &Arc<SourceFile>,
    mode: StringMode,
) -> Result<Expr, JsonError> {
    let mut out = String::with_capacity(value.range.len());
    let mut cursor = value.range.start;
    let preserved = write_in_place(text, value, mode, &mut cursor, &mut out);
    let source = if preserved {
        Source {
            file: file.clone(),
            offset: value.range.start,
            fixed: None,
        }
    } else {
        Source {
            file: file.clone(),
            offset: 0,
            fixed: Some(value.range.clone()),
        }
    };
    match hcl_edit::parser::parse_expr(&out) {
        Ok(expr) => Ok(Expr::new(expr, source)),
        Err(first) => {
            // The in-place text can trip HCL's newline rules (a value on
            // the line after its `:`); the compact form cannot.
            let mut compact = String::new();
            write_compact(value, mode, &mut compact);
            match hcl_edit::parser::parse_expr(&compact) {
                Ok(expr) => Ok(Expr::new(
                    expr,
                    Source {
                        file: file.clone(),
                        offset: 0,
                        fixed: Some(value.range.clone()),
                    },
                )),
                Err(_) => {
                    let at = if preserved {
                        value.range.start + first.location().offset()
                    } else {
                        value.range.start
                    };
                    let at = at.min(value.range.end);
                    Err(JsonError {
                        message: first.message().to_string(),
                        range: at..value.range.end.max(at),
                    })
                }
            }
        }
    }
}

/// Parses a JSON string's content as an HCL expression: how Terraform reads
/// JSON values in places that take references or keywords rather than
/// values (`depends_on`, `provider`, a variable's `type`, `moved.from`).
pub fn json_keyword_expr(
    text: &str,
    value: &JsonValue,
    file: &Arc<SourceFile>,
) -> Result<Expr, JsonError> {
    let Some(s) = value.as_str() else {
        return Err(JsonError {
            message: format!(
                "a JSON string containing an expression is required here, not {}",
                value.kind_name()
            ),
            range: value.range.clone(),
        });
    };
    let inner = value.range.start + 1..value.range.end.saturating_sub(1);
    // Without escapes the decoded text is the file text, so spans map 1:1.
    let exact = text.get(inner.clone()) == Some(s);
    let source = if exact {
        Source {
            file: file.clone(),
            offset: inner.start,
            fixed: None,
        }
    } else {
        Source {
            file: file.clone(),
            offset: 0,
            fixed: Some(value.range.clone()),
        }
    };
    match hcl_edit::parser::parse_expr(s) {
        Ok(expr) => Ok(Expr::new(expr, source)),
        Err(e) => {
            let at = if exact {
                (inner.start + e.location().offset()).min(inner.end)
            } else {
                value.range.start
            };
            Err(JsonError {
                message: e.message().to_string(),
                range: at..value.range.end,
            })
        }
    }
}

/// Whether a raw JSON string body (between the quotes) means the same when
/// read as an HCL quoted string.
fn raw_is_hcl(raw: &str, mode: StringMode) -> bool {
    let has_template = raw.contains("${") || raw.contains("%{");
    if mode == StringMode::Literal && has_template {
        return false;
    }
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            // Inside an interpolation HCL takes quotes literally (`${f("a")}`)
            // where JSON escapes them, so any escape there differs. Outside,
            // only the shared escapes mean the same; `\u` is excluded because
            // JSON decodes it before template parsing (`\u0024{` starts an
            // interpolation).
            if has_template || !matches!(b.get(i + 1), Some(b'n' | b'r' | b't' | b'"' | b'\\')) {
                return false;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    true
}

/// Encodes decoded text as the body of an HCL quoted string. In template
/// mode, interpolations and directives are template source and are copied
/// as they are; only the literal text around them is escaped.
fn encode_hcl_string(s: &str, mode: StringMode, out: &mut String) {
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if mode == StringMode::Template {
            if rest.starts_with("$${") || rest.starts_with("%%{") {
                out.push_str(&rest[..3]);
                rest = &rest[3..];
                continue;
            }
            if rest.starts_with("${") || rest.starts_with("%{") {
                let n = template_sequence_len(rest);
                out.push_str(&rest[..n]);
                rest = &rest[n..];
                continue;
            }
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if mode == StringMode::Literal && rest[1..].starts_with('{') => {
                out.push(c);
                out.push(c);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
}

/// The length of the `${ ... }` or `%{ ... }` sequence at the start of `s`:
/// up to the brace that closes it, skipping quoted strings inside. An
/// unclosed sequence runs to the end (and fails to parse later).
fn template_sequence_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    s.len()
}

/// Writes a string token at its original place; returns false when the
/// encoded form is longer than the original and positions shift.
fn write_string(
    text: &str,
    range: &Range<usize>,
    s: &str,
    mode: StringMode,
    out: &mut String,
) -> bool {
    let raw = text.get(range.start + 1..range.end.saturating_sub(1));
    match raw {
        Some(raw) if raw_is_hcl(raw, mode) => {
            out.push('"');
            out.push_str(raw);
            out.push('"');
            true
        }
        _ => {
            let before = out.len();
            out.push('"');
            encode_hcl_string(s, mode, out);
            out.push('"');
            let written = out.len() - before;
            // Pad after the closing quote so the next token keeps its offset.
            for _ in written..range.len() {
                out.push(' ');
            }
            written <= range.len()
        }
    }
}

/// Copies the value's text into `out`, re-encoding only strings HCL would
/// read differently. Returns whether all offsets were preserved.
fn write_in_place(
    text: &str,
    v: &JsonValue,
    mode: StringMode,
    cursor: &mut usize,
    out: &mut String,
) -> bool {
    let mut ok = true;
    let copy_to = |to: usize, cursor: &mut usize, out: &mut String| {
        if let Some(gap) = text.get(*cursor..to) {
            out.push_str(gap);
        }
        *cursor = to;
    };
    copy_to(v.range.start, cursor, out);
    match &v.kind {
        JsonKind::String(s) => {
            ok &= write_string(text, &v.range, s, mode, out);
            *cursor = v.range.end;
        }
        JsonKind::Array(items) => {
            for item in items {
                ok &= write_in_place(text, item, mode, cursor, out);
            }
            copy_to(v.range.end, cursor, out);
        }
        JsonKind::Object(props) => {
            for p in props {
                copy_to(p.name_range.start, cursor, out);
                ok &= write_string(text, &p.name_range, &p.name, mode, out);
                *cursor = p.name_range.end;
                ok &= write_in_place(text, &p.value, mode, cursor, out);
            }
            copy_to(v.range.end, cursor, out);
        }
        JsonKind::Null | JsonKind::Bool(_) | JsonKind::Number(_) => {
            copy_to(v.range.end, cursor, out);
        }
    }
    ok
}

/// Writes the value as compact one-line HCL.
fn write_compact(v: &JsonValue, mode: StringMode, out: &mut String) {
    match &v.kind {
        JsonKind::Null => out.push_str("null"),
        JsonKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        JsonKind::Number(n) => out.push_str(n),
        JsonKind::String(s) => {
            out.push('"');
            encode_hcl_string(s, mode, out);
            out.push('"');
        }
        JsonKind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_compact(item, mode, out);
            }
            out.push(']');
        }
        JsonKind::Object(props) => {
            out.push('{');
            for (i, p) in props.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('"');
                encode_hcl_string(&p.name, mode, out);
                out.push_str("\": ");
                write_compact(&p.value, mode, out);
            }
            out.push('}');
        }
    }
}

/// The string value of a literal string expression (a quoted string without
/// interpolations, or a template consisting of literal text only).
pub fn literal_string(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.value().to_string()),
        Expression::StringTemplate(t) => {
            let mut out = String::new();
            for el in t.iter() {
                out.push_str(el.as_literal()?.value());
            }
            Some(out)
        }
        Expression::Parenthesis(p) => literal_string(p.inner()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_diagnostics::LineIndex;

    fn file(text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            name: Arc::from("t.json"),
            index: LineIndex::new(text),
        })
    }

    #[test]
    fn positions_and_duplicates() {
        let text = "{\n  \"a\": [1, \"x\"],\n  \"a\": {\"b\": null}\n}";
        let v = parse_json(text).unwrap();
        let props = v.as_object().unwrap();
        assert_eq!(props.len(), 2);
        assert_eq!(&text[props[0].name_range.clone()], "\"a\"");
        assert_eq!(&text[props[1].value.range.clone()], "{\"b\": null}");
    }

    #[test]
    fn syntax_error_has_position() {
        let text = "{\n  \"a\": 1,\n  \"b\" 2\n}";
        let e = parse_json(text).unwrap_err();
        let f = file(text);
        let pos = f.index.pos(e.range.start);
        assert_eq!(pos.line, 3, "{e:?}");
        assert!(e.message.contains("expected `:`"), "{e:?}");
    }

    #[test]
    fn template_strings_keep_exact_spans() {
        let text = "{\"v\": \"x-${var.y}\"}";
        let v = parse_json(text).unwrap();
        let val = &v.as_object().unwrap()[0].value;
        let f = file(text);
        let e = json_expr(text, val, &f, StringMode::Template).unwrap();
        assert!(e.expr.is_string_template());
        let span = e.span().unwrap();
        assert_eq!(span.start.column, 7);
        assert_eq!(span.end.column, 19);
    }

    #[test]
    fn unicode_escape_is_decoded_before_template_parsing() {
        let text = "[\"\\u0024{a}\", \"a\\/b\", 2]";
        let v = parse_json(text).unwrap();
        let f = file(text);
        let e = json_expr(text, &v, &f, StringMode::Template).unwrap();
        let arr = e.expr.as_array().unwrap();
        assert!(arr.get(0).unwrap().is_string_template());
        assert_eq!(arr.get(1).unwrap().as_str(), Some("a/b"));
        // `\/` shrinks when re-encoded, so offsets after it still hold.
        assert!(e.source.fixed.is_none());
        assert_eq!(e.span_of(arr.get(2).unwrap()).unwrap().start.column, 23);
    }

    #[test]
    fn literal_mode_does_not_interpolate() {
        let text = "\"${x}\"";
        let v = parse_json(text).unwrap();
        let f = file(text);
        let e = json_expr(text, &v, &f, StringMode::Literal).unwrap();
        assert_eq!(literal_string(&e.expr).as_deref(), Some("${x}"));
    }

    #[test]
    fn keyword_expr_parses_content() {
        let text = "\"aws.west\"";
        let v = parse_json(text).unwrap();
        let f = file(text);
        let e = json_keyword_expr(text, &v, &f).unwrap();
        assert!(e.expr.is_traversal());
        assert_eq!(e.span().unwrap().start.column, 2);
    }

    #[test]
    fn invalid_template_is_an_error() {
        let text = "\"${\"";
        let v = parse_json(text).unwrap();
        let f = file(text);
        assert!(json_expr(text, &v, &f, StringMode::Template).is_err());
    }
}
