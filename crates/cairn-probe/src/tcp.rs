//! TCP probe: can a connection be opened?

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::run::Attempt;
use crate::spec::host_port;

pub(crate) async fn attempt(host: &str, port: u16, timeout: Duration) -> Attempt {
    let deadline = Instant::now() + timeout;
    let what = format!("tcp {}", host_port(host, port));
    let after = cairn_http::fmt_duration(timeout);
    // An IPv6 literal may come with brackets; the resolver wants it bare.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs = match timeout_at(deadline, tokio::net::lookup_host((bare, port))).await {
        Err(_) => {
            return Attempt::fail(format!(
                "{what}: timed out after {after} resolving the host"
            ))
        }
        Ok(Err(e)) => return Attempt::fail(format!("{what}: DNS lookup failed: {e}")),
        Ok(Ok(addrs)) => addrs.collect::<Vec<_>>(),
    };
    if addrs.is_empty() {
        return Attempt::fail(format!("{what}: host has no addresses"));
    }
    let mut last = String::new();
    for addr in addrs {
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => {
                return Attempt::fail(format!(
                    "{what}: timed out after {after} connecting to {addr}"
                ))
            }
            Ok(Ok(_stream)) => {
                // Connected is all a TCP probe asks; the stream closes on drop.
                return Attempt::pass(format!("{what}: connected to {addr}"));
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = format!("{what}: connection refused by {addr}");
            }
            Ok(Err(e)) => last = format!("{what}: could not connect to {addr}: {e}"),
        }
    }
    Attempt::fail(last)
}
