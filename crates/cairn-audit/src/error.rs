//! Errors. Each names the file (and, for content problems, the line) so the
//! user can open it, and says what to do where there is something to do.

use std::path::PathBuf;

/// An error reading or writing the audit log or a run log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The operating system refused an operation on a file.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line of the audit log cannot be used (not JSON, not an entry, or
    /// cut short).
    #[error(
        "{}:{line}: {reason}; run `cairn audit verify` for a full report",
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// A run ID that cannot be used as a file name.
    #[error("invalid run ID {run_id:?}: use letters, digits, '-', '_' and '.' only (for example one from new_run_id())")]
    InvalidRunId { run_id: String },
    /// Text that is not an anchor (`SEQ:HASH`).
    #[error("invalid audit anchor {text:?}: expected SEQ:HASH, as printed by `cairn audit verify` (for example 42:3fa9…, 64 hex digits)")]
    InvalidAnchor { text: String },
    /// An entry could not be turned into JSON (only possible with a
    /// non-string map key in `details`, which serde_json rejects).
    #[error("cannot encode the audit entry for {}: {source}", path.display())]
    Encode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

pub type Result<T, E = AuditError> = std::result::Result<T, E>;

pub(crate) fn io(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> AuditError {
    let path = path.into();
    move |source| AuditError::Io {
        action,
        path,
        source,
    }
}
