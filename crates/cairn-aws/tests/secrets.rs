//! KMS keys and aliases, Secrets Manager secrets and versions, SSM
//! parameters against a real moto server.

mod common;

use aws_sdk_ssm::types::ParameterType;
use cairn_value::{Type, Value};
use common::*;

const KEY_POLICY: &str = r#"{"Version":"2012-10-17","Id":"custom","Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}"#;
const KEY_POLICY_PRETTY: &str = r#"{
  "Id": "custom",
  "Version": "2012-10-17",
  "Statement": [
    {
      "Action": ["kms:*"],
      "Effect": "Allow",
      "Resource": "*",
      "Principal": { "AWS": ["arn:aws:iam::123456789012:root"] },
      "Sid": "Root"
    }
  ]
}"#;
const SECRET_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
const SECRET_POLICY_PRETTY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Action": ["secretsmanager:GetSecretValue"],
    "Resource": "*",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Effect": "Allow"
  }]
}"#;

fn num(v: &Value, k: &str) -> i64 {
    get(v, k)
        .as_number()
        .and_then(|n| n.to_i64())
        .unwrap_or_else(|| panic!("{k} is not a number: {:?}", get(v, k)))
}

fn boolean(v: &Value, k: &str) -> bool {
    get(v, k)
        .as_bool()
        .unwrap_or_else(|| panic!("{k} is not a bool: {:?}", get(v, k)))
}

fn set_strings(v: &Value, k: &str) -> Vec<String> {
    let mut out: Vec<String> = get(v, k)
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_key_lifecycle() {
    let env = env().await;
    let t = "aws_kms_key";
    let kms = env.kms();
    let config = env.config(
        t,
        &[
            ("description", s("app key")),
            ("deletion_window_in_days", Value::int(7)),
            ("tags", tags(&[("Name", "app")])),
        ],
    );
    let k = env.create(t, &config).await;
    let id = str_attr(&k, "id");
    assert_eq!(str_attr(&k, "key_id"), id);
    assert_eq!(
        str_attr(&k, "arn"),
        format!("arn:aws:kms:us-east-1:123456789012:key/{id}")
    );
    assert_eq!(str_attr(&k, "key_usage"), "ENCRYPT_DECRYPT");
    assert_eq!(
        str_attr(&k, "customer_master_key_spec"),
        "SYMMETRIC_DEFAULT"
    );
    assert!(boolean(&k, "is_enabled"));
    assert!(!boolean(&k, "enable_key_rotation"));
    assert!(!boolean(&k, "multi_region"));
    // No policy configured: the default one KMS made.
    assert!(str_attr(&k, "policy").contains("kms:*"), "{k:?}");
    assert_eq!(
        tag_map(&k, "tags_all"),
        map(&[("Environment", "test"), ("Name", "app")])
    );
    env.assert_no_changes(t, &k, &config).await;

    // In place: description, rotation, policy, tags.
    let config2 = env.config(
        t,
        &[
            ("description", s("app key v2")),
            ("deletion_window_in_days", Value::int(7)),
            ("enable_key_rotation", Value::bool(true)),
            ("rotation_period_in_days", Value::int(180)),
            ("policy", s(KEY_POLICY)),
            ("tags", tags(&[("Name", "app"), ("Team", "x")])),
        ],
    );
    let k = env.update(t, &k, &config2).await;
    assert_eq!(str_attr(&k, "id"), id);
    assert!(boolean(&k, "enable_key_rotation"));
    assert_eq!(num(&k, "rotation_period_in_days"), 180);
    assert_eq!(str_attr(&k, "policy"), KEY_POLICY);
    let meta = kms
        .describe_key()
        .key_id(&id)
        .send()
        .await
        .expect("describe")
        .key_metadata
        .expect("metadata");
    assert_eq!(meta.description.as_deref(), Some("app key v2"));
    let rot = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .expect("rotation");
    assert!(rot.key_rotation_enabled);
    let pol = kms
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .expect("policy");
    assert!(pol.policy.unwrap_or_default().contains("custom"));
    env.assert_no_changes(t, &k, &config2).await;
    // The same policy written differently is not a change.
    let pretty = env.config(
        t,
        &[
            ("description", s("app key v2")),
            ("deletion_window_in_days", Value::int(7)),
            ("enable_key_rotation", Value::bool(true)),
            ("rotation_period_in_days", Value::int(180)),
            ("policy", s(KEY_POLICY_PRETTY)),
            ("tags", tags(&[("Name", "app"), ("Team", "x")])),
        ],
    );
    env.assert_no_changes(t, &k, &pretty).await;

    // Usage and spec force a new key.
    let mut other = config2.as_entries().expect("object").clone();
    other.insert("key_usage".into(), s("SIGN_VERIFY"));
    other.insert("customer_master_key_spec".into(), s("RSA_2048"));
    let other = Value::object(other);
    env.assert_replaces(t, &k, &other, "key_usage").await;
    env.assert_replaces(t, &k, &other, "customer_master_key_spec")
        .await;

    // Import by key ID (deletion_window_in_days is not readable, as in
    // Terraform: the imported state plans no change without it). moto
    // does not report RotationPeriodInDays, so the imported state cannot
    // know the period either: leave it to the API's value.
    let imported = env.import(t, &id).await;
    assert_eq!(str_attr(&imported, "arn"), str_attr(&k, "arn"));
    assert_eq!(str_attr(&imported, "description"), "app key v2");
    assert!(boolean(&imported, "enable_key_rotation"));
    assert_eq!(str_attr(&imported, "policy"), str_attr(&k, "policy"));
    let mut no_window = config2.as_entries().expect("object").clone();
    no_window.insert("deletion_window_in_days".into(), Value::null(Type::Number));
    no_window.insert("rotation_period_in_days".into(), Value::null(Type::Number));
    env.assert_no_changes(t, &imported, &Value::object(no_window))
        .await;

    // Disabled outside cairn: the drift shows and the update re-enables.
    kms.disable_key().key_id(&id).send().await.expect("disable");
    let drifted = env.read(t, &k).await.expect("exists");
    assert!(!boolean(&drifted, "is_enabled"));
    let k = env.update(t, &drifted, &config2).await;
    assert!(boolean(&k, "is_enabled"));
    let meta = kms
        .describe_key()
        .key_id(&id)
        .send()
        .await
        .expect("describe")
        .key_metadata
        .expect("metadata");
    assert!(meta.enabled);

    // is_enabled = false disables in place.
    let mut off = config2.as_entries().expect("object").clone();
    off.insert("is_enabled".into(), Value::bool(false));
    let off = Value::object(off);
    let k = env.update(t, &k, &off).await;
    assert!(!boolean(&k, "is_enabled"));
    env.assert_no_changes(t, &k, &off).await;

    // Destroy schedules deletion with the configured window.
    env.delete(t, &k).await;
    let meta = kms
        .describe_key()
        .key_id(&id)
        .send()
        .await
        .expect("describe")
        .key_metadata
        .expect("metadata");
    assert_eq!(
        meta.key_state,
        Some(aws_sdk_kms::types::KeyState::PendingDeletion)
    );
    let days = meta
        .deletion_date
        .map(|d| (d.secs() - chrono::Utc::now().timestamp()) / 86400)
        .expect("deletion date");
    assert!((6..=7).contains(&days), "{days}");
    // Pending deletion reads as gone; destroying again succeeds.
    assert!(env.read(t, &k).await.is_none());
    env.delete(t, &k).await;

    // A key scheduled for deletion outside cairn is gone too.
    let k2 = env.create(t, &config).await;
    let id2 = str_attr(&k2, "id");
    kms.schedule_key_deletion()
        .key_id(&id2)
        .pending_window_in_days(7)
        .send()
        .await
        .expect("schedule");
    assert!(env.read(t, &k2).await.is_none());
    env.delete(t, &k2).await;

    // Schema: the types validate their ranges.
    let bad = env.config(t, &[("deletion_window_in_days", Value::int(3))]);
    assert!(!env.provider.validate_resource(t, &bad).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_alias_lifecycle() {
    let env = env().await;
    let t = "aws_kms_alias";
    let kms = env.kms();
    let k1 = kms
        .create_key()
        .send()
        .await
        .expect("key")
        .key_metadata
        .expect("meta");
    let k2 = kms
        .create_key()
        .send()
        .await
        .expect("key")
        .key_metadata
        .expect("meta");
    let (id1, arn1) = (k1.key_id.clone(), k1.arn.clone().expect("arn"));
    let id2 = k2.key_id.clone();

    let config = env.config(t, &[("name", s("alias/app")), ("target_key_id", s(&id1))]);
    let a = env.create(t, &config).await;
    assert_eq!(str_attr(&a, "id"), "alias/app");
    assert_eq!(
        str_attr(&a, "arn"),
        "arn:aws:kms:us-east-1:123456789012:alias/app"
    );
    assert_eq!(str_attr(&a, "target_key_arn"), arn1);
    assert_eq!(str_attr(&a, "target_key_id"), id1);
    env.assert_no_changes(t, &a, &config).await;
    // The key's ARN names the same target.
    let by_arn = env.config(t, &[("name", s("alias/app")), ("target_key_id", s(&arn1))]);
    env.assert_no_changes(t, &a, &by_arn).await;

    // Retarget in place.
    let config2 = env.config(t, &[("name", s("alias/app")), ("target_key_id", s(&id2))]);
    let a = env.update(t, &a, &config2).await;
    assert_eq!(str_attr(&a, "target_key_id"), id2);
    let listed = kms
        .list_aliases()
        .key_id(&id2)
        .send()
        .await
        .expect("list")
        .aliases
        .unwrap_or_default();
    assert!(listed
        .iter()
        .any(|x| x.alias_name.as_deref() == Some("alias/app")));
    env.assert_no_changes(t, &a, &config2).await;
    env.assert_replaces(
        t,
        &a,
        &env.config(t, &[("name", s("alias/other")), ("target_key_id", s(&id2))]),
        "name",
    )
    .await;

    // Import by name.
    let imported = env.import(t, "alias/app").await;
    assert_eq!(str_attr(&imported, "target_key_id"), id2);
    env.assert_no_changes(t, &imported, &config2).await;

    // Retargeted outside cairn.
    kms.update_alias()
        .alias_name("alias/app")
        .target_key_id(&id1)
        .send()
        .await
        .expect("update alias");
    let drifted = env.read(t, &a).await.expect("exists");
    assert_eq!(str_attr(&drifted, "target_key_id"), id1);
    let a = env.update(t, &drifted, &config2).await;
    assert_eq!(str_attr(&a, "target_key_id"), id2);

    // name_prefix.
    let pc = env.config(
        t,
        &[("name_prefix", s("alias/pfx-")), ("target_key_id", s(&id1))],
    );
    let pa = env.create(t, &pc).await;
    assert!(str_attr(&pa, "name").starts_with("alias/pfx-"));
    assert_eq!(str_attr(&pa, "name_prefix"), "alias/pfx-");
    env.assert_no_changes(t, &pa, &pc).await;
    env.delete(t, &pa).await;
    assert!(env.read(t, &pa).await.is_none());

    // Names must start with alias/.
    let bad = env.config(t, &[("name", s("app")), ("target_key_id", s(&id1))]);
    assert!(!env.provider.validate_resource(t, &bad).is_empty());

    // Deleted outside cairn.
    kms.delete_alias()
        .alias_name("alias/app")
        .send()
        .await
        .expect("delete alias");
    assert!(env.read(t, &a).await.is_none());
    env.delete(t, &a).await;
    env.delete(t, &a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_lifecycle() {
    let env = env().await;
    let t = "aws_secretsmanager_secret";
    let sm = env.secretsmanager();
    let key = env
        .kms()
        .create_key()
        .send()
        .await
        .expect("key")
        .key_metadata
        .expect("meta")
        .key_id;
    let config = env.config(
        t,
        &[
            ("name", s("db")),
            ("description", s("Database password")),
            ("policy", s(SECRET_POLICY)),
            ("tags", tags(&[("Name", "db")])),
        ],
    );
    let sec = env.create(t, &config).await;
    let arn = str_attr(&sec, "arn");
    assert!(
        arn.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-"),
        "{arn}"
    );
    assert_eq!(str_attr(&sec, "id"), arn);
    assert_eq!(num(&sec, "recovery_window_in_days"), 30);
    assert_eq!(str_attr(&sec, "policy"), SECRET_POLICY);
    assert!(get(&sec, "kms_key_id").is_null());
    env.assert_no_changes(t, &sec, &config).await;
    let pretty = env.config(
        t,
        &[
            ("name", s("db")),
            ("description", s("Database password")),
            ("policy", s(SECRET_POLICY_PRETTY)),
            ("tags", tags(&[("Name", "db")])),
        ],
    );
    env.assert_no_changes(t, &sec, &pretty).await;

    // Import by ARN.
    let imported = env.import(t, &arn).await;
    assert_eq!(str_attr(&imported, "name"), "db");
    env.assert_no_changes(t, &imported, &config).await;

    // In place: description, KMS key, policy removed, tags, recovery window.
    let config2 = env.config(
        t,
        &[
            ("name", s("db")),
            ("description", s("Database password v2")),
            ("kms_key_id", s(&key)),
            ("recovery_window_in_days", Value::int(7)),
            ("tags", tags(&[("Name", "db"), ("Team", "x")])),
        ],
    );
    let plan = env.plan(t, Some(&sec), &config2).await;
    // policy is optional+computed: leaving it out keeps the prior one.
    assert_eq!(str_attr(&plan.planned, "policy"), SECRET_POLICY);
    let sec = env.update(t, &sec, &config2).await;
    assert_eq!(str_attr(&sec, "description"), "Database password v2");
    assert_eq!(str_attr(&sec, "kms_key_id"), key);
    assert_eq!(num(&sec, "recovery_window_in_days"), 7);
    let d = sm
        .describe_secret()
        .secret_id(&arn)
        .send()
        .await
        .expect("describe");
    assert_eq!(d.description.as_deref(), Some("Database password v2"));
    assert_eq!(d.kms_key_id.as_deref(), Some(key.as_str()));
    env.assert_no_changes(t, &sec, &config2).await;
    env.assert_replaces(t, &sec, &env.config(t, &[("name", s("db2"))]), "name")
        .await;

    // A replica is added in place and reads back unchanged.
    let replica_t = env.schema(t).blocks["replica"].block.implied_type();
    let replica = obj(
        &env.schema(t).blocks["replica"].block,
        &[("region", s("us-west-2"))],
    );
    let mut with_replica = config2.as_entries().expect("object").clone();
    with_replica.insert("replica".into(), Value::set(replica_t, vec![replica]));
    let with_replica = Value::object(with_replica);
    let sec = env.update(t, &sec, &with_replica).await;
    let reps = get(&sec, "replica").as_seq().expect("set").to_vec();
    assert_eq!(reps.len(), 1);
    assert_eq!(str_attr(&reps[0], "region"), "us-west-2");
    assert!(!str_attr(&reps[0], "status").is_empty());
    env.assert_no_changes(t, &sec, &with_replica).await;
    let sec = env.update(t, &sec, &config2).await;
    assert!(get(&sec, "replica").as_seq().expect("set").is_empty());
    let d = sm
        .describe_secret()
        .secret_id(&arn)
        .send()
        .await
        .expect("describe");
    assert!(d.replication_status.unwrap_or_default().is_empty());

    // Changed outside cairn.
    sm.update_secret()
        .secret_id(&arn)
        .description("changed")
        .send()
        .await
        .expect("update");
    let drifted = env.read(t, &sec).await.expect("exists");
    assert_eq!(str_attr(&drifted, "description"), "changed");
    let sec = env.update(t, &drifted, &config2).await;
    assert_eq!(str_attr(&sec, "description"), "Database password v2");

    // Scheduled for deletion outside cairn: gone; destroying again is fine.
    sm.delete_secret()
        .secret_id(&arn)
        .recovery_window_in_days(7)
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &sec).await.is_none());
    env.delete(t, &sec).await;

    // recovery_window_in_days = 0 deletes at once; name_prefix.
    let fc = env.config(
        t,
        &[
            ("name_prefix", s("tmp-")),
            ("recovery_window_in_days", Value::int(0)),
        ],
    );
    let f = env.create(t, &fc).await;
    assert!(str_attr(&f, "name").starts_with("tmp-"));
    assert_eq!(str_attr(&f, "name_prefix"), "tmp-");
    env.assert_no_changes(t, &f, &fc).await;
    env.delete(t, &f).await;
    let gone = sm
        .describe_secret()
        .secret_id(str_attr(&f, "arn"))
        .send()
        .await;
    assert!(gone.is_err(), "force-deleted secret still described");
    assert!(env.read(t, &f).await.is_none());
    env.delete(t, &f).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_version_lifecycle() {
    let env = env().await;
    let t = "aws_secretsmanager_secret_version";
    let schema = env.schema(t);
    assert!(schema.attributes["secret_string"].sensitive);
    assert!(schema.attributes["secret_binary"].sensitive);
    assert!(!schema.attributes["version_id"].sensitive);
    let sm = env.secretsmanager();
    let arn = sm
        .create_secret()
        .name("app")
        .send()
        .await
        .expect("secret")
        .arn
        .expect("arn");

    let config = env.config(t, &[("secret_id", s(&arn)), ("secret_string", s("s3cr3t"))]);
    let v = env.create(t, &config).await;
    let vid = str_attr(&v, "version_id");
    assert_eq!(str_attr(&v, "id"), format!("{arn}|{vid}"));
    assert_eq!(str_attr(&v, "arn"), arn);
    assert_eq!(str_attr(&v, "secret_string"), "s3cr3t");
    assert_eq!(set_strings(&v, "version_stages"), vec!["AWSCURRENT"]);
    let got = sm
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.secret_string.as_deref(), Some("s3cr3t"));
    assert_eq!(got.version_id.as_deref(), Some(vid.as_str()));
    env.assert_no_changes(t, &v, &config).await;

    // Staging labels change in place.
    let config2 = env.config(
        t,
        &[
            ("secret_id", s(&arn)),
            ("secret_string", s("s3cr3t")),
            ("version_stages", string_set(&["AWSCURRENT", "blue"])),
        ],
    );
    let v = env.update(t, &v, &config2).await;
    assert_eq!(
        set_strings(&v, "version_stages"),
        vec!["AWSCURRENT", "blue"]
    );
    env.assert_no_changes(t, &v, &config2).await;

    // A new value is a new version.
    let config3 = env.config(t, &[("secret_id", s(&arn)), ("secret_string", s("n3w"))]);
    env.assert_replaces(t, &v, &config3, "secret_string").await;

    // Import as ARN|VERSION.
    let imported = env.import(t, &format!("{arn}|{vid}")).await;
    assert_eq!(str_attr(&imported, "secret_string"), "s3cr3t");
    env.assert_no_changes(t, &imported, &config2).await;
    assert!(env.provider.import(t, "no-pipe").await.is_err());

    // A label removed outside cairn comes back.
    sm.update_secret_version_stage()
        .secret_id(&arn)
        .version_stage("blue")
        .remove_from_version_id(&vid)
        .send()
        .await
        .expect("stage");
    let drifted = env.read(t, &v).await.expect("exists");
    assert_eq!(set_strings(&drifted, "version_stages"), vec!["AWSCURRENT"]);
    let v = env.update(t, &drifted, &config2).await;
    assert_eq!(
        set_strings(&v, "version_stages"),
        vec!["AWSCURRENT", "blue"]
    );

    // The replacement: destroy the old version, create the new one.
    env.delete(t, &v).await;
    let old = env.read(t, &v).await.expect("old version kept");
    assert_eq!(set_strings(&old, "version_stages"), vec!["AWSCURRENT"]);
    let v3 = env.create(t, &config3).await;
    assert_ne!(str_attr(&v3, "version_id"), vid);
    assert_eq!(set_strings(&v3, "version_stages"), vec!["AWSCURRENT"]);
    let got = sm
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.secret_string.as_deref(), Some("n3w"));
    let old = env.read(t, &v).await.expect("old version kept");
    assert_eq!(set_strings(&old, "version_stages"), vec!["AWSPREVIOUS"]);

    // Binary values, base64 in configuration and state.
    let bc = env.config(
        t,
        &[("secret_id", s(&arn)), ("secret_binary", s("AAFiaW4="))],
    );
    let b = env.create(t, &bc).await;
    assert_eq!(str_attr(&b, "secret_binary"), "AAFiaW4=");
    assert!(get(&b, "secret_string").is_null());
    env.assert_no_changes(t, &b, &bc).await;
    let both = env.config(
        t,
        &[
            ("secret_id", s(&arn)),
            ("secret_binary", s("AAFiaW4=")),
            ("secret_string", s("x")),
        ],
    );
    assert!(!env.provider.validate_resource(t, &both).is_empty());

    // The secret deleted outside cairn: its versions are gone.
    sm.delete_secret()
        .secret_id(&arn)
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &v3).await.is_none());
    env.delete(t, &v3).await;
    env.delete(t, &v3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssm_parameter_lifecycle() {
    let env = env().await;
    let t = "aws_ssm_parameter";
    let schema = env.schema(t);
    assert!(schema.attributes["value"].sensitive);
    assert!(!schema.attributes["insecure_value"].sensitive);
    let ssm = env.ssm();
    let name = "/app/db/password";

    let config = env.config(
        t,
        &[
            ("name", s(name)),
            ("type", s("SecureString")),
            ("value", s("hunter2")),
            ("description", s("DB password")),
            ("tags", tags(&[("Name", "db")])),
        ],
    );
    let p = env.create(t, &config).await;
    assert_eq!(str_attr(&p, "id"), name);
    assert_eq!(
        str_attr(&p, "arn"),
        "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password"
    );
    // Read back decrypted.
    assert_eq!(str_attr(&p, "value"), "hunter2");
    assert!(get(&p, "insecure_value").is_null());
    assert_eq!(str_attr(&p, "key_id"), "alias/aws/ssm");
    assert_eq!(str_attr(&p, "tier"), "Standard");
    assert_eq!(str_attr(&p, "data_type"), "text");
    assert_eq!(num(&p, "version"), 1);
    assert_eq!(
        tag_map(&p, "tags_all"),
        map(&[("Environment", "test"), ("Name", "db")])
    );
    env.assert_no_changes(t, &p, &config).await;

    // A new value is a new version, in place.
    let config2 = env.config(
        t,
        &[
            ("name", s(name)),
            ("type", s("SecureString")),
            ("value", s("hunter3")),
            ("description", s("DB password")),
            ("tags", tags(&[("Name", "db"), ("Team", "x")])),
        ],
    );
    let plan = env.plan(t, Some(&p), &config2).await;
    assert!(get(&plan.planned, "version").is_unknown());
    let p = env.update(t, &p, &config2).await;
    assert_eq!(str_attr(&p, "value"), "hunter3");
    assert_eq!(num(&p, "version"), 2);
    let got = ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .expect("get")
        .parameter
        .expect("param");
    assert_eq!(got.value.as_deref(), Some("hunter3"));
    env.assert_no_changes(t, &p, &config2).await;
    // Tags alone do not rewrite the parameter.
    let plan = env
        .plan(
            t,
            Some(&p),
            &env.config(
                t,
                &[
                    ("name", s(name)),
                    ("type", s("SecureString")),
                    ("value", s("hunter3")),
                    ("description", s("DB password")),
                ],
            ),
        )
        .await;
    assert_eq!(num(&plan.planned, "version"), 2);

    // Standard -> Advanced in place; Advanced -> Standard replaces.
    let mut adv = config2.as_entries().expect("object").clone();
    adv.insert("tier".into(), s("Advanced"));
    let adv = Value::object(adv);
    let p = env.update(t, &p, &adv).await;
    assert_eq!(str_attr(&p, "tier"), "Advanced");
    env.assert_no_changes(t, &p, &adv).await;
    let mut std_tier = config2.as_entries().expect("object").clone();
    std_tier.insert("tier".into(), s("Standard"));
    env.assert_replaces(t, &p, &Value::object(std_tier), "tier")
        .await;
    env.assert_replaces(
        t,
        &p,
        &env.config(
            t,
            &[
                ("name", s("/app/other")),
                ("type", s("SecureString")),
                ("value", s("hunter3")),
            ],
        ),
        "name",
    )
    .await;

    // Import by name.
    let imported = env.import(t, name).await;
    assert_eq!(str_attr(&imported, "value"), "hunter3");
    env.assert_no_changes(t, &imported, &adv).await;

    // Overwritten outside cairn.
    ssm.put_parameter()
        .name(name)
        .value("changed")
        .r#type(ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .expect("put");
    let drifted = env.read(t, &p).await.expect("exists");
    assert_eq!(str_attr(&drifted, "value"), "changed");
    assert_eq!(num(&drifted, "version"), 4);
    let p = env.update(t, &drifted, &adv).await;
    assert_eq!(str_attr(&p, "value"), "hunter3");

    // Deleted outside cairn.
    ssm.delete_parameter()
        .name(name)
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &p).await.is_none());
    env.delete(t, &p).await;

    // A plain String with insecure_value; destroy twice.
    let ic = env.config(
        t,
        &[
            ("name", s("plain")),
            ("type", s("String")),
            ("insecure_value", s("visible")),
        ],
    );
    let ip = env.create(t, &ic).await;
    assert_eq!(str_attr(&ip, "insecure_value"), "visible");
    assert!(get(&ip, "value").is_null());
    env.assert_no_changes(t, &ip, &ic).await;
    let mut ic2 = ic.as_entries().expect("object").clone();
    ic2.insert("insecure_value".into(), s("visible2"));
    let ic2 = Value::object(ic2);
    let ip = env.update(t, &ip, &ic2).await;
    assert_eq!(str_attr(&ip, "insecure_value"), "visible2");
    env.delete(t, &ip).await;
    assert!(env.read(t, &ip).await.is_none());
    env.delete(t, &ip).await;

    // Exactly one of value and insecure_value.
    let neither = env.config(t, &[("name", s("x")), ("type", s("String"))]);
    assert!(!env.provider.validate_resource(t, &neither).is_empty());
    let secure_insecure = env.config(
        t,
        &[
            ("name", s("x")),
            ("type", s("SecureString")),
            ("insecure_value", s("v")),
        ],
    );
    assert!(!env
        .provider
        .validate_resource(t, &secure_insecure)
        .is_empty());
}
