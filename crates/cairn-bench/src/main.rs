//! `cargo run --release -p cairn-bench -- [SIZES...]`
//! `cargo run --release -p cairn-bench -- aws [N]`
//! `cargo run --release -p cairn-bench -- lint [N...]`
//!
//! With `lint`, it writes N AWS resources of eight types (security
//! groups, buckets with their versioning/encryption resources, instances,
//! volumes, IAM policies, log groups, DynamoDB tables; many with findings),
//! a tag policy and a Rego policy, and times `cairn lint` on them (with and
//! without the Rego policy).
//!
//! With `aws`, it starts a moto server on 127.0.0.1 and, for -parallelism
//! 1, 10 and 32, applies N AWS resources (one VPC, subnets and security
//! groups), plans again (no changes) and destroys them.
//!
//! For each size N (default 1000 10000 100000) it writes a configuration
//! of N `terraform_data` instances in 10 blocks, each instance referring to
//! the same instance of the previous block, then runs the release `cairn`
//! binary: validate, plan (fresh), apply, plan (no changes). It prints wall
//! time and peak resident memory of each run as a Markdown table.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const BLOCKS: usize = 10;

fn config(n: usize) -> String {
    let per = n / BLOCKS;
    let mut s = String::new();
    for b in 0..BLOCKS {
        let input = if b == 0 {
            "\"seed-${count.index}\"".to_string()
        } else {
            format!("\"${{terraform_data.b{}[count.index].output}}-{b}\"", b - 1)
        };
        s.push_str(&format!(
            "resource \"terraform_data\" \"b{b}\" {{\n  count = {per}\n  input = {input}\n}}\n\n"
        ));
    }
    s.push_str(&format!(
        "output \"last\" {{\n  value = terraform_data.b{}[0].output\n}}\n",
        BLOCKS - 1
    ));
    s
}

struct Measure {
    secs: f64,
    peak_mib: f64,
    code: i32,
}

/// Runs the command and reads its peak RSS from wait4's rusage.
fn measure(bin: &Path, dir: &Path, args: &[&str]) -> Measure {
    measure_env(bin, dir, args, &[])
}

fn measure_env(bin: &Path, dir: &Path, args: &[&str], env: &[(&str, String)]) -> Measure {
    let t0 = Instant::now();
    let child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn();
    let Ok(child) = child else {
        return Measure {
            secs: 0.0,
            peak_mib: 0.0,
            code: -1,
        };
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is a plain C struct that wait4 fills in; zeroed is a
    // valid initial value and the pointers outlive the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = t0.elapsed().as_secs_f64();
    let code = if r == pid && libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Measure {
        secs,
        // ru_maxrss is in KiB on Linux.
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        code,
    }
}

/// N AWS resources: one VPC, then subnets and security groups in it.
fn aws_config(n: usize) -> String {
    let subnets = (n - 1) / 2;
    let groups = n - 1 - subnets;
    format!(
        r#"provider "aws" {{
  region = "us-east-1"
  default_tags {{
    tags = {{ Benchmark = "cairn" }}
  }}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "s" {{
  count      = {subnets}
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  tags       = {{ Name = "bench-${{count.index}}" }}
}}

resource "aws_security_group" "g" {{
  count       = {groups}
  name        = "bench-${{count.index}}"
  description = "benchmark group"
  vpc_id      = aws_vpc.main.id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}
}}
"#
    )
}

fn aws_bench(bin: &Path, n: usize) {
    let moto = match cairn_moto::Moto::start() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let env = [
        ("AWS_ENDPOINT_URL", moto.endpoint()),
        ("AWS_ACCESS_KEY_ID", "bench".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "bench".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ];
    println!("| resources | parallelism | step | wall time (s) |");
    println!("| ---: | ---: | --- | ---: |");
    for p in [1usize, 10, 32] {
        if let Err(e) = moto.reset() {
            eprintln!("{e}");
            std::process::exit(1);
        }
        let Ok(dir) = tempfile::tempdir() else {
            eprintln!("cannot create a temporary directory");
            std::process::exit(1);
        };
        if std::fs::write(dir.path().join("main.tf"), aws_config(n)).is_err() {
            eprintln!("cannot write the configuration");
            std::process::exit(1);
        }
        let par = p.to_string();
        for (step, args) in [
            (
                "apply",
                vec!["apply", "-auto-approve", "-parallelism", &par],
            ),
            (
                "plan (no changes)",
                vec!["plan", "-detailed-exitcode", "-parallelism", &par],
            ),
            (
                "destroy",
                vec!["destroy", "-auto-approve", "-parallelism", &par],
            ),
        ] {
            let m = measure_env(bin, dir.path(), &args, &env);
            let ok = if m.code == 0 { "" } else { " (failed)" };
            println!("| {n} | {p} | {step}{ok} | {:.2} |", m.secs);
        }
    }
}

/// N AWS resources in eight blocks of N/8, with a mix of findings.
fn lint_config(n: usize) -> String {
    let per = (n / 8).max(1);
    format!(
        r#"provider "aws" {{
  region = "us-east-1"
  default_tags {{
    tags = {{ Owner = "bench" }}
  }}
}}

variable "open" {{
  default = "0.0.0.0/0"
}}

resource "aws_security_group" "g" {{
  count       = {per}
  name        = "g-${{count.index}}"
  description = "bench"
  ingress {{
    from_port   = count.index % 2 == 0 ? 22 : 443
    to_port     = count.index % 2 == 0 ? 22 : 443
    protocol    = "tcp"
    cidr_blocks = [var.open]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_s3_bucket" "b" {{
  count  = {per}
  bucket = "bench-bucket-${{count.index}}"
}}

resource "aws_s3_bucket_versioning" "b" {{
  count  = {per}
  bucket = aws_s3_bucket.b[count.index].id
  versioning_configuration {{
    status = count.index % 3 == 0 ? "Suspended" : "Enabled"
  }}
}}

resource "aws_instance" "i" {{
  count         = {per}
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  tags          = {{ Name = "i-${{count.index}}" }}
}}

resource "aws_ebs_volume" "v" {{
  count             = {per}
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = count.index % 2 == 0
}}

resource "aws_iam_policy" "p" {{
  count  = {per}
  name   = "p-${{count.index}}"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = count.index % 4 == 0 ? "*" : "s3:GetObject"
      Resource = "*"
    }}]
  }})
}}

resource "aws_cloudwatch_log_group" "l" {{
  count             = {per}
  name              = "/bench/${{count.index}}"
  retention_in_days = count.index % 2 == 0 ? 30 : 0
}}

resource "aws_dynamodb_table" "t" {{
  count        = {per}
  name         = "t-${{count.index}}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
}}
"#
    )
}

const LINT_PROJECT: &str = r#"tags {
  required = ["Owner", "CostCenter"]
}
"#;

const LINT_POLICY: &str = r#"package main

import rego.v1

deny contains msg if {
  some rc in input.resource_changes
  rc.type == "aws_instance"
  rc.change.after.instance_type == "t3.micro"
  not rc.change.after.tags.CostCenter
  msg := sprintf("%s: instances need a CostCenter tag", [rc.address])
}

warn contains msg if {
  some rc in input.resource_changes
  rc.type == "aws_s3_bucket"
  msg := sprintf("%s: check the bucket's lifecycle rules", [rc.address])
}
"#;

fn lint_bench(bin: &Path, sizes: &[usize]) {
    println!("| resources | step | wall time (s) | peak memory (MiB) |");
    println!("| ---: | --- | ---: | ---: |");
    for &n in sizes {
        let Ok(dir) = tempfile::tempdir() else {
            eprintln!("cannot create a temporary directory");
            std::process::exit(1);
        };
        let p = dir.path();
        let wrote = std::fs::write(p.join("main.tf"), lint_config(n))
            .and_then(|_| std::fs::write(p.join("cairn.hcl"), LINT_PROJECT));
        if wrote.is_err() {
            eprintln!("cannot write the configuration");
            std::process::exit(1);
        }
        let n = (n / 8).max(1) * 8;
        // Exit 1 is expected: the configuration has high findings.
        let m = measure(bin, p, &["lint"]);
        let ok = if m.code == 1 {
            ""
        } else {
            " (unexpected exit)"
        };
        println!(
            "| {n} | lint: built-in rules, tag policy{ok} | {:.2} | {:.0} |",
            m.secs, m.peak_mib
        );
        let wrote = std::fs::create_dir_all(p.join("policy"))
            .and_then(|_| std::fs::write(p.join("policy/main.rego"), LINT_POLICY));
        if wrote.is_err() {
            eprintln!("cannot write the policy");
            std::process::exit(1);
        }
        let m = measure(bin, p, &["lint"]);
        let ok = if m.code == 1 {
            ""
        } else {
            " (unexpected exit)"
        };
        println!(
            "| {n} | lint: the same plus a Rego policy{ok} | {:.2} | {:.0} |",
            m.secs, m.peak_mib
        );
    }
}

fn main() {
    let bin = std::env::var_os("CAIRN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().unwrap_or_default();
            exe.with_file_name("cairn")
        });
    if !bin.exists() {
        eprintln!("cairn binary not found at {} (build it with cargo build --release -p cairn, or set CAIRN_BIN)", bin.display());
        std::process::exit(1);
    }
    if std::env::args().nth(1).as_deref() == Some("lint") {
        let sizes: Vec<usize> = std::env::args()
            .skip(2)
            .filter_map(|x| x.parse().ok())
            .collect();
        lint_bench(
            &bin,
            if sizes.is_empty() {
                &[1000, 10_000]
            } else {
                &sizes
            },
        );
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("aws") {
        let n = std::env::args()
            .nth(2)
            .and_then(|x| x.parse().ok())
            .filter(|n| *n >= 3)
            .unwrap_or(200);
        aws_bench(&bin, n);
        return;
    }
    let sizes: Vec<usize> = {
        let a: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect();
        if a.is_empty() {
            vec![1000, 10_000, 100_000]
        } else {
            a
        }
    };
    println!("| instances | step | wall time (s) | peak memory (MiB) |");
    println!("| ---: | --- | ---: | ---: |");
    for n in sizes {
        let Ok(dir) = tempfile::tempdir() else {
            eprintln!("cannot create a temporary directory");
            std::process::exit(1);
        };
        if std::fs::write(dir.path().join("main.tf"), config(n)).is_err() {
            eprintln!("cannot write the configuration");
            std::process::exit(1);
        }
        for (step, args) in [
            ("validate", vec!["validate"]),
            ("plan (fresh)", vec!["plan", "-out", "p.plan"]),
            (
                "apply",
                vec!["apply", "-auto-approve", "-parallelism", "10"],
            ),
            ("plan (no changes)", vec!["plan", "-detailed-exitcode"]),
        ] {
            let m = measure(&bin, dir.path(), &args);
            let ok = if m.code == 0 { "" } else { " (failed)" };
            println!("| {n} | {step}{ok} | {:.2} | {:.0} |", m.secs, m.peak_mib);
        }
    }
}
