//! The parsed model of sample configurations, in HCL and JSON syntax.

use std::path::{Path, PathBuf};

use cairn_config::*;
use cairn_diagnostics::{Diagnostics, Severity};
use cairn_value::Type;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(name: &str) -> (Module, Diagnostics) {
    let (m, d) = load_module(&fixture(name));
    (m.expect("module loads"), d)
}

/// The expression as written (JSON strings show as HCL strings).
fn text(e: &Expr) -> String {
    e.expr.to_string().trim().to_string()
}

fn line(e: &Expr) -> usize {
    e.span().expect("span").start.line
}

fn errors(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect()
}

fn warnings(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.summary.clone())
        .collect()
}

#[test]
fn hcl_terraform_block() {
    let (m, d) = load("full");
    assert!(errors(&d).is_empty(), "{d}");
    let t = &m.terraform;
    assert_eq!(t.required_version[0].value, ">= 1.5");
    let aws = &t.required_providers["aws"];
    assert_eq!(aws.source.as_deref(), Some("hashicorp/aws"));
    assert_eq!(aws.version.as_deref(), Some("~> 5.0"));
    assert_eq!(aws.configuration_aliases[0].address(), "aws.west");
    assert_eq!(
        t.required_providers["random"].version.as_deref(),
        Some("~> 3.0")
    );
    assert_eq!(t.required_providers["random"].source, None);
    let b = t.backend.as_ref().unwrap();
    assert_eq!(b.backend_type, "s3");
    assert_eq!(text(&b.config.attrs["bucket"].expr), "\"state\"");
    assert_eq!(b.type_span.as_ref().unwrap().start.line, 11);
    assert!(t.cloud.is_none());
    assert_eq!(m.files.len(), 2);
    assert_eq!(&*m.files[0].name, "main.tf");
}

#[test]
fn hcl_providers_and_locals() {
    let (m, _) = load("full");
    assert_eq!(m.providers.len(), 2);
    let def = m.provider("aws", None).unwrap();
    assert_eq!(text(&def.body.attrs["region"].expr), "var.region");
    let west = m.provider("aws", Some("west")).unwrap();
    assert_eq!(west.address(), "aws.west");
    assert!(!west.body.attrs.contains_key("alias"));
    assert_eq!(west.body.blocks[0].type_name, "assume_role");
    assert_eq!(west.decl_span.as_ref().unwrap().start.line, 21);
    assert_eq!(text(&m.locals["name"].expr), "\"app-${var.env}\"");
    assert_eq!(line(&m.locals["tags"].expr), 31);
}

#[test]
fn hcl_variables() {
    let (m, d) = load("full");
    let region = &m.variables["region"];
    assert_eq!(region.ty(), Type::String);
    assert_eq!(text(region.default.as_ref().unwrap()), "\"us-east-1\"");
    assert_eq!(region.description.as_deref(), Some("AWS region"));
    assert!(!region.sensitive && region.nullable && !region.ephemeral);
    let env = &m.variables["env"];
    assert!(env.sensitive && !env.nullable);
    assert_eq!(env.validations.len(), 1);
    assert_eq!(text(&env.validations[0].condition), "length(var.env) > 0");
    assert_eq!(m.variables["ports"].ty(), Type::list(Type::Number));
    let settings = m.variables["settings"].type_constraint.as_ref().unwrap();
    assert_eq!(
        settings.ty.to_string(),
        "object({name=string, size=optional(number), tags=optional(map(string))})"
    );
    assert_eq!(settings.defaults.len(), 1);
    assert_eq!(settings.defaults[0].0, vec!["size".to_string()]);
    assert_eq!(text(&settings.defaults[0].1), "10");
    // Quoted legacy type: list(any) with a deprecation warning.
    assert_eq!(m.variables["legacy"].ty(), Type::list(Type::Dynamic));
    assert!(warnings(&d).contains(&"Quoted type constraints are deprecated".to_string()));
}

#[test]
fn hcl_resources() {
    let (m, d) = load("full");
    let web = &m.resources["aws_instance.web"];
    assert_eq!(web.mode, ResourceMode::Managed);
    assert_eq!(web.address(), "aws_instance.web");
    assert_eq!(text(web.count.as_ref().unwrap()), "2");
    assert!(web.for_each.is_none());
    assert_eq!(web.provider.as_ref().unwrap().address(), "aws.west");
    assert_eq!(web.provider_name(), "aws");
    let deps: Vec<String> = web.depends_on.iter().map(text).collect();
    assert_eq!(deps, ["aws_vpc.main", "module.net"]);
    // Meta-arguments are not in the generic body.
    let attrs: Vec<&String> = web.body.attrs.keys().collect();
    assert_eq!(attrs, ["ami", "instance_type"]);
    assert_eq!(web.body.blocks.len(), 1);
    assert_eq!(web.body.blocks[0].type_name, "ebs_block_device");
    assert_eq!(web.body.blocks[0].order, 0);
    let dynb = &web.body.dynamic_blocks[0];
    assert_eq!(dynb.type_name, "ingress");
    assert_eq!(dynb.iterator_name(), "port");
    assert_eq!(text(&dynb.for_each), "var.ports");
    assert_eq!(text(&dynb.content.attrs["from_port"].expr), "port.value");
    assert_eq!(dynb.order, 1);

    let lc = &web.lifecycle;
    assert_eq!(text(lc.create_before_destroy.as_ref().unwrap()), "true");
    assert_eq!(text(lc.prevent_destroy.as_ref().unwrap()), "false");
    match &lc.ignore_changes {
        IgnoreChanges::List(l) => {
            assert_eq!(l.iter().map(text).collect::<Vec<_>>(), ["tags", "ami"])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(text(&lc.replace_triggered_by[0]), "aws_vpc.main.id");
    assert_eq!(lc.preconditions.len(), 1);
    assert_eq!(text(&lc.postconditions[0].condition), "self.id != \"\"");
    assert!(web.connection.is_some());
    let p = &web.provisioners[0];
    assert_eq!(p.type_name, "local-exec");
    assert_eq!(p.when, ProvisionerWhen::Destroy);
    assert_eq!(text(&p.body.attrs["command"].expr), "\"echo hi\"");
    assert!(warnings(&d).contains(&"Provisioners are not run".to_string()));

    let decl = web.decl_span.as_ref().unwrap();
    assert_eq!(
        (decl.start.line, decl.start.column, decl.end.column),
        (34, 1, 30)
    );

    let vpc = &m.resources["aws_vpc.main"];
    assert_eq!(
        text(vpc.for_each.as_ref().unwrap()),
        "toset([\"a\", \"b\"])"
    );
    assert!(matches!(vpc.lifecycle.ignore_changes, IgnoreChanges::All));

    let ami = &m.data["aws_ami.ubuntu"];
    assert_eq!(ami.mode, ResourceMode::Data);
    assert_eq!(ami.address(), "data.aws_ami.ubuntu");
    assert_eq!(text(&ami.body.attrs["most_recent"].expr), "true");
}

#[test]
fn hcl_module_output_check_import_moved_removed() {
    let (m, _) = load("full");
    let net = &m.module_calls["net"];
    assert_eq!(net.source, "./modules/net");
    assert_eq!(net.providers["aws"].parent.address(), "aws.west");
    assert_eq!(net.providers["aws.east"].parent.address(), "aws");
    assert_eq!(text(&net.inputs["cidr"].expr), "\"10.0.0.0/16\"");
    assert_eq!(net.inputs.len(), 1);

    let ip = &m.outputs["ip"];
    assert_eq!(text(&ip.expr), "aws_instance.web[0].public_ip");
    assert_eq!(ip.description.as_deref(), Some("The IP"));
    assert!(ip.sensitive);
    assert_eq!(text(&ip.depends_on[0]), "aws_instance.web");
    assert_eq!(ip.preconditions.len(), 1);

    let health = &m.checks["health"];
    assert_eq!(health.data[0].address(), "data.http.site");
    assert_eq!(text(&health.asserts[0].error_message), "\"down\"");

    assert_eq!(text(&m.imports[0].to), "aws_vpc.main[\"a\"]");
    assert_eq!(text(m.imports[0].id.as_ref().unwrap()), "\"vpc-123\"");
    assert_eq!(text(&m.moved[0].from), "aws_instance.old");
    assert_eq!(text(&m.moved[0].to), "aws_instance.web");
    assert_eq!(text(&m.removed[0].from), "aws_instance.gone");
    assert_eq!(text(m.removed[0].destroy.as_ref().unwrap()), "false");
}

#[test]
fn json_configuration() {
    let (m, d) = load("full_json");
    assert!(errors(&d).is_empty(), "{d}");
    let t = &m.terraform;
    assert_eq!(t.required_version[0].value, ">= 1.5");
    assert_eq!(
        t.required_providers["aws"].configuration_aliases[0].address(),
        "aws.west"
    );
    assert_eq!(t.backend.as_ref().unwrap().backend_type, "s3");

    assert_eq!(m.providers.len(), 2);
    let def = m.provider("aws", None).unwrap();
    let region = &def.body.attrs["region"].expr;
    assert_eq!(text(region), "\"${var.region}\"");
    assert!(region.expr.is_string_template());
    assert_eq!(line(region), 20);
    assert!(m.provider("aws", Some("west")).is_some());

    let env = &m.variables["env"];
    assert_eq!(env.ty(), Type::String);
    assert!(env.sensitive && !env.nullable);
    assert_eq!(env.validations.len(), 1);
    assert_eq!(line(&env.validations[0].condition), 36);
    let settings = m.variables["settings"].type_constraint.as_ref().unwrap();
    assert_eq!(
        settings.ty.to_string(),
        "object({name=string, size=optional(number)})"
    );
    assert_eq!(text(&settings.defaults[0].1), "10");
    assert_eq!(m.variables["ports"].ty(), Type::list(Type::Number));
    // Defaults are constants: a JSON string there is not a template.
    let tmpl = m.variables["tmpl"].default.as_ref().unwrap();
    assert!(!tmpl.expr.is_string_template());
    assert_eq!(line(tmpl), 44);

    assert_eq!(text(&m.locals["name"].expr), "\"app-${var.env}\"");
    assert_eq!(line(&m.locals["tags"].expr), 48);

    let web = &m.resources["aws_instance.web"];
    assert_eq!(text(web.count.as_ref().unwrap()), "2");
    assert_eq!(web.provider.as_ref().unwrap().address(), "aws.west");
    let deps: Vec<String> = web.depends_on.iter().map(text).collect();
    assert_eq!(deps, ["aws_vpc.main", "module.net"]);
    // Spans of references parsed from JSON strings point into the string.
    let dep = web.depends_on[0].span().unwrap();
    assert_eq!((dep.start.line, dep.start.column), (57, 25));
    assert!(web.body.from_json);
    let attrs: Vec<&String> = web.body.attrs.keys().collect();
    assert_eq!(attrs, ["ami", "instance_type", "ebs_block_device"]);
    let ebs = web.body.blocks_of_type("ebs_block_device");
    assert_eq!(ebs.len(), 2);
    assert_eq!(text(&ebs[1].body.attrs["device_name"].expr), "\"/dev/sdc\"");
    assert_eq!(
        ebs[1].body.attrs["device_name"]
            .span
            .as_ref()
            .unwrap()
            .start
            .line,
        60
    );
    let dynb = &web.body.dynamic_blocks[0];
    assert_eq!(
        (dynb.type_name.as_str(), dynb.iterator_name()),
        ("ingress", "port")
    );
    assert_eq!(
        text(&dynb.content.attrs["from_port"].expr),
        "\"${port.value}\""
    );
    let lc = &web.lifecycle;
    assert_eq!(text(lc.create_before_destroy.as_ref().unwrap()), "true");
    match &lc.ignore_changes {
        IgnoreChanges::List(l) => {
            assert_eq!(l.iter().map(text).collect::<Vec<_>>(), ["tags", "ami"])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(text(&lc.replace_triggered_by[0]), "aws_vpc.main.id");
    // JSON escapes inside an interpolation are template source.
    assert_eq!(
        text(&lc.preconditions[0].condition),
        "\"${var.env != \"\"}\""
    );
    assert_eq!(line(&lc.preconditions[0].condition), 74);
    assert_eq!(web.provisioners[0].when, ProvisionerWhen::Destroy);
    assert!(matches!(
        m.resources["aws_vpc.main"].lifecycle.ignore_changes,
        IgnoreChanges::All
    ));
    assert_eq!(
        m.resources["aws_vpc.main"]
            .decl_span
            .as_ref()
            .unwrap()
            .start
            .line,
        84
    );
    assert_eq!(
        text(&m.data["aws_ami.ubuntu"].body.attrs["most_recent"].expr),
        "true"
    );

    let net = &m.module_calls["net"];
    assert_eq!(net.source, "./modules/net");
    assert_eq!(net.providers["aws"].parent.address(), "aws.west");
    assert_eq!(net.providers["aws.east"].parent.address(), "aws");
    assert_eq!(text(&net.inputs["cidr"].expr), "\"10.0.0.0/16\"");

    let ip = &m.outputs["ip"];
    assert_eq!(text(&ip.expr), "\"${aws_instance.web[0].public_ip}\"");
    assert!(ip.sensitive);
    assert_eq!(text(&ip.depends_on[0]), "aws_instance.web");

    let health = &m.checks["health"];
    assert_eq!(health.data[0].address(), "data.http.site");
    assert_eq!(health.asserts.len(), 1);

    assert_eq!(text(&m.imports[0].to), "aws_vpc.main[\"a\"]");
    assert_eq!(text(&m.moved[0].to), "aws_instance.web");
    assert_eq!(text(&m.removed[0].from), "aws_instance.gone");
    assert_eq!(text(m.removed[0].destroy.as_ref().unwrap()), "false");
}
