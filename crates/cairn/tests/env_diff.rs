//! `cairn env diff A B` through the real binary: variables as `plan -env`
//! computes them (sensitive ones compared, never printed), resources in
//! each environment's state, differing attributes, environments never
//! applied, unknown names, and the s3 backend's per-environment keys.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cairn_moto::Moto;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CAIRN_ENV")
        .env_remove("CAIRN_STATE_KEY")
        .env_remove("TF_VAR_size")
        .env_remove("TF_VAR_region")
        .env_remove("TF_VAR_owner")
        .env_remove("CAIRN_VAR_size")
        .env_remove("CAIRN_VAR_region")
        .env_remove("CAIRN_VAR_owner")
        .stdin(Stdio::null());
    c
}

fn run(mut c: Command) -> Run {
    let out = c.output().expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn cairn(dir: &Path, args: &[&str]) -> Run {
    run(command(dir, args))
}

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// The output's lines with runs of spaces collapsed, so rows can be
/// compared exactly without depending on column widths.
fn rows(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn has_row(text: &str, row: &str) {
    assert!(
        rows(text).iter().any(|l| l == row),
        "expected the row {row:?} in:\n{text}"
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

const DEV_SECRET: &str = "dev-Secr3t-4x9q";
const PROD_SECRET: &str = "prod-Secr3t-7k2w";

const CONFIG: &str = r#"
variable "size" {
  type = string
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "app" {
  input = { size = var.size, region = var.region }
}

resource "terraform_data" "secret" {
  input = var.db_password
}

resource "terraform_data" "extra" {
  count = terraform.workspace == "prod" ? 1 : 0
  input = "only in prod"
}
"#;

/// dev and prod differ in `size` and `db_password`, agree on `region`
/// (its default); staging is declared and never applied.
fn project(d: &Path) {
    write(
        d,
        "cairn.hcl",
        r#"
environment "dev" {
  var_files = ["env/dev.tfvars"]
}

environment "prod" {
  var_files = ["env/prod.tfvars"]
}

environment "staging" {
  var_files = ["env/staging.tfvars"]
}
"#,
    );
    write(
        d,
        "env/dev.tfvars",
        &format!("size        = \"small\"\ndb_password = \"{DEV_SECRET}\"\n"),
    );
    write(
        d,
        "env/prod.tfvars",
        &format!("size        = \"large\"\ndb_password = \"{PROD_SECRET}\"\n"),
    );
    write(d, "env/staging.tfvars", "db_password = \"staging-pw\"\n");
    write(d, "main.tf", CONFIG);
}

fn no_secret(r: &Run) {
    for s in [DEV_SECRET, PROD_SECRET, "staging-pw"] {
        assert!(
            !r.stdout.contains(s) && !r.stderr.contains(s),
            "secret {s:?} printed:\nstdout:\n{}\nstderr:\n{}",
            r.stdout,
            r.stderr
        );
    }
}

#[test]
fn dev_and_prod_differ_in_variables_resources_and_attributes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    project(d);
    ok(cairn(d, &["apply", "-env", "dev", "-auto-approve"]));
    ok(cairn(d, &["apply", "-env", "prod", "-auto-approve"]));

    let r = ok(cairn(d, &["env", "diff", "dev", "prod"]));
    no_secret(&r);
    let out = &r.stdout;
    // Headed by the environments' names, one row per variable.
    has_row(out, "NAME dev prod");
    has_row(out, "~ size \"small\" \"large\"");
    has_row(out, "region \"eu-west-1\" \"eu-west-1\"");
    has_row(out, "~ db_password (sensitive) (sensitive) differs");
    // Resources: one only in prod, the rest in both.
    has_row(out, "ADDRESS dev prod");
    has_row(out, "~ terraform_data.extra[0] - yes only in prod");
    has_row(out, "terraform_data.app yes yes");
    has_row(out, "terraform_data.secret yes yes");
    // The attributes of the shared resources that differ.
    has_row(
        out,
        "~ terraform_data.app.input {region = \"eu-west-1\", size = \"small\"} {region = \"eu-west-1\", size = \"large\"}",
    );
    has_row(
        out,
        "~ terraform_data.secret.input (sensitive) (sensitive) differs",
    );
    // Object IDs differ by nature: hidden, and counted.
    assert!(!out.contains("terraform_data.app.id"), "{out}");
    assert!(out.contains("(2 identifier attribute(s) hidden"), "{out}");
    has_row(
        out,
        "2 of 3 variable(s) differ; 0 resource(s) only in dev, 1 only in prod, 2 in both; 4 attribute(s) differ.",
    );

    // -all shows the IDs too.
    let r = ok(cairn(d, &["env", "diff", "dev", "prod", "--all"]));
    no_secret(&r);
    assert!(
        rows(&r.stdout)
            .iter()
            .any(|l| l.starts_with("~ terraform_data.app.id \"")),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("hidden"), "{}", r.stdout);

    // The JSON document.
    let r = ok(cairn(d, &["env", "diff", "dev", "prod", "-json"]));
    no_secret(&r);
    let doc = json(&r);
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["a"], "dev");
    assert_eq!(doc["b"], "prod");
    assert_eq!(doc["state"], serde_json::json!({"a": true, "b": true}));
    let vars = doc["variables"].as_array().expect("variables");
    let var = |name: &str| {
        vars.iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no variable {name} in {doc}"))
            .clone()
    };
    assert_eq!(
        var("size"),
        serde_json::json!({"name": "size", "sensitive": false, "differs": true,
            "a": "small", "b": "large", "a_set": true, "b_set": true})
    );
    assert_eq!(var("region")["differs"], false);
    assert_eq!(var("region")["b"], "eu-west-1");
    assert_eq!(
        var("db_password"),
        serde_json::json!({"name": "db_password", "sensitive": true, "differs": true,
            "a": null, "b": null, "a_set": true, "b_set": true})
    );
    assert_eq!(
        doc["resources"],
        serde_json::json!({
            "only_a": [],
            "only_b": ["terraform_data.extra[0]"],
            "both": ["terraform_data.app", "terraform_data.secret"],
        })
    );
    let attrs = doc["attributes"].as_array().expect("attributes");
    let attr = |addr: &str, name: &str| {
        attrs
            .iter()
            .find(|a| a["address"] == addr && a["attribute"] == name)
            .unwrap_or_else(|| panic!("no {addr}.{name} in {doc}"))
            .clone()
    };
    assert_eq!(
        attr("terraform_data.app", "input"),
        serde_json::json!({"address": "terraform_data.app", "attribute": "input",
            "a": {"region": "eu-west-1", "size": "small"},
            "b": {"region": "eu-west-1", "size": "large"},
            "sensitive": false, "identifier": false})
    );
    assert_eq!(
        attr("terraform_data.secret", "output"),
        serde_json::json!({"address": "terraform_data.secret", "attribute": "output",
            "a": null, "b": null, "sensitive": true, "identifier": false})
    );
    assert_eq!(attrs.len(), 4, "{doc}");
    assert!(attrs.iter().all(|a| a["attribute"] != "id"), "{doc}");
    assert_eq!(doc["hidden_attributes"], 2);

    // Equal environments: the same name twice shows no differences.
    let r = ok(cairn(d, &["env", "diff", "prod", "prod"]));
    assert!(
        !rows(&r.stdout).iter().any(|l| l.starts_with('~')),
        "{}",
        r.stdout
    );
}

#[test]
fn an_environment_never_applied_has_no_state_yet() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    project(d);
    ok(cairn(d, &["apply", "-env", "dev", "-auto-approve"]));

    let r = ok(cairn(d, &["env", "diff", "dev", "staging"]));
    no_secret(&r);
    let out = &r.stdout;
    has_row(out, "staging: no state yet (never applied)");
    assert!(!out.contains("dev: no state yet"), "{out}");
    has_row(out, "~ terraform_data.app yes - only in dev");
    has_row(out, "~ terraform_data.secret yes - only in dev");
    // staging's var file does not set the required `size`.
    has_row(out, "~ size \"small\" (not set)");
    has_row(out, "~ db_password (sensitive) (sensitive) differs");
    has_row(out, "(no resource is in both states)");

    let doc = json(&ok(cairn(d, &["env", "diff", "dev", "staging", "-json"])));
    assert_eq!(doc["state"], serde_json::json!({"a": true, "b": false}));
    assert_eq!(
        doc["resources"],
        serde_json::json!({
            "only_a": ["terraform_data.app", "terraform_data.secret"],
            "only_b": [],
            "both": [],
        })
    );
    let size = doc["variables"]
        .as_array()
        .and_then(|v| v.iter().find(|x| x["name"] == "size"))
        .expect("size")
        .clone();
    assert_eq!(size["b_set"], false);
    assert_eq!(size["b"], serde_json::Value::Null);
    assert_eq!(size["a"], "small");
    // Nothing was created for the environment that was only compared.
    assert!(!d.join(".cairn/env/staging").exists());
}

#[test]
fn variables_follow_plan_precedence() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(
        d,
        "cairn.hcl",
        "environment \"dev\" {\n  var_files = [\"dev.tfvars\", \"dev-late.tfvars\"]\n}\nenvironment \"qa\" {}\n",
    );
    write(
        d,
        "main.tf",
        r#"
variable "size" {
  type = string
}
variable "region" {
  type = string
}
variable "owner" {
  type = string
}
variable "tier" {
  type = string
}
variable "count_of" {
  type    = number
  default = 2
}
"#,
    );
    // Lowest first: TF_VAR_, terraform.tfvars, *.auto.tfvars, then the
    // environment's var files in their order.
    write(
        d,
        "terraform.tfvars",
        "size = \"from-tfvars\"\nregion = \"from-tfvars\"\n",
    );
    write(d, "z.auto.tfvars", "region = \"from-auto\"\n");
    write(d, "dev.tfvars", "size = \"dev-early\"\ncount_of = 5\n");
    write(d, "dev-late.tfvars", "size = \"dev-late\"\n");
    let mut c = command(d, &["env", "diff", "dev", "qa"]);
    c.env("TF_VAR_owner", "team-a")
        .env("TF_VAR_size", "from-env");
    let r = ok(run(c));
    let out = &r.stdout;
    has_row(out, "NAME dev qa");
    has_row(out, "~ size \"dev-late\" \"from-tfvars\"");
    has_row(out, "region \"from-auto\" \"from-auto\"");
    has_row(out, "owner \"team-a\" \"team-a\"");
    has_row(out, "tier (not set) (not set)");
    has_row(out, "~ count_of 5 2");
    has_row(out, "dev: no state yet (never applied)");
    has_row(out, "qa: no state yet (never applied)");
    has_row(out, "(none in either state)");
}

#[test]
fn unknown_environments_are_errors_with_a_suggestion() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    project(d);
    let r = cairn(d, &["env", "diff", "dev", "prdo"]);
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("There is no environment \"prdo\" in the project file."),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Did you mean \"prod\"?"), "{}", r.stderr);
    assert!(!r.stderr.contains("\"dev\" in the project"), "{}", r.stderr);

    // Both names wrong: both reported.
    let r = cairn(d, &["env", "diff", "dve", "prdo", "-json"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("Did you mean \"dev\"?"), "{}", r.stderr);
    assert!(r.stderr.contains("Did you mean \"prod\"?"), "{}", r.stderr);

    // A directory that is not there.
    let r = cairn(d, &["env", "diff", "dev", "prod", "no-such-dir"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("is not a directory"), "{}", r.stderr);
}

const S3_CONFIG: &str = r#"
terraform {
  backend "s3" {
    bucket       = "envs-state"
    key          = "app/terraform.tfstate"
    region       = "us-east-1"
    use_lockfile = true
    endpoints {
      s3 = "ENDPOINT"
    }
  }
}

variable "size" {
  type = string
}

resource "terraform_data" "app" {
  input = var.size
}

resource "terraform_data" "extra" {
  count = terraform.workspace == "prod" ? 1 : 0
  input = "only in prod"
}
"#;

/// Each environment's state is `env:/NAME/KEY` in the bucket; the diff
/// reads them through the same backend as plan.
#[test]
fn s3_backend_states_are_compared_per_environment() {
    let moto = Moto::start().expect("moto");
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(
        d,
        "cairn.hcl",
        "environment \"dev\" {\n  var_files = [\"dev.tfvars\"]\n}\nenvironment \"prod\" {\n  var_files = [\"prod.tfvars\"]\n}\n",
    );
    write(d, "dev.tfvars", "size = \"small\"\n");
    write(d, "prod.tfvars", "size = \"large\"\n");
    write(
        d,
        "main.tf",
        &S3_CONFIG.replace("ENDPOINT", &moto.endpoint()),
    );
    let aws = |args: &[&str]| {
        let mut c = command(d, args);
        c.env("AWS_ENDPOINT_URL", moto.endpoint())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_MAX_ATTEMPTS", "2")
            .env_remove("AWS_PROFILE");
        run(c)
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let config = rt.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load(),
    );
    let sdk = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    rt.block_on(sdk.create_bucket().bucket("envs-state").send())
        .expect("bucket");

    ok(aws(&["apply", "-env", "dev", "-auto-approve"]));
    // Only dev was applied: prod has no state yet.
    let r = ok(aws(&["env", "diff", "dev", "prod"]));
    has_row(&r.stdout, "prod: no state yet (never applied)");
    has_row(&r.stdout, "~ terraform_data.app yes - only in dev");

    ok(aws(&["apply", "-env", "prod", "-auto-approve"]));
    for key in [
        "env:/dev/app/terraform.tfstate",
        "env:/prod/app/terraform.tfstate",
    ] {
        rt.block_on(sdk.head_object().bucket("envs-state").key(key).send())
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
    }
    let r = ok(aws(&["env", "diff", "dev", "prod"]));
    has_row(&r.stdout, "~ terraform_data.extra[0] - yes only in prod");
    has_row(&r.stdout, "~ terraform_data.app.input \"small\" \"large\"");
    assert!(!r.stdout.contains("no state yet"), "{}", r.stdout);
    // Local state directories were not used for either environment.
    assert!(!d.join(".cairn/env/dev/state.json").exists());
    assert!(!d.join(".cairn/env/prod/state.json").exists());
}
