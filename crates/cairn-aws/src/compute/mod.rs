//! EC2 instances, key pairs and EBS volumes, and the EC2 lookup data
//! sources (aws_ami, aws_vpc, aws_subnets, aws_security_group).

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_provider::Schema;
use cairn_value::{Type, Value};

use crate::resource::{DataSource, Resource};

mod ami;
mod codec;
mod ebs_volume;
mod instance;
mod key_pair;
mod lookups;

pub(crate) fn resources() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(instance::Instance),
        Arc::new(key_pair::KeyPair),
        Arc::new(ebs_volume::EbsVolume),
    ]
}

pub(crate) fn data_sources() -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(ami::Ami),
        Arc::new(lookups::VpcData),
        Arc::new(lookups::SubnetsData),
        Arc::new(lookups::SecurityGroupData),
    ]
}

/// An object value from name/value pairs.
pub(super) fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A number, or a null number when absent.
pub(super) fn opt_int(n: Option<i32>) -> Value {
    match n {
        Some(n) => Value::int(i64::from(n)),
        None => Value::null(Type::Number),
    }
}

/// A bool, or a null bool when absent.
pub(super) fn opt_bool(b: Option<bool>) -> Value {
    match b {
        Some(b) => Value::bool(b),
        None => Value::null(Type::Bool),
    }
}

/// The schema's attributes that are computed: the ones a plan leaves
/// unknown until apply when the configuration does not set them.
pub(super) fn computed_attrs(schema: &Schema) -> Vec<(String, Type)> {
    schema
        .attributes
        .iter()
        .filter(|(_, a)| a.computed)
        .map(|(k, a)| (k.clone(), a.ty().clone()))
        .collect()
}

/// `v` with every computed attribute of `schema` that is null made unknown.
pub(super) fn unknown_nulls(schema: &Schema, v: &Value) -> Value {
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    let mut out = m.clone();
    for (k, t) in computed_attrs(schema) {
        if out.get(&k).is_none_or(Value::is_null) {
            out.insert(k, Value::unknown(t));
        }
    }
    Value::object(out).mark(v.sensitive)
}

/// `v` with every null attribute filled from `prior` (the prior state's
/// element this configuration element stands for) where the attribute is
/// computed: what the proposed new state does for top-level attributes.
pub(super) fn fill_from_prior(schema: &Schema, v: &Value, prior: &Value) -> Value {
    let (Some(m), Some(p)) = (v.as_entries(), prior.as_entries()) else {
        return v.clone();
    };
    let mut out = m.clone();
    for (k, _) in computed_attrs(schema) {
        if out.get(&k).is_none_or(Value::is_null) {
            if let Some(x) = p.get(&k) {
                out.insert(k, x.clone());
            }
        }
    }
    Value::object(out).mark(v.sensitive)
}
