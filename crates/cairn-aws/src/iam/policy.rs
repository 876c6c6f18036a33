//! `aws_iam_policy`: a customer-managed policy. A document change adds a
//! new default version (IAM keeps at most five, so the oldest goes).

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::role::retry_propagation;
use super::{decode_document, document_to_state, iam_tags, normalize_document, tag_map};
use crate::config::AwsClients;
use crate::error::{ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    entries, id_of, map_of, name_or_prefix, nonempty_str, opt_str_keep_null, opt_sv,
    prefix_from_name, read_new, str_of, sv,
};

pub(crate) struct Policy;

const TYPE: &str = "aws_iam_policy";

/// IAM's limit on stored versions of a managed policy.
const MAX_VERSIONS: usize = 5;

#[async_trait]
impl Resource for Policy {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("A customer-managed IAM policy.")
            .attr("id", A::computed(Type::String, "ARN of the policy."))
            .attr("arn", A::computed(Type::String, "ARN of the policy."))
            .attr("policy_id", A::computed(Type::String, "Stable unique ID of the policy."))
            .attr("attachment_count", A::computed(Type::Number, "Number of users, groups and roles the policy is attached to."))
            .attr("name", A::optional_computed(Type::String, "Name of the policy; generated from name_prefix (or terraform-) when unset.").force_new())
            .attr("name_prefix", A::optional_computed(Type::String, "Prefix of a generated name.").force_new())
            .attr("path", A::optional(Type::String, "Path of the policy; defaults to /.").force_new())
            .attr("description", A::optional(Type::String, "Description of the policy.").force_new())
            .attr("policy", A::required(Type::String, "Policy document (JSON)."))
            .attr("delay_after_policy_creation_in_ms", A::optional(Type::Number, "Accepted for compatibility; cairn waits for IAM propagation by retrying instead."))
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![("path", sv("/"))]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        if set("name") && set("name_prefix") {
            return vec![Diagnostic::error(
                "Conflicting arguments",
                "name and name_prefix cannot both be set.",
            )];
        }
        Vec::new()
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        normalize_document(prior, config, "policy")
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = name_or_prefix(planned, "name", "name_prefix");
        let doc = str_of(planned, "policy").ok_or_else(|| crate::util::missing(TYPE, "policy"))?;
        let tags = tags::to_apply(aws, planned);
        let out = aws
            .iam()
            .create_policy()
            .policy_name(&name)
            .path(str_of(planned, "path").unwrap_or_else(|| "/".into()))
            .policy_document(&doc)
            .set_description(nonempty_str(planned, "description"))
            .set_tags((!tags.is_empty()).then(|| iam_tags(&tags)))
            .send()
            .await
            .ctx(format!("creating IAM Policy ({name})"))?;
        let arn = out.policy.and_then(|p| p.arn).ok_or_else(|| {
            ProviderError::new("creating IAM Policy failed", "The API returned no ARN.")
        })?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&arn))]);
        read_new("IAM Policy", &arn, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let arn = id_of(state, TYPE)?;
        let p = match aws.iam().get_policy().policy_arn(&arn).send().await.api() {
            Ok(o) => match o.policy {
                Some(p) => p,
                None => return Ok(None),
            },
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading IAM Policy {arn}"))),
        };
        let version = p.default_version_id.clone().unwrap_or_else(|| "v1".into());
        let v = match aws
            .iam()
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(&version)
            .send()
            .await
            .api()
        {
            Ok(o) => o.policy_version,
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => {
                return Err(e.into_error(format!("reading IAM Policy {arn} version {version}")))
            }
        };
        let doc = v
            .and_then(|v| v.document)
            .map(|d| decode_document(&d))
            .unwrap_or_default();
        let name = p.policy_name.clone().unwrap_or_default();
        let mut m = entries(state);
        m.insert("id".into(), sv(&arn));
        m.insert("arn".into(), sv(p.arn.as_deref().unwrap_or(&arn)));
        m.insert("name".into(), sv(&name));
        m.insert("name_prefix".into(), opt_sv(prefix_from_name(&name)));
        m.insert("path".into(), opt_sv(p.path.as_deref()));
        m.insert("policy_id".into(), opt_sv(p.policy_id.as_deref()));
        m.insert(
            "attachment_count".into(),
            Value::int(i64::from(p.attachment_count.unwrap_or(0))),
        );
        m.insert(
            "description".into(),
            opt_str_keep_null(state, "description", p.description.as_deref()),
        );
        m.insert(
            "policy".into(),
            document_to_state(str_of(state, "policy").as_deref(), &doc),
        );
        let (t, all) = tags::from_remote(aws, state, tag_map(p.tags.as_deref()));
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
        let arn = id_of(prior, TYPE)?;
        let iam = aws.iam();
        let doc = str_of(planned, "policy").unwrap_or_default();
        if str_of(prior, "policy").as_deref() != Some(doc.as_str()) {
            let versions = iam
                .list_policy_versions()
                .policy_arn(&arn)
                .send()
                .await
                .ctx(format!("listing versions of IAM Policy {arn}"))?
                .versions
                .unwrap_or_default();
            if versions.len() >= MAX_VERSIONS {
                // Make room: delete the oldest version that is not the default.
                let oldest = versions
                    .iter()
                    .filter(|v| !v.is_default_version)
                    .min_by_key(|v| v.create_date.map(|d| (d.secs(), d.subsec_nanos())))
                    .and_then(|v| v.version_id.clone());
                if let Some(vid) = oldest {
                    iam.delete_policy_version()
                        .policy_arn(&arn)
                        .version_id(&vid)
                        .send()
                        .await
                        .ctx(format!("deleting version {vid} of IAM Policy {arn}"))?;
                }
            }
            retry_propagation(|| async {
                iam.create_policy_version()
                    .policy_arn(&arn)
                    .policy_document(&doc)
                    .set_as_default(true)
                    .send()
                    .await
                    .api()
                    .map(|_| ())
            })
            .await
            .ctx(format!("updating IAM Policy {arn}"))?;
        }
        let old_tags = map_of(prior, "tags_all").unwrap_or_default();
        let new_tags = tags::to_apply(aws, planned);
        tags::sync(
            &old_tags,
            &new_tags,
            |keys| async {
                iam.untag_policy()
                    .policy_arn(&arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .ctx(format!("removing tags of IAM Policy {arn}"))
            },
            |set| {
                let tags = iam_tags(&set);
                async {
                    iam.tag_policy()
                        .policy_arn(&arn)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .ctx(format!("tagging IAM Policy {arn}"))
                }
            },
        )
        .await?;
        read_new("IAM Policy", &arn, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let arn = id_of(state, TYPE)?;
        let iam = aws.iam();
        // Non-default versions must go before the policy.
        let versions = match iam
            .list_policy_versions()
            .policy_arn(&arn)
            .send()
            .await
            .api()
        {
            Ok(o) => o.versions.unwrap_or_default(),
            Err(e) if e.not_found() => return Ok(()),
            Err(e) => return Err(e.into_error(format!("listing versions of IAM Policy {arn}"))),
        };
        for v in versions.iter().filter(|v| !v.is_default_version) {
            let Some(vid) = &v.version_id else { continue };
            match iam
                .delete_policy_version()
                .policy_arn(&arn)
                .version_id(vid)
                .send()
                .await
                .api()
            {
                Ok(_) => {}
                Err(e) if e.not_found() => {}
                Err(e) => {
                    return Err(e.into_error(format!("deleting version {vid} of IAM Policy {arn}")))
                }
            }
        }
        match iam.delete_policy().policy_arn(&arn).send().await.api() {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting IAM Policy {arn}"))),
        }
    }

    fn import_hint(&self) -> String {
        "aws_iam_policy is imported by policy ARN, e.g. arn:aws:iam::123456789012:policy/name."
            .into()
    }
}
