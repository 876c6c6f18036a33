mod common;

use cairn_state::{
    IndexKey, InstanceAddr, JournalEntry, Mode, OutputState, ResourceId, State, StateError, Target,
};
use common::*;
use serde_json::json;

#[test]
fn round_trip_every_field() {
    let s = full_state();
    let text = serde_json::to_string_pretty(&s).unwrap();
    let back: State = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    // Field names and forms as documented.
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["version"], json!(1));
    let r = &j["resources"][1];
    assert_eq!(r["mode"], json!("data"));
    assert_eq!(r["type"], json!("aws_ami"));
    assert_eq!(r["instances"][0]["index_key"], json!("a \"b\""));
    assert_eq!(j["resources"][0]["instances"][0]["index_key"], json!(0));
    assert_eq!(
        j["outputs"]["secret"]["type"],
        json!(["object", {"a": "string"}])
    );
    // Large numbers keep every digit.
    assert!(text.contains("123456789012345678901234567890.5"));
}

#[test]
fn addresses_of_resources_and_instances() {
    let s = full_state();
    let all: Vec<String> = s.instances().map(|(_, _, a)| a).collect();
    assert_eq!(
        all,
        vec![
            "aws_instance.web[0]",
            "aws_instance.web[0]",
            "module.net[\"eu\"].module.sub[1].data.aws_ami.ubuntu[\"a \\\"b\\\"\"]",
        ]
    );
    assert_eq!(s.resources[0].address(), "aws_instance.web");
    assert!(s
        .resource("module.net[\"eu\"].module.sub[1].data.aws_ami.ubuntu")
        .is_some());
    assert!(s.resource("data.aws_ami.ubuntu").is_none());
    let (r, i) = s.get_instance("aws_instance.web[0]").unwrap();
    assert_eq!(r.name, "web");
    assert!(
        i.deposed.is_none(),
        "get_instance returns the current object"
    );
    assert!(matches!(
        s.get_instance("aws_instance.web[1]"),
        Err(StateError::NotFound { .. })
    ));
}

#[test]
fn address_parsing_round_trips() {
    for a in [
        "aws_instance.web",
        "aws_instance.web[0]",
        "aws_instance.web[\"key\"]",
        "data.t.n",
        "data.t.n[3]",
        "module.a.aws_x.y",
        "module.a[\"k\"].aws_x.y[2]",
        "module.a[0].module.b[\"x.y\"].data.aws_ami.u[\"$${x}\"]",
        "module.a-b.aws_x.y-z",
    ] {
        let p: InstanceAddr = a.parse().unwrap();
        assert_eq!(p.to_string(), a, "round trip of {a}");
    }
    let p = InstanceAddr::parse("module.a[\"k\"].aws_x.y[2]").unwrap();
    assert_eq!(
        p,
        InstanceAddr {
            module: vec![("a".into(), Some(IndexKey::Str("k".into())))],
            mode: Mode::Managed,
            type_name: "aws_x".into(),
            name: "y".into(),
            key: Some(IndexKey::Int(2)),
        }
    );
    assert_eq!(p.module_string(), "module.a[\"k\"]");
    assert_eq!(p.resource_address(), "module.a[\"k\"].aws_x.y");
    let d = InstanceAddr::parse("data.t.n").unwrap();
    assert_eq!(d.mode, Mode::Data);
    assert_eq!(
        Target::parse("module.a[1]").unwrap(),
        Target::Module(vec![("a".into(), Some(IndexKey::Int(1)))])
    );
}

#[test]
fn address_errors_are_clear() {
    let cases = [
        ("", "the address is empty"),
        ("aws_instance", "needs a type and a name"),
        ("aws_instance.", "expected a resource name"),
        ("aws_instance.web[", "unterminated index"),
        ("aws_instance.web[0", "unterminated index: expected \"]\""),
        ("aws_instance.web[-1]", "cannot be negative"),
        ("aws_instance.web[key]", "string keys need quotes"),
        ("aws_instance.web[\"key]", "unterminated string"),
        ("aws_instance.web[]", "empty index"),
        ("aws_instance.web.id", "to address an attribute"),
        ("module.a", "this is a module address"),
        ("module.", "expected a module name"),
        ("data.x", "needs a type and a name"),
        ("1abc.x", "expected a resource type"),
        ("aws_instance.web[99999999999999999999999]", "too large"),
        ("aws_x.y[\"\\q\"]", "invalid escape sequence"),
    ];
    for (input, want) in cases {
        let err = InstanceAddr::parse(input).unwrap_err().to_string();
        assert!(err.contains(want), "{input:?}: {err}");
        assert!(err.contains("invalid address"), "{input:?}: {err}");
    }
    let err = InstanceAddr::parse("aws_instance.web[key]")
        .unwrap_err()
        .to_string();
    assert!(err.contains("column 18"), "{err}");
}

fn sample() -> State {
    let mut s = State::new();
    for e in [
        set("", "aws_vpc", "main", None, "vpc-1"),
        set("", "aws_instance", "web", Some(IndexKey::Int(0)), "i-0"),
        set("", "aws_instance", "web", Some(IndexKey::Int(1)), "i-1"),
        set("", "aws_instance", "web", Some(IndexKey::Int(10)), "i-10"),
        set("module.app[\"a\"]", "aws_s3_bucket", "b", None, "b-a"),
        set("module.app[\"b\"]", "aws_s3_bucket", "b", None, "b-b"),
        set(
            "module.app[\"b\"].module.inner",
            "aws_s3_bucket",
            "c",
            None,
            "c-b",
        ),
    ] {
        s.apply_entry(&e);
    }
    s
}

#[test]
fn list_sorts_and_filters() {
    let s = sample();
    assert_eq!(
        s.list(None).unwrap(),
        vec![
            "aws_instance.web[0]",
            "aws_instance.web[1]",
            "aws_instance.web[10]",
            "aws_vpc.main",
            "module.app[\"a\"].aws_s3_bucket.b",
            "module.app[\"b\"].aws_s3_bucket.b",
            "module.app[\"b\"].module.inner.aws_s3_bucket.c",
        ]
    );
    assert_eq!(s.list(Some("aws_instance.web")).unwrap().len(), 3);
    assert_eq!(
        s.list(Some("aws_instance.web[1]")).unwrap(),
        vec!["aws_instance.web[1]"]
    );
    assert_eq!(s.list(Some("module.app")).unwrap().len(), 3);
    assert_eq!(s.list(Some("module.app[\"b\"]")).unwrap().len(), 2);
    assert!(s.list(Some("nope[")).is_err());
}

#[test]
fn remove_resource_instance_and_module() {
    let mut s = sample();
    assert_eq!(s.remove("aws_instance.web[1]").unwrap(), 1);
    assert_eq!(s.list(Some("aws_instance.web")).unwrap().len(), 2);
    assert_eq!(s.remove("aws_instance.web").unwrap(), 2);
    assert!(s.resource("aws_instance.web").is_none());
    assert_eq!(s.remove("module.app[\"b\"]").unwrap(), 2);
    assert_eq!(
        s.list(Some("module.app")).unwrap(),
        vec!["module.app[\"a\"].aws_s3_bucket.b"]
    );
    let before = s.clone();
    let err = s.remove("aws_instance.nothing").unwrap_err();
    assert!(matches!(err, StateError::NotFound { .. }), "{err}");
    assert!(s.remove("aws_vpc.main[3]").is_err());
    assert_eq!(s, before);
}

#[test]
fn move_resources_instances_and_modules() {
    let mut s = sample();
    // Resource to resource, into a module.
    assert_eq!(
        s.move_instance("aws_vpc.main", "module.net.aws_vpc.main")
            .unwrap(),
        1
    );
    assert!(s.resource("module.net.aws_vpc.main").is_some());
    assert!(s.resource("aws_vpc.main").is_none());
    // Instance to instance, out of nothing into a new resource.
    assert_eq!(
        s.move_instance("aws_instance.web[10]", "aws_instance.api[\"x\"]")
            .unwrap(),
        1
    );
    let (r, i) = s.get_instance("aws_instance.api[\"x\"]").unwrap();
    assert_eq!(i.attributes["id"], json!("i-10"));
    assert_eq!(r.provider, "provider.aws");
    // No-key instance to a keyed one.
    s.move_instance("module.net.aws_vpc.main", "aws_vpc.main[0]")
        .unwrap();
    assert!(s.get_instance("aws_vpc.main[0]").is_ok());
    // Module to module.
    assert_eq!(
        s.move_instance("module.app[\"b\"]", "module.web").unwrap(),
        2
    );
    assert!(s
        .resource("module.web.module.inner.aws_s3_bucket.c")
        .is_some());
    // Errors: existing target, missing source, type change.
    let before = s.clone();
    assert!(matches!(
        s.move_instance("aws_instance.web[0]", "aws_instance.web[1]"),
        Err(StateError::AlreadyExists { .. })
    ));
    assert!(matches!(
        s.move_instance("aws_instance.web[7]", "aws_instance.web[8]"),
        Err(StateError::NotFound { .. })
    ));
    assert!(matches!(
        s.move_instance("aws_instance.web", "aws_vpc.web"),
        Err(StateError::Invalid { .. })
    ));
    assert!(matches!(
        s.move_instance("aws_instance.web", "aws_instance.api"),
        Err(StateError::AlreadyExists { .. })
    ));
    assert!(matches!(
        s.move_instance("module.app[\"a\"]", "module.web"),
        Err(StateError::AlreadyExists { .. })
    ));
    assert_eq!(s, before);
}

#[test]
fn apply_entry_sets_replaces_and_removes() {
    let mut s = sample();
    s.apply_entry(&set(
        "",
        "aws_instance",
        "web",
        Some(IndexKey::Int(0)),
        "i-new",
    ));
    assert_eq!(
        s.get_instance("aws_instance.web[0]").unwrap().1.attributes["id"],
        json!("i-new")
    );
    assert_eq!(s.list(Some("aws_instance.web")).unwrap().len(), 3);
    let rm = |k: u64| JournalEntry::RemoveInstance {
        resource: ResourceId {
            module: String::new(),
            mode: Mode::Managed,
            type_name: "aws_instance".into(),
            name: "web".into(),
        },
        index_key: Some(IndexKey::Int(k)),
        deposed: None,
    };
    for k in [0, 1, 10, 10] {
        s.apply_entry(&rm(k));
    }
    assert!(
        s.resource("aws_instance.web").is_none(),
        "empty resources go"
    );
    s.apply_entry(&JournalEntry::SetOutput {
        name: "o".into(),
        output: OutputState {
            value: json!(1),
            ty: json!("number"),
            sensitive: false,
        },
    });
    assert!(s.outputs.contains_key("o"));
    s.apply_entry(&JournalEntry::RemoveOutput { name: "o".into() });
    assert!(s.outputs.is_empty());
    // Direct edits through the public fields are seen by later entries.
    s.resources.retain(|r| r.type_name != "aws_vpc");
    s.apply_entry(&set("", "aws_vpc", "main", None, "vpc-2"));
    assert_eq!(
        s.resources
            .iter()
            .filter(|r| r.type_name == "aws_vpc")
            .count(),
        1
    );
}

#[test]
fn apply_entry_is_linear_at_100k() {
    let mut s = State::new();
    let start = std::time::Instant::now();
    for i in 0..100_000u64 {
        s.apply(set(
            "",
            "null_resource",
            &format!("r{}", i % 1000),
            Some(IndexKey::Int(i)),
            "x",
        ));
    }
    for i in 0..100_000u64 {
        s.apply(JournalEntry::RemoveInstance {
            resource: ResourceId {
                module: String::new(),
                mode: Mode::Managed,
                type_name: "null_resource".into(),
                name: format!("r{}", i % 1000),
            },
            index_key: Some(IndexKey::Int(i)),
            deposed: None,
        });
    }
    assert!(s.resources.is_empty());
    // Quadratic behaviour would take minutes; linear takes well under a second
    // in release and a few seconds in debug builds.
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
}
