//! File-system helpers shared by the state and the secrets file: owner-only
//! permissions and durable, atomic writes. Failures are an [`FsError`]
//! naming what was being done and to which path; each caller turns it into
//! its own error type.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file-system operation that failed: what, where, why.
#[derive(Debug)]
pub struct FsError {
    /// What was being done ("create the directory", "replace", ...).
    pub action: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

impl FsError {
    fn new(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> FsError {
        FsError {
            action,
            path: path.into(),
            source,
        }
    }
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for FsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Creates `dir` (and missing parents) readable only by the owner.
pub fn create_private_dir(dir: &Path) -> Result<(), FsError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| FsError::new("create the directory", dir, e))
}

/// Creates a new file (failing if it exists) readable only by the owner.
pub fn create_private_file(path: &Path) -> io::Result<File> {
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
pub fn open_private_append(path: &Path) -> io::Result<File> {
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
pub fn temp_path(dir: &Path, base: &str) -> PathBuf {
    dir.join(format!(
        ".{base}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ))
}

/// Makes a directory's entries (new and renamed files) durable.
pub fn sync_dir(dir: &Path) -> Result<(), FsError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| FsError::new("sync the directory", dir, e))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes `bytes` to a new temporary file in `dir` and syncs it. The
/// caller renames or links it into place; on error nothing is left behind.
pub fn write_temp(dir: &Path, base: &str, bytes: &[u8]) -> Result<PathBuf, FsError> {
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
            Err(FsError::new("write", tmp, e))
        }
    }
}

/// Replaces `path` atomically with `bytes`: a reader (or a crash) sees
/// either the old file or the new one, never a mix.
pub fn atomic_replace(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let dir = parent_dir(path);
    let base = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = write_temp(dir, base, bytes)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(FsError::new("replace", path, e));
    }
    sync_dir(dir)
}

/// Puts a synced temporary file at `path` only if nothing is there: the
/// hard link fails rather than replacing an existing file. Returns false
/// when `path` already existed. The temporary file is removed either way.
pub fn link_new(tmp: &Path, path: &Path) -> Result<bool, FsError> {
    let res = fs::hard_link(tmp, path);
    let out = match res {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        // File systems without hard links: check, then rename (not atomic
        // against a concurrent writer, which the state lock excludes).
        Err(_) if !path.exists() => fs::rename(tmp, path)
            .map(|_| true)
            .map_err(|e| FsError::new("create", path, e)),
        Err(e) => Err(FsError::new("create", path, e)),
    };
    let _ = fs::remove_file(tmp);
    out
}

/// Removes a file if it exists and makes the removal durable.
pub fn remove_durably(path: &Path) -> Result<(), FsError> {
    match fs::remove_file(path) {
        Ok(()) => sync_dir(path.parent().unwrap_or(Path::new("."))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(FsError::new("remove", path, e)),
    }
}

/// [`atomic_replace`], creating the file's directory (owner-only) first.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    create_private_dir(parent_dir(path))?;
    atomic_replace(path, bytes)
}

/// The directory a file lives in ("." for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_creates_private_parents_and_replaces() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("a/b/file.json");
        atomic_write(&path, b"one").expect("write");
        atomic_write(&path, b"two").expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        }
        // No temporary file is left behind.
        let left: Vec<_> = fs::read_dir(tmp.path().join("a/b"))
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(parent_dir(Path::new("bare.json")), Path::new("."));
    }

    #[test]
    fn errors_name_the_action_and_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("f");
        fs::write(&file, "x").expect("write");
        // A directory under a regular file cannot be made.
        let e = create_private_dir(&file.join("d")).expect_err("not a directory");
        assert_eq!(e.action, "create the directory");
        assert!(
            e.to_string().starts_with("cannot create the directory "),
            "{e}"
        );
        // link_new never replaces an existing file.
        let t = write_temp(tmp.path(), "f", b"y").expect("temp");
        assert!(!link_new(&t, &file).expect("link"));
        assert_eq!(fs::read(&file).expect("read"), b"x");
        assert!(!t.exists());
    }
}
