//! IP network functions: cidrhost, cidrnetmask, cidrsubnet and cidrsubnets.
//!
//! Addresses are parsed as Terraform parses them (Go 1.16's rules, which
//! read IPv4 octets with leading zeros as decimal) and computed as the Go
//! library Terraform uses computes them, including how IPv4-mapped IPv6
//! addresses print in dotted form.

use cairn_value::{Type, Value};
use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive};

use crate::strings::str_arg;
use crate::{FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    r.add(
        "cidrhost",
        Function::new(
            vec![
                Param::new("prefix", Type::String),
                Param::new("hostnum", Type::Number),
            ],
            Type::String,
            |_, a| {
                let num = whole_big(&a[1]).map_err(FuncError::new)?;
                let net = parse_cidr_expr(str_arg(&a[0])).map_err(FuncError::new)?;
                cidr_host(&net, num)
                    .map(Value::string)
                    .map_err(FuncError::new)
            },
        ),
    );
    r.add(
        "cidrnetmask",
        Function::new(
            vec![Param::new("prefix", Type::String)],
            Type::String,
            |_, a| {
                let prefix = str_arg(&a[0]);
                let net = parse_cidr_expr(prefix).map_err(FuncError::new)?;
                if net.bits == 128 && !is_mapped(net.addr) {
                    return Err(FuncError::new(format!(
                        "IPv6 addresses cannot have a netmask: {prefix}"
                    )));
                }
                Ok(Value::string(format_ip(
                    mask(net.prefix, net.bits),
                    net.bits,
                )))
            },
        ),
    );
    r.add(
        "cidrsubnet",
        Function::new(
            vec![
                Param::new("prefix", Type::String),
                Param::new("newbits", Type::Number),
                Param::new("netnum", Type::Number),
            ],
            Type::String,
            |_, a| {
                let newbits = whole_i64(&a[1]).map_err(FuncError::new)?;
                let netnum = whole_big(&a[2]).map_err(FuncError::new)?;
                let net = parse_cidr_expr(str_arg(&a[0])).map_err(FuncError::new)?;
                cidr_subnet(&net, newbits, netnum)
                    .map(|n| Value::string(n.to_string()))
                    .map_err(FuncError::new)
            },
        ),
    );
    r.add(
        "cidrsubnets",
        Function::new(
            vec![Param::new("prefix", Type::String)],
            Type::list(Type::String),
            |_, a| cidr_subnets(a),
        )
        .variadic(Param::new("newbits", Type::Number)),
    );
}

/// A network: address (already masked), address width (32 or 128) and
/// prefix length.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Net {
    addr: u128,
    bits: u32,
    prefix: u32,
}

impl std::fmt::Display for Net {
    /// Go's `IPNet.String`: IPv4-mapped IPv6 networks print as IPv4.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = if self.bits == 128 && is_mapped(self.addr) {
            self.prefix.saturating_sub(96)
        } else {
            self.prefix
        };
        write!(f, "{}/{prefix}", format_ip(self.addr, self.bits))
    }
}

fn full(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// The netmask with `prefix` leading ones.
fn mask(prefix: u32, bits: u32) -> u128 {
    if prefix == 0 {
        0
    } else {
        (u128::MAX << (bits - prefix.min(bits))) & full(bits)
    }
}

/// `::ffff:a.b.c.d`, which Go treats (and prints) as IPv4.
fn is_mapped(addr: u128) -> bool {
    addr >> 32 == 0xFFFF
}

fn format_ip(addr: u128, bits: u32) -> String {
    if bits == 32 || is_mapped(addr) {
        let v = addr as u32;
        return format!(
            "{}.{}.{}.{}",
            v >> 24,
            (v >> 16) & 0xff,
            (v >> 8) & 0xff,
            v & 0xff
        );
    }
    let groups: Vec<u16> = (0..8).map(|i| (addr >> (112 - 16 * i)) as u16).collect();
    // The first longest run of two or more zero groups becomes "::".
    let (mut best_start, mut best_len) = (0, 0);
    let mut i = 0;
    while i < 8 {
        let mut j = i;
        while j < 8 && groups[j] == 0 {
            j += 1;
        }
        if j - i > best_len {
            best_start = i;
            best_len = j - i;
        }
        i = j.max(i + 1);
    }
    let hex = |g: &[u16]| {
        g.iter()
            .map(|x| format!("{x:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best_len < 2 {
        return hex(&groups);
    }
    format!(
        "{}::{}",
        hex(&groups[..best_start]),
        hex(&groups[best_start + best_len..])
    )
}

/// Go's `dtoi`/`xtoi`: a number prefix, how many bytes it used, and whether
/// it was valid (present and not huge).
fn parse_num(s: &[u8], radix: u32) -> (u32, usize, bool) {
    const BIG: u32 = 0xFF_FFFF;
    let mut n: u32 = 0;
    let mut i = 0;
    while let Some(d) = s.get(i).and_then(|&c| (c as char).to_digit(radix)) {
        n = n * radix + d;
        if n >= BIG {
            return (if radix == 10 { BIG } else { 0 }, i, false);
        }
        i += 1;
    }
    (n, i, i > 0)
}

/// Dotted IPv4, leading zeros allowed (read as decimal).
fn parse_ipv4(mut s: &[u8]) -> Option<u32> {
    let mut out = 0u32;
    for i in 0..4 {
        if s.is_empty() {
            return None;
        }
        if i > 0 {
            s = s.strip_prefix(b".")?;
        }
        let (n, used, ok) = parse_num(s, 10);
        if !ok || n > 0xFF {
            return None;
        }
        s = &s[used..];
        out = out << 8 | n;
    }
    s.is_empty().then_some(out)
}

fn parse_ipv6(mut s: &[u8]) -> Option<u128> {
    let mut ip = [0u8; 16];
    let mut ellipsis: Option<usize> = None;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Some(0);
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, used, ok) = parse_num(s, 16);
        if !ok || n > 0xFFFF {
            return None;
        }
        if s.get(used) == Some(&b'.') {
            // A trailing dotted IPv4 address fills the last four bytes.
            if (ellipsis.is_none() && i != 12) || i + 4 > 16 {
                return None;
            }
            let v4 = parse_ipv4(s)?;
            ip[i..i + 4].copy_from_slice(&v4.to_be_bytes());
            s = &[];
            i += 4;
            break;
        }
        ip[i] = (n >> 8) as u8;
        ip[i + 1] = n as u8;
        i += 2;
        s = &s[used..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' || s.len() == 1 {
            return None;
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if i < 16 {
        let e = ellipsis?;
        let n = 16 - i;
        for j in (e..i).rev() {
            ip[j + n] = ip[j];
        }
        for b in &mut ip[e..e + n] {
            *b = 0;
        }
    } else if ellipsis.is_some() {
        return None;
    }
    Some(u128::from_be_bytes(ip))
}

fn parse_cidr(s: &str) -> Option<Net> {
    let (addr, len) = s.split_once('/')?;
    let (addr, bits) = match parse_ipv4(addr.as_bytes()) {
        Some(v4) => (u128::from(v4), 32),
        None => (parse_ipv6(addr.as_bytes())?, 128),
    };
    let (n, used, ok) = parse_num(len.as_bytes(), 10);
    if !ok || used != len.len() || n > bits {
        return None;
    }
    Some(Net {
        addr: addr & mask(n, bits),
        bits,
        prefix: n,
    })
}

fn parse_cidr_expr(s: &str) -> Result<Net, String> {
    parse_cidr(s).ok_or_else(|| format!("invalid CIDR expression: invalid CIDR address: {s}"))
}

/// A whole number for an `int` parameter, with Go's conversion message.
fn whole_i64(v: &Value) -> Result<i64, String> {
    v.as_number().and_then(|n| n.to_i64()).ok_or_else(|| {
        format!(
            "value must be a whole number, between {} and {}",
            i64::MIN,
            i64::MAX
        )
    })
}

/// A whole number of any size.
fn whole_big(v: &Value) -> Result<BigInt, String> {
    v.as_number()
        .and_then(|n| n.to_bigint())
        .ok_or_else(|| "value must be a whole number".to_string())
}

fn cidr_host(net: &Net, num: BigInt) -> Result<String, String> {
    let host_len = net.bits - net.prefix;
    let max = (BigInt::one() << host_len) - 1;
    // Negative numbers count back from the last address.
    let (magnitude, num) = if num.is_negative() {
        let m = -&num - 1;
        let n = &max - &m;
        (m, n)
    } else {
        (num.clone(), num)
    };
    if magnitude > max {
        return Err(format!(
            "prefix of {} does not accommodate a host numbered {num}",
            net.prefix
        ));
    }
    let n = num.to_u128().unwrap_or(0);
    // Go places the host number by the IPv4 width for IPv4-mapped
    // addresses even though they are stored as 128 bits.
    let shift = if net.bits == 128 && is_mapped(net.addr) {
        96
    } else {
        0
    };
    let addr = (net.addr | n.checked_shl(shift).unwrap_or(0)) & full(net.bits);
    Ok(format_ip(addr, net.bits))
}

fn cidr_subnet(net: &Net, newbits: i64, num: BigInt) -> Result<Net, String> {
    let new_prefix = i64::from(net.prefix) + newbits;
    if new_prefix > i64::from(net.bits) {
        return Err(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        ));
    }
    let too_big = num.is_negative()
        || (newbits < 128 && num > (BigInt::one() << newbits.max(0)) - 1)
        || new_prefix < 0;
    if too_big {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        ));
    }
    let new_prefix = new_prefix as u32;
    let n = num.to_u128().unwrap_or(0);
    let addr = net.addr | n.checked_shl(net.bits - new_prefix).unwrap_or(0);
    Ok(Net {
        addr: addr & full(net.bits),
        bits: net.bits,
        prefix: new_prefix,
    })
}

fn last_address(n: &Net) -> u128 {
    n.addr | (!mask(n.prefix, n.bits) & full(n.bits))
}

/// The subnet of length `prefix` after the one containing `cur`'s last
/// address, and whether the address space wrapped around.
fn next_subnet(cur: &Net, prefix: u32) -> (Net, bool) {
    let m = mask(prefix, cur.bits);
    let containing = Net {
        addr: last_address(cur) & m,
        bits: cur.bits,
        prefix,
    };
    let after = last_address(&containing).wrapping_add(1) & full(cur.bits);
    (
        Net {
            addr: after & m,
            bits: cur.bits,
            prefix,
        },
        after == 0,
    )
}

fn cidr_subnets(a: &[Value]) -> Result<Value, FuncError> {
    let net = parse_cidr_expr(str_arg(&a[0])).map_err(|e| FuncError::arg(0, e))?;
    let lengths = &a[1..];
    if lengths.is_empty() {
        return Ok(Value::list(Type::String, vec![]));
    }
    let first = whole_i64(&lengths[0]).map_err(|e| FuncError::arg(1, e))?;
    let first = (i64::from(net.prefix) + first).clamp(0, i64::from(net.bits)) as u32;
    // Start just before the network, so the first subnet is its beginning.
    let m = mask(first, net.bits);
    let mut current = Net {
        addr: net.addr.wrapping_sub(1) & full(net.bits) & m,
        bits: net.bits,
        prefix: first,
    };
    let mut out = Vec::with_capacity(lengths.len());
    for (i, l) in lengths.iter().enumerate() {
        let arg = i + 1;
        let length = whole_i64(l).map_err(|e| FuncError::arg(arg, e))?;
        if length < 1 {
            return Err(FuncError::arg(
                arg,
                "must extend prefix by at least one bit",
            ));
        }
        if length > 32 {
            return Err(FuncError::arg(
                arg,
                "may not extend prefix by more than 32 bits",
            ));
        }
        let length = length + i64::from(net.prefix);
        if length > i64::from(net.bits) {
            let protocol = if net.bits == 32 { "IPv4" } else { "IPv6" };
            return Err(FuncError::arg(
                arg,
                format!(
                    "would extend prefix to {length} bits, which is too long for an {protocol} address"
                ),
            ));
        }
        let (next, rolled_over) = next_subnet(&current, length as u32);
        if rolled_over || next.addr & mask(net.prefix, net.bits) != net.addr {
            return Err(FuncError::arg(
                arg,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {length} bits after {current}"
                ),
            ));
        }
        current = next;
        out.push(Value::string(current.to_string()));
    }
    Ok(Value::list(Type::String, out))
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use cairn_value::Type;

    fn failed(name: &str, msg: &str) -> String {
        format!("error: Error in function call: Call to function \"{name}\" failed: {msg}.")
    }

    #[test]
    fn cidrhost_examples() {
        assert_eq!(
            show("cidrhost", vec![s("10.12.112.0/20"), n(16)]),
            "\"10.12.112.16\""
        );
        assert_eq!(
            show("cidrhost", vec![s("10.12.112.0/20"), n(268)]),
            "\"10.12.113.12\""
        );
        assert_eq!(
            show("cidrhost", vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34)]),
            "\"fd00:fd12:3456:7890::22\""
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/8"), n(2)]),
            "\"10.0.0.2\""
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/8"), n(-2)]),
            "\"10.255.255.254\""
        );
        assert_eq!(
            show("cidrhost", vec![s("10.1.2.240/28"), n(1)]),
            "\"10.1.2.241\""
        );
        assert_eq!(
            show("cidrhost", vec![s("10.1.2.240/28"), n(14)]),
            "\"10.1.2.254\""
        );
        assert_eq!(
            show("cidrhost", vec![s("192.168.1.0/24"), n(-256)]),
            "\"192.168.1.0\""
        );
        assert_eq!(
            show("cidrhost", vec![s("010.001.0.0/24"), n(6)]),
            "\"10.1.0.6\""
        );
        assert_eq!(
            show("cidrhost", vec![s("192.168.1.0/24"), s("5")]),
            "\"192.168.1.5\""
        );
        assert_eq!(
            show("cidrhost", vec![s("192.168.1.0/30"), n(255)]),
            failed(
                "cidrhost",
                "prefix of 30 does not accommodate a host numbered 255"
            )
        );
        assert_eq!(
            show("cidrhost", vec![s("192.168.1.0/30"), n(-255)]),
            failed(
                "cidrhost",
                "prefix of 30 does not accommodate a host numbered -251"
            )
        );
        assert_eq!(
            show("cidrhost", vec![s("not-a-cidr"), n(6)]),
            failed(
                "cidrhost",
                "invalid CIDR expression: invalid CIDR address: not-a-cidr"
            )
        );
        assert_eq!(
            show("cidrhost", vec![s("10.256.0.0/8"), n(6)]),
            failed(
                "cidrhost",
                "invalid CIDR expression: invalid CIDR address: 10.256.0.0/8"
            )
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/8"), num("0.75")]),
            failed("cidrhost", "value must be a whole number")
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/8"), unknown(Type::Number)]),
            "(known after apply)"
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/8").marked(), n(1)]),
            "(sensitive value)"
        );
    }

    #[test]
    fn cidrnetmask_examples() {
        assert_eq!(
            show("cidrnetmask", vec![s("172.16.0.0/12")]),
            "\"255.240.0.0\""
        );
        assert_eq!(
            show("cidrnetmask", vec![s("192.168.1.0/32")]),
            "\"255.255.255.255\""
        );
        assert_eq!(show("cidrnetmask", vec![s("0.0.0.0/0")]), "\"0.0.0.0\"");
        assert_eq!(
            show("cidrnetmask", vec![s("010.001.0.0/24")]),
            "\"255.255.255.0\""
        );
        assert_eq!(
            show("cidrnetmask", vec![s("1::/64")]),
            failed(
                "cidrnetmask",
                "IPv6 addresses cannot have a netmask: 1::/64"
            )
        );
        assert_eq!(
            show("cidrnetmask", vec![s("110.256.0.0/8")]),
            failed(
                "cidrnetmask",
                "invalid CIDR expression: invalid CIDR address: 110.256.0.0/8"
            )
        );
        assert_eq!(
            show("cidrnetmask", vec![unknown(Type::String)]),
            "(known after apply)"
        );
    }

    #[test]
    fn cidrsubnet_examples() {
        assert_eq!(
            show("cidrsubnet", vec![s("172.16.0.0/12"), n(4), n(2)]),
            "\"172.18.0.0/16\""
        );
        assert_eq!(
            show("cidrsubnet", vec![s("10.1.2.0/24"), n(4), n(15)]),
            "\"10.1.2.240/28\""
        );
        assert_eq!(
            show(
                "cidrsubnet",
                vec![s("fd00:fd12:3456:7890::/56"), n(16), n(162)]
            ),
            "\"fd00:fd12:3456:7800:a200::/72\""
        );
        assert_eq!(
            show("cidrsubnet", vec![s("192.168.2.0/20"), n(4), n(6)]),
            "\"192.168.6.0/24\""
        );
        assert_eq!(
            show("cidrsubnet", vec![s("fe80::/48"), n(16), n(6)]),
            "\"fe80:0:0:6::/64\""
        );
        assert_eq!(
            show("cidrsubnet", vec![s("::ffff:192.168.0.0/112"), n(8), n(6)]),
            "\"192.168.6.0/24\""
        );
        assert_eq!(
            show("cidrsubnet", vec![s("fe80::/48"), n(33), n(6)]),
            "\"fe80::3:0:0:0/81\""
        );
        assert_eq!(
            show("cidrsubnet", vec![s("010.001.0.0/24"), n(4), n(1)]),
            "\"10.1.0.16/28\""
        );
        assert_eq!(
            show("cidrsubnet", vec![s("192.168.0.0/30"), n(4), n(6)]),
            failed(
                "cidrsubnet",
                "insufficient address space to extend prefix of 30 by 4"
            )
        );
        assert_eq!(
            show("cidrsubnet", vec![s("192.168.0.0/16"), n(2), n(16)]),
            failed(
                "cidrsubnet",
                "prefix extension of 2 does not accommodate a subnet numbered 16"
            )
        );
        assert_eq!(
            show("cidrsubnet", vec![s("192.168.0.0/168"), n(2), n(1)]),
            failed(
                "cidrsubnet",
                "invalid CIDR expression: invalid CIDR address: 192.168.0.0/168"
            )
        );
        assert_eq!(
            show("cidrsubnet", vec![s("10.0.0.0/8"), num("0.5"), n(1)]),
            failed(
                "cidrsubnet",
                "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
            )
        );
        assert_eq!(
            show(
                "cidrsubnet",
                vec![s("10.0.0.0/8"), n(8), unknown(Type::Number)]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("cidrsubnet", vec![s("10.0.0.0/8"), n(8), n(1).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn cidrsubnets_examples() {
        assert_eq!(
            show("cidrsubnets", vec![s("10.1.0.0/16"), n(4), n(4), n(8), n(4)]),
            "tolist([\n  \"10.1.0.0/20\",\n  \"10.1.16.0/20\",\n  \"10.1.32.0/24\",\n  \"10.1.48.0/20\",\n])"
        );
        assert_eq!(
            show(
                "cidrsubnets",
                vec![s("fd00:fd12:3456:7890::/56"), n(16), n(16), n(16), n(32)]
            ),
            "tolist([\n  \"fd00:fd12:3456:7800::/72\",\n  \"fd00:fd12:3456:7800:100::/72\",\n  \"fd00:fd12:3456:7800:200::/72\",\n  \"fd00:fd12:3456:7800:300::/88\",\n])"
        );
        assert_eq!(
            show(
                "cidrsubnets",
                vec![
                    s("10.0.0.0/21"),
                    n(3),
                    n(3),
                    n(3),
                    n(4),
                    n(4),
                    n(4),
                    n(7),
                    n(7),
                    n(7)
                ]
            ),
            "tolist([\n  \"10.0.0.0/24\",\n  \"10.0.1.0/24\",\n  \"10.0.2.0/24\",\n  \"10.0.3.0/25\",\n  \"10.0.3.128/25\",\n  \"10.0.4.0/25\",\n  \"10.0.4.128/28\",\n  \"10.0.4.144/28\",\n  \"10.0.4.160/28\",\n])"
        );
        for (block, want) in [
            ("10.0.0.0/16", "\"10.0.0.0/20\",\n  \"10.0.16.0/20\""),
            ("10.3.0.0/16", "\"10.3.0.0/20\",\n  \"10.3.16.0/20\""),
        ] {
            assert_eq!(
                show("cidrsubnets", vec![s(block), n(4), n(4)]),
                format!("tolist([\n  {want},\n])")
            );
        }
        assert_eq!(show("cidrsubnets", vec![s("10.0.0.0/8")]), "tolist([])");
        let arg_err = |param: &str, msg: &str| {
            format!(
                "error: Invalid function argument: Invalid value for \"{param}\" parameter: {msg}."
            )
        };
        assert_eq!(
            show("cidrsubnets", vec![s("10.0.0.0/30"), n(1), n(3)]),
            arg_err(
                "newbits",
                "would extend prefix to 33 bits, which is too long for an IPv4 address"
            )
        );
        assert_eq!(
            show("cidrsubnets", vec![s("10.0.0.0/8"), n(1), n(1), n(1)]),
            arg_err(
                "newbits",
                "not enough remaining address space for a subnet with a prefix of 9 bits after 10.128.0.0/9"
            )
        );
        assert_eq!(
            show("cidrsubnets", vec![s("10.0.0.0/8"), n(1), n(0)]),
            arg_err("newbits", "must extend prefix by at least one bit")
        );
        assert_eq!(
            show("cidrsubnets", vec![s("fe80::/48"), n(1), n(33)]),
            arg_err("newbits", "may not extend prefix by more than 32 bits")
        );
        assert_eq!(
            show("cidrsubnets", vec![s("nope"), n(1)]),
            arg_err(
                "prefix",
                "invalid CIDR expression: invalid CIDR address: nope"
            )
        );
        assert_eq!(
            show(
                "cidrsubnets",
                vec![s("10.0.0.0/8"), n(1), unknown(Type::Number)]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("cidrsubnets", vec![s("10.0.0.0/8").marked(), n(1)]),
            "(sensitive value)"
        );
    }

    #[test]
    fn address_parsing_and_printing() {
        use super::*;
        assert_eq!(parse_ipv6(b"::"), Some(0));
        assert_eq!(
            parse_ipv6(b"1:2:3:4:5:6:7:8"),
            Some(0x0001_0002_0003_0004_0005_0006_0007_0008)
        );
        assert_eq!(parse_ipv6(b"::ffff:1.2.3.4"), Some(0xffff_0102_0304));
        assert_eq!(parse_ipv6(b"1::2::3"), None);
        assert_eq!(parse_ipv6(b"1:2:3:4:5:6:7:8::"), None);
        assert_eq!(
            format_ip(0x2001_0db8_0000_0000_0001_0000_0000_0001, 128),
            "2001:db8::1:0:0:1"
        );
        assert_eq!(
            format_ip(0x2001_0db8_0000_0001_0001_0001_0001_0001, 128),
            "2001:db8:0:1:1:1:1:1"
        );
        assert_eq!(format_ip(0, 128), "::");
        assert_eq!(format_ip(0xffff_0a00_0001, 128), "10.0.0.1");
    }
}
