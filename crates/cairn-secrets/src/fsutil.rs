//! File-system helpers (crate cairn-fsutil) with their failures as
//! [`SecretError::Io`], and an advisory lock for read-modify-write cycles.

use std::fs::{File, OpenOptions};
use std::path::Path;

pub(crate) use cairn_fsutil::{create_private_dir, create_private_file, parent_dir};

use crate::error::SecretError;

impl From<cairn_fsutil::FsError> for SecretError {
    fn from(e: cairn_fsutil::FsError) -> SecretError {
        SecretError::io(e.action, e.path, e.source)
    }
}

/// Replaces `path` with `bytes` atomically: the bytes go to a temporary
/// file (mode 0600) that is synced and then renamed over `path`, and the
/// directory is synced. A reader or a crash sees the old file or the new
/// one, never a mix; on any error the old file is untouched and the
/// temporary file removed.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), SecretError> {
    Ok(cairn_fsutil::atomic_write(path, bytes)?)
}

/// An exclusive advisory lock on `<dir>/.<name>.lock`, held until dropped.
/// The secrets file itself cannot be locked: it is replaced by rename.
pub(crate) struct FileLock {
    file: File,
}

impl FileLock {
    pub(crate) fn acquire(path: &Path) -> Result<FileLock, SecretError> {
        let dir = parent_dir(path);
        create_private_dir(dir)?;
        let base = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("secrets");
        let lock_path = dir.join(format!(".{base}.lock"));
        let mut o = OpenOptions::new();
        o.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let file = o
            .open(&lock_path)
            .map_err(|e| SecretError::io("open the lock file", &lock_path, e))?;
        file.lock()
            .map_err(|e| SecretError::io("lock", &lock_path, e))?;
        Ok(FileLock { file })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes it
        // immediate even if the descriptor were shared.
        let _ = self.file.unlock();
    }
}
