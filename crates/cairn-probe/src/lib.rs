//! Verification probes for cairn: after every apply and on `cairn verify`,
//! the `probe` blocks of `check` blocks run here.
//!
//! * [`Probe`]: `tcp` (a connection opens), `http` (status and body
//!   pattern, plain or TLS, optionally accepting any certificate), `dns`
//!   (A, AAAA, CNAME, TXT or MX records, from the system resolver or a
//!   given server).
//! * [`ProbeSpec`]: a named probe with a per-attempt timeout (5s), retries
//!   (2) and a pause between attempts (1s). [`ProbeSpec::validate`] finds
//!   configuration errors ([`ProbeError`]) without touching the network.
//! * [`run`] runs one spec; [`run_all`] runs many concurrently. Both always
//!   return a [`ProbeResult`] with a one-line `detail` saying what was
//!   expected and what was seen, e.g.
//!   `GET http://127.0.0.1:8080/health: status 503, expected 200`.
//!
//! Details can name hosts, URLs and DNS answers from the configuration;
//! callers that log them pass them through their redactor as usual.

mod dns;
mod error;
mod http;
mod run;
mod spec;
mod tcp;

pub use error::ProbeError;
pub use run::{run, run_all, ProbeResult};
pub use spec::{Probe, ProbeSpec, RecordType, DEFAULT_INTERVAL, DEFAULT_RETRIES, DEFAULT_TIMEOUT};
