//! Remote state storage (an S3 bucket, for instance) behind the local
//! backend.
//!
//! A backend with a remote store keeps the state, its history and the
//! state lock in the store, and everything that belongs to one machine's
//! run in the local `.cairn` directory: the write-ahead journal of a run in
//! progress, the encryption key file, the audit trail and run logs. The
//! serial/lineage checks, journaling and recovery are the local backend's,
//! unchanged; only where the bytes go differs.

use std::fmt::Debug;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::StateError;
use crate::lock::LockInfo;

/// One stored version of the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteVersion {
    pub serial: u64,
    /// Where it is, for messages (`s3://bucket/key.history/00000003.json`).
    pub location: String,
    pub modified: DateTime<Utc>,
}

/// Where a backend keeps the state when it is not the local directory.
///
/// Methods are blocking: the local backend is synchronous, and a store that
/// talks to the network runs its own runtime.
pub trait RemoteStore: Send + Sync + Debug {
    /// The state's location in messages (`s3://bucket/key`).
    fn location(&self) -> String;

    /// The current state's bytes; `None` when there is no state yet.
    fn read_current(&self) -> Result<Option<Vec<u8>>, StateError>;

    /// Whether version `serial` is in the history.
    fn has_version(&self, serial: u64) -> Result<bool, StateError>;

    /// Stores `bytes` as history version `serial` and then as the current
    /// state, so the current state is always also in the history.
    fn write_version(&self, serial: u64, bytes: &[u8]) -> Result<(), StateError>;

    /// Replaces stored history version `serial` (which exists) with
    /// `bytes`, leaving the current state alone. Only `cairn state rekey`
    /// calls it.
    fn replace_version(&self, serial: u64, bytes: &[u8]) -> Result<(), StateError> {
        let _ = bytes;
        Err(StateError::Invalid {
            message: format!(
                "this state store cannot rewrite history version {serial}; rekeying needs it"
            ),
        })
    }

    /// Every stored version, in any order.
    fn versions(&self) -> Result<Vec<RemoteVersion>, StateError>;

    /// One stored version; `None` when there is no such version.
    fn read_version(&self, serial: u64) -> Result<Option<Vec<u8>>, StateError>;

    /// Takes the store's lock, waiting up to `timeout` for another holder;
    /// fails with [`StateError::Locked`] naming the holder.
    fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<Box<dyn RemoteLock>, StateError>;

    /// Removes a lock left by a run that died, when its ID is `id`
    /// (`cairn force-unlock ID`); returns the removed holder's details.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;
}

/// A held remote lock.
pub trait RemoteLock: Send + Sync + Debug {
    /// Releases the lock; releasing twice is harmless.
    fn release(&mut self) -> Result<(), StateError>;
}
