//! `aws_iam_role_policy_attachment`: a managed policy attached to a role.

use async_trait::async_trait;
use cairn_provider::{empty_object, Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::attached_policies;
use super::role::retry_propagation;
use crate::config::AwsClients;
use crate::error::{ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::util::{entries, nonempty_str, read_new, sv, unique_name};

pub(crate) struct RolePolicyAttachment;

const TYPE: &str = "aws_iam_role_policy_attachment";

fn parts(v: &Value) -> Result<(String, String), ProviderError> {
    let role = nonempty_str(v, "role").ok_or_else(|| crate::util::missing(TYPE, "role"))?;
    let arn =
        nonempty_str(v, "policy_arn").ok_or_else(|| crate::util::missing(TYPE, "policy_arn"))?;
    Ok((role, arn))
}

#[async_trait]
impl Resource for RolePolicyAttachment {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("Attaches a managed IAM policy to a role.")
            .attr("id", A::computed(Type::String, "ID of the attachment."))
            .attr(
                "role",
                A::required(Type::String, "Name of the role.").force_new(),
            )
            .attr(
                "policy_arn",
                A::required(Type::String, "ARN of the policy.").force_new(),
            )
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let (role, arn) = parts(planned)?;
        retry_propagation(|| async {
            aws.iam()
                .attach_role_policy()
                .role_name(&role)
                .policy_arn(&arn)
                .send()
                .await
                .api()
                .map(|_| ())
        })
        .await
        .ctx(format!("attaching IAM Policy {arn} to IAM Role {role}"))?;
        let id = unique_name(&format!("{role}-"));
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("IAM Role Policy Attachment", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let (role, arn) = parts(state)?;
        let attached = match attached_policies(aws, &role).await {
            Ok(a) => a,
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => {
                return Err(e.into_error(format!("listing policies attached to IAM Role {role}")))
            }
        };
        if !attached.contains(&arn) {
            return Ok(None);
        }
        let mut m = entries(state);
        m.insert("role".into(), sv(&role));
        m.insert("policy_arn".into(), sv(&arn));
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        // Every argument forces replacement: nothing to change in place.
        let (role, _) = parts(planned)?;
        read_new("IAM Role Policy Attachment", &role, || {
            self.read(aws, planned)
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let (role, arn) = parts(state)?;
        match aws
            .iam()
            .detach_role_policy()
            .role_name(&role)
            .policy_arn(&arn)
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("detaching IAM Policy {arn} from IAM Role {role}"))),
        }
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let Some((role, arn)) = id
            .split_once('/')
            .filter(|(r, a)| !r.is_empty() && !a.is_empty())
        else {
            return Err(ProviderError::new(
                "Invalid import ID",
                format!("{id:?} is not ROLE-NAME/POLICY-ARN."),
            )
            .with_hint(self.import_hint()));
        };
        let mut m = empty_object(schema);
        m.insert("id".into(), sv(id));
        m.insert("role".into(), sv(role));
        m.insert("policy_arn".into(), sv(arn));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_iam_role_policy_attachment is imported as ROLE-NAME/POLICY-ARN, e.g. my-role/arn:aws:iam::aws:policy/ReadOnlyAccess.".into()
    }
}
