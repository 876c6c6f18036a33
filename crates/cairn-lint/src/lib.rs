//! The built-in checks. They read a [`Model`]: every resource instance of
//! a configuration or plan with its (planned) values, unknown where only
//! apply will tell. Checks never touch infrastructure; a check that cannot
//! decide because a value is unknown reports nothing.
//!
//! - [`aws`]: security rules for the AWS resource types cairn supports.
//! - [`secrets`]: credentials written into the configuration.
//! - [`tags`]: the project's tag policy.

use cairn_findings::{Finding, RuleInfo};
use cairn_value::Value;

pub mod aws;
pub mod secrets;
pub mod tags;

/// One resource instance (or provider configuration) to check.
#[derive(Clone, Debug)]
pub struct Instance {
    /// The instance address: `module.net.aws_subnet.a["x"]`.
    pub address: String,
    /// The resource address without instance keys:
    /// `module.net.aws_subnet.a`. For a provider configuration,
    /// `provider.aws` / `module.net.provider.aws.west`.
    pub resource: String,
    /// `aws_subnet`; `provider` for a provider configuration.
    pub type_name: String,
    /// The planned value (an object); unknown parts are known after apply.
    pub values: Value,
    /// Resource addresses (without keys, with module path) this instance's
    /// configuration refers to, directly or through locals and variables.
    /// Lets a rule link `aws_s3_bucket_versioning` to its bucket when the
    /// bucket's name is not known yet.
    pub dependencies: Vec<String>,
    /// True when the resource type has a `tags` argument.
    pub taggable: bool,
}

impl Instance {
    /// The attribute `name` of the instance's value, if the value is an
    /// object with it.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        self.values.get_attr(name)
    }
}

/// Everything the checks see.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub instances: Vec<Instance>,
}

impl Model {
    /// Instances of one resource type.
    pub fn of_type<'a>(&'a self, type_name: &'a str) -> impl Iterator<Item = &'a Instance> + 'a {
        self.instances
            .iter()
            .filter(move |i| i.type_name == type_name)
    }
}

/// Which checks run and with what settings.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Rule IDs turned off for the project.
    pub disabled: Vec<String>,
    pub tags: Option<tags::TagPolicy>,
}

/// Runs every built-in check over the model.
pub fn check(model: &Model, opts: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    aws::check(model, &mut out);
    secrets::check(model, &mut out);
    if let Some(policy) = &opts.tags {
        tags::check(model, policy, &mut out);
    }
    out.retain(|f| {
        !opts
            .disabled
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&f.rule_id))
    });
    out
}

/// The metadata of every built-in rule (for SARIF, docs and `--list`).
pub fn rules() -> Vec<RuleInfo> {
    let mut out = aws::rules();
    out.extend(secrets::rules());
    out.extend(tags::rules());
    out
}
