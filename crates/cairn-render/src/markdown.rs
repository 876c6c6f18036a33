//! A short Markdown summary of a plan for pull-request comments. It names
//! addresses, actions and reasons only: no attribute values at all, so it
//! cannot leak a secret.

use std::collections::BTreeMap;

use cairn_engine::{Action, Change, Mode, Plan};
use cairn_value::PathStep;

use crate::order::addr_cmp;
use crate::reason::Reason;

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// An inline code span that survives any backticks in `s`.
fn code(s: &str) -> String {
    let s = cell(s);
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

fn action_name(c: &Change) -> &'static str {
    match c.action {
        Action::NoOp if c.importing.is_some() => "import",
        Action::NoOp => "move",
        Action::Create => "create",
        Action::Read => "read",
        Action::Update => "update",
        Action::Replace if c.create_before_destroy => "replace (create before destroy)",
        Action::Replace => "replace",
        Action::Delete => "destroy",
    }
}

fn path_name(p: &[PathStep]) -> String {
    let mut out = String::new();
    for s in p {
        match s {
            PathStep::Attr(a) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(a);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Key(k) => out.push_str(&format!("[{k:?}]")),
        }
    }
    out
}

fn reason_text(c: &Change) -> String {
    let mut parts = Vec::new();
    if let Some(r) = Reason::of(c) {
        parts.push(r.short());
    }
    if !c.replace_paths.is_empty() {
        let names: Vec<String> = c
            .replace_paths
            .iter()
            .map(|p| code(&path_name(p)))
            .collect();
        parts.push(format!("forced by {}", names.join(", ")));
    }
    if let Some(from) = c.moved_from.as_ref().filter(|f| **f != c.addr) {
        parts.push(format!("moved from {}", code(&from.to_string())));
    }
    if let Some(id) = &c.importing {
        parts.push(format!("imported from {}", code(id)));
    }
    parts.join("; ")
}

/// A Markdown summary of `plan`: the counts per action and a table of the
/// changes with their reasons.
pub fn markdown_summary(plan: &Plan) -> String {
    let mut changes: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| match c.action {
            Action::NoOp => {
                c.importing.is_some() || c.moved_from.as_ref().is_some_and(|f| *f != c.addr)
            }
            Action::Delete => c.addr.resource.mode == Mode::Managed,
            _ => true,
        })
        .collect();
    changes.sort_by(|x, y| addr_cmp(&x.addr, &y.addr));
    let outputs: Vec<(&String, &str)> = plan
        .outputs
        .iter()
        .filter_map(|(k, o)| {
            let a = match (&o.before, &o.after) {
                (None, Some(_)) => "create",
                (Some(_), None) => "destroy",
                (Some(b), Some(a)) if !b.raw_equal(a) => "update",
                _ => return None,
            };
            Some((k, a))
        })
        .collect();
    let drift = plan.drift.len();

    let mut out = String::new();
    if changes.is_empty() && outputs.is_empty() && drift == 0 {
        out.push_str(
            "### cairn plan: no changes\n\nYour infrastructure matches the configuration.\n",
        );
        return out;
    }

    let (mut add, mut change, mut destroy, mut imports) = (0, 0, 0, 0);
    let mut per_action: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &changes {
        match c.action {
            Action::Create => add += 1,
            Action::Update => change += 1,
            Action::Replace => {
                add += 1;
                destroy += 1;
            }
            Action::Delete => destroy += 1,
            _ => {}
        }
        if c.importing.is_some() {
            imports += 1;
        }
        let name = match c.action {
            Action::Replace => "replace",
            _ => action_name(c),
        };
        *per_action.entry(name).or_default() += 1;
    }
    out.push_str(&format!(
        "### cairn plan: {add} to add, {change} to change, {destroy} to destroy"
    ));
    if imports > 0 {
        out.push_str(&format!(", {imports} to import"));
    }
    out.push_str("\n\n");

    if !per_action.is_empty() {
        out.push_str("| Action | Count |\n| --- | ---: |\n");
        for name in [
            "create", "update", "replace", "destroy", "read", "import", "move",
        ] {
            if let Some(n) = per_action.get(name) {
                out.push_str(&format!("| {name} | {n} |\n"));
            }
        }
        out.push('\n');
        out.push_str("| Address | Action | Reason |\n| --- | --- | --- |\n");
        for c in &changes {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                code(&c.addr.to_string()),
                action_name(c),
                reason_text(c)
            ));
        }
        out.push('\n');
    }
    if !outputs.is_empty() {
        let list: Vec<String> = outputs
            .iter()
            .map(|(k, a)| format!("{} ({a})", code(k)))
            .collect();
        out.push_str(&format!("Outputs changing: {}\n\n", list.join(", ")));
    }
    if drift > 0 {
        let mut addrs: Vec<_> = plan.drift.iter().map(|d| &d.addr).collect();
        addrs.sort_by(|x, y| addr_cmp(x, y));
        let list: Vec<String> = addrs.iter().map(|a| code(&a.to_string())).collect();
        out.push_str(&format!(
            "Changed outside of cairn: {}\n\n",
            list.join(", ")
        ));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
