//! Reading IAM policy documents: JSON text (a `policy` argument) or an
//! `aws_iam_policy_document` data source whose JSON is not known yet (its
//! `statement` blocks are). Both become [`Statement`]s where every part
//! that is not known is `None`, so a check can tell "absent" from "not
//! known yet".

use cairn_value::Value;
use serde_json::Value as J;

use super::{attr, blocks, str_attr, Ctx, Rule, Tri};
use crate::Instance;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
    Unknown,
}

/// One condition test: `StringEquals` / `aws:SourceAccount` / values.
#[derive(Clone, Debug)]
pub(crate) struct Condition {
    pub test: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// `Action`; empty when absent, `None` when not known.
    pub actions: Option<Vec<String>>,
    /// Whether `NotAction` is present (or may be).
    pub not_actions: bool,
    pub resources: Option<Vec<String>>,
    /// `Principal` as (type, identifier) pairs; `Principal: "*"` is
    /// `("*", "*")`.
    pub principals: Option<Vec<(String, String)>>,
    /// Whether `NotPrincipal` is present; `None` when not known.
    pub not_principals: Option<bool>,
    pub conditions: Option<Vec<Condition>>,
}

impl Statement {
    pub fn allows(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// `Statement 0 (Sid "Admin")`, to begin a message.
    pub fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => format!("Statement {index} (Sid {s:?})"),
            _ => format!("Statement {index}"),
        }
    }

    /// Whether the statement applies to every principal (anyone,
    /// including anonymous callers): `Principal: "*"`, `{"AWS": "*"}`, or
    /// an `Allow` with `NotPrincipal`. `None` when not known.
    pub fn public_principal(&self) -> Option<bool> {
        if self.not_principals? && self.allows() {
            return Some(true);
        }
        let ps = self.principals.as_ref()?;
        Some(
            ps.iter()
                .any(|(t, id)| t == "*" || (t.eq_ignore_ascii_case("AWS") && id.trim() == "*")),
        )
    }

    /// Whether a condition narrows who the statement applies to. Any
    /// condition counts except one that only requires TLS
    /// (`aws:SecureTransport`), which anyone can meet. `None` when not
    /// known.
    pub fn narrowing_condition(&self) -> Option<bool> {
        let cs = self.conditions.as_ref()?;
        Some(
            cs.iter()
                .any(|c| !c.key.eq_ignore_ascii_case("aws:SecureTransport")),
        )
    }

    /// The actions of an `Allow` that applies to everyone without a
    /// narrowing condition; `None` when it is not one (or that cannot be
    /// told, or it uses `NotAction`).
    pub fn public_allow(&self) -> Option<&[String]> {
        if !self.allows() || self.not_actions {
            return None;
        }
        if self.public_principal() != Some(true) || self.narrowing_condition() != Some(false) {
            return None;
        }
        let actions = self.actions.as_deref()?;
        (!actions.is_empty()).then_some(actions)
    }

    /// Whether `Resource` includes `"*"` (every resource). `None` when
    /// not known.
    pub fn all_resources(&self) -> Option<bool> {
        let rs = self.resources.as_ref()?;
        Some(rs.iter().any(|r| r.trim() == "*"))
    }

    /// The statement's actions that match `action` (an action name such
    /// as `iam:PassRole`), wildcards included.
    pub fn actions_matching<'s>(&'s self, action: &str) -> Vec<&'s str> {
        self.actions
            .iter()
            .flatten()
            .filter(|a| action_matches(a, action))
            .map(String::as_str)
            .collect()
    }
}

/// A policy document: its statements in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Document {
    pub statements: Vec<Statement>,
}

/// Whether an action pattern (`s3:Get*`, `*`, `iam:PassRole`) matches an
/// action name; IAM compares action names case-insensitively.
pub(crate) fn action_matches(pattern: &str, action: &str) -> bool {
    glob(
        pattern.trim().to_ascii_lowercase().as_bytes(),
        action.to_ascii_lowercase().as_bytes(),
    )
}

/// `*` (any run) and `?` (one character) matching, iterative with
/// backtracking to the last star, so it is linear for practical patterns.
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Whether an action pattern is everything (`*` or `*:*`).
pub(crate) fn is_all_actions(pattern: &str) -> bool {
    matches!(pattern.trim(), "*" | "*:*")
}

// ---- JSON ----------------------------------------------------------------------

/// Parses policy JSON; `None` when it is not a policy document (invalid
/// JSON is validation's business, not a finding).
pub(crate) fn parse_json(text: &str) -> Option<Document> {
    let doc: J = serde_json::from_str(text).ok()?;
    let statements = match doc.get("Statement")? {
        J::Array(items) => items.iter().filter_map(statement_from_json).collect(),
        s @ J::Object(_) => statement_from_json(s).into_iter().collect(),
        _ => return None,
    };
    Some(Document { statements })
}

fn strings_of(v: Option<&J>) -> Vec<String> {
    match v {
        Some(J::String(s)) => vec![s.clone()],
        Some(J::Array(items)) => items.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// A scalar as the text IAM compares it by.
fn scalar(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.clone()),
        J::Bool(b) => Some(b.to_string()),
        J::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn statement_from_json(s: &J) -> Option<Statement> {
    let o = s.as_object()?;
    let effect = match o.get("Effect").and_then(J::as_str) {
        Some(e) if e.eq_ignore_ascii_case("Allow") => Effect::Allow,
        Some(e) if e.eq_ignore_ascii_case("Deny") => Effect::Deny,
        // No (valid) effect: IAM rejects the statement.
        _ => Effect::Unknown,
    };
    let principals = match o.get("Principal") {
        None => Vec::new(),
        Some(J::String(s)) => vec![("*".to_string(), s.clone())],
        Some(J::Object(m)) => m
            .iter()
            .flat_map(|(t, ids)| {
                strings_of(Some(ids))
                    .into_iter()
                    .map(move |id| (t.clone(), id))
            })
            .collect(),
        Some(_) => Vec::new(),
    };
    let mut conditions = Vec::new();
    if let Some(J::Object(tests)) = o.get("Condition") {
        for (test, keys) in tests {
            if let J::Object(keys) = keys {
                for (key, values) in keys {
                    conditions.push(Condition {
                        test: test.clone(),
                        key: key.clone(),
                        values: strings_of(Some(values)),
                    });
                }
            }
        }
    }
    Some(Statement {
        sid: o.get("Sid").and_then(J::as_str).map(str::to_string),
        effect,
        actions: Some(strings_of(o.get("Action"))),
        not_actions: o.contains_key("NotAction"),
        resources: Some(strings_of(o.get("Resource"))),
        principals: Some(principals),
        not_principals: Some(o.contains_key("NotPrincipal")),
        conditions: Some(conditions),
    })
}

// ---- aws_iam_policy_document -------------------------------------------------------

/// The document an `aws_iam_policy_document` instance renders: its
/// `json` when known, otherwise its statement blocks merged with the
/// known source and override documents the way the data source merges
/// them. `None` when that cannot be worked out.
pub(crate) fn from_policy_document(doc: &Value) -> Option<Document> {
    if let Tri::Known(json) = str_attr(doc, "json") {
        return parse_json(json);
    }
    // An override may replace any statement with the same Sid: unknown
    // overrides leave every statement in doubt.
    let overrides = json_docs(doc, "override_policy_documents")?;
    // Sources can only add statements; unknown ones are left out.
    let sources = json_docs(doc, "source_policy_documents").unwrap_or_default();
    let own: Vec<Statement> = blocks(doc, "statement")?
        .iter()
        .filter(|b| !b.is_null())
        .map(statement_from_block)
        .collect();
    let mut out: Vec<Statement> = Vec::new();
    for s in sources.into_iter().flat_map(|d| d.statements) {
        out.push(s);
    }
    for group in [
        own,
        overrides.into_iter().flat_map(|d| d.statements).collect(),
    ] {
        for s in group {
            merge(&mut out, s);
        }
    }
    Some(Document { statements: out })
}

/// Adds a statement, replacing one with the same non-empty Sid.
fn merge(out: &mut Vec<Statement>, s: Statement) {
    if let Some(sid) = s.sid.as_deref().filter(|x| !x.is_empty()) {
        if let Some(slot) = out.iter_mut().find(|o| o.sid.as_deref() == Some(sid)) {
            *slot = s;
            return;
        }
    }
    out.push(s);
}

/// The documents of a list-of-JSON attribute; `None` when not known.
fn json_docs(doc: &Value, name: &str) -> Option<Vec<Document>> {
    match attr(doc, name) {
        Tri::Absent => Some(Vec::new()),
        Tri::Unknown => None,
        Tri::Known(v) => {
            let mut out = Vec::new();
            for item in v.as_seq()? {
                if item.is_null() {
                    continue;
                }
                out.push(parse_json(item.as_str()?)?);
            }
            Some(out)
        }
    }
}

/// A set of strings; `None` when it or an element is not known.
fn str_set(v: &Value, name: &str) -> Option<Vec<String>> {
    match attr(v, name) {
        Tri::Absent => Some(Vec::new()),
        Tri::Unknown => None,
        Tri::Known(x) => x
            .as_seq()?
            .iter()
            .filter(|e| !e.is_null())
            .map(|e| e.as_str().map(str::to_string))
            .collect(),
    }
}

fn present(v: &Value, name: &str) -> bool {
    match attr(v, name) {
        Tri::Absent => false,
        Tri::Unknown => true,
        Tri::Known(x) => !x.is_empty(),
    }
}

fn principals_of(b: &Value, name: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for p in blocks(b, name)? {
        if p.is_null() {
            continue;
        }
        let t = str_attr(p, "type").known()?;
        for id in str_set(p, "identifiers")? {
            out.push((t.to_string(), id));
        }
    }
    Some(out)
}

fn conditions_of(b: &Value) -> Option<Vec<Condition>> {
    let mut out = Vec::new();
    for c in blocks(b, "condition")? {
        if c.is_null() {
            continue;
        }
        out.push(Condition {
            test: str_attr(c, "test").known()?.to_string(),
            key: str_attr(c, "variable").known()?.to_string(),
            values: str_set(c, "values")?,
        });
    }
    Some(out)
}

fn statement_from_block(b: &Value) -> Statement {
    let effect = match str_attr(b, "effect") {
        // The data source's default.
        Tri::Absent => Effect::Allow,
        Tri::Known("Allow") => Effect::Allow,
        Tri::Known("Deny") => Effect::Deny,
        _ => Effect::Unknown,
    };
    Statement {
        sid: str_attr(b, "sid").known().map(str::to_string),
        effect,
        actions: str_set(b, "actions"),
        not_actions: present(b, "not_actions"),
        resources: str_set(b, "resources"),
        principals: principals_of(b, "principals"),
        not_principals: match attr(b, "not_principals") {
            Tri::Absent => Some(false),
            Tri::Unknown => None,
            Tri::Known(x) => Some(!x.is_empty()),
        },
        conditions: conditions_of(b),
    }
}

// ---- where a policy comes from ---------------------------------------------------------

/// The documents a policy attribute holds: the parsed JSON when known;
/// when not known yet, the `aws_iam_policy_document` data sources the
/// instance depends on (the usual way such a policy is written). Empty
/// when nothing can be told.
pub(crate) fn documents(ctx: &Ctx<'_>, inst: &Instance, value: Option<&Value>) -> Vec<Document> {
    let Some(v) = value else {
        return Vec::new();
    };
    if v.is_null() {
        return Vec::new();
    }
    if let Some(text) = v.as_str() {
        return parse_json(text).into_iter().collect();
    }
    if v.is_wholly_known() {
        return Vec::new();
    }
    inst.dependencies
        .iter()
        .filter(|d| super::type_of_address(d) == "aws_iam_policy_document")
        .flat_map(|d| ctx.policy_docs(d))
        .filter_map(|doc| from_policy_document(&doc.values))
        .collect()
}

/// Reports every statement of the resource policy in attribute `name`
/// that lets anyone do something without a narrowing condition.
pub(crate) fn report_public(ctx: &Ctx<'_>, rule: &Rule, inst: &Instance, name: &str, what: &str) {
    for doc in documents(ctx, inst, inst.attr(name)) {
        for (i, st) in doc.statements.iter().enumerate() {
            let Some(actions) = st.public_allow() else {
                continue;
            };
            let label = st.label(i);
            let actions = actions
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            ctx.report(
                rule,
                inst,
                [name],
                format!("{label} lets anyone (Principal \"*\") do {actions} on this {what}, with no condition."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(action_matches("iam:*", "iam:PassRole"));
        assert!(action_matches("IAM:pass*", "iam:PassRole"));
        assert!(action_matches("*", "iam:PassRole"));
        assert!(action_matches("iam:P?ssRole", "iam:PassRole"));
        assert!(!action_matches("iam:Get*", "iam:PassRole"));
        assert!(!action_matches("s3:*", "iam:PassRole"));
        assert!(action_matches("*:*Role", "iam:PassRole"));
    }

    #[test]
    fn parses_string_or_list_fields() {
        let d = parse_json(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":["*"],"Principal":{"AWS":["*","x"]},"Condition":{"Bool":{"aws:SecureTransport":false}}}}"#,
        )
        .unwrap_or_default();
        let s = &d.statements[0];
        assert_eq!(s.actions.as_deref(), Some(&["*".to_string()][..]));
        assert_eq!(s.public_principal(), Some(true));
        assert_eq!(s.narrowing_condition(), Some(false));
        assert_eq!(
            s.conditions.as_ref().map(|c| c[0].values.clone()),
            Some(vec!["false".to_string()])
        );
    }
}
