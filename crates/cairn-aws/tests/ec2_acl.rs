//! Security group rules, network ACLs and the VPC default security group
//! and network ACL against a real moto server.

mod common;

use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, PortRange, RuleAction, SecurityGroupRuleRequest,
    SecurityGroupRuleUpdate, Tag,
};
use cairn_value::Value;
use common::*;

async fn vpc(env: &Env, cidr: &str) -> Value {
    env.create(
        "aws_vpc",
        &env.config("aws_vpc", &[("cidr_block", s(cidr))]),
    )
    .await
}

async fn group(env: &Env, vpc_id: &str, name: &str) -> String {
    let t = "aws_security_group";
    let sg = env
        .create(
            t,
            &env.config(t, &[("name", s(name)), ("vpc_id", s(vpc_id))]),
        )
        .await;
    str_attr(&sg, "id")
}

/// The group's permissions of one direction, straight from the API.
async fn perms(env: &Env, sg: &str, egress: bool) -> Vec<IpPermission> {
    let out = env
        .ec2()
        .describe_security_groups()
        .group_ids(sg)
        .send()
        .await
        .expect("describe");
    let g = out.security_groups.unwrap_or_default().remove(0);
    if egress {
        g.ip_permissions_egress.unwrap_or_default()
    } else {
        g.ip_permissions.unwrap_or_default()
    }
}

fn cidrs_of(p: &IpPermission) -> Vec<(String, Option<String>)> {
    p.ip_ranges
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.cidr_ip.unwrap_or_default(), r.description))
        .collect()
}

fn with(v: &Value, k: &str, x: Value) -> Value {
    let mut m = v.as_entries().cloned().unwrap_or_default();
    m.insert(k.into(), x);
    Value::object(m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_rule_lifecycle() {
    let env = env().await;
    let vpc = vpc(&env, "10.10.0.0/16").await;
    let vpc_id = str_attr(&vpc, "id");
    let sg = group(&env, &vpc_id, "rules").await;
    let t = "aws_security_group_rule";
    let config = env.config(
        t,
        &[
            ("type", s("ingress")),
            ("protocol", s("6")),
            ("from_port", Value::int(443)),
            ("to_port", Value::int(443)),
            ("cidr_blocks", strings(&["10.0.0.0/8", "192.168.0.0/16"])),
            ("description", s("TLS")),
            ("security_group_id", s(&sg)),
        ],
    );
    let rule = env.create(t, &config).await;
    let id = str_attr(&rule, "id");
    assert!(id.starts_with("sgrule-"), "{id}");
    assert_eq!(str_attr(&rule, "protocol"), "tcp");
    assert_eq!(get(&rule, "self").as_bool(), Some(false));
    // Two sources: no single AWS rule ID.
    assert_eq!(str_attr(&rule, "security_group_rule_id"), "");
    let remote = perms(&env, &sg, false).await;
    assert_eq!(remote.len(), 1);
    assert_eq!(remote[0].from_port, Some(443));
    let mut got = cidrs_of(&remote[0]);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("10.0.0.0/8".to_string(), Some("TLS".to_string())),
            ("192.168.0.0/16".to_string(), Some("TLS".to_string()))
        ]
    );
    // "tcp" and "6" are the same protocol.
    env.assert_no_changes(t, &rule, &config).await;
    env.assert_no_changes(t, &rule, &with(&config, "protocol", s("tcp")))
        .await;

    // The description changes in place.
    let config2 = with(&config, "description", s("HTTPS"));
    let rule = env.update(t, &rule, &config2).await;
    assert_eq!(str_attr(&rule, "id"), id);
    assert_eq!(str_attr(&rule, "description"), "HTTPS");
    let remote = perms(&env, &sg, false).await;
    assert!(
        cidrs_of(&remote[0])
            .iter()
            .all(|(_, d)| d.as_deref() == Some("HTTPS")),
        "{remote:?}"
    );
    env.assert_no_changes(t, &rule, &config2).await;

    // Everything else forces a new rule.
    env.assert_replaces(
        t,
        &rule,
        &with(&config2, "from_port", Value::int(8443)),
        "from_port",
    )
    .await;
    env.assert_replaces(t, &rule, &with(&config2, "type", s("egress")), "type")
        .await;

    // Import by Terraform's ID format.
    let imported = env
        .import(
            t,
            &format!("{sg}_ingress_tcp_443_443_10.0.0.0/8_192.168.0.0/16"),
        )
        .await;
    assert_eq!(str_attr(&imported, "id"), id);
    assert_eq!(str_attr(&imported, "description"), "HTTPS");
    env.assert_no_changes(t, &imported, &config2).await;

    // A source revoked outside cairn drops out, and forces a new rule.
    env.ec2()
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("192.168.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .expect("revoke");
    let drifted = env.read(t, &rule).await.expect("still there");
    assert_eq!(
        get(&drifted, "cidr_blocks")
            .as_seq()
            .map(|s| s.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>()),
        Some(vec!["10.0.0.0/8"])
    );
    env.assert_replaces(t, &drifted, &config2, "cidr_blocks")
        .await;

    // Destroy revokes what is left; destroying again is fine.
    env.delete(t, &drifted).await;
    assert!(perms(&env, &sg, false).await.is_empty());
    assert!(env.read(t, &rule).await.is_none());
    env.delete(t, &rule).await;

    // A single-source rule (the group itself, all protocols) has an AWS
    // rule ID; "all" plans the same as "-1".
    let self_cfg = env.config(
        t,
        &[
            ("type", s("egress")),
            ("protocol", s("all")),
            ("from_port", Value::int(0)),
            ("to_port", Value::int(0)),
            ("self", Value::bool(true)),
            ("security_group_id", s(&sg)),
        ],
    );
    let own = env.create(t, &self_cfg).await;
    assert_eq!(str_attr(&own, "protocol"), "-1");
    assert!(
        str_attr(&own, "security_group_rule_id").starts_with("sgr-"),
        "{own:?}"
    );
    assert!(get(&own, "source_security_group_id").is_null());
    env.assert_no_changes(t, &own, &with(&self_cfg, "protocol", s("-1")))
        .await;
    let imported = env.import(t, &format!("{sg}_egress_all_0_0_self")).await;
    assert_eq!(str_attr(&imported, "id"), str_attr(&own, "id"));
    env.assert_no_changes(t, &imported, &self_cfg).await;
    let eg = perms(&env, &sg, true).await;
    assert!(eg.iter().any(|p| p.ip_protocol.as_deref() == Some("-1")
        && p.user_id_group_pairs
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|g| g.group_id.as_deref() == Some(sg.as_str()))));

    // Deleted outside cairn: reads as gone, destroy succeeds.
    env.ec2()
        .revoke_security_group_egress()
        .group_id(&sg)
        .security_group_rule_ids(str_attr(&own, "security_group_rule_id"))
        .send()
        .await
        .expect("revoke by id");
    assert!(env.read(t, &own).await.is_none());
    env.delete(t, &own).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpc_security_group_rules() {
    let env = env().await;
    let vpc = vpc(&env, "10.11.0.0/16").await;
    let vpc_id = str_attr(&vpc, "id");
    let sg = group(&env, &vpc_id, "web").await;
    let other = group(&env, &vpc_id, "db").await;

    let t = "aws_vpc_security_group_ingress_rule";
    let config = env.config(
        t,
        &[
            ("security_group_id", s(&sg)),
            ("cidr_ipv4", s("10.0.0.0/8")),
            ("ip_protocol", s("tcp")),
            ("from_port", Value::int(80)),
            ("to_port", Value::int(80)),
            ("description", s("web")),
            ("tags", tags(&[("Name", "http")])),
        ],
    );
    let rule = env.create(t, &config).await;
    let id = str_attr(&rule, "id");
    assert!(id.starts_with("sgr-"), "{id}");
    assert_eq!(str_attr(&rule, "security_group_rule_id"), id);
    assert_eq!(
        str_attr(&rule, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:security-group-rule/{id}")
    );
    assert_eq!(
        tag_map(&rule, "tags_all"),
        map(&[("Environment", "test"), ("Name", "http")])
    );
    let remote = perms(&env, &sg, false).await;
    assert_eq!(remote.len(), 1);
    assert_eq!(
        (remote[0].from_port, remote[0].to_port),
        (Some(80), Some(80))
    );
    env.assert_no_changes(t, &rule, &config).await;
    env.assert_no_changes(t, &rule, &with(&config, "ip_protocol", s("6")))
        .await;

    // Ports, description and tags change in place (ModifySecurityGroupRules).
    let config2 = env.config(
        t,
        &[
            ("security_group_id", s(&sg)),
            ("cidr_ipv4", s("10.0.0.0/8")),
            ("ip_protocol", s("tcp")),
            ("from_port", Value::int(8080)),
            ("to_port", Value::int(8081)),
            ("description", s("alt web")),
            ("tags", tags(&[("Name", "http-alt")])),
        ],
    );
    let rule = env.update(t, &rule, &config2).await;
    assert_eq!(str_attr(&rule, "id"), id);
    let out = env
        .ec2()
        .describe_security_group_rules()
        .security_group_rule_ids(&id)
        .send()
        .await
        .expect("describe rules");
    let r = &out.security_group_rules.unwrap_or_default()[0];
    assert_eq!((r.from_port, r.to_port), (Some(8080), Some(8081)));
    assert_eq!(r.description.as_deref(), Some("alt web"));
    assert!(r
        .tags
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|t| t.key.as_deref() == Some("Name") && t.value.as_deref() == Some("http-alt")));
    env.assert_no_changes(t, &rule, &config2).await;

    // Another group forces a new rule.
    env.assert_replaces(
        t,
        &rule,
        &with(&config2, "security_group_id", s(&other)),
        "security_group_id",
    )
    .await;

    // Import by rule ID.
    let imported = env.import(t, &id).await;
    assert_eq!(str_attr(&imported, "cidr_ipv4"), "10.0.0.0/8");
    assert_eq!(
        get(&imported, "from_port")
            .as_number()
            .and_then(|n| n.to_i64()),
        Some(8080)
    );
    env.assert_no_changes(t, &imported, &config2).await;
    // An ingress rule's ID is not an egress rule.
    assert!(env
        .provider
        .import("aws_vpc_security_group_egress_rule", &id)
        .await
        .is_err());

    // Out-of-band changes show up.
    env.ec2()
        .modify_security_group_rules()
        .group_id(&sg)
        .security_group_rules(
            SecurityGroupRuleUpdate::builder()
                .security_group_rule_id(&id)
                .security_group_rule(
                    SecurityGroupRuleRequest::builder()
                        .ip_protocol("tcp")
                        .from_port(22)
                        .to_port(22)
                        .cidr_ipv4("10.0.0.0/8")
                        .description("ssh")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("modify");
    env.ec2()
        .create_tags()
        .resources(&id)
        .tags(Tag::builder().key("Extra").value("1").build())
        .send()
        .await
        .expect("tag");
    let drifted = env.read(t, &rule).await.expect("exists");
    assert_eq!(
        get(&drifted, "from_port")
            .as_number()
            .and_then(|n| n.to_i64()),
        Some(22)
    );
    assert_eq!(str_attr(&drifted, "description"), "ssh");
    assert_eq!(
        tag_map(&drifted, "tags").get("Extra").map(String::as_str),
        Some("1")
    );
    let back = env.update(t, &drifted, &config2).await;
    assert_eq!(
        get(&back, "from_port").as_number().and_then(|n| n.to_i64()),
        Some(8080)
    );
    assert!(!tag_map(&back, "tags_all").contains_key("Extra"));

    // Destroy; again is fine.
    env.delete(t, &back).await;
    assert!(perms(&env, &sg, false).await.is_empty());
    assert!(env.read(t, &back).await.is_none());
    env.delete(t, &back).await;

    // Egress to another group, all protocols: no ports.
    let t = "aws_vpc_security_group_egress_rule";
    let config = env.config(
        t,
        &[
            ("security_group_id", s(&sg)),
            ("referenced_security_group_id", s(&other)),
            ("ip_protocol", s("-1")),
        ],
    );
    let eg = env.create(t, &config).await;
    let eg_id = str_attr(&eg, "id");
    assert!(get(&eg, "from_port").is_null());
    assert_eq!(str_attr(&eg, "referenced_security_group_id"), other);
    env.assert_no_changes(t, &eg, &config).await;
    env.assert_no_changes(t, &eg, &with(&config, "ip_protocol", s("all")))
        .await;
    let imported = env.import(t, &eg_id).await;
    env.assert_no_changes(t, &imported, &config).await;
    // Revoked outside cairn: gone.
    env.ec2()
        .revoke_security_group_egress()
        .group_id(&sg)
        .security_group_rule_ids(&eg_id)
        .send()
        .await
        .expect("revoke");
    assert!(env.read(t, &eg).await.is_none());
    env.delete(t, &eg).await;
}

fn entry(
    env: &Env,
    t: &str,
    rule_no: i64,
    protocol: &str,
    action: &str,
    cidr: &str,
    ports: (i64, i64),
) -> Value {
    let schema = env.schema(t);
    obj(
        &schema.blocks["ingress"].block,
        &[
            ("rule_no", Value::int(rule_no)),
            ("protocol", s(protocol)),
            ("action", s(action)),
            ("cidr_block", s(cidr)),
            ("from_port", Value::int(ports.0)),
            ("to_port", Value::int(ports.1)),
        ],
    )
}

fn entries(env: &Env, t: &str, items: Vec<Value>) -> Value {
    let schema = env.schema(t);
    Value::set(schema.blocks["ingress"].block.implied_type(), items)
}

/// The network ACL a subnet is associated with now.
async fn acl_of_subnet(env: &Env, subnet: &str) -> String {
    let out = env
        .ec2()
        .describe_network_acls()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(subnet)
                .build(),
        )
        .send()
        .await
        .expect("describe acls");
    out.network_acls
        .unwrap_or_default()
        .into_iter()
        .find(|a| {
            a.associations
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|x| x.subnet_id.as_deref() == Some(subnet))
        })
        .and_then(|a| a.network_acl_id)
        .expect("associated")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_acl_lifecycle() {
    let env = env().await;
    let vpc = vpc(&env, "10.12.0.0/16").await;
    let vpc_id = str_attr(&vpc, "id");
    let default_acl = str_attr(&vpc, "default_network_acl_id");
    let subnet = env
        .create(
            "aws_subnet",
            &env.config(
                "aws_subnet",
                &[("vpc_id", s(&vpc_id)), ("cidr_block", s("10.12.1.0/24"))],
            ),
        )
        .await;
    let subnet_id = str_attr(&subnet, "id");

    let t = "aws_network_acl";
    let config = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            ("subnet_ids", string_set(&[&subnet_id])),
            (
                "ingress",
                entries(
                    &env,
                    t,
                    vec![entry(&env, t, 100, "tcp", "allow", "10.0.0.0/16", (80, 80))],
                ),
            ),
            (
                "egress",
                entries(
                    &env,
                    t,
                    vec![entry(&env, t, 200, "-1", "allow", "0.0.0.0/0", (0, 0))],
                ),
            ),
            ("tags", tags(&[("Name", "main")])),
        ],
    );
    let acl = env.create(t, &config).await;
    let id = str_attr(&acl, "id");
    assert!(id.starts_with("acl-"), "{id}");
    assert_eq!(
        str_attr(&acl, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:network-acl/{id}")
    );
    assert_eq!(str_attr(&acl, "owner_id"), "123456789012");
    assert_eq!(get(&acl, "ingress").len(), Some(1));
    assert_eq!(acl_of_subnet(&env, &subnet_id).await, id);
    env.assert_no_changes(t, &acl, &config).await;
    // Protocol and action spellings the API stores differently.
    let respelled = with(
        &config,
        "ingress",
        entries(
            &env,
            t,
            vec![entry(&env, t, 100, "6", "ALLOW", "10.0.0.0/16", (80, 80))],
        ),
    );
    env.assert_no_changes(t, &acl, &respelled).await;

    // Entries change; the subnet goes back to the default ACL.
    let config2 = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            ("subnet_ids", string_set(&[])),
            (
                "ingress",
                entries(
                    &env,
                    t,
                    vec![entry(
                        &env,
                        t,
                        100,
                        "tcp",
                        "allow",
                        "10.0.0.0/16",
                        (443, 443),
                    )],
                ),
            ),
            (
                "egress",
                entries(
                    &env,
                    t,
                    vec![
                        entry(&env, t, 200, "-1", "allow", "0.0.0.0/0", (0, 0)),
                        entry(&env, t, 300, "udp", "deny", "10.1.0.0/16", (53, 53)),
                    ],
                ),
            ),
            ("tags", tags(&[("Name", "main2")])),
        ],
    );
    let acl = env.update(t, &acl, &config2).await;
    assert_eq!(get(&acl, "egress").len(), Some(2));
    assert_eq!(acl_of_subnet(&env, &subnet_id).await, default_acl);
    let remote = env
        .ec2()
        .describe_network_acls()
        .network_acl_ids(&id)
        .send()
        .await
        .expect("describe");
    let remote_entries = remote.network_acls.unwrap_or_default()[0]
        .entries
        .clone()
        .unwrap_or_default();
    assert!(remote_entries.iter().any(|e| e.egress == Some(false)
        && e.rule_number == Some(100)
        && e.port_range.as_ref().and_then(|p| p.from) == Some(443)));
    assert!(remote_entries.iter().any(|e| e.egress == Some(true)
        && e.rule_number == Some(300)
        && e.protocol.as_deref() == Some("17")));
    env.assert_no_changes(t, &acl, &config2).await;

    // A new VPC forces a new ACL.
    env.assert_replaces(
        t,
        &acl,
        &with(&config2, "vpc_id", s("vpc-00000000")),
        "vpc_id",
    )
    .await;

    // Import by ID.
    let imported = env.import(t, &id).await;
    assert_eq!(get(&imported, "egress").len(), Some(2));
    env.assert_no_changes(t, &imported, &config2).await;

    // An entry added outside cairn shows up, and apply removes it.
    env.ec2()
        .create_network_acl_entry()
        .network_acl_id(&id)
        .rule_number(150)
        .protocol("6")
        .rule_action(RuleAction::Deny)
        .egress(false)
        .cidr_block("1.2.3.0/24")
        .port_range(PortRange::builder().from(22).to(22).build())
        .send()
        .await
        .expect("add entry");
    let drifted = env.read(t, &acl).await.expect("exists");
    assert_eq!(get(&drifted, "ingress").len(), Some(2));
    let fixed = env.update(t, &drifted, &config2).await;
    assert_eq!(get(&fixed, "ingress").len(), Some(1));

    // Deleted outside cairn: gone; destroy is fine.
    env.ec2()
        .delete_network_acl()
        .network_acl_id(&id)
        .send()
        .await
        .expect("delete acl");
    assert!(env.read(t, &fixed).await.is_none());
    env.delete(t, &fixed).await;

    // A destroy gives associated subnets back to the default ACL.
    let acl = env.create(t, &config).await;
    let id2 = str_attr(&acl, "id");
    assert_eq!(acl_of_subnet(&env, &subnet_id).await, id2);
    env.delete(t, &acl).await;
    assert_eq!(acl_of_subnet(&env, &subnet_id).await, default_acl);
    assert!(env.read(t, &acl).await.is_none());
    env.delete(t, &acl).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_acl_rule_lifecycle() {
    let env = env().await;
    let vpc = vpc(&env, "10.13.0.0/16").await;
    let vpc_id = str_attr(&vpc, "id");
    let acl = env
        .create(
            "aws_network_acl",
            &env.config("aws_network_acl", &[("vpc_id", s(&vpc_id))]),
        )
        .await;
    let acl_id = str_attr(&acl, "id");

    let t = "aws_network_acl_rule";
    let config = env.config(
        t,
        &[
            ("network_acl_id", s(&acl_id)),
            ("rule_number", Value::int(100)),
            ("protocol", s("tcp")),
            ("rule_action", s("allow")),
            ("cidr_block", s("10.0.0.0/8")),
            ("from_port", Value::int(22)),
            ("to_port", Value::int(22)),
        ],
    );
    let rule = env.create(t, &config).await;
    let id = str_attr(&rule, "id");
    assert!(id.starts_with("nacl-"), "{id}");
    assert_eq!(get(&rule, "egress").as_bool(), Some(false));
    assert_eq!(str_attr(&rule, "protocol"), "tcp");
    env.assert_no_changes(t, &rule, &config).await;
    // Equivalent spellings plan as no change.
    env.assert_no_changes(
        t,
        &rule,
        &with(
            &with(&config, "protocol", s("6")),
            "rule_action",
            s("ALLOW"),
        ),
    )
    .await;
    // Every argument forces a new entry (there is nothing to update in place).
    env.assert_replaces(
        t,
        &rule,
        &with(&config, "cidr_block", s("10.1.0.0/16")),
        "cidr_block",
    )
    .await;
    env.assert_replaces(
        t,
        &rule,
        &with(&config, "rule_number", Value::int(101)),
        "rule_number",
    )
    .await;
    env.assert_replaces(
        t,
        &rule,
        &with(&config, "egress", Value::bool(true)),
        "egress",
    )
    .await;

    // Import as ACL:RULE:PROTOCOL:EGRESS.
    let imported = env.import(t, &format!("{acl_id}:100:tcp:false")).await;
    assert_eq!(str_attr(&imported, "id"), id);
    assert_eq!(str_attr(&imported, "cidr_block"), "10.0.0.0/8");
    env.assert_no_changes(t, &imported, &config).await;
    assert!(env
        .provider
        .import(t, &format!("{acl_id}:100:tcp"))
        .await
        .is_err());

    // Changed outside cairn: the read shows it, and the plan replaces it.
    env.ec2()
        .replace_network_acl_entry()
        .network_acl_id(&acl_id)
        .rule_number(100)
        .protocol("6")
        .rule_action(RuleAction::Allow)
        .egress(false)
        .cidr_block("172.16.0.0/12")
        .port_range(PortRange::builder().from(22).to(22).build())
        .send()
        .await
        .expect("replace entry");
    let drifted = env.read(t, &rule).await.expect("exists");
    assert_eq!(str_attr(&drifted, "cidr_block"), "172.16.0.0/12");
    env.assert_replaces(t, &drifted, &config, "cidr_block")
        .await;

    // Destroy; again is fine.
    env.delete(t, &drifted).await;
    assert!(env.read(t, &rule).await.is_none());
    env.delete(t, &rule).await;

    // An ICMP egress entry with wildcard type and code.
    let icmp = env.config(
        t,
        &[
            ("network_acl_id", s(&acl_id)),
            ("rule_number", Value::int(200)),
            ("egress", Value::bool(true)),
            ("protocol", s("icmp")),
            ("rule_action", s("deny")),
            ("cidr_block", s("0.0.0.0/0")),
            ("icmp_type", Value::int(-1)),
            ("icmp_code", Value::int(-1)),
        ],
    );
    let r = env.create(t, &icmp).await;
    env.assert_no_changes(t, &r, &icmp).await;
    let imported = env.import(t, &format!("{acl_id}:200:icmp:true")).await;
    assert_eq!(str_attr(&imported, "rule_action"), "deny");
    assert_eq!(str_attr(&imported, "id"), str_attr(&r, "id"));
    // Deleted outside cairn: gone; destroy is fine.
    env.ec2()
        .delete_network_acl_entry()
        .network_acl_id(&acl_id)
        .rule_number(200)
        .egress(true)
        .send()
        .await
        .expect("delete entry");
    assert!(env.read(t, &r).await.is_none());
    env.delete(t, &r).await;
}

fn sg_rule(env: &Env, protocol: &str, ports: (i64, i64), cidrs: &[&str], is_self: bool) -> Value {
    let schema = env.schema("aws_default_security_group");
    let mut attrs = vec![
        ("protocol", s(protocol)),
        ("from_port", Value::int(ports.0)),
        ("to_port", Value::int(ports.1)),
    ];
    if !cidrs.is_empty() {
        attrs.push(("cidr_blocks", strings(cidrs)));
    }
    if is_self {
        attrs.push(("self", Value::bool(true)));
    }
    obj(&schema.blocks["ingress"].block, &attrs)
}

fn sg_rules(env: &Env, items: Vec<Value>) -> Value {
    let schema = env.schema("aws_default_security_group");
    Value::set(schema.blocks["ingress"].block.implied_type(), items)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_security_group_lifecycle() {
    let env = env().await;
    let vpc = vpc(&env, "10.14.0.0/16").await;
    let vpc_id = str_attr(&vpc, "id");
    let sg_id = str_attr(&vpc, "default_security_group_id");
    // AWS gives the default group an allow-all egress rule.
    assert!(!perms(&env, &sg_id, true).await.is_empty());

    let t = "aws_default_security_group";
    let config = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            (
                "ingress",
                sg_rules(&env, vec![sg_rule(&env, "-1", (0, 0), &[], true)]),
            ),
        ],
    );
    let sg = env.create(t, &config).await;
    assert_eq!(str_attr(&sg, "id"), sg_id);
    assert_eq!(str_attr(&sg, "name"), "default");
    assert!(str_attr(&sg, "arn").ends_with(&format!("security-group/{sg_id}")));
    // Adoption removed the default egress rule; only the configured rule is left.
    assert!(perms(&env, &sg_id, true).await.is_empty());
    let ing = perms(&env, &sg_id, false).await;
    assert_eq!(ing.len(), 1);
    assert_eq!(ing[0].ip_protocol.as_deref(), Some("-1"));
    assert_eq!(get(&sg, "egress").len(), Some(0));
    env.assert_no_changes(t, &sg, &config).await;

    // Rules and tags change in place; "6" is "tcp".
    let config2 = env.config(
        t,
        &[
            ("vpc_id", s(&vpc_id)),
            (
                "ingress",
                sg_rules(&env, vec![sg_rule(&env, "all", (0, 0), &[], true)]),
            ),
            (
                "egress",
                sg_rules(
                    &env,
                    vec![sg_rule(&env, "6", (443, 443), &["0.0.0.0/0"], false)],
                ),
            ),
            ("tags", tags(&[("Name", "locked")])),
        ],
    );
    let sg = env.update(t, &sg, &config2).await;
    assert_eq!(get(&sg, "egress").len(), Some(1));
    let eg = perms(&env, &sg_id, true).await;
    assert_eq!(eg.len(), 1);
    assert_eq!(eg[0].from_port, Some(443));
    assert_eq!(
        tag_map(&sg, "tags_all"),
        map(&[("Environment", "test"), ("Name", "locked")])
    );
    env.assert_no_changes(t, &sg, &config2).await;

    // Another VPC forces a new adoption.
    env.assert_replaces(
        t,
        &sg,
        &with(&config2, "vpc_id", s("vpc-00000000")),
        "vpc_id",
    )
    .await;

    // Import by group ID.
    let imported = env.import(t, &sg_id).await;
    assert_eq!(str_attr(&imported, "vpc_id"), vpc_id);
    env.assert_no_changes(t, &imported, &config2).await;

    // A rule added outside cairn shows up and apply removes it.
    env.ec2()
        .authorize_security_group_ingress()
        .group_id(&sg_id)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .expect("authorize");
    let drifted = env.read(t, &sg).await.expect("exists");
    assert_eq!(get(&drifted, "ingress").len(), Some(2));
    let fixed = env.update(t, &drifted, &config2).await;
    assert_eq!(get(&fixed, "ingress").len(), Some(1));
    assert_eq!(perms(&env, &sg_id, false).await.len(), 1);

    // Destroy only forgets the group: it and its rules stay.
    env.delete(t, &fixed).await;
    assert_eq!(perms(&env, &sg_id, true).await.len(), 1);
    assert!(env.read(t, &fixed).await.is_some());
    env.delete(t, &fixed).await;

    // The group goes with its VPC: then it reads as gone.
    env.ec2()
        .delete_vpc()
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("delete vpc");
    assert!(env.read(t, &fixed).await.is_none());
    env.delete(t, &fixed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_network_acl_lifecycle() {
    let env = env().await;
    let vpc = vpc(&env, "10.15.0.0/16").await;
    let vpc_id = str_attr(&vpc, "id");
    let acl_id = str_attr(&vpc, "default_network_acl_id");
    let other_vpc = vpc_id_of_new(&env, "10.16.0.0/16").await;
    let subnet = env
        .create(
            "aws_subnet",
            &env.config(
                "aws_subnet",
                &[("vpc_id", s(&vpc_id)), ("cidr_block", s("10.15.1.0/24"))],
            ),
        )
        .await;
    let subnet_id = str_attr(&subnet, "id");
    // Put the subnet on another ACL, so adoption has to bring it back.
    let t_acl = "aws_network_acl";
    let custom = env
        .create(
            t_acl,
            &env.config(
                t_acl,
                &[
                    ("vpc_id", s(&vpc_id)),
                    ("subnet_ids", string_set(&[&subnet_id])),
                ],
            ),
        )
        .await;
    assert_eq!(
        acl_of_subnet(&env, &subnet_id).await,
        str_attr(&custom, "id")
    );

    let t = "aws_default_network_acl";
    let config = env.config(
        t,
        &[
            ("default_network_acl_id", s(&acl_id)),
            ("subnet_ids", string_set(&[&subnet_id])),
            (
                "ingress",
                entries(
                    &env,
                    t,
                    vec![entry(&env, t, 100, "-1", "allow", "10.15.0.0/16", (0, 0))],
                ),
            ),
        ],
    );
    let acl = env.create(t, &config).await;
    assert_eq!(str_attr(&acl, "id"), acl_id);
    assert_eq!(str_attr(&acl, "vpc_id"), vpc_id);
    assert_eq!(acl_of_subnet(&env, &subnet_id).await, acl_id);
    // Adoption left exactly the configured entries (and the built-in deny-all).
    let remote = env
        .ec2()
        .describe_network_acls()
        .network_acl_ids(&acl_id)
        .send()
        .await
        .expect("describe");
    let mut numbers: Vec<(bool, i32, String)> = remote.network_acls.unwrap_or_default()[0]
        .entries
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            (
                e.egress.unwrap_or(false),
                e.rule_number.unwrap_or(0),
                e.cidr_block.unwrap_or_default(),
            )
        })
        .filter(|(_, n, _)| *n < 32767)
        .collect();
    numbers.sort();
    assert_eq!(numbers, vec![(false, 100, "10.15.0.0/16".to_string())]);
    assert_eq!(get(&acl, "egress").len(), Some(0));
    env.assert_no_changes(t, &acl, &config).await;
    let respelled = with(
        &config,
        "ingress",
        entries(
            &env,
            t,
            vec![entry(&env, t, 100, "all", "allow", "10.15.0.0/16", (0, 0))],
        ),
    );
    env.assert_no_changes(t, &acl, &respelled).await;

    // Entries and tags change in place.
    let config2 = with(
        &with(
            &config,
            "egress",
            entries(
                &env,
                t,
                vec![entry(&env, t, 100, "tcp", "allow", "0.0.0.0/0", (443, 443))],
            ),
        ),
        "tags",
        tags(&[("Name", "default")]),
    );
    let acl = env.update(t, &acl, &config2).await;
    assert_eq!(get(&acl, "egress").len(), Some(1));
    assert_eq!(tag_map(&acl, "tags"), map(&[("Name", "default")]));
    env.assert_no_changes(t, &acl, &config2).await;

    // Another ACL forces a new adoption.
    let other_acl = env
        .ec2()
        .describe_network_acls()
        .filters(Filter::builder().name("vpc-id").values(&other_vpc).build())
        .send()
        .await
        .expect("describe")
        .network_acls
        .unwrap_or_default()[0]
        .network_acl_id
        .clone()
        .unwrap_or_default();
    env.assert_replaces(
        t,
        &acl,
        &with(&config2, "default_network_acl_id", s(&other_acl)),
        "default_network_acl_id",
    )
    .await;

    // Import by ACL ID; a non-default ACL is refused.
    let imported = env.import(t, &acl_id).await;
    env.assert_no_changes(t, &imported, &config2).await;
    assert!(env
        .provider
        .import(t, &str_attr(&custom, "id"))
        .await
        .is_err());

    // An entry removed outside cairn is noticed and restored.
    env.ec2()
        .delete_network_acl_entry()
        .network_acl_id(&acl_id)
        .rule_number(100)
        .egress(true)
        .send()
        .await
        .expect("delete entry");
    let drifted = env.read(t, &acl).await.expect("exists");
    assert_eq!(get(&drifted, "egress").len(), Some(0));
    let fixed = env.update(t, &drifted, &config2).await;
    assert_eq!(get(&fixed, "egress").len(), Some(1));

    // Destroy only forgets it: the ACL and its entries stay.
    env.delete(t, &fixed).await;
    assert!(env.read(t, &fixed).await.is_some());
    env.delete(t, &fixed).await;

    // Gone (moto lets the default ACL be deleted; in AWS it goes with its
    // VPC): reads as gone.
    env.delete(t_acl, &custom).await;
    assert_eq!(acl_of_subnet(&env, &subnet_id).await, acl_id);
    let elsewhere = env
        .create(
            t_acl,
            &env.config(
                t_acl,
                &[
                    ("vpc_id", s(&vpc_id)),
                    ("subnet_ids", string_set(&[&subnet_id])),
                ],
            ),
        )
        .await;
    assert_eq!(
        acl_of_subnet(&env, &subnet_id).await,
        str_attr(&elsewhere, "id")
    );
    env.ec2()
        .delete_network_acl()
        .network_acl_id(&acl_id)
        .send()
        .await
        .expect("delete acl");
    assert!(env.read(t, &fixed).await.is_none());
    env.delete(t, &fixed).await;
}

async fn vpc_id_of_new(env: &Env, cidr: &str) -> String {
    str_attr(&vpc(env, cidr).await, "id")
}
