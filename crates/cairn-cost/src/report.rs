//! The before/after report of a plan and its renderings.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::estimate::{estimate, money, round_cents, CostItem, Estimate, Status, HOURS_PER_MONTH};
use crate::usage::{resource_address, Usage};

/// What the plan does to a resource's cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only in the plan's result: created.
    Create,
    /// Only in the prior state: destroyed.
    Delete,
    /// In both, and the estimate moves.
    Update,
    /// In both, at the same estimate.
    NoChange,
}

/// One resource instance before and after the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceCost {
    pub address: String,
    pub type_name: String,
    pub change: Change,
    pub before: Option<Estimate>,
    pub after: Option<Estimate>,
    #[serde(serialize_with = "money")]
    pub monthly_before: f64,
    #[serde(serialize_with = "money")]
    pub monthly_after: f64,
    #[serde(serialize_with = "money")]
    pub difference: f64,
}

impl ResourceCost {
    /// The estimate that describes the resource as it will be (or was, for
    /// one the plan destroys).
    pub fn current(&self) -> Option<&Estimate> {
        self.after.as_ref().or(self.before.as_ref())
    }
}

/// Monthly costs of a plan: every resource before and after, the totals
/// and what the estimate could not cover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    pub currency: String,
    pub hours_per_month: f64,
    /// When the catalog's prices were taken.
    pub catalog_date: String,
    pub catalog_source: String,
    pub resources: Vec<ResourceCost>,
    #[serde(serialize_with = "money")]
    pub total_before: f64,
    #[serde(serialize_with = "money")]
    pub total_after: f64,
    #[serde(serialize_with = "money")]
    pub difference: f64,
    /// True when every estimate on either side is priced or free: the
    /// totals then cover everything the catalog and usage can.
    pub complete: bool,
    /// Resources whose estimate (after the plan, or before it for those
    /// destroyed) is partial, unknown or not in the catalog.
    pub not_fully_priced: usize,
    /// True when a figure uses a price marked unconfirmed in the catalog.
    pub uses_unconfirmed_prices: bool,
    /// `address: message`, for every note of every estimate, then notes on
    /// the usage file.
    pub notes: Vec<String>,
}

/// Builds the report from the prior instances (`before`) and the planned
/// ones (`after`); instances are matched by address.
pub fn build_report(
    before: &[CostItem<'_>],
    after: &[CostItem<'_>],
    catalog: &Catalog,
    usage: &Usage,
) -> CostReport {
    let mut by_addr: BTreeMap<&str, (Option<Estimate>, Option<Estimate>)> = BTreeMap::new();
    for item in before {
        by_addr.entry(&item.address).or_default().0 = Some(estimate(item, catalog, usage));
    }
    for item in after {
        by_addr.entry(&item.address).or_default().1 = Some(estimate(item, catalog, usage));
    }

    let mut resources = Vec::new();
    let mut notes = Vec::new();
    let (mut total_before, mut total_after) = (0.0, 0.0);
    let mut complete = true;
    let mut not_fully_priced = 0;
    let mut unconfirmed = false;
    for (addr, (b, a)) in by_addr {
        let mb = b.as_ref().map_or(0.0, |e| e.monthly);
        let ma = a.as_ref().map_or(0.0, |e| e.monthly);
        total_before += mb;
        total_after += ma;
        for e in b.iter().chain(a.iter()) {
            complete &= e.status.is_complete();
            unconfirmed |= e.components.iter().any(|c| c.unconfirmed);
        }
        let change = match (&b, &a) {
            (None, Some(_)) => Change::Create,
            (Some(_), None) => Change::Delete,
            _ if round_cents(mb) == round_cents(ma)
                && b.as_ref().map(|e| e.status) == a.as_ref().map(|e| e.status) =>
            {
                Change::NoChange
            }
            _ => Change::Update,
        };
        let type_name = a
            .as_ref()
            .or(b.as_ref())
            .map(|e| e.type_name.clone())
            .unwrap_or_default();
        let rc = ResourceCost {
            address: addr.to_string(),
            type_name,
            change,
            before: b,
            after: a,
            monthly_before: mb,
            monthly_after: ma,
            difference: ma - mb,
        };
        if let Some(cur) = rc.current() {
            if !cur.status.is_complete() {
                not_fully_priced += 1;
            }
            // Notes of the side that describes the resource now; a prior
            // side's notes would repeat them, or be stale.
            let mut seen = BTreeSet::new();
            for n in &cur.notes {
                if seen.insert(&n.message) {
                    notes.push(format!("{}: {}", rc.address, n.message));
                }
            }
        }
        resources.push(rc);
    }

    // Entries of the usage file that price nothing are likely typos.
    let known: BTreeSet<String> = before
        .iter()
        .chain(after.iter())
        .flat_map(|i| [i.address.clone(), resource_address(&i.address)])
        .collect();
    for addr in usage.entries.keys() {
        if !known.contains(addr) {
            let file = usage.file.as_deref().unwrap_or("the usage file");
            notes.push(format!("{file}: {addr} matches no resource in the plan"));
        }
    }

    CostReport {
        currency: if catalog.meta.currency.is_empty() {
            "USD".into()
        } else {
            catalog.meta.currency.clone()
        },
        hours_per_month: HOURS_PER_MONTH,
        catalog_date: catalog.meta.prices_date.clone(),
        catalog_source: catalog.meta.source.clone(),
        resources,
        total_before,
        total_after,
        difference: total_after - total_before,
        complete,
        not_fully_priced,
        uses_unconfirmed_prices: unconfirmed,
        notes,
    }
}

/// `$1,234.56`; negative amounts as `-$1.00`.
pub fn format_usd(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", group(c / 100), c % 100)
}

/// `+$26.75`, `-$3.00`, `+$0.00`.
pub fn format_change(v: f64) -> String {
    let s = format_usd(v);
    if s.starts_with('-') {
        s
    } else {
        format!("+{s}")
    }
}

fn group(n: u64) -> String {
    crate::estimate::group(&n.to_string())
}

/// A unit price as published: `$0.0104`, `$0.00065`, `$1.00`.
fn format_unit_price(p: f64) -> String {
    if (p * 100.0).fract() == 0.0 {
        format!("${p:.2}")
    } else {
        format!("${p}")
    }
}

fn format_qty(q: f64) -> String {
    if q.fract() == 0.0 && q.abs() < 1e15 {
        group(q.abs() as u64)
    } else {
        // Enough digits for fractions of a million requests, no float noise.
        let s = format!("{q:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        match s.split_once('.') {
            Some((i, f)) => format!("{}.{f}", i.parse::<u64>().map_or(i.to_string(), group)),
            None => s.to_string(),
        }
    }
}

/// How one side of a resource reads in a table cell.
fn cell(e: Option<&Estimate>) -> String {
    match e {
        None => "-".into(),
        Some(e) => match e.status {
            Status::Priced => format_usd(e.monthly),
            // At least this much: a part could not be priced.
            Status::Partial => format!("{}+", format_usd(e.monthly)),
            Status::Free => "free".into(),
            Status::Unknown => "unknown".into(),
            Status::NotInCatalog => "not priced".into(),
        },
    }
}

/// The change of one resource; `?` when a side has no figure at all, as a
/// difference against nothing would mislead.
fn change_cell(rc: &ResourceCost) -> String {
    let no_figure = |e: &Option<Estimate>| {
        e.as_ref()
            .is_some_and(|e| matches!(e.status, Status::Unknown | Status::NotInCatalog))
    };
    if rc.change == Change::NoChange {
        String::new()
    } else if no_figure(&rc.before) || no_figure(&rc.after) {
        "?".into()
    } else {
        format_change(rc.difference)
    }
}

fn header(r: &CostReport) -> String {
    format!(
        "Monthly cost estimate ({}, {} hours a month, on-demand list prices of {})",
        r.currency, r.hours_per_month, r.catalog_date
    )
}

/// The table for people: one row per resource with its components, the
/// totals, then the notes.
pub fn render_table(r: &CostReport) -> String {
    let rows: Vec<[String; 4]> = r
        .resources
        .iter()
        .map(|rc| {
            let change = change_cell(rc);
            [
                rc.address.clone(),
                cell(rc.before.as_ref()),
                cell(rc.after.as_ref()),
                change,
            ]
        })
        .collect();
    let totals = [
        "Total".to_string(),
        format_usd(r.total_before),
        format_usd(r.total_after),
        format_change(r.difference),
    ];
    let titles = [
        "Resource".to_string(),
        "Before".into(),
        "After".into(),
        "Change".into(),
    ];
    let mut w = [0usize; 4];
    for row in rows.iter().chain([&titles, &totals]) {
        for (i, c) in row.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |row: &[String; 4]| {
        format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        )
        .trim_end()
        .to_string()
    };

    let mut out = String::new();
    out.push_str(&header(r));
    out.push_str("\n\n");
    out.push_str(&line(&titles));
    out.push('\n');
    for (rc, row) in r.resources.iter().zip(&rows) {
        out.push_str(&line(row));
        out.push('\n');
        if let Some(e) = rc.current() {
            for c in &e.components {
                out.push_str(&format!(
                    "    {}: {} {} x {}{} = {}\n",
                    c.name,
                    format_qty(c.quantity),
                    c.unit,
                    format_unit_price(c.unit_price),
                    if c.unconfirmed { "*" } else { "" },
                    format_usd(c.monthly)
                ));
            }
        }
    }
    out.push('\n');
    out.push_str(&line(&totals));
    out.push('\n');
    if !r.complete {
        out.push_str(&format!(
            "\nThe totals are lower bounds: {} not fully priced (see the notes).\n",
            plural(r.not_fully_priced, "resource is", "resources are")
        ));
    }
    if r.uses_unconfirmed_prices {
        out.push_str("\n* price marked unconfirmed in the catalog (see docs/cost.md)\n");
    }
    if !r.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &r.notes {
            out.push_str(&format!("  {n}\n"));
        }
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The report as JSON (money rounded to the cent).
pub fn render_json(r: &CostReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(r)
}

/// Escapes text for a Markdown table cell.
fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A Markdown table, for pull request comments.
pub fn render_markdown(r: &CostReport) -> String {
    let mut out = String::new();
    out.push_str(&format!("**{}**\n\n", header(r)));
    out.push_str("| Resource | Before | After | Change |\n");
    out.push_str("|---|---:|---:|---:|\n");
    for rc in &r.resources {
        let change = change_cell(rc);
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            md(&rc.address),
            cell(rc.before.as_ref()),
            cell(rc.after.as_ref()),
            change
        ));
    }
    out.push_str(&format!(
        "| **Total** | **{}** | **{}** | **{}** |\n",
        format_usd(r.total_before),
        format_usd(r.total_after),
        format_change(r.difference)
    ));
    if !r.complete {
        out.push_str(&format!(
            "\nThe totals are lower bounds: {} not fully priced.\n",
            plural(r.not_fully_priced, "resource is", "resources are")
        ));
    }
    if r.uses_unconfirmed_prices {
        out.push_str("\nSome figures use prices marked unconfirmed in the catalog.\n");
    }
    if !r.notes.is_empty() {
        out.push_str("\n<details><summary>Notes</summary>\n\n");
        for n in &r.notes {
            out.push_str(&format!("- {}\n", md(n)));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// The plan footer: `Monthly cost: $123.45 -> $150.20 (+$26.75)`, with
/// how many resources the figures leave out when there are any.
pub fn one_line(r: &CostReport) -> String {
    let before = round_cents(r.total_before);
    let after = round_cents(r.total_after);
    let mut s = format!(
        "Monthly cost: {} -> {} ({})",
        format_usd(before),
        format_usd(after),
        format_change(after - before)
    );
    if r.not_fully_priced > 0 {
        s.push_str(&format!(
            "; {} not fully priced",
            plural(r.not_fully_priced, "resource", "resources")
        ));
    }
    s
}
