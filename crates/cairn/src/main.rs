//! The `cairn` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod approve;
mod audit;
mod checks;
mod console;
mod drift;
mod env;
mod fmt;
mod lifecycle;
mod notify;
mod rollback;
mod secret;
mod statecmd;
mod statejson;
mod validate;
mod verify;

/// cairn: validate, plan, apply, verify and roll back infrastructure written
/// in the Terraform language.
#[derive(Parser, Debug)]
#[command(name = "cairn", version, about, long_about = None)]
struct Cli {
    /// Switch to this directory before doing anything else.
    #[arg(long, global = true, value_name = "DIR")]
    chdir: Option<PathBuf>,
    /// Disable colour in output.
    #[arg(long = "no-color", global = true)]
    no_color: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a configuration without touching infrastructure.
    Validate(validate::ValidateArgs),
    /// Rewrite configuration files in the canonical format.
    Fmt(fmt::FmtArgs),
    /// Evaluate expressions in the context of a configuration.
    Console(console::ConsoleArgs),
    /// Check security rules, secrets, tags and policies without touching
    /// infrastructure.
    Lint(checks::LintCmd),
    /// Show what apply would change.
    Plan(lifecycle::PlanCmd),
    /// Estimate the monthly cost before and after a plan.
    Cost(checks::CostCmd),
    /// Report what changed outside cairn (exit 2 when anything did).
    Drift(drift::DriftCmd),
    /// Make the changes (from the configuration, or a saved plan file).
    Apply(lifecycle::ApplyCmd),
    /// Read back what exists, evaluate check blocks and run their probes.
    Verify(verify::VerifyCmd),
    /// The environments declared in cairn.hcl.
    #[command(subcommand)]
    Env(env::EnvCmd),
    /// Manage cairn's encrypted secrets file (.cairn/secrets.json).
    #[command(subcommand)]
    Secret(secret::SecretCmd),
    /// Make a reviewer's ed25519 key pair for approving plans.
    Keygen(approve::KeygenCmd),
    /// Approve a saved plan: sign its digest with your reviewer key.
    Approve(approve::ApproveCmd),
    /// Plan back to an older state version's configuration and apply it.
    Rollback(rollback::RollbackCmd),
    /// Destroy everything the state manages.
    Destroy(lifecycle::DestroyCmd),
    /// Adopt an existing object into state.
    Import(lifecycle::ImportCmd),
    /// Inspect and edit state.
    #[command(subcommand)]
    State(statecmd::StateCmd),
    /// Print root module outputs.
    Output(statecmd::OutputCmd),
    /// Show the state or a saved plan.
    Show(statecmd::ShowCmd),
    /// List the state versions kept in .cairn/history (or the backend).
    History(statecmd::HistoryCmd),
    /// Remove a remote state lock left by a run that died.
    #[command(name = "force-unlock")]
    ForceUnlock(statecmd::ForceUnlockCmd),
    /// The audit trail: list entries, verify the hash chain.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
}

/// `-var`/`-var-file` options shared by the commands that evaluate a
/// configuration; their relative order matters (later wins).
#[derive(Args, Debug, Default, Clone)]
pub struct VarArgs {
    /// Set a root module variable: -var 'name=value'. Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variable values from a file (.tfvars or .tfvars.json). Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

impl VarArgs {
    /// The options in command-line order, read back from the raw arguments
    /// (clap keeps each flag's values but not their interleaving).
    pub fn ordered(&self, raw: &[String]) -> Vec<cairn_vars::CliInput> {
        let mut out = Vec::new();
        let mut it = raw.iter().peekable();
        while let Some(a) = it.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f == "--var" || f == "--var-file" => (f, Some(v.to_string())),
                _ => (a.as_str(), None),
            };
            let value = match (flag, inline) {
                ("--var" | "--var-file", Some(v)) => v,
                ("--var" | "--var-file", None) => match it.next() {
                    Some(v) => v.clone(),
                    None => break,
                },
                _ => continue,
            };
            if flag == "--var" {
                out.push(cairn_vars::CliInput::Var(value));
            } else {
                out.push(cairn_vars::CliInput::VarFile(PathBuf::from(value)));
            }
        }
        out
    }
}

/// Flags that Terraform users type with one dash (`-json`, `-var`); clap
/// wants two. Only these names are rewritten, so values that start with a
/// dash stay as they are.
const LONG_FLAGS: &[&str] = &[
    "json",
    "var",
    "var-file",
    "check",
    "diff",
    "recursive",
    "no-color",
    "chdir",
    "write",
    "list",
    "out",
    "target",
    "replace",
    "refresh",
    "refresh-only",
    "parallelism",
    "lock",
    "lock-timeout",
    "destroy",
    "detailed-exitcode",
    "auto-approve",
    "raw",
    "show-sensitive",
    "dir",
    "require-vars",
    "since",
    "anchor",
    "format",
    "fail-on",
    "policy",
    "list-rules",
    "env",
    "usage-file",
    "unmanaged",
    "to",
    "rollback-on-failure",
    "allow-destroy",
    "name",
    "force",
    "key",
    "kms-key-id",
    "all",
    "to-kms",
    "to-key-file",
    "to-passphrase",
    "secrets-file",
    "value-stdin",
];

fn normalize_args(args: impl Iterator<Item = String>) -> Vec<String> {
    args.enumerate()
        .map(|(i, a)| {
            if i == 0 || a.starts_with("--") || !a.starts_with('-') {
                return a;
            }
            let name = a[1..].split('=').next().unwrap_or_default();
            if LONG_FLAGS.contains(&name) {
                format!("-{a}")
            } else {
                a
            }
        })
        .collect()
}

fn main() -> ExitCode {
    let args = normalize_args(std::env::args());
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            eprintln!("Error: cannot change to directory {}: {e}", dir.display());
            return ExitCode::from(1);
        }
    }
    let color = !cli.no_color
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let code = match cli.command {
        Command::Validate(a) => validate::run(&a, &args, color),
        Command::Fmt(a) => fmt::run(&a),
        Command::Console(a) => console::run(&a, &args),
        Command::Lint(a) => checks::lint(&a, &args, color),
        Command::Plan(a) => lifecycle::plan(&a, &args, color),
        Command::Cost(a) => lifecycle::cost(&a, &args, color),
        Command::Drift(a) => drift::drift(&a, &args, color),
        Command::Apply(a) => lifecycle::apply(&a, &args, color, false),
        Command::Rollback(a) => rollback::rollback(&a, &args, color),
        Command::Env(c) => env::run(&c, color),
        Command::Secret(c) => secret::run(&c, std::path::Path::new("."), color),
        Command::Keygen(a) => approve::keygen(&a),
        Command::Approve(a) => approve::approve(&a, &args),
        Command::Verify(a) => verify::run(&a, &args, color),
        Command::Destroy(a) => {
            let as_apply = lifecycle::ApplyCmd {
                target: a.dir.clone(),
                auto_approve: a.auto_approve,
                json: a.json,
                common: a.common.clone(),
                checks: a.checks.clone(),
                rollback_on_failure: false,
                allow_destroy: a.allow_destroy,
            };
            lifecycle::apply(&as_apply, &args, color, true)
        }
        Command::Import(a) => lifecycle::import(&a, &args, color),
        Command::State(c) => statecmd::run_state(&c),
        Command::Output(a) => statecmd::run_output(&a),
        Command::Show(a) => statecmd::run_show(&a),
        Command::Audit(c) => audit::run(&c),
        Command::History(a) => statecmd::run_history(&a),
        Command::ForceUnlock(a) => statecmd::run_force_unlock(&a),
    };
    ExitCode::from(code)
}

/// The environment as (name, value) pairs, for variable lookup.
pub fn env_pairs() -> Vec<(String, String)> {
    std::env::vars().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_dash_flags_become_long() {
        let a = normalize_args(
            [
                "cairn",
                "validate",
                "-json",
                "-var",
                "x=-1",
                "-var-file=a.tfvars",
                "-h",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        assert_eq!(
            a,
            vec![
                "cairn",
                "validate",
                "--json",
                "--var",
                "x=-1",
                "--var-file=a.tfvars",
                "-h"
            ]
        );
    }

    #[test]
    fn var_order_is_kept() {
        let raw: Vec<String> = [
            "cairn",
            "validate",
            "--var",
            "a=1",
            "--var-file=f",
            "--var=b=2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let got = VarArgs::default().ordered(&raw);
        assert_eq!(
            got,
            vec![
                cairn_vars::CliInput::Var("a=1".into()),
                cairn_vars::CliInput::VarFile("f".into()),
                cairn_vars::CliInput::Var("b=2".into()),
            ]
        );
    }
}
