//! Key generation, text formats and key files.

use std::path::PathBuf;

use cairn_approve::keys::{
    self, key_dir_from, private_key_path_from, KeyPaths, PRIVATE_FILE, PUBLIC_FILE,
};
use cairn_approve::{fingerprint, generate, KeyError, PrivateKey, PublicKey};

#[test]
fn keygen_round_trip_through_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let key = PrivateKey::generate("alice");
    let paths = key.write_pair(&dir, false).unwrap();
    assert_eq!(
        paths,
        KeyPaths {
            private: dir.join(PRIVATE_FILE),
            public: dir.join(PUBLIC_FILE),
        }
    );

    let back = PrivateKey::load(&paths.private).unwrap();
    assert_eq!(back.signing_key().to_bytes(), key.signing_key().to_bytes());
    assert_eq!(back.comment(), "alice");

    let public = PublicKey::load(&paths.public).unwrap();
    assert_eq!(public, key.public());
    assert_eq!(public.comment(), "alice");

    let text = std::fs::read_to_string(&paths.public).unwrap();
    assert!(text.starts_with("cairn-ed25519 "), "{text}");
    assert!(text.trim_end().ends_with(" alice"), "{text}");
    assert_eq!(text.lines().count(), 1);
}

#[cfg(unix)]
#[test]
fn private_key_is_written_0600_and_refused_when_open() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let paths = PrivateKey::generate("alice")
        .write_pair(&dir, false)
        .unwrap();
    let mode = |p: &PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&paths.private), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&paths.public), 0o644);

    std::fs::set_permissions(&paths.private, std::fs::Permissions::from_mode(0o644)).unwrap();
    match PrivateKey::load(&paths.private) {
        Err(KeyError::Permissions { path, mode }) => {
            assert_eq!(path, paths.private);
            assert_eq!(mode, 0o644);
        }
        other => panic!("expected a permissions error, got {other:?}"),
    }
}

#[test]
fn refuses_to_overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let first = PrivateKey::generate("alice");
    let paths = first.write_pair(tmp.path(), false).unwrap();
    let second = PrivateKey::generate("alice");
    match second.write_pair(tmp.path(), false) {
        Err(KeyError::Exists { path }) => assert_eq!(path, paths.private),
        other => panic!("expected Exists, got {other:?}"),
    }
    // The first key is untouched.
    let kept = PrivateKey::load(&paths.private).unwrap();
    assert_eq!(kept.public(), first.public());

    second.write_pair(tmp.path(), true).unwrap();
    let replaced = PrivateKey::load(&paths.private).unwrap();
    assert_eq!(replaced.public(), second.public());
    assert_eq!(PublicKey::load(&paths.public).unwrap(), second.public());
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn public_key_line_round_trip() {
    let (_, vk) = generate();
    let pk = PublicKey::new(vk, "Alice Example <alice@example.test>");
    let line = pk.to_line();
    let back = PublicKey::parse(&line).unwrap();
    assert_eq!(back, pk);
    assert_eq!(back.comment(), "Alice Example <alice@example.test>");
    assert_eq!(line.parse::<PublicKey>().unwrap(), pk);

    // No comment at all.
    let bare = PublicKey::new(vk, "");
    assert_eq!(PublicKey::parse(&bare.to_line()).unwrap(), bare);

    // A comment cannot break the one-line format.
    let sneaky = PublicKey::new(vk, "eve\ncairn-ed25519 AAAA");
    assert_eq!(sneaky.to_line().lines().count(), 1);
}

#[test]
fn public_key_parse_errors() {
    let (_, vk) = generate();
    let good = PublicKey::new(vk, "x").to_base64();
    for bad in [
        String::new(),
        "ssh-ed25519 AAAA x".to_string(),
        format!("cairn-rsa {good} x"),
        "cairn-ed25519 not-base64!! x".to_string(),
        // 31 bytes.
        "cairn-ed25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA== x".to_string(),
        // The identity point: a weak key anything would verify under.
        format!("cairn-ed25519 {} x", {
            use base64::Engine as _;
            let mut b = [0u8; 32];
            b[0] = 1;
            base64::engine::general_purpose::STANDARD.encode(b)
        }),
    ] {
        assert!(PublicKey::parse(&bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn load_errors_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.key");
    let e = PrivateKey::load(&missing).unwrap_err();
    assert!(matches!(e, KeyError::Read { .. }));
    assert!(e.to_string().contains("nope.key"), "{e}");

    let junk = tmp.path().join("junk.pub");
    std::fs::write(&junk, "# only a comment\n\n").unwrap();
    let e = PublicKey::load(&junk).unwrap_err();
    assert!(matches!(e, KeyError::Malformed { .. }));
    assert!(e.to_string().contains("junk.pub"), "{e}");

    let paths = PrivateKey::generate("a")
        .write_pair(tmp.path(), false)
        .unwrap();
    // A private key file whose recorded public key is someone else's.
    let text = std::fs::read_to_string(&paths.private).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["public_key"] = serde_json::Value::String(PrivateKey::generate("b").public().to_base64());
    std::fs::write(&paths.private, doc.to_string()).unwrap();
    let e = PrivateKey::load(&paths.private).unwrap_err();
    assert!(matches!(e, KeyError::Mismatch { .. }), "{e:?}");
    assert!(e.to_string().contains(PRIVATE_FILE), "{e}");

    std::fs::write(&paths.private, "{\"format\":\"other/1\"}").unwrap();
    let e = PrivateKey::load(&paths.private).unwrap_err();
    assert!(matches!(e, KeyError::Malformed { .. }), "{e:?}");
}

#[test]
fn private_key_is_never_shown() {
    let key = PrivateKey::generate("alice");
    let secret = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(key.signing_key().to_bytes())
    };
    let shown = format!("{key:?}");
    assert!(!shown.contains(&secret), "{shown}");
    assert!(shown.contains(&key.public().fingerprint()), "{shown}");
}

#[test]
fn fingerprint_is_short_stable_hex() {
    let (_, vk) = generate();
    let fp = fingerprint(&vk);
    assert_eq!(fp.len(), keys::FINGERPRINT_LEN);
    assert!(keys::is_fingerprint(&fp));
    assert_eq!(fp, fingerprint(&vk));
    let (_, other) = generate();
    assert_ne!(fp, fingerprint(&other));
    assert!(!keys::is_fingerprint("../../etc/passwd"));
}

#[test]
fn default_locations() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| PathBuf::from(v))
        }
    };
    assert_eq!(
        key_dir_from(env(&[("HOME", "/home/a")])).unwrap(),
        PathBuf::from("/home/a/.config/cairn/keys")
    );
    assert_eq!(
        key_dir_from(env(&[("HOME", "/home/a"), ("XDG_CONFIG_HOME", "/xdg")])).unwrap(),
        PathBuf::from("/xdg/cairn/keys")
    );
    // A relative XDG_CONFIG_HOME is ignored, as the XDG rules say.
    assert_eq!(
        key_dir_from(env(&[("HOME", "/home/a"), ("XDG_CONFIG_HOME", "rel")])).unwrap(),
        PathBuf::from("/home/a/.config/cairn/keys")
    );
    assert!(matches!(key_dir_from(env(&[])), Err(KeyError::NoConfigDir)));
    assert_eq!(
        private_key_path_from(env(&[("HOME", "/home/a")])).unwrap(),
        PathBuf::from("/home/a/.config/cairn/keys/signing.key")
    );
    assert_eq!(
        private_key_path_from(env(&[("CAIRN_SIGNING_KEY", "/k/mine.key")])).unwrap(),
        PathBuf::from("/k/mine.key")
    );
}
