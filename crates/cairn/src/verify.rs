//! `cairn verify`, and the verification after every apply: read back what
//! was applied and compare it with the plan, evaluate `check` blocks
//! (assertions, scoped data sources) and run their probes.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use cairn_engine::{CheckStatus, Plan, ProbeDecl};
use cairn_run::Session;
use cairn_value::Value;

use crate::lifecycle::{
    flags_of, learn_session, plan_or_report, runtime, start, PlanArgs, RunInfo,
};

#[derive(Args, Debug)]
pub struct VerifyCmd {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub common: PlanArgs,
}

/// An attribute whose read-back value is not what was planned.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Mismatch {
    pub address: String,
    pub attribute: String,
    pub planned: String,
    pub actual: String,
}

/// One check block instance's outcome.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CheckOutcome {
    pub address: String,
    /// `pass`, `fail` or `unknown`.
    pub status: &'static str,
    pub messages: Vec<String>,
}

/// One probe's outcome.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ProbeOutcome {
    pub check: String,
    pub name: String,
    pub ok: bool,
    pub attempts: u32,
    pub detail: String,
}

/// Everything verification found.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Verification {
    /// Read back differs from what was planned (or applied).
    pub mismatches: Vec<Mismatch>,
    /// Objects that could not be read back (gone).
    pub missing: Vec<String>,
    pub checks: Vec<CheckOutcome>,
    pub probes: Vec<ProbeOutcome>,
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
            && self.missing.is_empty()
            && self.checks.iter().all(|c| c.status != "fail")
            && self.probes.iter().all(|p| p.ok)
    }

    pub fn failures(&self) -> usize {
        self.mismatches.len()
            + self.missing.len()
            + self.checks.iter().filter(|c| c.status == "fail").count()
            + self.probes.iter().filter(|p| !p.ok).count()
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        for m in &self.mismatches {
            s.push_str(&format!(
                "  MISMATCH {}: {}: planned {}, read back {}\n",
                m.address, m.attribute, m.planned, m.actual
            ));
        }
        for a in &self.missing {
            s.push_str(&format!("  MISSING  {a}: not found when read back\n"));
        }
        for c in &self.checks {
            let tag = match c.status {
                "pass" => "PASS",
                "fail" => "FAIL",
                _ => "UNKNOWN",
            };
            s.push_str(&format!("  {tag:<8} {}", c.address));
            if !c.messages.is_empty() {
                s.push_str(&format!(": {}", c.messages.join("; ")));
            }
            s.push('\n');
        }
        for p in &self.probes {
            s.push_str(&format!(
                "  {:<8} {} {} ({} attempt{}): {}\n",
                if p.ok { "PASS" } else { "FAIL" },
                p.check,
                p.name,
                p.attempts,
                if p.attempts == 1 { "" } else { "s" },
                p.detail
            ));
        }
        let n = self.failures();
        s.push_str(&if n == 0 {
            format!(
                "Verification passed: {} check(s), {} probe(s), read-back matches.\n",
                self.checks.len(),
                self.probes.len()
            )
        } else {
            format!("Verification failed: {n} problem(s).\n")
        });
        s
    }
}

/// Verifies the session's configuration against what exists: a plan with
/// refresh reads every object back (`targets` limits it to the resources
/// a run touched), `applied` (the plan an apply carried out) gives the
/// values to compare with, else the state's. Then check blocks and
/// probes.
pub fn verify(
    sess: &Session,
    rt: &tokio::runtime::Runtime,
    applied: Option<&Plan>,
    targets: Vec<String>,
    common: &PlanArgs,
    color: bool,
) -> Option<Verification> {
    let mut flags = flags_of(common, false);
    flags.refresh = true;
    flags.targets = targets;
    let plan = plan_or_report(rt, sess, &flags, color)?;
    let mut out = Verification::default();
    // What the configuration controls directly: the top-level arguments
    // that are not computed. Computed ones, and nested blocks, may be
    // changed by other resources (routes added by aws_route, rules by
    // aws_security_group_rule) and are not the run's promise.
    let controlled = |c: &cairn_engine::Change, v: &Value| -> Value {
        let Ok(schema) =
            sess.registry
                .resource_schema(&c.provider_name, &c.addr.resource.type_name, false)
        else {
            return Value::dynamic_unknown();
        };
        let Some(m) = v.as_entries() else {
            return Value::dynamic_unknown();
        };
        let kept = m
            .iter()
            .filter(|(k, _)| {
                schema
                    .block
                    .attributes
                    .get(k.as_str())
                    .is_some_and(|a| !a.computed)
            })
            .map(|(k, x)| (k.clone(), x.clone()))
            .collect();
        Value::object(kept)
    };
    let expected: std::collections::BTreeMap<String, Value> = match applied {
        Some(p) => p
            .changes
            .iter()
            .filter_map(|c| {
                c.after
                    .as_ref()
                    .map(|a| (c.addr.to_string(), controlled(c, a)))
            })
            .collect(),
        None => std::collections::BTreeMap::new(),
    };
    for c in &plan.changes {
        if c.addr.resource.mode == cairn_engine::Mode::Data {
            continue;
        }
        let addr = c.addr.to_string();
        let want = expected.get(&addr);
        match (&c.before, want) {
            (None, Some(_)) => out.missing.push(addr),
            (Some(actual), Some(want)) => {
                compare(&addr, "", want, actual, &mut out.mismatches);
            }
            _ => {}
        }
    }
    for d in &plan.drift {
        let addr = d.addr.to_string();
        match &d.after {
            None => {
                if !out.missing.contains(&addr) {
                    out.missing.push(addr)
                }
            }
            Some(after) if !expected.contains_key(&addr) => {
                let c = plan.changes.iter().find(|c| c.addr == d.addr);
                match c {
                    Some(c) => compare(
                        &addr,
                        "",
                        &controlled(c, &d.before),
                        &controlled(c, after),
                        &mut out.mismatches,
                    ),
                    None => compare(&addr, "", &d.before, after, &mut out.mismatches),
                }
            }
            Some(_) => {}
        }
    }
    let mut specs = Vec::new();
    for c in &plan.checks {
        out.checks.push(CheckOutcome {
            address: c.address.clone(),
            status: match c.status {
                CheckStatus::Pass => "pass",
                CheckStatus::Fail => "fail",
                CheckStatus::Unknown => "unknown",
            },
            messages: c.messages.clone(),
        });
        for (i, p) in c.probes.iter().enumerate() {
            match probe_spec(p, i) {
                Ok(s) => specs.push((c.address.clone(), s)),
                Err(e) => out.probes.push(ProbeOutcome {
                    check: c.address.clone(),
                    name: format!("probe \"{}\"", p.kind),
                    ok: false,
                    attempts: 0,
                    detail: e,
                }),
            }
        }
    }
    let only: Vec<cairn_probe::ProbeSpec> = specs.iter().map(|(_, s)| s.clone()).collect();
    let results = rt.block_on(cairn_probe::run_all(&only, 8));
    for ((check, _), r) in specs.into_iter().zip(results) {
        out.probes.push(ProbeOutcome {
            check,
            name: r.name,
            ok: r.ok,
            attempts: r.attempts,
            detail: r.detail,
        });
    }
    Some(out)
}

/// Leaf by leaf: every known planned value must be what was read back.
fn compare(addr: &str, path: &str, want: &Value, got: &Value, out: &mut Vec<Mismatch>) {
    if !want.is_wholly_known() && want.is_unknown() {
        return;
    }
    if let (Some(w), Some(g)) = (want.as_entries(), got.as_entries()) {
        for (k, wv) in w.iter() {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            match g.get(k) {
                Some(gv) => compare(addr, &p, wv, gv, out),
                None if !wv.is_null() => out.push(mismatch(addr, &p, wv, &Value::dynamic_null())),
                None => {}
            }
        }
        return;
    }
    if !want.is_wholly_known() {
        // A collection with unknown parts: compare only when it is known.
        return;
    }
    if !(want.raw_equal(got) || want.is_null() && got.is_null()) {
        out.push(mismatch(addr, path, want, got));
    }
}

fn mismatch(addr: &str, path: &str, want: &Value, got: &Value) -> Mismatch {
    let show = |v: &Value| {
        if v.is_sensitive_deep() {
            "(sensitive value)".to_string()
        } else {
            cairn_value::display::console(v)
        }
    };
    Mismatch {
        address: addr.to_string(),
        attribute: path.to_string(),
        planned: show(want),
        actual: show(got),
    }
}

/// A `probe` block's arguments as a probe to run.
fn probe_spec(p: &ProbeDecl, index: usize) -> Result<cairn_probe::ProbeSpec, String> {
    let args = p.args.unmark_deep().0;
    let get = |k: &str| args.get_attr(k).filter(|v| !v.is_null());
    let string = |k: &str| -> Result<Option<String>, String> {
        match get(k) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| format!("{k} must be a string")),
        }
    };
    let number = |k: &str| -> Result<Option<f64>, String> {
        match get(k) {
            None => Ok(None),
            Some(v) => v
                .as_number()
                .map(|n| Some(n.to_f64()))
                .ok_or_else(|| format!("{k} must be a number")),
        }
    };
    let strings = |k: &str| -> Result<Vec<String>, String> {
        match get(k) {
            None => Ok(Vec::new()),
            Some(v) => match v.as_seq() {
                Some(items) => items
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| format!("{k} must be a list of strings"))
                    })
                    .collect(),
                None => v
                    .as_str()
                    .map(|s| vec![s.to_string()])
                    .ok_or_else(|| format!("{k} must be a list of strings")),
            },
        }
    };
    let duration = |k: &str| -> Result<Option<Duration>, String> {
        match string(k)? {
            None => Ok(None),
            Some(s) => crate::lifecycle::parse_duration(&s).map(Some),
        }
    };
    let allowed: &[&str] = match p.kind.as_str() {
        "tcp" => &["host", "port"],
        "http" => &[
            "url",
            "method",
            "status",
            "body_matches",
            "insecure",
            "headers",
        ],
        "dns" => &["name", "type", "values", "server"],
        other => {
            return Err(format!(
                "unknown probe type {other:?}: use tcp, http or dns"
            ))
        }
    };
    if let Some(m) = args.as_entries() {
        for k in m.keys() {
            if !allowed.contains(&k.as_str())
                && !["timeout", "retries", "interval"].contains(&k.as_str())
            {
                return Err(format!(
                    "probe \"{}\" has no argument {k:?} (it takes {}, timeout, retries, interval)",
                    p.kind,
                    allowed.join(", ")
                ));
            }
        }
    }
    let need =
        |k: &str, v: Option<String>| v.ok_or_else(|| format!("probe \"{}\" needs {k}", p.kind));
    let probe = match p.kind.as_str() {
        "tcp" => {
            let host = need("host", string("host")?)?;
            let port = number("port")?.ok_or("probe \"tcp\" needs port")?;
            if !(1.0..=65535.0).contains(&port) || port.fract() != 0.0 {
                return Err(format!("port {port} is not a TCP port"));
            }
            cairn_probe::Probe::tcp(host, port as u16)
        }
        "http" => {
            let url = need("url", string("url")?)?;
            let status = match get("status") {
                None => Vec::new(),
                Some(v) => {
                    let items: Vec<Value> = match v.as_seq() {
                        Some(s) => s.to_vec(),
                        None => vec![v.clone()],
                    };
                    let mut out = Vec::new();
                    for x in items {
                        let n = x
                            .as_number()
                            .map(|n| n.to_f64())
                            .filter(|n| (100.0..=599.0).contains(n))
                            .ok_or("status must be HTTP status codes (100-599)")?;
                        out.push(n as u16);
                    }
                    out
                }
            };
            let headers = match get("headers").and_then(|h| h.as_entries().cloned()) {
                Some(m) => m
                    .iter()
                    .map(|(k, v)| {
                        v.as_str()
                            .map(|s| (k.clone(), s.to_string()))
                            .ok_or_else(|| format!("header {k:?} must be a string"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            cairn_probe::Probe::Http {
                url,
                method: string("method")?.unwrap_or_else(|| "GET".into()),
                expect_status: status,
                body_pattern: string("body_matches")?,
                insecure_tls: get("insecure").and_then(|v| v.as_bool()).unwrap_or(false),
                headers,
            }
        }
        _ => {
            let name = need("name", string("name")?)?;
            let rt: cairn_probe::RecordType = string("type")?
                .unwrap_or_else(|| "A".into())
                .parse()
                .map_err(|e: cairn_probe::ProbeError| e.to_string())?;
            let server = match string("server")? {
                None => None,
                Some(s) => Some(
                    s.parse::<std::net::SocketAddr>()
                        .or_else(|_| format!("{s}:53").parse())
                        .map_err(|_| format!("server {s:?} is not an address (ip or ip:port)"))?,
                ),
            };
            cairn_probe::Probe::Dns {
                name,
                record_type: rt,
                expect: strings("values")?,
                server,
            }
        }
    };
    let mut spec = cairn_probe::ProbeSpec::new(format!("{}[{index}]", p.kind), probe);
    if let Some(t) = duration("timeout")? {
        spec = spec.with_timeout(t);
    }
    if let Some(r) = number("retries")? {
        spec = spec.with_retries(r.max(0.0) as u32);
    }
    if let Some(i) = duration("interval")? {
        spec = spec.with_interval(i);
    }
    spec.validate().map_err(|e| e.to_string())?;
    Ok(spec)
}

/// `cairn verify`.
pub fn run(a: &VerifyCmd, raw: &[String], color: bool) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let rec = crate::audit::Recorder::start(&dir);
    let mut info = RunInfo::default();
    let mut failures = 0;
    let code = (|| {
        let rt = runtime()?;
        let (project, _, sess) = start(&dir, &a.common, raw, "verify", color)?;
        learn_session(&rec, &sess);
        let v = verify(&sess, &rt, None, Vec::new(), &a.common, color)?;
        failures = v.failures();
        if !v.passed() {
            crate::notify::send(
                &project,
                &rec,
                &rt,
                cairn_notify::EventKind::VerifyFailed,
                "verify",
                format!("verification found {failures} problem(s)"),
                serde_json::to_value(&v).unwrap_or_default(),
            );
        }
        info.outcome = cairn_audit::Outcome::Success;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        } else {
            print!("{}", v.text());
        }
        rec.line(&v.text());
        Some(u8::from(!v.passed()))
    })()
    .unwrap_or(1);
    rec.finish(
        "verify",
        raw,
        None,
        (0, 0, 0),
        info.outcome,
        serde_json::json!({"exit_code": code, "failures": failures}),
    );
    code
}
