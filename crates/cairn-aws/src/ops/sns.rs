//! `aws_sns_topic`. Topic settings are topic attributes: set at creation
//! where CreateTopic takes them, changed one by one with
//! SetTopicAttributes.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_sns::types::Tag;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{changed, is_set, json_equivalent};
use crate::config::AwsClients;
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, i64_of, id_of, map_of, nonempty_str, opt_str_keep_null, opt_sv,
    prefix_from_name, read_new, str_of, sv, unique_name,
};

pub(crate) struct Topic;

const TYPE: &str = "aws_sns_topic";

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Optional string; the API reports "" when unset.
    Str,
    /// Optional and computed string.
    StrComputed,
    /// Optional integer.
    Int,
    /// Optional and computed integer.
    IntComputed,
    /// Optional bool, default false.
    Bool,
    /// JSON text compared by meaning.
    Json,
    /// A policy document: optional and computed (SNS makes a default one).
    Policy,
}

/// Terraform argument, SNS attribute name, kind, and whether CreateTopic
/// takes it (the others are set right after).
const ATTRS: &[(&str, &str, Kind, bool)] = &[
    ("display_name", "DisplayName", Kind::Str, true),
    ("policy", "Policy", Kind::Policy, true),
    ("delivery_policy", "DeliveryPolicy", Kind::Json, true),
    ("kms_master_key_id", "KmsMasterKeyId", Kind::Str, true),
    (
        "signature_version",
        "SignatureVersion",
        Kind::IntComputed,
        true,
    ),
    ("tracing_config", "TracingConfig", Kind::StrComputed, true),
    (
        "content_based_deduplication",
        "ContentBasedDeduplication",
        Kind::Bool,
        true,
    ),
    (
        "fifo_throughput_scope",
        "FifoThroughputScope",
        Kind::StrComputed,
        true,
    ),
    ("archive_policy", "ArchivePolicy", Kind::Json, true),
    (
        "application_success_feedback_role_arn",
        "ApplicationSuccessFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "application_success_feedback_sample_rate",
        "ApplicationSuccessFeedbackSampleRate",
        Kind::Int,
        false,
    ),
    (
        "application_failure_feedback_role_arn",
        "ApplicationFailureFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "http_success_feedback_role_arn",
        "HTTPSuccessFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "http_success_feedback_sample_rate",
        "HTTPSuccessFeedbackSampleRate",
        Kind::Int,
        false,
    ),
    (
        "http_failure_feedback_role_arn",
        "HTTPFailureFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "lambda_success_feedback_role_arn",
        "LambdaSuccessFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "lambda_success_feedback_sample_rate",
        "LambdaSuccessFeedbackSampleRate",
        Kind::Int,
        false,
    ),
    (
        "lambda_failure_feedback_role_arn",
        "LambdaFailureFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "sqs_success_feedback_role_arn",
        "SQSSuccessFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "sqs_success_feedback_sample_rate",
        "SQSSuccessFeedbackSampleRate",
        Kind::Int,
        false,
    ),
    (
        "sqs_failure_feedback_role_arn",
        "SQSFailureFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "firehose_success_feedback_role_arn",
        "FirehoseSuccessFeedbackRoleArn",
        Kind::Str,
        false,
    ),
    (
        "firehose_success_feedback_sample_rate",
        "FirehoseSuccessFeedbackSampleRate",
        Kind::Int,
        false,
    ),
    (
        "firehose_failure_feedback_role_arn",
        "FirehoseFailureFeedbackRoleArn",
        Kind::Str,
        false,
    ),
];

/// The attribute value to send for an argument (`""` clears it).
fn attr_value(v: &Value, k: &str, kind: Kind) -> Option<String> {
    match kind {
        Kind::Int | Kind::IntComputed => i64_of(v, k).map(|n| n.to_string()),
        Kind::Bool => bool_of(v, k).map(|b| b.to_string()),
        _ => str_of(v, k),
    }
}

fn sns_tags(m: &BTreeMap<String, String>) -> Vec<Tag> {
    m.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

/// The name to create: `name`, or `name_prefix` plus a unique suffix
/// (and `.fifo` for FIFO topics).
fn topic_name(planned: &Value) -> String {
    if let Some(n) = nonempty_str(planned, "name") {
        return n;
    }
    let prefix = nonempty_str(planned, "name_prefix").unwrap_or_else(|| "terraform-".into());
    let n = unique_name(&prefix);
    if bool_of(planned, "fifo_topic") == Some(true) {
        format!("{n}.fifo")
    } else {
        n
    }
}

/// A JSON argument for state: the prior text when the API's means the same.
fn json_to_state(prior: &Value, k: &str, remote: Option<&str>) -> Value {
    match remote.filter(|r| !r.is_empty()) {
        None => opt_str_keep_null(prior, k, None),
        Some(r) => match str_of(prior, k) {
            Some(p) if json_equivalent(&p, r) => sv(p),
            _ => sv(r),
        },
    }
}

#[async_trait]
impl Resource for Topic {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let mut s = Schema::new("An SNS topic.")
            .attr("id", A::computed(Type::String, "ARN of the topic."))
            .attr("arn", A::computed(Type::String, "ARN of the topic."))
            .attr("owner", A::computed(Type::String, "AWS account ID of the topic's owner."))
            .attr("beginning_archive_time", A::computed(Type::String, "Oldest timestamp at which a FIFO topic subscriber can start a replay."))
            .attr("name", A::optional_computed(Type::String, "Name of the topic; generated from name_prefix (or terraform-) when unset. FIFO topic names end in .fifo.").force_new())
            .attr("name_prefix", A::optional_computed(Type::String, "Prefix of a generated name.").force_new())
            .attr("fifo_topic", A::optional(Type::Bool, "Whether the topic is FIFO; defaults to false.").force_new())
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr());
        for (k, api, kind, _) in ATTRS {
            let desc = format!("The topic's {api} attribute.");
            let a = match kind {
                Kind::Str | Kind::Json => A::optional(Type::String, &desc),
                Kind::StrComputed | Kind::Policy => A::optional_computed(Type::String, &desc),
                Kind::Int => A::optional(Type::Number, &desc),
                Kind::IntComputed => A::optional_computed(Type::Number, &desc),
                Kind::Bool => A::optional(Type::Bool, &desc),
            };
            s = s.attr(k, a);
        }
        s
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("fifo_topic", Value::bool(false)),
            ("content_based_deduplication", Value::bool(false)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if is_set(config, "name") && is_set(config, "name_prefix") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "name and name_prefix cannot both be set.",
            ));
        }
        let fifo = bool_of(config, "fifo_topic") == Some(true);
        if let Some(n) = str_of(config, "name") {
            if fifo != n.ends_with(".fifo") {
                out.push(Diagnostic::error(
                    "Invalid topic name",
                    if fifo {
                        format!("The name {n:?} of a FIFO topic must end with \".fifo\".")
                    } else {
                        format!("Only FIFO topics (fifo_topic = true) may have a name ending in \".fifo\"; got {n:?}.")
                    },
                ));
            }
        }
        if !fifo && bool_of(config, "content_based_deduplication") == Some(true) {
            out.push(Diagnostic::error(
                "Invalid content_based_deduplication",
                "content_based_deduplication can only be set on FIFO topics (fifo_topic = true).",
            ));
        }
        out
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        let mut config = crate::iam::normalize_document(prior, config, "policy")?;
        for k in ["delivery_policy", "archive_policy"] {
            let Some(doc) = str_of(&config, k) else {
                continue;
            };
            if let Some(p) = prior.and_then(|p| str_of(p, k)) {
                if p != doc && json_equivalent(&p, &doc) {
                    config = cairn_provider::with_attrs(&config, [(k, sv(p))]);
                }
            }
        }
        Ok(config)
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = topic_name(planned);
        let tags = tags::to_apply(aws, planned);
        let mut attributes: HashMap<String, String> = HashMap::new();
        if bool_of(planned, "fifo_topic") == Some(true) {
            attributes.insert("FifoTopic".into(), "true".into());
        }
        let mut later = Vec::new();
        for (k, api, kind, at_create) in ATTRS {
            let Some(v) = attr_value(planned, k, *kind) else {
                continue;
            };
            // false is the API's default: leave it out, so standard
            // topics (which reject the attribute) can be created.
            if *kind == Kind::Bool && v == "false" {
                continue;
            }
            if *at_create {
                attributes.insert((*api).to_string(), v);
            } else {
                later.push((*api, v));
            }
        }
        let out = aws
            .sns()
            .create_topic()
            .name(&name)
            .set_attributes((!attributes.is_empty()).then_some(attributes))
            .set_tags((!tags.is_empty()).then(|| sns_tags(&tags)))
            .send()
            .await
            .ctx(format!("creating SNS Topic ({name})"))?;
        let arn = out.topic_arn.ok_or_else(|| {
            ProviderError::new("creating SNS Topic failed", "The API returned no ARN.")
        })?;
        for (api, v) in later {
            aws.sns()
                .set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name(api)
                .attribute_value(v)
                .send()
                .await
                .ctx(format!("setting {api} of SNS Topic {arn}"))?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&arn))]);
        read_new("SNS Topic", &arn, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let arn = id_of(state, TYPE)?;
        let attrs = match aws
            .sns()
            .get_topic_attributes()
            .topic_arn(&arn)
            .send()
            .await
            .api()
        {
            Ok(o) => o.attributes.unwrap_or_default(),
            Err(e) if e.not_found() => return Ok(None),
            // A malformed or foreign ARN names no topic we can have.
            Err(e) if e.is("InvalidParameter") && !arn.starts_with("arn:") => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading SNS Topic {arn}"))),
        };
        let tags: BTreeMap<String, String> = match aws
            .sns()
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
                .map(|t| (t.key, t.value))
                .collect(),
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading the tags of SNS Topic {arn}"))),
        };
        let get = |api: &str| attrs.get(api).map(String::as_str);
        let name = arn.rsplit(':').next().unwrap_or_default().to_string();
        let mut m = entries(state);
        m.insert("id".into(), sv(&arn));
        m.insert("arn".into(), sv(&arn));
        m.insert("name".into(), sv(&name));
        m.insert(
            "name_prefix".into(),
            opt_sv(prefix_from_name(name.trim_end_matches(".fifo"))),
        );
        m.insert("owner".into(), opt_sv(get("Owner")));
        m.insert(
            "beginning_archive_time".into(),
            opt_sv(get("BeginningArchiveTime").filter(|s| !s.is_empty())),
        );
        m.insert(
            "fifo_topic".into(),
            Value::bool(get("FifoTopic") == Some("true")),
        );
        for (k, api, kind, _) in ATTRS {
            let remote = get(api).filter(|s| !s.is_empty());
            let v = match kind {
                Kind::Str => opt_str_keep_null(state, k, remote),
                Kind::StrComputed => opt_sv(remote),
                Kind::Int | Kind::IntComputed => match remote.and_then(|r| r.parse::<i64>().ok()) {
                    Some(n) => Value::int(n),
                    None => Value::null(Type::Number),
                },
                Kind::Bool => Value::bool(remote == Some("true")),
                Kind::Json => json_to_state(state, k, remote),
                Kind::Policy => match remote {
                    Some(r) => crate::iam::document_to_state(str_of(state, k).as_deref(), r),
                    None => Value::null(Type::String),
                },
            };
            m.insert((*k).to_string(), v);
        }
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
        let arn = id_of(prior, TYPE)?;
        let sns = aws.sns();
        for (k, api, kind, _) in ATTRS {
            if !changed(prior, planned, k)
                || !planned.get_attr(k).is_some_and(Value::is_wholly_known)
            {
                continue;
            }
            // A removed argument resets the attribute.
            let v = attr_value(planned, k, *kind).unwrap_or_default();
            sns.set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name(*api)
                .attribute_value(v)
                .send()
                .await
                .ctx(format!("setting {api} of SNS Topic {arn}"))?;
        }
        let old = map_of(prior, "tags_all").unwrap_or_default();
        let new = tags::to_apply(aws, planned);
        tags::sync(
            &old,
            &new,
            |keys| async {
                sns.untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .ctx(format!("removing tags of SNS Topic {arn}"))
            },
            |set| {
                let tags = sns_tags(&set);
                async {
                    sns.tag_resource()
                        .resource_arn(&arn)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .ctx(format!("tagging SNS Topic {arn}"))
                }
            },
        )
        .await?;
        read_new("SNS Topic", &arn, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let arn = id_of(state, TYPE)?;
        // DeleteTopic succeeds for a topic that does not exist; a not-found
        // answer from stricter endpoints means the same.
        match aws.sns().delete_topic().topic_arn(&arn).send().await.api() {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting SNS Topic {arn}"))),
        }
    }

    fn import_hint(&self) -> String {
        "aws_sns_topic is imported by topic ARN, e.g. arn:aws:sns:us-east-1:123456789012:my-topic."
            .into()
    }
}
