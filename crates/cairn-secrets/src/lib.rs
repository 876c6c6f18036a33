//! cairn's secrets.
//!
//! - [`SecretStore`]: the encrypted secrets file (`.cairn/secrets.json`),
//!   each value sealed with AES-256-GCM under a data key, with the
//!   secret's name bound as associated data, and a key check value so a
//!   wrong key is refused clearly.
//! - Key sources ([`KeyProvider`]): a passphrase ([`Passphrase`],
//!   PBKDF2-HMAC-SHA512, ≥ 600,000 iterations, random 16-byte salt) and a
//!   key file ([`KeyFile`]). AWS KMS has its header variant
//!   ([`KeyHeader::Kms`]) and plugs in through [`KmsFactory`] (the
//!   `cairn-kms` crate implements it, keeping the AWS SDK out of here).
//! - [`SecretUri`]: `env:`, `file:`, `cairn:`, `aws-sm:`, `ssm:`, and
//!   [`resolve_local`] for the first three.

mod error;
mod fsutil;
mod key;
mod name;
pub mod prompt;
mod select;
mod store;
mod uri;

pub use error::SecretError;
pub use fsutil::atomic_write;
pub use key::{
    DataKey, KeyFile, KeyHeader, KeyKind, KeyProvider, Passphrase, DEFAULT_ITERATIONS,
    KEY_FILE_ENV, KEY_LEN, KMS_KEY_ENV, MAX_ITERATIONS, PASSPHRASE_ENV, SALT_LEN,
};
pub use name::{validate_name, MAX_NAME_LEN};
pub use select::{key_from_env, key_from_env_with_kms, KeyChoice, KmsFactory};
pub use store::{
    Document, Entry, EntryInfo, Sealed, SecretStore, SecretValue, FILE_NAME, FORMAT_VERSION,
};
pub use uri::{
    resolve_local, select_json_key, trim_one_newline, CairnSecrets, EnvLookup, LazyStore,
    ProviderFactory, ResolveContext, SecretUri, SCHEMES,
};
/// Re-exported so callers can hold passphrases in wiped memory.
pub use zeroize::Zeroizing;
