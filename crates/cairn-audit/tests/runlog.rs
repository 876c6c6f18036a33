//! Run logs under `<state dir>/runs/`.

use std::fs;
use std::sync::Arc;

use cairn_audit::{new_run_id, AuditError, Level, RunLog};

#[test]
fn lines_are_timestamped_and_continued() {
    let tmp = tempfile::tempdir().unwrap();
    let id = new_run_id();
    let run = RunLog::create(tmp.path(), &id).unwrap();
    assert_eq!(
        run.path(),
        tmp.path().join("runs").join(format!("{id}.log"))
    );
    run.info("plan: 1 to add").unwrap();
    run.line(Level::Warn, "two\nlines").unwrap();
    // Written straight through: readable before the RunLog is dropped.
    let text = fs::read_to_string(run.path()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for l in &lines {
        let (time, rest) = l.split_once(' ').unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{l}");
        assert!(time.ends_with('Z'));
        assert!(
            rest.starts_with("INFO  ") || rest.starts_with("WARN  "),
            "{l}"
        );
    }
    assert!(lines[0].ends_with("INFO  plan: 1 to add"));
    assert!(lines[1].ends_with("WARN  two") && lines[2].ends_with("WARN  lines"));
    drop(run);

    // Reopening continues the same file.
    let again = RunLog::create(tmp.path(), &id).unwrap();
    again.error("boom").unwrap();
    let text = fs::read_to_string(again.path()).unwrap();
    assert_eq!(text.lines().count(), 4);
    assert!(text.ends_with("ERROR boom\n"));
}

#[test]
fn bad_run_ids_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["../escape", "a/b", ""] {
        let err = RunLog::create(tmp.path(), bad).unwrap_err();
        assert!(matches!(err, AuditError::InvalidRunId { .. }), "{bad}");
    }
    assert!(!tmp.path().join("escape.log").exists());
}

#[test]
fn lines_from_many_threads_stay_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let run = Arc::new(RunLog::create(tmp.path(), "r1").unwrap());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let run = Arc::clone(&run);
            std::thread::spawn(move || {
                for i in 0..100 {
                    run.debug(&format!("thread {t} line {i} {}", "x".repeat(200)))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let text = fs::read_to_string(run.path()).unwrap();
    assert_eq!(text.lines().count(), 800);
    assert!(text
        .lines()
        .all(|l| l.contains("DEBUG thread ") && l.ends_with(&"x".repeat(200))));
}

#[test]
fn run_ids_sort_by_time() {
    let a = new_run_id();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = new_run_id();
    assert!(a < b, "{a} !< {b}");
}
