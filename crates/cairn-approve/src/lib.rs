//! Review gates: signed approvals of saved plans.
//!
//! A reviewer makes an ed25519 key pair once ([`keys`]); `cairn approve
//! PLAN` signs the saved plan's identity ([`PlanIdentity`]: plan digest,
//! configuration digest, state lineage and serial) into an [`Approval`]
//! stored next to the plan file ([`store`]). A protected environment names
//! its reviewers' public keys and how many approvals an apply needs
//! ([`GatePolicy`]); [`verify`] accepts a plan only with that many valid
//! approvals by distinct listed reviewers, and otherwise says exactly why
//! not ([`Refusal`]).
//!
//! What an approval binds: the plan digest covers the planned changes, and
//! `apply PLAN` re-plans and refuses unless it gets the same digest, so the
//! changes applied are the ones approved. The configuration digest and the
//! state version pin what they were planned from.

pub mod approval;
pub mod gate;
pub mod keys;
pub mod store;

pub use approval::{Approval, PlanIdentity, DOMAIN, VERSION};
pub use gate::{verify, Accepted, GatePolicy, Reason, Refusal, Rejected};
pub use keys::{fingerprint, generate, KeyError, PrivateKey, PublicKey};
pub use store::StoreError;
