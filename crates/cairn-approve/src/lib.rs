//! Review gates: signed approvals of saved plans.
