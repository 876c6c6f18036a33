//! Offline planning for `cairn lint`: the configuration evaluated and
//! planned as if nothing existed yet, without state, refresh or any call
//! to infrastructure (data sources that need it are unknown).

use std::collections::BTreeMap;
use std::path::PathBuf;

use cairn_config::ModuleTree;
use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap};
use cairn_engine::{Plan, PlanInput, PlanOptions, Prior, Registry};
use cairn_value::Value;
use cairn_vars::CliInput;

use crate::Failure;

/// What `cairn lint` plans.
#[derive(Clone, Debug, Default)]
pub struct OfflineOptions {
    pub dir: PathBuf,
    pub cli: Vec<CliInput>,
    pub env: Vec<(String, String)>,
    pub workspace: String,
}

/// The offline plan and what came with it.
pub struct Offline {
    pub plan: Plan,
    pub tree: ModuleTree,
    pub sources: SourceMap,
    pub root_vars: BTreeMap<String, Value>,
    pub registry: Registry,
    /// Validation warnings and offline-planning notes.
    pub warnings: Diagnostics,
}

/// Plans the configuration in `opts.dir` without touching
/// infrastructure. Root variables without a value are unknown (of their
/// declared type) instead of an error, so a module can be linted alone.
pub async fn offline_plan(opts: &OfflineOptions) -> Result<Offline, Failure> {
    let registry = Registry::new(crate::providers());
    let vopts = cairn_validate::Options {
        cli: opts.cli.clone(),
        env: opts.env.clone(),
        workspace: opts.workspace.clone(),
        require_root_vars: false,
        registry: Some(registry.clone()),
        unknown_variables: true,
        overlay: None,
    };
    let v = crate::session::validated(&opts.dir, &vopts)?;
    let (tree, mut root_vars) = (v.tree, v.root_vars);
    if let Some(root) = tree.root() {
        for (name, var) in &root.variables {
            root_vars
                .entry(name.clone())
                .or_insert_with(|| Value::unknown(var.ty()).mark(var.sensitive));
        }
    }
    let (cwd, funcs, ctx) = crate::session::eval_context()?;
    let planned = cairn_engine::plan(PlanInput {
        tree: &tree,
        root_vars: root_vars.clone(),
        prior: Prior::default(),
        registry: &registry,
        funcs,
        ctx,
        cwd,
        options: PlanOptions {
            skip_refresh: true,
            parallelism: 1,
            workspace: opts.workspace.clone(),
            offline: true,
            ..PlanOptions::default()
        },
    })
    .await;
    // Offline checks take a variable without a value as unknown, by
    // design: one note naming them instead of a warning each.
    let mut warnings = Diagnostics::new();
    let mut unset = Vec::new();
    for d in v.warnings.iter() {
        if d.summary == "No value for required variable" {
            if let Some(name) = d.detail.split('"').nth(1) {
                unset.push(name.to_string());
                continue;
            }
        }
        warnings.push(d.clone());
    }
    if !unset.is_empty() {
        warnings.push(
            Diagnostic::warning(
                "Variables checked as unknown",
                format!(
                    "No value was given for {}; what depends on them is checked as unknown.",
                    unset
                        .iter()
                        .map(|n| format!("var.{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_hint("Give values with -var, -var-file or -env NAME to check more."),
        );
    }
    let (errors, notes): (Vec<Diagnostic>, Vec<Diagnostic>) = planned
        .diags
        .iter()
        .cloned()
        .partition(|d| d.severity == cairn_diagnostics::Severity::Error);
    for d in notes {
        warnings.push(d);
    }
    match planned.plan {
        Some(plan) if errors.is_empty() => Ok(Offline {
            plan,
            tree,
            sources: v.sources,
            root_vars,
            registry,
            warnings,
        }),
        _ => {
            let mut diags = Diagnostics::new();
            for d in errors {
                diags.push(d);
            }
            Err(Failure {
                diags,
                sources: v.sources,
            })
        }
    }
}
