//! `aws_ssm_parameter`: a Systems Manager Parameter Store parameter.
//! SecureString values are read back decrypted (and kept sensitive).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ssm::types::{
    ParameterStringFilter, ParameterTier, ParameterType, ResourceTypeForTagging, Tag,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{unknown_computed, Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{PathStep, Type, Value};

use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    bool_of, entries, id_of, map_of, nonempty_str, opt_str_keep_null, opt_sv, read_new, str_of, sv,
};

pub(crate) struct SsmParameter;

const TYPE: &str = "aws_ssm_parameter";

const TYPES: &[&str] = &["String", "StringList", "SecureString"];
const TIERS: &[&str] = &["Standard", "Advanced", "Intelligent-Tiering"];
const DATA_TYPES: &[&str] = &["text", "aws:ec2:image", "aws:ssm:integration"];

/// Arguments whose change rewrites the parameter (a new version).
const PUT_ATTRS: &[&str] = &[
    "value",
    "insecure_value",
    "description",
    "type",
    "allowed_pattern",
    "key_id",
    "tier",
    "data_type",
];

fn ssm_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

fn set_given(v: &Value, k: &str) -> bool {
    v.get_attr(k).is_some_and(|x| !x.is_null())
}

/// The value to store: `insecure_value` when given, else `value`.
fn value_of(v: &Value) -> Option<String> {
    str_of(v, "insecure_value").or_else(|| str_of(v, "value"))
}

fn tier_unsupported(e: &ApiError) -> bool {
    e.is("ValidationException") && e.message.contains("Tier is not supported")
}

async fn list_tags(aws: &AwsClients, name: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let out = aws
        .ssm()
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .api()?;
    Ok(out
        .tag_list
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect())
}

#[async_trait]
impl Resource for SsmParameter {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("An SSM Parameter Store parameter.")
            .attr("id", A::computed(Type::String, "Name of the parameter."))
            .attr(
                "arn",
                A::optional_computed(Type::String, "ARN of the parameter."),
            )
            .attr(
                "name",
                A::required(
                    Type::String,
                    "Name of the parameter (a path such as /app/db/password).",
                )
                .force_new(),
            )
            .attr(
                "type",
                A::required(Type::String, "String, StringList or SecureString."),
            )
            .attr(
                "value",
                A::optional_computed(
                    Type::String,
                    "Value of the parameter (sensitive; decrypted for SecureString).",
                )
                .sensitive(),
            )
            .attr(
                "insecure_value",
                A::optional_computed(
                    Type::String,
                    "Value of the parameter, not treated as sensitive (not for SecureString).",
                ),
            )
            .attr(
                "description",
                A::optional(Type::String, "Description of the parameter."),
            )
            .attr(
                "key_id",
                A::optional_computed(
                    Type::String,
                    "KMS key that encrypts a SecureString; alias/aws/ssm when unset.",
                ),
            )
            .attr(
                "tier",
                A::optional_computed(Type::String, "Standard, Advanced or Intelligent-Tiering."),
            )
            .attr(
                "data_type",
                A::optional_computed(
                    Type::String,
                    "text (default), aws:ec2:image or aws:ssm:integration.",
                )
                .force_new(),
            )
            .attr(
                "allowed_pattern",
                A::optional(Type::String, "Regular expression values must match."),
            )
            .attr(
                "overwrite",
                A::optional(
                    Type::Bool,
                    "Overwrite an existing parameter of the same name on create (deprecated).",
                ),
            )
            .attr(
                "version",
                A::computed(Type::Number, "Version of the parameter."),
            )
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let has_value = set_given(config, "value");
        let has_insecure = set_given(config, "insecure_value");
        if has_value == has_insecure {
            out.push(Diagnostic::error(
                "Invalid value arguments",
                "Exactly one of value and insecure_value must be set.",
            ));
        }
        let enum_check = |k: &str, allowed: &[&str], out: &mut Vec<Diagnostic>| {
            if let Some(v) = str_of(config, k) {
                if !allowed.contains(&v.as_str()) {
                    out.push(Diagnostic::error(
                        format!("Invalid {k}"),
                        format!("{k} must be one of {}, not {v:?}.", allowed.join(", ")),
                    ));
                }
            }
        };
        enum_check("type", TYPES, &mut out);
        enum_check("tier", TIERS, &mut out);
        enum_check("data_type", DATA_TYPES, &mut out);
        if has_insecure && str_of(config, "type").as_deref() == Some("SecureString") {
            out.push(Diagnostic::error(
                "Invalid insecure_value",
                "insecure_value cannot be used with type = \"SecureString\"; use value.",
            ));
        }
        if let Some(n) = str_of(config, "name") {
            if n.is_empty() || n.len() > 2048 {
                out.push(Diagnostic::error(
                    "Invalid name",
                    "A parameter name must be 1 to 2048 characters.",
                ));
            }
        }
        out
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        // Intelligent-Tiering picks the tier itself: asking for it again is
        // not a change.
        if let Some(old) = prior.and_then(|p| nonempty_str(p, "tier")) {
            if str_of(&config, "tier").as_deref() == Some("Intelligent-Tiering") {
                return Ok(cairn_provider::with_attrs(&config, [("tier", sv(old))]));
            }
        }
        Ok(config)
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        let mut m = entries(&resp.planned);
        // One of value / insecure_value holds the value; the other is null.
        if set_given(config, "insecure_value") {
            m.insert("value".into(), Value::null(Type::String).marked());
        } else if set_given(config, "value") {
            m.insert("insecure_value".into(), Value::null(Type::String));
        }
        if let Some(p) = prior {
            // Advanced parameters cannot go back to Standard in place.
            if str_of(p, "tier").as_deref() == Some("Advanced")
                && str_of(config, "tier").as_deref() == Some("Standard")
            {
                resp.requires_replace
                    .push(vec![PathStep::Attr("tier".into())]);
                let tags_all = m.get("tags_all").cloned();
                let fresh = unknown_computed(&self.schema(), config);
                m = entries(&fresh);
                if let Some(t) = tags_all {
                    m.insert("tags_all".into(), t);
                }
            }
            // Any rewrite makes a new version.
            let rewrites = PUT_ATTRS.iter().any(|k| match (p.get_attr(k), m.get(*k)) {
                (Some(a), Some(b)) => !b.is_wholly_known() || !a.raw_equal(b),
                _ => false,
            });
            if rewrites {
                m.insert("version".into(), Value::unknown(Type::Number));
            }
        }
        resp.planned = Value::object(m).mark(resp.planned.sensitive);
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name =
            nonempty_str(planned, "name").ok_or_else(|| crate::util::missing(TYPE, "name"))?;
        let ty = str_of(planned, "type").ok_or_else(|| crate::util::missing(TYPE, "type"))?;
        let value = value_of(planned).ok_or_else(|| crate::util::missing(TYPE, "value"))?;
        let overwrite = bool_of(planned, "overwrite").unwrap_or(false);
        let tags = tags::to_apply(aws, planned);
        let secure = ty == "SecureString";
        let put = |tier: Option<String>| {
            aws.ssm()
                .put_parameter()
                .name(&name)
                .r#type(ParameterType::from(ty.as_str()))
                .value(&value)
                .overwrite(overwrite)
                .set_description(nonempty_str(planned, "description"))
                .set_allowed_pattern(nonempty_str(planned, "allowed_pattern"))
                .set_data_type(nonempty_str(planned, "data_type"))
                .set_key_id(nonempty_str(planned, "key_id").filter(|_| secure))
                .set_tier(tier.map(|t| ParameterTier::from(t.as_str())))
                // PutParameter takes tags only when not overwriting.
                .set_tags((!overwrite && !tags.is_empty()).then(|| ssm_tags(&tags)))
                .send()
        };
        match put(nonempty_str(planned, "tier")).await.api() {
            Ok(_) => {}
            // Regions without parameter tiers: use the default.
            Err(e) if tier_unsupported(&e) => {
                put(None)
                    .await
                    .ctx(format!("creating SSM Parameter ({name})"))?;
            }
            Err(e) => return Err(e.into_error(format!("creating SSM Parameter ({name})"))),
        }
        if overwrite && !tags.is_empty() {
            aws.ssm()
                .add_tags_to_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(&name)
                .set_tags(Some(ssm_tags(&tags)))
                .send()
                .await
                .ctx(format!("tagging SSM Parameter {name}"))?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&name))]);
        read_new("SSM Parameter", &name, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let ssm = aws.ssm();
        let p = match ssm
            .get_parameter()
            .name(&id)
            .with_decryption(true)
            .send()
            .await
            .api()
        {
            Ok(o) => match o.parameter {
                Some(p) => p,
                None => return Ok(None),
            },
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading SSM Parameter {id}"))),
        };
        let name = p.name.clone().unwrap_or_else(|| id.clone());
        let meta = ssm
            .describe_parameters()
            .parameter_filters(
                ParameterStringFilter::builder()
                    .key("Name")
                    .option("Equals")
                    .values(&name)
                    .build()
                    .map_err(|e| {
                        ProviderError::new("reading SSM Parameter failed", e.to_string())
                    })?,
            )
            .send()
            .await
            .ctx(format!("reading metadata of SSM Parameter {name}"))?
            .parameters
            .unwrap_or_default()
            .into_iter()
            .find(|m| m.name.as_deref() == Some(name.as_str()));
        let Some(meta) = meta else {
            return Ok(None);
        };
        let remote_tags = match list_tags(aws, &name).await {
            Ok(t) => t,
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("listing tags of SSM Parameter {name}"))),
        };
        let ty = p.r#type.as_ref().map(|t| t.as_str().to_string());
        let mut m = entries(state);
        m.insert("id".into(), sv(&name));
        m.insert("name".into(), sv(&name));
        m.insert("arn".into(), opt_sv(p.arn.as_deref()));
        m.insert("type".into(), opt_sv(ty.as_deref()));
        m.insert("version".into(), Value::int(p.version));
        let insecure = set_given(state, "insecure_value") && ty.as_deref() != Some("SecureString");
        if insecure {
            m.insert("insecure_value".into(), opt_sv(p.value.as_deref()));
            m.insert("value".into(), Value::null(Type::String).marked());
        } else {
            m.insert("value".into(), opt_sv(p.value.as_deref()).marked());
            m.insert("insecure_value".into(), Value::null(Type::String));
        }
        m.insert(
            "description".into(),
            opt_str_keep_null(state, "description", meta.description.as_deref()),
        );
        m.insert(
            "allowed_pattern".into(),
            opt_str_keep_null(state, "allowed_pattern", meta.allowed_pattern.as_deref()),
        );
        m.insert("key_id".into(), opt_sv(meta.key_id.as_deref()));
        m.insert(
            "tier".into(),
            opt_sv(meta.tier.as_ref().map(|t| t.as_str())),
        );
        m.insert(
            "data_type".into(),
            opt_sv(meta.data_type.as_deref().or(p.data_type.as_deref())),
        );
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
        let changed = |k: &str| match (prior.get_attr(k), planned.get_attr(k)) {
            (Some(a), Some(b)) => !a.raw_equal(b),
            (None, None) => false,
            _ => true,
        };
        if PUT_ATTRS.iter().any(|k| changed(k)) {
            let ty = str_of(planned, "type").ok_or_else(|| crate::util::missing(TYPE, "type"))?;
            let value = value_of(planned).ok_or_else(|| crate::util::missing(TYPE, "value"))?;
            let secure = ty == "SecureString";
            let put = |tier: Option<String>| {
                aws.ssm()
                    .put_parameter()
                    .name(&name)
                    .r#type(ParameterType::from(ty.as_str()))
                    .value(&value)
                    // The resource owns the parameter: rewriting it is the update.
                    .overwrite(true)
                    .allowed_pattern(str_of(planned, "allowed_pattern").unwrap_or_default())
                    .set_description(
                        changed("description")
                            .then(|| str_of(planned, "description").unwrap_or_default()),
                    )
                    .set_data_type(
                        nonempty_str(planned, "data_type").filter(|_| changed("data_type")),
                    )
                    .set_key_id(
                        nonempty_str(planned, "key_id").filter(|_| secure && changed("key_id")),
                    )
                    .set_tier(tier.map(|t| ParameterTier::from(t.as_str())))
                    .send()
            };
            match put(nonempty_str(planned, "tier")).await.api() {
                Ok(_) => {}
                Err(e) if tier_unsupported(&e) => {
                    put(None)
                        .await
                        .ctx(format!("updating SSM Parameter {name}"))?;
                }
                Err(e) => return Err(e.into_error(format!("updating SSM Parameter {name}"))),
            }
        }
        let old_tags = map_of(prior, "tags_all").unwrap_or_default();
        let new_tags = tags::to_apply(aws, planned);
        tags::sync(
            &old_tags,
            &new_tags,
            |keys| async {
                aws.ssm()
                    .remove_tags_from_resource()
                    .resource_type(ResourceTypeForTagging::Parameter)
                    .resource_id(&name)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .ctx(format!("removing tags of SSM Parameter {name}"))
            },
            |set| {
                let tags = ssm_tags(&set);
                async {
                    aws.ssm()
                        .add_tags_to_resource()
                        .resource_type(ResourceTypeForTagging::Parameter)
                        .resource_id(&name)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .ctx(format!("tagging SSM Parameter {name}"))
                }
            },
        )
        .await?;
        read_new("SSM Parameter", &name, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        // By name: the ID may be an ARN after an import by ARN.
        let name = nonempty_str(state, "name").map_or_else(|| id_of(state, TYPE), Ok)?;
        match aws.ssm().delete_parameter().name(&name).send().await.api() {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting SSM Parameter {name}"))),
        }
    }

    fn import_hint(&self) -> String {
        "aws_ssm_parameter is imported by parameter name, e.g. /app/db/password.".into()
    }
}
