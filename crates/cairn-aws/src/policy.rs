//! IAM policy JSON: semantic comparison (so formatting and ordering are not
//! a diff), and the document model behind `aws_iam_policy_document`, which
//! renders byte for byte what the Terraform AWS provider renders (Go's
//! `encoding/json` with two-space indentation, fields in the provider's
//! order, single-element lists as strings, lists sorted in reverse).

use std::fmt::Write as _;

use serde_json::{Map, Value as J};

// ---- equivalence ----------------------------------------------------------

/// True when two policy documents mean the same: statement order, list
/// order, a one-element list vs a string, `"*"` vs `{"AWS": "*"}` and
/// formatting are ignored. Text that is not JSON compares as text.
pub fn policy_equivalent(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (serde_json::from_str::<J>(a), serde_json::from_str::<J>(b)) {
        (Ok(x), Ok(y)) => normalize_doc(&x) == normalize_doc(&y),
        _ => false,
    }
}

/// Canonical form of a policy document for comparison.
fn normalize_doc(doc: &J) -> J {
    let J::Object(m) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for k in keys {
        let v = &m[k];
        if k == "Statement" {
            let stmts: Vec<J> = match v {
                J::Array(items) => items.iter().map(normalize_statement).collect(),
                other => vec![normalize_statement(other)],
            };
            let mut keyed: Vec<(String, J)> =
                stmts.into_iter().map(|s| (s.to_string(), s)).collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            out.insert(
                k.clone(),
                J::Array(keyed.into_iter().map(|(_, s)| s).collect()),
            );
        } else {
            out.insert(k.clone(), canonical(v));
        }
    }
    J::Object(out)
}

fn normalize_statement(s: &J) -> J {
    let J::Object(m) = s else {
        return canonical(s);
    };
    let mut out = Map::new();
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for k in keys {
        let v = &m[k];
        let nv = match k.as_str() {
            "Sid" if v.as_str() == Some("") => continue,
            "Action" | "NotAction" | "Resource" | "NotResource" => string_set(v),
            "Principal" | "NotPrincipal" => match v {
                J::String(s) if s == "*" => {
                    let mut p = Map::new();
                    p.insert("AWS".into(), J::Array(vec![J::String("*".into())]));
                    J::Object(p)
                }
                J::Object(pm) => map_of_sets(pm),
                other => canonical(other),
            },
            "Condition" => match v {
                J::Object(cm) => {
                    let mut c = Map::new();
                    let mut tests: Vec<&String> = cm.keys().collect();
                    tests.sort();
                    for t in tests {
                        c.insert(
                            t.clone(),
                            match &cm[t] {
                                J::Object(vars) => map_of_sets(vars),
                                other => canonical(other),
                            },
                        );
                    }
                    J::Object(c)
                }
                other => canonical(other),
            },
            _ => canonical(v),
        };
        out.insert(k.clone(), nv);
    }
    J::Object(out)
}

fn map_of_sets(m: &Map<String, J>) -> J {
    let mut out = Map::new();
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for k in keys {
        out.insert(k.clone(), string_set(&m[k]));
    }
    J::Object(out)
}

/// A string or list of scalars as a sorted, deduplicated list of strings.
fn string_set(v: &J) -> J {
    let mut items: Vec<String> = match v {
        J::Array(a) => a.iter().map(scalar_string).collect(),
        other => vec![scalar_string(other)],
    };
    items.sort();
    items.dedup();
    J::Array(items.into_iter().map(J::String).collect())
}

fn scalar_string(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Objects with sorted keys, recursively.
fn canonical(v: &J) -> J {
    match v {
        J::Object(m) => {
            let mut out = Map::new();
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            J::Object(out)
        }
        J::Array(a) => J::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Whether text is a JSON object (what IAM accepts as a policy).
pub(crate) fn check_policy_json(text: &str) -> Result<(), String> {
    match serde_json::from_str::<J>(text) {
        Ok(J::Object(_)) => Ok(()),
        Ok(_) => Err("the policy must be a JSON object".into()),
        Err(e) => Err(e.to_string()),
    }
}

// ---- the policy document model --------------------------------------------

/// A string or a list of strings, as the provider's model keeps
/// identifiers and condition values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Strs {
    One(String),
    Many(Vec<String>),
}

impl Strs {
    /// A configured list: the single element as a string, or all of them
    /// sorted in reverse (the provider's `policyDecodeConfigStrings`).
    pub(crate) fn from_config(mut items: Vec<String>) -> Strs {
        if items.len() == 1 {
            return Strs::One(items.remove(0));
        }
        items.sort();
        items.reverse();
        Strs::Many(items)
    }

    fn to_json(&self) -> J {
        match self {
            Strs::One(s) => J::String(s.clone()),
            Strs::Many(v) => J::Array(v.iter().cloned().map(J::String).collect()),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Principal {
    pub ty: String,
    pub ids: Strs,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Condition {
    pub test: String,
    pub variable: String,
    pub values: Strs,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Statement {
    pub sid: String,
    pub effect: String,
    /// Kept as JSON: configured lists become strings or lists of
    /// strings, source documents keep whatever they held.
    pub action: Option<J>,
    pub not_action: Option<J>,
    pub resource: Option<J>,
    pub not_resource: Option<J>,
    pub principals: Vec<Principal>,
    pub not_principals: Vec<Principal>,
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Document {
    pub version: String,
    pub id: String,
    pub statements: Vec<Statement>,
}

impl Document {
    /// Merges `new` in: its Id and a later Version win; statements with a
    /// Sid replace the one with that Sid, others are appended.
    pub(crate) fn merge(&mut self, new: Document) {
        if !new.id.is_empty() {
            self.id = new.id;
        }
        if new.version > self.version {
            self.version = new.version;
        }
        for s in new.statements {
            if s.sid.is_empty() {
                self.statements.push(s);
                continue;
            }
            match self.statements.iter_mut().find(|x| x.sid == s.sid) {
                Some(slot) => *slot = s,
                None => self.statements.push(s),
            }
        }
    }

    /// Parses a policy document as the provider's model reads one (keys
    /// matched case-insensitively, as Go's decoder does).
    pub(crate) fn parse(text: &str) -> Result<Document, String> {
        let j: J = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let J::Object(m) = j else {
            return Err("the policy document is not a JSON object".into());
        };
        let mut doc = Document::default();
        for (k, v) in &m {
            match k.to_ascii_lowercase().as_str() {
                "version" => doc.version = json_string(v, "Version")?,
                "id" => doc.id = json_string(v, "Id")?,
                "statement" => match v {
                    J::Array(items) => {
                        for s in items {
                            doc.statements.push(parse_statement(s)?);
                        }
                    }
                    J::Null => {}
                    _ => {
                        return Err(
                            "\"Statement\" must be a list of statements (the provider cannot \
                             read a single statement object)"
                                .into(),
                        )
                    }
                },
                _ => {}
            }
        }
        Ok(doc)
    }

    fn to_json(&self) -> J {
        let mut m = Map::new();
        if !self.version.is_empty() {
            m.insert("Version".into(), J::String(self.version.clone()));
        }
        if !self.id.is_empty() {
            m.insert("Id".into(), J::String(self.id.clone()));
        }
        if !self.statements.is_empty() {
            m.insert(
                "Statement".into(),
                J::Array(self.statements.iter().map(Statement::to_json).collect()),
            );
        }
        J::Object(m)
    }

    /// Go's `json.MarshalIndent(doc, "", "  ")`.
    pub(crate) fn to_pretty(&self) -> String {
        let mut out = String::new();
        write_go(&self.to_json(), 0, true, &mut out);
        out
    }

    /// Go's `json.Marshal(doc)`.
    pub(crate) fn to_compact(&self) -> String {
        let mut out = String::new();
        write_go(&self.to_json(), 0, false, &mut out);
        out
    }
}

fn json_string(v: &J, what: &str) -> Result<String, String> {
    match v {
        J::String(s) => Ok(s.clone()),
        J::Null => Ok(String::new()),
        other => Err(format!("{what} must be a string, not {other}")),
    }
}

fn parse_statement(s: &J) -> Result<Statement, String> {
    let J::Object(m) = s else {
        return Err("a statement is not a JSON object".into());
    };
    let mut st = Statement::default();
    let keep = |v: &J| if v.is_null() { None } else { Some(v.clone()) };
    for (k, v) in m {
        match k.to_ascii_lowercase().as_str() {
            "sid" => st.sid = json_string(v, "Sid")?,
            "effect" => st.effect = json_string(v, "Effect")?,
            "action" => st.action = keep(v),
            "notaction" => st.not_action = keep(v),
            "resource" => st.resource = keep(v),
            "notresource" => st.not_resource = keep(v),
            "principal" => st.principals = parse_principals(v)?,
            "notprincipal" => st.not_principals = parse_principals(v)?,
            "condition" => st.conditions = parse_conditions(v)?,
            _ => {}
        }
    }
    Ok(st)
}

fn parse_principals(v: &J) -> Result<Vec<Principal>, String> {
    match v {
        J::Null => Ok(Vec::new()),
        J::String(_) => Ok(vec![Principal {
            ty: "*".into(),
            ids: Strs::Many(vec!["*".into()]),
        }]),
        J::Object(m) => {
            let mut out = Vec::new();
            for (ty, ids) in m {
                let ids = match ids {
                    J::String(s) => Strs::One(s.clone()),
                    J::Array(a) => {
                        let mut v = Vec::new();
                        for (i, x) in a.iter().enumerate() {
                            match x {
                                J::String(s) => v.push(s.clone()),
                                other => {
                                    return Err(format!(
                                    "principal {ty:?} identifier {i} must be a string, not {other}"
                                ))
                                }
                            }
                        }
                        v.sort();
                        Strs::Many(v)
                    }
                    other => {
                        return Err(format!(
                            "principal {ty:?} must be a string or list, not {other}"
                        ))
                    }
                };
                out.push(Principal {
                    ty: ty.clone(),
                    ids,
                });
            }
            Ok(out)
        }
        other => Err(format!("Principal must be \"*\" or an object, not {other}")),
    }
}

fn parse_conditions(v: &J) -> Result<Vec<Condition>, String> {
    let J::Object(tests) = v else {
        return if v.is_null() {
            Ok(Vec::new())
        } else {
            Err(format!("Condition must be an object, not {v}"))
        };
    };
    let mut out = Vec::new();
    for (test, vars) in tests {
        let J::Object(vars) = vars else {
            return Err(format!("condition {test:?} must be an object"));
        };
        for (var, vals) in vars {
            let values = match vals {
                J::String(s) => Strs::Many(vec![s.clone()]),
                J::Bool(b) => Strs::One(b.to_string()),
                J::Array(a) => Strs::Many(a.iter().map(scalar_string).collect()),
                // The provider's model drops other value types.
                _ => continue,
            };
            out.push(Condition {
                test: test.clone(),
                variable: var.clone(),
                values,
            });
        }
    }
    Ok(out)
}

impl Statement {
    fn to_json(&self) -> J {
        let mut m = Map::new();
        if !self.sid.is_empty() {
            m.insert("Sid".into(), J::String(self.sid.clone()));
        }
        if !self.effect.is_empty() {
            m.insert("Effect".into(), J::String(self.effect.clone()));
        }
        let fields = [
            ("Action", &self.action),
            ("NotAction", &self.not_action),
            ("Resource", &self.resource),
            ("NotResource", &self.not_resource),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.insert(k.into(), v.clone());
            }
        }
        if !self.principals.is_empty() {
            m.insert("Principal".into(), principals_json(&self.principals));
        }
        if !self.not_principals.is_empty() {
            m.insert("NotPrincipal".into(), principals_json(&self.not_principals));
        }
        if !self.conditions.is_empty() {
            m.insert("Condition".into(), conditions_json(&self.conditions));
        }
        J::Object(m)
    }
}

/// Principals as the provider marshals them: a lone `*` principal as
/// `"*"`, otherwise an object keyed by type (keys sorted), identifiers of
/// one type gathered, lists sorted in reverse.
fn principals_json(ps: &[Principal]) -> J {
    if let [p] = ps {
        let star = match &p.ids {
            Strs::One(s) => s == "*",
            Strs::Many(v) => v.len() == 1 && v[0] == "*",
        };
        if p.ty == "*" && star {
            return J::String("*".into());
        }
    }
    let mut raw: std::collections::BTreeMap<String, Strs> = std::collections::BTreeMap::new();
    for p in ps {
        match &p.ids {
            Strs::Many(ids) => {
                let mut ids = ids.clone();
                ids.sort();
                ids.reverse();
                let entry = raw
                    .entry(p.ty.clone())
                    .or_insert_with(|| Strs::Many(Vec::new()));
                if let Strs::One(s) = entry {
                    *entry = Strs::Many(vec![s.clone()]);
                }
                if let Strs::Many(v) = entry {
                    v.extend(ids);
                }
            }
            Strs::One(id) => match raw.get_mut(&p.ty) {
                None => {
                    raw.insert(p.ty.clone(), Strs::One(id.clone()));
                }
                Some(entry) => {
                    let mut v = match entry {
                        Strs::One(s) => vec![s.clone()],
                        Strs::Many(v) => std::mem::take(v),
                    };
                    v.push(id.clone());
                    *entry = Strs::Many(v);
                }
            },
        }
    }
    J::Object(raw.into_iter().map(|(k, v)| (k, v.to_json())).collect())
}

/// Conditions as the provider marshals them: test → variable → values,
/// keys sorted, values of one test and variable concatenated, a single
/// value as a string.
fn conditions_json(cs: &[Condition]) -> J {
    use std::collections::BTreeMap;
    let mut raw: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for c in cs {
        let vals = raw
            .entry(c.test.clone())
            .or_default()
            .entry(c.variable.clone())
            .or_default();
        match &c.values {
            Strs::One(s) => vals.push(s.clone()),
            Strs::Many(v) => vals.extend(v.iter().cloned()),
        }
    }
    J::Object(
        raw.into_iter()
            .map(|(t, vars)| {
                let inner: Map<String, J> = vars
                    .into_iter()
                    .map(|(k, v)| {
                        let j = if v.len() == 1 {
                            J::String(v[0].clone())
                        } else {
                            J::Array(v.into_iter().map(J::String).collect())
                        };
                        (k, j)
                    })
                    .collect();
                (t, J::Object(inner))
            })
            .collect(),
    )
}

// ---- Go's encoding/json output ----------------------------------------------

/// Writes JSON as Go's encoder does: `json.Marshal` when `pretty` is false,
/// `json.MarshalIndent(v, "", "  ")` when true. Object keys stay in the
/// order given.
fn write_go(v: &J, depth: usize, pretty: bool, out: &mut String) {
    let nl = |out: &mut String, d: usize| {
        if pretty {
            out.push('\n');
            for _ in 0..d {
                out.push_str("  ");
            }
        }
    };
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&n.to_string()),
        J::String(s) => go_string(s, out),
        J::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                write_go(x, depth + 1, pretty, out);
            }
            nl(out, depth);
            out.push(']');
        }
        J::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                go_string(k, out);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write_go(x, depth + 1, pretty, out);
            }
            nl(out, depth);
            out.push('}');
        }
    }
}

/// A string literal with Go's escaping (HTML characters and U+2028/9
/// escaped, `\b` and `\f` short forms).
fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
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

/// CRC-32 (IEEE), as Go's `hash/crc32.ChecksumIEEE`: the data source's
/// `id` is this checksum of its JSON in decimal.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalence_ignores_format_and_order() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}"#;
        let b = r#"{
  "Version": "2012-10-17",
  "Statement": {
      "Action": ["sts:AssumeRole"],
      "Principal": {"Service": ["ec2.amazonaws.com"]},
      "Effect": "Allow",
      "Sid": ""
  }
}"#;
        assert!(policy_equivalent(a, b));
        let c = a.replace("ec2", "lambda");
        assert!(!policy_equivalent(a, &c));
        assert!(policy_equivalent(
            r#"{"Statement":[{"Action":["a","b"]},{"Action":"c"}]}"#,
            r#"{"Statement":[{"Action":"c"},{"Action":["b","a"]}]}"#
        ));
        assert!(!policy_equivalent("not json", "not  json"));
    }

    #[test]
    fn crc32_matches_go() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"hello"), 907_060_870);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn go_escaping() {
        let mut s = String::new();
        go_string("a<b>&\"\\\n\u{1}\u{8}", &mut s);
        assert_eq!(s, r#""a\u003cb\u003e\u0026\"\\\n\u0001\b""#);
    }
}
