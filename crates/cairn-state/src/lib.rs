//! cairn's state: the format ([`State`]), the local backend
//! ([`LocalBackend`]) with atomic writes, history and locking, the
//! write-ahead [`Journal`] that makes per-operation saves cheap and
//! crash-safe, and encryption of sensitive values ([`Cipher`]).
//!
//! The on-disk format is described in `docs/state-format.md`.

mod address;
mod crypto;
mod error;
mod fsutil;
mod journal;
mod local;
mod lock;
mod model;
mod ops;
mod remote;

pub use address::{
    format_key, format_module_path, parse_module_path, quote, IndexKey, InstanceAddr, ModuleStep,
    Target,
};
pub use crypto::{decode_value, encode_value, Cipher, KeySource, ENCRYPTED_KEY, KEY_ENV};
pub use error::{Result, StateError};
pub use journal::{Journal, JournalEntry};
pub use local::{HistoryEntry, Loaded, LocalBackend, Recovery};
pub use lock::{LockGuard, LockInfo};
pub use model::{
    resource_address, ConfigSnapshot, InstanceState, KeyInfo, Mode, OutputState, ResourceId,
    ResourceMeta, ResourceState, SnapshotValue, State, CAIRN_VERSION, STATE_VERSION,
};
pub use remote::{RemoteLock, RemoteStore, RemoteVersion};
