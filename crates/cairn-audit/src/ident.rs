//! Who ran a command, where, and with which (sanitized) arguments.

use std::path::Path;
use std::process::{Command, Stdio};

/// The user to record: `CAIRN_USER`, else git's `user.email` (or
/// `user.name`) as seen from the current directory, else the OS user
/// (`USER`, `LOGNAME`, `USERNAME`), else `"unknown"`.
pub fn user() -> String {
    user_from(|k| std::env::var(k).ok(), |key| git_config(key, None))
}

/// Like [`user`], with git asked from `dir` (the project's directory), so a
/// repository's own `user.email` wins over the global one.
pub fn user_in(dir: &Path) -> String {
    user_from(|k| std::env::var(k).ok(), |key| git_config(key, Some(dir)))
}

/// The resolution order, with the environment and git passed in so it can
/// be tested without touching the process environment.
pub(crate) fn user_from(
    env: impl Fn(&str) -> Option<String>,
    git: impl Fn(&str) -> Option<String>,
) -> String {
    let non_empty = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(u) = non_empty(env("CAIRN_USER")) {
        return u;
    }
    for key in ["user.email", "user.name"] {
        if let Some(u) = non_empty(git(key)) {
            return u;
        }
    }
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Some(u) = non_empty(env(var)) {
            return u;
        }
    }
    "unknown".to_string()
}

/// `git config --get KEY`, or None when git is missing, the key is unset or
/// git fails: the audit log must never fail because git is not there.
fn git_config(key: &str, dir: Option<&Path>) -> Option<String> {
    let mut cmd = Command::new("git");
    cmd.args(["config", "--get", key])
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// The host name: `/etc/hostname`, else the `hostname` command, else
/// `HOSTNAME`/`COMPUTERNAME`, else `"unknown"`.
pub fn host() -> String {
    let clean = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(h) = std::fs::read_to_string("/etc/hostname")
        .ok()
        .and_then(clean)
    {
        return h;
    }
    if let Some(h) = Command::new("hostname")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(clean)
    {
        return h;
    }
    for var in ["HOSTNAME", "COMPUTERNAME"] {
        if let Some(h) = std::env::var(var).ok().and_then(clean) {
            return h;
        }
    }
    "unknown".to_string()
}

/// What replaces a variable's value in recorded arguments.
pub const REDACTED_ARG: &str = "(redacted)";

/// Flags whose `name=value` argument may carry a secret. `-backend-config`
/// takes credentials as often as it takes a file name.
const VALUE_FLAGS: [&str; 2] = ["var", "backend-config"];

/// The command line as it may be recorded: the value of every
/// `-var name=value` (also `-var=name=value`, `--var`, and the same forms of
/// `-backend-config`) becomes `name=(redacted)`. A `-backend-config FILE`
/// (no `=`) is a path and is kept. Applying it twice changes nothing.
pub fn sanitize_args<S: AsRef<str>>(args: &[S]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut pending: Option<&str> = None;
    for arg in args {
        let arg = arg.as_ref();
        if let Some(flag) = pending.take() {
            out.push(sanitize_value(flag, arg));
            continue;
        }
        match split_flag(arg) {
            Some((flag, None)) => {
                pending = Some(flag);
                out.push(arg.to_string());
            }
            Some((flag, Some(value))) => {
                let prefix = &arg[..arg.len() - value.len()];
                out.push(format!("{prefix}{}", sanitize_value(flag, value)));
            }
            None => out.push(arg.to_string()),
        }
    }
    out
}

/// `-var`/`--var` (value in the next argument) or `-var=...` (value
/// attached); None for anything else.
fn split_flag(arg: &str) -> Option<(&'static str, Option<&str>)> {
    let body = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'))?;
    VALUE_FLAGS.iter().find_map(|flag| {
        let rest = body.strip_prefix(flag)?;
        if rest.is_empty() {
            Some((*flag, None))
        } else {
            rest.strip_prefix('=').map(|v| (*flag, Some(v)))
        }
    })
}

fn sanitize_value(flag: &str, value: &str) -> String {
    match value.split_once('=') {
        Some((name, _)) => format!("{name}={REDACTED_ARG}"),
        None if flag == "backend-config" => value.to_string(),
        None => REDACTED_ARG.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn user_precedence() {
        let git = |k: &str| match k {
            "user.email" => Some("dev@example.com\n".to_string()),
            _ => Some("Dev".to_string()),
        };
        let none = |_: &str| None;
        assert_eq!(
            user_from(env_of(&[("CAIRN_USER", "ci-bot"), ("USER", "os")]), git),
            "ci-bot"
        );
        assert_eq!(
            user_from(env_of(&[("CAIRN_USER", "  "), ("USER", "os")]), git),
            "dev@example.com"
        );
        let name_only = |k: &str| (k == "user.name").then(|| "Dev Name".to_string());
        assert_eq!(user_from(env_of(&[("USER", "os")]), name_only), "Dev Name");
        assert_eq!(user_from(env_of(&[("USER", "os")]), none), "os");
        assert_eq!(user_from(env_of(&[("LOGNAME", "lg")]), none), "lg");
        assert_eq!(user_from(env_of(&[]), none), "unknown");
    }

    #[test]
    fn host_is_never_empty() {
        assert!(!host().is_empty());
    }

    #[test]
    fn sanitizes_every_var_form() {
        let args = [
            "apply",
            "-var",
            "password=hunter2",
            "-var=token=abc=def",
            "--var",
            "x=1",
            "--var=y=2",
            "-var-file=prod.tfvars",
            "-backend-config",
            "backend.hcl",
            "-backend-config=secret_key=zzz",
            "-var",
            "novalue",
            "-auto-approve",
        ];
        let got = sanitize_args(&args);
        assert_eq!(
            got,
            [
                "apply",
                "-var",
                "password=(redacted)",
                "-var=token=(redacted)",
                "--var",
                "x=(redacted)",
                "--var=y=(redacted)",
                "-var-file=prod.tfvars",
                "-backend-config",
                "backend.hcl",
                "-backend-config=secret_key=(redacted)",
                "-var",
                "(redacted)",
                "-auto-approve",
            ]
        );
        assert_eq!(sanitize_args(&got), got);
    }

    #[test]
    fn trailing_var_flag_is_kept() {
        assert_eq!(sanitize_args(&["plan", "-var"]), ["plan", "-var"]);
    }
}
