//! Verifying approvals against a protected environment's policy.
//!
//! The rules, in order:
//!
//! 1. The policy must be satisfiable: at least one approval required, and
//!    no more than there are distinct reviewer keys.
//! 2. Every approval's signature is checked before anything is counted.
//!    One that does not verify (an edited or forged document) refuses the
//!    plan outright ([`Refusal::BadSignature`]): tampering is never
//!    outvoted by other approvals.
//! 3. Each remaining approval counts only if its key is a listed reviewer,
//!    it is for the plan's digest and configuration digest, and for the
//!    plan's state lineage and serial. Several approvals by one key count
//!    once.
//! 4. With at least `required` counted, the plan is accepted (approvals
//!    that did not count are reported in [`Accepted::ignored`]). Otherwise
//!    it is refused: when every approval that did not count failed for the
//!    same reason, the refusal is that reason's variant
//!    ([`Refusal::UnknownKey`], [`Refusal::WrongPlan`],
//!    [`Refusal::StaleState`]); when none failed (approvals are simply
//!    missing) or reasons differ, it is [`Refusal::TooFewApprovals`].

use std::fmt;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::approval::{Approval, PlanIdentity};
use crate::keys::PublicKey;

/// A protected environment's review rule.
#[derive(Clone, Debug)]
pub struct GatePolicy {
    /// The keys whose approvals count.
    pub reviewers: Vec<PublicKey>,
    /// How many distinct reviewers must approve.
    pub required: usize,
}

/// A plan that passed the gate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Accepted {
    /// Each counted reviewer as `name (fingerprint)`, the name taken from
    /// the policy's key comment (else the approval's `reviewer`).
    pub approvers: Vec<String>,
    /// Approvals present that did not count, and why.
    pub ignored: Vec<Rejected>,
}

/// An approval that did not count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub fingerprint: String,
    pub reviewer: String,
    pub reason: Reason,
}

/// Why an approval did not count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The signer is not a listed reviewer.
    UnknownKey,
    /// The approval is for another plan: `field` is `plan_digest` or
    /// `config_digest`.
    WrongPlan {
        field: String,
        approved: String,
        plan: String,
    },
    /// The approval was made against another state version.
    StaleState {
        approved_lineage: String,
        approved_serial: u64,
        plan_lineage: String,
        plan_serial: u64,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::UnknownKey => {
                f.write_str("its key is not a reviewer of this environment")
            }
            Reason::WrongPlan {
                field,
                approved,
                plan,
            } => write!(
                f,
                "it is for {field} {approved}, but the plan's is {plan}: the plan changed after it was approved"
            ),
            Reason::StaleState {
                approved_lineage,
                approved_serial,
                plan_lineage,
                plan_serial,
            } => {
                if approved_lineage == plan_lineage {
                    write!(
                        f,
                        "it was made against state serial {approved_serial}, but the plan is against serial {plan_serial}: the state moved on"
                    )
                } else {
                    write!(
                        f,
                        "it was made against state lineage {approved_lineage}, but the plan is against lineage {plan_lineage}"
                    )
                }
            }
        }
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the approval by {} ({}): {}",
            self.reviewer, self.fingerprint, self.reason
        )
    }
}

/// Why a plan may not be applied; one variant per reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// The policy can never be met (a configuration error).
    #[error("the review gate is misconfigured: {reason}")]
    InvalidPolicy { reason: String },
    /// An approval does not verify: edited after signing, or forged. The
    /// fingerprint and reviewer are what the document claims.
    #[error("the approval claiming to be by {reviewer} ({fingerprint}) does not verify: {detail}; it was edited after signing or forged (remove it, or have the reviewer approve again)")]
    BadSignature {
        fingerprint: String,
        reviewer: String,
        detail: String,
    },
    /// Not enough valid approvals; `rejected` lists those present that
    /// did not count (for differing reasons), if any.
    #[error("{}", shortfall(*valid, *required, rejected))]
    TooFewApprovals {
        valid: usize,
        required: usize,
        rejected: Vec<Rejected>,
    },
    /// Not enough valid approvals, and those that did not count were
    /// signed by keys that are not listed reviewers.
    #[error("{}", shortfall(*valid, *required, rejected))]
    UnknownKey {
        valid: usize,
        required: usize,
        rejected: Vec<Rejected>,
    },
    /// Not enough valid approvals, and those that did not count are for
    /// another plan or configuration digest: the plan changed after it was
    /// approved.
    #[error("{}", shortfall(*valid, *required, rejected))]
    WrongPlan {
        valid: usize,
        required: usize,
        rejected: Vec<Rejected>,
    },
    /// Not enough valid approvals, and those that did not count were made
    /// against another state version: the state moved on.
    #[error("{}", shortfall(*valid, *required, rejected))]
    StaleState {
        valid: usize,
        required: usize,
        rejected: Vec<Rejected>,
    },
}

/// "the plan has 1 valid approval(s) of the 2 it needs; the approval by …"
fn shortfall(valid: usize, required: usize, rejected: &[Rejected]) -> String {
    let mut s = format!("the plan has {valid} valid approval(s) of the {required} it needs");
    for r in rejected {
        s.push_str("; ");
        s.push_str(&r.to_string());
    }
    s
}

/// Checks `approvals` of `plan` against `policy` (rules in the module
/// docs).
pub fn verify(
    plan: &PlanIdentity,
    approvals: &[Approval],
    policy: &GatePolicy,
) -> Result<Accepted, Refusal> {
    let mut reviewers: Vec<&PublicKey> = Vec::new();
    for r in &policy.reviewers {
        if !reviewers.iter().any(|x| x.key() == r.key()) {
            reviewers.push(r);
        }
    }
    if policy.required == 0 {
        return Err(Refusal::InvalidPolicy {
            reason: "a protected environment must require at least one approval".into(),
        });
    }
    if policy.required > reviewers.len() {
        return Err(Refusal::InvalidPolicy {
            reason: format!(
                "{} approvals are required but only {} distinct reviewer key(s) are listed",
                policy.required,
                reviewers.len()
            ),
        });
    }

    // Signatures first: nothing is counted until every document verifies.
    let mut signed: Vec<(&Approval, VerifyingKey)> = Vec::with_capacity(approvals.len());
    for a in approvals {
        match a.check_signature() {
            Ok(vk) => signed.push((a, vk)),
            Err(detail) => {
                return Err(Refusal::BadSignature {
                    fingerprint: a.fingerprint.clone(),
                    reviewer: a.reviewer.clone(),
                    detail,
                })
            }
        }
    }

    let mut counted: Vec<VerifyingKey> = Vec::new();
    let mut approvers = Vec::new();
    let mut rejected: Vec<(VerifyingKey, Rejected)> = Vec::new();
    for (a, vk) in signed {
        let listed = reviewers.iter().find(|r| *r.key() == vk);
        let reason = match listed {
            None => Some(Reason::UnknownKey),
            Some(_) => mismatch(plan, a),
        };
        match reason {
            None => {
                if !counted.contains(&vk) {
                    counted.push(vk);
                    let name = listed
                        .map(|r| r.comment())
                        .filter(|c| !c.is_empty())
                        .unwrap_or(&a.reviewer);
                    approvers.push(format!("{name} ({})", a.fingerprint));
                }
            }
            Some(reason) => {
                let r = Rejected {
                    fingerprint: a.fingerprint.clone(),
                    reviewer: a.reviewer.clone(),
                    reason,
                };
                if !rejected.iter().any(|(k, x)| *k == vk && *x == r) {
                    rejected.push((vk, r));
                }
            }
        }
    }
    // A key that also approved this very plan does not need its other
    // (older) approvals explained.
    let rejected: Vec<Rejected> = rejected
        .into_iter()
        .filter(|(k, _)| !counted.contains(k))
        .map(|(_, r)| r)
        .collect();

    let valid = counted.len();
    let required = policy.required;
    if valid >= required {
        return Ok(Accepted {
            approvers,
            ignored: rejected,
        });
    }
    let same =
        |f: fn(&Reason) -> bool| !rejected.is_empty() && rejected.iter().all(|r| f(&r.reason));
    Err(if same(|r| matches!(r, Reason::UnknownKey)) {
        Refusal::UnknownKey {
            valid,
            required,
            rejected,
        }
    } else if same(|r| matches!(r, Reason::WrongPlan { .. })) {
        Refusal::WrongPlan {
            valid,
            required,
            rejected,
        }
    } else if same(|r| matches!(r, Reason::StaleState { .. })) {
        Refusal::StaleState {
            valid,
            required,
            rejected,
        }
    } else {
        Refusal::TooFewApprovals {
            valid,
            required,
            rejected,
        }
    })
}

/// How an approval differs from the plan, if it does: the changes first
/// (a different plan), then the state it was made against.
fn mismatch(plan: &PlanIdentity, a: &Approval) -> Option<Reason> {
    if a.plan_digest != plan.plan_digest {
        return Some(Reason::WrongPlan {
            field: "plan_digest".into(),
            approved: a.plan_digest.clone(),
            plan: plan.plan_digest.clone(),
        });
    }
    if a.config_digest != plan.config_digest {
        return Some(Reason::WrongPlan {
            field: "config_digest".into(),
            approved: a.config_digest.clone(),
            plan: plan.config_digest.clone(),
        });
    }
    if a.state_lineage != plan.state_lineage || a.state_serial != plan.state_serial {
        return Some(Reason::StaleState {
            approved_lineage: a.state_lineage.clone(),
            approved_serial: a.state_serial,
            plan_lineage: plan.state_lineage.clone(),
            plan_serial: plan.state_serial,
        });
    }
    None
}
