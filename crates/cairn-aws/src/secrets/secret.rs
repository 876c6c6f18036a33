//! `aws_secretsmanager_secret`: a secret's metadata (its value is
//! `aws_secretsmanager_secret_version`). A secret scheduled for deletion
//! counts as gone.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_secretsmanager::types::{ReplicaRegionType, Tag};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, NestedBlock, Nesting, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{secret_deleted, secrets_token};
use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::iam::{document_to_state, normalize_document};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    blocks_of, bool_of, entries, i64_of, id_of, map_of, name_or_prefix, nonempty_str,
    opt_str_keep_null, opt_sv, prefix_from_name, read_new, rfc3339, str_of, sv,
    PROPAGATION_TIMEOUT,
};

pub(crate) struct Secret;

const TYPE: &str = "aws_secretsmanager_secret";

fn replica_schema() -> Schema {
    Schema::new("A replica of the secret in another region.")
        .attr(
            "region",
            A::required(Type::String, "Region to replicate the secret to."),
        )
        .attr(
            "kms_key_id",
            A::optional_computed(
                Type::String,
                "KMS key for the replica; the region's aws/secretsmanager key when unset.",
            ),
        )
        .attr(
            "status",
            A::computed(
                Type::String,
                "Replication status (InSync, Failed, InProgress).",
            ),
        )
        .attr(
            "status_message",
            A::computed(Type::String, "Message about the replication status."),
        )
        .attr(
            "last_accessed_date",
            A::computed(Type::String, "When the replica was last accessed."),
        )
}

pub(crate) fn sm_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn replicas_of(v: &Value) -> BTreeMap<String, Option<String>> {
    blocks_of(v, "replica")
        .into_iter()
        .filter_map(|b| Some((nonempty_str(b, "region")?, nonempty_str(b, "kms_key_id"))))
        .collect()
}

fn replica_regions(r: &BTreeMap<String, Option<String>>) -> Vec<ReplicaRegionType> {
    r.iter()
        .map(|(region, key)| {
            ReplicaRegionType::builder()
                .region(region)
                .set_kms_key_id(key.clone())
                .build()
        })
        .collect()
}

async fn put_policy(aws: &AwsClients, arn: &str, doc: &str) -> Result<(), ProviderError> {
    // Principals created a moment ago are rejected until IAM propagates them.
    let deadline = Instant::now() + PROPAGATION_TIMEOUT;
    let mut delay = Duration::from_millis(500);
    loop {
        match aws
            .secretsmanager()
            .put_resource_policy()
            .secret_id(arn)
            .resource_policy(doc)
            .send()
            .await
            .api()
        {
            Ok(_) => return Ok(()),
            Err(e)
                if e.is("MalformedPolicyDocumentException")
                    && e.message.contains("unsupported principal")
                    && Instant::now() + delay < deadline =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            Err(e) => {
                return Err(e.into_error(format!("putting policy of Secrets Manager Secret {arn}")))
            }
        }
    }
}

async fn remove_replicas(
    aws: &AwsClients,
    arn: &str,
    regions: Vec<String>,
) -> Result<(), ProviderError> {
    if regions.is_empty() {
        return Ok(());
    }
    match aws
        .secretsmanager()
        .remove_regions_from_replication()
        .secret_id(arn)
        .set_remove_replica_regions(Some(regions))
        .send()
        .await
        .api()
    {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(e.into_error(format!("removing replicas of Secrets Manager Secret {arn}"))),
    }
}

#[async_trait]
impl Resource for Secret {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("A Secrets Manager secret (metadata; the value is a secret version).")
            .attr("id", A::computed(Type::String, "ARN of the secret."))
            .attr("arn", A::computed(Type::String, "ARN of the secret."))
            .attr(
                "name",
                A::optional_computed(
                    Type::String,
                    "Name of the secret; generated from name_prefix (or terraform-) when unset.",
                )
                .force_new(),
            )
            .attr(
                "name_prefix",
                A::optional_computed(Type::String, "Prefix of a generated name.").force_new(),
            )
            .attr(
                "description",
                A::optional(Type::String, "Description of the secret."),
            )
            .attr(
                "kms_key_id",
                A::optional(
                    Type::String,
                    "KMS key (ID, ARN or alias) that encrypts the secret; aws/secretsmanager when unset.",
                ),
            )
            .attr(
                "policy",
                A::optional_computed(Type::String, "Resource policy (JSON) of the secret."),
            )
            .attr(
                "recovery_window_in_days",
                A::optional(
                    Type::Number,
                    "Days (7 to 30) the secret can be restored after destroy; 0 deletes at once. Defaults to 30.",
                ),
            )
            .attr(
                "force_overwrite_replica_secret",
                A::optional(
                    Type::Bool,
                    "Overwrite a secret of the same name in a replica region; defaults to false.",
                ),
            )
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
            .block(
                "replica",
                NestedBlock {
                    nesting: Nesting::Set,
                    block: replica_schema(),
                    min_items: 0,
                    max_items: None,
                    force_new: false,
                },
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("recovery_window_in_days", Value::int(30)),
            ("force_overwrite_replica_secret", Value::bool(false)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let mut out = Vec::new();
        if set("name") && set("name_prefix") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "name and name_prefix cannot both be set.",
            ));
        }
        if let Some(n) = i64_of(config, "recovery_window_in_days") {
            if n != 0 && !(7..=30).contains(&n) {
                out.push(Diagnostic::error(
                    "Invalid recovery_window_in_days",
                    format!("recovery_window_in_days must be 0 or between 7 and 30, not {n}."),
                ));
            }
        }
        for k in ["name", "name_prefix"] {
            if let Some(n) = str_of(config, k) {
                let ok = n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
                if !ok || n.len() > 512 {
                    out.push(Diagnostic::error(
                        format!("Invalid {k}"),
                        format!(
                            "{k} may contain only letters, digits and /_+=.@- (at most 512 characters)."
                        ),
                    ));
                }
            }
        }
        out
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        let config = normalize_document(prior, config, "policy")?;
        // Replica blocks: the computed attributes of a configured region
        // carry over from the prior state (set elements do not pair up by
        // themselves), so an unchanged replica is not a change; those of a
        // new replica are known only after apply.
        let Some(items) = config.get_attr("replica").and_then(|v| v.as_seq()) else {
            return Ok(config);
        };
        if !config
            .get_attr("replica")
            .is_some_and(Value::is_wholly_known)
        {
            return Ok(config);
        }
        let old: BTreeMap<String, &Value> = prior
            .map(|p| blocks_of(p, "replica"))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|b| Some((nonempty_str(b, "region")?, b)))
            .collect();
        let fresh = |b: &Value| {
            let mut m = entries(b);
            for k in [
                "kms_key_id",
                "status",
                "status_message",
                "last_accessed_date",
            ] {
                if m.get(k).is_none_or(Value::is_null) {
                    m.insert(k.to_string(), Value::unknown(Type::String));
                }
            }
            Value::object(m)
        };
        let items: Vec<Value> = items
            .iter()
            .map(|b| {
                let Some(o) = nonempty_str(b, "region").and_then(|r| old.get(&r).copied()) else {
                    return fresh(b);
                };
                let key_same = match (str_of(b, "kms_key_id"), str_of(o, "kms_key_id")) {
                    (None, _) => true,
                    (Some(a), Some(c)) => a == c,
                    _ => false,
                };
                if !key_same {
                    return fresh(b);
                }
                let mut m = entries(b);
                for k in [
                    "kms_key_id",
                    "status",
                    "status_message",
                    "last_accessed_date",
                ] {
                    if let Some(v) = o.get_attr(k) {
                        m.insert(k.to_string(), v.clone());
                    }
                }
                Value::object(m)
            })
            .collect();
        let mut m = entries(&config);
        m.insert(
            "replica".into(),
            Value::set(replica_schema().implied_type(), items),
        );
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = name_or_prefix(planned, "name", "name_prefix");
        let tags = tags::to_apply(aws, planned);
        let replicas = replicas_of(planned);
        let token = secrets_token();
        // A secret of the same name deleted a moment ago blocks the name
        // for a short while.
        let deadline = Instant::now() + PROPAGATION_TIMEOUT;
        let mut delay = Duration::from_millis(500);
        let out = loop {
            match aws
                .secretsmanager()
                .create_secret()
                .name(&name)
                .client_request_token(&token)
                .set_description(nonempty_str(planned, "description"))
                .set_kms_key_id(nonempty_str(planned, "kms_key_id"))
                .force_overwrite_replica_secret(
                    bool_of(planned, "force_overwrite_replica_secret").unwrap_or(false),
                )
                .set_add_replica_regions((!replicas.is_empty()).then(|| replica_regions(&replicas)))
                .set_tags((!tags.is_empty()).then(|| sm_tags(&tags)))
                .send()
                .await
                .api()
            {
                Ok(o) => break o,
                Err(e) if secret_deleted(&e) && Instant::now() + delay < deadline => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                Err(e) => {
                    return Err(e.into_error(format!("creating Secrets Manager Secret ({name})")))
                }
            }
        };
        let arn = out.arn.ok_or_else(|| {
            ProviderError::new(
                "creating Secrets Manager Secret failed",
                "The API returned no ARN.",
            )
        })?;
        if let Some(doc) = nonempty_str(planned, "policy").filter(|d| d != "{}") {
            put_policy(aws, &arn, &doc).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&arn))]);
        read_new("Secrets Manager Secret", &arn, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let sm = aws.secretsmanager();
        let s = match sm.describe_secret().secret_id(&id).send().await.api() {
            Ok(o) => o,
            Err(e) if e.not_found() || secret_deleted(&e) => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading Secrets Manager Secret {id}"))),
        };
        // Scheduled for deletion: gone as far as the configuration goes.
        if s.deleted_date.is_some() {
            return Ok(None);
        }
        let policy = match sm.get_resource_policy().secret_id(&id).send().await.api() {
            Ok(o) => o.resource_policy,
            Err(e) if e.not_found() || secret_deleted(&e) => return Ok(None),
            Err(e) => {
                return Err(e.into_error(format!("reading policy of Secrets Manager Secret {id}")))
            }
        };
        let arn = s.arn.clone().unwrap_or_else(|| id.clone());
        let name = s.name.clone().unwrap_or_default();
        let mut m = entries(state);
        m.insert("id".into(), sv(&arn));
        m.insert("arn".into(), sv(&arn));
        m.insert("name".into(), sv(&name));
        m.insert("name_prefix".into(), opt_sv(prefix_from_name(&name)));
        m.insert(
            "description".into(),
            opt_str_keep_null(state, "description", s.description.as_deref()),
        );
        m.insert(
            "kms_key_id".into(),
            opt_str_keep_null(state, "kms_key_id", s.kms_key_id.as_deref()),
        );
        m.insert(
            "policy".into(),
            match policy.filter(|p| !p.is_empty()) {
                Some(p) => document_to_state(str_of(state, "policy").as_deref(), &p),
                None => sv(""),
            },
        );
        let rt = replica_schema().implied_type();
        let replicas: Vec<Value> = s
            .replication_status
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                let m: BTreeMap<String, Value> = [
                    ("region".to_string(), opt_sv(r.region.as_deref())),
                    ("kms_key_id".to_string(), opt_sv(r.kms_key_id.as_deref())),
                    (
                        "status".to_string(),
                        opt_sv(r.status.as_ref().map(|s| s.as_str())),
                    ),
                    (
                        "status_message".to_string(),
                        opt_sv(r.status_message.as_deref()),
                    ),
                    (
                        "last_accessed_date".to_string(),
                        opt_sv(r.last_accessed_date.as_ref().map(rfc3339)),
                    ),
                ]
                .into_iter()
                .collect();
                Value::object(m)
            })
            .collect();
        m.insert("replica".into(), Value::set(rt, replicas));
        for (k, d) in self.defaults() {
            if m.get(k).is_none_or(Value::is_null) {
                m.insert(k.to_string(), d);
            }
        }
        let remote: BTreeMap<String, String> = s
            .tags
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
            .collect();
        let (t, all) = tags::from_remote(aws, state, remote);
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
        let sm = aws.secretsmanager();
        let changed = |k: &str| match (prior.get_attr(k), planned.get_attr(k)) {
            (Some(a), Some(b)) => !a.raw_equal(b),
            (None, None) => false,
            _ => true,
        };

        let old_r = replicas_of(prior);
        let new_r = replicas_of(planned);
        if old_r != new_r {
            let gone: Vec<String> = old_r
                .iter()
                .filter(|(r, k)| new_r.get(*r).is_none_or(|nk| nk.is_some() && nk != *k))
                .map(|(r, _)| r.clone())
                .collect();
            remove_replicas(aws, &arn, gone.clone()).await?;
            let add: BTreeMap<String, Option<String>> = new_r
                .iter()
                .filter(|(r, _)| !old_r.contains_key(*r) || gone.contains(r))
                .map(|(r, k)| (r.clone(), k.clone()))
                .collect();
            if !add.is_empty() {
                sm.replicate_secret_to_regions()
                    .secret_id(&arn)
                    .set_add_replica_regions(Some(replica_regions(&add)))
                    .force_overwrite_replica_secret(
                        bool_of(planned, "force_overwrite_replica_secret").unwrap_or(false),
                    )
                    .send()
                    .await
                    .ctx(format!("adding replicas of Secrets Manager Secret {arn}"))?;
            }
        }
        if changed("description") || changed("kms_key_id") {
            sm.update_secret()
                .secret_id(&arn)
                .description(str_of(planned, "description").unwrap_or_default())
                .set_kms_key_id(nonempty_str(planned, "kms_key_id"))
                .send()
                .await
                .ctx(format!("updating Secrets Manager Secret {arn}"))?;
        }
        if changed("policy") {
            match nonempty_str(planned, "policy").filter(|d| d != "{}") {
                Some(doc) => put_policy(aws, &arn, &doc).await?,
                None => {
                    sm.delete_resource_policy()
                        .secret_id(&arn)
                        .send()
                        .await
                        .ctx(format!("deleting policy of Secrets Manager Secret {arn}"))?;
                }
            }
        }
        let old_tags = map_of(prior, "tags_all").unwrap_or_default();
        let new_tags = tags::to_apply(aws, planned);
        tags::sync(
            &old_tags,
            &new_tags,
            |keys| async {
                sm.untag_resource()
                    .secret_id(&arn)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .ctx(format!("removing tags of Secrets Manager Secret {arn}"))
            },
            |set| {
                let tags = sm_tags(&set);
                async {
                    sm.tag_resource()
                        .secret_id(&arn)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .ctx(format!("tagging Secrets Manager Secret {arn}"))
                }
            },
        )
        .await?;
        read_new("Secrets Manager Secret", &arn, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let arn = id_of(state, TYPE)?;
        let regions: Vec<String> = replicas_of(state).into_keys().collect();
        if !regions.is_empty() {
            match remove_replicas(aws, &arn, regions).await {
                Ok(()) => {}
                // Already deleted or scheduled: nothing left to do.
                Err(e) if e.detail.contains("deleted") => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        let window = i64_of(state, "recovery_window_in_days").unwrap_or(30);
        let req = aws.secretsmanager().delete_secret().secret_id(&arn);
        let req = if window == 0 {
            req.force_delete_without_recovery(true)
        } else {
            req.recovery_window_in_days(window)
        };
        match req.send().await.api() {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            // Already scheduled for deletion: that is what destroy does.
            Err(e) if secret_deleted(&e) => Ok(()),
            Err(e) => Err(ApiError::into_error(
                e,
                format!("deleting Secrets Manager Secret {arn}"),
            )),
        }
    }

    fn import_hint(&self) -> String {
        "aws_secretsmanager_secret is imported by secret ARN, e.g. arn:aws:secretsmanager:us-east-1:123456789012:secret:example-123456.".into()
    }
}
