//! S3 bucket policies and objects against a real moto server.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Tag, Tagging};
use cairn_value::Value;
use common::*;

async fn bucket(env: &Env, name: &str) -> Value {
    env.create(
        "aws_s3_bucket",
        &env.config(
            "aws_s3_bucket",
            &[("bucket", s(name)), ("force_destroy", Value::bool(true))],
        ),
    )
    .await
}

fn policy_doc(bucket: &str, action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"read","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":"{action}","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_policy_lifecycle() {
    let env = env().await;
    bucket(&env, "policy-bucket").await;
    bucket(&env, "policy-bucket-2").await;
    let t = "aws_s3_bucket_policy";
    let doc = policy_doc("policy-bucket", "s3:GetObject");
    let config = env.config(t, &[("bucket", s("policy-bucket")), ("policy", s(&doc))]);
    let p = env.create(t, &config).await;
    assert_eq!(str_attr(&p, "id"), "policy-bucket");
    assert_eq!(str_attr(&p, "policy"), doc);
    env.assert_no_changes(t, &p, &config).await;

    // The same document written differently is no change.
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(&doc).expect("json"),
    )
    .expect("json");
    let reformatted = env.config(t, &[("bucket", s("policy-bucket")), ("policy", s(&pretty))]);
    env.assert_no_changes(t, &p, &reformatted).await;

    // A different document updates in place; another bucket replaces.
    let doc2 = policy_doc("policy-bucket", "s3:PutObject");
    let config2 = env.config(t, &[("bucket", s("policy-bucket")), ("policy", s(&doc2))]);
    let p = env.update(t, &p, &config2).await;
    let remote = env
        .s3()
        .get_bucket_policy()
        .bucket("policy-bucket")
        .send()
        .await
        .expect("policy")
        .policy
        .unwrap_or_default();
    assert!(remote.contains("s3:PutObject"), "{remote}");
    env.assert_no_changes(t, &p, &config2).await;
    env.assert_replaces(
        t,
        &p,
        &env.config(
            t,
            &[
                ("bucket", s("policy-bucket-2")),
                ("policy", s(&policy_doc("policy-bucket-2", "s3:PutObject"))),
            ],
        ),
        "bucket",
    )
    .await;

    // Import by bucket name.
    let imported = env.import(t, "policy-bucket").await;
    assert!(str_attr(&imported, "policy").contains("s3:PutObject"));
    env.assert_no_changes(t, &imported, &config2).await;

    // Changed outside cairn.
    env.s3()
        .put_bucket_policy()
        .bucket("policy-bucket")
        .policy(policy_doc("policy-bucket", "s3:DeleteObject"))
        .send()
        .await
        .expect("put");
    let drifted = env.read(t, &p).await.expect("exists");
    assert!(str_attr(&drifted, "policy").contains("s3:DeleteObject"));
    let p = env.update(t, &drifted, &config2).await;
    assert!(str_attr(&p, "policy").contains("s3:PutObject"));

    // Destroy; then it reads as gone and a second destroy succeeds.
    env.delete(t, &p).await;
    assert!(env.read(t, &p).await.is_none());
    env.delete(t, &p).await;

    // Deleted outside cairn.
    let p = env.create(t, &config2).await;
    env.s3()
        .delete_bucket_policy()
        .bucket("policy-bucket")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &p).await.is_none());
    env.delete(t, &p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_lifecycle() {
    let env = env().await;
    bucket(&env, "object-bucket").await;
    let t = "aws_s3_object";
    let key = "dir/hello.txt";
    let config = env.config(
        t,
        &[
            ("bucket", s("object-bucket")),
            ("key", s(key)),
            ("content", s("hello")),
            ("content_type", s("text/plain")),
            ("metadata", tags(&[("owner", "me")])),
            ("tags", tags(&[("Name", "obj")])),
        ],
    );
    let o = env.create(t, &config).await;
    assert_eq!(str_attr(&o, "id"), key);
    assert_eq!(
        str_attr(&o, "arn"),
        format!("arn:aws:s3:::object-bucket/{key}")
    );
    // MD5 of "hello".
    assert_eq!(str_attr(&o, "etag"), "5d41402abc4b2a76b9719d911017c592");
    assert_eq!(str_attr(&o, "content_type"), "text/plain");
    assert_eq!(str_attr(&o, "storage_class"), "STANDARD");
    assert_eq!(tag_map(&o, "metadata"), map(&[("owner", "me")]));
    assert_eq!(
        tag_map(&o, "tags_all"),
        map(&[("Environment", "test"), ("Name", "obj")])
    );
    env.assert_no_changes(t, &o, &config).await;

    // New content uploads again, in place; the ETag follows.
    let with =
        |pairs: &[(&'static str, Value)]| cairn_provider::with_attrs(&config, pairs.to_vec());
    let config2 = with(&[("content", s("hello world"))]);
    let plan = env.plan(t, Some(&o), &config2).await;
    assert!(plan.requires_replace.is_empty());
    assert!(get(&plan.planned, "etag").is_unknown());
    let o = env.update(t, &o, &config2).await;
    assert_eq!(str_attr(&o, "etag"), "5eb63bbbe01eeed093cb22bb8f5acdc3");
    let body = env
        .s3()
        .get_object()
        .bucket("object-bucket")
        .key(key)
        .send()
        .await
        .expect("get")
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes();
    assert_eq!(&body[..], b"hello world");
    env.assert_no_changes(t, &o, &config2).await;

    // Tags alone change without an upload.
    let config3 = with(&[
        ("content", s("hello world")),
        ("tags", tags(&[("Name", "obj3")])),
    ]);
    let o = env.update(t, &o, &config3).await;
    assert_eq!(str_attr(&o, "etag"), "5eb63bbbe01eeed093cb22bb8f5acdc3");
    let remote_tags = env
        .s3()
        .get_object_tagging()
        .bucket("object-bucket")
        .key(key)
        .send()
        .await
        .expect("tags")
        .tag_set;
    assert!(remote_tags
        .iter()
        .any(|t| t.key == "Name" && t.value == "obj3"));
    env.assert_no_changes(t, &o, &config3).await;
    env.assert_replaces(t, &o, &with(&[("key", s("other.txt"))]), "key")
        .await;
    env.assert_replaces(t, &o, &with(&[("bucket", s("another-bucket"))]), "bucket")
        .await;

    // Import as bucket/key and as an s3:// URL; both plan no change.
    for id in [
        format!("object-bucket/{key}"),
        format!("s3://object-bucket/{key}"),
    ] {
        let imported = env.import(t, &id).await;
        assert_eq!(str_attr(&imported, "bucket"), "object-bucket");
        assert_eq!(str_attr(&imported, "key"), key);
        assert_eq!(str_attr(&imported, "content"), "hello world");
        env.assert_no_changes(t, &imported, &config3).await;
    }

    // Changed outside cairn: the body and the tags.
    env.s3()
        .put_object()
        .bucket("object-bucket")
        .key(key)
        .body(ByteStream::from_static(b"tampered"))
        .content_type("text/plain")
        .metadata("owner", "me")
        .send()
        .await
        .expect("put");
    env.s3()
        .put_object_tagging()
        .bucket("object-bucket")
        .key(key)
        .tagging(
            Tagging::builder()
                .tag_set(
                    Tag::builder()
                        .key("Owner")
                        .value("someone")
                        .build()
                        .expect("tag"),
                )
                .build()
                .expect("tagging"),
        )
        .send()
        .await
        .expect("tag");
    let drifted = env.read(t, &o).await.expect("exists");
    assert_eq!(str_attr(&drifted, "content"), "tampered");
    assert_eq!(tag_map(&drifted, "tags_all"), map(&[("Owner", "someone")]));
    let plan = env.plan(t, Some(&drifted), &config3).await;
    assert_eq!(str_attr(&plan.planned, "content"), "hello world");
    let o = env.update(t, &drifted, &config3).await;
    assert_eq!(str_attr(&o, "etag"), "5eb63bbbe01eeed093cb22bb8f5acdc3");
    assert_eq!(
        tag_map(&o, "tags_all"),
        map(&[("Environment", "test"), ("Name", "obj3")])
    );

    // Destroy; a second destroy of the deleted object succeeds.
    env.delete(t, &o).await;
    assert!(env.read(t, &o).await.is_none());
    env.delete(t, &o).await;

    // Binary content, deleted outside cairn.
    let bin = env.config(
        t,
        &[
            ("bucket", s("object-bucket")),
            ("key", s("bin")),
            ("content_base64", s("AAEC/w==")),
        ],
    );
    let o = env.create(t, &bin).await;
    assert_eq!(str_attr(&o, "content_base64"), "AAEC/w==");
    // content_type is computed: whatever S3 stored for the upload.
    let head = env
        .s3()
        .head_object()
        .bucket("object-bucket")
        .key("bin")
        .send()
        .await
        .expect("head");
    assert_eq!(Some(str_attr(&o, "content_type")), head.content_type);
    assert_eq!(head.content_length, Some(4));
    env.assert_no_changes(t, &o, &bin).await;
    env.s3()
        .delete_object()
        .bucket("object-bucket")
        .key("bin")
        .send()
        .await
        .expect("rm");
    assert!(env.read(t, &o).await.is_none());
    env.delete(t, &o).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_from_source_file_with_source_hash() {
    let env = env().await;
    bucket(&env, "source-bucket").await;
    let t = "aws_s3_object";
    let dir = std::env::temp_dir().join(format!("cairn-s3-object-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("site.html");
    std::fs::write(&path, b"<h1>v1</h1>").expect("write");
    let path_s = path.to_string_lossy().to_string();
    let config = |hash: &str| {
        env.config(
            t,
            &[
                ("bucket", s("source-bucket")),
                ("key", s("index.html")),
                ("source", s(&path_s)),
                ("source_hash", s(hash)),
                ("content_type", s("text/html")),
            ],
        )
    };
    let o = env.create(t, &config("v1")).await;
    assert_eq!(str_attr(&o, "source"), path_s);
    assert!(get(&o, "content").is_null());
    env.assert_no_changes(t, &o, &config("v1")).await;

    // A new file with a new source_hash uploads again.
    std::fs::write(&path, b"<h1>v2</h1>").expect("write");
    let o = env.update(t, &o, &config("v2")).await;
    let body = env
        .s3()
        .get_object()
        .bucket("source-bucket")
        .key("index.html")
        .send()
        .await
        .expect("get")
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes();
    assert_eq!(&body[..], b"<h1>v2</h1>");
    env.assert_no_changes(t, &o, &config("v2")).await;
    env.delete(t, &o).await;
    assert!(env.read(t, &o).await.is_none());
    std::fs::remove_dir_all(&dir).ok();
}
