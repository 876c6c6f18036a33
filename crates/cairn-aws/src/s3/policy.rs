//! `aws_s3_bucket_policy`: the bucket's resource policy. The document is
//! compared by meaning, so reformatting it (or S3 reformatting it) is not
//! a change.

use async_trait::async_trait;
use cairn_provider::{empty_object, Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::bucket_of;
use crate::config::AwsClients;
use crate::error::ApiError;
use crate::iam::{document_to_state, normalize_document};
use crate::resource::Resource;
use crate::util::{entries, read_new, str_of, sv};

pub(crate) struct BucketPolicy;

const TYPE: &str = "aws_s3_bucket_policy";

/// How long a policy naming a principal created a moment ago may be
/// refused while IAM propagates it.
const PRINCIPAL_PROPAGATION: std::time::Duration = std::time::Duration::from_secs(120);

async fn put_policy(aws: &AwsClients, bucket: &str, doc: &str) -> Result<(), ProviderError> {
    let deadline = std::time::Instant::now() + PRINCIPAL_PROPAGATION;
    let mut delay = std::time::Duration::from_secs(1);
    loop {
        match aws
            .s3()
            .put_bucket_policy()
            .bucket(bucket)
            .policy(doc)
            .send()
            .await
            .map_err(ApiError::from_sdk)
        {
            Ok(_) => return Ok(()),
            Err(e)
                if e.is("MalformedPolicy")
                    && e.message.contains("Invalid principal")
                    && std::time::Instant::now() + delay < deadline =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(10));
            }
            Err(e) => {
                let mut err = e.into_error(format!("putting the policy of S3 Bucket {bucket}"));
                if err.code.as_deref() == Some("MalformedPolicy") {
                    err = err.with_hint("the policy is not a valid S3 bucket policy; check the Resource ARNs (arn:aws:s3:::bucket/*) and principals");
                }
                return Err(err);
            }
        }
    }
}

#[async_trait]
impl Resource for BucketPolicy {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("The resource policy of an S3 bucket.")
            .attr("id", A::computed(Type::String, "Name of the bucket."))
            .attr(
                "bucket",
                A::required(Type::String, "Name of the bucket.").force_new(),
            )
            .attr(
                "policy",
                A::required(Type::String, "The bucket policy document (JSON)."),
            )
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        normalize_document(prior, config, "policy")
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let bucket = bucket_of(planned, TYPE)?;
        let doc = str_of(planned, "policy").ok_or_else(|| crate::util::missing(TYPE, "policy"))?;
        put_policy(aws, &bucket, &doc).await?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&bucket))]);
        read_new("S3 Bucket Policy", &bucket, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let bucket = bucket_of(state, TYPE)?;
        let doc = match aws
            .s3()
            .get_bucket_policy()
            .bucket(&bucket)
            .send()
            .await
            .map_err(ApiError::from_sdk)
        {
            Ok(o) => o.policy.unwrap_or_default(),
            // NoSuchBucketPolicy, NoSuchBucket: no policy to manage.
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading the policy of S3 Bucket {bucket}"))),
        };
        if doc.is_empty() {
            return Ok(None);
        }
        let mut m = entries(state);
        m.insert("id".into(), sv(&bucket));
        m.insert("bucket".into(), sv(&bucket));
        m.insert(
            "policy".into(),
            document_to_state(str_of(state, "policy").as_deref(), &doc),
        );
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let bucket = bucket_of(prior, TYPE)?;
        let doc = str_of(planned, "policy").ok_or_else(|| crate::util::missing(TYPE, "policy"))?;
        put_policy(aws, &bucket, &doc).await?;
        read_new("S3 Bucket Policy", &bucket, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let bucket = bucket_of(state, TYPE)?;
        match aws
            .s3()
            .delete_bucket_policy()
            .bucket(&bucket)
            .send()
            .await
            .map_err(ApiError::from_sdk)
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting the policy of S3 Bucket {bucket}"))),
        }
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let mut m = empty_object(schema);
        m.insert("id".into(), sv(id));
        m.insert("bucket".into(), sv(id));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_s3_bucket_policy is imported by bucket name.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_seeds_the_bucket() {
        let r = BucketPolicy;
        let v = r.import_state(&r.schema(), "my-bucket").expect("seed");
        assert_eq!(str_of(&v, "bucket").as_deref(), Some("my-bucket"));
        assert!(v.get_attr("policy").is_some_and(Value::is_null));
    }
}
