//! Saved plans (`plan -out FILE`).
//!
//! A saved plan records what was reviewed: the digest of the planned
//! changes, the configuration's digest, the state version it was made
//! against, and the inputs (variables, flags) to make it again. `apply
//! FILE` re-plans from those inputs and refuses unless configuration and
//! state are unchanged and the new plan has the same digest, so what is
//! applied is exactly what was reviewed. Variables given on the command
//! line are stored encrypted (they may hold secrets).

use std::fmt::Write as _;
use std::path::Path;

use cairn_diagnostics::SourceMap;
use cairn_engine::Plan;
use cairn_state::Cipher;
use cairn_value::{Kind, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::PlanFlags;

pub const FORMAT: &str = "cairn-plan/1";

/// The inputs of a plan that `apply` needs to make it again.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Inputs {
    /// `-var` values and `-var-file` paths, in order (`var:` / `file:`).
    pub cli: Vec<String>,
    pub workspace: String,
    pub flags: PlanFlags,
    /// A rollback plan (`cairn rollback -to N -out PLAN`): the state
    /// version whose kept configuration and variables it plans back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_to: Option<u64>,
}

/// A saved plan file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    pub cairn_version: String,
    pub created: String,
    /// The configuration directory, absolute.
    pub dir: String,
    pub config_digest: String,
    pub state_lineage: String,
    pub state_serial: u64,
    pub plan_digest: String,
    /// (add, change, destroy).
    pub counts: (usize, usize, usize),
    pub has_changes: bool,
    /// [`Inputs`] as JSON, encrypted with the state key.
    pub inputs: String,
    /// The rendered plan, as shown at plan time (no secrets in it).
    pub human: String,
    /// Terraform's JSON plan format (no secrets in it).
    pub json: serde_json::Value,
    /// The checks' findings at plan time (`None` for refresh-only plans
    /// and plans saved before checks existed); apply refuses a plan whose
    /// findings fail.
    #[serde(default)]
    pub findings: Option<cairn_findings::Report>,
    /// The cost estimate at plan time.
    #[serde(default)]
    pub cost: Option<cairn_cost::CostReport>,
    /// The state key's header at plan time: `inputs` is sealed with that
    /// key, and a plan made before the state existed gives the new state
    /// this key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<cairn_state::KeyInfo>,
}

impl SavedPlan {
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }

    pub fn read(path: &Path) -> Result<SavedPlan, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read plan file {}: {e}", path.display()))?;
        let p: SavedPlan = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a cairn plan file: {e}", path.display()))?;
        if p.format != FORMAT {
            return Err(format!(
                "{} has plan format {:?}; this cairn reads {FORMAT:?}",
                path.display(),
                p.format
            ));
        }
        Ok(p)
    }

    pub fn inputs(&self, cipher: &Cipher) -> Result<Inputs, String> {
        let bytes = cipher.decrypt(&self.inputs).map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }
}

/// Encrypts the inputs for a saved plan.
pub fn seal_inputs(inputs: &Inputs, cipher: &Cipher) -> Result<String, String> {
    let j = serde_json::to_vec(inputs).map_err(|e| e.to_string())?;
    cipher.encrypt(&j).map_err(|e| e.to_string())
}

/// The digest of every file the configuration and variables were read
/// from.
pub fn config_digest(sources: &SourceMap) -> String {
    let mut h = Sha256::new();
    for (name, text) in sources.entries() {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The digest of a plan's changes and outputs. Sensitive values enter only
/// as a marker (their changes are covered by the configuration digest and
/// the encrypted inputs).
pub fn plan_digest(plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "destroy={} refresh_only={}",
        plan.destroy, plan.refresh_only
    );
    for c in &plan.changes {
        let _ = write!(
            s,
            "{}|{:?}|{}|{:?}|",
            c.addr, c.action, c.create_before_destroy, c.importing
        );
        canon(c.before.as_ref(), &mut s);
        s.push('|');
        canon(c.after.as_ref(), &mut s);
        s.push('\n');
    }
    for (name, o) in &plan.outputs {
        let _ = write!(s, "output {name}|");
        canon(o.before.as_ref(), &mut s);
        s.push('|');
        canon(o.after.as_ref(), &mut s);
        s.push('\n');
    }
    for d in &plan.drift {
        let _ = write!(s, "drift {}|", d.addr);
        canon(d.after.as_ref(), &mut s);
        s.push('\n');
    }
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn canon(v: Option<&Value>, out: &mut String) {
    match v {
        None => out.push('-'),
        Some(v) => canon_value(v, out),
    }
}

fn canon_value(v: &Value, out: &mut String) {
    if v.sensitive {
        out.push_str("(sensitive)");
        return;
    }
    match &v.kind {
        Kind::Unknown(_) => out.push_str("(unknown)"),
        Kind::Null(_) => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => out.push_str(&n.to_string()),
        Kind::String(s) => out.push_str(&cairn_value::display::quote(s)),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            out.push('[');
            for x in items.iter() {
                canon_value(x, out);
                out.push(',');
            }
            out.push(']');
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            out.push('{');
            for (k, x) in m.iter() {
                out.push_str(&cairn_value::display::quote(k));
                out.push('=');
                canon_value(x, out);
                out.push(',');
            }
            out.push('}');
        }
    }
}
