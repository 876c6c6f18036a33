//! The key that encrypts a state's sensitive values, from one of three
//! sources:
//!
//! - a raw 32-byte key: `CAIRN_STATE_KEY` (base64) or a key file,
//!   `.cairn/keys/state.key` (made on first use) or, after `cairn state
//!   rekey`, `.cairn/keys/state-<key id>.key`;
//! - a passphrase, `CAIRN_STATE_PASSPHRASE`, stretched with
//!   PBKDF2-HMAC-SHA512 (600,000 rounds) and a random salt;
//! - AWS KMS, `CAIRN_STATE_KMS_KEY_ID`: a data key made by
//!   `GenerateDataKey` and stored wrapped in the state.
//!
//! The state records which ([`KeyInfo`]) and a check value, so a state
//! opens with whatever its header names, a wrong key is refused before
//! anything is decrypted, and the environment variables only choose the
//! source of a *new* state (or of `cairn state rekey`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use cairn_kms::{KmsKey, Purpose};
use cairn_secrets::{KeyHeader, KeyKind, KeyProvider, Passphrase, Zeroizing};
use cairn_state::{Cipher, KeyInfo, KeySource, State, StateError, KEY_ENV};

/// The passphrase variable.
pub const PASSPHRASE_ENV: &str = "CAIRN_STATE_PASSPHRASE";
/// The KMS key (ID, ARN or alias) for new states.
pub const KMS_ENV: &str = "CAIRN_STATE_KMS_KEY_ID";

/// A state's cipher and the header that finds its key again.
#[derive(Clone, Debug)]
pub struct StateKey {
    pub cipher: Cipher,
    pub info: KeyInfo,
}

/// How to make a new key (for a new state or `cairn state rekey`).
#[derive(Clone, Debug)]
pub enum NewKey {
    /// A raw key: `CAIRN_STATE_KEY` or the project key file.
    Default,
    /// A fresh random key in its own file `.cairn/keys/state-<id>.key`.
    FreshKeyFile,
    Passphrase(Zeroizing<String>, &'static str),
    Kms(String),
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.is_empty())
}

/// Derived and unwrapped keys of this process, by header: a run opens
/// the state, its history versions and saved plans with one header, and
/// each PBKDF2 derivation or KMS call costs.
static CACHE: Mutex<Option<HashMap<String, Known>>> = Mutex::new(None);

/// A key this process derived or unwrapped, and where it came from.
type Known = ([u8; 32], String);

fn cache_key(info: &KeyInfo) -> String {
    format!("{}|{}", info.kdf, info.key_id)
}

fn cached(info: &KeyInfo) -> Option<Cipher> {
    let g = CACHE.lock().ok()?;
    let (k, src) = g.as_ref()?.get(&cache_key(info))?;
    Some(Cipher::with_source(k, KeySource::Described(src.clone())))
}

fn remember(info: &KeyInfo, key: &[u8; 32], source: &str) {
    if let Ok(mut g) = CACHE.lock() {
        g.get_or_insert_with(HashMap::new)
            .insert(cache_key(info), (*key, source.to_string()));
    }
}

fn secret_err(e: cairn_secrets::SecretError) -> StateError {
    StateError::Key {
        message: e.to_string(),
    }
}

fn info_for(cipher: &Cipher, header: &KeyHeader) -> Result<KeyInfo, StateError> {
    Ok(KeyInfo {
        kdf: serde_json::to_value(header).map_err(|e| StateError::Key {
            message: format!("cannot record the key header: {e}"),
        })?,
        key_id: cipher.key_id().to_string(),
        check: cipher.check_token()?,
    })
}

/// The cipher of a state: by its key header when it has one; a state
/// written before headers existed uses the raw key (`exists`), and a new
/// state gets a key from the source the environment chooses.
pub fn open(key_dir: &Path, info: Option<&KeyInfo>, exists: bool) -> Result<StateKey, StateError> {
    open_with(key_dir, info, exists, None)
}

/// [`open`], where a new state without any key variable set takes a data
/// key from `project_kms` (`state_encryption { kms_key_id }` in cairn.hcl).
pub fn open_with(
    key_dir: &Path,
    info: Option<&KeyInfo>,
    exists: bool,
    project_kms: Option<&str>,
) -> Result<StateKey, StateError> {
    match info {
        Some(info) => Ok(StateKey {
            cipher: unlock(key_dir, info)?,
            info: info.clone(),
        }),
        None if exists => {
            let cipher = Cipher::from_env_or_file(key_dir)?;
            let info = info_for(&cipher, &KeyHeader::KeyFile)?;
            Ok(StateKey { cipher, info })
        }
        None => {
            let how = match (new_key_from_env()?, project_kms) {
                (NewKey::Default, Some(k)) if std::env::var_os(KEY_ENV).is_none() => {
                    NewKey::Kms(k.to_string())
                }
                (how, _) => how,
            };
            create(key_dir, &how)
        }
    }
}

/// The kind of key a header names ("a key file", "a passphrase", "an AWS
/// KMS key"), for messages.
pub fn kind_of(info: &KeyInfo) -> Option<KeyKind> {
    serde_json::from_value::<KeyHeader>(info.kdf.clone())
        .ok()
        .map(|h| h.kind())
}

/// The cipher of a whole state value (history versions, `state` commands).
pub fn for_state(key_dir: &Path, st: &State) -> Result<Cipher, StateError> {
    Ok(open(key_dir, st.key.as_ref(), st.serial > 0)?.cipher)
}

/// The source a new state's key comes from, by the environment; two
/// sources at once are refused rather than guessed between.
pub fn new_key_from_env() -> Result<NewKey, StateError> {
    let kms = env(KMS_ENV);
    let pass = env(PASSPHRASE_ENV);
    let raw = std::env::var_os(KEY_ENV).is_some();
    let set: Vec<&str> = [
        (kms.is_some(), KMS_ENV),
        (pass.is_some(), PASSPHRASE_ENV),
        (raw, KEY_ENV),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    if set.len() > 1 {
        return Err(StateError::Key {
            message: format!(
                "{} are all set; a new state's key comes from one source. Unset all but one.",
                set.join(" and ")
            ),
        });
    }
    Ok(match (kms, pass) {
        (Some(k), _) => NewKey::Kms(k),
        (None, Some(p)) => NewKey::Passphrase(Zeroizing::new(p), PASSPHRASE_ENV),
        (None, None) => NewKey::Default,
    })
}

/// Makes a new key of the kind asked for.
pub fn create(key_dir: &Path, how: &NewKey) -> Result<StateKey, StateError> {
    let (cipher, header) = match how {
        NewKey::Default => (Cipher::from_env_or_file(key_dir)?, KeyHeader::KeyFile),
        NewKey::FreshKeyFile => {
            let key = Cipher::generate_key()?;
            let probe = Cipher::new(&key);
            let path = Cipher::key_file_for(key_dir, probe.key_id());
            Cipher::write_key_file(&path, &key)?;
            (Cipher::from_key_file(&path)?, KeyHeader::KeyFile)
        }
        NewKey::Passphrase(text, origin) => {
            let p = Passphrase::new(text.clone(), origin).map_err(secret_err)?;
            let (header, dk) = p.create().map_err(secret_err)?;
            let source = p.describe();
            let c = Cipher::with_source(dk.as_bytes(), KeySource::Described(source.clone()));
            let info = info_for(&c, &header)?;
            remember(&info, dk.as_bytes(), &source);
            return Ok(StateKey { cipher: c, info });
        }
        NewKey::Kms(id) => {
            let k = KmsKey::new(id.clone(), Purpose::State);
            let (header, dk) = k.create().map_err(secret_err)?;
            let source = match &header {
                KeyHeader::Kms { key_id, .. } => format!("the AWS KMS key {key_id}"),
                _ => k.describe(),
            };
            let c = Cipher::with_source(dk.as_bytes(), KeySource::Described(source.clone()));
            let info = info_for(&c, &header)?;
            remember(&info, dk.as_bytes(), &source);
            return Ok(StateKey { cipher: c, info });
        }
    };
    let info = info_for(&cipher, &header)?;
    Ok(StateKey { cipher, info })
}

fn wrong_key(info: &KeyInfo, kind: &str, tried: &[String], hint: &str) -> StateError {
    let tried = if tried.is_empty() {
        String::new()
    } else {
        format!(" Tried: {}.", tried.join("; "))
    };
    StateError::Decrypt {
        message: format!(
            "cannot open the state: it is encrypted with key {} ({kind}), and that key is not \
             available.{tried} {hint} Nothing has been modified.",
            info.key_id
        ),
    }
}

/// The cipher a key header names, checked against its check value.
pub fn unlock(key_dir: &Path, info: &KeyInfo) -> Result<Cipher, StateError> {
    if let Some(c) = cached(info) {
        return Ok(c);
    }
    let header: KeyHeader =
        serde_json::from_value(info.kdf.clone()).map_err(|_| StateError::Key {
            message: format!(
                "the state's key header names a key type this cairn does not know ({}); it was \
                 written by a newer cairn. Nothing has been modified.",
                info.kdf
            ),
        })?;
    match header.kind() {
        KeyKind::KeyFile => {
            // Every raw key on hand, the variable first; the one whose
            // check value matches is the state's.
            let mut tried = Vec::new();
            let mut candidates: Vec<Cipher> = Vec::new();
            if let Some(c) = Cipher::from_env()? {
                candidates.push(c);
            }
            let by_id = Cipher::key_file_for(key_dir, &info.key_id);
            for p in [Cipher::key_file(key_dir), by_id] {
                if p.exists() {
                    candidates.push(Cipher::from_key_file(&p)?);
                }
            }
            for c in candidates {
                if c.key_id() == info.key_id && c.matches_check(&info.check) {
                    return Ok(c);
                }
                tried.push(format!("key {} from {}", c.key_id(), c.source()));
            }
            Err(wrong_key(
                info,
                "a raw key",
                &tried,
                &format!(
                    "Set {KEY_ENV} to the base64 key that wrote this state, or put its key file \
                     back at {} or {}.",
                    Cipher::key_file(key_dir).display(),
                    Cipher::key_file_for(key_dir, &info.key_id).display()
                ),
            ))
        }
        KeyKind::Passphrase => {
            let Some(text) = env(PASSPHRASE_ENV) else {
                return Err(wrong_key(
                    info,
                    "a passphrase",
                    &[],
                    &format!("Set {PASSPHRASE_ENV} to its passphrase."),
                ));
            };
            let p = Passphrase::new(Zeroizing::new(text), PASSPHRASE_ENV).map_err(secret_err)?;
            let dk = p.unlock(&header).map_err(secret_err)?;
            let c = Cipher::with_source(dk.as_bytes(), KeySource::Described(p.describe()));
            if c.key_id() != info.key_id || !c.matches_check(&info.check) {
                return Err(StateError::Decrypt {
                    message: format!(
                        "cannot open the state: the passphrase in {PASSPHRASE_ENV} is not the one \
                         it was encrypted with (key {}). Nothing has been modified.",
                        info.key_id
                    ),
                });
            }
            remember(info, dk.as_bytes(), &p.describe());
            Ok(c)
        }
        KeyKind::Kms => {
            let dk = KmsKey::unwrap_only(Purpose::State)
                .unlock(&header)
                .map_err(|e| StateError::Decrypt {
                    message: format!(
                        "cannot open the state, whose key is wrapped by AWS KMS: {e} Nothing has \
                         been modified."
                    ),
                })?;
            let source = match &header {
                KeyHeader::Kms { key_id, .. } => format!("the AWS KMS key {key_id}"),
                _ => "AWS KMS".into(),
            };
            let c = Cipher::with_source(dk.as_bytes(), KeySource::Described(source.clone()));
            if c.key_id() != info.key_id || !c.matches_check(&info.check) {
                return Err(StateError::Decrypt {
                    message: format!(
                        "cannot open the state: the data key AWS KMS returned is not key {} \
                         (the key header was edited). Nothing has been modified.",
                        info.key_id
                    ),
                });
            }
            remember(info, dk.as_bytes(), &source);
            Ok(c)
        }
    }
}
