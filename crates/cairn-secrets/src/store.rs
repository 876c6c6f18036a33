//! The secrets file: a JSON document whose entries are each encrypted with
//! AES-256-GCM under one data key.
//!
//! ```json
//! {
//!   "version": 1,
//!   "kdf": { "type": "pbkdf2-hmac-sha512", "iterations": 600000, "salt": "<base64 16 bytes>" },
//!   "check": { "nonce": "<base64 12 bytes>", "ciphertext": "<base64>" },
//!   "entries": {
//!     "db/password": { "nonce": "<base64>", "ciphertext": "<base64>", "updated": "2026-11-02T10:00:00Z" }
//!   }
//! }
//! ```
//!
//! `kdf` is a [`KeyHeader`]: `{"type": "key-file"}` for a key file, or
//! `{"type": "kms", "key_id", "encrypted_data_key"}` for the KMS extension.
//! `check` is a known constant encrypted under the data key: a wrong key
//! fails on it with a "wrong key" error before anything is read or
//! written. Each entry's associated data is `cairn-secrets/1/entry/NAME`,
//! so an entry copied under another name does not decrypt.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::SecretError;
use crate::fsutil::{self, FileLock};
use crate::key::{b64, fill_random, DataKey, KeyHeader, KeyProvider};
use crate::name::validate_name;

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The secrets file's name inside the state directory.
pub const FILE_NAME: &str = "secrets.json";

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const CHECK_AAD: &[u8] = b"cairn-secrets/1/check";
const CHECK_PLAINTEXT: &[u8] = b"cairn-secrets key check value";
const ENTRY_AAD_PREFIX: &str = "cairn-secrets/1/entry/";

/// A nonce and a ciphertext (with its tag), both base64.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub nonce: String,
    pub ciphertext: String,
}

/// One secret in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub nonce: String,
    pub ciphertext: String,
    /// When the value was last set, RFC 3339 in UTC.
    pub updated: String,
}

/// The whole secrets file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub version: u32,
    pub kdf: KeyHeader,
    pub check: Sealed,
    #[serde(default)]
    pub entries: BTreeMap<String, Entry>,
}

/// A secret's name and when it was last set, as `list` gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryInfo {
    pub name: String,
    /// RFC 3339, UTC.
    pub updated: String,
}

/// A decrypted secret: wiped from memory when dropped, and never printed
/// by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    pub fn new(s: String) -> SecretValue {
        SecretValue(Zeroizing::new(s))
    }

    /// The plaintext. Callers must keep it out of logs and output.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The plaintext as a plain `String` (no longer wiped on drop).
    pub fn into_string(mut self) -> String {
        std::mem::take(&mut *self.0)
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<sensitive>)")
    }
}

/// An open secrets file: its document and the data key that opened it.
pub struct SecretStore {
    path: PathBuf,
    doc: Document,
    key: DataKey,
    /// Whether `doc` was read from disk (false: a new file not written yet).
    on_disk: bool,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore")
            .field("path", &self.path)
            .field("entries", &self.doc.entries.len())
            .field("key", &self.key)
            .finish()
    }
}

impl SecretStore {
    /// `<dir>/.cairn/secrets.json`, the default location.
    pub fn default_path(dir: &Path) -> PathBuf {
        dir.join(".cairn").join(FILE_NAME)
    }

    /// The key header of an existing file, read without a key (to choose
    /// the key source); `None` when the file does not exist.
    pub fn read_header(path: &Path) -> Result<Option<KeyHeader>, SecretError> {
        Ok(read_doc(path)?.map(|d| d.kdf))
    }

    /// Opens an existing secrets file. A key of another kind than the
    /// file's, or a wrong key, is refused before anything is read.
    pub fn open(path: &Path, provider: &dyn KeyProvider) -> Result<SecretStore, SecretError> {
        match read_doc(path)? {
            Some(doc) => SecretStore::unlock(path, doc, provider),
            None => Err(SecretError::io(
                "open the secrets file",
                path,
                std::io::Error::from(ErrorKind::NotFound),
            )),
        }
    }

    /// Opens the file if it exists; otherwise starts a new one with a key
    /// from `provider`, written by the first change.
    pub fn open_or_create(
        path: &Path,
        provider: &dyn KeyProvider,
    ) -> Result<SecretStore, SecretError> {
        match read_doc(path)? {
            Some(doc) => SecretStore::unlock(path, doc, provider),
            None => {
                let (kdf, key) = provider.create()?;
                let check = seal(&key, CHECK_AAD, CHECK_PLAINTEXT)?;
                Ok(SecretStore {
                    path: path.to_path_buf(),
                    doc: Document {
                        version: FORMAT_VERSION,
                        kdf,
                        check,
                        entries: BTreeMap::new(),
                    },
                    key,
                    on_disk: false,
                })
            }
        }
    }

    fn unlock(
        path: &Path,
        doc: Document,
        provider: &dyn KeyProvider,
    ) -> Result<SecretStore, SecretError> {
        let file_kind = doc.kdf.kind();
        if provider.kind() != file_kind {
            return Err(SecretError::KeyKindMismatch {
                path: path.to_path_buf(),
                file_kind: file_kind.to_string(),
                given: provider.describe(),
                hint: file_kind.hint(),
            });
        }
        let key = provider.unlock(&doc.kdf)?;
        verify_check(path, &key, &doc.check).map_err(|e| match e {
            SecretError::WrongKey { .. } => SecretError::WrongKey {
                message: format!(
                    "{} does not open the secrets file {} (it was encrypted with another {}); \
                     nothing was read or changed",
                    provider.describe(),
                    path.display(),
                    match file_kind {
                        crate::KeyKind::Passphrase => "passphrase",
                        crate::KeyKind::KeyFile => "key",
                        crate::KeyKind::Kms => "KMS data key",
                    }
                ),
            },
            e => e,
        })?;
        Ok(SecretStore {
            path: path.to_path_buf(),
            doc,
            key,
            on_disk: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's key header (the kind of key and its parameters).
    pub fn key_header(&self) -> &KeyHeader {
        &self.doc.kdf
    }

    /// Whether the file exists on disk (a new store is written by its
    /// first change).
    pub fn exists(&self) -> bool {
        self.on_disk
    }

    /// Sets (adds or replaces) a secret and writes the file.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), SecretError> {
        validate_name(name)?;
        let name = name.to_string();
        self.mutate(|doc, key| {
            let sealed = seal(key, entry_aad(&name).as_bytes(), value.as_bytes())?;
            doc.entries.insert(
                name,
                Entry {
                    nonce: sealed.nonce,
                    ciphertext: sealed.ciphertext,
                    updated: now(),
                },
            );
            Ok(())
        })
    }

    /// A secret's value.
    pub fn get(&self, name: &str) -> Result<SecretValue, SecretError> {
        validate_name(name)?;
        let entry = self
            .doc
            .entries
            .get(name)
            .ok_or_else(|| SecretError::NotFound {
                name: name.to_string(),
                path: self.path.clone(),
            })?;
        decrypt_entry(&self.path, &self.key, name, entry)
    }

    /// Whether a secret of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.doc.entries.contains_key(name)
    }

    /// Names and update times, sorted by name; no value is decrypted.
    pub fn list(&self) -> Vec<EntryInfo> {
        self.doc
            .entries
            .iter()
            .map(|(name, e)| EntryInfo {
                name: name.clone(),
                updated: e.updated.clone(),
            })
            .collect()
    }

    /// Removes a secret and writes the file; `NotFound` if there is none.
    pub fn remove(&mut self, name: &str) -> Result<(), SecretError> {
        validate_name(name)?;
        let path = self.path.clone();
        self.mutate(|doc, _| match doc.entries.remove(name) {
            Some(_) => Ok(()),
            None => Err(SecretError::NotFound {
                name: name.to_string(),
                path,
            }),
        })
    }

    /// Re-encrypts every entry under a new key from `new` (which may be of
    /// another kind: passphrase to key file, say), with fresh nonces, a
    /// fresh salt and a new key check value, in one atomic write. The old
    /// key no longer opens the file. Every entry is decrypted first: if one
    /// does not decrypt, nothing is changed.
    pub fn rekey(&mut self, new: &dyn KeyProvider) -> Result<(), SecretError> {
        let _lock = FileLock::acquire(&self.path)?;
        let mut doc = self.current_doc()?;
        let mut plain: Vec<(String, Zeroizing<Vec<u8>>, String)> = Vec::new();
        for (name, e) in &doc.entries {
            let v = decrypt_entry_bytes(&self.path, &self.key, name, e)?;
            plain.push((name.clone(), v, e.updated.clone()));
        }
        let (kdf, key) = new.create()?;
        let check = seal(&key, CHECK_AAD, CHECK_PLAINTEXT)?;
        let mut entries = BTreeMap::new();
        for (name, v, updated) in plain {
            let sealed = seal(&key, entry_aad(&name).as_bytes(), &v)?;
            entries.insert(
                name,
                Entry {
                    nonce: sealed.nonce,
                    ciphertext: sealed.ciphertext,
                    updated,
                },
            );
        }
        doc.kdf = kdf;
        doc.check = check;
        doc.entries = entries;
        write_doc(&self.path, &doc)?;
        self.doc = doc;
        self.key = key;
        self.on_disk = true;
        Ok(())
    }

    /// Runs one change under the file's lock on the document as it is on
    /// disk now (another process may have changed it since we opened it),
    /// then writes it atomically.
    fn mutate<R>(
        &mut self,
        f: impl FnOnce(&mut Document, &DataKey) -> Result<R, SecretError>,
    ) -> Result<R, SecretError> {
        let _lock = FileLock::acquire(&self.path)?;
        let mut doc = self.current_doc()?;
        let r = f(&mut doc, &self.key)?;
        write_doc(&self.path, &doc)?;
        self.doc = doc;
        self.on_disk = true;
        Ok(r)
    }

    /// The document on disk (under the lock), checked to be encrypted
    /// with our key; our own document when the file is new.
    fn current_doc(&self) -> Result<Document, SecretError> {
        match read_doc(&self.path)? {
            Some(disk) => {
                if disk.kdf != self.doc.kdf || disk.check != self.doc.check {
                    // Re-keyed or created by someone else meanwhile: go on
                    // only if our key still opens it.
                    if verify_check(&self.path, &self.key, &disk.check).is_err() {
                        return Err(SecretError::Conflict {
                            path: self.path.clone(),
                        });
                    }
                }
                Ok(disk)
            }
            // Removed by someone else after we read it: writing our copy
            // back would resurrect what they meant to delete.
            None if self.on_disk => Err(SecretError::Conflict {
                path: self.path.clone(),
            }),
            None => Ok(self.doc.clone()),
        }
    }
}

fn entry_aad(name: &str) -> String {
    format!("{ENTRY_AAD_PREFIX}{name}")
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn cipher(key: &DataKey) -> Aes256Gcm {
    Aes256Gcm::new(key.as_bytes().into())
}

/// Encrypts with a fresh random nonce.
fn seal(key: &DataKey, aad: &[u8], plaintext: &[u8]) -> Result<Sealed, SecretError> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let ct = cipher(key)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| SecretError::Crypto {
            message: "AES-GCM refused the value (too large?)".into(),
        })?;
    Ok(Sealed {
        nonce: b64().encode(nonce),
        ciphertext: b64().encode(ct),
    })
}

/// Why opening a sealed value failed.
enum OpenError {
    /// Not base64, or the wrong length: the file was damaged.
    Malformed(&'static str),
    /// The tag did not verify: wrong key, or altered/moved data.
    Auth,
}

fn open(
    key: &DataKey,
    aad: &[u8],
    nonce: &str,
    ciphertext: &str,
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let nonce = b64()
        .decode(nonce)
        .map_err(|_| OpenError::Malformed("a nonce is not base64"))?;
    if nonce.len() != NONCE_LEN {
        return Err(OpenError::Malformed("a nonce is not 12 bytes"));
    }
    let ct = b64()
        .decode(ciphertext)
        .map_err(|_| OpenError::Malformed("a ciphertext is not base64"))?;
    if ct.len() < TAG_LEN {
        return Err(OpenError::Malformed("a ciphertext is too short"));
    }
    cipher(key)
        .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| OpenError::Auth)
}

fn verify_check(path: &Path, key: &DataKey, check: &Sealed) -> Result<(), SecretError> {
    match open(key, CHECK_AAD, &check.nonce, &check.ciphertext) {
        Ok(p) if p.as_slice() == CHECK_PLAINTEXT => Ok(()),
        Ok(_) | Err(OpenError::Auth) => Err(SecretError::WrongKey {
            message: format!(
                "the key does not open the secrets file {}; nothing was read or changed",
                path.display()
            ),
        }),
        Err(OpenError::Malformed(why)) => Err(SecretError::Format {
            path: path.to_path_buf(),
            message: format!("the key check value is damaged ({why})"),
        }),
    }
}

fn decrypt_entry_bytes(
    path: &Path,
    key: &DataKey,
    name: &str,
    e: &Entry,
) -> Result<Zeroizing<Vec<u8>>, SecretError> {
    open(key, entry_aad(name).as_bytes(), &e.nonce, &e.ciphertext).map_err(|err| match err {
        OpenError::Auth => SecretError::Tampered {
            name: name.to_string(),
            path: path.to_path_buf(),
        },
        OpenError::Malformed(why) => SecretError::Format {
            path: path.to_path_buf(),
            message: format!("the entry {name:?} is damaged ({why})"),
        },
    })
}

fn decrypt_entry(
    path: &Path,
    key: &DataKey,
    name: &str,
    e: &Entry,
) -> Result<SecretValue, SecretError> {
    let mut bytes = decrypt_entry_bytes(path, key, name, e)?;
    // Moved out so the only copy stays in wiped memory.
    let v = std::mem::take(&mut *bytes);
    match String::from_utf8(v) {
        Ok(s) => Ok(SecretValue::new(s)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(SecretError::NotUtf8 {
                what: format!("the secret {name:?}"),
            })
        }
    }
}

/// Reads and parses the file; `None` if it does not exist.
fn read_doc(path: &Path) -> Result<Option<Document>, SecretError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SecretError::io("read the secrets file", path, e)),
    };
    let format = |message: String| SecretError::Format {
        path: path.to_path_buf(),
        message,
    };
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format(format!("not JSON: {e}")))?;
    // The version first, so a newer file gets "upgrade" and not a format
    // error about members it has and we do not know.
    let version = json
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| format("no numeric \"version\" member".into()))?;
    if version != u64::from(FORMAT_VERSION) {
        return Err(SecretError::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
            supported: FORMAT_VERSION,
        });
    }
    let doc: Document = serde_json::from_value(json).map_err(|e| format(e.to_string()))?;
    Ok(Some(doc))
}

fn write_doc(path: &Path, doc: &Document) -> Result<(), SecretError> {
    let mut bytes = serde_json::to_vec_pretty(doc).map_err(|e| SecretError::Format {
        path: path.to_path_buf(),
        message: format!("cannot encode: {e}"),
    })?;
    bytes.push(b'\n');
    fsutil::atomic_write(path, &bytes)
}
