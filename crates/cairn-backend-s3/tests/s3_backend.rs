//! The s3 backend against a real moto server: versions, history, locking
//! with the lock object and with DynamoDB, conflicts, workspaces.

use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use cairn_backend_s3::{S3Store, Settings};
use cairn_moto::Moto;
use cairn_state::{LocalBackend, LockInfo, RemoteStore, State, StateError};

fn settings(moto: &Moto, bucket: &str) -> Settings {
    Settings {
        bucket: bucket.into(),
        key: "app/terraform.tfstate".into(),
        region: Some("us-east-1".into()),
        encrypt: true,
        kms_key_id: None,
        use_lockfile: true,
        dynamodb_table: None,
        workspace_key_prefix: "env:".into(),
        s3_endpoint: Some(moto.endpoint()),
        dynamodb_endpoint: Some(moto.endpoint()),
        sts_endpoint: Some(moto.endpoint()),
        path_style: None,
        profile: None,
        access_key: Some("test".into()),
        secret_key: Some("test".into()),
        token: None,
        max_retries: Some(1),
    }
}

fn sdk(moto: &Moto) -> aws_config::SdkConfig {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .load(),
    )
}

fn make_bucket(moto: &Moto, bucket: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(&sdk(moto))
        .force_path_style(true)
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(conf);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s3.create_bucket().bucket(bucket).send())
        .expect("create bucket");
    s3
}

fn get_object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let o = s3.get_object().bucket(bucket).key(key).send().await.ok()?;
        Some(o.body.collect().await.ok()?.into_bytes().to_vec())
    })
}

fn backend(moto: &Moto, s: &Settings, workspace: &str, dir: &std::path::Path) -> LocalBackend {
    let _ = moto;
    let store = S3Store::new(s, workspace).expect("store");
    LocalBackend::with_remote(dir.to_path_buf(), Arc::new(store))
}

#[test]
fn versions_history_and_conflicts() {
    let moto = Moto::start().expect("moto");
    let s3 = make_bucket(&moto, "state-bucket");
    let s = settings(&moto, "state-bucket");
    let tmp = tempfile::tempdir().expect("tmp");
    let b = backend(&moto, &s, "default", tmp.path());

    assert!(b.read().expect("read").is_none(), "no state yet");
    let mut st = State::new();
    b.write(&mut st).expect("write 1");
    assert_eq!(st.serial, 1);
    b.write(&mut st).expect("write 2");
    b.write(&mut st).expect("write 3");
    assert_eq!(st.serial, 3);

    // The object Terraform's backend would read, and the history beside it.
    let current = get_object(&s3, "state-bucket", "app/terraform.tfstate").expect("state object");
    let parsed: serde_json::Value = serde_json::from_slice(&current).expect("json");
    assert_eq!(parsed["serial"], 3);
    assert_eq!(parsed["lineage"], st.lineage.as_str());
    let serials: Vec<u64> = b
        .history()
        .expect("history")
        .iter()
        .map(|h| h.serial)
        .collect();
    assert_eq!(serials, vec![1, 2, 3]);
    assert_eq!(b.read_version(2).expect("v2").serial, 2);
    match b.read_version(9) {
        Err(StateError::NoSuchVersion {
            serial: 9,
            available,
        }) => {
            assert!(available.contains("1 to 3"), "{available}")
        }
        other => panic!("expected NoSuchVersion, got {other:?}"),
    }

    // A writer that started from serial 2 is refused; nothing changes.
    let mut stale = b.read_version(2).expect("v2");
    let err = b.write(&mut stale).expect_err("stale write");
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("s3://state-bucket/app/terraform.tfstate"),
        "{err}"
    );
    assert_eq!(b.read().expect("read").expect("state").serial, 3);

    // Another lineage is refused too.
    let mut other = State::new();
    other.serial = 10;
    assert!(matches!(
        b.write(&mut other),
        Err(StateError::Conflict { .. })
    ));

    // Workspaces live under env:/NAME/KEY, separate from default.
    let prod = backend(&moto, &s, "prod", tmp.path());
    assert!(prod.read().expect("read").is_none());
    let mut p = State::new();
    prod.write(&mut p).expect("write prod");
    assert!(get_object(&s3, "state-bucket", "env:/prod/app/terraform.tfstate").is_some());
    assert_eq!(b.read().expect("read").expect("state").serial, 3);
}

#[test]
fn lock_object_excludes_a_second_holder_and_names_the_first() {
    let moto = Moto::start().expect("moto");
    let s3 = make_bucket(&moto, "lock-bucket");
    let s = settings(&moto, "lock-bucket");
    let t1 = tempfile::tempdir().expect("tmp");
    let t2 = tempfile::tempdir().expect("tmp");
    // Two machines: separate local directories, one state.
    let a = backend(&moto, &s, "default", t1.path());
    let b = backend(&moto, &s, "default", t2.path());

    let mut info = LockInfo::new("apply");
    info.who = "alice@ci-runner-1".into();
    let held = a.lock(info, Duration::ZERO).expect("first lock");
    let lock_body =
        get_object(&s3, "lock-bucket", "app/terraform.tfstate.tflock").expect("lock object");
    assert!(String::from_utf8_lossy(&lock_body).contains("alice@ci-runner-1"));

    let err = b
        .lock(LockInfo::new("plan"), Duration::from_millis(600))
        .expect_err("second lock must fail");
    match &err {
        StateError::Locked { holder } => {
            assert_eq!(holder.who, "alice@ci-runner-1");
            assert_eq!(holder.operation, "apply");
        }
        other => panic!("expected Locked, got {other}"),
    }
    assert!(err.to_string().contains("alice@ci-runner-1"), "{err}");

    held.unlock().expect("unlock");
    assert!(get_object(&s3, "lock-bucket", "app/terraform.tfstate.tflock").is_none());
    let again = b
        .lock(LockInfo::new("plan"), Duration::ZERO)
        .expect("free after unlock");
    drop(again);
    // Dropping the guard releases it too.
    assert!(get_object(&s3, "lock-bucket", "app/terraform.tfstate.tflock").is_none());

    // A holder that died leaves its lock: force-unlock removes it, but
    // only given the lock's own ID.
    let dead = a
        .lock(LockInfo::new("apply"), Duration::ZERO)
        .expect("lock");
    let dead_id = dead.info().id.clone();
    std::mem::forget(dead);
    let err = b.force_unlock("not-the-id").expect_err("wrong id");
    assert!(err.to_string().contains(&dead_id), "{err}");
    assert!(get_object(&s3, "lock-bucket", "app/terraform.tfstate.tflock").is_some());
    let removed = b.force_unlock(&dead_id).expect("force unlock");
    assert_eq!(removed.id, dead_id);
    assert!(get_object(&s3, "lock-bucket", "app/terraform.tfstate.tflock").is_none());
    b.lock(LockInfo::new("plan"), Duration::ZERO)
        .expect("free after force-unlock");
}

#[test]
fn dynamodb_lock_table() {
    let moto = Moto::start().expect("moto");
    make_bucket(&moto, "ddb-bucket");
    let db = aws_sdk_dynamodb::Client::new(&sdk(&moto));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(
        db.create_table()
            .table_name("locks")
            .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
            .attribute_definitions(
                aws_sdk_dynamodb::types::AttributeDefinition::builder()
                    .attribute_name("LockID")
                    .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                    .build()
                    .expect("attr"),
            )
            .key_schema(
                aws_sdk_dynamodb::types::KeySchemaElement::builder()
                    .attribute_name("LockID")
                    .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                    .build()
                    .expect("key"),
            )
            .send(),
    )
    .expect("table");
    let mut s = settings(&moto, "ddb-bucket");
    s.use_lockfile = false;
    s.dynamodb_table = Some("locks".into());
    let t1 = tempfile::tempdir().expect("tmp");
    let t2 = tempfile::tempdir().expect("tmp");
    let a = backend(&moto, &s, "default", t1.path());
    let b = backend(&moto, &s, "default", t2.path());

    let mut info = LockInfo::new("apply");
    info.who = "bob@laptop".into();
    let held = a.lock(info, Duration::ZERO).expect("first lock");
    let item = rt
        .block_on(
            db.get_item()
                .table_name("locks")
                .key(
                    "LockID",
                    aws_sdk_dynamodb::types::AttributeValue::S(
                        "ddb-bucket/app/terraform.tfstate".into(),
                    ),
                )
                .send(),
        )
        .expect("get item")
        .item
        .expect("lock item exists");
    assert!(item.contains_key("Info"));

    match b.lock(LockInfo::new("apply"), Duration::from_millis(600)) {
        Err(StateError::Locked { holder }) => assert_eq!(holder.who, "bob@laptop"),
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(held);
    b.lock(LockInfo::new("apply"), Duration::ZERO)
        .expect("free after release");
}

#[test]
fn unreachable_endpoint_is_a_clear_error() {
    let moto = Moto::start().expect("moto");
    let mut s = settings(&moto, "nobucket");
    s.s3_endpoint = Some("http://127.0.0.1:9".into());
    let store = S3Store::new(&s, "default").expect("store");
    let err = store.read_current().expect_err("must fail");
    let text = err.to_string();
    assert!(
        text.contains("s3://nobucket/app/terraform.tfstate"),
        "{text}"
    );
    assert!(text.contains("cannot read"), "{text}");
}
