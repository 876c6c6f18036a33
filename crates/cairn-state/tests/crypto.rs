mod common;

use std::collections::BTreeMap;
use std::path::Path;

use cairn_state::{
    decode_value, encode_value, Cipher, InstanceState, JournalEntry, LocalBackend, OutputState,
    State, StateError,
};
use cairn_value::{Type, Value};
use serde_json::json;

const SECRET: &str = "hunter2-s3cr3t-plaintext";
const SECRET2: &str = "another-Secret-Value-42";

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn user_type() -> Type {
    Type::object(
        [
            ("name".to_string(), Type::String),
            ("password".to_string(), Type::String),
        ]
        .into_iter()
        .collect(),
    )
}

fn resource_type() -> Type {
    Type::object(
        [
            ("id".to_string(), Type::String),
            ("users".to_string(), Type::list(user_type())),
            ("token".to_string(), Type::map(Type::String)),
            ("count".to_string(), Type::Number),
        ]
        .into_iter()
        .collect(),
    )
}

/// A list of objects with a sensitive attribute, a sensitive map element
/// and a plain number.
fn secret_value() -> Value {
    let users = Value::list(
        user_type(),
        vec![
            obj(vec![
                ("name", Value::string("alice")),
                ("password", Value::string(SECRET).marked()),
            ]),
            obj(vec![
                ("name", Value::string("bob")),
                ("password", Value::string(SECRET2).marked()),
            ]),
        ],
    );
    let token = Value::map(
        Type::String,
        [(
            "api".to_string(),
            Value::string(format!("tok-{SECRET}")).marked(),
        )]
        .into_iter()
        .collect(),
    );
    obj(vec![
        ("id", Value::string("i-123")),
        ("users", users),
        ("token", token),
        ("count", Value::int(3)),
    ])
}

fn key(b: u8) -> Cipher {
    Cipher::new(&[b; 32])
}

#[test]
fn encode_decode_nested_sensitive_parts() {
    let c = key(7);
    let v = secret_value();
    let (j, paths) = encode_value(&v, &c).unwrap();
    assert_eq!(
        paths,
        vec![
            vec!["token".to_string(), "api".to_string()],
            vec!["users".to_string(), "0".to_string(), "password".to_string()],
            vec!["users".to_string(), "1".to_string(), "password".to_string()],
        ]
    );
    let text = j.to_string();
    assert!(!text.contains(SECRET) && !text.contains(SECRET2), "{text}");
    assert_eq!(j["users"][0]["name"], json!("alice"));
    assert!(j["users"][0]["password"]["cairn_encrypted"]
        .as_str()
        .unwrap()
        .starts_with("v1:"));
    // A fresh nonce per value: the same plaintext never encrypts the same.
    let (j2, _) = encode_value(&v, &c).unwrap();
    assert_ne!(j["users"][0]["password"], j2["users"][0]["password"]);

    let back = decode_value(&j, &resource_type(), &c).unwrap();
    let users = back.get_attr("users").unwrap();
    assert_eq!(users.ty(), Type::list(user_type()));
    let u0 = &users.as_seq().unwrap()[0];
    assert!(!u0.get_attr("name").unwrap().sensitive);
    let pw = u0.get_attr("password").unwrap();
    assert!(pw.sensitive);
    assert_eq!(pw.as_str(), Some(SECRET));
    let tok = back.get_attr("token").unwrap().as_entries().unwrap()["api"].clone();
    assert!(tok.sensitive);
    assert_eq!(
        back.get_attr("count")
            .unwrap()
            .as_number()
            .unwrap()
            .to_string(),
        "3"
    );
    assert!(!back.sensitive && back.is_sensitive_deep());
}

#[test]
fn whole_value_and_collections_when_marked() {
    let c = key(1);
    let v = Value::list(Type::String, vec![Value::string("a"), Value::string("b")]).marked();
    let (j, paths) = encode_value(&v, &c).unwrap();
    assert_eq!(paths, vec![Vec::<String>::new()]);
    let back = decode_value(&j, &Type::list(Type::String), &c).unwrap();
    assert!(back.sensitive);
    assert_eq!(back.ty(), Type::list(Type::String));
    assert_eq!(back.as_seq().unwrap().len(), 2);
}

#[test]
fn unknown_values_are_never_encoded() {
    let c = key(1);
    let v = obj(vec![("id", Value::unknown(Type::String))]);
    let err = encode_value(&v, &c).unwrap_err();
    assert!(matches!(err, StateError::Encode { .. }));
    assert!(err.to_string().contains("id"), "{err}");
    let hidden = obj(vec![("x", Value::unknown(Type::String).marked())]);
    assert!(encode_value(&hidden, &c).is_err());
}

#[test]
fn lookalike_objects_come_back_encrypted_not_ambiguous() {
    let c = key(1);
    let v = obj(vec![("cairn_encrypted", Value::string("v1:notreally"))]);
    let (j, paths) = encode_value(&v, &c).unwrap();
    assert_eq!(paths.len(), 1);
    let back = decode_value(&j, &Type::Dynamic, &c).unwrap();
    assert!(back.sensitive);
    assert_eq!(
        back.get_attr("cairn_encrypted").unwrap().as_str(),
        Some("v1:notreally")
    );
}

#[test]
fn outputs_marked_sensitive_are_encrypted() {
    let c = key(3);
    let o = OutputState::encode(&Value::string(SECRET), true, &c).unwrap();
    assert!(o.sensitive);
    assert!(!o.value.to_string().contains(SECRET));
    let back = o.decode(&c).unwrap();
    assert!(back.sensitive);
    assert_eq!(back.as_str(), Some(SECRET));
    let plain = OutputState::encode(&Value::int(5), false, &c).unwrap();
    assert_eq!(plain.value, json!(5));
    assert_eq!(plain.ty, json!("number"));
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn secret_state(c: &Cipher) -> State {
    let mut s = State::new();
    let mut inst = InstanceState::new(None, json!({}));
    inst.set_attributes(&secret_value(), c).unwrap();
    s.apply(JournalEntry::SetInstance {
        resource: common::meta("", "aws_db", "main"),
        instance: inst,
    });
    s.outputs.insert(
        "pw".into(),
        OutputState::encode(&Value::string(SECRET2), true, c).unwrap(),
    );
    s
}

#[test]
fn no_plaintext_secret_in_any_written_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");
    let c = Cipher::from_env_or_file(&dir).unwrap();
    let b = LocalBackend::new(dir.clone());
    let mut s = secret_state(&c);
    b.write(&mut s).unwrap();
    // Through the journal too.
    let mut j = b.journal(s.serial).unwrap();
    let mut inst = InstanceState::new(None, json!({}));
    inst.set_attributes(&secret_value(), &c).unwrap();
    let e = JournalEntry::SetInstance {
        resource: common::meta("", "aws_db", "copy"),
        instance: inst,
    };
    j.record(&e).unwrap();
    s.apply_entry(&e);
    let journal_text = std::fs::read_to_string(b.journal_path()).unwrap();
    assert!(!journal_text.contains(SECRET));
    j.checkpoint(&mut s).unwrap();
    j.finish(&mut s).unwrap();

    let mut files = Vec::new();
    files_under(&dir, &mut files);
    assert!(files.iter().any(|f| f.ends_with("state.json")));
    assert!(
        files
            .iter()
            .filter(|f| f.starts_with(dir.join("history")))
            .count()
            >= 3
    );
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for secret in [SECRET, SECRET2] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a plaintext secret",
                f.display()
            );
        }
    }
    // And it all reads back.
    let read = b.read().unwrap().unwrap();
    assert_eq!(read.verify_key(&c).unwrap(), 7);
    let (_, i) = read.get_instance("aws_db.copy").unwrap();
    let v = i.decode_attributes(&resource_type(), &c).unwrap();
    let pw = v.get_attr("users").unwrap().as_seq().unwrap()[1]
        .get_attr("password")
        .unwrap()
        .clone();
    assert_eq!(pw.as_str(), Some(SECRET2));
}

#[test]
fn wrong_key_gives_decrypt_error_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");
    let b = LocalBackend::new(dir.clone());
    let mut s = secret_state(&key(1));
    b.write(&mut s).unwrap();
    let snapshot = |d: &Path| {
        let mut files = Vec::new();
        files_under(d, &mut files);
        files.sort();
        files
            .into_iter()
            .map(|f| {
                let m = std::fs::metadata(&f).unwrap().modified().unwrap();
                (f.clone(), std::fs::read(&f).unwrap(), m)
            })
            .collect::<Vec<_>>()
    };
    let before = snapshot(&dir);

    let wrong = key(2);
    let read = b.read().unwrap().unwrap();
    let err = read.verify_key(&wrong).unwrap_err();
    assert!(matches!(err, StateError::Decrypt { .. }));
    let msg = err.to_string();
    assert!(msg.contains("encrypted with another key"), "{msg}");
    assert!(msg.contains("CAIRN_STATE_KEY"), "{msg}");
    assert!(msg.contains("Nothing has been modified"), "{msg}");
    assert!(msg.contains("aws_db.main"), "{msg}");
    let (_, i) = read.get_instance("aws_db.main").unwrap();
    let err = i.decode_attributes(&resource_type(), &wrong).unwrap_err();
    assert!(matches!(err, StateError::Decrypt { .. }), "{err}");
    assert!(err.to_string().contains("token.api"), "{err}");
    assert!(read.outputs["pw"].decode(&wrong).is_err());
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn key_file_is_created_private_and_reused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");
    let c1 = Cipher::from_env_or_file(&dir).unwrap();
    let path = Cipher::key_file(&dir);
    assert_eq!(std::fs::read(&path).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&dir), 0o700);
    }
    let c2 = Cipher::from_env_or_file(&dir).unwrap();
    assert_eq!(c1.key_id(), c2.key_id());
    let t = c1.encrypt(b"x").unwrap();
    assert_eq!(c2.decrypt(&t).unwrap(), b"x");
    // No temporary files are left next to it.
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn concurrent_first_use_agrees_on_one_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");
    let ids: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8)
            .map(|_| s.spawn(|| Cipher::from_env_or_file(&dir).unwrap().key_id().to_string()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
}

#[test]
fn malformed_key_file_and_token_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(Cipher::key_file(&dir), b"short").unwrap();
    let err = Cipher::from_env_or_file(&dir).unwrap_err();
    assert!(matches!(err, StateError::Key { .. }), "{err}");
    assert!(Cipher::from_base64("AAAA").is_err());
    let good = Cipher::from_base64(&base64_32()).unwrap();
    assert!(matches!(
        good.decrypt("v2:xx"),
        Err(StateError::Decrypt { .. })
    ));
    assert!(matches!(
        good.decrypt("v1:!!"),
        Err(StateError::Decrypt { .. })
    ));
}

fn base64_32() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode([9u8; 32])
}

#[test]
fn reencrypt_moves_every_token_to_the_new_key() {
    let (a, b) = (key(1), key(2));
    let mut s = secret_state(&a);
    s.config = Some(cairn_state::ConfigSnapshot {
        files: a.encrypt(br#"{"main.tf":"x"}"#).unwrap(),
        variables: [
            (
                "pw".to_string(),
                cairn_state::SnapshotValue::Encrypted(a.encrypt(b"\"p\"").unwrap()),
            ),
            ("n".to_string(), cairn_state::SnapshotValue::Plain(json!(3))),
        ]
        .into_iter()
        .collect(),
        workspace: String::new(),
    });
    let before = s.verify_key(&a).unwrap();
    // A state whose only encrypted part is its kept configuration still
    // refuses another key.
    let mut only_config = State::new();
    only_config.config = s.config.clone();
    assert_eq!(only_config.verify_key(&a).unwrap(), 1);
    assert!(matches!(
        only_config.verify_key(&b),
        Err(StateError::Decrypt { .. })
    ));
    // Every token verify_key counts (attributes, outputs, the kept
    // files) and the one encrypted variable.
    assert_eq!(s.reencrypt(&a, &b).unwrap(), before + 1);
    assert_eq!(s.verify_key(&b).unwrap(), before);
    assert!(matches!(s.verify_key(&a), Err(StateError::Decrypt { .. })));
    let c = s.config.as_ref().unwrap();
    assert_eq!(b.decrypt(&c.files).unwrap(), br#"{"main.tf":"x"}"#);
    // Converting with the wrong old key fails instead of writing garbage.
    let mut again = s.clone();
    assert!(again.reencrypt(&a, &b).is_err());
}

#[test]
fn replace_version_rewrites_history_in_place_and_only_existing_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");
    let (a, b) = (key(1), key(2));
    let backend = LocalBackend::new(dir.clone());
    let mut s = secret_state(&a);
    backend.write(&mut s).unwrap();
    backend.write(&mut s).unwrap();
    let mut v1 = backend.read_version(1).unwrap();
    v1.reencrypt(&a, &b).unwrap();
    backend.replace_version(&v1).unwrap();
    let read = backend.read_version(1).unwrap();
    assert!(read.verify_key(&b).unwrap() > 0);
    // Version 2 and the current state are untouched.
    assert!(backend.read_version(2).unwrap().verify_key(&a).unwrap() > 0);
    assert!(backend.read().unwrap().unwrap().verify_key(&a).unwrap() > 0);
    let mut missing = read.clone();
    missing.serial = 9;
    assert!(matches!(
        backend.replace_version(&missing),
        Err(StateError::NoSuchVersion { serial: 9, .. })
    ));
}

#[test]
fn key_check_values_tell_keys_apart() {
    let (a, b) = (key(1), key(2));
    let check = a.check_token().unwrap();
    assert!(a.matches_check(&check));
    assert!(!b.matches_check(&check));
    assert!(!a.matches_check("v1:not-a-token"));
    // A token of something else is not a check value.
    assert!(!a.matches_check(&a.encrypt(b"other").unwrap()));
}
