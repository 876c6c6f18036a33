//! `aws_cloudwatch_metric_alarm`. PutMetricAlarm creates the alarm and
//! also replaces its whole definition, so an update sends everything.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, StandardUnit, Statistic, Tag};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{f64_of, is_set, num};
use crate::config::AwsClients;
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, i64_of, id_of, map_of, nonempty_str, opt_str_keep_null, read_new, str_map,
    str_of, str_set, strings_of, sv,
};

pub(crate) struct MetricAlarm;

const TYPE: &str = "aws_cloudwatch_metric_alarm";

const OPERATORS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];

const STATISTICS: &[&str] = &["SampleCount", "Average", "Sum", "Minimum", "Maximum"];

const MISSING_DATA: &[&str] = &["missing", "ignore", "breaching", "notBreaching"];

fn cw_tags(m: &BTreeMap<String, String>) -> Vec<Tag> {
    m.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A set of strings for state: the API reports an empty list for an
/// unset argument, which stays null when the prior state had it null.
fn set_keep_null(prior: &Value, k: &str, remote: Option<Vec<String>>) -> Value {
    let items = remote.unwrap_or_default();
    if items.is_empty() && prior.get_attr(k).is_none_or(Value::is_null) {
        Value::null(Type::set(Type::String))
    } else {
        str_set(items)
    }
}

/// PutMetricAlarm with the whole definition from `v`.
async fn put_alarm(
    aws: &AwsClients,
    v: &Value,
    name: &str,
    tags: Option<Vec<Tag>>,
) -> Result<(), ProviderError> {
    let list = |k: &str| is_set(v, k).then(|| strings_of(v, k));
    let dims = map_of(v, "dimensions").map(|m| {
        m.into_iter()
            .map(|(k, x)| Dimension::builder().name(k).value(x).build())
            .collect::<Vec<_>>()
    });
    aws.cloudwatch()
        .put_metric_alarm()
        .alarm_name(name)
        .set_alarm_description(str_of(v, "alarm_description"))
        .set_actions_enabled(bool_of(v, "actions_enabled"))
        .set_alarm_actions(list("alarm_actions"))
        .set_ok_actions(list("ok_actions"))
        .set_insufficient_data_actions(list("insufficient_data_actions"))
        .set_metric_name(nonempty_str(v, "metric_name"))
        .set_namespace(nonempty_str(v, "namespace"))
        .set_statistic(nonempty_str(v, "statistic").map(|s| Statistic::from(s.as_str())))
        .set_extended_statistic(nonempty_str(v, "extended_statistic"))
        .set_dimensions(dims)
        .set_period(i64_of(v, "period").map(|n| n as i32))
        .set_unit(nonempty_str(v, "unit").map(|u| StandardUnit::from(u.as_str())))
        .set_evaluation_periods(i64_of(v, "evaluation_periods").map(|n| n as i32))
        .set_datapoints_to_alarm(i64_of(v, "datapoints_to_alarm").map(|n| n as i32))
        .set_threshold(f64_of(v, "threshold"))
        .set_threshold_metric_id(nonempty_str(v, "threshold_metric_id"))
        .set_comparison_operator(
            nonempty_str(v, "comparison_operator").map(|c| ComparisonOperator::from(c.as_str())),
        )
        .set_treat_missing_data(nonempty_str(v, "treat_missing_data"))
        .set_evaluate_low_sample_count_percentile(nonempty_str(
            v,
            "evaluate_low_sample_count_percentiles",
        ))
        .set_tags(tags)
        .send()
        .await
        .ctx(format!("putting CloudWatch Metric Alarm {name}"))?;
    Ok(())
}

#[async_trait]
impl Resource for MetricAlarm {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let set = Type::set(Type::String);
        Schema::new("A CloudWatch metric alarm.")
            .attr("id", A::computed(Type::String, "Name of the alarm."))
            .attr("arn", A::computed(Type::String, "ARN of the alarm."))
            .attr(
                "alarm_name",
                A::required(
                    Type::String,
                    "Name of the alarm, unique within the account and region.",
                )
                .force_new(),
            )
            .attr(
                "comparison_operator",
                A::required(
                    Type::String,
                    "How the statistic is compared with the threshold, e.g. GreaterThanThreshold.",
                ),
            )
            .attr(
                "evaluation_periods",
                A::required(
                    Type::Number,
                    "Number of periods over which data is compared to the threshold.",
                ),
            )
            .attr(
                "metric_name",
                A::optional(Type::String, "Name of the metric."),
            )
            .attr(
                "namespace",
                A::optional(Type::String, "Namespace of the metric, e.g. AWS/EC2."),
            )
            .attr(
                "period",
                A::optional(
                    Type::Number,
                    "Period in seconds over which the statistic is applied.",
                ),
            )
            .attr(
                "statistic",
                A::optional(
                    Type::String,
                    "SampleCount, Average, Sum, Minimum or Maximum.",
                ),
            )
            .attr(
                "extended_statistic",
                A::optional(Type::String, "A percentile statistic, e.g. p99."),
            )
            .attr(
                "threshold",
                A::optional(Type::Number, "Value the statistic is compared with."),
            )
            .attr(
                "threshold_metric_id",
                A::optional(
                    Type::String,
                    "ID of the anomaly detection band used as threshold.",
                ),
            )
            .attr(
                "dimensions",
                A::optional(Type::map(Type::String), "Dimensions of the metric."),
            )
            .attr(
                "alarm_actions",
                A::optional(
                    set.clone(),
                    "ARNs of actions to run when the alarm enters ALARM.",
                ),
            )
            .attr(
                "ok_actions",
                A::optional(
                    set.clone(),
                    "ARNs of actions to run when the alarm enters OK.",
                ),
            )
            .attr(
                "insufficient_data_actions",
                A::optional(
                    set,
                    "ARNs of actions to run when the alarm enters INSUFFICIENT_DATA.",
                ),
            )
            .attr(
                "actions_enabled",
                A::optional(
                    Type::Bool,
                    "Whether actions run on state changes; defaults to true.",
                ),
            )
            .attr(
                "alarm_description",
                A::optional(Type::String, "Description of the alarm."),
            )
            .attr(
                "datapoints_to_alarm",
                A::optional(
                    Type::Number,
                    "Number of breaching datapoints that trigger the alarm.",
                ),
            )
            .attr("unit", A::optional(Type::String, "Unit of the metric."))
            .attr(
                "treat_missing_data",
                A::optional(
                    Type::String,
                    "missing, ignore, breaching or notBreaching; defaults to missing.",
                ),
            )
            .attr(
                "evaluate_low_sample_count_percentiles",
                A::optional_computed(
                    Type::String,
                    "evaluate or ignore: how percentiles with few samples are treated.",
                ),
            )
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("actions_enabled", Value::bool(true)),
            ("treat_missing_data", sv("missing")),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut one_of = |attr: &str, allowed: &[&str]| {
            if let Some(v) = str_of(config, attr) {
                if !allowed.contains(&v.as_str()) {
                    out.push(Diagnostic::error(
                        format!("Invalid {attr}"),
                        format!("{attr} {v:?} must be one of {}.", allowed.join(", ")),
                    ));
                }
            }
        };
        one_of("comparison_operator", OPERATORS);
        one_of("statistic", STATISTICS);
        one_of("treat_missing_data", MISSING_DATA);
        if is_set(config, "statistic") && is_set(config, "extended_statistic") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "statistic and extended_statistic cannot both be set.",
            ));
        }
        if let Some(n) = str_of(config, "alarm_name") {
            if n.is_empty() || n.len() > 255 {
                out.push(Diagnostic::error(
                    "Invalid alarm_name",
                    "An alarm name must be 1 to 255 characters.",
                ));
            }
        }
        out
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = str_of(planned, "alarm_name")
            .ok_or_else(|| crate::util::missing(TYPE, "alarm_name"))?;
        let tags = tags::to_apply(aws, planned);
        put_alarm(
            aws,
            planned,
            &name,
            (!tags.is_empty()).then(|| cw_tags(&tags)),
        )
        .await?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&name))]);
        read_new("CloudWatch Metric Alarm", &name, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let name = id_of(state, TYPE)?;
        let out = aws
            .cloudwatch()
            .describe_alarms()
            .alarm_names(&name)
            .send()
            .await
            .ctx(format!("reading CloudWatch Metric Alarm {name}"))?;
        let Some(a) = out
            .metric_alarms
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.alarm_name.as_deref() == Some(name.as_str()))
        else {
            return Ok(None);
        };
        let arn = a.alarm_arn.clone().unwrap_or_default();
        let tags: BTreeMap<String, String> = match aws
            .cloudwatch()
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .api()
        {
            Ok(o) => o
                .tags
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
                .collect(),
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => {
                return Err(e.into_error(format!(
                    "reading the tags of CloudWatch Metric Alarm {name}"
                )))
            }
        };
        let int = |n: Option<i32>| match n {
            Some(n) => Value::int(i64::from(n)),
            None => Value::null(Type::Number),
        };
        let dims: BTreeMap<String, String> = a
            .dimensions
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| Some((d.name?, d.value.unwrap_or_default())))
            .collect();
        let mut m = entries(state);
        m.insert("id".into(), sv(&name));
        m.insert("alarm_name".into(), sv(&name));
        m.insert("arn".into(), sv(&arn));
        m.insert(
            "comparison_operator".into(),
            opt_str_keep_null(
                state,
                "comparison_operator",
                a.comparison_operator.as_ref().map(|c| c.as_str()),
            ),
        );
        m.insert("evaluation_periods".into(), int(a.evaluation_periods));
        m.insert(
            "metric_name".into(),
            opt_str_keep_null(state, "metric_name", a.metric_name.as_deref()),
        );
        m.insert(
            "namespace".into(),
            opt_str_keep_null(state, "namespace", a.namespace.as_deref()),
        );
        m.insert("period".into(), int(a.period));
        m.insert(
            "statistic".into(),
            opt_str_keep_null(state, "statistic", a.statistic.as_ref().map(|s| s.as_str())),
        );
        m.insert(
            "extended_statistic".into(),
            opt_str_keep_null(state, "extended_statistic", a.extended_statistic.as_deref()),
        );
        m.insert(
            "threshold".into(),
            a.threshold.map(num).unwrap_or(Value::null(Type::Number)),
        );
        m.insert(
            "threshold_metric_id".into(),
            opt_str_keep_null(
                state,
                "threshold_metric_id",
                a.threshold_metric_id.as_deref(),
            ),
        );
        m.insert(
            "dimensions".into(),
            if dims.is_empty() && state.get_attr("dimensions").is_none_or(Value::is_null) {
                Value::null(Type::map(Type::String))
            } else {
                str_map(&dims)
            },
        );
        m.insert(
            "alarm_actions".into(),
            set_keep_null(state, "alarm_actions", a.alarm_actions),
        );
        m.insert(
            "ok_actions".into(),
            set_keep_null(state, "ok_actions", a.ok_actions),
        );
        m.insert(
            "insufficient_data_actions".into(),
            set_keep_null(
                state,
                "insufficient_data_actions",
                a.insufficient_data_actions,
            ),
        );
        m.insert(
            "actions_enabled".into(),
            Value::bool(a.actions_enabled.unwrap_or(true)),
        );
        m.insert(
            "alarm_description".into(),
            opt_str_keep_null(state, "alarm_description", a.alarm_description.as_deref()),
        );
        m.insert("datapoints_to_alarm".into(), int(a.datapoints_to_alarm));
        m.insert(
            "unit".into(),
            opt_str_keep_null(state, "unit", a.unit.as_ref().map(|u| u.as_str())),
        );
        // The API leaves it out when it is the default.
        m.insert(
            "treat_missing_data".into(),
            sv(a.treat_missing_data.as_deref().unwrap_or("missing")),
        );
        m.insert(
            "evaluate_low_sample_count_percentiles".into(),
            crate::util::opt_sv(
                a.evaluate_low_sample_count_percentile
                    .as_deref()
                    .filter(|s| !s.is_empty()),
            ),
        );
        let (t, all) = tags::from_remote(aws, state, tags);
        m.insert("tags".into(), t);
        m.insert("tags_all".into(), all);
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let name = id_of(prior, TYPE)?;
        // PutMetricAlarm leaves tags alone when none are given.
        put_alarm(aws, planned, &name, None).await?;
        let old = map_of(prior, "tags_all").unwrap_or_default();
        let new = tags::to_apply(aws, planned);
        // Only require the ARN when there is something to change.
        if old != new {
            let arn =
                nonempty_str(prior, "arn").ok_or_else(|| crate::util::missing(TYPE, "arn"))?;
            tags::sync(
                &old,
                &new,
                |keys| async {
                    aws.cloudwatch()
                        .untag_resource()
                        .resource_arn(&arn)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .ctx(format!("removing tags of CloudWatch Metric Alarm {name}"))
                },
                |set| {
                    let tags = cw_tags(&set);
                    async {
                        aws.cloudwatch()
                            .tag_resource()
                            .resource_arn(&arn)
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .ctx(format!("tagging CloudWatch Metric Alarm {name}"))
                    }
                },
            )
            .await?;
        }
        read_new("CloudWatch Metric Alarm", &name, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let name = id_of(state, TYPE)?;
        match aws
            .cloudwatch()
            .delete_alarms()
            .alarm_names(&name)
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting CloudWatch Metric Alarm {name}"))),
        }
    }

    fn import_hint(&self) -> String {
        "aws_cloudwatch_metric_alarm is imported by alarm name.".into()
    }
}
