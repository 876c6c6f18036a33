//! Errors of the state layer. Each message says what went wrong, which file
//! or address, and what the user can do about it.

use std::fmt;
use std::path::PathBuf;

use crate::lock::LockInfo;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file-system operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A state, history or journal file is not valid JSON or does not have
    /// the state's shape. The file is left as it is.
    #[error(
        "{} is not a valid cairn state file: {message} at line {line}, column {column}.\n\
         The file has not been modified. Fix it by hand, or restore a previous \
         version from the history directory (see `cairn history`).",
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    /// A state file of a format version this build does not read.
    #[error(
        "{}:{line}: state format version {found}, but this cairn reads version {supported}.\n\
         {hint} The file has not been modified.",
        path.display()
    )]
    UnsupportedVersion {
        path: PathBuf,
        /// Line of the `version` field.
        line: usize,
        found: String,
        supported: u32,
        hint: &'static str,
    },

    /// A sensitive value could not be decrypted (normally: another key).
    #[error("{message}")]
    Decrypt { message: String },

    /// A value could not be encrypted or encoded for the state (for
    /// example it is not known yet).
    #[error("cannot store the value at {path} in the state: {message}")]
    Encode { path: String, message: String },

    /// A stored value does not have the type it is read back as.
    #[error("cannot read the stored value at {path}: {message}")]
    Decode { path: String, message: String },

    /// The encryption key is missing or malformed.
    #[error("{message}")]
    Key { message: String },

    /// Another run holds the state lock.
    #[error("{}", LockedMessage(holder))]
    Locked { holder: Box<LockInfo> },

    /// A resource or instance address could not be parsed.
    #[error("invalid address {input:?}: {message}")]
    Address { input: String, message: String },

    /// Nothing in the state matches an address.
    #[error(
        "no {what} matches {address:?} in the state; `cairn state list` shows what the state holds"
    )]
    NotFound { what: &'static str, address: String },

    /// A move target is already in the state.
    #[error("{address} already exists in the state; remove it first (`cairn state rm {address}`) or choose another target")]
    AlreadyExists { address: String },

    /// A request that makes no sense for the addresses given.
    #[error("{message}")]
    Invalid { message: String },

    /// A write would replace a state it was not derived from.
    #[error(
        "refusing to write the state: {message}\n\
         Another run or a manual edit changed {} since this run read it. Nothing was written; \
         run the command again so it starts from the current state.",
        path.display()
    )]
    Conflict { path: PathBuf, message: String },

    /// An interrupted run left journal entries that must be recovered
    /// before a new run can start.
    #[error(
        "{} holds {entries} operation(s) of an interrupted run that are not yet in {}.\n\
         Run `cairn state recover` to write them into the state first.",
        journal.display(),
        state.display()
    )]
    JournalPending {
        journal: PathBuf,
        state: PathBuf,
        entries: usize,
    },

    /// The journal's writer failed; later records are refused because the
    /// journal can no longer be trusted to be complete.
    #[error("the state journal {} failed: {message}", path.display())]
    Journal { path: PathBuf, message: String },

    /// A remote state store (S3, DynamoDB) refused or failed a request.
    #[error("{location}: cannot {action}: {message}")]
    Remote {
        location: String,
        action: String,
        message: String,
    },

    /// A history version that does not exist.
    #[error("state version {serial} is not in the history ({available})")]
    NoSuchVersion { serial: u64, available: String },
}

pub type Result<T, E = StateError> = std::result::Result<T, E>;

impl StateError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Renders the lock holder for [`StateError::Locked`].
struct LockedMessage<'a>(&'a LockInfo);

impl fmt::Display for LockedMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.0;
        write!(
            f,
            "the state is locked: {} holds it since {} for \"{}\" (pid {} on {}, lock id {}, cairn {}).\n\
             Wait for that run to finish, or pass -lock-timeout=DURATION (for example -lock-timeout=5m) \
             to wait for the lock. A local lock held by a process that died is released automatically; \
             a remote (s3) lock left by a run that died is removed with `cairn force-unlock LOCK_ID`.",
            h.who,
            h.created.format("%Y-%m-%d %H:%M:%S UTC"),
            h.operation,
            h.pid,
            h.host,
            h.id,
            h.version
        )
    }
}
