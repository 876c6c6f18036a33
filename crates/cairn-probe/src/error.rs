//! Problems in a probe spec, found before anything is sent.

/// Why a [`crate::ProbeSpec`] cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    #[error("probe name is empty")]
    EmptyName,
    #[error("timeout must be more than zero")]
    ZeroTimeout,
    #[error("host is empty")]
    EmptyHost,
    #[error("port 0 cannot be probed")]
    PortZero,
    /// The URL, method or a header is not usable.
    #[error(transparent)]
    Http(#[from] cairn_http::HttpError),
    #[error("expected status {0} is not an HTTP status (100-599)")]
    BadStatus(u16),
    #[error("body pattern {pattern:?} is not a valid regular expression: {message}")]
    BadRegex { pattern: String, message: String },
    #[error("unknown DNS record type {0:?} (expected A, AAAA, CNAME, TXT or MX)")]
    UnknownRecordType(String),
    #[error("{name:?} is not a valid DNS name: {reason}")]
    BadDnsName { name: String, reason: String },
    #[error("expected {record_type} value {value:?} is invalid: {reason}")]
    BadExpectedValue {
        record_type: crate::RecordType,
        value: String,
        reason: String,
    },
}
