use std::collections::BTreeMap;
use std::path::Path;

use cairn_config::Loader;
use cairn_diagnostics::Diagnostics;
use cairn_functions::{Context, Registry};
use cairn_value::display::console;
use cairn_value::Value;

use super::*;

const MAIN: &str = r#"
variable "region" {
  type    = string
  default = "us-east-1"
}

variable "count_n" {
  type = number
}

variable "tags" {
  type = map(string)
  default = {}
}

variable "settings" {
  type = object({
    name = string
    size = optional(number, 10)
    opts = optional(list(object({
      k = string
      v = optional(string, "dflt")
    })), [])
  })
  default = { name = "x" }
}

variable "env" {
  type = string
  default = "dev"
  validation {
    condition     = contains(["dev", "prod"], var.env)
    error_message = "env must be dev or prod."
  }
}

variable "password" {
  type      = string
  sensitive = true
  default   = "s3cret"
}

variable "strict" {
  type     = string
  nullable = false
  default  = "d"
}

variable "untyped" {
  default = "u"
}
"#;

fn run(
    files: &[(&str, &str)],
    cli: &[CliInput],
    env: &[(&str, &str)],
) -> (BTreeMap<String, Value>, Diagnostics) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
    for (n, t) in files {
        std::fs::write(dir.path().join(n), t).unwrap();
    }
    let loader = Loader::new(dir.path());
    let (module, d) = loader.load_module(dir.path());
    assert!(!d.has_errors(), "{d:?}");
    let module = module.unwrap();
    let funcs = Registry::standard();
    let ctx = Context::default();
    // Var files given on the command line are relative to the test dir.
    let cli: Vec<CliInput> = cli
        .iter()
        .map(|c| match c {
            CliInput::VarFile(p) => CliInput::VarFile(dir.path().join(p)),
            other => other.clone(),
        })
        .collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (given, mut diags) = gather_root(&loader, &module, dir.path(), &cli, env, &funcs, &ctx);
    let (values, d2) = root_values(&module, &given, &funcs, &ctx);
    diags.extend(d2);
    (values, diags)
}

fn show(v: &BTreeMap<String, Value>, k: &str) -> String {
    console(&v[k])
}

fn summaries(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

#[test]
fn precedence_env_files_cli() {
    let (v, d) = run(
        &[
            ("terraform.tfvars", "count_n = 1\nregion = \"eu-west-1\"\n"),
            ("b.auto.tfvars", "count_n = 3\n"),
            ("a.auto.tfvars", "count_n = 2\n"),
            ("extra.tfvars", "region = \"ap-south-1\"\n"),
        ],
        &[
            CliInput::Var("region=us-west-2".into()),
            CliInput::VarFile("extra.tfvars".into()),
        ],
        &[("TF_VAR_count_n", "0"), ("CAIRN_VAR_tags", "{a = \"b\"}")],
    );
    assert!(!d.has_errors(), "{:?}", summaries(&d));
    // b.auto.tfvars sorts after a.auto.tfvars and wins over the env var.
    assert_eq!(show(&v, "count_n"), "3");
    // The -var-file after -var wins.
    assert_eq!(show(&v, "region"), "\"ap-south-1\"");
    assert_eq!(show(&v, "tags"), "tomap({\n  \"a\" = \"b\"\n})");
}

#[test]
fn optional_defaults_and_marks() {
    let (v, d) = run(
        &[("terraform.tfvars", "count_n = 1\nsettings = { name = \"n\", opts = [{ k = \"a\" }, { k = \"b\", v = \"set\" }] }\n")],
        &[],
        &[],
    );
    assert!(!d.has_errors(), "{:?}", summaries(&d));
    let s = &v["settings"];
    assert_eq!(console(s.get_attr("size").unwrap()), "10");
    let opts = s.get_attr("opts").unwrap().as_seq().unwrap().to_vec();
    assert_eq!(console(opts[0].get_attr("v").unwrap()), "\"dflt\"");
    assert_eq!(console(opts[1].get_attr("v").unwrap()), "\"set\"");
    assert_eq!(show(&v, "password"), "(sensitive value)");
    assert_eq!(v["password"].unmark_deep().0.as_str(), Some("s3cret"));
    assert_eq!(show(&v, "untyped"), "\"u\"");
}

#[test]
fn missing_required_and_type_errors_are_all_reported() {
    let (_, d) = run(&[("terraform.tfvars", "tags = \"notamap\"\n")], &[], &[]);
    let s = summaries(&d);
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(s.iter().any(|x| x.starts_with(
        "No value for required variable: The root module input variable \"count_n\" is not set"
    )));
    assert!(s.iter().any(|x| x.starts_with("Invalid value for input variable: The given value is not suitable for var.tags declared at main.tf:11:1") && x.ends_with(": map of string required.")), "{s:?}");
    let tag_err = d
        .iter()
        .find(|x| x.summary == "Invalid value for input variable")
        .unwrap();
    let sp = tag_err.span.as_ref().unwrap();
    assert_eq!(
        (sp.file.as_ref(), sp.start.line, sp.start.column),
        ("terraform.tfvars", 1, 8)
    );
}

#[test]
fn validation_blocks() {
    let (_, d) = run(
        &[],
        &[
            CliInput::Var("count_n=1".into()),
            CliInput::Var("env=stage".into()),
        ],
        &[],
    );
    let s = summaries(&d);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].starts_with("Invalid value for variable: env must be dev or prod.\n\nThis was checked by the validation rule at main.tf:32:21"), "{s:?}");
}

#[test]
fn nullable_and_undeclared() {
    let (v, d) = run(
        &[("terraform.tfvars", "count_n = 1\nstrict = null\nnope = 1\n")],
        &[CliInput::Var("other=1".into())],
        &[("TF_VAR_ignored", "x")],
    );
    let s = summaries(&d);
    // null for a non-nullable variable with a default takes the default.
    assert_eq!(show(&v, "strict"), "\"d\"");
    assert!(s.iter().any(|x| x.starts_with(
        "Value for undeclared variable: The root module does not declare a variable named \"nope\""
    )));
    assert!(s.iter().any(|x| x.starts_with("Value for undeclared variable: A variable named \"other\" was assigned on the command line")));
    assert_eq!(d.errors().count(), 1, "{s:?}");
}

#[test]
fn cli_values_are_typed_by_the_declaration() {
    let (v, d) = run(
        &[],
        &[
            CliInput::Var("count_n=42".into()),
            CliInput::Var("tags={x=\"1\"}".into()),
        ],
        &[],
    );
    assert!(!d.has_errors(), "{:?}", summaries(&d));
    assert_eq!(show(&v, "count_n"), "42");
    assert_eq!(show(&v, "tags"), "tomap({\n  \"x\" = \"1\"\n})");
    let (_, d) = run(&[], &[CliInput::Var("count_n=abc".into())], &[]);
    assert_eq!(
        summaries(&d),
        vec!["Invalid value for input variable: The given value is not suitable for var.count_n declared at main.tf:7:1: a number is required.".to_string()]
    );
    let _ = Path::new(".");
}

#[test]
fn nested_optional_defaults_apply_to_a_default_object() {
    let (v, d) = run(
        &[(
            "terraform.tfvars",
            "count_n = 1\nsettings = { name = \"n\", opts = null }\n",
        )],
        &[],
        &[],
    );
    assert!(!d.has_errors(), "{:?}", summaries(&d));
    // opts = null takes its default [] (an empty list) and size its default.
    assert_eq!(console(v["settings"].get_attr("size").unwrap()), "10");
    assert_eq!(
        console(v["settings"].get_attr("opts").unwrap()),
        "tolist([])"
    );
}
