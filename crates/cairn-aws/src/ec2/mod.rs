//! EC2/VPC resource types.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Tag, TagSpecification};
use cairn_provider::{ProviderError, Schema};
use cairn_value::Value;

use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::map_of;

mod acl;
mod igw;
mod routing;
mod security_group;
mod subnet;
mod vpc;

pub(crate) fn resources() -> Vec<Arc<dyn Resource>> {
    let mut out: Vec<Arc<dyn Resource>> = vec![
        Arc::new(vpc::Vpc),
        Arc::new(subnet::Subnet),
        Arc::new(igw::InternetGateway),
        Arc::new(security_group::SecurityGroup),
    ];
    out.extend(routing::resources());
    out.extend(acl::resources());
    out
}

/// Tags applied at creation, so the object is never untagged (tag-based
/// IAM conditions and cost allocation see them from the start).
pub(crate) fn tag_spec(
    rt: ResourceType,
    tags: &BTreeMap<String, String>,
) -> Option<TagSpecification> {
    if tags.is_empty() {
        return None;
    }
    Some(
        TagSpecification::builder()
            .resource_type(rt)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .build(),
    )
}

pub(crate) fn tag_map(tags: Option<&[Tag]>) -> BTreeMap<String, String> {
    tags.unwrap_or_default()
        .iter()
        .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
        .collect()
}

pub(crate) fn flag(b: bool) -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(b).build()
}

/// Brings the object's tags from the prior `tags_all` to the planned one
/// with CreateTags/DeleteTags.
pub(crate) async fn sync_tags(
    aws: &AwsClients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let old = map_of(prior, "tags_all").unwrap_or_default();
    let new = tags::to_apply(aws, planned);
    sync_tag_maps(aws, id, id, &old, &new).await
}

/// Brings object `id`'s tags from `old` to `new` with CreateTags and
/// DeleteTags; `what` names the object in errors.
pub(crate) async fn sync_tag_maps(
    aws: &AwsClients,
    id: &str,
    what: &str,
    old: &std::collections::BTreeMap<String, String>,
    new: &std::collections::BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    tags::sync(
        old,
        new,
        |remove| async move {
            aws.ec2()
                .delete_tags()
                .resources(id)
                .set_tags(Some(
                    remove
                        .iter()
                        .map(|k| Tag::builder().key(k).build())
                        .collect(),
                ))
                .send()
                .await
                .ctx(format!("removing tags from {what}"))
        },
        |set| async move {
            aws.ec2()
                .create_tags()
                .resources(id)
                .set_tags(Some(
                    set.iter()
                        .map(|(k, v)| Tag::builder().key(k).value(v).build())
                        .collect(),
                ))
                .send()
                .await
                .ctx(format!("tagging {what}"))
        },
    )
    .await
}

/// How long a delete retries while other objects still depend on this
/// one (ENIs of deleted load balancers and Lambdas linger for minutes).
pub(crate) const DELETE_TIMEOUT: Duration = Duration::from_secs(300);

/// Calls `f` until it succeeds or fails with something other than
/// `DependencyViolation`, for at most [`DELETE_TIMEOUT`]. Not found is
/// success: the object is already gone.
pub(crate) async fn delete_retrying<F, Fut>(what: &str, mut f: F) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    let deadline = std::time::Instant::now() + DELETE_TIMEOUT;
    let mut delay = Duration::from_secs(1);
    loop {
        match f().await {
            Ok(()) => return Ok(()),
            Err(e) if e.not_found() => return Ok(()),
            Err(e)
                if e.is_any(&["DependencyViolation", "InvalidGroup.InUse"])
                    && std::time::Instant::now() + delay < deadline =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(15));
            }
            Err(e) => return Err(e.into_error(format!("deleting {what}"))),
        }
    }
}

/// Checks an IPv4 CIDR block: a network address (no host bits set) with
/// a prefix length in `lengths`.
pub(crate) fn check_ipv4_cidr(
    attr: &str,
    cidr: &str,
    lengths: std::ops::RangeInclusive<u8>,
) -> Option<cairn_diagnostics::Diagnostic> {
    let problem = match cidr.parse::<ipnet::Ipv4Net>() {
        Err(_) => format!("{cidr:?} is not an IPv4 CIDR block such as \"10.0.0.0/16\""),
        Ok(n) if n.trunc() != n => format!(
            "{cidr:?} has host bits set; the network address is \"{}\"",
            n.trunc()
        ),
        Ok(n) if !lengths.contains(&n.prefix_len()) => format!(
            "{cidr:?} has prefix length /{}; it must be between /{} and /{}",
            n.prefix_len(),
            lengths.start(),
            lengths.end()
        ),
        Ok(_) => return None,
    };
    Some(cairn_diagnostics::Diagnostic::error(
        format!("Invalid {attr}"),
        format!("{problem}."),
    ))
}

/// Checks an IPv6 CIDR block is a network address.
pub(crate) fn check_ipv6_cidr(attr: &str, cidr: &str) -> Option<cairn_diagnostics::Diagnostic> {
    let problem = match cidr.parse::<ipnet::Ipv6Net>() {
        Err(_) => format!("{cidr:?} is not an IPv6 CIDR block such as \"2001:db8::/56\""),
        Ok(n) if n.trunc() != n => format!(
            "{cidr:?} has host bits set; the network address is \"{}\"",
            n.trunc()
        ),
        Ok(_) => return None,
    };
    Some(cairn_diagnostics::Diagnostic::error(
        format!("Invalid {attr}"),
        format!("{problem}."),
    ))
}

/// Shared schema helpers.
pub(crate) fn with_tags(s: Schema) -> Schema {
    s.attr("tags", tags::tags_attr())
        .attr("tags_all", tags::tags_all_attr())
}
