//! The real binary against a real AWS-API server (moto on 127.0.0.1): the
//! aws-webapp example end to end, and the s3 state backend's locking and
//! history.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cairn_moto::Moto;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn command(moto: &Moto, dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "2")
        .env_remove("AWS_PROFILE")
        .env_remove("CAIRN_STATE_KEY");
    c
}

fn cairn(moto: &Moto, dir: &Path, args: &[&str]) -> Run {
    let out: Output = command(moto, dir, args)
        .stdin(Stdio::null())
        .output()
        .expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

fn sdk(moto: &Moto) -> aws_config::SdkConfig {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
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

fn s3(moto: &Moto) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk(moto))
            .force_path_style(true)
            .build(),
    )
}

fn object_exists(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> bool {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s3.head_object().bucket(bucket).key(key).send())
        .is_ok()
}

#[test]
fn aws_webapp_example_applies_replans_empty_and_destroys() {
    let moto = Moto::start().expect("moto");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("aws-webapp");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/aws-webapp");
    copy_dir(&example, &dir);

    let r = ok(cairn(&moto, &dir, &["apply", "-auto-approve"]));
    assert!(r.stdout.contains("Apply complete!"), "{}", r.stdout);

    // What was made, seen through another client.
    let ec2 = aws_sdk_ec2::Client::new(&sdk(&moto));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let vpcs = rt
        .block_on(
            ec2.describe_vpcs()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("tag:Name")
                        .values("webapp-vpc")
                        .build(),
                )
                .send(),
        )
        .expect("describe vpcs")
        .vpcs
        .unwrap_or_default();
    assert_eq!(vpcs.len(), 1);
    let tags: Vec<(String, String)> = vpcs[0]
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for want in [
        ("ManagedBy", "cairn"),
        ("Project", "webapp"),
        ("Environment", "dev"),
    ] {
        assert!(
            tags.iter().any(|(k, v)| k == want.0 && v == want.1),
            "default tag {want:?} missing: {tags:?}"
        );
    }
    let subnets = rt
        .block_on(
            ec2.describe_subnets()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("vpc-id")
                        .values(vpcs[0].vpc_id().unwrap_or_default())
                        .build(),
                )
                .send(),
        )
        .expect("describe subnets")
        .subnets
        .unwrap_or_default();
    assert_eq!(subnets.len(), 4);
    let reservations = rt
        .block_on(
            ec2.describe_instances()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("instance-state-name")
                        .values("running")
                        .build(),
                )
                .send(),
        )
        .expect("describe instances")
        .reservations
        .unwrap_or_default();
    let running: usize = reservations.iter().map(|r| r.instances().len()).sum();
    assert_eq!(running, 1);

    // Re-plan: no changes (exit 0 with -detailed-exitcode).
    let r = cairn(&moto, &dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        r.code, 0,
        "re-plan must be empty:\n{}\n{}",
        r.stdout, r.stderr
    );

    let r = ok(cairn(&moto, &dir, &["destroy", "-auto-approve"]));
    assert!(r.stdout.contains("Destroy complete!"), "{}", r.stdout);
    let left = rt
        .block_on(
            ec2.describe_vpcs()
                .vpc_ids(vpcs[0].vpc_id().unwrap_or_default())
                .send(),
        )
        .map(|o| o.vpcs.unwrap_or_default().len())
        .unwrap_or(0);
    assert_eq!(left, 0, "the VPC must be gone");
    let r = ok(cairn(&moto, &dir, &["state", "list"]));
    assert!(r.stdout.trim().is_empty(), "{}", r.stdout);
}

const BACKEND_CONFIG: &str = r#"
terraform {
  backend "s3" {
    bucket       = "team-state"
    key          = "network/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
    endpoints {
      s3 = "ENDPOINT"
    }
  }
}

variable "n" {
  type    = number
  default = 1
}

resource "terraform_data" "marker" {
  count = var.n
  input = "marker-${count.index}"
}
"#;

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn finish(mut child: Child) -> Output {
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"no\n");
    }
    child.wait_with_output().expect("wait")
}

#[test]
fn s3_backend_refuses_a_concurrent_apply_naming_the_holder_and_keeps_versions() {
    let moto = Moto::start().expect("moto");
    let s3 = s3(&moto);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s3.create_bucket().bucket("team-state").send())
        .expect("bucket");
    let tmp = tempfile::tempdir().expect("tmp");
    // Two checkouts of one configuration, as on two machines.
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for d in [&a, &b] {
        std::fs::create_dir_all(d).expect("mkdir");
        std::fs::write(
            d.join("main.tf"),
            BACKEND_CONFIG.replace("ENDPOINT", &moto.endpoint()),
        )
        .expect("write");
    }
    let key = "network/terraform.tfstate";

    ok(cairn(&moto, &a, &["apply", "-auto-approve"]));
    assert!(object_exists(&s3, "team-state", key));
    assert!(
        !a.join(".cairn/state.json").exists(),
        "state must not be kept locally"
    );
    // The second machine has no key yet: the shared state names the key
    // it needs and is not touched.
    let r = cairn(&moto, &b, &["plan"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("it is encrypted with key"),
        "{}",
        r.stderr
    );
    // A team shares the state's key (or uses AWS KMS, see
    // docs/state-format.md): here, the key file.
    std::fs::create_dir_all(b.join(".cairn/keys")).expect("mkdir");
    std::fs::copy(
        a.join(".cairn/keys/state.key"),
        b.join(".cairn/keys/state.key"),
    )
    .expect("copy key");

    // The first apply waits at its approval prompt, holding the lock (on a
    // pseudo-terminal, since cairn asks only a terminal).
    let first = command(&moto, &a, &["apply", "-var", "n=2"]);
    let prog = first.get_program().to_owned();
    let args: Vec<_> = first.get_args().map(|x| x.to_owned()).collect();
    let mut first = Command::new("python3");
    first
        .arg("-c")
        .arg("import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)")
        .arg(prog)
        .args(args);
    let envs: Vec<_> = command(&moto, &a, &[])
        .get_envs()
        .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
        .collect();
    for (k, v) in envs {
        match v {
            Some(v) => first.env(k, v),
            None => first.env_remove(k),
        };
    }
    let first = first
        .current_dir(&a)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for("the lock object", Duration::from_secs(60), || {
        object_exists(&s3, "team-state", &format!("{key}.tflock"))
    });
    let second = cairn(&moto, &b, &["apply", "-auto-approve", "-var", "n=3"]);
    let out = finish(first);
    assert_eq!(second.code, 1, "{}\n{}", second.stdout, second.stderr);
    assert!(
        second.stderr.contains("the state is locked") && second.stderr.contains("\"apply\""),
        "the refusal names the holder and its command:\n{}",
        second.stderr
    );
    let holder_host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    assert!(second.stderr.contains(&holder_host), "{}", second.stderr);
    assert!(out.status.code().is_some());
    // Released when the first run ended.
    assert!(!object_exists(&s3, "team-state", &format!("{key}.tflock")));

    // Now the second machine applies; both see the same state.
    ok(cairn(&moto, &b, &["apply", "-auto-approve", "-var", "n=3"]));
    let r = ok(cairn(&moto, &a, &["state", "list"]));
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);

    // Every version is kept and listed.
    let r = ok(cairn(&moto, &a, &["history", "-json"]));
    let list: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let serials: Vec<u64> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v["serial"].as_u64())
        .collect();
    assert_eq!(serials, vec![1, 2], "{}", r.stdout);
    assert!(object_exists(
        &s3,
        "team-state",
        &format!("{key}.history/00000002.json")
    ));

    // Rekeying the shared state rewrites its history objects in place and
    // writes version 3; the old key no longer opens any of them.
    let r = ok(cairn(&moto, &a, &["state", "rekey", "-to", "key-file"]));
    assert!(r.stdout.contains("2 history version(s)"), "{}", r.stdout);
    let rt2 = tokio::runtime::Runtime::new().expect("runtime");
    for serial in 1..=3 {
        let obj = rt2
            .block_on(
                s3.get_object()
                    .bucket("team-state")
                    .key(format!("{key}.history/{serial:08}.json"))
                    .send(),
            )
            .expect("history object");
        let bytes = rt2.block_on(obj.body.collect()).expect("body").into_bytes();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(doc["serial"], serial);
        assert_ne!(
            doc["key"]["key_id"],
            serde_json::json!(null),
            "version {serial} names its key"
        );
    }
    let r = ok(cairn(&moto, &a, &["history", "-json"]));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.stdout)
            .expect("json")
            .as_array()
            .map(Vec::len),
        Some(3),
        "{}",
        r.stdout
    );
    // b still has only the old key file: refused, nothing written.
    let r = cairn(&moto, &b, &["plan", "-var", "n=3"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("it is encrypted with key"),
        "{}",
        r.stderr
    );
}

#[test]
fn s3_backend_errors_are_clear() {
    let moto = Moto::start().expect("moto");
    let tmp = tempfile::tempdir().expect("tmp");
    // No such bucket.
    std::fs::write(
        tmp.path().join("main.tf"),
        BACKEND_CONFIG.replace("ENDPOINT", &moto.endpoint()),
    )
    .expect("write");
    let r = cairn(&moto, tmp.path(), &["plan"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("s3://team-state/network/terraform.tfstate"),
        "{}",
        r.stderr
    );
    // A backend argument that is not literal.
    std::fs::write(
        tmp.path().join("main.tf"),
        r#"
terraform {
  backend "s3" {
    bucket = var.bucket
    key    = "k"
  }
}
variable "bucket" {
  type    = string
  default = "team-state"
}
"#,
    )
    .expect("write");
    let r = cairn(&moto, tmp.path(), &["plan"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Variables not allowed"), "{}", r.stderr);
    assert!(r.stderr.contains("main.tf:4"), "{}", r.stderr);
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Configurations written for the official provider in the style of the
/// widely used community modules apply unchanged, re-plan empty and
/// destroy.
#[test]
fn community_style_configurations_apply_replan_empty_and_destroy() {
    const SECRET: &str = "orders-api-key-value-1234";
    for name in ["vpc", "data-stack"] {
        let moto = Moto::start().expect("moto");
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join(name);
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/aws-community")
            .join(name);
        copy_dir(&fixture, &dir);

        let apply = ok(cairn(&moto, &dir, &["apply", "-auto-approve"]));
        assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);
        let plan = cairn(&moto, &dir, &["plan", "-detailed-exitcode"]);
        assert_eq!(
            plan.code, 0,
            "{name}: re-plan must be empty:\n{}\n{}",
            plan.stdout, plan.stderr
        );
        let json = ok(cairn(&moto, &dir, &["show", "-json"]));
        let destroy = ok(cairn(&moto, &dir, &["destroy", "-auto-approve"]));
        assert!(destroy.stdout.contains("Destroy complete!"));

        // The secret is in the configuration only: never in output, state,
        // history, journal, logs or audit entries.
        for text in [
            &apply.stdout,
            &apply.stderr,
            &plan.stdout,
            &json.stdout,
            &destroy.stdout,
        ] {
            assert!(!text.contains(SECRET), "{name}: secret in output");
        }
        let mut files = Vec::new();
        files_under(&dir.join(".cairn"), &mut files);
        assert!(files.len() > 2, "{files:?}");
        for f in files {
            let bytes = std::fs::read(&f).expect("read");
            assert!(
                !String::from_utf8_lossy(&bytes).contains(SECRET),
                "secret in {}",
                f.display()
            );
        }
    }
}

/// Drift made with another client is reported attribute by attribute,
/// then accepted into state with `apply -refresh-only`.
#[test]
fn drift_against_moto_is_reported_attribute_by_attribute() {
    let moto = Moto::start().expect("moto");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_vpc" "main" {
  cidr_block = "10.7.0.0/16"
  tags = {
    Name = "drift"
  }
}
resource "aws_cloudwatch_log_group" "app" {
  name              = "/drift/app"
  retention_in_days = 30
}
"#,
    )
    .expect("write");
    ok(cairn(&moto, dir, &["apply", "-auto-approve"]));
    let r = cairn(&moto, dir, &["drift"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);

    let state = ok(cairn(&moto, dir, &["state", "show", "aws_vpc.main"])).stdout;
    let vpc_id = state
        .lines()
        .find_map(|l| {
            l.trim().strip_prefix("id").map(|r| {
                r.trim()
                    .trim_start_matches('=')
                    .trim()
                    .trim_matches('"')
                    .to_string()
            })
        })
        .expect("vpc id");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let ec2 = aws_sdk_ec2::Client::new(&sdk(&moto));
    rt.block_on(
        ec2.create_tags()
            .resources(&vpc_id)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Owner")
                    .value("someone")
                    .build(),
            )
            .send(),
    )
    .expect("tag");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(&moto));
    rt.block_on(
        logs.put_retention_policy()
            .log_group_name("/drift/app")
            .retention_in_days(7)
            .send(),
    )
    .expect("retention");

    let r = cairn(&moto, dir, &["drift"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("~ tags[\"Owner\"]: (absent) -> \"someone\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("~ retention_in_days: 30 -> 7"),
        "{}",
        r.stdout
    );
    let j: serde_json::Value =
        serde_json::from_str(&cairn(&moto, dir, &["drift", "-json"]).stdout).expect("json");
    assert_eq!(j["changed"], 2);
    let vpc = j["resources"]
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["address"] == "aws_vpc.main")
        .expect("vpc drift");
    assert!(vpc["attributes"]
        .as_array()
        .expect("attrs")
        .iter()
        .any(|a| a["path"] == "tags_all[\"Owner\"]" && a["after"] == "someone"));

    // Accepting the drift makes it the state; drift is then clean.
    ok(cairn(
        &moto,
        dir,
        &["apply", "-refresh-only", "-auto-approve"],
    ));
    let r = cairn(&moto, dir, &["drift"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

/// The catalog's price for (product, key) in us-east-1.
fn price(product: &str, key: &str) -> f64 {
    cairn_cost::Catalog::builtin()
        .price("us-east-1", product, key)
        .unwrap_or_else(|| panic!("no catalog price for {product}/{key}"))
        .usd
}

#[test]
fn cost_figures_follow_the_catalog_and_the_budget_gates_the_plan() {
    let moto = Moto::start().expect("moto");
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    std::fs::write(
        d.join("main.tf"),
        r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_instance" "app" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"

  metadata_options {
    http_tokens = "required"
  }

  root_block_device {
    volume_size = 20
    volume_type = "gp3"
    encrypted   = true
  }
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 100
  type              = "gp3"
  encrypted         = true
}

resource "aws_kms_key" "k" {
  description         = "app"
  enable_key_rotation = true
}

resource "aws_dynamodb_table" "t" {
  name           = "orders"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "id"

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/app"
  retention_in_days = 30
}
"#,
    )
    .expect("write");
    std::fs::write(
        d.join("usage.yml"),
        "aws_cloudwatch_log_group.app:\n  monthly_ingestion_gb: 10\n  storage_gb: 50\n",
    )
    .expect("write usage");

    let r = ok(cairn(
        &moto,
        d,
        &["cost", "-format", "json", "-usage-file", "usage.yml"],
    ));
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let monthly = |addr: &str| -> f64 {
        doc["resources"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["address"] == addr))
            .and_then(|x| x["monthly_after"].as_f64())
            .unwrap_or_else(|| panic!("no {addr} in {doc:#}"))
    };
    let close = |got: f64, want: f64, what: &str| {
        assert!((got - want).abs() < 0.011, "{what}: {got} != {want}");
    };
    let hours = 730.0;
    close(
        monthly("aws_instance.app"),
        price("ec2", "t3.micro") * hours + price("ebs", "gp3_storage") * 20.0,
        "t3.micro with a 20 GB gp3 root",
    );
    close(
        monthly("aws_ebs_volume.data"),
        price("ebs", "gp3_storage") * 100.0,
        "100 GB gp3",
    );
    close(
        monthly("aws_kms_key.k"),
        price("kms", "key_month"),
        "KMS key",
    );
    close(
        monthly("aws_dynamodb_table.t"),
        5.0 * hours * (price("dynamodb", "rcu_hour") + price("dynamodb", "wcu_hour")),
        "DynamoDB 5 RCU + 5 WCU",
    );
    close(
        monthly("aws_cloudwatch_log_group.app"),
        10.0 * price("logs", "ingestion_standard") + 50.0 * price("logs", "storage"),
        "10 GB ingested, 50 GB stored",
    );
    let total: f64 = doc["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|x| x["monthly_after"].as_f64())
        .sum();
    close(doc["total_after"].as_f64().expect("total"), total, "total");
    assert_eq!(doc["total_before"].as_f64(), Some(0.0));

    // Over the budget: the plan is a COST001 finding and exits 1; the
    // saved plan keeps the estimate, `cairn cost PLAN` shows it, and apply
    // refuses the plan.
    std::fs::write(
        d.join("cairn.hcl"),
        "budget {\n  monthly = 10\n}\ncost {\n  usage_file = \"usage.yml\"\n}\n",
    )
    .expect("write project");
    let r = cairn(&moto, d, &["plan", "-out", "p.plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("HIGH COST001"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Monthly cost: $0.00 -> $"),
        "{}",
        r.stdout
    );
    let shown = ok(cairn(&moto, d, &["cost", "-format", "json", "p.plan"]));
    let saved: serde_json::Value = serde_json::from_str(&shown.stdout).expect("json");
    close(
        saved["total_after"].as_f64().expect("total"),
        doc["total_after"].as_f64().expect("total"),
        "saved plan's total",
    );
    let r = cairn(&moto, d, &["apply", "p.plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("COST001"), "{}", r.stderr);

    // Within the budget the plan passes.
    std::fs::write(
        d.join("cairn.hcl"),
        "budget {\n  monthly = 1000\n}\ncost {\n  usage_file = \"usage.yml\"\n}\n",
    )
    .expect("write project");
    let r = ok(cairn(&moto, d, &["plan"]));
    assert!(!r.stdout.contains("COST001"), "{}", r.stdout);
}

/// Environments choose where their state lives: dev under the
/// configuration's backend (prefixed `env:/dev/`), prod in its own bucket
/// and key from `cairn.hcl`, and a scratch environment on local state.
#[test]
fn environments_keep_state_in_their_own_backends() {
    let moto = Moto::start().expect("moto");
    let s3 = s3(&moto);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for b in ["team-state", "prod-state"] {
        rt.block_on(s3.create_bucket().bucket(b).send())
            .expect("bucket");
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    std::fs::write(
        d.join("main.tf"),
        BACKEND_CONFIG.replace("ENDPOINT", &moto.endpoint()),
    )
    .expect("write");
    std::fs::write(
        d.join("cairn.hcl"),
        r#"
environment "dev" {
  variables = { n = 2 }
}

environment "prod" {
  variables = { n = 3 }
  backend "s3" {
    bucket = "prod-state"
    key    = "prod/network.tfstate"
  }
}

environment "scratch" {
  backend "local" {}
}

environment "typo" {
  backend "s3" {
    buckett = "x"
  }
}
"#,
    )
    .expect("project");
    ok(cairn(&moto, d, &["apply", "-env", "dev", "-auto-approve"]));
    ok(cairn(&moto, d, &["apply", "-env", "prod", "-auto-approve"]));
    ok(cairn(
        &moto,
        d,
        &["apply", "-env", "scratch", "-auto-approve"],
    ));
    assert!(object_exists(
        &s3,
        "team-state",
        "env:/dev/network/terraform.tfstate"
    ));
    assert!(object_exists(&s3, "prod-state", "prod/network.tfstate"));
    assert!(!object_exists(
        &s3,
        "prod-state",
        "env:/prod/prod/network.tfstate"
    ));
    assert!(!object_exists(
        &s3,
        "team-state",
        "env:/prod/network/terraform.tfstate"
    ));
    assert!(d.join(".cairn/env/scratch/state.json").exists());
    // The environments' variables decided the counts.
    let count = |env: &str| {
        let r = ok(cairn(&moto, d, &["state", "list", "-env", env]));
        r.stdout.lines().count()
    };
    assert_eq!((count("dev"), count("prod"), count("scratch")), (2, 3, 1));
    // A misspelt backend argument is refused at its place in cairn.hcl.
    let r = cairn(&moto, d, &["plan", "-env", "typo"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("cairn.hcl:") && r.stderr.contains("Did you mean \"bucket\"?"),
        "{}",
        r.stderr
    );
}
