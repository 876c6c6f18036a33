//! Running a spec: attempts, retries, and many specs at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::dns::{DnsCheck, Expected};
use crate::http::HttpCheck;
use crate::spec::Checked;
use crate::{Probe, ProbeSpec};

/// How a probe went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    /// The spec's name.
    pub name: String,
    pub ok: bool,
    /// Attempts made: 0 when the spec was invalid, at most `retries + 1`.
    pub attempts: u32,
    /// From the first attempt to the end, pauses included.
    #[serde(rename = "elapsed_ms", serialize_with = "as_millis")]
    pub elapsed: Duration,
    /// One line: what was probed, what was seen and, on failure, what was
    /// expected; from the last attempt. E.g. `GET http://127.0.0.1:8080/health:
    /// status 503, expected 200`.
    pub detail: String,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One attempt's outcome.
pub(crate) struct Attempt {
    pub ok: bool,
    pub detail: String,
}

impl Attempt {
    pub fn pass(detail: String) -> Attempt {
        Attempt { ok: true, detail }
    }
    pub fn fail(detail: String) -> Attempt {
        Attempt { ok: false, detail }
    }
}

/// Messages can carry server text (TXT records, error strings); keep the
/// detail on one line.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run a probe: up to `retries + 1` attempts, `interval` apart, each
/// limited to `timeout`, stopping at the first success. Never fails: an
/// invalid spec gives `ok: false`, `attempts: 0` and the reason in
/// `detail` (use [`ProbeSpec::validate`] to catch that earlier).
pub async fn run(spec: &ProbeSpec) -> ProbeResult {
    let started = Instant::now();
    let result = |ok: bool, attempts: u32, detail: &str| ProbeResult {
        name: spec.name.clone(),
        ok,
        attempts,
        elapsed: started.elapsed(),
        detail: one_line(detail),
    };
    let checked = match Checked::new(spec) {
        Ok(c) => c,
        Err(e) => {
            return result(
                false,
                0,
                &format!("{}: invalid probe: {e}", spec.probe.target()),
            )
        }
    };
    let runner = match Runner::new(&checked) {
        Ok(r) => r,
        Err(detail) => return result(false, 0, &detail),
    };
    let max = spec.retries.saturating_add(1);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let outcome = runner.attempt(spec.timeout).await;
        if outcome.ok || attempts >= max {
            return result(outcome.ok, attempts, &outcome.detail);
        }
        tokio::time::sleep(spec.interval).await;
    }
}

/// What an attempt needs, built once per run.
enum Runner<'a> {
    Tcp {
        host: &'a str,
        port: u16,
    },
    Http {
        client: cairn_http::Client,
        check: HttpCheck<'a>,
    },
    Dns {
        resolver: Box<hickory_resolver::TokioResolver>,
        check: DnsCheck<'a>,
    },
}

impl<'a> Runner<'a> {
    fn new(checked: &'a Checked<'a>) -> Result<Runner<'a>, String> {
        let spec = checked.spec;
        let what = spec.probe.target();
        Ok(match &spec.probe {
            Probe::Tcp { host, port } => Runner::Tcp { host, port: *port },
            Probe::Http {
                url,
                method,
                expect_status,
                insecure_tls,
                headers,
                ..
            } => Runner::Http {
                client: cairn_http::Client::new(*insecure_tls)
                    .map_err(|e| format!("{what}: {e}"))?,
                check: HttpCheck {
                    url,
                    method,
                    expect_status,
                    body_pattern: checked.body_regex.as_ref(),
                    headers,
                },
            },
            Probe::Dns {
                record_type,
                expect,
                server,
                ..
            } => {
                let name = checked
                    .dns_name
                    .as_ref()
                    .ok_or_else(|| format!("{what}: DNS name missing after validation"))?;
                let expect = expect
                    .iter()
                    .map(|v| Expected::parse(*record_type, v))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("{what}: {e}"))?;
                Runner::Dns {
                    resolver: Box::new(
                        crate::dns::resolver(*server, spec.timeout)
                            .map_err(|e| format!("{what}: {e}"))?,
                    ),
                    check: DnsCheck {
                        what,
                        name,
                        record_type: *record_type,
                        expect,
                    },
                }
            }
        })
    }

    async fn attempt(&self, timeout: Duration) -> Attempt {
        match self {
            Runner::Tcp { host, port } => crate::tcp::attempt(host, *port, timeout).await,
            Runner::Http { client, check } => check.attempt(client, timeout).await,
            Runner::Dns { resolver, check } => check.attempt(resolver, timeout).await,
        }
    }
}

/// Run many probes concurrently, at most `max_concurrency` at a time (0 is
/// taken as 1). Results are in the order of `specs`.
pub async fn run_all(specs: &[ProbeSpec], max_concurrency: usize) -> Vec<ProbeResult> {
    let permits = Arc::new(tokio::sync::Semaphore::new(max_concurrency.max(1)));
    let handles: Vec<_> = specs
        .iter()
        .cloned()
        .map(|spec| {
            let permits = permits.clone();
            tokio::spawn(async move {
                // The semaphore is never closed, so acquiring only fails if
                // that changes; run unthrottled rather than not at all.
                let _permit = permits.acquire().await.ok();
                run(&spec).await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(specs.len());
    for (handle, spec) in handles.into_iter().zip(specs) {
        results.push(match handle.await {
            Ok(r) => r,
            Err(e) => ProbeResult {
                name: spec.name.clone(),
                ok: false,
                attempts: 0,
                elapsed: Duration::ZERO,
                detail: format!("{}: probe task failed: {e}", spec.probe.target()),
            },
        });
    }
    results
}
