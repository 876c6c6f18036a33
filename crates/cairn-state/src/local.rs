//! The local backend: the state in a `.cairn` directory.
//!
//! ```text
//! .cairn/                     0700
//!   state.json                current state (0600)
//!   history/00000001.json     every version ever written, never overwritten
//!   journal.jsonl             operations of a run in progress (or interrupted)
//!   state.lock                lock file (flock) with the holder's details
//!   keys/state.key            encryption key, if not given by CAIRN_STATE_KEY
//! ```

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::StateError;
use crate::fsutil;
use crate::journal::{read_journal, Journal};
use crate::lock::{acquire, LockGuard, LockInfo};
use crate::model::{State, CAIRN_VERSION, STATE_VERSION};
use crate::remote::RemoteStore;

/// The state stored in a local directory (normally `.cairn`).
#[derive(Clone, Debug)]
pub struct LocalBackend {
    dir: PathBuf,
    /// Where the state, history and lock live when not in `dir`.
    remote: Option<Arc<dyn RemoteStore>>,
    /// Set while a [`Journal`] from this backend is open, so a plain
    /// `write` cannot make its entries stale behind its back.
    journal_open: Arc<AtomicBool>,
}

/// The result of [`LocalBackend::load`].
#[derive(Debug)]
pub struct Loaded {
    /// The state, with any interrupted run's journal replayed onto it;
    /// `None` when there is neither a state nor a journal.
    pub state: Option<State>,
    /// Journal entries replayed (from an interrupted run).
    pub recovered: usize,
    /// Journal lines ignored because they belong to an older serial.
    pub stale: usize,
    /// The journal ended in an incomplete line, which was ignored.
    pub torn_line: bool,
}

/// The result of [`LocalBackend::recover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Entries written into the state.
    pub entries: usize,
    /// The serial of the state after recovery (`None`: there is no state).
    pub serial: Option<u64>,
    pub torn_line: bool,
}

/// One version in the history directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub serial: u64,
    pub path: PathBuf,
    pub modified: DateTime<Utc>,
    /// Number of resources in that version; `None` when the file cannot be
    /// read.
    pub resource_count: Option<usize>,
}

/// Just enough of a state file to check a write against it.
#[derive(Deserialize)]
struct Probe {
    version: serde_json::Value,
    serial: u64,
    lineage: String,
}

#[derive(Deserialize)]
struct VersionProbe {
    version: Option<serde_json::Value>,
    terraform_version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct CountProbe {
    #[serde(default)]
    resources: Vec<serde::de::IgnoredAny>,
}

impl LocalBackend {
    /// A backend for the state directory `dir` (created on first write).
    pub fn new(dir: PathBuf) -> LocalBackend {
        LocalBackend {
            dir,
            remote: None,
            journal_open: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A backend whose state, history and lock are in `remote`; `dir`
    /// keeps this machine's journal, keys and logs.
    pub fn with_remote(dir: PathBuf, remote: Arc<dyn RemoteStore>) -> LocalBackend {
        LocalBackend {
            dir,
            remote: Some(remote),
            journal_open: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Where the current state is: `state.json`'s path, or the remote
    /// store's location.
    pub fn location(&self) -> PathBuf {
        match &self.remote {
            Some(r) => PathBuf::from(r.location()),
            None => self.state_path(),
        }
    }

    /// The remote store, if the state is not local.
    pub fn remote(&self) -> Option<&Arc<dyn RemoteStore>> {
        self.remote.as_ref()
    }

    /// The current state's bytes and where they came from.
    fn read_current(&self) -> Result<Option<(PathBuf, Vec<u8>)>, StateError> {
        if let Some(r) = &self.remote {
            return Ok(r.read_current()?.map(|b| (PathBuf::from(r.location()), b)));
        }
        let path = self.state_path();
        match fs::read(&path) {
            Ok(bytes) => Ok(Some((path, bytes))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("read", path, e)),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }
    pub fn history_dir(&self) -> PathBuf {
        self.dir.join("history")
    }
    pub fn journal_path(&self) -> PathBuf {
        self.dir.join("journal.jsonl")
    }
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("state.lock")
    }
    fn version_path(&self, serial: u64) -> PathBuf {
        self.history_dir().join(format!("{serial:08}.json"))
    }

    /// The current state, with an interrupted run's journal replayed onto
    /// it in memory (nothing is written; see [`LocalBackend::recover`]).
    pub fn read(&self) -> Result<Option<State>, StateError> {
        Ok(self.load()?.state)
    }

    /// Like [`LocalBackend::read`], also saying what the journal held.
    pub fn load(&self) -> Result<Loaded, StateError> {
        let state = match self.read_current()? {
            Some((path, bytes)) => Some(parse_state(&path, &bytes)?),
            None => None,
        };
        let jpath = self.journal_path();
        if !jpath.exists() {
            return Ok(Loaded {
                state,
                recovered: 0,
                stale: 0,
                torn_line: false,
            });
        }
        let base = state.as_ref().map_or(0, |s| s.serial);
        let j = read_journal(&jpath, base)?;
        let recovered = j.entries.len();
        let state = if recovered == 0 {
            state
        } else {
            let mut s = state.unwrap_or_default();
            for e in j.entries {
                s.apply(e);
            }
            Some(s)
        };
        Ok(Loaded {
            state,
            recovered,
            stale: j.skipped,
            torn_line: j.torn,
        })
    }

    /// Writes the state as a new version: increments its serial, replaces
    /// `state.json` atomically (temporary file, fsync, rename, fsync of the
    /// directory) and adds `history/<serial>.json`.
    ///
    /// Refuses to replace a state of another lineage or a newer serial
    /// (the state changed since it was read), and to write while a journal
    /// of this backend is open (use [`Journal::checkpoint`] or
    /// [`Journal::finish`]). To roll back to an old version, set its serial
    /// to the current one before writing it.
    pub fn write(&self, state: &mut State) -> Result<(), StateError> {
        if self.journal_open.load(Ordering::SeqCst) {
            return Err(StateError::Invalid {
                message: "a journal is open on this state; write through Journal::checkpoint \
                          or Journal::finish so its entries stay consistent"
                    .into(),
            });
        }
        self.write_inner(state)
    }

    pub(crate) fn write_inner(&self, state: &mut State) -> Result<(), StateError> {
        if state.version != STATE_VERSION {
            return Err(StateError::Invalid {
                message: format!(
                    "cannot write a state of format version {} (this cairn writes version {STATE_VERSION})",
                    state.version
                ),
            });
        }
        if let Some(remote) = &self.remote {
            return self.write_remote(remote.as_ref(), state);
        }
        let path = self.state_path();
        let hdir = self.history_dir();
        let new_dir = !self.dir.exists();
        fsutil::create_private_dir(&self.dir)?;
        if new_dir {
            // The new directory's own entry must be durable too.
            if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                fsutil::sync_dir(parent)?;
            }
        }
        fsutil::create_private_dir(&hdir)?;
        self.check_replaceable(&path, state)?;

        let old_serial = state.serial;
        let mut serial = old_serial + 1;
        // A history file for this serial can exist if state.json was
        // deleted or rolled back by hand: skip past it, never overwrite.
        while self.version_path(serial).exists() {
            serial += 1;
        }
        state.serial = serial;
        state.cairn_version = CAIRN_VERSION.to_string();
        state.normalize();
        let result = (|| -> Result<PathBuf, StateError> {
            let mut bytes =
                serde_json::to_vec_pretty(&*state).map_err(|e| StateError::Invalid {
                    message: format!("cannot encode the state: {e}"),
                })?;
            bytes.push(b'\n');
            // Both copies are on disk before state.json changes, so a
            // failure here leaves everything as it was.
            let htmp = fsutil::write_temp(&hdir, "history", &bytes)?;
            if let Err(e) = fsutil::atomic_replace(&path, &bytes) {
                let _ = fs::remove_file(&htmp);
                return Err(e.into());
            }
            Ok(htmp)
        })();
        let htmp = match result {
            Ok(t) => t,
            Err(e) => {
                state.serial = old_serial;
                return Err(e);
            }
        };
        let vpath = self.version_path(serial);
        if !fsutil::link_new(&htmp, &vpath)? {
            return Err(StateError::Conflict {
                path: vpath,
                message: format!(
                    "history version {serial} appeared while writing it; is another process \
                     writing this state without the lock? state.json holds serial {serial}"
                ),
            });
        }
        Ok(fsutil::sync_dir(&hdir)?)
    }

    /// [`LocalBackend::write_inner`] for a remote store: the same checks,
    /// then the history version and the current state in the store.
    fn write_remote(&self, remote: &dyn RemoteStore, state: &mut State) -> Result<(), StateError> {
        let path = PathBuf::from(remote.location());
        self.check_replaceable(&path, state)?;
        let old_serial = state.serial;
        let mut serial = old_serial + 1;
        while remote.has_version(serial)? {
            serial += 1;
        }
        state.serial = serial;
        state.cairn_version = CAIRN_VERSION.to_string();
        state.normalize();
        let written = serde_json::to_vec_pretty(&*state)
            .map_err(|e| StateError::Invalid {
                message: format!("cannot encode the state: {e}"),
            })
            .and_then(|mut bytes| {
                bytes.push(b'\n');
                remote.write_version(serial, &bytes)
            });
        if written.is_err() {
            state.serial = old_serial;
        }
        written
    }

    /// Checks that the current state is an older version of `state`.
    fn check_replaceable(&self, path: &Path, state: &State) -> Result<(), StateError> {
        let Some((_, bytes)) = self.read_current()? else {
            return Ok(());
        };
        let probe: Probe = match serde_json::from_slice(&bytes) {
            Ok(p) => p,
            // A damaged file is reported as such (and not replaced).
            Err(_) => {
                parse_state(path, &bytes)?;
                return Err(StateError::Conflict {
                    path: path.to_path_buf(),
                    message: "the current state file cannot be read".into(),
                });
            }
        };
        if probe.version != serde_json::json!(STATE_VERSION) {
            parse_state(path, &bytes)?;
        }
        if probe.lineage != state.lineage {
            return Err(StateError::Conflict {
                path: path.to_path_buf(),
                message: format!(
                    "the state on disk has lineage {}, this one {}: they are different states",
                    probe.lineage, state.lineage
                ),
            });
        }
        if probe.serial > state.serial {
            return Err(StateError::Conflict {
                path: path.to_path_buf(),
                message: format!(
                    "the state on disk is at serial {}, newer than serial {} this run started from",
                    probe.serial, state.serial
                ),
            });
        }
        Ok(())
    }

    /// Writes an interrupted run's journal into the state as a new version
    /// and removes the journal. Hold the lock while calling it.
    pub fn recover(&self) -> Result<Recovery, StateError> {
        if self.journal_open.load(Ordering::SeqCst) {
            return Err(StateError::Invalid {
                message: "cannot recover while this process has a journal open".into(),
            });
        }
        let loaded = self.load()?;
        let jpath = self.journal_path();
        let mut state = match loaded.state {
            Some(s) if loaded.recovered > 0 => s,
            other => {
                // Nothing to replay: any journal left is stale.
                fsutil::remove_durably(&jpath)?;
                return Ok(Recovery {
                    entries: 0,
                    serial: other.map(|s| s.serial),
                    torn_line: loaded.torn_line,
                });
            }
        };
        self.write_inner(&mut state)?;
        fsutil::remove_durably(&jpath)?;
        Ok(Recovery {
            entries: loaded.recovered,
            serial: Some(state.serial),
            torn_line: loaded.torn_line,
        })
    }

    /// Opens the journal for a run starting from state serial
    /// `base_serial` (0 when there is no state yet). Fails when the state
    /// on disk has another serial, or when an interrupted run's entries
    /// are still waiting for [`LocalBackend::recover`].
    pub fn journal(&self, base_serial: u64) -> Result<Journal, StateError> {
        if self
            .journal_open
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(StateError::Invalid {
                message: "a journal is already open on this state".into(),
            });
        }
        match self.open_journal(base_serial) {
            Ok(j) => Ok(j),
            Err(e) => {
                self.journal_open.store(false, Ordering::SeqCst);
                Err(e)
            }
        }
    }

    fn open_journal(&self, base_serial: u64) -> Result<Journal, StateError> {
        let path = self.location();
        let current = match self.read_current()? {
            Some((path, bytes)) => match serde_json::from_slice::<Probe>(&bytes) {
                Ok(p) => p.serial,
                Err(_) => parse_state(&path, &bytes)?.serial,
            },
            None => 0,
        };
        if current != base_serial {
            return Err(StateError::Conflict {
                path,
                message: format!(
                    "the run starts from serial {base_serial}, but the state on disk is at serial {current}"
                ),
            });
        }
        let jpath = self.journal_path();
        if jpath.exists() {
            let j = read_journal(&jpath, current)?;
            if !j.entries.is_empty() {
                return Err(StateError::JournalPending {
                    journal: jpath,
                    state: path,
                    entries: j.entries.len(),
                });
            }
            // Left over from a run already written into the state.
            fsutil::remove_durably(&jpath)?;
        }
        fsutil::create_private_dir(&self.dir)?;
        let file = fsutil::open_private_append(&jpath)
            .map_err(|e| StateError::io("create the journal", &jpath, e))?;
        fsutil::sync_dir(&self.dir)?;
        Journal::open(
            self.clone(),
            jpath,
            base_serial,
            file,
            self.journal_open.clone(),
        )
    }

    /// Takes the state lock, waiting up to `timeout` for another holder.
    pub fn lock(&self, info: LockInfo, timeout: Duration) -> Result<LockGuard, StateError> {
        fsutil::create_private_dir(&self.dir)?;
        let guard = acquire(&self.lock_path(), info, timeout)?;
        match &self.remote {
            // The local lock guards this machine's journal; the remote one
            // guards the state against every other machine.
            Some(r) => {
                let remote = r.lock(guard.info(), timeout)?;
                Ok(guard.with_remote(remote))
            }
            None => Ok(guard),
        }
    }

    /// `cairn force-unlock ID`: removes a remote lock whose holder died.
    /// A local lock needs no such thing (the OS releases it with the
    /// process), so for local state this says so.
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        match &self.remote {
            Some(r) => r.force_unlock(id),
            None => Err(StateError::Invalid {
                message: "this state is local: its lock is released by the operating system when the holding process ends, so there is nothing to force-unlock".into(),
            }),
        }
    }

    /// Every version in the history, oldest first.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        if let Some(r) = &self.remote {
            let mut out: Vec<HistoryEntry> = r
                .versions()?
                .into_iter()
                .map(|v| HistoryEntry {
                    serial: v.serial,
                    path: PathBuf::from(v.location),
                    modified: v.modified,
                    resource_count: None,
                })
                .collect();
            out.sort_by_key(|e| e.serial);
            return Ok(out);
        }
        let hdir = self.history_dir();
        let rd = match fs::read_dir(&hdir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StateError::io("list", hdir, e)),
        };
        let mut out = Vec::new();
        for ent in rd {
            let ent = ent.map_err(|e| StateError::io("list", &hdir, e))?;
            let name = ent.file_name();
            let Some(serial) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            let path = ent.path();
            let modified = ent
                .metadata()
                .and_then(|m| m.modified())
                .map(DateTime::<Utc>::from)
                .map_err(|e| StateError::io("read the metadata of", &path, e))?;
            let resource_count = fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<CountProbe>(&b).ok())
                .map(|p| p.resources.len());
            out.push(HistoryEntry {
                serial,
                path,
                modified,
                resource_count,
            });
        }
        out.sort_by_key(|e| e.serial);
        Ok(out)
    }

    /// Replaces history version `state.serial` with `state`, atomically.
    /// Only `cairn state rekey` does this (re-encrypting every version
    /// under a new key, so rollback keeps working): history is otherwise
    /// never rewritten. The version must exist.
    pub fn replace_version(&self, state: &State) -> Result<(), StateError> {
        let mut state = state.clone();
        state.normalize();
        let mut bytes = serde_json::to_vec_pretty(&state).map_err(|e| StateError::Invalid {
            message: format!("cannot encode the state: {e}"),
        })?;
        bytes.push(b'\n');
        if let Some(r) = &self.remote {
            if !r.has_version(state.serial)? {
                return Err(StateError::NoSuchVersion {
                    serial: state.serial,
                    available: "the version to replace is not in the history".into(),
                });
            }
            return r.replace_version(state.serial, &bytes);
        }
        let path = self.version_path(state.serial);
        if !path.exists() {
            return Err(StateError::NoSuchVersion {
                serial: state.serial,
                available: "the version to replace is not in the history".into(),
            });
        }
        // `cairn history` shows a version's time from its file: keep it.
        let modified = fs::metadata(&path).and_then(|m| m.modified()).ok();
        fsutil::atomic_replace(&path, &bytes)?;
        if let Some(t) = modified {
            let _ = fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(t));
        }
        Ok(())
    }

    /// One version from the history.
    pub fn read_version(&self, serial: u64) -> Result<State, StateError> {
        if let Some(r) = &self.remote {
            return match r.read_version(serial)? {
                Some(bytes) => parse_state(&PathBuf::from(r.location()), &bytes),
                None => {
                    let h = self.history()?;
                    let available = match (h.first(), h.last()) {
                        (Some(a), Some(b)) => {
                            format!("it holds versions {} to {}", a.serial, b.serial)
                        }
                        _ => "it is empty".into(),
                    };
                    Err(StateError::NoSuchVersion { serial, available })
                }
            };
        }
        let path = self.version_path(serial);
        match fs::read(&path) {
            Ok(bytes) => parse_state(&path, &bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let h = self.history()?;
                let available = match (h.first(), h.last()) {
                    (Some(a), Some(b)) => format!("it holds versions {} to {}", a.serial, b.serial),
                    _ => "it is empty".into(),
                };
                Err(StateError::NoSuchVersion { serial, available })
            }
            Err(e) => Err(StateError::io("read", path, e)),
        }
    }
}

/// Parses a state file; errors name the file, line and column.
pub(crate) fn parse_state(path: &Path, bytes: &[u8]) -> Result<State, StateError> {
    match serde_json::from_slice::<State>(bytes) {
        Ok(s) if s.version == STATE_VERSION => Ok(s),
        Ok(s) => Err(unsupported(
            path,
            bytes,
            &serde_json::json!(s.version),
            false,
        )),
        Err(e) => {
            // A file of another format version may fail to parse as this
            // one: report the version rather than the first mismatch.
            if let Ok(VersionProbe {
                version: Some(v),
                terraform_version,
            }) = serde_json::from_slice::<VersionProbe>(bytes)
            {
                if v != serde_json::json!(STATE_VERSION) {
                    return Err(unsupported(path, bytes, &v, terraform_version.is_some()));
                }
            }
            let text = e.to_string();
            let message = match text.rfind(" at line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            Err(StateError::Corrupt {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                message,
            })
        }
    }
}

fn unsupported(
    path: &Path,
    bytes: &[u8],
    found: &serde_json::Value,
    terraform: bool,
) -> StateError {
    let newer = found.as_u64().is_some_and(|v| v > u64::from(STATE_VERSION));
    // The first `"version"` key is the top-level one in any file written
    // by cairn or Terraform (it comes first); good enough for a message.
    let key = b"\"version\"";
    let line = bytes
        .windows(key.len())
        .position(|w| w == key)
        .map_or(1, |at| {
            bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
        });
    StateError::UnsupportedVersion {
        path: path.to_path_buf(),
        line,
        found: found.to_string(),
        supported: STATE_VERSION,
        hint: if terraform {
            "This is a Terraform state file; cairn keeps its own state format and does not read it directly."
        } else if newer {
            "It was written by a newer cairn: upgrade cairn to use it."
        } else {
            "It was not written by this cairn; restore a version from the history directory."
        },
    }
}
