//! Tampering with audit.jsonl, and what `verify` says about it.

use std::fs;
use std::path::Path;

use cairn_audit::{
    render_human, Anchor, AuditError, AuditLog, EntryDraft, Outcome, Position, Problem, Summary,
    GENESIS_HASH,
};
use chrono::Utc;
use serde_json::json;

fn draft(i: u64) -> EntryDraft {
    let mut d = EntryDraft::new(format!("run-{i}"), "apply", Outcome::Success);
    d.user = Some("alice@example.com".into());
    d.host = Some("build-1".into());
    d.environment = Some("prod".into());
    d.args = vec!["apply".into(), "-auto-approve".into()];
    d.summary = Summary {
        add: i,
        change: 1,
        ..Summary::default()
    };
    d.details = json!({"i": i, "note": "ok"});
    d
}

fn log_with(n: u64) -> (tempfile::TempDir, AuditLog) {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(&dir.path().join(".cairn")).unwrap();
    for i in 1..=n {
        log.append(draft(i)).unwrap();
    }
    (dir, log)
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(path, text).unwrap();
}

#[test]
fn chain_of_100_entries_verifies() {
    let (_d, log) = log_with(100);
    let report = log.verify().unwrap();
    assert!(report.ok, "{report}");
    assert_eq!(report.entries, 100);
    assert_eq!(report.lines, 100);
    assert!(report.to_string().contains("OK, 100 entries"));

    let entries = log.list(None).unwrap();
    assert_eq!(entries.len(), 100);
    assert_eq!(entries[0].prev_hash, GENESIS_HASH);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
        assert!(e.hash_is_valid(), "entry {}", e.seq);
        if i > 0 {
            assert_eq!(e.prev_hash, entries[i - 1].hash);
        }
    }
    let head = log.head().unwrap().unwrap();
    assert_eq!(head.seq, 100);
    assert_eq!(head.hash, entries[99].hash);
    assert_eq!(report.head, Some(head));
}

#[test]
fn lines_are_canonical_json() {
    let (_d, log) = log_with(2);
    for line in lines(log.path()) {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(cairn_audit::canonical_json(&v), line);
        assert!(line.starts_with("{\"approvals\":"), "{line}");
    }
}

#[test]
fn appended_entry_round_trips_and_is_returned_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path()).unwrap();
    let written = log.append(draft(7)).unwrap();
    assert_eq!(log.list(None).unwrap(), vec![written.clone()]);
    assert_eq!(written.seq, 1);
    assert_eq!(written.prev_hash, GENESIS_HASH);
    assert!(written.hash_is_valid());
    assert_eq!(written.user, "alice@example.com");
}

#[test]
fn edited_byte_in_command_names_seq_40() {
    let (_d, log) = log_with(100);
    let mut ls = lines(log.path());
    let id = log.list(None).unwrap()[39].id;
    let at = ls[39].find("\"command\":\"apply\"").unwrap() + "\"command\":\"".len();
    ls[39].replace_range(at..at + 1, "b");
    write_lines(log.path(), &ls);

    let report = log.verify().unwrap();
    assert!(!report.ok);
    assert_eq!(report.problems.len(), 1, "{report}");
    match &report.problems[0] {
        Problem::Edited {
            line, seq, id: got, ..
        } => {
            assert_eq!((*line, *seq), (40, 40));
            assert_eq!(*got, id);
        }
        other => panic!("expected Edited, got {other:?}"),
    }
    let text = report.to_string();
    assert!(text.contains("line 40: entry seq 40"), "{text}");
    assert!(text.contains(&id.to_string()), "{text}");
}

#[test]
fn added_field_counts_as_edit() {
    let (_d, log) = log_with(5);
    let mut ls = lines(log.path());
    ls[2] = ls[2].replacen('{', "{\"approved_by\":\"mallory\",", 1);
    write_lines(log.path(), &ls);
    let report = log.verify().unwrap();
    assert!(
        matches!(report.problems.as_slice(), [Problem::Edited { seq: 3, .. }]),
        "{report}"
    );
}

#[test]
fn edit_with_recomputed_hash_breaks_the_next_link() {
    let (_d, log) = log_with(50);
    let mut ls = lines(log.path());
    let mut v: serde_json::Value = serde_json::from_str(&ls[39]).unwrap();
    v["command"] = json!("destroy");
    let obj = v.as_object_mut().unwrap();
    obj.remove("hash");
    let hash = cairn_audit::canonical_hash(&v);
    v["hash"] = json!(hash);
    ls[39] = cairn_audit::canonical_json(&v);
    write_lines(log.path(), &ls);

    let report = log.verify().unwrap();
    assert_eq!(
        report.problems.len(),
        1,
        "the rewritten entry is self-consistent; only the next link shows it: {report}"
    );
    match &report.problems[0] {
        Problem::BrokenLink {
            line,
            seq,
            previous,
            ..
        } => {
            assert_eq!((*line, *seq), (41, 41));
            assert_eq!(*previous, Some(Position { seq: 40, line: 40 }));
        }
        other => panic!("expected BrokenLink, got {other:?}"),
    }
    assert!(report
        .to_string()
        .contains("does not chain to seq 40 (line 40)"));
}

#[test]
fn deleted_entry_10_names_the_break() {
    let (_d, log) = log_with(30);
    let mut ls = lines(log.path());
    ls.remove(9);
    write_lines(log.path(), &ls);

    let report = log.verify().unwrap();
    assert_eq!(
        report.problems,
        vec![Problem::Deleted {
            first_seq: 10,
            last_seq: 10,
            after: Some(Position { seq: 9, line: 9 }),
            before: Position { seq: 11, line: 10 },
        }],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("entry seq 10 is missing (deleted): the chain breaks between seq 9 (line 9) and seq 11 (line 10)"),
        "{text}"
    );
}

#[test]
fn deleted_run_and_deleted_start() {
    let (_d, log) = log_with(20);
    let mut ls = lines(log.path());
    ls.drain(11..14); // seq 12..=14
    ls.drain(0..2); // seq 1..=2
    write_lines(log.path(), &ls);
    let report = log.verify().unwrap();
    assert_eq!(
        report.problems,
        vec![
            Problem::Deleted {
                first_seq: 1,
                last_seq: 2,
                after: None,
                before: Position { seq: 3, line: 1 },
            },
            Problem::Deleted {
                first_seq: 12,
                last_seq: 14,
                after: Some(Position { seq: 11, line: 9 }),
                before: Position { seq: 15, line: 10 },
            },
        ],
        "{report}"
    );
}

#[test]
fn swapped_lines_are_reported_as_reordered() {
    let (_d, log) = log_with(40);
    let mut ls = lines(log.path());
    ls.swap(19, 20);
    write_lines(log.path(), &ls);

    let report = log.verify().unwrap();
    assert!(!report.ok);
    assert_eq!(report.problems.len(), 1, "{report}");
    match &report.problems[0] {
        Problem::Reordered {
            line,
            seq,
            belongs_after,
            ..
        } => {
            // The LIS keeps seq 20 in place; seq 21 (now on line 20) moved.
            assert_eq!((*line, *seq), (20, 21));
            assert_eq!(*belongs_after, Some(Position { seq: 20, line: 21 }));
        }
        other => panic!("expected Reordered, got {other:?}"),
    }
    assert!(report.to_string().contains("out of order"));
}

#[test]
fn entry_moved_to_the_end_is_reordered() {
    let (_d, log) = log_with(10);
    let mut ls = lines(log.path());
    let first = ls.remove(0);
    ls.push(first);
    write_lines(log.path(), &ls);
    let report = log.verify().unwrap();
    assert!(
        matches!(
            report.problems.as_slice(),
            [Problem::Reordered {
                line: 10,
                seq: 1,
                belongs_after: None,
                belongs_before: Some(Position { seq: 2, line: 1 }),
                ..
            }]
        ),
        "{report}"
    );
}

#[test]
fn duplicated_line_is_reported() {
    let (_d, log) = log_with(10);
    let mut ls = lines(log.path());
    let copy = ls[4].clone();
    ls.insert(7, copy);
    write_lines(log.path(), &ls);
    let report = log.verify().unwrap();
    assert!(
        matches!(
            report.problems.as_slice(),
            [Problem::Duplicate {
                line: 8,
                seq: 5,
                first_line: 5,
                ..
            }]
        ),
        "{report}"
    );
}

#[test]
fn truncated_last_line_is_reported_and_blocks_append() {
    let (_d, log) = log_with(100);
    let text = fs::read_to_string(log.path()).unwrap();
    let last_start = text[..text.len() - 1].rfind('\n').unwrap() + 1;
    let last_len = text.len() - last_start;
    fs::write(log.path(), &text[..last_start + last_len / 2]).unwrap();

    let report = log.verify().unwrap();
    assert_eq!(report.problems.len(), 1, "{report}");
    match &report.problems[0] {
        Problem::Unreadable { line, reason } => {
            assert_eq!(*line, 100);
            assert!(reason.contains("incomplete"), "{reason}");
        }
        other => panic!("expected Unreadable, got {other:?}"),
    }
    assert_eq!(report.entries, 99);

    // Appending would chain onto nothing; it must refuse and say where.
    let err = log.append(draft(101)).unwrap_err();
    match &err {
        AuditError::Corrupt { line, path, .. } => {
            assert_eq!(*line, 100);
            assert_eq!(path, log.path());
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(err.to_string().contains("audit.jsonl:100:"), "{err}");
    assert!(matches!(
        log.list(None),
        Err(AuditError::Corrupt { line: 100, .. })
    ));
    assert!(log.head().is_err());
}

#[test]
fn garbage_line_in_the_middle_is_named_once() {
    let (_d, log) = log_with(60);
    let mut ls = lines(log.path());
    ls[49] = "this is not json".into();
    write_lines(log.path(), &ls);
    let report = log.verify().unwrap();
    assert!(
        matches!(
            report.problems.as_slice(),
            [Problem::Unreadable { line: 50, .. }]
        ),
        "{report}"
    );
    assert!(report
        .to_string()
        .contains("line 50: unreadable: not valid JSON"));
    let err = log.list(None).unwrap_err();
    assert!(err.to_string().contains(":50: not valid JSON"), "{err}");
}

#[test]
fn anchor_detects_tail_truncation_that_the_chain_cannot() {
    let (_d, log) = log_with(100);
    let anchor = log.head().unwrap().unwrap();
    assert!(log.verify_against(&anchor).unwrap().ok);

    let ls = lines(log.path());
    write_lines(log.path(), &ls[..97]);

    // The remaining 97 entries are a valid chain on their own.
    assert!(log.verify().unwrap().ok);
    let report = log.verify_against(&anchor).unwrap();
    assert_eq!(
        report.problems,
        vec![Problem::TailTruncated {
            anchor_seq: 100,
            last_seq: Some(97)
        }]
    );
    assert!(report
        .to_string()
        .contains("entries seq 98-100 were removed from the end"));
}

#[test]
fn anchor_detects_rewritten_tail() {
    let (_d, log) = log_with(10);
    let anchor = log.head().unwrap().unwrap();
    let mut ls = lines(log.path());
    ls.pop();
    write_lines(log.path(), &ls);
    // A new, different entry 10: the chain is valid again.
    log.append(draft(99)).unwrap();
    assert!(log.verify().unwrap().ok);
    let report = log.verify_against(&anchor).unwrap();
    assert!(
        matches!(
            report.problems.as_slice(),
            [Problem::AnchorMismatch {
                seq: 10,
                line: Some(10),
                ..
            }]
        ),
        "{report}"
    );
}

#[test]
fn anchor_text_round_trips() {
    let a = Anchor {
        seq: 42,
        hash: "ab".repeat(32),
    };
    let parsed: Anchor = a.to_string().parse().unwrap();
    assert_eq!(parsed, a);
    for bad in ["", "42", "x:ab", "0:abab", "42:zz", "42:abc"] {
        assert!(bad.parse::<Anchor>().is_err(), "{bad}");
    }
}

#[test]
fn absent_log_is_empty_and_ok() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(&dir.path().join("nowhere")).unwrap();
    assert!(log.list(None).unwrap().is_empty());
    assert_eq!(log.head().unwrap(), None);
    let report = log.verify().unwrap();
    assert!(report.ok && report.entries == 0);
    assert!(
        !dir.path().join("nowhere").exists(),
        "reading created files"
    );
    let anchor = Anchor {
        seq: 3,
        hash: "0".repeat(64),
    };
    assert_eq!(
        log.verify_against(&anchor).unwrap().problems,
        vec![Problem::TailTruncated {
            anchor_seq: 3,
            last_seq: None
        }]
    );
}

#[test]
fn report_serializes_for_json_output() {
    let (_d, log) = log_with(12);
    let mut ls = lines(log.path());
    ls.remove(4);
    write_lines(log.path(), &ls);
    let v = serde_json::to_value(log.verify().unwrap()).unwrap();
    assert_eq!(v["ok"], json!(false));
    assert_eq!(v["problems"][0]["kind"], json!("deleted"));
    assert_eq!(v["problems"][0]["first_seq"], json!(5));
}

#[test]
fn list_since_filters_by_time() {
    let (_d, log) = log_with(3);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let cut = Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    log.append(draft(4)).unwrap();
    log.append(draft(5)).unwrap();
    let recent = log.list(Some(cut)).unwrap();
    assert_eq!(recent.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(log.list(None).unwrap().len(), 5);
}

#[test]
fn args_are_sanitized_on_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path()).unwrap();
    let mut d = draft(1);
    d.args = vec![
        "apply".into(),
        "-var".into(),
        "db_password=letmein".into(),
        "-var=region=eu-west-1".into(),
    ];
    let e = log.append(d).unwrap();
    assert_eq!(
        e.args,
        [
            "apply",
            "-var",
            "db_password=(redacted)",
            "-var=region=(redacted)"
        ]
    );
    assert!(!fs::read_to_string(log.path()).unwrap().contains("letmein"));
}

#[test]
fn human_table() {
    let (_d, log) = log_with(2);
    let mut d = EntryDraft::new("run-x", "plan", Outcome::Refused);
    d.user = Some("bob\u{1b}[31m".into());
    log.append(d).unwrap();
    let table = render_human(&log.list(None).unwrap());
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 4, "{table}");
    for col in [
        "SEQ", "TIME", "USER", "ENV", "COMMAND", "RESULT", "SUMMARY", "RUN ID",
    ] {
        assert!(rows[0].contains(col), "{table}");
    }
    assert!(rows[1].contains("alice@example.com") && rows[1].contains("+1 ~1 -0"));
    assert!(rows[1].contains("run-1") && rows[1].contains("success"));
    assert!(
        rows[3].contains("refused") && rows[3].contains("bob?[31m"),
        "{table}"
    );
    assert!(!table.contains('\u{1b}'));
    // Columns line up: every row has RESULT at the same offset.
    let col = rows[0].find("RESULT").unwrap();
    assert_eq!(&rows[1][col..col + 7], "success");
    assert_eq!(render_human(&[]), "No audit entries.\n");
}
