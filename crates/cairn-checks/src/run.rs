//! Running every check on a plan.

use cairn_config::ModuleTree;
use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap};
use cairn_engine::{Plan, Registry};
use cairn_findings::{Report, Severity};

/// What to check and how strictly.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The project's settings for the selected environment.
    pub project: cairn_project::Effective,
    /// The `--fail-on` threshold (else the project's, else high).
    pub fail_on: Option<Severity>,
}

impl Settings {
    pub fn threshold(&self) -> Severity {
        self.fail_on
            .or(self.project.policy.fail_on)
            .unwrap_or(Severity::High)
    }
}

/// The checks' result: the report (add more findings, then
/// [`Checked::finish`]), the suppressions to apply, and warnings (ignored
/// suppression comments).
pub struct Checked {
    pub report: Report,
    pub suppressions: Vec<cairn_findings::Suppression>,
    pub warnings: Diagnostics,
}

impl Checked {
    /// Applies the suppressions to every finding (including ones added
    /// after [`check_plan`]) and sorts the report.
    pub fn finish(&mut self) {
        self.report.suppress(&self.suppressions);
        self.report.sort();
    }
}

/// Runs the built-in rules and the tag policy on the plan's planned
/// values and locates every finding; gathers the suppressions.
pub fn check_plan(
    plan: &Plan,
    tree: &ModuleTree,
    registry: &Registry,
    sources: &SourceMap,
    settings: &Settings,
) -> Result<Checked, Diagnostics> {
    let model = crate::model(plan, registry, tree);
    let tags = match &settings.project.tags {
        Some(t) => Some(
            cairn_lint::tags::TagPolicy::new(t.required.clone(), t.allowed.clone()).map_err(
                |e| {
                    Diagnostics::from(
                        Diagnostic::error("Invalid tag policy", e.to_string())
                            .with_hint(format!("Fix the tags block in {}.", cairn_project::FILE)),
                    )
                },
            )?,
        ),
        None => None,
    };
    let opts = cairn_lint::Options {
        disabled: settings.project.policy.disable.clone(),
        tags,
    };
    let mut report = Report::new(settings.threshold());
    let mut findings = cairn_lint::check(&model, &opts);
    for f in &mut findings {
        // A secret in a variable's default: the variable being sensitive
        // does not help, the value is still in the code.
        if f.address.as_deref().is_some_and(is_variable) {
            f.fix = "Remove the default and give the value at run time (TF_VAR_name, or a var file kept out of version control); then rotate it: the repository keeps the old value.".into();
        }
    }
    report.extend(findings, &cairn_lint::rules());
    let by_addr: std::collections::HashMap<&str, &cairn_value::Value> = model
        .instances
        .iter()
        .map(|i| (i.address.as_str(), &i.values))
        .collect();
    crate::locate(&mut report, tree, |a| by_addr.get(a).copied());
    let (mut suppressions, warnings) = crate::comment_suppressions(tree, sources);
    suppressions.extend(settings.project.suppressions.iter().cloned());
    Ok(Checked {
        report,
        suppressions,
        warnings,
    })
}

/// `var.x` or `module.a.var.x`.
fn is_variable(addr: &str) -> bool {
    let mut rest = addr;
    while let Some(r) = rest.strip_prefix("module.") {
        match r.split_once('.') {
            Some((_, tail)) => rest = tail,
            None => return false,
        }
    }
    rest.starts_with("var.")
}
