//! `aws_default_route_table`: adopts the main route table AWS creates
//! with each VPC. Adopting it removes the routes and route propagations
//! it had; destroying it only forgets it (a VPC's main route table cannot
//! be deleted).

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::filter;
use super::table::{self, DEFAULT_TARGETS};
use crate::config::AwsClients;
use crate::ec2::{sync_tags, tag_map, with_tags};
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::util::{id_of, nonempty_str, read_new, str_map, sv};

pub(crate) struct DefaultRouteTable;

const TYPE: &str = "aws_default_route_table";

/// The main route table of a VPC, or `None` when the VPC does not exist.
async fn main_table_of(aws: &AwsClients, vpc: &str) -> Result<Option<String>, ProviderError> {
    let out = aws
        .ec2()
        .describe_route_tables()
        .filters(filter("vpc-id", vpc))
        .filters(filter("association.main", "true"))
        .send()
        .await
        .ctx(format!("reading the main route table of EC2 VPC {vpc}"))?;
    Ok(out
        .route_tables
        .unwrap_or_default()
        .into_iter()
        .find_map(|t| t.route_table_id))
}

#[async_trait]
impl Resource for DefaultRouteTable {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new(
            "The main route table of a VPC, adopted for management.",
        ))
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
            "default_route_table_id",
            A::required(
                Type::String,
                "ID of the VPC's default route table (aws_vpc's default_route_table_id).",
            )
            .force_new(),
        )
        .attr("vpc_id", A::computed(Type::String, "ID of the VPC."))
        .attr(
            "propagating_vgws",
            A::optional(
                Type::set(Type::String),
                "Virtual private gateways whose routes propagate into the table.",
            ),
        )
        .block("route", table::route_block(DEFAULT_TARGETS))
        .block(
            "timeouts",
            crate::util::timeouts_block(&["create", "update"]),
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        table::validate_routes(config, DEFAULT_TARGETS)
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        Ok(table::normalize_routes(prior, config, DEFAULT_TARGETS))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let id = nonempty_str(planned, "default_route_table_id")
            .ok_or_else(|| crate::util::missing(TYPE, "default_route_table_id"))?;
        let t = table::find_table(aws, &id).await?.ok_or_else(|| {
            ProviderError::new(
                format!("EC2 Default Route Table {id} not found"),
                format!("No route table with the ID {id:?} exists in this account and region."),
            )
            .with_hint("Use the default_route_table_id of an aws_vpc.")
        })?;
        // Adopting starts from a clean table: no propagations and only the
        // local routes, then the configured ones.
        for gw in table::vgws_of(&t) {
            table::disable_vgw(aws, &id, &gw).await?;
        }
        for r in t.routes.as_deref().unwrap_or_default() {
            if !table::managed(r) {
                continue;
            }
            if let Some(dest) = table::Dest::of_route(r) {
                table::delete_route(aws, &id, &dest).await?;
            }
        }
        table::sync_vgws(aws, &id, &[], planned).await?;
        let empty = Value::null(Type::Dynamic);
        table::sync_routes(aws, &id, &empty, planned, DEFAULT_TARGETS).await?;
        // The table may carry tags already; bring them to the planned ones.
        let current = cairn_provider::with_attrs(
            &Value::empty_object(),
            [("tags_all", str_map(&tag_map(t.tags.as_deref())))],
        );
        sync_tags(aws, &id, &current, planned).await?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Default Route Table", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let mut id = id_of(state, TYPE)?;
        // Imported by VPC ID: the VPC's main route table.
        if id.starts_with("vpc-") {
            match main_table_of(aws, &id).await? {
                Some(t) => id = t,
                None => return Ok(None),
            }
        }
        let Some(t) = table::find_table(aws, &id).await? else {
            return Ok(None);
        };
        let mut m = table::table_state(aws, state, &t, DEFAULT_TARGETS, true);
        m.insert("default_route_table_id".into(), sv(&id));
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
        if planned
            .get_attr("propagating_vgws")
            .is_some_and(Value::is_null)
        {
            // Unset (not computed here): no propagation.
            for gw in &current {
                table::disable_vgw(aws, &id, gw).await?;
            }
        } else {
            table::sync_vgws(aws, &id, &current, planned).await?;
        }
        table::sync_routes(aws, &id, prior, planned, DEFAULT_TARGETS).await?;
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 Default Route Table", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, _aws: &AwsClients, _state: &Value) -> Result<(), ProviderError> {
        // A VPC's main route table cannot be deleted: destroying only
        // stops managing it, leaving it as it is.
        Ok(())
    }

    fn import_hint(&self) -> String {
        "aws_default_route_table is imported by VPC ID, e.g. vpc-0a1b2c3d.".into()
    }
}
