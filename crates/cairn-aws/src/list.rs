//! Listing: every object of a resource type in the provider's account and
//! region, for `cairn drift --unmanaged`. Each listed `id` is the ID the
//! type's state holds, so the caller can tell which objects no state
//! manages.
//!
//! Objects AWS makes by itself are left out, since no configuration could
//! own them in a useful sense: the default VPC with its default subnets
//! and internet gateway, default security groups, main route tables,
//! default network ACLs, service-linked roles, AWS managed KMS keys and
//! their `alias/aws/*` aliases, secrets owned by another service, and
//! volumes that live and die with their instance.
//!
//! Every call follows the API's page tokens to the end, asking for the
//! largest page the API allows where it has a limit.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{
    Filter, InstanceStateName, NatGatewayState, Tag, VolumeAttachmentState, VolumeState,
};
use cairn_provider::{Listed, ProviderError};

use crate::config::AwsClients;
use crate::error::SdkResultExt;

/// The resource types [`list`] enumerates.
pub(crate) const LISTABLE: &[&str] = &[
    "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm",
    "aws_dynamodb_table",
    "aws_ebs_volume",
    "aws_eip",
    "aws_iam_instance_profile",
    "aws_iam_policy",
    "aws_iam_role",
    "aws_instance",
    "aws_internet_gateway",
    "aws_key_pair",
    "aws_kms_alias",
    "aws_kms_key",
    "aws_nat_gateway",
    "aws_network_acl",
    "aws_route_table",
    "aws_s3_bucket",
    "aws_secretsmanager_secret",
    "aws_security_group",
    "aws_sns_topic",
    "aws_ssm_parameter",
    "aws_subnet",
    "aws_vpc",
];

/// Lists `type_name`; `None` when the type is not listable.
pub(crate) async fn list(
    aws: &AwsClients,
    type_name: &str,
) -> Result<Option<Vec<Listed>>, ProviderError> {
    let mut out = match type_name {
        "aws_vpc" => vpcs(aws).await?,
        "aws_subnet" => subnets(aws).await?,
        "aws_security_group" => security_groups(aws).await?,
        "aws_internet_gateway" => internet_gateways(aws).await?,
        "aws_route_table" => route_tables(aws).await?,
        "aws_network_acl" => network_acls(aws).await?,
        "aws_eip" => eips(aws).await?,
        "aws_nat_gateway" => nat_gateways(aws).await?,
        "aws_instance" => instances(aws).await?,
        "aws_ebs_volume" => volumes(aws).await?,
        "aws_key_pair" => key_pairs(aws).await?,
        "aws_s3_bucket" => buckets(aws).await?,
        "aws_iam_role" => roles(aws).await?,
        "aws_iam_policy" => policies(aws).await?,
        "aws_iam_instance_profile" => instance_profiles(aws).await?,
        "aws_kms_key" => kms_keys(aws).await?,
        "aws_kms_alias" => kms_aliases(aws).await?,
        "aws_dynamodb_table" => tables(aws).await?,
        "aws_sns_topic" => topics(aws).await?,
        "aws_cloudwatch_log_group" => log_groups(aws).await?,
        "aws_cloudwatch_metric_alarm" => alarms(aws).await?,
        "aws_secretsmanager_secret" => secrets(aws).await?,
        "aws_ssm_parameter" => parameters(aws).await?,
        _ => return Ok(None),
    };
    out.sort();
    // A page boundary moving under a concurrent change can repeat an item.
    out.dedup_by(|a, b| a.id == b.id);
    Ok(Some(out))
}

/// The token of the next page: `None` at the end, and also when the API
/// hands back the token it was given (which would loop forever).
/// Every page of a listing: `fetch` gets the page token (none for the
/// first page) and returns the page's objects and the next token.
async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, ProviderError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), ProviderError>>,
{
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = fetch(token.clone()).await?;
        out.extend(items);
        match next_page(&token, next) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

fn next_page(given: &Option<String>, token: Option<String>) -> Option<String> {
    token.filter(|t| !t.is_empty() && given.as_deref() != Some(t.as_str()))
}

/// An object with an ID, named by its `Name` tag.
fn tagged(id: Option<String>, tags: Option<&[Tag]>) -> Option<Listed> {
    let id = id.filter(|i| !i.is_empty())?;
    let tags = crate::ec2::tag_map(tags);
    Some(Listed {
        id,
        name: tags.get("Name").cloned(),
        tags,
    })
}

/// An object known by its name (which is also its state ID).
fn named(id: String) -> Option<Listed> {
    (!id.is_empty()).then(|| Listed {
        name: Some(id.clone()),
        id,
        tags: BTreeMap::new(),
    })
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

// ---- EC2 --------------------------------------------------------------

async fn vpcs(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_vpcs()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 VPCs")?;
        out.extend(
            page.vpcs
                .unwrap_or_default()
                .into_iter()
                .filter(|v| v.is_default != Some(true))
                .filter_map(|v| tagged(v.vpc_id, v.tags.as_deref())),
        );
        Ok((out, page.next_token))
    })
    .await
}

/// The IDs of the region's default VPCs (one at most, in practice).
async fn default_vpcs(aws: &AwsClients) -> Result<BTreeSet<String>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_vpcs()
            .filters(filter("is-default", "true"))
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 default VPCs")?;
        out.extend(
            page.vpcs
                .unwrap_or_default()
                .into_iter()
                // The filter should do it; checked again in case an
                // endpoint ignores it.
                .filter(|v| v.is_default == Some(true))
                .filter_map(|v| v.vpc_id),
        );
        Ok((out, page.next_token))
    })
    .await
    .map(|all| all.into_iter().collect())
}

async fn subnets(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_subnets()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 subnets")?;
        out.extend(
            page.subnets
                .unwrap_or_default()
                .into_iter()
                // The default VPC's subnets, one per zone.
                .filter(|s| s.default_for_az != Some(true))
                .filter_map(|s| tagged(s.subnet_id, s.tags.as_deref())),
        );
        Ok((out, page.next_token))
    })
    .await
}

async fn security_groups(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_security_groups()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 security groups")?;
        for g in page.security_groups.unwrap_or_default() {
            // Every VPC's own group is called "default" (a name no other
            // group may take).
            if g.group_name.as_deref() == Some("default") {
                continue;
            }
            if let Some(mut l) = tagged(g.group_id, g.tags.as_deref()) {
                l.name = l.name.or(g.group_name);
                out.push(l);
            }
        }
        Ok((out, page.next_token))
    })
    .await
}

async fn internet_gateways(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    let defaults = &default_vpcs(aws).await?;
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_internet_gateways()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 internet gateways")?;
        for g in page.internet_gateways.unwrap_or_default() {
            // The default VPC's gateway came with it.
            let of_default = g
                .attachments()
                .iter()
                .any(|a| a.vpc_id().is_some_and(|v| defaults.contains(v)));
            if of_default {
                continue;
            }
            out.extend(tagged(g.internet_gateway_id, g.tags.as_deref()));
        }
        Ok((out, page.next_token))
    })
    .await
}

async fn route_tables(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_route_tables()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 route tables")?;
        for t in page.route_tables.unwrap_or_default() {
            // Every VPC's main table is made with the VPC.
            if t.associations().iter().any(|a| a.main == Some(true)) {
                continue;
            }
            out.extend(tagged(t.route_table_id, t.tags.as_deref()));
        }
        Ok((out, page.next_token))
    })
    .await
}

async fn network_acls(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_network_acls()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 network ACLs")?;
        out.extend(
            page.network_acls
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a.is_default != Some(true))
                .filter_map(|a| tagged(a.network_acl_id, a.tags.as_deref())),
        );
        Ok((out, page.next_token))
    })
    .await
}

async fn eips(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    // DescribeAddresses has no pages: one answer holds them all.
    let out = aws
        .ec2()
        .describe_addresses()
        .send()
        .await
        .ctx("listing EC2 elastic IPs")?;
    Ok(out
        .addresses
        .unwrap_or_default()
        .into_iter()
        // Addresses a service holds for itself (a load balancer's) cannot
        // be managed; EC2-Classic addresses have no allocation ID.
        .filter(|a| a.service_managed.is_none())
        .filter_map(|a| {
            let mut l = tagged(a.allocation_id, a.tags.as_deref())?;
            l.name = l.name.or(a.public_ip);
            Some(l)
        })
        .collect())
}

async fn nat_gateways(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_nat_gateways()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 NAT gateways")?;
        out.extend(
            page.nat_gateways
                .unwrap_or_default()
                .into_iter()
                // Deleted gateways stay visible for about an hour.
                .filter(|g| {
                    !matches!(
                        g.state,
                        Some(NatGatewayState::Deleted | NatGatewayState::Deleting)
                    )
                })
                .filter_map(|g| tagged(g.nat_gateway_id, g.tags.as_deref())),
        );
        Ok((out, page.next_token))
    })
    .await
}

async fn instances(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_instances()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 instances")?;
        for r in page.reservations.unwrap_or_default() {
            out.extend(
                r.instances
                    .unwrap_or_default()
                    .into_iter()
                    // Terminated instances stay visible for about an hour.
                    .filter(|i| {
                        !matches!(
                            i.state.as_ref().and_then(|s| s.name.as_ref()),
                            Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
                        )
                    })
                    .filter_map(|i| tagged(i.instance_id, i.tags.as_deref())),
            );
        }
        Ok((out, page.next_token))
    })
    .await
}

/// Volumes an instance's block device mapping deletes with it.
async fn instance_volumes(aws: &AwsClients) -> Result<BTreeSet<String>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_instances()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 instances' volumes")?;
        for r in page.reservations.unwrap_or_default() {
            for i in r.instances.unwrap_or_default() {
                for m in i.block_device_mappings.unwrap_or_default() {
                    if let Some(ebs) = m.ebs.filter(|e| e.delete_on_termination == Some(true)) {
                        out.extend(ebs.volume_id);
                    }
                }
            }
        }
        Ok((out, page.next_token))
    })
    .await
    .map(|all| all.into_iter().collect())
}

async fn volumes(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    // The volumes' own attachments say the same, but not every endpoint
    // reports it there (moto does not).
    let of_instances = &instance_volumes(aws).await?;
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ec2()
            .describe_volumes()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing EC2 volumes")?;
        for v in page.volumes.unwrap_or_default() {
            if matches!(v.state, Some(VolumeState::Deleting | VolumeState::Deleted)) {
                continue;
            }
            // A volume deleted on termination is part of its instance (a
            // root or block device of aws_instance), not a volume of its
            // own.
            let part_of_instance = v
                .volume_id
                .as_ref()
                .is_some_and(|id| of_instances.contains(id))
                || v.attachments().iter().any(|a| {
                    a.delete_on_termination == Some(true)
                        && !matches!(a.state, Some(VolumeAttachmentState::Detached))
                });
            if part_of_instance {
                continue;
            }
            out.extend(tagged(v.volume_id, v.tags.as_deref()));
        }
        Ok((out, page.next_token))
    })
    .await
}

async fn key_pairs(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    // DescribeKeyPairs has no pages.
    let out = aws
        .ec2()
        .describe_key_pairs()
        .send()
        .await
        .ctx("listing EC2 key pairs")?;
    Ok(out
        .key_pairs
        .unwrap_or_default()
        .into_iter()
        .filter_map(|k| {
            // aws_key_pair's ID is the key's name.
            let mut l = tagged(k.key_name.clone(), k.tags.as_deref())?;
            l.name = k.key_name;
            Some(l)
        })
        .collect())
}

// ---- S3 ---------------------------------------------------------------

async fn buckets(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        // Buckets are global to the account: only this region's count.
        let page = aws
            .s3()
            .list_buckets()
            .bucket_region(&aws.region)
            .set_continuation_token(token)
            .send()
            .await
            .ctx("listing S3 buckets")?;
        out.extend(
            page.buckets
                .unwrap_or_default()
                .into_iter()
                // Checked again in case an endpoint ignores the filter.
                .filter(|b| b.bucket_region.as_deref().is_none_or(|r| r == aws.region))
                .filter_map(|b| named(b.name?)),
        );
        Ok((out, page.continuation_token))
    })
    .await
}

// ---- IAM --------------------------------------------------------------

/// Paths of roles AWS makes and manages itself.
fn aws_owned_path(path: &str) -> bool {
    path.starts_with("/aws-service-role/") || path.starts_with("/aws-reserved/")
}

async fn roles(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .iam()
            .list_roles()
            .max_items(1000)
            .set_marker(marker.clone())
            .send()
            .await
            .ctx("listing IAM roles")?;
        out.extend(
            page.roles
                .into_iter()
                .filter(|r| !aws_owned_path(&r.path))
                .filter_map(|r| named(r.role_name)),
        );
        if !page.is_truncated {
            return Ok(out);
        }
        match next_page(&marker, page.marker) {
            Some(m) => marker = Some(m),
            None => return Ok(out),
        }
    }
}

async fn policies(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .iam()
            .list_policies()
            // The account's own policies, not AWS managed ones.
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .max_items(1000)
            .set_marker(marker.clone())
            .send()
            .await
            .ctx("listing IAM policies")?;
        out.extend(
            page.policies
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| {
                    Some(Listed {
                        id: p.arn.filter(|a| !a.is_empty())?,
                        name: p.policy_name,
                        tags: BTreeMap::new(),
                    })
                }),
        );
        if !page.is_truncated {
            return Ok(out);
        }
        match next_page(&marker, page.marker) {
            Some(m) => marker = Some(m),
            None => return Ok(out),
        }
    }
}

async fn instance_profiles(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .iam()
            .list_instance_profiles()
            .max_items(1000)
            .set_marker(marker.clone())
            .send()
            .await
            .ctx("listing IAM instance profiles")?;
        out.extend(
            page.instance_profiles
                .into_iter()
                .filter(|p| !aws_owned_path(&p.path))
                .filter_map(|p| named(p.instance_profile_name)),
        );
        if !page.is_truncated {
            return Ok(out);
        }
        match next_page(&marker, page.marker) {
            Some(m) => marker = Some(m),
            None => return Ok(out),
        }
    }
}

// ---- KMS --------------------------------------------------------------

async fn kms_keys(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    use aws_sdk_kms::types::{KeyManagerType, KeyState};
    let mut ids = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .kms()
            .list_keys()
            .limit(1000)
            .set_marker(marker.clone())
            .send()
            .await
            .ctx("listing KMS keys")?;
        ids.extend(
            page.keys
                .unwrap_or_default()
                .into_iter()
                .filter_map(|k| k.key_id),
        );
        if !page.truncated {
            break;
        }
        match next_page(&marker, page.next_marker) {
            Some(m) => marker = Some(m),
            None => break,
        }
    }
    // ListKeys says nothing of who manages a key or whether it is being
    // deleted: DescribeKey does.
    let mut out = Vec::new();
    for id in ids {
        let meta = match aws.kms().describe_key().key_id(&id).send().await.api() {
            Ok(o) => o.key_metadata,
            // Deleted between the two calls.
            Err(e) if e.not_found() => continue,
            Err(e) => return Err(e.into_error(format!("reading KMS key {id}"))),
        };
        let Some(meta) = meta else { continue };
        if meta.key_manager != Some(KeyManagerType::Customer) {
            continue;
        }
        if matches!(
            meta.key_state,
            Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
        ) {
            continue;
        }
        out.push(Listed {
            id: meta.key_id,
            name: meta.description.filter(|d| !d.is_empty()),
            tags: BTreeMap::new(),
        });
    }
    Ok(out)
}

async fn kms_aliases(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .kms()
            .list_aliases()
            .limit(100)
            .set_marker(marker.clone())
            .send()
            .await
            .ctx("listing KMS aliases")?;
        out.extend(
            page.aliases
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| a.alias_name)
                // AWS managed keys' aliases.
                .filter(|n| !n.starts_with("alias/aws/"))
                .filter_map(named),
        );
        if !page.truncated {
            return Ok(out);
        }
        match next_page(&marker, page.next_marker) {
            Some(m) => marker = Some(m),
            None => return Ok(out),
        }
    }
}

// ---- DynamoDB, SNS, CloudWatch ----------------------------------------

async fn tables(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = aws
            .dynamodb()
            .list_tables()
            .set_exclusive_start_table_name(start.clone())
            .send()
            .await
            .ctx("listing DynamoDB tables")?;
        out.extend(
            page.table_names
                .unwrap_or_default()
                .into_iter()
                .filter_map(named),
        );
        match next_page(&start, page.last_evaluated_table_name) {
            Some(t) => start = Some(t),
            None => return Ok(out),
        }
    }
}

async fn topics(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .sns()
            .list_topics()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing SNS topics")?;
        out.extend(
            page.topics
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| t.topic_arn.filter(|a| !a.is_empty()))
                .map(|arn| Listed {
                    // The topic's name is the ARN's last part.
                    name: arn.rsplit(':').next().map(str::to_string),
                    id: arn,
                    tags: BTreeMap::new(),
                }),
        );
        Ok((out, page.next_token))
    })
    .await
}

async fn log_groups(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .logs()
            .describe_log_groups()
            .set_next_token(token)
            .send()
            .await
            .ctx("listing CloudWatch log groups")?;
        out.extend(
            page.log_groups
                .unwrap_or_default()
                .into_iter()
                .filter_map(|g| named(g.log_group_name?)),
        );
        Ok((out, page.next_token))
    })
    .await
}

async fn alarms(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        // Metric alarms only (the default): composite alarms are another
        // resource type.
        let page = aws
            .cloudwatch()
            .describe_alarms()
            .max_records(100)
            .set_next_token(token)
            .send()
            .await
            .ctx("listing CloudWatch metric alarms")?;
        out.extend(
            page.metric_alarms
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| named(a.alarm_name?)),
        );
        Ok((out, page.next_token))
    })
    .await
}

// ---- Secrets Manager, SSM ---------------------------------------------

async fn secrets(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        // Secrets scheduled for deletion are left out by default.
        let page = aws
            .secretsmanager()
            .list_secrets()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .ctx("listing Secrets Manager secrets")?;
        for s in page.secret_list.unwrap_or_default() {
            // A secret another service keeps (an RDS master password) is
            // that service's, and one being deleted is on its way out.
            if s.owning_service.is_some() || s.deleted_date.is_some() {
                continue;
            }
            let Some(arn) = s.arn.filter(|a| !a.is_empty()) else {
                continue;
            };
            let tags = s
                .tags
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
                .collect();
            out.push(Listed {
                id: arn,
                name: s.name,
                tags,
            });
        }
        Ok((out, page.next_token))
    })
    .await
}

async fn parameters(aws: &AwsClients) -> Result<Vec<Listed>, ProviderError> {
    all_pages(|token| async move {
        let mut out = Vec::new();
        let page = aws
            .ssm()
            .describe_parameters()
            .max_results(50)
            .set_next_token(token)
            .send()
            .await
            .ctx("listing SSM parameters")?;
        out.extend(
            page.parameters
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| named(p.name?)),
        );
        Ok((out, page.next_token))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_stops_at_the_end_and_on_a_repeated_token() {
        assert_eq!(next_page(&None, None), None);
        assert_eq!(next_page(&None, Some(String::new())), None);
        assert_eq!(next_page(&None, Some("a".into())), Some("a".into()));
        assert_eq!(next_page(&Some("a".into()), Some("a".into())), None);
        assert_eq!(
            next_page(&Some("a".into()), Some("b".into())),
            Some("b".into())
        );
    }

    #[test]
    fn aws_owned_paths() {
        assert!(aws_owned_path("/aws-service-role/ecs.amazonaws.com/"));
        assert!(aws_owned_path("/aws-reserved/sso.amazonaws.com/"));
        assert!(!aws_owned_path("/"));
        assert!(!aws_owned_path("/app/"));
    }

    #[test]
    fn listable_is_sorted_and_known() {
        let mut sorted = LISTABLE.to_vec();
        sorted.sort();
        assert_eq!(sorted, LISTABLE);
        let names: Vec<&str> = crate::resources().iter().map(|r| r.type_name()).collect();
        for t in LISTABLE {
            assert!(names.contains(t), "{t} is not a resource type");
        }
    }

    #[test]
    fn named_and_tagged_need_an_id() {
        assert!(named(String::new()).is_none());
        assert!(tagged(None, None).is_none());
        let t = [Tag::builder().key("Name").value("web").build()];
        let l = tagged(Some("i-1".into()), Some(&t)).expect("listed");
        assert_eq!(l.name.as_deref(), Some("web"));
        assert_eq!(l.tags.get("Name").map(String::as_str), Some("web"));
    }
}
