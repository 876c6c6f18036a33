//! DNS probe: does a name resolve to the expected records?

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::{Name, RData};
use hickory_resolver::{Resolver, TokioResolver};

use crate::run::Attempt;
use crate::spec::{parse_v4, parse_v6};
use crate::{ProbeError, RecordType};

/// One answer, in comparable form: names lower-case without the final dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    Ip(IpAddr),
    Name(String),
    Mx(u16, String),
    Txt(String),
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Ip(ip) => write!(f, "{ip}"),
            Answer::Name(n) => f.write_str(n),
            Answer::Mx(pref, n) => write!(f, "{pref} {n}"),
            Answer::Txt(t) => write!(f, "{t:?}"),
        }
    }
}

/// One expected value, parsed for its record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expected {
    Ip(IpAddr),
    Name(String),
    /// Preference `None` matches any preference.
    Mx(Option<u16>, String),
    Txt(String),
}

fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

impl Expected {
    pub fn parse(record_type: RecordType, value: &str) -> Result<Expected, ProbeError> {
        let bad = |reason: &str| ProbeError::BadExpectedValue {
            record_type,
            value: value.to_string(),
            reason: reason.to_string(),
        };
        match record_type {
            RecordType::A => parse_v4(value)
                .map(|ip| Expected::Ip(ip.into()))
                .ok_or_else(|| bad("not an IPv4 address")),
            RecordType::Aaaa => parse_v6(value)
                .map(|ip| Expected::Ip(ip.into()))
                .ok_or_else(|| bad("not an IPv6 address")),
            RecordType::Cname => {
                let name = normalize_name(value);
                if name.is_empty() {
                    return Err(bad("empty name"));
                }
                Ok(Expected::Name(name))
            }
            RecordType::Mx => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                match parts.as_slice() {
                    [exchange] => Ok(Expected::Mx(None, normalize_name(exchange))),
                    [pref, exchange] => {
                        let pref = pref
                            .parse()
                            .map_err(|_| bad("preference is not a number 0-65535"))?;
                        Ok(Expected::Mx(Some(pref), normalize_name(exchange)))
                    }
                    _ => Err(bad("expected `EXCHANGE` or `PREFERENCE EXCHANGE`")),
                }
            }
            // TXT text is compared exactly, spaces included.
            RecordType::Txt => Ok(Expected::Txt(value.to_string())),
        }
    }

    fn matches(&self, answer: &Answer) -> bool {
        match (self, answer) {
            (Expected::Ip(a), Answer::Ip(b)) => a == b,
            (Expected::Name(a), Answer::Name(b)) => a == b,
            (Expected::Mx(pref, a), Answer::Mx(p, b)) => a == b && pref.is_none_or(|x| x == *p),
            (Expected::Txt(a), Answer::Txt(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Ip(ip) => write!(f, "{ip}"),
            Expected::Name(n) => f.write_str(n),
            Expected::Mx(Some(p), n) => write!(f, "{p} {n}"),
            Expected::Mx(None, n) => f.write_str(n),
            Expected::Txt(t) => write!(f, "{t:?}"),
        }
    }
}

/// A resolver for one probe run. Its own retries and cache are off: the
/// probe retries itself, and a retry must ask the server again.
pub(crate) fn resolver(
    server: Option<SocketAddr>,
    timeout: Duration,
) -> Result<TokioResolver, String> {
    let mut builder = match server {
        Some(addr) => {
            let mut udp = ConnectionConfig::udp();
            udp.port = addr.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = addr.port();
            let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
            Resolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![ns]),
                TokioRuntimeProvider::default(),
            )
        }
        None => TokioResolver::builder_tokio()
            .map_err(|e| format!("reading the system resolver configuration failed: {e}"))?,
    };
    let opts = builder.options_mut();
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;
    builder.build().map_err(|e| e.to_string())
}

fn wire_type(rt: RecordType) -> hickory_resolver::proto::rr::RecordType {
    use hickory_resolver::proto::rr::RecordType as W;
    match rt {
        RecordType::A => W::A,
        RecordType::Aaaa => W::AAAA,
        RecordType::Cname => W::CNAME,
        RecordType::Txt => W::TXT,
        RecordType::Mx => W::MX,
    }
}

fn answer_of(data: &RData) -> Option<Answer> {
    Some(match data {
        RData::A(a) => Answer::Ip(IpAddr::V4(a.0)),
        RData::AAAA(a) => Answer::Ip(IpAddr::V6(a.0)),
        RData::CNAME(c) => Answer::Name(normalize_name(&c.0.to_string())),
        RData::MX(mx) => Answer::Mx(mx.preference, normalize_name(&mx.exchange.to_string())),
        RData::TXT(t) => Answer::Txt(
            t.txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s))
                .collect(),
        ),
        _ => return None,
    })
}

/// At most this many answers are listed in a message.
const LISTED: usize = 5;

fn list<T: fmt::Display>(items: &[T]) -> String {
    let mut out: Vec<String> = items.iter().take(LISTED).map(|i| i.to_string()).collect();
    if items.len() > LISTED {
        out.push(format!("and {} more", items.len() - LISTED));
    }
    out.join(", ")
}

pub(crate) struct DnsCheck<'a> {
    pub what: String,
    pub name: &'a Name,
    pub record_type: RecordType,
    pub expect: Vec<Expected>,
}

impl DnsCheck<'_> {
    pub async fn attempt(&self, resolver: &TokioResolver, timeout: Duration) -> Attempt {
        let what = &self.what;
        let after = cairn_http::fmt_duration(timeout);
        let lookup = tokio::time::timeout(
            timeout,
            resolver.lookup(self.name.clone(), wire_type(self.record_type)),
        )
        .await;
        let lookup = match lookup {
            Err(_) => return Attempt::fail(format!("{what}: timed out after {after}")),
            Ok(Err(e)) => return Attempt::fail(format!("{what}: {}", describe(&e, &after))),
            Ok(Ok(l)) => l,
        };
        let wanted = wire_type(self.record_type);
        // Answers can include the CNAME chain that led to the records;
        // keep only the type asked for.
        let answers: Vec<Answer> = lookup
            .answers()
            .iter()
            .filter(|r| r.record_type() == wanted)
            .filter_map(|r| answer_of(&r.data))
            .collect();
        if answers.is_empty() {
            return Attempt::fail(format!("{what}: no {} records", self.record_type));
        }
        let missing: Vec<&Expected> = self
            .expect
            .iter()
            .filter(|e| !answers.iter().any(|a| e.matches(a)))
            .collect();
        if missing.is_empty() {
            if self.expect.is_empty() {
                Attempt::pass(format!("{what}: got {}", list(&answers)))
            } else {
                Attempt::pass(format!(
                    "{what}: got {} (expected {})",
                    list(&answers),
                    list(&self.expect)
                ))
            }
        } else {
            Attempt::fail(format!(
                "{what}: got {}, expected {} (missing {})",
                list(&answers),
                list(&self.expect),
                list(&missing)
            ))
        }
    }
}

fn describe(err: &NetError, after: &str) -> String {
    if err.is_nx_domain() {
        "no such name (NXDOMAIN)".to_string()
    } else if err.is_no_records_found() {
        "no records of that type".to_string()
    } else if matches!(err, NetError::Timeout) {
        format!("timed out after {after}")
    } else {
        err.to_string()
    }
}
