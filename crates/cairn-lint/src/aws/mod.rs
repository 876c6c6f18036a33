//! Security rules for the AWS resource types cairn supports.
//!
//! Every rule has a stable ID (`AWS001`…), numbered by area and never
//! reused:
//!
//! - `AWS001`–`AWS010` (`network`): security groups, network ACLs,
//!   subnets, VPC flow logs.
//! - `AWS011`–`AWS018` (`s3`): buckets, their configuration resources,
//!   bucket policies and objects.
//! - `AWS019`–`AWS024` (`compute`): EBS volumes and EC2 instances.
//! - `AWS025`–`AWS031` (`iam`): identity policies, attachments, trust
//!   policies.
//! - `AWS032`–`AWS037` (`data`): CloudWatch log groups, SNS topics,
//!   DynamoDB tables.
//! - `AWS038`–`AWS045` (`kms`): KMS keys, Secrets Manager secrets, SSM
//!   parameters.
//!
//! A rule reports only what the values show to be wrong: an unknown value
//! (known after apply) decides nothing, and an absent (null) argument is
//! read the way the Terraform AWS provider's default behaves.

use std::cell::RefCell;
use std::collections::HashMap;

use cairn_findings::{Category, Finding, RuleInfo, Severity};
use cairn_value::Value;

use crate::{Instance, Model};

mod compute;
mod data;
mod iam;
mod kms;
mod links;
mod network;
mod policy;
mod s3;

pub(crate) use links::Links;

/// A rule's fixed metadata, declared next to its check.
pub(crate) struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub fix: &'static str,
}

impl Rule {
    fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.to_string(),
            category: Category::Security,
            severity: self.severity,
            title: self.title.to_string(),
            fix: self.fix.to_string(),
            help: Some(format!("docs/rules.md#{}", self.id.to_ascii_lowercase())),
        }
    }
}

/// Every AWS rule, in ID order.
fn all_rules() -> Vec<&'static Rule> {
    let mut out: Vec<&'static Rule> = Vec::new();
    out.extend(network::RULES);
    out.extend(s3::RULES);
    out.extend(compute::RULES);
    out.extend(iam::RULES);
    out.extend(data::RULES);
    out.extend(kms::RULES);
    out
}

/// Runs every AWS rule.
pub fn check(model: &Model, out: &mut Vec<Finding>) {
    let ctx = Ctx::new(model);
    network::check(&ctx);
    s3::check(&ctx);
    compute::check(&ctx);
    iam::check(&ctx);
    data::check(&ctx);
    kms::check(&ctx);
    out.append(&mut ctx.out.into_inner());
}

/// The AWS rules' metadata.
pub fn rules() -> Vec<RuleInfo> {
    all_rules().into_iter().map(Rule::info).collect()
}

/// What the checks share during one run: the instances by type (built
/// once, so no check scans the whole model), the rules' metadata and the
/// findings so far.
pub(crate) struct Ctx<'a> {
    by_type: HashMap<&'a str, Vec<&'a Instance>>,
    /// `aws_iam_policy_document` instances by resource address, for
    /// policies whose JSON is not known yet.
    policy_docs: HashMap<&'a str, Vec<&'a Instance>>,
    infos: HashMap<&'static str, RuleInfo>,
    /// Findings so far (a cell, so checks can report while they iterate
    /// over the indexes).
    out: RefCell<Vec<Finding>>,
}

impl<'a> Ctx<'a> {
    fn new(model: &'a Model) -> Self {
        let mut by_type: HashMap<&'a str, Vec<&'a Instance>> = HashMap::new();
        let mut policy_docs: HashMap<&'a str, Vec<&'a Instance>> = HashMap::new();
        for inst in &model.instances {
            // An instance whose whole value is unknown (or not an object)
            // tells nothing; reading its attributes as absent would
            // report defaults it may not have.
            if inst.values.as_entries().is_none() {
                continue;
            }
            by_type
                .entry(inst.type_name.as_str())
                .or_default()
                .push(inst);
            if inst.type_name == "aws_iam_policy_document" {
                policy_docs
                    .entry(inst.resource.as_str())
                    .or_default()
                    .push(inst);
            }
        }
        let infos = all_rules().into_iter().map(|r| (r.id, r.info())).collect();
        Ctx {
            by_type,
            policy_docs,
            infos,
            out: RefCell::new(Vec::new()),
        }
    }

    /// Instances of one resource type (with object values).
    pub fn of_type(&self, type_name: &str) -> &[&'a Instance] {
        self.by_type
            .get(type_name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The `aws_iam_policy_document` instances at a resource address.
    pub fn policy_docs(&self, resource: &str) -> &[&'a Instance] {
        self.policy_docs
            .get(resource)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Records a finding of `rule` on `inst` at `path` (empty: the
    /// resource as a whole).
    pub fn report<S: Into<String>>(
        &self,
        rule: &Rule,
        inst: &Instance,
        path: impl IntoIterator<Item = S>,
        message: impl Into<String>,
    ) {
        let Some(info) = self.infos.get(rule.id) else {
            return;
        };
        let f = Finding::new(info, Some(inst.address.clone()), message).at(path);
        self.out.borrow_mut().push(f);
    }
}

// ---- reading values ------------------------------------------------------------

/// What a value says: nothing (null or missing), not yet (unknown), or
/// something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tri<T> {
    Absent,
    Unknown,
    Known(T),
}

impl<T> Tri<T> {
    pub fn known(self) -> Option<T> {
        match self {
            Tri::Known(t) => Some(t),
            _ => None,
        }
    }
}

/// The attribute `name` of an object value.
pub(crate) fn attr<'v>(v: &'v Value, name: &str) -> Tri<&'v Value> {
    match v.get_attr(name) {
        None => Tri::Absent,
        Some(x) if x.is_null() => Tri::Absent,
        Some(x) if x.is_unknown() => Tri::Unknown,
        Some(x) => Tri::Known(x),
    }
}

/// A string attribute; a value of another type decides nothing.
pub(crate) fn str_attr<'v>(v: &'v Value, name: &str) -> Tri<&'v str> {
    match attr(v, name) {
        Tri::Known(x) => x.as_str().map_or(Tri::Unknown, Tri::Known),
        Tri::Absent => Tri::Absent,
        Tri::Unknown => Tri::Unknown,
    }
}

/// A bool attribute.
pub(crate) fn bool_attr(v: &Value, name: &str) -> Tri<bool> {
    match attr(v, name) {
        Tri::Known(x) => x.as_bool().map_or(Tri::Unknown, Tri::Known),
        Tri::Absent => Tri::Absent,
        Tri::Unknown => Tri::Unknown,
    }
}

/// A whole-number attribute.
pub(crate) fn int_attr(v: &Value, name: &str) -> Tri<i64> {
    match attr(v, name) {
        Tri::Known(x) => x
            .as_number()
            .and_then(|n| n.to_i64())
            .map_or(Tri::Unknown, Tri::Known),
        Tri::Absent => Tri::Absent,
        Tri::Unknown => Tri::Unknown,
    }
}

/// The nested blocks (or elements) of a block-list/set attribute: `None`
/// when the collection itself is unknown, empty when absent. Elements may
/// still be null or unknown.
pub(crate) fn blocks<'v>(v: &'v Value, name: &str) -> Option<&'v [Value]> {
    match attr(v, name) {
        Tri::Absent => Some(&[]),
        Tri::Unknown => None,
        Tri::Known(x) => x.as_seq(),
    }
}

/// The known strings of a list/set attribute, with their indexes
/// (unknown elements are left out: they show nothing).
pub(crate) fn known_strs<'v>(v: &'v Value, name: &str) -> Vec<(usize, &'v str)> {
    match attr(v, name) {
        Tri::Known(x) => x
            .as_seq()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_str().map(|s| (i, s)))
            .collect(),
        _ => Vec::new(),
    }
}

/// A path into a resource: `path(&["ingress", "0", "cidr_blocks"])`.
pub(crate) fn path<I, S>(parts: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    parts.into_iter().map(Into::into).collect()
}

/// The path of attribute `name` when it was set, or the resource itself
/// (empty) when it is absent and the default applies.
pub(crate) fn path_if_set(v: &Value, name: &str) -> Vec<String> {
    match attr(v, name) {
        Tri::Known(_) => vec![name.to_string()],
        _ => Vec::new(),
    }
}

/// The resource type of a resource address (`module.a.aws_vpc.main` ->
/// `aws_vpc`; `data.aws_iam_policy_document.x` ->
/// `aws_iam_policy_document`).
pub(crate) fn type_of_address(address: &str) -> &str {
    let mut parts = address.rsplit('.');
    parts.next();
    parts.next().unwrap_or("")
}

/// Whether a KMS key reference names an AWS managed key (`alias/aws/...`
/// or its ARN form), which does not give the customer control.
pub(crate) fn is_aws_managed_key(key: &str) -> bool {
    let k = key.trim();
    k.starts_with("alias/aws/") || (k.starts_with("arn:") && k.contains(":alias/aws/"))
}
