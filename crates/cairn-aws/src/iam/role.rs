//! `aws_iam_role`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, NestedBlock, Nesting, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{
    attached_policies, decode_document, document_to_state, iam_tags, inline_policy_names,
    normalize_document, tag_map,
};
use crate::config::AwsClients;
use crate::error::{ApiError, ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    blocks_of, bool_of, entries, i64_of, id_of, map_of, name_or_prefix, nonempty_str,
    opt_str_keep_null, opt_sv, prefix_from_name, read_new, rfc3339, str_of, str_set, strings_of,
    sv, PROPAGATION_TIMEOUT,
};

pub(crate) struct Role;

const TYPE: &str = "aws_iam_role";

fn inline_schema() -> Schema {
    Schema::new("An inline policy of the role.")
        .attr(
            "name",
            A::optional(Type::String, "Name of the inline policy."),
        )
        .attr(
            "policy",
            A::optional(Type::String, "Policy document (JSON)."),
        )
}

/// Retries `f` while IAM reports an error that only means a principal or
/// policy created a moment ago is not visible yet.
pub(crate) async fn retry_propagation<T, F, Fut>(mut f: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let deadline = std::time::Instant::now() + PROPAGATION_TIMEOUT;
    let mut delay = Duration::from_millis(500);
    loop {
        match f().await {
            Err(e)
                if (e.is("MalformedPolicyDocument") && e.message.contains("Invalid principal")
                    || e.is("NoSuchEntity"))
                    && std::time::Instant::now() + delay < deadline =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

async fn put_inline(
    aws: &AwsClients,
    role: &str,
    name: &str,
    doc: &str,
) -> Result<(), ProviderError> {
    retry_propagation(|| async {
        aws.iam()
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(doc)
            .send()
            .await
            .api()
            .map(|_| ())
    })
    .await
    .ctx(format!("putting inline policy {name} of IAM Role {role}"))
}

async fn attach(aws: &AwsClients, role: &str, arn: &str) -> Result<(), ProviderError> {
    retry_propagation(|| async {
        aws.iam()
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .api()
            .map(|_| ())
    })
    .await
    .ctx(format!("attaching policy {arn} to IAM Role {role}"))
}

async fn detach(aws: &AwsClients, role: &str, arn: &str) -> Result<(), ProviderError> {
    match aws
        .iam()
        .detach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .api()
    {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(e.into_error(format!("detaching policy {arn} from IAM Role {role}"))),
    }
}

async fn delete_inline(aws: &AwsClients, role: &str, name: &str) -> Result<(), ProviderError> {
    match aws
        .iam()
        .delete_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .api()
    {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(e.into_error(format!("deleting inline policy {name} of IAM Role {role}"))),
    }
}

/// Configured inline policies, by name.
fn inline_of(v: &Value) -> BTreeMap<String, String> {
    blocks_of(v, "inline_policy")
        .into_iter()
        .filter_map(|b| {
            Some((
                nonempty_str(b, "name")?,
                str_of(b, "policy").unwrap_or_default(),
            ))
        })
        .collect()
}

fn set_given(v: &Value, k: &str) -> bool {
    v.get_attr(k)
        .is_some_and(|x| !x.is_null() && x.is_wholly_known())
}

#[async_trait]
impl Resource for Role {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("An IAM role.")
            .attr("id", A::computed(Type::String, "Name of the role."))
            .attr("arn", A::computed(Type::String, "ARN of the role."))
            .attr("unique_id", A::computed(Type::String, "Stable unique ID of the role."))
            .attr("create_date", A::computed(Type::String, "Creation date (RFC 3339)."))
            .attr("name", A::optional_computed(Type::String, "Name of the role; generated from name_prefix (or terraform-) when unset.").force_new())
            .attr("name_prefix", A::optional_computed(Type::String, "Prefix of a generated name.").force_new())
            .attr("path", A::optional(Type::String, "Path of the role; defaults to /.").force_new())
            .attr("assume_role_policy", A::required(Type::String, "Trust policy (JSON) saying who may assume the role."))
            .attr("description", A::optional(Type::String, "Description of the role."))
            .attr("max_session_duration", A::optional(Type::Number, "Maximum session duration in seconds (3600 to 43200); defaults to 3600."))
            .attr("permissions_boundary", A::optional(Type::String, "ARN of the policy used as the permissions boundary."))
            .attr("force_detach_policies", A::optional(Type::Bool, "Detach all policies before destroying the role; defaults to false."))
            .attr("managed_policy_arns", A::optional_computed(Type::set(Type::String), "Exclusive set of attached managed policy ARNs (deprecated in the Terraform provider)."))
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
            .block(
                "inline_policy",
                NestedBlock {
                    nesting: Nesting::Set,
                    block: inline_schema(),
                    min_items: 0,
                    max_items: None,
                    force_new: false,
                },
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("path", sv("/")),
            ("max_session_duration", Value::int(3600)),
            ("force_detach_policies", Value::bool(false)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if set_given(config, "name") && set_given(config, "name_prefix") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "name and name_prefix cannot both be set.",
            ));
        }
        if let Some(n) = i64_of(config, "max_session_duration") {
            if !(3600..=43200).contains(&n) {
                out.push(Diagnostic::error(
                    "Invalid max_session_duration",
                    format!(
                        "max_session_duration must be between 3600 and 43200 seconds, not {n}."
                    ),
                ));
            }
        }
        if let Some(n) = str_of(config, "name") {
            if n.is_empty() || n.len() > 64 {
                out.push(Diagnostic::error(
                    "Invalid role name",
                    "A role name must be 1 to 64 characters.",
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
        let config = normalize_document(prior, config, "assume_role_policy")?;
        // inline_policy is optional and computed: no blocks means "leave
        // the inline policies alone".
        if blocks_of(&config, "inline_policy").is_empty()
            && config
                .get_attr("inline_policy")
                .is_none_or(Value::is_wholly_known)
        {
            if let Some(p) = prior.and_then(|p| p.get_attr("inline_policy")) {
                return Ok(cairn_provider::with_attrs(
                    &config,
                    [("inline_policy", p.clone())],
                ));
            }
        } else if let Some(p) = prior {
            // Keep the prior text of inline documents that mean the same.
            let old = inline_of(p);
            let mut m = entries(&config);
            if let Some(items) = config.get_attr("inline_policy").and_then(|v| v.as_seq()) {
                let t = inline_schema().implied_type();
                let items: Vec<Value> = items
                    .iter()
                    .map(|b| {
                        let name = str_of(b, "name").unwrap_or_default();
                        match (old.get(&name), str_of(b, "policy")) {
                            (Some(o), Some(n))
                                if o != &n && crate::policy::policy_equivalent(o, &n) =>
                            {
                                cairn_provider::with_attrs(b, [("policy", sv(o))])
                            }
                            _ => b.clone(),
                        }
                    })
                    .collect();
                m.insert("inline_policy".into(), Value::set(t, items));
            }
            return Ok(Value::object(m).mark(config.sensitive));
        }
        Ok(config)
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = name_or_prefix(planned, "name", "name_prefix");
        let doc = str_of(planned, "assume_role_policy")
            .ok_or_else(|| crate::util::missing(TYPE, "assume_role_policy"))?;
        let tags = tags::to_apply(aws, planned);
        retry_propagation(|| async {
            aws.iam()
                .create_role()
                .role_name(&name)
                .path(str_of(planned, "path").unwrap_or_else(|| "/".into()))
                .assume_role_policy_document(&doc)
                .set_description(nonempty_str(planned, "description"))
                .set_max_session_duration(i64_of(planned, "max_session_duration").map(|n| n as i32))
                .set_permissions_boundary(nonempty_str(planned, "permissions_boundary"))
                .set_tags((!tags.is_empty()).then(|| iam_tags(&tags)))
                .send()
                .await
                .api()
                .map(|_| ())
        })
        .await
        .ctx(format!("creating IAM Role ({name})"))?;

        for (pname, pdoc) in inline_of(planned) {
            put_inline(aws, &name, &pname, &pdoc).await?;
        }
        if set_given(planned, "managed_policy_arns") {
            for arn in strings_of(planned, "managed_policy_arns") {
                attach(aws, &name, &arn).await?;
            }
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&name))]);
        read_new("IAM Role", &name, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let name = id_of(state, TYPE)?;
        let role = match aws.iam().get_role().role_name(&name).send().await.api() {
            Ok(o) => match o.role {
                Some(r) => r,
                None => return Ok(None),
            },
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading IAM Role {name}"))),
        };
        let (managed, inline_names) = tokio::join!(
            attached_policies(aws, &name),
            inline_policy_names(aws, &name)
        );
        let managed = managed.ctx(format!("listing policies attached to IAM Role {name}"))?;
        let inline_names =
            inline_names.ctx(format!("listing inline policies of IAM Role {name}"))?;
        let prior_inline = inline_of(state);
        let mut inline = Vec::new();
        for pname in inline_names {
            let out = aws
                .iam()
                .get_role_policy()
                .role_name(&name)
                .policy_name(&pname)
                .send()
                .await
                .ctx(format!("reading inline policy {pname} of IAM Role {name}"))?;
            let doc = decode_document(&out.policy_document);
            let m: BTreeMap<String, Value> = [
                ("name".to_string(), sv(&pname)),
                (
                    "policy".to_string(),
                    document_to_state(prior_inline.get(&pname).map(String::as_str), &doc),
                ),
            ]
            .into_iter()
            .collect();
            inline.push(Value::object(m));
        }

        let trust = role
            .assume_role_policy_document
            .as_deref()
            .map(decode_document)
            .unwrap_or_default();
        let prior_trust = str_of(state, "assume_role_policy");
        let mut m = entries(state);
        m.insert("id".into(), sv(&role.role_name));
        m.insert("name".into(), sv(&role.role_name));
        m.insert(
            "name_prefix".into(),
            opt_sv(prefix_from_name(&role.role_name)),
        );
        m.insert("arn".into(), sv(&role.arn));
        m.insert("unique_id".into(), sv(&role.role_id));
        m.insert("create_date".into(), sv(rfc3339(&role.create_date)));
        m.insert("path".into(), sv(&role.path));
        m.insert(
            "assume_role_policy".into(),
            document_to_state(prior_trust.as_deref(), &trust),
        );
        m.insert(
            "description".into(),
            opt_str_keep_null(state, "description", role.description.as_deref()),
        );
        m.insert(
            "max_session_duration".into(),
            Value::int(i64::from(role.max_session_duration.unwrap_or(3600))),
        );
        m.insert(
            "permissions_boundary".into(),
            opt_sv(
                role.permissions_boundary
                    .and_then(|b| b.permissions_boundary_arn),
            ),
        );
        if m.get("force_detach_policies").is_none_or(Value::is_null) {
            m.insert("force_detach_policies".into(), Value::bool(false));
        }
        m.insert("managed_policy_arns".into(), str_set(managed));
        m.insert(
            "inline_policy".into(),
            Value::set(inline_schema().implied_type(), inline),
        );
        let (t, all) = tags::from_remote(aws, state, tag_map(role.tags.as_deref()));
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
        let iam = aws.iam();
        let changed = |k: &str| {
            planned
                .get_attr(k)
                .map(|v| v.raw_equal(prior.get_attr(k).unwrap_or(&Value::dynamic_null())))
                == Some(false)
        };
        if changed("assume_role_policy") {
            let doc = str_of(planned, "assume_role_policy").unwrap_or_default();
            retry_propagation(|| async {
                iam.update_assume_role_policy()
                    .role_name(&name)
                    .policy_document(&doc)
                    .send()
                    .await
                    .api()
                    .map(|_| ())
            })
            .await
            .ctx(format!("updating the trust policy of IAM Role {name}"))?;
        }
        if changed("description") || changed("max_session_duration") {
            iam.update_role()
                .role_name(&name)
                .description(str_of(planned, "description").unwrap_or_default())
                .set_max_session_duration(i64_of(planned, "max_session_duration").map(|n| n as i32))
                .send()
                .await
                .ctx(format!("updating IAM Role {name}"))?;
        }
        if changed("permissions_boundary") {
            match nonempty_str(planned, "permissions_boundary") {
                Some(arn) => {
                    iam.put_role_permissions_boundary()
                        .role_name(&name)
                        .permissions_boundary(arn)
                        .send()
                        .await
                        .ctx(format!(
                            "setting the permissions boundary of IAM Role {name}"
                        ))?;
                }
                None => {
                    iam.delete_role_permissions_boundary()
                        .role_name(&name)
                        .send()
                        .await
                        .ctx(format!(
                            "removing the permissions boundary of IAM Role {name}"
                        ))?;
                }
            }
        }
        if changed("managed_policy_arns") && set_given(planned, "managed_policy_arns") {
            let old: BTreeSet<String> = strings_of(prior, "managed_policy_arns")
                .into_iter()
                .collect();
            let new: BTreeSet<String> = strings_of(planned, "managed_policy_arns")
                .into_iter()
                .collect();
            for arn in old.difference(&new) {
                detach(aws, &name, arn).await?;
            }
            for arn in new.difference(&old) {
                attach(aws, &name, arn).await?;
            }
        }
        if changed("inline_policy") {
            let old = inline_of(prior);
            let new = inline_of(planned);
            for pname in old.keys().filter(|k| !new.contains_key(*k)) {
                delete_inline(aws, &name, pname).await?;
            }
            for (pname, doc) in &new {
                if old.get(pname) != Some(doc) {
                    put_inline(aws, &name, pname, doc).await?;
                }
            }
        }
        let old_tags = map_of(prior, "tags_all").unwrap_or_default();
        let new_tags = tags::to_apply(aws, planned);
        tags::sync(
            &old_tags,
            &new_tags,
            |keys| async {
                iam.untag_role()
                    .role_name(&name)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .ctx(format!("removing tags of IAM Role {name}"))
            },
            |set| {
                let tags = iam_tags(&set);
                async {
                    iam.tag_role()
                        .role_name(&name)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .ctx(format!("tagging IAM Role {name}"))
                }
            },
        )
        .await?;
        read_new("IAM Role", &name, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let name = id_of(state, TYPE)?;
        let iam = aws.iam();
        // A role in an instance profile cannot be deleted.
        match iam
            .list_instance_profiles_for_role()
            .role_name(&name)
            .send()
            .await
            .api()
        {
            Ok(o) => {
                for p in o.instance_profiles {
                    match iam
                        .remove_role_from_instance_profile()
                        .role_name(&name)
                        .instance_profile_name(&p.instance_profile_name)
                        .send()
                        .await
                        .api()
                    {
                        Ok(_) => {}
                        Err(e) if e.not_found() => {}
                        Err(e) => {
                            return Err(e.into_error(format!(
                                "removing IAM Role {name} from instance profile {}",
                                p.instance_profile_name
                            )))
                        }
                    }
                }
            }
            Err(e) if e.not_found() => return Ok(()),
            Err(e) => {
                return Err(e.into_error(format!("listing instance profiles of IAM Role {name}")))
            }
        }
        if bool_of(state, "force_detach_policies").unwrap_or(false) {
            for arn in attached_policies(aws, &name)
                .await
                .ctx(format!("listing policies attached to IAM Role {name}"))?
            {
                detach(aws, &name, &arn).await?;
            }
            for pname in inline_policy_names(aws, &name)
                .await
                .ctx(format!("listing inline policies of IAM Role {name}"))?
            {
                delete_inline(aws, &name, &pname).await?;
            }
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            match iam.delete_role().role_name(&name).send().await.api() {
                Ok(_) => return Ok(()),
                Err(e) if e.not_found() => return Ok(()),
                // Detachments propagate with a delay.
                Err(e) if e.is("DeleteConflict") && std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => {
                    let mut err = e.into_error(format!("deleting IAM Role {name}"));
                    if err.code.as_deref() == Some("DeleteConflict") {
                        err = err.with_hint("policies are still attached to the role; set force_detach_policies = true, or remove the attachments first");
                    }
                    return Err(err);
                }
            }
        }
    }

    fn import_hint(&self) -> String {
        "aws_iam_role is imported by role name.".into()
    }
}
