//! Helpers shared by the rule and ACL types of this module.

use aws_sdk_ec2::types::Filter;
use cairn_value::{Type, Value};

use crate::util::i64_of;

/// CRC-32 (IEEE) of `s`: a stable, compact digest for synthetic IDs of
/// objects AWS gives no ID of their own (rules inside a group or ACL).
pub(super) fn crc32(s: &str) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in s.bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

pub(super) fn filter(name: &str, value: impl Into<String>) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// A number attribute, or a null number.
pub(super) fn opt_int(v: Option<i64>) -> Value {
    match v {
        Some(n) => Value::int(n),
        None => Value::null(Type::Number),
    }
}

/// A port or ICMP number as the API takes it.
pub(super) fn i32_of(v: &Value, k: &str) -> Option<i32> {
    i64_of(v, k).and_then(|n| i32::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32("123456789"), 0xCBF4_3926);
    }
}
