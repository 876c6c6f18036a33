//! KMS key source against a real moto server. One test function: the
//! SDK reads its endpoint and credentials from the process environment,
//! which is set once here.

use cairn_kms::{KmsKey, Purpose};
use cairn_moto::Moto;
use cairn_secrets::{KeyHeader, KeyKind, KeyProvider};

fn create_key(moto: &Moto) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(moto.endpoint())
            .load()
            .await;
        let c = aws_sdk_kms::Client::new(&conf);
        let k = c.create_key().send().await.expect("create key");
        let id = k.key_metadata().expect("metadata").key_id().to_string();
        c.create_alias()
            .alias_name("alias/cairn-test")
            .target_key_id(&id)
            .send()
            .await
            .expect("alias");
        id
    })
}

#[test]
fn data_keys_round_trip_and_are_bound_to_their_purpose() {
    let moto = Moto::start().expect("moto");
    std::env::set_var("AWS_ENDPOINT_URL", moto.endpoint());
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::remove_var("AWS_PROFILE");
    let key_id = create_key(&moto);

    // Made through the alias; the header names the key's ARN.
    let src = KmsKey::new("alias/cairn-test", Purpose::State);
    assert_eq!(src.kind(), KeyKind::Kms);
    let (header, key) = src.create().expect("generate data key");
    let KeyHeader::Kms {
        key_id: arn,
        encrypted_data_key,
    } = &header
    else {
        panic!("not a KMS header: {header:?}");
    };
    assert!(arn.contains(&key_id), "{arn} names {key_id}");
    assert!(!encrypted_data_key.is_empty());

    // Unwrapped by anyone allowed to Decrypt, with only the header.
    let again = KmsKey::unwrap_only(Purpose::State)
        .unlock(&header)
        .expect("decrypt data key");
    assert_eq!(again.as_bytes(), key.as_bytes());

    // Two data keys differ.
    let (_, other) = src.create().expect("second data key");
    assert_ne!(other.as_bytes(), key.as_bytes());

    // A state data key is not a secrets-file data key.
    let err = KmsKey::unwrap_only(Purpose::Secrets)
        .unlock(&header)
        .expect_err("wrong encryption context");
    assert!(err.to_string().contains("Decrypt"), "{err}");

    // A damaged blob is refused with a message, not a panic.
    let damaged = KeyHeader::Kms {
        key_id: arn.clone(),
        encrypted_data_key: "not base64!".into(),
    };
    let err = KmsKey::unwrap_only(Purpose::State)
        .unlock(&damaged)
        .expect_err("damaged");
    assert!(err.to_string().contains("not valid base64"), "{err}");

    // A key that does not exist names the key and what to check.
    let err = KmsKey::new("alias/does-not-exist", Purpose::State)
        .create()
        .expect_err("no such key");
    let msg = err.to_string();
    assert!(msg.contains("alias/does-not-exist"), "{msg}");
    assert!(msg.contains("GenerateDataKey"), "{msg}");

    // Only unwrapping: no key to make new data keys with.
    assert!(KmsKey::unwrap_only(Purpose::State).create().is_err());
}
