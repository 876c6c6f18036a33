//! Listing (`Provider::list`, for `cairn drift --unmanaged`) against a
//! real moto server: an object of every listable type made with the SDK
//! is found under the ID its state would hold; AWS's defaults and objects
//! on their way out are not listed; listings follow page tokens.

mod common;

use std::collections::BTreeSet;

use aws_sdk_ec2::types::{DomainType, Filter, InstanceType};
use common::*;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;

/// The IDs `list` gives for a type (which must be listable).
async fn ids(env: &Env, type_name: &str) -> BTreeSet<String> {
    env.provider
        .list(type_name)
        .await
        .unwrap_or_else(|e| panic!("list {type_name}: {e} {:?}", e.hint))
        .unwrap_or_else(|| panic!("{type_name} is not listable"))
        .into_iter()
        .map(|l| l.id)
        .collect()
}

fn has(ids: &BTreeSet<String>, id: &str, what: &str) {
    assert!(ids.contains(id), "{what}: {id} not listed in {ids:?}");
}

fn lacks(ids: &BTreeSet<String>, id: &str, what: &str) {
    assert!(
        !ids.contains(id),
        "{what}: {id} must not be listed: {ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listable_type_finds_an_object_made_outside_cairn() {
    let env = env().await;
    let mut listable = env.provider.listable();
    listable.sort();
    assert_eq!(listable.len(), 23, "{listable:?}");
    assert!(env
        .provider
        .list("aws_s3_object")
        .await
        .expect("list")
        .is_none());

    // ---- EC2
    let ec2 = env.ec2();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id");
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.20.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect("subnet")
        .subnet
        .and_then(|s| s.subnet_id)
        .expect("subnet id");
    let sg = ec2
        .create_security_group()
        .group_name("extra-sg")
        .description("made outside cairn")
        .vpc_id(&vpc)
        .send()
        .await
        .expect("sg")
        .group_id
        .expect("sg id");
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("igw")
        .internet_gateway
        .and_then(|g| g.internet_gateway_id)
        .expect("igw id");
    let rt = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("rt")
        .route_table
        .and_then(|t| t.route_table_id)
        .expect("rt id");
    let acl = ec2
        .create_network_acl()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("acl")
        .network_acl
        .and_then(|a| a.network_acl_id)
        .expect("acl id");
    let eip = ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .send()
        .await
        .expect("eip")
        .allocation_id
        .expect("allocation id");
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&subnet)
        .allocation_id(&eip)
        .send()
        .await
        .expect("nat")
        .nat_gateway
        .and_then(|g| g.nat_gateway_id)
        .expect("nat id");
    let image = ec2
        .describe_images()
        .owners("amazon")
        .send()
        .await
        .expect("images")
        .images
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.image_id)
        .expect("an AMI");
    let run = |n: i32| {
        ec2.run_instances()
            .image_id(&image)
            .instance_type(InstanceType::T2Micro)
            .subnet_id(&subnet)
            .min_count(n)
            .max_count(n)
            .send()
    };
    let instance = run(1)
        .await
        .expect("instance")
        .instances
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.instance_id)
        .expect("instance id");
    let gone = run(1)
        .await
        .expect("instance")
        .instances
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.instance_id)
        .expect("instance id");
    ec2.terminate_instances()
        .instance_ids(&gone)
        .send()
        .await
        .expect("terminate");
    let volume = ec2
        .create_volume()
        .availability_zone("us-east-1a")
        .size(1)
        .send()
        .await
        .expect("volume")
        .volume_id
        .expect("volume id");
    ec2.create_key_pair()
        .key_name("extra-key")
        .send()
        .await
        .expect("key pair");

    let vpcs = ids(&env, "aws_vpc").await;
    has(&vpcs, &vpc, "aws_vpc");
    let subnets = ids(&env, "aws_subnet").await;
    has(&subnets, &subnet, "aws_subnet");
    let sgs = ids(&env, "aws_security_group").await;
    has(&sgs, &sg, "aws_security_group");
    has(
        &ids(&env, "aws_internet_gateway").await,
        &igw,
        "aws_internet_gateway",
    );
    let rts = ids(&env, "aws_route_table").await;
    has(&rts, &rt, "aws_route_table");
    let acls = ids(&env, "aws_network_acl").await;
    has(&acls, &acl, "aws_network_acl");
    has(&ids(&env, "aws_eip").await, &eip, "aws_eip");
    has(&ids(&env, "aws_nat_gateway").await, &nat, "aws_nat_gateway");
    let instances = ids(&env, "aws_instance").await;
    has(&instances, &instance, "aws_instance");
    lacks(&instances, &gone, "terminated aws_instance");
    let volumes = ids(&env, "aws_ebs_volume").await;
    has(&volumes, &volume, "aws_ebs_volume");
    has(
        &ids(&env, "aws_key_pair").await,
        "extra-key",
        "aws_key_pair",
    );

    // The root volume of the instance is part of the instance.
    let roots: Vec<String> = ec2
        .describe_instances()
        .instance_ids(&instance)
        .send()
        .await
        .expect("instance")
        .reservations
        .unwrap_or_default()
        .into_iter()
        .flat_map(|r| r.instances.unwrap_or_default())
        .flat_map(|i| i.block_device_mappings.unwrap_or_default())
        .filter_map(|m| m.ebs.and_then(|e| e.volume_id))
        .collect();
    assert!(!roots.is_empty(), "moto gives instances a root volume");
    for r in &roots {
        lacks(&volumes, r, "root volume");
    }

    // AWS's defaults are not listed.
    let default_vpcs: Vec<String> = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .expect("default vpc")
        .vpcs
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.vpc_id)
        .collect();
    assert_eq!(default_vpcs.len(), 1, "moto makes a default VPC");
    lacks(&vpcs, &default_vpcs[0], "default VPC");
    let default_subnets = ec2
        .describe_subnets()
        .filters(
            Filter::builder()
                .name("default-for-az")
                .values("true")
                .build(),
        )
        .send()
        .await
        .expect("default subnets")
        .subnets
        .unwrap_or_default();
    assert!(!default_subnets.is_empty());
    for s in default_subnets.into_iter().filter_map(|s| s.subnet_id) {
        lacks(&subnets, &s, "default subnet");
    }
    let vpc_filter = || {
        Filter::builder()
            .name("vpc-id")
            .values(&vpc)
            .values(&default_vpcs[0])
            .build()
    };
    let default_sgs: Vec<String> = ec2
        .describe_security_groups()
        .filters(vpc_filter())
        .filters(
            Filter::builder()
                .name("group-name")
                .values("default")
                .build(),
        )
        .send()
        .await
        .expect("sgs")
        .security_groups
        .unwrap_or_default()
        .into_iter()
        .filter_map(|g| g.group_id)
        .collect();
    assert_eq!(default_sgs.len(), 2, "{default_sgs:?}");
    for g in &default_sgs {
        lacks(&sgs, g, "default security group");
    }
    let main_tables: Vec<String> = ec2
        .describe_route_tables()
        .filters(vpc_filter())
        .filters(
            Filter::builder()
                .name("association.main")
                .values("true")
                .build(),
        )
        .send()
        .await
        .expect("route tables")
        .route_tables
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| t.route_table_id)
        .collect();
    assert_eq!(main_tables.len(), 2, "{main_tables:?}");
    for t in &main_tables {
        lacks(&rts, t, "main route table");
    }
    let default_acls: Vec<String> = ec2
        .describe_network_acls()
        .filters(vpc_filter())
        .filters(Filter::builder().name("default").values("true").build())
        .send()
        .await
        .expect("acls")
        .network_acls
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| a.network_acl_id)
        .collect();
    assert_eq!(default_acls.len(), 2, "{default_acls:?}");
    for a in &default_acls {
        lacks(&acls, a, "default network ACL");
    }

    // ---- S3: only the provider's region.
    let s3 = env.s3();
    s3.create_bucket()
        .bucket("extra-bucket")
        .send()
        .await
        .expect("bucket");
    s3.create_bucket()
        .bucket("extra-bucket-eu")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .expect("eu bucket");
    let buckets = ids(&env, "aws_s3_bucket").await;
    has(&buckets, "extra-bucket", "aws_s3_bucket");
    lacks(&buckets, "extra-bucket-eu", "bucket in another region");

    // ---- IAM
    let iam = env.iam();
    iam.create_role()
        .role_name("extra-role")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("role");
    iam.create_service_linked_role()
        .aws_service_name("autoscaling.amazonaws.com")
        .send()
        .await
        .expect("service-linked role");
    let policy = iam
        .create_policy()
        .policy_name("extra-policy")
        .policy_document(POLICY)
        .send()
        .await
        .expect("policy")
        .policy
        .and_then(|p| p.arn)
        .expect("policy arn");
    iam.create_instance_profile()
        .instance_profile_name("extra-profile")
        .send()
        .await
        .expect("profile");
    let all_roles = iam.list_roles().send().await.expect("roles").roles;
    assert!(
        all_roles
            .iter()
            .any(|r| r.path.starts_with("/aws-service-role/")),
        "moto made no service-linked role"
    );
    let roles = ids(&env, "aws_iam_role").await;
    has(&roles, "extra-role", "aws_iam_role");
    assert!(
        !roles.iter().any(|r| r.contains("AutoScaling")),
        "service-linked role listed: {roles:?}"
    );
    let policies = ids(&env, "aws_iam_policy").await;
    has(&policies, &policy, "aws_iam_policy");
    assert!(
        policies.iter().all(|p| !p.contains(":aws:policy/")),
        "AWS managed policies listed: {policies:?}"
    );
    has(
        &ids(&env, "aws_iam_instance_profile").await,
        "extra-profile",
        "aws_iam_instance_profile",
    );

    // ---- KMS
    let kms = env.kms();
    let key = kms
        .create_key()
        .description("extra key")
        .send()
        .await
        .expect("key")
        .key_metadata
        .map(|m| m.key_id)
        .expect("key id");
    let doomed = kms
        .create_key()
        .send()
        .await
        .expect("key")
        .key_metadata
        .map(|m| m.key_id)
        .expect("key id");
    kms.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .expect("schedule deletion");
    kms.create_alias()
        .alias_name("alias/extra")
        .target_key_id(&key)
        .send()
        .await
        .expect("alias");
    let keys = ids(&env, "aws_kms_key").await;
    has(&keys, &key, "aws_kms_key");
    lacks(&keys, &doomed, "key pending deletion");
    let aliases = ids(&env, "aws_kms_alias").await;
    has(&aliases, "alias/extra", "aws_kms_alias");
    assert!(
        aliases.iter().all(|a| !a.starts_with("alias/aws/")),
        "AWS managed aliases listed: {aliases:?}"
    );

    // ---- DynamoDB, SNS, CloudWatch
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    env.dynamodb()
        .create_table()
        .table_name("extra-table")
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("table");
    has(
        &ids(&env, "aws_dynamodb_table").await,
        "extra-table",
        "aws_dynamodb_table",
    );
    let topic = env
        .sns()
        .create_topic()
        .name("extra-topic")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("topic arn");
    has(&ids(&env, "aws_sns_topic").await, &topic, "aws_sns_topic");
    env.logs()
        .create_log_group()
        .log_group_name("/extra/app")
        .send()
        .await
        .expect("log group");
    has(
        &ids(&env, "aws_cloudwatch_log_group").await,
        "/extra/app",
        "aws_cloudwatch_log_group",
    );
    env.cloudwatch()
        .put_metric_alarm()
        .alarm_name("extra-alarm")
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .evaluation_periods(1)
        .metric_name("CPUUtilization")
        .namespace("AWS/EC2")
        .period(60)
        .statistic(aws_sdk_cloudwatch::types::Statistic::Average)
        .threshold(80.0)
        .send()
        .await
        .expect("alarm");
    has(
        &ids(&env, "aws_cloudwatch_metric_alarm").await,
        "extra-alarm",
        "aws_cloudwatch_metric_alarm",
    );

    // ---- Secrets Manager, SSM
    let sm = env.secretsmanager();
    let secret = sm
        .create_secret()
        .name("extra-secret")
        .secret_string("s3cr3t")
        .send()
        .await
        .expect("secret")
        .arn
        .expect("secret arn");
    let deleted = sm
        .create_secret()
        .name("deleted-secret")
        .secret_string("x")
        .send()
        .await
        .expect("secret")
        .arn
        .expect("secret arn");
    sm.delete_secret()
        .secret_id(&deleted)
        .send()
        .await
        .expect("delete secret");
    let secrets = ids(&env, "aws_secretsmanager_secret").await;
    has(&secrets, &secret, "aws_secretsmanager_secret");
    lacks(&secrets, &deleted, "secret scheduled for deletion");
    env.ssm()
        .put_parameter()
        .name("/extra/param")
        .value("v")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .expect("parameter");
    has(
        &ids(&env, "aws_ssm_parameter").await,
        "/extra/param",
        "aws_ssm_parameter",
    );

    // Names and tags come along where the listing call has them.
    ec2.create_tags()
        .resources(&vpc)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("side-vpc")
                .build(),
        )
        .send()
        .await
        .expect("tag");
    let listed = env
        .provider
        .list("aws_vpc")
        .await
        .expect("list")
        .expect("listable");
    let v = listed.iter().find(|l| l.id == vpc).expect("vpc listed");
    assert_eq!(v.name.as_deref(), Some("side-vpc"));
    assert_eq!(v.tags.get("Name").map(String::as_str), Some("side-vpc"));
    let listed = env
        .provider
        .list("aws_security_group")
        .await
        .expect("list")
        .expect("listable");
    let g = listed.iter().find(|l| l.id == sg).expect("sg listed");
    assert_eq!(g.name.as_deref(), Some("extra-sg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_follow_page_tokens() {
    let env = env().await;
    // moto pages log groups by 50 and SSM parameters by 10.
    let logs = env.logs();
    for i in 0..57 {
        logs.create_log_group()
            .log_group_name(format!("/paged/group-{i:03}"))
            .send()
            .await
            .expect("log group");
    }
    let first = logs.describe_log_groups().send().await.expect("describe");
    assert!(
        first.next_token.is_some(),
        "moto no longer pages log groups: the test must make more"
    );
    let groups = ids(&env, "aws_cloudwatch_log_group").await;
    assert_eq!(groups.len(), 57, "{groups:?}");

    let ssm = env.ssm();
    for i in 0..23 {
        ssm.put_parameter()
            .name(format!("/paged/p{i:02}"))
            .value("v")
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .expect("parameter");
    }
    let params = ids(&env, "aws_ssm_parameter").await;
    assert_eq!(params.len(), 23, "{params:?}");
    for i in 0..23 {
        has(&params, &format!("/paged/p{i:02}"), "paged parameter");
    }
}
