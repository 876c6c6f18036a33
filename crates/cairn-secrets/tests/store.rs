//! The secrets file: round trips, no plaintext on disk, wrong keys,
//! swapped entries, rekeying, KDF parameters, concurrent writers.

use std::fs;
use std::path::{Path, PathBuf};

use cairn_secrets::{
    DataKey, Document, KeyFile, KeyHeader, KeyProvider, Passphrase, SecretError, SecretStore,
    Zeroizing, DEFAULT_ITERATIONS,
};

/// Low so the tests stay fast; only through the test-only constructor.
const TEST_ITERATIONS: u32 = 1_000;
const SECRET: &str = "hunter2-Pl4intext-Marker-7d1f";

fn pass(p: &str) -> Passphrase {
    Passphrase::insecure_for_tests(p, TEST_ITERATIONS)
}

fn store_path(dir: &Path) -> PathBuf {
    SecretStore::default_path(dir)
}

fn new_key_file(dir: &Path, name: &str) -> KeyFile {
    KeyFile::generate(&dir.join(name)).expect("generate key file")
}

/// Every file under `dir`, recursively.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn read_doc(path: &Path) -> Document {
    serde_json::from_slice(&fs::read(path).expect("read")).expect("parse")
}

#[test]
fn set_get_list_rm_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let p = pass("correct horse");
    let mut s = SecretStore::open_or_create(&path, &p).unwrap();
    assert!(!s.exists());
    assert!(!path.exists(), "nothing is written before the first change");
    s.set("db/password", SECRET).unwrap();
    s.set("api.token", "tok-123").unwrap();
    s.set("empty", "").unwrap();
    assert!(path.exists());
    assert_eq!(s.get("db/password").unwrap().expose(), SECRET);

    // A fresh open sees the same.
    let s2 = SecretStore::open(&path, &pass("correct horse")).unwrap();
    assert_eq!(s2.get("db/password").unwrap().expose(), SECRET);
    assert_eq!(s2.get("api.token").unwrap().expose(), "tok-123");
    assert_eq!(s2.get("empty").unwrap().expose(), "");
    let names: Vec<String> = s2.list().into_iter().map(|e| e.name).collect();
    assert_eq!(names, vec!["api.token", "db/password", "empty"]);
    for e in s2.list() {
        assert!(
            chrono::DateTime::parse_from_rfc3339(&e.updated).is_ok(),
            "updated is RFC 3339: {}",
            e.updated
        );
    }

    // Replace, then remove.
    s.set("api.token", "tok-456").unwrap();
    s.remove("db/password").unwrap();
    let s3 = SecretStore::open(&path, &pass("correct horse")).unwrap();
    assert_eq!(s3.get("api.token").unwrap().expose(), "tok-456");
    assert!(matches!(
        s3.get("db/password"),
        Err(SecretError::NotFound { .. })
    ));
    assert!(matches!(
        s.remove("db/password"),
        Err(SecretError::NotFound { .. })
    ));
    assert!(matches!(s3.get("nope"), Err(SecretError::NotFound { .. })));
}

#[test]
fn debug_output_never_shows_values_or_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw-in-debug")).unwrap();
    s.set("x", SECRET).unwrap();
    let v = s.get("x").unwrap();
    assert!(!format!("{v:?}").contains(SECRET));
    assert!(!format!("{s:?}").contains(SECRET));
    assert!(!format!("{:?}", pass("pw-in-debug")).contains("pw-in-debug"));
}

#[test]
fn file_format_has_versioned_header_and_private_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    s.set("a", SECRET).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(j["version"], 1);
    assert_eq!(j["kdf"]["type"], "pbkdf2-hmac-sha512");
    assert_eq!(j["kdf"]["iterations"], TEST_ITERATIONS);
    use base64::Engine as _;
    let salt = base64::engine::general_purpose::STANDARD
        .decode(j["kdf"]["salt"].as_str().unwrap())
        .unwrap();
    assert_eq!(salt.len(), 16);
    assert!(j["check"]["nonce"].is_string() && j["check"]["ciphertext"].is_string());
    let e = &j["entries"]["a"];
    assert!(e["nonce"].is_string() && e["ciphertext"].is_string() && e["updated"].is_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn default_passphrase_uses_at_least_600k_iterations() {
    const { assert!(DEFAULT_ITERATIONS >= 600_000) };
    let p = Passphrase::new(Zeroizing::new("pw".to_string()), "a test").unwrap();
    assert!(p.iterations() >= 600_000);
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    // One real derivation (slow in debug builds): the header records it.
    let mut s = SecretStore::open_or_create(&path, &p).unwrap();
    s.set("a", "b").unwrap();
    match read_doc(&path).kdf {
        KeyHeader::Pbkdf2Sha512 { iterations, .. } => assert!(iterations >= 600_000),
        other => panic!("unexpected kdf {other:?}"),
    }
}

#[test]
fn weak_kdf_parameters_are_refused_by_the_default_constructor() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    s.set("a", "b").unwrap();
    let before = fs::read(&path).unwrap();
    let real = Passphrase::new(Zeroizing::new("pw".to_string()), "a test").unwrap();
    let err = SecretStore::open(&path, &real).unwrap_err();
    assert!(matches!(err, SecretError::Key { .. }), "{err}");
    assert!(err.to_string().contains("iterations"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before);

    // An edited header asking for absurd work is refused without deriving.
    let mut doc = read_doc(&path);
    if let KeyHeader::Pbkdf2Sha512 { iterations, .. } = &mut doc.kdf {
        *iterations = u32::MAX;
    }
    fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let err = SecretStore::open(&path, &pass("pw")).unwrap_err();
    assert!(matches!(err, SecretError::Key { .. }), "{err}");
}

#[test]
fn empty_passphrase_is_refused() {
    let err = Passphrase::new(Zeroizing::new(String::new()), "the terminal").unwrap_err();
    assert!(matches!(err, SecretError::Key { .. }));
}

#[test]
fn values_never_appear_in_plaintext_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let kf = new_key_file(dir.path(), "k.key");
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    s.set("one", SECRET).unwrap();
    s.set("two", &format!("prefix {SECRET} suffix")).unwrap();
    s.remove("two").unwrap();
    s.rekey(&kf).unwrap();
    let _ = s.get("one").unwrap();
    // Nor in base64 (a lazy "encryption" would show up this way).
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(SECRET);
    let cairn_dir = dir.path().join(".cairn");
    let files = all_files(&cairn_dir);
    assert!(files.iter().any(|f| f.ends_with("secrets.json")));
    for f in files {
        let bytes = fs::read(&f).unwrap();
        assert!(
            !contains_bytes(&bytes, SECRET.as_bytes()),
            "{} holds the plaintext",
            f.display()
        );
        assert!(
            !contains_bytes(&bytes, b64.as_bytes()),
            "{} holds the base64 plaintext",
            f.display()
        );
    }
}

#[test]
fn wrong_passphrase_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("right")).unwrap();
    s.set("a", SECRET).unwrap();
    let before = fs::read(&path).unwrap();
    let err = SecretStore::open(&path, &pass("wrong")).unwrap_err();
    assert!(err.is_wrong_key(), "{err}");
    assert!(err.to_string().starts_with("wrong key"), "{err}");
    assert!(!err.to_string().contains("wrong\""), "no passphrase echoed");
    // open_or_create must not overwrite an existing file either.
    let err = SecretStore::open_or_create(&path, &pass("wrong")).unwrap_err();
    assert!(err.is_wrong_key());
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn wrong_key_file_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let k1 = new_key_file(dir.path(), "one.key");
    let k2 = new_key_file(dir.path(), "two.key");
    let mut s = SecretStore::open_or_create(&path, &k1).unwrap();
    s.set("a", SECRET).unwrap();
    let before = fs::read(&path).unwrap();
    let err = SecretStore::open(&path, &k2).unwrap_err();
    assert!(err.is_wrong_key(), "{err}");
    assert!(err.to_string().contains(&k2.fingerprint()), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before);
    // The right one, loaded back from disk, works.
    let k1b = KeyFile::load(&dir.path().join("one.key")).unwrap();
    assert_eq!(
        SecretStore::open(&path, &k1b)
            .unwrap()
            .get("a")
            .unwrap()
            .expose(),
        SECRET
    );
}

#[test]
fn key_of_another_kind_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    s.set("a", "b").unwrap();
    let kf = new_key_file(dir.path(), "k.key");
    let err = SecretStore::open(&path, &kf).unwrap_err();
    assert!(matches!(err, SecretError::KeyKindMismatch { .. }), "{err}");
    assert!(err.to_string().contains("passphrase"), "{err}");
}

#[test]
fn key_file_is_private_base64_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("keys/secrets.key");
    let k = KeyFile::generate(&p).unwrap();
    let text = fs::read_to_string(&p).unwrap();
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap();
    assert_eq!(raw.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(KeyFile::generate(&p).is_err(), "an existing key is kept");
    assert_eq!(fs::read_to_string(&p).unwrap(), text);
    assert_eq!(KeyFile::load(&p).unwrap().fingerprint(), k.fingerprint());
}

#[cfg(unix)]
#[test]
fn key_file_readable_by_others_or_malformed_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("open.key");
    KeyFile::generate(&p).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    let err = KeyFile::load(&p).unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");

    let bad = dir.path().join("short.key");
    fs::write(&bad, "c2hvcnQ=\n").unwrap();
    fs::set_permissions(&bad, fs::Permissions::from_mode(0o600)).unwrap();
    let err = KeyFile::load(&bad).unwrap_err();
    assert!(matches!(err, SecretError::Key { .. }), "{err}");
}

#[test]
fn entries_swapped_between_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    s.set("alice", "alice-secret").unwrap();
    s.set("bob", "bob-secret").unwrap();
    let mut doc = read_doc(&path);
    let a = doc.entries["alice"].clone();
    let b = doc.entries["bob"].clone();
    doc.entries.insert("alice".into(), b.clone());
    doc.entries.insert("bob".into(), a);
    // And a copy under a new name.
    doc.entries.insert("carol".into(), b);
    fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let s = SecretStore::open(&path, &pass("pw")).unwrap();
    for n in ["alice", "bob", "carol"] {
        let err = s.get(n).unwrap_err();
        assert!(matches!(err, SecretError::Tampered { .. }), "{n}: {err}");
        assert!(!err.to_string().contains("-secret"));
    }
}

#[test]
fn altered_ciphertext_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    s.set("a", "value").unwrap();
    let mut doc = read_doc(&path);
    use base64::Engine as _;
    let e = doc.entries.get_mut("a").unwrap();
    let mut ct = base64::engine::general_purpose::STANDARD
        .decode(&e.ciphertext)
        .unwrap();
    ct[0] ^= 1;
    e.ciphertext = base64::engine::general_purpose::STANDARD.encode(ct);
    fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let s = SecretStore::open(&path, &pass("pw")).unwrap();
    assert!(matches!(s.get("a"), Err(SecretError::Tampered { .. })));
}

#[test]
fn rekey_then_old_key_refused_new_key_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("old")).unwrap();
    s.set("a", SECRET).unwrap();
    s.set("b", "bee").unwrap();
    let updated_before = s.list();
    let before = read_doc(&path);

    // Passphrase to passphrase: new salt, new nonces, old one refused.
    s.rekey(&pass("new")).unwrap();
    let after = read_doc(&path);
    assert_ne!(before.kdf, after.kdf, "a fresh salt");
    assert_ne!(before.entries["a"].nonce, after.entries["a"].nonce);
    assert!(SecretStore::open(&path, &pass("old"))
        .unwrap_err()
        .is_wrong_key());
    let s2 = SecretStore::open(&path, &pass("new")).unwrap();
    assert_eq!(s2.get("a").unwrap().expose(), SECRET);
    assert_eq!(s2.get("b").unwrap().expose(), "bee");
    assert_eq!(s2.list(), updated_before, "update times are kept");
    // The same store keeps working after its rekey.
    s.set("c", "sea").unwrap();

    // Passphrase to key file, then key file to another key file.
    let k1 = new_key_file(dir.path(), "k1.key");
    let k2 = new_key_file(dir.path(), "k2.key");
    s.rekey(&k1).unwrap();
    assert!(matches!(
        SecretStore::open(&path, &pass("new")),
        Err(SecretError::KeyKindMismatch { .. })
    ));
    assert_eq!(read_doc(&path).kdf, KeyHeader::KeyFile);
    s.rekey(&k2).unwrap();
    assert!(SecretStore::open(&path, &k1).unwrap_err().is_wrong_key());
    let s3 = SecretStore::open(&path, &k2).unwrap();
    assert_eq!(s3.get("c").unwrap().expose(), "sea");
    assert_eq!(s3.get("a").unwrap().expose(), SECRET);
}

#[test]
fn rekey_with_a_tampered_entry_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    s.set("a", "1").unwrap();
    s.set("b", "2").unwrap();
    let mut doc = read_doc(&path);
    let a = doc.entries["a"].clone();
    doc.entries.insert("b".into(), a);
    fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let before = fs::read(&path).unwrap();
    let mut s = SecretStore::open(&path, &pass("pw")).unwrap();
    assert!(matches!(
        s.rekey(&pass("other")),
        Err(SecretError::Tampered { .. })
    ));
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn invalid_names_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    for bad in [
        "",
        "a b",
        "ünï",
        "a:b",
        "x\n",
        "semi;colon",
        &"x".repeat(257),
    ] {
        let err = s.set(bad, "v").unwrap_err();
        assert!(
            matches!(err, SecretError::InvalidName { .. }),
            "{bad:?}: {err}"
        );
        assert!(err.to_string().contains("invalid secret name"));
    }
    for good in ["a", "A-Z_0.9", "team/db/password", "-x-", "a..b"] {
        s.set(good, "v").unwrap();
    }
    assert_eq!(s.list().len(), 5);
}

#[test]
fn unsupported_version_and_malformed_file_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, r#"{"version": 2, "whatever": true}"#).unwrap();
    let err = SecretStore::open(&path, &pass("pw")).unwrap_err();
    assert!(
        matches!(err, SecretError::UnsupportedVersion { version: 2, .. }),
        "{err}"
    );
    fs::write(&path, "not json").unwrap();
    assert!(matches!(
        SecretStore::open(&path, &pass("pw")),
        Err(SecretError::Format { .. })
    ));
    fs::write(&path, r#"{"version": 1, "entries": {}}"#).unwrap();
    assert!(matches!(
        SecretStore::open(&path, &pass("pw")),
        Err(SecretError::Format { .. })
    ));
    assert!(SecretStore::read_header(&dir.path().join("absent.json"))
        .unwrap()
        .is_none());
}

#[test]
fn kms_header_round_trips_and_is_refused_without_a_provider() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut s = SecretStore::open_or_create(&path, &pass("pw")).unwrap();
    s.set("a", "b").unwrap();
    let mut doc = read_doc(&path);
    doc.kdf = KeyHeader::Kms {
        key_id: "alias/cairn".into(),
        encrypted_data_key: "AAAA".into(),
    };
    fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(j["kdf"]["type"], "kms");
    assert_eq!(j["kdf"]["key_id"], "alias/cairn");
    assert!(matches!(
        SecretStore::open(&path, &pass("pw")),
        Err(SecretError::KeyKindMismatch { .. })
    ));
}

/// A provider such as a KMS one plugs in through the trait.
struct FixedKms(DataKey);

impl KeyProvider for FixedKms {
    fn kind(&self) -> cairn_secrets::KeyKind {
        cairn_secrets::KeyKind::Kms
    }
    fn describe(&self) -> String {
        "a fake KMS key".into()
    }
    fn create(&self) -> Result<(KeyHeader, DataKey), SecretError> {
        Ok((
            KeyHeader::Kms {
                key_id: "alias/test".into(),
                encrypted_data_key: "wrapped".into(),
            },
            self.0.clone(),
        ))
    }
    fn unlock(&self, _: &KeyHeader) -> Result<DataKey, SecretError> {
        Ok(self.0.clone())
    }
}

#[test]
fn a_custom_key_provider_plugs_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let kms = FixedKms(DataKey::from_bytes([7; 32]));
    let mut s = SecretStore::open_or_create(&path, &kms).unwrap();
    s.set("a", SECRET).unwrap();
    let s = SecretStore::open(&path, &kms).unwrap();
    assert_eq!(s.get("a").unwrap().expose(), SECRET);
    let other = FixedKms(DataKey::from_bytes([8; 32]));
    assert!(SecretStore::open(&path, &other).unwrap_err().is_wrong_key());
}

#[test]
fn concurrent_writers_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let kf_path = dir.path().join("k.key");
    let kf = KeyFile::generate(&kf_path).unwrap();
    SecretStore::open_or_create(&path, &kf)
        .unwrap()
        .set("seed", "0")
        .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let path = path.clone();
            let kf_path = kf_path.clone();
            std::thread::spawn(move || {
                // Each thread is its own "process": its own open store.
                let kf = KeyFile::load(&kf_path).unwrap();
                let mut s = SecretStore::open(&path, &kf).unwrap();
                for i in 0..5 {
                    s.set(&format!("t{t}/n{i}"), &format!("v{t}-{i}")).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = SecretStore::open(&path, &kf).unwrap();
    assert_eq!(s.list().len(), 1 + 8 * 5);
    assert_eq!(s.get("t3/n4").unwrap().expose(), "v3-4");
    // No temporary file is left behind.
    let leftovers: Vec<_> = all_files(path.parent().unwrap())
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_store_refuses_to_write_over_a_file_rekeyed_by_someone_else() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let mut a = SecretStore::open_or_create(&path, &pass("one")).unwrap();
    a.set("x", "1").unwrap();
    let mut b = SecretStore::open(&path, &pass("one")).unwrap();
    b.rekey(&pass("two")).unwrap();
    let before = fs::read(&path).unwrap();
    assert!(matches!(a.set("y", "2"), Err(SecretError::Conflict { .. })));
    assert_eq!(fs::read(&path).unwrap(), before);
    // A change by another holder of the same key is kept, not overwritten.
    let mut c = SecretStore::open(&path, &pass("two")).unwrap();
    b.set("from-b", "b").unwrap();
    c.set("from-c", "c").unwrap();
    let d = SecretStore::open(&path, &pass("two")).unwrap();
    assert!(d.contains("from-b") && d.contains("from-c") && d.contains("x"));
}
