//! `cairn env list`: the environments the project file declares.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum EnvCmd {
    /// List the environments declared in cairn.hcl.
    List(EnvListArgs),
}

#[derive(Args, Debug)]
pub struct EnvListArgs {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(c: &EnvCmd, color: bool) -> u8 {
    let EnvCmd::List(a) = c;
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let sources = cairn_diagnostics::SourceMap::new();
    let project = match cairn_project::load(&dir, &sources) {
        Ok(p) => p,
        Err(d) => {
            crate::lifecycle::print_diags(&d, &sources, color);
            return 1;
        }
    };
    let rows: Vec<serde_json::Value> = project
        .environments
        .values()
        .map(|e| {
            let eff = project.effective(Some(&e.name)).unwrap_or_default();
            serde_json::json!({
                "name": e.name,
                "var_files": e.var_files,
                "protected": e.protected,
                "approvals_required": e.approvals.as_ref().map(|a| a.required),
                "reviewers": e.approvals.as_ref().map(|a| a.reviewers.len()).unwrap_or(0),
                "budget_monthly": eff.budget,
                "required_tags": eff.tags.map(|t| t.required).unwrap_or_default(),
                "state": cairn_run::session::local_state_dir(&dir, &e.name).display().to_string(),
            })
        })
        .collect();
    if a.json {
        let doc = serde_json::json!({ "environments": rows });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return 0;
    }
    if rows.is_empty() {
        println!(
            "No environments: declare them in {} with environment \"NAME\" {{ ... }}.",
            cairn_project::FILE
        );
        return 0;
    }
    println!(
        "{:<12} {:<10} {:<10} {:<10} VAR FILES",
        "NAME", "PROTECTED", "APPROVALS", "BUDGET"
    );
    for r in &rows {
        let approvals = match r["approvals_required"].as_u64() {
            Some(n) => format!("{n} of {}", r["reviewers"]),
            None => "-".into(),
        };
        let budget = r["budget_monthly"]
            .as_f64()
            .map(|b| format!("${b:.0}"))
            .unwrap_or_else(|| "-".into());
        let files: Vec<&str> = r["var_files"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f.as_str()).collect())
            .unwrap_or_default();
        println!(
            "{:<12} {:<10} {:<10} {:<10} {}",
            r["name"].as_str().unwrap_or_default(),
            if r["protected"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            },
            approvals,
            budget,
            files.join(", ")
        );
    }
    0
}
