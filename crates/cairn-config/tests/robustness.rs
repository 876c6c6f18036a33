//! Odd inputs produce diagnostics, never panics.

use cairn_config::*;

fn load_text(files: &[(&str, &str)]) -> cairn_diagnostics::Diagnostics {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let (_, d) = load_tree(dir.path());
    d
}

#[test]
fn odd_inputs() {
    let cases: &[(&str, &str)] = &[
        ("a.tf", ""),
        ("a.tf", "\u{feff}"),
        ("a.tf.json", ""),
        ("a.tf.json", "[]"),
        ("a.tf.json", "5"),
        ("a.tf.json", "{\"resource\": []}"),
        ("a.tf.json", "{\"resource\": {\"a\": []}}"),
        ("a.tf.json", "{\"resource\": {\"a\": {\"b\": 1}}}"),
        ("a.tf.json", "{\"resource\": {\"a\": {\"b\": {\"depends_on\": \"x\", \"count\": \"${\"}}}}"),
        ("a.tf.json", "{\"variable\": {\"x\": {\"type\": 5, \"default\": \"\\u0000\\b\"}}}"),
        ("a.tf.json", "{\"locals\": {\"x\": \"\\ud83d\\ude00 ${a} \\/\"}}"),
        ("a.tf.json", "{\"module\": {\"m\": {\"source\": \"./\", \"providers\": \"x\"}}}"),
        ("a.tf.json", "{\"terraform\": {\"required_providers\": {\"aws\": 5}}}"),
        ("a.tf.json", "{\"resource\": {\"a\": {\"b\": {\"dynamic\": {\"x\": 1}}}}}"),
        ("a.tf", "resource \"a\" \"b\" {\n  dynamic {\n  }\n  dynamic \"x\" {\n  }\n}\n"),
        ("a.tf", "variable \"x\" {\n  type = list(string, )\n}\n"),
        ("a.tf", "variable \"x\" {\n  type = object({ (\"a\") = string, b = optional() })\n}\n"),
        ("a.tf", "variable \"x\" {\n  type = tuple(string)\n  sensitive = var.x\n}\n"),
        ("a.tf", "resource \"a\" \"b\" {\n  provider = aws.west.x\n  lifecycle {}\n  lifecycle {}\n}\n"),
        ("a.tf", "provider \"aws\" {\n  alias = \"bad alias\"\n}\n"),
        ("a.tf", "module \"m\" {\n  source = \"./\"\n}\n"),
        ("a.tf", "module \"m\" {\n  source = var.x\n}\n"),
        ("a.tf", "resource \"a\" \"b\" {\n  provisioner \"x\" {\n    when = later\n    on_failure = maybe\n  }\n}\n"),
        ("a.tf", "import {\n  to = 5\n  id = 1\n  identity = {}\n}\nremoved {\n}\n"),
        ("a.tf", "terraform {\n  backend \"s3\" {}\n  backend \"local\" {}\n  cloud {}\n}\n"),
        ("a.tf", "resource \"a\" \"b\" \"c\" {}\nresource \"\" \"\" {}\n"),
        ("a.tf", "x = 1\n"),
        ("override.tf", "resource \"a\" \"b\" {}\nlocals {\n  z = 1\n}\nprovider \"x\" {}\n"),
    ];
    let mut quiet = Vec::new();
    for (name, text) in cases {
        let d = load_text(&[(name, text)]);
        if d.is_empty() {
            quiet.push(*text);
        } else {
            println!("{name}: {text:?}\n{d}");
        }
    }
    // Empty bodies are valid, so are JSON escapes HCL lacks, and a trailing
    // comma in a type constructor; everything else is reported.
    assert_eq!(
        quiet,
        [
            "",
            "\u{feff}",
            "[]",
            "{\"resource\": []}",
            "{\"resource\": {\"a\": []}}",
            "{\"locals\": {\"x\": \"\\ud83d\\ude00 ${a} \\/\"}}",
            "variable \"x\" {\n  type = list(string, )\n}\n",
        ]
    );
}
