//! `cairn lint` and the checks in `cairn plan`, through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cairn(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CAIRN_ENV")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .stdin(Stdio::null())
        .output()
        .expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\nstdout:\n{}\nstderr:\n{}",
            r.stdout, r.stderr
        )
    })
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cairn-lint/fixtures")
}

/// Rule IDs of the unsuppressed findings in a `lint -format json` report.
fn fired(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["suppressed"].is_null())
                .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_built_in_rule_fires_on_its_failing_fixture_and_not_on_its_passing_one() {
    let list = cairn(Path::new("."), &["lint", "-list-rules", "-format", "json"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let rules: Vec<String> = json(&list)["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    assert!(rules.len() >= 40, "only {} rules", rules.len());
    // Each fixture runs the real binary; spread them over a few threads.
    let jobs: Vec<(String, &'static str)> = rules
        .iter()
        .flat_map(|r| [(r.clone(), "fail"), (r.clone(), "pass")])
        .collect();
    let chunks: Vec<Vec<(String, &'static str)>> = jobs
        .chunks(jobs.len().div_ceil(4))
        .map(|c| c.to_vec())
        .collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for (rule, kind) in chunk {
                        let dir = fixtures().join(&rule).join(kind);
                        if !dir.is_dir() {
                            bad.push(format!("{rule}: no {kind} fixture at {}", dir.display()));
                            continue;
                        }
                        let r = cairn(&dir, &["lint", "-format", "json", "-fail-on", "critical"]);
                        if r.code != 0 && r.code != 1 {
                            bad.push(format!("{rule}/{kind}: exit {}: {}", r.code, r.stderr));
                            continue;
                        }
                        if r.stdout.trim().is_empty() {
                            bad.push(format!("{rule}/{kind}: no report: {}", r.stderr));
                            continue;
                        }
                        let ids = fired(&json(&r));
                        let has = ids.contains(&rule);
                        if kind == "fail" && !has {
                            bad.push(format!(
                                "{rule}/fail: rule did not fire (fired: {ids:?}) {}",
                                r.stderr
                            ));
                        }
                        if kind == "pass" && has {
                            bad.push(format!("{rule}/pass: rule fired"));
                        }
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a thread panicked".into()])
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
