//! The machine-readable rendering (`-format json`). Its shape is stable:
//! a change that removes or renames a field bumps [`FORMAT_VERSION`];
//! added fields do not.

use serde_json::{json, Map, Value};

use super::{is_failing, ordered, rule_of, suppressed_count};
use crate::{Finding, Report, Severity};

/// The version of the JSON shape below.
pub const FORMAT_VERSION: u64 = 1;

/// The report as JSON:
///
/// ```json
/// {
///   "format_version": 1,
///   "fail_on": "high",
///   "summary": {
///     "total": 3,
///     "by_severity": { "critical": 0, "high": 1, "medium": 0, "low": 2 },
///     "suppressed": 1,
///     "failing": 1,
///     "fails": true
///   },
///   "findings": [
///     {
///       "rule_id": "AWS001",
///       "category": "security",
///       "severity": "high",
///       "title": "S3 buckets block public access",
///       "address": "aws_security_group.web",
///       "path": ["ingress", "0", "cidr_blocks"],
///       "attribute": "ingress[0].cidr_blocks",
///       "location": { "file": "main.tf", "line": 12, "column": 5 },
///       "message": "SSH open to 0.0.0.0/0",
///       "fix": "...",
///       "help": "docs/rules.md#aws001",
///       "failing": true,
///       "suppressed": null
///     }
///   ]
/// }
/// ```
///
/// - `fail_on`: the threshold, or `null` when nothing fails the run.
/// - `summary.total` and `summary.by_severity` count every finding,
///   suppressed ones included; `suppressed` counts those suppressed;
///   `failing` counts unsuppressed findings at or above `fail_on`, and
///   `fails` is `failing > 0`.
/// - Findings come in the renderers' order (most severe first).
///   `title` and `help` are the rule's, `null` when the report lacks the
///   rule's metadata; `address`, `attribute` and `location` are `null` when
///   not known; `path` is the attribute path as a list (`[]` for the
///   resource as a whole) and `attribute` the same path as Terraform
///   writes it.
/// - `suppressed` is `null`, or `{"reason": "...", "kind": "in_source"}`
///   (`in_source` for a `cairn:ignore` comment, `external` for the
///   project's list).
pub fn json(report: &Report) -> Value {
    let mut by = Map::new();
    for s in Severity::ALL.iter().rev() {
        let n = report.findings.iter().filter(|f| f.severity == *s).count();
        by.insert(s.as_str().to_string(), json!(n));
    }
    let failing = report.failing().len();
    let findings: Vec<Value> = ordered(report)
        .into_iter()
        .map(|f| finding(report, f))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "fail_on": report.fail_on.map(|s| s.as_str()),
        "summary": {
            "total": report.findings.len(),
            "by_severity": by,
            "suppressed": suppressed_count(report),
            "failing": failing,
            "fails": failing > 0,
        },
        "findings": findings,
    })
}

fn finding(report: &Report, f: &Finding) -> Value {
    let rule = rule_of(report, f);
    let attribute = (!f.path.is_empty()).then(|| f.path_display());
    let location = f.location.as_ref().map(|l| {
        json!({
            "file": l.file,
            "line": l.line,
            "column": l.column,
        })
    });
    let suppressed = f.suppressed.as_ref().map(|reason| {
        json!({
            "reason": reason,
            "kind": f.suppression_kind.unwrap_or_default().as_str(),
        })
    });
    json!({
        "rule_id": f.rule_id,
        "category": f.category.as_str(),
        "severity": f.severity.as_str(),
        "title": rule.map(|r| r.title.as_str()),
        "address": f.address,
        "path": f.path,
        "attribute": attribute,
        "location": location,
        "message": f.message,
        "fix": f.fix,
        "help": rule.and_then(|r| r.help.as_deref()),
        "failing": is_failing(report, f),
        "suppressed": suppressed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    #[test]
    fn exact_shape_of_a_small_report() {
        let got = json(&fixtures::small());
        let want = json!({
            "format_version": 1,
            "fail_on": "high",
            "summary": {
                "total": 3,
                "by_severity": {"critical": 0, "high": 1, "medium": 0, "low": 2},
                "suppressed": 1,
                "failing": 1,
                "fails": true
            },
            "findings": [
                {
                    "rule_id": "AWS001",
                    "category": "security",
                    "severity": "high",
                    "title": "AWS001 title",
                    "address": "aws_security_group.web",
                    "path": ["ingress", "0", "cidr_blocks"],
                    "attribute": "ingress[0].cidr_blocks",
                    "location": {"file": "main.tf", "line": 12, "column": 5},
                    "message": "SSH open to 0.0.0.0/0",
                    "fix": "AWS001 fix",
                    "help": "docs/rules.md#aws001",
                    "failing": true,
                    "suppressed": null
                },
                {
                    "rule_id": "TAG001",
                    "category": "tags",
                    "severity": "low",
                    "title": "TAG001 title",
                    "address": "aws_s3_bucket.logs",
                    "path": [],
                    "attribute": null,
                    "location": null,
                    "message": "missing tags: team",
                    "fix": "TAG001 fix",
                    "help": null,
                    "failing": false,
                    "suppressed": {"reason": "legacy bucket", "kind": "in_source"}
                },
                {
                    "rule_id": "TAG001",
                    "category": "tags",
                    "severity": "low",
                    "title": "TAG001 title",
                    "address": "aws_vpc.main",
                    "path": ["tags"],
                    "attribute": "tags",
                    "location": {"file": "net/vpc.tf", "line": 3, "column": 1},
                    "message": "missing tags: owner",
                    "fix": "TAG001 fix",
                    "help": null,
                    "failing": false,
                    "suppressed": null
                }
            ]
        });
        assert_eq!(got, want, "{got:#}");
        // Keys keep the documented order in the text too.
        let text = serde_json::to_string(&got).unwrap_or_default();
        assert!(
            text.starts_with(r#"{"format_version":1,"fail_on":"high","summary":{"total":3"#),
            "{text}"
        );
    }

    #[test]
    fn no_threshold_and_unknown_rule() {
        let mut r = fixtures::small();
        r.fail_on = None;
        r.rules.clear();
        let got = json(&r);
        assert_eq!(got["fail_on"], Value::Null);
        assert_eq!(got["summary"]["failing"], json!(0));
        assert_eq!(got["summary"]["fails"], json!(false));
        assert_eq!(got["findings"][0]["title"], Value::Null);
        assert_eq!(got["findings"][0]["failing"], json!(false));
    }
}
