use std::path::Path;

use cairn_config::load_tree;

use super::*;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }
}

fn graph_of(files: &[(&str, &str)]) -> (ConfigGraph, Diagnostics, cairn_config::ModuleTree) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let (tree, d) = load_tree(dir.path());
    assert!(!d.has_errors(), "{d:?}");
    let tree = tree.unwrap();
    let (g, d) = build(&tree);
    (g, d, tree)
}

fn errors(d: &Diagnostics) -> Vec<(String, String, usize, usize)> {
    d.iter()
        .map(|x| {
            let (l, c) = x
                .span
                .as_ref()
                .map(|s| (s.start.line, s.start.column))
                .unwrap_or((0, 0));
            (x.summary.clone(), x.detail.clone(), l, c)
        })
        .collect()
}

#[test]
fn order_follows_references_across_modules() {
    let (g, d, _) = graph_of(&[
        (
            "main.tf",
            "variable \"name\" {}\nlocals {\n  full = \"${var.name}-x\"\n}\nmodule \"net\" {\n  source = \"./net\"\n  cidr = local.full\n}\noutput \"vpc\" {\n  value = module.net.id\n}\n",
        ),
        ("net/main.tf", "variable \"cidr\" {}\nresource \"terraform_data\" \"vpc\" {\n  input = var.cidr\n}\noutput \"id\" {\n  value = terraform_data.vpc.id\n}\n"),
    ]);
    assert!(d.is_empty(), "{:?}", errors(&d));
    let order: Vec<String> = g
        .order()
        .unwrap()
        .into_iter()
        .map(|i| g.graph[i].to_string())
        .collect();
    let pos = |s: &str| {
        order
            .iter()
            .position(|x| x == s)
            .unwrap_or_else(|| panic!("{s} not in {order:?}"))
    };
    assert!(pos("var.name") < pos("local.full"));
    assert!(pos("local.full") < pos("module.net.var.cidr"));
    assert!(pos("module.net.var.cidr") < pos("module.net.terraform_data.vpc"));
    assert!(pos("module.net.terraform_data.vpc") < pos("module.net.output.id"));
    assert!(pos("module.net.output.id") < pos("output.vpc"));
    assert!(pos("module.net") < pos("module.net.terraform_data.vpc"));
}

#[test]
fn undeclared_references_are_reported_with_positions() {
    let (_, d, _) = graph_of(&[(
        "main.tf",
        "variable \"region\" {}\nlocals {\n  a = var.regoin\n  b = local.nope\n  c = aws_instance.web.id\n  d = data.aws_ami.x.id\n  e = module.m.out\n  f = count.index\n  g = each.key\n  h = self.id\n}\n",
    )]);
    let e = errors(&d);
    assert_eq!(
        e,
        vec![
            ("Reference to undeclared input variable".into(), "An input variable with the name \"regoin\" has not been declared. This variable can be declared with a variable \"regoin\" {} block.".into(), 3, 7),
            ("Reference to undeclared local value".into(), "A local value with the name \"nope\" has not been declared.".into(), 4, 7),
            ("Reference to undeclared resource".into(), "A managed resource \"aws_instance\" \"web\" has not been declared in the root module.".into(), 5, 7),
            ("Reference to undeclared resource".into(), "A data resource \"aws_ami\" \"x\" has not been declared in the root module.".into(), 6, 7),
            ("Reference to undeclared module".into(), "No module call named \"m\" is declared in the root module.".into(), 7, 7),
            ("Reference to \"count\" in non-counted context".into(), "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".into(), 8, 7),
            ("Reference to \"each\" in context without for_each".into(), "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".into(), 9, 7),
            ("Invalid \"self\" reference".into(), "The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks.".into(), 10, 7),
        ]
    );
    assert_eq!(
        d.iter().next().unwrap().hint.as_deref(),
        Some("Did you mean \"region\"?")
    );
}

#[test]
fn cycles_name_every_member() {
    let (g, d, tree) = graph_of(&[(
        "main.tf",
        "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n  ok = 1\n}\nresource \"terraform_data\" \"x\" {\n  input = terraform_data.y.id\n}\nresource \"terraform_data\" \"y\" {\n  input = terraform_data.x.id\n}\n",
    )]);
    assert!(d.is_empty());
    let c = g.cycle_diagnostics(&tree);
    let mut e: Vec<String> = c.iter().map(|x| x.detail.clone()).collect();
    e.sort();
    assert_eq!(
        e,
        vec![
            "local.a, local.b, local.c",
            "terraform_data.x, terraform_data.y"
        ]
    );
}

#[test]
fn self_reference_and_allowed_contexts() {
    let (_, d, _) = graph_of(&[(
        "main.tf",
        "resource \"terraform_data\" \"x\" {\n  count = 2\n  input = \"${terraform_data.x[0].id}-${count.index}\"\n  lifecycle {\n    postcondition {\n      condition = self.id != \"\"\n      error_message = \"x\"\n    }\n  }\n}\nresource \"terraform_data\" \"y\" {\n  for_each = toset([\"a\"])\n  input = each.value\n  dynamic \"thing\" {\n    for_each = [1]\n    content {\n      v = thing.value\n    }\n  }\n}\n",
    )]);
    let e = errors(&d);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, "Self-referential block");
    assert_eq!(
        e[0].1,
        "Configuration for terraform_data.x may not refer to itself."
    );
    assert_eq!((e[0].2, e[0].3), (3, 14));
}
