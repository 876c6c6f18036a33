//! `aws_eip`: an Elastic IP address, optionally associated with an
//! instance or a network interface.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Address, AddressAttributeName, DomainType, ResourceType};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::nonempty;
use crate::config::AwsClients;
use crate::ec2::{sync_tags, tag_map, tag_spec, with_tags};
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    entries, id_of, nonempty_str, opt_str_keep_null, opt_sv, read_new, str_of, sv, wait_for,
};

pub(crate) struct Eip;

const TYPE: &str = "aws_eip";

/// What an association is made of; a change to any re-associates.
const ASSOCIATION_ARGS: &[&str] = &["instance", "network_interface", "associate_with_private_ip"];

/// Computed attributes that follow the association.
const ASSOCIATION_COMPUTED: &[&str] = &["association_id", "private_ip", "private_dns"];

/// The public DNS name EC2 gives an address (`ec2-1-2-3-4.compute-1...`).
fn public_dns(aws: &AwsClients, ip: &str) -> String {
    let host = format!("ec2-{}", ip.replace('.', "-"));
    if aws.region == "us-east-1" {
        format!("{host}.compute-1.{}", aws.partition.dns_suffix)
    } else {
        format!("{host}.{}.compute.{}", aws.region, aws.partition.dns_suffix)
    }
}

/// The private DNS name EC2 gives an address (`ip-10-0-0-1.ec2.internal`).
fn private_dns(aws: &AwsClients, ip: &str) -> String {
    let host = format!("ip-{}", ip.replace('.', "-"));
    if aws.region == "us-east-1" {
        format!("{host}.ec2.internal")
    } else {
        format!("{host}.{}.compute.internal", aws.region)
    }
}

/// The address `id` (an allocation ID, or a public IP when importing),
/// or `None` when it does not exist.
async fn find(aws: &AwsClients, id: &str) -> Result<Option<Address>, ProviderError> {
    let req = aws.ec2().describe_addresses();
    let req = if id.parse::<std::net::IpAddr>().is_ok() {
        req.public_ips(id)
    } else {
        req.allocation_ids(id)
    };
    match req.send().await.api() {
        Ok(o) => Ok(o.addresses.unwrap_or_default().into_iter().next()),
        Err(e) if e.not_found() || e.is("InvalidAddress.NotFound") => Ok(None),
        Err(e) => Err(e.into_error(format!("reading EC2 EIP {id}"))),
    }
}

/// The reverse DNS record of the address, if one is set.
async fn ptr_record(aws: &AwsClients, id: &str) -> Result<Option<String>, ProviderError> {
    match aws
        .ec2()
        .describe_addresses_attribute()
        .allocation_ids(id)
        .attribute(AddressAttributeName::DomainName)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o
            .addresses
            .unwrap_or_default()
            .into_iter()
            .find_map(|a| a.ptr_record)
            .map(|p| p.trim_end_matches('.').to_string())
            .filter(|p| !p.is_empty())),
        // Not offered in every partition.
        Err(e) if e.not_found() || e.is("InvalidAction") => Ok(None),
        Err(e) => Err(e.into_error(format!("reading the domain name attribute of EC2 EIP {id}"))),
    }
}

async fn associate(
    aws: &AwsClients,
    id: &str,
    instance: Option<String>,
    eni: Option<String>,
    private_ip: Option<String>,
) -> Result<(), ProviderError> {
    let action = format!("associating EC2 EIP {id}");
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        match aws
            .ec2()
            .associate_address()
            .allocation_id(id)
            .set_instance_id(instance.clone())
            .set_network_interface_id(eni.clone())
            .set_private_ip_address(private_ip.clone())
            .send()
            .await
            .api()
        {
            Ok(_) => return Ok(()),
            // A just-allocated address or just-launched instance may not
            // be usable yet.
            Err(e)
                if (e.is("InvalidAllocationID.NotFound")
                    || (e.is("InvalidInstanceID") && e.message.contains("pending instance")))
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e.into_error(action)),
        }
    }
}

async fn disassociate(aws: &AwsClients, association: &str) -> Result<(), ProviderError> {
    match aws
        .ec2()
        .disassociate_address()
        .association_id(association)
        .send()
        .await
        .api()
    {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(e.into_error(format!("disassociating EC2 EIP association {association}"))),
    }
}

#[async_trait]
impl Resource for Eip {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new("An Elastic IP address."))
            .attr(
                "id",
                A::computed(Type::String, "Allocation ID of the address."),
            )
            .attr(
                "address",
                A::optional(
                    Type::String,
                    "An address from your own (BYOIP) pool to allocate.",
                )
                .force_new(),
            )
            .attr(
                "allocation_id",
                A::computed(Type::String, "Allocation ID of the address."),
            )
            .attr("arn", A::computed(Type::String, "ARN of the address."))
            .attr(
                "associate_with_private_ip",
                A::optional(
                    Type::String,
                    "Private IP address of the instance or interface to associate with.",
                ),
            )
            .attr(
                "association_id",
                A::computed(
                    Type::String,
                    "ID of the association with an instance or interface.",
                ),
            )
            .attr(
                "carrier_ip",
                A::computed(Type::String, "Carrier IP address (Wavelength Zones)."),
            )
            .attr(
                "customer_owned_ip",
                A::computed(Type::String, "Customer-owned IP address (Outposts)."),
            )
            .attr(
                "customer_owned_ipv4_pool",
                A::optional(
                    Type::String,
                    "Customer-owned IPv4 pool to allocate from (Outposts).",
                ),
            )
            .attr(
                "domain",
                A::optional_computed(
                    Type::String,
                    "Whether the address is for use in a VPC: vpc (or standard).",
                )
                .force_new(),
            )
            .attr(
                "instance",
                A::optional_computed(Type::String, "ID of the EC2 instance to associate with."),
            )
            .attr(
                "ipam_pool_id",
                A::optional_computed(Type::String, "IPAM pool to allocate the address from.")
                    .force_new(),
            )
            .attr(
                "network_border_group",
                A::optional_computed(
                    Type::String,
                    "Network border group to advertise the address from.",
                )
                .force_new(),
            )
            .attr(
                "network_interface",
                A::optional_computed(
                    Type::String,
                    "ID of the network interface to associate with.",
                ),
            )
            .attr(
                "private_dns",
                A::computed(
                    Type::String,
                    "Private DNS name of the associated private IP.",
                ),
            )
            .attr(
                "private_ip",
                A::computed(
                    Type::String,
                    "Private IP address the address is associated with.",
                ),
            )
            .attr(
                "ptr_record",
                A::computed(Type::String, "Reverse DNS record of the address."),
            )
            .attr(
                "public_dns",
                A::computed(Type::String, "Public DNS name of the address."),
            )
            .attr(
                "public_ip",
                A::computed(Type::String, "The public IP address."),
            )
            .attr(
                "public_ipv4_pool",
                A::optional_computed(
                    Type::String,
                    "IPv4 pool to allocate from (amazon or a BYOIP pool).",
                )
                .force_new(),
            )
            .block(
                "timeouts",
                crate::util::timeouts_block(&["read", "update", "delete"]),
            )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        match str_of(config, "domain").as_deref() {
            None | Some("vpc" | "standard") => Vec::new(),
            Some(d) => vec![Diagnostic::error(
                "Invalid domain",
                format!("domain must be \"vpc\" or \"standard\", not {d:?}."),
            )],
        }
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        let Some(p) = prior else {
            return Ok(());
        };
        if !resp.requires_replace.is_empty() {
            return Ok(());
        }
        let configured = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let changed = ASSOCIATION_ARGS
            .iter()
            .any(|k| configured(k) && str_of(p, k) != str_of(config, k));
        if changed {
            // A new association: what it reports is known after apply, and
            // the unconfigured side (instance or interface) follows it.
            let mut unknown: Vec<(&'static str, Value)> = ASSOCIATION_COMPUTED
                .iter()
                .map(|k| (*k, Value::unknown(Type::String)))
                .collect();
            for k in ["instance", "network_interface"] {
                if !configured(k) {
                    unknown.push((k, Value::unknown(Type::String)));
                }
            }
            resp.planned = cairn_provider::with_attrs(&resp.planned, unknown);
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let tags = tags::to_apply(aws, planned);
        let out = aws
            .ec2()
            .allocate_address()
            .set_address(nonempty_str(planned, "address"))
            .set_customer_owned_ipv4_pool(nonempty_str(planned, "customer_owned_ipv4_pool"))
            .set_domain(nonempty_str(planned, "domain").map(|d| DomainType::from(d.as_str())))
            .set_ipam_pool_id(nonempty_str(planned, "ipam_pool_id"))
            .set_network_border_group(nonempty_str(planned, "network_border_group"))
            .set_public_ipv4_pool(nonempty_str(planned, "public_ipv4_pool"))
            .set_tag_specifications(tag_spec(ResourceType::ElasticIp, &tags).map(|t| vec![t]))
            .send()
            .await
            .ctx("creating EC2 EIP")?;
        let id = out.allocation_id.ok_or_else(|| {
            ProviderError::new(
                "creating EC2 EIP failed",
                "The API returned no allocation ID (EC2-Classic addresses are not supported).",
            )
        })?;
        let visible = wait_for(crate::util::PROPAGATION_TIMEOUT, || async {
            Ok(find(aws, &id).await?.map(|_| ()))
        })
        .await?;
        if visible.is_none() {
            return Err(ProviderError::new(
                format!("EC2 EIP {id} not found after creation"),
                "AWS allocated the address but it did not become visible.",
            ));
        }
        let instance = nonempty_str(planned, "instance");
        let eni = nonempty_str(planned, "network_interface");
        if instance.is_some() || eni.is_some() {
            let private_ip = nonempty_str(planned, "associate_with_private_ip");
            if let Err(e) = associate(aws, &id, instance, eni, private_ip).await {
                // The failed create leaves no state behind, so do not keep
                // an untracked (and billed) address either.
                let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
                if let Err(cleanup) = self.delete(aws, &seed).await {
                    return Err(e.with_hint(format!(
                        "Address {id} was left allocated ({}); release or import it.",
                        cleanup.summary
                    )));
                }
                return Err(e);
            }
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 EIP", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(a) = find(aws, &id).await? else {
            return Ok(None);
        };
        let Some(alloc) = a.allocation_id.clone() else {
            return Err(ProviderError::new(
                format!("EC2 EIP {id} is not a VPC address"),
                "EC2-Classic (standard domain) addresses are no longer supported.",
            ));
        };
        let s = |x: &Option<String>| opt_sv(nonempty(x.as_deref()));
        let mut m = entries(state);
        m.insert("id".into(), sv(&alloc));
        m.insert("allocation_id".into(), sv(&alloc));
        let account = aws.caller_identity().await?.account_id.clone();
        m.insert(
            "arn".into(),
            sv(aws.arn("ec2", &aws.region, &account, &format!("elastic-ip/{alloc}"))),
        );
        m.insert("association_id".into(), s(&a.association_id));
        m.insert("carrier_ip".into(), s(&a.carrier_ip));
        m.insert("customer_owned_ip".into(), s(&a.customer_owned_ip));
        m.insert(
            "customer_owned_ipv4_pool".into(),
            opt_str_keep_null(
                state,
                "customer_owned_ipv4_pool",
                a.customer_owned_ipv4_pool.as_deref(),
            ),
        );
        m.insert(
            "domain".into(),
            opt_sv(a.domain.as_ref().map(|d| d.as_str())),
        );
        m.insert("instance".into(), s(&a.instance_id));
        let pool = nonempty(a.public_ipv4_pool.as_deref());
        if let Some(p) = pool.filter(|p| p.starts_with("ipam-pool-")) {
            m.insert("ipam_pool_id".into(), sv(p));
        } else if state
            .get_attr("ipam_pool_id")
            .is_none_or(|v| !v.is_wholly_known())
        {
            m.insert("ipam_pool_id".into(), Value::null(Type::String));
        }
        m.insert("network_border_group".into(), s(&a.network_border_group));
        m.insert("network_interface".into(), s(&a.network_interface_id));
        m.insert("public_ipv4_pool".into(), opt_sv(pool));
        let private = nonempty(a.private_ip_address.as_deref());
        m.insert("private_ip".into(), opt_sv(private));
        m.insert(
            "private_dns".into(),
            opt_sv(private.map(|ip| private_dns(aws, ip))),
        );
        let public = nonempty(a.public_ip.as_deref());
        m.insert("public_ip".into(), opt_sv(public));
        m.insert(
            "public_dns".into(),
            opt_sv(public.map(|ip| public_dns(aws, ip))),
        );
        m.insert("ptr_record".into(), opt_sv(ptr_record(aws, &alloc).await?));
        let (t, all) = tags::from_remote(aws, state, tag_map(a.tags.as_deref()));
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
        let changed = ASSOCIATION_ARGS.iter().any(|k| {
            let new = planned.get_attr(k);
            // Unknown here means "follows the other side": not a change.
            new.is_some_and(Value::is_wholly_known) && str_of(prior, k) != str_of(planned, k)
        });
        if changed {
            // Drop whatever association the address has now, then make the
            // planned one.
            let current = find(aws, &id).await?.and_then(|a| a.association_id);
            if let Some(assoc) = current.or_else(|| nonempty_str(prior, "association_id")) {
                disassociate(aws, &assoc).await?;
            }
            let instance = nonempty_str(planned, "instance");
            let eni = nonempty_str(planned, "network_interface");
            if instance.is_some() || eni.is_some() {
                associate(
                    aws,
                    &id,
                    instance,
                    eni,
                    nonempty_str(planned, "associate_with_private_ip"),
                )
                .await?;
            }
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 EIP", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(a) = find(aws, &id).await? else {
            return Ok(());
        };
        if let Some(assoc) = a.association_id.as_deref().filter(|x| !x.is_empty()) {
            disassociate(aws, assoc).await?;
        }
        let border = nonempty(a.network_border_group.as_deref()).map(str::to_string);
        let deadline = std::time::Instant::now() + Duration::from_secs(180);
        loop {
            match aws
                .ec2()
                .release_address()
                .allocation_id(&id)
                .set_network_border_group(border.clone())
                .send()
                .await
                .map_err(ApiError::from_sdk)
            {
                Ok(_) => return Ok(()),
                Err(e) if e.not_found() => return Ok(()),
                // The disassociation takes a moment to release the address.
                Err(e)
                    if e.is_any(&["InvalidIPAddress.InUse", "AuthFailure"])
                        && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => return Err(e.into_error(format!("deleting EC2 EIP {id}"))),
            }
        }
    }

    fn import_hint(&self) -> String {
        "aws_eip is imported by allocation ID, e.g. eipalloc-00a10e96.".into()
    }
}
