//! Resource instance addresses as users write them
//! (`module.a["k"].aws_x.y[2]`, `data.t.n`) and as the state stores them.

use std::fmt;
use std::str::FromStr;

use crate::error::StateError;
use crate::model::Mode;

/// The key of one instance of a resource or module: an integer for
/// `count`, a string for `for_each`. Integers sort before strings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndexKey {
    Int(u64),
    Str(String),
}

impl fmt::Display for IndexKey {
    /// The key as it appears between brackets: `0` or `"key"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_key(self))
    }
}

impl From<u64> for IndexKey {
    fn from(i: u64) -> Self {
        IndexKey::Int(i)
    }
}

impl From<&str> for IndexKey {
    fn from(s: &str) -> Self {
        IndexKey::Str(s.to_string())
    }
}

impl From<String> for IndexKey {
    fn from(s: String) -> Self {
        IndexKey::Str(s)
    }
}

/// One step of a module instance path: the module call's name and the
/// instance key, if the call uses `count` or `for_each`.
pub type ModuleStep = (String, Option<IndexKey>);

/// The key text between brackets: a number, or a string quoted the way
/// Terraform quotes instance keys (HCL escapes, `${` doubled to `$${`).
pub fn format_key(k: &IndexKey) -> String {
    match k {
        IndexKey::Int(i) => i.to_string(),
        IndexKey::Str(s) => quote(s),
    }
}

/// HCL quoting as Terraform's `toHCLQuotedString` does it.
pub fn quote(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                // Doubling the introducer keeps `${` from reading as a
                // template interpolation.
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            c if c.is_control() => {
                let n = c as u32;
                if n < 0x10000 {
                    let _ = write!(out, "\\u{n:04x}");
                } else {
                    let _ = write!(out, "\\U{n:08x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `module.a["x"].module.b[0]`; `""` for the root module.
pub fn format_module_path(steps: &[ModuleStep]) -> String {
    let mut out = String::new();
    for (i, (name, key)) in steps.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str("module.");
        out.push_str(name);
        if let Some(k) = key {
            out.push('[');
            out.push_str(&format_key(k));
            out.push(']');
        }
    }
    out
}

/// Parses a module instance path as stored in [`crate::ResourceState::module`]
/// (`""` is the root module).
pub fn parse_module_path(s: &str) -> Result<Vec<ModuleStep>, StateError> {
    match Target::parse(s)? {
        Target::Module(steps) => Ok(steps),
        _ => Err(StateError::Address {
            input: s.to_string(),
            message: "this is a resource address, not a module path like module.a[\"x\"]".into(),
        }),
    }
}

/// A resource instance address given by a user or built from the state.
/// With `key: None` it names a resource without `count`/`for_each` (or,
/// where a command accepts it, the whole resource).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceAddr {
    pub module: Vec<ModuleStep>,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    pub key: Option<IndexKey>,
}

impl InstanceAddr {
    /// Parses an address; module-only addresses are an error.
    pub fn parse(s: &str) -> Result<InstanceAddr, StateError> {
        match Target::parse(s)? {
            Target::Module(_) => Err(StateError::Address {
                input: s.to_string(),
                message: "this is a module address; a resource address ends with TYPE.NAME, like module.a.aws_instance.web[0]".into(),
            }),
            Target::Resource(a) | Target::Instance(a) => Ok(a),
        }
    }

    /// The module path in its stored form.
    pub fn module_string(&self) -> String {
        format_module_path(&self.module)
    }

    /// The address of the resource, without the instance key.
    pub fn resource_address(&self) -> String {
        crate::model::resource_address(
            &self.module_string(),
            self.mode,
            &self.type_name,
            &self.name,
        )
    }
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.resource_address())?;
        if let Some(k) = &self.key {
            write!(f, "[{}]", format_key(k))?;
        }
        Ok(())
    }
}

impl FromStr for InstanceAddr {
    type Err = StateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InstanceAddr::parse(s)
    }
}

/// What a `state` command's address argument names: a module instance
/// (and everything in it), a whole resource, or one instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Module(Vec<ModuleStep>),
    /// A resource address without a key: all of its instances.
    Resource(InstanceAddr),
    /// A resource address with a key.
    Instance(InstanceAddr),
}

impl Target {
    pub fn parse(input: &str) -> Result<Target, StateError> {
        Parser {
            input,
            src: input.trim(),
            pos: 0,
        }
        .parse()
    }

    /// True when the resource at `module` with this mode, type and name is
    /// within the target. For an [`Target::Instance`] the caller compares
    /// keys too. A module step without a key in the target matches every
    /// instance of that module call only when it is the target's last
    /// step (`module.a` means all of `module.a[*]`), and an exact match
    /// elsewhere.
    pub fn matches_resource(
        &self,
        module: &[ModuleStep],
        mode: Mode,
        type_name: &str,
        name: &str,
    ) -> bool {
        match self {
            Target::Module(steps) => module_prefix_matches(steps, module),
            Target::Resource(a) | Target::Instance(a) => {
                a.mode == mode && a.type_name == type_name && a.name == name && a.module == module
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Module(steps) => f.write_str(&format_module_path(steps)),
            Target::Resource(a) | Target::Instance(a) => a.fmt(f),
        }
    }
}

/// `pattern` is a prefix of `module`, its last step matching any key when
/// it has none.
pub(crate) fn module_prefix_matches(pattern: &[ModuleStep], module: &[ModuleStep]) -> bool {
    if pattern.len() > module.len() {
        return false;
    }
    pattern
        .iter()
        .zip(module)
        .enumerate()
        .all(|(i, (p, m))| p.0 == m.0 && (p.1 == m.1 || (p.1.is_none() && i + 1 == pattern.len())))
}

struct Parser<'a> {
    input: &'a str,
    src: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>) -> StateError {
        StateError::Address {
            input: self.input.to_string(),
            message: format!("{} (at column {})", message.into(), self.pos + 1),
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn ident(&mut self, what: &str) -> Result<String, StateError> {
        let rest = &self.src[self.pos..];
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            let ok = if i == 0 {
                c.is_alphabetic() || c == '_'
            } else {
                c.is_alphanumeric() || c == '_' || c == '-'
            };
            if !ok {
                break;
            }
            end = i + c.len_utf8();
        }
        if end == 0 {
            return Err(match rest.chars().next() {
                None => self.err(format!("expected {what}, found the end of the address")),
                Some(c) => self.err(format!("expected {what}, found {c:?}")),
            });
        }
        self.pos += end;
        Ok(rest[..end].to_string())
    }

    fn expect_dot(&mut self, after: &str) -> Result<(), StateError> {
        match self.peek() {
            Some('.') => {
                self.pos += 1;
                Ok(())
            }
            None => Err(self.err(format!(
                "expected \".\" after {after}, found the end of the address"
            ))),
            Some(c) => Err(self.err(format!("expected \".\" after {after}, found {c:?}"))),
        }
    }

    /// `[0]` or `["key"]`, if present.
    fn key(&mut self) -> Result<Option<IndexKey>, StateError> {
        if self.peek() != Some('[') {
            return Ok(None);
        }
        self.pos += 1;
        let key = match self.peek() {
            Some('"') => IndexKey::Str(self.string()?),
            Some(c) if c.is_ascii_digit() => {
                let rest = &self.src[self.pos..];
                let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
                let digits = &rest[..end];
                let n = digits
                    .parse::<u64>()
                    .map_err(|_| self.err(format!("index {digits} is too large")))?;
                self.pos += end;
                IndexKey::Int(n)
            }
            Some('-') => return Err(self.err("an index cannot be negative")),
            Some(']') => return Err(self.err("empty index: write [0] or [\"key\"]")),
            Some(c) => {
                return Err(self.err(format!(
                    "expected a number or a quoted string as the index, found {c:?}; string keys need quotes, like [\"key\"]"
                )))
            }
            None => return Err(self.err("unterminated index: expected a number or a quoted string")),
        };
        match self.peek() {
            Some(']') => {
                self.pos += 1;
                Ok(Some(key))
            }
            None => Err(self.err("unterminated index: expected \"]\"")),
            Some(c) => Err(self.err(format!("expected \"]\" after the index, found {c:?}"))),
        }
    }

    /// A quoted string with HCL escapes; `pos` is at the opening quote.
    fn string(&mut self) -> Result<String, StateError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(c) = rest.chars().next() else {
                self.pos = start;
                return Err(self.err("unterminated string: expected a closing quote"));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.err("unterminated escape sequence"));
                    };
                    self.pos += e.len_utf8();
                    match e {
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'u' | 'U' => {
                            let len = if e == 'u' { 4 } else { 8 };
                            let hex = self.src.get(self.pos..self.pos + len).unwrap_or("");
                            let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                            match ch {
                                Some(ch) if hex.len() == len => {
                                    out.push(ch);
                                    self.pos += len;
                                }
                                _ => {
                                    return Err(self.err(format!(
                                        "invalid \\{e} escape: expected {len} hexadecimal digits naming a character"
                                    )))
                                }
                            }
                        }
                        other => return Err(self.err(format!("invalid escape sequence \\{other}"))),
                    }
                }
                '$' | '%' if rest[1..].starts_with(&format!("{c}{{")) => {
                    // `$${` is a literal `${`.
                    out.push(c);
                    out.push('{');
                    self.pos += 2;
                }
                c => out.push(c),
            }
        }
    }

    fn parse(mut self) -> Result<Target, StateError> {
        if self.src.is_empty() {
            return Err(self.err("the address is empty"));
        }
        let mut module = Vec::new();
        loop {
            let word = self.ident("a resource type, \"data\" or \"module\"")?;
            match word.as_str() {
                "module" => {
                    self.expect_dot("\"module\"")?;
                    let name = self.ident("a module name")?;
                    let key = self.key()?;
                    module.push((name, key));
                    if self.at_end() {
                        return Ok(Target::Module(module));
                    }
                    self.expect_dot("the module")?;
                }
                "data" => {
                    self.expect_dot("\"data\"")?;
                    let type_name = self.ident("a data source type")?;
                    return self.finish(module, Mode::Data, type_name);
                }
                _ => return self.finish(module, Mode::Managed, word),
            }
        }
    }

    fn finish(
        mut self,
        module: Vec<ModuleStep>,
        mode: Mode,
        type_name: String,
    ) -> Result<Target, StateError> {
        if self.at_end() {
            return Err(self.err(format!(
                "a resource address needs a type and a name, like {type_name}.example"
            )));
        }
        if self.peek() == Some('[') {
            return Err(self.err(format!(
                "a resource address needs a type and a name before the index, like {type_name}.example[0]"
            )));
        }
        self.expect_dot("the resource type")?;
        let name = self.ident("a resource name")?;
        let key = self.key()?;
        if let Some(c) = self.peek() {
            return Err(self.err(if c == '.' {
                "unexpected text after the resource address; to address an attribute use `cairn state show`".to_string()
            } else {
                format!("unexpected {c:?} after the resource address")
            }));
        }
        let has_key = key.is_some();
        let addr = InstanceAddr {
            module,
            mode,
            type_name,
            name,
            key,
        };
        Ok(if has_key {
            Target::Instance(addr)
        } else {
            Target::Resource(addr)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips() {
        for s in [
            "plain",
            "a\"b",
            "a\\b",
            "${x}",
            "%{x}",
            "$$",
            "tab\there",
            "\u{1}",
            "é✓",
            "",
            "a$${b",
        ] {
            let q = quote(s);
            let addr = format!("x.y[{q}]");
            let a = InstanceAddr::parse(&addr).unwrap();
            assert_eq!(a.key, Some(IndexKey::Str(s.to_string())), "{addr}");
            assert_eq!(a.to_string(), addr);
        }
        assert_eq!(quote("${x}"), "\"$${x}\"");
    }
}
