//! The built-in `cairn` provider and its data source `cairn_secret`,
//! which reads a secret at plan and apply time from a secret URI:
//!
//! ```hcl
//! data "cairn_secret" "db" {
//!   uri = "aws-sm:prod/db#password"   # env:, file:, cairn:, aws-sm:, ssm:
//! }
//! ```
//!
//! `value` is sensitive, so the engine redacts and encrypts it wherever
//! it goes; `id` is the URI, which names the secret and is not secret.
//! Nothing is read offline (`cairn lint`), the secrets file is opened only
//! when a `cairn:` URI is read, and AWS clients are built only when an
//! `aws-sm:` or `ssm:` URI is.
//!
//! Provider settings, all optional:
//!
//! ```hcl
//! provider "cairn" {
//!   secrets_file = "secrets/prod.json"  # default: $CAIRN_SECRETS_FILE, else .cairn/secrets.json
//!   aws {                               # the aws provider's arguments
//!     region = "eu-west-1"
//!   }
//! }
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use cairn_aws::secret_read::{self, SecretReadError, SecretReader};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{
    get_str, ApplyRequest, Attribute, NestedBlock, Nesting, PlanRequest, PlanResponse, Provider,
    ProviderError, ProviderFactory, ProviderSchema, ResourceSchema, Schema,
};
use cairn_secrets::{
    key_from_env_with_kms, resolve_local, select_json_key, KeyChoice, KeyProvider, LazyStore,
    ResolveContext, SecretError, SecretStore, SecretUri, KEY_FILE_ENV, PASSPHRASE_ENV, SCHEMES,
};
use cairn_value::{Type, Value};

/// The provider's local name.
pub const NAME: &str = "cairn";
/// The data source.
pub const SECRET: &str = "cairn_secret";
/// Names the secrets file when the provider block does not (as for
/// `cairn secret`).
pub const SECRETS_FILE_ENV: &str = "CAIRN_SECRETS_FILE";

/// Looks up an environment variable.
pub type Env = Arc<dyn Fn(&str) -> Option<OsString> + Send + Sync>;

fn schema() -> ProviderSchema {
    let provider =
        Schema::new("cairn's own provider: secrets read at run time. It needs no configuration.")
            .attr(
                "secrets_file",
                Attribute::optional(
                    Type::String,
                    "The secrets file cairn: URIs read (relative to the configuration directory); \
             default $CAIRN_SECRETS_FILE, else .cairn/secrets.json.",
                ),
            )
            .block(
                "aws",
                NestedBlock {
                    nesting: Nesting::List,
                    block: secret_read::provider_config_schema(),
                    min_items: 0,
                    max_items: Some(1),
                    force_new: false,
                },
            );
    let secret = Schema::new(
        "A secret read at plan and apply time; its value is sensitive everywhere.",
    )
    .attr(
        "uri",
        Attribute::required(
            Type::String,
            "Where the secret is: env:NAME, file:PATH, cairn:NAME, aws-sm:NAME[#json_key] or \
             ssm:NAME.",
        ),
    )
    .attr(
        "value",
        Attribute::computed(Type::String, "The secret's value.").sensitive(),
    )
    .attr(
        "id",
        Attribute::computed(Type::String, "The URI (which is not secret)."),
    );
    let mut ps = ProviderSchema {
        provider,
        ..ProviderSchema::default()
    };
    ps.data_sources.insert(
        SECRET.to_string(),
        ResourceSchema {
            version: 0,
            block: secret,
        },
    );
    ps
}

/// Makes `cairn` providers for the configuration in one directory.
pub struct CairnFactory {
    dir: PathBuf,
    env: Env,
    schema: Arc<ProviderSchema>,
}

impl CairnFactory {
    /// Relative `file:` paths and the default secrets file are in `dir`,
    /// the configuration directory; the environment is the process's.
    pub fn new(dir: impl Into<PathBuf>) -> CairnFactory {
        CairnFactory::with_env(dir, Arc::new(|k: &str| std::env::var_os(k)))
    }

    /// As [`CairnFactory::new`], with variables looked up in `env`
    /// (`env:` URIs and the secrets file's key settings).
    pub fn with_env(dir: impl Into<PathBuf>, env: Env) -> CairnFactory {
        CairnFactory {
            dir: dir.into(),
            env,
            schema: Arc::new(schema()),
        }
    }
}

#[async_trait]
impl ProviderFactory for CairnFactory {
    fn name(&self) -> &str {
        NAME
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, config: &Value) -> Result<Arc<dyn Provider>, ProviderError> {
        // Settings still unknown during plan read as unset.
        let (config, _) = config.unmark_deep();
        let given = get_str(&config, "secrets_file")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                (self.env)(SECRETS_FILE_ENV)
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
            });
        let secrets_file = match given {
            Some(p) if p.is_absolute() => p,
            Some(p) => self.dir.join(p),
            None => SecretStore::default_path(&self.dir),
        };
        let aws = config
            .get_attr("aws")
            .and_then(Value::as_seq)
            .and_then(|s| s.first())
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(Value::dynamic_null);
        let key_path = secrets_file.clone();
        let key_env = self.env.clone();
        let store = LazyStore::new(
            secrets_file,
            Box::new(move || key_for_file(&key_path, &key_env)),
        );
        Ok(Arc::new(CairnProvider {
            schema: self.schema.clone(),
            dir: self.dir.clone(),
            env: self.env.clone(),
            store: Arc::new(store),
            aws_config: aws,
            aws: tokio::sync::OnceCell::new(),
        }))
    }
}

/// The key for the secrets file at `path`, from the environment only:
/// plan and apply never prompt.
fn key_for_file(path: &Path, env: &Env) -> Result<Box<dyn KeyProvider>, SecretError> {
    let Some(header) = SecretStore::read_header(path)? else {
        return Err(SecretError::NoKey {
            message: format!(
                "there is no secrets file at {}; `cairn secret set NAME` creates it (or set \
                 secrets_file in the provider \"cairn\" block, or {SECRETS_FILE_ENV})",
                path.display()
            ),
        });
    };
    let lookup = |k: &str| env(k).and_then(|v| v.into_string().ok());
    // A file whose key is wrapped by AWS KMS is unwrapped with the AWS
    // environment's credentials (not the provider's aws block), as
    // `cairn secret` does.
    let kms: &cairn_secrets::KmsFactory = &cairn_kms::secrets_key_source;
    match key_from_env_with_kms(Some(&header), &lookup, Some(kms))? {
        KeyChoice::Ready(p) => Ok(p),
        KeyChoice::AskPassphrase { .. } => Err(SecretError::NoKey {
            message: format!(
                "the secrets file {} is encrypted with a passphrase and {PASSPHRASE_ENV} is not \
                 set; set it (plan and apply do not prompt)",
                path.display()
            ),
        }),
        KeyChoice::NewKeyFile(k) => Err(SecretError::NoKey {
            message: format!("{KEY_FILE_ENV} names {}, which does not exist", k.display()),
        }),
    }
}

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Aws(#[from] SecretReadError),
    /// A bug: the blocking read panicked, or a scheme had no reader.
    #[error("internal error: {0}")]
    Internal(String),
}

struct CairnProvider {
    schema: Arc<ProviderSchema>,
    dir: PathBuf,
    env: Env,
    store: Arc<LazyStore>,
    /// The `aws` block's object, or null.
    aws_config: Value,
    aws: tokio::sync::OnceCell<SecretReader>,
}

impl CairnProvider {
    async fn resolve(&self, uri: &SecretUri) -> Result<String, ReadError> {
        if uri.is_local() {
            // Key derivation (PBKDF2) and file reads block: keep them off
            // the engine's async workers.
            let (store, dir, env, u) = (
                self.store.clone(),
                self.dir.clone(),
                self.env.clone(),
                uri.clone(),
            );
            let read = tokio::task::spawn_blocking(move || {
                let lookup = |k: &str| env(k);
                let ctx = ResolveContext::new(dir)
                    .with_env(&lookup)
                    .with_cairn(store.as_ref());
                resolve_local(&u, &ctx)
            })
            .await
            .map_err(|e| ReadError::Internal(e.to_string()))??;
            return read.ok_or_else(|| {
                ReadError::Internal(format!("the {} scheme was not resolved", uri.scheme()))
            });
        }
        let reader = self
            .aws
            .get_or_try_init(|| SecretReader::from_config(&self.aws_config))
            .await?;
        match uri {
            SecretUri::AwsSecretsManager { name, json_key } => {
                let text = reader.secrets_manager(name).await?;
                match json_key {
                    Some(k) => Ok(select_json_key(text.expose(), k, name)?),
                    None => Ok(text.into_string()),
                }
            }
            SecretUri::Ssm(name) => Ok(reader.ssm_parameter(name).await?.into_string()),
            other => Err(ReadError::Internal(format!(
                "the {} scheme has no reader",
                other.scheme()
            ))),
        }
    }
}

/// What to do about a failed read.
fn hint(e: &ReadError, dir: &Path) -> Option<String> {
    match e {
        ReadError::Secret(s) => match s {
            SecretError::InvalidUri { .. } => Some(format!(
                "Write the uri as SCHEME:NAME with a scheme among {SCHEMES}."
            )),
            SecretError::EnvNotSet { name } => Some(format!(
                "Export {name} in the environment cairn runs in, or change the uri."
            )),
            SecretError::Io { .. } => Some(format!(
                "Check the path; relative file: paths are relative to the configuration \
                 directory {}.",
                dir.display()
            )),
            SecretError::NotUtf8 { .. } => Some("Secrets must be UTF-8 text.".into()),
            SecretError::NotFound { name, .. } => Some(format!(
                "Store it with `cairn secret set {name}`; `cairn secret list` shows the names \
                 stored."
            )),
            // `Key` errors (a bad key file, a KMS failure) say what to do.
            SecretError::NoKey { .. }
            | SecretError::WrongKey { .. }
            | SecretError::KeyKindMismatch { .. } => Some(format!(
                "Set {PASSPHRASE_ENV} (or {KEY_FILE_ENV} for a key file) to the key the secrets \
                 file was made with."
            )),
            SecretError::JsonKey { .. } => {
                Some("Fix the key after '#', or drop '#KEY' to read the whole secret.".into())
            }
            _ => None,
        },
        ReadError::Aws(SecretReadError::Config(p)) => Some(format!(
            "The AWS settings for aws-sm: and ssm: come from the aws {{ ... }} block of \
             provider \"cairn\" (the aws provider's arguments), else the AWS_* environment.{}",
            p.hint
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default()
        )),
        ReadError::Aws(a) => a.hint(),
        ReadError::Internal(_) => None,
    }
}

fn read_error(uri: &str, e: &ReadError, dir: &Path) -> ProviderError {
    let err = ProviderError::new(format!("Cannot read secret {uri:?}"), e.to_string());
    match hint(e, dir) {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

fn no_resources(type_name: &str) -> ProviderError {
    ProviderError::new(
        format!("Unsupported resource type {type_name:?}"),
        format!(
            "The \"cairn\" provider has no resource types; it offers the data source \
             {SECRET:?}."
        ),
    )
}

#[async_trait]
impl Provider for CairnProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_data_source(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        if type_name != SECRET {
            return Vec::new();
        }
        let Some(uri) = config
            .get_attr("uri")
            .filter(|v| v.is_wholly_known())
            .and_then(Value::as_str)
        else {
            return Vec::new();
        };
        match SecretUri::parse(uri) {
            Ok(_) => Vec::new(),
            Err(e) => vec![
                Diagnostic::error("Invalid secret URI", e.to_string()).with_hint(format!(
                    "Write the uri as SCHEME:NAME with a scheme among {SCHEMES}."
                )),
            ],
        }
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        Err(no_resources(&req.type_name))
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Value, ProviderError> {
        Err(no_resources(&req.type_name))
    }

    async fn read(&self, type_name: &str, _state: &Value) -> Result<Option<Value>, ProviderError> {
        Err(no_resources(type_name))
    }

    async fn import(&self, type_name: &str, _id: &str) -> Result<Value, ProviderError> {
        Err(no_resources(type_name))
    }

    /// Secrets are never read by offline checks.
    fn reads_offline(&self, _type_name: &str) -> bool {
        false
    }

    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        if type_name != SECRET {
            return Err(ProviderError::new(
                format!("Unsupported data source type {type_name:?}"),
                format!("The \"cairn\" provider has no data source {type_name:?}; it offers {SECRET:?}."),
            ));
        }
        let uri_text = get_str(config, "uri").ok_or_else(|| {
            ProviderError::new(
                "Missing secret URI",
                "cairn_secret needs a known uri string, such as \"env:DB_PASSWORD\".",
            )
        })?;
        let dir = self.dir.as_path();
        let uri = SecretUri::parse(&uri_text)
            .map_err(|e| read_error(&uri_text, &ReadError::Secret(e), dir))?;
        let value = self
            .resolve(&uri)
            .await
            .map_err(|e| read_error(&uri_text, &e, dir))?;
        let mut m = BTreeMap::new();
        m.insert("uri".to_string(), Value::string(uri_text.as_str()));
        m.insert("id".to_string(), Value::string(uri_text.as_str()));
        m.insert("value".to_string(), Value::string(value).marked());
        Ok(Value::object(m))
    }
}

#[cfg(test)]
mod tests;
