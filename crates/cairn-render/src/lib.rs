//! Plan rendering: what `cairn plan` prints, what `cairn show -json`
//! writes, and the summary posted on pull requests.
//!
//! - [`human`]: Terraform's plan output, symbol for symbol (`+`, `~`,
//!   `-/+`, `(known after apply)`), with "cairn" for "Terraform".
//! - [`json_plan`]: Terraform's JSON plan format 1.2, for OPA/conftest,
//!   checkov and friends.
//! - [`markdown_summary`]: counts and a table of changes.
//!
//! None of them ever prints a value marked sensitive: the human output
//! shows `(sensitive value)`, the JSON holds `null` with `true` in the
//! matching `*_sensitive` structure, and the summary shows no values.

mod diff;
mod drift;
mod human;
mod json;
mod markdown;
mod order;
mod reason;
mod render;
mod text;

pub use drift::{
    drift_json, drift_json_with, drift_markdown, drift_report, drift_text, unmanaged_markdown,
    unmanaged_text, AttrDrift, ResourceDrift, UnmanagedError, UnmanagedObject, UnmanagedReport,
    DEFAULTS_NOT_LISTED,
};
pub use human::{human, HumanOptions, SchemaLookup};
pub use json::{json_plan, redacted_or_null, sensitive_as_bool, JsonMeta};
pub use markdown::markdown_summary;
