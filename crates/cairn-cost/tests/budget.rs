//! The budget policy, rule COST001.

mod common;

use cairn_cost::{budget_finding, build_report, rules, CostItem, CostReport, Usage, COST001};
use cairn_findings::{Category, Severity};
use common::*;

const R: Option<&str> = Some("us-east-1");

/// A report going from `before` to `after` NAT gateways (at $32.85 each).
fn nat_report(before: usize, after: usize) -> CostReport {
    let v = obj(&[("subnet_id", s("subnet-1"))]);
    let items = |k: usize| -> Vec<CostItem<'_>> {
        (0..k)
            .map(|i| CostItem::new(format!("aws_nat_gateway.gw[{i}]"), "aws_nat_gateway", R, &v))
            .collect()
    };
    build_report(&items(before), &items(after), cat(), &Usage::none())
}

#[test]
fn rule_metadata() {
    let r = rules();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].id, COST001);
    assert_eq!(r[0].category, Category::Cost);
    assert_eq!(r[0].severity, Severity::High);
    assert_eq!(r[0].help.as_deref(), Some("docs/rules.md#cost001"));
}

#[test]
fn raising_the_total_over_the_budget_is_a_finding() {
    let r = nat_report(1, 2);
    let f = budget_finding(&r, 50.0, Some("prod")).expect("a finding");
    assert_eq!(f.rule_id, "COST001");
    assert_eq!(f.category, Category::Cost);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.address, None);
    assert_eq!(
        f.message,
        "The plan raises the monthly cost estimate from $32.85 to $65.70 (+$32.85), over the prod budget of $50.00."
    );
    assert!(f.fix.contains("cairn.hcl"));

    let f = budget_finding(&r, 50.0, None).unwrap();
    assert!(
        f.message.contains("over the budget of $50.00"),
        "{}",
        f.message
    );
}

#[test]
fn staying_within_the_budget_is_fine() {
    assert!(budget_finding(&nat_report(1, 2), 100.0, Some("prod")).is_none());
    // Exactly at the budget is within it.
    assert!(budget_finding(&nat_report(1, 2), 65.70, Some("prod")).is_none());
    assert!(budget_finding(&nat_report(1, 2), 65.69, Some("prod")).is_some());
}

#[test]
fn lowering_the_cost_is_never_a_finding() {
    // Already over the budget before, and still over it after, but lower.
    assert!(budget_finding(&nat_report(3, 2), 10.0, Some("prod")).is_none());
    // Over the budget and unchanged: the plan does not make it worse.
    assert!(budget_finding(&nat_report(2, 2), 10.0, Some("prod")).is_none());
}

#[test]
fn raising_a_total_already_over_the_budget_is_a_finding() {
    let f = budget_finding(&nat_report(2, 3), 10.0, Some("dev")).unwrap();
    assert!(
        f.message.contains("from $65.70 to $98.55 (+$32.85)"),
        "{}",
        f.message
    );
}

#[test]
fn an_incomplete_estimate_says_the_total_is_a_lower_bound() {
    let nat = obj(&[("subnet_id", s("subnet-1"))]);
    let f = obj(&[]);
    let after = [
        CostItem::new("aws_nat_gateway.gw", "aws_nat_gateway", R, &nat),
        CostItem::new("aws_lambda_function.f", "aws_lambda_function", R, &f),
    ];
    let r = build_report(&[], &after, cat(), &Usage::none());
    let finding = budget_finding(&r, 1.0, Some("prod")).unwrap();
    assert!(
        finding
            .message
            .ends_with("(a lower bound: 1 resource not fully priced)."),
        "{}",
        finding.message
    );
}

#[test]
fn a_nonsensical_budget_never_fires() {
    let r = nat_report(0, 1);
    assert!(budget_finding(&r, f64::NAN, None).is_none());
    assert!(budget_finding(&r, -1.0, None).is_none());
    assert!(budget_finding(&r, 0.0, None).is_some());
}
