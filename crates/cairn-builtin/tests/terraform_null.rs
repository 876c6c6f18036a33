//! terraform_data and null_resource.

mod common;

use cairn_provider::ApplyRequest;
use cairn_value::{Type, Value};
use common::*;

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[tokio::test]
async fn terraform_data_schema_matches_terraform() {
    let p = provider("terraform").await;
    let t = "terraform_data";
    let input = attr(&*p, t, "input");
    assert!(input.optional && !input.computed && *input.ty() == Type::Dynamic);
    let output = attr(&*p, t, "output");
    assert!(output.computed && !output.optional && *output.ty() == Type::Dynamic);
    let trig = attr(&*p, t, "triggers_replace");
    assert!(trig.optional && trig.force_new && *trig.ty() == Type::Dynamic);
    let id = attr(&*p, t, "id");
    assert!(id.computed && *id.ty() == Type::String);
    assert!(
        !input.force_new,
        "an input change is an update, not a replace"
    );
}

#[tokio::test]
async fn terraform_data_create_copies_input_to_output() {
    let p = provider("terraform").await;
    let t = "terraform_data";
    let input = Value::object(
        [
            ("name".to_string(), Value::string("web")),
            ("replicas".to_string(), Value::int(3)),
        ]
        .into_iter()
        .collect(),
    );
    let cfg = config(&*p, t, &[("input", input.clone())]);
    let resp = plan(&*p, t, None, &cfg).await;
    let out = resp.planned.get_attr("output").unwrap();
    assert!(out.is_unknown());
    assert_eq!(out.ty(), input.ty(), "unknown output has the input's type");
    assert!(resp.planned.get_attr("id").unwrap().is_unknown());

    let state = create(&*p, t, &cfg).await;
    assert!(state.get_attr("output").unwrap().raw_equal(&input));
    assert!(is_uuid(&s(&state, "id")));
    assert_no_change(&*p, t, &state, &cfg).await;
}

#[tokio::test]
async fn terraform_data_input_change_updates_and_triggers_replace() {
    let p = provider("terraform").await;
    let t = "terraform_data";
    let cfg = config(
        &*p,
        t,
        &[
            ("input", Value::string("a")),
            ("triggers_replace", strlist(&["x"])),
        ],
    );
    let state = create(&*p, t, &cfg).await;
    let id = s(&state, "id");

    // A new input: in-place update, output unknown, id kept.
    let cfg2 = config(
        &*p,
        t,
        &[
            ("input", Value::string("b")),
            ("triggers_replace", strlist(&["x"])),
        ],
    );
    let resp = plan(&*p, t, Some(&state), &cfg2).await;
    assert!(resp.requires_replace.is_empty());
    assert!(resp.planned.get_attr("output").unwrap().is_unknown());
    assert_eq!(s(&resp.planned, "id"), id);
    let updated = p
        .apply(ApplyRequest {
            type_name: t.into(),
            prior: Some(state.clone()),
            planned: Some(resp.planned),
            config: cfg2.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(s(&updated, "output"), "b");
    assert_eq!(s(&updated, "id"), id);

    // A new trigger: replacement with a new id.
    let cfg3 = config(
        &*p,
        t,
        &[
            ("input", Value::string("b")),
            ("triggers_replace", strlist(&["y"])),
        ],
    );
    let resp = plan(&*p, t, Some(&updated), &cfg3).await;
    assert!(replaces(&resp, "triggers_replace"));
    assert!(resp.planned.get_attr("id").unwrap().is_unknown());
    let fresh = create(&*p, t, &cfg3).await;
    assert_ne!(s(&fresh, "id"), id);
}

#[tokio::test]
async fn terraform_data_unknown_input_keeps_output_unknown() {
    let p = provider("terraform").await;
    let t = "terraform_data";
    let cfg = config(&*p, t, &[("input", Value::string("a"))]);
    let state = create(&*p, t, &cfg).await;
    let cfg2 = config(&*p, t, &[("input", Value::unknown(Type::String))]);
    let resp = plan(&*p, t, Some(&state), &cfg2).await;
    assert!(resp.planned.get_attr("output").unwrap().is_unknown());
    // A null input plans a known null output.
    let cfg3 = config(&*p, t, &[]);
    let resp = plan(&*p, t, None, &cfg3).await;
    assert!(resp.planned.get_attr("output").unwrap().is_null());
}

#[tokio::test]
async fn terraform_data_import_sets_only_the_id() {
    let p = provider("terraform").await;
    let v = p.import("terraform_data", "my-id").await.unwrap();
    assert_eq!(s(&v, "id"), "my-id");
    assert!(v.get_attr("input").unwrap().is_null());
    assert!(v.get_attr("output").unwrap().is_null());
    // Refresh keeps the state as it is.
    let r = p.read("terraform_data", &v).await.unwrap().unwrap();
    assert!(r.raw_equal(&v));
}

#[tokio::test]
async fn null_resource_schema_and_lifecycle() {
    let p = provider("null").await;
    let t = "null_resource";
    let trig = attr(&*p, t, "triggers");
    assert!(trig.optional && trig.force_new && *trig.ty() == Type::map(Type::String));
    assert!(attr(&*p, t, "id").computed);

    let cfg = config(&*p, t, &[("triggers", strmap(&[("v", "1")]))]);
    let resp = plan(&*p, t, None, &cfg).await;
    assert!(resp.planned.get_attr("id").unwrap().is_unknown());
    let state = create(&*p, t, &cfg).await;
    let id = s(&state, "id");
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );
    assert!(id.parse::<u64>().unwrap() < (1u64 << 63));
    assert_no_change(&*p, t, &state, &cfg).await;

    let cfg2 = config(&*p, t, &[("triggers", strmap(&[("v", "2")]))]);
    let resp = plan(&*p, t, Some(&state), &cfg2).await;
    assert!(replaces(&resp, "triggers"));
    assert!(resp.planned.get_attr("id").unwrap().is_unknown());

    // An unknown trigger forces replacement too.
    let cfg3 = config(
        &*p,
        t,
        &[("triggers", Value::unknown(Type::map(Type::String)))],
    );
    let resp = plan(&*p, t, Some(&state), &cfg3).await;
    assert!(replaces(&resp, "triggers"));

    let gone = destroy(&*p, t, &state).await;
    assert!(gone.is_null());
}

#[tokio::test]
async fn null_resource_import_is_refused_by_name() {
    let p = provider("null").await;
    let e = p.import("null_resource", "123").await.unwrap_err();
    assert!(e.summary.contains("null_resource"), "{e}");
    assert!(e.summary.contains("import"), "{e}");
}

#[tokio::test]
async fn unknown_types_are_errors_naming_them() {
    let p = provider("null").await;
    let e = p.import("null_thing", "1").await.unwrap_err();
    assert!(e.summary.contains("null_thing"));
    let e = p
        .read_data("null_data_source", &Value::empty_object())
        .await
        .unwrap_err();
    assert!(e.summary.contains("null_data_source"));
}
