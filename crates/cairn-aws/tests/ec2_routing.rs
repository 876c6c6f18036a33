//! Route tables, routes, associations, elastic IPs and NAT gateways
//! against a real moto server.

mod common;

use aws_sdk_ec2::types::{GatewayType, Tag};
use cairn_provider::{ApplyRequest, ProviderError};
use cairn_value::Value;
use common::*;

/// Plans and applies a change, returning the provider's answer (for
/// changes expected to fail).
async fn try_apply(
    env: &Env,
    t: &str,
    prior: Option<&Value>,
    config: &Value,
) -> Result<Value, ProviderError> {
    let plan = env.plan(t, prior, config).await;
    env.provider
        .apply(ApplyRequest {
            type_name: t.into(),
            prior: prior.cloned(),
            planned: Some(plan.planned),
            config: config.clone(),
            idempotency_key: None,
        })
        .await
}

/// The route tables of a VPC, per the API.
async fn tables_in(env: &Env, vpc_id: &str) -> usize {
    env.ec2()
        .describe_route_tables()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(vpc_id)
                .build(),
        )
        .send()
        .await
        .expect("describe")
        .route_tables
        .unwrap_or_default()
        .len()
}

/// A VPC (through the provider) and an attached internet gateway.
async fn vpc_with_igw(env: &Env, cidr: &str) -> (Value, String, String) {
    let vpc = env
        .create(
            "aws_vpc",
            &env.config("aws_vpc", &[("cidr_block", s(cidr))]),
        )
        .await;
    let vpc_id = str_attr(&vpc, "id");
    let igw = env
        .create(
            "aws_internet_gateway",
            &env.config("aws_internet_gateway", &[("vpc_id", s(&vpc_id))]),
        )
        .await;
    (vpc, vpc_id, str_attr(&igw, "id"))
}

async fn subnet(env: &Env, vpc_id: &str, cidr: &str) -> String {
    env.ec2()
        .create_subnet()
        .vpc_id(vpc_id)
        .cidr_block(cidr)
        .send()
        .await
        .expect("subnet")
        .subnet
        .and_then(|s| s.subnet_id)
        .expect("subnet id")
}

/// A network interface in `subnet`: (ID, private IP).
async fn eni(env: &Env, subnet: &str) -> (String, String) {
    let n = env
        .ec2()
        .create_network_interface()
        .subnet_id(subnet)
        .send()
        .await
        .expect("eni")
        .network_interface
        .expect("eni");
    (
        n.network_interface_id.expect("eni id"),
        n.private_ip_address.expect("eni ip"),
    )
}

/// A `route` element of the table type `t`.
fn route(env: &Env, t: &str, attrs: &[(&str, Value)]) -> Value {
    obj(&env.schema(t).blocks["route"].block, attrs)
}

fn routes(env: &Env, t: &str, items: Vec<Value>) -> Value {
    Value::set(env.schema(t).blocks["route"].block.implied_type(), items)
}

/// The routes of a table per the API: (destination, target).
async fn remote_routes(env: &Env, rtb: &str) -> Vec<(String, String)> {
    let t = env
        .ec2()
        .describe_route_tables()
        .route_table_ids(rtb)
        .send()
        .await
        .expect("describe")
        .route_tables
        .unwrap_or_default();
    let mut out: Vec<(String, String)> = t[0]
        .routes
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            (
                r.destination_cidr_block
                    .or(r.destination_ipv6_cidr_block)
                    .or(r.destination_prefix_list_id)
                    .unwrap_or_default(),
                r.gateway_id
                    .or(r.nat_gateway_id)
                    .or(r.network_interface_id)
                    .unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

/// The (destination, target) pairs of a `route` set in state.
fn state_routes(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = get(v, "route")
        .as_seq()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let first = |ks: &[&str]| {
                ks.iter()
                    .find_map(|k| r.get_attr(k).and_then(|x| x.as_str()).map(str::to_string))
                    .unwrap_or_default()
            };
            (
                first(&[
                    "cidr_block",
                    "ipv6_cidr_block",
                    "destination_prefix_list_id",
                ]),
                first(&[
                    "gateway_id",
                    "nat_gateway_id",
                    "network_interface_id",
                    "vpc_endpoint_id",
                ]),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_table_lifecycle() {
    let env = env().await;
    let (_vpc, vpc_id, igw) = vpc_with_igw(&env, "10.10.0.0/16").await;
    let sub = subnet(&env, &vpc_id, "10.10.1.0/24").await;
    let (nic, _) = eni(&env, &sub).await;
    let t = "aws_route_table";

    let config = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            (
                "route",
                routes(
                    &env,
                    t,
                    vec![route(
                        &env,
                        t,
                        &[("cidr_block", s("0.0.0.0/0")), ("gateway_id", s(&igw))],
                    )],
                ),
            ),
            ("tags", tags(&[("Name", "public")])),
        ],
    );
    let state = env.create(t, &config).await;
    let id = str_attr(&state, "id");
    assert!(id.starts_with("rtb-"), "{id}");
    assert_eq!(
        str_attr(&state, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:route-table/{id}")
    );
    assert_eq!(str_attr(&state, "owner_id"), "123456789012");
    assert_eq!(str_attr(&state, "vpc_id"), vpc_id);
    assert_eq!(get(&state, "propagating_vgws").len(), Some(0));
    assert_eq!(state_routes(&state), pairs(&[("0.0.0.0/0", &igw)]));
    assert_eq!(
        tag_map(&state, "tags_all"),
        map(&[("Environment", "test"), ("Name", "public")])
    );
    // The local route is there but not managed.
    assert_eq!(
        remote_routes(&env, &id).await,
        pairs(&[("0.0.0.0/0", &igw), ("10.10.0.0/16", "local")])
    );
    let read = env.read(t, &state).await.expect("exists");
    assert_same(t, &state, &read);
    env.assert_no_changes(t, &state, &config).await;

    // In place: a second route (IPv6 written non-canonically), new tags.
    let config2 = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            (
                "route",
                routes(
                    &env,
                    t,
                    vec![
                        route(
                            &env,
                            t,
                            &[("cidr_block", s("0.0.0.0/0")), ("gateway_id", s(&igw))],
                        ),
                        route(
                            &env,
                            t,
                            &[
                                ("cidr_block", s("192.168.0.0/16")),
                                ("network_interface_id", s(&nic)),
                            ],
                        ),
                        route(
                            &env,
                            t,
                            &[
                                ("ipv6_cidr_block", s("2001:DB8::/64")),
                                ("gateway_id", s(&igw)),
                            ],
                        ),
                    ],
                ),
            ),
            ("tags", tags(&[("Name", "public-2")])),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    assert_eq!(get(&state, "route").len(), Some(3));
    assert_eq!(
        remote_routes(&env, &id).await,
        pairs(&[
            ("0.0.0.0/0", &igw),
            ("10.10.0.0/16", "local"),
            ("192.168.0.0/16", &nic),
            ("2001:db8::/64", &igw),
        ])
    );
    env.assert_no_changes(t, &state, &config2).await;

    // Changing a route's target replaces that route in place; dropping
    // one removes it.
    let config3 = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            (
                "route",
                routes(
                    &env,
                    t,
                    vec![route(
                        &env,
                        t,
                        &[
                            ("cidr_block", s("0.0.0.0/0")),
                            ("network_interface_id", s(&nic)),
                        ],
                    )],
                ),
            ),
            ("tags", tags(&[("Name", "public-2")])),
        ],
    );
    let state = env.update(t, &state, &config3).await;
    assert_eq!(
        remote_routes(&env, &id).await,
        pairs(&[("0.0.0.0/0", &nic), ("10.10.0.0/16", "local")])
    );
    env.assert_no_changes(t, &state, &config3).await;

    // No route blocks at all: the routes are not managed (attribute-as-
    // blocks), so nothing changes.
    let unmanaged = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            ("tags", tags(&[("Name", "public-2")])),
        ],
    );
    env.assert_no_changes(t, &state, &unmanaged).await;

    // Another VPC replaces the table.
    let other = env.config(t, &[("vpc_id", s("vpc-0123456789abcdef0"))]);
    env.assert_replaces(t, &state, &other, "vpc_id").await;

    // Import by ID.
    let imported = env.import(t, &id).await;
    assert_eq!(str_attr(&imported, "vpc_id"), vpc_id);
    assert_eq!(state_routes(&imported), pairs(&[("0.0.0.0/0", &nic)]));
    env.assert_no_changes(t, &imported, &config3).await;

    // A route added outside cairn shows up, and applying removes it.
    env.ec2()
        .create_route()
        .route_table_id(&id)
        .destination_cidr_block("172.16.0.0/12")
        .gateway_id(&igw)
        .send()
        .await
        .expect("route");
    let drifted = env.read(t, &state).await.expect("exists");
    assert_eq!(
        state_routes(&drifted),
        pairs(&[("0.0.0.0/0", &nic), ("172.16.0.0/12", &igw)])
    );
    let fixed = env.update(t, &drifted, &config3).await;
    assert_same(t, &state, &fixed);
    assert_eq!(
        remote_routes(&env, &id).await,
        pairs(&[("0.0.0.0/0", &nic), ("10.10.0.0/16", "local")])
    );

    // Destroy (also with a subnet associated), then destroy again.
    env.ec2()
        .associate_route_table()
        .route_table_id(&id)
        .subnet_id(&sub)
        .send()
        .await
        .expect("associate");
    env.delete(t, &state).await;
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;

    // A route needs one destination and one target.
    let bad = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            (
                "route",
                routes(
                    &env,
                    t,
                    vec![route(
                        &env,
                        t,
                        &[
                            ("cidr_block", s("0.0.0.0/0")),
                            ("gateway_id", s(&igw)),
                            ("nat_gateway_id", s("nat-0123")),
                        ],
                    )],
                ),
            ),
        ],
    );
    let diags = env.provider.validate_resource(t, &bad);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(env.provider.validate_resource(t, &config3).is_empty());

    // moto does not implement VGW route propagation (HTTP 500): the
    // create fails with that error and leaves no table behind.
    let vgw = env
        .ec2()
        .create_vpn_gateway()
        .r#type(GatewayType::Ipsec1)
        .send()
        .await
        .expect("vgw")
        .vpn_gateway
        .and_then(|g| g.vpn_gateway_id)
        .expect("vgw id");
    let before = tables_in(&env, &vpc_id).await;
    let with_vgw = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            ("propagating_vgws", string_set(&[&vgw])),
        ],
    );
    let err = try_apply(&env, t, None, &with_vgw)
        .await
        .expect_err("moto has no VGW propagation");
    assert!(err.summary.contains("route propagation"), "{err:?}");
    assert_eq!(tables_in(&env, &vpc_id).await, before);

    // Deleted outside cairn: reads as gone.
    let second = env
        .create(t, &env.config(t, &[("vpc_id", s(&vpc_id))]))
        .await;
    assert_eq!(get(&second, "route").len(), Some(0));
    env.ec2()
        .delete_route_table()
        .route_table_id(str_attr(&second, "id"))
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &second).await.is_none());
    env.delete(t, &second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_lifecycle() {
    let env = env().await;
    let (_vpc, vpc_id, igw) = vpc_with_igw(&env, "10.20.0.0/16").await;
    let sub = subnet(&env, &vpc_id, "10.20.1.0/24").await;
    let (nic1, _) = eni(&env, &sub).await;
    let (nic2, _) = eni(&env, &sub).await;
    let rt = env
        .create(
            "aws_route_table",
            &env.config("aws_route_table", &[("vpc_id", s(&vpc_id))]),
        )
        .await;
    let rtb = str_attr(&rt, "id");
    let t = "aws_route";

    let config = env.config(
        t,
        &[
            ("route_table_id", s(&rtb)),
            ("destination_cidr_block", s("10.50.0.0/16")),
            ("network_interface_id", s(&nic1)),
        ],
    );
    let state = env.create(t, &config).await;
    // Terraform's ID: r- + table ID + CRC-32 of the destination.
    assert_eq!(str_attr(&state, "id"), format!("r-{rtb}1125690821"));
    assert_eq!(str_attr(&state, "origin"), "CreateRoute");
    assert_eq!(str_attr(&state, "state"), "active");
    assert!(get(&state, "gateway_id").is_null());
    assert_eq!(
        remote_routes(&env, &rtb).await,
        pairs(&[("10.20.0.0/16", "local"), ("10.50.0.0/16", &nic1)])
    );
    env.assert_no_changes(t, &state, &config).await;

    // A new target is an in-place ReplaceRoute.
    let config2 = env.config(
        t,
        &[
            ("route_table_id", s(&rtb)),
            ("destination_cidr_block", s("10.50.0.0/16")),
            ("network_interface_id", s(&nic2)),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    assert_eq!(str_attr(&state, "network_interface_id"), nic2);
    assert_eq!(
        remote_routes(&env, &rtb).await,
        pairs(&[("10.20.0.0/16", "local"), ("10.50.0.0/16", &nic2)])
    );
    env.assert_no_changes(t, &state, &config2).await;

    // A new destination replaces the route.
    let config3 = env.config(
        t,
        &[
            ("route_table_id", s(&rtb)),
            ("destination_cidr_block", s("10.51.0.0/16")),
            ("network_interface_id", s(&nic2)),
        ],
    );
    env.assert_replaces(t, &state, &config3, "destination_cidr_block")
        .await;

    // Exactly one target; egress-only gateways route IPv6 only.
    let two_targets = env.config(
        t,
        &[
            ("route_table_id", s(&rtb)),
            ("destination_cidr_block", s("10.50.0.0/16")),
            ("network_interface_id", s(&nic2)),
            ("gateway_id", s(&igw)),
        ],
    );
    assert_eq!(env.provider.validate_resource(t, &two_targets).len(), 1);
    let v4_egress = env.config(
        t,
        &[
            ("route_table_id", s(&rtb)),
            ("destination_cidr_block", s("10.50.0.0/16")),
            ("egress_only_gateway_id", s("eigw-0123")),
        ],
    );
    assert_eq!(env.provider.validate_resource(t, &v4_egress).len(), 1);
    assert!(env.provider.validate_resource(t, &config2).is_empty());

    // Import as ROUTETABLEID_DESTINATION.
    let imported = env.import(t, &format!("{rtb}_10.50.0.0/16")).await;
    assert_eq!(str_attr(&imported, "id"), str_attr(&state, "id"));
    assert_eq!(str_attr(&imported, "network_interface_id"), nic2);
    env.assert_no_changes(t, &imported, &config2).await;

    // Changed outside cairn: the read shows it, applying puts it back.
    env.ec2()
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("10.50.0.0/16")
        .network_interface_id(&nic1)
        .send()
        .await
        .expect("replace");
    let drifted = env.read(t, &state).await.expect("exists");
    assert_eq!(str_attr(&drifted, "network_interface_id"), nic1);
    let fixed = env.update(t, &drifted, &config2).await;
    assert_eq!(str_attr(&fixed, "network_interface_id"), nic2);

    // An IPv6 route to the internet gateway, imported by its IPv6 ID.
    let v6 = env.config(
        t,
        &[
            ("route_table_id", s(&rtb)),
            ("destination_ipv6_cidr_block", s("::/0")),
            ("gateway_id", s(&igw)),
        ],
    );
    let v6state = env.create(t, &v6).await;
    assert_eq!(str_attr(&v6state, "id"), format!("r-{rtb}2750132062"));
    let imported = env.import(t, &format!("{rtb}_::/0")).await;
    assert_eq!(str_attr(&imported, "gateway_id"), igw);
    env.assert_no_changes(t, &imported, &v6).await;
    // Deleted outside cairn: reads as gone, destroying is success.
    env.ec2()
        .delete_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block("::/0")
        .send()
        .await
        .expect("delete route");
    assert!(env.read(t, &v6state).await.is_none());
    env.delete(t, &v6state).await;

    // Destroy, then destroy again.
    env.delete(t, &fixed).await;
    assert!(env.read(t, &fixed).await.is_none());
    assert_eq!(
        remote_routes(&env, &rtb).await,
        pairs(&[("10.20.0.0/16", "local")])
    );
    env.delete(t, &fixed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_table_association_lifecycle() {
    let env = env().await;
    let (_vpc, vpc_id, igw) = vpc_with_igw(&env, "10.30.0.0/16").await;
    let sub1 = subnet(&env, &vpc_id, "10.30.1.0/24").await;
    let sub2 = subnet(&env, &vpc_id, "10.30.2.0/24").await;
    let rt_config = env.config("aws_route_table", &[("vpc_id", s(&vpc_id))]);
    let rt1 = str_attr(&env.create("aws_route_table", &rt_config).await, "id");
    let rt2 = str_attr(&env.create("aws_route_table", &rt_config).await, "id");
    let t = "aws_route_table_association";

    let config = env.config(t, &[("subnet_id", s(&sub1)), ("route_table_id", s(&rt1))]);
    let state = env.create(t, &config).await;
    let id1 = str_attr(&state, "id");
    assert!(id1.starts_with("rtbassoc-"), "{id1}");
    assert!(get(&state, "gateway_id").is_null());
    env.assert_no_changes(t, &state, &config).await;

    // Another table: ReplaceRouteTableAssociation, a new association ID.
    let config2 = env.config(t, &[("subnet_id", s(&sub1)), ("route_table_id", s(&rt2))]);
    let state = env.update(t, &state, &config2).await;
    let id2 = str_attr(&state, "id");
    assert_ne!(id1, id2);
    assert_eq!(str_attr(&state, "route_table_id"), rt2);
    let remote = env
        .ec2()
        .describe_route_tables()
        .route_table_ids(&rt2)
        .send()
        .await
        .expect("describe")
        .route_tables
        .unwrap_or_default();
    let assocs = remote[0].associations.clone().unwrap_or_default();
    assert!(
        assocs
            .iter()
            .any(|a| a.subnet_id.as_deref() == Some(sub1.as_str())
                && a.route_table_association_id.as_deref() == Some(id2.as_str())),
        "{assocs:?}"
    );
    env.assert_no_changes(t, &state, &config2).await;

    // Another subnet replaces the association.
    let config3 = env.config(t, &[("subnet_id", s(&sub2)), ("route_table_id", s(&rt2))]);
    env.assert_replaces(t, &state, &config3, "subnet_id").await;

    // Exactly one of subnet_id and gateway_id.
    let both = env.config(
        t,
        &[
            ("subnet_id", s(&sub1)),
            ("gateway_id", s(&igw)),
            ("route_table_id", s(&rt2)),
        ],
    );
    assert_eq!(env.provider.validate_resource(t, &both).len(), 1);
    assert!(env.provider.validate_resource(t, &config2).is_empty());

    // Import as SUBNET_ID/ROUTE_TABLE_ID.
    let imported = env.import(t, &format!("{sub1}/{rt2}")).await;
    assert_eq!(str_attr(&imported, "id"), id2);
    assert_eq!(str_attr(&imported, "subnet_id"), sub1);
    env.assert_no_changes(t, &imported, &config2).await;

    // A gateway (edge) association, imported as GATEWAY_ID/ROUTE_TABLE_ID.
    let gw_config = env.config(t, &[("gateway_id", s(&igw)), ("route_table_id", s(&rt1))]);
    let gw = env.create(t, &gw_config).await;
    assert_eq!(str_attr(&gw, "gateway_id"), igw);
    assert!(get(&gw, "subnet_id").is_null());
    let imported = env.import(t, &format!("{igw}/{rt1}")).await;
    assert_eq!(str_attr(&imported, "id"), str_attr(&gw, "id"));
    env.assert_no_changes(t, &imported, &gw_config).await;
    env.delete(t, &gw).await;
    assert!(env.read(t, &gw).await.is_none());
    env.delete(t, &gw).await;

    // Moved to another table outside cairn: AWS gives the subnet a new
    // association, so this one reads as gone (a plan recreates it).
    env.ec2()
        .replace_route_table_association()
        .association_id(&id2)
        .route_table_id(&rt1)
        .send()
        .await
        .expect("replace");
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;

    // Destroy, then destroy again; the subnet is free afterwards.
    let state = env.create(t, &config3).await;
    env.delete(t, &state).await;
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;
    // Disassociated outside cairn: gone.
    let state = env.create(t, &config3).await;
    env.ec2()
        .disassociate_route_table()
        .association_id(str_attr(&state, "id"))
        .send()
        .await
        .expect("disassociate");
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_route_table_lifecycle() {
    let env = env().await;
    let (vpc, vpc_id, igw) = vpc_with_igw(&env, "10.40.0.0/16").await;
    let main = str_attr(&vpc, "default_route_table_id");
    let sub = subnet(&env, &vpc_id, "10.40.1.0/24").await;
    let (nic, _) = eni(&env, &sub).await;
    // A route the table had before it was adopted.
    env.ec2()
        .create_route()
        .route_table_id(&main)
        .destination_cidr_block("10.60.0.0/16")
        .network_interface_id(&nic)
        .send()
        .await
        .expect("route");
    let t = "aws_default_route_table";

    let config = env.config(
        t,
        &[
            ("default_route_table_id", s(&main)),
            (
                "route",
                routes(
                    &env,
                    t,
                    vec![route(
                        &env,
                        t,
                        &[("cidr_block", s("0.0.0.0/0")), ("gateway_id", s(&igw))],
                    )],
                ),
            ),
            ("tags", tags(&[("Name", "main")])),
        ],
    );
    let state = env.create(t, &config).await;
    assert_eq!(str_attr(&state, "id"), main);
    assert_eq!(str_attr(&state, "vpc_id"), vpc_id);
    assert!(str_attr(&state, "arn").ends_with(&format!("route-table/{main}")));
    assert!(get(&state, "propagating_vgws").is_null());
    // Adopting removed the old route.
    assert_eq!(
        remote_routes(&env, &main).await,
        pairs(&[("0.0.0.0/0", &igw), ("10.40.0.0/16", "local")])
    );
    env.assert_no_changes(t, &state, &config).await;

    // In place: another route and tags.
    let config2 = env.config(
        t,
        &[
            ("default_route_table_id", s(&main)),
            (
                "route",
                routes(
                    &env,
                    t,
                    vec![
                        route(
                            &env,
                            t,
                            &[("cidr_block", s("0.0.0.0/0")), ("gateway_id", s(&igw))],
                        ),
                        route(
                            &env,
                            t,
                            &[
                                ("cidr_block", s("10.61.0.0/16")),
                                ("network_interface_id", s(&nic)),
                            ],
                        ),
                    ],
                ),
            ),
            ("tags", tags(&[("Name", "main-2")])),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    assert_eq!(
        remote_routes(&env, &main).await,
        pairs(&[
            ("0.0.0.0/0", &igw),
            ("10.40.0.0/16", "local"),
            ("10.61.0.0/16", &nic)
        ])
    );
    assert_eq!(tag_map(&state, "tags"), map(&[("Name", "main-2")]));
    env.assert_no_changes(t, &state, &config2).await;

    // Another table ID replaces it.
    let other = env.config(t, &[("default_route_table_id", s("rtb-0123456789abcdef0"))]);
    env.assert_replaces(t, &state, &other, "default_route_table_id")
        .await;

    // Import by VPC ID.
    let imported = env.import(t, &vpc_id).await;
    assert_eq!(str_attr(&imported, "id"), main);
    assert_eq!(str_attr(&imported, "default_route_table_id"), main);
    env.assert_no_changes(t, &imported, &config2).await;

    // A route removed outside cairn shows up missing; applying restores it.
    env.ec2()
        .delete_route()
        .route_table_id(&main)
        .destination_cidr_block("0.0.0.0/0")
        .send()
        .await
        .expect("delete route");
    let drifted = env.read(t, &state).await.expect("exists");
    assert_eq!(state_routes(&drifted), pairs(&[("10.61.0.0/16", &nic)]));
    let fixed = env.update(t, &drifted, &config2).await;
    assert_same(t, &state, &fixed);

    // Destroying only forgets: the table and its routes stay.
    env.delete(t, &state).await;
    assert_eq!(
        remote_routes(&env, &main).await,
        pairs(&[
            ("0.0.0.0/0", &igw),
            ("10.40.0.0/16", "local"),
            ("10.61.0.0/16", &nic)
        ])
    );
    env.delete(t, &state).await;

    // Gone with its VPC: reads as gone.
    let vpc2 = env
        .ec2()
        .create_vpc()
        .cidr_block("10.41.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id");
    let adopted = env.import(t, &vpc2).await;
    env.ec2()
        .delete_vpc()
        .vpc_id(&vpc2)
        .send()
        .await
        .expect("delete vpc");
    assert!(env.read(t, &adopted).await.is_none());
    env.delete(t, &adopted).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eip_lifecycle() {
    let env = env().await;
    let vpc = env
        .create(
            "aws_vpc",
            &env.config("aws_vpc", &[("cidr_block", s("10.70.0.0/16"))]),
        )
        .await;
    let vpc_id = str_attr(&vpc, "id");
    let sub = subnet(&env, &vpc_id, "10.70.1.0/24").await;
    let (nic1, ip1) = eni(&env, &sub).await;
    let (nic2, ip2) = eni(&env, &sub).await;
    let t = "aws_eip";

    let config = env.config(
        t,
        &[
            ("domain", s("vpc")),
            ("network_interface", s(&nic1)),
            ("tags", tags(&[("Name", "web")])),
        ],
    );
    let state = env.create(t, &config).await;
    let id = str_attr(&state, "id");
    assert!(id.starts_with("eipalloc-"), "{id}");
    assert_eq!(str_attr(&state, "allocation_id"), id);
    assert_eq!(
        str_attr(&state, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:elastic-ip/{id}")
    );
    let public_ip = str_attr(&state, "public_ip");
    assert_eq!(
        str_attr(&state, "public_dns"),
        format!(
            "ec2-{}.compute-1.amazonaws.com",
            public_ip.replace('.', "-")
        )
    );
    assert_eq!(str_attr(&state, "private_ip"), ip1);
    assert_eq!(
        str_attr(&state, "private_dns"),
        format!("ip-{}.ec2.internal", ip1.replace('.', "-"))
    );
    assert!(str_attr(&state, "association_id").starts_with("eipassoc-"));
    assert!(get(&state, "instance").is_null());
    assert_eq!(
        tag_map(&state, "tags_all"),
        map(&[("Environment", "test"), ("Name", "web")])
    );
    env.assert_no_changes(t, &state, &config).await;

    // In place: move to another interface, change tags.
    let config2 = env.config(
        t,
        &[
            ("domain", s("vpc")),
            ("network_interface", s(&nic2)),
            ("tags", tags(&[("Name", "web-2")])),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    assert_eq!(str_attr(&state, "network_interface"), nic2);
    assert_eq!(str_attr(&state, "private_ip"), ip2);
    assert_eq!(str_attr(&state, "public_ip"), public_ip);
    let remote = env
        .ec2()
        .describe_addresses()
        .allocation_ids(&id)
        .send()
        .await
        .expect("describe")
        .addresses
        .unwrap_or_default();
    assert_eq!(
        remote[0].network_interface_id.as_deref(),
        Some(nic2.as_str())
    );
    env.assert_no_changes(t, &state, &config2).await;

    // The domain forces a new address.
    let config3 = env.config(t, &[("domain", s("standard"))]);
    env.assert_replaces(t, &state, &config3, "domain").await;

    // Import by allocation ID.
    let imported = env.import(t, &id).await;
    assert_eq!(str_attr(&imported, "network_interface"), nic2);
    assert_eq!(tag_map(&imported, "tags_all"), tag_map(&state, "tags_all"));
    env.assert_no_changes(t, &imported, &config2).await;

    // Disassociated outside cairn: the read shows it, applying re-associates.
    env.ec2()
        .disassociate_address()
        .association_id(str_attr(&state, "association_id"))
        .send()
        .await
        .expect("disassociate");
    let drifted = env.read(t, &state).await.expect("exists");
    assert!(get(&drifted, "network_interface").is_null());
    assert!(get(&drifted, "association_id").is_null());
    let fixed = env.update(t, &drifted, &config2).await;
    assert_eq!(str_attr(&fixed, "network_interface"), nic2);

    // Destroy (disassociating first), then destroy again.
    env.delete(t, &fixed).await;
    assert!(env.read(t, &fixed).await.is_none());
    env.delete(t, &fixed).await;

    // Associated with an instance: the interface follows it.
    let instance = env
        .ec2()
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .subnet_id(&sub)
        .send()
        .await
        .expect("instance")
        .instances
        .unwrap_or_default()[0]
        .instance_id
        .clone()
        .expect("instance id");
    let with_instance = env.config(t, &[("domain", s("vpc")), ("instance", s(&instance))]);
    let eip2 = env.create(t, &with_instance).await;
    assert_eq!(str_attr(&eip2, "instance"), instance);
    assert!(str_attr(&eip2, "network_interface").starts_with("eni-"));
    env.assert_no_changes(t, &eip2, &with_instance).await;

    // Released outside cairn: reads as gone, destroying is success.
    env.ec2()
        .disassociate_address()
        .association_id(str_attr(&eip2, "association_id"))
        .send()
        .await
        .expect("disassociate");
    env.ec2()
        .release_address()
        .allocation_id(str_attr(&eip2, "id"))
        .send()
        .await
        .expect("release");
    assert!(env.read(t, &eip2).await.is_none());
    env.delete(t, &eip2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_gateway_lifecycle() {
    let env = env().await;
    let (_vpc, vpc_id, _igw) = vpc_with_igw(&env, "10.80.0.0/16").await;
    let sub = subnet(&env, &vpc_id, "10.80.1.0/24").await;
    let sub2 = subnet(&env, &vpc_id, "10.80.2.0/24").await;
    let eip = env
        .create("aws_eip", &env.config("aws_eip", &[("domain", s("vpc"))]))
        .await;
    let alloc = str_attr(&eip, "id");
    let t = "aws_nat_gateway";

    let config = env.config(
        t,
        &[
            ("allocation_id", s(&alloc)),
            ("subnet_id", s(&sub)),
            ("tags", tags(&[("Name", "nat")])),
        ],
    );
    let state = env.create(t, &config).await;
    let id = str_attr(&state, "id");
    assert!(id.starts_with("nat-"), "{id}");
    assert_eq!(str_attr(&state, "connectivity_type"), "public");
    assert_eq!(str_attr(&state, "public_ip"), str_attr(&eip, "public_ip"));
    assert!(str_attr(&state, "network_interface_id").starts_with("eni-"));
    assert!(str_attr(&state, "association_id").starts_with("eipassoc-"));
    assert!(!str_attr(&state, "private_ip").is_empty());
    assert!(get(&state, "secondary_allocation_ids").is_null());
    assert_eq!(
        get(&state, "secondary_private_ip_address_count")
            .as_number()
            .and_then(|n| n.to_i64()),
        Some(0)
    );
    env.assert_no_changes(t, &state, &config).await;

    // In place: tags.
    let config2 = env.config(
        t,
        &[
            ("allocation_id", s(&alloc)),
            ("subnet_id", s(&sub)),
            ("tags", tags(&[("Name", "nat-2"), ("Tier", "edge")])),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    let remote = env
        .ec2()
        .describe_nat_gateways()
        .nat_gateway_ids(&id)
        .send()
        .await
        .expect("describe")
        .nat_gateways
        .unwrap_or_default();
    let remote_tags: Vec<(String, String)> = remote[0]
        .tags
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect();
    assert!(
        remote_tags.contains(&("Tier".into(), "edge".into())),
        "{remote_tags:?}"
    );
    env.assert_no_changes(t, &state, &config2).await;

    // Another subnet or connectivity type replaces the gateway.
    let config3 = env.config(t, &[("allocation_id", s(&alloc)), ("subnet_id", s(&sub2))]);
    env.assert_replaces(t, &state, &config3, "subnet_id").await;
    let private = env.config(
        t,
        &[("subnet_id", s(&sub)), ("connectivity_type", s("private"))],
    );
    env.assert_replaces(t, &state, &private, "connectivity_type")
        .await;

    // Import by ID.
    let imported = env.import(t, &id).await;
    assert_eq!(str_attr(&imported, "allocation_id"), alloc);
    assert_eq!(str_attr(&imported, "subnet_id"), sub);
    env.assert_no_changes(t, &imported, &config2).await;

    // Tags changed outside cairn show up; applying restores them.
    env.ec2()
        .delete_tags()
        .resources(&id)
        .tags(Tag::builder().key("Tier").build())
        .send()
        .await
        .expect("untag");
    let drifted = env.read(t, &state).await.expect("exists");
    assert!(!tag_map(&drifted, "tags").contains_key("Tier"));
    let fixed = env.update(t, &drifted, &config2).await;
    assert_same(t, &state, &fixed);

    // moto does not implement AssociateNatGatewayAddress (HTTP 500): adding
    // a secondary address fails with that error, naming the gateway.
    let extra = env
        .create("aws_eip", &env.config("aws_eip", &[("domain", s("vpc"))]))
        .await;
    let with_secondary = env.config(
        t,
        &[
            ("allocation_id", s(&alloc)),
            ("subnet_id", s(&sub)),
            (
                "secondary_allocation_ids",
                string_set(&[&str_attr(&extra, "id")]),
            ),
            ("tags", tags(&[("Name", "nat-2"), ("Tier", "edge")])),
        ],
    );
    let err = try_apply(&env, t, Some(&state), &with_secondary)
        .await
        .expect_err("moto has no AssociateNatGatewayAddress");
    assert!(err.summary.contains(&id), "{err:?}");
    assert!(
        err.hint
            .as_deref()
            .is_some_and(|h| h.contains("not implemented")),
        "{err:?}"
    );

    // Destroy (waits for deleted), then destroy again.
    env.delete(t, &state).await;
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;

    // A private gateway; deleted outside cairn it reads as gone.
    let p = env.create(t, &private).await;
    assert_eq!(str_attr(&p, "connectivity_type"), "private");
    assert!(get(&p, "public_ip").is_null());
    assert!(get(&p, "allocation_id").is_null());
    env.assert_no_changes(t, &p, &private).await;
    env.ec2()
        .delete_nat_gateway()
        .nat_gateway_id(str_attr(&p, "id"))
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &p).await.is_none());
    env.delete(t, &p).await;
}
