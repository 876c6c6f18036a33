//! Bucket configuration resources: `aws_s3_bucket_versioning`,
//! `aws_s3_bucket_server_side_encryption_configuration` and
//! `aws_s3_bucket_public_access_block`. Each is identified by its bucket
//! (`bucket` or `bucket,expected_bucket_owner`).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketVersioningStatus, MfaDelete, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{empty_object, Attribute as A, NestedBlock, Nesting, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{bucket_of, split_bucket_id};
use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::util::{
    blocks_of, bool_of, entries, nonempty_str, opt_bool_keep_null, opt_sv, read_new, str_of, sv,
};

fn bucket_attrs(s: Schema) -> Schema {
    s.attr(
        "id",
        A::computed(
            Type::String,
            "The bucket (and expected owner, comma-separated).",
        ),
    )
    .attr(
        "bucket",
        A::required(Type::String, "Name of the bucket.").force_new(),
    )
    .attr(
        "expected_bucket_owner",
        A::optional(Type::String, "Account ID expected to own the bucket.").force_new(),
    )
}

fn resource_id(v: &Value, bucket: &str) -> String {
    match nonempty_str(v, "expected_bucket_owner") {
        Some(o) => format!("{bucket},{o}"),
        None => bucket.to_string(),
    }
}

/// The starting state for importing `bucket[,owner]`.
fn import_seed(schema: &Schema, id: &str, defaults: Vec<(&'static str, Value)>) -> Value {
    let (bucket, owner) = split_bucket_id(id);
    let mut m = empty_object(schema);
    for (k, v) in defaults {
        m.insert(k.to_string(), v);
    }
    m.insert("id".into(), sv(id));
    m.insert("bucket".into(), sv(&bucket));
    m.insert("expected_bucket_owner".into(), opt_sv(owner));
    Value::object(m)
}

fn single_block(block: Schema, required: bool) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        min_items: u64::from(required),
        max_items: Some(1),
        force_new: false,
    }
}

/// Reads after a write: S3 bucket configuration is eventually consistent,
/// so read until the API reports what was written (for at most a minute,
/// then take what it says).
async fn read_until<F, Fut>(
    what: &str,
    id: &str,
    want: &Value,
    mut read: F,
) -> Result<Value, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<Value>, ProviderError>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut delay = Duration::from_millis(200);
    loop {
        let v = read().await?;
        if let Some(v) = &v {
            if settled(v, want) {
                return Ok(v.clone());
            }
        }
        if std::time::Instant::now() + delay > deadline {
            return match v {
                Some(v) => Ok(v),
                None => read_new(what, id, read).await,
            };
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Whether every known attribute of `want` has its value in `got`.
fn settled(got: &Value, want: &Value) -> bool {
    let Some(w) = want.as_entries() else {
        return true;
    };
    w.iter().all(|(k, wv)| {
        !wv.is_wholly_known() || wv.is_null() || got.get_attr(k).is_some_and(|g| g.raw_equal(wv))
    })
}

// ---- aws_s3_bucket_versioning -------------------------------------------------

pub(crate) struct Versioning;

const VERSIONING: &str = "aws_s3_bucket_versioning";

fn versioning_status(v: &Value) -> Option<String> {
    blocks_of(v, "versioning_configuration")
        .first()
        .and_then(|c| str_of(c, "status"))
}

/// Status and MFA delete from a successful GetBucketVersioning answer
/// the SDK could not parse. moto 5.2 names the root element
/// `GetBucketVersioningResponse` instead of `VersioningConfiguration`; the
/// content is otherwise what S3 sends, so read the two fields from it.
fn versioning_from_raw<E>(
    e: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> Option<(Option<String>, Option<String>)> {
    let raw = e.raw_response()?;
    if raw.status().as_u16() != 200 {
        return None;
    }
    let body = std::str::from_utf8(raw.body().bytes()?).ok()?;
    if !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    let field = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find('<')? + start;
        Some(body[start..end].trim().to_string()).filter(|v| !v.is_empty())
    };
    Some((field("Status"), field("MfaDelete")))
}

async fn put_versioning(
    aws: &AwsClients,
    v: &Value,
    bucket: &str,
    status: &str,
) -> Result<(), ProviderError> {
    let cfg = blocks_of(v, "versioning_configuration");
    let mfa_delete = cfg.first().and_then(|c| nonempty_str(c, "mfa_delete"));
    let conf = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::from(status))
        .set_mfa_delete(mfa_delete.as_deref().map(MfaDelete::from))
        .build();
    aws.s3()
        .put_bucket_versioning()
        .bucket(bucket)
        .set_expected_bucket_owner(nonempty_str(v, "expected_bucket_owner"))
        .set_mfa(nonempty_str(v, "mfa"))
        .versioning_configuration(conf)
        .send()
        .await
        .ctx(format!("setting the versioning of S3 Bucket {bucket}"))?;
    Ok(())
}

#[async_trait]
impl Resource for Versioning {
    fn type_name(&self) -> &'static str {
        VERSIONING
    }

    fn schema(&self) -> Schema {
        let cfg = Schema::new("The versioning state.")
            .attr(
                "status",
                A::required(
                    Type::String,
                    "Enabled, Suspended, or Disabled (only when creating).",
                ),
            )
            .attr(
                "mfa_delete",
                A::optional_computed(
                    Type::String,
                    "Enabled or Disabled: whether MFA delete is required.",
                ),
            );
        bucket_attrs(Schema::new("The versioning state of an S3 bucket."))
            .attr(
                "mfa",
                A::optional(
                    Type::String,
                    "MFA device serial and code, space-separated (for mfa_delete).",
                ),
            )
            .block("versioning_configuration", single_block(cfg, true))
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        match versioning_status(config).as_deref() {
            None | Some("Enabled" | "Suspended" | "Disabled") => Vec::new(),
            Some(s) => vec![Diagnostic::error(
                "Invalid versioning status",
                format!("status must be Enabled, Suspended or Disabled, not {s:?}."),
            )],
        }
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let bucket = bucket_of(planned, VERSIONING)?;
        let status = versioning_status(planned).unwrap_or_else(|| "Enabled".into());
        // "Disabled" is the state of a bucket that never had versioning: on
        // create there is nothing to call.
        if status != "Disabled" {
            put_versioning(aws, planned, &bucket, &status).await?;
        }
        let id = resource_id(planned, &bucket);
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_until("S3 Bucket Versioning", &id, planned, || {
            self.read(aws, &seed)
        })
        .await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let bucket = bucket_of(state, VERSIONING)?;
        let (status, mfa) = match aws
            .s3()
            .get_bucket_versioning()
            .bucket(&bucket)
            .set_expected_bucket_owner(nonempty_str(state, "expected_bucket_owner"))
            .send()
            .await
        {
            Ok(o) => (
                o.status.map(|s| s.as_str().to_string()),
                o.mfa_delete.map(|m| m.as_str().to_string()),
            ),
            Err(e) => match versioning_from_raw(&e) {
                Some(v) => v,
                None => {
                    let e = ApiError::from_sdk(e);
                    if e.not_found() {
                        return Ok(None);
                    }
                    return Err(
                        e.into_error(format!("reading the versioning of S3 Bucket {bucket}"))
                    );
                }
            },
        };
        let status = status.unwrap_or_else(|| "Disabled".into());
        let prior_mfa = blocks_of(state, "versioning_configuration")
            .first()
            .and_then(|c| str_of(c, "mfa_delete"));
        let mfa_delete = mfa.or(prior_mfa);
        let cfg: BTreeMap<String, Value> = [
            ("status".to_string(), sv(&status)),
            ("mfa_delete".to_string(), opt_sv(mfa_delete)),
        ]
        .into_iter()
        .collect();
        let mut m = entries(state);
        m.insert("id".into(), sv(resource_id(state, &bucket)));
        m.insert("bucket".into(), sv(&bucket));
        m.insert(
            "versioning_configuration".into(),
            Value::list(
                self.schema().blocks["versioning_configuration"]
                    .block
                    .implied_type(),
                vec![Value::object(cfg)],
            ),
        );
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let bucket = bucket_of(prior, VERSIONING)?;
        let status = versioning_status(planned).unwrap_or_else(|| "Enabled".into());
        // A bucket cannot go back to never-versioned: Disabled means
        // Suspended once versioning was on.
        let api_status = if status == "Disabled" {
            "Suspended"
        } else {
            status.as_str()
        };
        put_versioning(aws, planned, &bucket, api_status).await?;
        let id = resource_id(planned, &bucket);
        let want = if status == "Disabled" {
            Value::dynamic_unknown()
        } else {
            planned.clone()
        };
        read_until("S3 Bucket Versioning", &id, &want, || {
            self.read(aws, planned)
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let bucket = bucket_of(state, VERSIONING)?;
        if versioning_status(state).as_deref() == Some("Disabled") {
            return Ok(());
        }
        // Versioning cannot be removed, only suspended.
        let conf = VersioningConfiguration::builder()
            .status(BucketVersioningStatus::Suspended)
            .build();
        match aws
            .s3()
            .put_bucket_versioning()
            .bucket(&bucket)
            .set_expected_bucket_owner(nonempty_str(state, "expected_bucket_owner"))
            .versioning_configuration(conf)
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("suspending the versioning of S3 Bucket {bucket}"))),
        }
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        Ok(import_seed(schema, id, Vec::new()))
    }

    fn import_hint(&self) -> String {
        "aws_s3_bucket_versioning is imported by bucket name (or bucket,expected_bucket_owner)."
            .into()
    }
}

// ---- aws_s3_bucket_server_side_encryption_configuration ----------------------------

pub(crate) struct Encryption;

const ENCRYPTION: &str = "aws_s3_bucket_server_side_encryption_configuration";

fn encryption_schemas() -> (Schema, Schema) {
    let by_default = Schema::new("Default encryption of new objects.")
        .attr(
            "sse_algorithm",
            A::required(Type::String, "AES256, aws:kms or aws:kms:dsse."),
        )
        .attr(
            "kms_master_key_id",
            A::optional(Type::String, "KMS key ID or ARN, for aws:kms."),
        );
    let rule = Schema::new("A server-side encryption rule.")
        .attr(
            "bucket_key_enabled",
            A::optional(Type::Bool, "Use an S3 Bucket Key for SSE-KMS."),
        )
        .block(
            "apply_server_side_encryption_by_default",
            single_block(by_default.clone(), false),
        );
    (rule, by_default)
}

fn rules_of(v: &Value) -> Vec<ServerSideEncryptionRule> {
    blocks_of(v, "rule")
        .into_iter()
        .map(|r| {
            let by_default = blocks_of(r, "apply_server_side_encryption_by_default")
                .first()
                .and_then(|d| {
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::from(
                            str_of(d, "sse_algorithm").unwrap_or_default().as_str(),
                        ))
                        .set_kms_master_key_id(nonempty_str(d, "kms_master_key_id"))
                        .build()
                        .ok()
                });
            ServerSideEncryptionRule::builder()
                .set_apply_server_side_encryption_by_default(by_default)
                .set_bucket_key_enabled(bool_of(r, "bucket_key_enabled"))
                .build()
        })
        .collect()
}

async fn put_encryption(aws: &AwsClients, v: &Value, bucket: &str) -> Result<(), ProviderError> {
    let conf = ServerSideEncryptionConfiguration::builder()
        .set_rules(Some(rules_of(v)))
        .build()
        .map_err(|e| {
            ProviderError::new(
                "building the encryption configuration failed",
                e.to_string(),
            )
        })?;
    aws.s3()
        .put_bucket_encryption()
        .bucket(bucket)
        .set_expected_bucket_owner(nonempty_str(v, "expected_bucket_owner"))
        .server_side_encryption_configuration(conf)
        .send()
        .await
        .ctx(format!(
            "setting the default encryption of S3 Bucket {bucket}"
        ))?;
    Ok(())
}

#[async_trait]
impl Resource for Encryption {
    fn type_name(&self) -> &'static str {
        ENCRYPTION
    }

    fn schema(&self) -> Schema {
        let (rule, _) = encryption_schemas();
        bucket_attrs(Schema::new(
            "The default server-side encryption of an S3 bucket.",
        ))
        .block(
            "rule",
            NestedBlock {
                nesting: Nesting::Set,
                block: rule,
                min_items: 1,
                max_items: None,
                force_new: false,
            },
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for r in blocks_of(config, "rule") {
            for d in blocks_of(r, "apply_server_side_encryption_by_default") {
                match str_of(d, "sse_algorithm").as_deref() {
                    None | Some("AES256" | "aws:kms" | "aws:kms:dsse") => {}
                    Some(a) => out.push(Diagnostic::error(
                        "Invalid sse_algorithm",
                        format!(
                            "sse_algorithm must be AES256, aws:kms or aws:kms:dsse, not {a:?}."
                        ),
                    )),
                }
            }
        }
        out
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let bucket = bucket_of(planned, ENCRYPTION)?;
        put_encryption(aws, planned, &bucket).await?;
        let id = resource_id(planned, &bucket);
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_until("S3 Bucket encryption configuration", &id, planned, || {
            self.read(aws, &seed)
        })
        .await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let bucket = bucket_of(state, ENCRYPTION)?;
        let out = match aws
            .s3()
            .get_bucket_encryption()
            .bucket(&bucket)
            .set_expected_bucket_owner(nonempty_str(state, "expected_bucket_owner"))
            .send()
            .await
            .api()
        {
            Ok(o) => o,
            Err(e) if e.not_found() || e.is("ServerSideEncryptionConfigurationNotFoundError") => {
                return Ok(None)
            }
            Err(e) => {
                return Err(e.into_error(format!("reading the encryption of S3 Bucket {bucket}")))
            }
        };
        let (rule_schema, by_default_schema) = encryption_schemas();
        let prior_rules = blocks_of(state, "rule");
        let rules: Vec<Value> = out
            .server_side_encryption_configuration
            .map(|c| c.rules)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let prior = prior_rules
                    .get(i)
                    .copied()
                    .cloned()
                    .unwrap_or_else(Value::empty_object);
                let defaults: Vec<Value> = r
                    .apply_server_side_encryption_by_default
                    .map(|d| {
                        let m: BTreeMap<String, Value> = [
                            ("sse_algorithm".to_string(), sv(d.sse_algorithm.as_str())),
                            (
                                "kms_master_key_id".to_string(),
                                opt_sv(d.kms_master_key_id.filter(|k| !k.is_empty())),
                            ),
                        ]
                        .into_iter()
                        .collect();
                        vec![Value::object(m)]
                    })
                    .unwrap_or_default();
                let m: BTreeMap<String, Value> = [
                    (
                        "bucket_key_enabled".to_string(),
                        opt_bool_keep_null(&prior, "bucket_key_enabled", r.bucket_key_enabled),
                    ),
                    (
                        "apply_server_side_encryption_by_default".to_string(),
                        Value::list(by_default_schema.implied_type(), defaults),
                    ),
                ]
                .into_iter()
                .collect();
                crate::util::conform(&rule_schema, &Value::object(m))
            })
            .collect();
        if rules.is_empty() {
            return Ok(None);
        }
        let mut m = entries(state);
        m.insert("id".into(), sv(resource_id(state, &bucket)));
        m.insert("bucket".into(), sv(&bucket));
        m.insert("rule".into(), Value::set(rule_schema.implied_type(), rules));
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let bucket = bucket_of(prior, ENCRYPTION)?;
        put_encryption(aws, planned, &bucket).await?;
        let id = resource_id(planned, &bucket);
        read_until("S3 Bucket encryption configuration", &id, planned, || {
            self.read(aws, planned)
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let bucket = bucket_of(state, ENCRYPTION)?;
        match aws
            .s3()
            .delete_bucket_encryption()
            .bucket(&bucket)
            .set_expected_bucket_owner(nonempty_str(state, "expected_bucket_owner"))
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() || e.is("ServerSideEncryptionConfigurationNotFoundError") => {
                Ok(())
            }
            Err(e) => Err(e.into_error(format!("deleting the encryption of S3 Bucket {bucket}"))),
        }
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        Ok(import_seed(schema, id, Vec::new()))
    }

    fn import_hint(&self) -> String {
        "aws_s3_bucket_server_side_encryption_configuration is imported by bucket name (or bucket,expected_bucket_owner).".into()
    }
}

// ---- aws_s3_bucket_public_access_block ----------------------------------------------

pub(crate) struct PublicAccessBlock;

const PAB: &str = "aws_s3_bucket_public_access_block";
const PAB_FLAGS: &[&str] = &[
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

async fn put_pab(aws: &AwsClients, v: &Value, bucket: &str) -> Result<(), ProviderError> {
    let flag = |k: &str| Some(bool_of(v, k).unwrap_or(false));
    let conf = PublicAccessBlockConfiguration::builder()
        .set_block_public_acls(flag("block_public_acls"))
        .set_block_public_policy(flag("block_public_policy"))
        .set_ignore_public_acls(flag("ignore_public_acls"))
        .set_restrict_public_buckets(flag("restrict_public_buckets"))
        .build();
    aws.s3()
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(conf)
        .send()
        .await
        .ctx(format!(
            "setting the public access block of S3 Bucket {bucket}"
        ))?;
    Ok(())
}

#[async_trait]
impl Resource for PublicAccessBlock {
    fn type_name(&self) -> &'static str {
        PAB
    }

    fn schema(&self) -> Schema {
        Schema::new("The public access block of an S3 bucket.")
            .attr("id", A::computed(Type::String, "Name of the bucket."))
            .attr("bucket", A::required(Type::String, "Name of the bucket.").force_new())
            .attr("block_public_acls", A::optional(Type::Bool, "Reject requests that add public ACLs; defaults to false."))
            .attr("block_public_policy", A::optional(Type::Bool, "Reject bucket policies that allow public access; defaults to false."))
            .attr("ignore_public_acls", A::optional(Type::Bool, "Ignore public ACLs on the bucket and its objects; defaults to false."))
            .attr("restrict_public_buckets", A::optional(Type::Bool, "Only AWS services and the owner may access a bucket with a public policy; defaults to false."))
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        PAB_FLAGS.iter().map(|k| (*k, Value::bool(false))).collect()
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let bucket = bucket_of(planned, PAB)?;
        put_pab(aws, planned, &bucket).await?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&bucket))]);
        read_until("S3 Bucket public access block", &bucket, planned, || {
            self.read(aws, &seed)
        })
        .await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let bucket = bucket_of(state, PAB)?;
        let out = match aws
            .s3()
            .get_public_access_block()
            .bucket(&bucket)
            .send()
            .await
            .api()
        {
            Ok(o) => o,
            Err(e) if gone(&e) => return Ok(None),
            Err(e) => {
                return Err(e.into_error(format!(
                    "reading the public access block of S3 Bucket {bucket}"
                )))
            }
        };
        let Some(c) = out.public_access_block_configuration else {
            return Ok(None);
        };
        let mut m = entries(state);
        m.insert("id".into(), sv(&bucket));
        m.insert("bucket".into(), sv(&bucket));
        m.insert(
            "block_public_acls".into(),
            Value::bool(c.block_public_acls.unwrap_or(false)),
        );
        m.insert(
            "block_public_policy".into(),
            Value::bool(c.block_public_policy.unwrap_or(false)),
        );
        m.insert(
            "ignore_public_acls".into(),
            Value::bool(c.ignore_public_acls.unwrap_or(false)),
        );
        m.insert(
            "restrict_public_buckets".into(),
            Value::bool(c.restrict_public_buckets.unwrap_or(false)),
        );
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let bucket = bucket_of(prior, PAB)?;
        put_pab(aws, planned, &bucket).await?;
        read_until("S3 Bucket public access block", &bucket, planned, || {
            self.read(aws, planned)
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let bucket = bucket_of(state, PAB)?;
        match aws
            .s3()
            .delete_public_access_block()
            .bucket(&bucket)
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if gone(&e) => Ok(()),
            Err(e) => Err(e.into_error(format!(
                "deleting the public access block of S3 Bucket {bucket}"
            ))),
        }
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let mut m = empty_object(schema);
        m.insert("id".into(), sv(id));
        m.insert("bucket".into(), sv(id));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_s3_bucket_public_access_block is imported by bucket name.".into()
    }
}

fn gone(e: &ApiError) -> bool {
    e.not_found() || e.is("NoSuchPublicAccessBlockConfiguration")
}
