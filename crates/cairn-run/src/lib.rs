//! Runs commands end to end for the CLI (and tests): a [`Session`] holds
//! the loaded configuration and the locked state; [`make_plan`] plans,
//! [`apply_plan`] applies with every operation journaled, and
//! [`planfile`] saves plans and checks them before apply.

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_diagnostics::{Diagnostic, Diagnostics};
use cairn_engine::{ApplyInput, ApplyOutcome, Events, Plan, PlanInput, PlanOptions};
use cairn_value::Value;
use serde::{Deserialize, Serialize};

mod dynamic;
pub mod offline;
pub mod planfile;
pub mod session;
pub mod sink;
pub mod statekey;
pub mod unmanaged;

pub use session::{Failure, Session, SessionOptions};

/// Every provider this cairn offers: the built-in ones (terraform, null,
/// random, local), aws, and cairn (`cairn_secret`) for the configuration
/// in the current directory.
pub fn providers() -> Vec<Arc<dyn cairn_provider::ProviderFactory>> {
    providers_in(std::path::Path::new("."))
}

/// Every provider, with `cairn` reading relative `file:` secrets and the
/// default secrets file (`.cairn/secrets.json`) in `dir`, the
/// configuration directory.
pub fn providers_in(dir: &std::path::Path) -> Vec<Arc<dyn cairn_provider::ProviderFactory>> {
    let mut out = cairn_builtin::factories();
    out.push(Arc::new(cairn_aws::AwsFactory::new()));
    out.push(Arc::new(cairn_secret_provider::CairnFactory::new(dir)));
    out
}

/// The plan flags of the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFlags {
    pub destroy: bool,
    pub refresh: bool,
    pub refresh_only: bool,
    pub targets: Vec<String>,
    pub replace: Vec<String>,
    pub parallelism: usize,
    /// `cairn import ADDR ID` pairs.
    #[serde(default)]
    pub imports: Vec<(String, String)>,
}

fn parse_addrs(
    list: &[String],
    flag: &str,
) -> Result<Vec<cairn_engine::InstanceAddr>, Diagnostics> {
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    for s in list {
        match cairn_engine::parse_instance(s) {
            Ok(a) => out.push(a),
            Err(e) => diags.push(
                Diagnostic::error(format!("Invalid {flag} address"), e)
                    .with_hint(format!("Give {flag} a resource address such as aws_instance.web or module.net.aws_subnet.a[\"x\"].")),
            ),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

/// Plans with the session's configuration and state.
pub async fn make_plan(sess: &Session, flags: &PlanFlags) -> Result<Plan, Diagnostics> {
    let prior = sess.prior()?;
    let targets = parse_addrs(&flags.targets, "-target")?;
    let replace = parse_addrs(&flags.replace, "-replace")?;
    let import_addrs = parse_addrs(
        &flags
            .imports
            .iter()
            .map(|(a, _)| a.clone())
            .collect::<Vec<_>>(),
        "import",
    )?;
    let extra_imports = import_addrs
        .into_iter()
        .zip(flags.imports.iter().map(|(_, id)| id.clone()))
        .collect();
    let mut ctx = sess.ctx.clone();
    ctx.plan_time = true;
    let out = cairn_engine::plan(PlanInput {
        tree: &sess.tree,
        root_vars: sess.root_vars.clone(),
        prior,
        registry: &sess.registry,
        funcs: sess.funcs.clone(),
        ctx,
        cwd: sess.cwd.clone(),
        options: PlanOptions {
            destroy: flags.destroy,
            skip_refresh: !flags.refresh,
            refresh_only: flags.refresh_only,
            targets,
            replace,
            parallelism: flags.parallelism.max(1),
            workspace: sess.workspace.clone(),
            extra_imports,
            offline: false,
        },
    })
    .await;
    match out.plan {
        Some(p) if !out.diags.has_errors() => Ok(p),
        _ => Err(out.diags),
    }
}

/// What an apply did, and the state it left.
pub struct Applied {
    pub outcome: ApplyOutcome,
    /// The new state version (also written to disk).
    pub state: Option<cairn_state::State>,
}

/// Applies a plan; state is journaled after every operation and compacted
/// into a new version at the end, even when an operation failed.
pub async fn apply_plan(
    sess: &mut Session,
    plan: Plan,
    events: Arc<dyn Events>,
    parallelism: usize,
) -> Result<Applied, Diagnostics> {
    let prior = sess.prior()?;
    let journal = sess
        .backend
        .journal(sess.state.serial)
        .map_err(|e| one(session::state_diag(&e)))?;
    // The new version keeps the configuration it was applied from.
    let mut base = sess.state.clone();
    base.config = Some(sess.config_snapshot().map_err(one)?);
    let sink = Arc::new(sink::JournalSink::new(
        journal,
        base,
        sess.cipher.clone(),
        sess.registry.clone(),
    ));
    let refresh_only_drift = plan.refresh_only;
    let drift = plan.drift.clone();
    let outcome = cairn_engine::apply(ApplyInput {
        tree: &sess.tree,
        root_vars: sess.root_vars.clone(),
        plan,
        prior,
        registry: &sess.registry,
        funcs: sess.funcs.clone(),
        ctx: sess.ctx.clone(),
        cwd: sess.cwd.clone(),
        workspace: sess.workspace.clone(),
        parallelism: parallelism.max(1),
        sink: sink.clone(),
        events,
    })
    .await;
    if refresh_only_drift {
        // -refresh-only: accept what refresh found into state.
        for d in drift {
            let r = match &d.after {
                Some(v) => {
                    let rec = refreshed_record(&sess.state, &d.addr, v);
                    match rec {
                        Some(rec) => {
                            cairn_engine::StateSink::set_instance(sink.as_ref(), rec).await
                        }
                        None => Ok(()),
                    }
                }
                None => {
                    cairn_engine::StateSink::remove_instance(sink.as_ref(), &d.addr, None).await
                }
            };
            if let Err(e) = r {
                return Err(one(Diagnostic::error("Failed to save state", e)));
            }
        }
    }
    let sink = Arc::try_unwrap(sink).map_err(|_| {
        one(Diagnostic::error(
            "Failed to save state",
            "the state sink is still in use",
        ))
    })?;
    let state = match sink.finish() {
        Ok(s) => Some(s),
        Err(e) => {
            let mut d = outcome.diags.clone();
            d.push(Diagnostic::error("Failed to save state", e).with_hint(
                "The journal in .cairn/ still holds every operation; the next command recovers it.",
            ));
            return Err(d);
        }
    };
    if let Some(s) = &state {
        sess.set_state(s.clone());
    }
    Ok(Applied { outcome, state })
}

/// A state record for a refreshed value, keeping the stored metadata.
fn refreshed_record(
    state: &cairn_state::State,
    addr: &cairn_engine::InstanceAddr,
    v: &Value,
) -> Option<cairn_engine::InstanceRecord> {
    let module = addr.resource.module.to_string();
    let mode = match addr.resource.mode {
        cairn_engine::Mode::Managed => cairn_state::Mode::Managed,
        cairn_engine::Mode::Data => cairn_state::Mode::Data,
    };
    let r = state.find_resource(&module, mode, &addr.resource.type_name, &addr.resource.name)?;
    let inst = r.instance(session::key_to_state(&addr.key).as_ref())?;
    let (key, name) = session::parse_provider_string(&r.provider);
    Some(cairn_engine::InstanceRecord {
        addr: addr.clone(),
        value: v.clone(),
        schema_version: inst.schema_version,
        dependencies: inst.dependencies.clone(),
        provider_key: key,
        provider_name: name,
        create_before_destroy: inst.create_before_destroy,
        deposed: None,
    })
}

fn one(d: Diagnostic) -> Diagnostics {
    let mut ds = Diagnostics::new();
    ds.push(d);
    ds
}

/// Root outputs from state, decrypted (sensitive ones stay marked).
pub fn state_outputs(sess: &Session) -> Result<BTreeMap<String, Value>, Diagnostics> {
    let mut out = BTreeMap::new();
    for (name, o) in &sess.state.outputs {
        let v = o
            .decode(&sess.cipher)
            .map_err(|e| one(session::state_diag(&e)))?;
        out.insert(name.clone(), v);
    }
    Ok(out)
}
