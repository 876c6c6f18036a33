//! Shared test fixtures.
#![allow(dead_code)]

use cairn_state::{
    IndexKey, InstanceState, JournalEntry, Mode, OutputState, ResourceMeta, ResourceState, State,
};
use serde_json::json;

pub fn meta(module: &str, type_name: &str, name: &str) -> ResourceMeta {
    ResourceMeta {
        module: module.into(),
        mode: Mode::Managed,
        type_name: type_name.into(),
        name: name.into(),
        provider: "provider.aws".into(),
    }
}

pub fn instance(key: Option<IndexKey>, id: &str) -> InstanceState {
    InstanceState::new(key, json!({ "id": id, "tags": { "Name": id } }))
}

pub fn set(
    module: &str,
    type_name: &str,
    name: &str,
    key: Option<IndexKey>,
    id: &str,
) -> JournalEntry {
    JournalEntry::SetInstance {
        resource: meta(module, type_name, name),
        instance: instance(key, id),
    }
}

/// A state using every field.
pub fn full_state() -> State {
    let mut s = State::new();
    s.resources.push(ResourceState {
        module: String::new(),
        mode: Mode::Managed,
        type_name: "aws_instance".into(),
        name: "web".into(),
        provider: "provider.aws.west".into(),
        instances: vec![
            InstanceState {
                index_key: Some(IndexKey::Int(0)),
                schema_version: 2,
                attributes: json!({"id": "i-1", "n": 1}),
                sensitive_paths: vec![vec!["password".into()]],
                dependencies: vec!["aws_vpc.main".into()],
                create_before_destroy: true,
                tainted: true,
                deposed: None,
            },
            InstanceState {
                index_key: Some(IndexKey::Int(0)),
                schema_version: 2,
                attributes: json!({"id": "i-0"}),
                sensitive_paths: vec![],
                dependencies: vec![],
                create_before_destroy: true,
                tainted: false,
                deposed: Some("a1b2c3d4".into()),
            },
        ],
    });
    s.resources.push(ResourceState {
        module: "module.net[\"eu\"].module.sub[1]".into(),
        mode: Mode::Data,
        type_name: "aws_ami".into(),
        name: "ubuntu".into(),
        provider: "provider.aws".into(),
        instances: vec![InstanceState::new(
            Some(IndexKey::Str("a \"b\"".into())),
            json!({"id": "ami-1", "big": big_number()}),
        )],
    });
    s.outputs.insert(
        "ip".into(),
        OutputState {
            value: json!("10.0.0.1"),
            ty: json!("string"),
            sensitive: false,
        },
    );
    s.outputs.insert(
        "secret".into(),
        OutputState {
            value: json!({"cairn_encrypted": "v1:AAAA"}),
            ty: json!(["object", {"a": "string"}]),
            sensitive: true,
        },
    );
    s
}

/// A number beyond f64 precision, to check that none is lost.
pub fn big_number() -> serde_json::Value {
    serde_json::from_str("123456789012345678901234567890.5").unwrap()
}
