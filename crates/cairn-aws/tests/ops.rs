//! Operations resources (DynamoDB, CloudWatch Logs and alarms, SNS)
//! against a real moto server.

mod common;

use cairn_value::{Type, Value};
use common::*;

const ACCOUNT: &str = "123456789012";

/// A nested block value of `t.block` with one object per item.
fn block(env: &Env, t: &str, name: &str, items: &[&[(&str, Value)]]) -> Value {
    let schema = env.schema(t);
    let b = &schema.blocks[name];
    let objs: Vec<Value> = items.iter().map(|attrs| obj(&b.block, attrs)).collect();
    match b.nesting {
        cairn_provider::Nesting::Set => Value::set(b.block.implied_type(), objs),
        _ => Value::list(b.block.implied_type(), objs),
    }
}

fn int(v: &Value, k: &str) -> i64 {
    get(v, k)
        .as_number()
        .and_then(|n| n.to_i64())
        .unwrap_or_else(|| panic!("{k} is not an integer: {:?}", get(v, k)))
}

fn num(v: &Value, k: &str) -> f64 {
    get(v, k)
        .as_number()
        .map(|n| n.to_f64())
        .unwrap_or_else(|| panic!("{k} is not a number: {:?}", get(v, k)))
}

fn n(i: i64) -> Value {
    Value::int(i)
}

fn b(x: bool) -> Value {
    Value::bool(x)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudwatch_log_group_lifecycle() {
    let env = env().await;
    let t = "aws_cloudwatch_log_group";
    let config = env.config(
        t,
        &[
            ("name", s("/cairn/app")),
            ("retention_in_days", n(7)),
            ("tags", tags(&[("Name", "lg")])),
        ],
    );
    let g = env.create(t, &config).await;
    assert_eq!(str_attr(&g, "id"), "/cairn/app");
    assert_eq!(
        str_attr(&g, "arn"),
        format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/cairn/app")
    );
    assert_eq!(int(&g, "retention_in_days"), 7);
    assert_eq!(str_attr(&g, "log_group_class"), "STANDARD");
    assert_eq!(get(&g, "skip_destroy").as_bool(), Some(false));
    assert_eq!(
        tag_map(&g, "tags_all"),
        map(&[("Environment", "test"), ("Name", "lg")])
    );
    env.assert_no_changes(t, &g, &config).await;

    // Retention and tags change in place; the name and class replace.
    let config2 = env.config(
        t,
        &[
            ("name", s("/cairn/app")),
            ("retention_in_days", n(14)),
            ("tags", tags(&[("Name", "lg2"), ("Team", "ops")])),
        ],
    );
    let g = env.update(t, &g, &config2).await;
    assert_eq!(int(&g, "retention_in_days"), 14);
    assert_eq!(
        tag_map(&g, "tags"),
        map(&[("Name", "lg2"), ("Team", "ops")])
    );
    let out = env
        .logs()
        .list_tags_for_resource()
        .resource_arn(str_attr(&g, "arn"))
        .send()
        .await
        .expect("tags");
    assert_eq!(
        out.tags.unwrap_or_default().get("Team").map(String::as_str),
        Some("ops")
    );
    env.assert_no_changes(t, &g, &config2).await;
    env.assert_replaces(
        t,
        &g,
        &env.config(t, &[("name", s("/cairn/other"))]),
        "name",
    )
    .await;
    env.assert_replaces(
        t,
        &g,
        &env.config(
            t,
            &[
                ("name", s("/cairn/app")),
                ("retention_in_days", n(14)),
                ("log_group_class", s("INFREQUENT_ACCESS")),
            ],
        ),
        "log_group_class",
    )
    .await;

    // Import by name.
    let imported = env.import(t, "/cairn/app").await;
    assert_eq!(int(&imported, "retention_in_days"), 14);
    env.assert_no_changes(t, &imported, &config2).await;

    // Changed outside cairn.
    env.logs()
        .put_retention_policy()
        .log_group_name("/cairn/app")
        .retention_in_days(30)
        .send()
        .await
        .expect("retention");
    let drifted = env.read(t, &g).await.expect("exists");
    assert_eq!(int(&drifted, "retention_in_days"), 30);
    let g = env.update(t, &drifted, &config2).await;
    assert_eq!(int(&g, "retention_in_days"), 14);

    // Deleted outside cairn: gone, and destroying it is success.
    env.logs()
        .delete_log_group()
        .log_group_name("/cairn/app")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &g).await.is_none());
    env.delete(t, &g).await;

    // A generated name, kept on destroy with skip_destroy.
    let config = env.config(
        t,
        &[("name_prefix", s("cairn-")), ("skip_destroy", b(true))],
    );
    let g = env.create(t, &config).await;
    let name = str_attr(&g, "name");
    assert!(name.starts_with("cairn-") && name.len() == 6 + 26, "{name}");
    assert_eq!(str_attr(&g, "name_prefix"), "cairn-");
    assert_eq!(int(&g, "retention_in_days"), 0);
    env.assert_no_changes(t, &g, &config).await;
    env.delete(t, &g).await;
    assert!(
        env.read(t, &g).await.is_some(),
        "skip_destroy keeps the group"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sns_topic_lifecycle() {
    let env = env().await;
    let t = "aws_sns_topic";
    let config = env.config(
        t,
        &[
            ("name", s("cairn-topic")),
            ("display_name", s("Cairn")),
            ("tags", tags(&[("Name", "topic")])),
        ],
    );
    let topic = env.create(t, &config).await;
    let arn = format!("arn:aws:sns:us-east-1:{ACCOUNT}:cairn-topic");
    assert_eq!(str_attr(&topic, "id"), arn);
    assert_eq!(str_attr(&topic, "arn"), arn);
    assert_eq!(str_attr(&topic, "owner"), ACCOUNT);
    assert_eq!(str_attr(&topic, "display_name"), "Cairn");
    assert_eq!(get(&topic, "fifo_topic").as_bool(), Some(false));
    // SNS writes a default access policy when none is given.
    assert!(str_attr(&topic, "policy").contains("SNS:Publish"));
    assert_eq!(
        tag_map(&topic, "tags_all"),
        map(&[("Environment", "test"), ("Name", "topic")])
    );
    env.assert_no_changes(t, &topic, &config).await;

    // Display name, delivery policy, access policy and tags change in place.
    let delivery = r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3}}}"#;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"pub","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"SNS:Publish","Resource":"{arn}"}}]}}"#
    );
    let config2 = env.config(
        t,
        &[
            ("name", s("cairn-topic")),
            ("display_name", s("Cairn 2")),
            ("delivery_policy", s(delivery)),
            ("policy", s(&policy)),
            ("tags", tags(&[("Name", "topic2")])),
        ],
    );
    let topic = env.update(t, &topic, &config2).await;
    assert_eq!(str_attr(&topic, "display_name"), "Cairn 2");
    assert_eq!(str_attr(&topic, "policy"), policy);
    let attrs = env
        .sns()
        .get_topic_attributes()
        .topic_arn(&arn)
        .send()
        .await
        .expect("attributes")
        .attributes
        .unwrap_or_default();
    assert_eq!(
        attrs.get("DisplayName").map(String::as_str),
        Some("Cairn 2")
    );
    assert!(attrs["Policy"].contains(&format!("arn:aws:iam::{ACCOUNT}:root")));
    env.assert_no_changes(t, &topic, &config2).await;
    // The same documents written differently are no change.
    let reformatted = env.config(
        t,
        &[
            ("name", s("cairn-topic")),
            ("display_name", s("Cairn 2")),
            (
                "delivery_policy",
                s(&serde_json::to_string_pretty(
                    &serde_json::from_str::<serde_json::Value>(delivery).expect("json"),
                )
                .expect("json")),
            ),
            (
                "policy",
                s(&serde_json::to_string_pretty(
                    &serde_json::from_str::<serde_json::Value>(&policy).expect("json"),
                )
                .expect("json")),
            ),
            ("tags", tags(&[("Name", "topic2")])),
        ],
    );
    env.assert_no_changes(t, &topic, &reformatted).await;

    env.assert_replaces(
        t,
        &topic,
        &env.config(
            t,
            &[("name", s("cairn-topic.fifo")), ("fifo_topic", b(true))],
        ),
        "fifo_topic",
    )
    .await;

    // Import by ARN.
    let imported = env.import(t, &arn).await;
    assert_eq!(str_attr(&imported, "name"), "cairn-topic");
    env.assert_no_changes(t, &imported, &config2).await;

    // Changed outside cairn.
    env.sns()
        .set_topic_attributes()
        .topic_arn(&arn)
        .attribute_name("DisplayName")
        .attribute_value("changed")
        .send()
        .await
        .expect("set");
    let drifted = env.read(t, &topic).await.expect("exists");
    assert_eq!(str_attr(&drifted, "display_name"), "changed");
    let topic = env.update(t, &drifted, &config2).await;
    assert_eq!(str_attr(&topic, "display_name"), "Cairn 2");

    // Deleted outside cairn.
    env.sns()
        .delete_topic()
        .topic_arn(&arn)
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &topic).await.is_none());
    env.delete(t, &topic).await;

    // A FIFO topic with a generated name.
    let config = env.config(
        t,
        &[
            ("name_prefix", s("events-")),
            ("fifo_topic", b(true)),
            ("content_based_deduplication", b(true)),
        ],
    );
    let fifo = env.create(t, &config).await;
    let name = str_attr(&fifo, "name");
    assert!(
        name.starts_with("events-") && name.ends_with(".fifo"),
        "{name}"
    );
    assert_eq!(str_attr(&fifo, "name_prefix"), "events-");
    assert_eq!(get(&fifo, "fifo_topic").as_bool(), Some(true));
    assert_eq!(
        get(&fifo, "content_based_deduplication").as_bool(),
        Some(true)
    );
    env.assert_no_changes(t, &fifo, &config).await;
    env.delete(t, &fifo).await;
    assert!(env.read(t, &fifo).await.is_none());
    env.delete(t, &fifo).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudwatch_metric_alarm_lifecycle() {
    let env = env().await;
    let t = "aws_cloudwatch_metric_alarm";
    let action = format!("arn:aws:sns:us-east-1:{ACCOUNT}:alerts");
    let base = |threshold: f64, periods: i64, extra: &[(&str, Value)]| {
        let mut attrs = vec![
            ("alarm_name", s("cpu-high")),
            ("comparison_operator", s("GreaterThanThreshold")),
            ("evaluation_periods", n(periods)),
            ("metric_name", s("CPUUtilization")),
            ("namespace", s("AWS/EC2")),
            ("period", n(120)),
            ("statistic", s("Average")),
            (
                "threshold",
                Value::number(cairn_value::Number::from_f64(threshold).expect("finite")),
            ),
            ("dimensions", tags(&[("InstanceId", "i-0123456789abcdef0")])),
            ("alarm_actions", string_set(&[&action])),
            ("alarm_description", s("CPU above threshold")),
            ("tags", tags(&[("Name", "alarm")])),
        ];
        attrs.extend(extra.iter().cloned());
        env.config(t, &attrs)
    };
    let config = base(80.0, 2, &[]);

    // Planning needs no API: defaults, and what replaces the alarm.
    let plan = env.plan(t, None, &config).await;
    assert_eq!(str_attr(&plan.planned, "treat_missing_data"), "missing");
    assert_eq!(get(&plan.planned, "actions_enabled").as_bool(), Some(true));
    assert!(get(&plan.planned, "arn").is_unknown());
    let bad = cairn_provider::with_attrs(&config, [("comparison_operator", s("Above"))]);
    let diags = env.provider.validate_resource(t, &bad);
    assert!(
        diags
            .iter()
            .any(|d| format!("{d:?}").contains("comparison_operator")),
        "{diags:?}"
    );

    let a = env.create(t, &config).await;
    assert_eq!(str_attr(&a, "id"), "cpu-high");
    assert_eq!(
        str_attr(&a, "arn"),
        format!("arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:cpu-high")
    );
    assert_eq!(num(&a, "threshold"), 80.0);
    assert_eq!(str_attr(&a, "treat_missing_data"), "missing");
    assert_eq!(get(&a, "actions_enabled").as_bool(), Some(true));
    assert!(get(&a, "ok_actions").is_null());
    assert_eq!(
        tag_map(&a, "dimensions"),
        map(&[("InstanceId", "i-0123456789abcdef0")])
    );
    assert_eq!(
        tag_map(&a, "tags_all"),
        map(&[("Environment", "test"), ("Name", "alarm")])
    );
    env.assert_no_changes(t, &a, &config).await;

    // The definition changes in place.
    let config2 = base(
        90.5,
        3,
        &[
            ("ok_actions", string_set(&[&action])),
            ("treat_missing_data", s("breaching")),
            ("datapoints_to_alarm", n(2)),
        ],
    );
    let a = env.update(t, &a, &config2).await;
    assert_eq!(num(&a, "threshold"), 90.5);
    assert_eq!(int(&a, "evaluation_periods"), 3);
    assert_eq!(str_attr(&a, "treat_missing_data"), "breaching");
    let remote = env
        .cloudwatch()
        .describe_alarms()
        .alarm_names("cpu-high")
        .send()
        .await
        .expect("describe")
        .metric_alarms
        .unwrap_or_default();
    assert_eq!(remote[0].threshold, Some(90.5));
    assert_eq!(remote[0].ok_actions.as_deref(), Some(&[action.clone()][..]));
    env.assert_no_changes(t, &a, &config2).await;
    let mut renamed = config2.clone();
    renamed = cairn_provider::with_attrs(&renamed, [("alarm_name", s("cpu-higher"))]);
    env.assert_replaces(t, &a, &renamed, "alarm_name").await;

    // Import by name.
    let imported = env.import(t, "cpu-high").await;
    assert_eq!(num(&imported, "threshold"), 90.5);
    env.assert_no_changes(t, &imported, &config2).await;

    // Changed outside cairn.
    env.cloudwatch()
        .put_metric_alarm()
        .alarm_name("cpu-high")
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .evaluation_periods(3)
        .metric_name("CPUUtilization")
        .namespace("AWS/EC2")
        .period(120)
        .statistic(aws_sdk_cloudwatch::types::Statistic::Average)
        .threshold(50.0)
        .send()
        .await
        .expect("put");
    let drifted = env.read(t, &a).await.expect("exists");
    assert_eq!(num(&drifted, "threshold"), 50.0);
    let a = env.update(t, &drifted, &config2).await;
    assert_eq!(num(&a, "threshold"), 90.5);

    // Deleted outside cairn.
    env.cloudwatch()
        .delete_alarms()
        .alarm_names("cpu-high")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &a).await.is_none());
    env.delete(t, &a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_table_lifecycle() {
    let env = env().await;
    let t = "aws_dynamodb_table";
    let attrs = block(
        &env,
        t,
        "attribute",
        &[
            &[("name", s("pk")), ("type", s("S"))],
            &[("name", s("sk")), ("type", s("S"))],
            &[("name", s("gpk")), ("type", s("N"))],
        ],
    );
    let gsi = block(
        &env,
        t,
        "global_secondary_index",
        &[&[
            ("name", s("by-gpk")),
            ("hash_key", s("gpk")),
            ("projection_type", s("ALL")),
            ("read_capacity", n(1)),
            ("write_capacity", n(1)),
        ]],
    );
    let config = env.config(
        t,
        &[
            ("name", s("cairn-table")),
            ("hash_key", s("pk")),
            ("range_key", s("sk")),
            ("read_capacity", n(5)),
            ("write_capacity", n(5)),
            ("attribute", attrs.clone()),
            ("global_secondary_index", gsi.clone()),
            (
                "ttl",
                block(
                    &env,
                    t,
                    "ttl",
                    &[&[("attribute_name", s("expires")), ("enabled", b(true))]],
                ),
            ),
            (
                "point_in_time_recovery",
                block(
                    &env,
                    t,
                    "point_in_time_recovery",
                    &[&[("enabled", b(true))]],
                ),
            ),
            ("tags", tags(&[("Name", "table")])),
        ],
    );
    let tbl = env.create(t, &config).await;
    assert_eq!(str_attr(&tbl, "id"), "cairn-table");
    assert_eq!(
        str_attr(&tbl, "arn"),
        format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/cairn-table")
    );
    assert_eq!(str_attr(&tbl, "billing_mode"), "PROVISIONED");
    assert_eq!(int(&tbl, "read_capacity"), 5);
    assert_eq!(get(&tbl, "stream_enabled").as_bool(), Some(false));
    assert!(get(&tbl, "stream_arn").is_null());
    assert_eq!(str_attr(&tbl, "table_class"), "STANDARD");
    assert_eq!(get(&tbl, "attribute").as_seq().map(<[Value]>::len), Some(3));
    assert_eq!(
        tag_map(&tbl, "tags_all"),
        map(&[("Environment", "test"), ("Name", "table")])
    );
    let ttl = env
        .dynamodb()
        .describe_time_to_live()
        .table_name("cairn-table")
        .send()
        .await
        .expect("ttl")
        .time_to_live_description
        .expect("ttl description");
    assert_eq!(ttl.attribute_name.as_deref(), Some("expires"));
    env.assert_no_changes(t, &tbl, &config).await;

    // Capacity changes in place.
    let with =
        |pairs: &[(&'static str, Value)]| cairn_provider::with_attrs(&config, pairs.to_vec());
    let config2 = with(&[("read_capacity", n(10)), ("write_capacity", n(7))]);
    let tbl = env.update(t, &tbl, &config2).await;
    assert_eq!(int(&tbl, "read_capacity"), 10);
    assert_eq!(int(&tbl, "write_capacity"), 7);
    let remote = env
        .dynamodb()
        .describe_table()
        .table_name("cairn-table")
        .send()
        .await
        .expect("describe")
        .table
        .expect("table");
    assert_eq!(
        remote
            .provisioned_throughput
            .and_then(|p| p.read_capacity_units),
        Some(10)
    );
    env.assert_no_changes(t, &tbl, &config2).await;

    // A changed index projection rebuilds the index, in place.
    let gsi2 = block(
        &env,
        t,
        "global_secondary_index",
        &[&[
            ("name", s("by-gpk")),
            ("hash_key", s("gpk")),
            ("projection_type", s("KEYS_ONLY")),
            ("read_capacity", n(2)),
            ("write_capacity", n(2)),
        ]],
    );
    let config2b = cairn_provider::with_attrs(&config2, [("global_secondary_index", gsi2)]);
    let tbl = env.update(t, &tbl, &config2b).await;
    let remote = env
        .dynamodb()
        .describe_table()
        .table_name("cairn-table")
        .send()
        .await
        .expect("describe")
        .table
        .expect("table");
    let idx = &remote.global_secondary_indexes.unwrap_or_default()[0];
    assert_eq!(
        idx.projection
            .as_ref()
            .and_then(|p| p.projection_type.clone()),
        Some(aws_sdk_dynamodb::types::ProjectionType::KeysOnly)
    );
    assert_eq!(
        idx.provisioned_throughput
            .as_ref()
            .and_then(|p| p.read_capacity_units),
        Some(2)
    );
    env.assert_no_changes(t, &tbl, &config2b).await;

    // On-demand billing, a stream, no PITR, other tags: all in place.
    let config3 = with(&[
        ("billing_mode", s("PAY_PER_REQUEST")),
        ("read_capacity", Value::null(Type::Number)),
        ("write_capacity", Value::null(Type::Number)),
        ("stream_enabled", b(true)),
        ("stream_view_type", s("NEW_IMAGE")),
        (
            "point_in_time_recovery",
            block(
                &env,
                t,
                "point_in_time_recovery",
                &[&[("enabled", b(false))]],
            ),
        ),
        ("tags", tags(&[("Name", "table3")])),
    ]);
    let tbl = env.update(t, &tbl, &config3).await;
    assert_eq!(str_attr(&tbl, "billing_mode"), "PAY_PER_REQUEST");
    assert_eq!(int(&tbl, "read_capacity"), 0);
    assert_eq!(str_attr(&tbl, "stream_view_type"), "NEW_IMAGE");
    assert!(str_attr(&tbl, "stream_arn").starts_with(&format!(
        "arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/cairn-table/stream/"
    )));
    let pitr = env
        .dynamodb()
        .describe_continuous_backups()
        .table_name("cairn-table")
        .send()
        .await
        .expect("backups")
        .continuous_backups_description
        .and_then(|d| d.point_in_time_recovery_description)
        .and_then(|p| p.point_in_time_recovery_status);
    assert_eq!(
        pitr,
        Some(aws_sdk_dynamodb::types::PointInTimeRecoveryStatus::Disabled)
    );
    assert_eq!(tag_map(&tbl, "tags"), map(&[("Name", "table3")]));
    env.assert_no_changes(t, &tbl, &config3).await;

    // Keys, the name and local indexes replace the table.
    env.assert_replaces(
        t,
        &tbl,
        &with(&[("hash_key", s("sk")), ("range_key", s("pk"))]),
        "hash_key",
    )
    .await;
    env.assert_replaces(t, &tbl, &with(&[("name", s("other"))]), "name")
        .await;
    let lsi = block(
        &env,
        t,
        "local_secondary_index",
        &[&[
            ("name", s("lsi")),
            ("range_key", s("gpk")),
            ("projection_type", s("KEYS_ONLY")),
        ]],
    );
    env.assert_replaces(
        t,
        &tbl,
        &with(&[("local_secondary_index", lsi)]),
        "local_secondary_index",
    )
    .await;

    // Import by name: the imported state plans no change.
    let imported = env.import(t, "cairn-table").await;
    assert_eq!(str_attr(&imported, "hash_key"), "pk");
    assert_eq!(str_attr(&imported, "range_key"), "sk");
    env.assert_no_changes(t, &imported, &config3).await;

    // Changed outside cairn: tags, and deletion protection turned on.
    env.dynamodb()
        .update_table()
        .table_name("cairn-table")
        .deletion_protection_enabled(true)
        .send()
        .await
        .expect("protect");
    env.dynamodb()
        .tag_resource()
        .resource_arn(str_attr(&tbl, "arn"))
        .tags(
            aws_sdk_dynamodb::types::Tag::builder()
                .key("Owner")
                .value("someone")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag");
    let drifted = env.read(t, &tbl).await.expect("exists");
    assert_eq!(
        get(&drifted, "deletion_protection_enabled").as_bool(),
        Some(true)
    );
    assert_eq!(
        tag_map(&drifted, "tags_all")
            .get("Owner")
            .map(String::as_str),
        Some("someone")
    );
    let tbl = env.update(t, &drifted, &config3).await;
    assert_eq!(
        get(&tbl, "deletion_protection_enabled").as_bool(),
        Some(false)
    );
    assert!(!tag_map(&tbl, "tags_all").contains_key("Owner"));

    // Destroy, then a second destroy of the deleted table.
    env.delete(t, &tbl).await;
    assert!(env.read(t, &tbl).await.is_none());
    env.delete(t, &tbl).await;

    // Deleted outside cairn: reads as gone.
    let small = env.config(
        t,
        &[
            ("name", s("cairn-small")),
            ("hash_key", s("pk")),
            ("billing_mode", s("PAY_PER_REQUEST")),
            (
                "attribute",
                block(
                    &env,
                    t,
                    "attribute",
                    &[&[("name", s("pk")), ("type", s("S"))]],
                ),
            ),
        ],
    );
    let tbl = env.create(t, &small).await;
    assert!(get(&tbl, "ttl").as_seq().is_some_and(<[Value]>::is_empty));
    env.assert_no_changes(t, &tbl, &small).await;
    env.dynamodb()
        .delete_table()
        .table_name("cairn-small")
        .send()
        .await
        .expect("delete");
    assert!(env.read(t, &tbl).await.is_none());
    env.delete(t, &tbl).await;
}
