//! Module trees: local module calls followed to any depth.

use std::path::{Path, PathBuf};

use cairn_config::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn path(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| s.to_string()).collect()
}

#[test]
fn three_levels_of_local_modules() {
    let (tree, d) = load_tree(&fixture("tree"));
    let tree = tree.unwrap();
    let keys: Vec<&Vec<String>> = tree.nodes.keys().collect();
    assert_eq!(
        keys,
        [
            &path(&[]),
            &path(&["a"]),
            &path(&["a", "b"]),
            &path(&["a", "b", "c"])
        ]
    );
    assert!(tree.root().unwrap().module_calls.contains_key("remote"));
    let c = tree.get(&path(&["a", "b", "c"])).unwrap();
    assert!(c.outputs.contains_key("leaf"));
    assert_eq!(&*c.files[0].name, "modules/c/main.tf");
    assert_eq!(
        tree.nodes[&path(&["a", "b", "c"])].source.as_deref(),
        Some("../../c")
    );
    assert!(tree
        .get(&path(&["a"]))
        .unwrap()
        .variables
        .contains_key("name"));
    let children: Vec<&str> = tree.children(&[]).map(|n| n.path[0].as_str()).collect();
    assert_eq!(children, ["a"]);
    assert_eq!(module_address(&path(&["a", "b"])), "module.a.module.b");
    // Sources are registered for rendering.
    assert!(tree.sources.get("modules/a/b/main.tf").is_some());

    // The registry module is reported, with a hint.
    let errs: Vec<_> = d.errors().collect();
    assert_eq!(errs.len(), 1, "{d}");
    let e = errs[0];
    assert_eq!(e.summary, "Unsupported module source");
    assert_eq!(e.address.as_deref(), Some("module.remote"));
    assert!(e.hint.as_deref().unwrap().contains("loads local modules"));
    let s = e.span.as_ref().unwrap();
    assert_eq!((&*s.file, s.start.line, s.start.column), ("main.tf", 7, 13));
}

#[test]
fn recursion_and_missing_directories() {
    let (tree, d) = load_tree(&fixture("recursive"));
    let tree = tree.unwrap();
    assert_eq!(tree.nodes.len(), 2);
    let rec = d
        .iter()
        .find(|x| x.summary == "Recursive module inclusion")
        .expect("recursion");
    assert_eq!(rec.address.as_deref(), Some("module.self.module.back"));
    assert!(rec.detail.contains("the root module"), "{}", rec.detail);
    let s = rec.span.as_ref().unwrap();
    assert_eq!(
        (&*s.file, s.start.line, s.start.column),
        ("child/main.tf", 2, 12)
    );
    let missing = d
        .iter()
        .find(|x| x.summary == "Failed to read module directory")
        .expect("missing dir");
    let s = missing.span.as_ref().unwrap();
    assert_eq!((&*s.file, s.start.line), ("main.tf", 6));
}

#[test]
fn modules_installed_by_terraform_init_are_loaded() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let w = |p: &str, t: &str| {
        let p = root.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    };
    w("main.tf", "module \"kms\" {\n  source  = \"terraform-aws-modules/kms/aws\"\n  version = \"~> 3.0\"\n  name    = \"k\"\n}\nmodule \"missing\" {\n  source = \"git::https://example.com/x.git\"\n}\n");
    w(".terraform/modules/kms/main.tf", "variable \"name\" {}\nmodule \"inner\" {\n  source = \"terraform-aws-modules/label/null\"\n}\noutput \"n\" {\n  value = var.name\n}\n");
    w(
        ".terraform/modules/kms.inner/main.tf",
        "output \"id\" {\n  value = \"x\"\n}\n",
    );
    w(
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"kms","Source":"terraform-aws-modules/kms/aws","Version":"3.1.0","Dir":".terraform/modules/kms"},{"Key":"kms.inner","Source":"terraform-aws-modules/label/null","Version":"0.25.0","Dir":".terraform/modules/kms.inner"}]}"#,
    );
    let (tree, diags) = cairn_config::load_tree(root);
    let tree = tree.unwrap();
    let paths: Vec<String> = tree.nodes.keys().map(|p| p.join(".")).collect();
    assert_eq!(paths, vec!["", "kms", "kms.inner"]);
    // A source that was not installed is still an error, naming what to do.
    let errs: Vec<_> = diags.errors().collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].summary, "Unsupported module source");
    assert!(errs[0]
        .hint
        .as_deref()
        .unwrap_or_default()
        .contains("terraform init"));
}
