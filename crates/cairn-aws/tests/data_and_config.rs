//! Data sources and provider configuration against a real moto server.

mod common;

use cairn_aws::AwsFactory;
use cairn_provider::ProviderFactory;
use cairn_value::Value;
use common::*;

fn data_config(env: &Env, t: &str, attrs: &[(&str, Value)]) -> Value {
    obj(&env.provider.schema().data_sources[t].block, attrs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_region_partition_and_zones() {
    let env = env().await;
    let p = &env.provider;

    let id = p
        .read_data(
            "aws_caller_identity",
            &data_config(&env, "aws_caller_identity", &[]),
        )
        .await
        .expect("caller identity");
    assert_eq!(str_attr(&id, "account_id"), "123456789012");
    assert_eq!(str_attr(&id, "id"), "123456789012");
    assert!(str_attr(&id, "arn").starts_with("arn:aws:"));

    let r = p
        .read_data("aws_region", &data_config(&env, "aws_region", &[]))
        .await
        .expect("region");
    assert_eq!(str_attr(&r, "name"), "us-east-1");
    assert_eq!(str_attr(&r, "endpoint"), "ec2.us-east-1.amazonaws.com");
    assert_eq!(str_attr(&r, "description"), "US East (N. Virginia)");
    let other = p
        .read_data(
            "aws_region",
            &data_config(&env, "aws_region", &[("name", s("eu-west-1"))]),
        )
        .await
        .expect("named region");
    assert_eq!(str_attr(&other, "description"), "Europe (Ireland)");

    let part = p
        .read_data("aws_partition", &data_config(&env, "aws_partition", &[]))
        .await
        .expect("partition");
    assert_eq!(str_attr(&part, "partition"), "aws");
    assert_eq!(str_attr(&part, "dns_suffix"), "amazonaws.com");
    assert_eq!(str_attr(&part, "reverse_dns_prefix"), "com.amazonaws");

    let azs = p
        .read_data(
            "aws_availability_zones",
            &data_config(&env, "aws_availability_zones", &[("state", s("available"))]),
        )
        .await
        .expect("zones");
    let names: Vec<String> = get(&azs, "names")
        .as_seq()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    assert!(names.len() >= 2, "{names:?}");
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted: {names:?}");
    assert_eq!(get(&azs, "zone_ids").len(), Some(names.len()));
    let fewer = p
        .read_data(
            "aws_availability_zones",
            &data_config(
                &env,
                "aws_availability_zones",
                &[("exclude_names", string_set(&[&names[0]]))],
            ),
        )
        .await
        .expect("zones");
    assert_eq!(get(&fewer, "names").len(), Some(names.len() - 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_tags_changes_plan_as_updates() {
    let env = env_with_default_tags(&[("Environment", "test"), ("Owner", "platform")]).await;
    let t = "aws_vpc";
    // A resource tag overrides the default tag with the same key.
    let config = env.config(
        t,
        &[
            ("cidr_block", s("10.9.0.0/16")),
            ("tags", tags(&[("Owner", "team-a")])),
        ],
    );
    let state = env.create(t, &config).await;
    assert_eq!(
        tag_map(&state, "tags_all"),
        map(&[("Environment", "test"), ("Owner", "team-a")])
    );
    assert_eq!(tag_map(&state, "tags"), map(&[("Owner", "team-a")]));

    // The same VPC seen through a provider with other default tags: the
    // plan is an in-place tag update.
    let other = AwsFactory::new()
        .configure(&provider_config(
            &env.moto.endpoint(),
            &[("Environment", "prod")],
        ))
        .await
        .expect("configure");
    let schema = env.schema(t);
    let plan = other
        .plan(cairn_provider::PlanRequest {
            type_name: t.into(),
            prior: Some(state.clone()),
            config: config.clone(),
            proposed: cairn_provider::proposed_new(&schema, Some(&state), &config),
        })
        .await
        .expect("plan");
    assert!(plan.requires_replace.is_empty());
    assert_eq!(
        tag_map(&plan.planned, "tags_all"),
        map(&[("Environment", "prod"), ("Owner", "team-a")])
    );
    let updated = other
        .apply(cairn_provider::ApplyRequest {
            type_name: t.into(),
            prior: Some(state.clone()),
            planned: Some(plan.planned.clone()),
            config,
            idempotency_key: None,
        })
        .await
        .expect("apply");
    assert_eq!(
        tag_map(&updated, "tags_all"),
        map(&[("Environment", "prod"), ("Owner", "team-a")])
    );
    env.delete(t, &updated).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_are_clear() {
    let f = AwsFactory::new();
    let ps = f.schema().provider.clone();

    // A region that is not one.
    let bad_region = obj(
        &ps,
        &[
            ("region", s("mars-1")),
            ("access_key", s("a")),
            ("secret_key", s("b")),
        ],
    );
    let err = match f.configure(&bad_region).await {
        Err(e) => e,
        Ok(_) => panic!("invalid region accepted"),
    };
    assert!(err.detail.contains("mars-1"), "{err}");
    assert!(err.hint.is_some());

    // Only half of a static key pair.
    let half = obj(&ps, &[("region", s("us-east-1")), ("access_key", s("a"))]);
    let err = match f.configure(&half).await {
        Err(e) => e,
        Ok(_) => panic!("half a key pair accepted"),
    };
    assert!(err.summary.contains("static credentials"), "{err}");

    // An endpoint nothing listens on: credential validation fails fast
    // and says where it tried.
    let ep_schema = &ps.blocks["endpoints"].block;
    let dead = obj(
        &ps,
        &[
            ("region", s("us-east-1")),
            ("access_key", s("a")),
            ("secret_key", s("b")),
            ("max_retries", Value::int(0)),
            (
                "endpoints",
                Value::list(
                    ep_schema.implied_type(),
                    vec![obj(ep_schema, &[("sts", s("http://127.0.0.1:9"))])],
                ),
            ),
        ],
    );
    let err = match f.configure(&dead).await {
        Err(e) => e,
        Ok(_) => panic!("unreachable endpoint accepted"),
    };
    assert!(
        err.summary
            .contains("Validating the provider's AWS credentials"),
        "{err}"
    );
    assert!(err.hint.is_some_and(|h| h.contains("endpoint")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_carry_code_and_hint() {
    let env = env().await;
    // A VPC whose ID does not exist: reading says gone, importing fails
    // with the type's ID format.
    let state = env.config(
        "aws_vpc",
        &[
            ("id", s("vpc-0123456789abcdef0")),
            ("cidr_block", s("10.0.0.0/16")),
        ],
    );
    assert!(env.read("aws_vpc", &state).await.is_none());
    let err = env
        .provider
        .import("aws_vpc", "vpc-0123456789abcdef0")
        .await
        .expect_err("no such vpc");
    assert!(err.hint.is_some_and(|h| h.contains("VPC ID")));
    // A subnet in a VPC that does not exist: the API's code is passed on.
    let config = env.config(
        "aws_subnet",
        &[
            ("vpc_id", s("vpc-0123456789abcdef0")),
            ("cidr_block", s("10.0.1.0/24")),
        ],
    );
    let plan = env.plan("aws_subnet", None, &config).await;
    let err = env
        .provider
        .apply(cairn_provider::ApplyRequest {
            type_name: "aws_subnet".into(),
            prior: None,
            planned: Some(plan.planned),
            config,
            idempotency_key: None,
        })
        .await
        .expect_err("no such vpc");
    assert_eq!(err.code.as_deref(), Some("InvalidVpcID.NotFound"));
    assert!(
        err.summary.contains("creating EC2 Subnet"),
        "{}",
        err.summary
    );
    assert_eq!(
        err.hint.as_deref(),
        Some("the VPC was deleted outside cairn; run cairn plan to recreate it")
    );
}
