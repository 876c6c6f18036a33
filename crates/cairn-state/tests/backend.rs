mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use cairn_state::{IndexKey, LocalBackend, State, StateError};
use common::*;

fn backend() -> (tempfile::TempDir, LocalBackend) {
    let tmp = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(tmp.path().join(".cairn"));
    (tmp, b)
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn write_read_and_history() {
    let (_t, b) = backend();
    assert!(b.read().unwrap().is_none());
    assert!(b.history().unwrap().is_empty());
    let mut s = full_state();
    b.write(&mut s).unwrap();
    assert_eq!(s.serial, 1);
    let mut read = b.read().unwrap().unwrap();
    assert_eq!(read, s);
    read.apply(set("", "aws_vpc", "main", None, "vpc-1"));
    b.write(&mut read).unwrap();
    assert_eq!(read.serial, 2);
    assert_eq!(
        names(&b.history_dir()),
        vec!["00000001.json", "00000002.json"]
    );
    let h = b.history().unwrap();
    assert_eq!(h.iter().map(|e| e.serial).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(h[0].resource_count, Some(2));
    assert_eq!(h[1].resource_count, Some(3));
    assert_eq!(b.read_version(1).unwrap(), s);
    assert_eq!(b.read_version(2).unwrap().serial, 2);
    let err = b.read_version(9).unwrap_err();
    assert!(matches!(err, StateError::NoSuchVersion { .. }));
    assert!(err.to_string().contains("versions 1 to 2"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(b.dir()), 0o700);
        assert_eq!(mode(&b.state_path()), 0o600);
        assert_eq!(mode(&b.history_dir().join("00000001.json")), 0o600);
    }
}

#[test]
fn writes_are_atomic_and_leave_no_temporary_files() {
    let (_t, b) = backend();
    let mut s = State::new();
    b.write(&mut s).unwrap();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // A reader racing the writer always sees a whole state, old or new.
        let reader = scope.spawn(|| {
            let mut reads = 0;
            while !stop.load(Ordering::SeqCst) {
                let bytes = std::fs::read(b.state_path()).unwrap();
                let st: State = serde_json::from_slice(&bytes).expect("a complete state file");
                assert!(st.serial >= 1);
                reads += 1;
            }
            reads
        });
        for i in 0..60u64 {
            s.apply(set(
                "",
                "null_resource",
                "n",
                Some(IndexKey::Int(i)),
                &"x".repeat(2000),
            ));
            b.write(&mut s).unwrap();
        }
        stop.store(true, Ordering::SeqCst);
        assert!(reader.join().unwrap() > 0);
    });
    assert_eq!(names(b.dir()), vec!["history", "state.json"]);
    assert_eq!(names(&b.history_dir()).len(), 61);
    assert!(names(&b.history_dir()).iter().all(|n| !n.ends_with(".tmp")));
    assert_eq!(b.read().unwrap().unwrap().serial, 61);
}

#[test]
fn corrupt_state_names_file_and_line_and_is_left_alone() {
    let (_t, b) = backend();
    let mut s = full_state();
    b.write(&mut s).unwrap();
    let path = b.state_path();
    let text = std::fs::read_to_string(&path).unwrap();
    // Break line 5.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[4] = "  \"resources\": [ oops";
    let broken = lines.join("\n");
    std::fs::write(&path, &broken).unwrap();
    let err = b.read().unwrap_err();
    match &err {
        StateError::Corrupt { path: p, line, .. } => {
            assert_eq!(p, &path);
            assert_eq!(*line, 5);
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("state.json") && msg.contains("line 5"),
        "{msg}"
    );
    assert!(msg.contains("has not been modified"), "{msg}");
    // A write does not replace a damaged file either.
    let mut s2 = s.clone();
    assert!(b.write(&mut s2).is_err());
    assert_eq!(s2.serial, s.serial);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}

#[test]
fn unknown_version_is_refused() {
    let (_t, b) = backend();
    std::fs::create_dir_all(b.dir()).unwrap();
    let newer =
        "{\n  \"version\": 7, \"serial\": 3, \"lineage\": \"x\", \"something\": {\"new\": true}}";
    std::fs::write(b.state_path(), newer).unwrap();
    let err = b.read().unwrap_err();
    assert!(
        matches!(err, StateError::UnsupportedVersion { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("newer cairn"), "{err}");
    assert!(
        err.to_string()
            .contains("state.json:2: state format version 7"),
        "{err}"
    );
    let tf = r#"{"version": 4, "terraform_version": "1.9.0", "serial": 3, "lineage": "x", "resources": []}"#;
    std::fs::write(b.state_path(), tf).unwrap();
    let err = b.read().unwrap_err().to_string();
    assert!(err.contains("Terraform state"), "{err}");
    assert_eq!(std::fs::read_to_string(b.state_path()).unwrap(), tf);
}

#[test]
fn writes_refuse_other_lineage_and_stale_serial() {
    let (_t, b) = backend();
    let mut s = State::new();
    b.write(&mut s).unwrap();
    let mut other = State::new();
    let err = b.write(&mut other).unwrap_err();
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("lineage"), "{err}");
    let mut stale = s.clone();
    b.write(&mut s).unwrap();
    let err = b.write(&mut stale).unwrap_err();
    assert!(err.to_string().contains("newer than serial 1"), "{err}");
    assert_eq!(stale.serial, 1, "a failed write leaves the serial alone");
}

#[test]
fn history_is_never_overwritten() {
    let (_t, b) = backend();
    let mut s = State::new();
    b.write(&mut s).unwrap();
    b.write(&mut s).unwrap();
    let v2 = std::fs::read(b.history_dir().join("00000002.json")).unwrap();
    // state.json removed by hand; a new state starts again at serial 1,
    // which exists in the history: it is skipped, not overwritten.
    std::fs::remove_file(b.state_path()).unwrap();
    let mut fresh = State::new();
    b.write(&mut fresh).unwrap();
    assert_eq!(fresh.serial, 3);
    assert_eq!(
        std::fs::read(b.history_dir().join("00000002.json")).unwrap(),
        v2
    );
}
