//! Reviewer keys: generation, text formats, files.
//!
//! Public key: one line, `cairn-ed25519 <base64 of the 32 key bytes>
//! <comment>`, the comment being the reviewer's name (it may contain
//! spaces; it is everything after the second field).
//!
//! Private key file: a small JSON document, written with mode 0600 and
//! refused on load when group or others can read it:
//!
//! ```json
//! { "format": "cairn-ed25519-private/1", "comment": "alice",
//!   "public_key": "<base64, 32 bytes>", "private_key": "<base64, 32-byte seed>" }
//! ```
//!
//! The fingerprint of a key is the first 8 bytes of the SHA-256 of its 32
//! raw bytes, in lowercase hex (16 characters). It names files and is
//! shown to people; verification always compares whole keys.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The first field of a public key line.
pub const PUBLIC_PREFIX: &str = "cairn-ed25519";
/// The `format` of a private key file.
pub const PRIVATE_FORMAT: &str = "cairn-ed25519-private/1";
/// The environment variable naming the private key file to sign with.
pub const KEY_ENV: &str = "CAIRN_SIGNING_KEY";
/// File names of a key pair inside its directory.
pub const PRIVATE_FILE: &str = "signing.key";
pub const PUBLIC_FILE: &str = "signing.pub";

/// Length of a fingerprint, in hex characters.
pub const FINGERPRINT_LEN: usize = 16;

/// Errors reading or writing key files; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write key file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a key already exists at {}; refusing to overwrite it", path.display())]
    Exists { path: PathBuf },
    #[error("{} is not a cairn key file: {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
    #[error("private key file {} can be read by others (mode {mode:o}); make it private with chmod 600", path.display())]
    Permissions { path: PathBuf, mode: u32 },
    #[error("private key file {}: the public key it records does not belong to its private key", path.display())]
    Mismatch { path: PathBuf },
    #[error("no place for keys: neither XDG_CONFIG_HOME nor HOME is set")]
    NoConfigDir,
}

/// A new key pair from the operating system's random source.
pub fn generate() -> (SigningKey, VerifyingKey) {
    let sk = SigningKey::generate(&mut OsRng);
    let vk = sk.verifying_key();
    (sk, vk)
}

/// The short fingerprint of a public key (see the module docs).
pub fn fingerprint(key: &VerifyingKey) -> String {
    let d = Sha256::digest(key.as_bytes());
    hex::encode(&d[..FINGERPRINT_LEN / 2])
}

/// Whether `s` has the shape of a fingerprint (safe as a file name).
pub fn is_fingerprint(s: &str) -> bool {
    s.len() == FINGERPRINT_LEN
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A comment fit for one line: control characters (newlines above all)
/// become spaces, so a name can never break the line format.
fn clean_comment(c: &str) -> String {
    let s: String = c
        .chars()
        .map(|ch| if ch.is_control() { ' ' } else { ch })
        .collect();
    s.trim().to_string()
}

/// Decodes a base64 public key, refusing encodings of invalid or weak
/// (small-order) points, which would let anything verify.
pub fn decode_public(b64: &str) -> Result<VerifyingKey, String> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|e| format!("the key is not valid base64: {e}"))?;
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("an ed25519 public key has 32 bytes, not {}", bytes.len()))?;
    let vk = VerifyingKey::from_bytes(&arr)
        .map_err(|_| "the bytes are not an ed25519 public key".to_string())?;
    if vk.is_weak() {
        return Err("the key is a weak (small-order) ed25519 point".into());
    }
    Ok(vk)
}

/// A reviewer's public key and its comment (the reviewer's name).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    comment: String,
}

impl PublicKey {
    pub fn new(key: VerifyingKey, comment: &str) -> PublicKey {
        PublicKey {
            key,
            comment: clean_comment(comment),
        }
    }

    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    pub fn comment(&self) -> &str {
        &self.comment
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.key)
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.key.as_bytes())
    }

    /// The one-line text form, without a line end.
    pub fn to_line(&self) -> String {
        if self.comment.is_empty() {
            format!("{PUBLIC_PREFIX} {}", self.to_base64())
        } else {
            format!("{PUBLIC_PREFIX} {} {}", self.to_base64(), self.comment)
        }
    }

    /// Parses the one-line form (surrounding whitespace ignored).
    pub fn parse(line: &str) -> Result<PublicKey, String> {
        let line = line.trim();
        let (kind, rest) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("expected `{PUBLIC_PREFIX} <base64> <name>`"))?;
        if kind != PUBLIC_PREFIX {
            return Err(format!(
                "the line starts with {kind:?}, not {PUBLIC_PREFIX:?}"
            ));
        }
        let rest = rest.trim_start();
        let (b64, comment) = match rest.split_once(char::is_whitespace) {
            Some((b, c)) => (b, c),
            None => (rest, ""),
        };
        let key = decode_public(b64)?;
        Ok(PublicKey::new(key, comment))
    }

    /// Reads a public key file: its first line that is neither blank nor a
    /// `#` comment.
    pub fn load(path: &Path) -> Result<PublicKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or_else(|| KeyError::Malformed {
                path: path.to_path_buf(),
                reason: "the file holds no key".into(),
            })?;
        PublicKey::parse(line).map_err(|reason| KeyError::Malformed {
            path: path.to_path_buf(),
            reason,
        })
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} {:?})", self.fingerprint(), self.comment)
    }
}

impl std::str::FromStr for PublicKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::parse(s)
    }
}

/// A reviewer's private key. Its `Debug` shows only the public half.
#[derive(Clone)]
pub struct PrivateKey {
    key: SigningKey,
    comment: String,
}

/// The private key file, as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateFile {
    format: String,
    #[serde(default)]
    comment: String,
    public_key: String,
    private_key: String,
}

/// Where a key pair was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPaths {
    pub private: PathBuf,
    pub public: PathBuf,
}

impl PrivateKey {
    /// A new key for the reviewer `comment`.
    pub fn generate(comment: &str) -> PrivateKey {
        let (key, _) = generate();
        PrivateKey::from_signing_key(key, comment)
    }

    pub fn from_signing_key(key: SigningKey, comment: &str) -> PrivateKey {
        PrivateKey {
            key,
            comment: clean_comment(comment),
        }
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    pub fn comment(&self) -> &str {
        &self.comment
    }

    pub fn public(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
            comment: self.comment.clone(),
        }
    }

    fn to_file_text(&self) -> String {
        let f = PrivateFile {
            format: PRIVATE_FORMAT.into(),
            comment: self.comment.clone(),
            public_key: B64.encode(self.key.verifying_key().as_bytes()),
            private_key: B64.encode(self.key.to_bytes()),
        };
        // Serializing a struct of strings cannot fail; fall back to empty
        // rather than panic all the same.
        let mut s = serde_json::to_string_pretty(&f).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads a private key file, refusing one that others can read.
    pub fn load(path: &Path) -> Result<PrivateKey, KeyError> {
        let meta = std::fs::metadata(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        check_private_mode(path, &meta)?;
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |reason: String| KeyError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        let f: PrivateFile = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not a private key document ({e})")))?;
        if f.format != PRIVATE_FORMAT {
            return Err(bad(format!(
                "format {:?}, expected {PRIVATE_FORMAT:?}",
                f.format
            )));
        }
        let seed = B64
            .decode(f.private_key.trim())
            .map_err(|e| bad(format!("private_key is not valid base64: {e}")))?;
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| bad(format!("private_key has {} bytes, not 32", seed.len())))?;
        let key = SigningKey::from_bytes(&seed);
        let recorded = decode_public(&f.public_key).map_err(bad)?;
        if recorded != key.verifying_key() {
            return Err(KeyError::Mismatch {
                path: path.to_path_buf(),
            });
        }
        Ok(PrivateKey::from_signing_key(key, &f.comment))
    }

    /// Writes `DIR/signing.key` (mode 0600) and `DIR/signing.pub`,
    /// creating DIR (mode 0700). Refuses to replace either file unless
    /// `force`.
    pub fn write_pair(&self, dir: &Path, force: bool) -> Result<KeyPaths, KeyError> {
        let paths = KeyPaths {
            private: dir.join(PRIVATE_FILE),
            public: dir.join(PUBLIC_FILE),
        };
        if !force {
            for p in [&paths.private, &paths.public] {
                if p.exists() {
                    return Err(KeyError::Exists { path: p.clone() });
                }
            }
        }
        create_private_dir(dir)?;
        write_atomic(&paths.private, self.to_file_text().as_bytes(), 0o600)?;
        let mut public = self.public().to_line();
        public.push('\n');
        write_atomic(&paths.public, public.as_bytes(), 0o644)?;
        Ok(paths)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public", &self.public())
            .finish_non_exhaustive()
    }
}

#[cfg(unix)]
fn check_private_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_mode(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(0o700);
    }
    b.create(dir).map_err(|source| KeyError::Write {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes through a fresh temporary file created with its final mode and
/// renamed into place, so the key is never readable with wider
/// permissions, even for a moment, and a crash leaves no half file.
fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let err = |source| KeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    // A temporary file left by an earlier crash would make create_new fail.
    let _ = std::fs::remove_file(&tmp);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = o.open(&tmp).map_err(err)?;
    let written = f.write_all(bytes).and_then(|_| f.sync_all());
    drop(f);
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// The default key directory: `$XDG_CONFIG_HOME/cairn/keys`, else
/// `$HOME/.config/cairn/keys`.
pub fn default_key_dir() -> Result<PathBuf, KeyError> {
    key_dir_from(|k| std::env::var_os(k).map(PathBuf::from))
}

/// [`default_key_dir`] with the environment given (for tests).
pub fn key_dir_from(env: impl Fn(&str) -> Option<PathBuf>) -> Result<PathBuf, KeyError> {
    // The XDG rules say a relative XDG_CONFIG_HOME is to be ignored.
    if let Some(x) = env("XDG_CONFIG_HOME").filter(|p| p.is_absolute()) {
        return Ok(x.join("cairn").join("keys"));
    }
    match env("HOME").filter(|p| !p.as_os_str().is_empty()) {
        Some(h) => Ok(h.join(".config").join("cairn").join("keys")),
        None => Err(KeyError::NoConfigDir),
    }
}

/// The private key to sign with: `$CAIRN_SIGNING_KEY` when set, else
/// `signing.key` in the default key directory.
pub fn default_private_key_path() -> Result<PathBuf, KeyError> {
    private_key_path_from(|k| std::env::var_os(k).map(PathBuf::from))
}

/// [`default_private_key_path`] with the environment given (for tests).
pub fn private_key_path_from(env: impl Fn(&str) -> Option<PathBuf>) -> Result<PathBuf, KeyError> {
    if let Some(p) = env(KEY_ENV).filter(|p| !p.as_os_str().is_empty()) {
        return Ok(p);
    }
    Ok(key_dir_from(env)?.join(PRIVATE_FILE))
}
