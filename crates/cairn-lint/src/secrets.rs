//! Credentials written into the configuration.

use cairn_findings::{Finding, RuleInfo};

use crate::Model;

pub fn check(_model: &Model, _out: &mut Vec<Finding>) {}

pub fn rules() -> Vec<RuleInfo> {
    Vec::new()
}
