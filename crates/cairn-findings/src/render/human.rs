//! The terminal rendering: one block per finding, suppressed ones last.

use std::fmt::Write as _;

use super::{location_text, ordered, summary_line};
use crate::{Finding, Report, Severity};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
    }
}

/// The report for a terminal:
///
/// ```text
/// HIGH AWS001 aws_security_group.web (ingress[0].cidr_blocks)
///   at main.tf:12:5
///   SSH open to 0.0.0.0/0
///   fix: AWS001 fix
///
/// SUPPRESSED LOW TAG001 aws_s3_bucket.logs
///   missing tags: team
///   suppressed: legacy bucket
///
/// 2 findings: 1 high, 1 low (1 suppressed); fails at high
/// ```
///
/// With `color`, severities are colored with ANSI codes, rule IDs bold and
/// suppressed blocks dimmed. Control and bidirectional-override
/// characters in findings are escaped, so a value quoted in a message
/// cannot drive the terminal.
pub fn human(report: &Report, color: bool) -> String {
    let all = ordered(report);
    let mut out = String::new();
    for f in all.iter().filter(|f| f.suppressed.is_none()) {
        block(&mut out, f, color);
        out.push('\n');
    }
    for f in all.iter().filter(|f| f.suppressed.is_some()) {
        suppressed_block(&mut out, f, color);
        out.push('\n');
    }
    let summary = summary_line(report);
    if color {
        let _ = writeln!(out, "{BOLD}{summary}{RESET}");
    } else {
        out.push_str(&summary);
        out.push('\n');
    }
    out
}

/// `SEVERITY RULE address (attribute)`, without colors.
fn head(f: &Finding) -> (String, String) {
    let mut rest = String::new();
    if let Some(a) = &f.address {
        rest.push(' ');
        rest.push_str(&clean(a));
    }
    if !f.path.is_empty() {
        let _ = write!(rest, " ({})", clean(&f.path_display()));
    }
    (f.severity.as_str().to_ascii_uppercase(), rest)
}

fn block(out: &mut String, f: &Finding, color: bool) {
    let (sev, rest) = head(f);
    let rule = clean(&f.rule_id);
    if color {
        let c = severity_color(f.severity);
        let _ = writeln!(out, "{c}{sev}{RESET} {BOLD}{rule}{RESET}{rest}");
    } else {
        let _ = writeln!(out, "{sev} {rule}{rest}");
    }
    if let Some(loc) = location_text(f, true) {
        let _ = writeln!(out, "  at {}", clean(&loc));
    }
    let _ = writeln!(out, "  {}", clean(&f.message));
    if !f.fix.is_empty() {
        let _ = writeln!(out, "  fix: {}", clean(&f.fix));
    }
}

fn suppressed_block(out: &mut String, f: &Finding, color: bool) {
    let (sev, rest) = head(f);
    let mut lines = vec![format!("SUPPRESSED {sev} {}{rest}", clean(&f.rule_id))];
    if let Some(loc) = location_text(f, true) {
        lines.push(format!("  at {}", clean(&loc)));
    }
    lines.push(format!("  {}", clean(&f.message)));
    let reason = f.suppressed.as_deref().unwrap_or_default();
    lines.push(format!("  suppressed: {}", clean(reason)));
    for l in lines {
        if color {
            let _ = writeln!(out, "{DIM}{l}{RESET}");
        } else {
            let _ = writeln!(out, "{l}");
        }
    }
}

/// The text with control characters (newlines included: every field is
/// one line) and bidirectional overrides escaped as `\n`, `\u{1b}`, ...
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    #[test]
    fn plain_blocks_then_suppressed_then_summary() {
        let got = human(&fixtures::small(), false);
        let want = "\
HIGH AWS001 aws_security_group.web (ingress[0].cidr_blocks)
  at main.tf:12:5
  SSH open to 0.0.0.0/0
  fix: AWS001 fix

LOW TAG001 aws_vpc.main (tags)
  at net/vpc.tf:3:1
  missing tags: owner
  fix: TAG001 fix

SUPPRESSED LOW TAG001 aws_s3_bucket.logs
  missing tags: team
  suppressed: legacy bucket

3 findings: 1 high, 2 low (1 suppressed); fails at high
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn colored_severity_bold_rule_dimmed_suppressed() {
        let got = human(&fixtures::small(), true);
        let want = "\
\x1b[31mHIGH\x1b[0m \x1b[1mAWS001\x1b[0m aws_security_group.web (ingress[0].cidr_blocks)
  at main.tf:12:5
  SSH open to 0.0.0.0/0
  fix: AWS001 fix

\x1b[36mLOW\x1b[0m \x1b[1mTAG001\x1b[0m aws_vpc.main (tags)
  at net/vpc.tf:3:1
  missing tags: owner
  fix: TAG001 fix

\x1b[2mSUPPRESSED LOW TAG001 aws_s3_bucket.logs\x1b[0m
\x1b[2m  missing tags: team\x1b[0m
\x1b[2m  suppressed: legacy bucket\x1b[0m

\x1b[1m3 findings: 1 high, 2 low (1 suppressed); fails at high\x1b[0m
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn empty_report_is_the_summary_alone() {
        let r = Report::new(Severity::High);
        assert_eq!(human(&r, false), "no findings; passes at high\n");
    }

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        let mut r = fixtures::small();
        r.findings[0].message = "evil\x1b[2J\nnext \u{202e}gnp.exe".into();
        let got = human(&r, false);
        assert!(
            got.contains("  evil\\u{1b}[2J\\nnext \\u{202e}gnp.exe\n"),
            "{got}"
        );
        assert!(!got.contains('\u{1b}'));
    }
}
