//! The audit log file: `<state dir>/audit.jsonl`, one canonical-JSON entry
//! per line, each carrying the hash of the one before.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::canonical::canonical_json;
use crate::entry::{hash_of_entry_value, Entry, EntryDraft, GENESIS_HASH};
use crate::error::{io, AuditError, Result};
use crate::ident::{host, sanitize_args, user};
use crate::redact::Redactor;
use crate::verify::{self, VerifyReport};

/// The file name inside the state directory.
pub const AUDIT_FILE: &str = "audit.jsonl";

/// The append-only audit log of one state directory.
#[derive(Debug)]
pub struct AuditLog {
    dir: PathBuf,
    path: PathBuf,
    redactor: Redactor,
    // Resolved once: `user()` may run git, and one process is one user.
    user: OnceLock<String>,
    host: OnceLock<String>,
}

/// The position of the newest entry. Record it somewhere the log's writer
/// cannot rewrite (a CI log, a pull-request comment, another system) and
/// check it later with [`AuditLog::verify_against`]: that catches entries
/// cut from the end, and a log rewritten wholesale with recomputed hashes,
/// neither of which the chain alone can reveal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: u64,
    pub hash: String,
}

impl fmt::Display for Anchor {
    /// `SEQ:HASH`, the form [`Anchor::from_str`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl FromStr for Anchor {
    type Err = AuditError;

    fn from_str(text: &str) -> Result<Anchor> {
        let invalid = || AuditError::InvalidAnchor {
            text: text.to_string(),
        };
        let (seq, hash) = text.trim().split_once(':').ok_or_else(invalid)?;
        let seq: u64 = seq.parse().map_err(|_| invalid())?;
        let hash = hash.to_ascii_lowercase();
        if seq == 0 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        Ok(Anchor { seq, hash })
    }
}

impl AuditLog {
    /// The audit log of the state directory `dir` (usually `.cairn`). Nothing
    /// is created until the first [`append`](AuditLog::append), so reading
    /// commands leave no trace in a project without a log.
    pub fn open(dir: &Path) -> Result<AuditLog> {
        Ok(AuditLog {
            dir: dir.to_path_buf(),
            path: dir.join(AUDIT_FILE),
            redactor: Redactor::new(),
            user: OnceLock::new(),
            host: OnceLock::new(),
        })
    }

    /// Uses `redactor` (typically shared with the run log) on every entry.
    pub fn with_redactor(mut self, redactor: Redactor) -> AuditLog {
        self.redactor = redactor;
        self
    }

    /// The redactor applied on append; add secrets through it.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// `<dir>/audit.jsonl`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and returns it as written.
    ///
    /// Holds an exclusive lock on the file from reading the last entry to
    /// the end of the write, so appenders in several threads or processes
    /// each chain onto the entry before theirs. The line is written with one
    /// `write` on a file opened for appending and fsynced before returning.
    /// Refuses (with the line number) when the last line is not a complete
    /// entry, since there is then no hash to chain onto.
    pub fn append(&self, draft: EntryDraft) -> Result<Entry> {
        let draft = self.prepare(draft);
        std::fs::create_dir_all(&self.dir).map_err(io("create directory", &self.dir))?;
        let existed = self.path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(io("open", &self.path))?;
        if !existed {
            // Make the new file's directory entry durable too.
            sync_dir(&self.dir);
        }
        // Released when `file` is closed at the end of this function,
        // including on every error path.
        file.lock().map_err(io("lock", &self.path))?;
        let len = file
            .metadata()
            .map_err(io("read metadata of", &self.path))?
            .len();
        let (seq, prev_hash) = match self.last_entry(&mut file, len)? {
            None => (1, GENESIS_HASH.to_string()),
            Some(last) => (last.seq + 1, last.hash),
        };

        let mut entry = Entry {
            seq,
            id: Uuid::new_v4(),
            time: Utc::now().trunc_subsecs(6),
            run_id: draft.run_id,
            user: draft.user.unwrap_or_default(),
            host: draft.host.unwrap_or_default(),
            environment: draft.environment,
            command: draft.command,
            args: draft.args,
            plan_digest: draft.plan_digest,
            approvals: draft.approvals,
            summary: draft.summary,
            result: draft.result,
            details: draft.details,
            prev_hash,
            hash: String::new(),
        };
        let mut value = serde_json::to_value(&entry).map_err(|source| AuditError::Encode {
            path: self.path.clone(),
            source,
        })?;
        entry.hash = hash_of_entry_value(&value);
        if let Value::Object(map) = &mut value {
            map.insert("hash".into(), Value::String(entry.hash.clone()));
        }
        let mut line = canonical_json(&value);
        line.push('\n');

        if let Err(e) = file.write_all(line.as_bytes()) {
            // Cut off a partial line (disk full...) so the log stays
            // appendable; we still hold the lock, so nobody wrote after us.
            let _ = file.set_len(len);
            return Err(io("write", &self.path)(e));
        }
        file.sync_data().map_err(io("sync", &self.path))?;
        Ok(entry)
    }

    /// Fills in identity, sanitizes arguments and redacts secrets: nothing
    /// from the caller reaches the file without passing through here.
    fn prepare(&self, mut d: EntryDraft) -> EntryDraft {
        let r = &self.redactor;
        let user = d
            .user
            .take()
            .unwrap_or_else(|| self.user.get_or_init(user).clone());
        let host = d
            .host
            .take()
            .unwrap_or_else(|| self.host.get_or_init(host).clone());
        d.user = Some(r.redact(&user).into_owned());
        d.host = Some(r.redact(&host).into_owned());
        d.args = sanitize_args(&d.args);
        for s in [&mut d.run_id, &mut d.command]
            .into_iter()
            .chain(d.args.iter_mut())
            .chain(d.approvals.iter_mut())
            .chain(d.environment.iter_mut())
            .chain(d.plan_digest.iter_mut())
        {
            r.redact_string(s);
        }
        if let crate::Outcome::Other(s) = &mut d.result {
            r.redact_string(s);
        }
        let extra = std::mem::take(&mut d.summary.extra);
        for (k, mut v) in extra {
            r.redact_value(&mut v);
            d.summary.extra.insert(r.redact(&k).into_owned(), v);
        }
        r.redact_value(&mut d.details);
        d
    }

    /// The newest entry, read from the end of the file.
    fn last_entry(&self, file: &mut File, len: u64) -> Result<Option<Entry>> {
        let Some(bytes) = read_last_line(file, len).map_err(io("read", &self.path))? else {
            return Ok(None);
        };
        let reason = match bytes {
            LastLine::Incomplete => "the last line is incomplete (no newline at the end): a write was cut short or the file was truncated".to_string(),
            LastLine::Complete(bytes) => match parse_entry(&bytes) {
                Ok((_, entry)) => return Ok(Some(entry)),
                Err(reason) => reason,
            },
        };
        let line = count_lines(file).map_err(io("read", &self.path))?;
        Err(AuditError::Corrupt {
            path: self.path.clone(),
            line,
            reason,
        })
    }

    /// The newest entry's position, to record as an [`Anchor`]; None for an
    /// empty or absent log.
    pub fn head(&self) -> Result<Option<Anchor>> {
        let Some(mut file) = self.open_shared()? else {
            return Ok(None);
        };
        let len = file
            .metadata()
            .map_err(io("read metadata of", &self.path))?
            .len();
        Ok(self.last_entry(&mut file, len)?.map(|e| Anchor {
            seq: e.seq,
            hash: e.hash,
        }))
    }

    /// Entries in file order, those at or after `since` when given. Does not
    /// check hashes (that is [`verify`](AuditLog::verify)); fails on the
    /// first line that is not an entry, naming it.
    pub fn list(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Entry>> {
        let Some(file) = self.open_shared()? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for line in Lines::new(file) {
            let line = line.map_err(io("read", &self.path))?;
            let corrupt = |reason: String| AuditError::Corrupt {
                path: self.path.clone(),
                line: line.number,
                reason,
            };
            if !line.terminated {
                return Err(corrupt(
                    "the last line is incomplete (no newline at the end)".into(),
                ));
            }
            let (_, entry) = parse_entry(&line.bytes).map_err(corrupt)?;
            if since.is_none_or(|t| entry.time >= t) {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// Walks the whole chain and reports every problem found: edited,
    /// deleted, reordered or duplicated entries and unreadable lines.
    ///
    /// A chain proves only that the entries present are consistent with
    /// each other: entries removed from the end leave a shorter valid chain,
    /// and a log rewritten in full with recomputed hashes is valid too. Use
    /// [`verify_against`](AuditLog::verify_against) with an [`Anchor`]
    /// kept elsewhere to detect those.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.verify_inner(None)
    }

    /// [`verify`](AuditLog::verify), and also checks that the entry the
    /// anchor names is still there with the same hash.
    pub fn verify_against(&self, anchor: &Anchor) -> Result<VerifyReport> {
        self.verify_inner(Some(anchor))
    }

    fn verify_inner(&self, anchor: Option<&Anchor>) -> Result<VerifyReport> {
        let lines: Box<dyn Iterator<Item = std::io::Result<Line>>> = match self.open_shared()? {
            Some(file) => Box::new(Lines::new(file)),
            None => Box::new(std::iter::empty()),
        };
        verify::verify_lines(&self.path, lines, anchor).map_err(io("read", &self.path))
    }

    /// The log opened for reading under a shared lock, so a reader never
    /// sees a line half written; None when there is no log yet.
    fn open_shared(&self) -> Result<Option<File>> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("open", &self.path)(e)),
        };
        file.lock_shared().map_err(io("lock", &self.path))?;
        Ok(Some(file))
    }
}

/// Parses one line: the JSON value (which verification hashes) and the
/// typed entry. The error is the reason, for a message that names the line.
pub(crate) fn parse_entry(bytes: &[u8]) -> std::result::Result<(Value, Entry), String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("blank line".into());
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON ({e})"))?;
    let entry: Entry =
        serde_json::from_value(value.clone()).map_err(|e| format!("not an audit entry ({e})"))?;
    Ok((value, entry))
}

/// One line of the file, without its newline.
pub(crate) struct Line {
    /// 1-based.
    pub number: u64,
    pub bytes: Vec<u8>,
    /// False only for a last line without a newline.
    pub terminated: bool,
}

/// Streams lines, so verifying a large log does not hold it in memory.
pub(crate) struct Lines<R> {
    reader: BufReader<R>,
    number: u64,
}

impl<R: Read> Lines<R> {
    pub(crate) fn new(inner: R) -> Self {
        Lines {
            reader: BufReader::new(inner),
            number: 0,
        }
    }
}

impl<R: Read> Iterator for Lines<R> {
    type Item = std::io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut bytes = Vec::new();
        match self.reader.read_until(b'\n', &mut bytes) {
            Ok(0) => None,
            Ok(_) => {
                self.number += 1;
                let terminated = bytes.last() == Some(&b'\n');
                if terminated {
                    bytes.pop();
                }
                Some(Ok(Line {
                    number: self.number,
                    bytes,
                    terminated,
                }))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

enum LastLine {
    Complete(Vec<u8>),
    Incomplete,
}

/// The last line of the first `len` bytes, read backwards in blocks so
/// appending stays cheap however long the log grows.
fn read_last_line(file: &mut File, len: u64) -> std::io::Result<Option<LastLine>> {
    if len == 0 {
        return Ok(None);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] != b'\n' {
        return Ok(Some(LastLine::Incomplete));
    }
    const BLOCK: u64 = 8192;
    let end = len - 1;
    let mut start = end;
    let mut tail: Vec<u8> = Vec::new();
    while start > 0 {
        let from = start.saturating_sub(BLOCK);
        let mut block = vec![0u8; (start - from) as usize];
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut block)?;
        if let Some(i) = block.iter().rposition(|&b| b == b'\n') {
            block.drain(..=i);
            block.extend_from_slice(&tail);
            return Ok(Some(LastLine::Complete(block)));
        }
        block.extend_from_slice(&tail);
        tail = block;
        start = from;
    }
    Ok(Some(LastLine::Complete(tail)))
}

/// Number of the last line (for error messages only, so a full scan is
/// fine).
fn count_lines(file: &mut File) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut n = 0;
    for line in Lines::new(&mut *file) {
        line?;
        n += 1;
    }
    Ok(n)
}

fn sync_dir(dir: &Path) {
    // Best effort: not every platform can open a directory to fsync it.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
