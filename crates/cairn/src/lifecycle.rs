//! `plan`, `apply`, `destroy`, `import`: the commands that read or change
//! infrastructure.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;

use cairn_engine::{Action, Event, Events, Plan};
use cairn_run::planfile::{self, Inputs, SavedPlan};
use cairn_run::{PlanFlags, Session, SessionOptions};

use crate::VarArgs;

/// Flags shared by plan, apply and destroy.
#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// Limit the operation to these resources (and what they depend on). Repeatable.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Replace these resource instances even if nothing forces it. Repeatable.
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Skip refreshing state against real infrastructure (-refresh=false).
    #[arg(long = "refresh", value_name = "BOOL", default_value = "true", action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// Only update state to match real infrastructure.
    #[arg(long = "refresh-only")]
    pub refresh_only: bool,
    /// How many operations run at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Do not take the state lock (dangerous).
    #[arg(long = "lock", value_name = "BOOL", default_value = "true", action = clap::ArgAction::Set)]
    pub lock: bool,
    /// How long to wait for the state lock (e.g. 30s, 5m).
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
    /// The environment declared in cairn.hcl (default: $CAIRN_ENV): its
    /// variable files, tag policy and budget; terraform.workspace is its
    /// name.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    #[command(flatten)]
    pub vars: VarArgs,
}

#[derive(Args, Debug)]
pub struct PlanCmd {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Plan to destroy everything.
    #[arg(long)]
    pub destroy: bool,
    /// Save the plan to a file for `cairn apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Print the plan in Terraform's JSON plan format.
    #[arg(long)]
    pub json: bool,
    /// Output format: human (default), json (= -json), or markdown (a
    /// summary for a pull-request comment, with the commands to apply it).
    #[arg(long, value_parser = ["human", "json", "markdown"], default_value = "human")]
    pub format: String,
    #[command(flatten)]
    pub common: PlanArgs,
    #[command(flatten)]
    pub checks: crate::checks::CheckArgs,
}

#[derive(Args, Debug)]
pub struct ApplyCmd {
    /// A configuration directory, or a plan file saved with `plan -out`.
    pub target: Option<PathBuf>,
    /// Apply without asking for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Print progress as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// If an operation or the verification after apply fails, undo this
    /// run's changes (plan back to the previous state version's
    /// configuration and apply it) and report both.
    #[arg(long = "rollback-on-failure")]
    pub rollback_on_failure: bool,
    /// In a protected environment, allow the approved plan to destroy (or
    /// replace) resources.
    #[arg(long = "allow-destroy")]
    pub allow_destroy: bool,
    #[command(flatten)]
    pub common: PlanArgs,
    #[command(flatten)]
    pub checks: crate::checks::CheckArgs,
}

#[derive(Args, Debug)]
pub struct DestroyCmd {
    pub dir: Option<PathBuf>,
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    #[arg(long)]
    pub json: bool,
    /// In a protected environment, allow destroying (with approvals).
    #[arg(long = "allow-destroy")]
    pub allow_destroy: bool,
    #[command(flatten)]
    pub common: PlanArgs,
    #[command(flatten)]
    pub checks: crate::checks::CheckArgs,
}

#[derive(Args, Debug)]
pub struct ImportCmd {
    /// The resource instance address to import into.
    pub address: String,
    /// The provider's ID of the existing object.
    pub id: String,
    /// The configuration directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
}

/// Parses `30s`, `5m`, `1h`, `500ms`, plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| s.split_at(i))
        .unwrap_or((s, "s"));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid duration {s:?}: use forms like 30s, 5m, 1h"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("invalid duration unit in {s:?}: use ms, s, m or h")),
    };
    Ok(Duration::from_secs_f64(secs.max(0.0)))
}

pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            None
        }
    }
}

pub(crate) fn flags_of(common: &PlanArgs, destroy: bool) -> PlanFlags {
    PlanFlags {
        destroy,
        refresh: common.refresh,
        refresh_only: common.refresh_only,
        targets: common.targets.clone(),
        replace: common.replace.clone(),
        parallelism: common.parallelism,
        imports: Vec::new(),
    }
}

/// The project settings (`cairn.hcl`) for the selected environment;
/// prints the errors and gives `None` when the file is wrong.
pub fn project_for(
    dir: &std::path::Path,
    env: &Option<String>,
    color: bool,
) -> Option<cairn_project::Effective> {
    let sources = cairn_diagnostics::SourceMap::new();
    let env = crate::checks::env_name(env);
    match crate::checks::project_settings(dir, env.as_deref(), &sources) {
        Ok(p) => Some(p),
        Err(d) => {
            print_diags(&d, &sources, color);
            None
        }
    }
}

fn session_opts(
    dir: PathBuf,
    common: &PlanArgs,
    raw: &[String],
    operation: &str,
    project: &cairn_project::Effective,
) -> Result<SessionOptions, String> {
    // The environment's values first: the command line wins.
    let mut cli = env_inputs(&dir, project);
    cli.extend(common.vars.ordered(raw));
    Ok(SessionOptions {
        dir,
        cli,
        env: crate::env_pairs(),
        workspace: project.environment.clone().unwrap_or_default(),
        lock: common.lock,
        lock_timeout: parse_duration(&common.lock_timeout)?,
        operation: operation.to_string(),
        overlay: None,
    })
}

/// Loads the project settings, builds the session options and opens the
/// session (locked) for `op`; prints what went wrong and gives `None`.
pub(crate) fn start(
    dir: &std::path::Path,
    common: &PlanArgs,
    raw: &[String],
    op: &str,
    color: bool,
) -> Option<(cairn_project::Effective, SessionOptions, Session)> {
    let project = project_for(dir, &common.env, color)?;
    let opts = match session_opts(dir.to_path_buf(), common, raw, op, &project) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("Error: {e}");
            return None;
        }
    };
    let sess = open(&opts, color)?;
    Some((project, opts, sess))
}

/// Runs the checks on a session's plan; prints warnings, or the errors
/// and gives `None`.
pub(crate) fn checks_for(
    sess: &Session,
    dir: &std::path::Path,
    plan: &Plan,
    json: &dyn Fn() -> serde_json::Value,
    project: &cairn_project::Effective,
    args: &crate::checks::CheckArgs,
    color: bool,
) -> Option<crate::checks::Outcome> {
    let r = crate::checks::run(
        dir,
        plan,
        json,
        &sess.tree,
        &sess.registry,
        &sess.sources,
        project,
        args,
    );
    match r {
        Ok(c) => {
            print_diags(&c.warnings, &sess.sources, color);
            Some(c)
        }
        Err(d) => {
            print_diags(&d, &sess.sources, color);
            None
        }
    }
}

/// Plans with the session; prints the diagnostics and gives `None` on
/// errors.
pub(crate) fn plan_or_report(
    rt: &tokio::runtime::Runtime,
    sess: &Session,
    flags: &PlanFlags,
    color: bool,
) -> Option<Plan> {
    match rt.block_on(cairn_run::make_plan(sess, flags)) {
        Ok(p) => Some(p),
        Err(d) => {
            print_diags(&d, &sess.sources, color);
            None
        }
    }
}

fn open(opts: &SessionOptions, color: bool) -> Option<Session> {
    match Session::open(opts) {
        Ok(s) => {
            print_diags(&s.warnings, &s.sources, color);
            Some(s)
        }
        Err(f) => {
            print_diags(&f.diags, &f.sources, color);
            None
        }
    }
}

pub fn print_diags(
    d: &cairn_diagnostics::Diagnostics,
    sources: &cairn_diagnostics::SourceMap,
    color: bool,
) {
    if d.is_empty() {
        return;
    }
    let text = cairn_diagnostics::render(d, sources);
    eprint!("{}", crate::validate::paint(&text, color));
}

pub(crate) fn render_plan(sess: &Session, plan: &Plan, color: bool) -> String {
    let registry = sess.registry.clone();
    let schemas = move |type_name: &str| -> Option<cairn_provider::Schema> {
        let provider = cairn_config::implied_provider(type_name);
        registry
            .resource_schema(&provider, type_name, false)
            .or_else(|_| registry.resource_schema(&provider, type_name, true))
            .ok()
            .map(|s| s.block.clone())
    };
    cairn_render::human(
        plan,
        &cairn_render::HumanOptions {
            color,
            schemas: Some(&schemas),
        },
    )
}

/// The JSON plan of a session's plan, with `prior_state`: the state it
/// was made against and the data sources it read (so policies can inspect
/// them). Built only when printed, saved or read by a policy.
pub(crate) fn json_plan(sess: &Session, plan: &Plan) -> serde_json::Value {
    // A state that cannot be shown was already refused when it was opened.
    let prior =
        crate::statejson::state_json(&sess.state, &sess.cipher, &sess.registry, Some(&plan.data))
            .ok();
    json_plan_of(plan, &sess.root_vars, &sess.tree, prior)
}

/// Terraform's JSON plan format (what Rego policies read).
pub fn json_plan_of(
    plan: &Plan,
    root_vars: &std::collections::BTreeMap<String, cairn_value::Value>,
    tree: &cairn_config::ModuleTree,
    prior_state: Option<serde_json::Value>,
) -> serde_json::Value {
    cairn_render::json_plan(
        plan,
        &cairn_render::JsonMeta {
            cairn_version: env!("CARGO_PKG_VERSION").to_string(),
            variables: root_vars.clone(),
            prior_state,
            configuration: Some(configuration_json(tree)),
            timestamp: chrono_now(),
        },
    )
}

/// The `configuration` part of the JSON plan: modules, resources,
/// variables and outputs (expressions are not rendered).
fn configuration_json(tree: &cairn_config::ModuleTree) -> serde_json::Value {
    fn module(tree: &cairn_config::ModuleTree, path: &[String]) -> serde_json::Value {
        let Some(m) = tree.get(path) else {
            return serde_json::json!({});
        };
        let mut resources = Vec::new();
        for (mode, map) in [("managed", &m.resources), ("data", &m.data)] {
            for r in map.values() {
                resources.push(serde_json::json!({
                    "address": r.address(),
                    "mode": mode,
                    "type": r.type_name,
                    "name": r.name,
                    "provider_config_key": r.provider.as_ref().map(|p| p.address()).unwrap_or_else(|| r.provider_name()),
                    "schema_version": 0,
                    "expressions": {},
                }));
            }
        }
        let variables: serde_json::Map<String, serde_json::Value> = m
            .variables
            .iter()
            .map(|(k, v)| {
                let mut o = serde_json::Map::new();
                if let Some(d) = &v.description {
                    o.insert("description".into(), serde_json::json!(d));
                }
                if v.sensitive {
                    o.insert("sensitive".into(), serde_json::json!(true));
                }
                (k.clone(), serde_json::Value::Object(o))
            })
            .collect();
        let outputs: serde_json::Map<String, serde_json::Value> = m
            .outputs
            .iter()
            .map(|(k, o)| {
                (
                    k.clone(),
                    serde_json::json!({"sensitive": o.sensitive, "expression": {}}),
                )
            })
            .collect();
        let calls: serde_json::Map<String, serde_json::Value> = m
            .module_calls
            .iter()
            .map(|(k, c)| {
                let mut child = path.to_vec();
                child.push(k.clone());
                (
                    k.clone(),
                    serde_json::json!({"source": c.source, "module": module(tree, &child)}),
                )
            })
            .collect();
        serde_json::json!({"resources": resources, "variables": variables, "outputs": outputs, "module_calls": calls})
    }
    let mut providers = serde_json::Map::new();
    for node in tree.nodes.values() {
        for r in node
            .module
            .resources
            .values()
            .chain(node.module.data.values())
        {
            let n = r.provider_name();
            providers.entry(n.clone()).or_insert_with(
                || serde_json::json!({"name": n, "full_name": format!("hashicorp/{n}")}),
            );
        }
    }
    serde_json::json!({"provider_config": providers, "root_module": module(tree, &[])})
}

fn chrono_now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{d}")
}

/// What a run reports to the audit trail.
pub struct RunInfo {
    /// The state version the run wrote, if any.
    pub serial: Option<u64>,
    pub digest: Option<String>,
    pub counts: (usize, usize, usize),
    pub outcome: cairn_audit::Outcome,
    /// Set when the run was undone after failing: whether that worked.
    pub rolled_back: Option<bool>,
    /// The apply worked but its verification failed.
    pub verify_failed: bool,
}

impl Default for RunInfo {
    fn default() -> Self {
        RunInfo {
            serial: None,
            digest: None,
            counts: (0, 0, 0),
            outcome: cairn_audit::Outcome::Failure,
            rolled_back: None,
            verify_failed: false,
        }
    }
}

/// Learns the secrets a session knows (sensitive variables and state
/// values) so the run log and audit entry never show them.
pub(crate) fn learn_session(rec: &crate::audit::Recorder, sess: &Session) {
    rec.set_environment(&sess.workspace);
    for v in sess.root_vars.values() {
        rec.learn(v);
    }
    if let Ok(prior) = sess.prior() {
        for p in prior.instances.values() {
            rec.learn(&p.value);
        }
        for v in prior.outputs.values() {
            rec.learn(v);
        }
    }
}

fn learn_plan(rec: &crate::audit::Recorder, plan: &Plan) {
    for c in &plan.changes {
        for v in c.before.iter().chain(c.after.iter()) {
            rec.learn(v);
        }
    }
    // Data sources read while planning (`cairn_secret` among them).
    for v in plan.data.values() {
        rec.learn(v);
    }
    for o in plan.outputs.values() {
        for v in o.before.iter().chain(o.after.iter()) {
            rec.learn(v);
        }
    }
}

/// `cairn plan`.
pub fn plan(a: &PlanCmd, raw: &[String], color: bool) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let rec = crate::audit::Recorder::start(&dir);
    let mut info = RunInfo::default();
    let code = plan_inner(a, raw, color, &rec, &mut info);
    rec.finish(
        "plan",
        raw,
        info.digest,
        info.counts,
        info.outcome,
        serde_json::json!({"exit_code": code, "state_serial": info.serial}),
    );
    code
}

/// `cairn cost [DIR|PLANFILE]`: the monthly estimate per resource before
/// and after the plan, the totals and the difference. A plan file shows
/// the estimate recorded when it was made; a directory is planned now
/// (reading state, refreshing like `plan`).
pub fn cost(a: &crate::checks::CostCmd, raw: &[String], color: bool) -> u8 {
    let target = a.target.clone().unwrap_or_else(|| PathBuf::from("."));
    if target.is_file() {
        return match SavedPlan::read(&target) {
            Ok(p) => match &p.cost {
                Some(c) => {
                    print!("{}", crate::checks::render_cost(c, &a.format));
                    0
                }
                None => {
                    eprintln!("Error: {} has no cost estimate\n\nIt was saved by a refresh-only plan or by an older cairn.\n\nHint: run cairn plan -out again.", target.display());
                    1
                }
            },
            Err(e) => {
                eprintln!("Error: {e}");
                1
            }
        };
    }
    let Some(rt) = runtime() else { return 1 };
    let Some((project, _, sess)) = start(&target, &a.common, raw, "cost", color) else {
        return 1;
    };
    let usage = match crate::checks::usage(&target, &a.checks, &project) {
        Ok(u) => u,
        Err(d) => {
            print_diags(&d, &sess.sources, color);
            return 1;
        }
    };
    let Some(plan) = plan_or_report(&rt, &sess, &flags_of(&a.common, false), color) else {
        return 1;
    };
    let report = cairn_checks::cost_report(&plan, &usage);
    print!("{}", crate::checks::render_cost(&report, &a.format));
    0
}

fn plan_inner(
    a: &PlanCmd,
    raw: &[String],
    color: bool,
    rec: &crate::audit::Recorder,
    info: &mut RunInfo,
) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let Some(rt) = runtime() else { return 1 };
    let Some((project, opts, sess)) = start(&dir, &a.common, raw, "plan", color) else {
        return 1;
    };
    learn_session(rec, &sess);
    let flags = flags_of(&a.common, a.destroy);
    let Some(plan) = plan_or_report(&rt, &sess, &flags, color) else {
        return 1;
    };
    learn_plan(rec, &plan);
    info.digest = Some(planfile::plan_digest(&plan));
    info.counts = plan.counts();
    info.outcome = cairn_audit::Outcome::Success;
    let mut human = render_plan(&sess, &plan, false);
    // Built once, when printed, saved or read by a policy.
    let json_cell = std::cell::OnceCell::new();
    let json = || json_cell.get_or_init(|| json_plan(&sess, &plan)).clone();
    let checks = if flags.refresh_only {
        None
    } else {
        match checks_for(&sess, &dir, &plan, &json, &project, &a.checks, color) {
            Some(c) => Some(c),
            None => return 1,
        }
    };
    if let Some(c) = &checks {
        human.push_str(&crate::checks::plan_footer(c, false));
    }
    if a.format == "markdown" {
        print!("{}", cairn_render::markdown_summary(&plan));
        if let Some(c) = &checks {
            if !c.report.findings.is_empty() {
                print!("\n{}", cairn_findings::render::markdown(&c.report));
            }
            println!("\n{}", cairn_cost::one_line(&c.cost));
        }
        let (add, change, destroy) = plan.counts();
        if add + change + destroy > 0 {
            println!(
                "\n{} Every state version is kept in `.cairn/history`; `cairn history` lists them.",
                apply_hint(a.out.as_deref(), &sess.workspace, &project)
            );
            println!(
                "\n{}",
                rollback_hint(sess.state.serial, &sess.workspace, project.protected)
            );
        }
    } else if a.json || a.format == "json" {
        println!(
            "{}",
            serde_json::to_string_pretty(&json()).unwrap_or_default()
        );
    } else {
        if color {
            print!("{}", render_plan(&sess, &plan, true));
            if let Some(c) = &checks {
                print!("{}", crate::checks::plan_footer(c, true));
            }
        } else {
            print!("{human}");
        }
    }
    let refused = checks.as_ref().is_some_and(|c| c.report.fails());
    if let Some(out) = &a.out {
        let inputs = Inputs {
            cli: cli_inputs(&opts.cli),
            workspace: opts.workspace.clone(),
            flags: flags.clone(),
            rollback_to: None,
        };
        if save_plan(
            out,
            &dir,
            &sess,
            &plan,
            &inputs,
            human,
            json(),
            checks.as_ref(),
        )
        .is_err()
        {
            return 1;
        }
        if !a.json && a.format == "human" && !refused {
            println!("\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n    cairn apply {}", out.display(), out.display());
        }
    }
    if let Some(c) = checks.as_ref().filter(|c| c.report.fails()) {
        eprintln!("\n{}", crate::checks::refusal(&c.report));
        return 1;
    }
    if a.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    }
}

/// Prints progress lines (plain, or JSON with --json).
struct Progress {
    json: bool,
    out: Mutex<std::io::Stdout>,
    /// Operations running now, for the periodic "Still creating..." lines.
    running: Mutex<std::collections::BTreeMap<String, (Action, std::time::Instant)>>,
    /// The run log: every progress line goes there too.
    runlog: Mutex<Option<Arc<cairn_audit::RunLog>>>,
}

impl Progress {
    fn new(json: bool) -> Arc<Progress> {
        Arc::new(Progress {
            json,
            out: Mutex::new(std::io::stdout()),
            running: Mutex::new(Default::default()),
            runlog: Mutex::new(None),
        })
    }

    /// Every `every`, a line for each operation still running, as
    /// Terraform prints ("Still creating... [10s elapsed]").
    fn ticker(
        self: &Arc<Self>,
        every: Duration,
    ) -> (
        Arc<std::sync::atomic::AtomicBool>,
        std::thread::JoinHandle<()>,
    ) {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (me, flag) = (self.clone(), stop.clone());
        let h = std::thread::spawn(move || {
            let mut last = std::time::Instant::now();
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(200));
                if last.elapsed() < every {
                    continue;
                }
                last = std::time::Instant::now();
                let running: Vec<(String, Action, u64)> = match me.running.lock() {
                    Ok(r) => r
                        .iter()
                        .map(|(a, (act, t))| (a.clone(), *act, t.elapsed().as_secs()))
                        .collect(),
                    Err(_) => Vec::new(),
                };
                if me.json {
                    continue;
                }
                if let Ok(mut o) = me.out.lock() {
                    for (a, act, secs) in running {
                        let still = verb(act).0.trim_end_matches("...").to_lowercase();
                        let _ = writeln!(o, "{a}: Still {still}... [{secs}s elapsed]");
                    }
                }
            }
        });
        (stop, h)
    }
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create | Action::Replace => ("Creating...", "Creation complete"),
        Action::Update => ("Modifying...", "Modifications complete"),
        Action::Delete => ("Destroying...", "Destruction complete"),
        Action::Read => ("Reading...", "Read complete"),
        Action::NoOp => ("...", "done"),
    }
}

impl Events for Progress {
    fn event(&self, e: Event) {
        if let Ok(mut r) = self.running.lock() {
            match &e {
                Event::Started { addr, action } => {
                    r.insert(addr.to_string(), (*action, std::time::Instant::now()));
                }
                Event::Finished { addr, .. } => {
                    r.remove(&addr.to_string());
                }
            }
        }
        let line = match (&e, self.json) {
            (Event::Started { addr, action }, false) => format!("{addr}: {}", verb(*action).0),
            (Event::Finished { addr, action, elapsed, error: None }, false) => {
                format!("{addr}: {} after {}s", verb(*action).1, elapsed.as_secs())
            }
            (Event::Finished { addr, error: Some(err), .. }, false) => format!("{addr}: failed: {err}"),
            (Event::Started { addr, action }, true) => serde_json::json!({"type": "apply_start", "address": addr.to_string(), "action": format!("{action:?}").to_lowercase()}).to_string(),
            (Event::Finished { addr, action, elapsed, error }, true) => serde_json::json!({
                "type": if error.is_some() { "apply_errored" } else { "apply_complete" },
                "address": addr.to_string(),
                "action": format!("{action:?}").to_lowercase(),
                "elapsed_seconds": elapsed.as_secs_f64(),
                "error": error,
            })
            .to_string(),
        };
        if let Ok(l) = self.runlog.lock() {
            if let Some(l) = l.as_ref() {
                let _ = l.info(&line);
            }
        }
        if let Ok(mut o) = self.out.lock() {
            let _ = writeln!(o, "{line}");
        }
    }
}

pub(crate) fn confirm(what: &str) -> Result<bool, String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(format!(
            "cairn {what} needs confirmation, but the input is not a terminal. Run with -auto-approve to {what} without asking, or save a plan with `cairn plan -out FILE` and apply that file."
        ));
    }
    print!("\nDo you want to perform these actions?\n  cairn will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim() == "yes")
}

/// `cairn apply` and `cairn destroy`.
pub fn apply(a: &ApplyCmd, raw: &[String], color: bool, destroy: bool) -> u8 {
    let target = a.target.clone().unwrap_or_else(|| PathBuf::from("."));
    let dir = if target.is_file() {
        SavedPlan::read(&target)
            .map(|p| PathBuf::from(p.dir))
            .unwrap_or_else(|_| PathBuf::from("."))
    } else {
        target
    };
    let rec = crate::audit::Recorder::start(&dir);
    let mut info = RunInfo::default();
    let code = apply_inner(a, raw, color, destroy, &rec, &mut info);
    rec.finish(
        if destroy { "destroy" } else { "apply" },
        raw,
        info.digest,
        info.counts,
        info.outcome,
        serde_json::json!({"exit_code": code, "state_serial": info.serial, "rolled_back": info.rolled_back}),
    );
    code
}

fn apply_inner(
    a: &ApplyCmd,
    raw: &[String],
    color: bool,
    destroy: bool,
    rec: &crate::audit::Recorder,
    info: &mut RunInfo,
) -> u8 {
    let target = a.target.clone().unwrap_or_else(|| PathBuf::from("."));
    let Some(rt) = runtime() else { return 1 };
    // A saved plan: re-plan from its inputs and apply only if identical.
    if target.is_file() {
        return apply_saved(a, raw, &target, color, &rt, rec, info);
    }
    let op = if destroy { "destroy" } else { "apply" };
    let Some((project, _, mut sess)) = start(&target, &a.common, raw, op, color) else {
        return 1;
    };
    if project.protected {
        let env = project.environment.clone().unwrap_or_default();
        info.outcome = cairn_audit::Outcome::Refused;
        eprintln!(
            "Error: the environment {env:?} is protected\n\nChanges to it are applied only from a reviewed plan with enough approvals.\n\nHint: cairn plan -env {env} -out PLAN, have reviewers run cairn approve PLAN, then cairn apply PLAN."
        );
        return 1;
    }
    learn_session(rec, &sess);
    let flags = flags_of(&a.common, destroy);
    let Some(plan) = plan_or_report(&rt, &sess, &flags, color) else {
        return 1;
    };
    let before = sess.state.serial;
    let before_had_resources = !sess.state.resources.is_empty();
    let code = finish_and_apply(
        &mut sess,
        plan,
        &ApplyStep {
            dir: &target,
            project: &project,
            common: &a.common,
            checks: &a.checks,
            json: a.json,
            auto_approve: a.auto_approve,
            destroy,
            what: if destroy { "destroy" } else { "apply" },
        },
        color,
        &rt,
        rec,
        info,
    );
    if code != 0 && info.serial.is_some() {
        let (kind, what) = if info.verify_failed {
            (
                cairn_notify::EventKind::VerifyFailed,
                "verification failed after",
            )
        } else {
            (cairn_notify::EventKind::ApplyFailed, "operations failed in")
        };
        let (add, change, del) = info.counts;
        crate::notify::send(
            &project,
            rec,
            &rt,
            kind,
            if destroy { "destroy" } else { "apply" },
            format!(
                "{what} the {}: {add} added, {change} changed, {del} destroyed",
                if destroy { "destroy" } else { "apply" }
            ),
            serde_json::json!({"state_serial": info.serial, "added": add, "changed": change, "destroyed": del}),
        );
    }
    // Only a run that changed something and failed is undone (not one
    // refused by the checks or cancelled at the prompt).
    if code != 0 && a.rollback_on_failure && info.serial.is_some() && !destroy {
        drop(sess);
        let rolled = crate::rollback::after_failure(
            &target,
            &project,
            raw,
            before,
            before_had_resources,
            &a.common,
            &a.checks,
            a.json,
            color,
            &rt,
            rec,
        );
        info.rolled_back = Some(rolled == 0);
    }
    code
}

/// How to finish a planned run.
pub struct ApplyStep<'a> {
    pub dir: &'a std::path::Path,
    pub project: &'a cairn_project::Effective,
    pub common: &'a PlanArgs,
    pub checks: &'a crate::checks::CheckArgs,
    pub json: bool,
    pub auto_approve: bool,
    pub destroy: bool,
    /// What is being done, for the prompt ("apply", "roll back to ...").
    pub what: &'a str,
}

/// Shows the plan, runs the checks (refusing a plan they fail), asks for
/// confirmation unless auto-approved, and applies.
pub fn finish_and_apply(
    sess: &mut Session,
    plan: Plan,
    step: &ApplyStep,
    color: bool,
    rt: &tokio::runtime::Runtime,
    rec: &crate::audit::Recorder,
    info: &mut RunInfo,
) -> u8 {
    learn_plan(rec, &plan);
    info.digest = Some(planfile::plan_digest(&plan));
    info.counts = plan.counts();
    if !step.json {
        print!("{}", render_plan(sess, &plan, color));
    }
    if plan.has_changes() && !plan.refresh_only {
        let json = || json_plan(sess, &plan);
        let Some(c) = checks_for(
            sess,
            step.dir,
            &plan,
            &json,
            step.project,
            step.checks,
            color,
        ) else {
            return 1;
        };
        if !step.json {
            print!("{}", crate::checks::plan_footer(&c, color));
        }
        if c.report.fails() {
            info.outcome = cairn_audit::Outcome::Refused;
            eprintln!("\n{}", crate::checks::refusal(&c.report));
            return 1;
        }
    }
    if !plan.has_changes() {
        info.outcome = cairn_audit::Outcome::Success;
        print_outputs(sess);
        return 0;
    }
    if !step.auto_approve {
        match confirm(step.what) {
            Ok(true) => {}
            Ok(false) => {
                info.outcome = cairn_audit::Outcome::Cancelled;
                println!("\nApply cancelled.");
                return 1;
            }
            Err(e) => {
                info.outcome = cairn_audit::Outcome::Refused;
                eprintln!("Error: {e}");
                return 1;
            }
        }
    }
    run_apply(
        sess,
        plan,
        step.common,
        step.json,
        color,
        rt,
        step.destroy,
        rec,
        info,
    )
}

#[allow(clippy::too_many_arguments)]
fn run_apply(
    sess: &mut Session,
    plan: Plan,
    common: &PlanArgs,
    json: bool,
    color: bool,
    rt: &tokio::runtime::Runtime,
    destroy: bool,
    rec: &crate::audit::Recorder,
    info: &mut RunInfo,
) -> u8 {
    println!();
    let events = Progress::new(json);
    if let Ok(mut l) = events.runlog.lock() {
        *l = rec.log();
    }
    let (stop, ticker) = events.ticker(Duration::from_secs(10));
    // What verification reads back afterwards: the instances this run
    // created or changed, with their planned values.
    let touched: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| {
            !matches!(c.action, Action::NoOp | Action::Delete | Action::Read)
                && c.addr.resource.mode == cairn_engine::Mode::Managed
        })
        .map(|c| c.addr.to_string())
        .collect();
    let planned = Plan {
        changes: plan
            .changes
            .iter()
            .filter(|c| !matches!(c.action, Action::NoOp | Action::Delete | Action::Read))
            .cloned()
            .collect(),
        ..Plan::default()
    };
    let res = rt.block_on(cairn_run::apply_plan(
        sess,
        plan,
        events.clone(),
        common.parallelism,
    ));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = ticker.join();
    match res {
        Ok(applied) => {
            let o = &applied.outcome;
            info.counts = (o.added, o.changed, o.destroyed);
            if let Some(st) = &applied.state {
                rec.line(&format!("state saved at serial {}", st.serial));
                info.serial = Some(st.serial);
            }
            if o.diags.has_errors() {
                for d in o.diags.errors() {
                    rec.line(&format!("error: {d}"));
                }
                print_diags(&o.diags, &sess.sources, color);
                eprintln!(
                    "\nApply failed. State was saved after every completed operation: {} added, {} changed, {} destroyed.",
                    o.added, o.changed, o.destroyed
                );
                return 1;
            }
            print_diags(&o.diags, &sess.sources, color);
            if destroy {
                println!("\nDestroy complete! Resources: {} destroyed.", o.destroyed);
            } else {
                println!(
                    "\nApply complete! Resources: {} added, {} changed, {} destroyed.",
                    o.added, o.changed, o.destroyed
                );
            }
            print_outputs(sess);
            info.outcome = cairn_audit::Outcome::Success;
            let has_checks = sess
                .tree
                .nodes
                .values()
                .any(|n| !n.module.checks.is_empty());
            if destroy || (touched.is_empty() && !has_checks) {
                return 0;
            }
            // Verification: read back what this run made or changed, and
            // run the check blocks and their probes.
            let Some(v) = crate::verify::verify(sess, rt, Some(&planned), touched, common, color)
            else {
                info.outcome = cairn_audit::Outcome::Failure;
                return 1;
            };
            rec.line(&v.text());
            if !json {
                println!("\nVerifying:");
                print!("{}", v.text());
            }
            if v.passed() {
                0
            } else {
                info.outcome = cairn_audit::Outcome::Failure;
                info.verify_failed = true;
                eprintln!(
                    "\nApply finished, but verification failed: {} problem(s).",
                    v.failures()
                );
                1
            }
        }
        Err(d) => {
            print_diags(&d, &sess.sources, color);
            1
        }
    }
}

fn apply_saved(
    a: &ApplyCmd,
    raw: &[String],
    path: &std::path::Path,
    color: bool,
    rt: &tokio::runtime::Runtime,
    rec: &crate::audit::Recorder,
    info: &mut RunInfo,
) -> u8 {
    info.digest = None;
    let saved = match SavedPlan::read(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    let dir = PathBuf::from(&saved.dir);
    // The inputs are sealed with the state key of the plan's directory.
    let key_dir = cairn_run::session::state_dir(&dir);
    let cipher = match saved.key.as_ref().map_or_else(
        || cairn_state::Cipher::from_env_or_file(&key_dir),
        |k| cairn_run::statekey::unlock(&key_dir, k),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    let inputs = match saved.inputs(&cipher) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("Error: cannot read the plan's inputs: {e}\n\nHint: a plan can only be applied with the state key it was made with.");
            return 1;
        }
    };
    let cli = inputs
        .cli
        .iter()
        .filter_map(|s| {
            if let Some(v) = s.strip_prefix("var:") {
                Some(cairn_vars::CliInput::Var(v.to_string()))
            } else if let Some(j) = s.strip_prefix("json:") {
                let pair: (String, serde_json::Value) = serde_json::from_str(j).ok()?;
                Some(cairn_vars::CliInput::Json(pair.0, pair.1))
            } else if let Some(j) = s.strip_prefix("project:") {
                let pair: (String, serde_json::Value) = serde_json::from_str(j).ok()?;
                Some(cairn_vars::CliInput::Project(pair.0, pair.1))
            } else {
                s.strip_prefix("file:")
                    .map(|f| cairn_vars::CliInput::VarFile(PathBuf::from(f)))
            }
        })
        .collect();
    let opts = SessionOptions {
        dir: dir.clone(),
        cli,
        env: crate::env_pairs(),
        workspace: inputs.workspace.clone(),
        lock: a.common.lock,
        lock_timeout: parse_duration(&a.common.lock_timeout).unwrap_or_default(),
        operation: "apply".into(),
        overlay: None,
    };
    // A rollback plan re-plans from the configuration kept with the
    // version it goes back to, as `cairn rollback -out` did.
    let sess = match inputs.rollback_to {
        Some(serial) => crate::rollback::session_at(
            &dir,
            &inputs.workspace,
            serial,
            (opts.lock, opts.lock_timeout, "apply"),
            color,
        )
        .ok(),
        None => open(&opts, color),
    };
    let Some(mut sess) = sess else {
        return 1;
    };
    learn_session(rec, &sess);
    info.digest = Some(saved.plan_digest.clone());
    info.counts = saved.counts;
    info.outcome = cairn_audit::Outcome::Refused;
    // Protected environments: enough valid approvals of this very plan.
    let project = match crate::checks::project_settings(
        &dir,
        Some(inputs.workspace.as_str()).filter(|w| !w.is_empty()),
        &cairn_diagnostics::SourceMap::new(),
    ) {
        Ok(p) => p,
        Err(d) => {
            print_diags(&d, &cairn_diagnostics::SourceMap::new(), color);
            return 1;
        }
    };
    if project.protected {
        let Some(ap) = &project.approvals else {
            eprintln!("Error: the protected environment has no reviewers configured");
            return 1;
        };
        let reviewers: Result<Vec<cairn_approve::PublicKey>, _> = ap
            .reviewers
            .iter()
            .map(|l| cairn_approve::PublicKey::parse(l))
            .collect();
        let reviewers = match reviewers {
            Ok(r) => r,
            Err(e) => {
                eprintln!("Error: a reviewer key in cairn.hcl is not valid: {e}");
                return 1;
            }
        };
        let policy = cairn_approve::GatePolicy {
            reviewers,
            required: ap.required,
        };
        match crate::approve::check(path, &crate::approve::plan_identity(&saved), &policy) {
            Ok(ok) => {
                for r in &ok.ignored {
                    eprintln!("Warning: not counted: {r}");
                }
                rec.set_approvals(ok.approvers.clone());
                rec.line(&format!("approved by {}", ok.approvers.join(", ")));
            }
            Err(f) => {
                rec.line(&format!("refused: {}", f.details()));
                eprintln!("Error: {f}\n\nHint: each reviewer of this environment approves this plan with: cairn approve {}\n(a changed plan or state needs a new plan and new approvals).", path.display());
                return 1;
            }
        }
        if saved.counts.2 > 0 && !a.allow_destroy {
            eprintln!(
                "Error: this plan destroys {} resource(s) in a protected environment\n\nApprovals are not enough to destroy here.\n\nHint: apply it with -allow-destroy as well.",
                saved.counts.2
            );
            return 1;
        }
    }
    if let Some(r) = saved.findings.as_ref().filter(|r| r.fails()) {
        eprint!("{}", cairn_findings::render::human(r, color));
        eprintln!("\n{}", crate::checks::refusal(r));
        return 1;
    }
    if planfile::config_digest(&sess.sources) != saved.config_digest {
        eprintln!("Error: Saved plan is stale\n\nThe configuration or variable files changed since the plan was made.\n\nHint: run cairn plan again and review the new plan.");
        return 1;
    }
    // A plan made before any state existed names a lineage that was never
    // written: the state this apply creates takes it.
    let never_written =
        saved.state_serial == 0 && sess.state.serial == 0 && sess.state.resources.is_empty();
    if never_written {
        sess.state.lineage = saved.state_lineage.clone();
        // And its key: the plan's inputs are sealed with it.
        if saved.key.is_some() {
            sess.state.key = saved.key.clone();
            sess.cipher = cipher.clone();
        }
    } else if sess.state.lineage != saved.state_lineage || sess.state.serial != saved.state_serial {
        eprintln!(
            "Error: Saved plan is stale\n\nThe state changed since the plan was made (plan made against serial {}, state is now at serial {}).\n\nHint: run cairn plan again and review the new plan.",
            saved.state_serial, sess.state.serial
        );
        return 1;
    }
    let plan = match rt.block_on(cairn_run::make_plan(&sess, &inputs.flags)) {
        Ok(p) => p,
        Err(d) => {
            print_diags(&d, &sess.sources, color);
            return 1;
        }
    };
    if planfile::plan_digest(&plan) != saved.plan_digest {
        eprintln!("Error: Saved plan is stale\n\nPlanning again from the same inputs gives different changes (real infrastructure changed since the plan was made).\n\nHint: run cairn plan again and review the new plan.");
        return 1;
    }
    learn_plan(rec, &plan);
    info.outcome = cairn_audit::Outcome::Failure;
    let destroy = inputs.flags.destroy;
    let mut common = a.common.clone();
    common.parallelism = inputs.flags.parallelism.max(1);
    if !inputs.workspace.is_empty() {
        common.env = Some(inputs.workspace.clone());
    }
    let before = sess.state.serial;
    let before_had_resources = !sess.state.resources.is_empty();
    let code = run_apply(
        &mut sess, plan, &common, a.json, color, rt, destroy, rec, info,
    );
    // As for `apply DIR`: a run that changed something and failed is
    // undone (in a protected environment only said how).
    if code != 0 && a.rollback_on_failure && info.serial.is_some() && !destroy {
        drop(sess);
        let rolled = crate::rollback::after_failure(
            &dir,
            &project,
            raw,
            before,
            before_had_resources,
            &common,
            &a.checks,
            a.json,
            color,
            rt,
            rec,
        );
        info.rolled_back = Some(rolled == 0);
    }
    code
}

fn print_outputs(sess: &Session) {
    let Ok(outs) = cairn_run::state_outputs(sess) else {
        return;
    };
    if outs.is_empty() {
        return;
    }
    println!("\nOutputs:\n");
    for (k, v) in outs {
        if v.is_sensitive_deep() {
            println!("{k} = <sensitive>");
        } else {
            println!("{k} = {}", cairn_value::display::console(&v));
        }
    }
}

/// `cairn import ADDR ID`.
pub fn import(a: &ImportCmd, raw: &[String], color: bool) -> u8 {
    let rec = crate::audit::Recorder::start(&a.dir);
    let mut info = RunInfo::default();
    let code = import_inner(a, raw, color, &mut info);
    rec.finish(
        "import",
        raw,
        None,
        info.counts,
        info.outcome,
        serde_json::json!({"address": a.address, "id": a.id}),
    );
    code
}

fn import_inner(a: &ImportCmd, raw: &[String], color: bool, info: &mut RunInfo) -> u8 {
    let Some(rt) = runtime() else { return 1 };
    let common = PlanArgs {
        targets: vec![a.address.clone()],
        replace: Vec::new(),
        refresh: true,
        refresh_only: false,
        parallelism: 1,
        lock: true,
        lock_timeout: "0s".into(),
        env: None,
        vars: a.vars.clone(),
    };
    let Some((_, _, mut sess)) = start(&a.dir, &common, raw, "import", color) else {
        return 1;
    };
    let mut flags = flags_of(&common, false);
    flags.imports = vec![(a.address.clone(), a.id.clone())];
    let Some(mut plan) = plan_or_report(&rt, &sess, &flags, color) else {
        return 1;
    };
    let Some(change) = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == a.address)
        .cloned()
    else {
        eprintln!(
            "Error: Configuration for import target does not exist\n\nThe configuration has no resource {}.\n\nHint: add a resource block for it first; cairn imports only into configured resources.",
            a.address
        );
        return 1;
    };
    if change.importing.is_none() {
        eprintln!("Error: Resource already managed by cairn\n\n{} is already in the state.\n\nHint: remove it with `cairn state rm` first if you mean to import another object.", a.address);
        return 1;
    }
    // Import records the object only; changes wait for the next plan.
    let mut only = change;
    only.action = Action::NoOp;
    plan.changes = vec![only];
    plan.outputs.clear();
    let events = Progress::new(false);
    match rt.block_on(cairn_run::apply_plan(&mut sess, plan, events, 1)) {
        Ok(applied) if !applied.outcome.diags.has_errors() => {
            info.outcome = cairn_audit::Outcome::Success;
            println!("{}: Import prepared!\n\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour cairn state and will henceforth be managed by cairn.", a.address);
            0
        }
        Ok(applied) => {
            print_diags(&applied.outcome.diags, &sess.sources, color);
            1
        }
        Err(d) => {
            print_diags(&d, &sess.sources, color);
            1
        }
    }
}

/// How to apply a plan, for review summaries: a protected environment
/// takes only an approved plan file.
fn apply_hint(
    out: Option<&std::path::Path>,
    workspace: &str,
    project: &cairn_project::Effective,
) -> String {
    let env = if workspace.is_empty() {
        String::new()
    } else {
        format!(" -env {workspace}")
    };
    let required = project.approvals.as_ref().map_or(1, |a| a.required);
    match (out, project.protected) {
        (Some(p), false) => format!("To apply: `cairn apply {}`.", p.display()),
        (None, false) => format!("To apply: `cairn apply{env} -auto-approve`."),
        (Some(p), true) => format!(
            "To apply: {required} reviewer(s) run `cairn approve {p}`, then `cairn apply {p}`.",
            p = p.display()
        ),
        (None, true) => format!(
            "To apply: `cairn plan{env} -out PLAN`, {required} reviewer(s) run `cairn approve PLAN`, then `cairn apply PLAN`."
        ),
    }
}

/// The command that undoes a plan once applied, for review summaries:
/// back to the state version the plan was made against, or, when there
/// was none, destroying what it made. Protected environments get the
/// reviewed form.
pub(crate) fn rollback_hint(serial: u64, workspace: &str, protected: bool) -> String {
    let env = if workspace.is_empty() {
        String::new()
    } else {
        format!(" -env {workspace}")
    };
    match (serial, protected) {
        (0, false) => format!("To roll back after applying: `cairn destroy{env}` (nothing was managed before this plan)."),
        (0, true) => format!("To roll back after applying: `cairn plan{env} -destroy -out PLAN`, approved, then `cairn apply -allow-destroy PLAN` (nothing was managed before this plan)."),
        (n, false) => format!("To roll back after applying: `cairn rollback{env} -to {n}` (state version {n}, the one this plan was made against)."),
        (n, true) => format!("To roll back after applying: `cairn rollback{env} -to {n} -out PLAN`, approved, then `cairn apply PLAN` (state version {n}, the one this plan was made against)."),
    }
}

/// An environment's variable values: its variable files in order, then
/// its `variables` (the command line's options come after and win).
pub(crate) fn env_inputs(
    dir: &std::path::Path,
    project: &cairn_project::Effective,
) -> Vec<cairn_vars::CliInput> {
    let mut cli: Vec<cairn_vars::CliInput> = project
        .var_files
        .iter()
        .map(|f| cairn_vars::CliInput::VarFile(dir.join(f)))
        .collect();
    cli.extend(
        project
            .variables
            .iter()
            .map(|(k, v)| cairn_vars::CliInput::Project(k.clone(), v.clone())),
    );
    cli
}

/// The command line's variable inputs as a saved plan records them.
pub(crate) fn cli_inputs(cli: &[cairn_vars::CliInput]) -> Vec<String> {
    cli.iter()
        .map(|c| match c {
            cairn_vars::CliInput::Var(v) => format!("var:{v}"),
            cairn_vars::CliInput::VarFile(p) => format!("file:{}", p.display()),
            // Sealed with the state key like every input.
            cairn_vars::CliInput::Json(n, v) => format!("json:{}", serde_json::json!([n, v])),
            cairn_vars::CliInput::Project(n, v) => {
                format!("project:{}", serde_json::json!([n, v]))
            }
        })
        .collect()
}

/// Writes a saved plan (`plan -out`, `rollback -out`); errors are printed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn save_plan(
    out: &std::path::Path,
    dir: &std::path::Path,
    sess: &Session,
    plan: &Plan,
    inputs: &Inputs,
    human: String,
    json: serde_json::Value,
    checks: Option<&crate::checks::Outcome>,
) -> Result<(), ()> {
    let sealed = match planfile::seal_inputs(inputs, &sess.cipher) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: cannot save the plan: {e}");
            return Err(());
        }
    };
    let abs = std::fs::canonicalize(dir).unwrap_or(dir.to_path_buf());
    let saved = SavedPlan {
        format: planfile::FORMAT.to_string(),
        cairn_version: env!("CARGO_PKG_VERSION").to_string(),
        created: chrono_now(),
        dir: abs.to_string_lossy().to_string(),
        config_digest: planfile::config_digest(&sess.sources),
        state_lineage: sess.state.lineage.clone(),
        state_serial: sess.state.serial,
        plan_digest: planfile::plan_digest(plan),
        counts: plan.counts(),
        has_changes: plan.has_changes(),
        inputs: sealed,
        human,
        json,
        findings: checks.map(|c| c.report.clone()),
        cost: checks.map(|c| c.cost.clone()),
        key: sess.state.key.clone(),
    };
    saved.write(out).map_err(|e| {
        eprintln!("Error: cannot write plan file {}: {e}", out.display());
    })
}
