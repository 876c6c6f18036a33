//! Variable values from var files, -var options and the environment.

use std::path::{Path, PathBuf};

use cairn_config::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn text(e: &Expr) -> String {
    e.expr.to_string().trim().to_string()
}

#[test]
fn var_files_in_precedence_order() {
    let dir = fixture("vars");
    let (files, d) = collect_var_files(&dir, &[dir.join("extra.tfvars")]);
    assert!(d.is_empty(), "{d}");
    let names: Vec<&str> = files.iter().map(|f| &*f.name).collect();
    assert_eq!(
        names,
        [
            "terraform.tfvars",
            "terraform.tfvars.json",
            "a.auto.tfvars.json",
            "b.auto.tfvars",
            "extra.tfvars"
        ]
    );
    let kinds: Vec<VarFileKind> = files.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            VarFileKind::Default,
            VarFileKind::Default,
            VarFileKind::Auto,
            VarFileKind::Auto,
            VarFileKind::Explicit
        ]
    );
    let a = &files[0].assignments[1];
    assert_eq!(
        (a.name.as_str(), text(&a.expr).as_str()),
        ("instances", "2")
    );
    assert_eq!(a.span.as_ref().unwrap().start.line, 2);
    // .tfvars.json strings are literal: no template.
    let t = &files[1].assignments[1];
    assert_eq!(t.name, "template");
    assert!(!t.expr.expr.is_string_template());
    assert_eq!(t.expr.span().unwrap().start.line, 3);
    assert_eq!(text(&files[2].assignments[0].expr), "[80, 443]");
    assert_eq!(text(&files[4].assignments[0].expr), "\"ap-south-1\"");
}

#[test]
fn var_file_errors() {
    let dir = fixture("vars");
    let (files, d) = collect_var_files(&dir, &[dir.join("bad.tfvars"), dir.join("nope.tfvars")]);
    assert_eq!(files.last().unwrap().assignments.len(), 1);
    let e = d
        .iter()
        .find(|x| x.summary == "Unexpected \"block\" block")
        .unwrap();
    assert_eq!(e.detail, "Blocks are not allowed here.");
    assert_eq!(e.span.as_ref().unwrap().start.line, 2);
    assert!(d
        .iter()
        .any(|x| x.summary == "Failed to read variables file"));
}

#[test]
fn cli_vars() {
    let v = parse_cli_var("region=us-west-2").unwrap();
    assert_eq!((v.name.as_str(), v.raw.as_str()), ("region", "us-west-2"));
    assert_eq!(v.source, RawVarSource::Cli);
    let v = parse_cli_var("ports=[80, 443]").unwrap();
    assert!(v.expr.unwrap().expr.is_array());
    let v = parse_cli_var("x=a=b").unwrap();
    assert_eq!(v.raw, "a=b");
    // Fine as a string, not as an expression.
    let v = parse_cli_var("s=[1,").unwrap();
    let e = v.expr.unwrap_err();
    let e = e.iter().next().unwrap();
    assert_eq!(&*e.span.as_ref().unwrap().file, "<value for var.s>");
    let e = parse_cli_var("novalue").unwrap_err();
    assert_eq!(e.iter().next().unwrap().summary, "Invalid -var option");
}

#[test]
fn env_vars_by_precedence() {
    let env = [
        ("CAIRN_VAR_region", "eu-west-1"),
        ("PATH", "/bin"),
        ("TF_VAR_region", "us-east-1"),
        ("TF_VAR_", "ignored"),
        ("TF_VAR_count", "3"),
    ];
    let vars = env_vars(env);
    let got: Vec<(&str, &str)> = vars
        .iter()
        .map(|v| (v.name.as_str(), v.raw.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("count", "3"),
            ("region", "us-east-1"),
            ("region", "eu-west-1")
        ]
    );
    assert_eq!(vars[2].source, RawVarSource::Env("CAIRN_VAR_region".into()));
    assert_eq!(text(vars[0].expr.as_ref().unwrap()), "3");
}
