//! IAM resources against a real moto server.

mod common;

use aws_sdk_iam::types::Tag;
use cairn_value::Value;
use common::*;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The same trust policy, formatted differently (as jsonencode or a
/// heredoc would write it).
const TRUST_PRETTY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Action": ["sts:AssumeRole"],
      "Effect": "Allow",
      "Principal": { "Service": "ec2.amazonaws.com" }
    }
  ]
}"#;

const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const POLICY2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_lifecycle() {
    let env = env().await;
    let t = "aws_iam_role";
    let config = env.config(
        t,
        &[
            ("name", s("app")),
            ("assume_role_policy", s(TRUST)),
            ("description", s("App role")),
            ("tags", tags(&[("Name", "app")])),
        ],
    );
    let role = env.create(t, &config).await;
    assert_eq!(str_attr(&role, "arn"), "arn:aws:iam::123456789012:role/app");
    assert_eq!(str_attr(&role, "id"), "app");
    assert_eq!(str_attr(&role, "path"), "/");
    assert!(!str_attr(&role, "unique_id").is_empty());
    let created = str_attr(&role, "create_date");
    assert!(created.ends_with('Z') && created.contains('T'), "{created}");
    assert_eq!(
        get(&role, "max_session_duration")
            .as_number()
            .and_then(|n| n.to_i64()),
        Some(3600)
    );
    assert_eq!(str_attr(&role, "assume_role_policy"), TRUST);
    env.assert_no_changes(t, &role, &config).await;

    // A reformatted but equivalent policy is not a change.
    let reformatted = env.config(
        t,
        &[
            ("name", s("app")),
            ("assume_role_policy", s(TRUST_PRETTY)),
            ("description", s("App role")),
            ("tags", tags(&[("Name", "app")])),
        ],
    );
    env.assert_no_changes(t, &role, &reformatted).await;

    // In place: trust policy, description, session duration, tags.
    let config2 = env.config(
        t,
        &[
            ("name", s("app")),
            ("assume_role_policy", s(LAMBDA_TRUST)),
            ("description", s("App role v2")),
            ("max_session_duration", Value::int(7200)),
            ("tags", tags(&[("Name", "app"), ("Team", "x")])),
        ],
    );
    let role = env.update(t, &role, &config2).await;
    assert_eq!(str_attr(&role, "description"), "App role v2");
    assert_eq!(
        tag_map(&role, "tags_all"),
        map(&[("Environment", "test"), ("Name", "app"), ("Team", "x")])
    );
    env.assert_no_changes(t, &role, &config2).await;
    env.assert_replaces(
        t,
        &role,
        &env.config(t, &[("name", s("app2")), ("assume_role_policy", s(TRUST))]),
        "name",
    )
    .await;
    env.assert_replaces(
        t,
        &role,
        &env.config(
            t,
            &[
                ("name", s("app")),
                ("path", s("/svc/")),
                ("assume_role_policy", s(TRUST)),
            ],
        ),
        "path",
    )
    .await;

    // Out-of-band changes.
    let iam = env.iam();
    iam.tag_role()
        .role_name("app")
        .tags(Tag::builder().key("Extra").value("1").build().expect("tag"))
        .send()
        .await
        .expect("tag");
    iam.update_assume_role_policy()
        .role_name("app")
        .policy_document(TRUST)
        .send()
        .await
        .expect("trust");
    let drifted = env.read(t, &role).await.expect("exists");
    assert!(tag_map(&drifted, "tags").contains_key("Extra"));
    assert!(str_attr(&drifted, "assume_role_policy").contains("ec2.amazonaws.com"));
    let role = env.update(t, &drifted, &config2).await;
    assert!(!tag_map(&role, "tags_all").contains_key("Extra"));

    // Import by name.
    let imported = env.import(t, "app").await;
    assert_eq!(str_attr(&imported, "arn"), str_attr(&role, "arn"));
    env.assert_no_changes(t, &imported, &config2).await;

    // Deleted outside cairn.
    iam.delete_role()
        .role_name("app")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &role).await.is_none());
    env.delete(t, &role).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_and_attachment_lifecycle() {
    let env = env().await;
    let t = "aws_iam_policy";
    let config = env.config(
        t,
        &[
            ("name", s("read")),
            ("description", s("Read objects")),
            ("policy", s(POLICY)),
        ],
    );
    let p = env.create(t, &config).await;
    let arn = str_attr(&p, "arn");
    assert_eq!(arn, "arn:aws:iam::123456789012:policy/read");
    assert_eq!(str_attr(&p, "id"), arn);
    assert!(!str_attr(&p, "policy_id").is_empty());
    assert_eq!(
        get(&p, "attachment_count")
            .as_number()
            .and_then(|n| n.to_i64()),
        Some(0)
    );
    env.assert_no_changes(t, &p, &config).await;

    // A new document is a new default version, in place.
    let config2 = env.config(
        t,
        &[
            ("name", s("read")),
            ("description", s("Read objects")),
            ("policy", s(POLICY2)),
            ("tags", tags(&[("Name", "read")])),
        ],
    );
    let p = env.update(t, &p, &config2).await;
    assert_eq!(str_attr(&p, "policy"), POLICY2);
    env.assert_no_changes(t, &p, &config2).await;
    env.assert_replaces(
        t,
        &p,
        &env.config(
            t,
            &[
                ("name", s("read")),
                ("description", s("Other")),
                ("policy", s(POLICY2)),
            ],
        ),
        "description",
    )
    .await;
    // Six updates stay within IAM's five stored versions.
    let mut p = p;
    for i in 0..5 {
        let doc = POLICY.replace("*", &format!("arn:aws:s3:::b{i}/*"));
        p = env
            .update(
                t,
                &p,
                &env.config(
                    t,
                    &[
                        ("name", s("read")),
                        ("description", s("Read objects")),
                        ("policy", s(&doc)),
                        ("tags", tags(&[("Name", "read")])),
                    ],
                ),
            )
            .await;
    }
    let p = env.update(t, &p, &config2).await;

    // Role and attachment.
    let role = env
        .create(
            "aws_iam_role",
            &env.config(
                "aws_iam_role",
                &[("name", s("svc")), ("assume_role_policy", s(TRUST))],
            ),
        )
        .await;
    let ta = "aws_iam_role_policy_attachment";
    let aconfig = env.config(ta, &[("role", s("svc")), ("policy_arn", s(&arn))]);
    let a = env.create(ta, &aconfig).await;
    assert!(str_attr(&a, "id").starts_with("svc-"));
    env.assert_no_changes(ta, &a, &aconfig).await;
    env.assert_replaces(
        ta,
        &a,
        &env.config(ta, &[("role", s("other")), ("policy_arn", s(&arn))]),
        "role",
    )
    .await;
    let refreshed = env.read(t, &p).await.expect("policy exists");
    assert_eq!(
        get(&refreshed, "attachment_count")
            .as_number()
            .and_then(|n| n.to_i64()),
        Some(1)
    );
    let role_read = env.read("aws_iam_role", &role).await.expect("role exists");
    assert_eq!(
        get(&role_read, "managed_policy_arns")
            .as_seq()
            .map(|s| s.len()),
        Some(1)
    );
    let imported = env.import(ta, &format!("svc/{arn}")).await;
    assert_eq!(str_attr(&imported, "policy_arn"), arn);

    // Out-of-band change to the policy document (making room first: the
    // updates above left five versions).
    let versions = env
        .iam()
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .expect("versions");
    let old = versions
        .versions
        .unwrap_or_default()
        .into_iter()
        .find(|v| !v.is_default_version)
        .and_then(|v| v.version_id)
        .expect("a non-default version");
    env.iam()
        .delete_policy_version()
        .policy_arn(&arn)
        .version_id(old)
        .send()
        .await
        .expect("delete version");
    env.iam()
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(POLICY)
        .set_as_default(true)
        .send()
        .await
        .expect("version");
    let drifted = env.read(t, &p).await.expect("exists");
    assert_eq!(str_attr(&drifted, "policy"), POLICY);
    let imported = env.import(t, &arn).await;
    assert_eq!(str_attr(&imported, "name"), "read");

    // Detached outside cairn: the attachment reads as gone.
    env.iam()
        .detach_role_policy()
        .role_name("svc")
        .policy_arn(&arn)
        .send()
        .await
        .expect("detach");
    assert!(env.read(ta, &a).await.is_none());
    env.delete(ta, &a).await;

    // Attached again outside cairn; force_detach_policies lets the role go
    // with it. (moto, unlike AWS, would also delete an attached policy, so
    // the DeleteConflict path is covered by the error unit tests.)
    env.iam()
        .attach_role_policy()
        .role_name("svc")
        .policy_arn(&arn)
        .send()
        .await
        .expect("attach");
    let role = env
        .update(
            "aws_iam_role",
            &role_read,
            &env.config(
                "aws_iam_role",
                &[
                    ("name", s("svc")),
                    ("assume_role_policy", s(TRUST)),
                    ("force_detach_policies", Value::bool(true)),
                ],
            ),
        )
        .await;
    env.delete("aws_iam_role", &role).await;
    // The policy deleted outside cairn reads as gone; destroying it then
    // succeeds.
    env.iam()
        .delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect("delete policy");
    assert!(env.read(t, &drifted).await.is_none());
    env.delete(t, &drifted).await;

    // Destroying a policy with several versions removes them first.
    let q = env
        .create(
            t,
            &env.config(t, &[("name_prefix", s("tmp-")), ("policy", s(POLICY))]),
        )
        .await;
    assert!(str_attr(&q, "name").starts_with("tmp-"));
    let q = env
        .update(
            t,
            &q,
            &env.config(t, &[("name_prefix", s("tmp-")), ("policy", s(POLICY2))]),
        )
        .await;
    env.delete(t, &q).await;
    assert!(env.read(t, &q).await.is_none());
}
