//! `aws_dynamodb_table`. Tables and their indexes take time to become
//! ACTIVE, and a table accepts one UpdateTable at a time, so every change
//! waits for the table (and its indexes) to settle before the next.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction,
    DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndex, GlobalSecondaryIndexUpdate,
    IndexStatus, KeySchemaElement, KeyType, LocalSecondaryIndex, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, Projection, ProjectionType, ProvisionedThroughput,
    ScalarAttributeType, SseSpecification, SseStatus, SseType, StreamSpecification, StreamViewType,
    TableClass, TableDescription, TableStatus, Tag, TimeToLiveSpecification, TimeToLiveStatus,
    UpdateGlobalSecondaryIndexAction,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, NestedBlock, Nesting, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::changed;
use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    blocks_of, bool_of, entries, i64_of, id_of, map_of, nonempty_str, opt_sv, read_new, str_list,
    str_of, str_set, strings_of, sv, wait_for,
};

pub(crate) struct Table;

const TYPE: &str = "aws_dynamodb_table";

/// How long a table or index may take to become ACTIVE (Terraform's
/// create timeout).
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How long a deleted table may take to disappear.
const DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

fn build_err(what: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(format!("building a DynamoDB {what} failed"), e.to_string())
}

// ---- schema -----------------------------------------------------------------

fn attribute_schema() -> Schema {
    Schema::new("An attribute used as a key of the table or an index.")
        .attr("name", A::required(Type::String, "Name of the attribute."))
        .attr(
            "type",
            A::required(Type::String, "S (string), N (number) or B (binary)."),
        )
}

fn gsi_schema() -> Schema {
    Schema::new("A global secondary index.")
        .attr("name", A::required(Type::String, "Name of the index."))
        .attr(
            "hash_key",
            A::required(Type::String, "Partition key of the index."),
        )
        .attr(
            "range_key",
            A::optional(Type::String, "Sort key of the index."),
        )
        .attr(
            "projection_type",
            A::required(Type::String, "ALL, INCLUDE or KEYS_ONLY."),
        )
        .attr(
            "non_key_attributes",
            A::optional(
                Type::set(Type::String),
                "Attributes projected with INCLUDE.",
            ),
        )
        .attr(
            "read_capacity",
            A::optional(
                Type::Number,
                "Read units of the index (PROVISIONED billing).",
            ),
        )
        .attr(
            "write_capacity",
            A::optional(
                Type::Number,
                "Write units of the index (PROVISIONED billing).",
            ),
        )
}

fn lsi_schema() -> Schema {
    Schema::new("A local secondary index.")
        .attr("name", A::required(Type::String, "Name of the index."))
        .attr(
            "range_key",
            A::required(Type::String, "Sort key of the index."),
        )
        .attr(
            "projection_type",
            A::required(Type::String, "ALL, INCLUDE or KEYS_ONLY."),
        )
        .attr(
            "non_key_attributes",
            A::optional(
                Type::list(Type::String),
                "Attributes projected with INCLUDE.",
            ),
        )
}

fn ttl_schema() -> Schema {
    Schema::new("Time to live.")
        .attr(
            "attribute_name",
            A::optional(
                Type::String,
                "Attribute holding the expiry timestamp; required when enabled.",
            ),
        )
        .attr(
            "enabled",
            A::optional(Type::Bool, "Whether TTL is enabled; defaults to false."),
        )
}

fn pitr_schema() -> Schema {
    Schema::new("Point-in-time recovery.")
        .attr(
            "enabled",
            A::required(Type::Bool, "Whether point-in-time recovery is enabled."),
        )
        .attr(
            "recovery_period_in_days",
            A::optional(Type::Number, "Days of recovery history to keep (1 to 35)."),
        )
}

fn sse_schema() -> Schema {
    Schema::new("Encryption at rest.")
        .attr("enabled", A::required(Type::Bool, "true: a KMS key (the AWS managed one unless kms_key_arn is set); false: an AWS owned key."))
        .attr("kms_key_arn", A::optional(Type::String, "ARN of a customer managed KMS key."))
}

fn set_block(block: Schema, force_new: bool) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::Set,
        block,
        min_items: 0,
        max_items: None,
        force_new,
    }
}

fn single_block(block: Schema) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
    }
}

// ---- building requests --------------------------------------------------------

fn key_schema(hash: &str, range: Option<&str>) -> Result<Vec<KeySchemaElement>, ProviderError> {
    let mut out = vec![KeySchemaElement::builder()
        .attribute_name(hash)
        .key_type(KeyType::Hash)
        .build()
        .map_err(|e| build_err("key schema", e))?];
    if let Some(r) = range {
        out.push(
            KeySchemaElement::builder()
                .attribute_name(r)
                .key_type(KeyType::Range)
                .build()
                .map_err(|e| build_err("key schema", e))?,
        );
    }
    Ok(out)
}

fn throughput(read: i64, write: i64) -> Result<ProvisionedThroughput, ProviderError> {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .map_err(|e| build_err("provisioned throughput", e))
}

fn projection(b: &Value) -> Projection {
    let nka = strings_of(b, "non_key_attributes");
    Projection::builder()
        .set_projection_type(str_of(b, "projection_type").map(|p| ProjectionType::from(p.as_str())))
        .set_non_key_attributes((!nka.is_empty()).then_some(nka))
        .build()
}

fn attribute_definitions(v: &Value) -> Result<Vec<AttributeDefinition>, ProviderError> {
    blocks_of(v, "attribute")
        .into_iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(str_of(a, "name").unwrap_or_default())
                .attribute_type(ScalarAttributeType::from(
                    str_of(a, "type").unwrap_or_default().as_str(),
                ))
                .build()
                .map_err(|e| build_err("attribute definition", e))
        })
        .collect()
}

fn provisioned(v: &Value) -> bool {
    str_of(v, "billing_mode").as_deref() != Some("PAY_PER_REQUEST")
}

fn gsi_throughput(g: &Value) -> Result<ProvisionedThroughput, ProviderError> {
    throughput(
        i64_of(g, "read_capacity").unwrap_or(0),
        i64_of(g, "write_capacity").unwrap_or(0),
    )
}

fn gsi(g: &Value, provisioned: bool) -> Result<GlobalSecondaryIndex, ProviderError> {
    GlobalSecondaryIndex::builder()
        .index_name(str_of(g, "name").unwrap_or_default())
        .set_key_schema(Some(key_schema(
            &str_of(g, "hash_key").unwrap_or_default(),
            nonempty_str(g, "range_key").as_deref(),
        )?))
        .projection(projection(g))
        .set_provisioned_throughput(if provisioned {
            Some(gsi_throughput(g)?)
        } else {
            None
        })
        .build()
        .map_err(|e| build_err("global secondary index", e))
}

/// Global secondary indexes, by name.
fn gsis_of(v: &Value) -> BTreeMap<String, Value> {
    blocks_of(v, "global_secondary_index")
        .into_iter()
        .filter_map(|g| Some((str_of(g, "name")?, g.clone())))
        .collect()
}

fn first_block<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    blocks_of(v, k).into_iter().next()
}

fn ddb_tags(m: &BTreeMap<String, String>) -> Vec<Tag> {
    m.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

// ---- waiting --------------------------------------------------------------------

async fn describe(aws: &AwsClients, name: &str) -> Result<Option<TableDescription>, ApiError> {
    match aws
        .dynamodb()
        .describe_table()
        .table_name(name)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o.table),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Waits until the table and all its indexes are ACTIVE.
async fn wait_active(aws: &AwsClients, name: &str) -> Result<(), ProviderError> {
    let done = wait_for(ACTIVE_TIMEOUT, || async {
        let t = describe(aws, name)
            .await
            .map_err(|e| e.into_error(format!("waiting for DynamoDB Table {name}")))?;
        let Some(t) = t else {
            // Just created and not visible yet.
            return Ok(None);
        };
        let indexes_active = t
            .global_secondary_indexes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .all(|g| g.index_status == Some(IndexStatus::Active));
        Ok((t.table_status == Some(TableStatus::Active) && indexes_active).then_some(()))
    })
    .await?;
    done.ok_or_else(|| {
        ProviderError::new(
            format!("waiting for DynamoDB Table {name} failed"),
            format!(
                "The table did not become ACTIVE within {} minutes.",
                ACTIVE_TIMEOUT.as_secs() / 60
            ),
        )
        .with_hint("Check the table in the AWS console, then run cairn plan again.")
    })
}

/// UpdateTable calls fail while another change is in progress; wait for
/// the table to settle, then retry.
async fn update_table<F, Fut>(
    aws: &AwsClients,
    name: &str,
    what: &str,
    mut f: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    let deadline = std::time::Instant::now() + ACTIVE_TIMEOUT;
    loop {
        wait_active(aws, name).await?;
        match f().await {
            Ok(()) => break,
            Err(e)
                if e.is_any(&["ResourceInUseException", "LimitExceededException"])
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            Err(e) => return Err(e.into_error(format!("{what} of DynamoDB Table {name}"))),
        }
    }
    wait_active(aws, name).await
}

// ---- settings outside UpdateTable ---------------------------------------------

async fn put_ttl(
    aws: &AwsClients,
    name: &str,
    attr: &str,
    enabled: bool,
) -> Result<(), ProviderError> {
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attr)
        .enabled(enabled)
        .build()
        .map_err(|e| build_err("TTL specification", e))?;
    aws.dynamodb()
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(spec)
        .send()
        .await
        .ctx(format!("updating the TTL of DynamoDB Table {name}"))?;
    Ok(())
}

async fn put_pitr(
    aws: &AwsClients,
    name: &str,
    block: Option<&Value>,
) -> Result<(), ProviderError> {
    let enabled = block.and_then(|b| bool_of(b, "enabled")).unwrap_or(false);
    let days = block
        .filter(|_| enabled)
        .and_then(|b| i64_of(b, "recovery_period_in_days"))
        .map(|d| d as i32);
    let spec = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(enabled)
        .set_recovery_period_in_days(days)
        .build()
        .map_err(|e| build_err("point-in-time recovery specification", e))?;
    // Backups of a new table take a moment to become available.
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        match aws
            .dynamodb()
            .update_continuous_backups()
            .table_name(name)
            .point_in_time_recovery_specification(spec.clone())
            .send()
            .await
            .api()
        {
            Ok(_) => return Ok(()),
            Err(e)
                if e.is("ContinuousBackupsUnavailableException")
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            Err(e) => {
                return Err(e.into_error(format!(
                    "updating point-in-time recovery of DynamoDB Table {name}"
                )))
            }
        }
    }
}

fn sse_spec(block: Option<&Value>) -> SseSpecification {
    let enabled = block.and_then(|b| bool_of(b, "enabled")).unwrap_or(false);
    let mut b = SseSpecification::builder().enabled(enabled);
    if enabled {
        b = b
            .sse_type(SseType::Kms)
            .set_kms_master_key_id(block.and_then(|x| nonempty_str(x, "kms_key_arn")));
    }
    b.build()
}

// ---- reading ------------------------------------------------------------------

fn keys_of(ks: Option<&[KeySchemaElement]>) -> (Option<String>, Option<String>) {
    let mut hash = None;
    let mut range = None;
    for k in ks.unwrap_or_default() {
        match k.key_type {
            KeyType::Hash => hash = Some(k.attribute_name.clone()),
            KeyType::Range => range = Some(k.attribute_name.clone()),
            _ => {}
        }
    }
    (hash, range)
}

/// Non-key attributes for state: null when the API has none and the
/// prior value was null.
fn nka_value(prior: Option<&Value>, remote: Option<&[String]>, as_set: bool) -> Value {
    let items = remote.unwrap_or_default();
    let t = if as_set {
        Type::set(Type::String)
    } else {
        Type::list(Type::String)
    };
    if items.is_empty()
        && prior
            .and_then(|p| p.get_attr("non_key_attributes"))
            .is_none_or(Value::is_null)
    {
        return Value::null(t);
    }
    if as_set {
        str_set(items)
    } else {
        str_list(items)
    }
}

fn int_or_null(n: Option<i64>) -> Value {
    match n {
        Some(n) => Value::int(n),
        None => Value::null(Type::Number),
    }
}

/// No block, or one block with `enabled = false` and nothing else set.
fn disabled_block(v: &Value) -> bool {
    if !v.is_wholly_known() {
        return false;
    }
    match v.as_seq() {
        None => v.is_null(),
        Some([]) => true,
        Some([b]) => b.as_entries().is_some_and(|m| {
            m.iter().all(|(k, x)| {
                if k == "enabled" {
                    x.as_bool() != Some(true)
                } else {
                    x.is_null()
                }
            })
        }),
        Some(_) => false,
    }
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

#[async_trait]
impl Resource for Table {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("A DynamoDB table.")
            .attr("id", A::computed(Type::String, "Name of the table."))
            .attr("arn", A::computed(Type::String, "ARN of the table."))
            .attr(
                "name",
                A::required(Type::String, "Name of the table, unique within the region.")
                    .force_new(),
            )
            .attr(
                "billing_mode",
                A::optional(
                    Type::String,
                    "PROVISIONED (the default) or PAY_PER_REQUEST.",
                ),
            )
            .attr(
                "hash_key",
                A::required(Type::String, "Attribute used as the partition key.").force_new(),
            )
            .attr(
                "range_key",
                A::optional(Type::String, "Attribute used as the sort key.").force_new(),
            )
            .attr(
                "read_capacity",
                A::optional_computed(
                    Type::Number,
                    "Read units (required with PROVISIONED billing).",
                ),
            )
            .attr(
                "write_capacity",
                A::optional_computed(
                    Type::Number,
                    "Write units (required with PROVISIONED billing).",
                ),
            )
            .attr(
                "stream_enabled",
                A::optional(
                    Type::Bool,
                    "Whether DynamoDB Streams is enabled; defaults to false.",
                ),
            )
            .attr(
                "stream_view_type",
                A::optional_computed(
                    Type::String,
                    "KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES.",
                ),
            )
            .attr(
                "stream_arn",
                A::computed(Type::String, "ARN of the table's stream."),
            )
            .attr(
                "stream_label",
                A::computed(Type::String, "Timestamp label of the table's stream."),
            )
            .attr(
                "deletion_protection_enabled",
                A::optional(
                    Type::Bool,
                    "Whether the table is protected from deletion; defaults to false.",
                ),
            )
            .attr(
                "table_class",
                A::optional(
                    Type::String,
                    "STANDARD (the default) or STANDARD_INFREQUENT_ACCESS.",
                ),
            )
            .attr("tags", tags::tags_attr())
            .attr("tags_all", tags::tags_all_attr())
            .block("attribute", set_block(attribute_schema(), false))
            .block("global_secondary_index", set_block(gsi_schema(), false))
            .block("local_secondary_index", set_block(lsi_schema(), true))
            .block("ttl", single_block(ttl_schema()))
            .block("point_in_time_recovery", single_block(pitr_schema()))
            .block("server_side_encryption", single_block(sse_schema()))
            .block(
                "timeouts",
                crate::util::timeouts_block(&["create", "update", "delete"]),
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("billing_mode", sv("PROVISIONED")),
            ("stream_enabled", Value::bool(false)),
            ("deletion_protection_enabled", Value::bool(false)),
            ("table_class", sv("STANDARD")),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut err = |s: &str, d: String| out.push(Diagnostic::error(s, d));
        let billing = str_of(config, "billing_mode");
        if let Some(b) = &billing {
            if b != "PROVISIONED" && b != "PAY_PER_REQUEST" {
                err(
                    "Invalid billing_mode",
                    format!("billing_mode {b:?} must be PROVISIONED or PAY_PER_REQUEST."),
                );
            }
        }
        let provisioned = billing.as_deref() != Some("PAY_PER_REQUEST");
        if provisioned {
            for k in ["read_capacity", "write_capacity"] {
                if config.get_attr(k).is_some_and(Value::is_null) {
                    err(
                        &format!("Missing {k}"),
                        format!("{k} is required when billing_mode is PROVISIONED (the default); set it, or use billing_mode = \"PAY_PER_REQUEST\"."),
                    );
                }
            }
        }
        if let Some(c) = str_of(config, "table_class") {
            if c != "STANDARD" && c != "STANDARD_INFREQUENT_ACCESS" {
                err(
                    "Invalid table_class",
                    format!("table_class {c:?} must be STANDARD or STANDARD_INFREQUENT_ACCESS."),
                );
            }
        }
        if let Some(v) = str_of(config, "stream_view_type") {
            if !v.is_empty()
                && !["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]
                    .contains(&v.as_str())
            {
                err("Invalid stream_view_type", format!("stream_view_type {v:?} must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES."));
            }
        }
        if bool_of(config, "stream_enabled") == Some(true)
            && config
                .get_attr("stream_view_type")
                .is_some_and(Value::is_null)
        {
            err(
                "Missing stream_view_type",
                "stream_view_type is required when stream_enabled = true.".into(),
            );
        }
        // Every key must be a defined attribute (when all are known).
        let attrs = config.get_attr("attribute");
        if attrs.is_some_and(Value::is_wholly_known) {
            let defined: BTreeSet<String> = blocks_of(config, "attribute")
                .into_iter()
                .filter_map(|a| str_of(a, "name"))
                .collect();
            let mut keys: Vec<String> = ["hash_key", "range_key"]
                .iter()
                .filter_map(|k| str_of(config, k))
                .collect();
            for g in blocks_of(config, "global_secondary_index") {
                keys.extend(
                    ["hash_key", "range_key"]
                        .iter()
                        .filter_map(|k| str_of(g, k)),
                );
            }
            for l in blocks_of(config, "local_secondary_index") {
                keys.extend(str_of(l, "range_key"));
            }
            for k in keys {
                if !defined.contains(&k) {
                    err("Undefined key attribute", format!("The key {k:?} has no attribute block; add attribute {{ name = {k:?}, type = \"S\" }} (or N or B)."));
                }
            }
            for d in &defined {
                let used = str_of(config, "hash_key").as_deref() == Some(d.as_str())
                    || str_of(config, "range_key").as_deref() == Some(d.as_str())
                    || blocks_of(config, "global_secondary_index").iter().any(|g| {
                        str_of(g, "hash_key").as_deref() == Some(d.as_str())
                            || str_of(g, "range_key").as_deref() == Some(d.as_str())
                    })
                    || blocks_of(config, "local_secondary_index")
                        .iter()
                        .any(|l| str_of(l, "range_key").as_deref() == Some(d.as_str()));
                let keys_known = ["hash_key", "range_key"]
                    .iter()
                    .all(|k| config.get_attr(k).is_none_or(Value::is_wholly_known))
                    && config
                        .get_attr("global_secondary_index")
                        .is_none_or(Value::is_wholly_known)
                    && config
                        .get_attr("local_secondary_index")
                        .is_none_or(Value::is_wholly_known);
                if keys_known && !used {
                    err("Unused attribute", format!("The attribute {d:?} is not a key of the table or any index; DynamoDB only accepts key attributes here, so remove it."));
                }
            }
        }
        if let Some(t) = first_block(config, "ttl") {
            if bool_of(t, "enabled") == Some(true)
                && t.get_attr("attribute_name").is_some_and(Value::is_null)
            {
                err(
                    "Missing ttl attribute_name",
                    "ttl.attribute_name is required when ttl.enabled = true.".into(),
                );
            }
        }
        out
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        let mut m = entries(&config);
        // ttl.enabled defaults to false.
        if let Some(items) = config.get_attr("ttl").and_then(|v| v.as_seq()) {
            let items: Vec<Value> = items
                .iter()
                .map(|t| {
                    if t.get_attr("enabled").is_some_and(Value::is_null) {
                        cairn_provider::with_attrs(t, [("enabled", Value::bool(false))])
                    } else {
                        t.clone()
                    }
                })
                .collect();
            m.insert(
                "ttl".into(),
                Value::list(ttl_schema().implied_type(), items),
            );
        }
        // On-demand indexes have no capacity: what the configuration says
        // is not sent, so it is not planned either.
        if str_of(&config, "billing_mode").as_deref() == Some("PAY_PER_REQUEST") {
            if let Some(items) = config
                .get_attr("global_secondary_index")
                .and_then(|v| v.as_seq())
            {
                let items: Vec<Value> = items
                    .iter()
                    .map(|g| {
                        if g.as_entries().is_some() {
                            cairn_provider::with_attrs(
                                g,
                                [
                                    ("read_capacity", Value::null(Type::Number)),
                                    ("write_capacity", Value::null(Type::Number)),
                                ],
                            )
                        } else {
                            g.clone()
                        }
                    })
                    .collect();
                m.insert(
                    "global_secondary_index".into(),
                    Value::set(gsi_schema().implied_type(), items),
                );
            }
        }
        // A block that only says "disabled" means the same as no block:
        // keep the prior state's form of it, so neither plans a change.
        if let Some(p) = prior {
            for k in ["ttl", "point_in_time_recovery", "server_side_encryption"] {
                let Some(c) = m.get(k) else { continue };
                if disabled_block(c) && p.get_attr(k).is_some_and(disabled_block) {
                    if let Some(pv) = p.get_attr(k) {
                        m.insert(k.to_string(), pv.clone());
                    }
                }
            }
        }
        Ok(Value::object(m).mark(config.sensitive))
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        let mut m = entries(&resp.planned);
        // On-demand tables report zero capacity; plan that rather than
        // the prior provisioned numbers.
        if str_of(&resp.planned, "billing_mode").as_deref() == Some("PAY_PER_REQUEST") {
            for k in ["read_capacity", "write_capacity"] {
                if config.get_attr(k).is_none_or(Value::is_null) {
                    m.insert(k.to_string(), Value::int(0));
                }
            }
        }
        // A stream switched on or changed is a new stream.
        if let Some(p) = prior {
            if resp.requires_replace.is_empty()
                && (changed(p, &resp.planned, "stream_enabled")
                    || changed(p, &resp.planned, "stream_view_type"))
            {
                let on = bool_of(&resp.planned, "stream_enabled") == Some(true);
                for k in ["stream_arn", "stream_label"] {
                    m.insert(
                        k.to_string(),
                        if on {
                            Value::unknown(Type::String)
                        } else {
                            Value::null(Type::String)
                        },
                    );
                }
                if !on
                    && config
                        .get_attr("stream_view_type")
                        .is_none_or(Value::is_null)
                {
                    m.insert("stream_view_type".into(), Value::null(Type::String));
                }
            }
        }
        resp.planned = Value::object(m).mark(resp.planned.sensitive);
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = str_of(planned, "name").ok_or_else(|| crate::util::missing(TYPE, "name"))?;
        let hash =
            str_of(planned, "hash_key").ok_or_else(|| crate::util::missing(TYPE, "hash_key"))?;
        let prov = provisioned(planned);
        let tags = tags::to_apply(aws, planned);
        let gsis = gsis_of(planned)
            .values()
            .map(|g| gsi(g, prov))
            .collect::<Result<Vec<_>, _>>()?;
        let range = nonempty_str(planned, "range_key");
        let lsis = blocks_of(planned, "local_secondary_index")
            .into_iter()
            .map(|l| {
                LocalSecondaryIndex::builder()
                    .index_name(str_of(l, "name").unwrap_or_default())
                    .set_key_schema(Some(key_schema(
                        &hash,
                        Some(&str_of(l, "range_key").unwrap_or_default()),
                    )?))
                    .projection(projection(l))
                    .build()
                    .map_err(|e| build_err("local secondary index", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let stream = if bool_of(planned, "stream_enabled") == Some(true) {
            Some(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .set_stream_view_type(
                        nonempty_str(planned, "stream_view_type")
                            .map(|v| StreamViewType::from(v.to_uppercase().as_str())),
                    )
                    .build()
                    .map_err(|e| build_err("stream specification", e))?,
            )
        } else {
            None
        };
        let sse = first_block(planned, "server_side_encryption").map(|b| sse_spec(Some(b)));
        let throughput_spec = if prov {
            Some(throughput(
                i64_of(planned, "read_capacity").unwrap_or(0),
                i64_of(planned, "write_capacity").unwrap_or(0),
            )?)
        } else {
            None
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(300);
        loop {
            let res = aws
                .dynamodb()
                .create_table()
                .table_name(&name)
                .billing_mode(BillingMode::from(
                    str_of(planned, "billing_mode")
                        .unwrap_or_else(|| "PROVISIONED".into())
                        .as_str(),
                ))
                .set_key_schema(Some(key_schema(&hash, range.as_deref())?))
                .set_attribute_definitions(Some(attribute_definitions(planned)?))
                .set_provisioned_throughput(throughput_spec.clone())
                .set_global_secondary_indexes((!gsis.is_empty()).then(|| gsis.clone()))
                .set_local_secondary_indexes((!lsis.is_empty()).then(|| lsis.clone()))
                .set_stream_specification(stream.clone())
                .set_sse_specification(sse.clone())
                .set_table_class(
                    nonempty_str(planned, "table_class").map(|c| TableClass::from(c.as_str())),
                )
                .set_deletion_protection_enabled(bool_of(planned, "deletion_protection_enabled"))
                .set_tags((!tags.is_empty()).then(|| ddb_tags(&tags)))
                .send()
                .await
                .api();
            match res {
                Ok(_) => break,
                // Accounts may only create so many indexed tables at once.
                Err(e)
                    if e.is("LimitExceededException")
                        && e.message.contains("simultaneously")
                        && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                Err(e) => return Err(e.into_error(format!("creating DynamoDB Table ({name})"))),
            }
        }
        wait_active(aws, &name).await?;
        if let Some(t) = first_block(planned, "ttl") {
            if bool_of(t, "enabled") == Some(true) {
                put_ttl(
                    aws,
                    &name,
                    &str_of(t, "attribute_name").unwrap_or_default(),
                    true,
                )
                .await?;
            }
        }
        if let Some(p) = first_block(planned, "point_in_time_recovery") {
            if bool_of(p, "enabled") == Some(true) {
                put_pitr(aws, &name, Some(p)).await?;
            }
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&name))]);
        read_new("DynamoDB Table", &name, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let name = id_of(state, TYPE)?;
        let ddb = aws.dynamodb();
        let Some(t) = describe(aws, &name)
            .await
            .map_err(|e| e.into_error(format!("reading DynamoDB Table {name}")))?
        else {
            return Ok(None);
        };
        let arn = t.table_arn.clone().unwrap_or_default();
        let ttl = async {
            match ddb
                .describe_time_to_live()
                .table_name(&name)
                .send()
                .await
                .api()
            {
                Ok(o) => Ok(o.time_to_live_description),
                Err(e) => Err(e),
            }
        };
        let backups = async {
            match ddb
                .describe_continuous_backups()
                .table_name(&name)
                .send()
                .await
                .api()
            {
                Ok(o) => Ok(o.continuous_backups_description),
                Err(e) => Err(e),
            }
        };
        let tag_list = async {
            let mut out = BTreeMap::new();
            let mut token = None;
            loop {
                let o = ddb
                    .list_tags_of_resource()
                    .resource_arn(&arn)
                    .set_next_token(token)
                    .send()
                    .await
                    .api()?;
                for t in o.tags.unwrap_or_default() {
                    out.insert(t.key, t.value);
                }
                token = o.next_token;
                if token.is_none() {
                    return Ok::<_, ApiError>(out);
                }
            }
        };
        let (ttl, backups, tag_list) = tokio::join!(ttl, backups, tag_list);
        fn gone<T>(r: &Result<T, ApiError>) -> bool {
            matches!(r, Err(e) if e.not_found())
        }
        if gone(&ttl) || gone(&backups) || gone(&tag_list) {
            return Ok(None);
        }
        let ttl =
            ttl.map_err(|e| e.into_error(format!("reading the TTL of DynamoDB Table {name}")))?;
        let backups = backups.map_err(|e| {
            e.into_error(format!(
                "reading point-in-time recovery of DynamoDB Table {name}"
            ))
        })?;
        let remote_tags = tag_list
            .map_err(|e| e.into_error(format!("reading the tags of DynamoDB Table {name}")))?;

        let billing = t
            .billing_mode_summary
            .as_ref()
            .and_then(|b| b.billing_mode.as_ref())
            .map(|b| b.as_str().to_string())
            .unwrap_or_else(|| "PROVISIONED".into());
        let prov = billing == "PROVISIONED";
        let (hash, range) = keys_of(t.key_schema.as_deref());
        let pt = t.provisioned_throughput.as_ref();

        let attr_t = attribute_schema().implied_type();
        let attributes: Vec<Value> = t
            .attribute_definitions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|a| {
                obj(vec![
                    ("name", sv(&a.attribute_name)),
                    ("type", sv(a.attribute_type.as_str())),
                ])
            })
            .collect();

        let prior_gsis = gsis_of(state);
        let gsis: Vec<Value> = t
            .global_secondary_indexes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|g| {
                let gname = g.index_name.clone().unwrap_or_default();
                let prior = prior_gsis.get(&gname);
                let (h, r) = keys_of(g.key_schema.as_deref());
                let proj = g.projection.as_ref();
                // On-demand indexes have no capacity (the configuration's
                // is dropped when planning).
                let cap = |remote: Option<i64>| {
                    if prov {
                        int_or_null(remote)
                    } else {
                        Value::null(Type::Number)
                    }
                };
                let gpt = g.provisioned_throughput.as_ref();
                obj(vec![
                    ("name", sv(&gname)),
                    ("hash_key", opt_sv(h)),
                    ("range_key", opt_sv(r)),
                    (
                        "projection_type",
                        opt_sv(
                            proj.and_then(|p| p.projection_type.as_ref())
                                .map(|p| p.as_str()),
                        ),
                    ),
                    (
                        "non_key_attributes",
                        nka_value(
                            prior,
                            proj.and_then(|p| p.non_key_attributes.as_deref()),
                            true,
                        ),
                    ),
                    (
                        "read_capacity",
                        cap(gpt.and_then(|p| p.read_capacity_units)),
                    ),
                    (
                        "write_capacity",
                        cap(gpt.and_then(|p| p.write_capacity_units)),
                    ),
                ])
            })
            .collect();

        let prior_lsis: BTreeMap<String, &Value> = blocks_of(state, "local_secondary_index")
            .into_iter()
            .filter_map(|l| Some((str_of(l, "name")?, l)))
            .collect();
        let lsis: Vec<Value> = t
            .local_secondary_indexes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|l| {
                let lname = l.index_name.clone().unwrap_or_default();
                let (_, r) = keys_of(l.key_schema.as_deref());
                let proj = l.projection.as_ref();
                obj(vec![
                    ("name", sv(&lname)),
                    ("range_key", opt_sv(r)),
                    (
                        "projection_type",
                        opt_sv(
                            proj.and_then(|p| p.projection_type.as_ref())
                                .map(|p| p.as_str()),
                        ),
                    ),
                    (
                        "non_key_attributes",
                        nka_value(
                            prior_lsis.get(&lname).copied(),
                            proj.and_then(|p| p.non_key_attributes.as_deref()),
                            false,
                        ),
                    ),
                ])
            })
            .collect();

        // Optional blocks the API always reports: shown when enabled, or
        // when the configuration had the block.
        let prior_ttl = first_block(state, "ttl");
        let ttl_on = ttl.as_ref().is_some_and(|d| {
            matches!(
                d.time_to_live_status,
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            )
        });
        let ttl_block: Vec<Value> = if ttl_on {
            vec![obj(vec![
                (
                    "attribute_name",
                    opt_sv(ttl.as_ref().and_then(|d| d.attribute_name.clone())),
                ),
                ("enabled", Value::bool(true)),
            ])]
        } else if let Some(p) = prior_ttl {
            vec![obj(vec![
                (
                    "attribute_name",
                    p.get_attr("attribute_name")
                        .cloned()
                        .unwrap_or(Value::null(Type::String)),
                ),
                ("enabled", Value::bool(false)),
            ])]
        } else {
            Vec::new()
        };

        let prior_pitr = first_block(state, "point_in_time_recovery");
        let pitr = backups.and_then(|b| b.point_in_time_recovery_description);
        let pitr_on = pitr.as_ref().is_some_and(|p| {
            p.point_in_time_recovery_status == Some(PointInTimeRecoveryStatus::Enabled)
        });
        let days = |p: Option<&Value>| {
            if p.and_then(|p| p.get_attr("recovery_period_in_days"))
                .is_none_or(Value::is_null)
            {
                Value::null(Type::Number)
            } else {
                int_or_null(
                    pitr.as_ref()
                        .and_then(|d| d.recovery_period_in_days)
                        .map(i64::from)
                        // The API default.
                        .or(Some(35)),
                )
            }
        };
        let pitr_block: Vec<Value> = if pitr_on {
            vec![obj(vec![
                ("enabled", Value::bool(true)),
                ("recovery_period_in_days", days(prior_pitr)),
            ])]
        } else if prior_pitr.is_some() {
            vec![obj(vec![
                ("enabled", Value::bool(false)),
                (
                    "recovery_period_in_days",
                    prior_pitr
                        .and_then(|p| p.get_attr("recovery_period_in_days").cloned())
                        .unwrap_or(Value::null(Type::Number)),
                ),
            ])]
        } else {
            Vec::new()
        };

        let prior_sse = first_block(state, "server_side_encryption");
        let sse = t.sse_description.as_ref();
        let sse_on =
            sse.is_some_and(|s| matches!(s.status, Some(SseStatus::Enabled | SseStatus::Enabling)));
        let sse_block: Vec<Value> = if sse_on || prior_sse.is_some() {
            // The AWS managed key is what "enabled with no key" means:
            // its ARN stays out of state unless a key was configured.
            let key = if prior_sse
                .and_then(|p| p.get_attr("kms_key_arn"))
                .is_none_or(Value::is_null)
            {
                Value::null(Type::String)
            } else {
                opt_sv(sse.and_then(|s| s.kms_master_key_arn.clone()))
            };
            vec![obj(vec![
                ("enabled", Value::bool(sse_on)),
                ("kms_key_arn", key),
            ])]
        } else {
            Vec::new()
        };

        let stream = t.stream_specification.as_ref();
        let stream_on = stream.is_some_and(|s| s.stream_enabled);
        let mut m = entries(state);
        m.insert("id".into(), sv(&name));
        m.insert("name".into(), sv(t.table_name.as_deref().unwrap_or(&name)));
        m.insert("arn".into(), sv(&arn));
        m.insert("billing_mode".into(), sv(&billing));
        m.insert("hash_key".into(), opt_sv(hash));
        m.insert("range_key".into(), opt_sv(range));
        m.insert(
            "read_capacity".into(),
            Value::int(if prov {
                pt.and_then(|p| p.read_capacity_units).unwrap_or(0)
            } else {
                0
            }),
        );
        m.insert(
            "write_capacity".into(),
            Value::int(if prov {
                pt.and_then(|p| p.write_capacity_units).unwrap_or(0)
            } else {
                0
            }),
        );
        m.insert("stream_enabled".into(), Value::bool(stream_on));
        m.insert(
            "stream_view_type".into(),
            opt_sv(
                stream
                    .filter(|_| stream_on)
                    .and_then(|s| s.stream_view_type.as_ref())
                    .map(|v| v.as_str()),
            ),
        );
        m.insert(
            "stream_arn".into(),
            opt_sv(t.latest_stream_arn.as_deref().filter(|_| stream_on)),
        );
        m.insert(
            "stream_label".into(),
            opt_sv(t.latest_stream_label.as_deref().filter(|_| stream_on)),
        );
        m.insert(
            "deletion_protection_enabled".into(),
            Value::bool(t.deletion_protection_enabled.unwrap_or(false)),
        );
        m.insert(
            "table_class".into(),
            sv(t.table_class_summary
                .as_ref()
                .and_then(|c| c.table_class.as_ref())
                .map(|c| c.as_str())
                .unwrap_or("STANDARD")),
        );
        m.insert("attribute".into(), Value::set(attr_t, attributes));
        m.insert(
            "global_secondary_index".into(),
            Value::set(gsi_schema().implied_type(), gsis),
        );
        m.insert(
            "local_secondary_index".into(),
            Value::set(lsi_schema().implied_type(), lsis),
        );
        m.insert(
            "ttl".into(),
            Value::list(ttl_schema().implied_type(), ttl_block),
        );
        m.insert(
            "point_in_time_recovery".into(),
            Value::list(pitr_schema().implied_type(), pitr_block),
        );
        m.insert(
            "server_side_encryption".into(),
            Value::list(sse_schema().implied_type(), sse_block),
        );
        let (tg, all) = tags::from_remote(aws, state, remote_tags);
        m.insert("tags".into(), tg);
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
        let ddb = aws.dynamodb();
        let prov = provisioned(planned);
        let old_gsis = gsis_of(prior);
        let new_gsis = gsis_of(planned);

        // Billing mode and table capacity; switching to PROVISIONED must
        // give every remaining index its capacity in the same call.
        let billing_changed = changed(prior, planned, "billing_mode");
        let capacity_changed = prov
            && (changed(prior, planned, "read_capacity")
                || changed(prior, planned, "write_capacity"));
        if billing_changed || capacity_changed {
            let mut gsi_updates = Vec::new();
            if billing_changed && prov {
                for (gname, g) in new_gsis.iter().filter(|(n, _)| old_gsis.contains_key(*n)) {
                    gsi_updates.push(
                        GlobalSecondaryIndexUpdate::builder()
                            .update(
                                UpdateGlobalSecondaryIndexAction::builder()
                                    .index_name(gname)
                                    .provisioned_throughput(gsi_throughput(g)?)
                                    .build()
                                    .map_err(|e| build_err("index update", e))?,
                            )
                            .build(),
                    );
                }
            }
            let billing = BillingMode::from(
                str_of(planned, "billing_mode")
                    .unwrap_or_else(|| "PROVISIONED".into())
                    .as_str(),
            );
            let tp = if prov {
                Some(throughput(
                    i64_of(planned, "read_capacity").unwrap_or(0),
                    i64_of(planned, "write_capacity").unwrap_or(0),
                )?)
            } else {
                None
            };
            update_table(aws, &name, "updating the billing and capacity", || async {
                ddb.update_table()
                    .table_name(&name)
                    .billing_mode(billing.clone())
                    .set_provisioned_throughput(tp.clone())
                    .set_global_secondary_index_updates(
                        (!gsi_updates.is_empty()).then(|| gsi_updates.clone()),
                    )
                    .send()
                    .await
                    .api()
                    .map(|_| ())
            })
            .await?;
        }

        // Global secondary indexes: one change per call.
        let same_shape = |a: &Value, b: &Value| {
            [
                "hash_key",
                "range_key",
                "projection_type",
                "non_key_attributes",
            ]
            .iter()
            .all(|k| !changed(a, b, k))
        };
        let attr_defs = attribute_definitions(planned)?;
        for (gname, old) in &old_gsis {
            if new_gsis.get(gname).is_some_and(|n| same_shape(old, n)) {
                continue;
            }
            let action = DeleteGlobalSecondaryIndexAction::builder()
                .index_name(gname)
                .build()
                .map_err(|e| build_err("index deletion", e))?;
            update_table(aws, &name, &format!("deleting index {gname}"), || async {
                ddb.update_table()
                    .table_name(&name)
                    .global_secondary_index_updates(
                        GlobalSecondaryIndexUpdate::builder()
                            .delete(action.clone())
                            .build(),
                    )
                    .send()
                    .await
                    .api()
                    .map(|_| ())
            })
            .await?;
        }
        for (gname, new) in &new_gsis {
            let update = match old_gsis.get(gname) {
                Some(old) if same_shape(old, new) => {
                    // Capacity only: on-demand indexes have none, and a
                    // billing change above already sent it.
                    let capacity_changed =
                        changed(old, new, "read_capacity") || changed(old, new, "write_capacity");
                    if !prov || billing_changed || !capacity_changed {
                        continue;
                    }
                    GlobalSecondaryIndexUpdate::builder()
                        .update(
                            UpdateGlobalSecondaryIndexAction::builder()
                                .index_name(gname)
                                .provisioned_throughput(gsi_throughput(new)?)
                                .build()
                                .map_err(|e| build_err("index update", e))?,
                        )
                        .build()
                }
                _ => {
                    let g = gsi(new, prov)?;
                    GlobalSecondaryIndexUpdate::builder()
                        .create(
                            CreateGlobalSecondaryIndexAction::builder()
                                .index_name(gname)
                                .set_key_schema(Some(g.key_schema.clone()))
                                .set_projection(g.projection.clone())
                                .set_provisioned_throughput(g.provisioned_throughput.clone())
                                .build()
                                .map_err(|e| build_err("index creation", e))?,
                        )
                        .build()
                }
            };
            update_table(aws, &name, &format!("updating index {gname}"), || async {
                ddb.update_table()
                    .table_name(&name)
                    .set_attribute_definitions(Some(attr_defs.clone()))
                    .global_secondary_index_updates(update.clone())
                    .send()
                    .await
                    .api()
                    .map(|_| ())
            })
            .await?;
        }

        // Streams: a new view type needs the stream off first.
        if changed(prior, planned, "stream_enabled") || changed(prior, planned, "stream_view_type")
        {
            let old_on = bool_of(prior, "stream_enabled") == Some(true);
            let new_on = bool_of(planned, "stream_enabled") == Some(true);
            let mut specs = Vec::new();
            if old_on && new_on {
                specs.push(
                    StreamSpecification::builder()
                        .stream_enabled(false)
                        .build()
                        .map_err(|e| build_err("stream specification", e))?,
                );
            }
            specs.push(
                StreamSpecification::builder()
                    .stream_enabled(new_on)
                    .set_stream_view_type(
                        nonempty_str(planned, "stream_view_type")
                            .filter(|_| new_on)
                            .map(|v| StreamViewType::from(v.to_uppercase().as_str())),
                    )
                    .build()
                    .map_err(|e| build_err("stream specification", e))?,
            );
            if old_on || new_on {
                for spec in specs {
                    update_table(aws, &name, "updating the stream", || async {
                        ddb.update_table()
                            .table_name(&name)
                            .stream_specification(spec.clone())
                            .send()
                            .await
                            .api()
                            .map(|_| ())
                    })
                    .await?;
                }
            }
        }

        if changed(prior, planned, "server_side_encryption") {
            let spec = sse_spec(first_block(planned, "server_side_encryption"));
            update_table(aws, &name, "updating encryption", || async {
                ddb.update_table()
                    .table_name(&name)
                    .sse_specification(spec.clone())
                    .send()
                    .await
                    .api()
                    .map(|_| ())
            })
            .await?;
        }

        if changed(prior, planned, "table_class") {
            let class = TableClass::from(
                str_of(planned, "table_class")
                    .unwrap_or_else(|| "STANDARD".into())
                    .as_str(),
            );
            update_table(aws, &name, "updating the table class", || async {
                ddb.update_table()
                    .table_name(&name)
                    .table_class(class.clone())
                    .send()
                    .await
                    .api()
                    .map(|_| ())
            })
            .await?;
        }

        if changed(prior, planned, "deletion_protection_enabled") {
            let on = bool_of(planned, "deletion_protection_enabled").unwrap_or(false);
            update_table(aws, &name, "updating deletion protection", || async {
                ddb.update_table()
                    .table_name(&name)
                    .deletion_protection_enabled(on)
                    .send()
                    .await
                    .api()
                    .map(|_| ())
            })
            .await?;
        }

        if changed(prior, planned, "ttl") {
            let old = first_block(prior, "ttl");
            let new = first_block(planned, "ttl");
            let old_on = old.and_then(|t| bool_of(t, "enabled")).unwrap_or(false);
            let new_on = new.and_then(|t| bool_of(t, "enabled")).unwrap_or(false);
            let old_attr = old.and_then(|t| nonempty_str(t, "attribute_name"));
            let new_attr = new.and_then(|t| nonempty_str(t, "attribute_name"));
            // TTL is disabled by naming the attribute it is on now.
            if old_on && (!new_on || old_attr != new_attr) {
                if let Some(a) = &old_attr {
                    put_ttl(aws, &name, a, false).await?;
                }
            }
            if new_on && (!old_on || old_attr != new_attr) {
                put_ttl(aws, &name, new_attr.as_deref().unwrap_or_default(), true).await?;
            }
        }

        if changed(prior, planned, "point_in_time_recovery") {
            put_pitr(aws, &name, first_block(planned, "point_in_time_recovery")).await?;
        }

        let old = map_of(prior, "tags_all").unwrap_or_default();
        let new = tags::to_apply(aws, planned);
        // Only require the ARN when there is something to change.
        if old != new {
            let arn =
                nonempty_str(prior, "arn").ok_or_else(|| crate::util::missing(TYPE, "arn"))?;
            tags::sync(
                &old,
                &new,
                |keys| async {
                    ddb.untag_resource()
                        .resource_arn(&arn)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .ctx(format!("removing tags of DynamoDB Table {name}"))
                },
                |set| {
                    let tags = ddb_tags(&set);
                    async {
                        ddb.tag_resource()
                            .resource_arn(&arn)
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .ctx(format!("tagging DynamoDB Table {name}"))
                    }
                },
            )
            .await?;
        }
        read_new("DynamoDB Table", &name, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let name = id_of(state, TYPE)?;
        let deadline = std::time::Instant::now() + DELETE_TIMEOUT;
        loop {
            match aws
                .dynamodb()
                .delete_table()
                .table_name(&name)
                .send()
                .await
                .api()
            {
                Ok(_) => break,
                Err(e) if e.not_found() => return Ok(()),
                // Still being created or updated.
                Err(e)
                    if e.is("ResourceInUseException") && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                Err(e) => {
                    let mut err = e.into_error(format!("deleting DynamoDB Table {name}"));
                    if err.detail.contains("deletion protection") {
                        err = err.with_hint(
                            "set deletion_protection_enabled = false and apply before destroying",
                        );
                    }
                    return Err(err);
                }
            }
        }
        let gone = wait_for(DELETE_TIMEOUT, || async {
            match describe(aws, &name).await {
                Ok(None) => Ok(Some(())),
                Ok(Some(_)) => Ok(None),
                Err(e) => {
                    Err(e.into_error(format!("waiting for DynamoDB Table {name} to be deleted")))
                }
            }
        })
        .await?;
        gone.ok_or_else(|| {
            ProviderError::new(
                format!("deleting DynamoDB Table {name} failed"),
                format!(
                    "The table still existed {} minutes after it was deleted.",
                    DELETE_TIMEOUT.as_secs() / 60
                ),
            )
        })
    }

    fn import_hint(&self) -> String {
        "aws_dynamodb_table is imported by table name.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_schema_orders_hash_then_range() {
        let ks = key_schema("pk", Some("sk")).expect("builds");
        assert_eq!(ks.len(), 2);
        assert_eq!(ks[0].key_type, KeyType::Hash);
        assert_eq!(ks[1].attribute_name, "sk");
        assert_eq!(keys_of(Some(&ks)), (Some("pk".into()), Some("sk".into())));
    }
}
