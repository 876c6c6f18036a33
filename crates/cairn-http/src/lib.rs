//! A minimal async HTTP/1.1 client for cairn's probes and webhooks.
//!
//! * [`Client::new`] / [`Client::builder`]: system roots, extra roots, or
//!   `insecure_tls` (no certificate check). TLS is rustls with aws-lc-rs,
//!   the same stack the rest of the workspace uses.
//! * [`Client::request`]: one request on a fresh connection, a deadline
//!   over the whole exchange, the body kept up to a cap (1 MiB default).
//! * [`HttpError`] says which step failed: bad URL, DNS, refused, TLS,
//!   timeout (and in which [`Phase`]), protocol. Messages never include a
//!   URL's path or query, which may hold tokens.
//!
//! With the `test-util` feature, the `test_util` module has a scripted server on
//! 127.0.0.1 (plain or TLS) and a self-signed certificate generator for
//! tests in other crates.

mod client;
mod error;
mod target;
mod tls;

#[cfg(any(test, feature = "test-util"))]
pub mod test_util;

#[cfg(test)]
mod tests;

pub use client::{check_request, Client, ClientBuilder, Response, DEFAULT_MAX_BODY};
pub use error::{fmt_duration, HttpError, Phase};
