//! Verification after apply (read-back, check blocks, probes), rollback to
//! an older state version, and `apply -rollback-on-failure`, through the
//! real binary on local resources.

use std::io::{Read, Write};
use std::net::TcpListener;
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

fn cairn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CAIRN_ENV")
        .env_remove("CAIRN_STATE_KEY")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

const SECRET: &str = "hunter2-verify-rollback-secret";

fn config(version: &str, extra: &str) -> String {
    format!(
        r#"
variable "token" {{
  type      = string
  sensitive = true
}}

resource "local_file" "f" {{
  filename = "${{path.module}}/out.txt"
  content  = "{version}\n"
}}

resource "terraform_data" "t" {{
  input = var.token
}}

check "file_written" {{
  data "local_file" "back" {{
    filename = local_file.f.filename
  }}
  assert {{
    condition     = data.local_file.back.content == "{version}\n"
    error_message = "the file does not hold {version}"
  }}
}}
{extra}
"#
    )
}

/// An HTTP server on 127.0.0.1 answering every request with `status`.
fn http_server(status: u16) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let body = if status == 200 { "healthy" } else { "down" };
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// An HTTP server on 127.0.0.1 that records every request body.
fn webhook_receiver() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = got.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                data.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&data).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .and_then(|v| v.trim().parse::<usize>().ok())
                        })
                        .unwrap_or(0);
                    if data.len() >= end + 4 + len {
                        if let Ok(mut g) = store.lock() {
                            g.push(text[end + 4..].to_string());
                        }
                        break;
                    }
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (port, got)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

#[test]
fn verify_checks_probes_rollback_to_and_rollback_on_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let env = [("TF_VAR_token", SECRET)];
    let healthy = http_server(200);
    let failing = http_server(503);

    // v1, with an HTTP probe that passes.
    let probe_ok = format!(
        r#"
check "service" {{
  probe "http" {{
    url          = "http://127.0.0.1:{healthy}/health"
    status       = [200]
    body_matches = "healthy"
  }}
}}
"#
    );
    std::fs::write(d.join("main.tf"), config("v1", &probe_ok)).expect("write");
    let r = ok(cairn(d, &["apply", "-auto-approve"], &env));
    assert!(r.stdout.contains("Verifying:"), "{}", r.stdout);
    assert!(
        r.stdout.contains("PASS     check.file_written"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("PASS     check.service http[0]"),
        "{}",
        r.stdout
    );
    let r = ok(cairn(d, &["verify", "-json"], &env));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["probes"][0]["ok"], true, "{v}");
    assert_eq!(v["checks"][0]["status"], "pass", "{v}");

    // Changed outside cairn: verify reads it back and fails.
    std::fs::write(d.join("out.txt"), "tampered\n").expect("write");
    let r = cairn(d, &["verify"], &env);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("MISSING  local_file.f"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("FAIL     check.file_written: the file does not hold v1"),
        "{}",
        r.stdout
    );
    ok(cairn(d, &["apply", "-auto-approve"], &env));

    // v2 whose probe fails: the apply turns red; with
    // -rollback-on-failure the infrastructure is back to v1.
    let probe_bad = format!(
        r#"
check "service" {{
  probe "http" {{
    url     = "http://127.0.0.1:{failing}/health"
    status  = [200]
    retries = 1
    interval = "100ms"
  }}
  probe "tcp" {{
    host    = "127.0.0.1"
    port    = {failing}
  }}
}}
"#
    );
    std::fs::write(d.join("main.tf"), config("v2", &probe_bad)).expect("write");
    let r = cairn(d, &["apply", "-auto-approve"], &env);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("FAIL     check.service http[0] (2 attempts)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("status 503"), "{}", r.stdout);
    assert!(
        r.stdout.contains("PASS     check.service tcp[1]"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("verification failed"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(d.join("out.txt")).expect("read"),
        "v2\n"
    );
    let serial_v1 = {
        // The last version applied from v1 is the one before this apply.
        let h = ok(cairn(d, &["history", "-json"], &env));
        let list: serde_json::Value = serde_json::from_str(&h.stdout).expect("json");
        let serials: Vec<u64> = list
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|e| e["serial"].as_u64())
            .collect();
        serials[serials.len() - 2]
    };

    // rollback --to: back to v1 (configuration and variable values).
    let r = ok(cairn(
        d,
        &["rollback", "-to", &serial_v1.to_string(), "-auto-approve"],
        &[],
    ));
    assert!(r.stdout.contains("Apply complete!"), "{}", r.stdout);
    assert_eq!(
        std::fs::read_to_string(d.join("out.txt")).expect("read"),
        "v1\n"
    );

    // Now the same failing v2 with -rollback-on-failure, and a webhook.
    let (hook_port, received) = webhook_receiver();
    std::fs::write(
        d.join("cairn.hcl"),
        format!(
            "notify {{\n  webhook {{\n    url    = \"http://127.0.0.1:{hook_port}/hooks/T0KEN\"\n    events = [\"verify_failed\", \"rollback\"]\n  }}\n}}\n"
        ),
    )
    .expect("write project");
    let r = cairn(d, &["apply", "-auto-approve", "-rollback-on-failure"], &env);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Rolling back"), "{}", r.stderr);
    assert!(r.stderr.contains("Rollback complete"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(d.join("out.txt")).expect("read"),
        "v1\n"
    );
    let h = ok(cairn(d, &["history"], &env));
    assert!(
        h.stdout
            .lines()
            .last()
            .is_some_and(|l| l.contains("rollback")),
        "{}",
        h.stdout
    );
    let bodies = received.lock().map(|g| g.clone()).unwrap_or_default();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let events: Vec<serde_json::Value> = bodies
        .iter()
        .map(|b| serde_json::from_str(b).expect("webhook body is JSON"))
        .collect();
    assert_eq!(events[0]["kind"], "verify_failed", "{}", bodies[0]);
    assert_eq!(events[1]["kind"], "rollback", "{}", bodies[1]);
    for e in &events {
        assert!(
            e["text"].as_str().is_some_and(|t| t.contains("cairn")),
            "{e}"
        );
    }
    for b in &bodies {
        assert!(!b.contains(SECRET), "a webhook body holds the secret: {b}");
    }
    assert!(!r.stderr.contains("T0KEN"), "{}", r.stderr);
    ok(cairn(d, &["audit", "verify"], &env));

    // A version with no recorded configuration, and one that does not
    // exist, are refused clearly.
    let r = cairn(d, &["rollback", "-to", "999", "-auto-approve"], &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("cannot read state version 999"),
        "{}",
        r.stderr
    );

    // The secret is in no file cairn wrote, and in no output.
    let mut files = Vec::new();
    files_under(&d.join(".cairn"), &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).expect("read")).to_string();
        assert!(!text.contains(SECRET), "{} holds the secret", f.display());
    }
}
