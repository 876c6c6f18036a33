//! Data sources that look up existing EC2 networking objects: `aws_vpc`,
//! `aws_subnets` and `aws_security_group`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::object;
use crate::config::AwsClients;
use crate::data::{filter_block, filters_of};
use crate::ec2::tag_map;
use crate::error::SdkResultExt;
use crate::resource::DataSource;
use crate::util::{bool_of, entries, map_of, nonempty_str, opt_sv, str_list, str_map, sv};

/// `tag:KEY = VALUE` filters for a `tags` argument.
fn tag_filters(config: &Value) -> Vec<Filter> {
    map_of(config, "tags")
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| Filter::builder().name(format!("tag:{k}")).values(v).build())
        .collect()
}

fn eq_filter(name: &str, value: Option<String>) -> Option<Filter> {
    value.map(|v| Filter::builder().name(name).values(v).build())
}

/// Terraform's errors for a singular lookup that found no or several
/// objects.
fn none_found(what: &str) -> ProviderError {
    ProviderError::new(
        format!("no matching {what} found"),
        format!("no matching {what} found"),
    )
    .with_hint("Check the filters and tags: nothing in this account and region matches them.")
}

/// The one object a lookup must find, or Terraform's error for none or
/// several.
fn exactly_one<'a, T>(items: &'a [T], what: &str) -> Result<&'a T, ProviderError> {
    match items {
        [one] => Ok(one),
        [] => Err(none_found(what)),
        _ => Err(several_found(what, items.len())),
    }
}

fn several_found(what: &str, n: usize) -> ProviderError {
    ProviderError::new(
        format!("multiple {what}s matched; use additional constraints to reduce matches to a single {what}"),
        format!("{n} {what}s match the lookup; it must match exactly one."),
    )
    .with_hint("Add an id, a filter block or tags that only one of them has.")
}

fn tags_value(tags: Option<&[aws_sdk_ec2::types::Tag]>) -> Value {
    let m: BTreeMap<String, String> = tag_map(tags)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("aws:"))
        .collect();
    str_map(&m)
}

// ---- aws_vpc -------------------------------------------------------------------

pub(crate) struct VpcData;

#[async_trait]
impl DataSource for VpcData {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> Schema {
        let assoc = Type::object(
            ["association_id", "cidr_block", "state"]
                .into_iter()
                .map(|k| (k.to_string(), Type::String))
                .collect(),
        );
        Schema::new("Looks up one VPC.")
            .attr("id", A::optional_computed(Type::String, "ID of the VPC."))
            .attr("arn", A::computed(Type::String, "ARN of the VPC."))
            .attr(
                "cidr_block",
                A::optional_computed(Type::String, "Primary IPv4 CIDR block of the VPC."),
            )
            .attr(
                "cidr_block_associations",
                A::computed(
                    Type::list(assoc),
                    "IPv4 CIDR blocks associated with the VPC.",
                ),
            )
            .attr(
                "default",
                A::optional_computed(Type::Bool, "Whether the VPC is the region's default VPC."),
            )
            .attr(
                "dhcp_options_id",
                A::optional_computed(Type::String, "DHCP options set of the VPC."),
            )
            .attr(
                "enable_dns_hostnames",
                A::computed(Type::Bool, "Whether instances get DNS hostnames."),
            )
            .attr(
                "enable_dns_support",
                A::computed(Type::Bool, "Whether DNS resolution is supported."),
            )
            .attr(
                "enable_network_address_usage_metrics",
                A::computed(
                    Type::Bool,
                    "Whether Network Address Usage metrics are enabled.",
                ),
            )
            .attr(
                "instance_tenancy",
                A::computed(Type::String, "Tenancy of instances launched into the VPC."),
            )
            .attr(
                "ipv6_association_id",
                A::computed(Type::String, "Association ID of the IPv6 CIDR block."),
            )
            .attr(
                "ipv6_cidr_block",
                A::computed(Type::String, "IPv6 CIDR block of the VPC."),
            )
            .attr(
                "main_route_table_id",
                A::computed(Type::String, "ID of the VPC's main route table."),
            )
            .attr(
                "owner_id",
                A::computed(Type::String, "ID of the AWS account that owns the VPC."),
            )
            .attr(
                "state",
                A::optional_computed(Type::String, "State of the VPC: pending or available."),
            )
            .attr(
                "tags",
                A::optional_computed(
                    Type::map(Type::String),
                    "Tags the VPC must have; all its tags once read.",
                ),
            )
            .block("filter", filter_block())
            .block("timeouts", crate::util::timeouts_block(&["read"]))
    }

    async fn read(
        &self,
        aws: &AwsClients,
        _schema: &Schema,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let mut filters: Vec<Filter> = [
            eq_filter("cidr", nonempty_str(config, "cidr_block")),
            eq_filter("dhcp-options-id", nonempty_str(config, "dhcp_options_id")),
            eq_filter(
                "isDefault",
                bool_of(config, "default").map(|b| b.to_string()),
            ),
            eq_filter("state", nonempty_str(config, "state")),
        ]
        .into_iter()
        .flatten()
        .collect();
        filters.extend(tag_filters(config));
        filters.extend(filters_of(config));
        let mut req = aws.ec2().describe_vpcs();
        if let Some(id) = nonempty_str(config, "id") {
            req = req.vpc_ids(id);
        }
        if !filters.is_empty() {
            req = req.set_filters(Some(filters));
        }
        let vpcs = match req.send().await.api() {
            Ok(o) => o.vpcs.unwrap_or_default(),
            // Looking up a VPC ID that does not exist finds nothing.
            Err(e) if e.not_found() => Vec::new(),
            Err(e) => return Err(e.into_error("reading EC2 VPCs")),
        };
        let vpc = exactly_one(&vpcs, "EC2 VPC")?;
        let id = vpc.vpc_id.clone().unwrap_or_default();
        let owner = vpc.owner_id.clone().unwrap_or_default();
        let ec2 = aws.ec2();
        let attr = |name: VpcAttributeName| {
            let id = id.clone();
            let ec2 = ec2.clone();
            async move {
                ec2.describe_vpc_attribute()
                    .vpc_id(&id)
                    .attribute(name.clone())
                    .send()
                    .await
                    .ctx(format!(
                        "reading EC2 VPC ({id}) attribute {}",
                        name.as_str()
                    ))
            }
        };
        let hostnames = attr(VpcAttributeName::EnableDnsHostnames)
            .await?
            .enable_dns_hostnames
            .and_then(|b| b.value)
            .unwrap_or(false);
        let support = attr(VpcAttributeName::EnableDnsSupport)
            .await?
            .enable_dns_support
            .and_then(|b| b.value)
            .unwrap_or(false);
        // Not every API implementation knows this newer attribute.
        let metrics = match ec2
            .describe_vpc_attribute()
            .vpc_id(&id)
            .attribute(VpcAttributeName::EnableNetworkAddressUsageMetrics)
            .send()
            .await
            .api()
        {
            Ok(o) => o
                .enable_network_address_usage_metrics
                .and_then(|b| b.value)
                .unwrap_or(false),
            Err(e) if e.status.is_some_and(|s| s >= 500) || e.is("InvalidParameterValue") => false,
            Err(e) => {
                return Err(e.into_error(format!(
                    "reading EC2 VPC ({id}) attribute enableNetworkAddressUsageMetrics"
                )))
            }
        };
        let main_rt = ec2
            .describe_route_tables()
            .filters(Filter::builder().name("vpc-id").values(&id).build())
            .filters(
                Filter::builder()
                    .name("association.main")
                    .values("true")
                    .build(),
            )
            .send()
            .await
            .ctx(format!("reading the main route table of EC2 VPC ({id})"))?
            .route_tables
            .unwrap_or_default()
            .into_iter()
            .find_map(|r| r.route_table_id);
        let assocs: Vec<Value> = vpc
            .cidr_block_association_set
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|a| {
                object(vec![
                    (
                        "association_id",
                        sv(a.association_id.as_deref().unwrap_or_default()),
                    ),
                    (
                        "cidr_block",
                        sv(a.cidr_block.as_deref().unwrap_or_default()),
                    ),
                    (
                        "state",
                        sv(a.cidr_block_state
                            .as_ref()
                            .and_then(|s| s.state.as_ref())
                            .map(|s| s.as_str())
                            .unwrap_or_default()),
                    ),
                ])
            })
            .collect();
        let assoc_type = Type::object(
            ["association_id", "cidr_block", "state"]
                .into_iter()
                .map(|k| (k.to_string(), Type::String))
                .collect(),
        );
        let ipv6 = vpc
            .ipv6_cidr_block_association_set
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find(|a| {
                a.ipv6_cidr_block_state
                    .as_ref()
                    .and_then(|s| s.state.as_ref())
                    .is_some_and(|s| s.as_str() == "associated")
            });
        let mut m = entries(config);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(aws.arn("ec2", &aws.region, &owner, &format!("vpc/{id}"))),
        );
        m.insert("cidr_block".into(), opt_sv(vpc.cidr_block.as_deref()));
        m.insert(
            "cidr_block_associations".into(),
            Value::list(assoc_type, assocs),
        );
        m.insert(
            "default".into(),
            Value::bool(vpc.is_default.unwrap_or(false)),
        );
        m.insert(
            "dhcp_options_id".into(),
            opt_sv(vpc.dhcp_options_id.as_deref()),
        );
        m.insert("enable_dns_hostnames".into(), Value::bool(hostnames));
        m.insert("enable_dns_support".into(), Value::bool(support));
        m.insert(
            "enable_network_address_usage_metrics".into(),
            Value::bool(metrics),
        );
        m.insert(
            "instance_tenancy".into(),
            opt_sv(vpc.instance_tenancy.as_ref().map(|t| t.as_str())),
        );
        m.insert(
            "ipv6_association_id".into(),
            sv(ipv6
                .and_then(|a| a.association_id.as_deref())
                .unwrap_or_default()),
        );
        m.insert(
            "ipv6_cidr_block".into(),
            sv(ipv6
                .and_then(|a| a.ipv6_cidr_block.as_deref())
                .unwrap_or_default()),
        );
        m.insert(
            "main_route_table_id".into(),
            sv(main_rt.unwrap_or_default()),
        );
        m.insert("owner_id".into(), sv(&owner));
        m.insert(
            "state".into(),
            opt_sv(vpc.state.as_ref().map(|s| s.as_str())),
        );
        m.insert("tags".into(), tags_value(vpc.tags.as_deref()));
        Ok(Value::object(m))
    }
}

// ---- aws_subnets ---------------------------------------------------------------

pub(crate) struct SubnetsData;

#[async_trait]
impl DataSource for SubnetsData {
    fn type_name(&self) -> &'static str {
        "aws_subnets"
    }

    fn schema(&self) -> Schema {
        Schema::new("Looks up the IDs of the subnets that match filters and tags.")
            .attr("id", A::computed(Type::String, "The region."))
            .attr(
                "ids",
                A::computed(Type::list(Type::String), "IDs of the matching subnets."),
            )
            .attr(
                "tags",
                A::optional(Type::map(Type::String), "Tags the subnets must have."),
            )
            .block("filter", filter_block())
            .block("timeouts", crate::util::timeouts_block(&["read"]))
    }

    async fn read(
        &self,
        aws: &AwsClients,
        _schema: &Schema,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let mut filters = tag_filters(config);
        filters.extend(filters_of(config));
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = aws.ec2().describe_subnets().set_next_token(token.take());
            if !filters.is_empty() {
                req = req.set_filters(Some(filters.clone()));
            }
            let out = req.send().await.ctx("reading EC2 Subnets")?;
            ids.extend(
                out.subnets
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|s| s.subnet_id),
            );
            match out.next_token.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        // No match is an empty list, not an error, as in Terraform.
        let mut m = entries(config);
        m.insert("id".into(), sv(&aws.region));
        m.insert("ids".into(), str_list(ids));
        Ok(Value::object(m))
    }
}

// ---- aws_security_group --------------------------------------------------------

pub(crate) struct SecurityGroupData;

#[async_trait]
impl DataSource for SecurityGroupData {
    fn type_name(&self) -> &'static str {
        "aws_security_group"
    }

    fn schema(&self) -> Schema {
        Schema::new("Looks up one security group.")
            .attr(
                "id",
                A::optional_computed(Type::String, "ID of the security group."),
            )
            .attr(
                "arn",
                A::computed(Type::String, "ARN of the security group."),
            )
            .attr(
                "description",
                A::computed(Type::String, "Description of the security group."),
            )
            .attr(
                "name",
                A::optional_computed(Type::String, "Name of the security group."),
            )
            .attr(
                "vpc_id",
                A::optional_computed(Type::String, "ID of the VPC the group belongs to."),
            )
            .attr(
                "tags",
                A::optional_computed(
                    Type::map(Type::String),
                    "Tags the group must have; all its tags once read.",
                ),
            )
            .block("filter", filter_block())
            .block("timeouts", crate::util::timeouts_block(&["read"]))
    }

    async fn read(
        &self,
        aws: &AwsClients,
        _schema: &Schema,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let mut filters: Vec<Filter> = [
            eq_filter("group-name", nonempty_str(config, "name")),
            eq_filter("vpc-id", nonempty_str(config, "vpc_id")),
        ]
        .into_iter()
        .flatten()
        .collect();
        filters.extend(tag_filters(config));
        filters.extend(filters_of(config));
        let mut req = aws.ec2().describe_security_groups();
        if let Some(id) = nonempty_str(config, "id") {
            req = req.group_ids(id);
        }
        if !filters.is_empty() {
            req = req.set_filters(Some(filters));
        }
        let groups = match req.send().await.api() {
            Ok(o) => o.security_groups.unwrap_or_default(),
            Err(e) if e.not_found() => Vec::new(),
            Err(e) => return Err(e.into_error("reading EC2 Security Groups")),
        };
        let g = exactly_one(&groups, "EC2 Security Group")?;
        let id = g.group_id.clone().unwrap_or_default();
        let owner = g.owner_id.clone().unwrap_or_default();
        let mut m = entries(config);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(g.security_group_arn.clone().unwrap_or_else(|| {
                aws.arn("ec2", &aws.region, &owner, &format!("security-group/{id}"))
            })),
        );
        m.insert("description".into(), opt_sv(g.description.as_deref()));
        m.insert("name".into(), opt_sv(g.group_name.as_deref()));
        m.insert("vpc_id".into(), opt_sv(g.vpc_id.as_deref()));
        m.insert("tags".into(), tags_value(g.tags.as_deref()));
        Ok(Value::object(m))
    }
}
