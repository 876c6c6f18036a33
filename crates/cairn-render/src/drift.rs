//! The drift report of `cairn drift`: per resource, the attributes changed
//! outside cairn (before and after) and the objects deleted outside cairn,
//! as text, JSON, or Markdown for scheduled CI jobs.
//!
//! Sensitive values are never shown: a changed sensitive attribute is
//! reported as changed, with both sides `(sensitive value)` (and `null`
//! plus `"sensitive": true` in JSON).

use cairn_engine::Plan;
use cairn_value::{Kind, Value};
use serde_json::{json, Value as J};

/// One attribute changed outside cairn.
#[derive(Clone, Debug)]
pub struct AttrDrift {
    /// `tags["Owner"]`, `root_block_device[0].volume_size`.
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

/// One resource instance that drifted.
#[derive(Clone, Debug)]
pub struct ResourceDrift {
    pub address: String,
    /// Deleted outside cairn (no attributes listed then).
    pub deleted: bool,
    pub attributes: Vec<AttrDrift>,
}

/// Every drifted instance of a refresh, in address order.
pub fn drift_report(plan: &Plan) -> Vec<ResourceDrift> {
    let mut out: Vec<ResourceDrift> = plan
        .drift
        .iter()
        .filter_map(|d| {
            let address = d.addr.to_string();
            match &d.after {
                None => Some(ResourceDrift {
                    address,
                    deleted: true,
                    attributes: Vec::new(),
                }),
                Some(after) => {
                    let mut attributes = Vec::new();
                    walk(
                        String::new(),
                        Some(&d.before),
                        Some(after),
                        false,
                        &mut attributes,
                    );
                    (!attributes.is_empty()).then_some(ResourceDrift {
                        address,
                        deleted: false,
                        attributes,
                    })
                }
            }
        })
        .collect();
    out.sort_by(|a, b| a.address.cmp(&b.address));
    out
}

fn child(path: &str, step: &str) -> String {
    if path.is_empty() {
        step.to_string()
    } else if step.starts_with('[') {
        format!("{path}{step}")
    } else {
        format!("{path}.{step}")
    }
}

fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        // raw_equal ignores sensitive marks: no need to strip them.
        (Some(x), Some(y)) => x.raw_equal(y),
        (None, None) => true,
        _ => false,
    }
}

/// Collects the leaves that differ. Objects and maps recurse by key, lists
/// and tuples of equal length by index; sets and resized lists are one leaf.
fn walk(
    path: String,
    before: Option<&Value>,
    after: Option<&Value>,
    sensitive: bool,
    out: &mut Vec<AttrDrift>,
) {
    if same(before, after) {
        return;
    }
    let sensitive =
        sensitive || before.is_some_and(|v| v.sensitive) || after.is_some_and(|v| v.sensitive);
    let entries = |v: Option<&Value>| match v.map(|v| &v.kind) {
        Some(Kind::Object(m)) | Some(Kind::Map(_, m)) => Some(m.clone()),
        _ => None,
    };
    let is_map = |v: Option<&Value>| matches!(v.map(|v| &v.kind), Some(Kind::Map(..)));
    if let (Some(b), Some(a)) = (entries(before), entries(after)) {
        let map = is_map(before) || is_map(after);
        let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        for k in keys {
            let step = if map {
                format!("[{}]", cairn_value::display::quote(k))
            } else {
                k.clone()
            };
            walk(child(&path, &step), b.get(k), a.get(k), sensitive, out);
        }
        return;
    }
    let seq = |v: Option<&Value>| match v.map(|v| &v.kind) {
        Some(Kind::List(_, xs)) | Some(Kind::Tuple(xs)) => Some(xs.clone()),
        _ => None,
    };
    if let (Some(b), Some(a)) = (seq(before), seq(after)) {
        if b.len() == a.len() {
            for (i, (x, y)) in b.iter().zip(a.iter()).enumerate() {
                walk(
                    child(&path, &format!("[{i}]")),
                    Some(x),
                    Some(y),
                    sensitive,
                    out,
                );
            }
            return;
        }
    }
    let sensitive = sensitive
        || before.is_some_and(Value::is_sensitive_deep)
        || after.is_some_and(Value::is_sensitive_deep);
    out.push(AttrDrift {
        path,
        before: before.cloned(),
        after: after.cloned(),
        sensitive,
    });
}

fn shown(v: Option<&Value>, sensitive: bool) -> String {
    match v {
        _ if sensitive => "(sensitive value)".into(),
        None => "(absent)".into(),
        Some(v) => cairn_value::display::console(v),
    }
}

fn json_of(v: Option<&Value>, sensitive: bool) -> J {
    match v {
        Some(v) if !sensitive => cairn_value::json::to_json(v).unwrap_or(J::Null),
        _ => J::Null,
    }
}

/// The report as text.
pub fn drift_text(report: &[ResourceDrift]) -> String {
    if report.is_empty() {
        return "No drift: every managed object matches the state.\n".into();
    }
    let mut s = String::new();
    for r in report {
        if r.deleted {
            s.push_str(&format!("# {} was deleted outside cairn\n\n", r.address));
            continue;
        }
        s.push_str(&format!("# {} changed outside cairn\n", r.address));
        for a in &r.attributes {
            s.push_str(&format!(
                "  ~ {}: {} -> {}\n",
                a.path,
                shown(a.before.as_ref(), a.sensitive),
                shown(a.after.as_ref(), a.sensitive)
            ));
        }
        s.push('\n');
    }
    let deleted = report.iter().filter(|r| r.deleted).count();
    s.push_str(&format!(
        "Drift: {} changed, {} deleted outside cairn.\n",
        report.len() - deleted,
        deleted
    ));
    s
}

/// The report as JSON (a stable shape for scheduled jobs).
pub fn drift_json(report: &[ResourceDrift]) -> J {
    drift_json_with(report, None)
}

/// The report as JSON, with the unmanaged objects (`drift --unmanaged`)
/// when listed: `"unmanaged"`, `"unmanaged_errors"`, `"unmanaged_types"`.
pub fn drift_json_with(report: &[ResourceDrift], unmanaged: Option<&UnmanagedReport>) -> J {
    let mut doc = drift_json_only(report);
    if let (Some(u), Some(m)) = (unmanaged, doc.as_object_mut()) {
        m.insert(
            "unmanaged".into(),
            J::Array(
                u.objects
                    .iter()
                    .map(|o| {
                        json!({
                            "type": o.type_name,
                            "id": o.id,
                            "name": o.name,
                            "provider": o.provider,
                        })
                    })
                    .collect(),
            ),
        );
        m.insert(
            "unmanaged_errors".into(),
            J::Array(
                u.errors
                    .iter()
                    .map(|e| {
                        json!({
                            "type": e.type_name,
                            "provider": e.provider,
                            "error": e.message,
                            "code": e.code,
                            "hint": e.hint,
                        })
                    })
                    .collect(),
            ),
        );
        m.insert("unmanaged_types".into(), json!(u.types));
        m.insert("unmanaged_note".into(), json!(DEFAULTS_NOT_LISTED));
    }
    doc
}

fn drift_json_only(report: &[ResourceDrift]) -> J {
    let resources: Vec<J> = report
        .iter()
        .map(|r| {
            json!({
                "address": r.address,
                "status": if r.deleted { "deleted" } else { "changed" },
                "attributes": r.attributes.iter().map(|a| json!({
                    "path": a.path,
                    "before": json_of(a.before.as_ref(), a.sensitive),
                    "after": json_of(a.after.as_ref(), a.sensitive),
                    "sensitive": a.sensitive,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "drift": !report.is_empty(),
        "changed": report.iter().filter(|r| !r.deleted).count(),
        "deleted": report.iter().filter(|r| r.deleted).count(),
        "resources": resources,
    })
}

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown (an issue or chat message from a scheduled job).
pub fn drift_markdown(report: &[ResourceDrift]) -> String {
    if report.is_empty() {
        return "### Drift: none\n\nEvery managed object matches the state.\n".into();
    }
    let deleted = report.iter().filter(|r| r.deleted).count();
    let mut s = format!(
        "### Drift: {} changed, {} deleted outside cairn\n\n| resource | attribute | in state | now |\n| --- | --- | --- | --- |\n",
        report.len() - deleted,
        deleted
    );
    for r in report {
        if r.deleted {
            s.push_str(&format!("| `{}` | (deleted) | | |\n", r.address));
            continue;
        }
        for a in &r.attributes {
            s.push_str(&format!(
                "| `{}` | `{}` | `{}` | `{}` |\n",
                r.address,
                cell(&a.path),
                cell(&shown(a.before.as_ref(), a.sensitive)),
                cell(&shown(a.after.as_ref(), a.sensitive))
            ));
        }
    }
    s.push_str("\nTo accept the drift into state: `cairn apply -refresh-only`. To put the objects back: `cairn apply`.\n");
    s
}

/// An object of a listed type that exists but is in no state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmanagedObject {
    pub type_name: String,
    /// The ID the type's state would hold (what `cairn import` takes).
    pub id: String,
    pub name: Option<String>,
    /// The provider configuration that found it (`provider.aws.west`).
    pub provider: String,
}

/// A type that could not be listed with one provider configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmanagedError {
    pub type_name: String,
    pub provider: String,
    pub message: String,
    /// The API's error code (`AccessDenied`).
    pub code: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

/// What `cairn drift --unmanaged` listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnmanagedReport {
    pub objects: Vec<UnmanagedObject>,
    pub errors: Vec<UnmanagedError>,
    /// The types listed.
    pub types: Vec<String>,
}

/// What listing leaves out on purpose: objects AWS makes by itself.
pub const DEFAULTS_NOT_LISTED: &str = "defaults not listed: default VPCs with their default subnets and internet gateways, default security groups, main route tables, default network ACLs, service-linked roles, AWS managed KMS keys and aliases";

fn named(o: &UnmanagedObject) -> String {
    match &o.name {
        Some(n) if *n != o.id => format!(
            "{} {} ({})",
            o.type_name,
            o.id,
            cairn_value::display::quote(n)
        ),
        _ => format!("{} {}", o.type_name, o.id),
    }
}

fn types_phrase(n: usize) -> String {
    format!("{n} listed type{}", if n == 1 { "" } else { "s" })
}

/// The unmanaged objects as text (printed after the drift report).
pub fn unmanaged_text(u: &UnmanagedReport) -> String {
    let mut s = String::new();
    for o in &u.objects {
        s.push_str(&format!(
            "# {} exists but is in no state ({})\n",
            named(o),
            o.provider
        ));
    }
    if !u.objects.is_empty() {
        s.push('\n');
    }
    for e in &u.errors {
        s.push_str(&format!(
            "! {} could not be listed with {}: {}\n",
            e.type_name, e.provider, e.message
        ));
        if let Some(h) = &e.hint {
            s.push_str(&format!("  hint: {h}\n"));
        }
    }
    if !u.errors.is_empty() {
        s.push('\n');
    }
    if u.objects.is_empty() {
        s.push_str(&format!(
            "No unmanaged objects: every object of the {} is in the state ({DEFAULTS_NOT_LISTED}).\n",
            types_phrase(u.types.len())
        ));
    } else {
        s.push_str(&format!(
            "Unmanaged: {} object{} of the {} in no state ({DEFAULTS_NOT_LISTED}).\n",
            u.objects.len(),
            if u.objects.len() == 1 { "" } else { "s" },
            types_phrase(u.types.len())
        ));
    }
    if !u.errors.is_empty() {
        s.push_str(&format!(
            "{} listing{} failed: the report is incomplete.\n",
            u.errors.len(),
            if u.errors.len() == 1 { "" } else { "s" }
        ));
    }
    s
}

/// The unmanaged objects as Markdown (after the drift report's).
pub fn unmanaged_markdown(u: &UnmanagedReport) -> String {
    let mut s = if u.objects.is_empty() {
        format!(
            "### Unmanaged: none\n\nEvery object of the {} is in the state.\n",
            types_phrase(u.types.len())
        )
    } else {
        let mut s = format!(
            "### Unmanaged: {} object{} in no state\n\n| type | id | name | provider |\n| --- | --- | --- | --- |\n",
            u.objects.len(),
            if u.objects.len() == 1 { "" } else { "s" }
        );
        for o in &u.objects {
            s.push_str(&format!(
                "| `{}` | `{}` | {} | `{}` |\n",
                o.type_name,
                cell(&o.id),
                cell(o.name.as_deref().unwrap_or("")),
                o.provider
            ));
        }
        s
    };
    if !u.errors.is_empty() {
        s.push_str("\n**Could not list** (the report is incomplete):\n\n");
        for e in &u.errors {
            s.push_str(&format!(
                "- `{}` with `{}`: {}\n",
                e.type_name,
                e.provider,
                cell(&e.message)
            ));
        }
    }
    s.push_str(&format!("\nNote: {DEFAULTS_NOT_LISTED}.\n"));
    if !u.objects.is_empty() {
        s.push_str("To manage one: add its resource block, then `cairn import ADDRESS ID`. To remove one: delete it outside cairn.\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_engine::{Drift, InstanceAddr};
    use cairn_value::Type;
    use std::collections::BTreeMap;

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn tags(pairs: &[(&str, &str)]) -> Value {
        Value::map(
            Type::String,
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::string(*v)))
                .collect(),
        )
    }

    fn addr(s: &str) -> InstanceAddr {
        cairn_engine::parse_instance(s).expect("address")
    }

    #[test]
    fn reports_leaves_deletions_and_hides_secrets() {
        let before = obj(vec![
            ("id", Value::string("vpc-1")),
            ("tags", tags(&[("Name", "a")])),
            ("password", Value::string("hunter2-old").marked()),
            (
                "ports",
                Value::list(Type::Number, vec![Value::int(1), Value::int(2)]),
            ),
        ]);
        let after = obj(vec![
            ("id", Value::string("vpc-1")),
            ("tags", tags(&[("Name", "a"), ("Owner", "bob")])),
            ("password", Value::string("hunter2-new").marked()),
            (
                "ports",
                Value::list(Type::Number, vec![Value::int(1), Value::int(3)]),
            ),
        ]);
        let plan = Plan {
            drift: vec![
                Drift {
                    addr: addr("aws_vpc.main"),
                    before: before.clone(),
                    after: Some(after),
                },
                Drift {
                    addr: addr("aws_subnet.a[0]"),
                    before: before.clone(),
                    after: None,
                },
                Drift {
                    addr: addr("aws_vpc.same"),
                    before: before.clone(),
                    after: Some(before),
                },
            ],
            ..Plan::default()
        };
        let r = drift_report(&plan);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].address, "aws_subnet.a[0]");
        assert!(r[0].deleted);
        let paths: Vec<&str> = r[1].attributes.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, vec!["password", "ports[1]", "tags[\"Owner\"]"]);
        assert!(r[1].attributes[0].sensitive);

        let text = drift_text(&r);
        assert!(text.contains("~ ports[1]: 2 -> 3"), "{text}");
        assert!(
            text.contains("~ tags[\"Owner\"]: (absent) -> \"bob\""),
            "{text}"
        );
        assert!(
            text.contains("aws_subnet.a[0] was deleted outside cairn"),
            "{text}"
        );
        let json = drift_json(&r).to_string();
        let md = drift_markdown(&r);
        for out in [&text, &json, &md] {
            assert!(!out.contains("hunter2"), "secret shown: {out}");
        }
        assert!(json.contains("\"sensitive\":true"), "{json}");
        assert!(
            md.contains("| `aws_vpc.main` | `ports[1]` | `2` | `3` |"),
            "{md}"
        );
    }

    fn unmanaged_sample() -> UnmanagedReport {
        UnmanagedReport {
            objects: vec![
                UnmanagedObject {
                    type_name: "aws_iam_role".into(),
                    id: "ci".into(),
                    name: Some("ci".into()),
                    provider: "provider.aws".into(),
                },
                UnmanagedObject {
                    type_name: "aws_security_group".into(),
                    id: "sg-1".into(),
                    name: Some("a|b".into()),
                    provider: "provider.aws.west".into(),
                },
            ],
            errors: vec![UnmanagedError {
                type_name: "aws_kms_key".into(),
                provider: "provider.aws".into(),
                message: "listing KMS keys failed (AccessDenied): no".into(),
                code: Some("AccessDenied".into()),
                hint: Some("grant kms:ListKeys".into()),
            }],
            types: vec!["aws_iam_role".into(), "aws_security_group".into()],
        }
    }

    #[test]
    fn unmanaged_in_every_format() {
        let u = unmanaged_sample();
        let text = unmanaged_text(&u);
        assert!(
            text.contains("# aws_iam_role ci exists but is in no state (provider.aws)"),
            "{text}"
        );
        assert!(
            text.contains(
                "# aws_security_group sg-1 (\"a|b\") exists but is in no state (provider.aws.west)"
            ),
            "{text}"
        );
        assert!(
            text.contains("! aws_kms_key could not be listed with provider.aws"),
            "{text}"
        );
        assert!(text.contains("  hint: grant kms:ListKeys\n"), "{text}");
        assert!(
            text.contains("Unmanaged: 2 objects of the 2 listed types in no state"),
            "{text}"
        );
        assert!(text.contains("defaults not listed"), "{text}");

        let j = drift_json_with(&[], Some(&u));
        assert_eq!(j["drift"], json!(false));
        assert_eq!(
            j["unmanaged"][1],
            json!({"type": "aws_security_group", "id": "sg-1", "name": "a|b", "provider": "provider.aws.west"})
        );
        assert_eq!(j["unmanaged_errors"][0]["code"], json!("AccessDenied"));
        assert!(drift_json(&[]).get("unmanaged").is_none());

        let md = unmanaged_markdown(&u);
        assert!(md.contains("### Unmanaged: 2 objects in no state"), "{md}");
        assert!(
            md.contains("| `aws_security_group` | `sg-1` | a\\|b | `provider.aws.west` |"),
            "{md}"
        );
        assert!(md.contains("- `aws_kms_key` with `provider.aws`"), "{md}");

        let clean = UnmanagedReport {
            types: vec!["aws_vpc".into()],
            ..UnmanagedReport::default()
        };
        assert!(unmanaged_text(&clean)
            .starts_with("No unmanaged objects: every object of the 1 listed type"));
        assert!(unmanaged_markdown(&clean).starts_with("### Unmanaged: none"));
        assert_eq!(drift_json_with(&[], Some(&clean))["unmanaged"], json!([]));
    }

    #[test]
    fn no_drift_says_so() {
        let r = drift_report(&Plan::default());
        assert!(r.is_empty());
        assert_eq!(drift_json(&r)["drift"], json!(false));
        assert!(drift_text(&r).starts_with("No drift"));
    }
}
