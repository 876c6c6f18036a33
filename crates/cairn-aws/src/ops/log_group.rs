//! `aws_cloudwatch_log_group`.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::types::LogGroupClass;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::changed;
use crate::config::AwsClients;
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, i64_of, id_of, map_of, name_or_prefix, nonempty_str, opt_sv,
    prefix_from_name, read_new, str_of, sv,
};

pub(crate) struct LogGroup;

const TYPE: &str = "aws_cloudwatch_log_group";

/// The retention periods CloudWatch Logs accepts (0 means never expire).
const RETENTION_DAYS: &[i64] = &[
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The group's ARN as Terraform exports it: without the `:*` suffix
/// DescribeLogGroups puts on `arn`.
fn group_arn(aws: &AwsClients, account: &str, name: &str) -> String {
    aws.arn("logs", &aws.region, account, &format!("log-group:{name}"))
}

async fn find(
    aws: &AwsClients,
    name: &str,
) -> Result<Option<aws_sdk_cloudwatchlogs::types::LogGroup>, ProviderError> {
    let mut token = None;
    loop {
        let out = match aws
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(token)
            .send()
            .await
            .api()
        {
            Ok(o) => o,
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading CloudWatch Logs Log Group {name}"))),
        };
        if let Some(g) = out
            .log_groups
            .unwrap_or_default()
            .into_iter()
            .find(|g| g.log_group_name.as_deref() == Some(name))
        {
            return Ok(Some(g));
        }
        token = out.next_token;
        if token.is_none() {
            return Ok(None);
        }
    }
}

async fn put_retention(aws: &AwsClients, name: &str, days: i64) -> Result<(), ProviderError> {
    if days == 0 {
        match aws
            .logs()
            .delete_retention_policy()
            .log_group_name(name)
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            // No policy to remove.
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!(
                "removing the retention policy of CloudWatch Logs Log Group {name}"
            ))),
        }
    } else {
        aws.logs()
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(days as i32)
            .send()
            .await
            .ctx(format!(
                "setting the retention of CloudWatch Logs Log Group {name}"
            ))?;
        Ok(())
    }
}

fn hash(m: &BTreeMap<String, String>) -> HashMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[async_trait]
impl Resource for LogGroup {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("A CloudWatch Logs log group.")
            .attr("id", A::computed(Type::String, "Name of the log group."))
            .attr("arn", A::computed(Type::String, "ARN of the log group (without the :* suffix)."))
            .attr("name", A::optional_computed(Type::String, "Name of the log group; generated from name_prefix (or terraform-) when unset.").force_new())
            .attr("name_prefix", A::optional_computed(Type::String, "Prefix of a generated name.").force_new())
            .attr("retention_in_days", A::optional(Type::Number, "Days to keep log events; 0 (the default) keeps them forever."))
            .attr("kms_key_id", A::optional(Type::String, "ARN of the KMS key that encrypts the log data."))
            .attr("log_group_class", A::optional_computed(Type::String, "STANDARD, INFREQUENT_ACCESS or DELIVERY.").force_new())
            .attr("skip_destroy", A::optional(Type::Bool, "Leave the log group in place on destroy (only remove it from state); defaults to false."))
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("retention_in_days", Value::int(0)),
            ("skip_destroy", Value::bool(false)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if super::is_set(config, "name") && super::is_set(config, "name_prefix") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "name and name_prefix cannot both be set.",
            ));
        }
        if let Some(d) = i64_of(config, "retention_in_days") {
            if !RETENTION_DAYS.contains(&d) {
                out.push(Diagnostic::error(
                    "Invalid retention_in_days",
                    format!(
                        "retention_in_days = {d} is not a period CloudWatch Logs offers; use one of {}.",
                        RETENTION_DAYS
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        if let Some(c) = str_of(config, "log_group_class") {
            if !["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"].contains(&c.as_str()) {
                out.push(Diagnostic::error(
                    "Invalid log_group_class",
                    format!(
                        "log_group_class {c:?} must be STANDARD, INFREQUENT_ACCESS or DELIVERY."
                    ),
                ));
            }
        }
        out
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = name_or_prefix(planned, "name", "name_prefix");
        let tags = tags::to_apply(aws, planned);
        aws.logs()
            .create_log_group()
            .log_group_name(&name)
            .set_kms_key_id(nonempty_str(planned, "kms_key_id"))
            .set_log_group_class(
                nonempty_str(planned, "log_group_class").map(|c| LogGroupClass::from(c.as_str())),
            )
            .set_tags((!tags.is_empty()).then(|| hash(&tags)))
            .send()
            .await
            .ctx(format!("creating CloudWatch Logs Log Group ({name})"))?;
        let days = i64_of(planned, "retention_in_days").unwrap_or(0);
        if days != 0 {
            put_retention(aws, &name, days).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&name))]);
        read_new("CloudWatch Logs Log Group", &name, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let name = id_of(state, TYPE)?;
        let Some(g) = find(aws, &name).await? else {
            return Ok(None);
        };
        let arn = match g.log_group_arn.clone() {
            Some(a) => a,
            None => match g
                .arn
                .as_deref()
                .map(|a| a.trim_end_matches(":*").to_string())
            {
                Some(a) => a,
                None => {
                    let account = aws.caller_identity().await?.account_id.clone();
                    group_arn(aws, &account, &name)
                }
            },
        };
        let remote_tags = match aws
            .logs()
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .api()
        {
            Ok(o) => o.tags.unwrap_or_default().into_iter().collect(),
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => {
                return Err(e.into_error(format!(
                    "reading the tags of CloudWatch Logs Log Group {name}"
                )))
            }
        };
        let mut m = entries(state);
        m.insert("id".into(), sv(&name));
        m.insert("name".into(), sv(&name));
        m.insert("name_prefix".into(), opt_sv(prefix_from_name(&name)));
        m.insert("arn".into(), sv(&arn));
        m.insert(
            "retention_in_days".into(),
            Value::int(i64::from(g.retention_in_days.unwrap_or(0))),
        );
        m.insert("kms_key_id".into(), opt_sv(g.kms_key_id.as_deref()));
        // Groups made before log classes existed report none: they are
        // STANDARD.
        m.insert(
            "log_group_class".into(),
            sv(g.log_group_class
                .as_ref()
                .map(|c| c.as_str())
                .unwrap_or("STANDARD")),
        );
        if m.get("skip_destroy").is_none_or(Value::is_null) {
            m.insert("skip_destroy".into(), Value::bool(false));
        }
        let (t, all) = tags::from_remote(aws, state, remote_tags);
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
        let logs = aws.logs();
        if changed(prior, planned, "retention_in_days") {
            put_retention(
                aws,
                &name,
                i64_of(planned, "retention_in_days").unwrap_or(0),
            )
            .await?;
        }
        if changed(prior, planned, "kms_key_id") {
            match nonempty_str(planned, "kms_key_id") {
                Some(k) => {
                    logs.associate_kms_key()
                        .log_group_name(&name)
                        .kms_key_id(k)
                        .send()
                        .await
                        .ctx(format!(
                            "associating a KMS key with CloudWatch Logs Log Group {name}"
                        ))?;
                }
                None => {
                    logs.disassociate_kms_key()
                        .log_group_name(&name)
                        .send()
                        .await
                        .ctx(format!(
                            "disassociating the KMS key of CloudWatch Logs Log Group {name}"
                        ))?;
                }
            }
        }
        let old = map_of(prior, "tags_all").unwrap_or_default();
        let new = tags::to_apply(aws, planned);
        // Only look up the ARN when there is something to change.
        if old != new {
            let arn = match nonempty_str(prior, "arn") {
                Some(a) => a,
                None => {
                    let account = aws.caller_identity().await?.account_id.clone();
                    group_arn(aws, &account, &name)
                }
            };
            tags::sync(
                &old,
                &new,
                |keys| async {
                    logs.untag_resource()
                        .resource_arn(&arn)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .ctx(format!("removing tags of CloudWatch Logs Log Group {name}"))
                },
                |set| {
                    let tags = hash(&set);
                    async {
                        logs.tag_resource()
                            .resource_arn(&arn)
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .ctx(format!("tagging CloudWatch Logs Log Group {name}"))
                    }
                },
            )
            .await?;
        }
        // skip_destroy lives only in state.
        read_new("CloudWatch Logs Log Group", &name, || {
            self.read(aws, planned)
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let name = id_of(state, TYPE)?;
        if bool_of(state, "skip_destroy").unwrap_or(false) {
            return Ok(());
        }
        match aws
            .logs()
            .delete_log_group()
            .log_group_name(&name)
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting CloudWatch Logs Log Group {name}"))),
        }
    }

    fn import_hint(&self) -> String {
        "aws_cloudwatch_log_group is imported by log group name, e.g. /aws/lambda/my-function."
            .into()
    }
}
