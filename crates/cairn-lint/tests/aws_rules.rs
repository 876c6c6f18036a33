//! The AWS rules on hand-built instances: for every rule a value that
//! breaks it and one that does not, unknown values that decide nothing,
//! links between resources, and the rule catalogue against the docs and
//! fixtures.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use cairn_findings::{Finding, Severity};
use cairn_lint::{Instance, Model};
use cairn_value::{Type, Value};
use serde_json::json;

// ---- helpers -------------------------------------------------------------------

/// A value from a JSON literal (objects, arrays as tuples, strings,
/// numbers, bools, null) with cairn's own decoder.
fn val(j: serde_json::Value) -> Value {
    cairn_value::json::from_json(&j)
}

/// A managed resource instance `type.name` with the given values.
fn inst(type_name: &str, name: &str, j: serde_json::Value) -> Instance {
    let address = format!("{type_name}.{name}");
    Instance {
        address: address.clone(),
        resource: address,
        type_name: type_name.to_string(),
        values: val(j),
        dependencies: Vec::new(),
        taggable: false,
    }
}

/// A data source instance `data.type.name`.
fn data(type_name: &str, name: &str, j: serde_json::Value) -> Instance {
    let mut i = inst(type_name, name, j);
    i.address = format!("data.{type_name}.{name}");
    i.resource = i.address.clone();
    i
}

fn deps(mut i: Instance, d: &[&str]) -> Instance {
    i.dependencies = d.iter().map(|s| s.to_string()).collect();
    i
}

/// `v` with the value at `path` (object attributes and sequence indexes)
/// replaced by `new`: how unknowns are put into a JSON-built value.
fn replace(v: &Value, path: &[&str], new: Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return new;
    };
    if let Some(m) = v.as_entries() {
        let mut m: BTreeMap<String, Value> = m.clone();
        let inner = m.get(*first).cloned().unwrap_or_else(Value::dynamic_null);
        m.insert(first.to_string(), replace(&inner, rest, new));
        return Value::object(m);
    }
    if let (Some(items), Ok(i)) = (v.as_seq(), first.parse::<usize>()) {
        let mut items = items.to_vec();
        if let Some(slot) = items.get_mut(i) {
            *slot = replace(slot, rest, new);
        }
        return Value::tuple(items);
    }
    v.clone()
}

fn unknown_at(mut i: Instance, path: &[&str]) -> Instance {
    i.values = replace(&i.values, path, Value::dynamic_unknown());
    i
}

fn run(instances: Vec<Instance>) -> Vec<Finding> {
    let model = Model { instances };
    let mut out = Vec::new();
    cairn_lint::aws::check(&model, &mut out);
    out
}

fn of(findings: &[Finding], rule: &str) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .cloned()
        .collect()
}

#[track_caller]
fn assert_fires(rule: &str, instances: Vec<Instance>) -> Vec<Finding> {
    let all = run(instances);
    let hits = of(&all, rule);
    assert!(!hits.is_empty(), "{rule} did not fire; findings: {all:#?}");
    hits
}

#[track_caller]
fn assert_silent(rule: &str, instances: Vec<Instance>) {
    let all = run(instances);
    let hits = of(&all, rule);
    assert!(hits.is_empty(), "{rule} fired: {hits:#?}");
}

/// A test per rule: the `fail` instances break it, the `pass` ones do not.
macro_rules! rule_case {
    ($name:ident, $rule:literal, fail: [$($f:expr),* $(,)?], pass: [$($p:expr),* $(,)?]) => {
        #[test]
        fn $name() {
            assert_fires($rule, vec![$($f),*]);
            assert_silent($rule, vec![$($p),*]);
        }
    };
}

fn policy(statements: serde_json::Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn sg_rule(proto: &str, from: i64, to: i64, cidrs: &[&str], v6: &[&str]) -> serde_json::Value {
    json!({
        "protocol": proto, "from_port": from, "to_port": to,
        "cidr_blocks": cidrs, "ipv6_cidr_blocks": v6,
        "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""
    })
}

fn sg(ingress: Vec<serde_json::Value>, egress: Vec<serde_json::Value>) -> Instance {
    inst(
        "aws_security_group",
        "web",
        json!({"name": "web", "ingress": ingress, "egress": egress}),
    )
}

fn bucket() -> Instance {
    inst(
        "aws_s3_bucket",
        "data",
        json!({"bucket": "cairn-data", "id": "cairn-data"}),
    )
}

/// A bucket whose name is only known after apply (bucket_prefix).
fn new_bucket() -> Instance {
    let b = inst(
        "aws_s3_bucket",
        "data",
        json!({"bucket": null, "bucket_prefix": "data-"}),
    );
    let b = unknown_at(b, &["bucket"]);
    unknown_at(b, &["id"])
}

fn bucket_policy(doc: String) -> Instance {
    inst(
        "aws_s3_bucket_policy",
        "data",
        json!({"bucket": "cairn-data", "policy": doc}),
    )
}

fn instance(extra: serde_json::Value) -> Instance {
    let mut base = json!({
        "ami": "ami-0123456789abcdef0",
        "instance_type": "t3.micro",
        "monitoring": true,
        "root_block_device": [{"encrypted": true}],
        "ebs_block_device": [],
        "metadata_options": [{"http_tokens": "required", "http_endpoint": "enabled"}]
    });
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    inst("aws_instance", "app", base)
}

fn iam_policy(statements: serde_json::Value) -> Instance {
    inst(
        "aws_iam_policy",
        "app",
        json!({"name": "app", "policy": policy(statements)}),
    )
}

fn role(trust: serde_json::Value) -> Instance {
    inst(
        "aws_iam_role",
        "r",
        json!({"name": "r", "assume_role_policy": policy(trust), "inline_policy": []}),
    )
}

// ---- network -------------------------------------------------------------------

rule_case!(aws001_ssh, "AWS001",
    fail: [sg(vec![sg_rule("tcp", 22, 22, &["0.0.0.0/0"], &[])], vec![])],
    pass: [sg(vec![sg_rule("tcp", 22, 22, &["10.0.0.0/8"], &[])], vec![])]);

rule_case!(aws002_rdp, "AWS002",
    fail: [inst("aws_security_group_rule", "rdp", json!({
        "type": "ingress", "protocol": "tcp", "from_port": 3389, "to_port": 3389,
        "cidr_blocks": ["0.0.0.0/0"], "security_group_id": "sg-1"}))],
    pass: [inst("aws_security_group_rule", "rdp", json!({
        "type": "ingress", "protocol": "tcp", "from_port": 3389, "to_port": 3389,
        "cidr_blocks": ["192.168.0.0/16"], "security_group_id": "sg-1"}))]);

rule_case!(aws003_database, "AWS003",
    fail: [inst("aws_vpc_security_group_ingress_rule", "pg", json!({
        "security_group_id": "sg-1", "ip_protocol": "tcp", "from_port": 5432, "to_port": 5432,
        "cidr_ipv4": "0.0.0.0/0"}))],
    pass: [inst("aws_vpc_security_group_ingress_rule", "pg", json!({
        "security_group_id": "sg-1", "ip_protocol": "tcp", "from_port": 5432, "to_port": 5432,
        "referenced_security_group_id": "sg-2"}))]);

rule_case!(aws004_admin_ports, "AWS004",
    fail: [sg(vec![sg_rule("tcp", 445, 445, &[], &["::/0"])], vec![])],
    pass: [sg(vec![sg_rule("tcp", 443, 443, &[], &["::/0"])], vec![])]);

rule_case!(aws005_all_ports, "AWS005",
    fail: [inst("aws_vpc_security_group_ingress_rule", "all", json!({
        "security_group_id": "sg-1", "ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}))],
    pass: [inst("aws_vpc_security_group_ingress_rule", "all", json!({
        "security_group_id": "sg-1", "ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/16"}))]);

rule_case!(aws006_egress, "AWS006",
    fail: [sg(vec![], vec![sg_rule("-1", 0, 0, &["0.0.0.0/0"], &[])])],
    pass: [sg(vec![], vec![sg_rule("tcp", 443, 443, &["0.0.0.0/0"], &[])])]);

rule_case!(aws007_default_sg, "AWS007",
    fail: [inst("aws_default_security_group", "d", json!({
        "vpc_id": "vpc-1", "ingress": [sg_rule("-1", 0, 0, &[], &[])], "egress": []}))],
    pass: [inst("aws_default_security_group", "d", json!({
        "vpc_id": "vpc-1", "ingress": [], "egress": []}))]);

fn nacl(entries: serde_json::Value) -> Instance {
    inst(
        "aws_network_acl",
        "pub",
        json!({"vpc_id": "vpc-1", "ingress": entries, "egress": []}),
    )
}

fn entry(no: i64, action: &str, proto: &str, cidr: &str, from: i64, to: i64) -> serde_json::Value {
    json!({"rule_no": no, "action": action, "protocol": proto, "cidr_block": cidr,
           "from_port": from, "to_port": to})
}

rule_case!(aws008_nacl, "AWS008",
fail: [nacl(json!([entry(100, "allow", "tcp", "0.0.0.0/0", 22, 22)]))],
pass: [nacl(json!([
    entry(90, "deny", "tcp", "0.0.0.0/0", 22, 22),
    entry(95, "deny", "tcp", "0.0.0.0/0", 3389, 3389),
    entry(100, "allow", "-1", "0.0.0.0/0", 0, 0),
]))]);

rule_case!(aws009_subnet_public_ip, "AWS009",
    fail: [inst("aws_subnet", "a", json!({"vpc_id": "vpc-1", "map_public_ip_on_launch": true}))],
    pass: [inst("aws_subnet", "a", json!({"vpc_id": "vpc-1", "map_public_ip_on_launch": false}))]);

rule_case!(aws010_flow_logs, "AWS010",
fail: [inst("aws_vpc", "main", json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16"}))],
pass: [
    inst("aws_vpc", "main", json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16"})),
    inst("aws_flow_log", "main", json!({"vpc_id": "vpc-1", "traffic_type": "ALL"})),
]);

// ---- S3 ------------------------------------------------------------------------

rule_case!(aws011_encryption, "AWS011",
    fail: [bucket()],
    pass: [bucket(), inst("aws_s3_bucket_server_side_encryption_configuration", "data", json!({
        "bucket": "cairn-data",
        "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]}))]);

rule_case!(aws012_versioning, "AWS012",
    fail: [bucket()],
    pass: [bucket(), inst("aws_s3_bucket_versioning", "data", json!({
        "bucket": "cairn-data", "versioning_configuration": [{"status": "Enabled"}]}))]);

rule_case!(aws013_public_access_block, "AWS013",
    fail: [bucket()],
    pass: [bucket(), inst("aws_s3_bucket_public_access_block", "data", json!({
        "bucket": "cairn-data", "block_public_acls": true, "block_public_policy": true,
        "ignore_public_acls": true, "restrict_public_buckets": true}))]);

rule_case!(aws014_public_access_block_off, "AWS014",
    fail: [inst("aws_s3_bucket_public_access_block", "data", json!({
        "bucket": "cairn-data", "block_public_acls": true, "block_public_policy": false,
        "ignore_public_acls": true, "restrict_public_buckets": true}))],
    pass: [inst("aws_s3_bucket_public_access_block", "data", json!({
        "bucket": "cairn-data", "block_public_acls": true, "block_public_policy": true,
        "ignore_public_acls": true, "restrict_public_buckets": true}))]);

rule_case!(aws015_policy_public_read, "AWS015",
    fail: [bucket_policy(policy(json!([{"Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cairn-data/*"}])))],
    pass: [bucket_policy(policy(json!([{"Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cairn-data/*",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}])))]);

rule_case!(aws016_policy_public_write, "AWS016",
    fail: [bucket_policy(policy(json!([{"Effect": "Allow", "Principal": {"AWS": ["*"]},
        "Action": ["s3:Put*"], "Resource": "arn:aws:s3:::cairn-data/*"}])))],
    pass: [bucket_policy(policy(json!([{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": ["s3:Put*"], "Resource": "arn:aws:s3:::cairn-data/*"}])))]);

fn tls_deny() -> serde_json::Value {
    json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
           "Resource": ["arn:aws:s3:::cairn-data", "arn:aws:s3:::cairn-data/*"],
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
}

rule_case!(aws017_tls, "AWS017",
    fail: [bucket()],
    pass: [bucket(), bucket_policy(policy(json!([tls_deny()])))]);

rule_case!(aws018_object_acl, "AWS018",
    fail: [inst("aws_s3_object", "o", json!({"bucket": "cairn-data", "key": "a", "acl": "public-read"}))],
    pass: [inst("aws_s3_object", "o", json!({"bucket": "cairn-data", "key": "a", "acl": "private"}))]);

// ---- compute -------------------------------------------------------------------

rule_case!(aws019_ebs, "AWS019",
    fail: [inst("aws_ebs_volume", "v", json!({"availability_zone": "us-east-1a", "size": 10}))],
    pass: [inst("aws_ebs_volume", "v", json!({"availability_zone": "us-east-1a", "size": 10, "encrypted": true}))]);

rule_case!(aws020_root_volume, "AWS020",
    fail: [instance(json!({"root_block_device": [{"encrypted": false}]}))],
    pass: [instance(json!({"root_block_device": [{"encrypted": true}]}))]);

rule_case!(aws021_ebs_block_device, "AWS021",
    fail: [instance(json!({"ebs_block_device": [{"device_name": "/dev/sdh", "encrypted": false}]}))],
    pass: [instance(json!({"ebs_block_device": [{"device_name": "/dev/sdh", "encrypted": true}]}))]);

rule_case!(aws022_public_ip, "AWS022",
    fail: [instance(json!({"associate_public_ip_address": true}))],
    pass: [instance(json!({"associate_public_ip_address": false}))]);

rule_case!(aws023_imdsv1, "AWS023",
    fail: [instance(json!({"metadata_options": []}))],
    pass: [instance(json!({"metadata_options": [{"http_tokens": "required"}]}))]);

rule_case!(aws024_monitoring, "AWS024",
    fail: [instance(json!({"monitoring": null}))],
    pass: [instance(json!({"monitoring": true}))]);

// ---- IAM -----------------------------------------------------------------------

rule_case!(aws025_admin, "AWS025",
    fail: [iam_policy(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))],
    pass: [iam_policy(json!([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]))]);

rule_case!(aws026_pass_role, "AWS026",
    fail: [inst("aws_iam_role_policy", "p", json!({"role": "r", "policy": policy(json!([
        {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": ["*"]}]))}))],
    pass: [inst("aws_iam_role_policy", "p", json!({"role": "r", "policy": policy(json!([
        {"Effect": "Allow", "Action": ["iam:PassRole"],
         "Resource": ["arn:aws:iam::111122223333:role/app"]}]))}))]);

rule_case!(aws027_escalation, "AWS027",
    fail: [iam_policy(json!([{"Effect": "Allow", "Action": "iam:Put*", "Resource": "*"}]))],
    pass: [iam_policy(json!([{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]))]);

rule_case!(aws028_service_wildcard, "AWS028",
    fail: [iam_policy(json!([{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]))],
    pass: [iam_policy(json!([{"Effect": "Deny", "Action": ["s3:*"], "Resource": "*"}]))]);

rule_case!(aws029_admin_attached, "AWS029",
    fail: [inst("aws_iam_role_policy_attachment", "a", json!({
        "role": "r", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}))],
    pass: [inst("aws_iam_role_policy_attachment", "a", json!({
        "role": "r", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}))]);

rule_case!(aws030_trust_anyone, "AWS030",
    fail: [role(json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]))],
    pass: [role(json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]))]);

fn github_trust(cond: serde_json::Value) -> Instance {
    role(json!([{"Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond}]))
}

rule_case!(aws031_github_oidc, "AWS031",
    fail: [github_trust(json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}))],
    pass: [github_trust(json!({
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-repo:*"}}))]);

// ---- logs, SNS, DynamoDB ---------------------------------------------------------

rule_case!(aws032_log_retention, "AWS032",
    fail: [inst("aws_cloudwatch_log_group", "g", json!({"name": "/app", "retention_in_days": 0}))],
    pass: [inst("aws_cloudwatch_log_group", "g", json!({"name": "/app", "retention_in_days": 365}))]);

rule_case!(aws033_log_kms, "AWS033",
    fail: [inst("aws_cloudwatch_log_group", "g", json!({"name": "/app"}))],
    pass: [inst("aws_cloudwatch_log_group", "g", json!({"name": "/app",
        "kms_key_id": "arn:aws:kms:us-east-1:111122223333:key/abc"}))]);

rule_case!(aws034_sns_encryption, "AWS034",
    fail: [inst("aws_sns_topic", "t", json!({"name": "t", "kms_master_key_id": null}))],
    pass: [inst("aws_sns_topic", "t", json!({"name": "t", "kms_master_key_id": "alias/aws/sns"}))]);

rule_case!(aws035_sns_public, "AWS035",
    fail: [inst("aws_sns_topic", "t", json!({"name": "t", "policy": policy(json!([
        {"Effect": "Allow", "Principal": "*", "Action": "SNS:Publish", "Resource": "*"}]))}))],
    pass: [inst("aws_sns_topic", "t", json!({"name": "t", "policy": policy(json!([
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": "SNS:Publish", "Resource": "*"}]))}))]);

fn table(extra: serde_json::Value) -> Instance {
    let mut base = json!({"name": "orders", "hash_key": "id",
        "attribute": [{"name": "id", "type": "S"}],
        "point_in_time_recovery": [{"enabled": true}],
        "server_side_encryption": [{"enabled": true,
            "kms_key_arn": "arn:aws:kms:us-east-1:111122223333:key/abc"}]});
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    inst("aws_dynamodb_table", "orders", base)
}

rule_case!(aws036_dynamodb_pitr, "AWS036",
    fail: [table(json!({"point_in_time_recovery": []}))],
    pass: [table(json!({}))]);

rule_case!(aws037_dynamodb_cmk, "AWS037",
    fail: [table(json!({"server_side_encryption": [{"enabled": true}]}))],
    pass: [table(json!({}))]);

// ---- KMS, Secrets Manager, SSM -----------------------------------------------------

rule_case!(aws038_kms_rotation, "AWS038",
fail: [inst("aws_kms_key", "k", json!({"enable_key_rotation": false}))],
pass: [
    inst("aws_kms_key", "k", json!({"enable_key_rotation": true})),
    // Asymmetric keys cannot rotate: nothing to report.
    inst("aws_kms_key", "sign", json!({"key_usage": "SIGN_VERIFY",
        "customer_master_key_spec": "RSA_2048", "enable_key_rotation": false})),
]);

rule_case!(aws039_kms_public, "AWS039",
    fail: [inst("aws_kms_key", "k", json!({"enable_key_rotation": true, "policy": policy(json!([
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]))}))],
    pass: [inst("aws_kms_key", "k", json!({"enable_key_rotation": true, "policy": policy(json!([
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "kms:*", "Resource": "*"}]))}))]);

rule_case!(aws040_kms_deletion_window, "AWS040",
    fail: [inst("aws_kms_key", "k", json!({"enable_key_rotation": true, "deletion_window_in_days": 7}))],
    pass: [inst("aws_kms_key", "k", json!({"enable_key_rotation": true, "deletion_window_in_days": 30}))]);

rule_case!(aws041_secret_cmk, "AWS041",
    fail: [inst("aws_secretsmanager_secret", "s", json!({"name": "db"}))],
    pass: [inst("aws_secretsmanager_secret", "s", json!({"name": "db",
        "kms_key_id": "arn:aws:kms:us-east-1:111122223333:key/abc"}))]);

rule_case!(aws042_secret_public, "AWS042",
    fail: [inst("aws_secretsmanager_secret", "s", json!({"name": "db", "policy": policy(json!([
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]))}))],
    pass: [inst("aws_secretsmanager_secret", "s", json!({"name": "db", "policy": policy(json!([
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]))}))]);

rule_case!(aws043_secret_recovery, "AWS043",
    fail: [inst("aws_secretsmanager_secret", "s", json!({"name": "db", "recovery_window_in_days": 0}))],
    pass: [inst("aws_secretsmanager_secret", "s", json!({"name": "db", "recovery_window_in_days": 7}))]);

rule_case!(aws044_ssm_plaintext_secret, "AWS044",
fail: [inst("aws_ssm_parameter", "p", json!({"name": "/app/db/password", "type": "String"}))],
pass: [
    inst("aws_ssm_parameter", "p", json!({"name": "/app/db/password", "type": "SecureString"})),
    inst("aws_ssm_parameter", "host", json!({"name": "/app/db/host", "type": "String"})),
]);

rule_case!(aws045_ssm_cmk, "AWS045",
    fail: [inst("aws_ssm_parameter", "p", json!({"name": "/app/db/password", "type": "SecureString",
        "key_id": "alias/aws/ssm"}))],
    pass: [inst("aws_ssm_parameter", "p", json!({"name": "/app/db/password", "type": "SecureString",
        "key_id": "arn:aws:kms:us-east-1:111122223333:key/abc"}))]);

// ---- paths and messages ------------------------------------------------------------

#[test]
fn findings_point_at_the_offending_attribute() {
    let f = assert_fires(
        "AWS001",
        vec![sg(
            vec![sg_rule("tcp", 22, 22, &["0.0.0.0/0"], &[])],
            vec![],
        )],
    );
    assert_eq!(f[0].path, ["ingress", "0", "cidr_blocks"]);
    assert_eq!(f[0].path_display(), "ingress[0].cidr_blocks");
    assert_eq!(f[0].address.as_deref(), Some("aws_security_group.web"));
    assert_eq!(f[0].severity, Severity::High);
    assert!(f[0].message.contains("22") && f[0].message.contains("0.0.0.0/0"));

    let f = assert_fires(
        "AWS023",
        vec![instance(
            json!({"metadata_options": [{"http_tokens": "optional"}]}),
        )],
    );
    assert_eq!(f[0].path, ["metadata_options", "0", "http_tokens"]);

    let f = assert_fires(
        "AWS019",
        vec![inst("aws_ebs_volume", "v", json!({"encrypted": false}))],
    );
    assert_eq!(f[0].path, ["encrypted"]);

    // A missing argument or resource: the resource as a whole.
    let f = assert_fires("AWS012", vec![bucket()]);
    assert!(f[0].path.is_empty());
    let f = assert_fires("AWS023", vec![instance(json!({"metadata_options": []}))]);
    assert!(f[0].path.is_empty());
}

#[test]
fn a_wide_port_range_names_the_ports_it_opens() {
    let f = run(vec![sg(
        vec![sg_rule("tcp", 0, 3400, &["0.0.0.0/0"], &[])],
        vec![],
    )]);
    let ids: HashSet<&str> = f.iter().map(|x| x.rule_id.as_str()).collect();
    assert!(ids.contains("AWS001") && ids.contains("AWS002") && ids.contains("AWS003"));
    assert!(ids.contains("AWS004"));
    assert!(!ids.contains("AWS005"));
    // Every port of every protocol is one finding, not one per port rule.
    let f = run(vec![sg(
        vec![sg_rule("-1", 0, 0, &["0.0.0.0/0"], &["::/0"])],
        vec![],
    )]);
    assert_eq!(of(&f, "AWS005").len(), 2);
    assert!(of(&f, "AWS001").is_empty());
    // udp 22 is not SSH; icmp has no ports.
    assert_silent(
        "AWS001",
        vec![sg(
            vec![
                sg_rule("udp", 22, 22, &["0.0.0.0/0"], &[]),
                sg_rule("icmp", -1, -1, &["0.0.0.0/0"], &[]),
            ],
            vec![],
        )],
    );
}

#[test]
fn standalone_sg_rules_follow_their_type() {
    let rule = |t: &str| {
        inst(
            "aws_security_group_rule",
            "r",
            json!({"type": t, "protocol": "all", "from_port": 0, "to_port": 0,
                   "cidr_blocks": ["0.0.0.0/0"], "security_group_id": "sg-1"}),
        )
    };
    assert_fires("AWS005", vec![rule("ingress")]);
    assert_silent("AWS006", vec![rule("ingress")]);
    assert_fires("AWS006", vec![rule("egress")]);
    assert_silent("AWS005", vec![rule("egress")]);
    let egress = inst(
        "aws_vpc_security_group_egress_rule",
        "e",
        json!({"security_group_id": "sg-1", "ip_protocol": "-1", "cidr_ipv6": "::/0"}),
    );
    let f = assert_fires("AWS006", vec![egress]);
    assert_eq!(f[0].path, ["cidr_ipv6"]);
}

#[test]
fn rules_added_to_the_default_security_group() {
    let d = inst(
        "aws_default_security_group",
        "d",
        json!({"id": "sg-default", "ingress": [], "egress": []}),
    );
    let by_id = inst(
        "aws_security_group_rule",
        "r",
        json!({"type": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443,
               "cidr_blocks": ["10.0.0.0/8"], "security_group_id": "sg-default"}),
    );
    let f = assert_fires("AWS007", vec![d.clone(), by_id]);
    assert_eq!(f[0].address.as_deref(), Some("aws_security_group_rule.r"));
    // The group's ID is not known yet: linked by dependency.
    let by_dep = deps(
        unknown_at(
            inst(
                "aws_vpc_security_group_ingress_rule",
                "r",
                json!({"ip_protocol": "tcp", "from_port": 443, "to_port": 443,
                       "cidr_ipv4": "10.0.0.0/8", "security_group_id": null}),
            ),
            &["security_group_id"],
        ),
        &["aws_default_security_group.d"],
    );
    let d_new = unknown_at(d.clone(), &["id"]);
    assert_fires("AWS007", vec![d_new.clone(), by_dep.clone()]);
    // ... unless it also depends on another group it may belong to.
    let other = deps(
        by_dep,
        &["aws_default_security_group.d", "aws_security_group.web"],
    );
    assert_silent("AWS007", vec![d_new, other]);
    // A rule on another group is not the default group's.
    let elsewhere = inst(
        "aws_security_group_rule",
        "r",
        json!({"type": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443,
               "cidr_blocks": ["10.0.0.0/8"], "security_group_id": "sg-web"}),
    );
    assert_silent("AWS007", vec![d, elsewhere]);
}

#[test]
fn nacl_rules_shadowed_by_lower_denies() {
    // Deny after the allow does not help.
    assert_fires(
        "AWS008",
        vec![nacl(json!([
            entry(100, "allow", "-1", "0.0.0.0/0", 0, 0),
            entry(200, "deny", "tcp", "0.0.0.0/0", 22, 22),
            entry(210, "deny", "tcp", "0.0.0.0/0", 3389, 3389),
        ]))],
    );
    // A lower deny of another protocol does not shadow it; one not known
    // yet might.
    assert_fires(
        "AWS008",
        vec![nacl(json!([
            entry(50, "deny", "icmp", "0.0.0.0/0", 0, 0),
            entry(100, "allow", "tcp", "0.0.0.0/0", 0, 1024),
        ]))],
    );
    let unsure = unknown_at(
        nacl(json!([
            entry(50, "deny", "tcp", "0.0.0.0/0", 22, 22),
            entry(100, "allow", "tcp", "0.0.0.0/0", 22, 22),
        ])),
        &["ingress", "0", "protocol"],
    );
    assert_silent("AWS008", vec![unsure]);
    // Standalone rules of the same ACL.
    let r = |n: &str, no: i64, action: &str, port: i64| {
        inst(
            "aws_network_acl_rule",
            n,
            json!({"network_acl_id": "acl-1", "rule_number": no, "egress": false,
                   "protocol": "tcp", "rule_action": action, "cidr_block": "0.0.0.0/0",
                   "from_port": port, "to_port": port}),
        )
    };
    let f = assert_fires("AWS008", vec![r("ssh", 100, "allow", 22)]);
    assert_eq!(f[0].path, ["cidr_block"]);
    assert_silent(
        "AWS008",
        vec![r("deny", 50, "deny", 22), r("ssh", 100, "allow", 22)],
    );
    // An egress rule is not ingress.
    let mut out = r("ssh", 100, "allow", 22);
    out.values = replace(&out.values, &["egress"], Value::bool(true));
    assert_silent("AWS008", vec![out]);
}

#[test]
fn bucket_links_by_name_and_by_dependency() {
    // The versioning resource names another bucket.
    let other = inst(
        "aws_s3_bucket_versioning",
        "other",
        json!({"bucket": "someone-else", "versioning_configuration": [{"status": "Enabled"}]}),
    );
    assert_fires("AWS012", vec![bucket(), other]);
    // Name not known yet: linked through the dependency on the bucket.
    let v = deps(
        unknown_at(
            inst(
                "aws_s3_bucket_versioning",
                "data",
                json!({"bucket": null, "versioning_configuration": [{"status": "Enabled"}]}),
            ),
            &["bucket"],
        ),
        &["aws_s3_bucket.data"],
    );
    assert_silent("AWS012", vec![new_bucket(), v.clone()]);
    // Module paths are part of the address.
    let mut b = new_bucket();
    b.address = "module.store.aws_s3_bucket.data[0]".into();
    b.resource = "module.store.aws_s3_bucket.data".into();
    assert_fires("AWS012", vec![b.clone(), v]);
    let v2 = deps(
        unknown_at(
            inst(
                "aws_s3_bucket_versioning",
                "data",
                json!({"bucket": null, "versioning_configuration": [{"status": "Enabled"}]}),
            ),
            &["bucket"],
        ),
        &["module.store.aws_s3_bucket.data"],
    );
    assert_silent("AWS012", vec![b, v2]);
}

#[test]
fn suspended_versioning_is_reported_on_the_versioning_resource() {
    let v = inst(
        "aws_s3_bucket_versioning",
        "data",
        json!({"bucket": "cairn-data", "versioning_configuration": [{"status": "Suspended"}]}),
    );
    let f = assert_fires("AWS012", vec![bucket(), v]);
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].address.as_deref(),
        Some("aws_s3_bucket_versioning.data")
    );
    assert_eq!(f[0].path, ["versioning_configuration", "0", "status"]);
}

#[test]
fn public_access_block_reports_each_setting_off() {
    let p = inst(
        "aws_s3_bucket_public_access_block",
        "data",
        json!({"bucket": "cairn-data", "block_public_acls": true}),
    );
    let f = assert_fires("AWS014", vec![p]);
    assert_eq!(f.len(), 3);
    assert!(f.iter().all(|x| x.path.is_empty()));
}

#[test]
fn policy_document_data_sources_stand_in_for_unknown_json() {
    let doc = |effect: &str| {
        let d = data(
            "aws_iam_policy_document",
            "p",
            json!({"json": null, "statement": [{
                "effect": effect, "actions": ["*"], "resources": ["*"],
                "principals": [], "not_principals": [], "condition": []}]}),
        );
        unknown_at(d, &["json"])
    };
    let pol = deps(
        unknown_at(
            inst("aws_iam_policy", "p", json!({"name": "p", "policy": null})),
            &["policy"],
        ),
        &["data.aws_iam_policy_document.p"],
    );
    assert_fires("AWS025", vec![doc("Allow"), pol.clone()]);
    assert_silent("AWS025", vec![doc("Deny"), pol.clone()]);
    // The rendered JSON wins when it is known.
    let known = data(
        "aws_iam_policy_document",
        "p",
        json!({"json": policy(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])),
               "statement": [{"effect": "Allow", "actions": ["*"], "resources": ["*"]}]}),
    );
    assert_silent("AWS025", vec![known, pol.clone()]);
    // A statement with an unknown action list decides nothing.
    let partly = unknown_at(doc("Allow"), &["statement", "0", "actions"]);
    assert_silent("AWS025", vec![partly, pol]);
}

#[test]
fn tls_deny_from_a_policy_document_block() {
    let d = unknown_at(
        data(
            "aws_iam_policy_document",
            "tls",
            json!({"json": null, "statement": [{
                "effect": "Deny", "actions": ["s3:*"], "resources": null,
                "principals": [{"type": "*", "identifiers": ["*"]}],
                "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]}]}),
        ),
        &["json"],
    );
    let d = unknown_at(d, &["statement", "0", "resources"]);
    let p = deps(
        unknown_at(
            unknown_at(
                inst(
                    "aws_s3_bucket_policy",
                    "data",
                    json!({"bucket": null, "policy": null}),
                ),
                &["bucket"],
            ),
            &["policy"],
        ),
        &["aws_s3_bucket.data", "data.aws_iam_policy_document.tls"],
    );
    assert_silent("AWS017", vec![new_bucket(), d, p.clone()]);
    // Without the document nothing can be told about the policy, but the
    // bucket has one.
    assert_silent("AWS017", vec![new_bucket(), p]);
}

#[test]
fn iam_rules_leave_deny_and_not_action_alone() {
    assert_silent(
        "AWS025",
        vec![iam_policy(
            json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]),
        )],
    );
    // Full access is one finding, not also PassRole and wildcards.
    let f = run(vec![iam_policy(
        json!([{"Effect": "Allow", "Action": ["*"], "Resource": "*"}]),
    )]);
    assert_eq!(of(&f, "AWS025").len(), 1);
    assert!(of(&f, "AWS026").is_empty() && of(&f, "AWS027").is_empty());
    // iam:* is PassRole and escalation, not a plain service wildcard.
    let f = run(vec![iam_policy(
        json!([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]),
    )]);
    assert_eq!(of(&f, "AWS026").len(), 1);
    assert_eq!(of(&f, "AWS027").len(), 1);
    assert!(of(&f, "AWS028").is_empty());
    // Inline policies on a role count too.
    let mut r = role(
        json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]),
    );
    r.values = replace(
        &r.values,
        &["inline_policy"],
        val(json!([{"name": "x", "policy": policy(json!([
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]))}])),
    );
    let f = assert_fires("AWS028", vec![r]);
    assert_eq!(f[0].path, ["inline_policy", "0", "policy"]);
}

#[test]
fn github_subject_conditions_that_match_everyone() {
    assert_fires(
        "AWS031",
        vec![github_trust(json!({"StringLike": {
            "token.actions.githubusercontent.com:sub": "repo:*"}}))],
    );
    assert_silent(
        "AWS030",
        vec![github_trust(json!({"StringLike": {
            "token.actions.githubusercontent.com:sub": "repo:*"}}))],
    );
}

// ---- unknown values decide nothing ---------------------------------------------------

#[test]
fn unknown_values_report_nothing() {
    // An unknown CIDR list.
    let s = unknown_at(
        sg(vec![sg_rule("tcp", 22, 22, &["0.0.0.0/0"], &[])], vec![]),
        &["ingress", "0", "cidr_blocks"],
    );
    assert_silent("AWS001", vec![s]);
    // An unknown port.
    let s = unknown_at(
        sg(vec![sg_rule("tcp", 22, 22, &["0.0.0.0/0"], &[])], vec![]),
        &["ingress", "0", "from_port"],
    );
    assert_silent("AWS001", vec![s]);
    // Unknown rule blocks.
    let s = unknown_at(sg(vec![], vec![]), &["ingress"]);
    assert_silent("AWS001", vec![s]);
    // Unknown encryption flags and metadata options.
    assert_silent(
        "AWS019",
        vec![unknown_at(
            inst("aws_ebs_volume", "v", json!({})),
            &["encrypted"],
        )],
    );
    assert_silent(
        "AWS023",
        vec![unknown_at(instance(json!({})), &["metadata_options"])],
    );
    assert_silent(
        "AWS023",
        vec![unknown_at(
            instance(json!({"metadata_options": [{"http_tokens": "optional"}]})),
            &["metadata_options", "0", "http_tokens"],
        )],
    );
    assert_silent(
        "AWS020",
        vec![unknown_at(instance(json!({})), &["root_block_device"])],
    );
    assert_silent(
        "AWS024",
        vec![unknown_at(instance(json!({})), &["monitoring"])],
    );
    // An unknown policy without a document to read it from.
    assert_silent(
        "AWS025",
        vec![unknown_at(
            iam_policy(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
            &["policy"],
        )],
    );
    // Unknown SSM key and KMS rotation.
    assert_silent(
        "AWS045",
        vec![unknown_at(
            inst(
                "aws_ssm_parameter",
                "p",
                json!({"name": "/a/password", "type": "SecureString"}),
            ),
            &["key_id"],
        )],
    );
    assert_silent(
        "AWS038",
        vec![unknown_at(
            inst("aws_kms_key", "k", json!({})),
            &["enable_key_rotation"],
        )],
    );
    // A public access block whose flags are not known yet.
    let p = inst(
        "aws_s3_bucket_public_access_block",
        "p",
        json!({"bucket": "b"}),
    );
    let p = [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ]
    .iter()
    .fold(p, |p, k| unknown_at(p, &[k]));
    assert_silent("AWS014", vec![p]);
    // An instance whose whole value is unknown is skipped.
    let mut whole = instance(json!({}));
    whole.values = Value::unknown(Type::Dynamic);
    assert!(run(vec![whole]).is_empty());
    // A volume from a snapshot follows the snapshot's encryption.
    assert_silent(
        "AWS019",
        vec![inst(
            "aws_ebs_volume",
            "v",
            json!({"snapshot_id": "snap-1"}),
        )],
    );
}

/// Planned values leave optional-and-computed arguments that were not set
/// unknown; the secondary ones must not hide an explicit setting.
#[test]
fn planned_placeholders_do_not_hide_explicit_settings() {
    // encrypted = false next to a snapshot_id the provider computes.
    let v = unknown_at(
        inst("aws_ebs_volume", "v", json!({"encrypted": false})),
        &["snapshot_id"],
    );
    let f = assert_fires("AWS019", vec![v]);
    assert_eq!(f[0].path, ["encrypted"]);
    // encrypted not set and snapshot_id unknown: it may be a snapshot's.
    let v = unknown_at(inst("aws_ebs_volume", "v", json!({})), &["snapshot_id"]);
    assert_silent("AWS019", vec![v]);
    // A known snapshot decides, whatever encrypted says.
    assert_silent(
        "AWS019",
        vec![inst(
            "aws_ebs_volume",
            "v",
            json!({"snapshot_id": "snap-1", "encrypted": false}),
        )],
    );
    let i = unknown_at(
        instance(json!({"ebs_block_device": [{"device_name": "/dev/sdh", "encrypted": false}]})),
        &["ebs_block_device", "0", "snapshot_id"],
    );
    assert_fires("AWS021", vec![i]);
    // http_tokens = "optional" with the endpoint left to its default.
    let i = unknown_at(
        instance(json!({"metadata_options": [{"http_tokens": "optional"}]})),
        &["metadata_options", "0", "http_endpoint"],
    );
    assert_fires("AWS023", vec![i]);
}

#[test]
fn absent_arguments_take_the_provider_default() {
    // No metadata_options at all: IMDSv1 is allowed.
    assert_fires("AWS023", vec![instance(json!({"metadata_options": null}))]);
    // metadata service switched off: nothing to protect.
    assert_silent(
        "AWS023",
        vec![instance(
            json!({"metadata_options": [{"http_endpoint": "disabled"}]}),
        )],
    );
    // No root_block_device: the AMI's (usually unencrypted) snapshot.
    assert_fires("AWS020", vec![instance(json!({"root_block_device": []}))]);
    // An absent encrypted on a volume: unencrypted.
    let f = assert_fires("AWS019", vec![inst("aws_ebs_volume", "v", json!({}))]);
    assert!(f[0].path.is_empty());
    // A log group without retention keeps logs forever.
    assert_fires(
        "AWS032",
        vec![inst("aws_cloudwatch_log_group", "g", json!({"name": "/a"}))],
    );
    // A DynamoDB table without server_side_encryption: AWS owned key.
    assert_fires("AWS037", vec![table(json!({"server_side_encryption": []}))]);
}

// ---- catalogue -------------------------------------------------------------------

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn rule_ids_are_unique_and_well_formed() {
    let rules = cairn_lint::aws::rules();
    assert!(rules.len() >= 40, "only {} rules", rules.len());
    let mut seen = HashSet::new();
    for (i, r) in rules.iter().enumerate() {
        assert!(seen.insert(r.id.clone()), "duplicate rule ID {}", r.id);
        // Numbered in order, without gaps.
        assert_eq!(r.id, format!("AWS{:03}", i + 1));
        assert!(!r.title.is_empty() && !r.title.contains('\n'), "{}", r.id);
        assert!(!r.fix.is_empty() && !r.fix.contains('\n'), "{}", r.id);
        assert_eq!(
            r.help.as_deref(),
            Some(format!("docs/rules.md#{}", r.id.to_ascii_lowercase()).as_str())
        );
    }
    // Every finding carries its rule's severity and fix.
    let f = run(vec![bucket()]);
    for x in &f {
        let r = rules
            .iter()
            .find(|r| r.id == x.rule_id)
            .map(|r| (r.severity, r.fix.clone()));
        assert_eq!(r, Some((x.severity, x.fix.clone())));
    }
}

#[test]
fn every_rule_is_documented() {
    let path = crate_dir().join("../../docs/rules.md");
    let doc = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let headings: HashSet<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .map(|h| h.split_whitespace().next().unwrap_or(""))
        .collect();
    for r in cairn_lint::aws::rules() {
        assert!(
            headings.contains(r.id.as_str()),
            "docs/rules.md has no ### {} heading",
            r.id
        );
        // The section names the rule's severity.
        let start = doc.find(&format!("### {}", r.id)).unwrap_or(0);
        let section = &doc[start..];
        let end = section[4..].find("\n### ").map_or(section.len(), |e| e + 4);
        let section = &section[..end];
        assert!(
            section.contains(&format!("**Severity:** {}", r.severity)),
            "{}: severity {} not in its docs section",
            r.id,
            r.severity
        );
        assert!(
            section.contains(&format!("**{}**", r.title)),
            "{}: the docs section does not state the rule's title",
            r.id
        );
        assert!(section.contains("```hcl"), "{}: no HCL example", r.id);
    }
}

#[test]
fn every_rule_has_fail_and_pass_fixtures() {
    for r in cairn_lint::aws::rules() {
        for kind in ["fail", "pass"] {
            let p = crate_dir()
                .join("fixtures")
                .join(&r.id)
                .join(kind)
                .join("main.tf");
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(text.contains("provider \"aws\""), "{}", p.display());
        }
    }
}

// ---- speed ---------------------------------------------------------------------

#[test]
fn ten_thousand_instances_check_quickly() {
    let mut instances = Vec::new();
    for i in 0..2000 {
        let name = format!("b{i}");
        let mut b = new_bucket();
        b.address = format!("aws_s3_bucket.{name}");
        b.resource = b.address.clone();
        instances.push(b);
        let mut v = deps(
            unknown_at(
                inst(
                    "aws_s3_bucket_versioning",
                    &name,
                    json!({"bucket": null, "versioning_configuration": [{"status": "Enabled"}]}),
                ),
                &["bucket"],
            ),
            &[&format!("aws_s3_bucket.{name}")],
        );
        v.address = format!("aws_s3_bucket_versioning.{name}");
        instances.push(v);
        let mut s = sg(vec![sg_rule("tcp", 22, 22, &["0.0.0.0/0"], &[])], vec![]);
        s.address = format!("aws_security_group.{name}");
        instances.push(s);
        let mut p = iam_policy(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
        p.address = format!("aws_iam_policy.{name}");
        instances.push(p);
        let mut vpc = inst("aws_vpc", &name, json!({"cidr_block": "10.0.0.0/16"}));
        vpc = unknown_at(vpc, &["id"]);
        instances.push(vpc);
    }
    // One counted resource linked to many: every link by dependency.
    for i in 0..500 {
        let mut b = new_bucket();
        b.address = format!("aws_s3_bucket.many[{i}]");
        b.resource = "aws_s3_bucket.many".into();
        instances.push(b);
        let mut v = deps(
            unknown_at(
                inst(
                    "aws_s3_bucket_public_access_block",
                    "many",
                    json!({"bucket": null, "block_public_acls": true, "block_public_policy": true,
                           "ignore_public_acls": true, "restrict_public_buckets": true}),
                ),
                &["bucket"],
            ),
            &["aws_s3_bucket.many"],
        );
        v.address = format!("aws_s3_bucket_public_access_block.many[{i}]");
        instances.push(v);
    }
    assert!(instances.len() >= 10_000);
    let model = Model { instances };
    let start = Instant::now();
    let mut out = Vec::new();
    cairn_lint::aws::check(&model, &mut out);
    let took = start.elapsed();
    assert!(!out.is_empty());
    // Generous for unoptimized test builds on a busy machine; a release
    // build takes a small fraction of this.
    assert!(took.as_secs_f64() < 3.0, "took {took:?}");
}
