//! Why a change happens, in Terraform's terms. The engine records reasons
//! as sentences; this maps them to Terraform's `action_reason` values and
//! to the wording of its plan output.

use cairn_engine::{Action, Change, Key};

/// Terraform's action reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    ReplaceCannotUpdate,
    ReplaceTainted,
    ReplaceByRequest,
    ReplaceByTriggers,
    DeleteNoResourceConfig,
    DeleteWrongRepetition,
    DeleteCountIndex,
    DeleteEachKey,
    DeleteNoModule,
    DeleteNoMoveTarget,
    ReadConfigUnknown,
    ReadDependencyPending,
    /// A reason Terraform has no name for, kept as the engine wrote it.
    Other(String),
}

impl Reason {
    /// The reason of a change, if it has one.
    pub fn of(c: &Change) -> Option<Reason> {
        let text = c.reason.as_deref().map(str::trim).unwrap_or("");
        let has = |s: &str| text.contains(s);
        match c.action {
            Action::Replace => Some(if text.is_empty() {
                Reason::ReplaceCannotUpdate
            } else if has("tainted") {
                Reason::ReplaceTainted
            } else if has("replace_triggered_by") {
                Reason::ReplaceByTriggers
            } else if has("requested") || has("-replace") {
                Reason::ReplaceByRequest
            } else if has("cannot be updated") || has("cannot update") {
                Reason::ReplaceCannotUpdate
            } else {
                Reason::Other(text.to_string())
            }),
            Action::Delete if !text.is_empty() => Some(if has("out of range for count") {
                Reason::DeleteCountIndex
            } else if has("not in for_each") {
                Reason::DeleteEachKey
            } else if has("count or for_each")
                || has("does not use count")
                || has("does not use for_each")
            {
                Reason::DeleteWrongRepetition
            } else if has("which is not in configuration") && has("moved to") {
                Reason::DeleteNoMoveTarget
            } else if has("is not in configuration") && text.starts_with("module.") {
                Reason::DeleteNoModule
            } else if has("not in configuration") {
                Reason::DeleteNoResourceConfig
            } else {
                Reason::Other(text.to_string())
            }),
            Action::Read if !text.is_empty() => Some(if has("not yet known") {
                Reason::ReadConfigUnknown
            } else if has("depends on") || has("pending") {
                Reason::ReadDependencyPending
            } else {
                Reason::Other(text.to_string())
            }),
            _ if !text.is_empty() => Some(Reason::Other(text.to_string())),
            _ => None,
        }
    }

    /// Terraform's JSON `action_reason`.
    pub fn json_name(&self) -> Option<&'static str> {
        Some(match self {
            Reason::ReplaceCannotUpdate => "replace_because_cannot_update",
            Reason::ReplaceTainted => "replace_because_tainted",
            Reason::ReplaceByRequest => "replace_by_request",
            Reason::ReplaceByTriggers => "replace_by_triggers",
            Reason::DeleteNoResourceConfig => "delete_because_no_resource_config",
            Reason::DeleteWrongRepetition => "delete_because_wrong_repetition",
            Reason::DeleteCountIndex => "delete_because_count_index",
            Reason::DeleteEachKey => "delete_because_each_key",
            Reason::DeleteNoModule => "delete_because_no_module",
            Reason::DeleteNoMoveTarget => "delete_because_no_move_target",
            Reason::ReadConfigUnknown => "read_because_config_unknown",
            Reason::ReadDependencyPending => "read_because_dependency_pending",
            Reason::Other(_) => return None,
        })
    }

    /// A short phrase for summaries.
    pub fn short(&self) -> String {
        match self {
            Reason::ReplaceCannotUpdate => "cannot be updated in place".into(),
            Reason::ReplaceTainted => "tainted".into(),
            Reason::ReplaceByRequest => "replacement requested".into(),
            Reason::ReplaceByTriggers => "replace_triggered_by".into(),
            Reason::DeleteNoResourceConfig => "not in configuration".into(),
            Reason::DeleteWrongRepetition => "count/for_each changed".into(),
            Reason::DeleteCountIndex => "index out of range for count".into(),
            Reason::DeleteEachKey => "key not in for_each".into(),
            Reason::DeleteNoModule => "module not in configuration".into(),
            Reason::DeleteNoMoveTarget => "moved to an address not in configuration".into(),
            Reason::ReadConfigUnknown => "config refers to values not yet known".into(),
            Reason::ReadDependencyPending => "depends on changes pending".into(),
            Reason::Other(s) => s.clone(),
        }
    }
}

/// The instance key as Terraform writes `index` in JSON and in
/// `# (because index [1] ...)` lines.
pub(crate) fn key_json(k: &Key) -> Option<serde_json::Value> {
    match k {
        Key::Int(i) => Some(serde_json::Value::from(*i)),
        Key::Str(s) => Some(serde_json::Value::String(s.clone())),
        Key::None => None,
    }
}

/// The extra comment line Terraform prints under a deletion.
pub(crate) fn delete_note(c: &Change, r: &Reason) -> Option<String> {
    let addr = &c.addr;
    let index = key_json(&addr.key)
        .map(|j| j.to_string())
        .unwrap_or_default();
    Some(match r {
        Reason::DeleteNoResourceConfig => format!(
            "(because {}.{} is not in configuration)",
            addr.resource.type_name, addr.resource.name
        ),
        Reason::DeleteNoMoveTarget => match &c.moved_from {
            Some(from) => {
                format!("(because {from} was moved to {addr}, which is not in configuration)")
            }
            None => format!("(because {addr} is not in configuration)"),
        },
        Reason::DeleteNoModule => {
            format!("(because {} is not in configuration)", addr.resource.module)
        }
        Reason::DeleteWrongRepetition => match addr.key {
            Key::None => "(because resource uses count or for_each)".into(),
            Key::Int(_) => "(because resource does not use count)".into(),
            Key::Str(_) => "(because resource does not use for_each)".into(),
        },
        Reason::DeleteCountIndex => format!("(because index [{index}] is out of range for count)"),
        Reason::DeleteEachKey => format!("(because key [{index}] is not in for_each map)"),
        Reason::Other(s) => format!("(because {s})"),
        _ => return None,
    })
}
