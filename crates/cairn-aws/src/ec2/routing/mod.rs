//! Route tables, routes, associations, elastic IPs and NAT gateways.

use std::sync::Arc;

use aws_sdk_ec2::types::Filter;
use cairn_value::{Type, Value};

use crate::resource::Resource;
use crate::util::{str_set, strings_of};

mod association;
mod default_route_table;
mod eip;
mod nat_gateway;
mod route;
mod route_table;
mod table;

pub(crate) fn resources() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(route_table::RouteTable),
        Arc::new(default_route_table::DefaultRouteTable),
        Arc::new(route::Route),
        Arc::new(association::RouteTableAssociation),
        Arc::new(eip::Eip),
        Arc::new(nat_gateway::NatGateway),
    ]
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// A string the API reports, `None` when absent or empty (moto and some
/// APIs report unset IDs as empty strings).
fn nonempty(s: Option<&str>) -> Option<&str> {
    s.filter(|x| !x.is_empty())
}

/// An optional (not computed) set of strings read back from the API: an
/// empty remote set stays null when the prior state had it null, so an
/// unset argument does not plan as a change.
fn opt_set_keep_null(prior: &Value, k: &str, remote: Vec<String>) -> Value {
    if remote.is_empty() && prior.get_attr(k).is_none_or(Value::is_null) {
        Value::null(Type::set(Type::String))
    } else {
        str_set(remote)
    }
}

/// A set argument's strings, as a sorted, de-duplicated list.
fn string_set_of(v: &Value, k: &str) -> Vec<String> {
    let mut out = strings_of(v, k);
    out.sort();
    out.dedup();
    out
}

/// The canonical text of an IPv6 CIDR block (lower case, zeros
/// compressed), as the API reports it; other text is returned unchanged.
fn canonical_ipv6_cidr(s: &str) -> String {
    match s.parse::<ipnet::Ipv6Net>() {
        Ok(n) => n.to_string(),
        Err(_) => s.to_string(),
    }
}

/// The string hash code Terraform builds IDs with (CRC-32/IEEE, as a
/// non-negative decimal), so `aws_route` IDs match the Terraform
/// provider's.
fn hashcode(s: &str) -> u32 {
    let mut crc: u32 = 0xFFFF_FFFF;
    for b in s.bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashcode_is_crc32_ieee() {
        assert_eq!(hashcode(""), 0);
        assert_eq!(hashcode("123456789"), 0xCBF4_3926);
        assert_eq!(hashcode("10.0.0.0/16"), crc_ref("10.0.0.0/16"));
    }

    // Bytewise reference to cross-check the bitwise loop.
    fn crc_ref(s: &str) -> u32 {
        let table: Vec<u32> = (0..256u32)
            .map(|n| {
                (0..8).fold(n, |c, _| {
                    if c & 1 == 1 {
                        0xEDB8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    }
                })
            })
            .collect();
        !s.bytes().fold(0xFFFF_FFFFu32, |c, b| {
            table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
        })
    }

    #[test]
    fn ipv6_cidrs_are_canonical() {
        assert_eq!(canonical_ipv6_cidr("2001:DB8:0::/56"), "2001:db8::/56");
        assert_eq!(canonical_ipv6_cidr("::/0"), "::/0");
        assert_eq!(canonical_ipv6_cidr("junk"), "junk");
    }
}
