//! Secret URIs: parsing, and resolution of env:, file: and cairn:.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cairn_secrets::{
    key_from_env, resolve_local, select_json_key, KeyChoice, KeyFile, KeyHeader, KeyKind,
    KeyProvider, LazyStore, Passphrase, ResolveContext, SecretError, SecretStore, SecretUri,
    KEY_FILE_ENV, PASSPHRASE_ENV,
};

#[test]
fn parse_table() {
    use SecretUri::*;
    let ok: Vec<(&str, SecretUri)> = vec![
        ("env:DB_PASSWORD", Env("DB_PASSWORD".into())),
        ("env:_x1", Env("_x1".into())),
        ("ENV:HOME", Env("HOME".into())),
        ("file:secrets/db.txt", File(PathBuf::from("secrets/db.txt"))),
        (
            "file:/run/secrets/db",
            File(PathBuf::from("/run/secrets/db")),
        ),
        (
            "file:///run/secrets/db",
            File(PathBuf::from("/run/secrets/db")),
        ),
        ("file:a b.txt", File(PathBuf::from("a b.txt"))),
        ("cairn:db/password", Cairn("db/password".into())),
        (
            "aws-sm:prod/db",
            AwsSecretsManager {
                name: "prod/db".into(),
                json_key: None,
            },
        ),
        (
            "aws-sm:prod/db#password",
            AwsSecretsManager {
                name: "prod/db".into(),
                json_key: Some("password".into()),
            },
        ),
        (
            "aws-sm:arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf#user",
            AwsSecretsManager {
                name: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf".into(),
                json_key: Some("user".into()),
            },
        ),
        ("ssm:/prod/db/password", Ssm("/prod/db/password".into())),
        ("ssm:plain", Ssm("plain".into())),
    ];
    for (text, want) in ok {
        let got = SecretUri::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(got, want, "{text}");
        // Display gives a URI that parses back to the same thing.
        assert_eq!(SecretUri::parse(&got.to_string()).unwrap(), got, "{text}");
        assert_eq!(text.parse::<SecretUri>().unwrap(), got);
    }

    let bad: Vec<(&str, &str)> = vec![
        ("", "no scheme"),
        ("DB_PASSWORD", "no scheme"),
        (":x", "scheme before ':' is empty"),
        ("vault:secret/x", "unknown scheme \"vault:\""),
        ("https://example.invalid/x", "unknown scheme"),
        ("env:", "variable name after \"env:\" is empty"),
        ("env:1ABC", "not an environment variable name"),
        ("env:A-B", "not an environment variable name"),
        ("file:", "path after \"file:\" is empty"),
        ("file://host/x", "no host"),
        ("cairn:", "secret name after \"cairn:\" is empty"),
        ("cairn:a b", "invalid secret name"),
        ("aws-sm:", "secret name or ARN after \"aws-sm:\" is empty"),
        ("aws-sm:#key", "is empty"),
        ("aws-sm:name#", "JSON key after '#' is empty"),
        ("ssm:", "parameter name after \"ssm:\" is empty"),
    ];
    for (text, want) in bad {
        let err = SecretUri::parse(text).expect_err(text);
        assert!(
            matches!(err, SecretError::InvalidUri { .. }),
            "{text}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(want), "{text}: {msg}");
        assert!(msg.starts_with("invalid secret URI"), "{msg}");
    }
    let msg = SecretUri::parse("vault:x").unwrap_err().to_string();
    assert!(
        msg.contains("env:, file:, cairn:, aws-sm: or ssm:"),
        "{msg}"
    );
}

#[test]
fn scheme_and_locality() {
    let cases = [
        ("env:A", "env", true),
        ("file:a", "file", true),
        ("cairn:a", "cairn", true),
        ("aws-sm:a", "aws-sm", false),
        ("ssm:a", "ssm", false),
    ];
    for (t, scheme, local) in cases {
        let u = SecretUri::parse(t).unwrap();
        assert_eq!(u.scheme(), scheme);
        assert_eq!(u.is_local(), local);
    }
}

fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, OsString> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect()
}

#[test]
fn env_resolution() {
    let vars = env_of(&[("DB_PASSWORD", "s3cret"), ("EMPTY", "")]);
    let lookup = |n: &str| vars.get(n).cloned();
    let ctx = ResolveContext::new("/nowhere").with_env(&lookup);
    let r = |t: &str| resolve_local(&SecretUri::parse(t).unwrap(), &ctx);
    assert_eq!(r("env:DB_PASSWORD").unwrap().as_deref(), Some("s3cret"));
    assert_eq!(r("env:EMPTY").unwrap().as_deref(), Some(""));
    let err = r("env:MISSING").unwrap_err();
    assert!(matches!(err, SecretError::EnvNotSet { .. }), "{err}");
    assert!(err.to_string().contains("MISSING"));

    // The process environment by default (PATH is set in any test run).
    let ctx = ResolveContext::new("/nowhere");
    assert_eq!(
        resolve_local(&SecretUri::Env("PATH".into()), &ctx).unwrap(),
        std::env::var("PATH").ok()
    );
}

#[cfg(unix)]
#[test]
fn env_value_that_is_not_utf8_is_refused() {
    use std::os::unix::ffi::OsStringExt;
    let lookup = |_: &str| Some(OsString::from_vec(vec![0xff, 0xfe]));
    let ctx = ResolveContext::new("/").with_env(&lookup);
    let err = resolve_local(&SecretUri::Env("X".into()), &ctx).unwrap_err();
    assert!(matches!(err, SecretError::NotUtf8 { .. }));
}

#[test]
fn file_resolution_relative_absolute_and_newlines() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("secrets")).unwrap();
    let write = |n: &str, v: &str| fs::write(dir.path().join(n), v).unwrap();
    write("secrets/lf.txt", "alpha\n");
    write("crlf.txt", "beta\r\n");
    write("none.txt", "gamma");
    write("two.txt", "delta\n\n");
    write("spaces.txt", "  eps  \n");
    write("multi.txt", "line1\nline2\n");
    write("empty.txt", "");
    fs::write(dir.path().join("bin.dat"), [0xffu8, 0x00, 0x10]).unwrap();

    let ctx = ResolveContext::new(dir.path());
    let r = |t: &str| resolve_local(&SecretUri::parse(t).unwrap(), &ctx);
    assert_eq!(r("file:secrets/lf.txt").unwrap().as_deref(), Some("alpha"));
    assert_eq!(r("file:crlf.txt").unwrap().as_deref(), Some("beta"));
    assert_eq!(r("file:none.txt").unwrap().as_deref(), Some("gamma"));
    // Exactly one line ending is removed.
    assert_eq!(r("file:two.txt").unwrap().as_deref(), Some("delta\n"));
    assert_eq!(r("file:spaces.txt").unwrap().as_deref(), Some("  eps  "));
    assert_eq!(
        r("file:multi.txt").unwrap().as_deref(),
        Some("line1\nline2")
    );
    assert_eq!(r("file:empty.txt").unwrap().as_deref(), Some(""));

    let abs = dir.path().join("none.txt");
    let u = SecretUri::File(abs.clone());
    let other = ResolveContext::new("/somewhere/else");
    assert_eq!(resolve_local(&u, &other).unwrap().as_deref(), Some("gamma"));
    let url = format!("file://{}", abs.display());
    assert_eq!(r(&url).unwrap().as_deref(), Some("gamma"));

    let err = r("file:missing.txt").unwrap_err();
    assert!(matches!(err, SecretError::Io { .. }), "{err}");
    assert!(err.to_string().contains("missing.txt"));
    let err = r("file:bin.dat").unwrap_err();
    assert!(matches!(err, SecretError::NotUtf8 { .. }), "{err}");
}

#[test]
fn aws_uris_are_left_to_the_caller() {
    let ctx = ResolveContext::new("/");
    for t in ["aws-sm:prod/db", "aws-sm:prod/db#k", "ssm:/a/b"] {
        assert_eq!(
            resolve_local(&SecretUri::parse(t).unwrap(), &ctx).unwrap(),
            None
        );
    }
}

#[test]
fn cairn_resolution_from_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = SecretStore::default_path(dir.path());
    let p = Passphrase::insecure_for_tests("pw", 1_000);
    let mut s = SecretStore::open_or_create(&path, &p).unwrap();
    s.set("db/password", "from-the-store").unwrap();
    let ctx = ResolveContext::new(dir.path()).with_cairn(&s);
    let u = SecretUri::parse("cairn:db/password").unwrap();
    assert_eq!(
        resolve_local(&u, &ctx).unwrap().as_deref(),
        Some("from-the-store")
    );
    let missing = SecretUri::parse("cairn:other").unwrap();
    assert!(matches!(
        resolve_local(&missing, &ctx),
        Err(SecretError::NotFound { .. })
    ));
    // Without a secrets source, a clear error.
    let bare = ResolveContext::new(dir.path());
    let err = resolve_local(&u, &bare).unwrap_err();
    assert!(err.to_string().contains("cairn:db/password"), "{err}");
}

#[test]
fn lazy_store_opens_only_when_a_cairn_secret_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let path = SecretStore::default_path(dir.path());
    let mut s =
        SecretStore::open_or_create(&path, &Passphrase::insecure_for_tests("pw", 1_000)).unwrap();
    s.set("a", "lazy-value").unwrap();

    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let lazy = LazyStore::new(
        path.clone(),
        Box::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Passphrase::insecure_for_tests("pw", 1_000)) as Box<dyn KeyProvider>)
        }),
    );
    let vars = env_of(&[("X", "1")]);
    let lookup = |n: &str| vars.get(n).cloned();
    let ctx = ResolveContext::new(dir.path())
        .with_env(&lookup)
        .with_cairn(&lazy);
    resolve_local(&SecretUri::parse("env:X").unwrap(), &ctx).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no key asked for env:");
    assert!(!lazy.is_open());
    let u = SecretUri::parse("cairn:a").unwrap();
    assert_eq!(
        resolve_local(&u, &ctx).unwrap().as_deref(),
        Some("lazy-value")
    );
    assert_eq!(
        resolve_local(&u, &ctx).unwrap().as_deref(),
        Some("lazy-value")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1, "opened once");

    // A wrong key through the lazy store is the same clear error.
    let wrong = LazyStore::new(
        path,
        Box::new(|| {
            Ok(Box::new(Passphrase::insecure_for_tests("bad", 1_000)) as Box<dyn KeyProvider>)
        }),
    );
    let ctx = ResolveContext::new(dir.path()).with_cairn(&wrong);
    assert!(resolve_local(&u, &ctx).unwrap_err().is_wrong_key());
}

#[test]
fn json_key_selection() {
    let secret = r#"{"username":"admin","password":"pw-xyz","port":5432,"nested":{"a":1}}"#;
    assert_eq!(select_json_key(secret, "password", "db").unwrap(), "pw-xyz");
    assert_eq!(select_json_key(secret, "port", "db").unwrap(), "5432");
    assert_eq!(
        select_json_key(secret, "nested", "db").unwrap(),
        r#"{"a":1}"#
    );
    let err = select_json_key(secret, "pass", "db").unwrap_err();
    assert!(err.to_string().contains("username"), "{err}");
    assert!(!err.to_string().contains("pw-xyz"), "{err}");
    let err = select_json_key("plain-secret-text", "k", "db").unwrap_err();
    assert!(!err.to_string().contains("plain-secret-text"), "{err}");
    let err = select_json_key("[1,2]", "k", "db").unwrap_err();
    assert!(err.to_string().contains("not an object"), "{err}");
}

fn choose(header: Option<&KeyHeader>, pairs: &[(&str, &str)]) -> Result<KeyChoice, SecretError> {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    key_from_env(header, &|n| m.get(n).cloned())
}

#[test]
fn key_source_selection_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let kf = dir.path().join("k.key");
    KeyFile::generate(&kf).unwrap();
    let kf_s = kf.to_str().unwrap();
    let new_kf = dir.path().join("new.key");
    let pbkdf = KeyHeader::Pbkdf2Sha512 {
        iterations: 600_000,
        salt: "AAAAAAAAAAAAAAAAAAAAAA==".into(),
    };

    // New file.
    assert!(matches!(
        choose(None, &[]).unwrap(),
        KeyChoice::AskPassphrase { new_file: true }
    ));
    match choose(None, &[(PASSPHRASE_ENV, "pw")]).unwrap() {
        KeyChoice::Ready(p) => assert_eq!(p.kind(), KeyKind::Passphrase),
        other => panic!("{other:?}"),
    }
    match choose(None, &[(KEY_FILE_ENV, kf_s)]).unwrap() {
        KeyChoice::Ready(p) => assert_eq!(p.kind(), KeyKind::KeyFile),
        other => panic!("{other:?}"),
    }
    match choose(None, &[(KEY_FILE_ENV, new_kf.to_str().unwrap())]).unwrap() {
        KeyChoice::NewKeyFile(p) => assert_eq!(p, new_kf),
        other => panic!("{other:?}"),
    }
    assert!(choose(None, &[(PASSPHRASE_ENV, "pw"), (KEY_FILE_ENV, kf_s)]).is_err());
    // Empty values count as unset.
    assert!(matches!(
        choose(None, &[(PASSPHRASE_ENV, ""), (KEY_FILE_ENV, "")]).unwrap(),
        KeyChoice::AskPassphrase { new_file: true }
    ));

    // Existing passphrase file.
    assert!(matches!(
        choose(Some(&pbkdf), &[]).unwrap(),
        KeyChoice::AskPassphrase { new_file: false }
    ));
    match choose(
        Some(&pbkdf),
        &[(PASSPHRASE_ENV, "pw"), (KEY_FILE_ENV, kf_s)],
    )
    .unwrap()
    {
        KeyChoice::Ready(p) => assert_eq!(p.kind(), KeyKind::Passphrase),
        other => panic!("{other:?}"),
    }
    let err = choose(Some(&pbkdf), &[(KEY_FILE_ENV, kf_s)]).unwrap_err();
    assert!(err.to_string().contains(PASSPHRASE_ENV), "{err}");

    // Existing key-file file.
    let kfh = KeyHeader::KeyFile;
    match choose(Some(&kfh), &[(PASSPHRASE_ENV, "pw"), (KEY_FILE_ENV, kf_s)]).unwrap() {
        KeyChoice::Ready(p) => assert_eq!(p.kind(), KeyKind::KeyFile),
        other => panic!("{other:?}"),
    }
    let err = choose(Some(&kfh), &[(PASSPHRASE_ENV, "pw")]).unwrap_err();
    assert!(err.to_string().contains(KEY_FILE_ENV), "{err}");
    let err = choose(Some(&kfh), &[(KEY_FILE_ENV, new_kf.to_str().unwrap())]).unwrap_err();
    assert!(matches!(err, SecretError::Io { .. }), "{err}");

    // KMS: only through a caller that has KMS access.
    let kms = KeyHeader::Kms {
        key_id: "k".into(),
        encrypted_data_key: "x".into(),
    };
    let err = choose(Some(&kms), &[(PASSPHRASE_ENV, "pw")]).unwrap_err();
    assert!(err.to_string().contains("KMS"), "{err}");
}
