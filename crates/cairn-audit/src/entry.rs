//! One audit entry, and the draft the caller fills in.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::canonical::canonical_hash;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One line of `audit.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1 for the first entry, then +1 per entry.
    pub seq: u64,
    /// A random (v4) UUID, to name the entry independently of its position.
    pub id: Uuid,
    /// When it was appended, RFC 3339 UTC with microseconds.
    #[serde(with = "rfc3339")]
    pub time: DateTime<Utc>,
    pub run_id: String,
    pub user: String,
    pub host: String,
    #[serde(default)]
    pub environment: Option<String>,
    /// The command: "apply", "plan", "destroy", "rollback", ...
    pub command: String,
    /// The command line with `-var` values replaced (see `sanitize_args`).
    #[serde(default)]
    pub args: Vec<String>,
    /// Digest of the plan that was applied, when there was one.
    #[serde(default)]
    pub plan_digest: Option<String>,
    /// Who approved (signers or approval IDs), for protected environments.
    #[serde(default)]
    pub approvals: Vec<String>,
    #[serde(default)]
    pub summary: Summary,
    pub result: Outcome,
    /// Anything else the command wants to keep (errors, drift counts...).
    #[serde(default)]
    pub details: Value,
    /// `hash` of the previous entry, or 64 zeros for the first.
    pub prev_hash: String,
    /// Hex SHA-256 of this entry's canonical JSON without the `hash` field.
    pub hash: String,
}

impl Entry {
    /// The hash this entry should carry, computed from its other fields.
    pub fn compute_hash(&self) -> String {
        match serde_json::to_value(self) {
            Ok(value) => hash_of_entry_value(&value),
            // An Entry always serializes (all keys are strings); an empty
            // string never equals a real hash, so this cannot pass as valid.
            Err(_) => String::new(),
        }
    }

    /// Whether `hash` matches the content.
    pub fn hash_is_valid(&self) -> bool {
        self.compute_hash() == self.hash
    }
}

/// Hash of an entry given as JSON: canonical JSON of the object without its
/// `hash` key. Verification hashes the parsed line itself rather than a
/// re-encoded [`Entry`], so fields this version does not know are covered
/// too and an added field counts as an edit.
pub(crate) fn hash_of_entry_value(value: &Value) -> String {
    match value {
        Value::Object(map) if map.contains_key("hash") => {
            let mut map = map.clone();
            map.remove("hash");
            canonical_hash(&Value::Object(map))
        }
        other => canonical_hash(other),
    }
}

/// Counts of changes; `extra` holds whatever else a command counts (drifted
/// resources, failed checks...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(default)]
    pub add: u64,
    #[serde(default)]
    pub change: u64,
    #[serde(default)]
    pub destroy: u64,
    #[serde(default)]
    pub imported: u64,
    // A plain field, not #[serde(flatten)]: flatten buffers numbers, which
    // breaks with serde_json's arbitrary_precision feature used here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Value>,
}

impl Summary {
    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.add == 0
            && self.change == 0
            && self.destroy == 0
            && self.imported == 0
            && self.extra.is_empty()
    }
}

impl fmt::Display for Summary {
    /// `+1 ~2 -3`, then `imported N` and `key=value` for the extras; `-`
    /// when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("-");
        }
        let mut parts = Vec::new();
        if self.add + self.change + self.destroy > 0 {
            parts.push(format!("+{} ~{} -{}", self.add, self.change, self.destroy));
        }
        if self.imported > 0 {
            parts.push(format!("imported {}", self.imported));
        }
        for (k, v) in &self.extra {
            match v {
                Value::String(s) => parts.push(format!("{k}={s}")),
                other => parts.push(format!("{k}={other}")),
            }
        }
        f.write_str(&parts.join(" "))
    }
}

/// How the command ended. Stored as a lowercase string; values this version
/// does not know are kept as [`Outcome::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Outcome {
    Success,
    Failure,
    /// Not run: approval missing, policy denied, protected environment.
    Refused,
    /// Stopped by the user (answered "no", interrupted).
    Cancelled,
    Other(String),
}

impl Outcome {
    pub fn as_str(&self) -> &str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Refused => "refused",
            Outcome::Cancelled => "cancelled",
            Outcome::Other(s) => s,
        }
    }
}

impl From<String> for Outcome {
    fn from(s: String) -> Outcome {
        match s.as_str() {
            "success" => Outcome::Success,
            "failure" => Outcome::Failure,
            "refused" => Outcome::Refused,
            "cancelled" => Outcome::Cancelled,
            _ => Outcome::Other(s),
        }
    }
}

impl From<Outcome> for String {
    fn from(o: Outcome) -> String {
        o.as_str().to_string()
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the caller knows about a command; `append` adds the sequence
/// number, ID, time and hashes, fills in user and host when absent,
/// sanitizes the arguments and redacts known secrets.
#[derive(Debug, Clone)]
pub struct EntryDraft {
    pub run_id: String,
    /// None: resolved with [`crate::user`].
    pub user: Option<String>,
    /// None: resolved with [`crate::host`].
    pub host: Option<String>,
    pub environment: Option<String>,
    pub command: String,
    /// The raw command line; `-var` values are removed on append.
    pub args: Vec<String>,
    pub plan_digest: Option<String>,
    pub approvals: Vec<String>,
    pub summary: Summary,
    pub result: Outcome,
    pub details: Value,
}

impl EntryDraft {
    /// A draft with everything else empty.
    pub fn new(run_id: impl Into<String>, command: impl Into<String>, result: Outcome) -> Self {
        EntryDraft {
            run_id: run_id.into(),
            user: None,
            host: None,
            environment: None,
            command: command.into(),
            args: Vec::new(),
            plan_digest: None,
            approvals: Vec::new(),
            summary: Summary::default(),
            result,
            details: Value::Null,
        }
    }
}

/// RFC 3339 in UTC with exactly microseconds and `Z`, so the text is the
/// same however the value was produced (entries are created truncated to
/// microseconds, so reading one back gives an equal `Entry`).
mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| serde::de::Error::custom(format!("invalid time {text:?}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_round_trip() {
        for o in [
            Outcome::Success,
            Outcome::Failure,
            Outcome::Refused,
            Outcome::Cancelled,
            Outcome::Other("partial".into()),
        ] {
            let text = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<Outcome>(&text).unwrap(), o);
        }
        assert_eq!(
            serde_json::to_string(&Outcome::Refused).unwrap(),
            "\"refused\""
        );
    }

    #[test]
    fn summary_display() {
        assert_eq!(Summary::default().to_string(), "-");
        let mut s = Summary {
            add: 2,
            destroy: 1,
            imported: 3,
            ..Summary::default()
        };
        s.extra.insert("drifted".into(), Value::from(4));
        assert_eq!(s.to_string(), "+2 ~0 -1 imported 3 drifted=4");
    }
}
