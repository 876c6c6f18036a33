//! S3 resources against a real moto server.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, PublicAccessBlockConfiguration, Tag, Tagging, VersioningConfiguration,
};
use cairn_value::Value;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_lifecycle() {
    let env = env().await;
    let t = "aws_s3_bucket";
    let config = env.config(
        t,
        &[
            ("bucket", s("cairn-test-bucket")),
            ("tags", tags(&[("Name", "b")])),
        ],
    );
    let b = env.create(t, &config).await;
    assert_eq!(str_attr(&b, "id"), "cairn-test-bucket");
    assert_eq!(str_attr(&b, "arn"), "arn:aws:s3:::cairn-test-bucket");
    assert_eq!(
        str_attr(&b, "bucket_domain_name"),
        "cairn-test-bucket.s3.amazonaws.com"
    );
    assert_eq!(
        str_attr(&b, "bucket_regional_domain_name"),
        "cairn-test-bucket.s3.us-east-1.amazonaws.com"
    );
    assert_eq!(str_attr(&b, "region"), "us-east-1");
    assert_eq!(str_attr(&b, "hosted_zone_id"), "Z3AQBSTGFYJSTF");
    assert_eq!(get(&b, "force_destroy").as_bool(), Some(false));
    assert_eq!(
        tag_map(&b, "tags_all"),
        map(&[("Environment", "test"), ("Name", "b")])
    );
    env.assert_no_changes(t, &b, &config).await;

    // Tags and force_destroy change in place; the name forces a new bucket.
    let config2 = env.config(
        t,
        &[
            ("bucket", s("cairn-test-bucket")),
            ("force_destroy", Value::bool(true)),
            ("tags", tags(&[("Name", "b2")])),
        ],
    );
    let b = env.update(t, &b, &config2).await;
    assert_eq!(tag_map(&b, "tags"), map(&[("Name", "b2")]));
    env.assert_no_changes(t, &b, &config2).await;
    env.assert_replaces(
        t,
        &b,
        &env.config(t, &[("bucket", s("other-bucket"))]),
        "bucket",
    )
    .await;

    // Tags changed outside cairn.
    env.s3()
        .put_bucket_tagging()
        .bucket("cairn-test-bucket")
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
    let drifted = env.read(t, &b).await.expect("exists");
    assert_eq!(tag_map(&drifted, "tags_all"), map(&[("Owner", "someone")]));
    let b = env.update(t, &drifted, &config2).await;
    assert_eq!(
        tag_map(&b, "tags_all"),
        map(&[("Environment", "test"), ("Name", "b2")])
    );

    // Import by name.
    let imported = env.import(t, "cairn-test-bucket").await;
    assert_eq!(str_attr(&imported, "arn"), "arn:aws:s3:::cairn-test-bucket");
    assert_eq!(tag_map(&imported, "tags_all"), tag_map(&b, "tags_all"));

    // force_destroy empties the bucket, versions included.
    env.s3()
        .put_object()
        .bucket("cairn-test-bucket")
        .key("a/b.txt")
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await
        .expect("put");
    env.delete(t, &b).await;
    assert!(env.read(t, &b).await.is_none());
    env.delete(t, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_with_generated_name_and_non_empty_delete() {
    let env = env().await;
    let t = "aws_s3_bucket";
    let b = env
        .create(t, &env.config(t, &[("bucket_prefix", s("logs-"))]))
        .await;
    let name = str_attr(&b, "bucket");
    assert!(name.starts_with("logs-") && name.len() == 5 + 26, "{name}");
    assert_eq!(str_attr(&b, "bucket_prefix"), "logs-");
    env.s3()
        .put_object()
        .bucket(&name)
        .key("x")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .expect("put");
    // Without force_destroy a non-empty bucket is refused, with a hint.
    let err = env
        .provider
        .apply(cairn_provider::ApplyRequest {
            type_name: t.into(),
            prior: Some(b.clone()),
            planned: None,
            config: Value::dynamic_null(),
            idempotency_key: None,
        })
        .await
        .expect_err("bucket is not empty");
    assert_eq!(err.code.as_deref(), Some("BucketNotEmpty"));
    assert!(err.hint.is_some_and(|h| h.contains("force_destroy")));
    // Deleted outside cairn: read says gone.
    env.s3()
        .delete_object()
        .bucket(&name)
        .key("x")
        .send()
        .await
        .expect("rm");
    env.s3()
        .delete_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("rb");
    assert!(env.read(t, &b).await.is_none());
    env.delete(t, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_versioning_encryption_and_public_access_block() {
    let env = env().await;
    let bucket = env
        .create(
            "aws_s3_bucket",
            &env.config("aws_s3_bucket", &[("bucket", s("cfg-bucket"))]),
        )
        .await;

    // Versioning.
    let t = "aws_s3_bucket_versioning";
    let vschema = env.schema(t);
    let vc = |status: &str| {
        let b = &vschema.blocks["versioning_configuration"].block;
        Value::list(b.implied_type(), vec![obj(b, &[("status", s(status))])])
    };
    let config = env.config(
        t,
        &[
            ("bucket", s("cfg-bucket")),
            ("versioning_configuration", vc("Enabled")),
        ],
    );
    let v = env.create(t, &config).await;
    assert_eq!(str_attr(&v, "id"), "cfg-bucket");
    env.assert_no_changes(t, &v, &config).await;
    let config2 = env.config(
        t,
        &[
            ("bucket", s("cfg-bucket")),
            ("versioning_configuration", vc("Suspended")),
        ],
    );
    let v = env.update(t, &v, &config2).await;
    env.assert_no_changes(t, &v, &config2).await;
    env.assert_replaces(
        t,
        &v,
        &env.config(
            t,
            &[
                ("bucket", s("other")),
                ("versioning_configuration", vc("Suspended")),
            ],
        ),
        "bucket",
    )
    .await;
    env.s3()
        .put_bucket_versioning()
        .bucket("cfg-bucket")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    let drifted = env.read(t, &v).await.expect("exists");
    let status = get(&drifted, "versioning_configuration")
        .as_seq()
        .expect("list")[0]
        .get_attr("status")
        .and_then(|x| x.as_str().map(str::to_string));
    assert_eq!(status.as_deref(), Some("Enabled"));
    let imported = env.import(t, "cfg-bucket").await;
    assert_eq!(str_attr(&imported, "bucket"), "cfg-bucket");

    // Server-side encryption.
    let t = "aws_s3_bucket_server_side_encryption_configuration";
    let eschema = env.schema(t);
    let rule_schema = &eschema.blocks["rule"].block;
    let dflt_schema = &rule_schema.blocks["apply_server_side_encryption_by_default"].block;
    let rule = |alg: &str, key: Option<&str>| {
        let mut attrs = vec![("sse_algorithm", s(alg))];
        if let Some(k) = key {
            attrs.push(("kms_master_key_id", s(k)));
        }
        let d = Value::list(dflt_schema.implied_type(), vec![obj(dflt_schema, &attrs)]);
        Value::set(
            rule_schema.implied_type(),
            vec![obj(
                rule_schema,
                &[("apply_server_side_encryption_by_default", d)],
            )],
        )
    };
    let config = env.config(
        t,
        &[("bucket", s("cfg-bucket")), ("rule", rule("AES256", None))],
    );
    let e = env.create(t, &config).await;
    env.assert_no_changes(t, &e, &config).await;
    let config2 = env.config(
        t,
        &[
            ("bucket", s("cfg-bucket")),
            ("rule", rule("aws:kms", Some("alias/aws/s3"))),
        ],
    );
    let e = env.update(t, &e, &config2).await;
    env.assert_no_changes(t, &e, &config2).await;
    env.s3()
        .delete_bucket_encryption()
        .bucket("cfg-bucket")
        .send()
        .await
        .expect("delete");
    let gone = env.read(t, &e).await;
    // AWS keeps SSE-S3 as the default after a delete; moto reports none.
    if let Some(g) = &gone {
        assert!(!g.raw_equal(&e), "the change must be visible");
    }
    let e = env
        .update(t, &gone.unwrap_or_else(|| e.clone()), &config2)
        .await;
    let imported = env.import(t, "cfg-bucket").await;
    assert_same(t, &e, &imported);
    env.delete(t, &e).await;
    env.delete(t, &e).await;

    // Public access block.
    let t = "aws_s3_bucket_public_access_block";
    let config = env.config(
        t,
        &[
            ("bucket", s("cfg-bucket")),
            ("block_public_acls", Value::bool(true)),
            ("block_public_policy", Value::bool(true)),
        ],
    );
    let p = env.create(t, &config).await;
    assert_eq!(get(&p, "ignore_public_acls").as_bool(), Some(false));
    env.assert_no_changes(t, &p, &config).await;
    let config2 = env.config(
        t,
        &[
            ("bucket", s("cfg-bucket")),
            ("block_public_acls", Value::bool(true)),
            ("block_public_policy", Value::bool(true)),
            ("ignore_public_acls", Value::bool(true)),
            ("restrict_public_buckets", Value::bool(true)),
        ],
    );
    let p = env.update(t, &p, &config2).await;
    env.assert_no_changes(t, &p, &config2).await;
    env.s3()
        .put_public_access_block()
        .bucket("cfg-bucket")
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(false)
                .build(),
        )
        .send()
        .await
        .expect("pab");
    let drifted = env.read(t, &p).await.expect("exists");
    assert_eq!(get(&drifted, "block_public_acls").as_bool(), Some(false));
    let imported = env.import(t, "cfg-bucket").await;
    assert_eq!(get(&imported, "block_public_acls").as_bool(), Some(false));
    env.s3()
        .delete_public_access_block()
        .bucket("cfg-bucket")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &p).await.is_none());
    env.delete(t, &p).await;

    // Versioning of a deleted bucket reads as gone; deleting is a no-op.
    env.delete("aws_s3_bucket_versioning", &v).await;
    env.delete("aws_s3_bucket", &bucket).await;
    assert!(env.read("aws_s3_bucket_versioning", &v).await.is_none());
    env.delete("aws_s3_bucket_versioning", &v).await;
}
