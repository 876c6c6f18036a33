//! `cairn fmt [DIR]`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Directory (or a single file) to format (default: the current directory).
    pub target: Option<PathBuf>,
    /// Check only: exit 3 when any file is not formatted, change nothing.
    #[arg(long)]
    pub check: bool,
    /// Show the changes as a unified diff.
    #[arg(long)]
    pub diff: bool,
    /// Also format the subdirectories.
    #[arg(long)]
    pub recursive: bool,
}

pub fn run(a: &FmtArgs) -> u8 {
    let target = a.target.clone().unwrap_or_else(|| PathBuf::from("."));
    let results = if target.is_file() {
        match std::fs::read_to_string(&target) {
            Ok(text) => match cairn_fmt::format_source(&text) {
                Ok(formatted) => vec![cairn_fmt::FileResult {
                    path: target.clone(),
                    original: text,
                    formatted,
                }],
                Err(e) => {
                    eprintln!("Error: {}: {e}", target.display());
                    return 1;
                }
            },
            Err(e) => {
                eprintln!("Error: cannot read {}: {e}", target.display());
                return 1;
            }
        }
    } else {
        match cairn_fmt::format_dir(&target, a.recursive) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("Error: {e}\n\nHint: fix the syntax error; cairn fmt only formats files that parse.");
                return 1;
            }
        }
    };
    let changed: Vec<&cairn_fmt::FileResult> = results.iter().filter(|r| r.changed()).collect();
    let mut out = std::io::stdout().lock();
    for r in &changed {
        let _ = writeln!(out, "{}", r.path.display());
        if a.diff {
            let _ = write!(out, "{}", r.diff());
        }
    }
    if a.check {
        return if changed.is_empty() { 0 } else { 3 };
    }
    if let Err(e) = cairn_fmt::write_changes(&results) {
        eprintln!("Error: writing formatted files: {e}");
        return 1;
    }
    0
}
