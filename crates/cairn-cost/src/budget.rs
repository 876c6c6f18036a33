//! The budget policy: a plan must not raise the monthly estimate over the
//! budget configured for its environment.

use cairn_findings::{Category, Finding, RuleInfo, Severity};

use crate::report::{format_change, format_usd, CostReport};

/// The rule ID of the budget policy.
pub const COST001: &str = "COST001";

fn cost001() -> RuleInfo {
    RuleInfo {
        id: COST001.into(),
        category: Category::Cost,
        severity: Severity::High,
        title: "A plan must not raise the monthly cost estimate over the budget".into(),
        fix: "Lower the cost of the planned changes, or raise the budget in cairn.hcl if the spend is intended.".into(),
        help: Some("docs/rules.md#cost001".into()),
    }
}

/// The metadata of the cost rules.
pub fn rules() -> Vec<RuleInfo> {
    vec![cost001()]
}

/// Whole cents, so that float noise cannot tip a comparison.
fn cents(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

/// A `COST001` finding when the plan raises the monthly total and the new
/// total is over `budget_monthly_usd`; `None` otherwise.
///
/// A plan that lowers the total, leaves it as it is, or stays within the
/// budget passes, even when the prior total was already over it: the plan
/// does not make things worse, and blocking it would block the very changes
/// that bring the cost down. A budget that is not a finite number of zero
/// or more is never exceeded (the configuration is checked where it is
/// read).
pub fn budget_finding(
    report: &CostReport,
    budget_monthly_usd: f64,
    env_name: Option<&str>,
) -> Option<Finding> {
    if !budget_monthly_usd.is_finite() || budget_monthly_usd < 0.0 {
        return None;
    }
    let (before, after, budget) = (
        cents(report.total_before),
        cents(report.total_after),
        cents(budget_monthly_usd),
    );
    if after <= before || after <= budget {
        return None;
    }
    let whose = match env_name {
        Some(e) => format!("the {e} budget"),
        None => "the budget".to_string(),
    };
    let mut message = format!(
        "The plan raises the monthly cost estimate from {} to {} ({}), over {whose} of {}",
        format_usd(before as f64 / 100.0),
        format_usd(after as f64 / 100.0),
        format_change((after - before) as f64 / 100.0),
        format_usd(budget as f64 / 100.0),
    );
    if report.not_fully_priced > 0 {
        message.push_str(&format!(
            " (a lower bound: {} not fully priced)",
            if report.not_fully_priced == 1 {
                "1 resource".to_string()
            } else {
                format!("{} resources", report.not_fully_priced)
            }
        ));
    }
    message.push('.');
    Some(Finding::new(&cost001(), None, message))
}
