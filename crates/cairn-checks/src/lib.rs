//! The checks every `cairn plan` and `cairn lint` runs on planned values:
//! built-in security and secret rules, the tag policy, user Rego policies
//! and the budget. This crate turns a plan into the checkers' input,
//! points each finding at the configuration line it is about, and applies
//! `# cairn:ignore` comments and the project's suppressions.

mod cost;
mod locate;
mod model;
mod run;
mod suppress;

pub use cost::cost_report;
pub use locate::locate;
pub use model::{model, resource_address};
pub use run::{check_plan, Checked, Settings};
pub use suppress::comment_suppressions;
