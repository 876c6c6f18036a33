use super::*;

fn load_text(text: &str) -> (Result<Project, Diagnostics>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(FILE), text).expect("write");
    let sources = SourceMap::new();
    (load(dir.path(), &sources), dir)
}

fn errors(text: &str) -> Vec<(String, usize, usize)> {
    let (r, _d) = load_text(text);
    let diags = r.expect_err("expected errors");
    diags
        .iter()
        .map(|d| {
            let (l, c) = d
                .span
                .as_ref()
                .map(|s| (s.start.line, s.start.column))
                .unwrap_or((0, 0));
            (d.summary.clone(), l, c)
        })
        .collect()
}

#[test]
fn no_file_means_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = load(dir.path(), &SourceMap::new()).expect("loads");
    assert!(p.path.is_none());
    assert!(p.tags.is_none() && p.budget.is_none() && p.suppressions.is_empty());
    let e = p.effective(None).expect("effective");
    assert_eq!(e.environment, None);
}

#[test]
fn full_file_and_environment_merge() {
    let (p, _d) = load_text(
        r#"
policy {
  fail_on    = "medium"
  directory  = "rego"
  namespaces = ["main", "org"]
  disable    = ["AWS030"]
}
tags {
  required = ["Owner"]
  allowed  = { Environment = "dev|prod", Owner = "[a-z]+" }
}
budget { monthly = 500 }
cost { usage_file = "usage.yml" }
suppress "AWS020" {
  address = "aws_s3_bucket.site"
  reason  = "public website"
}
environment "prod" {
  var_files = ["prod.tfvars"]
  tags {
    required = ["DataClass", "Owner"]
    allowed  = { Environment = "prod" }
  }
  budget { monthly = 2000.5 }
}
environment "dev" {}
"#,
    );
    let p = p.expect("loads");
    assert_eq!(p.policy.fail_on, Some(Severity::Medium));
    assert_eq!(p.policy.directory.as_deref(), Some("rego"));
    assert_eq!(p.policy.namespaces, vec!["main", "org"]);
    assert_eq!(p.policy.disable, vec!["AWS030"]);
    assert_eq!(p.usage_file.as_deref(), Some("usage.yml"));
    assert_eq!(
        p.suppressions,
        vec![Suppression {
            rule_id: "AWS020".into(),
            address: Some("aws_s3_bucket.site".into()),
            reason: "public website".into(),
            kind: cairn_findings::SuppressionKind::External,
        }]
    );
    let base = p.effective(None).expect("base");
    assert_eq!(base.budget, Some(500.0));
    assert_eq!(
        base.tags.as_ref().map(|t| t.required.clone()),
        Some(vec!["Owner".to_string()])
    );
    let prod = p.effective(Some("prod")).expect("prod");
    assert_eq!(prod.environment.as_deref(), Some("prod"));
    assert_eq!(prod.budget, Some(2000.5));
    let t = prod.tags.expect("tags");
    assert_eq!(t.required, vec!["Owner", "DataClass"]);
    assert_eq!(
        t.allowed.get("Environment").map(String::as_str),
        Some("prod")
    );
    assert_eq!(t.allowed.get("Owner").map(String::as_str), Some("[a-z]+"));
    assert_eq!(prod.var_files, vec!["prod.tfvars"]);
    let dev = p.effective(Some("dev")).expect("dev");
    assert_eq!(dev.budget, Some(500.0));
}

#[test]
fn unknown_environment_names_the_close_one() {
    let (p, _d) = load_text("environment \"prod\" {}\nenvironment \"staging\" {}\n");
    let p = p.expect("loads");
    let e = p.effective(Some("prd")).expect_err("unknown");
    assert_eq!(e.summary, "Unknown environment");
    assert_eq!(e.hint.as_deref(), Some("Did you mean \"prod\"?"));
}

#[test]
fn bad_inputs_are_reported_with_line_and_column() {
    assert_eq!(
        errors("polcy {}\n"),
        vec![("Unsupported block type".to_string(), 1, 1)]
    );
    assert_eq!(
        errors("policy {\n  fail_on = \"severe\"\n}\n"),
        vec![("Invalid severity".to_string(), 2, 13)]
    );
    assert_eq!(
        errors("policy {\n  fail_onn = \"high\"\n}\n"),
        vec![("Unsupported argument".to_string(), 2, 3)]
    );
    assert_eq!(
        errors("suppress \"AWS001\" {\n  address = \"aws_vpc.x\"\n}\n"),
        vec![("Missing required argument".to_string(), 1, 1)]
    );
    assert_eq!(
        errors("suppress \"AWS001\" {\n  reason = \"  \"\n}\n"),
        vec![("Suppression without a reason".to_string(), 2, 12)]
    );
    assert_eq!(
        errors("tags {\n  allowed = { Env = \"(\" }\n}\n"),
        vec![("Invalid tag pattern".to_string(), 2, 13)]
    );
    assert_eq!(
        errors("budget {\n  monthly = -5\n}\n"),
        vec![("Invalid budget".to_string(), 2, 13)]
    );
    assert_eq!(
        errors("environment \"a\" {}\nenvironment \"a\" {}\n"),
        vec![("Duplicate environment".to_string(), 2, 1)]
    );
    assert_eq!(
        errors("tags {\n  required = \"Owner\"\n}\n"),
        vec![("Incorrect value type".to_string(), 2, 14)]
    );
    assert_eq!(errors("policy {\n  fail_on = var.x\n}\n").len(), 1);
    let syntax = errors("policy {\n  fail_on = \n");
    assert_eq!(syntax.len(), 1);
    assert_eq!(errors("suppress {}\n")[0].0, "Wrong number of labels");
}

#[test]
fn environment_variables_and_backend() {
    let (p, _d) = load_text(
        "environment \"prod\" {\n  variables = { n = 3, tags = { team = \"a\" }, zones = [\"a\", \"b\"] }\n  backend \"s3\" {\n    bucket = \"prod-state\"\n    key    = \"prod.tfstate\"\n  }\n}\nenvironment \"dev\" {}\n",
    );
    let p = p.expect("loads");
    let e = p.effective(Some("prod")).expect("prod");
    assert_eq!(e.variables["n"], serde_json::json!(3));
    assert_eq!(e.variables["tags"], serde_json::json!({"team": "a"}));
    assert_eq!(e.variables["zones"], serde_json::json!(["a", "b"]));
    let b = e.backend.expect("backend");
    assert_eq!(b.kind, "s3");
    assert_eq!(b.args["bucket"], serde_json::json!("prod-state"));
    assert!(b.arg_spans["key"].is_some());
    let dev = p.effective(Some("dev")).expect("dev");
    assert!(dev.variables.is_empty() && dev.backend.is_none());
    // The project's own settings have neither.
    assert!(p.effective(None).expect("none").backend.is_none());
}

#[test]
fn environment_variables_and_backend_errors() {
    assert_eq!(
        errors("environment \"p\" {\n  variables = [1]\n}\n"),
        vec![("Incorrect value type".to_string(), 2, 15)]
    );
    assert_eq!(
        errors("environment \"p\" {\n  backend \"s3\" {}\n  backend \"local\" {}\n}\n"),
        vec![("Duplicate backend block".to_string(), 3, 3)]
    );
    assert_eq!(
        errors("environment \"p\" {\n  backend {}\n}\n")[0].0,
        "Wrong number of labels".to_string()
    );
}

#[test]
fn state_encryption_kms_key_per_project_and_environment() {
    let (p, _d) = load_text(
        "state_encryption {\n  kms_key_id = \"alias/all\"\n}\nenvironment \"prod\" {\n  state_encryption {\n    kms_key_id = \"alias/prod\"\n  }\n}\nenvironment \"dev\" {}\n",
    );
    let p = p.expect("loads");
    let key = |env: Option<&str>| p.effective(env).expect("effective").state_kms_key;
    assert_eq!(key(None).as_deref(), Some("alias/all"));
    assert_eq!(key(Some("dev")).as_deref(), Some("alias/all"));
    assert_eq!(key(Some("prod")).as_deref(), Some("alias/prod"));
    assert_eq!(
        errors("state_encryption {\n  kms_key_id = \"\"\n}\n"),
        vec![("Empty KMS key".to_string(), 2, 16)]
    );
    assert_eq!(
        errors("state_encryption {}\n")[0].0,
        "Missing required argument".to_string()
    );
}
