//! Known secrets never reach audit.jsonl or a run log.

use std::fs;

use cairn_audit::{AuditLog, EntryDraft, Level, Outcome, Redactor, RunLog, Summary};
use serde_json::json;

const SECRET: &str = "pa55-Xq9!zz";
const LATE: &str = "token-learned-mid-run";

#[test]
fn known_secrets_never_reach_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join(".cairn");
    let redactor = Redactor::with_secrets([SECRET]);
    let log = AuditLog::open(&state)
        .unwrap()
        .with_redactor(redactor.clone());
    let run = RunLog::create(&state, "20261126T010203Z-deadbeef")
        .unwrap()
        .with_redactor(redactor.clone());

    run.info(&format!("resolved db password {SECRET}")).unwrap();
    // A secret found during the run, added through another handle.
    redactor.add(LATE);
    run.line(
        Level::Error,
        &format!("request failed: Authorization: Bearer {LATE}\nretry with {SECRET}"),
    )
    .unwrap();
    run.sync().unwrap();

    let mut d = EntryDraft::new(run.run_id(), "apply", Outcome::Failure);
    // Not a -var, so sanitize_args alone would keep it: the redactor must.
    d.args = vec!["apply".into(), format!("--note={SECRET}")];
    d.environment = Some(format!("env-{SECRET}"));
    d.approvals = vec![format!("approved with {LATE}")];
    d.plan_digest = Some(SECRET.into());
    d.summary = Summary {
        add: 1,
        ..Summary::default()
    };
    d.summary.extra.insert(SECRET.into(), json!(LATE));
    d.details = json!({
        "error": format!("provider said: invalid password {SECRET}"),
        "nested": [{"k": LATE}, SECRET],
        SECRET: 1,
    });
    let entry = log.append(d).unwrap();
    assert!(entry.details["error"]
        .as_str()
        .unwrap()
        .ends_with("(sensitive value)"));

    let audit = fs::read(log.path()).unwrap();
    let runlog = fs::read(run.path()).unwrap();
    for secret in [SECRET, LATE] {
        for (name, bytes) in [("audit.jsonl", &audit), ("run log", &runlog)] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} found in {name}"
            );
        }
    }
    let text = String::from_utf8(runlog).unwrap();
    assert_eq!(text.matches("(sensitive value)").count(), 3, "{text}");
    // Redaction happens before hashing, so the chain is intact.
    assert!(log.verify().unwrap().ok);
}

#[test]
fn redactor_debug_never_shows_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let log = AuditLog::open(tmp.path())
        .unwrap()
        .with_redactor(Redactor::with_secrets([SECRET]));
    assert!(!format!("{log:?}").contains(SECRET));
}
