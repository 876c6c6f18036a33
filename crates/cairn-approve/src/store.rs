//! Where approvals live: next to the plan file, one file per reviewer key.
//!
//! The approvals of `p.plan` are `p.plan.approvals/<fingerprint>.json`, so
//! several reviewers can add theirs and approving again replaces one's
//! own.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::approval::Approval;
use crate::keys::is_fingerprint;

/// Errors reading or writing approval files; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read approvals in {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write approval {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file in the approvals directory is not an approval document. It is
    /// an error, not skipped: a damaged approval must be looked at.
    #[error("{} is not a cairn approval: {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
    #[error("the approval's fingerprint {0:?} is not a key fingerprint")]
    BadFingerprint(String),
}

/// The approvals directory of a plan file: `PLAN.approvals`.
pub fn approvals_dir(plan: &Path) -> PathBuf {
    let mut s = plan.as_os_str().to_owned();
    s.push(".approvals");
    PathBuf::from(s)
}

/// The file one reviewer's approval of `plan` is stored in.
pub fn approval_path(plan: &Path, fingerprint: &str) -> PathBuf {
    approvals_dir(plan).join(format!("{fingerprint}.json"))
}

/// Writes (or replaces) `approval` for the plan file `plan`; returns the
/// path written.
pub fn save(plan: &Path, approval: &Approval) -> Result<PathBuf, StoreError> {
    // The fingerprint becomes a file name: only its exact shape is taken.
    if !is_fingerprint(&approval.fingerprint) {
        return Err(StoreError::BadFingerprint(approval.fingerprint.clone()));
    }
    let dir = approvals_dir(plan);
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::Write {
        path: dir.clone(),
        source,
    })?;
    let path = approval_path(plan, &approval.fingerprint);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let err = |source| StoreError::Write {
        path: path.clone(),
        source,
    };
    // Write then rename, so a reader never sees half a document.
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(approval.to_json().as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, &path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(path)
}

/// One approval as read from its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub path: PathBuf,
    pub approval: Approval,
}

/// Reads every `*.json` file in the plan's approvals directory, in file
/// name order; none when the directory does not exist.
pub fn load(plan: &Path) -> Result<Vec<Stored>, StoreError> {
    let dir = approvals_dir(plan);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(StoreError::Read { path: dir, source }),
    };
    let mut paths = Vec::new();
    for e in entries {
        let e = e.map_err(|source| StoreError::Read {
            path: dir.clone(),
            source,
        })?;
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            paths.push(p);
        }
    }
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| StoreError::Read {
            path: path.clone(),
            source,
        })?;
        match Approval::from_json(&text) {
            Ok(approval) => out.push(Stored { path, approval }),
            Err(e) => return Err(StoreError::Malformed { path, reason: e.0 }),
        }
    }
    Ok(out)
}

/// Just the approvals of [`load`].
pub fn load_approvals(plan: &Path) -> Result<Vec<Approval>, StoreError> {
    Ok(load(plan)?.into_iter().map(|s| s.approval).collect())
}
