//! `aws_s3_object`: one object in a bucket. Changing the body or any of
//! its headers writes the object again (a new PutObject, so a new version
//! in a versioned bucket); tags and the ACL change on their own.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    Delete, ObjectCannedAcl, ObjectIdentifier, ServerSideEncryption, StorageClass, Tag, Tagging,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{empty_object, Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, map_of, nonempty_str, opt_str_keep_null, opt_sv, read_new, str_map, str_of,
    sv,
};

pub(crate) struct Object;

const TYPE: &str = "aws_s3_object";

/// Arguments whose change writes the object again.
const PUT_ATTRS: &[&str] = &[
    "bucket_key_enabled",
    "cache_control",
    "content",
    "content_base64",
    "content_disposition",
    "content_encoding",
    "content_language",
    "content_type",
    "etag",
    "kms_key_id",
    "metadata",
    "server_side_encryption",
    "source",
    "source_hash",
    "storage_class",
    "website_redirect",
];

const ACLS: &[&str] = &[
    "private",
    "public-read",
    "public-read-write",
    "aws-exec-read",
    "authenticated-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
];

fn bucket_key(v: &Value) -> Result<(String, String), ProviderError> {
    let bucket = nonempty_str(v, "bucket").ok_or_else(|| crate::util::missing(TYPE, "bucket"))?;
    let key = str_of(v, "key")
        .filter(|k| !k.is_empty())
        .or_else(|| nonempty_str(v, "id"))
        .ok_or_else(|| crate::util::missing(TYPE, "key"))?;
    Ok((bucket, key))
}

/// `bucket/key` or `s3://bucket/key`.
fn parse_import_id(id: &str) -> Option<(String, String)> {
    let rest = id.strip_prefix("s3://").unwrap_or(id);
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then(|| (bucket.to_string(), key.to_string()))
}

/// The object body: `content`, `content_base64` decoded, or the file at
/// `source`.
async fn body_of(v: &Value) -> Result<Vec<u8>, ProviderError> {
    if let Some(c) = str_of(v, "content") {
        return Ok(c.into_bytes());
    }
    if let Some(b) = str_of(v, "content_base64") {
        return aws_smithy_types::base64::decode(b.trim()).map_err(|e| {
            ProviderError::new(
                "Invalid content_base64",
                format!("content_base64 is not valid base64: {e}."),
            )
            .with_hint("Encode the bytes with base64encode() or filebase64().")
        });
    }
    if let Some(path) = nonempty_str(v, "source") {
        return tokio::fs::read(&path).await.map_err(|e| {
            ProviderError::new(
                format!("Cannot read source file {path:?}"),
                format!("Reading the object's source file failed: {e}."),
            )
            .with_hint(
                "source is a path on the machine running cairn; check it exists and is readable.",
            )
        });
    }
    Ok(Vec::new())
}

/// Bodies up to this size are read back to detect changes made outside
/// cairn and to import `content`.
const MAX_BODY_READ: i64 = 1024 * 1024;

/// `content` / `content_base64` for state from the object's body: the
/// prior text when it is the same bytes, else the body in the form the
/// state used (text unless it was base64 or the bytes are not UTF-8).
fn body_attrs(prior: &Value, body: &[u8]) -> Vec<(&'static str, Value)> {
    let null = || Value::null(Type::String);
    if let Some(b64) = str_of(prior, "content_base64") {
        let same = aws_smithy_types::base64::decode(b64.trim()).is_ok_and(|d| d == body);
        let v = if same {
            sv(b64)
        } else {
            sv(aws_smithy_types::base64::encode(body))
        };
        return vec![("content_base64", v), ("content", null())];
    }
    if let Some(c) = str_of(prior, "content") {
        if c.as_bytes() == body {
            return vec![("content", sv(c))];
        }
    } else if body.is_empty() {
        // Nothing configured and nothing stored.
        return Vec::new();
    }
    match std::str::from_utf8(body) {
        Ok(text) => vec![("content", sv(text)), ("content_base64", null())],
        Err(_) => vec![
            ("content", null()),
            ("content_base64", sv(aws_smithy_types::base64::encode(body))),
        ],
    }
}

/// Tags as the `x-amz-tagging` header wants them: a URL query string.
fn tagging_header(tags: &BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn put_object(
    aws: &AwsClients,
    v: &Value,
    bucket: &str,
    key: &str,
) -> Result<(), ProviderError> {
    let body = body_of(v).await?;
    let tags = tags::to_apply(aws, v);
    let metadata = map_of(v, "metadata").filter(|m| !m.is_empty());
    aws.s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body))
        .set_acl(nonempty_str(v, "acl").map(|a| ObjectCannedAcl::from(a.as_str())))
        .set_cache_control(nonempty_str(v, "cache_control"))
        .set_content_disposition(nonempty_str(v, "content_disposition"))
        .set_content_encoding(nonempty_str(v, "content_encoding"))
        .set_content_language(nonempty_str(v, "content_language"))
        .set_content_type(nonempty_str(v, "content_type"))
        .set_metadata(metadata.map(|m| m.into_iter().collect()))
        .set_server_side_encryption(
            nonempty_str(v, "server_side_encryption")
                .map(|s| ServerSideEncryption::from(s.as_str())),
        )
        .set_ssekms_key_id(nonempty_str(v, "kms_key_id"))
        .set_bucket_key_enabled(bool_of(v, "bucket_key_enabled"))
        .set_storage_class(nonempty_str(v, "storage_class").map(|s| StorageClass::from(s.as_str())))
        .set_website_redirect_location(nonempty_str(v, "website_redirect"))
        .set_tagging((!tags.is_empty()).then(|| tagging_header(&tags)))
        .send()
        .await
        .ctx(format!("uploading S3 Object s3://{bucket}/{key}"))?;
    Ok(())
}

async fn put_tags(
    aws: &AwsClients,
    bucket: &str,
    key: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    if tags.is_empty() {
        aws.s3()
            .delete_object_tagging()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .ctx(format!(
                "removing the tags of S3 Object s3://{bucket}/{key}"
            ))?;
        return Ok(());
    }
    let tagging = Tagging::builder()
        .set_tag_set(Some(
            tags.iter()
                .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
                .collect(),
        ))
        .build()
        .map_err(|e| ProviderError::new("building S3 tags failed", e.to_string()))?;
    aws.s3()
        .put_object_tagging()
        .bucket(bucket)
        .key(key)
        .tagging(tagging)
        .send()
        .await
        .ctx(format!("tagging S3 Object s3://{bucket}/{key}"))?;
    Ok(())
}

#[async_trait]
impl Resource for Object {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("An object in an S3 bucket.")
            .attr("id", A::computed(Type::String, "Key of the object."))
            .attr("arn", A::computed(Type::String, "ARN of the object."))
            .attr(
                "bucket",
                A::required(Type::String, "Name of the bucket.").force_new(),
            )
            .attr(
                "key",
                A::required(Type::String, "Key (name) of the object in the bucket.").force_new(),
            )
            .attr(
                "content",
                A::optional(Type::String, "Body of the object, as UTF-8 text."),
            )
            .attr(
                "content_base64",
                A::optional(
                    Type::String,
                    "Body of the object, base64-encoded (for binary data).",
                ),
            )
            .attr(
                "source",
                A::optional(Type::String, "Path of a local file to upload as the body."),
            )
            .attr(
                "source_hash",
                A::optional(
                    Type::String,
                    "A hash of the source file (e.g. filemd5(path)); a change uploads it again.",
                ),
            )
            .attr(
                "etag",
                A::optional_computed(
                    Type::String,
                    "ETag of the object (the MD5 of the body for simple uploads without SSE-KMS).",
                ),
            )
            .attr(
                "version_id",
                A::computed(
                    Type::String,
                    "Version ID of the object, in a versioned bucket.",
                ),
            )
            .attr(
                "acl",
                A::optional(
                    Type::String,
                    "Canned ACL: private, public-read, bucket-owner-full-control, ...",
                ),
            )
            .attr(
                "cache_control",
                A::optional(Type::String, "Cache-Control header."),
            )
            .attr(
                "content_disposition",
                A::optional(Type::String, "Content-Disposition header."),
            )
            .attr(
                "content_encoding",
                A::optional(Type::String, "Content-Encoding header."),
            )
            .attr(
                "content_language",
                A::optional(Type::String, "Content-Language header."),
            )
            .attr(
                "content_type",
                A::optional_computed(Type::String, "MIME type of the object."),
            )
            .attr(
                "metadata",
                A::optional(
                    Type::map(Type::String),
                    "User metadata (x-amz-meta-*); keys must be lowercase.",
                ),
            )
            .attr(
                "storage_class",
                A::optional_computed(Type::String, "Storage class, e.g. STANDARD or STANDARD_IA."),
            )
            .attr(
                "server_side_encryption",
                A::optional_computed(Type::String, "AES256, aws:kms or aws:kms:dsse."),
            )
            .attr(
                "kms_key_id",
                A::optional_computed(Type::String, "ARN of the KMS key encrypting the object."),
            )
            .attr(
                "bucket_key_enabled",
                A::optional_computed(Type::Bool, "Whether the S3 Bucket Key is used for SSE-KMS."),
            )
            .attr(
                "website_redirect",
                A::optional(
                    Type::String,
                    "Where to redirect requests for the object when the bucket is a website.",
                ),
            )
            .attr(
                "force_destroy",
                A::optional(
                    Type::Bool,
                    "Delete the object even under governance-mode object lock; defaults to false.",
                ),
            )
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![("force_destroy", Value::bool(false))]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let bodies: Vec<&str> = ["content", "content_base64", "source"]
            .into_iter()
            .filter(|k| set(k))
            .collect();
        if bodies.len() > 1 {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                format!(
                    "Only one of content, content_base64 and source can be set; got {}.",
                    bodies.join(" and ")
                ),
            ));
        }
        if let Some(a) = str_of(config, "acl") {
            if !ACLS.contains(&a.as_str()) {
                out.push(Diagnostic::error(
                    "Invalid acl",
                    format!("acl {a:?} must be one of {}.", ACLS.join(", ")),
                ));
            }
        }
        if let Some(m) = map_of(config, "metadata") {
            for k in m
                .keys()
                .filter(|k| k.chars().any(|c| c.is_ascii_uppercase()))
            {
                out.push(Diagnostic::error(
                    "Invalid metadata key",
                    format!("Metadata key {k:?} has uppercase letters; S3 stores keys in lowercase, so use {:?}.", k.to_lowercase()),
                ));
            }
        }
        if str_of(config, "key").is_some_and(|k| k.is_empty()) {
            out.push(Diagnostic::error("Invalid key", "key must not be empty."));
        }
        out
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        let Some(prior) = prior else {
            return Ok(());
        };
        if !resp.requires_replace.is_empty() {
            return Ok(());
        }
        let planned = &resp.planned;
        let rewrite = PUT_ATTRS
            .iter()
            .any(|k| match (prior.get_attr(k), planned.get_attr(k)) {
                (Some(a), Some(b)) => !(a.raw_equal(b) || (a.is_null() && b.is_null())),
                _ => false,
            });
        if rewrite {
            // A new upload: a new version, and a new ETag unless the
            // configuration names the one it expects.
            let mut m = entries(planned);
            m.insert("version_id".into(), Value::unknown(Type::String));
            if config.get_attr("etag").is_none_or(Value::is_null) {
                m.insert("etag".into(), Value::unknown(Type::String));
            }
            resp.planned = Value::object(m).mark(planned.sensitive);
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let (bucket, key) = bucket_key(planned)?;
        put_object(aws, planned, &bucket, &key).await?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&key))]);
        read_new("S3 Object", &format!("s3://{bucket}/{key}"), || {
            self.read(aws, &seed)
        })
        .await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let (bucket, key) = bucket_key(state)?;
        let s3 = aws.s3();
        let head = match s3
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .api()
        {
            Ok(o) => o,
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading S3 Object s3://{bucket}/{key}"))),
        };
        let remote_tags: BTreeMap<String, String> = match s3
            .get_object_tagging()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .api()
        {
            Ok(o) => o.tag_set.into_iter().map(|t| (t.key, t.value)).collect(),
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => {
                return Err(
                    e.into_error(format!("reading the tags of S3 Object s3://{bucket}/{key}"))
                )
            }
        };
        let metadata: BTreeMap<String, String> = head
            .metadata
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let sse = head
            .server_side_encryption
            .as_ref()
            .map(|s| s.as_str().to_string());
        let kms = sse
            .as_deref()
            .is_some_and(|s| s.starts_with("aws:kms"))
            .then(|| head.ssekms_key_id.clone())
            .flatten();
        let etag = head
            .e_tag
            .as_deref()
            .map(|e| e.trim_matches('"').to_string());
        let mut m = entries(state);
        // The body is fetched only when it may differ from the state's:
        // the ETag moved (written outside cairn, or just written), or
        // there is no state yet (import). A `source` file is compared
        // through source_hash/etag instead, as Terraform does.
        let body_unchanged = etag.is_some() && str_of(state, "etag") == etag;
        if !body_unchanged
            && str_of(state, "source").is_none()
            && head.content_length.unwrap_or(0) <= MAX_BODY_READ
        {
            let body = s3
                .get_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .api()
                .map_err(|e| e.into_error(format!("reading S3 Object s3://{bucket}/{key}")))?
                .body
                .collect()
                .await
                .map_err(|e| {
                    ProviderError::new(
                        format!("reading S3 Object s3://{bucket}/{key} failed"),
                        format!("The body could not be downloaded: {e}."),
                    )
                })?
                .into_bytes();
            for (k, v) in body_attrs(state, &body) {
                m.insert(k.into(), v);
            }
        }
        m.insert("id".into(), sv(&key));
        m.insert("bucket".into(), sv(&bucket));
        m.insert("key".into(), sv(&key));
        m.insert(
            "arn".into(),
            sv(format!("arn:{}:s3:::{bucket}/{key}", aws.partition.id)),
        );
        m.insert("etag".into(), opt_sv(etag));
        m.insert(
            "version_id".into(),
            opt_sv(
                head.version_id
                    .as_deref()
                    .filter(|v| !v.is_empty() && *v != "null"),
            ),
        );
        for (k, remote) in [
            ("cache_control", head.cache_control.as_deref()),
            ("content_disposition", head.content_disposition.as_deref()),
            ("content_encoding", head.content_encoding.as_deref()),
            ("content_language", head.content_language.as_deref()),
            (
                "website_redirect",
                head.website_redirect_location.as_deref(),
            ),
        ] {
            m.insert(k.into(), opt_str_keep_null(state, k, remote));
        }
        m.insert("content_type".into(), opt_sv(head.content_type.as_deref()));
        m.insert(
            "metadata".into(),
            if metadata.is_empty() && state.get_attr("metadata").is_none_or(Value::is_null) {
                Value::null(Type::map(Type::String))
            } else {
                str_map(&metadata)
            },
        );
        // S3 leaves the header out for STANDARD.
        m.insert(
            "storage_class".into(),
            sv(head
                .storage_class
                .as_ref()
                .map(|s| s.as_str())
                .unwrap_or("STANDARD")),
        );
        m.insert("server_side_encryption".into(), opt_sv(sse));
        m.insert("kms_key_id".into(), opt_sv(kms));
        m.insert(
            "bucket_key_enabled".into(),
            Value::bool(head.bucket_key_enabled.unwrap_or(false)),
        );
        if m.get("force_destroy").is_none_or(Value::is_null) {
            m.insert("force_destroy".into(), Value::bool(false));
        }
        let (t, all) = tags::from_remote(aws, state, remote_tags);
        m.insert("tags".into(), t);
        m.insert("tags_all".into(), all);
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let (bucket, key) = bucket_key(prior)?;
        let changed = |k: &str| match (prior.get_attr(k), planned.get_attr(k)) {
            (Some(a), Some(b)) => !(a.raw_equal(b) || (a.is_null() && b.is_null())),
            _ => false,
        };
        let old_tags = map_of(prior, "tags_all").unwrap_or_default();
        let new_tags = tags::to_apply(aws, planned);
        if PUT_ATTRS.iter().any(|k| changed(k)) {
            // The upload carries the ACL and the tags too.
            put_object(aws, planned, &bucket, &key).await?;
        } else {
            if changed("acl") {
                aws.s3()
                    .put_object_acl()
                    .bucket(&bucket)
                    .key(&key)
                    .acl(ObjectCannedAcl::from(
                        nonempty_str(planned, "acl")
                            .unwrap_or_else(|| "private".into())
                            .as_str(),
                    ))
                    .send()
                    .await
                    .ctx(format!("setting the ACL of S3 Object s3://{bucket}/{key}"))?;
            }
            if old_tags != new_tags {
                put_tags(aws, &bucket, &key, &new_tags).await?;
            }
        }
        read_new("S3 Object", &format!("s3://{bucket}/{key}"), || {
            self.read(aws, planned)
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let (bucket, key) = bucket_key(state)?;
        let s3 = aws.s3();
        let force = bool_of(state, "force_destroy").unwrap_or(false);
        // Every version of the key goes, as the Terraform provider does.
        let listed = s3
            .list_object_versions()
            .bucket(&bucket)
            .prefix(&key)
            .send()
            .await
            .map_err(ApiError::from_sdk);
        let out = match listed {
            Ok(o) => o,
            Err(e) if e.not_found() => return Ok(()),
            Err(e) => {
                return Err(
                    e.into_error(format!("listing versions of S3 Object s3://{bucket}/{key}"))
                )
            }
        };
        let mut ids: Vec<ObjectIdentifier> = Vec::new();
        let versions = out
            .versions
            .unwrap_or_default()
            .into_iter()
            .map(|v| (v.key, v.version_id));
        let markers = out
            .delete_markers
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.key, d.version_id));
        for (k, vid) in versions.chain(markers) {
            if k.as_deref() == Some(key.as_str()) {
                ids.extend(
                    ObjectIdentifier::builder()
                        .key(&key)
                        .set_version_id(vid)
                        .build()
                        .ok(),
                );
            }
        }
        if ids.is_empty() {
            // Nothing listed (or listing lagged): a plain delete is
            // harmless for a key that is already gone.
            match s3
                .delete_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .api()
            {
                Ok(_) => return Ok(()),
                Err(e) if e.not_found() => return Ok(()),
                Err(e) => {
                    return Err(e.into_error(format!("deleting S3 Object s3://{bucket}/{key}")))
                }
            }
        }
        let delete = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| {
                ProviderError::new("building an S3 delete request failed", e.to_string())
            })?;
        let out = s3
            .delete_objects()
            .bucket(&bucket)
            .delete(delete)
            .set_bypass_governance_retention(force.then_some(true))
            .send()
            .await
            .ctx(format!("deleting S3 Object s3://{bucket}/{key}"))?;
        if let Some(err) = out.errors.unwrap_or_default().into_iter().next() {
            let mut e = ProviderError::new(
                format!("deleting S3 Object s3://{bucket}/{key} failed"),
                err.message.unwrap_or_default(),
            )
            .with_code(err.code.clone().unwrap_or_default());
            if err.code.as_deref() == Some("AccessDenied") && !force {
                e = e.with_hint("the object may be under object lock; set force_destroy = true to bypass governance-mode retention");
            }
            return Err(e);
        }
        Ok(())
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let (bucket, key) = parse_import_id(id).ok_or_else(|| {
            ProviderError::new(
                format!("Invalid import ID {id:?}"),
                "aws_s3_object import IDs are bucket/key or s3://bucket/key.",
            )
            .with_hint(self.import_hint())
        })?;
        let mut m = empty_object(schema);
        for (k, v) in self.defaults() {
            m.insert(k.to_string(), v);
        }
        m.insert("id".into(), sv(&key));
        m.insert("bucket".into(), sv(&bucket));
        m.insert("key".into(), sv(&key));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_s3_object is imported as bucket/key or s3://bucket/key, e.g. my-bucket/path/to/file.txt."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids() {
        assert_eq!(
            parse_import_id("b/a/b.txt"),
            Some(("b".into(), "a/b.txt".into()))
        );
        assert_eq!(parse_import_id("s3://b/k"), Some(("b".into(), "k".into())));
        assert_eq!(parse_import_id("b"), None);
        assert_eq!(parse_import_id("s3://b/"), None);
    }

    #[test]
    fn tagging_header_is_url_encoded() {
        let m: BTreeMap<String, String> = [("a b".to_string(), "x&y".to_string())].into();
        assert_eq!(tagging_header(&m), "a%20b=x%26y");
    }
}
