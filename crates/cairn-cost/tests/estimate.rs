//! Estimates of single resources, checked against the catalog's prices.

mod common;

use cairn_cost::{estimate, CostItem, NoteKind, Status, Usage, HOURS_PER_MONTH};
use cairn_value::{Type, Value};
use common::*;

const USE1: &str = "us-east-1";

#[test]
fn t3_micro_is_its_hourly_price_times_730() {
    let v = obj(&[
        ("instance_type", s("t3.micro")),
        ("associate_public_ip_address", Value::bool(false)),
        (
            "root_block_device",
            json(r#"[{"volume_size": 8, "volume_type": "gp3"}]"#),
        ),
    ]);
    let e = est("aws_instance", USE1, &v);
    assert_eq!(e.status, Status::Priced, "{:#?}", e.notes);
    let hourly = price(USE1, "ec2", "t3.micro");
    assert_eq!(hourly, 0.0104);
    let c = component(&e, "t3.micro");
    assert_eq!(c.quantity, 730.0);
    assert_eq!(c.unit_price, hourly);
    assert_close(c.monthly, hourly * 730.0);
    assert_close(c.monthly, 7.592);
    let root = component(&e, "Root volume storage (gp3)");
    assert_close(root.monthly, 8.0 * price(USE1, "ebs", "gp3_storage"));
    assert_close(e.monthly, 7.592 + 0.64);
    assert_eq!(HOURS_PER_MONTH, 730.0);
}

#[test]
fn region_changes_the_price() {
    let v = obj(&[
        ("instance_type", s("t3.micro")),
        ("associate_public_ip_address", Value::bool(false)),
        (
            "root_block_device",
            json(r#"[{"volume_size": 8, "volume_type": "gp3"}]"#),
        ),
    ]);
    let e = est("aws_instance", "eu-west-1", &v);
    assert_close(
        component(&e, "t3.micro").monthly,
        price("eu-west-1", "ec2", "t3.micro") * 730.0,
    );
    assert_close(component(&e, "t3.micro").monthly, 0.0114 * 730.0);
}

#[test]
fn instance_with_public_ip_and_ebs_blocks() {
    let v = json(
        r#"{
        "instance_type": "m5.large",
        "associate_public_ip_address": true,
        "root_block_device": [{"volume_size": 30, "volume_type": "gp2"}],
        "ebs_block_device": [
            {"device_name": "/dev/sdf", "volume_size": 100, "volume_type": "io1", "iops": 1000},
            {"device_name": "/dev/sdg", "volume_size": 500, "volume_type": "st1"}
        ]
    }"#,
    );
    let e = est("aws_instance", USE1, &v);
    assert_eq!(e.status, Status::Priced, "{:#?}", e.notes);
    assert_close(component(&e, "m5.large").monthly, 0.096 * 730.0);
    assert_close(component(&e, "Public IPv4").monthly, 0.005 * 730.0);
    assert_close(component(&e, "Public IPv4").monthly, 3.65);
    assert_close(
        component(&e, "Root volume storage (gp2)").monthly,
        30.0 * 0.10,
    );
    assert_close(
        component(&e, "/dev/sdf storage (io1)").monthly,
        100.0 * price(USE1, "ebs", "io1_storage"),
    );
    assert_close(
        component(&e, "/dev/sdf provisioned IOPS").monthly,
        1000.0 * price(USE1, "ebs", "io1_iops"),
    );
    assert_close(
        component(&e, "/dev/sdg storage (st1)").monthly,
        500.0 * price(USE1, "ebs", "st1_storage"),
    );
    let sum: f64 = e.components.iter().map(|c| c.monthly).sum();
    assert_close(e.monthly, sum);
}

#[test]
fn instance_type_known_after_apply_is_not_guessed() {
    let v = obj(&[
        ("instance_type", unknown_str()),
        ("associate_public_ip_address", Value::bool(false)),
        (
            "root_block_device",
            json(r#"[{"volume_size": 8, "volume_type": "gp3"}]"#),
        ),
    ]);
    let e = est("aws_instance", USE1, &v);
    assert_eq!(e.status, Status::Partial);
    assert!(has_note(&e, "instance_type known after apply"));
    assert!(e.notes.iter().any(|n| n.kind == NoteKind::UnknownValue));
    // Only the root volume is priced.
    assert_eq!(e.components.len(), 1);
    assert_close(e.monthly, 0.64);
}

#[test]
fn everything_unknown_is_status_unknown() {
    let v = obj(&[
        ("instance_type", unknown_str()),
        ("associate_public_ip_address", Value::unknown(Type::Bool)),
        ("root_block_device", Value::unknown(Type::Dynamic)),
    ]);
    let e = est("aws_instance", USE1, &v);
    assert_eq!(e.status, Status::Unknown);
    assert_eq!(e.monthly, 0.0);
    assert!(has_note(
        &e,
        "associate_public_ip_address known after apply"
    ));
    assert!(has_note(&e, "$3.65/month"));

    let whole = Value::unknown(Type::Dynamic);
    let e = est("aws_ebs_volume", USE1, &whole);
    assert_eq!(e.status, Status::Unknown);
}

#[test]
fn root_volume_from_the_ami_is_a_noted_gap() {
    let v = obj(&[
        ("instance_type", s("t3.small")),
        ("associate_public_ip_address", Value::bool(false)),
    ]);
    let e = est("aws_instance", USE1, &v);
    assert_eq!(e.status, Status::Partial);
    assert!(has_note(&e, "root volume not priced"));
    assert_close(e.monthly, 0.0208 * 730.0);
}

#[test]
fn instance_type_or_tenancy_outside_the_catalog() {
    let v = obj(&[
        ("instance_type", s("p5.48xlarge")),
        ("associate_public_ip_address", Value::bool(false)),
    ]);
    let e = est("aws_instance", USE1, &v);
    assert_eq!(e.status, Status::NotInCatalog);
    assert!(has_note(
        &e,
        "instance type p5.48xlarge is not in the catalog for us-east-1"
    ));

    let v = obj(&[
        ("instance_type", s("t3.micro")),
        ("tenancy", s("dedicated")),
        ("associate_public_ip_address", Value::bool(false)),
        (
            "root_block_device",
            json(r#"[{"volume_size": 8, "volume_type": "gp3"}]"#),
        ),
    ]);
    let e = est("aws_instance", USE1, &v);
    assert_eq!(e.status, Status::Partial);
    assert!(has_note(&e, "tenancy dedicated"));
}

#[test]
fn gp3_volume_of_100_gb() {
    let v = obj(&[
        ("size", n(100)),
        ("type", s("gp3")),
        ("iops", n(3000)),
        ("throughput", n(125)),
    ]);
    let e = est("aws_ebs_volume", USE1, &v);
    assert_eq!(e.status, Status::Priced);
    assert_eq!(e.components.len(), 1);
    assert_eq!(e.components[0].name, "Storage (gp3)");
    assert_close(e.monthly, 100.0 * price(USE1, "ebs", "gp3_storage"));
    assert_close(e.monthly, 8.0);
}

#[test]
fn gp3_iops_and_throughput_above_the_baseline() {
    let v = obj(&[
        ("size", n(200)),
        ("type", s("gp3")),
        ("iops", n(6000)),
        ("throughput", n(250)),
    ]);
    let e = est("aws_ebs_volume", USE1, &v);
    assert_close(component(&e, "IOPS").quantity, 3000.0);
    assert_close(
        component(&e, "IOPS").monthly,
        3000.0 * price(USE1, "ebs", "gp3_iops"),
    );
    assert_close(component(&e, "hroughput").quantity, 125.0);
    assert_close(
        component(&e, "hroughput").monthly,
        125.0 * price(USE1, "ebs", "gp3_throughput"),
    );
    assert!(component(&e, "hroughput").unconfirmed);
    assert_close(e.monthly, 200.0 * 0.08 + 3000.0 * 0.005 + 125.0 * 0.04);
}

#[test]
fn gp3_with_unknown_iops_is_priced_at_the_baseline_with_a_note() {
    let v = obj(&[
        ("size", n(50)),
        ("type", s("gp3")),
        ("iops", unknown_num()),
        ("throughput", unknown_num()),
    ]);
    let e = est("aws_ebs_volume", USE1, &v);
    assert_eq!(e.status, Status::Priced);
    assert!(e
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::Assumption && n.message.contains("iops known after apply")));
    assert_close(e.monthly, 4.0);
}

#[test]
fn io2_iops_are_tiered() {
    let v = obj(&[("size", n(100)), ("type", s("io2")), ("iops", n(40000))]);
    let e = est("aws_ebs_volume", USE1, &v);
    let tiers = common::cat().tiers(USE1, "ebs", "io2_iops");
    let want = 32000.0 * tiers[0].usd + 8000.0 * tiers[1].usd;
    assert_close(component(&e, "Provisioned IOPS").monthly, want);
    assert_close(want, 32000.0 * 0.065 + 8000.0 * 0.0455);
}

#[test]
fn volume_size_or_type_unknown() {
    let v = obj(&[("size", unknown_num()), ("type", s("gp3"))]);
    let e = est("aws_ebs_volume", USE1, &v);
    assert_eq!(e.status, Status::Unknown);
    assert!(has_note(&e, "size known after apply"));

    let v = obj(&[("size", n(10)), ("type", unknown_str())]);
    let e = est("aws_ebs_volume", USE1, &v);
    assert_eq!(e.status, Status::Unknown);
    assert!(has_note(&e, "type known after apply"));
}

#[test]
fn magnetic_volume_io_from_usage() {
    let v = obj(&[("size", n(10)), ("type", s("standard"))]);
    let u = usage("aws_ebs_volume.x:\n  monthly_io_requests: 2000000\n");
    let e = est_usage("aws_ebs_volume", USE1, &v, &u);
    assert_close(
        component(&e, "I/O requests").monthly,
        2.0 * price(USE1, "ebs", "standard_io"),
    );
    let e = est("aws_ebs_volume", USE1, &v);
    assert!(e.notes.iter().any(|n| n.kind == NoteKind::MissingUsage));
    assert_eq!(e.status, Status::Priced);
}

#[test]
fn nat_gateway_hourly_and_data_processed() {
    let v = obj(&[
        ("connectivity_type", s("public")),
        ("subnet_id", s("subnet-1")),
    ]);
    let e = est("aws_nat_gateway", USE1, &v);
    assert_eq!(e.status, Status::Priced);
    assert_close(e.monthly, price(USE1, "vpc", "nat_gateway_hour") * 730.0);
    assert_close(e.monthly, 32.85);
    assert!(e.notes.iter().any(
        |n| n.kind == NoteKind::MissingUsage && n.message.contains("monthly_data_processed_gb")
    ));

    let u = usage("aws_nat_gateway.x:\n  monthly_data_processed_gb: 500\n");
    let e = est_usage("aws_nat_gateway", USE1, &v, &u);
    assert_close(
        component(&e, "Data processed").monthly,
        500.0 * price(USE1, "vpc", "nat_gateway_data"),
    );
    assert_close(e.monthly, 32.85 + 22.5);
    assert!(!e.notes.iter().any(|n| n.kind == NoteKind::MissingUsage));
}

#[test]
fn eip_is_a_public_ipv4_address() {
    let e = est("aws_eip", USE1, &obj(&[("domain", s("vpc"))]));
    assert_close(e.monthly, price(USE1, "vpc", "public_ipv4_hour") * 730.0);
    assert_close(e.monthly, 3.65);

    let byoip = obj(&[
        ("domain", s("vpc")),
        ("public_ipv4_pool", s("ipv4pool-ec2-123")),
    ]);
    let e = est("aws_eip", USE1, &byoip);
    assert_eq!(e.status, Status::Free);
}

#[test]
fn dynamodb_provisioned_5_and_5() {
    let v = obj(&[
        ("billing_mode", s("PROVISIONED")),
        ("read_capacity", n(5)),
        ("write_capacity", n(5)),
        ("table_class", s("STANDARD")),
    ]);
    let e = est("aws_dynamodb_table", USE1, &v);
    assert_eq!(e.status, Status::Priced);
    let w = component(&e, "write capacity");
    assert_close(w.quantity, 5.0 * 730.0);
    assert_close(w.monthly, 5.0 * 730.0 * price(USE1, "dynamodb", "wcu_hour"));
    let r = component(&e, "read capacity");
    assert_close(r.monthly, 5.0 * 730.0 * price(USE1, "dynamodb", "rcu_hour"));
    assert_close(e.monthly, 5.0 * 730.0 * (0.00065 + 0.00013));
    // Storage needs usage.
    assert!(has_note(&e, "storage_gb"));
}

#[test]
fn dynamodb_gsi_capacity_is_added() {
    let v = json(
        r#"{"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 5,
            "global_secondary_index": [{"name": "g", "read_capacity": 10, "write_capacity": 3}]}"#,
    );
    let e = est("aws_dynamodb_table", USE1, &v);
    assert_close(component(&e, "write capacity").quantity, 8.0 * 730.0);
    assert_close(component(&e, "read capacity").quantity, 15.0 * 730.0);
    assert!(component(&e, "write capacity").name.contains("8 WCU"));
}

#[test]
fn dynamodb_on_demand_from_usage() {
    let v = obj(&[("billing_mode", s("PAY_PER_REQUEST"))]);
    let u = usage(
        "aws_dynamodb_table.x:\n  monthly_write_request_units: 3000000\n  monthly_read_request_units: 10000000\n  storage_gb: 20\n",
    );
    let e = est_usage("aws_dynamodb_table", USE1, &v, &u);
    assert_eq!(e.status, Status::Priced);
    assert_close(component(&e, "write request").monthly, 3.0 * 0.625);
    assert_close(component(&e, "read request").monthly, 10.0 * 0.125);
    assert_close(
        component(&e, "Storage").monthly,
        20.0 * price(USE1, "dynamodb", "storage"),
    );

    let e = est("aws_dynamodb_table", USE1, &v);
    assert_eq!(e.monthly, 0.0);
    assert!(has_note(&e, "monthly_write_request_units"));
}

#[test]
fn dynamodb_capacity_unknown() {
    let v = obj(&[
        ("billing_mode", s("PROVISIONED")),
        ("read_capacity", unknown_num()),
        ("write_capacity", n(1)),
    ]);
    let e = est("aws_dynamodb_table", USE1, &v);
    assert_eq!(e.status, Status::Partial);
    assert!(has_note(&e, "read_capacity known after apply"));
}

#[test]
fn log_group_with_usage() {
    let v = obj(&[("name", s("/app")), ("retention_in_days", n(30))]);
    let u = usage("aws_cloudwatch_log_group.x:\n  monthly_ingestion_gb: 10\n  storage_gb: 50\n");
    let e = est_usage("aws_cloudwatch_log_group", USE1, &v, &u);
    assert_close(
        component(&e, "Ingestion (Standard)").monthly,
        10.0 * price(USE1, "logs", "ingestion_standard"),
    );
    assert_close(
        component(&e, "Storage").monthly,
        50.0 * price(USE1, "logs", "storage"),
    );
    assert_close(e.monthly, 5.0 + 1.5);

    let ia = obj(&[("log_group_class", s("INFREQUENT_ACCESS"))]);
    let e = est_usage("aws_cloudwatch_log_group", USE1, &ia, &u);
    assert_close(
        component(&e, "Infrequent Access").monthly,
        10.0 * price(USE1, "logs", "ingestion_infrequent_access"),
    );
}

#[test]
fn s3_bucket_with_usage_is_tiered() {
    let v = obj(&[("bucket", s("b"))]);
    let u = usage(
        "aws_s3_bucket.x:\n  storage_gb: 60000\n  monthly_put_requests: 100000\n  monthly_get_requests: 1000000\n",
    );
    let e = est_usage("aws_s3_bucket", USE1, &v, &u);
    assert_eq!(e.status, Status::Priced);
    let tiers = common::cat().tiers(USE1, "s3", "standard_storage");
    let want = 51200.0 * tiers[0].usd + (60000.0 - 51200.0) * tiers[1].usd;
    assert_close(component(&e, "Storage").monthly, want);
    assert_close(
        component(&e, "PUT").monthly,
        100.0 * price(USE1, "s3", "put_requests_1k"),
    );
    assert_close(
        component(&e, "GET").monthly,
        1000.0 * price(USE1, "s3", "get_requests_1k"),
    );

    let e = est("aws_s3_bucket", USE1, &v);
    assert_eq!(e.monthly, 0.0);
    assert_eq!(e.status, Status::Priced);
    assert!(has_note(&e, "storage_gb"));
}

#[test]
fn kms_key_secret_alarm_and_topic() {
    let u = usage("aws_kms_key.x:\n  monthly_requests: 100000\n");
    let e = est_usage(
        "aws_kms_key",
        USE1,
        &obj(&[("enable_key_rotation", Value::bool(true))]),
        &u,
    );
    assert_close(e.monthly, 1.0 + 10.0 * 0.03);
    assert!(has_note(&e, "rotation"));

    let v = json(r#"{"name": "s", "replica": [{"region": "us-west-2"}]}"#);
    let e = est("aws_secretsmanager_secret", USE1, &v);
    assert_close(
        e.monthly,
        2.0 * price(USE1, "secretsmanager", "secret_month"),
    );
    assert!(e.components[0].name.contains("1 replica"));

    let e = est(
        "aws_cloudwatch_metric_alarm",
        USE1,
        &obj(&[("period", n(300))]),
    );
    assert_close(e.monthly, price(USE1, "cloudwatch", "alarm_standard_month"));
    let e = est(
        "aws_cloudwatch_metric_alarm",
        USE1,
        &obj(&[("period", n(10))]),
    );
    assert_close(
        e.monthly,
        price(USE1, "cloudwatch", "alarm_high_resolution_month"),
    );

    let u = usage(
        "aws_sns_topic.x:\n  monthly_requests: 2000000\n  monthly_email_notifications: 50000\n",
    );
    let e = est_usage(
        "aws_sns_topic",
        USE1,
        &obj(&[("fifo_topic", Value::bool(false))]),
        &u,
    );
    assert_close(e.monthly, 2.0 * 0.5 + 0.5 * 2.0);
    let e = est(
        "aws_sns_topic",
        USE1,
        &obj(&[("fifo_topic", Value::bool(true))]),
    );
    assert_eq!(e.status, Status::NotInCatalog);
}

#[test]
fn ssm_parameter_tiers() {
    let e = est("aws_ssm_parameter", USE1, &obj(&[("tier", s("Standard"))]));
    assert_eq!(e.status, Status::Free);
    let e = est("aws_ssm_parameter", USE1, &obj(&[("tier", s("Advanced"))]));
    assert_close(e.monthly, 0.05);
}

#[test]
fn free_types_are_free_not_unpriced() {
    for t in [
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_route_table",
        "aws_iam_role",
        "random_id",
    ] {
        let e = est(t, USE1, &obj(&[]));
        assert_eq!(e.status, Status::Free, "{t}");
        assert_eq!(e.monthly, 0.0);
    }
    // Free whatever the region.
    let null = Value::dynamic_null();
    let item = CostItem::new("aws_vpc.a", "aws_vpc", None, &null);
    assert_eq!(
        estimate(&item, common::cat(), &Usage::none()).status,
        Status::Free
    );
}

#[test]
fn unpriced_types_say_so() {
    let e = est("aws_lambda_function", USE1, &obj(&[]));
    assert_eq!(e.status, Status::NotInCatalog);
    assert!(has_note(&e, "aws_lambda_function is not in the catalog"));
    assert_eq!(e.monthly, 0.0);
}

#[test]
fn unknown_or_uncatalogued_region_is_not_priced() {
    let v = obj(&[("size", n(100)), ("type", s("gp3"))]);
    let e = est("aws_ebs_volume", "eu-central-1", &v);
    assert_eq!(e.status, Status::NotInCatalog);
    assert_eq!(e.monthly, 0.0);
    assert!(e.notes.iter().any(|n| n.kind == NoteKind::Region
        && n.message
            .contains("region eu-central-1 is not in the catalog")
        && n.message.contains("us-east-1")));

    let item = CostItem::new("aws_ebs_volume.v", "aws_ebs_volume", None, &v);
    let e = estimate(&item, common::cat(), &Usage::none());
    assert_eq!(e.status, Status::NotInCatalog);
    assert!(has_note(&e, "region unknown"));
}

#[test]
fn usage_keys_a_type_does_not_use_are_noted() {
    let u = usage("aws_ebs_volume.x:\n  storage_gb: 5\n");
    let v = obj(&[("size", n(10)), ("type", s("gp2"))]);
    let e = est_usage("aws_ebs_volume", USE1, &v, &u);
    assert!(e
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::UnusedUsage && n.message.contains("storage_gb")));
    assert_close(e.monthly, 1.0);
}

#[test]
fn usage_by_resource_address_applies_to_every_instance() {
    let u = usage("aws_nat_gateway.gw:\n  monthly_data_processed_gb: 100\n'aws_nat_gateway.gw[\"b\"]':\n  monthly_data_processed_gb: 10\n");
    let v = obj(&[]);
    let a = CostItem::new(
        "aws_nat_gateway.gw[\"a\"]",
        "aws_nat_gateway",
        Some(USE1),
        &v,
    );
    let b = CostItem::new(
        "aws_nat_gateway.gw[\"b\"]",
        "aws_nat_gateway",
        Some(USE1),
        &v,
    );
    let ea = estimate(&a, common::cat(), &u);
    let eb = estimate(&b, common::cat(), &u);
    assert_close(component(&ea, "Data processed").quantity, 100.0);
    assert_close(component(&eb, "Data processed").quantity, 10.0);
}
