//! What plan produces and apply consumes.

use std::collections::BTreeMap;

use cairn_value::{PathStep, Value};

use crate::addr::InstanceAddr;

/// What happens to one instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    NoOp,
    Create,
    /// A data source read deferred to apply.
    Read,
    Update,
    /// Delete then create, or create then delete with create_before_destroy.
    Replace,
    Delete,
}

impl Action {
    /// Terraform's JSON plan `actions` list.
    pub fn json_actions(&self, create_before_destroy: bool) -> Vec<&'static str> {
        match self {
            Action::NoOp => vec!["no-op"],
            Action::Create => vec!["create"],
            Action::Read => vec!["read"],
            Action::Update => vec!["update"],
            Action::Replace if create_before_destroy => vec!["create", "delete"],
            Action::Replace => vec!["delete", "create"],
            Action::Delete => vec!["delete"],
        }
    }
}

/// The planned change of one instance.
#[derive(Clone, Debug)]
pub struct Change {
    pub addr: InstanceAddr,
    pub action: Action,
    /// The (refreshed) prior value; `None` for creates.
    pub before: Option<Value>,
    /// The planned value, unknown where only apply will tell; `None` for
    /// deletes.
    pub after: Option<Value>,
    /// Attributes whose change forces the replacement.
    pub replace_paths: Vec<Vec<PathStep>>,
    /// Why, when it is not obvious (replacement requested, no longer in
    /// configuration, ...).
    pub reason: Option<String>,
    pub create_before_destroy: bool,
    /// Configuration addresses of the resources this one depends on.
    pub dependencies: Vec<String>,
    /// The provider configuration: (module path, `aws` / `aws.west`).
    pub provider_key: (Vec<String>, String),
    /// The provider's local name.
    pub provider_name: String,
    /// `Some(id)` when the instance is imported by this plan.
    pub importing: Option<String>,
    /// The previous address when a `moved` block moved it.
    pub moved_from: Option<InstanceAddr>,
    /// The change deletes a deposed object (an old object left by an
    /// interrupted create_before_destroy replacement), not the current one.
    pub deposed: bool,
}

/// A root output's change.
#[derive(Clone, Debug)]
pub struct OutputChange {
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

/// Something that changed outside cairn, found by refresh.
#[derive(Clone, Debug)]
pub struct Drift {
    pub addr: InstanceAddr,
    pub before: Value,
    /// `None` when the object was deleted.
    pub after: Option<Value>,
}

/// A plan.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub outputs: BTreeMap<String, OutputChange>,
    pub drift: Vec<Drift>,
    /// Data sources read while planning.
    pub data: BTreeMap<InstanceAddr, Value>,
    pub destroy: bool,
    pub refresh_only: bool,
    /// Each provider configuration's evaluated arguments, by (module path,
    /// `aws` / `aws.west`); sensitive values stay marked.
    pub provider_configs: BTreeMap<(Vec<String>, String), Value>,
    /// Every `check` block instance's result with this plan's values.
    pub checks: Vec<CheckResult>,
}

/// Whether a check's assertions held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    Pass,
    Fail,
    /// An assertion depends on values known only after apply.
    Unknown,
}

/// One `check` block instance.
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// `check.web` or `module.app.check.web`.
    pub address: String,
    pub status: CheckStatus,
    /// The failed assertions' error messages (and scoped data errors).
    pub messages: Vec<String>,
    /// The `probe` blocks, evaluated: `cairn verify` runs them.
    pub probes: Vec<ProbeDecl>,
}

/// A `probe "KIND" { ... }` block of a check, its arguments evaluated.
#[derive(Clone, Debug)]
pub struct ProbeDecl {
    /// `tcp`, `http` or `dns`.
    pub kind: String,
    /// An object of the block's arguments.
    pub args: Value,
    pub span: Option<cairn_diagnostics::Span>,
}

impl Plan {
    /// (add, change, destroy) as Terraform counts them: a replacement
    /// counts as one add and one destroy.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut add = 0;
        let mut change = 0;
        let mut destroy = 0;
        for c in &self.changes {
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Replace => {
                    add += 1;
                    destroy += 1;
                }
                Action::Delete => destroy += 1,
                Action::NoOp | Action::Read => {}
            }
        }
        (add, change, destroy)
    }

    pub fn imports(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.importing.is_some())
            .count()
    }

    /// True when applying would change infrastructure or state.
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.action != Action::NoOp || c.importing.is_some() || c.moved_from.is_some())
            || self.outputs.values().any(|o| match (&o.before, &o.after) {
                (Some(b), Some(a)) => !b.raw_equal(a),
                (None, None) => false,
                _ => true,
            })
            || (self.refresh_only && !self.drift.is_empty())
    }
}

/// An instance's state before the run, decoded with its schema.
#[derive(Clone, Debug)]
pub struct PriorInstance {
    pub value: Value,
    pub dependencies: Vec<String>,
    pub provider_key: (Vec<String>, String),
    pub provider_name: String,
    pub create_before_destroy: bool,
    pub tainted: bool,
}

/// The state before the run, as the engine reads it.
#[derive(Clone, Debug, Default)]
pub struct Prior {
    pub instances: BTreeMap<InstanceAddr, PriorInstance>,
    pub outputs: BTreeMap<String, Value>,
    /// Deposed objects: planned for deletion.
    pub deposed: Vec<(InstanceAddr, PriorInstance)>,
    /// Creates started by an earlier run and not seen to finish: instance
    /// address -> idempotency key, reused by the next create of the address.
    pub pending_creates: BTreeMap<String, String>,
}
