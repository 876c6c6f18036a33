//! Unit tests of the provider's schemas and planning that need no server.

use super::*;

#[test]
fn every_type_has_a_schema_with_id() {
    let f = AwsFactory::new();
    let s = f.schema();
    for name in [
        "aws_vpc",
        "aws_subnet",
        "aws_internet_gateway",
        "aws_security_group",
        "aws_s3_bucket",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_iam_role",
        "aws_iam_policy",
        "aws_iam_role_policy_attachment",
    ] {
        let r = s
            .resources
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(r.block.attributes.contains_key("id"), "{name} has no id");
    }
    for name in [
        "aws_caller_identity",
        "aws_region",
        "aws_partition",
        "aws_availability_zones",
        "aws_iam_policy_document",
    ] {
        assert!(s.data_sources.contains_key(name), "{name} missing");
    }
    assert!(s.provider.attributes["secret_key"].sensitive);
    assert_eq!(s.provider.blocks["endpoints"].max_items, Some(1));
}

#[test]
fn cidr_blocks_are_validated() {
    // Validation needs no configured clients: ask the resource directly.
    let vpc = ec2::resources()
        .into_iter()
        .find(|r| r.type_name() == "aws_vpc")
        .expect("aws_vpc");
    let schema = vpc.schema();
    let cfg = |cidr: &str| {
        let mut m = cairn_provider::empty_object(&schema);
        m.insert("cidr_block".into(), Value::string(cidr));
        Value::object(m)
    };
    assert!(vpc.validate(&cfg("10.0.0.0/16")).is_empty());
    let d = vpc.validate(&cfg("10.0.0.1/16"));
    assert!(d[0].detail.contains("host bits"), "{:?}", d);
    let d = vpc.validate(&cfg("10.0.0.0/8"));
    assert!(d[0].detail.contains("/16 and /28"), "{:?}", d);
    assert!(!vpc.validate(&cfg("nonsense")).is_empty());
}
