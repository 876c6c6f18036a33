//! `aws_vpc`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType, Tenancy, VpcAttributeName, VpcState, VpcTenancy};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{PathStep, Type, Value};

use super::{delete_retrying, flag, sync_tags, tag_map, tag_spec, with_tags};
use crate::config::AwsClients;
use crate::error::{ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, i64_of, id_of, nonempty_str, opt_sv, read_new, str_of, sv, wait_for,
};

pub(crate) struct Vpc;

const TYPE: &str = "aws_vpc";

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[async_trait]
impl Resource for Vpc {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema_version(&self) -> u64 {
        1
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new("A VPC."))
            .attr("id", A::computed(Type::String, "ID of the VPC."))
            .attr("arn", A::computed(Type::String, "ARN of the VPC."))
            .attr(
                "cidr_block",
                A::optional_computed(Type::String, "IPv4 CIDR block of the VPC.").force_new(),
            )
            .attr(
                "instance_tenancy",
                A::optional(
                    Type::String,
                    "Tenancy of instances launched into the VPC: default or dedicated.",
                ),
            )
            .attr(
                "enable_dns_support",
                A::optional(
                    Type::Bool,
                    "Whether DNS resolution is supported; defaults to true.",
                ),
            )
            .attr(
                "enable_dns_hostnames",
                A::optional_computed(
                    Type::Bool,
                    "Whether instances get public DNS hostnames; defaults to false.",
                ),
            )
            .attr(
                "enable_network_address_usage_metrics",
                A::optional_computed(
                    Type::Bool,
                    "Whether Network Address Usage metrics are enabled.",
                ),
            )
            .attr(
                "assign_generated_ipv6_cidr_block",
                A::optional(
                    Type::Bool,
                    "Request an Amazon-provided /56 IPv6 CIDR block.",
                ),
            )
            .attr(
                "ipv4_ipam_pool_id",
                A::optional(Type::String, "IPAM pool to allocate the IPv4 CIDR from.").force_new(),
            )
            .attr(
                "ipv4_netmask_length",
                A::optional(
                    Type::Number,
                    "Netmask length of the IPv4 CIDR allocated from IPAM.",
                )
                .force_new(),
            )
            .attr(
                "ipv6_cidr_block",
                A::optional_computed(Type::String, "IPv6 CIDR block of the VPC."),
            )
            .attr(
                "ipv6_cidr_block_network_border_group",
                A::optional_computed(Type::String, "Network border group of the IPv6 CIDR."),
            )
            .attr(
                "ipv6_ipam_pool_id",
                A::optional(Type::String, "IPAM pool to allocate the IPv6 CIDR from."),
            )
            .attr(
                "ipv6_netmask_length",
                A::optional(
                    Type::Number,
                    "Netmask length of the IPv6 CIDR allocated from IPAM.",
                ),
            )
            .attr(
                "ipv6_association_id",
                A::computed(Type::String, "Association ID of the IPv6 CIDR block."),
            )
            .attr(
                "default_network_acl_id",
                A::computed(Type::String, "ID of the network ACL created with the VPC."),
            )
            .attr(
                "default_route_table_id",
                A::computed(Type::String, "ID of the route table created with the VPC."),
            )
            .attr(
                "default_security_group_id",
                A::computed(
                    Type::String,
                    "ID of the security group created with the VPC.",
                ),
            )
            .attr(
                "main_route_table_id",
                A::computed(Type::String, "ID of the main route table."),
            )
            .attr(
                "dhcp_options_id",
                A::computed(Type::String, "ID of the DHCP options set."),
            )
            .attr(
                "owner_id",
                A::computed(Type::String, "ID of the AWS account that owns the VPC."),
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("enable_dns_support", Value::bool(true)),
            ("instance_tenancy", sv("default")),
            ("assign_generated_ipv6_cidr_block", Value::bool(false)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        if !set("cidr_block") && !set("ipv4_ipam_pool_id") {
            out.push(
                Diagnostic::error(
                    "Missing required argument",
                    "aws_vpc needs cidr_block (or ipv4_ipam_pool_id to allocate one from IPAM).",
                )
                .with_hint("Add cidr_block = \"10.0.0.0/16\"."),
            );
        }
        if set("cidr_block") && set("ipv4_netmask_length") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "cidr_block and ipv4_netmask_length cannot both be set.",
            ));
        }
        if let Some(c) = str_of(config, "cidr_block") {
            out.extend(super::check_ipv4_cidr("cidr_block", &c, 16..=28));
        }
        match str_of(config, "instance_tenancy").as_deref() {
            None | Some("default" | "dedicated") => {}
            Some(t) => out.push(Diagnostic::error(
                "Invalid instance_tenancy",
                format!("instance_tenancy must be \"default\" or \"dedicated\", not {t:?}."),
            )),
        }
        out
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        _config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        // Tenancy can only be changed to default in place.
        if let Some(p) = prior {
            let old = str_of(p, "instance_tenancy");
            let new = str_of(&resp.planned, "instance_tenancy");
            if old != new && new.as_deref() == Some("dedicated") {
                resp.requires_replace
                    .push(vec![PathStep::Attr("instance_tenancy".into())]);
            }
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let ec2 = aws.ec2();
        let tags = tags::to_apply(aws, planned);
        let mut req = ec2
            .create_vpc()
            .set_cidr_block(nonempty_str(planned, "cidr_block"))
            .instance_tenancy(Tenancy::from(
                str_of(planned, "instance_tenancy")
                    .unwrap_or_else(|| "default".into())
                    .as_str(),
            ))
            .set_ipv4_ipam_pool_id(nonempty_str(planned, "ipv4_ipam_pool_id"))
            .set_ipv4_netmask_length(i64_of(planned, "ipv4_netmask_length").map(|n| n as i32))
            .set_ipv6_cidr_block(nonempty_str(planned, "ipv6_cidr_block"))
            .set_ipv6_ipam_pool_id(nonempty_str(planned, "ipv6_ipam_pool_id"))
            .set_ipv6_netmask_length(i64_of(planned, "ipv6_netmask_length").map(|n| n as i32))
            .set_ipv6_cidr_block_network_border_group(nonempty_str(
                planned,
                "ipv6_cidr_block_network_border_group",
            ))
            .set_tag_specifications(tag_spec(ResourceType::Vpc, &tags).map(|t| vec![t]));
        if bool_of(planned, "assign_generated_ipv6_cidr_block").unwrap_or(false) {
            req = req.amazon_provided_ipv6_cidr_block(true);
        }
        let out = req.send().await.ctx("creating EC2 VPC")?;
        let id = out.vpc.and_then(|v| v.vpc_id).ok_or_else(|| {
            ProviderError::new("creating EC2 VPC failed", "The API returned no VPC ID.")
        })?;

        // Wait until the VPC is available before changing its attributes.
        let available = wait_for(Duration::from_secs(300), || async {
            match ec2.describe_vpcs().vpc_ids(&id).send().await {
                Ok(o) => Ok(o
                    .vpcs
                    .unwrap_or_default()
                    .first()
                    .filter(|v| v.state == Some(VpcState::Available))
                    .map(|_| ())),
                Err(e) => {
                    let e = crate::error::ApiError::from_sdk(e);
                    if e.not_found() {
                        Ok(None)
                    } else {
                        Err(e.into_error(format!("waiting for EC2 VPC {id}")))
                    }
                }
            }
        })
        .await?;
        if available.is_none() {
            return Err(ProviderError::new(
                format!("EC2 VPC {id} did not become available"),
                "The VPC was created but did not reach the available state within 5 minutes.",
            ));
        }

        if bool_of(planned, "enable_dns_hostnames") == Some(true) {
            set_attr(aws, &id, VpcAttributeName::EnableDnsHostnames, true).await?;
        }
        if bool_of(planned, "enable_dns_support") == Some(false) {
            set_attr(aws, &id, VpcAttributeName::EnableDnsSupport, false).await?;
        }
        if bool_of(planned, "enable_network_address_usage_metrics") == Some(true) {
            set_attr(
                aws,
                &id,
                VpcAttributeName::EnableNetworkAddressUsageMetrics,
                true,
            )
            .await?;
        }

        let seed = crate::util::with_defaults(planned, &[("id", sv(&id))]);
        let seed = cairn_provider::with_attrs(&seed, [("id", sv(&id))]);
        read_new("EC2 VPC", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let ec2 = aws.ec2();
        let vpc = match ec2.describe_vpcs().vpc_ids(&id).send().await.api() {
            Ok(o) => match o.vpcs.unwrap_or_default().into_iter().next() {
                Some(v) => v,
                None => return Ok(None),
            },
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading EC2 VPC {id}"))),
        };
        let attr = |name: VpcAttributeName| {
            let id = id.clone();
            async move {
                let o = ec2
                    .describe_vpc_attribute()
                    .vpc_id(&id)
                    .attribute(name.clone())
                    .send()
                    .await
                    .ctx(format!("reading EC2 VPC {id} attribute {}", name.as_str()))?;
                let v = match name {
                    VpcAttributeName::EnableDnsHostnames => o.enable_dns_hostnames,
                    VpcAttributeName::EnableDnsSupport => o.enable_dns_support,
                    _ => o.enable_network_address_usage_metrics,
                };
                Ok::<_, ProviderError>(v.and_then(|b| b.value).unwrap_or(false))
            }
        };
        let nacl = async {
            ec2.describe_network_acls()
                .filters(filter("vpc-id", &id))
                .filters(filter("default", "true"))
                .send()
                .await
                .ctx(format!("reading the default network ACL of EC2 VPC {id}"))
        };
        let rt = async {
            ec2.describe_route_tables()
                .filters(filter("vpc-id", &id))
                .filters(filter("association.main", "true"))
                .send()
                .await
                .ctx(format!("reading the main route table of EC2 VPC {id}"))
        };
        let sg = async {
            ec2.describe_security_groups()
                .filters(filter("vpc-id", &id))
                .filters(filter("group-name", "default"))
                .send()
                .await
                .ctx(format!(
                    "reading the default security group of EC2 VPC {id}"
                ))
        };
        let (hostnames, support, nau, nacl, rt, sg) = tokio::join!(
            attr(VpcAttributeName::EnableDnsHostnames),
            attr(VpcAttributeName::EnableDnsSupport),
            attr(VpcAttributeName::EnableNetworkAddressUsageMetrics),
            nacl,
            rt,
            sg
        );
        let nacl_id = nacl?
            .network_acls
            .unwrap_or_default()
            .into_iter()
            .find_map(|n| n.network_acl_id);
        let rt_id = rt?
            .route_tables
            .unwrap_or_default()
            .into_iter()
            .find_map(|r| r.route_table_id);
        let sg_id = sg?
            .security_groups
            .unwrap_or_default()
            .into_iter()
            .find_map(|g| g.group_id);

        let owner = vpc.owner_id.clone().unwrap_or_default();
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(aws.arn("ec2", &aws.region, &owner, &format!("vpc/{id}"))),
        );
        m.insert("cidr_block".into(), opt_sv(vpc.cidr_block.as_deref()));
        m.insert(
            "dhcp_options_id".into(),
            opt_sv(vpc.dhcp_options_id.as_deref()),
        );
        m.insert(
            "instance_tenancy".into(),
            opt_sv(vpc.instance_tenancy.as_ref().map(|t| t.as_str())),
        );
        m.insert("owner_id".into(), sv(&owner));
        m.insert("enable_dns_hostnames".into(), Value::bool(hostnames?));
        m.insert("enable_dns_support".into(), Value::bool(support?));
        m.insert(
            "enable_network_address_usage_metrics".into(),
            Value::bool(nau?),
        );
        m.insert("default_network_acl_id".into(), opt_sv(nacl_id));
        m.insert("default_route_table_id".into(), opt_sv(rt_id.as_deref()));
        m.insert("main_route_table_id".into(), opt_sv(rt_id.as_deref()));
        m.insert("default_security_group_id".into(), opt_sv(sg_id));

        let assoc = vpc
            .ipv6_cidr_block_association_set
            .unwrap_or_default()
            .into_iter()
            .find(|a| {
                a.ipv6_cidr_block_state
                    .as_ref()
                    .and_then(|s| s.state.as_ref())
                    .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
            });
        match assoc {
            Some(a) => {
                let amazon = a.ipv6_pool.as_deref() == Some("Amazon");
                m.insert(
                    "assign_generated_ipv6_cidr_block".into(),
                    Value::bool(amazon),
                );
                m.insert(
                    "ipv6_association_id".into(),
                    opt_sv(a.association_id.as_deref()),
                );
                m.insert(
                    "ipv6_cidr_block".into(),
                    opt_sv(a.ipv6_cidr_block.as_deref()),
                );
                m.insert(
                    "ipv6_cidr_block_network_border_group".into(),
                    opt_sv(a.network_border_group.as_deref()),
                );
            }
            None => {
                m.insert(
                    "assign_generated_ipv6_cidr_block".into(),
                    Value::bool(false),
                );
                for k in [
                    "ipv6_association_id",
                    "ipv6_cidr_block",
                    "ipv6_cidr_block_network_border_group",
                ] {
                    m.insert(k.into(), Value::null(Type::String));
                }
            }
        }
        let (t, all) = tags::from_remote(aws, state, tag_map(vpc.tags.as_deref()));
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
        let id = id_of(prior, TYPE)?;
        let changed = |k: &str| {
            let b = bool_of(planned, k);
            b.is_some() && b != bool_of(prior, k)
        };
        for (k, name) in [
            ("enable_dns_hostnames", VpcAttributeName::EnableDnsHostnames),
            ("enable_dns_support", VpcAttributeName::EnableDnsSupport),
            (
                "enable_network_address_usage_metrics",
                VpcAttributeName::EnableNetworkAddressUsageMetrics,
            ),
        ] {
            if changed(k) {
                set_attr(aws, &id, name, bool_of(planned, k).unwrap_or(false)).await?;
            }
        }
        let tenancy = str_of(planned, "instance_tenancy");
        if tenancy.is_some() && tenancy != str_of(prior, "instance_tenancy") {
            aws.ec2()
                .modify_vpc_tenancy()
                .vpc_id(&id)
                .instance_tenancy(VpcTenancy::from(tenancy.as_deref().unwrap_or("default")))
                .send()
                .await
                .ctx(format!("changing the tenancy of EC2 VPC {id}"))?;
        }
        if changed("assign_generated_ipv6_cidr_block") {
            if bool_of(planned, "assign_generated_ipv6_cidr_block") == Some(true) {
                aws.ec2()
                    .associate_vpc_cidr_block()
                    .vpc_id(&id)
                    .amazon_provided_ipv6_cidr_block(true)
                    .send()
                    .await
                    .ctx(format!("adding an IPv6 CIDR block to EC2 VPC {id}"))?;
            } else if let Some(assoc) = nonempty_str(prior, "ipv6_association_id") {
                aws.ec2()
                    .disassociate_vpc_cidr_block()
                    .association_id(assoc)
                    .send()
                    .await
                    .ctx(format!("removing the IPv6 CIDR block of EC2 VPC {id}"))?;
            }
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 VPC", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        delete_retrying(&format!("EC2 VPC {id}"), || async {
            aws.ec2()
                .delete_vpc()
                .vpc_id(&id)
                .send()
                .await
                .api()
                .map(|_| ())
        })
        .await?;
        // Deletion is asynchronous: wait until reads agree it is gone.
        wait_for(Duration::from_secs(120), || async {
            match aws.ec2().describe_vpcs().vpc_ids(&id).send().await.api() {
                Ok(o) if o.vpcs.as_ref().is_none_or(|v| v.is_empty()) => Ok(Some(())),
                Ok(_) => Ok(None),
                Err(e) if e.not_found() => Ok(Some(())),
                Err(e) => Err(e).ctx(format!("waiting for EC2 VPC {id} to be deleted")),
            }
        })
        .await?;
        Ok(())
    }

    fn import_hint(&self) -> String {
        "aws_vpc is imported by VPC ID, e.g. vpc-0a1b2c3d.".into()
    }
}

async fn set_attr(
    aws: &AwsClients,
    id: &str,
    name: VpcAttributeName,
    value: bool,
) -> Result<(), ProviderError> {
    let mut req = aws.ec2().modify_vpc_attribute().vpc_id(id);
    req = match name {
        VpcAttributeName::EnableDnsHostnames => req.enable_dns_hostnames(flag(value)),
        VpcAttributeName::EnableDnsSupport => req.enable_dns_support(flag(value)),
        _ => req.enable_network_address_usage_metrics(flag(value)),
    };
    req.send()
        .await
        .ctx(format!("setting {} of EC2 VPC {id}", name.as_str()))?;
    Ok(())
}
