//! The built-in catalog: its header, coverage, and the parser's errors.

mod common;

use cairn_cost::{Catalog, CatalogError, PriceStatus};
use common::cat;

#[test]
fn builtin_catalog_records_its_source_and_date() {
    let m = &cat().meta;
    assert_eq!(m.currency, "USD");
    assert_eq!(m.prices_date, "2026-11-26");
    assert!(m.source.contains("AWS public on-demand price pages"));
    assert!(m.source.contains("Linux"));
    assert!(m.source.contains("shared tenancy"));
    assert!(!m.method.is_empty());
}

#[test]
fn builtin_catalog_covers_three_regions() {
    assert_eq!(cat().regions(), vec!["eu-west-1", "us-east-1", "us-west-2"]);
}

#[test]
fn every_region_prices_every_product() {
    let dims = [
        ("ec2", "t3.micro"),
        ("ec2", "m5.large"),
        ("ec2", "c5.xlarge"),
        ("ebs", "gp2_storage"),
        ("ebs", "gp3_storage"),
        ("ebs", "gp3_iops"),
        ("ebs", "gp3_throughput"),
        ("ebs", "io1_storage"),
        ("ebs", "io1_iops"),
        ("ebs", "io2_storage"),
        ("ebs", "io2_iops"),
        ("ebs", "st1_storage"),
        ("ebs", "sc1_storage"),
        ("ebs", "standard_storage"),
        ("ebs", "standard_io"),
        ("vpc", "nat_gateway_hour"),
        ("vpc", "nat_gateway_data"),
        ("vpc", "public_ipv4_hour"),
        ("dynamodb", "wcu_hour"),
        ("dynamodb", "rcu_hour"),
        ("dynamodb", "write_request_million"),
        ("dynamodb", "read_request_million"),
        ("dynamodb", "storage"),
        ("kms", "key_month"),
        ("kms", "requests_10k"),
        ("logs", "ingestion_standard"),
        ("logs", "ingestion_infrequent_access"),
        ("logs", "storage"),
        ("s3", "standard_storage"),
        ("s3", "put_requests_1k"),
        ("s3", "get_requests_1k"),
        ("secretsmanager", "secret_month"),
        ("secretsmanager", "api_10k"),
        ("sns", "requests_million"),
        ("sns", "http_million"),
        ("sns", "email_100k"),
        ("cloudwatch", "alarm_standard_month"),
        ("cloudwatch", "alarm_high_resolution_month"),
        ("ssm", "advanced_parameter_month"),
    ];
    for region in cat().regions() {
        for (product, key) in dims {
            assert!(
                cat().price(region, product, key).is_some(),
                "{region} {product} {key} missing"
            );
        }
    }
}

#[test]
fn common_instance_families_are_priced_in_the_us_regions() {
    for region in ["us-east-1", "us-west-2"] {
        for family in [
            "t3", "t3a", "t4g", "m5", "m6i", "m7g", "c5", "c6i", "c7g", "r5", "r6i",
        ] {
            for size in ["large", "xlarge", "2xlarge"] {
                let t = format!("{family}.{size}");
                assert!(cat().price(region, "ec2", &t).is_some(), "{region} {t}");
            }
        }
    }
}

#[test]
fn well_known_prices_are_as_published() {
    // Spot checks of the figures the docs quote.
    let p = |r, prod, k| cat().price(r, prod, k).map(|p| p.usd);
    assert_eq!(p("us-east-1", "ec2", "t3.micro"), Some(0.0104));
    assert_eq!(p("eu-west-1", "ec2", "t3.micro"), Some(0.0114));
    assert_eq!(p("us-east-1", "ec2", "m5.large"), Some(0.096));
    assert_eq!(p("us-east-1", "ebs", "gp3_storage"), Some(0.08));
    assert_eq!(p("eu-west-1", "ebs", "gp3_storage"), Some(0.088));
    assert_eq!(p("us-east-1", "vpc", "nat_gateway_hour"), Some(0.045));
    assert_eq!(p("us-east-1", "vpc", "public_ipv4_hour"), Some(0.005));
    assert_eq!(p("eu-west-1", "vpc", "public_ipv4_hour"), Some(0.005));
    assert_eq!(p("us-east-1", "dynamodb", "wcu_hour"), Some(0.00065));
    assert_eq!(
        p("us-east-1", "dynamodb", "write_request_million"),
        Some(0.625)
    );
    assert_eq!(p("us-east-1", "kms", "key_month"), Some(1.0));
    assert_eq!(p("us-east-1", "logs", "ingestion_standard"), Some(0.5));
    assert_eq!(p("us-east-1", "s3", "standard_storage"), Some(0.023));
    assert_eq!(p("us-east-1", "secretsmanager", "secret_month"), Some(0.4));
    assert_eq!(
        p("us-east-1", "cloudwatch", "alarm_standard_month"),
        Some(0.1)
    );
}

#[test]
fn tiers_are_ordered_and_end_open() {
    for row in cat().rows() {
        let tiers = cat().tiers(&row.region, &row.product, &row.key);
        let mut last = 0.0;
        for (i, t) in tiers.iter().enumerate() {
            match t.upto {
                Some(u) => {
                    assert!(
                        u > last,
                        "{} {} {} tiers out of order",
                        t.region,
                        t.product,
                        t.key
                    );
                    last = u;
                }
                None => assert_eq!(i, tiers.len() - 1, "open tier not last"),
            }
        }
        if tiers.len() > 1 {
            assert!(tiers.last().is_some_and(|t| t.upto.is_none()));
        }
    }
    let s3 = cat().tiers("us-east-1", "s3", "standard_storage");
    assert_eq!(s3.len(), 3);
    assert_eq!(s3[0].upto, Some(51200.0));
}

#[test]
fn unconfirmed_prices_say_why() {
    let mut unconfirmed = 0;
    for row in cat().rows() {
        if row.status == PriceStatus::Unconfirmed {
            unconfirmed += 1;
            assert!(
                !row.note.is_empty(),
                "{} {} {} has no note",
                row.region,
                row.product,
                row.key
            );
        }
    }
    assert!(unconfirmed > 0);
}

#[test]
fn free_types_are_in_the_catalog() {
    for t in [
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_route_table",
        "aws_iam_role",
    ] {
        let row = cat().free_type(t).unwrap_or_else(|| panic!("{t} free"));
        assert_eq!(row.usd, 0.0);
    }
    assert!(cat().free_type("aws_instance").is_none());
}

const HEAD: &str = "# currency: USD\n# prices_date: 2026-01-01\n# source: test\nregion,product,key,unit,usd,upto,status,note\n";

#[test]
fn parse_reads_a_small_catalog() {
    let c = Catalog::parse(&format!("{HEAD}r1,ec2,t9.tiny,hour,0.5,,checked,\n")).unwrap();
    assert_eq!(c.meta.prices_date, "2026-01-01");
    assert_eq!(c.price("r1", "ec2", "t9.tiny").map(|p| p.usd), Some(0.5));
}

#[test]
fn parse_errors_name_the_line() {
    let text = format!("{HEAD}r1,ec2,a,hour,0.5,,checked,\nr1,ec2,b,hour,cheap,,checked,\n");
    match Catalog::parse(&text) {
        Err(CatalogError::Row { line, message }) => {
            assert_eq!(line, 6, "{message}");
            assert!(message.contains("cheap"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let text = format!("{HEAD}r1,ec2,a,hour,0.5,,maybe,\n");
    let err = Catalog::parse(&text).unwrap_err().to_string();
    assert!(err.contains("line 5") && err.contains("maybe"), "{err}");
    let text = format!("{HEAD}r1,ec2,a,hour,-1,,checked,\n");
    assert!(Catalog::parse(&text).is_err());
}

#[test]
fn parse_needs_the_header() {
    let err = Catalog::parse("region,product,key,unit,usd,upto,status,note\n").unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)));
}
