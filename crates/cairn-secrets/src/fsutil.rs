//! File-system helpers: owner-only permissions, atomic replacement and an
//! advisory lock for read-modify-write cycles.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::SecretError;

/// Creates `dir` (and missing parents) readable only by the owner.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), SecretError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| SecretError::io("create the directory", dir, e))
}

/// Creates a new file (failing if it exists) readable only by the owner.
pub(crate) fn create_private_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// The directory a file lives in ("." for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A unique temporary name beside `path`: a dot in front and `.tmp` at the
/// end, so it is recognisable if a crash leaves it.
fn temp_path(path: &Path) -> PathBuf {
    let base = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("secrets");
    parent_dir(path).join(format!(
        ".{base}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ))
}

/// Replaces `path` with `bytes` atomically: the bytes go to a temporary
/// file (mode 0600) that is synced and then renamed over `path`, and the
/// directory is synced. A reader or a crash sees the old file or the new
/// one, never a mix; on any error the old file is untouched and the
/// temporary file removed.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), SecretError> {
    let dir = parent_dir(path);
    create_private_dir(dir)?;
    let tmp = temp_path(path);
    let written = (|| -> io::Result<()> {
        let mut f = create_private_file(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(SecretError::io("write", &tmp, e));
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(SecretError::io("replace", path, e));
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), SecretError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| SecretError::io("sync the directory", dir, e))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
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
