//! Several threads and processes appending to one log at once, and identity
//! resolution seen from a fresh process environment.
//!
//! Child processes are this test binary itself, run with `--exact
//! child_helper` and `CAIRN_AUDIT_TEST_CHILD` set; without that variable
//! `child_helper` does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cairn_audit::{AuditLog, EntryDraft, Outcome};
use serde_json::json;

const CHILD: &str = "CAIRN_AUDIT_TEST_CHILD";
const DIR: &str = "CAIRN_AUDIT_TEST_DIR";
const NAME: &str = "CAIRN_AUDIT_TEST_NAME";
const COUNT: &str = "CAIRN_AUDIT_TEST_COUNT";
const OUT: &str = "CAIRN_AUDIT_TEST_OUT";

fn append_many(dir: &Path, writer: &str, n: u64) {
    let log = AuditLog::open(dir).unwrap();
    for i in 0..n {
        let mut d = EntryDraft::new(format!("run-{writer}"), "apply", Outcome::Success);
        d.details = json!({"writer": writer, "i": i});
        log.append(d).unwrap();
    }
}

#[test]
fn child_helper() {
    let Ok(mode) = std::env::var(CHILD) else {
        return;
    };
    match mode.as_str() {
        "append" => {
            let dir = PathBuf::from(std::env::var(DIR).unwrap());
            let name = std::env::var(NAME).unwrap();
            let n: u64 = std::env::var(COUNT).unwrap().parse().unwrap();
            append_many(&dir, &name, n);
        }
        "user" => {
            std::fs::write(std::env::var(OUT).unwrap(), cairn_audit::user()).unwrap();
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn child(mode: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_helper", "--test-threads", "1", "--quiet"])
        .env(CHILD, mode);
    cmd
}

#[test]
fn threads_and_processes_keep_the_chain_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");

    let children: Vec<_> = (0..2)
        .map(|k| {
            child("append")
                .env(DIR, &dir)
                .env(NAME, format!("proc-{k}"))
                .env(COUNT, "50")
                .env("CAIRN_USER", format!("child-{k}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let dir = dir.clone();
            std::thread::spawn(move || append_many(&dir, &format!("thread-{t}"), 50))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "child appender failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let log = AuditLog::open(&dir).unwrap();
    let report = log.verify().unwrap();
    assert!(report.ok, "{report}");
    let entries = log.list(None).unwrap();
    assert_eq!(entries.len(), 300);
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=300).collect::<Vec<_>>());

    // Every writer's entries are all there, each exactly once and in the
    // order that writer appended them.
    let mut per_writer: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for e in &entries {
        let w = e.details["writer"].as_str().unwrap().to_string();
        if let Some(k) = w.strip_prefix("proc-") {
            assert_eq!(e.user, format!("child-{k}"), "CAIRN_USER not honoured");
        }
        per_writer
            .entry(w)
            .or_default()
            .push(e.details["i"].as_u64().unwrap());
    }
    assert_eq!(per_writer.len(), 6);
    for (w, is) in per_writer {
        assert_eq!(is, (0..50).collect::<Vec<_>>(), "writer {w}");
    }
}

fn user_in_child(configure: impl FnOnce(&mut Command, &Path)) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("user.txt");
    let mut cmd = child("user");
    cmd.env(OUT, &out)
        .env_remove("CAIRN_USER")
        .env("HOME", tmp.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", tmp.path().join("gitconfig"))
        .env("GIT_CEILING_DIRECTORIES", tmp.path())
        .current_dir(tmp.path());
    configure(&mut cmd, tmp.path());
    let result = cmd.output().unwrap();
    assert!(
        result.status.success(),
        "child failed:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

fn have_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn user_resolution_order_in_a_real_process() {
    let cairn_user = user_in_child(|cmd, _| {
        cmd.env("CAIRN_USER", "release-bot").env("USER", "os-user");
    });
    assert_eq!(cairn_user, "release-bot");

    let os_user = user_in_child(|cmd, _| {
        cmd.env("USER", "os-user");
    });
    assert_eq!(os_user, "os-user");

    if have_git() {
        let git_user = user_in_child(|cmd, home| {
            std::fs::write(
                home.join("gitconfig"),
                "[user]\n\temail = dev@example.test\n\tname = Dev\n",
            )
            .unwrap();
            cmd.env("USER", "os-user");
        });
        assert_eq!(git_user, "dev@example.test");
    }
}
