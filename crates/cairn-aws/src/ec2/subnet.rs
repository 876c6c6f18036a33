//! `aws_subnet`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{HostnameType, ResourceType, SubnetState};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{delete_retrying, flag, sync_tags, tag_map, tag_spec, with_tags};
use crate::config::AwsClients;
use crate::error::{ApiError, ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, i64_of, id_of, nonempty_str, opt_bool_keep_null, opt_sv, read_new, str_of,
    sv, wait_for,
};

pub(crate) struct Subnet;

const TYPE: &str = "aws_subnet";

/// The boolean subnet attributes ModifySubnetAttribute sets one at a time.
const BOOL_ATTRS: &[&str] = &[
    "map_public_ip_on_launch",
    "assign_ipv6_address_on_creation",
    "enable_dns64",
    "enable_resource_name_dns_a_record_on_launch",
    "enable_resource_name_dns_aaaa_record_on_launch",
    "map_customer_owned_ip_on_launch",
];

#[async_trait]
impl Resource for Subnet {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema_version(&self) -> u64 {
        1
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new("A VPC subnet."))
            .attr("id", A::computed(Type::String, "ID of the subnet."))
            .attr("arn", A::computed(Type::String, "ARN of the subnet."))
            .attr("vpc_id", A::required(Type::String, "ID of the VPC.").force_new())
            .attr("cidr_block", A::optional_computed(Type::String, "IPv4 CIDR block of the subnet.").force_new())
            .attr("availability_zone", A::optional_computed(Type::String, "Availability zone of the subnet.").force_new())
            .attr("availability_zone_id", A::optional_computed(Type::String, "Availability zone ID of the subnet.").force_new())
            .attr("map_public_ip_on_launch", A::optional(Type::Bool, "Give instances launched here a public IPv4 address; defaults to false."))
            .attr("assign_ipv6_address_on_creation", A::optional(Type::Bool, "Give network interfaces created here an IPv6 address; defaults to false."))
            .attr("customer_owned_ipv4_pool", A::optional(Type::String, "Customer-owned IPv4 address pool (Outposts)."))
            .attr("map_customer_owned_ip_on_launch", A::optional(Type::Bool, "Give network interfaces a customer-owned IP (Outposts)."))
            .attr("enable_dns64", A::optional(Type::Bool, "Return synthetic IPv6 addresses for IPv4-only destinations; defaults to false."))
            .attr("enable_lni_at_device_index", A::optional(Type::Number, "Device index of local network interfaces (Outposts)."))
            .attr("enable_resource_name_dns_a_record_on_launch", A::optional(Type::Bool, "Answer DNS A queries for instance hostnames; defaults to false."))
            .attr("enable_resource_name_dns_aaaa_record_on_launch", A::optional(Type::Bool, "Answer DNS AAAA queries for instance hostnames; defaults to false."))
            .attr("private_dns_hostname_type_on_launch", A::optional_computed(Type::String, "Hostname type of instances: ip-name or resource-name."))
            .attr("ipv4_ipam_pool_id", A::optional(Type::String, "IPAM pool to allocate the IPv4 CIDR from.").force_new())
            .attr("ipv4_netmask_length", A::optional(Type::Number, "Netmask length of the IPv4 CIDR from IPAM.").force_new())
            .attr("ipv6_cidr_block", A::optional_computed(Type::String, "IPv6 CIDR block (a /64)."))
            .attr("ipv6_ipam_pool_id", A::optional(Type::String, "IPAM pool to allocate the IPv6 CIDR from.").force_new())
            .attr("ipv6_netmask_length", A::optional(Type::Number, "Netmask length of the IPv6 CIDR from IPAM.").force_new())
            .attr("ipv6_native", A::optional(Type::Bool, "An IPv6-only subnet; defaults to false.").force_new())
            .attr("ipv6_cidr_block_association_id", A::computed(Type::String, "Association ID of the IPv6 CIDR block."))
            .attr("outpost_arn", A::optional(Type::String, "ARN of the Outpost.").force_new())
            .attr("owner_id", A::computed(Type::String, "ID of the AWS account that owns the subnet."))
            .block("timeouts", crate::util::timeouts_block(&["create", "delete"]))
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("map_public_ip_on_launch", Value::bool(false)),
            ("assign_ipv6_address_on_creation", Value::bool(false)),
            ("enable_dns64", Value::bool(false)),
            (
                "enable_resource_name_dns_a_record_on_launch",
                Value::bool(false),
            ),
            (
                "enable_resource_name_dns_aaaa_record_on_launch",
                Value::bool(false),
            ),
            ("ipv6_native", Value::bool(false)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let mut out = Vec::new();
        if set("availability_zone") && set("availability_zone_id") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "availability_zone and availability_zone_id cannot both be set.",
            ));
        }
        if let Some(c) = str_of(config, "cidr_block") {
            out.extend(super::check_ipv4_cidr("cidr_block", &c, 0..=32));
        }
        if let Some(c) = str_of(config, "ipv6_cidr_block") {
            out.extend(super::check_ipv6_cidr("ipv6_cidr_block", &c));
        }
        if !set("cidr_block")
            && !set("ipv4_ipam_pool_id")
            && !bool_of(config, "ipv6_native").unwrap_or(false)
        {
            out.push(
                Diagnostic::error(
                    "Missing required argument",
                    "aws_subnet needs cidr_block (unless it is IPv6-native or allocated from IPAM).",
                )
                .with_hint("Add cidr_block = \"10.0.1.0/24\" (inside the VPC's CIDR)."),
            );
        }
        out
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let ec2 = aws.ec2();
        let vpc_id =
            nonempty_str(planned, "vpc_id").ok_or_else(|| crate::util::missing(TYPE, "vpc_id"))?;
        let tags = tags::to_apply(aws, planned);
        let mut req = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .set_cidr_block(nonempty_str(planned, "cidr_block"))
            .set_availability_zone(nonempty_str(planned, "availability_zone"))
            .set_availability_zone_id(nonempty_str(planned, "availability_zone_id"))
            .set_ipv6_cidr_block(nonempty_str(planned, "ipv6_cidr_block"))
            .set_ipv4_ipam_pool_id(nonempty_str(planned, "ipv4_ipam_pool_id"))
            .set_ipv4_netmask_length(i64_of(planned, "ipv4_netmask_length").map(|n| n as i32))
            .set_ipv6_ipam_pool_id(nonempty_str(planned, "ipv6_ipam_pool_id"))
            .set_ipv6_netmask_length(i64_of(planned, "ipv6_netmask_length").map(|n| n as i32))
            .set_outpost_arn(nonempty_str(planned, "outpost_arn"))
            .set_tag_specifications(tag_spec(ResourceType::Subnet, &tags).map(|t| vec![t]));
        if bool_of(planned, "ipv6_native") == Some(true) {
            req = req.ipv6_native(true);
        }
        let out = req.send().await.ctx("creating EC2 Subnet")?;
        let id = out.subnet.and_then(|s| s.subnet_id).ok_or_else(|| {
            ProviderError::new(
                "creating EC2 Subnet failed",
                "The API returned no subnet ID.",
            )
        })?;

        let available = wait_for(Duration::from_secs(600), || async {
            match ec2.describe_subnets().subnet_ids(&id).send().await.api() {
                Ok(o) => Ok(o
                    .subnets
                    .unwrap_or_default()
                    .first()
                    .filter(|s| s.state == Some(SubnetState::Available))
                    .map(|_| ())),
                Err(e) if e.not_found() => Ok(None),
                Err(e) => Err(e.into_error(format!("waiting for EC2 Subnet {id}"))),
            }
        })
        .await?;
        if available.is_none() {
            return Err(ProviderError::new(
                format!("EC2 Subnet {id} did not become available"),
                "The subnet was created but did not reach the available state within 10 minutes.",
            ));
        }

        // Attributes CreateSubnet does not take: set those that differ from
        // what AWS gives a new subnet.
        for k in BOOL_ATTRS {
            if bool_of(planned, k) == Some(true) {
                set_bool(aws, &id, k, true).await?;
            }
        }
        if let Some(t) = nonempty_str(planned, "private_dns_hostname_type_on_launch") {
            set_hostname_type(aws, &id, &t).await?;
        }
        if let Some(n) = i64_of(planned, "enable_lni_at_device_index") {
            set_lni(aws, &id, n).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Subnet", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let s = match aws
            .ec2()
            .describe_subnets()
            .subnet_ids(&id)
            .send()
            .await
            .api()
        {
            Ok(o) => match o.subnets.unwrap_or_default().into_iter().next() {
                Some(s) => s,
                None => return Ok(None),
            },
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading EC2 Subnet {id}"))),
        };
        let owner = s.owner_id.clone().unwrap_or_default();
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(s.subnet_arn
                .clone()
                .unwrap_or_else(|| aws.arn("ec2", &aws.region, &owner, &format!("subnet/{id}")))),
        );
        m.insert("vpc_id".into(), opt_sv(s.vpc_id.as_deref()));
        m.insert("cidr_block".into(), opt_sv(s.cidr_block.as_deref()));
        m.insert(
            "availability_zone".into(),
            opt_sv(s.availability_zone.as_deref()),
        );
        m.insert(
            "availability_zone_id".into(),
            opt_sv(s.availability_zone_id.as_deref()),
        );
        m.insert("owner_id".into(), sv(&owner));
        m.insert(
            "map_public_ip_on_launch".into(),
            Value::bool(s.map_public_ip_on_launch.unwrap_or(false)),
        );
        m.insert(
            "assign_ipv6_address_on_creation".into(),
            Value::bool(s.assign_ipv6_address_on_creation.unwrap_or(false)),
        );
        m.insert(
            "enable_dns64".into(),
            Value::bool(s.enable_dns64.unwrap_or(false)),
        );
        m.insert(
            "ipv6_native".into(),
            Value::bool(s.ipv6_native.unwrap_or(false)),
        );
        m.insert(
            "outpost_arn".into(),
            opt_sv(s.outpost_arn.as_deref().filter(|x| !x.is_empty())),
        );
        m.insert(
            "customer_owned_ipv4_pool".into(),
            opt_sv(
                s.customer_owned_ipv4_pool
                    .as_deref()
                    .filter(|x| !x.is_empty()),
            ),
        );
        m.insert(
            "map_customer_owned_ip_on_launch".into(),
            opt_bool_keep_null(
                state,
                "map_customer_owned_ip_on_launch",
                s.map_customer_owned_ip_on_launch,
            ),
        );
        m.insert(
            "enable_lni_at_device_index".into(),
            match s.enable_lni_at_device_index.filter(|n| *n != 0) {
                Some(n) => Value::int(i64::from(n)),
                None => Value::null(Type::Number),
            },
        );
        let dns = s.private_dns_name_options_on_launch.as_ref();
        m.insert(
            "enable_resource_name_dns_a_record_on_launch".into(),
            Value::bool(
                dns.and_then(|d| d.enable_resource_name_dns_a_record)
                    .unwrap_or(false),
            ),
        );
        m.insert(
            "enable_resource_name_dns_aaaa_record_on_launch".into(),
            Value::bool(
                dns.and_then(|d| d.enable_resource_name_dns_aaaa_record)
                    .unwrap_or(false),
            ),
        );
        m.insert(
            "private_dns_hostname_type_on_launch".into(),
            opt_sv(
                dns.and_then(|d| d.hostname_type.as_ref())
                    .map(|h| h.as_str()),
            ),
        );
        let assoc = s
            .ipv6_cidr_block_association_set
            .unwrap_or_default()
            .into_iter()
            .find(|a| {
                a.ipv6_cidr_block_state
                    .as_ref()
                    .and_then(|st| st.state.as_ref())
                    .is_some_and(|st| matches!(st.as_str(), "associated" | "associating"))
            });
        m.insert(
            "ipv6_cidr_block".into(),
            opt_sv(assoc.as_ref().and_then(|a| a.ipv6_cidr_block.as_deref())),
        );
        m.insert(
            "ipv6_cidr_block_association_id".into(),
            opt_sv(assoc.as_ref().and_then(|a| a.association_id.as_deref())),
        );
        let (t, all) = tags::from_remote(aws, state, tag_map(s.tags.as_deref()));
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
        for k in BOOL_ATTRS {
            let new = bool_of(planned, k);
            if new.is_some() && new != bool_of(prior, k) {
                set_bool(aws, &id, k, new.unwrap_or(false)).await?;
            }
        }
        let ht = str_of(planned, "private_dns_hostname_type_on_launch");
        if ht.is_some() && ht != str_of(prior, "private_dns_hostname_type_on_launch") {
            set_hostname_type(aws, &id, ht.as_deref().unwrap_or_default()).await?;
        }
        let lni = i64_of(planned, "enable_lni_at_device_index");
        if lni.is_some() && lni != i64_of(prior, "enable_lni_at_device_index") {
            set_lni(aws, &id, lni.unwrap_or(0)).await?;
        }
        let ipv6 = nonempty_str(planned, "ipv6_cidr_block");
        let old_ipv6 = nonempty_str(prior, "ipv6_cidr_block");
        if ipv6 != old_ipv6 {
            if let Some(assoc) = nonempty_str(prior, "ipv6_cidr_block_association_id") {
                aws.ec2()
                    .disassociate_subnet_cidr_block()
                    .association_id(assoc)
                    .send()
                    .await
                    .ctx(format!("removing the IPv6 CIDR block of EC2 Subnet {id}"))?;
            }
            if let Some(block) = ipv6 {
                aws.ec2()
                    .associate_subnet_cidr_block()
                    .subnet_id(&id)
                    .ipv6_cidr_block(block)
                    .send()
                    .await
                    .ctx(format!("adding an IPv6 CIDR block to EC2 Subnet {id}"))?;
            }
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 Subnet", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        delete_retrying(&format!("EC2 Subnet {id}"), || async {
            aws.ec2()
                .delete_subnet()
                .subnet_id(&id)
                .send()
                .await
                .api()
                .map(|_| ())
        })
        .await
    }

    fn import_hint(&self) -> String {
        "aws_subnet is imported by subnet ID, e.g. subnet-0a1b2c3d.".into()
    }
}

async fn set_bool(aws: &AwsClients, id: &str, attr: &str, v: bool) -> Result<(), ProviderError> {
    let req = aws.ec2().modify_subnet_attribute().subnet_id(id);
    let req = match attr {
        "map_public_ip_on_launch" => req.map_public_ip_on_launch(flag(v)),
        "assign_ipv6_address_on_creation" => req.assign_ipv6_address_on_creation(flag(v)),
        "enable_dns64" => req.enable_dns64(flag(v)),
        "enable_resource_name_dns_a_record_on_launch" => {
            req.enable_resource_name_dns_a_record_on_launch(flag(v))
        }
        "enable_resource_name_dns_aaaa_record_on_launch" => {
            req.enable_resource_name_dns_aaaa_record_on_launch(flag(v))
        }
        _ => req.map_customer_owned_ip_on_launch(flag(v)),
    };
    req.send()
        .await
        .map(|_| ())
        .map_err(ApiError::from_sdk)
        .ctx(format!("setting {attr} of EC2 Subnet {id}"))
}

async fn set_hostname_type(aws: &AwsClients, id: &str, t: &str) -> Result<(), ProviderError> {
    aws.ec2()
        .modify_subnet_attribute()
        .subnet_id(id)
        .private_dns_hostname_type_on_launch(HostnameType::from(t))
        .send()
        .await
        .ctx(format!(
            "setting private_dns_hostname_type_on_launch of EC2 Subnet {id}"
        ))?;
    Ok(())
}

async fn set_lni(aws: &AwsClients, id: &str, n: i64) -> Result<(), ProviderError> {
    aws.ec2()
        .modify_subnet_attribute()
        .subnet_id(id)
        .enable_lni_at_device_index(i32::try_from(n).unwrap_or(i32::MAX))
        .send()
        .await
        .ctx(format!(
            "setting enable_lni_at_device_index of EC2 Subnet {id}"
        ))?;
    Ok(())
}
