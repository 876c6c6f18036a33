//! Run logs and the audit trail for the commands that read or change
//! infrastructure, and `cairn audit log|verify`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Subcommand;

use cairn_audit::{AuditLog, EntryDraft, Outcome, Redactor, RunLog, Summary};
use cairn_value::{Kind, Value};

/// Records one command run: a run log written as it goes and an audit
/// entry at the end. Known secrets are redacted from both.
pub struct Recorder {
    pub run_id: String,
    state_dir: PathBuf,
    redactor: Redactor,
    log: Option<Arc<RunLog>>,
    /// The environment the run used (`-env`/`CAIRN_ENV`), once known.
    environment: std::sync::Mutex<Option<String>>,
    /// The approvers of the plan this run applied (protected environments).
    approvals: std::sync::Mutex<Vec<String>>,
}

impl Recorder {
    pub fn start(config_dir: &Path) -> Recorder {
        let state_dir = cairn_run::session::state_dir(config_dir);
        let run_id = cairn_audit::new_run_id();
        let redactor = Redactor::new();
        let log = match RunLog::create(&state_dir, &run_id) {
            Ok(l) => Some(Arc::new(l.with_redactor(redactor.clone()))),
            Err(e) => {
                eprintln!("Warning: cannot write the run log: {e}");
                None
            }
        };
        Recorder {
            run_id,
            state_dir,
            redactor,
            log,
            environment: std::sync::Mutex::new(None),
            approvals: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Learns the secrets a value holds, so no log line can show them.
    pub fn learn(&self, v: &Value) {
        collect_secrets(v, &self.redactor);
    }

    /// Records the environment the run works in, for its audit entry.
    pub fn set_environment(&self, env: &str) {
        if let Ok(mut e) = self.environment.lock() {
            *e = Some(env.to_string()).filter(|s| !s.is_empty());
        }
    }

    /// Records who approved the plan this run applies.
    pub fn set_approvals(&self, who: Vec<String>) {
        if let Ok(mut a) = self.approvals.lock() {
            *a = who;
        }
    }

    /// The text with every secret this run knows replaced.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text).into_owned()
    }

    pub fn log(&self) -> Option<Arc<RunLog>> {
        self.log.clone()
    }

    pub fn line(&self, msg: &str) {
        if let Some(l) = &self.log {
            let _ = l.info(msg);
        }
    }

    /// Appends the audit entry for this run.
    pub fn finish(
        &self,
        command: &str,
        args: &[String],
        plan_digest: Option<String>,
        counts: (usize, usize, usize),
        result: Outcome,
        details: serde_json::Value,
    ) {
        let log = match AuditLog::open(&self.state_dir) {
            Ok(l) => l.with_redactor(self.redactor.clone()),
            Err(e) => {
                eprintln!("Warning: cannot open the audit log: {e}");
                return;
            }
        };
        let mut d = EntryDraft::new(self.run_id.clone(), command, result);
        d.args = args.iter().skip(1).cloned().collect();
        d.environment = self
            .environment
            .lock()
            .ok()
            .and_then(|e| e.clone())
            .or_else(|| std::env::var("CAIRN_ENV").ok().filter(|s| !s.is_empty()));
        d.plan_digest = plan_digest;
        d.approvals = self.approvals.lock().map(|a| a.clone()).unwrap_or_default();
        d.summary = Summary {
            add: counts.0 as u64,
            change: counts.1 as u64,
            destroy: counts.2 as u64,
            ..Summary::default()
        };
        d.details = details;
        if let Err(e) = log.append(d) {
            // The change happened; say loudly that it is not in the trail.
            eprintln!(
                "Warning: the audit entry for run {} could not be written: {e}",
                self.run_id
            );
        }
        self.line(&format!("run finished: {command}"));
    }
}

/// Every plaintext a sensitive-marked part of `v` holds.
pub fn collect_secrets(v: &Value, r: &Redactor) {
    if v.sensitive {
        let (plain, _) = v.unmark_deep();
        add_plain(&plain, r);
        return;
    }
    match &v.kind {
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            items.iter().for_each(|x| collect_secrets(x, r))
        }
        Kind::Map(_, m) | Kind::Object(m) => m.values().for_each(|x| collect_secrets(x, r)),
        _ => {}
    }
}

fn add_plain(v: &Value, r: &Redactor) {
    match &v.kind {
        Kind::String(s) if !s.is_empty() => r.add(s.to_string()),
        Kind::Number(n) => {
            let s = n.to_string();
            // Short numbers would redact unrelated digits everywhere.
            if s.len() >= 6 {
                r.add(s);
            }
        }
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            items.iter().for_each(|x| add_plain(x, r))
        }
        Kind::Map(_, m) | Kind::Object(m) => m.values().for_each(|x| add_plain(x, r)),
        _ => {}
    }
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// List audit entries.
    Log {
        /// Only entries at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Check the hash chain: names any edited, deleted or reordered entry.
    Verify {
        /// An anchor recorded earlier (`SEQ:HASH`, from `audit verify`), to
        /// also detect entries removed from the end.
        #[arg(long)]
        anchor: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

pub fn run(c: &AuditCmd) -> u8 {
    match c {
        AuditCmd::Log { since, json, dir } => {
            let since = match since {
                Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
                    Ok(t) => Some(t.with_timezone(&chrono::Utc)),
                    Err(e) => {
                        eprintln!("Error: invalid --since {s:?}: {e}\n\nHint: use RFC 3339, like 2026-11-01T00:00:00Z.");
                        return 1;
                    }
                },
                None => None,
            };
            let log = match AuditLog::open(&cairn_run::session::state_dir(dir)) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return 1;
                }
            };
            match log.list(since) {
                Ok(entries) => {
                    if *json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(&entries).unwrap_or_default()
                        );
                    } else {
                        print!("{}", cairn_audit::render_human(&entries));
                    }
                    0
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    1
                }
            }
        }
        AuditCmd::Verify { anchor, json, dir } => {
            let log = match AuditLog::open(&cairn_run::session::state_dir(dir)) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return 1;
                }
            };
            let report = match anchor {
                Some(a) => match a.parse() {
                    Ok(anchor) => log.verify_against(&anchor),
                    Err(e) => {
                        eprintln!("Error: {e}");
                        return 1;
                    }
                },
                None => log.verify(),
            };
            match report {
                Ok(r) => {
                    if *json {
                        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                    } else {
                        print!("{r}");
                    }
                    u8::from(!r.ok)
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    1
                }
            }
        }
    }
}
