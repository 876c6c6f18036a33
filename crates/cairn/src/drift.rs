//! `cairn drift`: what changed outside cairn.

use std::path::PathBuf;

use clap::Args;

use crate::lifecycle::{
    flags_of, learn_session, plan_or_report, runtime, start, PlanArgs, RunInfo,
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
    #[command(flatten)]
    pub common: PlanArgs,
}

/// `cairn drift`: refreshes every object in state and reports what changed
/// outside cairn, attribute by attribute, and what was deleted. Changes
/// nothing. Exit 0 no drift, 2 drift, 1 error.
pub fn drift(a: &DriftCmd, raw: &[String], color: bool) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let rec = crate::audit::Recorder::start(&dir);
    let mut info = RunInfo::default();
    let mut drifted = 0;
    let code = drift_inner(a, raw, color, &rec, &mut info, &mut drifted);
    // "state_serial" means "the version this run wrote" (cairn history
    // reads it); drift writes none, so it records what it compared with.
    rec.finish(
        "drift",
        raw,
        None,
        (0, 0, 0),
        info.outcome,
        serde_json::json!({"exit_code": code, "drifted": drifted, "compared_serial": info.serial}),
    );
    code
}

fn drift_inner(
    a: &DriftCmd,
    raw: &[String],
    color: bool,
    rec: &crate::audit::Recorder,
    info: &mut RunInfo,
    drifted: &mut usize,
) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let Some(rt) = runtime() else { return 1 };
    let Some((_, _, sess)) = start(&dir, &a.common, raw, "drift", color) else {
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
    *drifted = report.len();
    info.outcome = cairn_audit::Outcome::Success;
    let text = if a.json || a.format == "json" {
        format!(
            "{}\n",
            serde_json::to_string_pretty(&cairn_render::drift_json(&report)).unwrap_or_default()
        )
    } else if a.format == "markdown" {
        cairn_render::drift_markdown(&report)
    } else {
        cairn_render::drift_text(&report)
    };
    print!("{text}");
    rec.line(&cairn_render::drift_text(&report));
    if report.is_empty() {
        0
    } else {
        2
    }
}
