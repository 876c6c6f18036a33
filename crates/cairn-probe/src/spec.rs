//! What a probe is, and checking a spec before running it.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use crate::ProbeError;

/// Per-attempt timeout unless the spec says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Retries after a failed first attempt unless the spec says otherwise.
pub const DEFAULT_RETRIES: u32 = 2;
/// Pause between attempts unless the spec says otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// DNS record types a probe can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    A,
    Aaaa,
    Cname,
    Txt,
    Mx,
}

impl RecordType {
    /// The upper-case name, `AAAA`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Txt => "TXT",
            RecordType::Mx => "MX",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordType {
    type Err = ProbeError;

    /// Case-insensitive: `a`, `AAAA`, `cname`, `txt`, `mx`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "A" => Ok(RecordType::A),
            "AAAA" => Ok(RecordType::Aaaa),
            "CNAME" => Ok(RecordType::Cname),
            "TXT" => Ok(RecordType::Txt),
            "MX" => Ok(RecordType::Mx),
            _ => Err(ProbeError::UnknownRecordType(s.to_string())),
        }
    }
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A TCP connection to `host:port` succeeds.
    Tcp { host: String, port: u16 },
    /// An HTTP(S) request gets an expected status and body.
    Http {
        url: String,
        /// `GET` when built with [`Probe::http`].
        method: String,
        /// Accepted statuses; empty means any 2xx or 3xx. Redirects are
        /// not followed.
        expect_status: Vec<u16>,
        /// A regular expression that must match somewhere in the body
        /// (the first 1 MiB).
        body_pattern: Option<String>,
        /// Accept any server certificate.
        insecure_tls: bool,
        headers: Vec<(String, String)>,
    },
    /// A DNS query returns the expected records.
    Dns {
        name: String,
        record_type: RecordType,
        /// Each value must be among the answers; empty means any answer.
        /// A and AAAA: addresses. CNAME: a name. MX: `10 mail.example.com`
        /// or just `mail.example.com`. TXT: the record's text (its strings
        /// joined). Names compare case-insensitively, trailing dot or not.
        expect: Vec<String>,
        /// Ask this server (UDP, then TCP); `None` uses the system's
        /// resolver configuration (`/etc/resolv.conf`). Either way
        /// `/etc/hosts` is not consulted: the probe checks DNS.
        server: Option<SocketAddr>,
    },
}

impl Probe {
    /// A TCP probe.
    pub fn tcp(host: impl Into<String>, port: u16) -> Probe {
        Probe::Tcp {
            host: host.into(),
            port,
        }
    }

    /// A `GET` probe accepting any 2xx/3xx, no body check.
    pub fn http(url: impl Into<String>) -> Probe {
        Probe::Http {
            url: url.into(),
            method: "GET".to_string(),
            expect_status: Vec::new(),
            body_pattern: None,
            insecure_tls: false,
            headers: Vec::new(),
        }
    }

    /// A DNS probe accepting any answer, using the system resolver.
    pub fn dns(name: impl Into<String>, record_type: RecordType) -> Probe {
        Probe::Dns {
            name: name.into(),
            record_type,
            expect: Vec::new(),
            server: None,
        }
    }

    /// What is probed, for messages: `GET https://x/health`,
    /// `tcp db:5432`, `dns A example.com`.
    pub fn target(&self) -> String {
        match self {
            Probe::Tcp { host, port } => format!("tcp {}", host_port(host, *port)),
            Probe::Http { url, method, .. } => format!("{} {url}", method.to_ascii_uppercase()),
            Probe::Dns {
                name,
                record_type,
                server,
                ..
            } => match server {
                Some(s) => format!("dns {record_type} {name} @{s}"),
                None => format!("dns {record_type} {name}"),
            },
        }
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub(crate) fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A named probe with its timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSpec {
    pub name: String,
    pub probe: Probe,
    /// Limit for one attempt (default 5s).
    pub timeout: Duration,
    /// Attempts after the first, when it fails (default 2).
    pub retries: u32,
    /// Pause between attempts (default 1s).
    pub interval: Duration,
}

impl ProbeSpec {
    /// A spec with the default timeout, retries and interval.
    pub fn new(name: impl Into<String>, probe: Probe) -> ProbeSpec {
        ProbeSpec {
            name: name.into(),
            probe,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            interval: DEFAULT_INTERVAL,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> ProbeSpec {
        self.timeout = timeout;
        self
    }

    pub fn with_retries(mut self, retries: u32) -> ProbeSpec {
        self.retries = retries;
        self
    }

    pub fn with_interval(mut self, interval: Duration) -> ProbeSpec {
        self.interval = interval;
        self
    }

    /// Check everything that can be checked without the network: names,
    /// ports, URL, method, headers, statuses, regex, DNS name and expected
    /// values. [`crate::run`] does this too and reports a failure without
    /// any attempt; call it first to report configuration errors early.
    pub fn validate(&self) -> Result<(), ProbeError> {
        Checked::new(self).map(|_| ())
    }
}

/// A spec that passed validation, with its regex compiled and its DNS
/// expectations parsed.
pub(crate) struct Checked<'a> {
    pub spec: &'a ProbeSpec,
    pub body_regex: Option<regex::bytes::Regex>,
    pub dns_name: Option<hickory_resolver::proto::rr::Name>,
}

impl<'a> Checked<'a> {
    pub fn new(spec: &'a ProbeSpec) -> Result<Checked<'a>, ProbeError> {
        if spec.name.trim().is_empty() {
            return Err(ProbeError::EmptyName);
        }
        if spec.timeout.is_zero() {
            return Err(ProbeError::ZeroTimeout);
        }
        let mut body_regex = None;
        let mut dns_name = None;
        match &spec.probe {
            Probe::Tcp { host, port } => {
                if host.trim().is_empty() {
                    return Err(ProbeError::EmptyHost);
                }
                if *port == 0 {
                    return Err(ProbeError::PortZero);
                }
            }
            Probe::Http {
                url,
                method,
                expect_status,
                body_pattern,
                headers,
                ..
            } => {
                cairn_http::check_request(method, url, headers)?;
                if let Some(bad) = expect_status.iter().find(|s| !(100..=599).contains(*s)) {
                    return Err(ProbeError::BadStatus(*bad));
                }
                if let Some(pattern) = body_pattern {
                    let re =
                        regex::bytes::Regex::new(pattern).map_err(|e| ProbeError::BadRegex {
                            pattern: pattern.clone(),
                            message: regex_reason(&e),
                        })?;
                    body_regex = Some(re);
                }
            }
            Probe::Dns {
                name,
                record_type,
                expect,
                server,
            } => {
                let bad_name = |reason: String| ProbeError::BadDnsName {
                    name: name.clone(),
                    reason,
                };
                if name.trim().is_empty() {
                    return Err(bad_name("empty".into()));
                }
                let parsed = hickory_resolver::proto::rr::Name::from_str_relaxed(name)
                    .map_err(|e| bad_name(e.to_string()))?;
                dns_name = Some(parsed);
                for value in expect {
                    crate::dns::Expected::parse(*record_type, value)?;
                }
                if let Some(s) = server {
                    if s.port() == 0 {
                        return Err(ProbeError::PortZero);
                    }
                }
            }
        }
        Ok(Checked {
            spec,
            body_regex,
            dns_name,
        })
    }
}

/// Parse an address expectation; used for A and AAAA.
pub(crate) fn parse_v4(value: &str) -> Option<Ipv4Addr> {
    value.trim().parse().ok()
}

pub(crate) fn parse_v6(value: &str) -> Option<Ipv6Addr> {
    value.trim().parse().ok()
}

/// The regex crate's syntax errors span several lines (pattern, caret,
/// reason); keep the reason, for one-line messages.
fn regex_reason(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
}
