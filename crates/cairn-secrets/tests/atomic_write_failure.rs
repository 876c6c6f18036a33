//! A write that fails part-way (here: the file-size limit is hit while the
//! new file is written) leaves the old secrets file intact and no
//! temporary file behind. Alone in its test binary because the limit
//! applies to the whole process.

#![cfg(unix)]

use std::fs;

use cairn_secrets::{Passphrase, SecretError, SecretStore};

#[test]
fn failed_write_leaves_the_old_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = SecretStore::default_path(dir.path());
    let p = Passphrase::insecure_for_tests("pw", 1_000);
    let mut s = SecretStore::open_or_create(&path, &p).unwrap();
    s.set("small", "value").unwrap();
    let before = fs::read(&path).unwrap();
    assert!(before.len() < 4096);

    // Files may not grow past 8 KiB; a write past it fails with EFBIG
    // (SIGXFSZ is ignored so the process is not killed). Root is not
    // exempt, unlike with permission-based tricks.
    let big = "x".repeat(64 * 1024);
    let result = unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut old), 0);
        let lim = libc::rlimit {
            rlim_cur: 8192,
            rlim_max: old.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
        let r = s.set("big", &big);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &old), 0);
        r
    };
    let err = result.unwrap_err();
    assert!(matches!(err, SecretError::Io { .. }), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before, "old file intact");
    let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Still readable, and the same store writes again once space allows.
    let s2 = SecretStore::open(&path, &p).unwrap();
    assert_eq!(s2.get("small").unwrap().expose(), "value");
    assert!(!s2.contains("big"));
    s.set("big", &big).unwrap();
    assert_eq!(
        SecretStore::open(&path, &p)
            .unwrap()
            .get("big")
            .unwrap()
            .expose(),
        big
    );
}
