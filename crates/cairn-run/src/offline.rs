//! Offline planning for `cairn lint`: the configuration evaluated and
//! planned as if nothing existed yet, without state, refresh or any call
//! to infrastructure (data sources that need it are unknown).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use cairn_config::ModuleTree;
use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap};
use cairn_engine::{Plan, PlanInput, PlanOptions, Prior, Registry};
use cairn_functions::{Context, Registry as Funcs};
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
    };
    let out = cairn_validate::validate(&opts.dir, &vopts);
    if out.diags.has_errors() {
        return Err(Failure {
            diags: out.diags,
            sources: out.sources,
        });
    }
    let Some(tree) = out.tree else {
        return Err(Failure {
            diags: out.diags,
            sources: out.sources,
        });
    };
    let mut root_vars = out.root_vars;
    if let Some(root) = tree.root() {
        for (name, var) in &root.variables {
            root_vars
                .entry(name.clone())
                .or_insert_with(|| Value::unknown(var.ty()).mark(var.sensitive));
        }
    }
    let cwd = std::env::current_dir().map_err(|e| {
        Failure::one(Diagnostic::error(
            "Cannot read the working directory",
            e.to_string(),
        ))
    })?;
    let funcs = Arc::new(Funcs::standard());
    let ctx = cairn_eval::context_with_templates(
        Context {
            base_dir: cwd.clone(),
            plan_time: false,
            template: None,
        },
        funcs.clone(),
    );
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
    let mut warnings = out.diags;
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
            sources: out.sources,
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
                sources: out.sources,
            })
        }
    }
}
