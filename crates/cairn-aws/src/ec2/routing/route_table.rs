//! `aws_route_table`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::table::{self, TABLE_TARGETS};
use crate::config::AwsClients;
use crate::ec2::{delete_retrying, sync_tags, tag_spec, with_tags};
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{client_token, id_of, nonempty_str, read_new, sv, wait_for};

pub(crate) struct RouteTable;

const TYPE: &str = "aws_route_table";

#[async_trait]
impl Resource for RouteTable {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new("A VPC route table."))
            .attr("id", A::computed(Type::String, "ID of the route table."))
            .attr("arn", A::computed(Type::String, "ARN of the route table."))
            .attr(
                "owner_id",
                A::computed(
                    Type::String,
                    "ID of the AWS account that owns the route table.",
                ),
            )
            .attr(
                "vpc_id",
                A::required(Type::String, "ID of the VPC.").force_new(),
            )
            .attr(
                "propagating_vgws",
                A::optional_computed(
                    Type::set(Type::String),
                    "Virtual private gateways whose routes propagate into the table.",
                ),
            )
            .block("route", table::route_block(TABLE_TARGETS))
            .block(
                "timeouts",
                crate::util::timeouts_block(&["create", "update", "delete"]),
            )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        table::validate_routes(config, TABLE_TARGETS)
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        Ok(table::normalize_routes(prior, config, TABLE_TARGETS))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let vpc =
            nonempty_str(planned, "vpc_id").ok_or_else(|| crate::util::missing(TYPE, "vpc_id"))?;
        let tags = tags::to_apply(aws, planned);
        let out = aws
            .ec2()
            .create_route_table()
            .vpc_id(&vpc)
            .client_token(client_token())
            .set_tag_specifications(tag_spec(ResourceType::RouteTable, &tags).map(|t| vec![t]))
            .send()
            .await
            .ctx(format!("creating EC2 Route Table in VPC {vpc}"))?;
        let id = out
            .route_table
            .and_then(|t| t.route_table_id)
            .ok_or_else(|| {
                ProviderError::new("creating EC2 Route Table failed", "The API returned no ID.")
            })?;
        // Routes cannot be added before the table is visible.
        let visible = wait_for(crate::util::PROPAGATION_TIMEOUT, || async {
            Ok(table::find_table(aws, &id).await?.map(|_| ()))
        })
        .await?;
        if visible.is_none() {
            return Err(ProviderError::new(
                format!("EC2 Route Table {id} not found after creation"),
                "AWS accepted the request but the route table did not become visible.",
            ));
        }
        let configured = async {
            table::sync_vgws(aws, &id, &[], planned).await?;
            let empty = Value::null(Type::Dynamic);
            table::sync_routes(aws, &id, &empty, planned, TABLE_TARGETS).await
        };
        if let Err(e) = configured.await {
            // The failed create leaves no state behind, so do not leave an
            // untracked table either.
            let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
            if let Err(cleanup) = self.delete(aws, &seed).await {
                return Err(e.with_hint(format!(
                    "Route table {id} was left behind ({}); delete or import it.",
                    cleanup.summary
                )));
            }
            return Err(e);
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Route Table", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(t) = table::find_table(aws, &id).await? else {
            return Ok(None);
        };
        let m = table::table_state(aws, state, &t, TABLE_TARGETS, false);
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = id_of(prior, TYPE)?;
        let current = table::find_table(aws, &id)
            .await?
            .map(|t| table::vgws_of(&t))
            .unwrap_or_default();
        table::sync_vgws(aws, &id, &current, planned).await?;
        table::sync_routes(aws, &id, prior, planned, TABLE_TARGETS).await?;
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 Route Table", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(t) = table::find_table(aws, &id).await? else {
            return Ok(());
        };
        // A table with subnet or gateway associations cannot be deleted.
        for a in t.associations.unwrap_or_default() {
            if a.main == Some(true) {
                continue;
            }
            if let Some(assoc) = a.route_table_association_id {
                super::association::disassociate(aws, &assoc).await?;
            }
        }
        delete_retrying(&format!("EC2 Route Table {id}"), || async {
            aws.ec2()
                .delete_route_table()
                .route_table_id(&id)
                .send()
                .await
                .api()
                .map(|_| ())
        })
        .await?;
        wait_for(Duration::from_secs(300), || async {
            Ok(table::find_table(aws, &id).await?.is_none().then_some(()))
        })
        .await?;
        Ok(())
    }

    fn import_hint(&self) -> String {
        "aws_route_table is imported by route table ID, e.g. rtb-0a1b2c3d.".into()
    }
}
