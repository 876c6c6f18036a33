//! Suppressions: `# cairn:ignore RULE_ID reason` comments on a resource
//! block, and the project configuration's list. A reason is required; a
//! suppressed finding stays in the report, marked with its reason.

use serde::{Deserialize, Serialize};

use crate::Finding;

/// One suppression: findings of `rule_id` on `address` are accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub rule_id: String,
    /// A resource (`aws_s3_bucket.logs`, `module.net.aws_subnet.a`) or
    /// instance (`aws_subnet.a["x"]`) address; `None` for every resource.
    pub address: Option<String>,
    pub reason: String,
    /// Where it was written; a project list read from configuration
    /// (without the field) is external.
    #[serde(default)]
    pub kind: SuppressionKind,
}

/// Where a suppression was written, as SARIF distinguishes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionKind {
    /// A `cairn:ignore` comment in the configuration.
    InSource,
    /// The project configuration's list (or anything outside the source).
    #[default]
    External,
}

impl SuppressionKind {
    /// The SARIF `suppression.kind` value.
    pub fn sarif_kind(&self) -> &'static str {
        match self {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::External => "external",
        }
    }

    /// The JSON report's value (`in_source`, `external`).
    pub fn as_str(&self) -> &'static str {
        match self {
            SuppressionKind::InSource => "in_source",
            SuppressionKind::External => "external",
        }
    }
}

impl Suppression {
    /// True when this suppression covers the finding. A resource address
    /// covers all its instances, in every instance of its module.
    pub fn matches(&self, f: &Finding) -> bool {
        if !self.rule_id.eq_ignore_ascii_case(&f.rule_id) {
            return false;
        }
        let Some(want) = &self.address else {
            return true;
        };
        let Some(have) = &f.address else {
            return false;
        };
        have == want
            || strip_keys(have) == *want
            || strip_keys(have) == strip_keys(want) && !has_keys(want)
    }
}

/// `module.a["x"].aws_subnet.b[0]` -> `module.a.aws_subnet.b`.
pub fn strip_keys(addr: &str) -> String {
    let mut out = String::with_capacity(addr.len());
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for c in addr.chars() {
        if depth > 0 {
            if in_str {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_str = false;
                }
            } else if c == '"' {
                in_str = true;
            } else if c == ']' {
                depth -= 1;
            } else if c == '[' {
                depth += 1;
            }
            continue;
        }
        if c == '[' {
            depth = 1;
        } else {
            out.push(c);
        }
    }
    out
}

fn has_keys(addr: &str) -> bool {
    addr.contains('[')
}

/// A `# cairn:ignore RULE reason` comment found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreComment {
    pub rule_id: String,
    pub reason: String,
    /// 1-based line of the comment.
    pub line: usize,
}

impl IgnoreComment {
    /// The suppression this comment makes for the block at `address`.
    pub fn suppression(&self, address: impl Into<String>) -> Suppression {
        Suppression {
            rule_id: self.rule_id.clone(),
            address: Some(address.into()),
            reason: self.reason.clone(),
            kind: SuppressionKind::InSource,
        }
    }
}

/// A `cairn:ignore` comment without a rule ID or without a reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SuppressionError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

const MARKER: &str = "cairn:ignore";

/// The `cairn:ignore` comments that apply to a block spanning lines
/// `first..=last` (1-based) of `source`: those inside the block and those
/// in the run of comment lines directly above it. Comments may start with
/// `#` or `//`.
pub fn parse_ignore_comments(
    source: &str,
    first: usize,
    last: usize,
) -> Vec<Result<IgnoreComment, SuppressionError>> {
    let lines: Vec<&str> = source.lines().collect();
    let mut wanted: Vec<usize> = Vec::new();
    // The comment lines directly above the block header.
    let mut i = first.saturating_sub(1);
    while i > 0 {
        let t = lines.get(i - 1).map(|l| l.trim_start()).unwrap_or("");
        if t.starts_with('#') || t.starts_with("//") {
            wanted.push(i);
            i -= 1;
        } else {
            break;
        }
    }
    wanted.reverse();
    wanted.extend(first..=last.min(lines.len()));
    let mut out = Vec::new();
    for n in wanted {
        let Some(line) = lines.get(n - 1) else {
            continue;
        };
        let Some(pos) = comment_marker(line) else {
            continue;
        };
        let rest = &line[pos + MARKER.len()..];
        let mut words = rest.trim().splitn(2, char::is_whitespace);
        let rule = words.next().unwrap_or("").trim();
        let reason = words.next().unwrap_or("").trim();
        let column = line[..pos].chars().count() + 1;
        if rule.is_empty() {
            out.push(Err(SuppressionError {
                line: n,
                column,
                message: "cairn:ignore needs a rule ID and a reason: # cairn:ignore AWS001 why this is accepted".into(),
            }));
        } else if reason.is_empty() {
            out.push(Err(SuppressionError {
                line: n,
                column,
                message: format!("cairn:ignore {rule} has no reason: write why the finding is accepted after the rule ID"),
            }));
        } else {
            out.push(Ok(IgnoreComment {
                rule_id: rule.to_string(),
                reason: reason.to_string(),
                line: n,
            }));
        }
    }
    out
}

/// The byte offset of `cairn:ignore` when it sits in a comment on the line.
fn comment_marker(line: &str) -> Option<usize> {
    let pos = line.find(MARKER)?;
    let before = &line[..pos];
    let hash = before.rfind('#');
    let slashes = before.rfind("//");
    if hash.is_some() || slashes.is_some() {
        Some(pos)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, Severity};

    fn finding(rule: &str, addr: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            category: Category::Security,
            severity: Severity::High,
            address: Some(addr.into()),
            path: vec![],
            location: None,
            message: String::new(),
            fix: String::new(),
            suppressed: None,
            suppression_kind: None,
        }
    }

    #[test]
    fn keys_are_stripped_including_quoted_brackets() {
        assert_eq!(
            strip_keys(r#"module.a["x]"].aws_subnet.b[0]"#),
            "module.a.aws_subnet.b"
        );
        assert_eq!(strip_keys("aws_vpc.main"), "aws_vpc.main");
    }

    #[test]
    fn resource_address_covers_its_instances_but_instance_only_itself() {
        let s = Suppression {
            rule_id: "AWS001".into(),
            address: Some("module.net.aws_subnet.a".into()),
            reason: "ok".into(),
            kind: SuppressionKind::External,
        };
        assert!(s.matches(&finding("AWS001", r#"module.net["x"].aws_subnet.a[1]"#)));
        assert!(s.matches(&finding("aws001", "module.net.aws_subnet.a")));
        assert!(!s.matches(&finding("AWS002", "module.net.aws_subnet.a")));
        assert!(!s.matches(&finding("AWS001", "aws_subnet.a")));
        let one = Suppression {
            address: Some("aws_subnet.a[1]".into()),
            ..s.clone()
        };
        assert!(one.matches(&finding("AWS001", "aws_subnet.a[1]")));
        assert!(!one.matches(&finding("AWS001", "aws_subnet.a[0]")));
        let all = Suppression { address: None, ..s };
        assert!(all.matches(&finding("AWS001", "aws_vpc.x")));
    }

    #[test]
    fn comments_above_and_inside_the_block_count_reason_required() {
        let src = "\
resource \"aws_vpc\" \"other\" {}
# cairn:ignore AWS030 flow logs are shipped by the org trail
// cairn:ignore AWS031
resource \"aws_vpc\" \"main\" {
  cidr_block = \"10.0.0.0/16\" # cairn:ignore AWS032 fine here
  # cairn:ignore
}
# cairn:ignore AWS033 after the block, not ours
";
        let got = parse_ignore_comments(src, 4, 7);
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[0],
            Ok(IgnoreComment {
                rule_id: "AWS030".into(),
                reason: "flow logs are shipped by the org trail".into(),
                line: 2
            })
        );
        let e = got[1].clone().unwrap_err();
        assert_eq!((e.line, e.column), (3, 4));
        assert!(e.message.contains("has no reason"), "{}", e.message);
        assert_eq!(got[2].clone().map(|c| c.rule_id), Ok("AWS032".to_string()));
        assert!(got[3].is_err());
    }

    #[test]
    fn marker_in_a_string_is_not_a_comment() {
        let src = "resource \"x\" \"y\" {\n  a = \"cairn:ignore AWS001 nope\"\n}\n";
        assert!(parse_ignore_comments(src, 1, 3).is_empty());
    }
}
