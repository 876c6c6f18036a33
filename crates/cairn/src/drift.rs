//! `cairn drift`: what changed outside cairn.

use std::path::PathBuf;

use clap::Args;

use crate::lifecycle::{
    flags_of, learn_session, plan_or_report, print_diags, runtime, start, PlanArgs, RunInfo,
};

#[derive(Args, Debug)]
pub struct DriftCmd {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Output format: human (default), json (= -json), or markdown (for a
    /// scheduled job's issue or chat message).
    #[arg(long, value_parser = ["human", "json", "markdown"], default_value = "human")]
    pub format: String,
    /// Also list the objects of supported types that exist in the
    /// providers' accounts and regions but are in no state (AWS's
    /// defaults are not listed).
    #[arg(long)]
    pub unmanaged: bool,
    #[command(flatten)]
    pub common: PlanArgs,
}

/// `cairn drift`: refreshes every object in state and reports what changed
/// outside cairn, attribute by attribute, and what was deleted; with
/// `--unmanaged`, also the objects that exist but are in no state. Changes
/// nothing. Exit 0 clean, 2 drift or unmanaged objects found, 1 error
/// (including, when nothing was found, a type that could not be listed:
/// the account could not be shown clean).
pub fn drift(a: &DriftCmd, raw: &[String], color: bool) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let rec = crate::audit::Recorder::start(&dir);
    let mut info = RunInfo::default();
    let mut found = Found::default();
    let code = drift_inner(a, raw, color, &rec, &mut info, &mut found);
    let mut details = serde_json::json!({
        "exit_code": code,
        "drifted": found.drifted,
        "compared_serial": info.serial,
    });
    if a.unmanaged {
        details["unmanaged"] = serde_json::json!(found.unmanaged);
        details["unmanaged_errors"] = serde_json::json!(found.unmanaged_errors);
    }
    // "state_serial" means "the version this run wrote" (cairn history
    // reads it); drift writes none, so it records what it compared with.
    rec.finish("drift", raw, None, (0, 0, 0), info.outcome, details);
    code
}

/// What a drift run found, for the audit entry.
#[derive(Default)]
struct Found {
    drifted: usize,
    unmanaged: usize,
    unmanaged_errors: usize,
}

/// The unmanaged objects as the renderer takes them.
fn unmanaged_report(u: cairn_run::unmanaged::Unmanaged) -> cairn_render::UnmanagedReport {
    cairn_render::UnmanagedReport {
        objects: u
            .objects
            .into_iter()
            .map(|o| cairn_render::UnmanagedObject {
                type_name: o.type_name,
                id: o.id,
                name: o.name,
                provider: o.provider,
            })
            .collect(),
        errors: u
            .errors
            .into_iter()
            .map(|e| cairn_render::UnmanagedError {
                message: e.error.to_string(),
                code: e.error.code,
                hint: e.error.hint,
                type_name: e.type_name,
                provider: e.provider,
            })
            .collect(),
        types: u.types,
    }
}

fn drift_inner(
    a: &DriftCmd,
    raw: &[String],
    color: bool,
    rec: &crate::audit::Recorder,
    info: &mut RunInfo,
    found: &mut Found,
) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let Some(rt) = runtime() else { return 1 };
    let Some((project, _, sess)) = start(&dir, &a.common, raw, "drift", color) else {
        return 1;
    };
    learn_session(rec, &sess);
    info.serial = Some(sess.state.serial);
    let mut flags = flags_of(&a.common, false);
    flags.refresh = true;
    flags.refresh_only = true;
    let Some(plan) = plan_or_report(&rt, &sess, &flags, color) else {
        return 1;
    };
    for d in &plan.drift {
        rec.learn(&d.before);
        if let Some(v) = &d.after {
            rec.learn(v);
        }
    }
    let report = cairn_render::drift_report(&plan);
    found.drifted = report.len();
    let unmanaged = if a.unmanaged {
        let listed = rt.block_on(cairn_run::unmanaged::find(
            &sess,
            &plan,
            a.common.parallelism,
        ));
        match listed {
            Ok(u) => Some(unmanaged_report(u)),
            Err(d) => {
                print_diags(&d, &sess.sources, color);
                return 1;
            }
        }
    } else {
        None
    };
    if let Some(u) = &unmanaged {
        found.unmanaged = u.objects.len();
        found.unmanaged_errors = u.errors.len();
    }
    let text = if a.json || a.format == "json" {
        let doc = cairn_render::drift_json_with(&report, unmanaged.as_ref());
        format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
    } else if a.format == "markdown" {
        let mut s = cairn_render::drift_markdown(&report);
        if let Some(u) = &unmanaged {
            s.push('\n');
            s.push_str(&cairn_render::unmanaged_markdown(u));
        }
        s
    } else {
        with_unmanaged_text(&report, unmanaged.as_ref())
    };
    print!("{text}");
    rec.line(&with_unmanaged_text(&report, unmanaged.as_ref()));
    let listing_failed = unmanaged.as_ref().is_some_and(|u| !u.errors.is_empty());
    if !report.is_empty() || found.unmanaged > 0 {
        info.outcome = cairn_audit::Outcome::Success;
        crate::notify::send(
            &project,
            rec,
            &rt,
            cairn_notify::EventKind::DriftFound,
            "drift",
            format!(
                "{} resource(s) changed or deleted outside cairn, {} unmanaged",
                report.len(),
                found.unmanaged
            ),
            serde_json::json!({"drifted": report.len(), "unmanaged": found.unmanaged}),
        );
        2
    } else if listing_failed {
        // Nothing found, but not everything could be looked at.
        1
    } else {
        info.outcome = cairn_audit::Outcome::Success;
        0
    }
}

fn with_unmanaged_text(
    report: &[cairn_render::ResourceDrift],
    unmanaged: Option<&cairn_render::UnmanagedReport>,
) -> String {
    let mut s = cairn_render::drift_text(report);
    if let Some(u) = unmanaged {
        s.push('\n');
        s.push_str(&cairn_render::unmanaged_text(u));
    }
    s
}
