//! `aws_iam_role_policy`: one inline policy of a role, managed on its own.

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{empty_object, Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::role::retry_propagation;
use super::{decode_document, document_to_state, normalize_document};
use crate::config::AwsClients;
use crate::error::{ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::util::{
    entries, id_of, name_or_prefix, nonempty_str, opt_sv, prefix_from_name, read_new, str_of, sv,
};

pub(crate) struct RolePolicy;

const TYPE: &str = "aws_iam_role_policy";

/// `ROLE:NAME`, the resource ID (role names cannot contain a colon).
fn parse_id(id: &str) -> Option<(String, String)> {
    id.split_once(':')
        .filter(|(r, n)| !r.is_empty() && !n.is_empty())
        .map(|(r, n)| (r.to_string(), n.to_string()))
}

fn bad_id(id: &str) -> ProviderError {
    ProviderError::new(
        "Invalid aws_iam_role_policy ID",
        format!("{id:?} is not ROLE-NAME:POLICY-NAME."),
    )
    .with_hint(RolePolicy.import_hint())
}

async fn put(aws: &AwsClients, role: &str, name: &str, doc: &str) -> Result<(), ProviderError> {
    // A role created a moment ago may not be visible to IAM yet.
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
    .ctx(format!("putting IAM Role Policy {name} of role {role}"))
}

#[async_trait]
impl Resource for RolePolicy {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("An inline IAM policy embedded in a role.")
            .attr("id", A::computed(Type::String, "ROLE-NAME:POLICY-NAME."))
            .attr(
                "name",
                A::optional_computed(
                    Type::String,
                    "Name of the policy; generated from name_prefix (or terraform-) when unset.",
                )
                .force_new(),
            )
            .attr(
                "name_prefix",
                A::optional_computed(Type::String, "Prefix of a generated name.").force_new(),
            )
            .attr(
                "policy",
                A::required(Type::String, "Policy document (JSON)."),
            )
            .attr(
                "role",
                A::required(
                    Type::String,
                    "Name of the IAM role the policy is embedded in.",
                )
                .force_new(),
            )
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
        if let Some(n) = str_of(config, "name") {
            if n.is_empty() || n.len() > 128 {
                out.push(Diagnostic::error(
                    "Invalid policy name",
                    "An inline policy name must be 1 to 128 characters.",
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
        normalize_document(prior, config, "policy")
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let role =
            nonempty_str(planned, "role").ok_or_else(|| crate::util::missing(TYPE, "role"))?;
        let doc = str_of(planned, "policy").ok_or_else(|| crate::util::missing(TYPE, "policy"))?;
        let name = name_or_prefix(planned, "name", "name_prefix");
        put(aws, &role, &name, &doc).await?;
        let id = format!("{role}:{name}");
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("IAM Role Policy", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let (role, name) = parse_id(&id).ok_or_else(|| bad_id(&id))?;
        let out = match aws
            .iam()
            .get_role_policy()
            .role_name(&role)
            .policy_name(&name)
            .send()
            .await
            .api()
        {
            Ok(o) => o,
            // The role or the policy is gone.
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading IAM Role Policy {id}"))),
        };
        let doc = decode_document(&out.policy_document);
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert("role".into(), sv(&out.role_name));
        m.insert("name".into(), sv(&out.policy_name));
        m.insert(
            "name_prefix".into(),
            opt_sv(prefix_from_name(&out.policy_name)),
        );
        m.insert(
            "policy".into(),
            document_to_state(str_of(state, "policy").as_deref(), &doc),
        );
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        // Only the document changes in place; role and name force a new one.
        let id = id_of(prior, TYPE)?;
        let (role, name) = parse_id(&id).ok_or_else(|| bad_id(&id))?;
        let doc = str_of(planned, "policy").ok_or_else(|| crate::util::missing(TYPE, "policy"))?;
        if str_of(prior, "policy").as_deref() != Some(doc.as_str()) {
            put(aws, &role, &name, &doc).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("IAM Role Policy", &id, || self.read(aws, &seed)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        let (role, name) = parse_id(&id).ok_or_else(|| bad_id(&id))?;
        match aws
            .iam()
            .delete_role_policy()
            .role_name(&role)
            .policy_name(&name)
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting IAM Role Policy {id}"))),
        }
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let (role, name) = parse_id(id).ok_or_else(|| bad_id(id))?;
        let mut m = empty_object(schema);
        m.insert("id".into(), sv(id));
        m.insert("role".into(), sv(role));
        m.insert("name".into(), sv(name));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_iam_role_policy is imported as ROLE-NAME:POLICY-NAME, e.g. my-role:my-policy.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_at_the_colon() {
        assert_eq!(
            parse_id("role:pol"),
            Some(("role".to_string(), "pol".to_string()))
        );
        assert_eq!(parse_id("role"), None);
        assert_eq!(parse_id(":pol"), None);
        assert_eq!(parse_id("role:"), None);
    }
}
