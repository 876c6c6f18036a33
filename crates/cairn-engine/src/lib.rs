//! The engine: plan and apply.
//!
//! [`plan::plan`] walks the configuration graph in dependency order,
//! expanding modules and `count`/`for_each` into instances, refreshing
//! each prior instance through its provider and asking the provider to
//! plan it; it returns a [`model::Plan`]. [`apply::apply`] carries a plan
//! out, recording every operation in a [`apply::StateSink`] as it finishes.

pub mod addr;
pub mod apply;
pub mod decode;
pub mod model;
pub mod moved;
pub mod plan;
mod plan_resource;
pub mod providers;
pub mod targets;
pub mod values;

pub use addr::{parse_instance, InstanceAddr, Key, Mode, ModuleInstance, ResourceAddr};
pub use apply::{apply, ApplyInput, ApplyOutcome, Event, Events, InstanceRecord, StateSink};
pub use model::{
    Action, Change, CheckResult, CheckStatus, Drift, OutputChange, Plan, Prior, PriorInstance,
    ProbeDecl,
};
pub use plan::{plan, PlanInput, PlanOptions, PlanOutcome};
pub use providers::{Configured, Registry};
