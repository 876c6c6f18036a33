//! EC2 lookup data sources (aws_ami, aws_vpc, aws_subnets,
//! aws_security_group) against a real moto server.

mod common;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use cairn_provider::ProviderError;
use cairn_value::{Type, Value};
use common::*;

fn data_config(env: &Env, t: &str, attrs: &[(&str, Value)]) -> Value {
    obj(&env.provider.schema().data_sources[t].block, attrs)
}

/// A `filter` block set with one filter.
fn filter(env: &Env, t: &str, name: &str, values: &[&str]) -> Value {
    let b = &env.provider.schema().data_sources[t].block.blocks["filter"].block;
    Value::set(
        b.implied_type(),
        vec![obj(b, &[("name", s(name)), ("values", string_set(values))])],
    )
}

async fn lookup(env: &Env, t: &str, attrs: &[(&str, Value)]) -> Result<Value, ProviderError> {
    env.provider.read_data(t, &data_config(env, t, attrs)).await
}

fn strs(v: &Value, k: &str) -> Vec<String> {
    get(v, k)
        .as_seq()
        .unwrap_or_else(|| panic!("{k} is not a list"))
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_string())
        .collect()
}

fn tagged(rt: ResourceType, k: &str, v: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(rt)
        .tags(Tag::builder().key(k).value(v).build())
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ami_lookup() {
    let env = env().await;
    let t = "aws_ami";
    let owners = Value::list(Type::String, vec![s("amazon")]);

    // What moto has, straight from the API, to compare with.
    let expected = env
        .ec2()
        .describe_images()
        .owners("amazon")
        .filters(
            Filter::builder()
                .name("name")
                .values("amzn-ami-hvm-*")
                .build(),
        )
        .send()
        .await
        .expect("images")
        .images
        .unwrap_or_default();
    assert!(
        expected.len() > 1,
        "moto should ship several amzn-ami-hvm images"
    );
    let one = &expected[0];
    let one_name = one.name.clone().expect("name");

    // Exactly one by name_regex (anchored, dots escaped).
    let escaped = one_name.replace('.', "\\.");
    let img = lookup(
        &env,
        t,
        &[
            ("owners", owners.clone()),
            ("name_regex", s(&format!("^{escaped}$"))),
        ],
    )
    .await
    .expect("one image");
    let id = one.image_id.clone().expect("id");
    assert_eq!(str_attr(&img, "id"), id);
    assert_eq!(str_attr(&img, "image_id"), id);
    assert_eq!(str_attr(&img, "name"), one_name);
    assert_eq!(
        str_attr(&img, "arn"),
        format!("arn:aws:ec2:us-east-1::image/{id}")
    );
    assert_eq!(
        str_attr(&img, "architecture"),
        one.architecture.as_ref().expect("arch").as_str()
    );
    assert_eq!(
        str_attr(&img, "root_device_name"),
        one.root_device_name.clone().expect("root")
    );
    assert_eq!(
        str_attr(&img, "owner_id"),
        one.owner_id.clone().expect("owner")
    );
    assert_eq!(str_attr(&img, "state"), "available");
    assert_eq!(get(&img, "most_recent").as_bool(), Some(false));
    let bdm = get(&img, "block_device_mappings").as_seq().expect("set");
    assert!(!bdm.is_empty());
    assert!(
        !str_attr(&img, "root_snapshot_id").is_empty()
            || one.root_device_type.as_ref().map(|t| t.as_str()) != Some("ebs")
    );

    // Several matches: an error unless most_recent.
    let err = lookup(
        &env,
        t,
        &[
            ("owners", owners.clone()),
            ("filter", filter(&env, t, "name", &["amzn-ami-hvm-*"])),
        ],
    )
    .await
    .expect_err("several");
    assert!(
        err.summary
            .contains("Your query returned more than one result"),
        "{err}"
    );
    let newest = lookup(
        &env,
        t,
        &[
            ("owners", owners.clone()),
            ("most_recent", Value::bool(true)),
            ("filter", filter(&env, t, "name", &["amzn-ami-hvm-*"])),
            ("name_regex", s("x86_64")),
        ],
    )
    .await
    .expect("most recent");
    assert!(str_attr(&newest, "name").starts_with("amzn-ami-hvm-"));
    assert!(str_attr(&newest, "name").contains("x86_64"));
    assert!(expected
        .iter()
        .any(|i| i.image_id.as_deref() == Some(str_attr(&newest, "id").as_str())));

    // Nothing matches.
    let err = lookup(
        &env,
        t,
        &[
            ("owners", owners.clone()),
            ("filter", filter(&env, t, "name", &["no-such-image-*"])),
        ],
    )
    .await
    .expect_err("none");
    assert_eq!(
        err.summary,
        "Your query returned no results. Please change your search criteria and try again."
    );
    // A regex that filters everything out is the same error.
    let err = lookup(
        &env,
        t,
        &[
            ("owners", owners.clone()),
            ("filter", filter(&env, t, "name", &["amzn-ami-hvm-*"])),
            ("name_regex", s("^windows")),
        ],
    )
    .await
    .expect_err("regex leaves none");
    assert!(
        err.summary.starts_with("Your query returned no results"),
        "{err}"
    );

    // most_recent without an owner is refused at validation.
    let diags = env.provider.validate_data_source(
        t,
        &data_config(&env, t, &[("most_recent", Value::bool(true))]),
    );
    assert!(
        diags
            .iter()
            .any(|d| d.is_error() && d.summary == "Most Recent Image Not Filtered"),
        "{diags:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpc_subnets_and_security_group_lookups() {
    let env = env().await;
    let ec2 = env.ec2();

    // The default VPC.
    let t = "aws_vpc";
    let default = lookup(&env, t, &[("default", Value::bool(true))])
        .await
        .expect("default vpc");
    let default_id = str_attr(&default, "id");
    assert!(default_id.starts_with("vpc-"));
    assert_eq!(str_attr(&default, "cidr_block"), "172.31.0.0/16");
    assert_eq!(get(&default, "default").as_bool(), Some(true));
    assert_eq!(get(&default, "enable_dns_support").as_bool(), Some(true));
    assert_eq!(str_attr(&default, "state"), "available");
    assert_eq!(str_attr(&default, "owner_id"), "123456789012");
    assert_eq!(
        str_attr(&default, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:vpc/{default_id}")
    );
    assert!(str_attr(&default, "main_route_table_id").starts_with("rtb-"));
    assert_eq!(get(&default, "cidr_block_associations").len(), Some(1));

    // Two tagged VPCs: one by tags and CIDR, both by tag alone is an error.
    let mk_vpc = |cidr: &'static str| {
        let ec2 = ec2.clone();
        async move {
            ec2.create_vpc()
                .cidr_block(cidr)
                .tag_specifications(tagged(ResourceType::Vpc, "Team", "lookup"))
                .send()
                .await
                .expect("vpc")
                .vpc
                .and_then(|v| v.vpc_id)
                .expect("id")
        }
    };
    let a = mk_vpc("10.10.0.0/16").await;
    let b = mk_vpc("10.20.0.0/16").await;
    let found = lookup(
        &env,
        t,
        &[
            ("tags", tags(&[("Team", "lookup")])),
            ("cidr_block", s("10.20.0.0/16")),
        ],
    )
    .await
    .expect("by tags and cidr");
    assert_eq!(str_attr(&found, "id"), b);
    assert_eq!(get(&found, "default").as_bool(), Some(false));
    assert_eq!(tag_map(&found, "tags"), map(&[("Team", "lookup")]));
    let by_id = lookup(&env, t, &[("id", s(&a))]).await.expect("by id");
    assert_eq!(str_attr(&by_id, "cidr_block"), "10.10.0.0/16");
    let err = lookup(&env, t, &[("tags", tags(&[("Team", "lookup")]))])
        .await
        .expect_err("two match");
    assert_eq!(
        err.summary,
        "multiple EC2 VPCs matched; use additional constraints to reduce matches to a single EC2 VPC"
    );
    let err = lookup(
        &env,
        t,
        &[("filter", filter(&env, t, "cidr", &["10.99.0.0/16"]))],
    )
    .await
    .expect_err("none");
    assert_eq!(err.summary, "no matching EC2 VPC found");

    // Subnets: of the default VPC, by tag, and none.
    let t = "aws_subnets";
    let in_default = lookup(
        &env,
        t,
        &[("filter", filter(&env, t, "vpc-id", &[&default_id]))],
    )
    .await
    .expect("subnets");
    let mut got = strs(&in_default, "ids");
    let mut want: Vec<String> = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&default_id).build())
        .send()
        .await
        .expect("subnets")
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .collect();
    got.sort();
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    assert_eq!(str_attr(&in_default, "id"), "us-east-1");
    let sub = ec2
        .create_subnet()
        .vpc_id(&a)
        .cidr_block("10.10.1.0/24")
        .tag_specifications(tagged(ResourceType::Subnet, "Tier", "private"))
        .send()
        .await
        .expect("subnet")
        .subnet
        .and_then(|s| s.subnet_id)
        .expect("id");
    ec2.create_subnet()
        .vpc_id(&a)
        .cidr_block("10.10.2.0/24")
        .send()
        .await
        .expect("subnet");
    let private = lookup(
        &env,
        t,
        &[
            ("tags", tags(&[("Tier", "private")])),
            ("filter", filter(&env, t, "vpc-id", &[&a])),
        ],
    )
    .await
    .expect("tagged subnets");
    assert_eq!(strs(&private, "ids"), vec![sub]);
    let none = lookup(&env, t, &[("tags", tags(&[("Tier", "nowhere")]))])
        .await
        .expect("no subnets is not an error");
    assert!(strs(&none, "ids").is_empty());

    // Security groups.
    let t = "aws_security_group";
    let sg = ec2
        .create_security_group()
        .group_name("web")
        .description("Web servers")
        .vpc_id(&a)
        .tag_specifications(tagged(ResourceType::SecurityGroup, "Role", "web"))
        .send()
        .await
        .expect("sg")
        .group_id
        .expect("id");
    let by_name = lookup(&env, t, &[("name", s("web")), ("vpc_id", s(&a))])
        .await
        .expect("by name");
    assert_eq!(str_attr(&by_name, "id"), sg);
    assert_eq!(str_attr(&by_name, "description"), "Web servers");
    assert_eq!(str_attr(&by_name, "vpc_id"), a);
    assert_eq!(
        str_attr(&by_name, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:security-group/{sg}")
    );
    assert_eq!(tag_map(&by_name, "tags"), map(&[("Role", "web")]));
    let by_id = lookup(&env, t, &[("id", s(&sg))]).await.expect("by id");
    assert_eq!(str_attr(&by_id, "name"), "web");
    let by_tag = lookup(&env, t, &[("tags", tags(&[("Role", "web")]))])
        .await
        .expect("by tag");
    assert_eq!(str_attr(&by_tag, "id"), sg);
    // Every VPC has a group named default.
    let err = lookup(&env, t, &[("name", s("default"))])
        .await
        .expect_err("several defaults");
    assert_eq!(
        err.summary,
        "multiple EC2 Security Groups matched; use additional constraints to reduce matches to a single EC2 Security Group"
    );
    let one_default = lookup(
        &env,
        t,
        &[("name", s("default")), ("vpc_id", s(&default_id))],
    )
    .await
    .expect("default group of the default vpc");
    assert!(str_attr(&one_default, "id").starts_with("sg-"));
    let err = lookup(&env, t, &[("name", s("nope"))])
        .await
        .expect_err("none");
    assert_eq!(err.summary, "no matching EC2 Security Group found");
    let err = lookup(&env, t, &[("id", s("sg-0123456789abcdef0"))])
        .await
        .expect_err("unknown id");
    assert_eq!(err.summary, "no matching EC2 Security Group found");
}
