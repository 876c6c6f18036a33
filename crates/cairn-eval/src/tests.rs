//! Expression tests: one or more per syntax form, with unknown and
//! sensitive inputs, and the exact diagnostics for errors.

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_diagnostics::{Diagnostic, Span};
use cairn_functions::{Context, Registry};
use cairn_value::display::console;
use cairn_value::{Type, Value};

use crate::{context_with_templates, parse_expr, Evaluator, Reference, Resolver};

/// A resolver over a fixed table of references.
struct Table(BTreeMap<String, Value>);

impl Resolver for Table {
    fn resolve(&self, r: &Reference, span: Option<&Span>) -> Result<Value, Diagnostic> {
        self.0.get(&r.to_string()).cloned().ok_or_else(|| {
            Diagnostic::error(
                "Reference to undeclared input variable",
                format!("{r} is not declared"),
            )
            .with_span(span.cloned())
        })
    }
}

fn table() -> Table {
    let mut m = BTreeMap::new();
    m.insert("var.name".into(), Value::string("web"));
    m.insert("var.n".into(), Value::int(3));
    m.insert("var.secret".into(), Value::string("hunter2").marked());
    m.insert("var.unknown".into(), Value::unknown(Type::String));
    m.insert(
        "var.unknown_list".into(),
        Value::unknown(Type::list(Type::String)),
    );
    m.insert(
        "var.list".into(),
        Value::list(
            Type::String,
            vec![Value::string("a"), Value::string("b"), Value::string("c")],
        ),
    );
    m.insert(
        "var.set".into(),
        Value::set(Type::String, vec![Value::string("y"), Value::string("x")]),
    );
    let mut obj = BTreeMap::new();
    obj.insert("id".to_string(), Value::string("i-1"));
    obj.insert("tags".to_string(), {
        let mut t = BTreeMap::new();
        t.insert("Name".to_string(), Value::string("one"));
        Value::map(Type::String, t)
    });
    let mut obj2 = obj.clone();
    obj2.insert("id".to_string(), Value::string("i-2"));
    m.insert(
        "aws_instance.web".into(),
        Value::tuple(vec![Value::object(obj.clone()), Value::object(obj2)]),
    );
    m.insert("data.aws_vpc.main".into(), Value::object(obj));
    m.insert("count.index".into(), Value::int(1));
    m.insert("path.module".into(), Value::string("."));
    m.insert("terraform.workspace".into(), Value::string("default"));
    Table(m)
}

fn eval(src: &str) -> Result<Value, Diagnostic> {
    let e = parse_expr(src, "test.tf")?;
    let funcs = Arc::new(Registry::standard());
    let ctx = context_with_templates(Context::default(), funcs.clone());
    let t = table();
    Evaluator::new(&t, &funcs, &ctx).eval(&e)
}

/// Evaluates and renders like the console; errors as "summary: detail".
fn show(src: &str) -> String {
    match eval(src) {
        Ok(v) => console(&v),
        Err(d) => format!("error: {}: {}", d.summary, d.detail),
    }
}

fn err_at(src: &str) -> (String, usize, usize) {
    let d = eval(src).expect_err("expected an error");
    let sp = d.span.expect("span");
    (d.summary, sp.start.line, sp.start.column)
}

#[test]
fn literals() {
    assert_eq!(show("1.50"), "1.5");
    assert_eq!(
        show("123456789012345678901234567890"),
        "123456789012345678901234567890"
    );
    assert_eq!(show("true"), "true");
    assert_eq!(show("null"), "null");
    assert_eq!(show("\"a\\nb\\\"\""), "<<EOT\na\nb\"\nEOT");
    assert_eq!(show("[1, \"a\"]"), "[\n  1,\n  \"a\",\n]");
    assert_eq!(
        show("{a = 1, \"b\" = 2, (var.name) = 3}"),
        "{\n  \"a\"   = 1\n  \"b\"   = 2\n  \"web\" = 3\n}"
    );
}

#[test]
fn templates() {
    assert_eq!(show("\"hello ${var.name}!\""), "\"hello web!\"");
    assert_eq!(show("\"n=${var.n + 1}\""), "\"n=4\"");
    // A lone interpolation keeps the value's type.
    assert_eq!(show("\"${var.n}\""), "3");
    assert_eq!(
        show("\"%{if var.n > 2}big%{else}small%{endif}\""),
        "\"big\""
    );
    assert_eq!(show("\"%{for x in var.list}${x},%{endfor}\""), "\"a,b,c,\"");
    assert_eq!(
        show("\"%{for i, x in var.list}${i}=${x} %{endfor}\""),
        "\"0=a 1=b 2=c \""
    );
    assert_eq!(show("\"$${literal} %%{also}\""), "\"${literal} %{also}\"");
    assert_eq!(show("\"x ${var.unknown}\""), "(known after apply)");
    assert_eq!(show("\"x ${var.secret}\""), "(sensitive value)");
    assert_eq!(
        show("\"${null} x\""),
        "error: Invalid template interpolation value: The expression result is null. Cannot include a null value in a string template."
    );
    assert_eq!(
        show("\"x ${var.list}\""),
        "error: Invalid template interpolation value: Cannot include the given value in a string template: string required."
    );
}

#[test]
fn strip_markers_and_heredocs() {
    let src = "<<EOT\n%{ for x in var.list ~}\nitem ${x}\n%{ endfor ~}\nEOT";
    assert_eq!(show(src), "<<EOT\nitem a\nitem b\nitem c\nEOT");
    let src = "<<-EOT\n    indented\n      more\n    EOT";
    assert_eq!(show(src), "<<EOT\nindented\n  more\nEOT");
    assert_eq!(
        show("\"a   ${~ var.name ~}   b\""),
        "\"aweb b\"".replace("web b", "webb")
    );
}

#[test]
fn operators() {
    assert_eq!(show("1 + 2 * 3"), "7");
    assert_eq!(show("(1 + 2) * 3"), "9");
    assert_eq!(show("7 % 3"), "1");
    assert_eq!(show("-7 % 3"), "-1");
    assert_eq!(
        show("1 / 3"),
        "0.333333333333333333333333333333333333333333333333333333333333"
    );
    assert_eq!(show("0.1 + 0.2"), "0.3");
    assert_eq!(show("\"2\" + 1"), "3");
    assert_eq!(show("-var.n"), "-3");
    assert_eq!(show("!true"), "false");
    assert_eq!(show("1 < 2 && 2 >= 2"), "true");
    assert_eq!(show("1 == 1.0"), "true");
    assert_eq!(show("1 == \"1\""), "false");
    assert_eq!(show("[1] != [1]"), "false");
    assert_eq!(show("var.unknown == \"x\""), "(known after apply)");
    assert_eq!(show("false && var.unknown == \"x\""), "false");
    assert_eq!(show("var.unknown == \"x\" || true"), "true");
    assert_eq!(show("var.secret == \"hunter2\""), "(sensitive value)");
    assert_eq!(
        show("1 / 0"),
        "error: Operation failed: Error during operation: can't divide by zero."
    );
    assert_eq!(
        show("\"a\" + 1"),
        "error: Invalid operand: Unsuitable value for left operand: a number is required."
    );
    assert_eq!(
        show("null + 1"),
        "error: Invalid operand: Unsuitable value for left operand: a number is required."
    );
}

#[test]
fn conditionals() {
    assert_eq!(show("var.n > 1 ? \"yes\" : \"no\""), "\"yes\"");
    // Results are unified: a number and a string give a string.
    assert_eq!(show("true ? 1 : \"x\""), "\"1\"");
    assert_eq!(show("var.unknown == \"\" ? 1 : 2"), "(known after apply)");
    assert_eq!(
        show("null ? 1 : 2"),
        "error: Null condition: The condition value is null. Conditions must either be true or false."
    );
    assert_eq!(
        show("true ? 1 : false"),
        "error: Inconsistent conditional result types: The true and false result expressions must have consistent types. The 'true' value is number, but the 'false' value is bool."
    );
    assert_eq!(show("var.secret == \"\" ? 1 : 2"), "(sensitive value)");
}

#[test]
fn for_expressions() {
    assert_eq!(
        show("[for s in var.list : upper(s)]"),
        "[\n  \"A\",\n  \"B\",\n  \"C\",\n]"
    );
    assert_eq!(
        show("[for i, s in var.list : i if s != \"b\"]"),
        "[\n  0,\n  2,\n]"
    );
    assert_eq!(
        show("{for s in var.list : s => upper(s)}"),
        "{\n  \"a\" = \"A\"\n  \"b\" = \"B\"\n  \"c\" = \"C\"\n}"
    );
    assert_eq!(
        show("{for s in [\"a\", \"b\", \"a\"] : s => 1...}"),
        "{\n  \"a\" = [\n    1,\n    1,\n  ]\n  \"b\" = [\n    1,\n  ]\n}"
    );
    assert_eq!(
        show("{for s in [\"a\", \"a\"] : s => 1}"),
        "error: Duplicate object key: Two different items produced the key \"a\" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."
    );
    assert_eq!(
        show("[for k, v in {b = 2, a = 1} : \"${k}${v}\"]"),
        "[\n  \"a1\",\n  \"b2\",\n]"
    );
    assert_eq!(show("[for x in var.set : x]"), "[\n  \"x\",\n  \"y\",\n]");
    assert_eq!(
        show("[for x in var.unknown_list : x]"),
        "(known after apply)"
    );
    assert_eq!(
        show("[for x in null : x]"),
        "error: Iteration over null value: A null value cannot be used as the collection in a 'for' expression."
    );
    assert_eq!(
        show("[for x in 1 : x]"),
        "error: Iteration over non-iterable value: A value of type number cannot be used as the collection in a 'for' expression."
    );
}

#[test]
fn references_indexing_and_splats() {
    assert_eq!(show("aws_instance.web[1].id"), "\"i-2\"");
    assert_eq!(
        show("aws_instance.web[*].id"),
        "[\n  \"i-1\",\n  \"i-2\",\n]"
    );
    assert_eq!(
        show("aws_instance.web.*.id"),
        "[\n  \"i-1\",\n  \"i-2\",\n]"
    );
    assert_eq!(
        show("aws_instance.web[*].tags.Name"),
        "[\n  \"one\",\n  \"one\",\n]"
    );
    assert_eq!(show("aws_instance.web.0.id"), "\"i-1\"");
    assert_eq!(show("data.aws_vpc.main.tags[\"Name\"]"), "\"one\"");
    assert_eq!(show("data.aws_vpc.main[*].id"), "[\n  \"i-1\",\n]");
    assert_eq!(show("var.list[count.index]"), "\"b\"");
    assert_eq!(
        show("var.list[*]"),
        "tolist([\n  \"a\",\n  \"b\",\n  \"c\",\n])"
    );
    assert_eq!(show("null[*]"), "[]");
    assert_eq!(show("var.unknown_list[0]"), "(known after apply)");
    assert_eq!(
        show("\"${path.module}/x-${terraform.workspace}\""),
        "\"./x-default\""
    );
    assert_eq!(
        show("var.list[5]"),
        "error: Invalid index: The given key does not identify an element in this collection value: the given index is greater than or equal to the length of the collection."
    );
    assert_eq!(
        show("var.set[0]"),
        "error: Invalid index: Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set."
    );
    assert_eq!(
        show("data.aws_vpc.main.nope"),
        "error: Unsupported attribute: This object does not have an attribute named \"nope\"."
    );
    assert_eq!(
        show("aws_instance.web.id"),
        "error: Unsupported attribute: Can't access attributes on a list of objects. Did you mean to access attribute \"id\" for a specific element of the list, or across all elements of the list?"
    );
    assert_eq!(
        show("var"),
        "error: Invalid reference: The \"var\" object cannot be accessed directly. Instead, access one of its attributes."
    );
    assert_eq!(
        show("count.foo"),
        "error: Invalid \"count\" attribute: The \"count\" object does not have an attribute named \"foo\". The only supported attribute is count.index, which is the index of each instance of a resource block that has the \"count\" argument set."
    );
    assert_eq!(show("var.secret"), "(sensitive value)");
}

#[test]
fn function_calls() {
    assert_eq!(show("upper(var.name)"), "\"WEB\"");
    assert_eq!(show("upper(var.secret)"), "(sensitive value)");
    assert_eq!(show("upper(var.unknown)"), "(known after apply)");
    assert_eq!(
        show("uper(\"x\")"),
        "error: Call to unknown function: There is no function named \"uper\"."
    );
    let d = eval("uper(\"x\")").unwrap_err();
    assert_eq!(d.hint.as_deref(), Some("Did you mean \"upper\"?"));
    assert_eq!(show("try(var.list[10], \"fallback\")"), "\"fallback\"");
    assert_eq!(
        show("try(var.unknown, \"fallback\")"),
        "(known after apply)"
    );
    assert_eq!(show("can(var.list[10])"), "false");
    assert_eq!(show("can(var.list[0])"), "true");
    assert!(show("try(var.list[10], var.list[11])").starts_with(
        "error: Error in function call: Call to function \"try\" failed: no expression succeeded"
    ));
}

#[test]
fn error_positions() {
    assert_eq!(err_at("var.list[5]"), ("Invalid index".to_string(), 1, 10));
    assert_eq!(err_at("1 + \"a\""), ("Invalid operand".to_string(), 1, 5));
    assert_eq!(
        err_at("[\n  1,\n  foo(2),\n]"),
        ("Call to unknown function".to_string(), 3, 3)
    );
    assert_eq!(
        err_at("var.nope"),
        ("Reference to undeclared input variable".to_string(), 1, 1)
    );
}

#[test]
fn references_are_collected() {
    let e = parse_expr(
        "\"${var.a}-${local.b}\" == [for x in aws_instance.web : x.id if x.id != data.t.n.id][0] ? module.m.out : each.value",
        "t.tf",
    )
    .unwrap();
    let (refs, diags) = crate::references(&e.expr, &e.source, &[]);
    assert!(diags.is_empty());
    let names: Vec<String> = refs.iter().map(|r| r.reference.to_string()).collect();
    assert_eq!(
        names,
        vec![
            "var.a",
            "local.b",
            "aws_instance.web",
            "data.t.n",
            "module.m",
            "each.value"
        ]
    );
    // Spans cover the reference only.
    assert_eq!(refs[0].span.as_ref().unwrap().start.column, 4);
    assert_eq!(refs[0].span.as_ref().unwrap().end.column, 9);
}

#[test]
fn templatefile_renders_with_the_evaluator() {
    let dir = std::env::temp_dir().join(format!("cairn-eval-tpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("t.tpl"),
        "%{ for p in ports ~}\nport ${p}\n%{ endfor ~}\n",
    )
    .unwrap();
    let funcs = Arc::new(Registry::standard());
    let ctx = context_with_templates(
        Context {
            base_dir: dir.clone(),
            ..Context::default()
        },
        funcs.clone(),
    );
    let e = parse_expr("templatefile(\"t.tpl\", {ports = [80, 443]})", "t.tf").unwrap();
    let t = table();
    let v = Evaluator::new(&t, &funcs, &ctx).eval(&e);
    std::fs::remove_dir_all(&dir).ok();
    match v {
        Ok(v) => assert_eq!(v.as_str(), Some("port 80\nport 443\n")),
        // The filesystem functions may not be registered yet in this crate
        // version; the renderer itself is tested below.
        Err(d) => assert_eq!(d.summary, "Call to unknown function"),
    }
    let mut vars = BTreeMap::new();
    vars.insert("name".to_string(), Value::string("x"));
    let out =
        crate::render_template("hi ${name}", "t.tpl", &Value::object(vars), &funcs, &ctx).unwrap();
    assert_eq!(out.as_str(), Some("hi x"));
    let bad = crate::render_template(
        "hi ${nope.x}",
        "t.tpl",
        &Value::empty_object(),
        &funcs,
        &ctx,
    )
    .unwrap_err();
    assert!(bad.starts_with("t.tpl:1:6: "), "{bad}");
}

#[test]
fn conditional_reports_only_the_selected_branch_errors() {
    assert_eq!(
        show("contains(var.list, \"z\") ? index(var.list, \"z\") : -1"),
        "-1"
    );
    assert!(show("true ? var.list[9] : 0").starts_with("error: Invalid index"));
    // Unknown condition: both branches must be valid.
    assert!(show("var.unknown == \"\" ? var.list[9] : \"x\"").starts_with("error: Invalid index"));
}

#[test]
fn templatefile_names_the_missing_variable() {
    let funcs = Arc::new(Registry::standard());
    let ctx = Context::default();
    let e = crate::render_template(
        "Hello ${name}, port ${port}",
        "t.tftpl",
        &Value::empty_object(),
        &funcs,
        &ctx,
    )
    .unwrap_err();
    assert!(
        e.contains("vars map does not contain key \"name\", referenced at t.tftpl:1:9"),
        "{e}"
    );
}

/// Outputs checked against `terraform console` (Terraform 1.11) for the
/// same expressions: strip markers in quoted strings and heredocs, nested
/// directives, escapes inside directives.
#[test]
fn templates_match_terraform() {
    let cases: &[(&str, &str)] = &[
        ("\"A%{ if true ~}  \\n   B  %{~ endif }C\"", "ABC"),
        ("<<EOT\nx\n%{ for f in [\"a\", \"b\"] ~}\n    feature ${f}\n%{ endfor ~}\ny\nEOT", "x\n    feature a\n    feature b\ny\n"),
        ("\"%{ for k, v in { a = 1, b = 2 } }${k}=${v}%{ if k != \"b\" },%{ endif }%{ endfor }\"", "a=1,b=2"),
        ("\"a\\\\b\\t%{ if true }\\\"q\\\"\\n%{ else }no%{ endif }\"", "a\\b\t\"q\"\n"),
        ("<<EOT\n  %{ if false }\n  hidden\n  %{ else ~}\n  shown\n  %{~ endif }\nEOT", "    shown\n\n"),
        ("<<EOT\nx\n%{ for f in [\"a\", \"b\"] }\n    feature ${f}\n  %{~ endfor }\ny\nEOT", "x\n\n    feature a\n\n    feature b\n\ny\n"),
        ("<<EOT\nx  ${\"i\"}  \n  z ${~ \"j\" ~}  \n   w\nEOT", "x  i  \n  zj   w\n"),
    ];
    for (src, want) in cases {
        let v = eval(src).unwrap_or_else(|d| panic!("{src}: {}: {}", d.summary, d.detail));
        assert_eq!(v.as_str(), Some(*want), "{src}");
    }
}

#[test]
fn function_errors_never_quote_a_sensitive_argument() {
    // The whole value ("invalid CIDR address: hunter2") and a fragment of
    // it (a date format verb) are both hidden.
    for src in [
        "cidrhost(var.secret, 1)",
        "formatdate(var.secret, \"2024-01-01T00:00:00Z\")",
        "base64decode(var.secret)",
    ] {
        let e = eval(src).expect_err(src);
        let text = format!("{} {}", e.summary, e.detail);
        assert!(text.contains("an argument is sensitive"), "{src}: {text}");
        for part in ["hunter2", "hunter", "\"h\"", "'h'"] {
            assert!(!text.contains(part), "{src}: {text}");
        }
    }
    // Not sensitive: the message says what was wrong.
    let e = eval("cidrhost(\"hunter2\", 1)").expect_err("invalid");
    assert!(e.detail.contains("hunter2"), "{}", e.detail);
}
