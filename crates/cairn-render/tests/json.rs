//! Terraform's JSON plan format.

mod common;

use std::collections::BTreeMap;

use cairn_engine::{Action, Plan};
use cairn_render::{json_plan, JsonMeta};
use cairn_value::Type;
use common::*;
use serde_json::json;

fn meta() -> JsonMeta {
    JsonMeta {
        cairn_version: "0.1.0".into(),
        variables: BTreeMap::new(),
        prior_state: None,
        configuration: Some(json!({ "root_module": {} })),
        timestamp: "2024-01-02T03:04:05Z".into(),
    }
}

fn sample() -> Plan {
    let mut replace = change(
        "aws_instance.app",
        Action::Replace,
        Some(obj(&[("ami", s("ami-1")), ("id", s("i-1"))])),
        Some(obj(&[("ami", s("ami-2")), ("id", unknown())])),
    );
    replace.replace_paths = vec![attr("ami")];
    let mut cbd = change(
        "aws_instance.blue",
        Action::Replace,
        Some(obj(&[("ami", s("ami-1")), ("id", s("i-2"))])),
        Some(obj(&[("ami", s("ami-1")), ("id", unknown())])),
    );
    cbd.create_before_destroy = true;
    cbd.reason = Some("replacement requested with -replace".into());
    let create = change(
        "module.db[\"a\"].aws_db_instance.main[0]",
        Action::Create,
        None,
        Some(obj(&[
            ("id", unknown()),
            ("password", s("pw-value").marked()),
            ("port", n(5432)),
            ("tags", map(&[("Name", "db")])),
            ("endpoints", list(vec![s("e1"), unknown()])),
            (
                "settings",
                obj(&[("token", s("tk").marked()), ("size", n(2))]),
            ),
        ])),
    );
    let mut delete = change(
        "aws_s3_bucket.old",
        Action::Delete,
        Some(obj(&[
            ("bucket", s("old")),
            ("secret", s("s3-key").marked()),
        ])),
        None,
    );
    delete.reason = Some("aws_s3_bucket.old is not in configuration".into());
    let mut data_delete = change(
        "data.aws_ami.x",
        Action::Delete,
        Some(obj(&[("id", s("a"))])),
        None,
    );
    data_delete.reason = Some("data source no longer in configuration".into());
    let mut imported = change(
        "aws_vpc.main",
        Action::NoOp,
        Some(obj(&[("id", s("vpc-1"))])),
        Some(obj(&[("id", s("vpc-1"))])),
    );
    imported.importing = Some("vpc-1".into());
    let mut p = plan(vec![replace, cbd, create, delete, data_delete, imported]);
    p.outputs
        .insert("url".into(), output(None, Some(s("http://x")), false));
    p.outputs.insert(
        "db_password".into(),
        output(Some(s("old-pw")), Some(s("new-pw").marked()), true),
    );
    p.outputs
        .insert("ip".into(), output(None, Some(unknown()), false));
    p.drift = vec![drift(
        "aws_instance.app",
        obj(&[("ami", s("ami-1")), ("id", s("i-1"))]),
        Some(obj(&[("ami", s("ami-0")), ("id", s("i-1"))])),
    )];
    p
}

#[test]
fn top_level_keys() {
    let mut m = meta();
    m.variables.insert("region".into(), s("eu-west-1"));
    m.variables
        .insert("db_password".into(), s("var-secret").marked());
    let j = json_plan(&sample(), &m);
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        vec![
            "format_version",
            "terraform_version",
            "variables",
            "planned_values",
            "resource_drift",
            "resource_changes",
            "output_changes",
            "configuration",
            "relevant_attributes",
            "timestamp",
            "applyable",
            "complete",
            "errored",
        ]
    );
    assert_eq!(j["format_version"], "1.2");
    assert_eq!(j["terraform_version"], "0.1.0");
    assert_eq!(j["timestamp"], "2024-01-02T03:04:05Z");
    assert_eq!(j["applyable"], true);
    assert_eq!(j["complete"], true);
    assert_eq!(j["errored"], false);
    assert_eq!(j["relevant_attributes"], json!([]));
    assert_eq!(j["configuration"], json!({ "root_module": {} }));
    assert_eq!(
        j["variables"],
        json!({
            "db_password": { "value": null, "sensitive": true },
            "region": { "value": "eu-west-1" },
        })
    );
}

#[test]
fn resource_changes_shape() {
    let j = json_plan(&sample(), &meta());
    let rc = j["resource_changes"].as_array().unwrap();
    let addrs: Vec<&str> = rc.iter().map(|r| r["address"].as_str().unwrap()).collect();
    // Sorted as Terraform sorts; the data source leaving state is hidden.
    assert_eq!(
        addrs,
        vec![
            "aws_instance.app",
            "aws_instance.blue",
            "aws_s3_bucket.old",
            "aws_vpc.main",
            "module.db[\"a\"].aws_db_instance.main[0]",
        ]
    );

    assert_eq!(
        rc[0],
        json!({
            "address": "aws_instance.app",
            "mode": "managed",
            "type": "aws_instance",
            "name": "app",
            "provider_name": "hashicorp/aws",
            "change": {
                "actions": ["delete", "create"],
                "before": { "ami": "ami-1", "id": "i-1" },
                "after": { "ami": "ami-2" },
                "after_unknown": { "id": true },
                "before_sensitive": {},
                "after_sensitive": {},
                "replace_paths": [["ami"]],
            },
            "action_reason": "replace_because_cannot_update",
        })
    );
    assert_eq!(rc[1]["change"]["actions"], json!(["create", "delete"]));
    assert_eq!(rc[1]["action_reason"], "replace_by_request");
    assert!(rc[1]["change"].get("replace_paths").is_none());

    assert_eq!(
        rc[2]["change"],
        json!({
            "actions": ["delete"],
            "before": { "bucket": "old", "secret": null },
            "after": null,
            "after_unknown": {},
            "before_sensitive": { "secret": true },
            "after_sensitive": false,
        })
    );
    assert_eq!(rc[2]["action_reason"], "delete_because_no_resource_config");

    assert_eq!(rc[3]["change"]["actions"], json!(["no-op"]));
    assert_eq!(rc[3]["change"]["importing"], json!({ "id": "vpc-1" }));

    let db = &rc[4];
    assert_eq!(db["module_address"], "module.db[\"a\"]");
    assert_eq!(db["index"], 0);
    assert_eq!(db["provider_name"], "hashicorp/aws");
    assert_eq!(
        db["change"],
        json!({
            "actions": ["create"],
            "before": null,
            "after": {
                "endpoints": ["e1", null],
                "password": null,
                "port": 5432,
                "settings": { "size": 2, "token": null },
                "tags": { "Name": "db" },
            },
            // Nested collections stay, even without anything unknown or
            // sensitive in them, as in Terraform's plans.
            "after_unknown": {
                "endpoints": [false, true],
                "id": true,
                "settings": {},
                "tags": {},
            },
            "before_sensitive": false,
            "after_sensitive": {
                "endpoints": [false, false],
                "password": true,
                "settings": { "token": true },
                "tags": {},
            },
        })
    );
    assert!(db.get("action_reason").is_none());
}

#[test]
fn planned_values_and_outputs() {
    let j = json_plan(&sample(), &meta());
    let pv = &j["planned_values"];
    let root: Vec<&str> = pv["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        root,
        vec!["aws_instance.app", "aws_instance.blue", "aws_vpc.main"]
    );
    assert_eq!(
        pv["root_module"]["resources"][0],
        json!({
            "address": "aws_instance.app",
            "mode": "managed",
            "type": "aws_instance",
            "name": "app",
            "provider_name": "hashicorp/aws",
            "schema_version": 0,
            "values": { "ami": "ami-2" },
            "sensitive_values": {},
        })
    );
    let child = &pv["root_module"]["child_modules"][0];
    assert_eq!(child["address"], "module.db[\"a\"]");
    assert_eq!(
        child["resources"][0]["sensitive_values"],
        json!({
            "endpoints": [false, false],
            "password": true,
            "settings": { "token": true },
            "tags": {},
        })
    );
    assert_eq!(
        pv["outputs"],
        json!({
            "db_password": { "sensitive": true },
            "ip": { "sensitive": false },
            "url": { "sensitive": false, "value": "http://x" },
        })
    );
    assert_eq!(
        j["output_changes"],
        json!({
            "db_password": {
                "actions": ["update"],
                "before": null,
                "after": null,
                "after_unknown": false,
                "before_sensitive": true,
                "after_sensitive": true,
            },
            "ip": {
                "actions": ["create"],
                "before": null,
                "after": null,
                "after_unknown": true,
                "before_sensitive": false,
                "after_sensitive": false,
            },
            "url": {
                "actions": ["create"],
                "before": null,
                "after": "http://x",
                "after_unknown": false,
                "before_sensitive": false,
                "after_sensitive": false,
            },
        })
    );
    assert_eq!(
        j["resource_drift"],
        json!([{
            "address": "aws_instance.app",
            "mode": "managed",
            "type": "aws_instance",
            "name": "app",
            "provider_name": "hashicorp/aws",
            "change": {
                "actions": ["update"],
                "before": { "ami": "ami-1", "id": "i-1" },
                "after": { "ami": "ami-0", "id": "i-1" },
                "after_unknown": {},
                "before_sensitive": {},
                "after_sensitive": {},
            },
        }])
    );
}

#[test]
fn nested_modules_appear_even_without_resources() {
    let p = plan(vec![change(
        "module.a.module.b.null_resource.x",
        Action::Create,
        None,
        Some(obj(&[
            ("id", unknown()),
            ("triggers", Value::null(Type::map(Type::String))),
        ])),
    )]);
    let j = json_plan(&p, &meta());
    let a = &j["planned_values"]["root_module"]["child_modules"][0];
    assert_eq!(a["address"], "module.a");
    assert!(a.get("resources").is_none());
    let b = &a["child_modules"][0];
    assert_eq!(b["address"], "module.a.module.b");
    assert_eq!(b["resources"][0]["values"], json!({ "triggers": null }));
    assert_eq!(b["resources"][0]["provider_name"], "hashicorp/null");
    assert!(j["planned_values"]["root_module"]
        .get("resources")
        .is_none());
}

#[test]
fn empty_plan_is_not_applyable() {
    let j = json_plan(&Plan::default(), &meta());
    assert_eq!(j["applyable"], false);
    assert_eq!(j["resource_changes"], json!([]));
    assert_eq!(j["output_changes"], json!({}));
}

use cairn_value::Value;
