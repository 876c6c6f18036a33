//! `backend "s3"`: the state in an S3 object, as Terraform's S3 backend
//! keeps it, with cairn's history and locking.
//!
//! ```text
//! s3://BUCKET/KEY                          current state (workspace "default")
//! s3://BUCKET/env:/WORKSPACE/KEY           current state of another workspace
//! s3://BUCKET/KEY.history/00000007.json    every version written, never replaced
//! s3://BUCKET/KEY.tflock                   lock object (use_lockfile)
//! DynamoDB TABLE, item LockID = BUCKET/KEY lock item (dynamodb_table)
//! ```
//!
//! The lock object is written with a conditional `PutObject`
//! (`If-None-Match: *`), so two writers cannot both create it. Unlike
//! Terraform, cairn locks with the lock object unless `use_lockfile =
//! false` is set explicitly: an unlocked shared state is how two applies
//! corrupt each other. With `dynamodb_table` the DynamoDB item is taken as
//! well, so Terraform runs that still lock with DynamoDB are excluded.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use cairn_provider::{Attribute, NestedBlock, Nesting, Schema};
use cairn_state::{LockInfo, RemoteLock, RemoteStore, RemoteVersion, StateError};
use cairn_value::{Type, Value};
use chrono::{DateTime, Utc};

/// A configuration error: which argument and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    pub message: String,
    pub hint: Option<String>,
}

fn config_error(message: impl Into<String>, hint: impl Into<String>) -> ConfigError {
    ConfigError {
        message: message.into(),
        hint: Some(hint.into()),
    }
}

/// The arguments `backend "s3"` accepts: Terraform's, so existing
/// configurations load unchanged.
pub fn schema() -> Schema {
    let s = |d: &str| Attribute::optional(Type::String, d);
    let b = |d: &str| Attribute::optional(Type::Bool, d);
    let mut endpoints = Schema::new("Custom endpoint URLs per service.");
    for name in ["s3", "dynamodb", "iam", "sts", "sso"] {
        endpoints = endpoints.attr(name, s("Endpoint URL of this service."));
    }
    let mut assume = Schema::new("Role to assume.");
    for name in [
        "role_arn",
        "session_name",
        "external_id",
        "duration",
        "policy",
    ] {
        assume = assume.attr(name, s("Assume-role setting."));
    }
    let single = |block: Schema| NestedBlock {
        nesting: Nesting::List,
        block,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
    };
    let mut schema = Schema::new("S3 state backend.")
        .attr(
            "bucket",
            Attribute::required(Type::String, "Bucket holding the state."),
        )
        .attr(
            "key",
            Attribute::required(Type::String, "Object key of the state."),
        )
        .attr("region", s("Region of the bucket."))
        .attr(
            "encrypt",
            b("Encrypt the state objects (SSE-S3 or SSE-KMS)."),
        )
        .attr("kms_key_id", s("KMS key for SSE-KMS."))
        .attr("acl", s("Canned ACL of the state objects."))
        .attr(
            "use_lockfile",
            b("Lock with a lock object next to the state."),
        )
        .attr("dynamodb_table", s("DynamoDB table for locking."))
        .attr(
            "workspace_key_prefix",
            s("Key prefix of non-default workspaces."),
        )
        .attr("endpoint", s("Deprecated: endpoints.s3."))
        .attr("dynamodb_endpoint", s("Deprecated: endpoints.dynamodb."))
        .attr("use_path_style", b("Path-style S3 URLs."))
        .attr("force_path_style", b("Deprecated: use_path_style."))
        .attr("profile", s("Shared configuration profile."))
        .attr("access_key", s("Access key."))
        .attr(
            "secret_key",
            Attribute::optional(Type::String, "Secret key.").sensitive(),
        )
        .attr(
            "token",
            Attribute::optional(Type::String, "Session token.").sensitive(),
        )
        .attr("role_arn", s("Deprecated: assume_role.role_arn."))
        .attr(
            "max_retries",
            Attribute::optional(Type::Number, "Maximum retries."),
        )
        .block("endpoints", single(endpoints))
        .block("assume_role", single(assume));
    for name in [
        "skip_credentials_validation",
        "skip_region_validation",
        "skip_metadata_api_check",
        "skip_requesting_account_id",
        "skip_s3_checksum",
        "insecure",
        "use_dualstack_endpoint",
        "use_fips_endpoint",
    ] {
        schema = schema.attr(name, b("Accepted as Terraform's S3 backend does."));
    }
    for name in ["shared_credentials_files", "shared_config_files"] {
        schema = schema.attr(
            name,
            Attribute::optional(Type::list(Type::String), "Shared files."),
        );
    }
    schema
}

/// The backend's settings, from the decoded `backend "s3"` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub bucket: String,
    pub key: String,
    pub region: Option<String>,
    pub encrypt: bool,
    pub kms_key_id: Option<String>,
    pub use_lockfile: bool,
    pub dynamodb_table: Option<String>,
    pub workspace_key_prefix: String,
    pub s3_endpoint: Option<String>,
    pub dynamodb_endpoint: Option<String>,
    pub sts_endpoint: Option<String>,
    pub path_style: Option<bool>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub max_retries: Option<u32>,
}

fn str_of(v: &Value, k: &str) -> Option<String> {
    v.get_attr(k)
        .and_then(|x| x.as_str())
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn bool_of(v: &Value, k: &str) -> Option<bool> {
    v.get_attr(k).and_then(|x| x.as_bool())
}

fn block_of<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    v.get_attr(k)
        .and_then(|x| x.as_seq())
        .and_then(|s| s.first())
        .filter(|x| !x.is_null())
}

impl Settings {
    /// Reads the decoded block (see [`schema`]); `workspace` selects the key.
    pub fn from_value(v: &Value) -> Result<Settings, ConfigError> {
        let (v, _) = v.unmark_deep();
        let bucket = str_of(&v, "bucket").ok_or_else(|| {
            config_error(
                "The s3 backend needs a bucket",
                "Set bucket = \"NAME\" in the backend \"s3\" block.",
            )
        })?;
        let key = str_of(&v, "key").ok_or_else(|| {
            config_error(
                "The s3 backend needs a key",
                "Set key = \"path/to/terraform.tfstate\" in the backend \"s3\" block.",
            )
        })?;
        if key.starts_with('/') || key.ends_with('/') {
            return Err(config_error(
                format!("Invalid s3 backend key {key:?}"),
                "The key must not start or end with \"/\".",
            ));
        }
        let endpoints = block_of(&v, "endpoints");
        let ep = |name: &str| endpoints.and_then(|e| str_of(e, name));
        let prefix = str_of(&v, "workspace_key_prefix").unwrap_or_else(|| "env:".into());
        let max_retries = v
            .get_attr("max_retries")
            .and_then(|x| x.as_number())
            .and_then(|n| n.to_i64())
            .and_then(|n| u32::try_from(n).ok());
        Ok(Settings {
            bucket,
            key,
            region: str_of(&v, "region"),
            encrypt: bool_of(&v, "encrypt").unwrap_or(false),
            kms_key_id: str_of(&v, "kms_key_id"),
            use_lockfile: bool_of(&v, "use_lockfile").unwrap_or(true),
            dynamodb_table: str_of(&v, "dynamodb_table"),
            workspace_key_prefix: prefix,
            s3_endpoint: ep("s3").or_else(|| str_of(&v, "endpoint")),
            dynamodb_endpoint: ep("dynamodb").or_else(|| str_of(&v, "dynamodb_endpoint")),
            sts_endpoint: ep("sts"),
            path_style: bool_of(&v, "use_path_style").or_else(|| bool_of(&v, "force_path_style")),
            profile: str_of(&v, "profile"),
            access_key: str_of(&v, "access_key"),
            secret_key: str_of(&v, "secret_key"),
            token: str_of(&v, "token"),
            max_retries,
        })
    }

    /// The state's object key in `workspace`, as Terraform places it.
    pub fn state_key(&self, workspace: &str) -> String {
        if workspace.is_empty() || workspace == "default" {
            self.key.clone()
        } else {
            format!("{}/{workspace}/{}", self.workspace_key_prefix, self.key)
        }
    }
}

/// The state of one workspace in S3.
#[derive(Debug)]
pub struct S3Store {
    /// Shared with the locks this store hands out, which release through it.
    rt: std::sync::Arc<tokio::runtime::Runtime>,
    s3: aws_sdk_s3::Client,
    dynamodb: Option<(aws_sdk_dynamodb::Client, String)>,
    bucket: String,
    key: String,
    encrypt: bool,
    kms_key_id: Option<String>,
    use_lockfile: bool,
}

/// Runs a future to completion on `rt`, on a thread of its own: the
/// caller may itself be inside an async runtime, where blocking on another
/// one is not allowed.
fn run_on<T: Send, F: Future<Output = T> + Send>(rt: &tokio::runtime::Runtime, f: F) -> T {
    std::thread::scope(|s| match s.spawn(|| rt.block_on(f)).join() {
        Ok(v) => v,
        // A panic in the SDK is a bug there; surface it as such.
        Err(p) => std::panic::resume_unwind(p),
    })
}

/// Whether an endpoint is a local server (moto, MinIO), which needs
/// path-style URLs: `BUCKET.127.0.0.1` does not resolve.
fn local_endpoint(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
}

impl S3Store {
    /// Connects (no request is made until the state is read).
    pub fn new(settings: &Settings, workspace: &str) -> Result<S3Store, ConfigError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| config_error(format!("Cannot start the S3 client: {e}"), "Retry."))?;
        let sdk = {
            let mut loader = aws_config::defaults(BehaviorVersion::latest());
            if let Some(r) = &settings.region {
                loader = loader.region(Region::new(r.clone()));
            }
            if let Some(p) = &settings.profile {
                loader = loader.profile_name(p);
            }
            if let (Some(a), Some(s)) = (&settings.access_key, &settings.secret_key) {
                loader = loader.credentials_provider(Credentials::new(
                    a,
                    s,
                    settings.token.clone(),
                    None,
                    "backend-s3",
                ));
            }
            if let Some(n) = settings.max_retries {
                loader = loader.retry_config(
                    aws_config::retry::RetryConfig::standard().with_max_attempts(n.max(1)),
                );
            }
            if let Some(u) = &settings.sts_endpoint {
                loader = loader.endpoint_url(u);
            }
            run_on(&rt, loader.load())
        };
        if sdk.region().is_none() {
            return Err(config_error(
                "The s3 backend needs a region",
                "Set region in the backend \"s3\" block, or AWS_REGION in the environment.",
            ));
        }
        let env_endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
            .ok();
        let s3_endpoint = settings.s3_endpoint.clone().or(env_endpoint);
        let path_style = settings
            .path_style
            .unwrap_or_else(|| s3_endpoint.as_deref().is_some_and(local_endpoint));
        let mut b = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(path_style);
        if let Some(u) = &settings.s3_endpoint {
            b = b.endpoint_url(u);
        }
        let s3 = aws_sdk_s3::Client::from_conf(b.build());
        let dynamodb = settings.dynamodb_table.as_ref().map(|t| {
            let mut b = aws_sdk_dynamodb::config::Builder::from(&sdk);
            if let Some(u) = &settings.dynamodb_endpoint {
                b = b.endpoint_url(u);
            }
            (aws_sdk_dynamodb::Client::from_conf(b.build()), t.clone())
        });
        Ok(S3Store {
            rt: std::sync::Arc::new(rt),
            s3,
            dynamodb,
            bucket: settings.bucket.clone(),
            key: settings.state_key(workspace),
            encrypt: settings.encrypt,
            kms_key_id: settings.kms_key_id.clone(),
            use_lockfile: settings.use_lockfile,
        })
    }

    fn run<T: Send, F: Future<Output = T> + Send>(&self, f: F) -> T {
        run_on(&self.rt, f)
    }

    fn history_key(&self, serial: u64) -> String {
        format!("{}.history/{serial:08}.json", self.key)
    }

    fn lock_key(&self) -> String {
        format!("{}.tflock", self.key)
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    fn err(&self, key: &str, action: &str, e: impl std::fmt::Display) -> StateError {
        StateError::Remote {
            location: self.url(key),
            action: action.to_string(),
            message: e.to_string(),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        match self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => {
                let body = o
                    .body
                    .collect()
                    .await
                    .map_err(|e| self.err(key, "read", e))?;
                Ok(Some(body.into_bytes().to_vec()))
            }
            Err(e) => {
                if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                    return Ok(None);
                }
                Err(self.err(key, "read", describe(&e)))
            }
        }
    }

    async fn put(&self, key: &str, bytes: &[u8], only_new: bool) -> Result<bool, StateError> {
        let mut req = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(bytes.to_vec()));
        if only_new {
            req = req.if_none_match("*");
        }
        if self.encrypt {
            req = match &self.kms_key_id {
                Some(k) => req
                    .server_side_encryption(ServerSideEncryption::AwsKms)
                    .ssekms_key_id(k),
                None => req.server_side_encryption(ServerSideEncryption::Aes256),
            };
        }
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) if only_new && status(&e) == Some(412) => Ok(false),
            Err(e) => Err(self.err(key, "write", describe(&e))),
        }
    }
}

fn status<E>(e: &aws_sdk_s3::error::SdkError<E>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// An SDK error as "Code: message", falling back to its debug form.
fn describe<E: aws_sdk_s3::error::ProvideErrorMetadata + std::fmt::Debug>(
    e: &aws_sdk_s3::error::SdkError<E>,
) -> String {
    match e.as_service_error() {
        Some(s) => format!(
            "{}: {}",
            s.code().unwrap_or("Error"),
            s.message().unwrap_or("no message")
        ),
        None => match e {
            aws_sdk_s3::error::SdkError::DispatchFailure(d) => {
                format!("cannot reach the endpoint ({d:?})")
            }
            other => format!("{other:?}"),
        },
    }
}

impl RemoteStore for S3Store {
    fn location(&self) -> String {
        self.url(&self.key)
    }

    fn read_current(&self) -> Result<Option<Vec<u8>>, StateError> {
        self.run(self.get(&self.key))
    }

    fn has_version(&self, serial: u64) -> Result<bool, StateError> {
        let key = self.history_key(serial);
        self.run(async {
            match self
                .s3
                .head_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
            {
                Ok(_) => Ok(true),
                Err(e) if status(&e) == Some(404) => Ok(false),
                Err(e) => Err(self.err(&key, "read", describe(&e))),
            }
        })
    }

    fn write_version(&self, serial: u64, bytes: &[u8]) -> Result<(), StateError> {
        let hkey = self.history_key(serial);
        self.run(async {
            // The version first, never replacing one: a writer without the
            // lock is caught here before it touches the current state.
            if !self.put(&hkey, bytes, true).await? {
                return Err(StateError::Conflict {
                    path: self.url(&hkey).into(),
                    message: format!(
                        "history version {serial} appeared while writing it; is another process writing this state without the lock?"
                    ),
                });
            }
            self.put(&self.key, bytes, false).await.map(|_| ())
        })
    }

    fn replace_version(&self, serial: u64, bytes: &[u8]) -> Result<(), StateError> {
        let hkey = self.history_key(serial);
        // A plain put: the one place a history object is replaced (the
        // caller holds the lock and checked that the version exists).
        self.run(async { self.put(&hkey, bytes, false).await.map(|_| ()) })
    }

    fn versions(&self) -> Result<Vec<RemoteVersion>, StateError> {
        let prefix = format!("{}.history/", self.key);
        self.run(async {
            let mut out = Vec::new();
            let mut pages = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&prefix)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| self.err(&prefix, "list", describe(&e)))?;
                for o in page.contents.unwrap_or_default() {
                    let Some(key) = o.key else { continue };
                    let Some(serial) = key
                        .strip_prefix(&prefix)
                        .and_then(|n| n.strip_suffix(".json"))
                        .and_then(|n| n.parse::<u64>().ok())
                    else {
                        continue;
                    };
                    let modified = o
                        .last_modified
                        .and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos()))
                        .unwrap_or_default();
                    out.push(RemoteVersion {
                        serial,
                        location: self.url(&key),
                        modified,
                    });
                }
            }
            Ok(out)
        })
    }

    fn read_version(&self, serial: u64) -> Result<Option<Vec<u8>>, StateError> {
        self.run(self.get(&self.history_key(serial)))
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.force_unlock_inner(id)
    }

    fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<Box<dyn RemoteLock>, StateError> {
        let deadline = Instant::now() + timeout;
        let body = serde_json::to_vec(info).map_err(|e| self.err(&self.key, "lock", e))?;
        let lock_id = format!("{}/{}", self.bucket, self.key);
        let mut held = S3Lock {
            s3: self.s3.clone(),
            bucket: self.bucket.clone(),
            object: None,
            dynamodb: None,
        };
        if self.use_lockfile {
            let key = self.lock_key();
            loop {
                if self.run(self.put(&key, &body, true))? {
                    held.object = Some(key);
                    break;
                }
                let holder = self.run(self.get(&key))?;
                if Instant::now() >= deadline {
                    return Err(locked(holder.as_deref()));
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        if let Some((db, table)) = &self.dynamodb {
            loop {
                let taken = self.run(async {
                    db.put_item()
                        .table_name(table)
                        .item("LockID", AttributeValue::S(lock_id.clone()))
                        .item(
                            "Info",
                            AttributeValue::S(String::from_utf8_lossy(&body).into()),
                        )
                        .condition_expression("attribute_not_exists(LockID)")
                        .send()
                        .await
                });
                match taken {
                    Ok(_) => {
                        held.dynamodb = Some((db.clone(), table.clone(), lock_id.clone()));
                        break;
                    }
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                    {
                        if Instant::now() >= deadline {
                            let holder = self.dynamodb_holder(db, table, &lock_id);
                            // Give back the lock object taken above.
                            let _ = self.run(held.release_async());
                            return Err(locked(holder.as_deref().map(str::as_bytes)));
                        }
                        std::thread::sleep(Duration::from_millis(500));
                    }
                    Err(e) => {
                        let _ = self.run(held.release_async());
                        let msg = match e.as_service_error() {
                            Some(s) => format!("{s}"),
                            None => format!("{e:?}"),
                        };
                        return Err(StateError::Remote {
                            location: format!("dynamodb table {table}"),
                            action: "take the lock".into(),
                            message: msg,
                        });
                    }
                }
            }
        }
        Ok(Box::new(OwnedLock {
            lock: Some(held),
            rt: self.rt.clone(),
        }))
    }
}

impl S3Store {
    /// The `Info` of the DynamoDB lock item, if there is one.
    fn dynamodb_holder(
        &self,
        db: &aws_sdk_dynamodb::Client,
        table: &str,
        lock_id: &str,
    ) -> Option<String> {
        self.run(async {
            db.get_item()
                .table_name(table)
                .key("LockID", AttributeValue::S(lock_id.to_string()))
                .send()
                .await
                .ok()
                .and_then(|o| o.item)
                .and_then(|i| i.get("Info").cloned())
                .and_then(|a| a.as_s().ok().cloned())
        })
    }

    fn force_unlock_inner(&self, id: &str) -> Result<LockInfo, StateError> {
        let lock_id = format!("{}/{}", self.bucket, self.key);
        let mut holder: Option<LockInfo> = None;
        let mut held = S3Lock {
            s3: self.s3.clone(),
            bucket: self.bucket.clone(),
            object: None,
            dynamodb: None,
        };
        if let Some(body) = self.run(self.get(&self.lock_key()))? {
            let info = serde_json::from_slice::<LockInfo>(&body).ok();
            if info.as_ref().is_some_and(|i| i.id == id) {
                held.object = Some(self.lock_key());
            }
            holder = holder.or(info);
        }
        if let Some((db, table)) = &self.dynamodb {
            let info = self
                .dynamodb_holder(db, table, &lock_id)
                .and_then(|s| serde_json::from_str::<LockInfo>(&s).ok());
            if info.as_ref().is_some_and(|i| i.id == id) {
                held.dynamodb = Some((db.clone(), table.clone(), lock_id.clone()));
            }
            holder = holder.or(info);
        }
        let Some(holder) = holder else {
            return Err(StateError::Invalid {
                message: format!("{} is not locked", self.location()),
            });
        };
        if held.object.is_none() && held.dynamodb.is_none() {
            return Err(StateError::Invalid {
                message: format!(
                    "the lock on {} has ID {}, not {id} (held by {} for \"{}\"); nothing was removed",
                    self.location(),
                    holder.id,
                    holder.who,
                    holder.operation
                ),
            });
        }
        self.run(held.release_async())?;
        Ok(holder)
    }
}

/// The "state is locked" error, naming the holder from the lock's body.
fn locked(body: Option<&[u8]>) -> StateError {
    let holder = body
        .and_then(|b| serde_json::from_slice::<LockInfo>(b).ok())
        .unwrap_or_else(|| {
            let mut i = LockInfo::new("unknown");
            i.who = "another process (the lock's details cannot be read)".into();
            i
        });
    StateError::Locked {
        holder: Box::new(holder),
    }
}

/// What was taken: the lock object and/or the DynamoDB item.
#[derive(Debug, Clone)]
struct S3Lock {
    s3: aws_sdk_s3::Client,
    bucket: String,
    object: Option<String>,
    dynamodb: Option<(aws_sdk_dynamodb::Client, String, String)>,
}

impl S3Lock {
    async fn release_async(&self) -> Result<(), StateError> {
        if let Some((db, table, id)) = &self.dynamodb {
            db.delete_item()
                .table_name(table)
                .key("LockID", AttributeValue::S(id.clone()))
                .send()
                .await
                .map_err(|e| StateError::Remote {
                    location: format!("dynamodb table {table}"),
                    action: "release the lock".into(),
                    message: format!("{e:?}"),
                })?;
        }
        if let Some(key) = &self.object {
            self.s3
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| StateError::Remote {
                    location: format!("s3://{}/{key}", self.bucket),
                    action: "release the lock".into(),
                    message: describe(&e),
                })?;
        }
        Ok(())
    }
}

#[derive(Debug)]
struct OwnedLock {
    lock: Option<S3Lock>,
    rt: std::sync::Arc<tokio::runtime::Runtime>,
}

impl RemoteLock for OwnedLock {
    fn release(&mut self) -> Result<(), StateError> {
        let Some(lock) = self.lock.take() else {
            return Ok(());
        };
        run_on(&self.rt, lock.release_async())
    }
}

impl Drop for OwnedLock {
    fn drop(&mut self) {
        // A lock left behind blocks every later run until someone removes
        // it by hand; try hard to release it.
        let _ = self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_keys_follow_terraform() {
        let s = Settings {
            bucket: "b".into(),
            key: "app/terraform.tfstate".into(),
            region: None,
            encrypt: false,
            kms_key_id: None,
            use_lockfile: true,
            dynamodb_table: None,
            workspace_key_prefix: "env:".into(),
            s3_endpoint: None,
            dynamodb_endpoint: None,
            sts_endpoint: None,
            path_style: None,
            profile: None,
            access_key: None,
            secret_key: None,
            token: None,
            max_retries: None,
        };
        assert_eq!(s.state_key("default"), "app/terraform.tfstate");
        assert_eq!(s.state_key("prod"), "env:/prod/app/terraform.tfstate");
    }

    #[test]
    fn local_endpoints_are_recognized() {
        assert!(local_endpoint("http://127.0.0.1:5000"));
        assert!(local_endpoint("http://localhost:9000/"));
        assert!(!local_endpoint("https://s3.eu-west-1.amazonaws.com"));
    }
}
