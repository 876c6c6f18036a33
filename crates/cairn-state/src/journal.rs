//! The write-ahead journal: the engine records every resource operation
//! here as one JSON line, durable before `record` returns, so a crash
//! mid-apply loses nothing, while the full state is written only once per
//! run. A background thread commits lines in groups: lines that arrive
//! while it is syncing are written and synced together, so N concurrent
//! recorders cost about one fsync per batch rather than one each.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};

use crate::address::IndexKey;
use crate::error::StateError;
use crate::local::LocalBackend;
use crate::model::{InstanceState, OutputState, ResourceId, ResourceMeta, State};

/// One change to a state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalEntry {
    /// Creates or replaces the object with this key and deposed key,
    /// creating the resource if needed.
    SetInstance {
        resource: ResourceMeta,
        instance: InstanceState,
    },
    /// Removes one object; the resource goes when its last object does.
    RemoveInstance {
        resource: ResourceId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_key: Option<IndexKey>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deposed: Option<String>,
    },
    SetOutput {
        name: String,
        output: OutputState,
    },
    RemoveOutput {
        name: String,
    },
    /// A create of the instance at `address` is about to be sent with the
    /// idempotency key `key` (cleared when that instance is set).
    PendingCreate {
        address: String,
        key: String,
    },
}

/// One journal line: the serial of the state the entry applies to, and the
/// entry. Entries whose base is not the current state's serial belong to
/// a run already written into the state and are ignored.
#[derive(Serialize)]
struct LineOut<'a> {
    base: u64,
    entry: &'a JournalEntry,
}

#[derive(Deserialize)]
struct LineIn {
    base: u64,
    entry: JournalEntry,
}

/// What a journal file holds for a given base serial.
#[derive(Debug, Default)]
pub(crate) struct JournalContents {
    pub entries: Vec<JournalEntry>,
    /// Lines for another base serial.
    pub skipped: usize,
    /// The last line was incomplete (the writer was killed mid-write).
    pub torn: bool,
}

/// Reads a journal, keeping the entries for `base`. An unparsable last
/// line is a torn write and ignored; an unparsable line elsewhere is
/// damage and an error, since skipping it could silently lose an
/// operation.
pub(crate) fn read_journal(path: &Path, base: u64) -> Result<JournalContents, StateError> {
    let bytes = std::fs::read(path).map_err(|e| StateError::io("read the journal", path, e))?;
    let mut out = JournalContents::default();
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let n = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        // After the final newline there is an empty piece; a piece without
        // a newline after it is the last one.
        let last = i + 1 == n;
        if line.is_empty() || line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<LineIn>(line) {
            Ok(l) if l.base == base => out.entries.push(l.entry),
            Ok(_) => out.skipped += 1,
            Err(_) if last => out.torn = true,
            Err(e) => {
                return Err(StateError::Corrupt {
                    path: path.to_path_buf(),
                    line: i + 1,
                    column: e.column(),
                    message: format!("journal line {} is damaged: {e}", i + 1),
                })
            }
        }
    }
    Ok(out)
}

#[derive(Default)]
struct Pending {
    /// Lines waiting for the writer.
    buf: Vec<u8>,
    /// Number of lines handed to the journal so far.
    enqueued: u64,
    /// Lines `1..=durable` are on disk and synced.
    durable: u64,
    /// Set when a write or sync failed; the journal then refuses records.
    failed: Option<String>,
    closed: bool,
    /// Number of write+sync batches so far.
    syncs: u64,
}

struct Shared {
    pending: Mutex<Pending>,
    wake_writer: Condvar,
    done: Condvar,
    file: Mutex<File>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code panics while holding these locks; if one did, the data is
    // still consistent (plain counters and a byte buffer).
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An open journal. Share it between threads by reference (`record` takes
/// `&self`). Dropping it without [`Journal::finish`] leaves the journal
/// file in place, as a crash would, for [`LocalBackend::recover`].
pub struct Journal {
    backend: LocalBackend,
    path: PathBuf,
    base: u64,
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
    active: Arc<AtomicBool>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("base", &self.base)
            .finish()
    }
}

impl Journal {
    pub(crate) fn open(
        backend: LocalBackend,
        path: PathBuf,
        base: u64,
        file: File,
        active: Arc<AtomicBool>,
    ) -> Result<Journal, StateError> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake_writer: Condvar::new(),
            done: Condvar::new(),
            file: Mutex::new(file),
        });
        let s = shared.clone();
        let writer = std::thread::Builder::new()
            .name("cairn-state-journal".into())
            .spawn(move || writer_loop(&s))
            .map_err(|e| StateError::io("start the journal writer for", &path, e))?;
        Ok(Journal {
            backend,
            path,
            base,
            shared,
            writer: Some(writer),
            active,
        })
    }

    /// The serial of the state this journal's entries apply to.
    pub fn base_serial(&self) -> u64 {
        self.base
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of entries recorded (durably) so far.
    pub fn recorded(&self) -> u64 {
        lock(&self.shared.pending).durable
    }

    /// Number of batches written and synced so far (each covering one or
    /// more entries).
    pub fn syncs(&self) -> u64 {
        lock(&self.shared.pending).syncs
    }

    /// Appends one entry and returns once it is on disk and synced. After
    /// a write failure every later call fails too: the run must stop,
    /// since the journal no longer has every operation.
    pub fn record(&self, entry: &JournalEntry) -> Result<(), StateError> {
        let mut line = serde_json::to_vec(&LineOut {
            base: self.base,
            entry,
        })
        .map_err(|e| self.error(format!("cannot encode an entry: {e}")))?;
        line.push(b'\n');
        let mut p = lock(&self.shared.pending);
        if let Some(m) = &p.failed {
            return Err(self.error(m.clone()));
        }
        p.buf.extend_from_slice(&line);
        p.enqueued += 1;
        let mine = p.enqueued;
        self.shared.wake_writer.notify_one();
        while p.durable < mine && p.failed.is_none() {
            p = self
                .shared
                .done
                .wait(p)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if p.durable >= mine {
            Ok(())
        } else {
            Err(self.error(p.failed.clone().unwrap_or_default()))
        }
    }

    fn error(&self, message: String) -> StateError {
        StateError::Journal {
            path: self.path.clone(),
            message,
        }
    }

    fn check_usable(&self, state: &State) -> Result<(), StateError> {
        if let Some(m) = &lock(&self.shared.pending).failed {
            return Err(self.error(format!(
                "{m}; the state was not written from this journal (run `cairn state recover`)"
            )));
        }
        if state.serial != self.base {
            return Err(StateError::Invalid {
                message: format!(
                    "the journal applies to state serial {}, but the state given is serial {}",
                    self.base, state.serial
                ),
            });
        }
        Ok(())
    }

    /// Writes `state` (which must include every recorded entry) as a new
    /// version and starts the journal afresh from it, keeping the journal
    /// short during very long runs.
    pub fn checkpoint(&mut self, state: &mut State) -> Result<(), StateError> {
        self.check_usable(state)?;
        self.backend.write_inner(state)?;
        // From here the old lines are stale (their base is no longer the
        // state's serial), so a crash before the truncation loses nothing.
        self.base = state.serial;
        let f = lock(&self.shared.file);
        f.set_len(0)
            .and_then(|_| f.sync_data())
            .map_err(|e| StateError::io("truncate the journal", &self.path, e))
    }

    /// Writes the compacted state (which must include every recorded
    /// entry) as a new version, then removes the journal.
    pub fn finish(mut self, state: &mut State) -> Result<(), StateError> {
        self.check_usable(state)?;
        self.backend.write_inner(state)?;
        self.stop_writer();
        Ok(crate::fsutil::remove_durably(&self.path)?)
    }

    fn stop_writer(&mut self) {
        lock(&self.shared.pending).closed = true;
        self.shared.wake_writer.notify_all();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.stop_writer();
        self.active.store(false, Ordering::SeqCst);
    }
}

fn writer_loop(shared: &Shared) {
    let mut spare = Vec::new();
    loop {
        let (mut batch, upto) = {
            let mut p = lock(&shared.pending);
            while p.buf.is_empty() && !p.closed {
                p = shared
                    .wake_writer
                    .wait(p)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if p.buf.is_empty() {
                return;
            }
            let batch = std::mem::replace(&mut p.buf, std::mem::take(&mut spare));
            (batch, p.enqueued)
        };
        // Everything enqueued while the previous sync ran goes out in
        // this one write and one sync: that is the group commit.
        let res = {
            let mut f = lock(&shared.file);
            f.write_all(&batch).and_then(|_| f.sync_data())
        };
        batch.clear();
        spare = batch;
        let mut p = lock(&shared.pending);
        let failed = match res {
            Ok(()) => {
                p.durable = upto;
                p.syncs += 1;
                false
            }
            Err(e) => {
                p.failed = Some(format!("cannot write or sync the journal: {e}"));
                true
            }
        };
        drop(p);
        shared.done.notify_all();
        if failed {
            return;
        }
    }
}
