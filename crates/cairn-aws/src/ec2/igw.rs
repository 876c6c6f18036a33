//! `aws_internet_gateway`.

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{delete_retrying, sync_tags, tag_map, tag_spec, with_tags};
use crate::config::AwsClients;
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{entries, id_of, nonempty_str, opt_sv, read_new, sv};

pub(crate) struct InternetGateway;

const TYPE: &str = "aws_internet_gateway";

async fn attach(aws: &AwsClients, id: &str, vpc: &str) -> Result<(), ProviderError> {
    aws.ec2()
        .attach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(vpc)
        .send()
        .await
        .ctx(format!("attaching EC2 Internet Gateway {id} to VPC {vpc}"))?;
    Ok(())
}

async fn detach(aws: &AwsClients, id: &str, vpc: &str) -> Result<(), ProviderError> {
    match aws
        .ec2()
        .detach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(vpc)
        .send()
        .await
        .api()
    {
        Ok(_) => Ok(()),
        // Already detached, or the gateway or VPC is gone: nothing to undo.
        Err(e) if e.not_found() || e.is("Gateway.NotAttached") => Ok(()),
        Err(e) => Err(e.into_error(format!(
            "detaching EC2 Internet Gateway {id} from VPC {vpc}"
        ))),
    }
}

#[async_trait]
impl Resource for InternetGateway {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new(
            "An internet gateway, optionally attached to a VPC.",
        ))
        .attr(
            "id",
            A::computed(Type::String, "ID of the internet gateway."),
        )
        .attr(
            "arn",
            A::computed(Type::String, "ARN of the internet gateway."),
        )
        .attr(
            "owner_id",
            A::computed(Type::String, "ID of the AWS account that owns it."),
        )
        .attr(
            "vpc_id",
            A::optional(Type::String, "ID of the VPC to attach it to."),
        )
        .block(
            "timeouts",
            crate::util::timeouts_block(&["create", "update", "delete"]),
        )
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let tags = tags::to_apply(aws, planned);
        let out = aws
            .ec2()
            .create_internet_gateway()
            .set_tag_specifications(tag_spec(ResourceType::InternetGateway, &tags).map(|t| vec![t]))
            .send()
            .await
            .ctx("creating EC2 Internet Gateway")?;
        let id = out
            .internet_gateway
            .and_then(|g| g.internet_gateway_id)
            .ok_or_else(|| {
                ProviderError::new(
                    "creating EC2 Internet Gateway failed",
                    "The API returned no ID.",
                )
            })?;
        if let Some(vpc) = nonempty_str(planned, "vpc_id") {
            attach(aws, &id, &vpc).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Internet Gateway", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let g = match aws
            .ec2()
            .describe_internet_gateways()
            .internet_gateway_ids(&id)
            .send()
            .await
            .api()
        {
            Ok(o) => match o.internet_gateways.unwrap_or_default().into_iter().next() {
                Some(g) => g,
                None => return Ok(None),
            },
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading EC2 Internet Gateway {id}"))),
        };
        let owner = g.owner_id.clone().unwrap_or_default();
        let vpc = g
            .attachments
            .unwrap_or_default()
            .into_iter()
            .find_map(|a| a.vpc_id);
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(aws.arn(
                "ec2",
                &aws.region,
                &owner,
                &format!("internet-gateway/{id}"),
            )),
        );
        m.insert("owner_id".into(), sv(&owner));
        m.insert("vpc_id".into(), opt_sv(vpc));
        let (t, all) = tags::from_remote(aws, state, tag_map(g.tags.as_deref()));
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
        let old = nonempty_str(prior, "vpc_id");
        let new = nonempty_str(planned, "vpc_id");
        if old != new {
            if let Some(vpc) = &old {
                detach(aws, &id, vpc).await?;
            }
            if let Some(vpc) = &new {
                attach(aws, &id, vpc).await?;
            }
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 Internet Gateway", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        // Detach from whatever VPC it is attached to now, not only the one
        // in state: it may have been moved outside cairn.
        if let Some(current) = self.read(aws, state).await? {
            if let Some(vpc) = nonempty_str(&current, "vpc_id") {
                detach(aws, &id, &vpc).await?;
            }
        } else {
            return Ok(());
        }
        delete_retrying(&format!("EC2 Internet Gateway {id}"), || async {
            aws.ec2()
                .delete_internet_gateway()
                .internet_gateway_id(&id)
                .send()
                .await
                .api()
                .map(|_| ())
        })
        .await
    }

    fn import_hint(&self) -> String {
        "aws_internet_gateway is imported by gateway ID, e.g. igw-0a1b2c3d.".into()
    }
}
