//! Findings: what the security rules, secret scanner, tag and budget
//! policies and user Rego policies report about a configuration or a plan.
//!
//! Every checker produces [`Finding`]s; a [`Report`] holds them with the
//! metadata of the rules that fired, applies suppressions, decides the exit
//! code (`--fail-on`) and is rendered by [`render`] in the four formats.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub mod render;
mod suppress;

pub use suppress::{
    parse_ignore_comments, strip_keys, IgnoreComment, Suppression, SuppressionError,
    SuppressionKind,
};

/// How bad a finding is. Ordered: `Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is not one of the four.
#[derive(Debug, thiserror::Error)]
#[error("unknown severity {0:?}: use low, medium, high or critical")]
pub struct BadSeverity(pub String);

impl FromStr for Severity {
    type Err = BadSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(BadSeverity(s.to_string())),
        }
    }
}

/// Which checker a finding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Built-in security rules for resource types.
    Security,
    /// Hardcoded credentials in the configuration.
    Secrets,
    /// The project's tag policy.
    Tags,
    /// The budget policy.
    Cost,
    /// The user's Rego policies.
    Policy,
}

impl Category {
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Secrets => "secrets",
            Category::Tags => "tags",
            Category::Cost => "cost",
            Category::Policy => "policy",
        }
    }
}

/// A rule's fixed description: the same for every finding of the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Stable ID (`AWS001`, `SECRET001`, `TAG001`, `main.deny`).
    pub id: String,
    pub category: Category,
    pub severity: Severity,
    /// One line: what the rule wants.
    pub title: String,
    /// The usual fix.
    pub fix: String,
    /// Where the rule is documented (`docs/rules.md#aws001`), if anywhere.
    pub help: Option<String>,
}

impl RuleInfo {
    /// A built-in rule documented under its ID in `docs/rules.md`.
    pub fn documented(
        id: &str,
        category: Category,
        severity: Severity,
        title: &str,
        fix: &str,
    ) -> RuleInfo {
        RuleInfo {
            id: id.into(),
            category,
            severity,
            title: title.into(),
            fix: fix.into(),
            help: Some(format!("docs/rules.md#{}", id.to_ascii_lowercase())),
        }
    }
}

/// A place in the configuration: file and 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl From<&cairn_diagnostics::Span> for Location {
    fn from(s: &cairn_diagnostics::Span) -> Self {
        Location {
            file: s.file.to_string(),
            line: s.start.line,
            column: s.start.column,
        }
    }
}

/// One problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub category: Category,
    pub severity: Severity,
    /// The resource instance (`aws_security_group.web`,
    /// `module.net.aws_subnet.a["x"]`); `None` for plan-wide findings
    /// such as the budget.
    pub address: Option<String>,
    /// The offending attribute, as a path into the resource
    /// (`["ingress", "0", "cidr_blocks"]`); empty when the problem is the
    /// resource as a whole (an argument that is missing).
    #[serde(default)]
    pub path: Vec<String>,
    /// Where in the configuration, when known.
    pub location: Option<Location>,
    /// One line: what is wrong with this resource.
    pub message: String,
    /// One line: what to do.
    pub fix: String,
    /// The reason given when the finding is suppressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// Where the suppression was written (set with `suppressed`); SARIF
    /// reports it. `None` on a suppressed finding reads as external.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression_kind: Option<SuppressionKind>,
}

impl Finding {
    /// A finding of `rule` at `address`, with the rule's fix.
    pub fn new(rule: &RuleInfo, address: Option<String>, message: impl Into<String>) -> Self {
        Finding {
            rule_id: rule.id.clone(),
            category: rule.category,
            severity: rule.severity,
            address,
            path: Vec::new(),
            location: None,
            message: message.into(),
            fix: rule.fix.clone(),
            suppressed: None,
            suppression_kind: None,
        }
    }

    /// Points the finding at an attribute of its resource.
    pub fn at<I, S>(mut self, path: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.path = path.into_iter().map(Into::into).collect();
        self
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }

    /// `ingress[0].cidr_blocks`: the path as Terraform users write it.
    pub fn path_display(&self) -> String {
        let mut out = String::new();
        for p in &self.path {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                out.push_str(&format!("[{p}]"));
            } else if out.is_empty() {
                out.push_str(p);
            } else {
                out.push('.');
                out.push_str(p);
            }
        }
        out
    }
}

/// All findings of one run, with the metadata of the rules that fired.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// One entry per rule that has findings (for SARIF and docs links).
    pub rules: Vec<RuleInfo>,
    /// The threshold: unsuppressed findings at or above it fail the run.
    pub fail_on: Option<Severity>,
}

impl Report {
    pub fn new(fail_on: Severity) -> Self {
        Report {
            findings: Vec::new(),
            rules: Vec::new(),
            fail_on: Some(fail_on),
        }
    }

    /// Adds findings and the rules they belong to.
    pub fn extend(&mut self, findings: Vec<Finding>, rules: &[RuleInfo]) {
        for f in &findings {
            if !self.rules.iter().any(|r| r.id == f.rule_id) {
                if let Some(r) = rules.iter().find(|r| r.id == f.rule_id) {
                    self.rules.push(r.clone());
                }
            }
        }
        self.findings.extend(findings);
    }

    /// Sorts findings: most severe first, then by address and rule.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.address.cmp(&b.address))
                .then_with(|| a.rule_id.cmp(&b.rule_id))
                .then_with(|| a.path.cmp(&b.path))
        });
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
    }

    /// Findings not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    /// Unsuppressed findings at or above the threshold.
    pub fn failing(&self) -> Vec<&Finding> {
        match self.fail_on {
            Some(t) => self.active().filter(|f| f.severity >= t).collect(),
            None => Vec::new(),
        }
    }

    pub fn fails(&self) -> bool {
        !self.failing().is_empty()
    }

    /// Applies suppressions (comments and project list) to the findings.
    pub fn suppress(&mut self, list: &[Suppression]) {
        for f in &mut self.findings {
            if f.suppressed.is_some() {
                continue;
            }
            if let Some(s) = list.iter().find(|s| s.matches(f)) {
                f.suppressed = Some(s.reason.clone());
                f.suppression_kind = Some(s.kind);
            }
        }
    }
}
