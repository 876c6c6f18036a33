//! Override files merged per Terraform's rules.

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
fn overrides_replace_arguments_and_block_types() {
    let (m, d) = load_module(&fixture("overrides"));
    let m = m.unwrap();
    assert!(m.files.iter().filter(|f| f.is_override).count() == 2);

    let region = &m.variables["region"];
    assert_eq!(region.ty(), cairn_value::Type::String);
    assert_eq!(text(region.default.as_ref().unwrap()), "\"eu-west-1\"");

    let web = &m.resources["aws_instance.web"];
    assert_eq!(text(&web.body.attrs["ami"].expr), "\"ami-1\"");
    assert_eq!(text(&web.body.attrs["instance_type"].expr), "\"t3.large\"");
    assert!(web.body.attrs.contains_key("tags"));
    assert_eq!(web.body.blocks.len(), 1);
    assert_eq!(
        text(&web.body.blocks[0].body.attrs["device_name"].expr),
        "\"/dev/sdz\""
    );
    // lifecycle is merged argument by argument.
    assert_eq!(
        text(web.lifecycle.create_before_destroy.as_ref().unwrap()),
        "true"
    );
    assert_eq!(
        text(web.lifecycle.prevent_destroy.as_ref().unwrap()),
        "false"
    );
    // The override's position is kept for the replaced argument.
    let it = web.body.attrs["instance_type"].span.as_ref().unwrap();
    assert_eq!(&*it.file, "override.tf");

    assert_eq!(text(&m.locals["a"].expr), "1");
    assert_eq!(text(&m.locals["b"].expr), "3");
    assert_eq!(m.terraform.backend.as_ref().unwrap().backend_type, "local");
    assert_eq!(
        text(&m.providers[0].body.attrs["region"].expr),
        "\"eu-west-1\""
    );

    let e = d
        .iter()
        .find(|x| x.summary == "Missing resource to override")
        .unwrap();
    assert_eq!(
        e.detail,
        "There is no aws_instance resource named \"nobase\". An override file can only override a resource block defined in a primary configuration file."
    );
    assert_eq!(e.span.as_ref().unwrap().start.line, 19);
    assert!(d
        .iter()
        .any(|x| x.summary == "Cannot override 'moved' blocks"));
    assert_eq!(d.errors().count(), 2, "{d}");
    assert!(m.moved.is_empty());
}
