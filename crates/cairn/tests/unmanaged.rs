//! `cairn drift -unmanaged` with the real binary against a real AWS-API
//! server (moto on 127.0.0.1): objects made outside cairn are reported
//! under the IDs their state would hold, managed ones and AWS's defaults
//! are not, and a clean account exits 0.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cairn_moto::Moto;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cairn(moto: &Moto, dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "2")
        .env_remove("AWS_PROFILE")
        .env_remove("CAIRN_STATE_KEY")
        .env_remove("CAIRN_ENV")
        .stdin(Stdio::null())
        .output()
        .expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn sdk(moto: &Moto, rt: &tokio::runtime::Runtime) -> aws_config::SdkConfig {
    rt.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load(),
    )
}

const CONFIG: &str = r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags = {
    Name = "managed-vpc"
  }
}

resource "aws_s3_bucket" "managed" {
  bucket = "managed-bucket"
}
"#;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// (type, id) of every unmanaged object in a `-json` report.
fn unmanaged(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["unmanaged"]
        .as_array()
        .unwrap_or_else(|| panic!("no unmanaged array: {doc}"))
        .iter()
        .map(|o| {
            (
                o["type"].as_str().unwrap_or_default().to_string(),
                o["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The details of the last audit entry.
fn last_audit_details(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(".cairn/audit.jsonl")).expect("audit log");
    let last = text.lines().last().expect("an audit entry");
    let entry: serde_json::Value = serde_json::from_str(last).expect("audit json");
    entry["details"].clone()
}

#[test]
fn drift_unmanaged_lists_what_no_state_holds() {
    let moto = Moto::start().expect("moto");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).expect("config");

    let r = cairn(&moto, dir, &["apply", "-auto-approve"]);
    assert_eq!(r.code, 0, "apply:\n{}\n{}", r.stdout, r.stderr);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let conf = sdk(&moto, &rt);
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc_id = rt
        .block_on(
            ec2.describe_vpcs()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("tag:Name")
                        .values("managed-vpc")
                        .build(),
                )
                .send(),
        )
        .expect("describe vpcs")
        .vpcs
        .unwrap_or_default()
        .into_iter()
        .find_map(|v| v.vpc_id)
        .expect("the managed VPC");

    // Nothing but cairn's objects and AWS's defaults yet: clean.
    let r = cairn(&moto, dir, &["drift", "-unmanaged", "-json"]);
    assert_eq!(r.code, 0, "clean drift:\n{}\n{}", r.stdout, r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(unmanaged(&doc), Vec::<(String, String)>::new(), "{doc}");

    // Three objects made outside cairn.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    let iam = aws_sdk_iam::Client::new(&conf);
    rt.block_on(s3.create_bucket().bucket("stray-bucket").send())
        .expect("bucket");
    let sg = rt
        .block_on(
            ec2.create_security_group()
                .group_name("stray-sg")
                .description("made outside cairn")
                .vpc_id(&vpc_id)
                .send(),
        )
        .expect("sg")
        .group_id
        .expect("sg id");
    rt.block_on(
        iam.create_role()
            .role_name("stray-role")
            .assume_role_policy_document(TRUST)
            .send(),
    )
    .expect("role");

    let r = cairn(&moto, dir, &["drift", "-unmanaged", "-json"]);
    assert_eq!(r.code, 2, "drift:\n{}\n{}", r.stdout, r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let found = unmanaged(&doc);
    let want = vec![
        ("aws_iam_role".to_string(), "stray-role".to_string()),
        ("aws_s3_bucket".to_string(), "stray-bucket".to_string()),
        ("aws_security_group".to_string(), sg.clone()),
    ];
    assert_eq!(found, want, "{doc}");
    assert_eq!(doc["drift"], serde_json::json!(false), "{doc}");
    assert_eq!(doc["unmanaged_errors"], serde_json::json!([]), "{doc}");
    for o in doc["unmanaged"].as_array().into_iter().flatten() {
        assert_eq!(o["provider"], "provider.aws", "{o}");
    }
    let sg_entry = doc["unmanaged"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["type"] == "aws_security_group"))
        .expect("sg entry");
    assert_eq!(sg_entry["name"], "stray-sg");
    let text = doc.to_string();
    assert!(!text.contains(&vpc_id), "managed VPC listed: {doc}");
    assert!(
        !text.contains("managed-bucket"),
        "managed bucket listed: {doc}"
    );
    assert_eq!(last_audit_details(dir)["unmanaged"], serde_json::json!(3));

    // The same in text and Markdown.
    let r = cairn(&moto, dir, &["drift", "-unmanaged"]);
    assert_eq!(r.code, 2, "drift:\n{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("# aws_iam_role stray-role exists but is in no state (provider.aws)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Unmanaged: 3 objects"), "{}", r.stdout);
    assert!(r.stdout.contains("defaults not listed"), "{}", r.stdout);
    let r = cairn(&moto, dir, &["drift", "-unmanaged", "-format", "markdown"]);
    assert_eq!(r.code, 2, "drift:\n{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("### Unmanaged: 3 objects in no state"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("| `aws_s3_bucket` | `stray-bucket` | stray-bucket | `provider.aws` |"),
        "{}",
        r.stdout
    );

    // Without the flag, drift does not list.
    let r = cairn(&moto, dir, &["drift", "-json"]);
    assert_eq!(r.code, 0, "drift:\n{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("unmanaged"), "{}", r.stdout);

    // Remove the strays: clean again.
    rt.block_on(s3.delete_bucket().bucket("stray-bucket").send())
        .expect("delete bucket");
    rt.block_on(ec2.delete_security_group().group_id(&sg).send())
        .expect("delete sg");
    rt.block_on(iam.delete_role().role_name("stray-role").send())
        .expect("delete role");
    let r = cairn(&moto, dir, &["drift", "-unmanaged"]);
    assert_eq!(r.code, 0, "clean drift:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No unmanaged objects"), "{}", r.stdout);
    assert!(r.stdout.contains("defaults not listed"), "{}", r.stdout);
    assert_eq!(last_audit_details(dir)["unmanaged"], serde_json::json!(0));
}
