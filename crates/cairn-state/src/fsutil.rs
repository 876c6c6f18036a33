//! File-system helpers: private permissions and durable, atomic writes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::StateError;

/// Creates `dir` (and missing parents) readable only by the owner.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), StateError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| StateError::io("create the directory", dir, e))
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

/// Opens (creating if needed) a file for appending, owner-only.
pub(crate) fn open_private_append(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// A unique temporary file name next to `base` in `dir`; temporary names
/// start with a dot and end in `.tmp` so listings can skip them.
pub(crate) fn temp_path(dir: &Path, base: &str) -> PathBuf {
    dir.join(format!(
        ".{base}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ))
}

/// Makes a directory's entries (new and renamed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StateError::io("sync the directory", dir, e))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes `bytes` to a new temporary file in `dir` and syncs it. The
/// caller renames or links it into place; on error nothing is left behind.
pub(crate) fn write_temp(dir: &Path, base: &str, bytes: &[u8]) -> Result<PathBuf, StateError> {
    let tmp = temp_path(dir, base);
    let res = (|| -> io::Result<()> {
        let mut f = create_private_file(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match res {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(StateError::io("write", tmp, e))
        }
    }
}

/// Replaces `path` atomically with `bytes`: a reader (or a crash) sees
/// either the old file or the new one, never a mix.
pub(crate) fn atomic_replace(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let base = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = write_temp(dir, base, bytes)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(StateError::io("replace", path, e));
    }
    sync_dir(dir)
}

/// Puts a synced temporary file at `path` only if nothing is there: the
/// hard link fails rather than replacing an existing file. Returns false
/// when `path` already existed. The temporary file is removed either way.
pub(crate) fn link_new(tmp: &Path, path: &Path) -> Result<bool, StateError> {
    let res = fs::hard_link(tmp, path);
    let out = match res {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        // File systems without hard links: check, then rename (not atomic
        // against a concurrent writer, which the state lock excludes).
        Err(_) if !path.exists() => fs::rename(tmp, path)
            .map(|_| true)
            .map_err(|e| StateError::io("create", path, e)),
        Err(e) => Err(StateError::io("create", path, e)),
    };
    let _ = fs::remove_file(tmp);
    out
}

/// Removes a file if it exists and makes the removal durable.
pub(crate) fn remove_durably(path: &Path) -> Result<(), StateError> {
    match fs::remove_file(path) {
        Ok(()) => sync_dir(path.parent().unwrap_or(Path::new("."))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StateError::io("remove", path, e)),
    }
}
