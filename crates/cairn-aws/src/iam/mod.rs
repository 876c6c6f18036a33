//! IAM resource types. IAM is global and eventually consistent: writes
//! are retried while a just-created principal is not yet visible, and
//! reads after a write retry while the object is not found.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_iam::types::Tag;
use cairn_provider::ProviderError;
use cairn_value::Value;
use percent_encoding::percent_decode_str;

use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::policy::{check_policy_json, policy_equivalent};
use crate::resource::Resource;
use crate::util::{str_of, sv};

mod attachment;
mod instance_profile;
mod policy;
mod role;
mod role_policy;

pub(crate) fn resources() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(role::Role),
        Arc::new(policy::Policy),
        Arc::new(attachment::RolePolicyAttachment),
        Arc::new(role_policy::RolePolicy),
        Arc::new(instance_profile::InstanceProfile),
    ]
}

pub(crate) fn iam_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

pub(crate) fn tag_map(tags: Option<&[Tag]>) -> BTreeMap<String, String> {
    tags.unwrap_or_default()
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

/// IAM returns policy documents URL-encoded.
pub(crate) fn decode_document(doc: &str) -> String {
    percent_decode_str(doc).decode_utf8_lossy().into_owned()
}

/// The document to keep in state: the prior one when the API's means the
/// same (so reformatting is not a diff), otherwise the API's.
pub(crate) fn document_to_state(prior: Option<&str>, remote: &str) -> Value {
    match prior {
        Some(p) if policy_equivalent(p, remote) => sv(p),
        _ => sv(remote),
    }
}

/// Replaces a configured policy document with the prior state's when they
/// mean the same, and rejects documents that are not JSON objects.
pub(crate) fn normalize_document(
    prior: Option<&Value>,
    config: Value,
    attr: &str,
) -> Result<Value, ProviderError> {
    let Some(doc) = str_of(&config, attr) else {
        return Ok(config);
    };
    if let Err(e) = check_policy_json(&doc) {
        return Err(ProviderError::new(
            format!("Invalid JSON in {attr}"),
            format!("{attr} is not a valid policy document: {e}."),
        )
        .with_hint("Write it with jsonencode({...}) or data.aws_iam_policy_document.NAME.json."));
    }
    if let Some(p) = prior.and_then(|p| str_of(p, attr)) {
        if p != doc && policy_equivalent(&p, &doc) {
            let mut m = crate::util::entries(&config);
            m.insert(attr.to_string(), sv(p));
            return Ok(Value::object(m).mark(config.sensitive));
        }
    }
    Ok(config)
}

/// All managed policy ARNs attached to a role.
pub(crate) async fn attached_policies(
    aws: &AwsClients,
    role: &str,
) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .iam()
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
            .api()?;
        out.extend(
            page.attached_policies
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.policy_arn),
        );
        if !page.is_truncated {
            return Ok(out);
        }
        marker = page.marker;
        if marker.is_none() {
            return Ok(out);
        }
    }
}

/// Names of all inline policies of a role.
pub(crate) async fn inline_policy_names(
    aws: &AwsClients,
    role: &str,
) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .iam()
            .list_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
            .api()?;
        out.extend(page.policy_names);
        if !page.is_truncated {
            return Ok(out);
        }
        marker = page.marker;
        if marker.is_none() {
            return Ok(out);
        }
    }
}
