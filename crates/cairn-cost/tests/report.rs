//! Before/after reports and their renderings.

mod common;

use cairn_cost::{
    build_report, one_line, render_json, render_markdown, render_table, Change, CostItem,
    CostReport, Usage,
};
use cairn_value::Value;
use common::*;

const R: Option<&str> = Some("us-east-1");

fn instance(t: &str) -> Value {
    obj(&[
        ("instance_type", s(t)),
        ("associate_public_ip_address", Value::bool(false)),
        (
            "root_block_device",
            json(r#"[{"volume_size": 8, "volume_type": "gp3"}]"#),
        ),
    ])
}

struct Plan {
    small: Value,
    large: Value,
    nat: Value,
    vol: Value,
    empty: Value,
}

fn plan() -> Plan {
    Plan {
        small: instance("t3.micro"),
        large: instance("m5.large"),
        nat: obj(&[("subnet_id", s("subnet-1"))]),
        vol: obj(&[("size", n(100)), ("type", s("gp3"))]),
        empty: obj(&[]),
    }
}

fn report(p: &Plan, usage: &Usage) -> CostReport {
    let before = vec![
        CostItem::new("aws_instance.web", "aws_instance", R, &p.small),
        CostItem::new("aws_nat_gateway.gw", "aws_nat_gateway", R, &p.nat),
        CostItem::new("aws_ebs_volume.old", "aws_ebs_volume", R, &p.vol),
        CostItem::new("aws_vpc.main", "aws_vpc", R, &p.empty),
    ];
    let after = vec![
        CostItem::new("aws_instance.web", "aws_instance", R, &p.large),
        CostItem::new("aws_nat_gateway.gw", "aws_nat_gateway", R, &p.nat),
        CostItem::new("aws_eip.ip", "aws_eip", R, &p.empty),
        CostItem::new("aws_vpc.main", "aws_vpc", R, &p.empty),
        CostItem::new("aws_lambda_function.f", "aws_lambda_function", R, &p.empty),
    ];
    build_report(&before, &after, cat(), usage)
}

#[test]
fn totals_and_difference() {
    let p = plan();
    let u = usage("aws_nat_gateway.gw:\n  monthly_data_processed_gb: 100\n");
    let r = report(&p, &u);
    let root = 8.0 * 0.08;
    let nat = 0.045 * 730.0 + 100.0 * 0.045;
    let before = 0.0104 * 730.0 + root + nat + 100.0 * 0.08;
    let after = 0.096 * 730.0 + root + nat + 0.005 * 730.0;
    assert_close(r.total_before, before);
    assert_close(r.total_after, after);
    assert_close(r.difference, after - before);
    assert_eq!(r.currency, "USD");
    assert_eq!(r.hours_per_month, 730.0);
    assert_eq!(r.catalog_date, "2026-11-26");

    let change = |a: &str| r.resources.iter().find(|x| x.address == a).unwrap().change;
    assert_eq!(change("aws_instance.web"), Change::Update);
    assert_eq!(change("aws_nat_gateway.gw"), Change::NoChange);
    assert_eq!(change("aws_ebs_volume.old"), Change::Delete);
    assert_eq!(change("aws_eip.ip"), Change::Create);
    assert_eq!(change("aws_vpc.main"), Change::NoChange);
    // Sorted by address.
    let addrs: Vec<_> = r.resources.iter().map(|x| x.address.as_str()).collect();
    let mut sorted = addrs.clone();
    sorted.sort();
    assert_eq!(addrs, sorted);

    // The Lambda function is not priced: the report says so.
    assert!(!r.complete);
    assert_eq!(r.not_fully_priced, 1);
    assert!(r
        .notes
        .iter()
        .any(|n| n == "aws_lambda_function.f: aws_lambda_function is not in the catalog"));
}

#[test]
fn one_line_footer() {
    let p = plan();
    let r = report(
        &p,
        &usage("aws_nat_gateway.gw:\n  monthly_data_processed_gb: 100\n"),
    );
    // 7.592 + 0.64 + 32.85 + 4.5 + 8 = 53.582; 70.08 + 0.64 + 32.85 + 4.5 + 3.65 = 111.72
    assert_eq!(
        one_line(&r),
        "Monthly cost: $53.58 -> $111.72 (+$58.14); 1 resource not fully priced"
    );

    let small = instance("t3.micro");
    let before = [CostItem::new("aws_instance.a", "aws_instance", R, &small)];
    let r = build_report(&before, &[], cat(), &Usage::none());
    assert_eq!(one_line(&r), "Monthly cost: $8.23 -> $0.00 (-$8.23)");

    let r = build_report(&before, &before, cat(), &Usage::none());
    assert_eq!(one_line(&r), "Monthly cost: $8.23 -> $8.23 (+$0.00)");

    let r = build_report(&[], &[], cat(), &Usage::none());
    assert_eq!(one_line(&r), "Monthly cost: $0.00 -> $0.00 (+$0.00)");
}

#[test]
fn large_amounts_have_thousands_separators() {
    let big = obj(&[("size", n(16000)), ("type", s("io2")), ("iops", n(64000))]);
    let after = [CostItem::new(
        "aws_ebs_volume.db",
        "aws_ebs_volume",
        R,
        &big,
    )];
    let r = build_report(&[], &after, cat(), &Usage::none());
    // 16000 * 0.125 + 32000 * 0.065 + 32000 * 0.0455 = 2000 + 2080 + 1456
    assert_close(r.total_after, 5536.0);
    assert_eq!(
        one_line(&r),
        "Monthly cost: $0.00 -> $5,536.00 (+$5,536.00)"
    );
}

#[test]
fn table_shows_components_totals_and_notes() {
    let p = plan();
    let t = render_table(&report(&p, &Usage::none()));
    assert!(
        t.starts_with(
            "Monthly cost estimate (USD, 730 hours a month, on-demand list prices of 2026-11-26)"
        ),
        "{t}"
    );
    assert!(t.contains("aws_instance.web"), "{t}");
    assert!(
        t.contains("Instance usage (Linux/UNIX, on-demand, m5.large): 730 hour x $0.096 = $70.08"),
        "{t}"
    );
    assert!(t.contains("free"), "{t}");
    assert!(t.contains("not priced"), "{t}");
    assert!(t.contains("Total"), "{t}");
    assert!(
        t.contains("The totals are lower bounds: 1 resource is not fully priced"),
        "{t}"
    );
    assert!(t.contains("Notes:"), "{t}");
    assert!(t.contains("aws_nat_gateway.gw: usage-based charges left out: no usage file gives monthly_data_processed_gb"), "{t}");
}

#[test]
fn markdown_table() {
    let p = plan();
    let m = render_markdown(&report(&p, &Usage::none()));
    assert!(m.contains("| Resource | Before | After | Change |"), "{m}");
    assert!(m.contains("| `aws_eip.ip` | - | $3.65 | +$3.65 |"), "{m}");
    assert!(
        m.contains("| `aws_ebs_volume.old` | $8.00 | - | -$8.00 |"),
        "{m}"
    );
    assert!(m.contains("| **Total** |"), "{m}");
    assert!(m.contains("<details><summary>Notes</summary>"), "{m}");
}

#[test]
fn json_rounds_money_to_the_cent() {
    let p = plan();
    let j = render_json(&report(&p, &Usage::none())).unwrap();
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["hours_per_month"].as_f64(), Some(730.0));
    // 7.592 + 0.64 + 32.85 + 8, without the NAT traffic
    assert_eq!(v["total_before"].as_f64(), Some(49.08));
    assert_eq!(v["complete"], false);
    let web = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_instance.web")
        .unwrap();
    assert_eq!(web["change"], "update");
    assert_eq!(web["after"]["status"], "priced");
    assert_eq!(
        web["after"]["components"][0]["unit_price"].as_f64(),
        Some(0.096)
    );
    assert_eq!(
        web["after"]["components"][0]["monthly"].as_f64(),
        Some(70.08)
    );
    let lambda = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_lambda_function.f")
        .unwrap();
    assert_eq!(lambda["after"]["status"], "not_in_catalog");
    assert_eq!(lambda["after"]["notes"][0]["kind"], "not_in_catalog");
}

#[test]
fn usage_entries_matching_nothing_are_noted() {
    let p = plan();
    let u = usage("aws_nat_gateway.gw:\n  monthly_data_processed_gb: 1\naws_nat_gateway.typo:\n  monthly_data_processed_gb: 1\n");
    let r = report(&p, &u);
    assert!(
        r.notes
            .iter()
            .any(|n| n == "usage.yml: aws_nat_gateway.typo matches no resource in the plan"),
        "{:#?}",
        r.notes
    );
}

#[test]
fn unconfirmed_prices_are_flagged() {
    let p = plan();
    let r = report(&p, &Usage::none());
    assert!(!r.uses_unconfirmed_prices);
    let fast = obj(&[("size", n(100)), ("type", s("gp3")), ("throughput", n(500))]);
    let after = [CostItem::new(
        "aws_ebs_volume.v",
        "aws_ebs_volume",
        R,
        &fast,
    )];
    let r = build_report(&[], &after, cat(), &Usage::none());
    assert!(r.uses_unconfirmed_prices);
    assert!(
        render_table(&r).contains("$0.04* = $15.00"),
        "{}",
        render_table(&r)
    );
}

#[test]
fn change_of_an_unpriced_resource_is_a_question_mark() {
    let p = plan();
    let t = render_table(&report(&p, &Usage::none()));
    let line = t
        .lines()
        .find(|l| l.starts_with("aws_lambda_function.f"))
        .unwrap();
    assert!(
        line.contains("not priced") && line.ends_with(" ?"),
        "{line:?}"
    );
    let m = render_markdown(&report(&p, &Usage::none()));
    assert!(
        m.contains("| `aws_lambda_function.f` | - | not priced | ? |"),
        "{m}"
    );
    assert!(m.contains("| `aws_vpc.main` | free | free |  |"), "{m}");
}
