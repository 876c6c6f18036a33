//! `aws_route_table_association`: a subnet or an internet/virtual
//! private gateway associated with a route table.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{RouteTableAssociation as Assoc, RouteTableAssociationStateCode};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::filter;
use super::nonempty;
use super::table::{find_table, ROUTE_TIMEOUT};
use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::util::{entries, id_of, nonempty_str, opt_sv, read_new, str_of, sv, wait_for};

pub(crate) struct RouteTableAssociation;

const TYPE: &str = "aws_route_table_association";

/// The association `id`, or `None` when it does not exist (any more).
async fn find(aws: &AwsClients, id: &str) -> Result<Option<Assoc>, ProviderError> {
    let out = match aws
        .ec2()
        .describe_route_tables()
        .filters(filter("association.route-table-association-id", id))
        .send()
        .await
        .api()
    {
        Ok(o) => o,
        Err(e) if e.not_found() => return Ok(None),
        Err(e) => return Err(e.into_error(format!("reading EC2 Route Table Association {id}"))),
    };
    Ok(out
        .route_tables
        .unwrap_or_default()
        .into_iter()
        .flat_map(|t| t.associations.unwrap_or_default())
        .find(|a| a.route_table_association_id.as_deref() == Some(id))
        .filter(|a| !is_gone(a)))
}

fn is_gone(a: &Assoc) -> bool {
    matches!(
        a.association_state.as_ref().and_then(|s| s.state.as_ref()),
        Some(RouteTableAssociationStateCode::Disassociated)
            | Some(RouteTableAssociationStateCode::Disassociating)
    )
}

/// Waits until association `id` is associated (or gone, when `gone`).
async fn wait(aws: &AwsClients, id: &str, gone: bool) -> Result<(), ProviderError> {
    let done = wait_for(ROUTE_TIMEOUT, || async {
        let a = find(aws, id).await?;
        let ok = match &a {
            None => gone,
            Some(a) => {
                let st = a.association_state.as_ref().and_then(|s| s.state.as_ref());
                if st == Some(&RouteTableAssociationStateCode::Failed) {
                    let why = a
                        .association_state
                        .as_ref()
                        .and_then(|s| s.status_message.clone())
                        .unwrap_or_default();
                    return Err(ProviderError::new(
                        format!("EC2 Route Table Association {id} failed"),
                        why,
                    ));
                }
                !gone && st.is_none_or(|s| *s == RouteTableAssociationStateCode::Associated)
            }
        };
        Ok(ok.then_some(()))
    })
    .await?;
    match done {
        Some(()) => Ok(()),
        None => Err(ProviderError::new(
            format!("EC2 Route Table Association {id} did not settle"),
            format!(
                "The association was not {} after {} s.",
                if gone { "removed" } else { "associated" },
                ROUTE_TIMEOUT.as_secs()
            ),
        )),
    }
}

/// Removes an association; one already gone is success.
pub(super) async fn disassociate(aws: &AwsClients, id: &str) -> Result<(), ProviderError> {
    match aws
        .ec2()
        .disassociate_route_table()
        .association_id(id)
        .send()
        .await
        .api()
    {
        Ok(_) => {}
        Err(e) if e.not_found() => return Ok(()),
        Err(e) => return Err(e.into_error(format!("deleting EC2 Route Table Association {id}"))),
    }
    wait(aws, id, true).await
}

/// Calls `f`, retrying while a just-created route table, subnet or
/// gateway is not yet visible to the association API.
async fn retry_not_found<T, F, Fut>(action: &str, mut f: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let deadline = std::time::Instant::now() + ROUTE_TIMEOUT;
    loop {
        match f().await {
            Ok(x) => return Ok(x),
            Err(e) if e.not_found() && std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e.into_error(action)),
        }
    }
}

#[async_trait]
impl Resource for RouteTableAssociation {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("Associates a subnet or a gateway with a route table.")
            .attr("id", A::computed(Type::String, "ID of the association."))
            .attr(
                "route_table_id",
                A::required(Type::String, "ID of the route table to associate with."),
            )
            .attr(
                "subnet_id",
                A::optional(Type::String, "ID of the subnet to associate.").force_new(),
            )
            .attr(
                "gateway_id",
                A::optional(
                    Type::String,
                    "ID of the internet gateway or virtual private gateway to associate.",
                )
                .force_new(),
            )
            .block(
                "timeouts",
                crate::util::timeouts_block(&["create", "update", "delete"]),
            )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        if set("subnet_id") == set("gateway_id") {
            return vec![Diagnostic::error(
                "Invalid combination of arguments",
                "Exactly one of subnet_id and gateway_id must be set.",
            )];
        }
        Vec::new()
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        _config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        // Moving to another table makes a new association with a new ID.
        if let Some(p) = prior {
            if resp.requires_replace.is_empty()
                && str_of(p, "route_table_id") != str_of(&resp.planned, "route_table_id")
            {
                resp.planned = cairn_provider::with_attrs(
                    &resp.planned,
                    [("id", Value::unknown(Type::String))],
                );
            }
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let table = nonempty_str(planned, "route_table_id")
            .ok_or_else(|| crate::util::missing(TYPE, "route_table_id"))?;
        let subnet = nonempty_str(planned, "subnet_id");
        let gateway = nonempty_str(planned, "gateway_id");
        let what = subnet
            .clone()
            .or_else(|| gateway.clone())
            .unwrap_or_default();
        let out = retry_not_found(
            &format!("associating {what} with EC2 Route Table {table}"),
            || async {
                aws.ec2()
                    .associate_route_table()
                    .route_table_id(&table)
                    .set_subnet_id(subnet.clone())
                    .set_gateway_id(gateway.clone())
                    .send()
                    .await
                    .api()
            },
        )
        .await?;
        let id = out.association_id.ok_or_else(|| {
            ProviderError::new(
                "creating EC2 Route Table Association failed",
                "The API returned no association ID.",
            )
        })?;
        wait(aws, &id, false).await?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Route Table Association", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(id) = resolve_import(aws, &id).await? else {
            return Ok(None);
        };
        let Some(a) = find(aws, &id).await? else {
            return Ok(None);
        };
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert("route_table_id".into(), opt_sv(a.route_table_id.as_deref()));
        m.insert("subnet_id".into(), opt_sv(nonempty(a.subnet_id.as_deref())));
        m.insert(
            "gateway_id".into(),
            opt_sv(nonempty(a.gateway_id.as_deref())),
        );
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let mut id = id_of(prior, TYPE)?;
        let table = nonempty_str(planned, "route_table_id")
            .ok_or_else(|| crate::util::missing(TYPE, "route_table_id"))?;
        if nonempty_str(prior, "route_table_id").as_deref() != Some(table.as_str()) {
            let out = retry_not_found(
                &format!("moving EC2 Route Table Association {id} to route table {table}"),
                || async {
                    aws.ec2()
                        .replace_route_table_association()
                        .association_id(&id)
                        .route_table_id(&table)
                        .send()
                        .await
                        .api()
                },
            )
            .await?;
            if let Some(new) = out.new_association_id {
                id = new;
            }
            wait(aws, &id, false).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Route Table Association", &id, || self.read(aws, &seed)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        disassociate(aws, &id).await
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let bad = || {
            ProviderError::new(
                format!("Invalid import ID {id:?}"),
                "aws_route_table_association is imported as SUBNET_ID/ROUTE_TABLE_ID or GATEWAY_ID/ROUTE_TABLE_ID.",
            )
            .with_hint(self.import_hint())
        };
        let (target, table) = id.split_once('/').ok_or_else(bad)?;
        if target.is_empty() || table.is_empty() || table.contains('/') {
            return Err(bad());
        }
        let mut m = cairn_provider::empty_object(schema);
        // The seed names what to look for; `read` can only find
        // associations by their own ID, so import resolves it first.
        m.insert("id".into(), sv(format!("{IMPORT_PREFIX}{target}/{table}")));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_route_table_association is imported as SUBNET_ID/ROUTE_TABLE_ID (or GATEWAY_ID/ROUTE_TABLE_ID), e.g. subnet-0a1b2c3d/rtb-4e5f6a7b.".into()
    }
}

/// Marks an import seed's ID as `TARGET/ROUTE_TABLE_ID` still to resolve.
const IMPORT_PREFIX: &str = "import:";

/// The association ID an import seed names, or `None` when there is no
/// such association.
async fn resolve_import(aws: &AwsClients, seed: &str) -> Result<Option<String>, ProviderError> {
    let Some((target, table)) = seed
        .strip_prefix(IMPORT_PREFIX)
        .and_then(|s| s.split_once('/'))
    else {
        return Ok(Some(seed.to_string()));
    };
    let Some(t) = find_table(aws, table).await? else {
        return Ok(None);
    };
    Ok(t.associations
        .unwrap_or_default()
        .into_iter()
        .filter(|a| !is_gone(a))
        .find(|a| a.subnet_id.as_deref() == Some(target) || a.gateway_id.as_deref() == Some(target))
        .and_then(|a| a.route_table_association_id))
}
