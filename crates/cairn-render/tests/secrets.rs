//! A value marked sensitive never appears in any rendering.

mod common;

use std::collections::BTreeMap;

use cairn_engine::{Action, Plan};
use cairn_provider::{Attribute, NestedBlock, Nesting, Schema};
use cairn_render::{human, json_plan, markdown_summary, HumanOptions, JsonMeta};
use cairn_value::{Type, Value};
use common::*;

const SECRET: &str = "hunter2-SECRET";

fn secret() -> Value {
    s(SECRET).marked()
}

fn schema(t: &str) -> Option<Schema> {
    (t == "aws_db_instance").then(|| {
        Schema::new("")
            .attr("id", Attribute::computed(Type::String, ""))
            .attr(
                "master_password",
                Attribute::optional(Type::String, "").sensitive(),
            )
            .attr("password", Attribute::optional(Type::String, ""))
            .attr("policy", Attribute::optional(Type::String, ""))
            .attr("user_data", Attribute::optional(Type::String, ""))
            .attr("tags", Attribute::optional(Type::map(Type::String), ""))
            .attr("extra", Attribute::optional(Type::Dynamic, ""))
            .block(
                "credential",
                NestedBlock {
                    nesting: Nesting::List,
                    block: Schema::new("").attr("key", Attribute::optional(Type::String, "")),
                    min_items: 0,
                    max_items: None,
                    force_new: false,
                },
            )
    })
}

fn leaky_plan() -> Plan {
    let before = obj(&[
        ("id", s("db-1")),
        ("password", secret()),
        (
            "policy",
            s(&format!(r#"{{"password":"{SECRET}"}}"#)).marked(),
        ),
        ("user_data", s(&format!("line one\n{SECRET}\n")).marked()),
        ("tags", map(&[("Name", "db"), ("Token", SECRET)]).marked()),
        ("extra", obj(&[("nested", list(vec![s("ok"), secret()]))])),
        (
            "credential",
            list(vec![obj(&[("key", s(SECRET))])]).marked(),
        ),
        ("master_password", s("schema-only-secret")),
    ]);
    let after = obj(&[
        ("id", s("db-1")),
        ("password", s(&format!("{SECRET}-new")).marked()),
        (
            "policy",
            s(&format!(r#"{{"password":"{SECRET}","v":2}}"#)).marked(),
        ),
        (
            "user_data",
            s(&format!("line one\n{SECRET}\nline three\n")).marked(),
        ),
        (
            "tags",
            map(&[("Name", "db"), ("Token", SECRET), ("x", "y")]).marked(),
        ),
        (
            "extra",
            obj(&[("nested", list(vec![s("ok"), secret(), secret()]))]),
        ),
        (
            "credential",
            list(vec![obj(&[("key", s(&format!("{SECRET}2")))])]).marked(),
        ),
        ("master_password", s("schema-only-secret-2")),
    ]);
    let mut update = change(
        "aws_db_instance.db",
        Action::Update,
        Some(before),
        Some(after),
    );
    update.replace_paths = vec![attr("password")];

    let create = change(
        "aws_db_instance.new",
        Action::Create,
        None,
        Some(obj(&[
            ("id", unknown()),
            ("password", secret()),
            ("later", unknown().marked()),
            ("set", set(vec![secret(), s("plain")])),
            ("obj", obj(&[("inner", obj(&[("deep", secret())]))])),
            ("typed", Value::tuple(vec![secret(), n(1)])),
        ])),
    );
    let whole = change(
        "aws_db_instance.gone",
        Action::Delete,
        Some(obj(&[("id", s("x")), ("password", s(SECRET))]).marked()),
        None,
    );
    let mut replace = change(
        "aws_db_instance.re",
        Action::Replace,
        Some(obj(&[("id", s("r")), ("kind", s("string-before"))])),
        Some(obj(&[("id", unknown()), ("kind", list(vec![secret()]))])),
    );
    replace.create_before_destroy = true;
    let mut read = change(
        "data.aws_secret.x",
        Action::Read,
        None,
        Some(obj(&[("id", unknown()), ("value", secret())])),
    );
    read.reason = Some("config refers to values not yet known".into());

    let mut p = plan(vec![update, create, whole, replace, read]);
    p.outputs
        .insert("pw".into(), output(None, Some(secret()), true));
    p.outputs.insert(
        "declared".into(),
        output(Some(s(SECRET)), Some(s(&format!("{SECRET}!"))), true),
    );
    p.outputs.insert(
        "nested".into(),
        output(None, Some(obj(&[("a", secret()), ("b", s("fine"))])), false),
    );
    p.drift = vec![drift(
        "aws_db_instance.db",
        obj(&[("id", s("db-1")), ("password", secret())]),
        Some(obj(&[
            ("id", s("db-1")),
            ("password", s(&format!("{SECRET}-drift")).marked()),
        ])),
    )];
    p
}

#[test]
fn secret_appears_nowhere() {
    let p = leaky_plan();
    let lookup = |t: &str| schema(t);
    for opts in [
        HumanOptions::default(),
        HumanOptions {
            color: true,
            schemas: Some(&lookup),
        },
        HumanOptions {
            color: false,
            schemas: Some(&lookup),
        },
    ] {
        let out = human(&p, &opts);
        assert!(!out.contains("hunter2"), "human output leaks:\n{out}");
        assert!(out.contains("(sensitive value)"));
    }
    let with_schema = human(
        &p,
        &HumanOptions {
            color: false,
            schemas: Some(&lookup),
        },
    );
    // The schema marks it sensitive even though the value is unmarked.
    assert!(!with_schema.contains("schema-only-secret"));
    assert!(with_schema.contains("At least one attribute in this block is (or was) sensitive"));

    let mut meta = JsonMeta {
        cairn_version: "0.1.0".into(),
        timestamp: "2024-01-01T00:00:00Z".into(),
        ..JsonMeta::default()
    };
    meta.variables = BTreeMap::from([
        ("db_password".to_string(), secret()),
        ("nested".to_string(), list(vec![s("a"), secret()])),
    ]);
    let json = serde_json::to_string(&json_plan(&p, &meta)).unwrap();
    assert!(!json.contains("hunter2"), "JSON plan leaks:\n{json}");

    let md = markdown_summary(&p);
    assert!(!md.contains("hunter2"), "summary leaks:\n{md}");
}

#[test]
fn sensitive_update_renders_exactly() {
    let lookup = |t: &str| schema(t);
    let p = plan(vec![change(
        "aws_db_instance.db",
        Action::Update,
        Some(obj(&[
            ("id", s("db-1")),
            ("master_password", s("a")),
            ("policy", s(r#"{"a":1}"#).marked()),
            ("credential", list(vec![obj(&[("key", s("k1"))])]).marked()),
        ])),
        Some(obj(&[
            ("id", s("db-1")),
            ("master_password", s("b")),
            ("policy", s(r#"{"a":2}"#).marked()),
            ("credential", list(vec![obj(&[("key", s("k2"))])]).marked()),
        ])),
    )]);
    let out = human(
        &p,
        &HumanOptions {
            color: false,
            schemas: Some(&lookup),
        },
    );
    let want = r#"
cairn used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:
  ~ update in-place

cairn will perform the following actions:

  # aws_db_instance.db will be updated in-place
  ~ resource "aws_db_instance" "db" {
        id              = "db-1"
      ~ master_password = (sensitive value)
      ~ policy          = (sensitive value)

      ~ credential {
          # At least one attribute in this block is (or was) sensitive,
          # so its contents will not be displayed.
        }
    }

Plan: 0 to add, 1 to change, 0 to destroy.
"#;
    assert_eq!(out, want);
}
