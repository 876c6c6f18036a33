//! `aws_route`: one route in a route table.

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::table::{self, Dest, Target};
use super::{canonical_ipv6_cidr, hashcode, nonempty};
use crate::config::AwsClients;
use crate::resource::Resource;
use crate::util::{entries, nonempty_str, opt_sv, read_new, str_of, sv};

pub(crate) struct Route;

const TYPE: &str = "aws_route";

const DESTINATIONS: &[&str] = &[
    "destination_cidr_block",
    "destination_ipv6_cidr_block",
    "destination_prefix_list_id",
];

/// Targets a configuration may set (one of them).
const TARGETS: &[&str] = &[
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

/// Attributes that follow the target and change when it does.
const TARGET_COMPUTED: &[&str] = &["instance_id", "instance_owner_id", "origin", "state"];

/// Terraform's ID for a route: `r-` + table ID + hash of the destination.
fn route_id(table: &str, dest: &str) -> String {
    format!("r-{table}{}", hashcode(dest))
}

fn dest_of(v: &Value) -> Option<Dest> {
    if let Some(c) = nonempty_str(v, "destination_cidr_block") {
        return Some(Dest::Ipv4(c));
    }
    if let Some(c) = nonempty_str(v, "destination_ipv6_cidr_block") {
        return Some(Dest::ipv6(&c));
    }
    nonempty_str(v, "destination_prefix_list_id").map(Dest::PrefixList)
}

fn target_of(v: &Value) -> Option<Target> {
    TARGETS
        .iter()
        .find_map(|k| nonempty_str(v, k).map(|value| Target { key: k, value }))
}

fn table_of(v: &Value) -> Result<String, ProviderError> {
    nonempty_str(v, "route_table_id").ok_or_else(|| crate::util::missing(TYPE, "route_table_id"))
}

fn dest_required(v: &Value) -> Result<Dest, ProviderError> {
    dest_of(v).ok_or_else(|| {
        ProviderError::new(
            "aws_route has no destination",
            "One of destination_cidr_block, destination_ipv6_cidr_block and destination_prefix_list_id must be set.",
        )
    })
}

fn target_required(v: &Value) -> Result<Target, ProviderError> {
    target_of(v).ok_or_else(|| {
        ProviderError::new(
            "aws_route has no target",
            format!("One of {} must be set.", TARGETS.join(", ")),
        )
    })
}

#[async_trait]
impl Resource for Route {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let mut s = Schema::new("A route in a VPC route table.")
            .attr("id", A::computed(Type::String, "ID of the route (r- + table ID + hash of the destination)."))
            .attr("route_table_id", A::required(Type::String, "ID of the route table.").force_new())
            .attr("destination_cidr_block", A::optional(Type::String, "IPv4 CIDR block of the destination.").force_new())
            .attr("destination_ipv6_cidr_block", A::optional(Type::String, "IPv6 CIDR block of the destination.").force_new())
            .attr("destination_prefix_list_id", A::optional(Type::String, "ID of a managed prefix list as the destination.").force_new())
            .attr("carrier_gateway_id", A::optional(Type::String, "ID of a carrier gateway (Wavelength Zones; IPv4 only)."))
            .attr("core_network_arn", A::optional(Type::String, "ARN of a Cloud WAN core network."))
            .attr("egress_only_gateway_id", A::optional(Type::String, "ID of an egress-only internet gateway (IPv6 only)."))
            .attr("gateway_id", A::optional(Type::String, "ID of an internet gateway or virtual private gateway (or \"local\")."))
            .attr("local_gateway_id", A::optional(Type::String, "ID of an Outpost local gateway."))
            .attr("nat_gateway_id", A::optional(Type::String, "ID of a NAT gateway."))
            .attr("network_interface_id", A::optional_computed(Type::String, "ID of a network interface."))
            .attr("transit_gateway_id", A::optional(Type::String, "ID of a transit gateway."))
            .attr("vpc_endpoint_id", A::optional(Type::String, "ID of a VPC endpoint (Gateway Load Balancer endpoints)."))
            .attr("vpc_peering_connection_id", A::optional(Type::String, "ID of a VPC peering connection."))
            .attr("instance_id", A::computed(Type::String, "ID of the instance the route targets, if any."))
            .attr("instance_owner_id", A::computed(Type::String, "Account ID of the owner of that instance."))
            .attr("origin", A::computed(Type::String, "How the route was created: CreateRouteTable, CreateRoute or EnableVgwRoutePropagation."))
            .attr("state", A::computed(Type::String, "State of the route: active or blackhole."));
        s = s.block(
            "timeouts",
            crate::util::timeouts_block(&["create", "update", "delete"]),
        );
        s
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let mut out = Vec::new();
        let dests = DESTINATIONS.iter().filter(|k| set(k)).count();
        if dests != 1 {
            out.push(Diagnostic::error(
                "Invalid combination of arguments",
                format!(
                    "Exactly one of {} must be set; {dests} are.",
                    DESTINATIONS.join(", ")
                ),
            ));
        }
        let targets = TARGETS.iter().filter(|k| set(k)).count();
        if targets != 1 {
            out.push(Diagnostic::error(
                "Invalid combination of arguments",
                format!(
                    "Exactly one of {} must be set; {targets} are.",
                    TARGETS.join(", ")
                ),
            ));
        }
        for (a, b, why) in [
            (
                "carrier_gateway_id",
                "destination_ipv6_cidr_block",
                "carrier gateways route IPv4 only",
            ),
            (
                "egress_only_gateway_id",
                "destination_cidr_block",
                "egress-only gateways route IPv6 only",
            ),
            (
                "vpc_endpoint_id",
                "destination_prefix_list_id",
                "prefix list routes cannot target a VPC endpoint",
            ),
        ] {
            if set(a) && set(b) {
                out.push(Diagnostic::error(
                    "Conflicting arguments",
                    format!("{a} cannot be used with {b}: {why}."),
                ));
            }
        }
        if let Some(c) = str_of(config, "destination_cidr_block") {
            out.extend(crate::ec2::check_ipv4_cidr(
                "destination_cidr_block",
                &c,
                0..=32,
            ));
        }
        if let Some(c) = str_of(config, "destination_ipv6_cidr_block") {
            out.extend(crate::ec2::check_ipv6_cidr(
                "destination_ipv6_cidr_block",
                &c,
            ));
        }
        out
    }

    fn normalize_config(
        &self,
        _prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        // Equal IPv6 blocks written differently are the same destination.
        match str_of(&config, "destination_ipv6_cidr_block") {
            Some(c) => Ok(cairn_provider::with_attrs(
                &config,
                [("destination_ipv6_cidr_block", sv(canonical_ipv6_cidr(&c)))],
            )),
            None => Ok(config),
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
        // A new target changes what the API reports about it.
        let changed = TARGETS.iter().any(|k| {
            config.get_attr(k).is_some_and(|v| !v.is_null()) && str_of(p, k) != str_of(config, k)
        });
        if changed {
            let mut unknown: Vec<(&'static str, Value)> = TARGET_COMPUTED
                .iter()
                .map(|k| (*k, Value::unknown(Type::String)))
                .collect();
            if config
                .get_attr("network_interface_id")
                .is_none_or(Value::is_null)
            {
                unknown.push(("network_interface_id", Value::unknown(Type::String)));
            }
            resp.planned = cairn_provider::with_attrs(&resp.planned, unknown);
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let table = table_of(planned)?;
        let dest = dest_required(planned)?;
        let target = target_required(planned)?;
        table::create_route(aws, &table, &dest, &target).await?;
        let id = route_id(&table, dest.value());
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Route", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let table = table_of(state)?;
        let dest = dest_required(state)?;
        let Some(r) = table::find_route(aws, &table, &dest).await? else {
            return Ok(None);
        };
        let s = |x: &Option<String>| opt_sv(nonempty(x.as_deref()));
        let mut m = entries(state);
        m.insert("id".into(), sv(route_id(&table, dest.value())));
        m.insert("route_table_id".into(), sv(&table));
        m.insert(
            "destination_cidr_block".into(),
            s(&r.destination_cidr_block),
        );
        m.insert(
            "destination_ipv6_cidr_block".into(),
            opt_sv(nonempty(r.destination_ipv6_cidr_block.as_deref()).map(canonical_ipv6_cidr)),
        );
        m.insert(
            "destination_prefix_list_id".into(),
            s(&r.destination_prefix_list_id),
        );
        // The API reports VPC endpoint targets as gateway IDs.
        let gw = nonempty(r.gateway_id.as_deref());
        let endpoint = gw.filter(|g| g.starts_with("vpce-"));
        m.insert(
            "gateway_id".into(),
            opt_sv(gw.filter(|g| !g.starts_with("vpce-"))),
        );
        m.insert("vpc_endpoint_id".into(), opt_sv(endpoint));
        m.insert("carrier_gateway_id".into(), s(&r.carrier_gateway_id));
        m.insert("core_network_arn".into(), s(&r.core_network_arn));
        m.insert(
            "egress_only_gateway_id".into(),
            s(&r.egress_only_internet_gateway_id),
        );
        m.insert("local_gateway_id".into(), s(&r.local_gateway_id));
        m.insert("nat_gateway_id".into(), s(&r.nat_gateway_id));
        m.insert("network_interface_id".into(), s(&r.network_interface_id));
        m.insert("transit_gateway_id".into(), s(&r.transit_gateway_id));
        m.insert(
            "vpc_peering_connection_id".into(),
            s(&r.vpc_peering_connection_id),
        );
        m.insert("instance_id".into(), s(&r.instance_id));
        m.insert("instance_owner_id".into(), s(&r.instance_owner_id));
        m.insert(
            "origin".into(),
            opt_sv(r.origin.as_ref().map(|o| o.as_str())),
        );
        m.insert("state".into(), opt_sv(r.state.as_ref().map(|o| o.as_str())));
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let table = table_of(prior)?;
        let dest = dest_required(prior)?;
        let target = target_required(planned)?;
        if target_of(prior).as_ref() != Some(&target) {
            table::replace_route(aws, &table, &dest, &target).await?;
        }
        let id = route_id(&table, dest.value());
        read_new("EC2 Route", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let table = table_of(state)?;
        let dest = dest_required(state)?;
        table::delete_route(aws, &table, &dest).await
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let parts = id
            .split_once('_')
            .filter(|(t, d)| !t.is_empty() && !d.is_empty() && !d.contains('_'));
        let Some((table, dest)) = parts else {
            return Err(ProviderError::new(
                format!("Invalid import ID {id:?}"),
                "aws_route is imported as ROUTETABLEID_DESTINATION.",
            )
            .with_hint(self.import_hint()));
        };
        let key = if dest.contains(':') {
            "destination_ipv6_cidr_block"
        } else if dest.contains('.') {
            "destination_cidr_block"
        } else {
            "destination_prefix_list_id"
        };
        let dest = if key == "destination_ipv6_cidr_block" {
            canonical_ipv6_cidr(dest)
        } else {
            dest.to_string()
        };
        let mut m = cairn_provider::empty_object(schema);
        m.insert("id".into(), sv(route_id(table, &dest)));
        m.insert("route_table_id".into(), sv(table));
        m.insert(key.into(), sv(dest));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_route is imported as ROUTETABLEID_DESTINATION, e.g. rtb-656c65616e6f72_10.42.0.0/16, rtb-656c65616e6f72_2620:0:2d0:200::8/125 or rtb-656c65616e6f72_pl-0570a1d2d725c16be.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_terraform() {
        // r- + table ID + CRC-32 of the destination, in decimal.
        assert_eq!(route_id("rtb-1", "10.50.0.0/16"), "r-rtb-11125690821");
        assert_eq!(route_id("rtb-1", "::/0"), "r-rtb-12750132062");
    }
}
