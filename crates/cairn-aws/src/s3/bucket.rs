//! `aws_s3_bucket`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
    ObjectLockEnabled, Tag, Tagging,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::hosted_zone_id;
use crate::config::AwsClients;
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, id_of, map_of, name_or_prefix, opt_sv, prefix_from_name, read_new, str_of,
    sv, wait_for,
};

pub(crate) struct Bucket;

const TYPE: &str = "aws_s3_bucket";

/// Whether a name follows the S3 naming rules for new buckets.
fn valid_bucket_name(n: &str) -> Result<(), String> {
    if n.len() < 3 || n.len() > 63 {
        return Err("must be 3 to 63 characters long".into());
    }
    if !n
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Err("may only contain lowercase letters, numbers, dots and hyphens".into());
    }
    let first = n.chars().next().unwrap_or('-');
    let last = n.chars().last().unwrap_or('-');
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Err("must begin and end with a letter or number".into());
    }
    if n.contains("..") {
        return Err("must not contain two adjacent dots".into());
    }
    Ok(())
}

async fn put_tags(
    aws: &AwsClients,
    bucket: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    if tags.is_empty() {
        aws.s3()
            .delete_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .ctx(format!("removing the tags of S3 Bucket {bucket}"))?;
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
        .put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .ctx(format!("tagging S3 Bucket {bucket}"))?;
    Ok(())
}

/// Deletes every object version and delete marker (force_destroy).
async fn empty_bucket(aws: &AwsClients, bucket: &str) -> Result<(), ProviderError> {
    loop {
        let out = match aws
            .s3()
            .list_object_versions()
            .bucket(bucket)
            .send()
            .await
            .api()
        {
            Ok(o) => o,
            Err(e) if e.is("NoSuchBucket") => return Ok(()),
            Err(e) => return Err(e.into_error(format!("listing objects of S3 Bucket {bucket}"))),
        };
        let mut ids: Vec<ObjectIdentifier> = Vec::new();
        for v in out.versions.unwrap_or_default() {
            if let Some(k) = v.key {
                ids.extend(
                    ObjectIdentifier::builder()
                        .key(k)
                        .set_version_id(v.version_id)
                        .build()
                        .ok(),
                );
            }
        }
        for m in out.delete_markers.unwrap_or_default() {
            if let Some(k) = m.key {
                ids.extend(
                    ObjectIdentifier::builder()
                        .key(k)
                        .set_version_id(m.version_id)
                        .build()
                        .ok(),
                );
            }
        }
        if ids.is_empty() {
            return Ok(());
        }
        let delete = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| {
                ProviderError::new("building an S3 delete request failed", e.to_string())
            })?;
        let out = aws
            .s3()
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            // Objects under governance-mode object lock go too.
            .bypass_governance_retention(true)
            .send()
            .await
            .ctx(format!("deleting objects of S3 Bucket {bucket}"))?;
        if let Some(err) = out.errors.unwrap_or_default().into_iter().next() {
            return Err(ProviderError::new(
                format!("deleting objects of S3 Bucket {bucket} failed"),
                format!(
                    "{}: {}",
                    err.key.unwrap_or_default(),
                    err.message.unwrap_or_default()
                ),
            )
            .with_code(err.code.unwrap_or_default()));
        }
    }
}

#[async_trait]
impl Resource for Bucket {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("An S3 bucket.")
            .attr("id", A::computed(Type::String, "Name of the bucket."))
            .attr("arn", A::computed(Type::String, "ARN of the bucket."))
            .attr("bucket", A::optional_computed(Type::String, "Name of the bucket; generated from bucket_prefix (or terraform-) when unset.").force_new())
            .attr("bucket_prefix", A::optional_computed(Type::String, "Prefix of a generated bucket name.").force_new())
            .attr("force_destroy", A::optional(Type::Bool, "Delete all objects (and versions) when destroying the bucket; defaults to false."))
            .attr("object_lock_enabled", A::optional_computed(Type::Bool, "Whether the bucket has S3 Object Lock enabled.").force_new())
            .attr("bucket_domain_name", A::computed(Type::String, "Domain name of the bucket (bucket.s3.amazonaws.com)."))
            .attr("bucket_regional_domain_name", A::computed(Type::String, "Region-specific domain name of the bucket."))
            .attr("hosted_zone_id", A::computed(Type::String, "Route 53 hosted zone ID of the bucket's region."))
            .attr("region", A::computed(Type::String, "Region the bucket is in."))
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
            .block(
                "timeouts",
                crate::util::timeouts_block(&["create", "read", "update", "delete"]),
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![("force_destroy", Value::bool(false))]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(b) = str_of(config, "bucket") {
            if let Err(e) = valid_bucket_name(&b) {
                out.push(
                    Diagnostic::error("Invalid bucket name", format!("Bucket name {b:?} {e}."))
                        .with_hint("See https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"),
                );
            }
            if config
                .get_attr("bucket_prefix")
                .is_some_and(|v| !v.is_null())
            {
                out.push(Diagnostic::error(
                    "Conflicting arguments",
                    "bucket and bucket_prefix cannot both be set.",
                ));
            }
        }
        if str_of(config, "bucket_prefix")
            .is_some_and(|p| p.len() > 63 - crate::util::UNIQUE_SUFFIX_LEN)
        {
            out.push(Diagnostic::error(
                "Invalid bucket_prefix",
                format!("bucket_prefix can be at most {} characters (a 26-character unique suffix is added).", 63 - crate::util::UNIQUE_SUFFIX_LEN),
            ));
        }
        out
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = name_or_prefix(planned, "bucket", "bucket_prefix");
        let s3 = aws.s3();
        let mut req = s3.create_bucket().bucket(&name);
        // us-east-1 is the default location and must not be named.
        if aws.region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                    .build(),
            );
        }
        if bool_of(planned, "object_lock_enabled") == Some(true) {
            req = req.object_lock_enabled_for_bucket(true);
        }
        req.send()
            .await
            .ctx(format!("creating S3 Bucket ({name})"))?;

        // New buckets can take a moment to be visible everywhere.
        wait_for(crate::util::PROPAGATION_TIMEOUT, || async {
            match s3.head_bucket().bucket(&name).send().await.api() {
                Ok(_) => Ok(Some(())),
                Err(e) if e.not_found() => Ok(None),
                Err(e) => Err(e.into_error(format!("waiting for S3 Bucket {name}"))),
            }
        })
        .await?;

        let tags = tags::to_apply(aws, planned);
        if !tags.is_empty() {
            put_tags(aws, &name, &tags).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&name))]);
        read_new("S3 Bucket", &name, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let name = id_of(state, TYPE)?;
        let s3 = aws.s3();
        match s3.head_bucket().bucket(&name).send().await.api() {
            Ok(_) => {}
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading S3 Bucket {name}"))),
        }
        let tagging = async {
            match s3.get_bucket_tagging().bucket(&name).send().await.api() {
                Ok(o) => Ok(o
                    .tag_set
                    .into_iter()
                    .map(|t| (t.key, t.value))
                    .collect::<BTreeMap<_, _>>()),
                Err(e) if e.is("NoSuchTagSet") => Ok(BTreeMap::new()),
                Err(e) => Err(e.into_error(format!("reading the tags of S3 Bucket {name}"))),
            }
        };
        let location = async {
            s3.get_bucket_location()
                .bucket(&name)
                .send()
                .await
                .ctx(format!("reading the location of S3 Bucket {name}"))
        };
        let lock = async {
            match s3
                .get_object_lock_configuration()
                .bucket(&name)
                .send()
                .await
                .api()
            {
                Ok(o) => Ok(o
                    .object_lock_configuration
                    .and_then(|c| c.object_lock_enabled)
                    == Some(ObjectLockEnabled::Enabled)),
                Err(e) if e.is("ObjectLockConfigurationNotFoundError") => Ok(false),
                Err(e) => Err(e.into_error(format!(
                    "reading the object lock configuration of S3 Bucket {name}"
                ))),
            }
        };
        let (tagging, location, lock) = tokio::join!(tagging, location, lock);
        let region = location?
            .location_constraint
            .map(|l| l.as_str().to_string())
            .filter(|l| !l.is_empty())
            // The API's legacy name for eu-west-1.
            .map(|l| {
                if l == "EU" {
                    "eu-west-1".to_string()
                } else {
                    l
                }
            })
            .unwrap_or_else(|| "us-east-1".to_string());
        let dns = aws.partition.dns_suffix;
        let mut m = entries(state);
        m.insert("id".into(), sv(&name));
        m.insert("bucket".into(), sv(&name));
        m.insert("bucket_prefix".into(), opt_sv(prefix_from_name(&name)));
        m.insert(
            "arn".into(),
            sv(format!("arn:{}:s3:::{name}", aws.partition.id)),
        );
        m.insert("bucket_domain_name".into(), sv(format!("{name}.s3.{dns}")));
        m.insert(
            "bucket_regional_domain_name".into(),
            sv(format!("{name}.s3.{region}.{dns}")),
        );
        m.insert("hosted_zone_id".into(), opt_sv(hosted_zone_id(&region)));
        m.insert("region".into(), sv(&region));
        m.insert("object_lock_enabled".into(), Value::bool(lock?));
        if m.get("force_destroy").is_none_or(Value::is_null) {
            m.insert("force_destroy".into(), Value::bool(false));
        }
        let (t, all) = tags::from_remote(aws, state, tagging?);
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
        let name = id_of(prior, TYPE)?;
        let old = map_of(prior, "tags_all").unwrap_or_default();
        let new = tags::to_apply(aws, planned);
        if old != new {
            put_tags(aws, &name, &new).await?;
        }
        // force_destroy lives only in state.
        read_new("S3 Bucket", &name, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let name = id_of(state, TYPE)?;
        if bool_of(state, "force_destroy").unwrap_or(false) {
            empty_bucket(aws, &name).await?;
        }
        match aws.s3().delete_bucket().bucket(&name).send().await.api() {
            Ok(_) => {}
            Err(e) if e.not_found() => return Ok(()),
            Err(e) => return Err(e.into_error(format!("deleting S3 Bucket {name}"))),
        }
        wait_for(Duration::from_secs(60), || async {
            match aws.s3().head_bucket().bucket(&name).send().await.api() {
                Ok(_) => Ok(None),
                Err(e) if e.not_found() => Ok(Some(())),
                Err(e) => Err(e.into_error(format!("waiting for S3 Bucket {name} to be deleted"))),
            }
        })
        .await?;
        Ok(())
    }

    fn import_hint(&self) -> String {
        "aws_s3_bucket is imported by bucket name.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(valid_bucket_name("my-bucket.logs").is_ok());
        assert!(valid_bucket_name("ab").is_err());
        assert!(valid_bucket_name("My-Bucket").is_err());
        assert!(valid_bucket_name("-bucket").is_err());
        assert!(valid_bucket_name("a..b").is_err());
    }
}
