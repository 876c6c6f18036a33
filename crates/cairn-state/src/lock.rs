//! The state lock: an OS advisory lock (`flock`) on `state.lock`, so a
//! process that dies, even by SIGKILL, releases it without any cleanup.
//! The file holds the holder's details for the "state is locked" message.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::StateError;
use crate::model::CAIRN_VERSION;

/// Who holds (or wants) the lock, for what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// A UUID for this lock acquisition.
    pub id: String,
    /// The command: "apply", "plan", "state mv", ...
    pub operation: String,
    /// `user@host`.
    pub who: String,
    /// The cairn version of the holder.
    pub version: String,
    pub created: DateTime<Utc>,
    pub pid: u32,
    pub host: String,
}

impl LockInfo {
    /// Details of this process for `operation`.
    pub fn new(operation: impl Into<String>) -> LockInfo {
        let host = hostname();
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.into(),
            who: format!("{}@{}", username(), host),
            version: CAIRN_VERSION.to_string(),
            created: Utc::now(),
            pid: std::process::id(),
            host,
        }
    }

    /// Stands for a holder whose details could not be read (it is between
    /// taking the lock and writing them, or the file was emptied).
    fn unknown() -> LockInfo {
        LockInfo {
            id: "unknown".into(),
            operation: "unknown".into(),
            who: "another process".into(),
            version: "unknown".into(),
            created: Utc::now(),
            pid: 0,
            host: "unknown".into(),
        }
    }
}

fn username() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    file: Option<File>,
    path: PathBuf,
    info: LockInfo,
    /// The remote store's lock, when the state is remote (released first).
    remote: Option<Box<dyn crate::remote::RemoteLock>>,
}

impl LockGuard {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Releases the lock (as dropping the guard does), reporting errors.
    pub fn unlock(mut self) -> Result<(), StateError> {
        self.release()
    }

    /// Adds the remote store's lock, released with this one.
    pub(crate) fn with_remote(mut self, remote: Box<dyn crate::remote::RemoteLock>) -> LockGuard {
        self.remote = Some(remote);
        self
    }

    fn release(&mut self) -> Result<(), StateError> {
        let remote = match self.remote.as_mut() {
            Some(r) => r.release(),
            None => Ok(()),
        };
        self.remote = None;
        let local = self.release_local();
        remote.and(local)
    }

    fn release_local(&mut self) -> Result<(), StateError> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        // Empty the details first, while still holding the lock, so a
        // later reader never sees a released holder as current.
        let cleared = file.set_len(0);
        let unlocked = file.unlock();
        drop(file);
        cleared
            .and(unlocked)
            .map_err(|e| StateError::io("release the lock", &self.path, e))
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the file releases the OS lock even if this fails.
        let _ = self.release();
    }
}

/// Takes the lock at `path`, retrying every 100–250 ms until `timeout`.
pub(crate) fn acquire(
    path: &Path,
    info: LockInfo,
    timeout: Duration,
) -> Result<LockGuard, StateError> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut file = o
        .open(path)
        .map_err(|e| StateError::io("open the lock file", path, e))?;
    let deadline = Instant::now() + timeout;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(StateError::Locked {
                        holder: Box::new(read_holder(path)),
                    });
                }
                // Jitter keeps several waiters from retrying in step.
                let wait = Duration::from_millis(rand::rng().random_range(100..=250));
                std::thread::sleep(wait.min(deadline - now));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StateError::io("lock", path, e));
            }
        }
    }
    let written = serde_json::to_vec(&info)
        .map_err(std::io::Error::other)
        .and_then(|mut json| {
            json.push(b'\n');
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(&json)?;
            file.sync_data()
        });
    let mut guard = LockGuard {
        file: Some(file),
        path: path.to_path_buf(),
        info,
        remote: None,
    };
    if let Err(e) = written {
        let _ = guard.release();
        return Err(StateError::io("write the lock details to", path, e));
    }
    Ok(guard)
}

/// The holder's details; retried briefly because a new holder writes them
/// just after taking the lock.
fn read_holder(path: &Path) -> LockInfo {
    for _ in 0..5 {
        let mut text = String::new();
        let read = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
        if read.is_ok() {
            if let Ok(info) = serde_json::from_str::<LockInfo>(&text) {
                return info;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    LockInfo::unknown()
}
