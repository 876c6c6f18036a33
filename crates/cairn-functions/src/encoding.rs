//! Encoding functions: jsonencode, jsondecode, yamlencode, yamldecode,
//! base64encode, base64decode, base64gzip, urlencode, urldecode, csvdecode,
//! textencodebase64 and textdecodebase64.
//!
//! Terraform implements these with Go libraries whose quirks show in
//! results and error messages; the helpers below reproduce that behaviour
//! (Go's JSON tokenizer, libyaml's emitter, Go's base64, CSV and URL
//! escaping) so configurations see the same values and messages.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;

use cairn_value::{Kind, Number, Type, Value};

use crate::hash::b64;
use crate::strings::str_arg;
use crate::{FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    r.add(
        "jsonencode",
        Function::new(
            vec![Param::new("val", Type::Dynamic).allow_null()],
            Type::String,
            |_, a| {
                cairn_value::json::encode(&a[0])
                    .map(Value::string)
                    .map_err(|e| FuncError::new(e.to_string()))
            },
        ),
    );
    r.add(
        "jsondecode",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::Dynamic,
            |_, a| json_decode(str_arg(&a[0])).map_err(FuncError::new),
        ),
    );
    r.add(
        "yamlencode",
        Function::new(
            vec![Param::new("value", Type::Dynamic).allow_null()],
            Type::String,
            |_, a| Ok(Value::string(yaml_encode(&a[0]))),
        ),
    );
    r.add(
        "yamldecode",
        Function::new(
            vec![Param::new("src", Type::String)],
            Type::Dynamic,
            |_, a| yaml_decode(str_arg(&a[0])).map_err(FuncError::new),
        ),
    );
    r.add(
        "base64encode",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::String,
            |_, a| Ok(Value::string(b64(str_arg(&a[0]).as_bytes()))),
        ),
    );
    r.add(
        "base64decode",
        Function::new(
            vec![Param::new("str", Type::String)
                .allow_marked()
                .allow_unknown()],
            Type::String,
            |_, a| {
                if a[0].is_unknown() {
                    return Ok(Value::unknown(Type::String).mark(a[0].sensitive));
                }
                let s = str_arg(&a[0]);
                let bytes = go_base64_decode(s).map_err(|_| {
                    FuncError::new(format!(
                        "failed to decode base64 data {}",
                        redact(s, a[0].sensitive)
                    ))
                })?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    FuncError::new("the result of decoding the provided string is not valid UTF-8")
                })?;
                Ok(Value::string(text).mark(a[0].sensitive))
            },
        ),
    );
    r.add(
        "base64gzip",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::String,
            |_, a| base64_gzip(str_arg(&a[0])).map(Value::string),
        ),
    );
    r.add(
        "urlencode",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::String,
            |_, a| Ok(Value::string(query_escape(str_arg(&a[0])))),
        ),
    );
    r.add(
        "urldecode",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::String,
            |_, a| query_unescape(str_arg(&a[0])).map(Value::string),
        ),
    );
    r.add(
        "csvdecode",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::Dynamic,
            |_, a| csv_decode(str_arg(&a[0])).map_err(FuncError::new),
        ),
    );
    r.add(
        "textencodebase64",
        Function::new(
            vec![
                Param::new("string", Type::String),
                Param::new("encoding", Type::String),
            ],
            Type::String,
            |_, a| text_encode_base64(str_arg(&a[0]), str_arg(&a[1])).map(Value::string),
        ),
    );
    r.add(
        "textdecodebase64",
        Function::new(
            vec![
                Param::new("source", Type::String),
                Param::new("encoding", Type::String),
            ],
            Type::String,
            |_, a| text_decode_base64(str_arg(&a[0]), str_arg(&a[1])).map(Value::string),
        ),
    );
}

// ---------------------------------------------------------------------------
// Go-compatible helpers shared by several functions.

/// A string quoted as Go's `%q` / `strconv.Quote` does, which Terraform's
/// messages use.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the
/// ASCII space, but no other spaces, controls or format characters.
fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF | 0xF0000..)
}

/// A value for an error message: quoted, or hidden when sensitive (as
/// Terraform's `redactIfSensitive`).
pub(crate) fn redact(s: &str, sensitive: bool) -> String {
    if sensitive {
        "(sensitive value)".into()
    } else {
        go_quote(s)
    }
}

/// Decodes standard padded base64 as Go's `base64.StdEncoding` does: line
/// breaks are ignored and unused trailing bits are accepted. The error is
/// the byte offset Go reports for corrupt input.
pub(crate) fn go_base64_decode(s: &str) -> Result<Vec<u8>, usize> {
    fn sextet(c: u8) -> Option<u8> {
        match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let src = s.as_bytes();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    loop {
        let mut buf = [0u8; 4];
        let mut len = 4;
        let mut j = 0;
        let mut trailing_garbage = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                // Padding is required, so a short final quantum is corrupt.
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = sextet(c) {
                buf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_garbage = Some(si);
            }
            len = j;
            break;
        }
        let v = u32::from(buf[0]) << 18
            | u32::from(buf[1]) << 12
            | u32::from(buf[2]) << 6
            | u32::from(buf[3]);
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..len - 1]);
        if let Some(at) = trailing_garbage {
            return Err(at);
        }
        if len < 4 {
            return Ok(out);
        }
    }
}

fn base64_gzip(s: &str) -> Result<String, FuncError> {
    // Go's gzip writer leaves the modification time zero and the operating
    // system "unknown".
    let mut enc = flate2::GzBuilder::new()
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    enc.write_all(s.as_bytes())
        .map_err(|e| FuncError::new(format!("failed to write gzip raw data: {e}")))?;
    let bytes = enc
        .finish()
        .map_err(|e| FuncError::new(format!("failed to close gzip writer: {e}")))?;
    Ok(b64(&bytes))
}

/// Go's `url.QueryEscape`: unreserved characters stay, spaces become `+`,
/// every other byte is percent-encoded in upper case.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// The inverse of [`query_escape`], as Go's `url.QueryUnescape`.
fn query_unescape(s: &str) -> Result<String, FuncError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (
                    b.get(i + 1).and_then(|&c| hex(c)),
                    b.get(i + 2).and_then(|&c| hex(c)),
                ) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => {
                        let end = (i + 3).min(b.len());
                        let bad = String::from_utf8_lossy(&b[i..end]);
                        return Err(FuncError::new(format!(
                            "invalid URL escape {}",
                            go_quote(&bad)
                        )));
                    }
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| {
        FuncError::new("the result of decoding the provided string is not valid UTF-8")
    })
}

// ---------------------------------------------------------------------------
// jsondecode: Go's `encoding/json` tokenizer, for its error messages.

#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonState {
    TopValue,
    ArrayStart,
    ArrayValue,
    ArrayComma,
    ObjectStart,
    ObjectKey,
    ObjectColon,
    ObjectValue,
    ObjectComma,
}

enum JsonTok {
    BeginArray,
    EndArray,
    BeginObject,
    EndObject,
    Str(String),
    Num(String),
    Bool(bool),
    Null,
}

/// Go's `json.Decoder.Token` over a string, reporting Go's errors.
struct JsonTokens<'a> {
    b: &'a [u8],
    i: usize,
    state: JsonState,
    stack: Vec<JsonState>,
}

/// Go's rendering of a byte in JSON syntax errors.
fn json_quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        c => {
            let q = go_quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn json_invalid(c: u8, context: &str) -> String {
    format!("invalid character {}{context}", json_quote_char(c))
}

impl<'a> JsonTokens<'a> {
    fn new(s: &'a str) -> Self {
        JsonTokens {
            b: s.as_bytes(),
            i: 0,
            state: JsonState::TopValue,
            stack: Vec::new(),
        }
    }

    fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                return Some(c);
            }
        }
        None
    }

    /// Go's `Decoder.More`.
    fn more(&mut self) -> bool {
        matches!(self.peek(), Some(c) if c != b']' && c != b'}')
    }

    fn value_allowed(&self) -> bool {
        matches!(
            self.state,
            JsonState::TopValue
                | JsonState::ArrayStart
                | JsonState::ArrayValue
                | JsonState::ObjectValue
        )
    }

    fn value_end(&mut self) {
        self.state = match self.state {
            JsonState::ArrayStart | JsonState::ArrayValue => JsonState::ArrayComma,
            JsonState::ObjectValue => JsonState::ObjectComma,
            s => s,
        };
    }

    fn token_error(&self, c: u8) -> String {
        let context = match self.state {
            JsonState::TopValue
            | JsonState::ArrayStart
            | JsonState::ArrayValue
            | JsonState::ObjectValue => " looking for beginning of value",
            JsonState::ArrayComma => " after array element",
            JsonState::ObjectKey => " looking for beginning of object key string",
            JsonState::ObjectColon => " after object key",
            JsonState::ObjectComma => " after object key:value pair",
            JsonState::ObjectStart => "",
        };
        json_invalid(c, context)
    }

    fn pop(&mut self) {
        self.state = self.stack.pop().unwrap_or(JsonState::TopValue);
        self.value_end();
    }

    fn token(&mut self) -> Result<JsonTok, String> {
        loop {
            let c = self.peek().ok_or("EOF")?;
            match c {
                b'[' | b'{' => {
                    if !self.value_allowed() {
                        return Err(self.token_error(c));
                    }
                    self.i += 1;
                    self.stack.push(self.state);
                    if c == b'[' {
                        self.state = JsonState::ArrayStart;
                        return Ok(JsonTok::BeginArray);
                    }
                    self.state = JsonState::ObjectStart;
                    return Ok(JsonTok::BeginObject);
                }
                b']' => {
                    if !matches!(self.state, JsonState::ArrayStart | JsonState::ArrayComma) {
                        return Err(self.token_error(c));
                    }
                    self.i += 1;
                    self.pop();
                    return Ok(JsonTok::EndArray);
                }
                b'}' => {
                    if !matches!(self.state, JsonState::ObjectStart | JsonState::ObjectComma) {
                        return Err(self.token_error(c));
                    }
                    self.i += 1;
                    self.pop();
                    return Ok(JsonTok::EndObject);
                }
                b':' => {
                    if self.state != JsonState::ObjectColon {
                        return Err(self.token_error(c));
                    }
                    self.i += 1;
                    self.state = JsonState::ObjectValue;
                }
                b',' => {
                    self.state = match self.state {
                        JsonState::ArrayComma => JsonState::ArrayValue,
                        JsonState::ObjectComma => JsonState::ObjectKey,
                        _ => return Err(self.token_error(c)),
                    };
                    self.i += 1;
                }
                b'"' if matches!(self.state, JsonState::ObjectStart | JsonState::ObjectKey) => {
                    let key = self.scalar()?;
                    self.state = JsonState::ObjectColon;
                    return Ok(key);
                }
                _ => {
                    if !self.value_allowed() {
                        return Err(self.token_error(c));
                    }
                    let v = self.scalar()?;
                    self.value_end();
                    return Ok(v);
                }
            }
        }
    }

    fn next_byte(&mut self) -> Result<u8, String> {
        let c = *self.b.get(self.i).ok_or("unexpected EOF")?;
        self.i += 1;
        Ok(c)
    }

    /// One string, number or literal, as Go's scanner reads a value.
    fn scalar(&mut self) -> Result<JsonTok, String> {
        let start = self.i;
        let c = self.next_byte()?;
        match c {
            b'"' => self.string().map(JsonTok::Str),
            b'-' | b'0'..=b'9' => {
                self.number(c)?;
                Ok(JsonTok::Num(
                    String::from_utf8_lossy(&self.b[start..self.i]).into_owned(),
                ))
            }
            b't' => self.literal("true", JsonTok::Bool(true)),
            b'f' => self.literal("false", JsonTok::Bool(false)),
            b'n' => self.literal("null", JsonTok::Null),
            c => Err(json_invalid(c, " looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, tok: JsonTok) -> Result<JsonTok, String> {
        for &want in &word.as_bytes()[1..] {
            let c = self.next_byte()?;
            if c != want {
                return Err(json_invalid(
                    c,
                    &format!(" in literal {word} (expecting {})", json_quote_char(want)),
                ));
            }
        }
        Ok(tok)
    }

    fn digits(&mut self) {
        while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn number(&mut self, first: u8) -> Result<(), String> {
        let mut c = first;
        if c == b'-' {
            c = self.next_byte()?;
            if !c.is_ascii_digit() {
                return Err(json_invalid(c, " in numeric literal"));
            }
        }
        if c != b'0' {
            self.digits();
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            let d = self.next_byte()?;
            if !d.is_ascii_digit() {
                return Err(json_invalid(d, " after decimal point in numeric literal"));
            }
            self.digits();
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            let mut d = self.next_byte()?;
            if d == b'+' || d == b'-' {
                d = self.next_byte()?;
            }
            if !d.is_ascii_digit() {
                return Err(json_invalid(d, " in exponent of numeric literal"));
            }
            self.digits();
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0;
        for _ in 0..4 {
            let c = self.next_byte()?;
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| json_invalid(c, " in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.next_byte()?;
            match c {
                b'"' => return Ok(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let e = self.next_byte()?;
                    let simple = match e {
                        b'b' => Some(b'\x08'),
                        b'f' => Some(b'\x0c'),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'\\' | b'/' | b'"' => Some(e),
                        b'u' => None,
                        e => return Err(json_invalid(e, " in string escape code")),
                    };
                    if let Some(b) = simple {
                        out.push(b);
                        continue;
                    }
                    let u = self.hex4()?;
                    let ch = if (0xD800..0xDC00).contains(&u) {
                        // A high surrogate combines with a following low one;
                        // otherwise Go substitutes U+FFFD and leaves the
                        // next escape alone.
                        let save = self.i;
                        let low = if self.b.get(self.i) == Some(&b'\\')
                            && self.b.get(self.i + 1) == Some(&b'u')
                        {
                            self.i += 2;
                            self.hex4().ok()
                        } else {
                            None
                        };
                        match low {
                            Some(l) if (0xDC00..0xE000).contains(&l) => {
                                char::from_u32(0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00))
                            }
                            _ => {
                                self.i = save;
                                None
                            }
                        }
                    } else {
                        char::from_u32(u)
                    };
                    let ch = ch.unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(json_invalid(c, " in string literal")),
                c => out.push(c),
            }
        }
    }
}

/// How deeply documents may nest; deeper values would strain the recursive
/// handling of values elsewhere (Go's JSON scanner has a similar limit).
const MAX_DEPTH: usize = 1000;

/// A JSON array or object being decoded.
enum JsonFrame {
    Array(Vec<Value>),
    /// Attributes so far and the key awaiting its value.
    Object(BTreeMap<String, Value>, Option<String>),
}

/// `jsondecode`: objects become objects, arrays tuples, numbers keep all
/// their digits. Iterative, so nesting depth does not touch the stack.
fn json_decode(s: &str) -> Result<Value, String> {
    let mut t = JsonTokens::new(s);
    let mut stack: Vec<JsonFrame> = Vec::new();
    loop {
        let awaiting_key = matches!(stack.last(), Some(JsonFrame::Object(_, None)));
        let tok = t.token()?;
        let value = match tok {
            JsonTok::Str(k) if awaiting_key => {
                if let Some(JsonFrame::Object(_, key)) = stack.last_mut() {
                    *key = Some(k);
                }
                continue;
            }
            JsonTok::BeginArray | JsonTok::BeginObject => {
                if stack.len() >= MAX_DEPTH {
                    return Err("exceeded max depth".into());
                }
                stack.push(match tok {
                    JsonTok::BeginArray => JsonFrame::Array(Vec::new()),
                    _ => JsonFrame::Object(BTreeMap::new(), None),
                });
                continue;
            }
            // The tokenizer only closes the collection that is open.
            JsonTok::EndArray | JsonTok::EndObject => match stack.pop() {
                Some(JsonFrame::Array(items)) => Value::tuple(items),
                Some(JsonFrame::Object(attrs, _)) => Value::object(attrs),
                None => return Err("unexpected delimiter".into()),
            },
            JsonTok::Null => Value::dynamic_null(),
            JsonTok::Bool(b) => Value::bool(b),
            JsonTok::Str(s) => Value::string(s),
            JsonTok::Num(n) => Value::number(
                Number::parse(&n).ok_or_else(|| format!("invalid number {}", go_quote(&n)))?,
            ),
        };
        match stack.last_mut() {
            None => {
                if t.more() {
                    return Err("extraneous data after JSON object".into());
                }
                return Ok(value);
            }
            Some(JsonFrame::Array(items)) => items.push(value),
            Some(JsonFrame::Object(attrs, key)) => {
                let key = key.take().unwrap_or_default();
                if let Some(old) = attrs.get(&key) {
                    // Repeated keys are fine as long as the type agrees.
                    if old.ty() != value.ty() {
                        return Err(format!(
                            "duplicate {} property in JSON object",
                            go_quote(&key)
                        ));
                    }
                }
                attrs.insert(key, value);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// yamlencode: libyaml's emitter (as go-cty-yaml drives it), reduced to the
// events Terraform produces: block collections (flow only when empty),
// plain null/bool/number scalars, and strings double-quoted or, when they
// contain a newline, literal.

const YAML_BEST_INDENT: i64 = 2;
const YAML_BEST_WIDTH: usize = 80;

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScalarStyle {
    Plain,
    DoubleQuoted,
    Literal,
}

/// What libyaml's `analyze_scalar` finds out about a scalar.
struct ScalarAnalysis {
    multiline: bool,
    block_plain_allowed: bool,
    block_allowed: bool,
}

fn yaml_printable(c: char) -> bool {
    let u = c as u32;
    c == '\n'
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn yaml_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn yaml_blank_or_end(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || yaml_break(c) || c == '\0',
    }
}

fn analyze_scalar(value: &str) -> ScalarAnalysis {
    if value.is_empty() {
        return ScalarAnalysis {
            multiline: false,
            block_plain_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let followed_by_whitespace = next.is_none() || matches!(next, Some(' ' | '\t'));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !yaml_printable(c) {
            special = true;
        }
        let last = i + 1 == chars.len();
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if yaml_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = yaml_blank_or_end(Some(c));
    }
    let mut block_plain_allowed = true;
    let mut block_allowed = true;
    if leading_space || leading_break || trailing_space || trailing_break || break_space {
        block_plain_allowed = false;
    }
    if trailing_space {
        block_allowed = false;
    }
    if space_break || special {
        block_plain_allowed = false;
        block_allowed = false;
    }
    if line_breaks || block_indicators {
        block_plain_allowed = false;
    }
    ScalarAnalysis {
        multiline: line_breaks,
        block_plain_allowed,
        block_allowed,
    }
}

struct YamlEmitter {
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    flow_level: usize,
    root_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

impl YamlEmitter {
    fn new() -> Self {
        YamlEmitter {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            open_ended: false,
            flow_level: 0,
            root_context: false,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { YAML_BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += YAML_BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn document(mut self, v: &Value) -> String {
        self.node(v, true, false, false);
        // Document end (implicit) and stream end.
        self.write_indent();
        if self.open_ended {
            self.write_indicator("...", true, false, false);
            self.write_indent();
        }
        self.out
    }

    fn node(&mut self, v: &Value, root: bool, mapping: bool, simple_key: bool) {
        self.root_context = root;
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match &v.kind {
            Kind::Null(_) | Kind::Unknown(_) => self.scalar("null", ScalarStyle::Plain),
            Kind::Bool(b) => self.scalar(if *b { "true" } else { "false" }, ScalarStyle::Plain),
            Kind::Number(n) => self.scalar(&n.to_string(), ScalarStyle::Plain),
            Kind::String(s) => self.string_scalar(s),
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                if items.is_empty() || self.flow_level > 0 {
                    self.empty_flow("[", "]");
                } else {
                    self.block_sequence(items);
                }
            }
            Kind::Map(_, m) | Kind::Object(m) => {
                if m.is_empty() || self.flow_level > 0 {
                    self.empty_flow("{", "}");
                } else {
                    self.block_mapping(m);
                }
            }
        }
    }

    fn string_scalar(&mut self, s: &str) {
        let style = if s.contains('\n') {
            ScalarStyle::Literal
        } else {
            ScalarStyle::DoubleQuoted
        };
        self.scalar(s, style);
    }

    /// Only empty collections are written in flow style.
    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn block_sequence(&mut self, items: &[Value]) {
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, false, false, false);
        }
        self.pop_indent();
    }

    fn block_mapping(&mut self, m: &BTreeMap<String, Value>) {
        self.increase_indent(false, false);
        for (k, v) in m {
            self.write_indent();
            let a = analyze_scalar(k);
            if !a.multiline && k.len() <= 128 {
                self.node(&Value::string(k.as_str()), false, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.node(&Value::string(k.as_str()), false, true, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(v, false, true, false);
        }
        self.pop_indent();
    }

    fn scalar(&mut self, value: &str, requested: ScalarStyle) {
        let a = analyze_scalar(value);
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = ScalarStyle::DoubleQuoted;
        }
        // Our plain scalars (null, bools, numbers) are always allowed plain;
        // libyaml would pick single quotes otherwise, which double quotes
        // stand in for here.
        if style == ScalarStyle::Plain && (!a.block_plain_allowed || value.is_empty()) {
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = ScalarStyle::DoubleQuoted;
        }
        self.increase_indent(true, false);
        match style {
            ScalarStyle::Plain => self.write_plain(value),
            ScalarStyle::DoubleQuoted => self.write_double_quoted(value, !self.simple_key_context),
            ScalarStyle::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    /// Plain scalars here never contain spaces or breaks, so no folding.
    fn write_plain(&mut self, value: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        for c in value.chars() {
            self.put(c);
        }
        self.whitespace = false;
        self.indention = false;
        if self.root_context {
            self.open_ended = true;
        }
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // libyaml checks for a byte order mark at the start of the value
        // for every character, so such a value is escaped throughout.
        let starts_with_bom = value.starts_with('\u{FEFF}');
        let mut spaces = false;
        let mut iter = value.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if !yaml_printable(c) || starts_with_bom || yaml_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let code = c as u32;
                match c {
                    '\0' => self.put('0'),
                    '\x07' => self.put('a'),
                    '\x08' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\x0b' => self.put('v'),
                    '\x0c' => self.put('f'),
                    '\r' => self.put('r'),
                    '\x1b' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let (letter, width) = if code <= 0xFF {
                            ('x', 2)
                        } else if code <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for k in (0..width).rev() {
                            let digit = (code >> (k * 4)) & 0xF;
                            self.put(
                                char::from_digit(digit, 16)
                                    .unwrap_or('0')
                                    .to_ascii_uppercase(),
                            );
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > YAML_BEST_WIDTH
                    && i > 0
                    && i < value.len() - 1
                {
                    self.write_indent();
                    if matches!(iter.peek(), Some((_, ' '))) {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: an indentation indicator when the text starts
        // with a space or break, and the chomping indicator.
        let chars: Vec<char> = value.chars().collect();
        if matches!(chars.first(), Some(&c) if c == ' ' || yaml_break(c)) {
            self.write_indicator("2", false, false, false);
        }
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !yaml_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., prev, _] if yaml_break(*prev) => Some("+"),
            _ => None,
        };
        // libyaml marks "+" as open-ended but writing the indicator clears
        // that again, so no "..." follows.
        if let Some(ch) = chomp {
            self.write_indicator(ch, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in chars {
            if yaml_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

fn yaml_encode(v: &Value) -> String {
    YamlEmitter::new().document(v)
}

// ---------------------------------------------------------------------------
// yamldecode: libyaml's parser events, resolved as go-cty-yaml does.

mod libyaml {
    //! A safe wrapper over `libyaml-rs`' event parser: the same parser
    //! (libyaml) that Terraform's YAML library ports, so documents parse and
    //! fail the same way.

    use std::ffi::CStr;
    use std::mem::MaybeUninit;

    use libyaml_rs as sys;

    pub struct Mark {
        pub line: u64,
        pub column: u64,
    }

    pub enum EventKind {
        StreamStart,
        StreamEnd,
        DocumentStart,
        DocumentEnd,
        Alias(String),
        Scalar {
            anchor: String,
            tag: String,
            value: String,
            quoted: bool,
        },
        SequenceStart {
            anchor: String,
            tag: String,
        },
        SequenceEnd,
        MappingStart {
            anchor: String,
            tag: String,
        },
        MappingEnd,
    }

    impl EventKind {
        /// The event type's name as the Go port spells it.
        pub fn go_name(&self) -> &'static str {
            match self {
                EventKind::StreamStart => "yaml_STREAM_START_EVENT",
                EventKind::StreamEnd => "yaml_STREAM_END_EVENT",
                EventKind::DocumentStart => "yaml_DOCUMENT_START_EVENT",
                EventKind::DocumentEnd => "yaml_DOCUMENT_END_EVENT",
                EventKind::Alias(_) => "yaml_ALIAS_EVENT",
                EventKind::Scalar { .. } => "yaml_SCALAR_EVENT",
                EventKind::SequenceStart { .. } => "yaml_SEQUENCE_START_EVENT",
                EventKind::SequenceEnd => "yaml_SEQUENCE_END_EVENT",
                EventKind::MappingStart { .. } => "yaml_MAPPING_START_EVENT",
                EventKind::MappingEnd => "yaml_MAPPING_END_EVENT",
            }
        }
    }

    pub struct Event {
        pub kind: EventKind,
        pub start: Mark,
    }

    pub struct ParseError {
        pub scanner: bool,
        pub problem: String,
        pub problem_mark: Mark,
        pub context_mark: Mark,
    }

    pub struct Parser {
        parser: Box<MaybeUninit<sys::yaml_parser_t>>,
        // The parser reads from this buffer, so it lives (at a fixed heap
        // address) as long as the parser.
        _input: Box<[u8]>,
        done: bool,
    }

    /// A NUL-terminated string owned by libyaml, or none.
    ///
    /// # Safety
    /// `p` must be null or point to a NUL-terminated string.
    unsafe fn cstr(p: *const u8) -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: guaranteed by the caller.
        unsafe { CStr::from_ptr(p.cast()) }
            .to_string_lossy()
            .into_owned()
    }

    impl Parser {
        pub fn new(input: &[u8]) -> Option<Parser> {
            let input: Box<[u8]> = input.into();
            let mut parser = Box::new(MaybeUninit::<sys::yaml_parser_t>::uninit());
            // SAFETY: the parser is initialized before use and given an
            // input buffer that outlives it (both are owned by `Parser`).
            unsafe {
                if sys::yaml_parser_initialize(parser.as_mut_ptr()).fail {
                    return None;
                }
                sys::yaml_parser_set_input_string(
                    parser.as_mut_ptr(),
                    input.as_ptr(),
                    input.len() as u64,
                );
            }
            Some(Parser {
                parser,
                _input: input,
                done: false,
            })
        }

        fn error(&self) -> ParseError {
            // SAFETY: the parser was initialized in `new`.
            let p = std::ops::Deref::deref(unsafe { self.parser.assume_init_ref() });
            let mark = |m: &sys::yaml_mark_t| Mark {
                line: m.line,
                column: m.column,
            };
            ParseError {
                scanner: p.error == sys::YAML_SCANNER_ERROR,
                // SAFETY: libyaml's problem is a static C string or null.
                problem: unsafe { cstr(p.problem.cast()) },
                problem_mark: mark(&p.problem_mark),
                context_mark: mark(&p.context_mark),
            }
        }

        pub fn next(&mut self) -> Result<Event, ParseError> {
            if self.done {
                // libyaml must not be called again after the stream ended.
                return Ok(Event {
                    kind: EventKind::StreamEnd,
                    start: Mark { line: 0, column: 0 },
                });
            }
            let mut raw = MaybeUninit::<sys::yaml_event_t>::uninit();
            // SAFETY: the parser is initialized; on success libyaml fills
            // in the event, which we copy out of and then delete once.
            unsafe {
                if sys::yaml_parser_parse(self.parser.as_mut_ptr(), raw.as_mut_ptr()).fail {
                    return Err(self.error());
                }
                let ev = raw.assume_init_mut();
                let kind = match ev.type_ {
                    sys::YAML_STREAM_START_EVENT => EventKind::StreamStart,
                    sys::YAML_STREAM_END_EVENT => {
                        self.done = true;
                        EventKind::StreamEnd
                    }
                    sys::YAML_DOCUMENT_START_EVENT => EventKind::DocumentStart,
                    sys::YAML_DOCUMENT_END_EVENT => EventKind::DocumentEnd,
                    sys::YAML_ALIAS_EVENT => EventKind::Alias(cstr(ev.data.alias.anchor)),
                    sys::YAML_SCALAR_EVENT => {
                        let s = ev.data.scalar;
                        let bytes = if s.value.is_null() {
                            &[][..]
                        } else {
                            std::slice::from_raw_parts(s.value, s.length as usize)
                        };
                        EventKind::Scalar {
                            anchor: cstr(s.anchor),
                            tag: cstr(s.tag),
                            value: String::from_utf8_lossy(bytes).into_owned(),
                            quoted: matches!(
                                s.style,
                                sys::YAML_SINGLE_QUOTED_SCALAR_STYLE
                                    | sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE
                            ),
                        }
                    }
                    sys::YAML_SEQUENCE_START_EVENT => EventKind::SequenceStart {
                        anchor: cstr(ev.data.sequence_start.anchor),
                        tag: cstr(ev.data.sequence_start.tag),
                    },
                    sys::YAML_SEQUENCE_END_EVENT => EventKind::SequenceEnd,
                    sys::YAML_MAPPING_START_EVENT => EventKind::MappingStart {
                        anchor: cstr(ev.data.mapping_start.anchor),
                        tag: cstr(ev.data.mapping_start.tag),
                    },
                    _ => EventKind::MappingEnd,
                };
                let start = Mark {
                    line: ev.start_mark.line,
                    column: ev.start_mark.column,
                };
                sys::yaml_event_delete(ev);
                Ok(Event { kind, start })
            }
        }
    }

    impl Drop for Parser {
        fn drop(&mut self) {
            // SAFETY: initialized in `new` and deleted exactly once.
            unsafe { sys::yaml_parser_delete(self.parser.as_mut_ptr()) }
        }
    }
}

const YAML_TAG_STR: &str = "tag:yaml.org,2002:str";
const YAML_TAG_BOOL: &str = "tag:yaml.org,2002:bool";
const YAML_TAG_INT: &str = "tag:yaml.org,2002:int";
const YAML_TAG_FLOAT: &str = "tag:yaml.org,2002:float";
const YAML_TAG_NULL: &str = "tag:yaml.org,2002:null";
const YAML_TAG_TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
const YAML_TAG_BINARY: &str = "tag:yaml.org,2002:binary";
const YAML_TAG_SEQ: &str = "tag:yaml.org,2002:seq";
const YAML_TAG_MAP: &str = "tag:yaml.org,2002:map";

/// The position prefix go-cty-yaml gives errors about an event. Its lines
/// are counted from zero and errors on the first line have no position.
fn yaml_event_error(ev: &libyaml::Event, msg: impl std::fmt::Display) -> String {
    if ev.start.line == 0 {
        msg.to_string()
    } else {
        format!(
            "on line {}, column {}: {msg}",
            ev.start.line,
            ev.start.column + 1
        )
    }
}

fn yaml_parser_error(e: libyaml::ParseError) -> String {
    let cause = if e.problem.is_empty() {
        "invalid YAML syntax".to_string()
    } else {
        e.problem
    };
    if e.problem_mark.line != 0 {
        let (line, column) = if e.scanner {
            (e.problem_mark.line + 1, 0)
        } else {
            (e.problem_mark.line, e.problem_mark.column)
        };
        format!("on line {line}, column {}: {cause}", column + 1)
    } else if e.context_mark.line != 0 {
        format!(
            "on line {}, column {}: {cause}",
            e.context_mark.line,
            e.context_mark.column + 1
        )
    } else {
        cause
    }
}

enum Resolved {
    Value(Value),
    /// The `<<` merge key.
    Merge,
}

#[derive(Default)]
struct Anchors {
    pending: HashMap<String, usize>,
    values: HashMap<String, Value>,
}

impl Anchors {
    fn begin(&mut self, name: &str) {
        if !name.is_empty() {
            *self.pending.entry(name.to_string()).or_default() += 1;
        }
    }
    fn complete(&mut self, name: &str, v: &Value) {
        if name.is_empty() {
            return;
        }
        if let Some(n) = self.pending.get_mut(name) {
            *n -= 1;
            if *n == 0 {
                self.pending.remove(name);
            }
        }
        self.values.insert(name.to_string(), v.clone());
    }
    fn get(&self, name: &str) -> Result<Value, String> {
        if self.pending.contains_key(name) {
            return Err(format!(
                "cannot refer to anchor {} from inside its own definition",
                go_quote(name)
            ));
        }
        self.values
            .get(name)
            .cloned()
            .ok_or_else(|| format!("reference to undefined anchor {}", go_quote(name)))
    }
}

fn yaml_decode(src: &str) -> Result<Value, String> {
    let input = if src.is_empty() { "\n" } else { src };
    let mut p = libyaml::Parser::new(input.as_bytes())
        .ok_or_else(|| "failed to initialize YAML parser".to_string())?;
    let ev = p.next().map_err(yaml_parser_error)?;
    if !matches!(ev.kind, libyaml::EventKind::StreamStart) {
        return Err(yaml_event_error(&ev, "missing stream start token"));
    }
    let ev = p.next().map_err(yaml_parser_error)?;
    if !matches!(ev.kind, libyaml::EventKind::DocumentStart) {
        return Err(yaml_event_error(&ev, "missing start of document"));
    }
    let v = yaml_value(&mut p)?;
    let ev = p.next().map_err(yaml_parser_error)?;
    match ev.kind {
        libyaml::EventKind::DocumentEnd => {}
        libyaml::EventKind::DocumentStart => {
            return Err(yaml_event_error(&ev, "only a single document is allowed"))
        }
        ref k => {
            return Err(yaml_event_error(
                &ev,
                format!("unexpected extra content ({}) after value", k.go_name()),
            ))
        }
    }
    let ev = p.next().map_err(yaml_parser_error)?;
    if !matches!(ev.kind, libyaml::EventKind::StreamEnd) {
        return Err(yaml_event_error(
            &ev,
            "unexpected extra content after value",
        ));
    }
    Ok(v)
}

/// A YAML collection being decoded, with its anchor.
enum YamlFrame {
    Sequence(String, Vec<Value>),
    Mapping {
        anchor: String,
        attrs: BTreeMap<String, Value>,
        /// The key awaiting its value: a name, or a merge (`<<`) with the
        /// key's event for errors.
        key: Option<YamlKey>,
    },
}

enum YamlKey {
    Name(String),
    Merge(libyaml::Event),
}

/// Reads one node (the document's root), iteratively so nesting depth does
/// not touch the stack. Errors and anchor handling follow go-cty-yaml.
/// The most nodes a decoded YAML document may have once aliases are
/// expanded.
const MAX_YAML_NODES: u64 = 1_000_000;

fn yaml_value(p: &mut libyaml::Parser) -> Result<Value, String> {
    use libyaml::EventKind as E;
    let mut an = Anchors::default();
    let mut stack: Vec<YamlFrame> = Vec::new();
    // Expanded node counts: per open collection, and per anchor. Aliases
    // share nodes, but every consumer (types, JSON, conversion) walks them
    // expanded, so an alias bomb must be refused here.
    let mut sizes: Vec<u64> = Vec::new();
    let mut anchor_sizes: HashMap<String, u64> = HashMap::new();
    loop {
        let ev = p.next().map_err(yaml_parser_error)?;
        let awaiting_key = matches!(stack.last(), Some(YamlFrame::Mapping { key: None, .. }));
        let mut vsize: u64 = 1;
        let value = match &ev.kind {
            E::MappingEnd | E::SequenceEnd => match stack.pop() {
                Some(YamlFrame::Sequence(anchor, items)) => {
                    vsize = 1 + sizes.pop().unwrap_or(0);
                    let v = Value::tuple(items);
                    an.complete(&anchor, &v);
                    if !anchor.is_empty() {
                        anchor_sizes.insert(anchor.clone(), vsize);
                    }
                    v
                }
                Some(YamlFrame::Mapping { anchor, attrs, .. }) => {
                    vsize = 1 + sizes.pop().unwrap_or(0);
                    let v = Value::object(attrs);
                    an.complete(&anchor, &v);
                    if !anchor.is_empty() {
                        anchor_sizes.insert(anchor.clone(), vsize);
                    }
                    v
                }
                None => return Err(yaml_event_error(&ev, "unexpected end of collection")),
            },
            E::Scalar {
                tag, value, quoted, ..
            } if awaiting_key => {
                let key = match resolve_scalar(tag, value, *quoted)? {
                    Resolved::Merge => YamlKey::Merge(ev),
                    Resolved::Value(k) => YamlKey::Name(match &k.kind {
                        Kind::String(s) => s.to_string(),
                        Kind::Number(n) => n.to_string(),
                        Kind::Bool(b) => b.to_string(),
                        Kind::Null(_) => {
                            return Err(yaml_event_error(&ev, "mapping key cannot be null"))
                        }
                        _ => {
                            return Err(yaml_event_error(
                                &ev,
                                "only strings are allowed as mapping keys",
                            ))
                        }
                    }),
                };
                if let Some(YamlFrame::Mapping { key: slot, .. }) = stack.last_mut() {
                    *slot = Some(key);
                }
                continue;
            }
            _ if awaiting_key => {
                return Err(yaml_event_error(
                    &ev,
                    "only strings are allowed as mapping keys",
                ))
            }
            E::Scalar {
                anchor,
                tag,
                value,
                quoted,
            } => {
                an.begin(anchor);
                let v = match resolve_scalar(tag, value, *quoted)
                    .map_err(|e| yaml_event_error(&ev, e))?
                {
                    Resolved::Value(v) => v,
                    Resolved::Merge => Value::string("<<"),
                };
                an.complete(anchor, &v);
                v
            }
            E::Alias(name) => {
                vsize = anchor_sizes.get(name).copied().unwrap_or(1);
                an.get(name).map_err(|e| yaml_event_error(&ev, e))?
            }
            E::MappingStart { anchor, tag } | E::SequenceStart { anchor, tag } => {
                let mapping = matches!(ev.kind, E::MappingStart { .. });
                let (want, what) = if mapping {
                    (YAML_TAG_MAP, "mapping")
                } else {
                    (YAML_TAG_SEQ, "sequence")
                };
                if !tag.is_empty() && tag != want {
                    return Err(yaml_event_error(
                        &ev,
                        format!("can't interpret {what} as {tag}"),
                    ));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(yaml_event_error(&ev, "exceeded max depth"));
                }
                an.begin(anchor);
                sizes.push(0);
                stack.push(if mapping {
                    YamlFrame::Mapping {
                        anchor: anchor.clone(),
                        attrs: BTreeMap::new(),
                        key: None,
                    }
                } else {
                    YamlFrame::Sequence(anchor.clone(), Vec::new())
                });
                continue;
            }
            E::DocumentStart => {
                return Err(yaml_event_error(&ev, "only a single document is allowed"))
            }
            E::StreamEnd => {
                return Err(yaml_event_error(
                    &ev,
                    "expecting value but found end of stream",
                ))
            }
            k => {
                return Err(yaml_event_error(
                    &ev,
                    format!("unexpected parser event {}", k.go_name()),
                ))
            }
        };
        if let Some(top) = sizes.last_mut() {
            *top = top.saturating_add(vsize);
        }
        if vsize > MAX_YAML_NODES || sizes.last().is_some_and(|t| *t > MAX_YAML_NODES) {
            return Err("yaml: document contains excessive aliasing".to_string());
        }
        match stack.last_mut() {
            None => return Ok(value),
            Some(YamlFrame::Sequence(_, items)) => items.push(value),
            Some(YamlFrame::Mapping { attrs, key, .. }) => match key.take() {
                Some(YamlKey::Name(k)) => {
                    attrs.insert(k, value);
                }
                Some(YamlKey::Merge(kev)) => match &value.kind {
                    Kind::Object(m) => {
                        for (k, v) in m.iter() {
                            attrs.insert(k.clone(), v.clone());
                        }
                    }
                    _ => {
                        return Err(yaml_event_error(
                            &kev,
                            format!("cannot merge {} into mapping", yaml_friendly_type(&value)),
                        ))
                    }
                },
                None => {}
            },
        }
    }
}

/// cty's friendly type names, for merge errors.
fn yaml_friendly_type(v: &Value) -> &'static str {
    match &v.kind {
        Kind::String(_) => "string",
        Kind::Number(_) => "number",
        Kind::Bool(_) => "bool",
        Kind::Tuple(_) | Kind::List(..) | Kind::Set(..) => "tuple",
        Kind::Map(..) | Kind::Object(_) => "object",
        Kind::Null(_) | Kind::Unknown(_) => "dynamic",
    }
}

/// Resolves a scalar as go-cty-yaml does: YAML 1.1-style booleans and nulls
/// (`yes`, `on`, `~`), YAML 1.2 integers and floats, timestamps as RFC 3339
/// strings, and quoted scalars always strings.
fn resolve_scalar(tag: &str, src: &str, quoted: bool) -> Result<Resolved, String> {
    if !matches!(
        tag,
        "" | YAML_TAG_STR
            | YAML_TAG_BOOL
            | YAML_TAG_INT
            | YAML_TAG_FLOAT
            | YAML_TAG_NULL
            | YAML_TAG_TIMESTAMP
            | YAML_TAG_BINARY
    ) {
        return Err(format!("unsupported tag {}", go_quote(tag)));
    }
    let hint = match src.as_bytes().first() {
        None => Some('N'),
        Some(b'+' | b'-') => Some('S'),
        Some(b'0'..=b'9') => Some('D'),
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            Some('M')
        }
        Some(b'.') => Some('.'),
        _ => None,
    };
    let mut tag = tag;
    if let Some(hint) = hint {
        if tag != YAML_TAG_STR && tag != YAML_TAG_BINARY {
            if quoted {
                return Ok(Resolved::Value(Value::string(src)));
            }
            if let Some(v) = yaml_special(src)? {
                return Ok(Resolved::Value(v));
            }
            if tag.is_empty() && matches!(src, ".nan" | ".NaN" | ".NAN") {
                return Err("floating point NaN is not supported".into());
            }
            match hint {
                '.' => {
                    if let Some(n) = Number::parse(src) {
                        return Ok(Resolved::Value(Value::number(n)));
                    }
                }
                'D' | 'S' => {
                    if tag.is_empty() || tag == YAML_TAG_TIMESTAMP {
                        if let Some(t) = yaml_timestamp(src) {
                            return Ok(Resolved::Value(Value::string(t)));
                        }
                    }
                    if yaml_int_literal(src) {
                        tag = YAML_TAG_INT;
                    } else if yaml_float_literal(src) {
                        tag = YAML_TAG_FLOAT;
                    }
                }
                _ => {}
            }
        }
    }
    if tag.is_empty() && src == "<<" {
        return Ok(Resolved::Merge);
    }
    let cannot = |tag: &str| format!("cannot parse {} as {tag}", go_quote(src));
    let v = match tag {
        YAML_TAG_STR => Value::string(src),
        YAML_TAG_BINARY => {
            if go_base64_decode(src).is_err() {
                return Err(format!("{}: not valid base64", cannot(tag)));
            }
            Value::string(src)
        }
        YAML_TAG_BOOL => match src {
            "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
                Value::bool(true)
            }
            "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off"
            | "OFF" => Value::bool(false),
            _ => return Err(cannot(tag)),
        },
        YAML_TAG_INT | YAML_TAG_FLOAT => {
            let plain = src.replace('_', "");
            match yaml_number(&plain) {
                Some(n) => Value::number(n),
                None => return Err(cannot(tag)),
            }
        }
        YAML_TAG_TIMESTAMP => match yaml_timestamp(src) {
            Some(t) => Value::string(t),
            None => return Err(cannot(tag)),
        },
        YAML_TAG_NULL => Value::dynamic_null(),
        _ => Value::string(src),
    };
    Ok(Resolved::Value(v))
}

/// The fixed words go-cty-yaml resolves: booleans, nulls and infinities.
fn yaml_special(src: &str) -> Result<Option<Value>, String> {
    Ok(Some(match src {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Value::dynamic_null(),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" => {
            // Terraform would produce an infinite number, which cairn's
            // numbers cannot hold.
            return Err("floating point infinity is not supported".into());
        }
        _ => return Ok(None),
    }))
}

/// `[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+`
fn yaml_int_literal(s: &str) -> bool {
    let all = |s: &str, f: fn(char) -> bool| !s.is_empty() && s.chars().all(f);
    if let Some(r) = s.strip_prefix("0o") {
        if all(r, |c| ('0'..='7').contains(&c)) {
            return true;
        }
    }
    if let Some(r) = s.strip_prefix("0x") {
        if all(r, |c| c.is_ascii_hexdigit()) {
            return true;
        }
    }
    let r = s.strip_prefix(['+', '-']).unwrap_or(s);
    all(r, |c| c.is_ascii_digit())
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn yaml_float_literal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => digits(e.strip_prefix(['+', '-']).unwrap_or(e)),
    };
    mantissa_ok && exp_ok
}

/// A YAML number: decimal (as cty parses numbers), or an integer in Go's
/// base-prefixed syntax (`0x1F`, `0o17`, `0b101`, `017`).
fn yaml_number(s: &str) -> Option<Number> {
    let decimal = s.strip_suffix('.').unwrap_or(s);
    if let Some(n) = Number::parse(decimal) {
        return Some(n);
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let v = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        // Negative values must fit Go's int64.
        let v = i64::try_from(v)
            .ok()
            .map(|v| -v)
            .or_else(|| (v == 1u64 << 63).then_some(i64::MIN))?;
        Some(Number::from_i64(v))
    } else {
        Some(Number::from_u64(v))
    }
}

/// Go's time layouts go-cty-yaml accepts for timestamps, formatted back as
/// RFC 3339 (which drops fractional seconds).
fn yaml_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut i = 5;
    // One or two digits, as Go's non-padded layout elements read them.
    let num = |i: &mut usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < 2 && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        s[start..*i].parse().ok()
    };
    let year: i32 = s[..4].parse().ok()?;
    let month = num(&mut i)?;
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let day = num(&mut i)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if i == b.len() {
        return Some(format!("{date}T00:00:00Z"));
    }
    // "T", "t", or spaces (then no zone).
    let spaced = match b[i] {
        b'T' | b't' => {
            i += 1;
            false
        }
        b' ' => {
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            true
        }
        _ => return None,
    };
    let hour = num(&mut i)?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let min = num(&mut i)?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let sec = num(&mut i)?;
    if hour >= 24 || min >= 60 || sec >= 60 {
        return None;
    }
    if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let time = format!("{date}T{hour:02}:{min:02}:{sec:02}");
    if spaced {
        return (i == b.len()).then(|| format!("{time}Z"));
    }
    match b.get(i) {
        Some(b'Z') if i + 1 == b.len() => Some(format!("{time}Z")),
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let two = |j: usize| -> Option<u32> {
                (b[j].is_ascii_digit() && b[j + 1].is_ascii_digit())
                    .then(|| u32::from(b[j] - b'0') * 10 + u32::from(b[j + 1] - b'0'))
            };
            let (oh, om) = (two(i + 1)?, two(i + 4)?);
            if oh > 24 || om > 60 {
                return None;
            }
            if oh == 0 && om == 0 {
                Some(format!("{time}Z"))
            } else {
                Some(format!("{time}{}{oh:02}:{om:02}", sign as char))
            }
        }
        _ => None,
    }
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------
// csvdecode: Go's `encoding/csv` reader (RFC 4180, empty lines skipped).

enum CsvErr {
    BareQuote(usize),
    Quote(usize),
    FieldCount(usize),
}

impl CsvErr {
    fn message(&self) -> String {
        let (line, what) = match self {
            CsvErr::BareQuote(l) => (l, "bare \" in non-quoted-field"),
            CsvErr::Quote(l) => (l, "extraneous or missing \" in quoted-field"),
            CsvErr::FieldCount(l) => (l, "wrong number of fields"),
        };
        format!("CSV parse error on line {line}: {what}")
    }
}

struct CsvReader<'a> {
    src: &'a str,
    pos: usize,
    num_line: usize,
    fields_per_record: usize,
}

impl<'a> CsvReader<'a> {
    /// The next line with its newline (`\r\n` normalized to `\n`); `None`
    /// at the end of the input.
    fn read_line(&mut self) -> Option<String> {
        self.num_line += 1;
        if self.pos >= self.src.len() {
            return None;
        }
        let rest = &self.src[self.pos..];
        let (mut line, len) = match rest.find('\n') {
            Some(i) => (rest[..=i].to_string(), i + 1),
            None => {
                // A final unterminated line drops a trailing CR.
                let l = rest.strip_suffix('\r').unwrap_or(rest);
                (l.to_string(), rest.len())
            }
        };
        self.pos += len;
        if line.ends_with("\r\n") {
            line.truncate(line.len() - 2);
            line.push('\n');
        }
        Some(line)
    }

    fn read_record(&mut self) -> Result<Option<Vec<String>>, CsvErr> {
        let mut line = loop {
            match self.read_line() {
                None => return Ok(None),
                Some(l) if l.is_empty() || l == "\n" => continue,
                Some(l) => break l,
            }
        };
        let rec_line = self.num_line;
        let mut pos_line = self.num_line;
        let mut fields: Vec<String> = Vec::new();
        let mut p = 0;
        'fields: loop {
            let rest = &line[p..];
            if !rest.starts_with('"') {
                let nl = usize::from(rest.ends_with('\n'));
                let (field, next) = match rest.find(',') {
                    Some(i) => (&rest[..i], Some(p + i + 1)),
                    None => (&rest[..rest.len() - nl], None),
                };
                if field.contains('"') {
                    return Err(CsvErr::BareQuote(self.num_line));
                }
                fields.push(field.to_string());
                match next {
                    Some(n) => {
                        p = n;
                        continue 'fields;
                    }
                    None => break 'fields,
                }
            }
            // A quoted field, which may span lines.
            let mut field = String::new();
            p += 1;
            loop {
                let rest = &line[p..];
                if let Some(i) = rest.find('"') {
                    field.push_str(&rest[..i]);
                    p += i + 1;
                    let rest = &line[p..];
                    if rest.starts_with('"') {
                        field.push('"');
                        p += 1;
                    } else if rest.starts_with(',') {
                        fields.push(std::mem::take(&mut field));
                        p += 1;
                        continue 'fields;
                    } else if rest.is_empty() || rest == "\n" {
                        fields.push(field);
                        break 'fields;
                    } else {
                        return Err(CsvErr::Quote(self.num_line));
                    }
                } else if !rest.is_empty() {
                    field.push_str(rest);
                    line = self.read_line().unwrap_or_default();
                    p = 0;
                    if !line.is_empty() {
                        pos_line += 1;
                    }
                } else {
                    return Err(CsvErr::Quote(pos_line));
                }
            }
        }
        if self.fields_per_record > 0 {
            if fields.len() != self.fields_per_record {
                return Err(CsvErr::FieldCount(rec_line));
            }
        } else {
            self.fields_per_record = fields.len();
        }
        Ok(Some(fields))
    }
}

fn csv_decode(s: &str) -> Result<Value, String> {
    let mut r = CsvReader {
        src: s,
        pos: 0,
        num_line: 0,
        fields_per_record: 0,
    };
    let headers = match r.read_record() {
        Ok(Some(h)) => h,
        Ok(None) => return Err("missing header line".into()),
        Err(e) => return Err(e.message()),
    };
    let mut attrs = BTreeMap::new();
    for h in &headers {
        if attrs.insert(h.clone(), Type::String).is_some() {
            return Err(format!("duplicate column name {}", go_quote(h)));
        }
    }
    let mut rows = Vec::new();
    while let Some(fields) = r.read_record().map_err(|e| e.message())? {
        let row: BTreeMap<String, Value> = headers
            .iter()
            .cloned()
            .zip(fields.into_iter().map(Value::string))
            .collect();
        rows.push(Value::object(row));
    }
    Ok(Value::list(Type::object(attrs), rows))
}

// ---------------------------------------------------------------------------
// textencodebase64 / textdecodebase64: IANA character encodings.

#[derive(Clone, Copy)]
enum TextCodec {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// UTF-16 with a byte order mark (big-endian without one).
    Utf16Bom,
    Latin1,
    Legacy(&'static encoding_rs::Encoding),
}

/// (canonical IANA name, aliases, codec). Names match case-insensitively.
fn text_codecs() -> Vec<(&'static str, &'static [&'static str], TextCodec)> {
    use encoding_rs as e;
    vec![
        ("UTF-8", &["UTF-8", "csUTF8"], TextCodec::Utf8),
        ("UTF-16LE", &["UTF-16LE", "csUTF16LE"], TextCodec::Utf16Le),
        ("UTF-16BE", &["UTF-16BE", "csUTF16BE"], TextCodec::Utf16Be),
        ("UTF-16", &["UTF-16", "csUTF16"], TextCodec::Utf16Bom),
        (
            "ISO-8859-1",
            &[
                "ISO-8859-1",
                "ISO_8859-1",
                "ISO_8859-1:1987",
                "iso-ir-100",
                "latin1",
                "l1",
                "IBM819",
                "CP819",
                "csISOLatin1",
            ],
            TextCodec::Latin1,
        ),
        (
            "ISO-8859-2",
            &[
                "ISO-8859-2",
                "ISO_8859-2",
                "ISO_8859-2:1987",
                "iso-ir-101",
                "latin2",
                "l2",
                "csISOLatin2",
            ],
            TextCodec::Legacy(e::ISO_8859_2),
        ),
        (
            "ISO-8859-3",
            &[
                "ISO-8859-3",
                "ISO_8859-3",
                "ISO_8859-3:1988",
                "iso-ir-109",
                "latin3",
                "l3",
                "csISOLatin3",
            ],
            TextCodec::Legacy(e::ISO_8859_3),
        ),
        (
            "ISO-8859-4",
            &[
                "ISO-8859-4",
                "ISO_8859-4",
                "ISO_8859-4:1988",
                "iso-ir-110",
                "latin4",
                "l4",
                "csISOLatin4",
            ],
            TextCodec::Legacy(e::ISO_8859_4),
        ),
        (
            "ISO-8859-5",
            &[
                "ISO-8859-5",
                "ISO_8859-5",
                "ISO_8859-5:1988",
                "iso-ir-144",
                "cyrillic",
                "csISOLatinCyrillic",
            ],
            TextCodec::Legacy(e::ISO_8859_5),
        ),
        (
            "ISO-8859-6",
            &[
                "ISO-8859-6",
                "ISO_8859-6",
                "ISO_8859-6:1987",
                "iso-ir-127",
                "arabic",
                "csISOLatinArabic",
            ],
            TextCodec::Legacy(e::ISO_8859_6),
        ),
        (
            "ISO-8859-7",
            &[
                "ISO-8859-7",
                "ISO_8859-7",
                "ISO_8859-7:1987",
                "iso-ir-126",
                "greek",
                "greek8",
                "csISOLatinGreek",
            ],
            TextCodec::Legacy(e::ISO_8859_7),
        ),
        (
            "ISO-8859-8",
            &[
                "ISO-8859-8",
                "ISO_8859-8",
                "ISO_8859-8:1988",
                "iso-ir-138",
                "hebrew",
                "csISOLatinHebrew",
            ],
            TextCodec::Legacy(e::ISO_8859_8),
        ),
        (
            "ISO-8859-10",
            &[
                "ISO-8859-10",
                "iso-ir-157",
                "l6",
                "ISO_8859-10:1992",
                "csISOLatin6",
                "latin6",
            ],
            TextCodec::Legacy(e::ISO_8859_10),
        ),
        (
            "ISO-8859-13",
            &["ISO-8859-13", "csISO885913"],
            TextCodec::Legacy(e::ISO_8859_13),
        ),
        (
            "ISO-8859-14",
            &[
                "ISO-8859-14",
                "iso-ir-199",
                "ISO_8859-14:1998",
                "ISO_8859-14",
                "latin8",
                "iso-celtic",
                "l8",
                "csISO885914",
            ],
            TextCodec::Legacy(e::ISO_8859_14),
        ),
        (
            "ISO-8859-15",
            &["ISO-8859-15", "ISO_8859-15", "Latin-9", "csISO885915"],
            TextCodec::Legacy(e::ISO_8859_15),
        ),
        (
            "ISO-8859-16",
            &[
                "ISO-8859-16",
                "iso-ir-226",
                "ISO_8859-16:2001",
                "ISO_8859-16",
                "latin10",
                "l10",
                "csISO885916",
            ],
            TextCodec::Legacy(e::ISO_8859_16),
        ),
        (
            "KOI8-R",
            &["KOI8-R", "csKOI8R"],
            TextCodec::Legacy(e::KOI8_R),
        ),
        (
            "KOI8-U",
            &["KOI8-U", "csKOI8U"],
            TextCodec::Legacy(e::KOI8_U),
        ),
        (
            "IBM866",
            &["IBM866", "cp866", "866", "csIBM866"],
            TextCodec::Legacy(e::IBM866),
        ),
        (
            "macintosh",
            &["macintosh", "mac", "csMacintosh"],
            TextCodec::Legacy(e::MACINTOSH),
        ),
        (
            "windows-874",
            &["windows-874", "cswindows874"],
            TextCodec::Legacy(e::WINDOWS_874),
        ),
        (
            "windows-1250",
            &["windows-1250", "cswindows1250"],
            TextCodec::Legacy(e::WINDOWS_1250),
        ),
        (
            "windows-1251",
            &["windows-1251", "cswindows1251"],
            TextCodec::Legacy(e::WINDOWS_1251),
        ),
        (
            "windows-1252",
            &["windows-1252", "cswindows1252"],
            TextCodec::Legacy(e::WINDOWS_1252),
        ),
        (
            "windows-1253",
            &["windows-1253", "cswindows1253"],
            TextCodec::Legacy(e::WINDOWS_1253),
        ),
        (
            "windows-1254",
            &["windows-1254", "cswindows1254"],
            TextCodec::Legacy(e::WINDOWS_1254),
        ),
        (
            "windows-1255",
            &["windows-1255", "cswindows1255"],
            TextCodec::Legacy(e::WINDOWS_1255),
        ),
        (
            "windows-1256",
            &["windows-1256", "cswindows1256"],
            TextCodec::Legacy(e::WINDOWS_1256),
        ),
        (
            "windows-1257",
            &["windows-1257", "cswindows1257"],
            TextCodec::Legacy(e::WINDOWS_1257),
        ),
        (
            "windows-1258",
            &["windows-1258", "cswindows1258"],
            TextCodec::Legacy(e::WINDOWS_1258),
        ),
        (
            "Shift_JIS",
            &["Shift_JIS", "MS_Kanji", "csShiftJIS"],
            TextCodec::Legacy(e::SHIFT_JIS),
        ),
        (
            "EUC-JP",
            &[
                "EUC-JP",
                "csEUCPkdFmtJapanese",
                "Extended_UNIX_Code_Packed_Format_for_Japanese",
            ],
            TextCodec::Legacy(e::EUC_JP),
        ),
        (
            "ISO-2022-JP",
            &["ISO-2022-JP", "csISO2022JP"],
            TextCodec::Legacy(e::ISO_2022_JP),
        ),
        (
            "GBK",
            &["GBK", "CP936", "MS936", "windows-936", "csGBK"],
            TextCodec::Legacy(e::GBK),
        ),
        (
            "GB18030",
            &["GB18030", "csGB18030"],
            TextCodec::Legacy(e::GB18030),
        ),
        ("Big5", &["Big5", "csBig5"], TextCodec::Legacy(e::BIG5)),
        (
            "EUC-KR",
            &["EUC-KR", "csEUCKR"],
            TextCodec::Legacy(e::EUC_KR),
        ),
    ]
}

fn text_codec(name: &str) -> Result<(&'static str, TextCodec), FuncError> {
    text_codecs()
        .into_iter()
        .find(|(_, aliases, _)| aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
        .map(|(canonical, _, codec)| (canonical, codec))
        .ok_or_else(|| {
            FuncError::arg(
                1,
                format!(
                    "{} is not a supported IANA encoding name or alias in this Terraform version",
                    go_quote(name)
                ),
            )
        })
}

fn text_encode_base64(s: &str, encoding: &str) -> Result<String, FuncError> {
    let (name, codec) = text_codec(encoding)?;
    let utf16 = |big: bool| -> Vec<u8> {
        s.encode_utf16()
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    let bytes = match codec {
        TextCodec::Utf8 => s.as_bytes().to_vec(),
        TextCodec::Utf16Le => utf16(false),
        TextCodec::Utf16Be => utf16(true),
        TextCodec::Utf16Bom => {
            let mut b = vec![0xFE, 0xFF];
            b.extend(utf16(true));
            b
        }
        TextCodec::Latin1 => s
            .chars()
            .map(|c| u8::try_from(c as u32).ok())
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| unrepresentable(name))?,
        TextCodec::Legacy(enc) => {
            let (bytes, _, had_errors) = enc.encode(s);
            if had_errors {
                return Err(unrepresentable(name));
            }
            bytes.into_owned()
        }
    };
    Ok(b64(&bytes))
}

fn unrepresentable(name: &str) -> FuncError {
    FuncError::arg(
        0,
        format!("the given string contains characters that cannot be represented in {name}"),
    )
}

fn text_decode_base64(s: &str, encoding: &str) -> Result<String, FuncError> {
    let (name, codec) = text_codec(encoding)?;
    let bytes = go_base64_decode(s).map_err(|at| {
        FuncError::arg(
            0,
            format!("the given value has an invalid base64 symbol at offset {at}"),
        )
    })?;
    let utf16 = |bytes: &[u8], big: bool| -> String {
        let units = bytes.chunks(2).map(|c| match (c, big) {
            ([a, b], true) => u16::from_be_bytes([*a, *b]),
            ([a, b], false) => u16::from_le_bytes([*a, *b]),
            // An odd trailing byte decodes as a replacement character.
            _ => 0xFFFD,
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect()
    };
    let text = match codec {
        TextCodec::Utf8 => String::from_utf8_lossy(&bytes).into_owned(),
        TextCodec::Utf16Le => utf16(&bytes, false),
        TextCodec::Utf16Be => utf16(&bytes, true),
        TextCodec::Utf16Bom => match bytes.as_slice() {
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
            rest => utf16(rest, true),
        },
        TextCodec::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        TextCodec::Legacy(enc) => enc.decode_without_bom_handling(&bytes).0.into_owned(),
    };
    // Undecodable input becomes U+FFFD, which Terraform reports.
    if text.contains('\u{FFFD}') {
        return Err(FuncError::arg(
            0,
            format!("the given string contains symbols that are not defined for {name}"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn yaml(v: Value) -> String {
        match call("yamlencode", vec![v]) {
            Ok(v) => v.as_str().unwrap_or("(not a string)").to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    fn err(name: &str, args: Vec<Value>) -> String {
        match call(name, args) {
            Ok(v) => format!("unexpected success: {}", cairn_value::display::console(&v)),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn jsonencode_examples() {
        assert_eq!(
            show("jsonencode", vec![obj(&[("hello", s("world"))])]),
            r#""{\"hello\":\"world\"}""#
        );
        assert_eq!(
            show(
                "jsonencode",
                vec![obj(&[("b", tuple(vec![n(1), b(true)])), ("a", s("<&>"))])]
            ),
            r#""{\"a\":\"\\u003c\\u0026\\u003e\",\"b\":[1,true]}""#
        );
        assert_eq!(show("jsonencode", vec![Value::dynamic_null()]), r#""null""#);
        assert_eq!(
            show("jsonencode", vec![tuple(vec![n(1), unknown(Type::Number)])]),
            "(known after apply)"
        );
        assert_eq!(
            show("jsonencode", vec![obj(&[("a", s("x").marked())])]),
            "(sensitive value)"
        );
    }

    #[test]
    fn jsondecode_examples() {
        assert_eq!(
            show("jsondecode", vec![s(r#"{"hello": "world"}"#)]),
            "{\n  \"hello\" = \"world\"\n}"
        );
        assert_eq!(show("jsondecode", vec![s("true")]), "true");
        assert_eq!(show("jsondecode", vec![s("null")]), "null");
        assert_eq!(
            show(
                "jsondecode",
                vec![s(r#"[1.50, "a\u00e9\ud83d\ude00", {}]"#)]
            ),
            "[\n  1.5,\n  \"aé😀\",\n  {},\n]"
        );
        assert_eq!(
            show("jsondecode", vec![s("12345678901234567890.123")]),
            "12345678901234567890.123"
        );
        assert_eq!(
            show("jsondecode", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("jsondecode", vec![s("{}").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn jsondecode_errors_as_go_words_them() {
        let cases = [
            ("", "EOF"),
            ("{", "EOF"),
            ("[1,", "EOF"),
            ("tru", "unexpected EOF"),
            ("\"abc", "unexpected EOF"),
            (
                "foo",
                "invalid character 'o' in literal false (expecting 'a')",
            ),
            ("x", "invalid character 'x' looking for beginning of value"),
            (
                "[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            (
                "{\"a\":1 \"b\":2}",
                "invalid character '\"' after object key:value pair",
            ),
            (
                "{\"a\":1,}",
                "invalid character '}' looking for beginning of object key string",
            ),
            ("{1:2}", "invalid character '1'"),
            ("-x", "invalid character 'x' in numeric literal"),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                "1ex",
                "invalid character 'x' in exponent of numeric literal",
            ),
            ("\"a\\qb\"", "invalid character 'q' in string escape code"),
            ("\"a\nb\"", "invalid character '\\n' in string literal"),
            ("1 2", "extraneous data after JSON object"),
            (
                "{\"a\":1,\"a\":\"x\"}",
                "duplicate \"a\" property in JSON object",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                err("jsondecode", vec![s(input)]),
                format!("Error in function call: Call to function \"jsondecode\" failed: {want}."),
                "input {input:?}"
            );
        }
        // Go's decoder stops at a closing bracket; the same key twice with
        // the same type keeps the last value.
        assert_eq!(show("jsondecode", vec![s("1]")]), "1");
        assert_eq!(
            show("jsondecode", vec![s(r#"{"a":1,"a":2}"#)]),
            "{\n  \"a\" = 2\n}"
        );
    }

    #[test]
    fn yamlencode_doc_examples() {
        assert_eq!(
            yaml(obj(&[("a", s("b")), ("c", s("d"))])),
            "\"a\": \"b\"\n\"c\": \"d\"\n"
        );
        assert_eq!(
            yaml(obj(&[
                ("foo", tuple(vec![n(1), n(2), n(3)])),
                ("bar", s("baz"))
            ])),
            "\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n"
        );
        assert_eq!(
            yaml(obj(&[
                (
                    "foo",
                    tuple(vec![n(1), obj(&[("a", s("b")), ("c", s("d"))]), n(3)])
                ),
                ("bar", s("baz"))
            ])),
            "\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n"
        );
        assert_eq!(
            yaml(tuple(vec![s("foo"), s("bar"), b(true)])),
            "- \"foo\"\n- \"bar\"\n- true\n"
        );
    }

    #[test]
    fn yamlencode_scalars_and_nesting() {
        // Plain scalars at the top end the document explicitly.
        assert_eq!(yaml(b(true)), "true\n...\n");
        assert_eq!(yaml(num("1.5")), "1.5\n...\n");
        assert_eq!(yaml(Value::dynamic_null()), "null\n...\n");
        assert_eq!(yaml(s("true")), "\"true\"\n");
        assert_eq!(yaml(tuple(vec![])), "[]\n");
        assert_eq!(yaml(obj(&[])), "{}\n");
        assert_eq!(
            yaml(obj(&[("a", tuple(vec![])), ("b", obj(&[]))])),
            "\"a\": []\n\"b\": {}\n"
        );
        assert_eq!(
            yaml(obj(&[("a", obj(&[("b", obj(&[("c", n(1))]))]))])),
            "\"a\":\n  \"b\":\n    \"c\": 1\n"
        );
        assert_eq!(
            yaml(tuple(vec![tuple(vec![n(1), n(2)]), n(3)])),
            "- - 1\n  - 2\n- 3\n"
        );
        // Multi-line strings are literal blocks with chomping indicators.
        assert_eq!(yaml(obj(&[("a", s("x\ny"))])), "\"a\": |-\n  x\n  y\n");
        assert_eq!(yaml(obj(&[("a", s("x\ny\n"))])), "\"a\": |\n  x\n  y\n");
        assert_eq!(yaml(s("x\n\n")), "|+\n  x\n\n");
        assert_eq!(yaml(s(" x\ny")), "|2-\n   x\n  y\n");
        // Tabs, trailing spaces before a break and such stay double-quoted.
        assert_eq!(yaml(s("a\tb\nc")), "\"a\\tb\\nc\"\n");
        assert_eq!(yaml(s("a \nb")), "\"a \\nb\"\n");
        assert_eq!(yaml(s("é😀\u{1}\"\\")), "\"é\\U0001F600\\x01\\\"\\\\\"\n");
        // Multi-line keys are written as complex keys.
        assert_eq!(yaml(obj(&[("a\nb", n(1))])), "? |-\n  a\n  b\n: 1\n");
    }

    #[test]
    fn yamlencode_folds_long_strings_like_libyaml() {
        let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.";
        assert_eq!(
            yaml(obj(&[("text", s(long))])),
            "\"text\": \"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n  incididunt ut labore et dolore magna aliqua.\"\n"
        );
        // Keys are never folded.
        let key = "k ".repeat(50);
        assert_eq!(yaml(obj(&[(&key, n(1))])), format!("\"{key}\": 1\n"));
    }

    #[test]
    fn yamlencode_unknown_and_sensitive() {
        assert_eq!(
            show("yamlencode", vec![obj(&[("a", unknown(Type::String))])]),
            "(known after apply)"
        );
        assert_eq!(
            show("yamlencode", vec![obj(&[("a", s("x").marked())])]),
            "(sensitive value)"
        );
    }

    #[test]
    fn yamldecode_doc_examples() {
        assert_eq!(
            show("yamldecode", vec![s("hello: world")]),
            "{\n  \"hello\" = \"world\"\n}"
        );
        assert_eq!(show("yamldecode", vec![s("true")]), "true");
        assert_eq!(
            show("yamldecode", vec![s("{a: &foo [1, 2, 3], b: *foo}")]),
            "{\n  \"a\" = [\n    1,\n    2,\n    3,\n  ]\n  \"b\" = [\n    1,\n    2,\n    3,\n  ]\n}"
        );
        assert_eq!(
            err("yamldecode", vec![s("{a: &foo [1, *foo, 3]}")]),
            "Error in function call: Call to function \"yamldecode\" failed: cannot refer to anchor \"foo\" from inside its own definition."
        );
        assert_eq!(
            err("yamldecode", vec![s("{a: !not-supported foo}")]),
            "Error in function call: Call to function \"yamldecode\" failed: unsupported tag \"!not-supported\"."
        );
    }

    #[test]
    fn yamldecode_resolves_scalars_like_terraform() {
        let y = |src: &str| show("yamldecode", vec![s(src)]);
        assert_eq!(y("~"), "null");
        assert_eq!(y("---"), "null");
        assert_eq!(y("key: 0ba"), "{\n  \"key\" = \"0ba\"\n}");
        assert_eq!(y("yes"), "true");
        assert_eq!(y("Off"), "false");
        // YAML 1.1 words resolve even as keys, as in Terraform.
        assert_eq!(y("y: 1"), "{\n  \"true\" = 1\n}");
        assert_eq!(y("'yes'"), "\"yes\"");
        assert_eq!(y("0x1F"), "31");
        assert_eq!(y("0o17"), "15");
        assert_eq!(y("-12"), "-12");
        assert_eq!(y("1_000"), "\"1_000\"");
        assert_eq!(y("1.5e3"), "1500");
        assert_eq!(y(".5"), "0.5");
        assert_eq!(y("\"12\""), "\"12\"");
        assert_eq!(y("2001-12-14"), "\"2001-12-14T00:00:00Z\"");
        assert_eq!(
            y("2001-12-14t21:59:43.10-05:00"),
            "\"2001-12-14T21:59:43-05:00\""
        );
        assert_eq!(y("2001-12-14 21:59:43.10"), "\"2001-12-14T21:59:43Z\"");
        assert_eq!(y("!!str 12"), "\"12\"");
        assert_eq!(y("!!int \"12\""), "\"12\"");
        assert_eq!(y("!!binary aGVsbG8="), "\"aGVsbG8=\"");
        assert_eq!(y("<<"), "\"<<\"");
        assert_eq!(
            y("a: 1\n1: x\ntrue: z\n"),
            "{\n  \"1\"    = \"x\"\n  \"a\"    = 1\n  \"true\" = \"z\"\n}"
        );
        assert_eq!(
            y("base: &b {p: 1, q: 2}\nderived:\n  <<: *b\n  q: 3\n"),
            "{\n  \"base\"    = {\n    \"p\" = 1\n    \"q\" = 2\n  }\n  \"derived\" = {\n    \"p\" = 1\n    \"q\" = 3\n  }\n}"
        );
        assert_eq!(
            y("- a\n- [1, b]\n"),
            "[\n  \"a\",\n  [\n    1,\n    \"b\",\n  ],\n]"
        );
    }

    #[test]
    fn yamldecode_errors() {
        let e = |src: &str| err("yamldecode", vec![s(src)]);
        let failed = |m: &str| {
            format!("Error in function call: Call to function \"yamldecode\" failed: {m}.")
        };
        assert_eq!(e(".nan"), failed("floating point NaN is not supported"));
        assert_eq!(
            e("!!int abc"),
            failed("cannot parse \"abc\" as tag:yaml.org,2002:int")
        );
        assert_eq!(
            e("!!binary abc"),
            failed("cannot parse \"abc\" as tag:yaml.org,2002:binary: not valid base64")
        );
        assert_eq!(
            e("a: *nope"),
            failed("reference to undefined anchor \"nope\"")
        );
        assert_eq!(
            e("x: 1\n[a]: 2\n"),
            failed("on line 1, column 1: only strings are allowed as mapping keys")
        );
        assert_eq!(
            e("a: 1\n---\nb: 2\n"),
            failed("on line 1, column 1: unexpected extra content after value")
        );
        assert_eq!(
            e("a: b: c"),
            failed("mapping values are not allowed in this context")
        );
        assert_eq!(
            e("a:\n  - b\n c: d\n"),
            failed("on line 2, column 2: did not find expected key")
        );
        assert_eq!(
            e("x: [a, 1\ny: 2"),
            failed("on line 1, column 2: did not find expected ',' or ']'")
        );
        assert_eq!(e("\"abc"), failed("found unexpected end of stream"));
        assert_eq!(
            e("!!seq {}"),
            failed("can't interpret mapping as tag:yaml.org,2002:seq")
        );
        assert_eq!(
            show("yamldecode", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("yamldecode", vec![s("a: 1").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let ok = format!("{}1{}", "[".repeat(900), "]".repeat(900));
        assert!(call("jsondecode", vec![s(&ok)]).is_ok());
        assert!(call("yamldecode", vec![s(&ok)]).is_ok());
        let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(
            err("jsondecode", vec![s(&deep)]),
            "Error in function call: Call to function \"jsondecode\" failed: exceeded max depth."
        );
        assert_eq!(
            err("yamldecode", vec![s(&deep)]),
            "Error in function call: Call to function \"yamldecode\" failed: exceeded max depth."
        );
    }

    #[test]
    fn yaml_round_trip() {
        let v = obj(&[
            (
                "list",
                tuple(vec![s("a b"), n(-3), b(false), Value::dynamic_null()]),
            ),
            ("text", s("line one\nline two\n")),
            ("empty", obj(&[])),
        ]);
        let text = call("yamlencode", vec![v]).unwrap();
        let back = call("yamldecode", vec![text]).unwrap();
        assert_eq!(
            cairn_value::display::console(&back),
            "{\n  \"empty\" = {}\n  \"list\"  = [\n    \"a b\",\n    -3,\n    false,\n    null,\n  ]\n  \"text\"  = <<EOT\nline one\nline two\n  EOT\n}"
        );
    }

    #[test]
    fn base64_examples_and_errors() {
        assert_eq!(
            show("base64encode", vec![s("Hello World")]),
            "\"SGVsbG8gV29ybGQ=\""
        );
        assert_eq!(
            show("base64decode", vec![s("SGVsbG8gV29ybGQ=")]),
            "\"Hello World\""
        );
        // Line breaks are ignored, as in Go.
        assert_eq!(
            show("base64decode", vec![s("SGVsbG8g\r\nV29ybGQ=")]),
            "\"Hello World\""
        );
        assert_eq!(
            err("base64decode", vec![s("SGVsbG8gV29ybGQ")]),
            "Error in function call: Call to function \"base64decode\" failed: failed to decode base64 data \"SGVsbG8gV29ybGQ\"."
        );
        assert_eq!(
            err("base64decode", vec![s("SGVs!G8=").marked()]),
            "Error in function call: Call to function \"base64decode\" failed: failed to decode base64 data (sensitive value)."
        );
        assert_eq!(
            err("base64decode", vec![s("/w==")]),
            "Error in function call: Call to function \"base64decode\" failed: the result of decoding the provided string is not valid UTF-8."
        );
        assert_eq!(
            show("base64decode", vec![s("SGk=").marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show("base64decode", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("base64encode", vec![s("x").marked()]),
            "(sensitive value)"
        );
        assert_eq!(go_base64_decode("YQ=="), Ok(b"a".to_vec()));
        assert_eq!(go_base64_decode("YQ"), Err(0));
        assert_eq!(go_base64_decode("YQ==YQ=="), Err(4));
        assert_eq!(go_base64_decode("Y!=="), Err(1));
    }

    #[test]
    fn base64gzip_decompresses_to_the_input() {
        use std::io::Read as _;
        let v = call("base64gzip", vec![s("test")]).unwrap();
        let bytes = go_base64_decode(v.as_str().unwrap()).unwrap();
        assert_eq!(&bytes[..4], &[0x1f, 0x8b, 8, 0]);
        assert_eq!(bytes[9], 255);
        let mut out = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "test");
        assert_eq!(
            show("base64gzip", vec![unknown(Type::String)]),
            "(known after apply)"
        );
    }

    #[test]
    fn urlencode_examples() {
        assert_eq!(
            show("urlencode", vec![s("Hello World!")]),
            "\"Hello+World%21\""
        );
        assert_eq!(show("urlencode", vec![s("☃")]), "\"%E2%98%83\"");
        assert_eq!(
            show("urlencode", vec![s("foo:bar@localhost?foo=bar&bar=baz")]),
            "\"foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz\""
        );
        assert_eq!(show("urlencode", vec![s("a-_.~z")]), "\"a-_.~z\"");
        assert_eq!(
            show("urlencode", vec![s("x").marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show("urldecode", vec![s("Hello+World%21%E2%98%83")]),
            "\"Hello World!☃\""
        );
        assert_eq!(
            err("urldecode", vec![s("100%zz")]),
            "Error in function call: Call to function \"urldecode\" failed: invalid URL escape \"%zz\"."
        );
        assert_eq!(
            show("urldecode", vec![unknown(Type::String)]),
            "(known after apply)"
        );
    }

    #[test]
    fn csvdecode_examples() {
        assert_eq!(
            show("csvdecode", vec![s("a,b,c\n1,2,3\n4,5,6")]),
            "tolist([\n  {\n    \"a\" = \"1\"\n    \"b\" = \"2\"\n    \"c\" = \"3\"\n  },\n  {\n    \"a\" = \"4\"\n    \"b\" = \"5\"\n    \"c\" = \"6\"\n  },\n])"
        );
        // Quoted fields may hold commas, quotes and newlines; CRLF and empty
        // lines are handled as Go does.
        assert_eq!(
            show(
                "csvdecode",
                vec![s("name,note\r\n\r\n\"x, y\",\"say \"\"hi\"\"\nbye\"\r\n")]
            ),
            "tolist([\n  {\n    \"name\" = \"x, y\"\n    \"note\" = <<EOT\nsay \"hi\"\nbye\n    EOT\n  },\n])"
        );
        let empty = call("csvdecode", vec![s("a,b\n")]).unwrap();
        assert_eq!(cairn_value::display::console(&empty), "tolist([])");
        assert_eq!(empty.ty().to_string(), "list(object({a=string, b=string}))");
        let failed = |m: &str| {
            format!("Error in function call: Call to function \"csvdecode\" failed: {m}.")
        };
        assert_eq!(err("csvdecode", vec![s("")]), failed("missing header line"));
        assert_eq!(
            err("csvdecode", vec![s("a,b\n1,2\n3\n")]),
            failed("CSV parse error on line 3: wrong number of fields")
        );
        assert_eq!(
            err("csvdecode", vec![s("a,b\n1,x\"y\n")]),
            failed("CSV parse error on line 2: bare \" in non-quoted-field")
        );
        assert_eq!(
            err("csvdecode", vec![s("a,b\n\"1\"x,2\n")]),
            failed("CSV parse error on line 2: extraneous or missing \" in quoted-field")
        );
        assert_eq!(
            err("csvdecode", vec![s("a,b\n\"1,2\n")]),
            failed("CSV parse error on line 2: extraneous or missing \" in quoted-field")
        );
        assert_eq!(
            err("csvdecode", vec![s("a,a\n1,2\n")]),
            failed("duplicate column name \"a\"")
        );
        assert_eq!(
            show("csvdecode", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("csvdecode", vec![s("a\n1").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn text_base64_examples() {
        assert_eq!(
            show("textencodebase64", vec![s("Hello World"), s("UTF-16LE")]),
            "\"SABlAGwAbABvACAAVwBvAHIAbABkAA==\""
        );
        assert_eq!(
            show(
                "textdecodebase64",
                vec![s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="), s("UTF-16LE")]
            ),
            "\"Hello World\""
        );
        assert_eq!(
            show("textencodebase64", vec![s("test"), s("utf-16le")]),
            "\"dABlAHMAdAA=\""
        );
        assert_eq!(
            show("textencodebase64", vec![s("Hello World"), s("UTF-8")]),
            "\"SGVsbG8gV29ybGQ=\""
        );
        assert_eq!(
            show("textencodebase64", vec![s("hé"), s("UTF-16BE")]),
            "\"AGgA6Q==\""
        );
        assert_eq!(
            show("textdecodebase64", vec![s("AGgA6Q=="), s("UTF-16BE")]),
            "\"hé\""
        );
        assert_eq!(
            show("textencodebase64", vec![s("é"), s("latin1")]),
            "\"6Q==\""
        );
        assert_eq!(
            show("textencodebase64", vec![s("€"), s("windows-1252")]),
            "\"gA==\""
        );
        assert_eq!(
            show("textdecodebase64", vec![s("gA=="), s("windows-1252")]),
            "\"€\""
        );
        assert_eq!(
            err("textencodebase64", vec![s("x"), s("EBCDIC-foo")]),
            "Invalid function argument: Invalid value for \"encoding\" parameter: \"EBCDIC-foo\" is not a supported IANA encoding name or alias in this Terraform version."
        );
        assert_eq!(
            err("textencodebase64", vec![s("€"), s("ISO-8859-1")]),
            "Invalid function argument: Invalid value for \"string\" parameter: the given string contains characters that cannot be represented in ISO-8859-1."
        );
        assert_eq!(
            err("textdecodebase64", vec![s("SGk!"), s("UTF-8")]),
            "Invalid function argument: Invalid value for \"source\" parameter: the given value has an invalid base64 symbol at offset 3."
        );
        assert_eq!(
            err("textdecodebase64", vec![s("/w=="), s("UTF-8")]),
            "Invalid function argument: Invalid value for \"source\" parameter: the given string contains symbols that are not defined for UTF-8."
        );
        assert_eq!(
            show("textencodebase64", vec![unknown(Type::String), s("UTF-8")]),
            "(known after apply)"
        );
        assert_eq!(
            show("textencodebase64", vec![s("x").marked(), s("UTF-8")]),
            "(sensitive value)"
        );
    }

    #[test]
    fn go_quote_escapes_like_go() {
        assert_eq!(
            go_quote("a\"b\\c\n\u{1}é\u{a0}"),
            "\"a\\\"b\\\\c\\n\\x01é\\u00a0\""
        );
    }
}
