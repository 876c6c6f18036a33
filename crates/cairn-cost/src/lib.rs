//! Cost estimates for AWS resources, offline.
//!
//! - [`catalog`]: the dated price catalog compiled into cairn
//!   (`catalog/aws.csv`), with where every price comes from.
//! - [`estimate`](mod@estimate): the monthly cost of one resource instance
//!   from its planned values, in priced components.
//! - [`usage`]: the usage file, for charges a plan cannot tell (storage,
//!   requests, traffic).
//! - [`report`]: a plan's costs before and after, and its renderings
//!   (table, JSON, Markdown, the one-line plan footer).
//! - [`budget`]: the budget policy, rule `COST001`.
//!
//! Prices are on-demand list prices in USD for 730 hours a month, without
//! free tiers, Savings Plans or other discounts; see `docs/cost.md`.

pub mod budget;
pub mod catalog;
pub mod estimate;
pub mod report;
pub mod usage;

pub use budget::{budget_finding, rules, COST001};
pub use catalog::{Catalog, CatalogError, CatalogMeta, Price, PriceStatus};
pub use estimate::{
    estimate, round_cents, CostItem, Estimate, LineItem, Note, NoteKind, Status, HOURS_PER_MONTH,
    PRICED_TYPES,
};
pub use report::{
    build_report, format_change, format_usd, one_line, render_json, render_markdown, render_table,
    Change, CostReport, ResourceCost,
};
pub use usage::{keys_for, resource_address, Usage, UsageEntry, UsageError};
