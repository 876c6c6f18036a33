//! The errors of this crate. No message ever holds a secret value, a
//! passphrase or a key: only names, paths, URIs and key fingerprints.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// A secret name outside `[A-Za-z0-9_./-]+`.
    #[error("invalid secret name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },

    /// A secret URI that does not parse.
    #[error("invalid secret URI {uri:?}: {reason}")]
    InvalidUri { uri: String, reason: String },

    /// The key does not open the secrets file (its key check value does
    /// not decrypt). Nothing was read or changed.
    #[error("wrong key: {message}")]
    WrongKey { message: String },

    /// The key source given is of another kind than the one the file was
    /// encrypted with (say, a key file for a passphrase-encrypted file).
    #[error(
        "the secrets file {path} is encrypted with {file_kind}, but {given} was given; {hint}"
    )]
    KeyKindMismatch {
        path: PathBuf,
        file_kind: String,
        given: String,
        hint: String,
    },

    /// No key source is configured and none can be prompted for.
    #[error("no key for the secrets file: {message}")]
    NoKey { message: String },

    /// A key, key file or passphrase that cannot be used (wrong length,
    /// not base64, too open permissions, empty passphrase, weak KDF
    /// parameters in the header).
    #[error("{message}")]
    Key { message: String },

    /// A key provider (such as a future AWS KMS one) failed.
    #[error("key provider {provider}: {message}")]
    Provider { provider: String, message: String },

    /// The secret is not in the secrets file.
    #[error("secret {name:?} is not in the secrets file {path}")]
    NotFound { name: String, path: PathBuf },

    /// An `env:` secret whose variable is not set.
    #[error("the environment variable {name} (from secret URI \"env:{name}\") is not set")]
    EnvNotSet { name: String },

    /// An entry that the (correct) key cannot decrypt: the file was edited,
    /// or the entry was moved from another name.
    #[error(
        "the secret {name:?} in {path} cannot be decrypted although the key is right: the entry \
         was edited or moved from another name. Set it again with `cairn secret set {name}`."
    )]
    Tampered { name: String, path: PathBuf },

    /// The secrets file is not a valid secrets document.
    #[error("the secrets file {path} is malformed: {message}")]
    Format { path: PathBuf, message: String },

    /// The secrets file's format version is not one this build reads.
    #[error(
        "the secrets file {path} has format version {version}, which this cairn does not read \
         (it reads version {supported}); upgrade cairn"
    )]
    UnsupportedVersion {
        path: PathBuf,
        version: u64,
        supported: u32,
    },

    /// Another process changed the secrets file's key between our read
    /// and our write. Nothing was changed by us.
    #[error(
        "the secrets file {path} was re-keyed or created by another process meanwhile; nothing \
         was changed. Run the command again."
    )]
    Conflict { path: PathBuf },

    /// A value (secret, file contents) that is not UTF-8 text.
    #[error("{what} is not UTF-8 text")]
    NotUtf8 { what: String },

    /// A `#json_key` selector that the secret cannot satisfy.
    #[error("{message}")]
    JsonKey { message: String },

    /// An encryption primitive failed (only on impossible inputs, such as
    /// a value larger than AES-GCM allows).
    #[error("encryption failed: {message}")]
    Crypto { message: String },

    /// The operating system's random source failed.
    #[error("cannot read random bytes: {message}")]
    Random { message: String },

    /// A file-system operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SecretError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> SecretError {
        SecretError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True for the "wrong key" refusal, which callers may answer by asking
    /// for the passphrase again.
    pub fn is_wrong_key(&self) -> bool {
        matches!(self, SecretError::WrongKey { .. })
    }
}
