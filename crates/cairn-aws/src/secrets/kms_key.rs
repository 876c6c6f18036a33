//! `aws_kms_key`: a KMS key. Destroying it schedules its deletion; a key
//! pending deletion counts as gone.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, OriginType, Tag};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};

use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::iam::{document_to_state, normalize_document};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, i64_of, id_of, map_of, nonempty_str, opt_sv, read_new, str_of, sv,
    PROPAGATION_TIMEOUT,
};

pub(crate) struct KmsKey;

const TYPE: &str = "aws_kms_key";

/// The only key policy name KMS has.
const POLICY_NAME: &str = "default";

pub(crate) fn kms_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().tag_key(k).tag_value(v).build().ok())
        .collect()
}

/// Retries `f` while KMS rejects a policy only because a principal in it
/// was created a moment ago and IAM has not propagated it yet.
async fn retry_principal<T, F, Fut>(mut f: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let deadline = Instant::now() + PROPAGATION_TIMEOUT;
    let mut delay = Duration::from_millis(500);
    loop {
        match f().await {
            Err(e)
                if e.is("MalformedPolicyDocumentException")
                    && Instant::now() + delay < deadline =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

async fn set_rotation(
    aws: &AwsClients,
    id: &str,
    enable: bool,
    period: Option<i64>,
) -> Result<(), ProviderError> {
    if enable {
        aws.kms()
            .enable_key_rotation()
            .key_id(id)
            .set_rotation_period_in_days(period.map(|p| p as i32))
            .send()
            .await
            .ctx(format!("enabling rotation of KMS Key {id}"))?;
    } else {
        aws.kms()
            .disable_key_rotation()
            .key_id(id)
            .send()
            .await
            .ctx(format!("disabling rotation of KMS Key {id}"))?;
    }
    Ok(())
}

async fn set_enabled(aws: &AwsClients, id: &str, enabled: bool) -> Result<(), ProviderError> {
    if enabled {
        aws.kms()
            .enable_key()
            .key_id(id)
            .send()
            .await
            .ctx(format!("enabling KMS Key {id}"))?;
    } else {
        aws.kms()
            .disable_key()
            .key_id(id)
            .send()
            .await
            .ctx(format!("disabling KMS Key {id}"))?;
    }
    Ok(())
}

async fn list_tags(aws: &AwsClients, id: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let mut out = BTreeMap::new();
    let mut marker = None;
    loop {
        let page = aws
            .kms()
            .list_resource_tags()
            .key_id(id)
            .set_marker(marker)
            .send()
            .await
            .api()?;
        for t in page.tags.unwrap_or_default() {
            out.insert(t.tag_key, t.tag_value);
        }
        marker = page.next_marker.filter(|_| page.truncated);
        if marker.is_none() {
            return Ok(out);
        }
    }
}

fn valid_values(what: &str, v: &str, allowed: &[&str]) -> Option<Diagnostic> {
    (!allowed.contains(&v)).then(|| {
        Diagnostic::error(
            format!("Invalid {what}"),
            format!("{what} must be one of {}, not {v:?}.", allowed.join(", ")),
        )
    })
}

#[async_trait]
impl Resource for KmsKey {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("A KMS key (customer managed).")
            .attr("id", A::computed(Type::String, "ID of the key."))
            .attr("arn", A::computed(Type::String, "ARN of the key."))
            .attr("key_id", A::computed(Type::String, "ID of the key."))
            .attr("description", A::optional_computed(Type::String, "Description of the key."))
            .attr("key_usage", A::optional(Type::String, "ENCRYPT_DECRYPT (default), SIGN_VERIFY, GENERATE_VERIFY_MAC or KEY_AGREEMENT.").force_new())
            .attr("customer_master_key_spec", A::optional(Type::String, "Key spec, e.g. SYMMETRIC_DEFAULT (default), RSA_2048, ECC_NIST_P256, HMAC_256.").force_new())
            .attr("custom_key_store_id", A::optional(Type::String, "ID of the custom key store to create the key in.").force_new())
            .attr("xks_key_id", A::optional(Type::String, "ID of the key in the external key manager (external key stores).").force_new())
            .attr("policy", A::optional_computed(Type::String, "Key policy (JSON); KMS's default policy when unset."))
            .attr("bypass_policy_lockout_safety_check", A::optional(Type::Bool, "Skip KMS's check that the policy does not lock the caller out; defaults to false."))
            .attr("enable_key_rotation", A::optional(Type::Bool, "Rotate the key material automatically; defaults to false."))
            .attr("rotation_period_in_days", A::optional_computed(Type::Number, "Days between automatic rotations (90 to 2560)."))
            .attr("deletion_window_in_days", A::optional(Type::Number, "Days (7 to 30) the key waits in pending deletion after destroy; KMS defaults to 30."))
            .attr("is_enabled", A::optional(Type::Bool, "Whether the key is enabled; defaults to true."))
            .attr("multi_region", A::optional_computed(Type::Bool, "Whether the key is a multi-Region primary key.").force_new())
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
            .block("timeouts", crate::util::timeouts_block(&["create"]))
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("key_usage", sv("ENCRYPT_DECRYPT")),
            ("customer_master_key_spec", sv("SYMMETRIC_DEFAULT")),
            ("bypass_policy_lockout_safety_check", Value::bool(false)),
            ("enable_key_rotation", Value::bool(false)),
            ("is_enabled", Value::bool(true)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(n) = i64_of(config, "deletion_window_in_days") {
            if !(7..=30).contains(&n) {
                out.push(Diagnostic::error(
                    "Invalid deletion_window_in_days",
                    format!("deletion_window_in_days must be between 7 and 30, not {n}."),
                ));
            }
        }
        if let Some(n) = i64_of(config, "rotation_period_in_days") {
            if !(90..=2560).contains(&n) {
                out.push(Diagnostic::error(
                    "Invalid rotation_period_in_days",
                    format!("rotation_period_in_days must be between 90 and 2560, not {n}."),
                ));
            }
            if config
                .get_attr("enable_key_rotation")
                .is_none_or(Value::is_null)
            {
                out.push(Diagnostic::error(
                    "Missing enable_key_rotation",
                    "rotation_period_in_days needs enable_key_rotation to be set.",
                ));
            }
        }
        if let Some(u) = str_of(config, "key_usage") {
            let allowed: Vec<&str> = KeyUsageType::values().to_vec();
            out.extend(valid_values("key_usage", &u, &allowed));
        }
        if let Some(s) = str_of(config, "customer_master_key_spec") {
            let allowed: Vec<&str> = KeySpec::values().to_vec();
            out.extend(valid_values("customer_master_key_spec", &s, &allowed));
        }
        if config.get_attr("xks_key_id").is_some_and(|v| !v.is_null())
            && config
                .get_attr("custom_key_store_id")
                .is_none_or(Value::is_null)
        {
            out.push(Diagnostic::error(
                "Missing custom_key_store_id",
                "xks_key_id needs custom_key_store_id to be set.",
            ));
        }
        out
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        normalize_document(prior, config, "policy")
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        // Turning rotation on without a period: KMS picks it (365 days).
        if let Some(p) = prior {
            let turned_on = bool_of(config, "enable_key_rotation") == Some(true)
                && bool_of(p, "enable_key_rotation") != Some(true);
            if turned_on
                && config
                    .get_attr("rotation_period_in_days")
                    .is_none_or(Value::is_null)
            {
                resp.planned = cairn_provider::with_attrs(
                    &resp.planned,
                    [("rotation_period_in_days", Value::unknown(Type::Number))],
                );
            }
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let tags = tags::to_apply(aws, planned);
        let origin = if nonempty_str(planned, "xks_key_id").is_some() {
            Some(OriginType::ExternalKeyStore)
        } else if nonempty_str(planned, "custom_key_store_id").is_some() {
            Some(OriginType::AwsCloudhsm)
        } else {
            None
        };
        // KMS CreateKey has no client token.
        let out = retry_principal(|| async {
            aws.kms()
                .create_key()
                .set_description(nonempty_str(planned, "description"))
                .key_usage(KeyUsageType::from(
                    str_of(planned, "key_usage")
                        .unwrap_or_else(|| "ENCRYPT_DECRYPT".into())
                        .as_str(),
                ))
                .key_spec(KeySpec::from(
                    str_of(planned, "customer_master_key_spec")
                        .unwrap_or_else(|| "SYMMETRIC_DEFAULT".into())
                        .as_str(),
                ))
                .set_policy(nonempty_str(planned, "policy"))
                .bypass_policy_lockout_safety_check(
                    bool_of(planned, "bypass_policy_lockout_safety_check").unwrap_or(false),
                )
                .set_multi_region(bool_of(planned, "multi_region").filter(|m| *m))
                .set_custom_key_store_id(nonempty_str(planned, "custom_key_store_id"))
                .set_xks_key_id(nonempty_str(planned, "xks_key_id"))
                .set_origin(origin.clone())
                .set_tags((!tags.is_empty()).then(|| kms_tags(&tags)))
                .send()
                .await
                .api()
        })
        .await
        .map_err(|e| e.into_error("creating KMS Key"))?;
        let id = out.key_metadata.map(|m| m.key_id).ok_or_else(|| {
            ProviderError::new("creating KMS Key failed", "The API returned no key ID.")
        })?;
        if bool_of(planned, "enable_key_rotation").unwrap_or(false) {
            set_rotation(aws, &id, true, i64_of(planned, "rotation_period_in_days")).await?;
        }
        if !bool_of(planned, "is_enabled").unwrap_or(true) {
            set_enabled(aws, &id, false).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("KMS Key", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let kms = aws.kms();
        let meta = match kms.describe_key().key_id(&id).send().await.api() {
            Ok(o) => match o.key_metadata {
                Some(m) => m,
                None => return Ok(None),
            },
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading KMS Key {id}"))),
        };
        // A key pending deletion is as good as gone (it cannot be used and
        // Terraform treats it so).
        if matches!(
            meta.key_state,
            Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
        ) {
            return Ok(None);
        }
        let policy = match kms
            .get_key_policy()
            .key_id(&id)
            .policy_name(POLICY_NAME)
            .send()
            .await
            .api()
        {
            Ok(o) => o.policy.unwrap_or_default(),
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading policy of KMS Key {id}"))),
        };
        // Rotation applies only to keys whose material KMS holds.
        let rotation = if meta
            .origin
            .as_ref()
            .is_none_or(|o| *o == OriginType::AwsKms)
        {
            match kms.get_key_rotation_status().key_id(&id).send().await.api() {
                Ok(o) => Some((o.key_rotation_enabled, o.rotation_period_in_days)),
                Err(e) if e.not_found() => return Ok(None),
                // Asymmetric and HMAC keys do not support rotation.
                Err(e) if e.is("UnsupportedOperationException") => None,
                Err(e) => {
                    return Err(e.into_error(format!("reading rotation status of KMS Key {id}")))
                }
            }
        } else {
            None
        };
        let remote_tags = match list_tags(aws, &id).await {
            Ok(t) => t,
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("listing tags of KMS Key {id}"))),
        };

        let mut m = entries(state);
        m.insert("id".into(), sv(&meta.key_id));
        m.insert("key_id".into(), sv(&meta.key_id));
        m.insert("arn".into(), opt_sv(meta.arn.as_deref()));
        m.insert(
            "description".into(),
            sv(meta.description.as_deref().unwrap_or_default()),
        );
        m.insert(
            "key_usage".into(),
            opt_sv(meta.key_usage.as_ref().map(|u| u.as_str())),
        );
        m.insert(
            "customer_master_key_spec".into(),
            opt_sv(meta.key_spec.as_ref().map(|s| s.as_str())),
        );
        m.insert(
            "custom_key_store_id".into(),
            opt_sv(meta.custom_key_store_id.as_deref()),
        );
        if let Some(x) = meta.xks_key_configuration.and_then(|x| x.id) {
            m.insert("xks_key_id".into(), sv(x));
        }
        m.insert("is_enabled".into(), Value::bool(meta.enabled));
        m.insert(
            "multi_region".into(),
            Value::bool(meta.multi_region.unwrap_or(false)),
        );
        m.insert(
            "policy".into(),
            document_to_state(str_of(state, "policy").as_deref(), &policy),
        );
        let (enabled, period) = rotation.unwrap_or((false, None));
        m.insert("enable_key_rotation".into(), Value::bool(enabled));
        // Keep the known period when the API does not report one (it does
        // only while rotation is on; some emulators never do).
        if let Some(p) = period {
            m.insert("rotation_period_in_days".into(), Value::int(i64::from(p)));
        } else if m
            .get("rotation_period_in_days")
            .is_none_or(|v| !v.is_wholly_known())
        {
            m.insert("rotation_period_in_days".into(), Value::null(Type::Number));
        }
        // Not reported by the API: the default until configured.
        if m.get("bypass_policy_lockout_safety_check")
            .is_none_or(Value::is_null)
        {
            m.insert(
                "bypass_policy_lockout_safety_check".into(),
                Value::bool(false),
            );
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
        let id = id_of(prior, TYPE)?;
        let kms = aws.kms();
        let changed = |k: &str| match (prior.get_attr(k), planned.get_attr(k)) {
            (Some(a), Some(b)) => b.is_wholly_known() && !a.raw_equal(b),
            _ => false,
        };
        let enabled = bool_of(planned, "is_enabled").unwrap_or(true);
        // A disabled key cannot be changed: enable first, disable last.
        if changed("is_enabled") && enabled {
            set_enabled(aws, &id, true).await?;
        }
        let rotate = bool_of(planned, "enable_key_rotation").unwrap_or(false);
        if changed("enable_key_rotation") || (rotate && changed("rotation_period_in_days")) {
            set_rotation(aws, &id, rotate, i64_of(planned, "rotation_period_in_days")).await?;
        }
        if changed("description") {
            kms.update_key_description()
                .key_id(&id)
                .description(str_of(planned, "description").unwrap_or_default())
                .send()
                .await
                .ctx(format!("updating description of KMS Key {id}"))?;
        }
        if changed("policy") {
            if let Some(doc) = nonempty_str(planned, "policy") {
                retry_principal(|| async {
                    kms.put_key_policy()
                        .key_id(&id)
                        .policy_name(POLICY_NAME)
                        .policy(&doc)
                        .bypass_policy_lockout_safety_check(
                            bool_of(planned, "bypass_policy_lockout_safety_check").unwrap_or(false),
                        )
                        .send()
                        .await
                        .api()
                        .map(|_| ())
                })
                .await
                .map_err(|e| e.into_error(format!("updating policy of KMS Key {id}")))?;
            }
        }
        let old_tags = map_of(prior, "tags_all").unwrap_or_default();
        let new_tags = tags::to_apply(aws, planned);
        tags::sync(
            &old_tags,
            &new_tags,
            |keys| async {
                kms.untag_resource()
                    .key_id(&id)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .ctx(format!("removing tags of KMS Key {id}"))
            },
            |set| {
                let tags = kms_tags(&set);
                async {
                    kms.tag_resource()
                        .key_id(&id)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .ctx(format!("tagging KMS Key {id}"))
                }
            },
        )
        .await?;
        if changed("is_enabled") && !enabled {
            set_enabled(aws, &id, false).await?;
        }
        read_new("KMS Key", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        match aws
            .kms()
            .schedule_key_deletion()
            .key_id(&id)
            .set_pending_window_in_days(i64_of(state, "deletion_window_in_days").map(|d| d as i32))
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            // Already scheduled: that is what destroy does.
            Err(e)
                if e.is("KMSInvalidStateException") && e.message.contains("pending deletion") =>
            {
                Ok(())
            }
            Err(e) => Err(e.into_error(format!("deleting KMS Key {id}"))),
        }
    }

    fn import_hint(&self) -> String {
        "aws_kms_key is imported by key ID, e.g. 1234abcd-12ab-34cd-56ef-1234567890ab.".into()
    }
}
