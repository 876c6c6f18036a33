//! Encryption of sensitive values: every sub-value marked sensitive is
//! stored as `{"cairn_encrypted": "v1:<base64(nonce || ciphertext)>"}`,
//! AES-256-GCM with a random 96-bit nonce per value, so the state never
//! holds a secret in plaintext.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use cairn_value::{Kind, Type, Value};
use rand::RngCore;
use sha2::Digest;

use crate::error::StateError;
use crate::fsutil;
use crate::model::{InstanceState, OutputState, State};

/// The one key of an encrypted-value object.
pub const ENCRYPTED_KEY: &str = "cairn_encrypted";
/// The environment variable holding the key (base64 of 32 bytes).
pub const KEY_ENV: &str = "CAIRN_STATE_KEY";
const PREFIX: &str = "v1:";
/// The plaintext of a key check value.
const KEY_CHECK: &[u8] = b"cairn state key check v1";
const NONCE_LEN: usize = 12;

/// Where a cipher's key came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
    Given,
    /// Another source, described for messages ("the passphrase from
    /// CAIRN_STATE_PASSPHRASE", "the AWS KMS key arn:...").
    Described(String),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Env => write!(f, "the {KEY_ENV} environment variable"),
            KeySource::File(p) => write!(f, "the key file {}", p.display()),
            KeySource::Given => write!(f, "the key given by the caller"),
            KeySource::Described(d) => f.write_str(d),
        }
    }
}

/// AES-256-GCM with one 32-byte key.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    source: KeySource,
    key_id: String,
}

/// Never prints the key.
impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher")
            .field("source", &self.source)
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl Cipher {
    pub fn new(key: &[u8; 32]) -> Cipher {
        Cipher::with_source(key, KeySource::Given)
    }

    /// A cipher whose key came from `source` (for messages).
    pub fn with_source(key: &[u8; 32], source: KeySource) -> Cipher {
        // A short fingerprint lets messages tell keys apart without
        // revealing anything about them.
        let digest = sha2::Sha256::digest(key);
        Cipher {
            aead: Aes256Gcm::new(key.into()),
            source,
            key_id: hex::encode(&digest[..4]),
        }
    }

    /// A cipher from the base64 text of a 32-byte key.
    pub fn from_base64(text: &str) -> Result<Cipher, StateError> {
        let key = decode_key_text(text).ok_or_else(|| StateError::Key {
            message: "the state key must be the base64 encoding of exactly 32 bytes \
                      (make one with `head -c 32 /dev/urandom | base64`)"
                .into(),
        })?;
        Ok(Cipher::new(&key))
    }

    /// The key from `CAIRN_STATE_KEY` when set, else from
    /// `<dir>/keys/state.key`, which is created with 32 random bytes
    /// (mode 0600, in a 0700 directory) the first time.
    pub fn from_env_or_file(dir: &Path) -> Result<Cipher, StateError> {
        let from_env = Cipher::from_env().map_err(|e| StateError::Key {
            message: format!(
                "{e}; unset it to use the key file {}",
                Cipher::key_file(dir).display()
            ),
        })?;
        if let Some(c) = from_env {
            return Ok(c);
        }
        let path = Cipher::key_file(dir);
        let key = load_or_create_key(&path)?;
        Ok(Cipher::with_source(&key, KeySource::File(path)))
    }

    /// `<dir>/keys/state.key`.
    pub fn key_file(dir: &Path) -> PathBuf {
        dir.join("keys").join("state.key")
    }

    /// `<dir>/keys/state-<key id>.key`: where `cairn state rekey` puts a
    /// new key, and where a state naming that key looks for it.
    pub fn key_file_for(dir: &Path, key_id: &str) -> PathBuf {
        dir.join("keys").join(format!("state-{key_id}.key"))
    }

    /// Reads a key file (32 raw bytes or their base64) and names the
    /// cipher after it.
    pub fn from_key_file(path: &Path) -> Result<Cipher, StateError> {
        let key = read_key_file(path)?;
        Ok(Cipher::with_source(
            &key,
            KeySource::File(path.to_path_buf()),
        ))
    }

    /// The raw key from `CAIRN_STATE_KEY`, when set.
    pub fn from_env() -> Result<Option<Cipher>, StateError> {
        let Some(text) = std::env::var_os(KEY_ENV) else {
            return Ok(None);
        };
        let key =
            decode_key_text(text.to_str().unwrap_or_default()).ok_or_else(|| StateError::Key {
                message: format!(
                    "{KEY_ENV} must be the base64 encoding of exactly 32 bytes \
                     (make one with `head -c 32 /dev/urandom | base64`)"
                ),
            })?;
        Ok(Some(Cipher::with_source(&key, KeySource::Env)))
    }

    /// Writes `key` as a new key file (mode 0600, directory 0700);
    /// refuses to replace an existing file.
    pub fn write_key_file(path: &Path, key: &[u8; 32]) -> Result<(), StateError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        fsutil::create_private_dir(dir)?;
        if !link_key_file(path, key)? {
            return Err(StateError::Key {
                message: format!("the key file {} exists already", path.display()),
            });
        }
        Ok(())
    }

    /// The key check value: a constant encrypted with this key, stored
    /// in the state's key header so a wrong key is refused even when the
    /// state holds no sensitive value yet.
    pub fn check_token(&self) -> Result<String, StateError> {
        self.encrypt(KEY_CHECK)
    }

    /// Whether `token` is this key's check value.
    pub fn matches_check(&self, token: &str) -> bool {
        self.decrypt(token).is_ok_and(|p| p == KEY_CHECK)
    }

    /// 32 bytes from the operating system's random source.
    pub fn generate_key() -> Result<[u8; 32], StateError> {
        use rand::TryRngCore;
        let mut key = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut key)
            .map_err(|e| StateError::Key {
                message: format!("cannot read random bytes for a new state key: {e}"),
            })?;
        Ok(key)
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// A short fingerprint of the key (hex of the first 4 bytes of its
    /// SHA-256), safe to show.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Encrypts to the `v1:<base64(nonce || ciphertext)>` form.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String, StateError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .map_err(|_| StateError::Encode {
                path: "(value)".into(),
                message: "encryption failed".into(),
            })?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ct.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ct);
        Ok(format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(blob)
        ))
    }

    /// Decrypts a `v1:` token. A wrong key gives [`StateError::Decrypt`]
    /// saying so and what to do.
    pub fn decrypt(&self, token: &str) -> Result<Vec<u8>, StateError> {
        let malformed = |why: &str| StateError::Decrypt {
            message: format!(
                "an encrypted value in the state is malformed ({why}); the state file was \
                 edited or damaged. Restore it from the history directory (see `cairn history`)."
            ),
        };
        let Some(b64) = token.strip_prefix(PREFIX) else {
            return Err(malformed("it does not start with \"v1:\""));
        };
        let blob = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| malformed("invalid base64"))?;
        if blob.len() < NONCE_LEN + 16 {
            return Err(malformed("too short"));
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        self.aead
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| StateError::Decrypt {
                message: format!(
                    "cannot decrypt the sensitive values in the state: the state was encrypted \
                     with another key than the one in use (key {} from {}). Set {KEY_ENV} to the \
                     base64 key that wrote this state, or put that key back in its key file. \
                     Nothing has been modified.",
                    self.key_id, self.source
                ),
            })
    }
}

fn decode_key_text(text: &str) -> Option<[u8; 32]> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let t = text.trim();
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(t).ok())
        .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
}

fn load_or_create_key(path: &Path) -> Result<[u8; 32], StateError> {
    match read_key_file(path) {
        Ok(k) => return Ok(k),
        Err(StateError::Io { source, .. }) if source.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fsutil::create_private_dir(dir)?;
    let key = Cipher::generate_key()?;
    // Written to a temporary file and hard-linked into place: the link
    // fails if another process created the key first, and then that key
    // is used, so two first runs never end up with different keys.
    if link_key_file(path, &key)? {
        Ok(key)
    } else {
        read_key_file(path)
    }
}

/// Puts `key` at `path` (mode 0600) through a synced temporary file and a
/// hard link, which fails rather than replacing a file that is there:
/// `Ok(false)` then, and two first runs never end up with different keys.
fn link_key_file(path: &Path, key: &[u8; 32]) -> Result<bool, StateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = fsutil::temp_path(dir, "state.key");
    let written = (|| -> std::io::Result<()> {
        let mut f = fsutil::create_private_file(&tmp)?;
        f.write_all(key)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(StateError::io("write the state key", &tmp, e));
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            fsutil::sync_dir(dir)?;
            Ok(true)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(StateError::io("create the state key file", path, e)),
    }
}

fn read_key_file(path: &Path) -> Result<[u8; 32], StateError> {
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| StateError::io("read the state key", path, e))?;
    if let Ok(k) = <[u8; 32]>::try_from(bytes.as_slice()) {
        return Ok(k);
    }
    // Also accept the key pasted as base64 text.
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(decode_key_text)
        .ok_or_else(|| StateError::Key {
            message: format!(
                "the key file {} must hold exactly 32 bytes (or their base64 encoding); \
                 it holds {} bytes. Restore the key that encrypted this state.",
                path.display(),
                bytes.len()
            ),
        })
}

/// Converts a value to JSON for the state, encrypting every sub-value
/// marked sensitive. Returns the JSON and the paths of the encrypted
/// parts. Unknown values are an error: the state holds only known values.
///
/// An unmarked object that happens to look like an encrypted value
/// (`{"cairn_encrypted": "v1:..."}`) is encrypted too, so reading it back
/// is never ambiguous; it comes back marked sensitive.
pub fn encode_value(
    v: &Value,
    cipher: &Cipher,
) -> Result<(serde_json::Value, Vec<Vec<String>>), StateError> {
    let mut paths = Vec::new();
    let mut path = Vec::new();
    let j = encode_rec(v, cipher, &mut path, &mut paths)?;
    Ok((j, paths))
}

fn encode_rec(
    v: &Value,
    cipher: &Cipher,
    path: &mut Vec<String>,
    paths: &mut Vec<Vec<String>>,
) -> Result<serde_json::Value, StateError> {
    // Checked at the unknown value itself (so the path names it), or for
    // a sensitive sub-value that is encrypted whole.
    if v.is_unknown() || (v.sensitive && !v.is_wholly_known()) {
        return Err(StateError::Encode {
            path: display_path(path),
            message: "the value is not known yet; unknown values are never stored".into(),
        });
    }
    if v.sensitive || looks_encrypted_value(v) {
        let (plain, _) = v.unmark_deep();
        let j = cairn_value::json::to_json(&plain).map_err(|e| StateError::Encode {
            path: display_path(path),
            message: e.to_string(),
        })?;
        let text = serde_json::to_vec(&j).map_err(|e| StateError::Encode {
            path: display_path(path),
            message: e.to_string(),
        })?;
        let token = cipher.encrypt(&text).map_err(|_| StateError::Encode {
            path: display_path(path),
            message: "encryption failed".into(),
        })?;
        paths.push(path.clone());
        let mut m = serde_json::Map::new();
        m.insert(ENCRYPTED_KEY.to_string(), serde_json::Value::String(token));
        return Ok(serde_json::Value::Object(m));
    }
    match &v.kind {
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                path.push(i.to_string());
                out.push(encode_rec(x, cipher, path, paths)?);
                path.pop();
            }
            Ok(serde_json::Value::Array(out))
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            let mut out = serde_json::Map::with_capacity(m.len());
            for (k, x) in m.iter() {
                path.push(k.clone());
                out.insert(k.clone(), encode_rec(x, cipher, path, paths)?);
                path.pop();
            }
            Ok(serde_json::Value::Object(out))
        }
        _ => cairn_value::json::to_json(v).map_err(|e| StateError::Encode {
            path: display_path(path),
            message: e.to_string(),
        }),
    }
}

fn looks_encrypted_value(v: &Value) -> bool {
    match &v.kind {
        Kind::Map(_, m) | Kind::Object(m) => {
            m.len() == 1
                && m.get(ENCRYPTED_KEY)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.starts_with(PREFIX))
        }
        _ => false,
    }
}

/// The token of an encrypted-value object.
fn encrypted_token(j: &serde_json::Value) -> Option<&str> {
    let m = j.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.get(ENCRYPTED_KEY)?
        .as_str()
        .filter(|s| s.starts_with(PREFIX))
}

/// Reads a stored value back: decrypts the encrypted parts, marks them
/// sensitive again, and converts the whole to `ty` (as
/// `cairn_value::json::from_json_typed` does, but keeping the marks, which
/// conversion preserves).
pub fn decode_value(
    json: &serde_json::Value,
    ty: &Type,
    cipher: &Cipher,
) -> Result<Value, StateError> {
    let mut path = Vec::new();
    let v = decode_rec(json, cipher, &mut path)?;
    cairn_value::convert(&v, ty).map_err(|e| StateError::Decode {
        path: display_convert_path(&e.path),
        message: format!("{} (expected {})", e.message, ty.friendly_name()),
    })
}

fn decode_rec(
    j: &serde_json::Value,
    cipher: &Cipher,
    path: &mut Vec<String>,
) -> Result<Value, StateError> {
    if let Some(token) = encrypted_token(j) {
        let plain = cipher.decrypt(token).map_err(|e| with_path(e, path))?;
        let inner: serde_json::Value =
            serde_json::from_slice(&plain).map_err(|e| StateError::Decode {
                path: display_path(path),
                message: format!("decrypted value is not JSON: {e}"),
            })?;
        return Ok(cairn_value::json::from_json(&inner).marked());
    }
    match j {
        serde_json::Value::Array(a) => {
            let mut items = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                items.push(decode_rec(x, cipher, path)?);
                path.pop();
            }
            Ok(Value::tuple(items))
        }
        serde_json::Value::Object(o) => {
            let mut m = BTreeMap::new();
            for (k, x) in o {
                path.push(k.clone());
                m.insert(k.clone(), decode_rec(x, cipher, path)?);
                path.pop();
            }
            Ok(Value::object(m))
        }
        other => Ok(cairn_value::json::from_json(other)),
    }
}

fn with_path(e: StateError, path: &[String]) -> StateError {
    match e {
        StateError::Decrypt { message } if !path.is_empty() => StateError::Decrypt {
            message: format!("at {}: {message}", display_path(path)),
        },
        e => e,
    }
}

/// `tags.Name`, `rules[0].password`, `tags["a b"]`: for messages only.
fn display_path(path: &[String]) -> String {
    if path.is_empty() {
        return "(the whole value)".into();
    }
    let ident = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && p.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    };
    let mut s = String::new();
    for p in path {
        if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) {
            s.push_str(&format!("[{p}]"));
        } else if ident(p) {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(p);
        } else {
            s.push_str(&format!("[{}]", crate::address::quote(p)));
        }
    }
    s
}

fn display_convert_path(path: &[cairn_value::PathStep]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|s| match s {
            cairn_value::PathStep::Attr(a) | cairn_value::PathStep::Key(a) => a.clone(),
            cairn_value::PathStep::Index(i) => i.to_string(),
        })
        .collect();
    display_path(&parts)
}

impl InstanceState {
    /// Sets `attributes` and `sensitive_paths` from a value, encrypting
    /// its sensitive parts.
    pub fn set_attributes(&mut self, v: &Value, cipher: &Cipher) -> Result<(), StateError> {
        let (j, paths) = encode_value(v, cipher)?;
        self.attributes = j;
        self.sensitive_paths = paths;
        Ok(())
    }

    /// The attributes as a value of the resource type's schema type, with
    /// sensitive parts decrypted and marked.
    pub fn decode_attributes(&self, ty: &Type, cipher: &Cipher) -> Result<Value, StateError> {
        decode_value(&self.attributes, ty, cipher)
    }
}

impl OutputState {
    /// An output from its value; `sensitive` (the output's `sensitive`
    /// argument) encrypts the whole value, and parts marked sensitive are
    /// encrypted in any case.
    pub fn encode(v: &Value, sensitive: bool, cipher: &Cipher) -> Result<OutputState, StateError> {
        let sensitive = sensitive || v.is_sensitive_deep();
        let marked = if sensitive {
            v.clone().marked()
        } else {
            v.clone()
        };
        let (value, _) = encode_value(&marked, cipher)?;
        Ok(OutputState {
            value,
            ty: cairn_value::json::type_to_json(&v.ty()),
            sensitive,
        })
    }

    /// The output's value, decrypted and marked sensitive where it was.
    pub fn decode(&self, cipher: &Cipher) -> Result<Value, StateError> {
        let ty = cairn_value::json::type_from_json(&self.ty).ok_or_else(|| StateError::Decode {
            path: "(type)".into(),
            message: format!("unrecognized type {}", self.ty),
        })?;
        Ok(decode_value(&self.value, &ty, cipher)?.mark(self.sensitive))
    }
}

impl State {
    /// Decrypts every encrypted value in the state (discarding the
    /// results) to check that `cipher` holds the key that wrote it, before
    /// a run changes anything. Returns how many values were checked.
    pub fn verify_key(&self, cipher: &Cipher) -> Result<usize, StateError> {
        fn walk(j: &serde_json::Value, cipher: &Cipher, n: &mut usize) -> Result<(), StateError> {
            if let Some(t) = encrypted_token(j) {
                cipher.decrypt(t)?;
                *n += 1;
                return Ok(());
            }
            match j {
                serde_json::Value::Array(a) => a.iter().try_for_each(|x| walk(x, cipher, n)),
                serde_json::Value::Object(o) => o.values().try_for_each(|x| walk(x, cipher, n)),
                _ => Ok(()),
            }
        }
        let mut n = 0;
        for (r, i, _) in self.instances() {
            walk(&i.attributes, cipher, &mut n).map_err(|e| match e {
                StateError::Decrypt { message } => StateError::Decrypt {
                    message: format!("{}: {message}", r.instance_address(i)),
                },
                e => e,
            })?;
        }
        for (name, o) in &self.outputs {
            walk(&o.value, cipher, &mut n).map_err(|e| match e {
                StateError::Decrypt { message } => StateError::Decrypt {
                    message: format!("output {name:?}: {message}"),
                },
                e => e,
            })?;
        }
        // The kept configuration is sealed too: a state with no sensitive
        // value still tells a wrong key by it.
        if let Some(c) = &self.config {
            cipher.decrypt(&c.files).map_err(|e| match e {
                StateError::Decrypt { message } => StateError::Decrypt {
                    message: format!("the kept configuration: {message}"),
                },
                e => e,
            })?;
            n += 1;
        }
        Ok(n)
    }
}

impl State {
    /// Re-encrypts every encrypted part of the state (sensitive
    /// attributes and outputs, pending-create keys are not secret and
    /// stay) from `old` to `new`, including the kept configuration.
    /// Returns how many tokens were re-encrypted. Used by `cairn state
    /// rekey`; on error the state may be half converted and must not be
    /// written.
    pub fn reencrypt(&mut self, old: &Cipher, new: &Cipher) -> Result<usize, StateError> {
        fn walk(
            j: &mut serde_json::Value,
            old: &Cipher,
            new: &Cipher,
            n: &mut usize,
        ) -> Result<(), StateError> {
            if let Some(t) = encrypted_token(j) {
                let plain = old.decrypt(t)?;
                *j = serde_json::json!({ ENCRYPTED_KEY: new.encrypt(&plain)? });
                *n += 1;
                return Ok(());
            }
            match j {
                serde_json::Value::Array(a) => a.iter_mut().try_for_each(|x| walk(x, old, new, n)),
                serde_json::Value::Object(o) => {
                    o.values_mut().try_for_each(|x| walk(x, old, new, n))
                }
                _ => Ok(()),
            }
        }
        let mut n = 0;
        for r in &mut self.resources {
            for i in &mut r.instances {
                walk(&mut i.attributes, old, new, &mut n)?;
            }
        }
        for o in self.outputs.values_mut() {
            walk(&mut o.value, old, new, &mut n)?;
        }
        if let Some(c) = &mut self.config {
            let files = old.decrypt(&c.files)?;
            c.files = new.encrypt(&files)?;
            n += 1;
            for v in c.variables.values_mut() {
                if let crate::model::SnapshotValue::Encrypted(t) = v {
                    let plain = old.decrypt(t)?;
                    *t = new.encrypt(&plain)?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}
