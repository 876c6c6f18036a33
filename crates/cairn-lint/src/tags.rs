//! The tag policy: required tags and allowed values.

use std::collections::BTreeMap;

use cairn_findings::{Finding, RuleInfo};

use crate::Model;

/// Tags every taggable resource must carry (counting the provider's
/// `default_tags`), and patterns their values must match.
#[derive(Clone, Debug, Default)]
pub struct TagPolicy {
    pub required: Vec<String>,
    /// Tag name -> regular expression the whole value must match.
    pub allowed: BTreeMap<String, String>,
}

pub fn check(_model: &Model, _policy: &TagPolicy, _out: &mut Vec<Finding>) {}

pub fn rules() -> Vec<RuleInfo> {
    Vec::new()
}
