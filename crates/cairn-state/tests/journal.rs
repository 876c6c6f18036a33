mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use cairn_state::{IndexKey, JournalEntry, LocalBackend, Mode, ResourceId, State, StateError};
use common::*;

fn backend() -> (tempfile::TempDir, LocalBackend) {
    let tmp = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(tmp.path().join(".cairn"));
    (tmp, b)
}

fn entry(i: u64) -> JournalEntry {
    set(
        "",
        "null_resource",
        "n",
        Some(IndexKey::Int(i)),
        &format!("id-{i}"),
    )
}

/// Writes an initial state (serial 1) with one resource.
fn initial(b: &LocalBackend) -> State {
    let mut s = State::new();
    s.apply(set("", "aws_vpc", "main", None, "vpc-1"));
    b.write(&mut s).unwrap();
    s
}

#[test]
fn crash_without_finish_is_recovered() {
    let (_t, b) = backend();
    let s = initial(&b);
    {
        let j = b.journal(s.serial).unwrap();
        for i in 0..300 {
            j.record(&entry(i)).unwrap();
        }
        j.record(&JournalEntry::RemoveInstance {
            resource: ResourceId {
                module: String::new(),
                mode: Mode::Managed,
                type_name: "aws_vpc".into(),
                name: "main".into(),
            },
            index_key: None,
            deposed: None,
        })
        .unwrap();
        assert_eq!(j.recorded(), 301);
        // Dropped without finish: as if the process died here.
    }
    // A new process (a new backend) sees every operation.
    let b2 = LocalBackend::new(b.dir().to_path_buf());
    let loaded = b2.load().unwrap();
    assert_eq!(loaded.recovered, 301);
    assert!(!loaded.torn_line);
    let st = loaded.state.unwrap();
    assert_eq!(st.serial, 1, "read() replays in memory only");
    assert_eq!(st.list(None).unwrap().len(), 300);
    assert!(st.resource("aws_vpc.main").is_none());
    assert_eq!(
        std::fs::read(b2.state_path()).unwrap(),
        std::fs::read(b2.history_dir().join("00000001.json")).unwrap()
    );
    // A new run cannot start on top of unrecovered operations.
    let err = b2.journal(1).unwrap_err();
    assert!(
        matches!(err, StateError::JournalPending { entries: 301, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("cairn state recover"), "{err}");

    let r = b2.recover().unwrap();
    assert_eq!(r.entries, 301);
    assert_eq!(r.serial, Some(2));
    assert!(!b2.journal_path().exists());
    let after = b2.read().unwrap().unwrap();
    assert_eq!(after.serial, 2);
    assert_eq!(after.list(None).unwrap().len(), 300);
    // Recovering again has nothing to do.
    assert_eq!(b2.recover().unwrap().entries, 0);
}

#[test]
fn torn_last_line_is_ignored_and_damage_elsewhere_is_an_error() {
    let (_t, b) = backend();
    let s = initial(&b);
    {
        let j = b.journal(s.serial).unwrap();
        for i in 0..10 {
            j.record(&entry(i)).unwrap();
        }
    }
    let jp = b.journal_path();
    let good = std::fs::read(&jp).unwrap();
    let line = serde_json::to_string(
        &serde_json::json!({"base": 1, "entry": serde_json::to_value(entry(99)).unwrap()}),
    )
    .unwrap();
    // Killed in the middle of writing line 11.
    let mut f = std::fs::OpenOptions::new().append(true).open(&jp).unwrap();
    f.write_all(&line.as_bytes()[..line.len() / 2]).unwrap();
    drop(f);
    let loaded = b.load().unwrap();
    assert_eq!(loaded.recovered, 10);
    assert!(loaded.torn_line);
    assert!(loaded
        .state
        .unwrap()
        .get_instance("null_resource.n[99]")
        .is_err());
    // Zeros left by a crash after the file grew are torn too.
    let mut zeros = good.clone();
    zeros.extend_from_slice(&[0u8; 300]);
    std::fs::write(&jp, &zeros).unwrap();
    assert_eq!(b.load().unwrap().recovered, 10);
    // A damaged line in the middle is never skipped silently.
    let mut damaged = b"{\"base\":1,\"entry\":{\"set_ins\n".to_vec();
    damaged.extend_from_slice(&good);
    std::fs::write(&jp, &damaged).unwrap();
    let err = b.load().unwrap_err();
    assert!(matches!(err, StateError::Corrupt { line: 1, .. }), "{err}");
    assert!(err.to_string().contains("journal.jsonl"), "{err}");
    // Recovery with the torn tail.
    let mut torn = good.clone();
    torn.extend_from_slice(&line.as_bytes()[..10]);
    std::fs::write(&jp, &torn).unwrap();
    let r = b.recover().unwrap();
    assert_eq!((r.entries, r.torn_line), (10, true));
}

#[test]
fn finish_compacts_and_removes_the_journal() {
    let (_t, b) = backend();
    let mut s = initial(&b);
    let j = b.journal(s.serial).unwrap();
    // A plain write while the journal is open would make its entries stale.
    assert!(matches!(
        b.write(&mut s.clone()),
        Err(StateError::Invalid { .. })
    ));
    for i in 0..50 {
        let e = entry(i);
        j.record(&e).unwrap();
        s.apply(e);
    }
    j.finish(&mut s).unwrap();
    assert_eq!(s.serial, 2);
    assert!(!b.journal_path().exists());
    let read = b.read().unwrap().unwrap();
    assert_eq!(read, s);
    assert_eq!(read.list(None).unwrap().len(), 51);
    // Written in sorted order.
    let keys: Vec<_> = read.resources[0]
        .instances
        .iter()
        .map(|i| i.index_key.clone())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    b.write(&mut s).unwrap();
}

#[test]
fn entries_of_an_already_written_run_are_ignored() {
    // A crash after finish wrote the state but before it removed the
    // journal leaves lines whose base is the previous serial.
    let (_t, b) = backend();
    let mut s = initial(&b);
    let j = b.journal(s.serial).unwrap();
    j.record(&entry(1)).unwrap();
    let lines = std::fs::read(b.journal_path()).unwrap();
    s.apply(entry(1));
    j.finish(&mut s).unwrap();
    std::fs::write(b.journal_path(), &lines).unwrap();
    let loaded = b.load().unwrap();
    assert_eq!((loaded.recovered, loaded.stale), (0, 1));
    assert_eq!(loaded.state.unwrap(), s);
    // And a new run starts over the stale journal.
    let j = b.journal(s.serial).unwrap();
    j.record(&entry(2)).unwrap();
    drop(j);
    assert_eq!(b.load().unwrap().recovered, 1);
}

#[test]
fn checkpoint_rebases_the_journal() {
    let (_t, b) = backend();
    let mut s = initial(&b);
    let mut j = b.journal(s.serial).unwrap();
    for i in 0..5 {
        let e = entry(i);
        j.record(&e).unwrap();
        s.apply(e);
    }
    j.checkpoint(&mut s).unwrap();
    assert_eq!(j.base_serial(), 2);
    assert_eq!(std::fs::metadata(b.journal_path()).unwrap().len(), 0);
    let e = entry(5);
    j.record(&e).unwrap();
    drop(j);
    let loaded = b.load().unwrap();
    assert_eq!(loaded.recovered, 1);
    assert_eq!(loaded.state.unwrap().list(None).unwrap().len(), 7);
}

#[test]
fn journal_on_a_new_state_and_wrong_base() {
    let (_t, b) = backend();
    assert!(matches!(b.journal(3), Err(StateError::Conflict { .. })));
    {
        let j = b.journal(0).unwrap();
        j.record(&entry(0)).unwrap();
    }
    let r = b.recover().unwrap();
    assert_eq!((r.entries, r.serial), (1, Some(1)));
}

#[test]
fn group_commit_8_threads_by_1000() {
    let (_t, b) = backend();
    let s = initial(&b);
    let j = b.journal(s.serial).unwrap();
    let start = std::time::Instant::now();
    std::thread::scope(|scope| {
        for t in 0..8u64 {
            let j = &j;
            scope.spawn(move || {
                for i in 0..1000u64 {
                    j.record(&entry(t * 1000 + i)).unwrap();
                }
            });
        }
    });
    let took = start.elapsed();
    let syncs = j.syncs();
    assert_eq!(j.recorded(), 8000);
    eprintln!("8 x 1000 records: {took:?}, {syncs} fsyncs");
    assert!(syncs < 8000, "lines were batched: {syncs} syncs");
    drop(j);
    let st = b.read().unwrap().unwrap();
    assert_eq!(st.list(None).unwrap().len(), 8001);
    for i in (0..8000).step_by(997) {
        assert!(st.get_instance(&format!("null_resource.n[{i}]")).is_ok());
    }
}

/// The child side of `sigkill_mid_run_loses_no_acknowledged_record`:
/// records until killed, printing each count once `record` returns.
#[test]
fn journal_writer_child() {
    let Some(dir) = std::env::var_os("CAIRN_STATE_TEST_JOURNAL_DIR") else {
        return;
    };
    let b = LocalBackend::new(PathBuf::from(dir));
    let j = b.journal(1).unwrap();
    let mut out = std::io::stdout();
    for i in 0.. {
        j.record(&entry(i)).unwrap();
        writeln!(out, "acked {}", i + 1).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn sigkill_mid_run_loses_no_acknowledged_record() {
    let (_t, b) = backend();
    initial(&b);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "journal_writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CAIRN_STATE_TEST_JOURNAL_DIR", b.dir())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut acked = 0u64;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while acked < 300 {
        let line = lines.next().unwrap().unwrap();
        if let Some(n) = line.strip_prefix("acked ") {
            acked = n.parse().unwrap();
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let loaded = b.load().unwrap();
    assert!(
        loaded.recovered as u64 >= acked,
        "{} < {acked}",
        loaded.recovered
    );
    let r = b.recover().unwrap();
    assert!(r.entries as u64 >= acked);
}

#[test]
fn a_create_left_pending_by_a_crash_keeps_its_key_until_the_instance_is_set() {
    let (_t, b) = backend();
    let s = initial(&b);
    {
        let j = b.journal(s.serial).unwrap();
        j.record(&JournalEntry::PendingCreate {
            address: "null_resource.n[0]".into(),
            key: "k-0".into(),
        })
        .unwrap();
        j.record(&JournalEntry::PendingCreate {
            address: "null_resource.n[1]".into(),
            key: "k-1".into(),
        })
        .unwrap();
        // n[0] finished; n[1] was in flight when the process died.
        j.record(&entry(0)).unwrap();
    }
    let b2 = LocalBackend::new(b.dir().to_path_buf());
    let r = b2.recover().unwrap();
    assert_eq!(r.entries, 3);
    let mut st = b2.read().unwrap().unwrap();
    assert_eq!(
        st.pending_creates.iter().collect::<Vec<_>>(),
        vec![(&"null_resource.n[1]".to_string(), &"k-1".to_string())]
    );
    // The retry finishes: the key is dropped with the next write.
    st.apply(entry(1));
    assert!(st.pending_creates.is_empty());
    b2.write(&mut st).unwrap();
    let text = std::fs::read_to_string(b2.state_path()).unwrap();
    assert!(!text.contains("pending_creates"), "{text}");
}
