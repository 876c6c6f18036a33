//! Terraform's JSON state representation: `show -json` without a plan,
//! and the `prior_state` of JSON plans (which Rego policies read), where
//! the data sources read while planning are included.

use std::collections::BTreeMap;

use cairn_engine::{InstanceAddr, Key};
use cairn_state::{Cipher, State};
use cairn_value::Value;
use serde_json::{json, Map, Value as J};

/// `{"format_version", "values": {"outputs", "root_module"}}` with nested
/// `child_modules`. Sensitive values are null and marked in
/// `sensitive_values`, as everywhere cairn prints JSON. `data`: data
/// sources read by a plan, which replace the state's copies.
pub(crate) fn state_json(
    st: &State,
    cipher: &Cipher,
    registry: &cairn_engine::Registry,
    data: Option<&BTreeMap<InstanceAddr, Value>>,
) -> Result<J, String> {
    // Module path -> its resources by address.
    let mut modules: BTreeMap<String, BTreeMap<String, J>> = BTreeMap::new();
    modules.entry(String::new()).or_default();
    for (r, inst, addr) in st.instances() {
        let v = cairn_run::session::decode_instance(registry, r, inst, cipher)
            .map_err(|e| format!("{addr}: {e}"))?;
        let mut m = Map::new();
        m.insert("address".into(), json!(addr));
        m.insert(
            "mode".into(),
            json!(if r.mode == cairn_state::Mode::Data {
                "data"
            } else {
                "managed"
            }),
        );
        m.insert("type".into(), json!(r.type_name));
        m.insert("name".into(), json!(r.name));
        if let Some(k) = &inst.index_key {
            m.insert("index".into(), serde_json::to_value(k).unwrap_or(J::Null));
        }
        m.insert("provider_name".into(), json!(r.provider));
        m.insert("schema_version".into(), json!(inst.schema_version));
        values_into(&mut m, &v);
        let key = match &inst.deposed {
            Some(d) => {
                m.insert("deposed_key".into(), json!(d));
                format!("{addr} (deposed {d})")
            }
            None => addr.clone(),
        };
        if inst.tainted {
            m.insert("tainted".into(), json!(true));
        }
        if !inst.dependencies.is_empty() {
            m.insert("depends_on".into(), json!(inst.dependencies));
        }
        add(&mut modules, &r.module, key, J::Object(m))?;
    }
    for (addr, v) in data.into_iter().flatten() {
        let mut m = Map::new();
        m.insert("address".into(), json!(addr.to_string()));
        m.insert("mode".into(), json!("data"));
        m.insert("type".into(), json!(addr.resource.type_name));
        m.insert("name".into(), json!(addr.resource.name));
        match &addr.key {
            Key::Int(i) => {
                m.insert("index".into(), json!(i));
            }
            Key::Str(s) => {
                m.insert("index".into(), json!(s));
            }
            Key::None => {}
        }
        m.insert(
            "provider_name".into(),
            json!(format!(
                "provider.{}",
                cairn_config::implied_provider(&addr.resource.type_name)
            )),
        );
        values_into(&mut m, v);
        let module = addr.resource.module.to_string();
        add(&mut modules, &module, addr.to_string(), J::Object(m))?;
    }
    let mut outputs = Map::new();
    for (name, o) in &st.outputs {
        let v = o
            .decode(cipher)
            .map_err(|e| format!("output {name:?}: {e}"))?;
        outputs.insert(
            name.clone(),
            json!({
                "sensitive": o.sensitive,
                "value": cairn_render::redacted_or_null(&v),
                "type": o.ty,
            }),
        );
    }
    Ok(json!({
        "format_version": "1.0",
        "cairn_version": env!("CARGO_PKG_VERSION"),
        "serial": st.serial,
        "lineage": st.lineage,
        "values": {
            "outputs": outputs,
            "root_module": module_json("", &modules)?,
        },
    }))
}

fn values_into(m: &mut Map<String, J>, v: &Value) {
    m.insert("values".into(), cairn_render::redacted_or_null(v));
    m.insert(
        "sensitive_values".into(),
        cairn_render::sensitive_as_bool(v),
    );
}

/// Puts a resource in its module, creating every ancestor module (a
/// module may hold only child modules).
fn add(
    modules: &mut BTreeMap<String, BTreeMap<String, J>>,
    module: &str,
    key: String,
    entry: J,
) -> Result<(), String> {
    modules
        .entry(module.to_string())
        .or_default()
        .insert(key, entry);
    let mut steps = module_steps(module)?;
    while steps.pop().is_some() {
        modules
            .entry(cairn_state::format_module_path(&steps))
            .or_default();
    }
    Ok(())
}

fn module_json(path: &str, modules: &BTreeMap<String, BTreeMap<String, J>>) -> Result<J, String> {
    let mut m = Map::new();
    let resources = modules
        .get(path)
        .map(|r| r.values().cloned().collect())
        .unwrap_or_default();
    m.insert("resources".into(), J::Array(resources));
    if !path.is_empty() {
        m.insert("address".into(), json!(path));
    }
    let depth = module_steps(path)?.len();
    let mut children = Vec::new();
    for child in modules.keys() {
        let steps = module_steps(child)?;
        if steps.len() == depth + 1 && cairn_state::format_module_path(&steps[..depth]) == path {
            children.push(module_json(child, modules)?);
        }
    }
    if !children.is_empty() {
        m.insert("child_modules".into(), J::Array(children));
    }
    Ok(J::Object(m))
}

/// A module instance path's steps; the root module has none.
fn module_steps(path: &str) -> Result<Vec<cairn_state::ModuleStep>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    cairn_state::parse_module_path(path).map_err(|e| e.to_string())
}
