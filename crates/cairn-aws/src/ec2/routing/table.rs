//! What `aws_route_table`, `aws_default_route_table` and `aws_route`
//! share: route destinations and targets, the `route` set, reading a
//! table, and bringing its routes and VGW propagations to the planned
//! ones.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Route, RouteOrigin};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, NestedBlock, Nesting, ProviderError, Schema};
use cairn_value::{Kind, Type, Value};

use super::{canonical_ipv6_cidr, string_set_of};
use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::tags;
use crate::util::{blocks_of, entries, nonempty_str, opt_sv, str_of, str_set, sv, wait_for};

/// Destination attributes of a `route` element.
pub(super) const DESTINATIONS: &[&str] = &[
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
];

/// Target attributes of an `aws_route_table` route.
pub(super) const TABLE_TARGETS: &[&str] = &[
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

/// Target attributes of an `aws_default_route_table` route: the default
/// (main) table of a VPC cannot route to carrier or local gateways.
pub(super) const DEFAULT_TARGETS: &[&str] = &[
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

/// How long route and table changes may take to show up.
pub(super) const ROUTE_TIMEOUT: Duration = Duration::from_secs(300);

/// The schema of one `route` element.
pub(super) fn route_schema(targets: &[&str]) -> Schema {
    let mut s = Schema::new("A route of the table.")
        .attr(
            "cidr_block",
            A::optional(Type::String, "IPv4 CIDR block of the destination."),
        )
        .attr(
            "ipv6_cidr_block",
            A::optional(Type::String, "IPv6 CIDR block of the destination."),
        )
        .attr(
            "destination_prefix_list_id",
            A::optional(
                Type::String,
                "ID of a managed prefix list as the destination.",
            ),
        );
    for t in targets {
        let what = match *t {
            "carrier_gateway_id" => "ID of a carrier gateway (Wavelength Zones).",
            "core_network_arn" => "ARN of a Cloud WAN core network.",
            "egress_only_gateway_id" => "ID of an egress-only internet gateway.",
            "gateway_id" => "ID of an internet gateway or virtual private gateway.",
            "local_gateway_id" => "ID of an Outpost local gateway.",
            "nat_gateway_id" => "ID of a NAT gateway.",
            "network_interface_id" => "ID of a network interface.",
            "transit_gateway_id" => "ID of a transit gateway.",
            "vpc_endpoint_id" => "ID of a VPC endpoint (Gateway Load Balancer endpoints).",
            _ => "ID of a VPC peering connection.",
        };
        s = s.attr(t, A::optional(Type::String, what));
    }
    s
}

/// The `route` set. Terraform processes it in attribute-as-blocks mode
/// (optional and computed): routes are written as `route { ... }` blocks,
/// and leaving them all out leaves the table's routes unmanaged.
pub(super) fn route_block(targets: &[&str]) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::Set,
        block: route_schema(targets),
        min_items: 0,
        max_items: None,
        force_new: false,
    }
}

// ---- destinations and targets ---------------------------------------------

/// Where a route sends traffic from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Dest {
    Ipv4(String),
    /// Canonical text, as the API reports it.
    Ipv6(String),
    PrefixList(String),
}

impl Dest {
    pub(super) fn value(&self) -> &str {
        match self {
            Dest::Ipv4(s) | Dest::Ipv6(s) | Dest::PrefixList(s) => s,
        }
    }

    pub(super) fn ipv6(s: &str) -> Dest {
        Dest::Ipv6(canonical_ipv6_cidr(s))
    }

    /// The destination of a route the API reports.
    pub(super) fn of_route(r: &Route) -> Option<Dest> {
        if let Some(c) = r
            .destination_cidr_block
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            return Some(Dest::Ipv4(c.to_string()));
        }
        if let Some(c) = r
            .destination_ipv6_cidr_block
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            return Some(Dest::ipv6(c));
        }
        r.destination_prefix_list_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|p| Dest::PrefixList(p.to_string()))
    }

    /// The destination of a `route` element (`cidr_block` and so on).
    fn of_element(v: &Value) -> Option<Dest> {
        if let Some(c) = nonempty_str(v, "cidr_block") {
            return Some(Dest::Ipv4(c));
        }
        if let Some(c) = nonempty_str(v, "ipv6_cidr_block") {
            return Some(Dest::ipv6(&c));
        }
        nonempty_str(v, "destination_prefix_list_id").map(Dest::PrefixList)
    }

    fn describe(&self) -> String {
        format!("route to {}", self.value())
    }
}

/// A route target: the attribute naming it and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Target {
    pub key: &'static str,
    pub value: String,
}

fn target_of_element(v: &Value, targets: &[&'static str]) -> Option<Target> {
    targets
        .iter()
        .find_map(|k| nonempty_str(v, k).map(|value| Target { key: k, value }))
}

/// Sets a destination and target on a CreateRoute or ReplaceRoute request
/// (their builders share method names but not a type).
macro_rules! route_request {
    ($req:expr, $dest:expr, $target:expr) => {{
        let req = match $dest {
            Dest::Ipv4(c) => $req.destination_cidr_block(c),
            Dest::Ipv6(c) => $req.destination_ipv6_cidr_block(c),
            Dest::PrefixList(p) => $req.destination_prefix_list_id(p),
        };
        let t = $target.value.as_str();
        match $target.key {
            "carrier_gateway_id" => req.carrier_gateway_id(t),
            "core_network_arn" => req.core_network_arn(t),
            "egress_only_gateway_id" => req.egress_only_internet_gateway_id(t),
            "instance_id" => req.instance_id(t),
            "local_gateway_id" => req.local_gateway_id(t),
            "nat_gateway_id" => req.nat_gateway_id(t),
            "network_interface_id" => req.network_interface_id(t),
            "transit_gateway_id" => req.transit_gateway_id(t),
            "vpc_endpoint_id" => req.vpc_endpoint_id(t),
            "vpc_peering_connection_id" => req.vpc_peering_connection_id(t),
            _ => req.gateway_id(t),
        }
    }};
}

/// Adds a route. Retries the errors AWS gives while a just-created
/// transit gateway attachment or similar is not yet usable.
pub(super) async fn create_route(
    aws: &AwsClients,
    table: &str,
    dest: &Dest,
    target: &Target,
) -> Result<(), ProviderError> {
    let action = format!("adding the {} to EC2 Route Table {table}", dest.describe());
    let deadline = std::time::Instant::now() + ROUTE_TIMEOUT;
    loop {
        let req = aws.ec2().create_route().route_table_id(table);
        let req = route_request!(req, dest, target);
        match req.send().await.api() {
            Ok(_) => break,
            Err(e)
                if e.is_any(&[
                    "InvalidParameterException",
                    "InvalidTransitGatewayID.NotFound",
                ]) && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) if e.is("InvalidGatewayID.NotFound") && target.value == "local" => {
                return Err(ProviderError::new(
                    format!("{action} failed"),
                    "Local routes (to the VPC's own CIDR blocks) cannot be created.",
                )
                .with_hint("Import the existing local route with cairn import instead."));
            }
            Err(e) => return Err(e.into_error(action)),
        }
    }
    wait_route(aws, table, dest, true).await
}

/// Changes the target of an existing route.
pub(super) async fn replace_route(
    aws: &AwsClients,
    table: &str,
    dest: &Dest,
    target: &Target,
) -> Result<(), ProviderError> {
    let req = aws.ec2().replace_route().route_table_id(table);
    let req = if target.key == "gateway_id" && target.value == "local" {
        // Restoring a local route's target is its own flag.
        match dest {
            Dest::Ipv4(c) => req.destination_cidr_block(c),
            Dest::Ipv6(c) => req.destination_ipv6_cidr_block(c),
            Dest::PrefixList(p) => req.destination_prefix_list_id(p),
        }
        .local_target(true)
    } else {
        route_request!(req, dest, target)
    };
    req.send().await.ctx(format!(
        "changing the target of the {} in EC2 Route Table {table}",
        dest.describe()
    ))?;
    wait_route(aws, table, dest, true).await
}

/// Removes a route; one already gone is success.
pub(super) async fn delete_route(
    aws: &AwsClients,
    table: &str,
    dest: &Dest,
) -> Result<(), ProviderError> {
    let req = aws.ec2().delete_route().route_table_id(table);
    let req = match dest {
        Dest::Ipv4(c) => req.destination_cidr_block(c),
        Dest::Ipv6(c) => req.destination_ipv6_cidr_block(c),
        Dest::PrefixList(p) => req.destination_prefix_list_id(p),
    };
    match req.send().await.api() {
        Ok(_) => {}
        Err(e) if e.is("InvalidRoute.NotFound") || e.not_found() => return Ok(()),
        // Local routes cannot be removed; there is nothing to undo.
        Err(e) if e.is("InvalidParameterValue") && e.message.contains("local route") => {
            return Ok(())
        }
        Err(e) => {
            return Err(e.into_error(format!(
                "removing the {} from EC2 Route Table {table}",
                dest.describe()
            )))
        }
    }
    wait_route(aws, table, dest, false).await
}

/// The route to `dest`, or `None` when the table or route does not exist.
pub(super) async fn find_route(
    aws: &AwsClients,
    table: &str,
    dest: &Dest,
) -> Result<Option<Route>, ProviderError> {
    Ok(find_table(aws, table).await?.and_then(|t| {
        t.routes
            .unwrap_or_default()
            .into_iter()
            .find(|r| Dest::of_route(r).as_ref() == Some(dest))
    }))
}

/// Waits until the route to `dest` exists (`present`) or is gone.
async fn wait_route(
    aws: &AwsClients,
    table: &str,
    dest: &Dest,
    present: bool,
) -> Result<(), ProviderError> {
    let done = wait_for(ROUTE_TIMEOUT, || async {
        let r = find_route(aws, table, dest).await?;
        Ok((r.is_some() == present).then_some(()))
    })
    .await?;
    if done.is_none() {
        return Err(ProviderError::new(
            format!("EC2 Route Table {table}: {} not settled", dest.describe()),
            format!(
                "The {} was still {} after {} s.",
                dest.describe(),
                if present { "missing" } else { "present" },
                ROUTE_TIMEOUT.as_secs()
            ),
        ));
    }
    Ok(())
}

// ---- tables ----------------------------------------------------------------

/// The route table `id`, or `None` when it does not exist.
pub(super) async fn find_table(
    aws: &AwsClients,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::RouteTable>, ProviderError> {
    match aws
        .ec2()
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o.route_tables.unwrap_or_default().into_iter().next()),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e.into_error(format!("reading EC2 Route Table {id}"))),
    }
}

/// Routes the table resources manage: not the local route, not routes
/// propagated from a virtual private gateway, and not the prefix-list
/// routes of gateway VPC endpoints (aws_vpc_endpoint manages those).
pub(super) fn managed(r: &Route) -> bool {
    let gw = r.gateway_id.as_deref().unwrap_or_default();
    if gw == "local" || gw == "VpcLattice" {
        return false;
    }
    if r.origin == Some(RouteOrigin::EnableVgwRoutePropagation) {
        return false;
    }
    !(r.destination_prefix_list_id.is_some() && gw.starts_with("vpce-"))
}

/// A route as a `route` element with the given target attributes.
fn route_element(r: &Route, targets: &[&str]) -> Value {
    let mut m = BTreeMap::new();
    let nonempty = |s: &Option<String>| s.as_deref().filter(|x| !x.is_empty()).map(str::to_string);
    m.insert(
        "cidr_block".to_string(),
        opt_sv(nonempty(&r.destination_cidr_block)),
    );
    m.insert(
        "ipv6_cidr_block".to_string(),
        opt_sv(nonempty(&r.destination_ipv6_cidr_block).map(|c| canonical_ipv6_cidr(&c))),
    );
    m.insert(
        "destination_prefix_list_id".to_string(),
        opt_sv(nonempty(&r.destination_prefix_list_id)),
    );
    // The API reports VPC endpoint targets as gateway IDs.
    let gw = nonempty(&r.gateway_id);
    let (gateway, endpoint) = match gw {
        Some(g) if g.starts_with("vpce-") => (None, Some(g)),
        g => (g, None),
    };
    for t in targets {
        let v = match *t {
            "carrier_gateway_id" => nonempty(&r.carrier_gateway_id),
            "core_network_arn" => nonempty(&r.core_network_arn),
            "egress_only_gateway_id" => nonempty(&r.egress_only_internet_gateway_id),
            "gateway_id" => gateway.clone(),
            "local_gateway_id" => nonempty(&r.local_gateway_id),
            "nat_gateway_id" => nonempty(&r.nat_gateway_id),
            "network_interface_id" => nonempty(&r.network_interface_id),
            "transit_gateway_id" => nonempty(&r.transit_gateway_id),
            "vpc_endpoint_id" => endpoint.clone(),
            _ => nonempty(&r.vpc_peering_connection_id),
        };
        m.insert((*t).to_string(), opt_sv(v));
    }
    Value::object(m)
}

/// The `route` set of a table's routes.
pub(super) fn route_set(routes: &[Route], targets: &[&str]) -> Value {
    Value::set(
        route_schema(targets).implied_type(),
        routes
            .iter()
            .filter(|r| managed(r))
            .map(|r| route_element(r, targets))
            .collect(),
    )
}

/// Rewrites the configured `route` set: IPv6 CIDR blocks in the API's
/// canonical form and empty strings as null (Terraform treats them alike),
/// and, as the attribute is optional and computed, no `route` blocks at
/// all keeps the prior routes (they are not managed).
pub(super) fn normalize_routes(prior: Option<&Value>, config: Value, targets: &[&str]) -> Value {
    let Some(routes) = config.get_attr("route") else {
        return config;
    };
    if routes.is_unknown() {
        return config;
    }
    let items = routes.as_seq().unwrap_or_default();
    if items.is_empty() {
        return match prior.and_then(|p| p.get_attr("route")) {
            Some(p) => cairn_provider::with_attrs(&config, [("route", p.clone())]),
            None => config,
        };
    }
    let items = items
        .iter()
        .map(|item| {
            let Some(m) = item.as_entries() else {
                return item.clone();
            };
            let m = m
                .iter()
                .map(|(k, v)| {
                    let v = match v.as_str() {
                        Some("") => Value::null(Type::String),
                        Some(s) if k == "ipv6_cidr_block" => sv(canonical_ipv6_cidr(s)),
                        _ => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect();
            Value::object(m).mark(item.sensitive)
        })
        .collect();
    let ty = match &routes.kind {
        Kind::Set(t, _) => t.clone(),
        _ => route_schema(targets).implied_type(),
    };
    cairn_provider::with_attrs(
        &config,
        [("route", Value::set(ty, items).mark(routes.sensitive))],
    )
}

/// Each configured route has exactly one destination and one target.
pub(super) fn validate_routes(config: &Value, targets: &[&str]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in blocks_of(config, "route") {
        let set = |k: &str| {
            r.get_attr(k)
                .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
        };
        let dests = DESTINATIONS.iter().filter(|k| set(k)).count();
        let tgts = targets.iter().filter(|k| set(k)).count();
        if dests != 1 {
            out.push(Diagnostic::error(
                "Invalid route",
                format!(
                    "Each route needs exactly one destination ({}); this one has {dests}.",
                    DESTINATIONS.join(", ")
                ),
            ));
        }
        if tgts != 1 {
            out.push(Diagnostic::error(
                "Invalid route",
                format!(
                    "Each route needs exactly one target ({}); this one has {tgts}.",
                    targets.join(", ")
                ),
            ));
        }
        if let Some(c) = str_of(r, "cidr_block").filter(|c| !c.is_empty()) {
            out.extend(crate::ec2::check_ipv4_cidr("route cidr_block", &c, 0..=32));
        }
        if let Some(c) = str_of(r, "ipv6_cidr_block").filter(|c| !c.is_empty()) {
            out.extend(crate::ec2::check_ipv6_cidr("route ipv6_cidr_block", &c));
        }
    }
    out
}

/// Brings the table's routes from the prior `route` set to the planned
/// one: a destination in both with another target is replaced in place,
/// new destinations are added, and destinations no longer planned are
/// removed.
pub(super) async fn sync_routes(
    aws: &AwsClients,
    table: &str,
    prior: &Value,
    planned: &Value,
    targets: &[&'static str],
) -> Result<(), ProviderError> {
    let parse = |v: &Value| -> Vec<(Dest, Option<Target>)> {
        blocks_of(v, "route")
            .into_iter()
            .filter_map(|r| Some((Dest::of_element(r)?, target_of_element(r, targets))))
            .collect()
    };
    let old = parse(prior);
    let new = parse(planned);
    for (dest, target) in &new {
        let Some(target) = target else {
            return Err(ProviderError::new(
                format!("EC2 Route Table {table}: {} has no target", dest.describe()),
                format!("Each route needs one of {}.", targets.join(", ")),
            ));
        };
        match old.iter().find(|(d, _)| d == dest) {
            Some((_, t)) if t.as_ref() == Some(target) => {}
            Some(_) => replace_route(aws, table, dest, target).await?,
            None => create_route(aws, table, dest, target).await?,
        }
    }
    for (dest, _) in &old {
        if !new.iter().any(|(d, _)| d == dest) {
            delete_route(aws, table, dest).await?;
        }
    }
    Ok(())
}

/// Brings route propagation from virtual private gateways to the planned
/// set (when it is known).
pub(super) async fn sync_vgws(
    aws: &AwsClients,
    table: &str,
    prior: &[String],
    planned: &Value,
) -> Result<(), ProviderError> {
    let Some(p) = planned.get_attr("propagating_vgws") else {
        return Ok(());
    };
    if p.is_null() || !p.is_wholly_known() {
        return Ok(());
    }
    let new = string_set_of(planned, "propagating_vgws");
    for gw in prior.iter().filter(|g| !new.contains(g)) {
        disable_vgw(aws, table, gw).await?;
    }
    for gw in new.iter().filter(|g| !prior.contains(g)) {
        enable_vgw(aws, table, gw).await?;
    }
    Ok(())
}

pub(super) async fn disable_vgw(
    aws: &AwsClients,
    table: &str,
    gw: &str,
) -> Result<(), ProviderError> {
    aws.ec2()
        .disable_vgw_route_propagation()
        .route_table_id(table)
        .gateway_id(gw)
        .send()
        .await
        .ctx(format!(
            "disabling route propagation from VPN gateway {gw} to EC2 Route Table {table}"
        ))?;
    Ok(())
}

/// Enables propagation, retrying while the gateway is still attaching.
async fn enable_vgw(aws: &AwsClients, table: &str, gw: &str) -> Result<(), ProviderError> {
    let action =
        format!("enabling route propagation from VPN gateway {gw} to EC2 Route Table {table}");
    let deadline = std::time::Instant::now() + ROUTE_TIMEOUT;
    loop {
        match aws
            .ec2()
            .enable_vgw_route_propagation()
            .route_table_id(table)
            .gateway_id(gw)
            .send()
            .await
            .map_err(ApiError::from_sdk)
        {
            Ok(_) => return Ok(()),
            Err(e) if e.is("Gateway.NotAttached") && std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            Err(e) => return Err(e.into_error(action)),
        }
    }
}

/// The state of a route table: the attributes both table resources
/// share, on top of `state`. `vgws_keep_null` keeps an unset, empty
/// `propagating_vgws` null (where the argument is not computed).
pub(super) fn table_state(
    aws: &AwsClients,
    state: &Value,
    t: &aws_sdk_ec2::types::RouteTable,
    targets: &[&str],
    vgws_keep_null: bool,
) -> BTreeMap<String, Value> {
    let id = t.route_table_id.clone().unwrap_or_default();
    let owner = t.owner_id.clone().unwrap_or_default();
    let mut m = entries(state);
    m.insert("id".into(), sv(&id));
    m.insert(
        "arn".into(),
        sv(aws.arn("ec2", &aws.region, &owner, &format!("route-table/{id}"))),
    );
    m.insert("owner_id".into(), sv(&owner));
    m.insert("vpc_id".into(), opt_sv(t.vpc_id.as_deref()));
    let vgws = vgws_of(t);
    m.insert(
        "propagating_vgws".into(),
        if vgws_keep_null {
            super::opt_set_keep_null(state, "propagating_vgws", vgws)
        } else {
            str_set(vgws)
        },
    );
    m.insert(
        "route".into(),
        route_set(t.routes.as_deref().unwrap_or_default(), targets),
    );
    // FSx tags its route tables itself; those are not configuration.
    let mut remote = crate::ec2::tag_map(t.tags.as_deref());
    remote.remove("AmazonFSx");
    let (tg, all) = tags::from_remote(aws, state, remote);
    m.insert("tags".into(), tg);
    m.insert("tags_all".into(), all);
    m
}

/// The gateways a table propagates routes from, per the API.
pub(super) fn vgws_of(t: &aws_sdk_ec2::types::RouteTable) -> Vec<String> {
    t.propagating_vgws
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|g| g.gateway_id.clone())
        .collect()
}
