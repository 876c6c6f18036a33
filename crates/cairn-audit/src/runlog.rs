//! Per-run logs: `<state dir>/runs/<run-id>.log`, one timestamped line per
//! event, secrets redacted before the text reaches the file.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use chrono::{SecondsFormat, Utc};
use uuid::Uuid;

use crate::error::{io, AuditError, Result};
use crate::redact::Redactor;

/// The folder of run logs inside the state directory.
pub const RUNS_DIR: &str = "runs";

/// A new run ID: the UTC time to the second, then 8 random hex digits, e.g.
/// `20261126T010203Z-1f0c9a3e`. IDs sort by time, as do the log files.
pub fn new_run_id() -> String {
    let random = Uuid::new_v4().simple().to_string();
    format!("{}-{}", Utc::now().format("%Y%m%dT%H%M%SZ"), &random[..8])
}

/// Whether `run_id` can name a file under `runs/` (no separators, no `..`).
pub fn is_valid_run_id(run_id: &str) -> bool {
    !run_id.is_empty()
        && !run_id.starts_with('.')
        && run_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// How serious a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Padded so messages line up in the file.
        f.pad(match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        })
    }
}

/// One run's log. Shareable between threads (the engine applies in
/// parallel): each call writes its lines in one piece.
#[derive(Debug)]
pub struct RunLog {
    run_id: String,
    path: PathBuf,
    file: Mutex<File>,
    redactor: Redactor,
}

impl RunLog {
    /// Opens `<dir>/runs/<run_id>.log` for appending, creating the folder
    /// and the file as needed (an existing log is continued, never
    /// truncated).
    pub fn create(dir: &Path, run_id: &str) -> Result<RunLog> {
        if !is_valid_run_id(run_id) {
            return Err(AuditError::InvalidRunId {
                run_id: run_id.to_string(),
            });
        }
        let runs = dir.join(RUNS_DIR);
        std::fs::create_dir_all(&runs).map_err(io("create directory", &runs))?;
        let path = runs.join(format!("{run_id}.log"));
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io("open", &path))?;
        Ok(RunLog {
            run_id: run_id.to_string(),
            path,
            file: Mutex::new(file),
            redactor: Redactor::new(),
        })
    }

    /// Uses `redactor` (typically shared with the audit log) on every line.
    pub fn with_redactor(mut self, redactor: Redactor) -> RunLog {
        self.redactor = redactor;
        self
    }

    /// The redactor applied to every line; add secrets through it.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `TIME LEVEL message` (RFC 3339 UTC, milliseconds), one line
    /// per line of `msg`, with known secrets replaced. The write goes
    /// straight to the OS (no user-space buffer), so a crash right after
    /// loses nothing the process wrote; call [`sync`](RunLog::sync) for
    /// durability against power loss.
    pub fn line(&self, level: Level, msg: &str) -> Result<()> {
        let time = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        // Only the message is redacted: the time and level are ours, and a
        // short secret must not eat digits of the timestamp.
        let msg = self.redactor.redact(msg);
        let mut text = String::with_capacity(msg.len() + 40);
        for part in msg.split('\n') {
            text.push_str(&time);
            text.push(' ');
            text.push_str(&format!("{level:<5}"));
            text.push(' ');
            text.push_str(part.trim_end_matches('\r'));
            text.push('\n');
        }
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(text.as_bytes())
            .and_then(|()| file.flush())
            .map_err(io("write", &self.path))
    }

    pub fn debug(&self, msg: &str) -> Result<()> {
        self.line(Level::Debug, msg)
    }

    pub fn info(&self, msg: &str) -> Result<()> {
        self.line(Level::Info, msg)
    }

    pub fn warn(&self, msg: &str) -> Result<()> {
        self.line(Level::Warn, msg)
    }

    pub fn error(&self, msg: &str) -> Result<()> {
        self.line(Level::Error, msg)
    }

    /// Forces what was written to disk (at the end of a run).
    pub fn sync(&self) -> Result<()> {
        let file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.sync_data().map_err(io("sync", &self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_valid_and_sortable() {
        let a = new_run_id();
        assert!(is_valid_run_id(&a), "{a}");
        assert_eq!(a.len(), "20261126T010203Z-".len() + 8);
        assert_eq!(&a[8..9], "T");
        assert_eq!(&a[15..17], "Z-");
        assert!(a[..8].bytes().all(|b| b.is_ascii_digit()));
        for bad in ["", "../x", "a/b", ".hidden", "a b"] {
            assert!(!is_valid_run_id(bad), "{bad}");
        }
    }

    #[test]
    fn level_pads() {
        assert_eq!(format!("[{:<5}]", Level::Info), "[INFO ]");
    }
}
