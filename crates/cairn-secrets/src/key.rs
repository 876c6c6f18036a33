//! Key sources for the secrets file: a passphrase (PBKDF2-HMAC-SHA512), a
//! key file (32 random bytes in base64), and the [`KeyProvider`] trait
//! through which other sources (AWS KMS) plug in.

use std::fmt;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use zeroize::Zeroizing;

use crate::error::SecretError;
use crate::fsutil;

/// The environment variable holding the passphrase.
pub const PASSPHRASE_ENV: &str = "CAIRN_SECRETS_PASSPHRASE";
/// The environment variable naming the key file.
pub const KEY_FILE_ENV: &str = "CAIRN_SECRETS_KEY_FILE";
/// The environment variable naming the AWS KMS key for a new file.
pub const KMS_KEY_ENV: &str = "CAIRN_SECRETS_KMS_KEY_ID";
/// The default (and minimum accepted) PBKDF2-HMAC-SHA512 iteration count,
/// as OWASP recommends for that hash.
pub const DEFAULT_ITERATIONS: u32 = 600_000;
/// A header asking for more than this is refused: an edited header must
/// not make every read spin for hours.
pub const MAX_ITERATIONS: u32 = 20_000_000;
/// Length of the random PBKDF2 salt.
pub const SALT_LEN: usize = 16;
/// Length of a data key (AES-256).
pub const KEY_LEN: usize = 32;

/// A 256-bit data key, wiped from memory when dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl DataKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> DataKey {
        DataKey(Zeroizing::new(bytes))
    }

    /// 32 bytes from the operating system's random source.
    pub fn generate() -> Result<DataKey, SecretError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(&mut k[..])?;
        Ok(DataKey(k))
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// A short fingerprint (hex of the first 4 bytes of the key's
    /// SHA-256), safe to show in messages.
    pub fn fingerprint(&self) -> String {
        let d = sha2::Sha256::digest(&self.0[..]);
        hex::encode(&d[..4])
    }
}

/// Never prints the key.
impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({})", self.fingerprint())
    }
}

/// How the file's data key is obtained: the `kdf` member of the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum KeyHeader {
    /// The key is PBKDF2-HMAC-SHA512(passphrase, salt, iterations).
    #[serde(rename = "pbkdf2-hmac-sha512")]
    Pbkdf2Sha512 {
        iterations: u32,
        /// Base64 of the random salt.
        salt: String,
    },
    /// The key is the contents of a key file.
    KeyFile,
    /// The data key is wrapped by an AWS KMS key: `encrypted_data_key`
    /// is the base64 ciphertext blob KMS returned when the data key was
    /// generated (the `cairn-kms` crate makes and opens these).
    Kms {
        key_id: String,
        encrypted_data_key: String,
    },
}

impl KeyHeader {
    /// The kind of key source, for messages: "a passphrase", ...
    pub fn kind(&self) -> KeyKind {
        match self {
            KeyHeader::Pbkdf2Sha512 { .. } => KeyKind::Passphrase,
            KeyHeader::KeyFile => KeyKind::KeyFile,
            KeyHeader::Kms { .. } => KeyKind::Kms,
        }
    }
}

/// The kinds of key source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Passphrase,
    KeyFile,
    Kms,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Passphrase => "a passphrase",
            KeyKind::KeyFile => "a key file",
            KeyKind::Kms => "an AWS KMS key",
        })
    }
}

impl KeyKind {
    /// How to supply a key of this kind.
    pub fn hint(self) -> String {
        match self {
            KeyKind::Passphrase => format!(
                "set {PASSPHRASE_ENV} (and unset {KEY_FILE_ENV}), or type the passphrase when asked"
            ),
            KeyKind::KeyFile => format!("set {KEY_FILE_ENV} to the path of its key file"),
            KeyKind::Kms => "provide AWS credentials allowed to call kms:Decrypt on its key \
                             (AWS_PROFILE, AWS_REGION, ...)"
                .into(),
        }
    }
}

/// A source of data keys. Implementations: [`Passphrase`], [`KeyFile`];
/// an AWS KMS provider implements it with `GenerateDataKey` in `create`
/// (returning [`KeyHeader::Kms`] with the ciphertext blob) and `Decrypt`
/// of that blob in `unlock`.
pub trait KeyProvider {
    /// The kind of source, checked against the file's header before
    /// `unlock` so a mismatch gets a clear message.
    fn kind(&self) -> KeyKind;

    /// Where the key comes from, for messages ("the passphrase from
    /// CAIRN_SECRETS_PASSPHRASE"); never the key itself.
    fn describe(&self) -> String;

    /// A new data key and the header that lets `unlock` find it again:
    /// used for a new file and by `rekey`.
    fn create(&self) -> Result<(KeyHeader, DataKey), SecretError>;

    /// The data key of an existing file, from its header. A wrong key is
    /// not detected here but by the file's key check value.
    fn unlock(&self, header: &KeyHeader) -> Result<DataKey, SecretError>;
}

/// A passphrase, stretched with PBKDF2-HMAC-SHA512.
pub struct Passphrase {
    text: Zeroizing<String>,
    iterations: u32,
    min_iterations: u32,
    origin: String,
}

/// Never prints the passphrase.
impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passphrase")
            .field("iterations", &self.iterations)
            .field("origin", &self.origin)
            .finish()
    }
}

impl Passphrase {
    /// A passphrase used with [`DEFAULT_ITERATIONS`]; `origin` says where
    /// it came from, for messages ("CAIRN_SECRETS_PASSPHRASE", "the
    /// terminal"). Empty passphrases are refused.
    pub fn new(text: Zeroizing<String>, origin: &str) -> Result<Passphrase, SecretError> {
        if text.is_empty() {
            return Err(SecretError::Key {
                message: format!("the passphrase from {origin} is empty"),
            });
        }
        Ok(Passphrase {
            text,
            iterations: DEFAULT_ITERATIONS,
            min_iterations: DEFAULT_ITERATIONS,
            origin: origin.to_string(),
        })
    }

    /// TEST ONLY: a passphrase with a low iteration count, so tests do not
    /// spend seconds per derivation. Files it creates record that count,
    /// and [`Passphrase::new`] refuses to open them.
    #[doc(hidden)]
    pub fn insecure_for_tests(text: &str, iterations: u32) -> Passphrase {
        Passphrase {
            text: Zeroizing::new(text.to_string()),
            iterations: iterations.max(1),
            min_iterations: 1,
            origin: "a test".into(),
        }
    }

    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    fn derive(&self, salt: &[u8], iterations: u32) -> DataKey {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(self.text.as_bytes(), salt, iterations, &mut k[..]);
        DataKey(k)
    }
}

impl KeyProvider for Passphrase {
    fn kind(&self) -> KeyKind {
        KeyKind::Passphrase
    }

    fn describe(&self) -> String {
        format!("the passphrase from {}", self.origin)
    }

    fn create(&self) -> Result<(KeyHeader, DataKey), SecretError> {
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt)?;
        let key = self.derive(&salt, self.iterations);
        let header = KeyHeader::Pbkdf2Sha512 {
            iterations: self.iterations,
            salt: b64().encode(salt),
        };
        Ok((header, key))
    }

    fn unlock(&self, header: &KeyHeader) -> Result<DataKey, SecretError> {
        let KeyHeader::Pbkdf2Sha512 { iterations, salt } = header else {
            return Err(SecretError::Key {
                message: format!(
                    "{} cannot open a file encrypted with {}",
                    self.describe(),
                    header.kind()
                ),
            });
        };
        let iterations = *iterations;
        if iterations < self.min_iterations || iterations > MAX_ITERATIONS {
            return Err(SecretError::Key {
                message: format!(
                    "the secrets file asks for {iterations} PBKDF2 iterations; cairn accepts \
                     {} to {MAX_ITERATIONS}. The header was edited, or the file was made by a test.",
                    self.min_iterations
                ),
            });
        }
        let salt = b64().decode(salt).map_err(|_| SecretError::Key {
            message: "the secrets file's PBKDF2 salt is not base64".into(),
        })?;
        if salt.len() < SALT_LEN {
            return Err(SecretError::Key {
                message: format!(
                    "the secrets file's PBKDF2 salt is {} bytes; at least {SALT_LEN} are required",
                    salt.len()
                ),
            });
        }
        Ok(self.derive(&salt, iterations))
    }
}

/// A key file: the base64 text of 32 random bytes, readable only by its
/// owner.
pub struct KeyFile {
    key: DataKey,
    path: PathBuf,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile")
            .field("path", &self.path)
            .field("key", &self.key)
            .finish()
    }
}

impl KeyFile {
    /// Reads a key file. Refused: a file that is not the base64 of exactly
    /// 32 bytes, and (on Unix) one that group or others may read.
    pub fn load(path: &Path) -> Result<KeyFile, SecretError> {
        let mut f =
            fs::File::open(path).map_err(|e| SecretError::io("open the key file", path, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = f
                .metadata()
                .map_err(|e| SecretError::io("inspect the key file", path, e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(SecretError::Key {
                    message: format!(
                        "the key file {} may be read by other users (mode {:04o}); run \
                         `chmod 600 {}` first",
                        path.display(),
                        mode & 0o7777,
                        path.display()
                    ),
                });
            }
        }
        let mut text = Zeroizing::new(String::new());
        f.read_to_string(&mut text).map_err(|e| match e.kind() {
            ErrorKind::InvalidData => SecretError::Key {
                message: format!(
                    "the key file {} must hold the base64 text of 32 bytes; it is not text",
                    path.display()
                ),
            },
            _ => SecretError::io("read the key file", path, e),
        })?;
        let key = decode_key_text(&text).ok_or_else(|| SecretError::Key {
            message: format!(
                "the key file {} must hold the base64 text of exactly 32 bytes (make one with \
                 `cairn secret rekey --to-key-file PATH`, or `head -c 32 /dev/urandom | base64`)",
                path.display()
            ),
        })?;
        Ok(KeyFile {
            key,
            path: path.to_path_buf(),
        })
    }

    /// Creates a new key file with 32 random bytes (mode 0600). Fails if
    /// the file exists: an existing key is never overwritten.
    pub fn generate(path: &Path) -> Result<KeyFile, SecretError> {
        let key = DataKey::generate()?;
        let text = Zeroizing::new(format!("{}\n", b64().encode(key.as_bytes())));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fsutil::create_private_dir(dir)?;
        }
        let written = (|| -> std::io::Result<()> {
            let mut f = fsutil::create_private_file(path)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })();
        if let Err(e) = written {
            if e.kind() != ErrorKind::AlreadyExists {
                // Never leave a half-written key behind.
                let _ = fs::remove_file(path);
            }
            return Err(SecretError::io("create the key file", path, e));
        }
        Ok(KeyFile {
            key,
            path: path.to_path_buf(),
        })
    }

    /// A key file's provider from a key already in memory (tests, tools).
    pub fn from_key(key: DataKey, path: &Path) -> KeyFile {
        KeyFile {
            key,
            path: path.to_path_buf(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn fingerprint(&self) -> String {
        self.key.fingerprint()
    }
}

impl KeyProvider for KeyFile {
    fn kind(&self) -> KeyKind {
        KeyKind::KeyFile
    }

    fn describe(&self) -> String {
        format!(
            "the key file {} (key {})",
            self.path.display(),
            self.key.fingerprint()
        )
    }

    fn create(&self) -> Result<(KeyHeader, DataKey), SecretError> {
        Ok((KeyHeader::KeyFile, self.key.clone()))
    }

    fn unlock(&self, header: &KeyHeader) -> Result<DataKey, SecretError> {
        match header {
            KeyHeader::KeyFile => Ok(self.key.clone()),
            other => Err(SecretError::Key {
                message: format!(
                    "{} cannot open a file encrypted with {}",
                    self.describe(),
                    other.kind()
                ),
            }),
        }
    }
}

/// Standard base64 with padding, the encoding of every binary field.
pub(crate) fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The base64 text of a 32-byte key, in any of the common alphabets.
fn decode_key_text(text: &str) -> Option<DataKey> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let t = text.trim();
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(t).ok().map(Zeroizing::new))
        .and_then(|v| <[u8; KEY_LEN]>::try_from(v.as_slice()).ok())
        .map(DataKey::from_bytes)
}

pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), SecretError> {
    use rand::TryRngCore;
    rand::rngs::OsRng
        .try_fill_bytes(buf)
        .map_err(|e| SecretError::Random {
            message: e.to_string(),
        })
}
