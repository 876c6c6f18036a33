//! `cairn env list`: the environments the project file declares.
//! `cairn env diff A B`: how two environments differ, in their root
//! variables and in what their states hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap};
use cairn_value::{Kind, Value};

#[derive(Subcommand, Debug)]
pub enum EnvCmd {
    /// List the environments declared in cairn.hcl.
    List(EnvListArgs),
    /// Compare two environments: root variables, resources in state, and
    /// the attributes of the resources both hold.
    Diff(EnvDiffArgs),
}

#[derive(Args, Debug)]
pub struct EnvListArgs {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EnvDiffArgs {
    /// The first environment (the left column).
    pub a: String,
    /// The second environment (the right column).
    pub b: String,
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Print the comparison as JSON (format_version 1).
    #[arg(long)]
    pub json: bool,
    /// Also show identifier attributes (id, arn, *_id, *_arn, and values
    /// equal to the object's own id), which differ between any two
    /// environments by nature.
    #[arg(long)]
    pub all: bool,
}

pub fn run(c: &EnvCmd, color: bool) -> u8 {
    match c {
        EnvCmd::List(a) => list(a, color),
        EnvCmd::Diff(a) => diff(a, color),
    }
}

fn list(a: &EnvListArgs, color: bool) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let sources = cairn_diagnostics::SourceMap::new();
    let project = match cairn_project::load(&dir, &sources) {
        Ok(p) => p,
        Err(d) => {
            crate::lifecycle::print_diags(&d, &sources, color);
            return 1;
        }
    };
    let rows: Vec<serde_json::Value> = project
        .environments
        .values()
        .map(|e| {
            let eff = project.effective(Some(&e.name)).unwrap_or_default();
            serde_json::json!({
                "name": e.name,
                "var_files": e.var_files,
                "protected": e.protected,
                "approvals_required": e.approvals.as_ref().map(|a| a.required),
                "reviewers": e.approvals.as_ref().map(|a| a.reviewers.len()).unwrap_or(0),
                "budget_monthly": eff.budget,
                "required_tags": eff.tags.map(|t| t.required).unwrap_or_default(),
                "state": cairn_run::session::local_state_dir(&dir, &e.name).display().to_string(),
                "variables": e.variables,
                "backend": e.backend.as_ref().map(|b| serde_json::json!({"type": b.kind, "arguments": b.args})),
            })
        })
        .collect();
    if a.json {
        let doc = serde_json::json!({ "environments": rows });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return 0;
    }
    if rows.is_empty() {
        println!(
            "No environments: declare them in {} with environment \"NAME\" {{ ... }}.",
            cairn_project::FILE
        );
        return 0;
    }
    println!(
        "{:<12} {:<10} {:<10} {:<10} VAR FILES",
        "NAME", "PROTECTED", "APPROVALS", "BUDGET"
    );
    for r in &rows {
        let approvals = match r["approvals_required"].as_u64() {
            Some(n) => format!("{n} of {}", r["reviewers"]),
            None => "-".into(),
        };
        let budget = r["budget_monthly"]
            .as_f64()
            .map(|b| format!("${b:.0}"))
            .unwrap_or_else(|| "-".into());
        let files: Vec<&str> = r["var_files"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f.as_str()).collect())
            .unwrap_or_default();
        println!(
            "{:<12} {:<10} {:<10} {:<10} {}",
            r["name"].as_str().unwrap_or_default(),
            if r["protected"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            },
            approvals,
            budget,
            files.join(", ")
        );
    }
    0
}

// ---------------------------------------------------------------------
// env diff

/// One root variable's effective value in one environment.
#[derive(Clone, Debug)]
enum VarValue {
    /// A required variable nothing gives a value.
    NotSet,
    Set(Value),
}

/// One row of the variables table.
struct VarRow {
    name: String,
    /// Declared `sensitive = true`, or a value carrying a sensitive mark:
    /// never printed, only compared.
    sensitive: bool,
    a: VarValue,
    b: VarValue,
    differs: bool,
}

/// One environment's state, decoded: instance address -> attributes.
struct EnvState {
    /// False when the environment was never applied (no state at all).
    exists: bool,
    instances: BTreeMap<String, Value>,
}

/// One attribute that differs between the two objects at an address.
struct AttrRow {
    address: String,
    attribute: String,
    a: Value,
    b: Value,
    sensitive: bool,
    /// Hidden unless `--all`: see [`is_identifier`].
    identifier: bool,
}

/// Everything the command found.
struct Report {
    a: String,
    b: String,
    variables: Vec<VarRow>,
    state_a: bool,
    state_b: bool,
    only_a: Vec<String>,
    only_b: Vec<String>,
    both: Vec<String>,
    attributes: Vec<AttrRow>,
}

/// `cairn env diff A B [DIR]`: exit 0 whenever the comparison ran
/// (differences are its normal output), 1 on errors.
fn diff(a: &EnvDiffArgs, color: bool) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        eprintln!("Error: {} is not a directory", dir.display());
        return 1;
    }
    match build_report(&dir, &a.a, &a.b, color) {
        Some(report) => {
            if a.json {
                let doc = report_json(&report, a.all);
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            } else {
                print!("{}", report_text(&report, a.all));
            }
            0
        }
        None => 1,
    }
}

/// Gathers both environments' variables and states; prints what went
/// wrong and gives `None` on errors.
fn build_report(dir: &Path, a: &str, b: &str, color: bool) -> Option<Report> {
    // Both names are checked before anything else, with the same
    // "did you mean" as `-env`.
    let project_sources = SourceMap::new();
    let mut errors = Diagnostics::new();
    let mut settings = Vec::new();
    for name in [a, b] {
        match crate::checks::project_settings(dir, Some(name), &project_sources) {
            Ok(p) => settings.push(p),
            Err(d) => errors.extend(d),
        }
    }
    if errors.has_errors() {
        errors.sort_dedup();
        crate::lifecycle::print_diags(&errors, &project_sources, color);
        return None;
    }
    let (eff_a, eff_b) = (settings.first()?, settings.get(1)?);

    let variables = match variable_rows(dir, eff_a, eff_b) {
        Ok((rows, warnings, sources)) => {
            crate::lifecycle::print_diags(&warnings, &sources, color);
            rows
        }
        Err((d, sources)) => {
            crate::lifecycle::print_diags(&d, &sources, color);
            return None;
        }
    };

    let state_a = env_state(dir, a, color)?;
    let state_b = env_state(dir, b, color)?;

    let keys_a: BTreeSet<&String> = state_a.instances.keys().collect();
    let keys_b: BTreeSet<&String> = state_b.instances.keys().collect();
    let only_a: Vec<String> = keys_a.difference(&keys_b).map(|s| s.to_string()).collect();
    let only_b: Vec<String> = keys_b.difference(&keys_a).map(|s| s.to_string()).collect();
    let both: Vec<String> = keys_a
        .intersection(&keys_b)
        .map(|s| s.to_string())
        .collect();
    let mut attributes = Vec::new();
    for addr in &both {
        if let (Some(va), Some(vb)) = (state_a.instances.get(addr), state_b.instances.get(addr)) {
            attributes.extend(attribute_rows(addr, va, vb));
        }
    }
    Some(Report {
        a: a.to_string(),
        b: b.to_string(),
        variables,
        state_a: state_a.exists,
        state_b: state_b.exists,
        only_a,
        only_b,
        both,
        attributes,
    })
}

type VarResult = Result<(Vec<VarRow>, Diagnostics, SourceMap), (Diagnostics, SourceMap)>;

/// The root variables of both environments, computed as `plan -env`
/// computes them: the environment's var files (in their order) as if
/// given first on the command line, over `*.auto.tfvars`,
/// `terraform.tfvars` and `TF_VAR_`/`CAIRN_VAR_` variables, then defaults
/// and type conversion. Validation rules are not run: they decide whether
/// a plan may go on, not what the values are.
fn variable_rows(
    dir: &Path,
    eff_a: &cairn_project::Effective,
    eff_b: &cairn_project::Effective,
) -> VarResult {
    let loader = cairn_config::Loader::new(dir);
    let (module, mut diags) = loader.load_module(dir);
    let module = match module {
        Some(m) if !diags.has_errors() => m,
        _ => {
            if !diags.has_errors() {
                diags.push(Diagnostic::error(
                    "Cannot read the configuration",
                    format!("The directory {} cannot be read.", dir.display()),
                ));
            }
            return Err((diags, loader.sources().clone()));
        }
    };
    let funcs = std::sync::Arc::new(cairn_functions::Registry::standard());
    let ctx = cairn_eval::context_with_templates(
        cairn_functions::Context {
            base_dir: dir.to_path_buf(),
            plan_time: true,
            template: None,
        },
        funcs.clone(),
    );
    let env = crate::env_pairs();
    let mut values: Vec<BTreeMap<String, VarValue>> = Vec::new();
    for eff in [eff_a, eff_b] {
        let cli = crate::lifecycle::env_inputs(dir, eff);
        let (given, d) =
            cairn_vars::gather_root(&loader, &module, dir, &cli, env.clone(), &funcs, &ctx);
        diags.extend(d);
        let mut out = BTreeMap::new();
        for (name, var) in &module.variables {
            match cairn_vars::finalize(var, given.get(name), "", &funcs, &ctx) {
                Ok(v) => {
                    out.insert(name.clone(), VarValue::Set(v));
                }
                Err(d) if d.summary == "No value for required variable" => {
                    out.insert(name.clone(), VarValue::NotSet);
                }
                Err(d) => {
                    let env_name = eff.environment.clone().unwrap_or_default();
                    let hint = d.hint.clone().unwrap_or_default();
                    diags.push(d.with_hint(format!("{hint} (environment {env_name:?})")));
                }
            }
        }
        values.push(out);
    }
    // The same file read for both environments gives the same warning twice.
    diags.sort_dedup();
    if diags.has_errors() {
        return Err((diags, loader.sources().clone()));
    }
    let (va, vb) = match (values.first(), values.get(1)) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err((diags, loader.sources().clone())),
    };
    let mut names: Vec<&String> = module.variables.keys().collect();
    names.sort();
    let rows = names
        .into_iter()
        .filter_map(|name| {
            let var = module.variables.get(name)?;
            let a = va.get(name).cloned().unwrap_or(VarValue::NotSet);
            let b = vb.get(name).cloned().unwrap_or(VarValue::NotSet);
            let marked = |v: &VarValue| matches!(v, VarValue::Set(x) if x.is_sensitive_deep());
            let differs = match (&a, &b) {
                (VarValue::Set(x), VarValue::Set(y)) => !x.raw_equal(y),
                (VarValue::NotSet, VarValue::NotSet) => false,
                _ => true,
            };
            Some(VarRow {
                name: name.clone(),
                sensitive: var.sensitive || marked(&a) || marked(&b),
                a,
                b,
                differs,
            })
        })
        .collect();
    Ok((rows, diags, loader.sources().clone()))
}

/// The key that decrypts one state's sensitive values, found the way the
/// state commands find it (the state's key header names its source); kept
/// in one place so a change to how keys are found changes this command
/// too. Called only for a state that exists: one never applied needs no
/// key.
fn state_cipher(
    dir: &Path,
    state: &cairn_state::State,
) -> Result<cairn_state::Cipher, cairn_state::StateError> {
    cairn_run::statekey::for_state(&cairn_run::session::state_dir(dir), state)
}

/// One environment's state through the backend the configuration selects
/// (local `.cairn/env/NAME/`, or s3 at `env:/NAME/KEY`), read without a
/// lock (nothing is written), decoded with each resource type's schema so
/// that schema-sensitive attributes are marked.
fn env_state(dir: &Path, env: &str, color: bool) -> Option<EnvState> {
    let fail = |d: Diagnostic| {
        let hint = match &d.hint {
            Some(h) => format!("{h} (environment {env:?})"),
            None => format!("While reading the state of environment {env:?}."),
        };
        let d = d.with_hint(hint);
        crate::lifecycle::print_diags(&Diagnostics::from(d), &SourceMap::new(), color);
    };
    let backend = match cairn_run::session::open_backend(dir, env) {
        Ok(b) => b,
        Err(f) => {
            crate::lifecycle::print_diags(&f.diags, &f.sources, color);
            return None;
        }
    };
    let state = match backend.load() {
        Ok(l) => l.state,
        Err(e) => {
            fail(cairn_run::session::state_diag(&e));
            return None;
        }
    };
    let Some(state) = state else {
        return Some(EnvState {
            exists: false,
            instances: BTreeMap::new(),
        });
    };
    let cipher = match state_cipher(dir, &state) {
        Ok(c) => c,
        Err(e) => {
            fail(cairn_run::session::state_diag(&e));
            return None;
        }
    };
    let registry = cairn_engine::Registry::new(cairn_run::providers());
    let prior = match cairn_run::session::prior_from_state(&state, &registry, &cipher) {
        Ok(p) => p,
        Err(d) => {
            crate::lifecycle::print_diags(&d, &SourceMap::new(), color);
            return None;
        }
    };
    let instances = prior
        .instances
        .into_iter()
        .map(|(addr, inst)| (addr.to_string(), inst.value))
        .collect();
    Some(EnvState {
        exists: true,
        instances,
    })
}

/// The top-level attributes whose values differ between two objects at
/// the same address.
fn attribute_rows(address: &str, a: &Value, b: &Value) -> Vec<AttrRow> {
    let empty = BTreeMap::new();
    let ma = a.as_entries().unwrap_or(&empty);
    let mb = b.as_entries().unwrap_or(&empty);
    let null = Value::dynamic_null();
    let names: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
    let (id_a, id_b) = (ma.get("id"), mb.get("id"));
    names
        .into_iter()
        .filter_map(|name| {
            let va = ma.get(name).unwrap_or(&null);
            let vb = mb.get(name).unwrap_or(&null);
            if va.raw_equal(vb) {
                return None;
            }
            Some(AttrRow {
                address: address.to_string(),
                attribute: name.clone(),
                a: va.clone(),
                b: vb.clone(),
                sensitive: va.is_sensitive_deep() || vb.is_sensitive_deep(),
                identifier: is_identifier(name, va, vb, id_a, id_b),
            })
        })
        .collect()
}

/// Attributes that name objects rather than describe them differ between
/// any two environments, so they are hidden unless `--all`:
///
/// - `id` and `arn`;
/// - names ending in `_id`, `_ids`, `_arn` or `_arns` (the IDs and ARNs of
///   the objects this one refers to, e.g. `vpc_id`);
/// - an attribute whose value is, in both environments, the object's own
///   `id` under another name (an S3 bucket's `bucket`, say).
fn is_identifier(
    name: &str,
    a: &Value,
    b: &Value,
    id_a: Option<&Value>,
    id_b: Option<&Value>,
) -> bool {
    if name == "id" || name == "arn" {
        return true;
    }
    if ["_id", "_ids", "_arn", "_arns"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        return true;
    }
    let own_id = |v: &Value, id: Option<&Value>| {
        id.is_some_and(|id| !id.is_null() && id.as_str().is_some() && v.raw_equal(id))
    };
    own_id(a, id_a) && own_id(b, id_b)
}

/// A value on one line: `"t3.micro"`, `["a", "b"]`, `{size = 2}`;
/// sensitive parts as `(sensitive)`.
fn compact(v: &Value) -> String {
    if v.sensitive {
        return "(sensitive)".into();
    }
    match &v.kind {
        Kind::Unknown(_) => "(known after apply)".into(),
        Kind::Null(_) => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_string(),
        Kind::String(s) => cairn_value::display::quote(s),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            let parts: Vec<String> = items.iter().map(compact).collect();
            format!("[{}]", parts.join(", "))
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{} = {}", key(k), compact(x)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// An object key as written in HCL: bare when it is an identifier.
fn key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if ident {
        k.to_string()
    } else {
        cairn_value::display::quote(k)
    }
}

/// A value as JSON; `None` for sensitive values (never printed) and for
/// values JSON cannot hold.
fn plain_json(v: &Value) -> serde_json::Value {
    if v.is_sensitive_deep() {
        return serde_json::Value::Null;
    }
    cairn_value::json::to_json(v).unwrap_or(serde_json::Value::Null)
}

fn var_cell(v: &VarValue, sensitive: bool) -> String {
    match v {
        VarValue::NotSet => "(not set)".into(),
        VarValue::Set(_) if sensitive => "(sensitive)".into(),
        VarValue::Set(x) => compact(x),
    }
}

/// The documented JSON shape (README, "Environments"):
///
/// ```text
/// {"format_version": 1, "a": "dev", "b": "prod",
///  "state": {"a": true, "b": false},
///  "variables": [{"name", "sensitive", "differs", "a", "b", "a_set", "b_set"}],
///  "resources": {"only_a": [...], "only_b": [...], "both": [...]},
///  "attributes": [{"address", "attribute", "a", "b", "sensitive", "identifier"}],
///  "hidden_attributes": 0}
/// ```
///
/// Sensitive values are `null` with `"sensitive": true`; a variable with
/// no value has `"a_set": false`.
fn report_json(r: &Report, all: bool) -> serde_json::Value {
    let variables: Vec<serde_json::Value> = r
        .variables
        .iter()
        .map(|v| {
            let value = |x: &VarValue| match x {
                VarValue::Set(x) if !v.sensitive => plain_json(x),
                _ => serde_json::Value::Null,
            };
            serde_json::json!({
                "name": v.name,
                "sensitive": v.sensitive,
                "differs": v.differs,
                "a": value(&v.a),
                "b": value(&v.b),
                "a_set": matches!(v.a, VarValue::Set(_)),
                "b_set": matches!(v.b, VarValue::Set(_)),
            })
        })
        .collect();
    let attributes: Vec<serde_json::Value> = r
        .attributes
        .iter()
        .filter(|x| all || !x.identifier)
        .map(|x| {
            let value = |v: &Value| {
                if x.sensitive {
                    serde_json::Value::Null
                } else {
                    plain_json(v)
                }
            };
            serde_json::json!({
                "address": x.address,
                "attribute": x.attribute,
                "a": value(&x.a),
                "b": value(&x.b),
                "sensitive": x.sensitive,
                "identifier": x.identifier,
            })
        })
        .collect();
    let hidden = if all {
        0
    } else {
        r.attributes.iter().filter(|x| x.identifier).count()
    };
    serde_json::json!({
        "format_version": 1,
        "a": r.a,
        "b": r.b,
        "state": {"a": r.state_a, "b": r.state_b},
        "variables": variables,
        "resources": {
            "only_a": r.only_a,
            "only_b": r.only_b,
            "both": r.both,
        },
        "attributes": attributes,
        "hidden_attributes": hidden,
    })
}

/// Values wider than this overflow their column; the next column then
/// starts on its own line so the columns stay aligned.
const MAX_COL: usize = 40;

/// Rows of `marker, first, a, b, note` as aligned columns.
fn table(out: &mut String, indent: &str, head: [&str; 3], rows: &[[String; 5]]) {
    let w0 = rows
        .iter()
        .map(|r| r[1].chars().count())
        .chain([head[0].chars().count()])
        .max()
        .unwrap_or(0);
    let w1 = rows
        .iter()
        .map(|r| r[2].chars().count())
        .chain([head[1].chars().count()])
        .max()
        .unwrap_or(0)
        .min(MAX_COL);
    // The right column is padded only for the rows with a note after it.
    let w2 = rows
        .iter()
        .filter(|r| !r[4].is_empty())
        .map(|r| r[3].chars().count())
        .chain([head[2].chars().count()])
        .max()
        .unwrap_or(0)
        .min(MAX_COL);
    let line = |out: &mut String, m: &str, c0: &str, c1: &str, c2: &str, note: &str| {
        let mut s = format!("{indent}{m:<1} {c0:<w0$}  ");
        if c1.chars().count() > w1 {
            s.push_str(c1);
            s.push('\n');
            s.push_str(&" ".repeat(indent.len() + 2 + w0 + 2 + w1 + 2));
        } else {
            s.push_str(&format!("{c1:<w1$}  "));
        }
        if note.is_empty() {
            s.push_str(c2);
        } else {
            s.push_str(&format!("{c2:<w2$}  {note}"));
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(out, " ", head[0], head[1], head[2], "");
    for r in rows {
        line(out, &r[0], &r[1], &r[2], &r[3], &r[4]);
    }
}

/// The human report: three tables with the environments as columns; `~`
/// marks the rows that differ.
fn report_text(r: &Report, all: bool) -> String {
    let mut out = String::new();
    let (a, b) = (r.a.as_str(), r.b.as_str());
    out.push_str(&format!(
        "Comparing environment {a:?} with {b:?} (~ marks differences).\n\n"
    ));

    out.push_str("Variables:\n");
    if r.variables.is_empty() {
        out.push_str("  (the configuration declares none)\n");
    } else {
        let rows: Vec<[String; 5]> = r
            .variables
            .iter()
            .map(|v| {
                let note = match (v.sensitive, v.differs) {
                    (true, true) => "differs",
                    (true, false) => "equal",
                    _ => "",
                };
                [
                    if v.differs { "~" } else { " " }.to_string(),
                    v.name.clone(),
                    var_cell(&v.a, v.sensitive),
                    var_cell(&v.b, v.sensitive),
                    note.to_string(),
                ]
            })
            .collect();
        table(&mut out, "  ", ["NAME", a, b], &rows);
    }

    out.push_str("\nResources:\n");
    for (name, exists) in [(a, r.state_a), (b, r.state_b)] {
        if !exists {
            out.push_str(&format!("  {name}: no state yet (never applied)\n"));
        }
    }
    let mut all_addrs: Vec<(&String, bool, bool)> = Vec::new();
    all_addrs.extend(r.only_a.iter().map(|x| (x, true, false)));
    all_addrs.extend(r.only_b.iter().map(|x| (x, false, true)));
    all_addrs.extend(r.both.iter().map(|x| (x, true, true)));
    all_addrs.sort();
    if all_addrs.is_empty() {
        out.push_str("  (none in either state)\n");
    } else {
        let yes = |p: bool| if p { "yes" } else { "-" }.to_string();
        let rows: Vec<[String; 5]> = all_addrs
            .iter()
            .map(|(addr, in_a, in_b)| {
                let note = match (in_a, in_b) {
                    (true, false) => format!("only in {a}"),
                    (false, true) => format!("only in {b}"),
                    _ => String::new(),
                };
                [
                    if in_a == in_b { " " } else { "~" }.to_string(),
                    addr.to_string(),
                    yes(*in_a),
                    yes(*in_b),
                    note,
                ]
            })
            .collect();
        table(&mut out, "  ", ["ADDRESS", a, b], &rows);
    }

    out.push_str("\nAttributes of resources in both:\n");
    let shown: Vec<&AttrRow> = r
        .attributes
        .iter()
        .filter(|x| all || !x.identifier)
        .collect();
    let hidden = r.attributes.len() - shown.len();
    if r.both.is_empty() {
        out.push_str("  (no resource is in both states)\n");
    } else if shown.is_empty() {
        out.push_str("  (no differences)\n");
    } else {
        let rows: Vec<[String; 5]> = shown
            .iter()
            .map(|x| {
                let (ca, cb, note) = if x.sensitive {
                    ("(sensitive)".into(), "(sensitive)".into(), "differs")
                } else {
                    (compact(&x.a), compact(&x.b), "")
                };
                [
                    "~".to_string(),
                    format!("{}.{}", x.address, x.attribute),
                    ca,
                    cb,
                    note.to_string(),
                ]
            })
            .collect();
        table(&mut out, "  ", ["ATTRIBUTE", a, b], &rows);
    }
    if hidden > 0 {
        out.push_str(&format!(
            "  ({hidden} identifier attribute(s) hidden: id, arn, *_id, *_arn and values equal to the object's id; --all shows them)\n"
        ));
    }

    let var_diffs = r.variables.iter().filter(|v| v.differs).count();
    out.push_str(&format!(
        "\n{var_diffs} of {} variable(s) differ; {} resource(s) only in {a}, {} only in {b}, {} in both; {} attribute(s) differ.\n",
        r.variables.len(),
        r.only_a.len(),
        r.only_b.len(),
        r.both.len(),
        shown.len(),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_by_name_and_by_own_id() {
        let s = Value::string;
        assert!(is_identifier("id", &s("a"), &s("b"), None, None));
        assert!(is_identifier("vpc_id", &s("a"), &s("b"), None, None));
        assert!(is_identifier(
            "security_group_arns",
            &s("a"),
            &s("b"),
            None,
            None
        ));
        assert!(!is_identifier("size", &s("a"), &s("b"), None, None));
        // `bucket` restating the bucket's own id in both environments.
        assert!(is_identifier(
            "bucket",
            &s("x-dev"),
            &s("x-prod"),
            Some(&s("x-dev")),
            Some(&s("x-prod"))
        ));
        assert!(!is_identifier(
            "bucket",
            &s("x-dev"),
            &s("y"),
            Some(&s("x-dev")),
            Some(&s("x-prod"))
        ));
    }

    #[test]
    fn compact_values_hide_sensitive_parts() {
        let mut m = BTreeMap::new();
        m.insert("size".to_string(), Value::int(2));
        m.insert("pw".to_string(), Value::string("s3cret").marked());
        m.insert("a b".to_string(), Value::string("x"));
        let v = Value::object(m);
        assert_eq!(compact(&v), "{\"a b\" = \"x\", pw = (sensitive), size = 2}");
        assert_eq!(
            compact(&Value::tuple(vec![
                Value::bool(true),
                Value::dynamic_null()
            ])),
            "[true, null]"
        );
    }
}
