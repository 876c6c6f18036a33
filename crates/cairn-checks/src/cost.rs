//! The plan's monthly cost, before and after.

use cairn_cost::{build_report, Catalog, CostItem, CostReport, Usage};
use cairn_engine::{Action, Mode, Plan};

/// Estimates the monthly cost of every managed instance before the plan
/// (prior values) and after it (planned values). Each instance is priced
/// in its provider configuration's region (else `AWS_REGION` /
/// `AWS_DEFAULT_REGION`).
pub fn cost_report(plan: &Plan, usage: &Usage) -> CostReport {
    let env_region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .filter(|r| !r.is_empty());
    let region_of = |key: &(Vec<String>, String)| -> Option<String> {
        plan.provider_configs
            .get(key)
            .and_then(|v| v.get_attr("region"))
            .filter(|v| v.is_wholly_known() && !v.is_null())
            .and_then(|v| v.unmark_deep().0.as_str().map(str::to_string))
            .or_else(|| env_region.clone())
    };
    let mut before = Vec::new();
    let mut after = Vec::new();
    for c in &plan.changes {
        if c.addr.resource.mode == Mode::Data {
            continue;
        }
        let region = region_of(&c.provider_key);
        let addr = c.addr.to_string();
        let t = &c.addr.resource.type_name;
        if c.action != Action::Create {
            if let Some(b) = &c.before {
                before.push(CostItem::new(addr.clone(), t.clone(), region.as_deref(), b));
            }
        }
        if c.action != Action::Delete {
            if let Some(a) = &c.after {
                after.push(CostItem::new(addr, t.clone(), region.as_deref(), a));
            }
        }
    }
    build_report(&before, &after, Catalog::builtin(), usage)
}
