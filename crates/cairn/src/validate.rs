//! `cairn validate [DIR]`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::VarArgs;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Print the diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
    /// Make required root variables without a value errors (by default
    /// they are warnings, so a reusable module validates on its own; plan
    /// always requires them).
    #[arg(long = "require-vars")]
    pub require_vars: bool,
    #[command(flatten)]
    pub vars: VarArgs,
}

pub fn run(a: &ValidateArgs, raw: &[String], color: bool) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        eprintln!(
            "Error: {} is not a directory\n\nHint: give the directory that holds the configuration's .tf files.",
            dir.display()
        );
        return 1;
    }
    let opts = cairn_validate::Options {
        cli: a.vars.ordered(raw),
        env: crate::env_pairs(),
        workspace: std::env::var("CAIRN_ENV").unwrap_or_default(),
        require_root_vars: a.require_vars,
        registry: Some(cairn_engine::Registry::new(cairn_run::providers())),
        unknown_variables: true,
        overlay: None,
    };
    let out = cairn_validate::validate(&dir, &opts);
    let errors = out.diags.errors().count();
    let warnings = out.diags.len() - errors;
    let mut stdout = std::io::stdout().lock();
    if a.json {
        let doc = serde_json::json!({
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": warnings,
            "diagnostics": out.diags,
        });
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        );
    } else {
        let text = cairn_diagnostics::render(&out.diags, &out.sources);
        if !text.is_empty() {
            let _ = write!(stdout, "{}", paint(&text, color));
            let _ = writeln!(stdout);
        }
        if errors == 0 {
            let _ = writeln!(
                stdout,
                "Success! The configuration is valid{}.",
                if warnings > 0 {
                    format!(", but there were {warnings} warning(s)")
                } else {
                    String::new()
                }
            );
        } else {
            let _ = writeln!(
                stdout,
                "{errors} error(s), {warnings} warning(s): the configuration is not valid."
            );
        }
    }
    u8::from(errors > 0)
}

/// Colours the severity words of rendered diagnostics.
pub fn paint(text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    text.lines()
        .map(|l| {
            if let Some(rest) = l.strip_prefix("Error:") {
                format!("\x1b[1;31mError:\x1b[0m\x1b[1m{rest}\x1b[0m")
            } else if let Some(rest) = l.strip_prefix("Warning:") {
                format!("\x1b[1;33mWarning:\x1b[0m\x1b[1m{rest}\x1b[0m")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
