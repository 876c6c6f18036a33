//! Usage files: parsing, errors with file and line, address lookup.

use std::io::Write;

use cairn_cost::{resource_address, Usage, UsageError};

#[test]
fn parses_entries() {
    let u = Usage::parse(
        "# traffic estimates\naws_nat_gateway.main:\n  monthly_data_processed_gb: 500\n'aws_s3_bucket.b[\"x\"]':\n  storage_gb: 12.5\n  monthly_get_requests: 1e6\n",
        "usage.yml",
    )
    .unwrap();
    assert_eq!(u.file.as_deref(), Some("usage.yml"));
    assert_eq!(
        u.entries["aws_nat_gateway.main"].monthly_data_processed_gb,
        Some(500.0)
    );
    let b = &u.entries["aws_s3_bucket.b[\"x\"]"];
    assert_eq!(b.storage_gb, Some(12.5));
    assert_eq!(b.monthly_get_requests, Some(1e6));
    assert_eq!(b.keys(), vec!["storage_gb", "monthly_get_requests"]);
}

#[test]
fn empty_file_is_no_usage() {
    for text in ["", "\n", "# nothing yet\n"] {
        let u = Usage::parse(text, "usage.yml").unwrap();
        assert!(u.entries.is_empty());
    }
}

fn parse_err(text: &str) -> UsageError {
    Usage::parse(text, "cost/usage.yml").unwrap_err()
}

#[test]
fn unknown_key_names_file_and_line() {
    let e = parse_err(
        "aws_nat_gateway.a:\n  monthly_data_processed_gb: 1\naws_s3_bucket.b:\n  storage_gib: 5\n",
    );
    assert_eq!(e.line(), Some(4), "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with("cost/usage.yml:4:"), "{msg}");
    assert!(msg.contains("storage_gib"), "{msg}");
    // The position is not repeated at the end.
    assert!(!msg.contains("at line"), "{msg}");
}

#[test]
fn negative_and_non_numeric_figures_name_the_line() {
    let e = parse_err("aws_s3_bucket.b:\n  storage_gb: 1\n  monthly_put_requests: -5\n");
    assert_eq!(e.line(), Some(3), "{e}");
    assert!(e.to_string().contains("zero or more"), "{e}");

    let e = parse_err("aws_s3_bucket.b:\n  storage_gb: lots\n");
    assert_eq!(e.line(), Some(2), "{e}");
    assert!(e.to_string().starts_with("cost/usage.yml:2:"), "{e}");
}

#[test]
fn bad_yaml_and_wrong_shapes_name_the_line() {
    let e = parse_err("aws_s3_bucket.b:\n  storage_gb: [1,\n");
    assert!(e.line().is_some(), "{e}");

    let e = parse_err("- aws_s3_bucket.b\n");
    assert_eq!(e.line(), Some(1), "{e}");

    let e = parse_err("aws_s3_bucket.b:\n  storage_gb: 1\naws_s3_bucket.b:\n  storage_gb: 2\n");
    assert_eq!(e.line(), Some(3), "{e}");
    assert!(e.to_string().contains("duplicate"), "{e}");
}

#[test]
fn load_reads_a_file_and_names_it_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.yml");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "aws_kms_key.k:\n  monthly_requests: 20000").unwrap();
    let u = Usage::load(&path).unwrap();
    assert_eq!(u.entries["aws_kms_key.k"].monthly_requests, Some(20000.0));
    assert_eq!(u.file.as_deref(), Some(path.display().to_string().as_str()));

    std::fs::write(&path, "aws_kms_key.k:\n  monthly_requests: many\n").unwrap();
    let e = Usage::load(&path).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!("{}:2:", path.display())),
        "{e}"
    );

    let e = Usage::load(&dir.path().join("missing.yml")).unwrap_err();
    assert!(matches!(e, UsageError::Read { .. }));
    assert!(e.to_string().contains("missing.yml"), "{e}");
}

#[test]
fn instance_entry_wins_over_resource_entry() {
    let u = Usage::parse(
        "aws_s3_bucket.b:\n  storage_gb: 1\n'aws_s3_bucket.b[0]':\n  storage_gb: 2\n",
        "u.yml",
    )
    .unwrap();
    assert_eq!(
        u.for_instance("aws_s3_bucket.b[0]")
            .and_then(|e| e.storage_gb),
        Some(2.0)
    );
    assert_eq!(
        u.for_instance("aws_s3_bucket.b[1]")
            .and_then(|e| e.storage_gb),
        Some(1.0)
    );
    assert_eq!(
        u.for_instance("aws_s3_bucket.b").and_then(|e| e.storage_gb),
        Some(1.0)
    );
    assert!(u.for_instance("aws_s3_bucket.c").is_none());
}

#[test]
fn resource_address_drops_every_key() {
    assert_eq!(resource_address("aws_s3_bucket.b"), "aws_s3_bucket.b");
    assert_eq!(resource_address("aws_s3_bucket.b[0]"), "aws_s3_bucket.b");
    assert_eq!(
        resource_address("module.net[\"eu\"].aws_nat_gateway.gw[\"a]b\"]"),
        "module.net.aws_nat_gateway.gw"
    );
    assert_eq!(
        resource_address("module.a[1].module.b.aws_eip.ip[\"x\\\"]\"]"),
        "module.a.module.b.aws_eip.ip"
    );
}

#[test]
fn duplicate_quoted_keys_point_at_the_repeat() {
    let e = parse_err("'aws_s3_bucket.b[\"x\"]':\n  storage_gb: 1\n\n'aws_s3_bucket.b[\"x\"]':\n  storage_gb: 2\n");
    assert_eq!(e.line(), Some(4), "{e}");
    let e = parse_err("aws_s3_bucket.b:\n  storage_gb: 1\n  storage_gb: 2\n");
    assert_eq!(e.line(), Some(3), "{e}");
}

#[test]
fn syntax_errors_do_not_repeat_the_position() {
    let e = parse_err("aws_s3_bucket.b:\n  storage_gb: [1,\n");
    let msg = e.to_string();
    assert!(msg.starts_with("cost/usage.yml:3:1: "), "{msg}");
    assert!(!msg.contains("at line"), "{msg}");
}
