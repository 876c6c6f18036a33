//! Renderings of a [`crate::Report`]: human, JSON, SARIF 2.1.0, Markdown.
//!
//! Every renderer lists findings in the same stable order (see
//! [`ordered`]): most severe first, then by address, rule, attribute path
//! and location; findings equal in all of these keep the report's order.
//! Renderers never fail: whatever a finding holds is escaped for the
//! output format.

use std::cmp::Ordering;

use crate::{Finding, Report, RuleInfo, Severity};

mod human;
mod json;
mod markdown;
mod sarif;

pub use human::human;
pub use json::{json, FORMAT_VERSION};
pub use markdown::markdown;
pub use sarif::{sarif, sarif_with, INFORMATION_URI, SARIF_SCHEMA};

/// One line saying what the report holds and whether it fails:
/// `3 findings: 1 high, 2 low (1 suppressed); fails at high`.
///
/// The counts by severity include suppressed findings (the parenthesis says
/// how many of them are); the tail is `fails at T` when an unsuppressed
/// finding is at or above the `fail_on` threshold `T`, `passes at T` when
/// none is, and absent when the report has no threshold.
pub fn summary_line(report: &Report) -> String {
    let total = report.findings.len();
    let mut out = if total == 0 {
        "no findings".to_string()
    } else {
        let by: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|s| {
                let n = report.findings.iter().filter(|f| f.severity == *s).count();
                (n > 0).then(|| format!("{n} {s}"))
            })
            .collect();
        format!("{}: {}", plural(total, "finding"), by.join(", "))
    };
    let suppressed = suppressed_count(report);
    if suppressed > 0 {
        out.push_str(&format!(" ({suppressed} suppressed)"));
    }
    if let Some(t) = report.fail_on {
        let verdict = if report.fails() { "fails" } else { "passes" };
        out.push_str(&format!("; {verdict} at {t}"));
    }
    out
}

/// The report's findings in rendering order (a stable sort, so ties keep
/// the report's order).
pub fn ordered(report: &Report) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = report.findings.iter().collect();
    v.sort_by(|a, b| order(a, b));
    v
}

fn order(a: &Finding, b: &Finding) -> Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.address.cmp(&b.address))
        .then_with(|| a.rule_id.cmp(&b.rule_id))
        .then_with(|| a.path.cmp(&b.path))
        .then_with(|| location_key(a).cmp(&location_key(b)))
}

fn location_key(f: &Finding) -> Option<(&str, usize, usize)> {
    f.location
        .as_ref()
        .map(|l| (l.file.as_str(), l.line, l.column))
}

/// The metadata of the finding's rule, when the report has it.
fn rule_of<'a>(report: &'a Report, f: &Finding) -> Option<&'a RuleInfo> {
    report.rules.iter().find(|r| r.id == f.rule_id)
}

fn suppressed_count(report: &Report) -> usize {
    report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .count()
}

/// Whether this finding makes the run fail.
fn is_failing(report: &Report, f: &Finding) -> bool {
    f.suppressed.is_none() && report.fail_on.is_some_and(|t| f.severity >= t)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `file:line:column` (or `file:line` without the column).
fn location_text(f: &Finding, with_column: bool) -> Option<String> {
    f.location.as_ref().map(|l| {
        if with_column {
            format!("{}:{}:{}", l.file, l.line, l.column)
        } else {
            format!("{}:{}", l.file, l.line)
        }
    })
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! A small report shared by the renderers' tests.

    use crate::{Category, Finding, Location, Report, RuleInfo, Severity, SuppressionKind};

    pub fn rule(id: &str, category: Category, severity: Severity, help: bool) -> RuleInfo {
        RuleInfo {
            id: id.into(),
            category,
            severity,
            title: format!("{id} title"),
            fix: format!("{id} fix"),
            help: help.then(|| format!("docs/rules.md#{}", id.to_ascii_lowercase())),
        }
    }

    /// Three findings (high, low, suppressed low) of two rules, fail-on
    /// high; given out of order so the renderers must sort.
    pub fn small() -> Report {
        let aws = rule("AWS001", Category::Security, Severity::High, true);
        let tag = rule("TAG001", Category::Tags, Severity::Low, false);
        let mut r = Report::new(Severity::High);
        let mut low =
            Finding::new(&tag, Some("aws_vpc.main".into()), "missing tags: owner").at(["tags"]);
        low.location = Some(Location {
            file: "net/vpc.tf".into(),
            line: 3,
            column: 1,
        });
        let high = Finding::new(
            &aws,
            Some("aws_security_group.web".into()),
            "SSH open to 0.0.0.0/0",
        )
        .at(["ingress", "0", "cidr_blocks"]);
        let high = Finding {
            location: Some(Location {
                file: "main.tf".into(),
                line: 12,
                column: 5,
            }),
            ..high
        };
        let mut gone = Finding::new(
            &tag,
            Some("aws_s3_bucket.logs".into()),
            "missing tags: team",
        );
        gone.suppressed = Some("legacy bucket".into());
        gone.suppression_kind = Some(SuppressionKind::InSource);
        r.extend(vec![low, gone, high], &[aws, tag]);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, Finding};

    #[test]
    fn summary_line_counts_and_verdict() {
        let r = fixtures::small();
        assert_eq!(
            summary_line(&r),
            "3 findings: 1 high, 2 low (1 suppressed); fails at high"
        );
        let empty = Report::new(Severity::Medium);
        assert_eq!(summary_line(&empty), "no findings; passes at medium");
        let mut one = Report::default();
        let rule = fixtures::rule("X1", Category::Policy, Severity::Critical, false);
        one.extend(vec![Finding::new(&rule, None, "m")], &[rule]);
        assert_eq!(summary_line(&one), "1 finding: 1 critical");
        one.fail_on = Some(Severity::Critical);
        one.findings[0].suppressed = Some("ok".into());
        assert_eq!(
            summary_line(&one),
            "1 finding: 1 critical (1 suppressed); passes at critical"
        );
    }

    #[test]
    fn order_is_severity_then_address_and_stable() {
        let r = fixtures::small();
        let ids: Vec<_> = ordered(&r)
            .iter()
            .map(|f| f.address.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            ids,
            [
                "aws_security_group.web",
                "aws_s3_bucket.logs",
                "aws_vpc.main"
            ]
        );
    }
}
