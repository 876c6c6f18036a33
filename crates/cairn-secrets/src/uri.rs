//! Secret URIs, the `uri` argument of the `cairn_secret` data source:
//!
//! | URI | source |
//! | --- | --- |
//! | `env:NAME` | the environment variable `NAME` |
//! | `file:PATH`, `file:///abs/path` | a file; relative paths are against the configuration directory |
//! | `cairn:NAME` | cairn's own secrets file (`cairn secret set NAME`) |
//! | `aws-sm:NAME`, `aws-sm:NAME#json_key` | AWS Secrets Manager (a secret name or ARN); `#json_key` picks one member of a JSON secret |
//! | `ssm:NAME` | SSM Parameter Store (SecureString parameters are decrypted) |
//!
//! Schemes are matched without regard to case. [`resolve_local`] resolves
//! the first three; the AWS ones need the AWS provider's clients.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

use crate::error::SecretError;
use crate::key::KeyProvider;
use crate::name::validate_name;
use crate::store::{SecretStore, SecretValue};

/// The schemes, for messages.
pub const SCHEMES: &str = "env:, file:, cairn:, aws-sm: or ssm:";

/// A parsed secret URI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SecretUri {
    Env(String),
    File(PathBuf),
    Cairn(String),
    AwsSecretsManager {
        name: String,
        json_key: Option<String>,
    },
    Ssm(String),
}

impl SecretUri {
    /// Parses `scheme:rest`; unknown schemes and empty names are errors
    /// that say what is expected.
    pub fn parse(uri: &str) -> Result<SecretUri, SecretError> {
        let invalid = |reason: String| SecretError::InvalidUri {
            uri: uri.to_string(),
            reason,
        };
        let Some((scheme, rest)) = uri.split_once(':') else {
            return Err(invalid(format!(
                "it has no scheme; write it as SCHEME:NAME with a scheme among {SCHEMES}"
            )));
        };
        let scheme = scheme.to_ascii_lowercase();
        let empty = |what: &str| invalid(format!("the {what} after \"{scheme}:\" is empty"));
        match scheme.as_str() {
            "env" => {
                if rest.is_empty() {
                    return Err(empty("variable name"));
                }
                let ok_first = rest
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
                if !ok_first || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(invalid(format!(
                        "{rest:?} is not an environment variable name (letters, digits and '_', \
                         not starting with a digit)"
                    )));
                }
                Ok(SecretUri::Env(rest.to_string()))
            }
            "file" => {
                // `file:///abs` is the URL form of `file:/abs`; a host part
                // (`file://host/...`) means nothing here.
                let path = match rest.strip_prefix("//") {
                    Some(p) if p.starts_with('/') => p,
                    Some(_) => {
                        return Err(invalid(
                            "file URIs take a path: file:PATH, file:/abs/path or \
                             file:///abs/path (no host)"
                                .into(),
                        ))
                    }
                    None => rest,
                };
                if path.is_empty() {
                    return Err(empty("path"));
                }
                if path.contains('\0') {
                    return Err(invalid("the path contains a NUL character".into()));
                }
                Ok(SecretUri::File(PathBuf::from(path)))
            }
            "cairn" => {
                if rest.is_empty() {
                    return Err(empty("secret name"));
                }
                validate_name(rest).map_err(|e| match e {
                    SecretError::InvalidName { reason, .. } => {
                        invalid(format!("invalid secret name: {reason}"))
                    }
                    e => e,
                })?;
                Ok(SecretUri::Cairn(rest.to_string()))
            }
            "aws-sm" => {
                let (name, json_key) = match rest.split_once('#') {
                    Some((n, k)) => (n, Some(k)),
                    None => (rest, None),
                };
                if name.is_empty() {
                    return Err(empty("secret name or ARN"));
                }
                if json_key.is_some_and(str::is_empty) {
                    return Err(invalid(
                        "the JSON key after '#' is empty; write aws-sm:NAME#KEY or drop the '#'"
                            .into(),
                    ));
                }
                Ok(SecretUri::AwsSecretsManager {
                    name: name.to_string(),
                    json_key: json_key.map(str::to_string),
                })
            }
            "ssm" => {
                if rest.is_empty() {
                    return Err(empty("parameter name"));
                }
                Ok(SecretUri::Ssm(rest.to_string()))
            }
            "" => Err(invalid(format!(
                "the scheme before ':' is empty; use one of {SCHEMES}"
            ))),
            other => Err(invalid(format!(
                "unknown scheme \"{other}:\"; use one of {SCHEMES}"
            ))),
        }
    }

    /// The scheme, without the colon.
    pub fn scheme(&self) -> &'static str {
        match self {
            SecretUri::Env(_) => "env",
            SecretUri::File(_) => "file",
            SecretUri::Cairn(_) => "cairn",
            SecretUri::AwsSecretsManager { .. } => "aws-sm",
            SecretUri::Ssm(_) => "ssm",
        }
    }

    /// Whether [`resolve_local`] resolves it (no AWS call needed).
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            SecretUri::Env(_) | SecretUri::File(_) | SecretUri::Cairn(_)
        )
    }
}

/// The URI text (which names a secret and never holds its value).
impl fmt::Display for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretUri::Env(n) => write!(f, "env:{n}"),
            SecretUri::File(p) => write!(f, "file:{}", p.display()),
            SecretUri::Cairn(n) => write!(f, "cairn:{n}"),
            SecretUri::AwsSecretsManager { name, json_key } => match json_key {
                Some(k) => write!(f, "aws-sm:{name}#{k}"),
                None => write!(f, "aws-sm:{name}"),
            },
            SecretUri::Ssm(n) => write!(f, "ssm:{n}"),
        }
    }
}

impl FromStr for SecretUri {
    type Err = SecretError;
    fn from_str(s: &str) -> Result<SecretUri, SecretError> {
        SecretUri::parse(s)
    }
}

/// A source of `cairn:NAME` secrets.
pub trait CairnSecrets {
    fn secret(&self, name: &str) -> Result<SecretValue, SecretError>;
}

impl CairnSecrets for SecretStore {
    fn secret(&self, name: &str) -> Result<SecretValue, SecretError> {
        self.get(name)
    }
}

/// Makes the key provider on first use (it may prompt for a passphrase).
pub type ProviderFactory = dyn Fn() -> Result<Box<dyn KeyProvider>, SecretError> + Send + Sync;

/// A secrets file opened on first use: a run whose configuration has no
/// `cairn:` secret never asks for the passphrase or derives a key.
pub struct LazyStore {
    path: PathBuf,
    provider: Box<ProviderFactory>,
    store: Mutex<Option<SecretStore>>,
}

impl fmt::Debug for LazyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl LazyStore {
    pub fn new(path: PathBuf, provider: Box<ProviderFactory>) -> LazyStore {
        LazyStore {
            path,
            provider,
            store: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file has been opened yet.
    pub fn is_open(&self) -> bool {
        self.store.lock().map(|s| s.is_some()).unwrap_or(false)
    }
}

impl CairnSecrets for LazyStore {
    fn secret(&self, name: &str) -> Result<SecretValue, SecretError> {
        // A poisoned lock only means another thread panicked while opening;
        // what it left (None or an open store) is still consistent.
        let mut guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let provider = (self.provider)()?;
            *guard = Some(SecretStore::open(&self.path, provider.as_ref())?);
        }
        match guard.as_ref() {
            Some(s) => s.get(name),
            None => Err(SecretError::NoKey {
                message: "the secrets file could not be opened".into(),
            }),
        }
    }
}

/// Looks up an environment variable: the process's by default.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<std::ffi::OsString>;

/// What [`resolve_local`] needs: the directory relative `file:` paths are
/// against, the environment, and the `cairn:` secrets source.
pub struct ResolveContext<'a> {
    pub base_dir: PathBuf,
    env: Option<EnvLookup<'a>>,
    cairn: Option<&'a dyn CairnSecrets>,
}

impl<'a> ResolveContext<'a> {
    /// Relative `file:` paths resolve against `base_dir` (the
    /// configuration's directory); the environment is the process's.
    pub fn new(base_dir: impl Into<PathBuf>) -> ResolveContext<'a> {
        ResolveContext {
            base_dir: base_dir.into(),
            env: None,
            cairn: None,
        }
    }

    /// Looks variables up with `env` instead of the process environment.
    pub fn with_env(mut self, env: EnvLookup<'a>) -> ResolveContext<'a> {
        self.env = Some(env);
        self
    }

    /// Where `cairn:NAME` secrets come from (a [`SecretStore`] or a
    /// [`LazyStore`]).
    pub fn with_cairn(mut self, cairn: &'a dyn CairnSecrets) -> ResolveContext<'a> {
        self.cairn = Some(cairn);
        self
    }
}

/// Resolves `env:`, `file:` and `cairn:` URIs; `Ok(None)` for the AWS
/// ones (`aws-sm:`, `ssm:`), which the caller resolves with AWS clients.
///
/// `file:` reads the whole file as UTF-8 and removes one trailing line
/// ending (`\n` or `\r\n`), as editors and `echo secret > file` add one
/// and Terraform users otherwise write `trimspace(file(...))`; any other
/// whitespace is part of the value.
pub fn resolve_local(
    uri: &SecretUri,
    ctx: &ResolveContext<'_>,
) -> Result<Option<String>, SecretError> {
    match uri {
        SecretUri::Env(name) => {
            let v = match ctx.env {
                Some(f) => f(name),
                None => std::env::var_os(name),
            };
            let v = v.ok_or_else(|| SecretError::EnvNotSet { name: name.clone() })?;
            let s = v.into_string().map_err(|_| SecretError::NotUtf8 {
                what: format!("the environment variable {name}"),
            })?;
            Ok(Some(s))
        }
        SecretUri::File(p) => {
            let path = if p.is_absolute() {
                p.clone()
            } else {
                ctx.base_dir.join(p)
            };
            let bytes = std::fs::read(&path)
                .map_err(|e| SecretError::io("read the secret file", &path, e))?;
            let mut s = String::from_utf8(bytes).map_err(|e| {
                drop(zeroize::Zeroizing::new(e.into_bytes()));
                SecretError::NotUtf8 {
                    what: format!("the secret file {}", path.display()),
                }
            })?;
            trim_one_newline(&mut s);
            Ok(Some(s))
        }
        SecretUri::Cairn(name) => {
            let src = ctx.cairn.ok_or_else(|| SecretError::NoKey {
                message: format!(
                    "\"cairn:{name}\" needs cairn's secrets file, and none is available here"
                ),
            })?;
            Ok(Some(src.secret(name)?.into_string()))
        }
        SecretUri::AwsSecretsManager { .. } | SecretUri::Ssm(_) => Ok(None),
    }
}

/// Removes one trailing `\n` or `\r\n`.
pub fn trim_one_newline(s: &mut String) {
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
}

/// For `aws-sm:NAME#KEY`: the member `key` of a secret whose text is a JSON
/// object. A string member is returned as is, any other as its JSON text.
/// Errors never quote the secret.
pub fn select_json_key(secret_text: &str, key: &str, name: &str) -> Result<String, SecretError> {
    let v: serde_json::Value =
        serde_json::from_str(secret_text).map_err(|_| SecretError::JsonKey {
            message: format!(
                "the secret {name:?} is not JSON, so \"#{key}\" cannot select a member of it"
            ),
        })?;
    let obj = v.as_object().ok_or_else(|| SecretError::JsonKey {
        message: format!(
            "the secret {name:?} is JSON but not an object, so \"#{key}\" cannot select a member"
        ),
    })?;
    match obj.get(key) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(other) => Ok(other.to_string()),
        None => {
            let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            keys.sort_unstable();
            Err(SecretError::JsonKey {
                message: format!(
                    "the secret {name:?} has no member {key:?} (its members: {})",
                    keys.join(", ")
                ),
            })
        }
    }
}
