//! EC2/VPC resources against a real moto server.

mod common;

use aws_sdk_ec2::types::{AttributeBooleanValue, Tag};
use cairn_value::Value;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpc_lifecycle() {
    let env = env().await;
    let t = "aws_vpc";
    let config = env.config(
        t,
        &[
            ("cidr_block", s("10.0.0.0/16")),
            ("tags", tags(&[("Name", "main")])),
        ],
    );
    let state = env.create(t, &config).await;
    let id = str_attr(&state, "id");
    assert!(id.starts_with("vpc-"), "{id}");
    assert_eq!(
        str_attr(&state, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:vpc/{id}")
    );
    assert_eq!(get(&state, "enable_dns_support").as_bool(), Some(true));
    assert_eq!(get(&state, "enable_dns_hostnames").as_bool(), Some(false));
    assert_eq!(str_attr(&state, "instance_tenancy"), "default");
    assert_eq!(str_attr(&state, "owner_id"), "123456789012");
    for k in [
        "default_security_group_id",
        "default_network_acl_id",
        "default_route_table_id",
        "main_route_table_id",
    ] {
        assert!(!str_attr(&state, k).is_empty(), "{k}");
    }
    assert_eq!(
        tag_map(&state, "tags_all"),
        map(&[("Environment", "test"), ("Name", "main")])
    );
    assert_eq!(tag_map(&state, "tags"), map(&[("Name", "main")]));

    // Read back equals the state; re-plan is empty.
    let read = env.read(t, &state).await.expect("exists");
    assert_same(t, &state, &read);
    env.assert_no_changes(t, &state, &config).await;

    // In-place update: tags and DNS hostnames.
    let config2 = env.config(
        t,
        &[
            ("cidr_block", s("10.0.0.0/16")),
            ("enable_dns_hostnames", Value::bool(true)),
            ("tags", tags(&[("Name", "main2"), ("Team", "infra")])),
        ],
    );
    let state = env.update(t, &state, &config2).await;
    assert_eq!(get(&state, "enable_dns_hostnames").as_bool(), Some(true));
    assert_eq!(
        tag_map(&state, "tags_all"),
        map(&[
            ("Environment", "test"),
            ("Name", "main2"),
            ("Team", "infra")
        ])
    );
    env.assert_no_changes(t, &state, &config2).await;

    // A new CIDR block replaces the VPC.
    let config3 = env.config(t, &[("cidr_block", s("10.1.0.0/16"))]);
    env.assert_replaces(t, &state, &config3, "cidr_block").await;

    // Out-of-band changes are noticed.
    let ec2 = env.ec2();
    ec2.create_tags()
        .resources(&id)
        .tags(Tag::builder().key("Extra").value("1").build())
        .send()
        .await
        .expect("tag");
    ec2.modify_vpc_attribute()
        .vpc_id(&id)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(false).build())
        .send()
        .await
        .expect("modify");
    let drifted = env.read(t, &state).await.expect("exists");
    assert_eq!(
        tag_map(&drifted, "tags").get("Extra").map(String::as_str),
        Some("1")
    );
    assert_eq!(get(&drifted, "enable_dns_hostnames").as_bool(), Some(false));
    // Planning from the drifted state puts it back.
    let back = env.update(t, &drifted, &config2).await;
    assert_same(t, &state, &back);

    // Import by ID.
    let imported = env.import(t, &id).await;
    assert_eq!(str_attr(&imported, "cidr_block"), "10.0.0.0/16");
    assert_eq!(tag_map(&imported, "tags_all"), tag_map(&state, "tags_all"));
    env.assert_no_changes(t, &imported, &config2).await;

    // Delete, deleted already, and gone from reads.
    env.delete(t, &state).await;
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpc_deleted_out_of_band_reads_as_gone() {
    let env = env().await;
    let t = "aws_vpc";
    let config = env.config(t, &[("cidr_block", s("10.2.0.0/16"))]);
    let state = env.create(t, &config).await;
    env.ec2()
        .delete_vpc()
        .vpc_id(str_attr(&state, "id"))
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &state).await.is_none());
    env.delete(t, &state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subnet_igw_and_security_group() {
    let env = env().await;
    let vpc = env
        .create(
            "aws_vpc",
            &env.config("aws_vpc", &[("cidr_block", s("10.0.0.0/16"))]),
        )
        .await;
    let vpc_id = str_attr(&vpc, "id");

    // Subnet.
    let t = "aws_subnet";
    let config = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            ("cidr_block", s("10.0.1.0/24")),
            ("availability_zone", s("us-east-1a")),
            ("tags", tags(&[("Name", "public")])),
        ],
    );
    let subnet = env.create(t, &config).await;
    let subnet_id = str_attr(&subnet, "id");
    assert!(str_attr(&subnet, "arn").ends_with(&format!("subnet/{subnet_id}")));
    assert_eq!(str_attr(&subnet, "availability_zone"), "us-east-1a");
    assert_eq!(
        get(&subnet, "map_public_ip_on_launch").as_bool(),
        Some(false)
    );
    env.assert_no_changes(t, &subnet, &config).await;
    let config2 = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            ("cidr_block", s("10.0.1.0/24")),
            ("availability_zone", s("us-east-1a")),
            ("map_public_ip_on_launch", Value::bool(true)),
            ("tags", tags(&[("Name", "public-2")])),
        ],
    );
    let subnet = env.update(t, &subnet, &config2).await;
    assert_eq!(
        get(&subnet, "map_public_ip_on_launch").as_bool(),
        Some(true)
    );
    env.assert_no_changes(t, &subnet, &config2).await;
    env.assert_replaces(
        t,
        &subnet,
        &env.config(
            t,
            &[("vpc_id", s(&vpc_id)), ("cidr_block", s("10.0.2.0/24"))],
        ),
        "cidr_block",
    )
    .await;
    env.ec2()
        .delete_tags()
        .resources(&subnet_id)
        .tags(Tag::builder().key("Name").build())
        .send()
        .await
        .expect("untag");
    let drifted = env.read(t, &subnet).await.expect("exists");
    assert!(!tag_map(&drifted, "tags_all").contains_key("Name"));
    let imported = env.import(t, &subnet_id).await;
    assert_eq!(str_attr(&imported, "vpc_id"), vpc_id);

    // Internet gateway, attached, then moved off the VPC.
    let t = "aws_internet_gateway";
    let config = env.config(
        t,
        &[("vpc_id", s(&vpc_id)), ("tags", tags(&[("Name", "gw")]))],
    );
    let igw = env.create(t, &config).await;
    let igw_id = str_attr(&igw, "id");
    assert!(str_attr(&igw, "arn").ends_with(&format!("internet-gateway/{igw_id}")));
    env.assert_no_changes(t, &igw, &config).await;
    let detached = env
        .update(
            t,
            &igw,
            &env.config(t, &[("tags", tags(&[("Name", "gw2")]))]),
        )
        .await;
    assert!(get(&detached, "vpc_id").is_null());
    let igw = env.update(t, &detached, &config).await;
    assert_eq!(str_attr(&igw, "vpc_id"), vpc_id);
    env.ec2()
        .detach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("detach");
    let drifted = env.read(t, &igw).await.expect("exists");
    assert!(get(&drifted, "vpc_id").is_null());
    let imported = env.import(t, &igw_id).await;
    assert_eq!(str_attr(&imported, "id"), igw_id);
    env.ec2()
        .delete_internet_gateway()
        .internet_gateway_id(&igw_id)
        .send()
        .await
        .expect("delete igw");
    assert!(env.read(t, &igw).await.is_none());
    env.delete(t, &igw).await;

    // Subnet deleted out of band, then destroyed idempotently.
    env.ec2()
        .delete_subnet()
        .subnet_id(&subnet_id)
        .send()
        .await
        .expect("delete subnet");
    assert!(env.read("aws_subnet", &subnet).await.is_none());
    env.delete("aws_subnet", &subnet).await;
    env.delete("aws_vpc", &vpc).await;
}

fn rule(
    env: &Env,
    protocol: &str,
    from: i64,
    to: i64,
    cidrs: &[&str],
    desc: Option<&str>,
) -> Value {
    let schema = env.schema("aws_security_group");
    let mut attrs = vec![
        ("protocol", s(protocol)),
        ("from_port", Value::int(from)),
        ("to_port", Value::int(to)),
        ("cidr_blocks", strings(cidrs)),
    ];
    if let Some(d) = desc {
        attrs.push(("description", s(d)));
    }
    obj(&schema.blocks["ingress"].block, &attrs)
}

fn rules(env: &Env, items: Vec<Value>) -> Value {
    let schema = env.schema("aws_security_group");
    Value::set(schema.blocks["ingress"].block.implied_type(), items)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_rules() {
    let env = env().await;
    let vpc = env
        .create(
            "aws_vpc",
            &env.config("aws_vpc", &[("cidr_block", s("10.3.0.0/16"))]),
        )
        .await;
    let vpc_id = str_attr(&vpc, "id");
    let t = "aws_security_group";
    let egress_all = rule(&env, "-1", 0, 0, &["0.0.0.0/0"], None);
    let config = env.config(
        t,
        &[
            ("name", s("web")),
            ("description", s("Web servers")),
            ("vpc_id", s(&vpc_id)),
            (
                "ingress",
                rules(
                    &env,
                    vec![rule(
                        &env,
                        "tcp",
                        443,
                        443,
                        &["10.0.0.0/8", "192.168.0.0/16"],
                        Some("TLS"),
                    )],
                ),
            ),
            ("egress", rules(&env, vec![egress_all.clone()])),
            ("tags", tags(&[("Name", "web")])),
        ],
    );
    let sg = env.create(t, &config).await;
    let id = str_attr(&sg, "id");
    assert!(str_attr(&sg, "arn").ends_with(&format!("security-group/{id}")));
    assert_eq!(str_attr(&sg, "owner_id"), "123456789012");
    assert_eq!(get(&sg, "ingress").len(), Some(1));
    assert_eq!(get(&sg, "egress").len(), Some(1));
    env.assert_no_changes(t, &sg, &config).await;

    // Rules change in place: one rule changes ports, one is added; the
    // "ALL" protocol alias plans as no change.
    let config2 = env.config(
        t,
        &[
            ("name", s("web")),
            ("description", s("Web servers")),
            ("vpc_id", s(&vpc_id)),
            (
                "ingress",
                rules(
                    &env,
                    vec![
                        rule(&env, "tcp", 8443, 8443, &["10.0.0.0/8"], Some("TLS")),
                        rule(&env, "6", 22, 22, &["1.2.3.4/32"], None),
                    ],
                ),
            ),
            (
                "egress",
                rules(&env, vec![rule(&env, "all", 0, 0, &["0.0.0.0/0"], None)]),
            ),
            ("tags", tags(&[("Name", "web"), ("Tier", "front")])),
        ],
    );
    let sg = env.update(t, &sg, &config2).await;
    assert_eq!(get(&sg, "ingress").len(), Some(2));
    env.assert_no_changes(t, &sg, &config2).await;
    let remote = env
        .ec2()
        .describe_security_groups()
        .group_ids(&id)
        .send()
        .await
        .expect("describe");
    let perms = remote.security_groups.unwrap_or_default()[0]
        .ip_permissions
        .clone()
        .unwrap_or_default();
    let ports: Vec<i32> = perms.iter().filter_map(|p| p.from_port).collect();
    assert!(
        ports.contains(&8443) && ports.contains(&22) && !ports.contains(&443),
        "{ports:?}"
    );

    // The description forces a new group.
    let mut config3 = config2.as_entries().cloned().unwrap_or_default();
    config3.insert("description".into(), s("Other"));
    env.assert_replaces(t, &sg, &Value::object(config3), "description")
        .await;

    // A rule added outside cairn shows up on read.
    env.ec2()
        .authorize_security_group_ingress()
        .group_id(&id)
        .ip_protocol("tcp")
        .from_port(80)
        .to_port(80)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .expect("authorize");
    let drifted = env.read(t, &sg).await.expect("exists");
    assert_eq!(get(&drifted, "ingress").len(), Some(3));
    let fixed = env.update(t, &drifted, &config2).await;
    assert_eq!(get(&fixed, "ingress").len(), Some(2));

    // Import by ID reads the rules.
    let imported = env.import(t, &id).await;
    assert_eq!(str_attr(&imported, "name"), "web");
    assert_eq!(get(&imported, "ingress").len(), Some(2));
    env.assert_no_changes(t, &imported, &config2).await;

    // A group without name gets a generated one.
    let unnamed = env
        .create(
            t,
            &env.config(t, &[("vpc_id", s(&vpc_id)), ("name_prefix", s("app-"))]),
        )
        .await;
    assert!(str_attr(&unnamed, "name").starts_with("app-"));
    assert_eq!(str_attr(&unnamed, "name_prefix"), "app-");
    assert_eq!(str_attr(&unnamed, "description"), "Managed by Terraform");
    env.delete(t, &unnamed).await;

    // Deleted outside cairn.
    env.ec2()
        .delete_security_group()
        .group_id(&id)
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &sg).await.is_none());
    env.delete(t, &sg).await;
    env.delete("aws_vpc", &vpc).await;
}
