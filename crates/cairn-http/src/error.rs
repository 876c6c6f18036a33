//! Typed errors: each variant names the step that failed, so a probe or a
//! webhook delivery can say "connection refused" rather than "request
//! failed".

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// The step a request was in when its deadline ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Looking up the host name.
    Resolve,
    /// Opening the TCP connection.
    Connect,
    /// The TLS handshake (`https` only).
    Tls,
    /// Sending the request and waiting for the status line and headers.
    Response,
    /// Reading the response body.
    Body,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Resolve => "resolving the host name",
            Phase::Connect => "connecting",
            Phase::Tls => "in the TLS handshake",
            Phase::Response => "waiting for the response",
            Phase::Body => "reading the response body",
        })
    }
}

/// Why a request failed.
///
/// Messages name the host or address but never the URL's path or query,
/// which can hold tokens (webhook URLs often do).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The URL could not be used (syntax, scheme, missing host, ...).
    #[error("invalid URL: {reason}")]
    BadUrl { reason: String },
    /// The method is not a valid HTTP token.
    #[error("invalid HTTP method {0:?}")]
    BadMethod(String),
    /// A request header name or value is not valid HTTP.
    #[error("invalid request header {name:?}: {reason}")]
    BadHeader { name: String, reason: String },
    /// The host name did not resolve.
    #[error("DNS lookup of {host} failed: {message}")]
    Dns { host: String, message: String },
    /// Every address of the host refused the connection.
    #[error("connection to {addr} refused")]
    ConnectRefused { addr: SocketAddr },
    /// The connection failed for another reason (unreachable, reset, ...).
    #[error("could not connect to {addr}: {message}")]
    Connect { addr: SocketAddr, message: String },
    /// The TLS handshake failed, e.g. the certificate is not trusted.
    #[error("TLS handshake with {host} failed: {message}")]
    Tls { host: String, message: String },
    /// The TLS client could not be set up.
    #[error("TLS setup failed: {0}")]
    TlsConfig(String),
    /// The deadline passed.
    #[error("timed out after {} {phase}", fmt_duration(*after))]
    Timeout { phase: Phase, after: Duration },
    /// The server broke the HTTP protocol or closed the connection early.
    #[error("HTTP exchange failed: {0}")]
    Protocol(String),
    /// The connection failed while the body was being read.
    #[error("reading the response body failed: {0}")]
    Body(String),
}

impl HttpError {
    /// True for errors in the request itself (URL, method, header): trying
    /// again cannot help.
    pub fn is_invalid_request(&self) -> bool {
        matches!(
            self,
            HttpError::BadUrl { .. } | HttpError::BadMethod(_) | HttpError::BadHeader { .. }
        )
    }

    /// True when the deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, HttpError::Timeout { .. })
    }
}

/// `1.5s`, `200ms`: short, for one-line messages.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// An error and its sources on one line, `outer: inner: innermost`, so
/// that hyper's "connection error" keeps the reason behind it.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        // Some errors repeat their source's text in their own; skip repeats.
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
