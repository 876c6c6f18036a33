//! Choosing the key source from the environment, given the file's header.

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::error::SecretError;
use crate::key::{
    KeyFile, KeyHeader, KeyKind, KeyProvider, Passphrase, KEY_FILE_ENV, KMS_KEY_ENV, PASSPHRASE_ENV,
};

/// What the environment provides for a secrets file.
pub enum KeyChoice {
    /// A usable key source.
    Ready(Box<dyn KeyProvider + Send + Sync>),
    /// A new file, and `CAIRN_SECRETS_KEY_FILE` names a file that does not
    /// exist yet: the caller creates it with [`KeyFile::generate`] (and
    /// tells the user to keep it safe).
    NewKeyFile(PathBuf),
    /// A passphrase is needed and none is in the environment: the caller
    /// asks for one (twice when `new_file`), or fails if it cannot.
    AskPassphrase { new_file: bool },
}

impl std::fmt::Debug for KeyChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyChoice::Ready(p) => write!(f, "Ready({})", p.describe()),
            KeyChoice::NewKeyFile(p) => write!(f, "NewKeyFile({})", p.display()),
            KeyChoice::AskPassphrase { new_file } => {
                write!(f, "AskPassphrase {{ new_file: {new_file} }}")
            }
        }
    }
}

/// Picks the key source for a file with `header` (`None`: no file yet)
/// from `CAIRN_SECRETS_PASSPHRASE` and `CAIRN_SECRETS_KEY_FILE`, looked up
/// with `env` (empty values count as unset). An existing file decides the
/// kind; for a new one, setting both is refused as ambiguous.
pub fn key_from_env(
    header: Option<&KeyHeader>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<KeyChoice, SecretError> {
    key_from_env_with_kms(header, env, None)
}

/// Makes an AWS KMS key source: `Some(key)` for a new file (the key ID,
/// ARN or alias), `None` to unwrap an existing file's data key.
pub type KmsFactory = dyn Fn(Option<String>) -> Box<dyn KeyProvider + Send + Sync>;

/// [`key_from_env`] with AWS KMS: a file whose header names a KMS key is
/// opened through `kms`, and a new file uses KMS when
/// `CAIRN_SECRETS_KMS_KEY_ID` is set (alone).
pub fn key_from_env_with_kms(
    header: Option<&KeyHeader>,
    env: &dyn Fn(&str) -> Option<String>,
    kms: Option<&KmsFactory>,
) -> Result<KeyChoice, SecretError> {
    let kms_key = env(KMS_KEY_ENV).filter(|s| !s.is_empty());
    match (header.map(KeyHeader::kind), kms) {
        (Some(KeyKind::Kms), Some(f)) => return Ok(KeyChoice::Ready(f(None))),
        (None, Some(f)) if kms_key.is_some() => {
            let others = [PASSPHRASE_ENV, KEY_FILE_ENV]
                .into_iter()
                .filter(|n| env(n).is_some_and(|v| !v.is_empty()))
                .collect::<Vec<_>>();
            if !others.is_empty() {
                return Err(SecretError::NoKey {
                    message: format!(
                        "{KMS_KEY_ENV} and {} are set; unset the ones the new secrets file \
                         should not use",
                        others.join(" and ")
                    ),
                });
            }
            return Ok(KeyChoice::Ready(f(kms_key)));
        }
        _ => {}
    }
    let passphrase = env(PASSPHRASE_ENV)
        .filter(|s| !s.is_empty())
        .map(Zeroizing::new);
    let key_file = env(KEY_FILE_ENV)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let from_passphrase = |p: Zeroizing<String>| -> Result<KeyChoice, SecretError> {
        Ok(KeyChoice::Ready(Box::new(Passphrase::new(
            p,
            PASSPHRASE_ENV,
        )?)))
    };
    match header.map(KeyHeader::kind) {
        Some(KeyKind::Passphrase) => match (passphrase, key_file) {
            (Some(p), _) => from_passphrase(p),
            (None, Some(k)) => Err(SecretError::NoKey {
                message: format!(
                    "the secrets file is encrypted with a passphrase, but only {KEY_FILE_ENV} \
                     ({}) is set; {}",
                    k.display(),
                    KeyKind::Passphrase.hint()
                ),
            }),
            (None, None) => Ok(KeyChoice::AskPassphrase { new_file: false }),
        },
        Some(KeyKind::KeyFile) => match key_file {
            Some(k) => Ok(KeyChoice::Ready(Box::new(KeyFile::load(&k)?))),
            None => Err(SecretError::NoKey {
                message: format!(
                    "the secrets file is encrypted with a key file; {}",
                    KeyKind::KeyFile.hint()
                ),
            }),
        },
        Some(KeyKind::Kms) => Err(SecretError::NoKey {
            message: "the secrets file is encrypted with an AWS KMS key, and this caller has no \
                      KMS access"
                .into(),
        }),
        None => match (passphrase, key_file) {
            (Some(_), Some(_)) => Err(SecretError::NoKey {
                message: format!(
                    "both {PASSPHRASE_ENV} and {KEY_FILE_ENV} are set; unset the one the new \
                     secrets file should not use"
                ),
            }),
            (Some(p), None) => from_passphrase(p),
            (None, Some(k)) if k.exists() => Ok(KeyChoice::Ready(Box::new(KeyFile::load(&k)?))),
            (None, Some(k)) => Ok(KeyChoice::NewKeyFile(k)),
            (None, None) => Ok(KeyChoice::AskPassphrase { new_file: true }),
        },
    }
}
