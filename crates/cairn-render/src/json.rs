//! Terraform's JSON plan representation (format version 1.2), so tools
//! that read `terraform show -json` (OPA/conftest, checkov, Infracost)
//! read cairn's plans.
//!
//! Unlike Terraform, sensitive values never appear: where a value is
//! marked sensitive the JSON holds `null`, and the matching
//! `*_sensitive` structure holds `true`.

use std::collections::{BTreeMap, HashMap};

use cairn_engine::{Action, Change, Drift, InstanceAddr, Mode, ModuleInstance, Plan};
use cairn_value::{Kind, PathStep, Type, Value};
use serde_json::{json, Map, Value as J};

use crate::order::addr_cmp;
use crate::reason::{key_json, Reason};

/// What the plan itself does not know, for [`json_plan`].
#[derive(Clone, Debug, Default)]
pub struct JsonMeta {
    /// Written as `terraform_version`.
    pub cairn_version: String,
    /// Root module variable values; sensitive ones are written as null.
    pub variables: BTreeMap<String, Value>,
    /// The prior state in Terraform's JSON state representation, written
    /// as given (the caller must already have removed sensitive values).
    pub prior_state: Option<J>,
    /// The configuration representation, written as given.
    pub configuration: Option<J>,
    /// RFC 3339.
    pub timestamp: String,
}

/// The value as JSON with unknowns left out (`None`) and sensitive values
/// replaced by null. Sequences keep an unknown element's position as null,
/// since element order is how `after_unknown` lines up with them.
fn redacted(v: &Value) -> Option<J> {
    if v.is_unknown() {
        return None;
    }
    if v.sensitive {
        return Some(J::Null);
    }
    Some(match &v.kind {
        Kind::Null(_) | Kind::Unknown(_) => J::Null,
        Kind::Bool(b) => J::Bool(*b),
        Kind::Number(_) => cairn_value::json::to_json(v).unwrap_or(J::Null),
        Kind::String(s) => J::String(s.to_string()),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => J::Array(
            items
                .iter()
                .map(|x| redacted(x).unwrap_or(J::Null))
                .collect(),
        ),
        Kind::Map(_, m) | Kind::Object(m) => J::Object(
            m.iter()
                .filter_map(|(k, x)| Some((k.clone(), redacted(x)?)))
                .collect(),
        ),
    })
}

/// `redacted`, with a wholly unknown value as null.
pub fn redacted_or_null(v: &Value) -> J {
    redacted(v).unwrap_or(J::Null)
}

/// Terraform's `after_unknown`: true where unknown; objects list only
/// their unknown attributes. A sensitive value is opaque: true if anything
/// in it is unknown, so its structure does not leak.
fn unknown_as_bool(v: &Value) -> J {
    if v.sensitive {
        return J::Bool(!v.is_wholly_known());
    }
    match &v.kind {
        Kind::Unknown(_) => J::Bool(true),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            J::Array(items.iter().map(unknown_as_bool).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => J::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), unknown_as_bool(x)))
                .filter(|(_, b)| *b != J::Bool(false))
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

/// Terraform's `*_sensitive` structures: true where sensitive; objects list
/// only their sensitive attributes.
pub fn sensitive_as_bool(v: &Value) -> J {
    if v.sensitive {
        return J::Bool(true);
    }
    match &v.kind {
        Kind::Unknown(t) => match t {
            Type::List(_) | Type::Set(_) | Type::Tuple(_) => J::Array(Vec::new()),
            Type::Map(_) | Type::Object(_) => J::Object(Map::new()),
            _ => J::Bool(false),
        },
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            J::Array(items.iter().map(sensitive_as_bool).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => J::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), sensitive_as_bool(x)))
                .filter(|(_, b)| *b != J::Bool(false))
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

/// The provider's address: namespace/type (cairn's providers are built in,
/// so no registry host is named).
fn provider_address(name: &str) -> String {
    if name.contains('/') {
        name.to_string()
    } else if name == "terraform" {
        "terraform.io/builtin/terraform".to_string()
    } else {
        format!("hashicorp/{name}")
    }
}

/// The provider of a type when nothing says otherwise: its prefix.
fn provider_of_type(type_name: &str) -> String {
    let local = type_name.split('_').next().unwrap_or(type_name);
    provider_address(local)
}

fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Managed => "managed",
        Mode::Data => "data",
    }
}

/// The address fields every resource object starts with.
fn addr_fields(out: &mut Map<String, J>, addr: &InstanceAddr) {
    out.insert("mode".into(), json!(mode_str(addr.resource.mode)));
    out.insert("type".into(), json!(addr.resource.type_name));
    out.insert("name".into(), json!(addr.resource.name));
    if let Some(i) = key_json(&addr.key) {
        out.insert("index".into(), i);
    }
}

fn encode_path(p: &[PathStep]) -> J {
    J::Array(
        p.iter()
            .map(|s| match s {
                PathStep::Attr(a) | PathStep::Key(a) => J::String(a.clone()),
                PathStep::Index(i) => J::from(*i),
            })
            .collect(),
    )
}

/// Terraform's change object for a resource: values with unknowns left out
/// and sensitive values nulled, and the shapes that say which is which.
fn change_object(
    actions: Vec<&str>,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Map<String, J> {
    let mut m = Map::new();
    m.insert("actions".into(), json!(actions));
    m.insert("before".into(), before.map_or(J::Null, redacted_or_null));
    m.insert("after".into(), after.map_or(J::Null, redacted_or_null));
    let after_unknown = match after {
        Some(a) if !a.is_wholly_known() => unknown_as_bool(a),
        _ => J::Object(Map::new()),
    };
    m.insert("after_unknown".into(), after_unknown);
    m.insert(
        "before_sensitive".into(),
        before.map_or(J::Bool(false), sensitive_as_bool),
    );
    m.insert(
        "after_sensitive".into(),
        after.map_or(J::Bool(false), sensitive_as_bool),
    );
    m
}

fn resource_change(c: &Change) -> J {
    let mut m = Map::new();
    m.insert("address".into(), json!(c.addr.to_string()));
    if let Some(from) = c.moved_from.as_ref().filter(|f| **f != c.addr) {
        m.insert("previous_address".into(), json!(from.to_string()));
    }
    if !c.addr.resource.module.is_root() {
        m.insert(
            "module_address".into(),
            json!(c.addr.resource.module.to_string()),
        );
    }
    addr_fields(&mut m, &c.addr);
    m.insert(
        "provider_name".into(),
        json!(provider_address(&c.provider_name)),
    );
    let mut ch = change_object(
        c.action.json_actions(c.create_before_destroy),
        c.before.as_ref(),
        c.after.as_ref(),
    );
    if !c.replace_paths.is_empty() {
        ch.insert(
            "replace_paths".into(),
            J::Array(c.replace_paths.iter().map(|p| encode_path(p)).collect()),
        );
    }
    if let Some(id) = &c.importing {
        ch.insert("importing".into(), json!({ "id": id }));
    }
    m.insert("change".into(), J::Object(ch));
    if let Some(r) = Reason::of(c).as_ref().and_then(Reason::json_name) {
        m.insert("action_reason".into(), json!(r));
    }
    J::Object(m)
}

fn drift_change(d: &Drift, providers: &HashMap<&InstanceAddr, &str>) -> Option<J> {
    let action = match &d.after {
        None => "delete",
        Some(a) if d.before.raw_equal(a) => return None,
        Some(_) => "update",
    };
    let provider = providers
        .get(&d.addr)
        .map(|p| provider_address(p))
        .unwrap_or_else(|| provider_of_type(&d.addr.resource.type_name));
    let mut m = Map::new();
    m.insert("address".into(), json!(d.addr.to_string()));
    if !d.addr.resource.module.is_root() {
        m.insert(
            "module_address".into(),
            json!(d.addr.resource.module.to_string()),
        );
    }
    addr_fields(&mut m, &d.addr);
    m.insert("provider_name".into(), json!(provider));
    m.insert(
        "change".into(),
        J::Object(change_object(
            vec![action],
            Some(&d.before),
            d.after.as_ref(),
        )),
    );
    Some(J::Object(m))
}

fn planned_resource(c: &Change) -> J {
    let mut m = Map::new();
    m.insert("address".into(), json!(c.addr.to_string()));
    addr_fields(&mut m, &c.addr);
    m.insert(
        "provider_name".into(),
        json!(provider_address(&c.provider_name)),
    );
    // The schema version is not part of a plan; providers here start at 0.
    m.insert("schema_version".into(), json!(0));
    let after = c.after.as_ref();
    let values = after
        .and_then(redacted)
        .filter(J::is_object)
        .unwrap_or_else(|| J::Object(Map::new()));
    m.insert("values".into(), values);
    m.insert(
        "sensitive_values".into(),
        after.map_or(J::Object(Map::new()), sensitive_as_bool),
    );
    J::Object(m)
}

/// The modules of `planned_values`: each module instance's resources and
/// child modules, keyed by address.
#[derive(Default)]
struct ModuleTree<'a> {
    resources: BTreeMap<String, Vec<&'a Change>>,
    children: BTreeMap<String, BTreeMap<String, ModuleInstance>>,
}

/// One module of `planned_values`, with its descendants.
fn planned_module(module: &ModuleInstance, tree: &ModuleTree) -> J {
    let mut m = Map::new();
    let name = module.to_string();
    if let Some(changes) = tree.resources.get(&name).filter(|c| !c.is_empty()) {
        m.insert(
            "resources".into(),
            J::Array(changes.iter().map(|c| planned_resource(c)).collect()),
        );
    }
    if !module.is_root() {
        m.insert("address".into(), json!(name));
    }
    // Children come sorted by address, as Terraform sorts them.
    if let Some(children) = tree.children.get(&name) {
        m.insert(
            "child_modules".into(),
            J::Array(children.values().map(|c| planned_module(c, tree)).collect()),
        );
    }
    J::Object(m)
}

fn planned_values(plan: &Plan, changes: &[&Change]) -> J {
    let mut tree = ModuleTree::default();
    for c in changes.iter().filter(|c| c.action != Action::Delete) {
        let mut mi = c.addr.resource.module.clone();
        tree.resources.entry(mi.to_string()).or_default().push(c);
        // Every module on the way to a resource appears, even without
        // resources of its own.
        while let Some((parent, _)) = mi.parent() {
            let siblings = tree.children.entry(parent.to_string()).or_default();
            let name = mi.to_string();
            if siblings.contains_key(&name) {
                break;
            }
            siblings.insert(name, mi);
            mi = parent;
        }
    }
    for list in tree.resources.values_mut() {
        list.sort_by_cached_key(|c| c.addr.to_string());
    }
    let mut outputs = Map::new();
    for (name, o) in &plan.outputs {
        let Some(after) = &o.after else { continue };
        let sensitive = o.sensitive || after.is_sensitive_deep();
        let mut e = Map::new();
        e.insert("sensitive".into(), json!(sensitive));
        if !sensitive && after.is_wholly_known() {
            e.insert("value".into(), redacted_or_null(after));
        }
        outputs.insert(name.clone(), J::Object(e));
    }
    let mut m = Map::new();
    if !outputs.is_empty() {
        m.insert("outputs".into(), J::Object(outputs));
    }
    m.insert(
        "root_module".into(),
        planned_module(&ModuleInstance::root(), &tree),
    );
    J::Object(m)
}

fn output_changes(plan: &Plan) -> J {
    let mut out = Map::new();
    for (name, o) in &plan.outputs {
        let action = match (&o.before, &o.after) {
            (None, None) => "no-op",
            (None, Some(_)) => "create",
            (Some(_), None) => "delete",
            (Some(b), Some(a)) if b.raw_equal(a) => "no-op",
            _ => "update",
        };
        let sensitive = o.sensitive
            || o.before.as_ref().is_some_and(Value::is_sensitive_deep)
            || o.after.as_ref().is_some_and(Value::is_sensitive_deep);
        let show = |v: &Option<Value>| match v {
            Some(v) if !sensitive => redacted_or_null(v),
            _ => J::Null,
        };
        let after_unknown = match &o.after {
            Some(a) if !a.is_wholly_known() => {
                if sensitive {
                    J::Bool(true)
                } else {
                    unknown_as_bool(a)
                }
            }
            _ => J::Bool(false),
        };
        out.insert(
            name.clone(),
            json!({
                "actions": [action],
                "before": show(&o.before),
                "after": show(&o.after),
                "after_unknown": after_unknown,
                "before_sensitive": sensitive,
                "after_sensitive": sensitive,
            }),
        );
    }
    J::Object(out)
}

fn variables(meta: &JsonMeta) -> J {
    J::Object(
        meta.variables
            .iter()
            .map(|(k, v)| {
                let entry = if v.is_sensitive_deep() {
                    json!({ "value": null, "sensitive": true })
                } else {
                    json!({ "value": redacted_or_null(v) })
                };
                (k.clone(), entry)
            })
            .collect(),
    )
}

/// The plan in Terraform's JSON plan format (`terraform show -json`),
/// without any sensitive value.
pub fn json_plan(plan: &Plan, meta: &JsonMeta) -> J {
    // Data sources leaving state are an implementation detail, as in
    // Terraform.
    let mut changes: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| !(c.action == Action::Delete && c.addr.resource.mode == Mode::Data))
        .collect();
    changes.sort_by(|x, y| addr_cmp(&x.addr, &y.addr));
    let mut drift: Vec<&Drift> = plan.drift.iter().collect();
    drift.sort_by(|x, y| addr_cmp(&x.addr, &y.addr));

    let mut m = Map::new();
    m.insert("format_version".into(), json!("1.2"));
    m.insert("terraform_version".into(), json!(meta.cairn_version));
    m.insert("variables".into(), variables(meta));
    m.insert("planned_values".into(), planned_values(plan, &changes));
    let providers: HashMap<&InstanceAddr, &str> = plan
        .changes
        .iter()
        .map(|c| (&c.addr, c.provider_name.as_str()))
        .collect();
    m.insert(
        "resource_drift".into(),
        J::Array(
            drift
                .iter()
                .filter_map(|d| drift_change(d, &providers))
                .collect(),
        ),
    );
    m.insert(
        "resource_changes".into(),
        J::Array(changes.iter().map(|c| resource_change(c)).collect()),
    );
    m.insert("output_changes".into(), output_changes(plan));
    if let Some(s) = &meta.prior_state {
        m.insert("prior_state".into(), s.clone());
    }
    if let Some(c) = &meta.configuration {
        m.insert("configuration".into(), c.clone());
    }
    m.insert("relevant_attributes".into(), J::Array(Vec::new()));
    m.insert("timestamp".into(), json!(meta.timestamp));
    m.insert("applyable".into(), json!(plan.has_changes()));
    m.insert("complete".into(), json!(true));
    m.insert("errored".into(), json!(false));
    J::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_terraform() {
        let v = Value::object(
            [
                ("a".to_string(), Value::string("x")),
                ("b".to_string(), Value::unknown(Type::String)),
                (
                    "c".to_string(),
                    Value::list(
                        Type::String,
                        vec![Value::string("p").marked(), Value::unknown(Type::String)],
                    ),
                ),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(redacted(&v), Some(json!({ "a": "x", "c": [null, null] })));
        assert_eq!(
            unknown_as_bool(&v),
            json!({ "b": true, "c": [false, true] })
        );
        assert_eq!(sensitive_as_bool(&v), json!({ "c": [true, false] }));
    }

    #[test]
    fn provider_addresses() {
        assert_eq!(provider_address("aws"), "hashicorp/aws");
        assert_eq!(
            provider_address("terraform"),
            "terraform.io/builtin/terraform"
        );
        assert_eq!(provider_address("example.com/x/y"), "example.com/x/y");
    }
}
