use std::collections::BTreeMap;

use cairn_secrets::{KeyFile, Passphrase};

use super::*;

fn env_of(pairs: &[(&str, &str)]) -> Env {
    let m: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Arc::new(move |k: &str| m.get(k).map(OsString::from))
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn uri(u: &str) -> Value {
    obj(&[("uri", Value::string(u))])
}

async fn provider(dir: &Path, env: Env, config: Value) -> Arc<dyn Provider> {
    CairnFactory::with_env(dir, env)
        .configure(&config)
        .await
        .unwrap()
}

fn empty_config() -> Value {
    Value::object(cairn_provider::empty_object(&schema().provider))
}

#[test]
fn schema_marks_value_sensitive_and_takes_aws_settings() {
    let s = schema();
    let d = &s.data_sources[SECRET].block;
    assert!(d.attributes["uri"].required);
    assert!(d.attributes["value"].computed && d.attributes["value"].sensitive);
    assert!(d.attributes["id"].computed && !d.attributes["id"].sensitive);
    assert!(s.resources.is_empty());
    assert!(s.provider.attributes.contains_key("secrets_file"));
    let aws = &s.provider.blocks["aws"];
    assert_eq!(aws.max_items, Some(1));
    assert!(aws.block.attributes.contains_key("region"));
    assert!(aws.block.blocks.contains_key("endpoints"));
}

#[tokio::test]
async fn env_secret_is_read_and_marked_sensitive() {
    let tmp = tempfile::tempdir().unwrap();
    let p = provider(tmp.path(), env_of(&[("DB_PW", "s3cr3t")]), empty_config()).await;
    assert!(!p.reads_offline(SECRET));
    let v = p.read_data(SECRET, &uri("env:DB_PW")).await.unwrap();
    let value = v.get_attr("value").unwrap();
    assert!(value.sensitive);
    assert_eq!(value.as_str(), Some("s3cr3t"));
    assert_eq!(get_str(&v, "id").as_deref(), Some("env:DB_PW"));
    assert!(!v.get_attr("id").unwrap().sensitive);
}

#[tokio::test]
async fn missing_env_var_names_the_uri_and_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let p = provider(tmp.path(), env_of(&[]), empty_config()).await;
    let e = p.read_data(SECRET, &uri("env:NOPE")).await.unwrap_err();
    assert_eq!(e.summary, "Cannot read secret \"env:NOPE\"");
    assert!(e.detail.contains("NOPE"), "{e}");
    assert!(e.hint.unwrap_or_default().contains("Export NOPE"));
}

#[tokio::test]
async fn file_paths_are_relative_to_the_configuration_directory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("s")).unwrap();
    std::fs::write(tmp.path().join("s/token"), "tok-123\n").unwrap();
    let p = provider(tmp.path(), env_of(&[]), empty_config()).await;
    let v = p.read_data(SECRET, &uri("file:s/token")).await.unwrap();
    assert_eq!(v.get_attr("value").unwrap().as_str(), Some("tok-123"));
    let e = p
        .read_data(SECRET, &uri("file:s/missing"))
        .await
        .unwrap_err();
    assert!(e.detail.contains("s/missing"), "{e}");
    assert!(e.hint.unwrap_or_default().contains("relative"));
}

#[tokio::test]
async fn cairn_secrets_come_from_the_secrets_file_with_the_key_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("k");
    let kf = KeyFile::generate(&key).unwrap();
    let file = SecretStore::default_path(tmp.path());
    let mut st = SecretStore::open_or_create(&file, &kf).unwrap();
    st.set("db/pw", "from-store").unwrap();
    let env = env_of(&[(KEY_FILE_ENV, key.to_str().unwrap())]);
    let p = provider(tmp.path(), env.clone(), empty_config()).await;
    let v = p.read_data(SECRET, &uri("cairn:db/pw")).await.unwrap();
    assert_eq!(v.get_attr("value").unwrap().as_str(), Some("from-store"));
    let e = p.read_data(SECRET, &uri("cairn:other")).await.unwrap_err();
    assert!(e
        .hint
        .unwrap_or_default()
        .contains("cairn secret set other"));

    // A secrets_file setting, relative to the directory.
    std::fs::rename(&file, tmp.path().join("moved.json")).unwrap();
    let cfg = cairn_provider::with_attrs(
        &empty_config(),
        [("secrets_file", Value::string("moved.json"))],
    );
    let p = provider(tmp.path(), env, cfg).await;
    let v = p.read_data(SECRET, &uri("cairn:db/pw")).await.unwrap();
    assert_eq!(v.get_attr("value").unwrap().as_str(), Some("from-store"));
}

#[tokio::test]
async fn a_passphrase_file_without_the_passphrase_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = SecretStore::default_path(tmp.path());
    let mut st =
        SecretStore::open_or_create(&file, &Passphrase::insecure_for_tests("pw", 1000)).unwrap();
    st.set("x", "hidden-value").unwrap();
    let p = provider(tmp.path(), env_of(&[]), empty_config()).await;
    let e = p.read_data(SECRET, &uri("cairn:x")).await.unwrap_err();
    assert!(e.detail.contains(PASSPHRASE_ENV), "{e}");
    assert!(!e.to_string().contains("hidden-value"));
}

#[tokio::test]
async fn no_secrets_file_says_how_to_make_one() {
    let tmp = tempfile::tempdir().unwrap();
    let p = provider(tmp.path(), env_of(&[]), empty_config()).await;
    let e = p.read_data(SECRET, &uri("cairn:x")).await.unwrap_err();
    assert!(e.detail.contains("cairn secret set"), "{e}");
}

#[tokio::test]
async fn the_secrets_file_and_aws_are_touched_only_when_their_uris_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    // A broken secrets file and unusable AWS settings: env: still reads.
    std::fs::create_dir(tmp.path().join(".cairn")).unwrap();
    std::fs::write(tmp.path().join(".cairn/secrets.json"), "not json").unwrap();
    let aws = obj(&[("region", Value::string("not a region"))]);
    let cfg = cairn_provider::with_attrs(
        &empty_config(),
        [("aws", Value::list(aws.ty(), vec![aws.clone()]))],
    );
    let p = provider(tmp.path(), env_of(&[("A", "1")]), cfg).await;
    assert!(p.read_data(SECRET, &uri("env:A")).await.is_ok());
    let e = p.read_data(SECRET, &uri("ssm:/x")).await.unwrap_err();
    assert_eq!(e.summary, "Cannot read secret \"ssm:/x\"");
    assert!(e.detail.contains("not a region"), "{e}");
    assert!(e.hint.unwrap_or_default().contains("provider \"cairn\""));
    let e = p.read_data(SECRET, &uri("cairn:x")).await.unwrap_err();
    assert!(e.detail.contains("malformed"), "{e}");
}

#[tokio::test]
async fn invalid_uris_fail_validation_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let p = provider(tmp.path(), env_of(&[]), empty_config()).await;
    let d = p.validate_data_source(SECRET, &uri("vault:x"));
    assert_eq!(d.len(), 1);
    assert!(
        d[0].detail.contains("unknown scheme \"vault:\""),
        "{:?}",
        d[0]
    );
    assert!(p
        .validate_data_source(SECRET, &uri("aws-sm:db#k"))
        .is_empty());
    let unknown = obj(&[("uri", Value::unknown(Type::String))]);
    assert!(p.validate_data_source(SECRET, &unknown).is_empty());
    let e = p.read_data(SECRET, &uri("vault:x")).await.unwrap_err();
    assert!(e.detail.contains("vault:x"), "{e}");
}

#[tokio::test]
async fn the_provider_has_no_resources() {
    let tmp = tempfile::tempdir().unwrap();
    let p = provider(tmp.path(), env_of(&[]), empty_config()).await;
    assert!(p.read("cairn_x", &Value::dynamic_null()).await.is_err());
    assert!(p.read_data("cairn_x", &uri("env:A")).await.is_err());
}

#[cfg(unix)]
#[tokio::test]
async fn a_non_utf8_env_var_is_reported_as_such_not_as_unset() {
    use std::os::unix::ffi::OsStringExt;
    let tmp = tempfile::tempdir().unwrap();
    let env: Env = Arc::new(|k: &str| (k == "BIN").then(|| OsString::from_vec(vec![0xff, 0xfe])));
    let p = provider(tmp.path(), env, empty_config()).await;
    let e = p.read_data(SECRET, &uri("env:BIN")).await.unwrap_err();
    assert!(e.detail.contains("not UTF-8"), "{e}");
}
