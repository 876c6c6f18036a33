//! `cairn rollback --to SERIAL` and `apply --rollback-on-failure`: plan the
//! change back to the configuration (and so the infrastructure) an older
//! state version was applied from, show it like any plan, apply it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use cairn_run::{Session, SessionOptions};

use crate::lifecycle::{
    flags_of, learn_session, plan_or_report, print_diags, project_for, runtime, PlanArgs, RunInfo,
};

#[derive(Args, Debug)]
pub struct RollbackCmd {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// The state version to go back to (a serial from `cairn history`).
    #[arg(long = "to", value_name = "SERIAL")]
    pub to: u64,
    /// Apply without asking for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Print progress as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// Save the rollback plan to this file instead of applying it: for
    /// review (`cairn approve`) and `cairn apply PLAN`, as protected
    /// environments require.
    #[arg(long = "out", value_name = "PLANFILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub common: PlanArgs,
    #[command(flatten)]
    pub checks: crate::checks::CheckArgs,
}

/// `cairn rollback --to SERIAL`.
pub fn rollback(a: &RollbackCmd, raw: &[String], color: bool) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let rec = crate::audit::Recorder::start(&dir);
    let mut info = RunInfo::default();
    let code = match runtime() {
        Some(rt) => to_version(
            &Target {
                dir: &dir,
                serial: a.to,
                common: &a.common,
                checks: &a.checks,
                json: a.json,
                auto_approve: a.auto_approve,
                notify: true,
                out: a.out.as_deref(),
            },
            color,
            &rt,
            &rec,
            &mut info,
        ),
        None => 1,
    };
    rec.finish(
        "rollback",
        raw,
        info.digest,
        info.counts,
        info.outcome,
        serde_json::json!({"exit_code": code, "to_serial": a.to, "state_serial": info.serial}),
    );
    code
}

/// What to roll back to, and how.
pub struct Target<'a> {
    pub dir: &'a Path,
    pub serial: u64,
    pub common: &'a PlanArgs,
    pub checks: &'a crate::checks::CheckArgs,
    pub json: bool,
    pub auto_approve: bool,
    /// Send the rollback webhook (the command does; a rollback after a
    /// failed apply sends its own).
    pub notify: bool,
    /// Save the plan here instead of applying it.
    pub out: Option<&'a Path>,
}

/// Opens a session on the configuration kept with state version
/// `t.serial` (its files and variable values) and the current state.
fn open_at(t: &Target, color: bool) -> Result<(Session, cairn_project::Effective), u8> {
    let project = project_for(t.dir, &t.common.env, color).ok_or(1u8)?;
    let workspace = project.environment.clone().unwrap_or_default();
    let lock_timeout = crate::lifecycle::parse_duration(&t.common.lock_timeout).unwrap_or_default();
    let sess = session_at(
        t.dir,
        &workspace,
        t.serial,
        (t.common.lock, lock_timeout, "rollback"),
        color,
    )?;
    Ok((sess, project))
}

/// A session on the configuration and variable values kept with state
/// version `serial` of environment `workspace`, against the current
/// state (`lock`: whether to lock, how long to wait, the operation).
/// Also how `cairn apply` re-plans a saved rollback plan.
pub fn session_at(
    dir: &Path,
    workspace: &str,
    serial: u64,
    lock: (bool, std::time::Duration, &str),
    color: bool,
) -> Result<Session, u8> {
    let backend = match cairn_run::session::open_backend(dir, workspace) {
        Ok(b) => b,
        Err(f) => {
            print_diags(&f.diags, &f.sources, color);
            return Err(1);
        }
    };
    let old = match backend.read_version(serial) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: cannot read state version {}: {e}\n\nHint: cairn history lists the versions kept.", serial);
            return Err(1);
        }
    };
    let cipher = match cairn_run::statekey::for_state(&cairn_run::session::state_dir(dir), &old) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            return Err(1);
        }
    };
    let Some(snapshot) = old.config else {
        eprintln!(
            "Error: state version {} has no recorded configuration\n\nIt was written by another tool or by a cairn that did not keep configurations, so there is nothing to plan back to.\n\nHint: check out that version's configuration from version control and run cairn apply.",
            serial
        );
        return Err(1);
    };
    let files: std::collections::BTreeMap<String, String> = match cipher
        .decrypt(&snapshot.files)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "Error: cannot read the configuration kept with state version {}: {e}",
                serial
            );
            return Err(1);
        }
    };
    let mut cli = Vec::new();
    for (name, v) in &snapshot.variables {
        let json = match v {
            cairn_state::SnapshotValue::Plain(j) => j.clone(),
            cairn_state::SnapshotValue::Encrypted(token) => {
                let bytes = match cipher.decrypt(token) {
                    Ok(b) => b,
                    Err(e) => {
                        eprintln!(
                            "Error: cannot decrypt variable {name:?} of state version {}: {e}",
                            serial
                        );
                        return Err(1);
                    }
                };
                match serde_json::from_slice(&bytes) {
                    Ok(j) => j,
                    Err(e) => {
                        eprintln!(
                            "Error: variable {name:?} of state version {} is corrupt: {e}",
                            serial
                        );
                        return Err(1);
                    }
                }
            }
        };
        cli.push(cairn_vars::CliInput::Json(name.clone(), json));
    }
    let opts = SessionOptions {
        dir: dir.to_path_buf(),
        cli,
        env: crate::env_pairs(),
        workspace: snapshot.workspace.clone(),
        lock: lock.0,
        lock_timeout: lock.1,
        operation: lock.2.into(),
        overlay: Some(Arc::new(cairn_config::Overlay::new(dir, files))),
    };
    match Session::open(&opts) {
        Ok(s) => {
            print_diags(&s.warnings, &s.sources, color);
            Ok(s)
        }
        Err(f) => {
            print_diags(&f.diags, &f.sources, color);
            Err(1)
        }
    }
}

/// Plans back to state version `t.serial`'s configuration, shows the plan,
/// runs the checks, asks (unless auto-approved) and applies.
pub fn to_version(
    t: &Target,
    color: bool,
    rt: &tokio::runtime::Runtime,
    rec: &crate::audit::Recorder,
    info: &mut RunInfo,
) -> u8 {
    let (mut sess, project) = match open_at(t, color) {
        Ok(x) => x,
        Err(code) => return code,
    };
    learn_session(rec, &sess);
    let flags = flags_of(t.common, false);
    if project.protected && t.out.is_none() {
        let env = project.environment.clone().unwrap_or_default();
        info.outcome = cairn_audit::Outcome::Refused;
        eprintln!(
            "Error: the environment {env:?} is protected\n\nA rollback changes it like any apply: it is applied only from a reviewed plan with enough approvals.\n\nHint: cairn rollback -env {env} -to {} -out PLAN, have reviewers run cairn approve PLAN, then cairn apply PLAN.",
            t.serial
        );
        return 1;
    }
    let Some(plan) = plan_or_report(rt, &sess, &flags, color) else {
        return 1;
    };
    if let Some(out) = t.out {
        return save_rollback_plan(t, out, &sess, &plan, &project, flags, color, info);
    }
    let changes = plan.has_changes();
    let code = crate::lifecycle::finish_and_apply(
        &mut sess,
        plan,
        &crate::lifecycle::ApplyStep {
            dir: t.dir,
            project: &project,
            common: t.common,
            checks: t.checks,
            json: t.json,
            auto_approve: t.auto_approve,
            destroy: false,
            what: &format!("roll back to state version {}", t.serial),
        },
        color,
        rt,
        rec,
        info,
    );
    // A rollback run on its own (not the one after a failed apply, which
    // reports itself) is an event too.
    if t.notify && changes && info.serial.is_some() {
        crate::notify::send(
            &project,
            rec,
            rt,
            cairn_notify::EventKind::RolledBack,
            "rollback",
            format!("rolled back to state version {}", t.serial),
            serde_json::json!({"to_serial": t.serial, "ok": code == 0, "state_serial": info.serial}),
        );
    }
    code
}

/// After a failed apply that started from state version `before`: goes
/// back to it. A run that started from no resources destroys what it
/// made.
#[allow(clippy::too_many_arguments)]
pub fn after_failure(
    dir: &Path,
    project: &cairn_project::Effective,
    raw: &[String],
    before: u64,
    before_had_resources: bool,
    common: &PlanArgs,
    checks: &crate::checks::CheckArgs,
    json: bool,
    color: bool,
    rt: &tokio::runtime::Runtime,
    failed_run: &crate::audit::Recorder,
) -> u8 {
    if project.protected {
        // Not even an automatic rollback changes a protected environment
        // without review: say how to make the reviewed one.
        let env = project.environment.clone().unwrap_or_default();
        failed_run.line("not rolling back: the environment is protected");
        eprintln!(
            "\nNot rolling back: the environment {env:?} is protected, and a rollback is applied only from a reviewed plan.\n\nHint: {}",
            if before == 0 || !before_had_resources {
                format!("cairn plan -env {env} -destroy -out PLAN, have reviewers run cairn approve PLAN, then cairn apply -allow-destroy PLAN.")
            } else {
                format!("cairn rollback -env {env} -to {before} -out PLAN, have reviewers run cairn approve PLAN, then cairn apply PLAN.")
            }
        );
        return 1;
    }
    // The rollback is a run of its own in the audit trail and history.
    let rec = crate::audit::Recorder::start(dir);
    let rec = &rec;
    failed_run.line("rolling back: undoing this run's changes");
    let mut info = RunInfo::default();
    eprintln!("\nRolling back: undoing this run's changes.");
    let code = if before == 0 || !before_had_resources {
        // Nothing existed before: undo by destroying what the run made.
        let Some((project, _, mut sess)) =
            crate::lifecycle::start(dir, common, raw, "rollback", color)
        else {
            return 1;
        };
        let Some(plan) = plan_or_report(rt, &sess, &flags_of(common, true), color) else {
            return 1;
        };
        crate::lifecycle::finish_and_apply(
            &mut sess,
            plan,
            &crate::lifecycle::ApplyStep {
                dir,
                project: &project,
                common,
                checks,
                json,
                auto_approve: true,
                destroy: true,
                what: "roll back (destroy what this run made)",
            },
            color,
            rt,
            rec,
            &mut info,
        )
    } else {
        to_version(
            &Target {
                dir,
                serial: before,
                common,
                checks,
                json,
                auto_approve: true,
                notify: false,
                out: None,
            },
            color,
            rt,
            rec,
            &mut info,
        )
    };
    let summary = if code == 0 {
        format!("a failed apply was rolled back to state version {before}")
    } else {
        format!("rolling a failed apply back to state version {before} failed")
    };
    if code == 0 {
        eprintln!("Rollback complete: the infrastructure is back to state version {before}'s configuration.");
    } else {
        eprintln!("Rollback failed: see the errors above; state was saved after every operation.");
    }
    crate::notify::send(
        project,
        rec,
        rt,
        cairn_notify::EventKind::RolledBack,
        "rollback",
        summary,
        serde_json::json!({"to_serial": before, "ok": code == 0, "state_serial": info.serial}),
    );
    rec.finish(
        "rollback",
        raw,
        info.digest,
        info.counts,
        info.outcome,
        serde_json::json!({"exit_code": code, "to_serial": before, "reason": "apply failed (--rollback-on-failure)", "state_serial": info.serial}),
    );
    code
}

/// `cairn rollback -out PLAN`: shows the plan and its checks and saves it
/// as a plan file that records the version it goes back to, so `cairn
/// apply PLAN` re-plans from that version's configuration.
#[allow(clippy::too_many_arguments)]
fn save_rollback_plan(
    t: &Target,
    out: &Path,
    sess: &Session,
    plan: &cairn_engine::Plan,
    project: &cairn_project::Effective,
    flags: cairn_run::PlanFlags,
    color: bool,
    info: &mut RunInfo,
) -> u8 {
    use crate::lifecycle::{cli_inputs, save_plan};
    info.digest = Some(cairn_run::planfile::plan_digest(plan));
    info.counts = plan.counts();
    info.serial = Some(sess.state.serial);
    let json = crate::lifecycle::json_plan(sess, plan);
    let checks = crate::lifecycle::checks_for(
        sess,
        t.dir,
        plan,
        &|| json.clone(),
        project,
        t.checks,
        color,
    );
    let Some(checks) = checks else { return 1 };
    let mut human = crate::lifecycle::render_plan(sess, plan, false);
    human.push_str(&crate::checks::plan_footer(&checks, false));
    print!(
        "{}",
        if color {
            let mut h = crate::lifecycle::render_plan(sess, plan, true);
            h.push_str(&crate::checks::plan_footer(&checks, true));
            h
        } else {
            human.clone()
        }
    );
    let inputs = cairn_run::planfile::Inputs {
        cli: cli_inputs(&[]),
        workspace: sess.workspace.clone(),
        flags,
        rollback_to: Some(t.serial),
    };
    if save_plan(out, t.dir, sess, plan, &inputs, human, json, Some(&checks)).is_err() {
        return 1;
    }
    if checks.report.fails() {
        eprintln!("\n{}", crate::checks::refusal(&checks.report));
        return 1;
    }
    info.outcome = cairn_audit::Outcome::Success;
    println!(
        "\nSaved the rollback plan to: {}\n\nTo roll back to state version {}, run:\n    cairn apply {}",
        out.display(),
        t.serial,
        out.display()
    );
    0
}
