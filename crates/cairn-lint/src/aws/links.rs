//! Links between a resource and the resources that configure it
//! (`aws_s3_bucket_versioning` → `aws_s3_bucket`, `aws_flow_log` →
//! `aws_vpc`, a security group rule → its group).
//!
//! A configuring resource names its target in one attribute (`bucket`,
//! `vpc_id`, `security_group_id`). When that value is known it is
//! compared with the target's own values (`bucket`/`id`); when it is not
//! known yet (the bucket is created in the same run), the configuring
//! resource is linked to every target whose resource address is among its
//! dependencies. Both lookups are hash maps built once, so linking all
//! targets is linear in the model.

use std::collections::{HashMap, HashSet};

use crate::Instance;

use super::{str_attr, Tri};

pub(crate) struct Links<'a> {
    by_value: HashMap<&'a str, Vec<&'a Instance>>,
    by_dependency: HashMap<&'a str, Vec<&'a Instance>>,
}

impl<'a> Links<'a> {
    /// Indexes `configs` by the value of their attribute `attr`.
    pub fn new(configs: &[&'a Instance], attr: &str) -> Self {
        let mut by_value: HashMap<&'a str, Vec<&'a Instance>> = HashMap::new();
        let mut by_dependency: HashMap<&'a str, Vec<&'a Instance>> = HashMap::new();
        for &c in configs {
            match str_attr(&c.values, attr) {
                Tri::Known(s) => by_value.entry(s).or_default().push(c),
                Tri::Unknown => {
                    for d in &c.dependencies {
                        by_dependency.entry(d.as_str()).or_default().push(c);
                    }
                }
                // Names no target at all.
                Tri::Absent => {}
            }
        }
        Links {
            by_value,
            by_dependency,
        }
    }

    /// The configuring instances whose known value equals one of the
    /// known values of `target`'s attributes `keys`.
    pub fn by_value(&self, target: &Instance, keys: &[&str]) -> Vec<&'a Instance> {
        let mut out = Unique::default();
        for k in keys {
            if let Tri::Known(v) = str_attr(&target.values, k) {
                if let Some(found) = self.by_value.get(v) {
                    out.extend(found);
                }
            }
        }
        out.items
    }

    /// The configuring instances whose value is unknown and that depend
    /// on `target`'s resource.
    pub fn by_dependency(&self, target: &Instance) -> &[&'a Instance] {
        self.by_dependency
            .get(target.resource.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every configuring instance linked to `target`, by value or, when
    /// the value is unknown, by dependency.
    pub fn of(&self, target: &Instance, keys: &[&str]) -> Vec<&'a Instance> {
        let mut out = Unique::default();
        out.extend(&self.by_value(target, keys));
        out.extend(self.by_dependency(target));
        out.items
    }
}

/// Instances in first-seen order, each once (by identity; a set keeps
/// this linear when many instances link to many, as with `count`).
#[derive(Default)]
struct Unique<'a> {
    seen: HashSet<*const Instance>,
    items: Vec<&'a Instance>,
}

impl<'a> Unique<'a> {
    fn extend(&mut self, more: &[&'a Instance]) {
        for &m in more {
            if self.seen.insert(m as *const Instance) {
                self.items.push(m);
            }
        }
    }
}
