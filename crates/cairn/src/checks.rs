//! `cairn lint`, and the checks `plan` and `apply` run on every plan:
//! built-in rules, tag policy, Rego policies, budget.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap, Span};
use cairn_engine::Plan;
use cairn_findings::{render, Report, Severity};

use crate::VarArgs;

/// Flags of every command that runs the checks.
#[derive(Args, Debug, Clone, Default)]
pub struct CheckArgs {
    /// Exit 1 when an unsuppressed finding is at or above this severity
    /// (default: the project's policy.fail_on, else high).
    #[arg(long = "fail-on", value_name = "SEVERITY", value_parser = ["low", "medium", "high", "critical"])]
    pub fail_on: Option<String>,
    /// The Rego policy directory (default: the project's policy.directory,
    /// else policy/ in the configuration directory when it exists).
    #[arg(long = "policy", value_name = "DIR")]
    pub policy: Option<PathBuf>,
    /// Usage figures for the cost estimate (S3 storage, log ingestion,
    /// requests...; default: the project's cost.usage_file).
    #[arg(long = "usage-file", value_name = "FILE")]
    pub usage_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LintCmd {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_parser = ["human", "json", "sarif", "markdown"], default_value = "human")]
    pub format: String,
    /// List the built-in rules instead of checking.
    #[arg(long = "list-rules")]
    pub list_rules: bool,
    /// The environment declared in cairn.hcl (default: $CAIRN_ENV).
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    #[command(flatten)]
    pub checks: CheckArgs,
    #[command(flatten)]
    pub vars: VarArgs,
}

/// The environment selected: `--env`, else `CAIRN_ENV`.
pub fn env_name(flag: &Option<String>) -> Option<String> {
    flag.clone()
        .or_else(|| std::env::var("CAIRN_ENV").ok())
        .filter(|s| !s.is_empty())
}

/// Loads `cairn.hcl` and picks the environment's settings.
pub fn project_settings(
    dir: &Path,
    env: Option<&str>,
    sources: &SourceMap,
) -> Result<cairn_project::Effective, Diagnostics> {
    let p = cairn_project::load(dir, sources)?;
    p.effective(env).map_err(|d| {
        let hint = d.hint.clone().unwrap_or_default();
        let d = match &p.path {
            Some(path) => d.with_hint(format!("{hint} (in {})", path.display())),
            None => d,
        };
        Diagnostics::from(d)
    })
}

/// Everything checked on one plan.
pub struct Outcome {
    pub report: Report,
    pub cost: cairn_cost::CostReport,
    pub warnings: Diagnostics,
}

/// The usage file in force (flag, else project), read.
pub fn usage(
    dir: &Path,
    args: &CheckArgs,
    project: &cairn_project::Effective,
) -> Result<cairn_cost::Usage, Diagnostics> {
    let path = match (&args.usage_file, &project.usage_file) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => dir.join(p),
        (None, None) => return Ok(cairn_cost::Usage::none()),
    };
    cairn_cost::Usage::load(&path).map_err(|e| {
        let d = Diagnostic::error("Invalid usage file", e.to_string())
            .with_hint("The usage file maps resource addresses to usage figures; docs/cost.md lists the keys per resource type.");
        Diagnostics::from(d)
    })
}

/// The Rego policy directory in force, and whether it was asked for.
fn policy_dir(dir: &Path, args: &CheckArgs, project: &cairn_project::Effective) -> (PathBuf, bool) {
    if let Some(p) = &args.policy {
        return (p.clone(), true);
    }
    if let Some(p) = &project.policy.directory {
        return (dir.join(p), true);
    }
    (dir.join(cairn_policy::DEFAULT_DIR), false)
}

/// Runs every check on a plan: built-in rules and tags, then the Rego
/// policies over the JSON plan.
#[allow(clippy::too_many_arguments)]
pub fn run(
    dir: &Path,
    plan: &Plan,
    // Built only when there are Rego policies to read it.
    json_plan: &dyn Fn() -> serde_json::Value,
    tree: &cairn_config::ModuleTree,
    registry: &cairn_engine::Registry,
    sources: &SourceMap,
    project: &cairn_project::Effective,
    args: &CheckArgs,
) -> Result<Outcome, Diagnostics> {
    let usage = usage(dir, args, project)?;
    let cost = cairn_checks::cost_report(plan, &usage);
    let fail_on = match &args.fail_on {
        Some(s) => Some(s.parse::<Severity>().map_err(|e| {
            Diagnostics::from(Diagnostic::error("Invalid -fail-on", e.to_string()))
        })?),
        None => None,
    };
    let settings = cairn_checks::Settings {
        project: project.clone(),
        fail_on,
    };
    let mut checked = cairn_checks::check_plan(plan, tree, registry, sources, &settings)?;
    let (pdir, explicit) = policy_dir(dir, args, project);
    match cairn_policy::load(&pdir) {
        Ok(policies) => {
            let eval = policies
                .evaluate_report(&json_plan(), &project.policy.namespaces)
                .map_err(|e| Diagnostics::from(policy_diag(&e, sources)))?;
            let mut extra = Report::default();
            extra.extend(eval.findings, &eval.rules);
            cairn_checks::locate(&mut extra, tree, |_| None);
            checked.report.extend(extra.findings, &extra.rules);
        }
        Err(e) if e.is_missing_dir() && !explicit => {}
        Err(e) => return Err(Diagnostics::from(policy_diag(&e, sources))),
    }
    if let Some(budget) = project.budget {
        if let Some(f) = cairn_cost::budget_finding(&cost, budget, project.environment.as_deref()) {
            checked.report.extend(vec![f], &cairn_cost::rules());
        }
    }
    checked.finish();
    Ok(Outcome {
        report: checked.report,
        cost,
        warnings: checked.warnings,
    })
}

/// A policy error as a diagnostic at its file, line and column.
fn policy_diag(e: &cairn_policy::PolicyError, sources: &SourceMap) -> Diagnostic {
    use cairn_policy::PolicyError as E;
    let at = |file: &str, line: usize, column: usize| {
        if let Ok(text) = std::fs::read_to_string(file) {
            sources.add(file.to_string(), text);
        }
        Some(Span {
            file: file.into(),
            start: cairn_diagnostics::Pos {
                line,
                column,
                byte: 0,
            },
            end: cairn_diagnostics::Pos {
                line,
                column: column + 1,
                byte: 0,
            },
        })
    };
    match e {
        E::Parse {
            file,
            line,
            column,
            message,
        } => Diagnostic::error("Invalid policy", message.clone())
            .with_span(at(file, *line, *column))
            .with_hint("Fix the Rego file; cairn reads Rego v1 (deny contains msg if { ... })."),
        E::Eval {
            rule,
            file,
            line,
            column,
            message,
        } => Diagnostic::error("Policy failed", format!("Rule {rule}: {message}"))
            .with_span(at(file, *line, *column)),
        E::BadMessage {
            rule,
            file,
            line,
            reason,
        } => Diagnostic::error("Invalid policy message", format!("Rule {rule}: {reason}"))
            .with_span(at(file, *line, 1))
            .with_hint("Return a string, or an object with a string msg (and optional severity, address, fix)."),
        E::MissingDir(p) => Diagnostic::error(
            "Policy directory not found",
            format!("{} does not exist.", p.display()),
        )
        .with_hint("Give -policy an existing directory of .rego files, or fix policy.directory in cairn.hcl."),
        other => Diagnostic::error("Cannot evaluate policies", other.to_string()),
    }
}

/// Renders a report in one of the four formats.
pub fn render_report(report: &Report, format: &str, color: bool) -> String {
    match format {
        "json" => format!(
            "{}\n",
            serde_json::to_string_pretty(&render::json(report)).unwrap_or_default()
        ),
        "sarif" => format!(
            "{}\n",
            serde_json::to_string_pretty(&render::sarif(report, env!("CARGO_PKG_VERSION")))
                .unwrap_or_default()
        ),
        "markdown" => render::markdown(report),
        _ => render::human(report, color),
    }
}

/// `cairn lint`: plans offline and checks; exit 1 when a finding fails
/// the threshold or the configuration has errors.
pub fn lint(a: &LintCmd, raw: &[String], color: bool) -> u8 {
    if a.list_rules {
        return list_rules(&a.format);
    }
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        eprintln!(
            "Error: {} is not a directory\n\nHint: give the directory that holds the configuration's .tf files.",
            dir.display()
        );
        return 1;
    }
    let env = env_name(&a.env);
    let psources = SourceMap::new();
    let project = match project_settings(&dir, env.as_deref(), &psources) {
        Ok(p) => p,
        Err(d) => {
            crate::lifecycle::print_diags(&d, &psources, color);
            return 1;
        }
    };
    let mut cli = crate::lifecycle::env_inputs(&dir, &project);
    cli.extend(a.vars.ordered(raw));
    let Some(rt) = crate::lifecycle::runtime() else {
        return 1;
    };
    let opts = cairn_run::offline::OfflineOptions {
        dir: dir.clone(),
        cli,
        env: crate::env_pairs(),
        workspace: env.clone().unwrap_or_default(),
    };
    let off = match rt.block_on(cairn_run::offline::offline_plan(&opts)) {
        Ok(o) => o,
        Err(f) => {
            crate::lifecycle::print_diags(&f.diags, &f.sources, color);
            return 1;
        }
    };
    for (name, text) in psources.entries() {
        off.sources.add(name, text);
    }
    crate::lifecycle::print_diags(&off.warnings, &off.sources, color);
    let json_plan = || crate::lifecycle::json_plan_of(&off.plan, &off.root_vars, &off.tree, None);
    let out = match run(
        &dir,
        &off.plan,
        &json_plan,
        &off.tree,
        &off.registry,
        &off.sources,
        &project,
        &a.checks,
    ) {
        Ok(o) => o,
        Err(d) => {
            crate::lifecycle::print_diags(&d, &off.sources, color);
            return 1;
        }
    };
    crate::lifecycle::print_diags(&out.warnings, &off.sources, color);
    let mut text = render_report(&out.report, &a.format, color);
    if a.format == "human" {
        text.push_str(&format!("{}\n", cairn_cost::one_line(&out.cost)));
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let code = u8::from(out.report.fails());
    // The process ends here: freeing the plan, the configuration and the
    // report piece by piece would take longer than the checks (measured at
    // 10,000 resources).
    std::mem::forget(out);
    std::mem::forget(off);
    code
}

fn list_rules(format: &str) -> u8 {
    let mut rules = cairn_lint::rules();
    rules.extend(cairn_cost::rules());
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    if format == "json" {
        let doc = serde_json::json!({ "rules": rules });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        for r in &rules {
            println!(
                "{:<10} {:<8} {:<9} {}",
                r.id,
                r.severity.as_str(),
                r.category.as_str(),
                r.title
            );
        }
    }
    0
}

/// The checks' part of a human plan: findings (if any), then the cost
/// line.
pub fn plan_footer(o: &Outcome, color: bool) -> String {
    let mut s = String::new();
    if !o.report.findings.is_empty() {
        s.push('\n');
        s.push_str(&render::human(&o.report, color));
    }
    s.push('\n');
    s.push_str(&cairn_cost::one_line(&o.cost));
    s.push('\n');
    s
}

/// The error line for a plan the checks refuse.
pub fn refusal(report: &Report) -> String {
    let n = report.failing().len();
    let at = report.fail_on.map(|s| s.as_str()).unwrap_or("high");
    format!(
        "Error: {n} finding(s) at or above {at}: fix them, or suppress each with a reason (# cairn:ignore RULE_ID reason on the resource), then plan again."
    )
}

#[derive(Args, Debug)]
pub struct CostCmd {
    /// A configuration directory (planned now), or a plan file saved with
    /// `plan -out` (its recorded estimate).
    pub target: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_parser = ["human", "json", "markdown"], default_value = "human")]
    pub format: String,
    #[command(flatten)]
    pub common: crate::lifecycle::PlanArgs,
    #[command(flatten)]
    pub checks: CheckArgs,
}

/// Renders a cost report.
pub fn render_cost(r: &cairn_cost::CostReport, format: &str) -> String {
    match format {
        "json" => format!("{}\n", cairn_cost::render_json(r).unwrap_or_default()),
        "markdown" => cairn_cost::render_markdown(r),
        _ => cairn_cost::render_table(r),
    }
}
