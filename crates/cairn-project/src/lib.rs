//! The project file, `cairn.hcl`, next to the configuration: settings that
//! are about how a team runs cairn rather than about infrastructure.
//!
//! ```hcl
//! policy {
//!   fail_on    = "high"      # lint/plan exit 1 at or above this severity
//!   directory  = "policy"    # Rego policies
//!   namespaces = ["main"]
//!   disable    = ["AWS030"]  # built-in rules turned off
//! }
//! tags {
//!   required = ["Owner", "CostCenter"]
//!   allowed  = { Environment = "dev|staging|prod" }
//! }
//! budget { monthly = 500 }   # USD
//! cost   { usage_file = "cairn-usage.yml" }
//! suppress "AWS020" {
//!   address = "aws_s3_bucket.public_site"
//!   reason  = "Static website, public by design."
//! }
//! environment "prod" {
//!   var_files = ["env/prod.tfvars"]
//!   tags { required = ["DataClass"] }
//!   budget { monthly = 2000 }
//! }
//! ```
//!
//! An environment's `tags.required` adds to the project's, its `allowed`
//! patterns replace the project's for the same tag, and its `budget`
//! replaces the project's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap, Span};
use cairn_findings::{Severity, Suppression};
use cairn_syntax::hcl_edit::structure::{Block, Body, Structure};
use cairn_syntax::{Expr, Source, SourceFile};
use cairn_value::Value;
use indexmap::IndexMap;

/// The project file's name.
pub const FILE: &str = "cairn.hcl";

/// Policy settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicySettings {
    pub fail_on: Option<Severity>,
    /// The Rego policy directory, relative to the project.
    pub directory: Option<String>,
    pub namespaces: Vec<String>,
    pub disable: Vec<String>,
}

/// A tag policy as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TagSettings {
    pub required: Vec<String>,
    /// Tag -> regular expression the whole value must match.
    pub allowed: BTreeMap<String, String>,
}

/// One `notify { webhook { ... } }` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookSettings {
    pub url: String,
    /// `apply_failed`, `rollback`, `verify_failed`, `drift_found`; empty
    /// means all.
    pub events: Vec<String>,
    pub headers: BTreeMap<String, String>,
}

/// The events a webhook can ask for.
pub const WEBHOOK_EVENTS: &[&str] = &["apply_failed", "rollback", "verify_failed", "drift_found"];

/// One `environment "NAME"` block.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub name: String,
    /// Variable files, relative to the project; read before `-var-file`
    /// and `-var` options, which win.
    pub var_files: Vec<String>,
    pub tags: Option<TagSettings>,
    /// Monthly budget in USD.
    pub budget: Option<f64>,
    /// Webhooks added for this environment.
    pub webhooks: Vec<WebhookSettings>,
    /// Applies need a reviewed, approved plan file.
    pub protected: bool,
    pub approvals: Option<ApprovalSettings>,
    /// `variables = { name = value }`: root variable values, after the
    /// variable files and before `-var-file`/`-var`.
    pub variables: BTreeMap<String, serde_json::Value>,
    /// `backend "TYPE" { ... }`: where this environment's state is.
    pub backend: Option<EnvBackend>,
    /// `state_encryption { kms_key_id }` for this environment.
    pub state_kms_key: Option<String>,
    pub span: Option<Span>,
}

/// An environment's own state backend: its arguments override those of
/// the configuration's `backend` block of the same type, or replace the
/// block when the type differs (`backend "local" {}` keeps an environment
/// on local state).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnvBackend {
    pub kind: String,
    pub args: BTreeMap<String, serde_json::Value>,
    /// Where each argument is, for messages.
    pub arg_spans: BTreeMap<String, Option<Span>>,
    pub span: Option<Span>,
}

/// Who may approve plans for a protected environment, and how many must.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApprovalSettings {
    /// Reviewers' public keys, one `cairn-ed25519 ...` line each (from
    /// `cairn keygen`).
    pub reviewers: Vec<String>,
    pub required: usize,
}

/// The whole project file (defaults when there is none).
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    pub policy: PolicySettings,
    pub tags: Option<TagSettings>,
    pub budget: Option<f64>,
    pub usage_file: Option<String>,
    pub suppressions: Vec<Suppression>,
    pub webhooks: Vec<WebhookSettings>,
    /// `state_encryption { kms_key_id = ... }`: the AWS KMS key new
    /// states' data keys come from (see `docs/state-format.md`).
    pub state_kms_key: Option<String>,
    pub environments: IndexMap<String, Environment>,
}

/// The settings in force for one run: the project's, with the selected
/// environment's on top.
#[derive(Clone, Debug, Default)]
pub struct Effective {
    pub environment: Option<String>,
    pub policy: PolicySettings,
    pub tags: Option<TagSettings>,
    pub budget: Option<f64>,
    pub usage_file: Option<String>,
    pub suppressions: Vec<Suppression>,
    pub var_files: Vec<String>,
    pub webhooks: Vec<WebhookSettings>,
    /// The environment is protected: see [`Environment::protected`].
    pub protected: bool,
    pub approvals: Option<ApprovalSettings>,
    /// See [`Environment::variables`].
    pub variables: BTreeMap<String, serde_json::Value>,
    /// See [`Environment::backend`].
    pub backend: Option<EnvBackend>,
    /// The environment's, else the project's, KMS key for new states.
    pub state_kms_key: Option<String>,
}

impl Project {
    /// The settings for environment `env` (`None`: the project's own).
    /// An unknown environment is an error naming the ones declared.
    pub fn effective(&self, env: Option<&str>) -> Result<Effective, Diagnostic> {
        let mut out = Effective {
            environment: None,
            policy: self.policy.clone(),
            tags: self.tags.clone(),
            budget: self.budget,
            usage_file: self.usage_file.clone(),
            suppressions: self.suppressions.clone(),
            var_files: Vec::new(),
            webhooks: self.webhooks.clone(),
            protected: false,
            approvals: None,
            variables: BTreeMap::new(),
            backend: None,
            state_kms_key: self.state_kms_key.clone(),
        };
        let Some(name) = env.filter(|n| !n.is_empty()) else {
            return Ok(out);
        };
        let Some(e) = self.environments.get(name) else {
            let declared: Vec<&str> = self.environments.keys().map(String::as_str).collect();
            let hint = match cairn_eval::closest(name, declared.iter().copied(), 3) {
                Some(c) => format!("Did you mean {c:?}?"),
                None if declared.is_empty() => {
                    format!("Declare it in {}: environment \"{name}\" {{ ... }}", FILE)
                }
                None => format!("Declared environments: {}.", declared.join(", ")),
            };
            return Err(Diagnostic::error(
                "Unknown environment",
                format!("There is no environment {name:?} in the project file."),
            )
            .with_hint(hint));
        };
        out.environment = Some(name.to_string());
        if let Some(t) = &e.tags {
            let mut merged = out.tags.take().unwrap_or_default();
            for r in &t.required {
                if !merged.required.contains(r) {
                    merged.required.push(r.clone());
                }
            }
            for (k, v) in &t.allowed {
                merged.allowed.insert(k.clone(), v.clone());
            }
            out.tags = Some(merged);
        }
        if e.budget.is_some() {
            out.budget = e.budget;
        }
        out.var_files = e.var_files.clone();
        out.webhooks.extend(e.webhooks.iter().cloned());
        out.protected = e.protected;
        out.approvals = e.approvals.clone();
        out.variables = e.variables.clone();
        out.backend = e.backend.clone();
        if e.state_kms_key.is_some() {
            out.state_kms_key = e.state_kms_key.clone();
        }
        Ok(out)
    }
}

/// Reads `DIR/cairn.hcl`; a missing file gives the defaults. Every problem
/// is reported (file, line, column), with the file's text in `sources`.
pub fn load(dir: &Path, sources: &SourceMap) -> Result<Project, Diagnostics> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Project::default()),
        Err(e) => {
            return Err(Diagnostics::from(Diagnostic::error(
                "Cannot read the project file",
                format!("{}: {e}", path.display()),
            )))
        }
    };
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    sources.add(name.to_string(), text.clone());
    let file = Arc::new(SourceFile {
        name: name.clone(),
        index: cairn_diagnostics::LineIndex::new(&text),
    });
    let body = cairn_syntax::hcl_edit::parser::parse_body(&text)
        .map_err(|e| Diagnostics::from(cairn_config::syntax_error(&e, &file)))?;
    let mut cx = Cx {
        src: Source::new(file),
        diags: Diagnostics::new(),
        funcs: cairn_functions::Registry::standard(),
        ctx: cairn_functions::Context {
            base_dir: dir.to_path_buf(),
            plan_time: false,
            template: None,
        },
    };
    let mut p = Project {
        path: Some(path),
        ..Project::default()
    };
    cx.top(&body, &mut p);
    if cx.diags.has_errors() {
        Err(cx.diags)
    } else {
        Ok(p)
    }
}

struct Cx {
    src: Source,
    diags: Diagnostics,
    funcs: cairn_functions::Registry,
    ctx: cairn_functions::Context,
}

const TOP_BLOCKS: &[&str] = &[
    "state_encryption",
    "notify",
    "policy",
    "tags",
    "budget",
    "cost",
    "suppress",
    "environment",
];

impl Cx {
    fn span_of(&self, node: &impl cairn_syntax::hcl_edit::Span) -> Option<Span> {
        self.src.span(node.span())
    }

    fn err(&mut self, span: Option<Span>, summary: &str, detail: String, hint: Option<String>) {
        let d = Diagnostic::error(summary, detail).with_span(span);
        self.diags.push(match hint {
            Some(h) => d.with_hint(h),
            None => d,
        });
    }

    fn top(&mut self, body: &Body, p: &mut Project) {
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let span = self.span_of(&a.key);
                    self.err(
                        span,
                        "Unexpected argument",
                        format!(
                            "{:?} is not a setting of {FILE}; settings live in blocks.",
                            a.key.as_str()
                        ),
                        Some(format!("The blocks are: {}.", TOP_BLOCKS.join(", "))),
                    );
                }
                Structure::Block(b) => match b.ident.as_str() {
                    "policy" if self.labels(b, 0) => {
                        p.policy = self.policy(&b.body);
                    }
                    "tags" if self.labels(b, 0) => p.tags = Some(self.tags(&b.body)),
                    "budget" if self.labels(b, 0) => p.budget = self.budget(b),
                    "cost" if self.labels(b, 0) => {
                        let attrs = self.attrs(&b.body, &["usage_file"], &[], None);
                        p.usage_file = attrs
                            .get("usage_file")
                            .and_then(|(v, span)| self.string(v, span.clone(), "usage_file"));
                    }
                    "suppress" if self.labels(b, 1) => {
                        if let Some(s) = self.suppress(b) {
                            p.suppressions.push(s);
                        }
                    }
                    "environment" if self.labels(b, 1) => {
                        let e = self.environment(b);
                        if p.environments.contains_key(&e.name) {
                            let span = self.span_of(&b.ident);
                            self.err(
                                span,
                                "Duplicate environment",
                                format!("The environment {:?} is declared twice.", e.name),
                                Some("Merge the two blocks.".into()),
                            );
                        } else {
                            p.environments.insert(e.name.clone(), e);
                        }
                    }
                    "notify" if self.labels(b, 0) => {
                        let hooks = self.notify(&b.body);
                        p.webhooks.extend(hooks);
                    }
                    "state_encryption" if self.labels(b, 0) => {
                        p.state_kms_key = self.state_encryption(&b.body);
                    }
                    "policy" | "tags" | "budget" | "cost" | "suppress" | "environment"
                    | "notify" | "state_encryption" => {}
                    other => {
                        let span = self.span_of(&b.ident);
                        let hint = cairn_eval::closest(other, TOP_BLOCKS.iter().copied(), 3)
                            .map(|c| format!("Did you mean {c:?}?"))
                            .unwrap_or_else(|| {
                                format!("The blocks are: {}.", TOP_BLOCKS.join(", "))
                            });
                        self.err(
                            span,
                            "Unsupported block type",
                            format!("Blocks of type {other:?} are not expected in {FILE}."),
                            Some(hint),
                        );
                    }
                },
            }
        }
    }

    /// Checks a block has exactly `n` labels; reports otherwise.
    fn labels(&mut self, b: &Block, n: usize) -> bool {
        if b.labels.len() == n {
            return true;
        }
        let span = self.span_of(&b.ident);
        let want = match (b.ident.as_str(), n) {
            (_, 0) => format!("A {} block takes no labels.", b.ident.as_str()),
            ("suppress", _) => {
                "A suppress block takes one label, the rule ID: suppress \"AWS001\" { ... }"
                    .to_string()
            }
            _ => format!("An {} block takes one label, its name.", b.ident.as_str()),
        };
        self.err(span, "Wrong number of labels", want, None);
        false
    }

    /// Evaluates a body's arguments (constants only); reports unknown
    /// arguments, unexpected blocks and missing required ones.
    fn attrs(
        &mut self,
        body: &Body,
        allowed: &[&str],
        required: &[&str],
        block: Option<Span>,
    ) -> BTreeMap<String, (Value, Option<Span>)> {
        let mut out = BTreeMap::new();
        for s in body.iter() {
            let Structure::Attribute(a) = s else {
                continue;
            };
            let key = a.key.as_str().to_string();
            let span = self.span_of(&a.key);
            if !allowed.contains(&key.as_str()) {
                let hint = cairn_eval::closest(&key, allowed.iter().copied(), 3)
                    .map(|c| format!("Did you mean {c:?}?"))
                    .unwrap_or_else(|| format!("Arguments here: {}.", allowed.join(", ")));
                self.err(
                    span,
                    "Unsupported argument",
                    format!("An argument named {key:?} is not expected here."),
                    Some(hint),
                );
                continue;
            }
            let expr = Expr::new(a.value.clone(), self.src.clone());
            let ev = cairn_eval::Evaluator::new(&cairn_eval::NoReferences, &self.funcs, &self.ctx);
            match ev.eval(&expr) {
                Ok(v) => {
                    out.insert(key, (v, expr.span()));
                }
                Err(d) => self.diags.push(d),
            }
        }
        for r in required {
            if !out.contains_key(*r) && !self.diags.has_errors() {
                self.err(
                    block.clone(),
                    "Missing required argument",
                    format!("The argument {r:?} is required here."),
                    None,
                );
            }
        }
        out
    }

    fn no_blocks(&mut self, body: &Body, allowed: &[&str]) {
        for s in body.iter() {
            if let Structure::Block(b) = s {
                if !allowed.contains(&b.ident.as_str()) {
                    let span = self.span_of(&b.ident);
                    self.err(
                        span,
                        "Unsupported block type",
                        format!(
                            "Blocks of type {:?} are not expected here.",
                            b.ident.as_str()
                        ),
                        None,
                    );
                }
            }
        }
    }

    fn string(&mut self, v: &Value, span: Option<Span>, what: &str) -> Option<String> {
        match v.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.err(
                    span,
                    "Incorrect value type",
                    format!("{what} must be a string."),
                    None,
                );
                None
            }
        }
    }

    fn strings(&mut self, v: &Value, span: Option<Span>, what: &str) -> Vec<String> {
        let items = v.as_seq().map(|s| s.to_vec());
        let mut out = Vec::new();
        match items {
            Some(items) => {
                for x in items {
                    match x.as_str() {
                        Some(s) => out.push(s.to_string()),
                        None => {
                            self.err(
                                span.clone(),
                                "Incorrect value type",
                                format!("{what} must be a list of strings."),
                                None,
                            );
                            break;
                        }
                    }
                }
            }
            None => self.err(
                span,
                "Incorrect value type",
                format!("{what} must be a list of strings."),
                None,
            ),
        }
        out
    }

    fn policy(&mut self, body: &Body) -> PolicySettings {
        self.no_blocks(body, &[]);
        let a = self.attrs(
            body,
            &["fail_on", "directory", "namespaces", "disable"],
            &[],
            None,
        );
        let mut p = PolicySettings::default();
        if let Some((v, span)) = a.get("fail_on") {
            if let Some(s) = self.string(v, span.clone(), "fail_on") {
                match s.parse::<Severity>() {
                    Ok(sev) => p.fail_on = Some(sev),
                    Err(e) => self.err(span.clone(), "Invalid severity", e.to_string(), None),
                }
            }
        }
        if let Some((v, span)) = a.get("directory") {
            p.directory = self.string(v, span.clone(), "directory");
        }
        if let Some((v, span)) = a.get("namespaces") {
            p.namespaces = self.strings(v, span.clone(), "namespaces");
        }
        if let Some((v, span)) = a.get("disable") {
            p.disable = self.strings(v, span.clone(), "disable");
        }
        p
    }

    fn tags(&mut self, body: &Body) -> TagSettings {
        self.no_blocks(body, &[]);
        let a = self.attrs(body, &["required", "allowed"], &[], None);
        let mut t = TagSettings::default();
        if let Some((v, span)) = a.get("required") {
            t.required = self.strings(v, span.clone(), "required");
        }
        if let Some((v, span)) = a.get("allowed") {
            match v.as_entries() {
                Some(m) => {
                    for (k, x) in m {
                        let Some(pat) = self.string(x, span.clone(), "each allowed pattern") else {
                            continue;
                        };
                        // Checked here so a bad pattern is reported at
                        // its line, not when the policy runs.
                        if let Err(e) = regex::Regex::new(&format!("^(?:{pat})$")) {
                            self.err(
                                span.clone(),
                                "Invalid tag pattern",
                                format!("The pattern for tag {k:?} is not a valid regular expression: {e}"),
                                None,
                            );
                            continue;
                        }
                        t.allowed.insert(k.clone(), pat);
                    }
                }
                None => self.err(
                    span.clone(),
                    "Incorrect value type",
                    "allowed must be a map from tag name to a regular expression.".into(),
                    Some("allowed = { Environment = \"dev|staging|prod\" }".into()),
                ),
            }
        }
        t
    }

    fn budget(&mut self, b: &Block) -> Option<f64> {
        let body = &b.body;
        self.no_blocks(body, &[]);
        let at = self.span_of(&b.ident);
        let a = self.attrs(body, &["monthly"], &["monthly"], at);
        let (v, span) = a.get("monthly")?;
        match v.as_number().map(|n| n.to_f64()) {
            Some(n) if n >= 0.0 && n.is_finite() => Some(n),
            _ => {
                self.err(
                    span.clone(),
                    "Invalid budget",
                    "monthly must be a number of US dollars, zero or more.".into(),
                    None,
                );
                None
            }
        }
    }

    /// `approvals { required = 2, reviewers = ["cairn-ed25519 ..."] }`.
    fn approvals(&mut self, b: &Block) -> Option<ApprovalSettings> {
        self.no_blocks(&b.body, &[]);
        let at = self.span_of(&b.ident);
        let a = self.attrs(&b.body, &["required", "reviewers"], &["reviewers"], at);
        let (v, span) = a.get("reviewers")?;
        let reviewers = self.strings(v, span.clone(), "reviewers");
        let required = match a.get("required") {
            None => 1,
            Some((v, span)) => match v.as_number().map(|n| n.to_f64()) {
                Some(n) if n >= 1.0 && n.fract() == 0.0 && (n as usize) <= reviewers.len() => {
                    n as usize
                }
                _ => {
                    self.err(
                        span.clone(),
                        "Invalid approval count",
                        format!(
                            "required must be a whole number from 1 to the number of reviewers ({}).",
                            reviewers.len()
                        ),
                        None,
                    );
                    return None;
                }
            },
        };
        Some(ApprovalSettings {
            reviewers,
            required,
        })
    }

    /// `notify { webhook { url = ..., events = [...], headers = {...} } }`.
    fn notify(&mut self, body: &Body) -> Vec<WebhookSettings> {
        self.attrs(body, &[], &[], None);
        let mut out = Vec::new();
        for s in body.iter() {
            let Structure::Block(b) = s else {
                continue;
            };
            if b.ident.as_str() != "webhook" {
                let span = self.span_of(&b.ident);
                self.err(
                    span,
                    "Unsupported block type",
                    format!(
                        "Blocks of type {:?} are not expected in notify.",
                        b.ident.as_str()
                    ),
                    Some("notify holds webhook blocks.".into()),
                );
                continue;
            }
            if !self.labels(b, 0) {
                continue;
            }
            self.no_blocks(&b.body, &[]);
            let at = self.span_of(&b.ident);
            let a = self.attrs(&b.body, &["url", "events", "headers"], &["url"], at);
            let Some((v, span)) = a.get("url") else {
                continue;
            };
            let Some(url) = self.string(v, span.clone(), "url") else {
                continue;
            };
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                self.err(
                    span.clone(),
                    "Invalid webhook URL",
                    "url must start with https:// or http://.".into(),
                    None,
                );
                continue;
            }
            let mut hook = WebhookSettings {
                url,
                ..WebhookSettings::default()
            };
            if let Some((v, span)) = a.get("events") {
                hook.events = self.strings(v, span.clone(), "events");
                for e in &hook.events {
                    if !WEBHOOK_EVENTS.contains(&e.as_str()) {
                        self.err(
                            span.clone(),
                            "Unknown webhook event",
                            format!("{e:?} is not an event cairn sends."),
                            Some(format!("Events: {}.", WEBHOOK_EVENTS.join(", "))),
                        );
                    }
                }
            }
            if let Some((v, span)) = a.get("headers") {
                match v.as_entries() {
                    Some(m) => {
                        for (k, x) in m {
                            if let Some(s) = self.string(x, span.clone(), "each header") {
                                hook.headers.insert(k.clone(), s);
                            }
                        }
                    }
                    None => self.err(
                        span.clone(),
                        "Incorrect value type",
                        "headers must be a map of header names to strings.".into(),
                        None,
                    ),
                }
            }
            out.push(hook);
        }
        out
    }

    fn suppress(&mut self, b: &Block) -> Option<Suppression> {
        let rule = b.labels.first().map(|l| l.as_str().to_string())?;
        self.no_blocks(&b.body, &[]);
        let at = self.span_of(&b.ident);
        let a = self.attrs(&b.body, &["address", "reason"], &["reason"], at);
        let address = match a.get("address") {
            Some((v, span)) => Some(self.string(v, span.clone(), "address")?),
            None => None,
        };
        let (v, span) = a.get("reason")?;
        let reason = self.string(v, span.clone(), "reason")?;
        if reason.trim().is_empty() {
            self.err(
                span.clone(),
                "Suppression without a reason",
                format!("The suppression of {rule} needs a reason: why the finding is accepted."),
                None,
            );
            return None;
        }
        Some(Suppression {
            rule_id: rule,
            address,
            reason,
            kind: cairn_findings::SuppressionKind::External,
        })
    }

    /// An object of constant values as JSON (for root variable values).
    fn json_object(
        &mut self,
        v: &Value,
        span: Option<Span>,
        what: &str,
    ) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        let Some(entries) = v.as_entries() else {
            self.err(
                span,
                "Incorrect value type",
                format!("{what} must be an object: {{ name = value, ... }}."),
                None,
            );
            return out;
        };
        for (k, x) in entries.iter() {
            match cairn_value::json::to_json(x) {
                Ok(j) => {
                    out.insert(k.clone(), j);
                }
                Err(e) => self.err(
                    span.clone(),
                    "Incorrect value type",
                    format!("{what}.{k}: {e}"),
                    None,
                ),
            }
        }
        out
    }

    /// `state_encryption { kms_key_id = "alias/NAME" }`.
    fn state_encryption(&mut self, body: &Body) -> Option<String> {
        self.no_blocks(body, &[]);
        let a = self.attrs(body, &["kms_key_id"], &["kms_key_id"], None);
        let (v, span) = a.get("kms_key_id")?;
        let id = self.string(v, span.clone(), "kms_key_id")?;
        if id.trim().is_empty() {
            self.err(
                span.clone(),
                "Empty KMS key",
                "kms_key_id must name a KMS key: a key ID, an ARN or alias/NAME.".into(),
                None,
            );
            return None;
        }
        Some(id)
    }

    fn env_backend(&mut self, b: &Block) -> EnvBackend {
        let kind = b
            .labels
            .first()
            .map(|l| l.as_str().to_string())
            .unwrap_or_default();
        let mut out = EnvBackend {
            kind,
            span: self.span_of(&b.ident),
            ..EnvBackend::default()
        };
        self.no_blocks(&b.body, &[]);
        // Any argument name: the backend checks them when it is opened.
        let names: Vec<String> = b
            .body
            .iter()
            .filter_map(|s| match s {
                Structure::Attribute(a) => Some(a.key.as_str().to_string()),
                _ => None,
            })
            .collect();
        let allowed: Vec<&str> = names.iter().map(String::as_str).collect();
        for (k, (v, span)) in self.attrs(&b.body, &allowed, &[], None) {
            match cairn_value::json::to_json(&v) {
                Ok(j) => {
                    out.args.insert(k.clone(), j);
                    out.arg_spans.insert(k, span);
                }
                Err(e) => self.err(span, "Incorrect value type", format!("{k}: {e}"), None),
            }
        }
        out
    }

    fn environment(&mut self, b: &Block) -> Environment {
        let name = b
            .labels
            .first()
            .map(|l| l.as_str().to_string())
            .unwrap_or_default();
        let mut e = Environment {
            name,
            span: self.span_of(&b.ident),
            ..Environment::default()
        };
        let a = self.attrs(&b.body, &["var_files", "protected", "variables"], &[], None);
        if let Some((v, span)) = a.get("var_files") {
            e.var_files = self.strings(v, span.clone(), "var_files");
        }
        if let Some((v, span)) = a.get("variables") {
            e.variables = self.json_object(v, span.clone(), "variables");
        }
        if let Some((v, span)) = a.get("protected") {
            match v.as_bool() {
                Some(p) => e.protected = p,
                None => self.err(
                    span.clone(),
                    "Incorrect value type",
                    "protected must be true or false.".into(),
                    None,
                ),
            }
        }
        for s in b.body.iter() {
            let Structure::Block(inner) = s else {
                continue;
            };
            match inner.ident.as_str() {
                "tags" if self.labels(inner, 0) => e.tags = Some(self.tags(&inner.body)),
                "budget" if self.labels(inner, 0) => e.budget = self.budget(inner),
                "notify" if self.labels(inner, 0) => {
                    let hooks = self.notify(&inner.body);
                    e.webhooks.extend(hooks);
                }
                "approvals" if self.labels(inner, 0) => {
                    e.approvals = self.approvals(inner);
                }
                "backend" if self.labels(inner, 1) => {
                    if e.backend.is_some() {
                        let span = self.span_of(&inner.ident);
                        self.err(
                            span,
                            "Duplicate backend block",
                            format!("The environment {:?} has more than one backend.", e.name),
                            None,
                        );
                    }
                    e.backend = Some(self.env_backend(inner));
                }
                "state_encryption" if self.labels(inner, 0) => {
                    e.state_kms_key = self.state_encryption(&inner.body);
                }
                "tags" | "budget" | "notify" | "approvals" | "backend" | "state_encryption" => {}
                other => {
                    let span = self.span_of(&inner.ident);
                    self.err(
                        span,
                        "Unsupported block type",
                        format!("Blocks of type {other:?} are not expected in an environment."),
                        Some(
                            "An environment takes var_files, variables and protected, and tags, \
                             budget, notify, approvals, backend and state_encryption blocks."
                                .into(),
                        ),
                    );
                }
            }
        }
        if e.protected && e.approvals.is_none() {
            self.err(
                e.span.clone(),
                "Protected environment without reviewers",
                format!("The environment {:?} is protected but says nobody who may approve its plans.", e.name),
                Some("Add approvals { required = 1, reviewers = [\"cairn-ed25519 ...\"] } with the keys cairn keygen printed.".into()),
            );
        }
        e
    }
}

#[cfg(test)]
mod tests;
