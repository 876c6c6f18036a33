//! aws_iam_role_policy and aws_iam_instance_profile against a real moto server.

mod common;

use aws_sdk_iam::types::Tag;
use common::*;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const POLICY_PRETTY: &str = r#"{
  "Statement": [
    { "Resource": "*", "Action": ["s3:GetObject"], "Effect": "Allow" }
  ],
  "Version": "2012-10-17"
}"#;
const POLICY2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#;

async fn make_role(env: &Env, name: &str) {
    env.iam()
        .create_role()
        .role_name(name)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("create role");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_policy_lifecycle() {
    let env = env().await;
    let t = "aws_iam_role_policy";
    make_role(&env, "app").await;
    make_role(&env, "other").await;
    let iam = env.iam();

    let config = env.config(
        t,
        &[
            ("role", s("app")),
            ("name", s("inline")),
            ("policy", s(POLICY)),
        ],
    );
    let p = env.create(t, &config).await;
    assert_eq!(str_attr(&p, "id"), "app:inline");
    assert_eq!(str_attr(&p, "name"), "inline");
    assert_eq!(str_attr(&p, "role"), "app");
    assert_eq!(str_attr(&p, "policy"), POLICY);
    assert!(get(&p, "name_prefix").is_null());
    let remote = iam
        .get_role_policy()
        .role_name("app")
        .policy_name("inline")
        .send()
        .await
        .expect("get");
    assert!(remote.policy_document.contains("s3"));
    env.assert_no_changes(t, &p, &config).await;
    // The same document written differently is not a change.
    let pretty = env.config(
        t,
        &[
            ("role", s("app")),
            ("name", s("inline")),
            ("policy", s(POLICY_PRETTY)),
        ],
    );
    env.assert_no_changes(t, &p, &pretty).await;

    // The document changes in place.
    let config2 = env.config(
        t,
        &[
            ("role", s("app")),
            ("name", s("inline")),
            ("policy", s(POLICY2)),
        ],
    );
    let p = env.update(t, &p, &config2).await;
    assert_eq!(str_attr(&p, "policy"), POLICY2);
    env.assert_no_changes(t, &p, &config2).await;

    // Role and name force a new policy.
    env.assert_replaces(
        t,
        &p,
        &env.config(
            t,
            &[
                ("role", s("other")),
                ("name", s("inline")),
                ("policy", s(POLICY2)),
            ],
        ),
        "role",
    )
    .await;
    env.assert_replaces(
        t,
        &p,
        &env.config(
            t,
            &[
                ("role", s("app")),
                ("name", s("renamed")),
                ("policy", s(POLICY2)),
            ],
        ),
        "name",
    )
    .await;

    // Import by ROLE:NAME.
    let imported = env.import(t, "app:inline").await;
    assert_eq!(str_attr(&imported, "role"), "app");
    assert_eq!(str_attr(&imported, "name"), "inline");
    env.assert_no_changes(t, &imported, &config2).await;
    assert!(env.provider.import(t, "no-colon").await.is_err());

    // Changed outside cairn: the drift shows and the update puts it back.
    iam.put_role_policy()
        .role_name("app")
        .policy_name("inline")
        .policy_document(POLICY)
        .send()
        .await
        .expect("put");
    let drifted = env.read(t, &p).await.expect("exists");
    assert!(!str_attr(&drifted, "policy").contains("ListBucket"));
    let p = env.update(t, &drifted, &config2).await;
    let remote = iam
        .get_role_policy()
        .role_name("app")
        .policy_name("inline")
        .send()
        .await
        .expect("get");
    assert!(remote.policy_document.contains("ListBucket"));

    // name_prefix generates the name.
    let pc = env.config(
        t,
        &[
            ("role", s("app")),
            ("name_prefix", s("pfx-")),
            ("policy", s(POLICY)),
        ],
    );
    let pp = env.create(t, &pc).await;
    assert!(str_attr(&pp, "name").starts_with("pfx-"));
    assert_eq!(str_attr(&pp, "name_prefix"), "pfx-");
    env.assert_no_changes(t, &pp, &pc).await;
    env.delete(t, &pp).await;

    // Deleted outside cairn.
    iam.delete_role_policy()
        .role_name("app")
        .policy_name("inline")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &p).await.is_none());
    env.delete(t, &p).await;
    env.delete(t, &p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_profile_lifecycle() {
    let env = env().await;
    let t = "aws_iam_instance_profile";
    make_role(&env, "r1").await;
    make_role(&env, "r2").await;
    let iam = env.iam();
    let roles_of = |name: &'static str| {
        let iam = iam.clone();
        async move {
            iam.get_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .expect("get profile")
                .instance_profile
                .expect("profile")
                .roles
                .into_iter()
                .map(|r| r.role_name)
                .collect::<Vec<_>>()
        }
    };

    let config = env.config(
        t,
        &[
            ("name", s("web")),
            ("role", s("r1")),
            ("tags", tags(&[("Name", "web")])),
        ],
    );
    let p = env.create(t, &config).await;
    assert_eq!(str_attr(&p, "id"), "web");
    assert_eq!(
        str_attr(&p, "arn"),
        "arn:aws:iam::123456789012:instance-profile/web"
    );
    assert_eq!(str_attr(&p, "path"), "/");
    assert_eq!(str_attr(&p, "role"), "r1");
    assert!(!str_attr(&p, "unique_id").is_empty());
    let created = str_attr(&p, "create_date");
    assert!(created.ends_with('Z') && created.contains('T'), "{created}");
    assert_eq!(
        tag_map(&p, "tags_all"),
        map(&[("Environment", "test"), ("Name", "web")])
    );
    assert_eq!(roles_of("web").await, vec!["r1".to_string()]);
    env.assert_no_changes(t, &p, &config).await;

    // Role and tags change in place.
    let config2 = env.config(
        t,
        &[
            ("name", s("web")),
            ("role", s("r2")),
            ("tags", tags(&[("Name", "web"), ("Tier", "front")])),
        ],
    );
    let p = env.update(t, &p, &config2).await;
    assert_eq!(str_attr(&p, "role"), "r2");
    assert_eq!(roles_of("web").await, vec!["r2".to_string()]);
    assert_eq!(
        tag_map(&p, "tags"),
        map(&[("Name", "web"), ("Tier", "front")])
    );
    env.assert_no_changes(t, &p, &config2).await;

    // Name and path force a new profile.
    env.assert_replaces(
        t,
        &p,
        &env.config(t, &[("name", s("web2")), ("role", s("r2"))]),
        "name",
    )
    .await;
    env.assert_replaces(
        t,
        &p,
        &env.config(
            t,
            &[("name", s("web")), ("path", s("/svc/")), ("role", s("r2"))],
        ),
        "path",
    )
    .await;

    // Import by name.
    let imported = env.import(t, "web").await;
    assert_eq!(str_attr(&imported, "arn"), str_attr(&p, "arn"));
    assert_eq!(str_attr(&imported, "role"), "r2");
    env.assert_no_changes(t, &imported, &config2).await;

    // Changed outside cairn: role removed, tag added.
    iam.remove_role_from_instance_profile()
        .instance_profile_name("web")
        .role_name("r2")
        .send()
        .await
        .expect("remove role");
    iam.tag_instance_profile()
        .instance_profile_name("web")
        .tags(Tag::builder().key("Extra").value("1").build().expect("tag"))
        .send()
        .await
        .expect("tag");
    let drifted = env.read(t, &p).await.expect("exists");
    assert!(get(&drifted, "role").is_null());
    assert!(tag_map(&drifted, "tags").contains_key("Extra"));
    let p = env.update(t, &drifted, &config2).await;
    assert_eq!(roles_of("web").await, vec!["r2".to_string()]);
    assert!(!tag_map(&p, "tags_all").contains_key("Extra"));

    // name_prefix and a path.
    let pc = env.config(t, &[("name_prefix", s("ip-")), ("path", s("/svc/"))]);
    let pp = env.create(t, &pc).await;
    assert!(str_attr(&pp, "name").starts_with("ip-"));
    assert_eq!(str_attr(&pp, "name_prefix"), "ip-");
    assert!(str_attr(&pp, "arn").contains(":instance-profile/svc/ip-"));
    assert!(get(&pp, "role").is_null());
    env.assert_no_changes(t, &pp, &pc).await;
    env.delete(t, &pp).await;

    // Deleted outside cairn.
    iam.remove_role_from_instance_profile()
        .instance_profile_name("web")
        .role_name("r2")
        .send()
        .await
        .expect("remove role");
    iam.delete_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &p).await.is_none());
    env.delete(t, &p).await;

    // Destroy removes the role first; a second destroy is a no-op.
    let p = env.create(t, &config).await;
    env.delete(t, &p).await;
    assert!(env.read(t, &p).await.is_none());
    env.delete(t, &p).await;
    // The role itself survives.
    iam.get_role()
        .role_name("r1")
        .send()
        .await
        .expect("role kept");
}
