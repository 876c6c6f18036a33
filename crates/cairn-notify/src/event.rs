//! What is notified, and how it reads.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::NotifyError;

/// The events a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// `apply_failed`: an apply stopped with errors.
    ApplyFailed,
    /// `rollback`: an apply was rolled back.
    #[serde(rename = "rollback")]
    RolledBack,
    /// `verify_failed`: a probe or check failed after apply or on
    /// `cairn verify`.
    VerifyFailed,
    /// `drift_found`: real infrastructure differs from the state.
    DriftFound,
}

impl EventKind {
    /// Every kind, in a stable order.
    pub const ALL: [EventKind; 4] = [
        EventKind::ApplyFailed,
        EventKind::RolledBack,
        EventKind::VerifyFailed,
        EventKind::DriftFound,
    ];

    /// The configuration and JSON name: `apply_failed`, `rollback`,
    /// `verify_failed`, `drift_found`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ApplyFailed => "apply_failed",
            EventKind::RolledBack => "rollback",
            EventKind::VerifyFailed => "verify_failed",
            EventKind::DriftFound => "drift_found",
        }
    }

    fn emoji(self) -> &'static str {
        match self {
            EventKind::ApplyFailed => ":red_circle:",
            EventKind::RolledBack => ":rewind:",
            EventKind::VerifyFailed => ":warning:",
            EventKind::DriftFound => ":large_yellow_circle:",
        }
    }

    fn headline(self) -> &'static str {
        match self {
            EventKind::ApplyFailed => "apply failed",
            EventKind::RolledBack => "rolled back",
            EventKind::VerifyFailed => "verification failed",
            EventKind::DriftFound => "found drift",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = NotifyError;

    /// The names of [`EventKind::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| NotifyError::UnknownEvent(s.to_string()))
    }
}

/// One event to send. The JSON body is these fields plus `text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub kind: EventKind,
    pub run_id: String,
    /// The command that ran: `apply`, `verify`, `drift`, ...
    pub command: String,
    pub environment: Option<String>,
    /// One human line, e.g. `2 of 5 operations failed`.
    pub summary: String,
    /// Anything structured (failed addresses, probe results, ...);
    /// `null` when there is nothing.
    pub details: Value,
    /// RFC 3339, UTC.
    pub time: DateTime<Utc>,
}

impl Notification {
    /// A notification timed now, with no environment and no details.
    pub fn new(
        kind: EventKind,
        run_id: impl Into<String>,
        command: impl Into<String>,
        summary: impl Into<String>,
    ) -> Notification {
        Notification {
            kind,
            run_id: run_id.into(),
            command: command.into(),
            environment: None,
            summary: summary.into(),
            details: Value::Null,
            time: Utc::now(),
        }
    }

    pub fn with_environment(mut self, environment: impl Into<String>) -> Notification {
        self.environment = Some(environment.into());
        self
    }

    pub fn with_details(mut self, details: Value) -> Notification {
        self.details = details;
        self
    }

    /// The Slack-compatible one-liner, e.g. `:red_circle: cairn apply
    /// failed in prod: 2 of 5 operations failed (run 01J...)`.
    pub fn text(&self) -> String {
        let mut line = format!("{} cairn {}", self.kind.emoji(), self.kind.headline());
        if let Some(env) = self.environment.as_deref().filter(|e| !e.is_empty()) {
            line.push_str(" in ");
            line.push_str(env);
        }
        if !self.summary.trim().is_empty() {
            line.push_str(": ");
            line.push_str(&self.summary);
        }
        if !self.run_id.is_empty() {
            line.push_str(&format!(" (run {})", self.run_id));
        }
        // Chat clients show a line break as one; the text is one line.
        one_line(&line)
    }

    /// The JSON body before redaction: `text` first, then the fields.
    pub fn body(&self) -> Value {
        let mut body = serde_json::Map::new();
        body.insert("text".into(), Value::String(self.text()));
        // Serializing plain fields, strings and a chrono time cannot fail;
        // if it ever did, the body would still carry `text`.
        if let Ok(Value::Object(fields)) = serde_json::to_value(self) {
            body.extend(fields);
        }
        Value::Object(body)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
