//! Security rules for the AWS resource types cairn supports.

use cairn_findings::{Finding, RuleInfo};

use crate::Model;

/// Runs every AWS rule.
pub fn check(_model: &Model, _out: &mut Vec<Finding>) {}

/// The AWS rules' metadata.
pub fn rules() -> Vec<RuleInfo> {
    Vec::new()
}
