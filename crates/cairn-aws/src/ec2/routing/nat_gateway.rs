//! `aws_nat_gateway`: a public or private NAT gateway in a subnet.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    ConnectivityType, NatGateway as Gw, NatGatewayAddress, NatGatewayAddressStatus,
    NatGatewayState, ResourceType,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{nonempty, opt_set_keep_null, string_set_of};
use crate::config::AwsClients;
use crate::ec2::{sync_tags, tag_map, tag_spec, with_tags};
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    client_token, entries, i64_of, id_of, nonempty_str, opt_sv, read_new, str_of, str_set, sv,
    wait_for,
};

pub(crate) struct NatGateway;

const TYPE: &str = "aws_nat_gateway";

const CREATE_TIMEOUT: Duration = Duration::from_secs(600);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(600);
const DELETE_TIMEOUT: Duration = Duration::from_secs(1800);

/// The NAT gateway `id`, or `None` when it does not exist or is deleted.
async fn find(aws: &AwsClients, id: &str) -> Result<Option<Gw>, ProviderError> {
    match aws
        .ec2()
        .describe_nat_gateways()
        .nat_gateway_ids(id)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o
            .nat_gateways
            .unwrap_or_default()
            .into_iter()
            .find(|g| g.nat_gateway_id.as_deref() == Some(id))
            .filter(|g| g.state != Some(NatGatewayState::Deleted))),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e.into_error(format!("reading EC2 NAT Gateway {id}"))),
    }
}

/// The primary address: the one marked primary, or the only one.
fn is_primary(a: &NatGatewayAddress, count: usize) -> bool {
    a.is_primary == Some(true) || count == 1
}

/// Waits until `ok` holds for the gateway's addresses.
async fn wait_addresses<F>(
    aws: &AwsClients,
    id: &str,
    what: &str,
    ok: F,
) -> Result<(), ProviderError>
where
    F: Fn(&[NatGatewayAddress]) -> bool,
{
    let done = wait_for(UPDATE_TIMEOUT, || async {
        let g = find(aws, id).await?;
        let addrs = g.and_then(|g| g.nat_gateway_addresses).unwrap_or_default();
        Ok(ok(&addrs).then_some(()))
    })
    .await?;
    done.ok_or_else(|| {
        ProviderError::new(
            format!("EC2 NAT Gateway {id}: {what} did not finish"),
            format!(
                "The change was still in progress after {} s.",
                UPDATE_TIMEOUT.as_secs()
            ),
        )
    })
}

fn settled(a: &NatGatewayAddress) -> bool {
    a.status
        .as_ref()
        .is_none_or(|s| *s == NatGatewayAddressStatus::Succeeded)
}

#[async_trait]
impl Resource for NatGateway {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new("A VPC NAT gateway."))
            .attr("id", A::computed(Type::String, "ID of the NAT gateway."))
            .attr(
                "allocation_id",
                A::optional(
                    Type::String,
                    "Allocation ID of the Elastic IP address for a public gateway.",
                )
                .force_new(),
            )
            .attr(
                "association_id",
                A::computed(Type::String, "Association ID of the Elastic IP address."),
            )
            .attr(
                "connectivity_type",
                A::optional(Type::String, "public or private; defaults to public.").force_new(),
            )
            .attr(
                "network_interface_id",
                A::computed(Type::String, "ID of the gateway's network interface."),
            )
            .attr(
                "private_ip",
                A::optional_computed(Type::String, "Private IPv4 address of the gateway.")
                    .force_new(),
            )
            .attr(
                "public_ip",
                A::computed(Type::String, "Public IP address of the gateway."),
            )
            .attr(
                "secondary_allocation_ids",
                A::optional(
                    Type::set(Type::String),
                    "Allocation IDs of secondary Elastic IP addresses (public gateways).",
                ),
            )
            .attr(
                "secondary_private_ip_address_count",
                A::optional_computed(
                    Type::Number,
                    "Number of secondary private IPv4 addresses (private gateways).",
                )
                .force_new(),
            )
            .attr(
                "secondary_private_ip_addresses",
                A::optional_computed(Type::set(Type::String), "Secondary private IPv4 addresses."),
            )
            .attr(
                "subnet_id",
                A::required(Type::String, "ID of the subnet to place the gateway in.").force_new(),
            )
            .block(
                "timeouts",
                crate::util::timeouts_block(&["create", "update", "delete"]),
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![("connectivity_type", sv("public"))]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let mut out = Vec::new();
        let ct = str_of(config, "connectivity_type");
        match ct.as_deref() {
            None | Some("public" | "private") => {}
            Some(c) => out.push(Diagnostic::error(
                "Invalid connectivity_type",
                format!("connectivity_type must be \"public\" or \"private\", not {c:?}."),
            )),
        }
        if ct.as_deref() == Some("private") {
            for k in ["allocation_id", "secondary_allocation_ids"] {
                if set(k) {
                    out.push(Diagnostic::error(
                        "Unsupported argument",
                        format!("{k} is not supported with connectivity_type = \"private\"."),
                    ));
                }
            }
        } else if set("secondary_private_ip_address_count") {
            out.push(Diagnostic::error(
                "Unsupported argument",
                "secondary_private_ip_address_count is not supported with connectivity_type = \"public\".",
            ));
        }
        if set("secondary_private_ip_address_count") && set("secondary_private_ip_addresses") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "secondary_private_ip_address_count and secondary_private_ip_addresses cannot both be set.",
            ));
        }
        out
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
        let changed = |k: &str| {
            let (a, b) = (p.get_attr(k), resp.planned.get_attr(k));
            !matches!((a, b), (Some(a), Some(b)) if a.raw_equal(b) || (a.is_null() && b.is_null()))
        };
        // Secondary addresses added or removed change the computed ones.
        let mut unknown: Vec<(&'static str, Value)> = Vec::new();
        if changed("secondary_allocation_ids") || changed("secondary_private_ip_addresses") {
            if !configured("secondary_private_ip_address_count") {
                unknown.push((
                    "secondary_private_ip_address_count",
                    Value::unknown(Type::Number),
                ));
            }
            if !configured("secondary_private_ip_addresses") {
                unknown.push((
                    "secondary_private_ip_addresses",
                    Value::unknown(Type::set(Type::String)),
                ));
            }
        }
        if !unknown.is_empty() {
            resp.planned = cairn_provider::with_attrs(&resp.planned, unknown);
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let subnet = nonempty_str(planned, "subnet_id")
            .ok_or_else(|| crate::util::missing(TYPE, "subnet_id"))?;
        let tags = tags::to_apply(aws, planned);
        let secondary_allocs = string_set_of(planned, "secondary_allocation_ids");
        let secondary_ips = string_set_of(planned, "secondary_private_ip_addresses");
        let out = aws
            .ec2()
            .create_nat_gateway()
            .client_token(client_token())
            .subnet_id(&subnet)
            .set_allocation_id(nonempty_str(planned, "allocation_id"))
            .set_connectivity_type(
                nonempty_str(planned, "connectivity_type")
                    .map(|c| ConnectivityType::from(c.as_str())),
            )
            .set_private_ip_address(nonempty_str(planned, "private_ip"))
            .set_secondary_allocation_ids(
                (!secondary_allocs.is_empty()).then_some(secondary_allocs),
            )
            .set_secondary_private_ip_addresses(
                (!secondary_ips.is_empty()).then_some(secondary_ips),
            )
            .set_secondary_private_ip_address_count(
                i64_of(planned, "secondary_private_ip_address_count")
                    .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            )
            .set_tag_specifications(tag_spec(ResourceType::Natgateway, &tags).map(|t| vec![t]))
            .send()
            .await
            .ctx(format!("creating EC2 NAT Gateway in subnet {subnet}"))?;
        let id = out
            .nat_gateway
            .and_then(|g| g.nat_gateway_id)
            .ok_or_else(|| {
                ProviderError::new("creating EC2 NAT Gateway failed", "The API returned no ID.")
            })?;

        // A NAT gateway takes minutes to become usable; routes to it fail
        // until then.
        let available = wait_for(CREATE_TIMEOUT, || async {
            let Some(g) = find(aws, &id).await? else {
                return Ok(None);
            };
            match g.state {
                Some(NatGatewayState::Available) => Ok(Some(())),
                Some(NatGatewayState::Failed) => Err(ProviderError::new(
                    format!("EC2 NAT Gateway {id} failed"),
                    format!(
                        "{}: {}",
                        g.failure_code.unwrap_or_default(),
                        g.failure_message.unwrap_or_default()
                    ),
                )
                .with_code("NatGatewayFailed")),
                _ => Ok(None),
            }
        })
        .await?;
        if available.is_none() {
            return Err(ProviderError::new(
                format!("EC2 NAT Gateway {id} did not become available"),
                format!(
                    "The gateway was created but was not available after {} s.",
                    CREATE_TIMEOUT.as_secs()
                ),
            )
            .with_hint(
                "Run cairn plan later: once available, it can be imported with cairn import.",
            ));
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 NAT Gateway", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(g) = find(aws, &id).await? else {
            return Ok(None);
        };
        let addrs = g.nat_gateway_addresses.clone().unwrap_or_default();
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        let mut secondary_allocs = Vec::new();
        let mut secondary_ips = Vec::new();
        let s = |x: &Option<String>| opt_sv(nonempty(x.as_deref()));
        for a in &addrs {
            if is_primary(a, addrs.len()) {
                m.insert("allocation_id".into(), s(&a.allocation_id));
                m.insert("association_id".into(), s(&a.association_id));
                m.insert("network_interface_id".into(), s(&a.network_interface_id));
                m.insert("private_ip".into(), s(&a.private_ip));
                m.insert("public_ip".into(), s(&a.public_ip));
            } else {
                secondary_allocs.extend(nonempty(a.allocation_id.as_deref()).map(str::to_string));
                secondary_ips.extend(nonempty(a.private_ip.as_deref()).map(str::to_string));
            }
        }
        // The API leaves out the connectivity type of public gateways
        // (its default).
        m.insert(
            "connectivity_type".into(),
            sv(g.connectivity_type
                .as_ref()
                .map_or("public", |c| c.as_str())),
        );
        m.insert(
            "secondary_allocation_ids".into(),
            opt_set_keep_null(state, "secondary_allocation_ids", secondary_allocs),
        );
        m.insert(
            "secondary_private_ip_address_count".into(),
            Value::int(i64::try_from(secondary_ips.len()).unwrap_or(i64::MAX)),
        );
        m.insert(
            "secondary_private_ip_addresses".into(),
            str_set(secondary_ips),
        );
        m.insert("subnet_id".into(), opt_sv(g.subnet_id.as_deref()));
        let (t, all) = tags::from_remote(aws, state, tag_map(g.tags.as_deref()));
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
        let diff = |k: &str| {
            let old = string_set_of(prior, k);
            let new = string_set_of(planned, k);
            let add: Vec<String> = new.iter().filter(|x| !old.contains(x)).cloned().collect();
            let del: Vec<String> = old.iter().filter(|x| !new.contains(x)).cloned().collect();
            (add, del)
        };
        let known = |k: &str| planned.get_attr(k).is_some_and(Value::is_wholly_known);
        if str_of(planned, "connectivity_type").as_deref() == Some("private") {
            let (add, del) = if known("secondary_private_ip_addresses") {
                diff("secondary_private_ip_addresses")
            } else {
                (Vec::new(), Vec::new())
            };
            if !add.is_empty() {
                aws.ec2()
                    .assign_private_nat_gateway_address()
                    .nat_gateway_id(&id)
                    .set_private_ip_addresses(Some(add.clone()))
                    .send()
                    .await
                    .ctx(format!(
                        "assigning private IP addresses to EC2 NAT Gateway {id}"
                    ))?;
                wait_addresses(aws, &id, "assigning private IP addresses", |addrs| {
                    add.iter().all(|ip| {
                        addrs
                            .iter()
                            .any(|a| a.private_ip.as_deref() == Some(ip) && settled(a))
                    })
                })
                .await?;
            }
            if !del.is_empty() {
                aws.ec2()
                    .unassign_private_nat_gateway_address()
                    .nat_gateway_id(&id)
                    .set_private_ip_addresses(Some(del.clone()))
                    .send()
                    .await
                    .ctx(format!(
                        "unassigning private IP addresses from EC2 NAT Gateway {id}"
                    ))?;
                wait_addresses(aws, &id, "unassigning private IP addresses", |addrs| {
                    !addrs.iter().any(|a| {
                        a.private_ip
                            .as_deref()
                            .is_some_and(|ip| del.iter().any(|d| d == ip))
                    })
                })
                .await?;
            }
        } else {
            let (add, del) = diff("secondary_allocation_ids");
            if !add.is_empty() {
                let (ips, _) = if known("secondary_private_ip_addresses") {
                    diff("secondary_private_ip_addresses")
                } else {
                    (Vec::new(), Vec::new())
                };
                aws.ec2()
                    .associate_nat_gateway_address()
                    .nat_gateway_id(&id)
                    .set_allocation_ids(Some(add.clone()))
                    .set_private_ip_addresses((!ips.is_empty()).then_some(ips))
                    .send()
                    .await
                    .ctx(format!(
                        "associating Elastic IP addresses with EC2 NAT Gateway {id}"
                    ))?;
                wait_addresses(aws, &id, "associating Elastic IP addresses", |addrs| {
                    add.iter().all(|x| {
                        addrs
                            .iter()
                            .any(|a| a.allocation_id.as_deref() == Some(x) && settled(a))
                    })
                })
                .await?;
            }
            if !del.is_empty() {
                let current = find(aws, &id)
                    .await?
                    .and_then(|g| g.nat_gateway_addresses)
                    .unwrap_or_default();
                let assocs: Vec<String> = current
                    .iter()
                    .filter(|a| {
                        a.allocation_id
                            .as_deref()
                            .is_some_and(|x| del.iter().any(|d| d == x))
                    })
                    .filter_map(|a| a.association_id.clone())
                    .collect();
                if !assocs.is_empty() {
                    aws.ec2()
                        .disassociate_nat_gateway_address()
                        .nat_gateway_id(&id)
                        .set_association_ids(Some(assocs))
                        .send()
                        .await
                        .ctx(format!(
                            "disassociating Elastic IP addresses from EC2 NAT Gateway {id}"
                        ))?;
                    wait_addresses(aws, &id, "disassociating Elastic IP addresses", |addrs| {
                        !addrs.iter().any(|a| {
                            a.allocation_id
                                .as_deref()
                                .is_some_and(|x| del.iter().any(|d| d == x))
                        })
                    })
                    .await?;
                }
            }
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 NAT Gateway", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        match aws
            .ec2()
            .delete_nat_gateway()
            .nat_gateway_id(&id)
            .send()
            .await
            .api()
        {
            Ok(_) => {}
            Err(e) if e.not_found() => return Ok(()),
            Err(e) => return Err(e.into_error(format!("deleting EC2 NAT Gateway {id}"))),
        }
        let gone = wait_for(DELETE_TIMEOUT, || async {
            Ok(find(aws, &id).await?.is_none().then_some(()))
        })
        .await?;
        if gone.is_none() {
            return Err(ProviderError::new(
                format!("EC2 NAT Gateway {id} was not deleted"),
                format!(
                    "The gateway was still being deleted after {} s.",
                    DELETE_TIMEOUT.as_secs()
                ),
            ));
        }
        Ok(())
    }

    fn import_hint(&self) -> String {
        "aws_nat_gateway is imported by NAT gateway ID, e.g. nat-05dba92075d71c408.".into()
    }
}
