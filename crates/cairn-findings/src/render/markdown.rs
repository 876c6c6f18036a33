//! The pull-request comment rendering (GitHub-flavoured Markdown).

use std::fmt::Write as _;

use super::{location_text, ordered, plural, summary_line};
use crate::{Finding, Report};

/// The report as a pull-request comment: a heading, the summary line, a
/// table of the unsuppressed findings (most severe first) and the
/// suppressed ones in a collapsed `<details>` block.
///
/// Every cell is escaped: `|` cannot end a cell, backticks cannot open or
/// close code, and HTML or emphasis in a message shows as written.
pub fn markdown(report: &Report) -> String {
    let all = ordered(report);
    let (active, suppressed): (Vec<&Finding>, Vec<&Finding>) =
        all.into_iter().partition(|f| f.suppressed.is_none());
    let mut out = String::new();
    out.push_str("### cairn findings\n\n");
    let _ = writeln!(out, "{}\n", text(&summary_line(report)));
    if active.is_empty() {
        out.push_str("No unsuppressed findings.\n");
    } else {
        out.push_str("| Severity | Rule | Address | Location | Message | Fix |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- |\n");
        for f in &active {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                severity(f),
                code(&f.rule_id),
                address(f),
                location(f),
                text(&f.message),
                text(&f.fix),
            );
        }
    }
    if !suppressed.is_empty() {
        let _ = write!(
            out,
            "\n<details>\n<summary>{}</summary>\n\n",
            plural(suppressed.len(), "suppressed finding")
        );
        out.push_str("| Severity | Rule | Address | Location | Message | Reason |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- |\n");
        for f in &suppressed {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                severity(f),
                code(&f.rule_id),
                address(f),
                location(f),
                text(&f.message),
                text(f.suppressed.as_deref().unwrap_or_default()),
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn severity(f: &Finding) -> String {
    f.severity.as_str().to_ascii_uppercase()
}

/// `` `address` `` and the attribute, `—` for a plan-wide finding.
fn address(f: &Finding) -> String {
    let mut out = match &f.address {
        Some(a) => code(a),
        None => "—".to_string(),
    };
    if !f.path.is_empty() {
        let _ = write!(out, " ({})", code(&f.path_display()));
    }
    out
}

fn location(f: &Finding) -> String {
    match location_text(f, false) {
        Some(l) => code(&l),
        None => "—".to_string(),
    }
}

/// Plain text for a table cell: Markdown punctuation is backslash-escaped
/// (so `|` stays in the cell, and backticks, emphasis, links and HTML
/// show as written); line breaks become spaces.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '|' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '&' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span for a table cell: fenced with one backtick more than the
/// longest run inside (padded when the text starts or ends with one), `|`
/// escaped as GitHub's tables require even inside code.
fn code(s: &str) -> String {
    let body: String = s
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    if body.is_empty() {
        return String::new();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`')
        || body.ends_with('`')
        || (body.starts_with(' ') && body.ends_with(' ') && body.trim() != "")
    {
        " "
    } else {
        ""
    };
    let body = body.replace('|', "\\|");
    format!("{fence}{pad}{body}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;
    use crate::Severity;

    #[test]
    fn table_and_suppressed_details() {
        let got = markdown(&fixtures::small());
        let want = "\
### cairn findings

3 findings: 1 high, 2 low (1 suppressed); fails at high

| Severity | Rule | Address | Location | Message | Fix |
| --- | --- | --- | --- | --- | --- |
| HIGH | `AWS001` | `aws_security_group.web` (`ingress[0].cidr_blocks`) | `main.tf:12` | SSH open to 0.0.0.0/0 | AWS001 fix |
| LOW | `TAG001` | `aws_vpc.main` (`tags`) | `net/vpc.tf:3` | missing tags: owner | TAG001 fix |

<details>
<summary>1 suppressed finding</summary>

| Severity | Rule | Address | Location | Message | Reason |
| --- | --- | --- | --- | --- | --- |
| LOW | `TAG001` | `aws_s3_bucket.logs` | — | missing tags: team | legacy bucket |

</details>
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn nothing_active() {
        let got = markdown(&Report::new(Severity::High));
        assert_eq!(
            got,
            "### cairn findings\n\nno findings; passes at high\n\nNo unsuppressed findings.\n"
        );
    }

    #[test]
    fn cells_escape_pipes_backticks_and_markup() {
        assert_eq!(
            text("a|b `c` <img src=x> *d* [l](u)\nnext"),
            "a\\|b \\`c\\` \\<img src=x\\> \\*d\\* \\[l\\](u) next"
        );
        assert_eq!(text(r"back\slash"), r"back\\slash");
        assert_eq!(code("aws_x.y"), "`aws_x.y`");
        assert_eq!(code(r#"a["x|y"]"#), r#"`a["x\|y"]`"#);
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a``"), "``` `a`` ```");
        assert_eq!(code(""), "");

        let mut r = fixtures::small();
        r.findings[2].message = "port | 22 `open`".into();
        r.findings[2].address = Some(r#"aws_security_group.web["a|b"]"#.into());
        let got = markdown(&r);
        assert!(
            got.contains(
                r#"| `aws_security_group.web["a\|b"]` (`ingress[0].cidr_blocks`) | `main.tf:12` | port \| 22 \`open\` |"#
            ),
            "{got}"
        );
    }
}
