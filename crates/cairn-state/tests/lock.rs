//! Lock contention between threads and between processes. The process
//! tests run this test binary again as the child, selecting
//! `lock_holder_child`, which takes the lock when `HOLDER_ENV` names a
//! state directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cairn_state::{LocalBackend, LockInfo, StateError};

const HOLDER_ENV: &str = "CAIRN_STATE_TEST_LOCK_HOLDER_DIR";
const HOLD_ENV: &str = "CAIRN_STATE_TEST_LOCK_HOLD_MS";

/// The child side: take the lock, say so, hold it, then exit.
#[test]
fn lock_holder_child() {
    let Some(dir) = std::env::var_os(HOLDER_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let hold = std::env::var(HOLD_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60_000);
    let b = LocalBackend::new(dir.clone());
    let guard = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
    std::fs::write(dir.join("child-ready"), std::process::id().to_string()).unwrap();
    std::thread::sleep(Duration::from_millis(hold));
    drop(guard);
}

fn spawn_holder(dir: &Path, hold_ms: u64) -> Child {
    let exe = std::env::current_exe().unwrap();
    let child = Command::new(exe)
        .args([
            "--exact",
            "lock_holder_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLDER_ENV, dir)
        .env(HOLD_ENV, hold_ms.to_string())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.join("child-ready").exists() {
        assert!(Instant::now() < deadline, "the child never took the lock");
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

fn state_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");
    std::fs::create_dir_all(&dir).unwrap();
    (tmp, dir)
}

#[test]
fn contention_between_threads() {
    let (_t, dir) = state_dir();
    let b = LocalBackend::new(dir);
    let guard = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
    assert_eq!(guard.info().operation, "apply");
    std::thread::scope(|s| {
        let h = s.spawn(|| b.lock(LockInfo::new("plan"), Duration::ZERO));
        let err = h.join().unwrap().unwrap_err();
        let StateError::Locked { holder } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(holder.id, guard.info().id);
        assert_eq!(holder.pid, std::process::id());
        let msg = err.to_string();
        for want in [
            guard.info().who.as_str(),
            "\"apply\"",
            "-lock-timeout",
            "since",
            "pid",
        ] {
            assert!(msg.contains(want), "{want:?} missing from: {msg}");
        }
        // A waiter with a timeout gets the lock once the holder lets go.
        let waiter = s.spawn(|| {
            let start = Instant::now();
            let g = b
                .lock(LockInfo::new("plan"), Duration::from_secs(10))
                .unwrap();
            (start.elapsed(), g.info().operation.clone())
        });
        std::thread::sleep(Duration::from_millis(400));
        drop(guard);
        let (waited, op) = waiter.join().unwrap();
        assert!(waited >= Duration::from_millis(300), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        assert_eq!(op, "plan");
    });
    // Released again after the waiter's guard dropped.
    b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
}

#[test]
fn timeout_expires_while_held() {
    let (_t, dir) = state_dir();
    let b = LocalBackend::new(dir);
    let _g = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
    let start = Instant::now();
    let err = b
        .lock(LockInfo::new("plan"), Duration::from_millis(600))
        .unwrap_err();
    assert!(matches!(err, StateError::Locked { .. }));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn contention_between_processes() {
    let (_t, dir) = state_dir();
    let mut child = spawn_holder(&dir, 1500);
    let b = LocalBackend::new(dir.clone());
    let err = b.lock(LockInfo::new("plan"), Duration::ZERO).unwrap_err();
    let StateError::Locked { holder } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(holder.pid, child.id());
    assert_eq!(holder.operation, "apply");
    // Waiting long enough gets it once the child exits normally.
    let g = b
        .lock(LockInfo::new("plan"), Duration::from_secs(30))
        .unwrap();
    assert!(child.wait().unwrap().success());
    drop(g);
}

#[test]
fn sigkilled_holder_releases_the_lock() {
    let (_t, dir) = state_dir();
    let mut child = spawn_holder(&dir, 60_000);
    let b = LocalBackend::new(dir.clone());
    assert!(matches!(
        b.lock(LockInfo::new("plan"), Duration::ZERO),
        Err(StateError::Locked { .. })
    ));
    // Child::kill sends SIGKILL: no destructor or cleanup runs.
    child.kill().unwrap();
    child.wait().unwrap();
    let g = b
        .lock(LockInfo::new("plan"), Duration::ZERO)
        .expect("the dead holder's lock is gone");
    // The lock file now describes the new holder.
    let text = std::fs::read_to_string(b.lock_path()).unwrap();
    let info: LockInfo = serde_json::from_str(&text).unwrap();
    assert_eq!(info.id, g.info().id);
}
