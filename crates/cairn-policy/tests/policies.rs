//! User policies against a real plan: `fixtures/plan.json` was printed by
//! `cairn show -json` (see `fixtures/README.md`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cairn_findings::{Category, Finding, Report, Severity};
use cairn_policy::{load, load_with, LoadOptions, PolicyError, RegoVersion};
use serde_json::Value;

fn plan() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan.json");
    let text = fs::read_to_string(path).expect("fixture plan");
    serde_json::from_str(&text).expect("fixture plan is JSON")
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policy")
}

/// A policy directory with these files (paths relative to it).
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, text).expect("write policy");
    }
    dir
}

fn eval(files: &[(&str, &str)], namespaces: &[&str]) -> Result<Vec<Finding>, PolicyError> {
    let dir = dir_with(files);
    let policies = load(dir.path())?;
    let ns: Vec<String> = namespaces.iter().map(|s| s.to_string()).collect();
    policies.evaluate(&plan(), &ns)
}

fn summary(findings: &[Finding]) -> Vec<(String, Severity, Option<String>)> {
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.severity, f.address.clone()))
        .collect();
    out.sort();
    out
}

fn addr(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn fixture_is_a_terraform_json_plan() {
    let plan = plan();
    assert!(plan["format_version"].is_string());
    assert!(plan["planned_values"]["root_module"]["resources"].is_array());
    assert!(plan["configuration"]["root_module"].is_object());
    let actions: Vec<(String, Value)> = plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .map(|rc| {
            (
                rc["address"].as_str().unwrap_or_default().to_string(),
                rc["change"]["actions"].clone(),
            )
        })
        .collect();
    assert!(actions.contains(&(
        "terraform_data.prod_database".into(),
        serde_json::json!(["delete"])
    )));
    assert!(actions.contains(&(
        "random_pet.server".into(),
        serde_json::json!(["delete", "create"])
    )));
}

#[test]
fn example_policies_deny_and_warn_on_the_plan() {
    let policies = load(&examples_dir()).expect("examples load");
    assert_eq!(policies.packages(), vec!["main", "main.tags"]);
    assert_eq!(policies.files().len(), 3);

    let eval = policies
        .evaluate_report(&plan(), &[])
        .expect("examples evaluate");
    assert_eq!(
        summary(&eval.findings),
        vec![
            (
                "main.deny".into(),
                Severity::High,
                addr("terraform_data.prod_database")
            ),
            (
                "main.tags.deny".into(),
                Severity::High,
                addr("aws_s3_bucket.assets")
            ),
            (
                "main.warn_replace".into(),
                Severity::Low,
                addr("random_pet.server")
            ),
        ]
    );
    let tags = eval
        .findings
        .iter()
        .find(|f| f.rule_id == "main.tags.deny")
        .expect("tag finding");
    assert_eq!(tags.message, "aws_s3_bucket.assets has no owner tag");
    assert_eq!(tags.path, vec!["tags"]);
    assert!(tags.fix.contains("owner"), "{}", tags.fix);
    assert!(eval.findings.iter().all(|f| f.category == Category::Policy));
    let replace = eval
        .findings
        .iter()
        .find(|f| f.rule_id == "main.warn_replace")
        .expect("replace finding");
    assert_eq!(
        replace.message,
        "random_pet.server will be replaced (replace_because_cannot_update)"
    );

    // One rule entry per rule, titled from the comment above the rule.
    let ids: Vec<&str> = eval.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["main.deny", "main.warn_replace", "main.tags.deny"]
    );
    let deny = &eval.rules[0];
    assert_eq!(
        deny.title,
        "Deny: a production resource deleted, alone or as part of a replacement."
    );
    assert!(
        deny.help
            .as_deref()
            .is_some_and(|h| h.ends_with("no_prod_deletes.rego:33")),
        "{:?}",
        deny.help
    );

    // At the default threshold, deny fails the run and warn does not.
    let mut report = Report::new(Severity::High);
    report.extend(eval.findings.clone(), &eval.rules);
    assert_eq!(report.rules.len(), 3);
    let failing: Vec<&str> = report
        .failing()
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect();
    assert_eq!(failing.len(), 2);
    assert!(!failing.contains(&"main.warn_replace"));
}

#[test]
fn example_walkthrough_plan_is_denied_and_warned() {
    // The plan `examples/policy/main.tf` says how to make.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/example-plan.json");
    let plan: Value =
        serde_json::from_str(&fs::read_to_string(path).expect("fixture")).expect("JSON");
    let policies = load(&examples_dir()).expect("examples load");
    let findings = policies.evaluate(&plan, &[]).expect("evaluate");
    assert_eq!(
        summary(&findings),
        vec![
            (
                "main.deny".into(),
                Severity::High,
                addr("terraform_data.prod_database[0]")
            ),
            (
                "main.warn_replace".into(),
                Severity::Low,
                addr("random_pet.server")
            ),
        ]
    );
}

#[test]
fn example_replacement_of_stateful_resource_is_medium() {
    let mut plan = plan();
    let changes = plan["resource_changes"].as_array_mut().expect("changes");
    for rc in changes.iter_mut() {
        if rc["address"] == "random_pet.server" {
            rc["address"] = "aws_db_instance.orders".into();
            rc["type"] = "aws_db_instance".into();
        }
    }
    let policies = load(&examples_dir()).expect("examples load");
    let findings = policies.evaluate(&plan, &[]).expect("evaluate");
    let replace = findings
        .iter()
        .find(|f| f.rule_id == "main.warn_replace")
        .expect("replace finding");
    assert_eq!(replace.severity, Severity::Medium);
}

const WORLD_WRITABLE: &str = r#"
package main

import rego.v1

# Files must not be world-writable.
deny_world_writable contains msg if {
	some rc in input.resource_changes
	rc.type == "local_file"
	rc.change.after.file_permission == "0777"
	msg := sprintf("%s is world-writable (0777)", [rc.address])
}

warn contains msg if {
	some rc in input.resource_changes
	rc.change.actions == ["create"]
	rc.type == "terraform_data"
	msg := sprintf("%s is new", [rc.address])
}

violation contains {"msg": "a violation", "address": "local_file.script"} if {
	some rc in input.resource_changes
	rc.address == "local_file.script"
}

# Names that are not conftest rules: ignored.
denyall contains "never reported" if true
deny_ contains "never reported" if true
allow contains "never reported" if true
"#;

#[test]
fn conftest_rule_names_and_string_messages() {
    let findings = eval(&[("files.rego", WORLD_WRITABLE)], &[]).expect("evaluate");
    assert_eq!(
        summary(&findings),
        vec![
            (
                "main.deny_world_writable".into(),
                Severity::High,
                // A string message names no address: none is guessed.
                None
            ),
            (
                "main.violation".into(),
                Severity::High,
                addr("local_file.script")
            ),
            ("main.warn".into(), Severity::Low, None),
        ]
    );
    let deny = findings
        .iter()
        .find(|f| f.rule_id == "main.deny_world_writable")
        .expect("deny");
    assert_eq!(deny.message, "local_file.script is world-writable (0777)");
    assert!(deny.fix.contains("files.rego"), "{}", deny.fix);
    let warn = findings
        .iter()
        .find(|f| f.rule_id == "main.warn")
        .expect("warn");
    assert_eq!(warn.message, "terraform_data.staging_cache is new");
}

#[test]
fn packages_under_main_are_read_and_others_only_when_asked() {
    let files = [
        (
            "a.rego",
            "package main\nimport rego.v1\ndeny contains \"from main\" if true\n",
        ),
        (
            "nested/b.rego",
            "package main.aws.s3\nimport rego.v1\nwarn contains \"from main.aws.s3\" if true\n",
        ),
        (
            "c.rego",
            "package other\nimport rego.v1\ndeny contains \"from other\" if true\n",
        ),
        (
            "d.rego",
            "package mainline\nimport rego.v1\ndeny contains \"from mainline\" if true\n",
        ),
    ];
    let ids = |f: Vec<Finding>| -> Vec<String> {
        let mut v: Vec<String> = f.into_iter().map(|f| f.rule_id).collect();
        v.sort();
        v
    };
    assert_eq!(
        ids(eval(&files, &[]).expect("default")),
        vec!["main.aws.s3.warn", "main.deny"]
    );
    assert_eq!(
        ids(eval(&files, &["other"]).expect("other")),
        vec!["other.deny"]
    );
    assert_eq!(
        ids(eval(&files, &["main.aws"]).expect("main.aws")),
        vec!["main.aws.s3.warn"]
    );
    assert_eq!(
        ids(eval(&files, &["*"]).expect("all")),
        vec![
            "main.aws.s3.warn",
            "main.deny",
            "mainline.deny",
            "other.deny"
        ]
    );
}

#[test]
fn structured_messages_set_severity_address_fix_and_id() {
    let policy = r#"
package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	rc.change.actions == ["delete"]
	msg := {
		"msg": sprintf("%s is deleted", [rc.address]),
		"severity": "Critical",
		"address": rc.address,
		"fix": "keep it",
		"id": "ORG-001",
		"team": "ignored extra key",
	}
}

warn contains msg if {
	some rc in input.resource_changes
	rc.address == "local_file.script"
	# A whole resource change as the resource: its address is used.
	msg := {"msg": "script", "resource": rc, "severity": "medium", "path": ["file_permission"]}
}
"#;
    let dir = dir_with(&[("s.rego", policy)]);
    let policies = load(dir.path()).expect("load");
    let eval = policies.evaluate_report(&plan(), &[]).expect("evaluate");
    assert_eq!(
        summary(&eval.findings),
        vec![
            (
                "ORG-001".into(),
                Severity::Critical,
                addr("terraform_data.prod_database")
            ),
            (
                "main.warn".into(),
                Severity::Medium,
                addr("local_file.script")
            ),
        ]
    );
    let deny = &eval
        .findings
        .iter()
        .find(|f| f.rule_id == "ORG-001")
        .expect("deny");
    assert_eq!(deny.fix, "keep it");
    assert_eq!(deny.message, "terraform_data.prod_database is deleted");
    let warn = eval
        .findings
        .iter()
        .find(|f| f.rule_id == "main.warn")
        .expect("warn");
    assert_eq!(warn.path, vec!["file_permission"]);
    let org = eval
        .rules
        .iter()
        .find(|r| r.id == "ORG-001")
        .expect("rule info");
    assert_eq!(org.severity, Severity::Critical);
    assert_eq!(org.category, Category::Policy);
}

#[test]
fn bad_structured_messages_are_errors() {
    let missing_msg = "package main\nimport rego.v1\ndeny contains {\"message\": \"x\"} if true\n";
    let err = eval(&[("m.rego", missing_msg)], &[]).expect_err("no msg");
    assert!(
        matches!(&err, PolicyError::BadMessage { rule, line: 3, .. } if rule == "main.deny"),
        "{err}"
    );

    let bad_severity =
        "package main\nimport rego.v1\ndeny contains {\"msg\": \"x\", \"severity\": \"urgent\"} if true\n";
    let err = eval(&[("m.rego", bad_severity)], &[]).expect_err("bad severity");
    assert!(err.to_string().contains("urgent"), "{err}");
    assert!(err.to_string().contains("m.rego:3"), "{err}");
}

#[test]
fn identical_messages_are_reported_once() {
    let policy = r#"
package main

import rego.v1

# The same text from two rule bodies, and twice with different extra keys.
deny contains "no deletes" if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
}

deny contains {"msg": "no deletes", "note": rc.address} if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
}

violation contains "no deletes" if true
"#;
    let findings = eval(&[("d.rego", policy)], &[]).expect("evaluate");
    // One per rule: the same message from another rule is another finding.
    assert_eq!(
        summary(&findings),
        vec![
            ("main.deny".into(), Severity::High, None),
            ("main.violation".into(), Severity::High, None),
        ]
    );
}

#[test]
fn rules_that_are_not_sets_give_nothing_as_in_conftest() {
    let policy = "package main\nimport rego.v1\ndeny := true\nwarn contains 42 if true\nviolation := {\"a\": \"b\"}\nwarn_x.y contains \"m\" if true\ndeny_z[\"k\"] := \"m\"\n";
    let findings = eval(&[("b.rego", policy)], &[]).expect("evaluate");
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn parse_errors_give_file_line_and_column() {
    let dir = dir_with(&[
        ("ok.rego", "package main\n"),
        (
            "sub/bad.rego",
            "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := \"x\"\n\t] \n}\n",
        ),
    ]);
    let err = load(dir.path()).expect_err("parse error");
    match &err {
        PolicyError::Parse {
            file,
            line,
            column,
            message,
        } => {
            assert!(file.ends_with("bad.rego"), "{file}");
            assert_eq!(*line, 7, "{err}");
            assert!(*column >= 1);
            assert!(!message.is_empty());
            assert!(!message.contains("-->"), "{message}");
        }
        other => panic!("not a parse error: {other}"),
    }
    let text = err.to_string();
    assert!(text.contains("bad.rego:7:"), "{text}");
}

#[test]
fn rego_v0_files_get_a_hint_or_load_when_asked() {
    let v0 = "package main\n\ndeny[msg] {\n\tinput.resource_changes[_].change.actions[_] == \"delete\"\n\tmsg := \"a delete\"\n}\n";
    let dir = dir_with(&[("old.rego", v0)]);
    let err = load(dir.path()).expect_err("v0 is not v1");
    assert!(err.to_string().contains("Rego v0"), "{err}");

    let options = LoadOptions {
        rego_version: RegoVersion::V0,
        ..LoadOptions::default()
    };
    let policies = load_with(dir.path(), &options).expect("v0 loads");
    let findings = policies.evaluate(&plan(), &[]).expect("evaluate");
    assert_eq!(
        summary(&findings),
        vec![("main.deny".into(), Severity::High, None)]
    );
}

#[test]
fn compile_errors_are_reported_at_load() {
    // An unsafe variable: found by the engine's analysis, before any input.
    let policy =
        "package main\nimport rego.v1\n\ndeny contains msg if {\n\tx > 1\n\tmsg := \"x\"\n}\n";
    let dir = dir_with(&[("c.rego", policy)]);
    let err = load(dir.path()).expect_err("unsafe variable");
    assert!(
        matches!(&err, PolicyError::Parse { file, line: 5, column: 2, message } if file.ends_with("c.rego") && message.contains("`x`")),
        "{err}"
    );
}

#[test]
fn runtime_errors_name_the_rule_and_the_place() {
    // Two bodies giving one function two results: an error in OPA too.
    let policy = r#"package main

import rego.v1

kind(rc) := "a" if rc.address
kind(rc) := "b" if rc.address

deny contains msg if {
	some rc in input.resource_changes
	kind(rc) == "a"
	msg := "x"
}
"#;
    let err = eval(&[("r.rego", policy)], &[]).expect_err("conflict");
    match &err {
        PolicyError::Eval {
            rule, file, line, ..
        } => {
            assert_eq!(rule, "main.deny");
            assert!(file.ends_with("r.rego"), "{file}");
            assert!(*line >= 5, "{err}");
        }
        other => panic!("not an evaluation error: {other}"),
    }

    // An unknown function is found when the rule runs.
    let unknown = "package main\nimport rego.v1\n\nwarn_x contains msg if {\n\tnot_a_function(1)\n\tmsg := \"x\"\n}\n";
    let err = eval(&[("u.rego", unknown)], &[]).expect_err("unknown function");
    assert!(
        matches!(&err, PolicyError::Eval { rule, file, line: 5, message, .. } if rule == "main.warn_x" && file.ends_with("u.rego") && message.contains("not_a_function")),
        "{err}"
    );

    // A builtin failing: undefined by default (OPA), an error when strict.
    let builtin = "package main\nimport rego.v1\n\ndeny contains msg if {\n\tn := to_number(input.format_version_x)\n\tmsg := sprintf(\"%v\", [n])\n}\n\nwarn contains msg if {\n\tn := to_number(\"not a number\")\n\tmsg := sprintf(\"%v\", [n])\n}\n";
    assert!(eval(&[("b.rego", builtin)], &[])
        .expect("lenient")
        .is_empty());
    let dir = dir_with(&[("b.rego", builtin)]);
    let strict = LoadOptions {
        strict_builtin_errors: true,
        ..LoadOptions::default()
    };
    let policies = load_with(dir.path(), &strict).expect("load");
    let err = policies.evaluate(&plan(), &[]).expect_err("strict");
    match &err {
        PolicyError::Eval {
            rule, file, line, ..
        } => {
            assert_eq!(rule, "main.warn");
            assert!(file.ends_with("b.rego"), "{file}");
            assert_eq!(*line, 10, "{err}");
        }
        other => panic!("not an evaluation error: {other}"),
    }
}

#[test]
fn empty_and_missing_directories() {
    let dir = dir_with(&[("README.md", "not a policy")]);
    let policies = load(dir.path()).expect("empty dir loads");
    assert!(policies.is_empty());
    assert!(policies
        .evaluate(&plan(), &[])
        .expect("evaluate")
        .is_empty());

    let err = load(&dir.path().join("policy")).expect_err("missing");
    assert!(err.is_missing_dir());
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn test_files_and_hidden_directories_are_skipped() {
    let dir = dir_with(&[
        (
            "main.rego",
            "package main\nimport rego.v1\nwarn contains \"loaded\" if true\n",
        ),
        // Rego unit tests, and not even valid Rego: never read.
        (
            "main_test.rego",
            "package main\ntest_x if { this is not rego",
        ),
        (".git/x.rego", "not rego either"),
        (
            "z/more.rego",
            "package main.more\nimport rego.v1\nwarn contains \"nested\" if true\n",
        ),
    ]);
    let policies = load(dir.path()).expect("load");
    let names: Vec<String> = policies
        .files()
        .iter()
        .map(|f| {
            f.strip_prefix(dir.path())
                .unwrap_or(f)
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(names, vec!["main.rego", "z/more.rego"]);
    assert_eq!(policies.evaluate(&plan(), &[]).expect("evaluate").len(), 2);
}

#[test]
fn a_single_file_can_be_given() {
    let dir = dir_with(&[("one.rego", WORLD_WRITABLE)]);
    let policies = load(&dir.path().join("one.rego")).expect("load file");
    assert_eq!(policies.files().len(), 1);
    assert_eq!(policies.evaluate(&plan(), &[]).expect("evaluate").len(), 3);
}

#[test]
fn data_documents_are_available_as_data() {
    let policy = r#"package main
import rego.v1
deny contains msg if {
	some rc in input.resource_changes
	rc.type in data.forbidden_types
	msg := sprintf("%s: type %s is forbidden", [rc.address, rc.type])
}
"#;
    let dir = dir_with(&[("d.rego", policy)]);
    let mut policies = load(dir.path()).expect("load");
    policies
        .add_data(&serde_json::json!({"forbidden_types": ["random_pet"]}))
        .expect("data");
    let findings = policies.evaluate(&plan(), &[]).expect("evaluate");
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].message,
        "random_pet.server: type random_pet is forbidden"
    );
}

#[test]
fn policies_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<cairn_policy::Policies>();
}

/// A plan of `n` resource changes, copies of the fixture's.
fn big_plan(n: usize) -> Value {
    let mut plan = plan();
    let changes = plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut rc = changes[i % changes.len()].clone();
        let address = format!("{}_{i}", rc["address"].as_str().unwrap_or_default());
        rc["address"] = address.into();
        out.push(rc);
    }
    plan["resource_changes"] = Value::Array(out);
    plan
}

#[test]
fn ten_thousand_resources_evaluate_quickly() {
    let plan = big_plan(10_000);
    let dir = dir_with(&[("files.rego", WORLD_WRITABLE)]);
    let policies = load(dir.path()).expect("load");
    let start = Instant::now();
    let findings = policies.evaluate(&plan, &[]).expect("evaluate");
    let simple = start.elapsed();

    let examples = load(&examples_dir()).expect("examples");
    let start = Instant::now();
    let example_findings = examples.evaluate(&plan, &[]).expect("evaluate examples");
    let all = start.elapsed();
    eprintln!(
        "10,000 resource changes: simple policy {simple:?} ({} findings), example policies {all:?} ({} findings)",
        findings.len(),
        example_findings.len()
    );
    // Copies of the world-writable file and of the new terraform_data;
    // the violation wants the file's original address, now renamed.
    let count = |address: &str| {
        plan["resource_changes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|rc| {
                        rc["address"]
                            .as_str()
                            .is_some_and(|s| s.starts_with(address))
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(
        findings.len(),
        count("local_file.script_") + count("terraform_data.staging_cache_")
    );
    // Generous: unoptimised test builds are several times slower than
    // release builds, where this takes a fraction of a second.
    assert!(simple.as_secs_f64() < 10.0, "{simple:?}");
}
