//! Data sources: `aws_caller_identity`, `aws_region`, `aws_partition`,
//! `aws_availability_zones` and `aws_iam_policy_document`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::Filter;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute, NestedBlock, Nesting, ProviderError, Schema};
use cairn_value::{Type, Value};

use crate::config::{partition_of, AwsClients};
use crate::error::SdkResultExt;
use crate::policy::{Condition, Document, Principal, Statement, Strs};
use crate::resource::DataSource;
use crate::util::{
    blocks_of, bool_of, entries, nonempty_str, str_list, str_of, str_set, strings_of, sv,
};

pub(crate) fn data_sources() -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(CallerIdentity),
        Arc::new(RegionData),
        Arc::new(PartitionData),
        Arc::new(AvailabilityZones),
        Arc::new(PolicyDocument),
    ]
}

fn c(t: Type, d: &str) -> Attribute {
    Attribute::computed(t, d)
}

// ---- aws_caller_identity ----------------------------------------------------

struct CallerIdentity;

#[async_trait]
impl DataSource for CallerIdentity {
    fn type_name(&self) -> &'static str {
        "aws_caller_identity"
    }
    fn schema(&self) -> Schema {
        Schema::new("The effective account ID, user ID and ARN the provider is authorized as.")
            .attr("account_id", c(Type::String, "AWS account ID."))
            .attr("arn", c(Type::String, "ARN of the calling entity."))
            .attr("id", c(Type::String, "The account ID."))
            .attr(
                "user_id",
                c(Type::String, "Unique identifier of the calling entity."),
            )
    }
    async fn read(
        &self,
        aws: &AwsClients,
        _s: &Schema,
        _c: &Value,
    ) -> Result<Value, ProviderError> {
        let id = aws.caller_identity().await?;
        Ok(Value::object(
            [
                ("account_id", sv(&id.account_id)),
                ("arn", sv(&id.arn)),
                ("id", sv(&id.account_id)),
                ("user_id", sv(&id.user_id)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        ))
    }
}

// ---- aws_region ---------------------------------------------------------------

struct RegionData;

fn region_description(r: &str) -> &'static str {
    match r {
        "us-east-1" => "US East (N. Virginia)",
        "us-east-2" => "US East (Ohio)",
        "us-west-1" => "US West (N. California)",
        "us-west-2" => "US West (Oregon)",
        "af-south-1" => "Africa (Cape Town)",
        "ap-east-1" => "Asia Pacific (Hong Kong)",
        "ap-south-1" => "Asia Pacific (Mumbai)",
        "ap-south-2" => "Asia Pacific (Hyderabad)",
        "ap-southeast-1" => "Asia Pacific (Singapore)",
        "ap-southeast-2" => "Asia Pacific (Sydney)",
        "ap-southeast-3" => "Asia Pacific (Jakarta)",
        "ap-southeast-4" => "Asia Pacific (Melbourne)",
        "ap-northeast-1" => "Asia Pacific (Tokyo)",
        "ap-northeast-2" => "Asia Pacific (Seoul)",
        "ap-northeast-3" => "Asia Pacific (Osaka)",
        "ca-central-1" => "Canada (Central)",
        "ca-west-1" => "Canada West (Calgary)",
        "eu-central-1" => "Europe (Frankfurt)",
        "eu-central-2" => "Europe (Zurich)",
        "eu-west-1" => "Europe (Ireland)",
        "eu-west-2" => "Europe (London)",
        "eu-west-3" => "Europe (Paris)",
        "eu-south-1" => "Europe (Milan)",
        "eu-south-2" => "Europe (Spain)",
        "eu-north-1" => "Europe (Stockholm)",
        "il-central-1" => "Israel (Tel Aviv)",
        "me-south-1" => "Middle East (Bahrain)",
        "me-central-1" => "Middle East (UAE)",
        "sa-east-1" => "South America (Sao Paulo)",
        "cn-north-1" => "China (Beijing)",
        "cn-northwest-1" => "China (Ningxia)",
        "us-gov-west-1" => "AWS GovCloud (US-West)",
        "us-gov-east-1" => "AWS GovCloud (US-East)",
        _ => "",
    }
}

#[async_trait]
impl DataSource for RegionData {
    fn type_name(&self) -> &'static str {
        "aws_region"
    }
    fn schema(&self) -> Schema {
        Schema::new("A region: the provider's, or the one named.")
            .attr(
                "name",
                Attribute::optional_computed(
                    Type::String,
                    "Full name of the region (deprecated for `region`).",
                ),
            )
            .attr(
                "region",
                Attribute::optional_computed(
                    Type::String,
                    "Name of the region; defaults to the provider's.",
                ),
            )
            .attr(
                "endpoint",
                Attribute::optional_computed(Type::String, "EC2 endpoint of the region."),
            )
            .attr("description", c(Type::String, "Description of the region."))
            .attr("id", c(Type::String, "Name of the region."))
    }
    async fn read(
        &self,
        aws: &AwsClients,
        _s: &Schema,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let region = nonempty_str(config, "region")
            .or_else(|| nonempty_str(config, "name"))
            .unwrap_or_else(|| aws.region.clone());
        let endpoint = format!("ec2.{region}.{}", partition_of(&region).dns_suffix);
        if let Some(want) = nonempty_str(config, "endpoint") {
            if want != endpoint {
                return Err(ProviderError::new(
                    "No region with that endpoint",
                    format!("Region {region} has the EC2 endpoint {endpoint}, not {want}."),
                ));
            }
        }
        let mut m = entries(config);
        m.insert("name".into(), sv(&region));
        m.insert("region".into(), sv(&region));
        m.insert("endpoint".into(), sv(&endpoint));
        m.insert("description".into(), sv(region_description(&region)));
        m.insert("id".into(), sv(&region));
        Ok(Value::object(m))
    }
}

// ---- aws_partition --------------------------------------------------------------

struct PartitionData;

#[async_trait]
impl DataSource for PartitionData {
    fn type_name(&self) -> &'static str {
        "aws_partition"
    }
    fn schema(&self) -> Schema {
        Schema::new("The partition (aws, aws-cn, aws-us-gov) of the provider's region.")
            .attr(
                "dns_suffix",
                c(Type::String, "Base DNS domain name, e.g. amazonaws.com."),
            )
            .attr("id", c(Type::String, "Identifier of the partition."))
            .attr(
                "partition",
                c(Type::String, "Identifier of the partition, e.g. aws."),
            )
            .attr(
                "reverse_dns_prefix",
                c(Type::String, "Prefix of service names, e.g. com.amazonaws."),
            )
    }
    async fn read(
        &self,
        aws: &AwsClients,
        _s: &Schema,
        _c: &Value,
    ) -> Result<Value, ProviderError> {
        let p = aws.partition;
        Ok(Value::object(
            [
                ("dns_suffix", sv(p.dns_suffix)),
                ("id", sv(p.id)),
                ("partition", sv(p.id)),
                ("reverse_dns_prefix", sv(p.reverse_dns_prefix)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        ))
    }
}

// ---- aws_availability_zones --------------------------------------------------------

struct AvailabilityZones;

pub(crate) fn filter_block() -> NestedBlock {
    NestedBlock {
        nesting: Nesting::Set,
        block: Schema::new("An EC2 API filter.")
            .attr(
                "name",
                Attribute::required(Type::String, "Name of the filter field."),
            )
            .attr(
                "values",
                Attribute::required(Type::set(Type::String), "Values the field may match."),
            ),
        min_items: 0,
        max_items: None,
        force_new: false,
    }
}

pub(crate) fn filters_of(config: &Value) -> Vec<Filter> {
    blocks_of(config, "filter")
        .into_iter()
        .filter_map(|f| {
            Some(
                Filter::builder()
                    .name(str_of(f, "name")?)
                    .set_values(Some(strings_of(f, "values")))
                    .build(),
            )
        })
        .collect()
}

#[async_trait]
impl DataSource for AvailabilityZones {
    fn type_name(&self) -> &'static str {
        "aws_availability_zones"
    }
    fn schema(&self) -> Schema {
        Schema::new("The availability zones of the provider's region.")
            .attr(
                "all_availability_zones",
                Attribute::optional(
                    Type::Bool,
                    "Include Local Zones and Wavelength Zones whatever their opt-in status.",
                ),
            )
            .attr(
                "exclude_names",
                Attribute::optional(Type::set(Type::String), "Zone names to leave out."),
            )
            .attr(
                "exclude_zone_ids",
                Attribute::optional(Type::set(Type::String), "Zone IDs to leave out."),
            )
            .attr(
                "state",
                Attribute::optional(
                    Type::String,
                    "Only zones in this state: available, information, impaired or unavailable.",
                ),
            )
            .attr(
                "group_names",
                c(Type::set(Type::String), "Zone group names."),
            )
            .attr("id", c(Type::String, "The region."))
            .attr("names", c(Type::list(Type::String), "Zone names, sorted."))
            .attr(
                "zone_ids",
                c(Type::list(Type::String), "Zone IDs, in the order of names."),
            )
            .block("filter", filter_block())
    }
    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        match str_of(config, "state").as_deref() {
            None | Some("available" | "information" | "impaired" | "unavailable") => Vec::new(),
            Some(s) => vec![Diagnostic::error(
                "Invalid availability zone state",
                format!(
                    "state must be available, information, impaired or unavailable, not {s:?}."
                ),
            )],
        }
    }
    async fn read(
        &self,
        aws: &AwsClients,
        _s: &Schema,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let mut filters = filters_of(config);
        if let Some(state) = str_of(config, "state") {
            filters.push(Filter::builder().name("state").values(state).build());
        }
        let mut req = aws.ec2().describe_availability_zones();
        if bool_of(config, "all_availability_zones").unwrap_or(false) {
            req = req.all_availability_zones(true);
        }
        if !filters.is_empty() {
            req = req.set_filters(Some(filters));
        }
        let out = req.send().await.ctx("reading EC2 Availability Zones")?;
        let exclude_names = strings_of(config, "exclude_names");
        let exclude_ids = strings_of(config, "exclude_zone_ids");
        let mut zones: Vec<_> = out
            .availability_zones
            .unwrap_or_default()
            .into_iter()
            .filter(|z| {
                !z.zone_name
                    .as_ref()
                    .is_some_and(|n| exclude_names.contains(n))
                    && !z.zone_id.as_ref().is_some_and(|n| exclude_ids.contains(n))
            })
            .collect();
        zones.sort_by(|a, b| a.zone_name.cmp(&b.zone_name));
        let names: Vec<String> = zones.iter().filter_map(|z| z.zone_name.clone()).collect();
        let ids: Vec<String> = zones.iter().filter_map(|z| z.zone_id.clone()).collect();
        let groups: Vec<String> = zones.iter().filter_map(|z| z.group_name.clone()).collect();
        let mut m = entries(config);
        m.insert("group_names".into(), str_set(groups));
        m.insert("id".into(), sv(&aws.region));
        m.insert("names".into(), str_list(names));
        m.insert("zone_ids".into(), str_list(ids));
        Ok(Value::object(m))
    }
}

// ---- aws_iam_policy_document ------------------------------------------------------

struct PolicyDocument;

fn principals_block(d: &str) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::Set,
        block: Schema::new(d)
            .attr(
                "type",
                Attribute::required(
                    Type::String,
                    "Type of principal: AWS, Service, Federated, CanonicalUser or *.",
                ),
            )
            .attr(
                "identifiers",
                Attribute::required(Type::set(Type::String), "Identifiers of the principals."),
            ),
        min_items: 0,
        max_items: None,
        force_new: false,
    }
}

fn string_set_attr(d: &str) -> Attribute {
    Attribute::optional(Type::set(Type::String), d)
}

/// `&{aws:username}` in configuration stands for the policy variable
/// `${aws:username}` (which Terraform itself would interpolate).
fn replace_vars(s: String, version: &str) -> Result<String, ProviderError> {
    if version == "2008-10-17" && s.contains("&{") {
        return Err(ProviderError::new(
            "Policy variables need version 2012-10-17",
            format!("found &{{ sequence in ({s}), which is not supported in document version 2008-10-17"),
        ));
    }
    Ok(s.replace("&{", "${"))
}

fn replace_vars_all(v: Strs, version: &str) -> Result<Strs, ProviderError> {
    match v {
        Strs::One(s) => Ok(Strs::One(replace_vars(s, version)?)),
        Strs::Many(items) => Ok(Strs::Many(
            items
                .into_iter()
                .map(|s| replace_vars(s, version))
                .collect::<Result<_, _>>()?,
        )),
    }
}

fn strs_json(s: Strs) -> serde_json::Value {
    match s {
        Strs::One(x) => serde_json::Value::String(x),
        Strs::Many(v) => {
            serde_json::Value::Array(v.into_iter().map(serde_json::Value::String).collect())
        }
    }
}

fn config_principals(v: &Value, k: &str, version: &str) -> Result<Vec<Principal>, ProviderError> {
    blocks_of(v, k)
        .into_iter()
        .map(|p| {
            Ok(Principal {
                ty: str_of(p, "type").unwrap_or_default(),
                ids: replace_vars_all(Strs::from_config(strings_of(p, "identifiers")), version)?,
            })
        })
        .collect()
}

fn doc_error(what: &str, e: String) -> ProviderError {
    ProviderError::new("Invalid IAM policy document", format!("{what}: {e}"))
        .with_hint("Pass JSON policy documents, e.g. data.aws_iam_policy_document.other.json.")
}

/// Builds the document exactly as the provider's data source does.
pub(crate) fn render_policy_document(config: &Value) -> Result<Document, ProviderError> {
    let mut merged = Document::default();
    let sources: Vec<Value> = config
        .get_attr("source_policy_documents")
        .and_then(|v| v.as_seq())
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut seen_sids: Vec<String> = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let Some(text) = src.as_str() else { continue };
        let doc = Document::parse(text)
            .map_err(|e| doc_error(&format!("source_policy_documents[{i}]"), e))?;
        for (j, s) in doc.statements.iter().enumerate() {
            if s.sid.is_empty() {
                continue;
            }
            if seen_sids.contains(&s.sid) {
                return Err(ProviderError::new(
                    "Duplicate Sid in source_policy_documents",
                    format!(
                        "merging source document {i}: duplicate Sid ({}) in source_policy_documents (statement {j}). Remove the Sid or ensure Sids are unique.",
                        s.sid
                    ),
                ));
            }
            seen_sids.push(s.sid.clone());
        }
        merged.merge(doc);
    }

    let version = str_of(config, "version").unwrap_or_else(|| "2012-10-17".into());
    let mut doc = Document {
        version: version.clone(),
        id: str_of(config, "policy_id").unwrap_or_default(),
        statements: Vec::new(),
    };
    let mut sids: Vec<String> = Vec::new();
    for st in blocks_of(config, "statement") {
        let sid = str_of(st, "sid").unwrap_or_default();
        if !sid.is_empty() {
            if sids.contains(&sid) {
                return Err(ProviderError::new(
                    "Duplicate Sid in aws_iam_policy_document",
                    format!("duplicate Sid ({sid}). Remove the Sid or ensure the Sid is unique."),
                ));
            }
            sids.push(sid.clone());
        }
        let list = |k: &str| {
            let v = strings_of(st, k);
            (!v.is_empty()).then(|| Strs::from_config(v))
        };
        let mut s = Statement {
            sid,
            effect: str_of(st, "effect").unwrap_or_else(|| "Allow".into()),
            action: list("actions").map(strs_json),
            not_action: list("not_actions").map(strs_json),
            ..Statement::default()
        };
        if let Some(r) = list("resources") {
            s.resource = Some(strs_json(replace_vars_all(r, &version)?));
        }
        if let Some(r) = list("not_resources") {
            s.not_resource = Some(strs_json(replace_vars_all(r, &version)?));
        }
        s.principals = config_principals(st, "principals", &version)?;
        s.not_principals = config_principals(st, "not_principals", &version)?;
        for cnd in blocks_of(st, "condition") {
            let values: Vec<String> = cnd
                .get_attr("values")
                .and_then(|v| v.as_seq())
                .map(|s| {
                    s.iter()
                        .map(|x| x.as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default();
            let values = if values.len() == 1 {
                Strs::One(values.into_iter().next().unwrap_or_default())
            } else {
                Strs::Many(values)
            };
            s.conditions.push(Condition {
                test: str_of(cnd, "test").unwrap_or_default(),
                variable: str_of(cnd, "variable").unwrap_or_default(),
                values: replace_vars_all(values, &version)?,
            });
        }
        doc.statements.push(s);
    }
    merged.merge(doc);

    let overrides: Vec<Value> = config
        .get_attr("override_policy_documents")
        .and_then(|v| v.as_seq())
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    for (i, o) in overrides.iter().enumerate() {
        let Some(text) = o.as_str() else { continue };
        let doc = Document::parse(text)
            .map_err(|e| doc_error(&format!("override_policy_documents[{i}]"), e))?;
        merged.merge(doc);
    }
    Ok(merged)
}

#[async_trait]
impl DataSource for PolicyDocument {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy_document"
    }
    fn schema(&self) -> Schema {
        let condition = NestedBlock {
            nesting: Nesting::Set,
            block: Schema::new("A condition on the statement.")
                .attr(
                    "test",
                    Attribute::required(Type::String, "Condition operator, e.g. StringLike."),
                )
                .attr(
                    "variable",
                    Attribute::required(Type::String, "Context key, e.g. aws:SourceIp."),
                )
                .attr(
                    "values",
                    Attribute::required(Type::list(Type::String), "Values to match (any of them)."),
                ),
            min_items: 0,
            max_items: None,
            force_new: false,
        };
        let statement = Schema::new("A policy statement.")
            .attr(
                "sid",
                Attribute::optional(Type::String, "Statement ID (alphanumeric)."),
            )
            .attr(
                "effect",
                Attribute::optional(Type::String, "Allow or Deny; defaults to Allow."),
            )
            .attr(
                "actions",
                string_set_attr("Actions the statement allows or denies."),
            )
            .attr(
                "not_actions",
                string_set_attr("Actions the statement does not apply to."),
            )
            .attr(
                "resources",
                string_set_attr("Resource ARNs the statement applies to."),
            )
            .attr(
                "not_resources",
                string_set_attr("Resource ARNs the statement does not apply to."),
            )
            .block(
                "principals",
                principals_block("Principals the statement applies to."),
            )
            .block(
                "not_principals",
                principals_block("Principals the statement does not apply to."),
            )
            .block("condition", condition);
        Schema::new("Generates an IAM policy document in JSON format, locally.")
            .attr(
                "json",
                c(Type::String, "The policy document, pretty-printed."),
            )
            .attr(
                "minified_json",
                c(Type::String, "The policy document, minified."),
            )
            .attr("id", c(Type::String, "Checksum of the document."))
            .attr(
                "override_json",
                Attribute::optional(Type::String, "Deprecated and unused; must be empty."),
            )
            .attr(
                "source_json",
                Attribute::optional(Type::String, "Deprecated and unused; must be empty."),
            )
            .attr(
                "override_policy_documents",
                Attribute::optional(
                    Type::list(Type::String),
                    "Documents merged in last; their statements override those with the same Sid.",
                ),
            )
            .attr(
                "source_policy_documents",
                Attribute::optional(
                    Type::list(Type::String),
                    "Documents merged in first; Sids must be unique.",
                ),
            )
            .attr(
                "policy_id",
                Attribute::optional(Type::String, "ID of the policy document."),
            )
            .attr(
                "version",
                Attribute::optional(Type::String, "2012-10-17 (the default) or 2008-10-17."),
            )
            .block(
                "statement",
                NestedBlock {
                    nesting: Nesting::List,
                    block: statement,
                    min_items: 0,
                    max_items: None,
                    force_new: false,
                },
            )
    }
    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        match str_of(config, "version").as_deref() {
            None | Some("2012-10-17" | "2008-10-17") => {}
            Some(v) => out.push(Diagnostic::error(
                "Invalid policy document version",
                format!("version must be \"2012-10-17\" or \"2008-10-17\", not {v:?}."),
            )),
        }
        for k in ["override_json", "source_json"] {
            if nonempty_str(config, k).is_some() {
                out.push(
                    Diagnostic::error(
                        format!("{k} is no longer supported"),
                        format!("{k} is deprecated and must be empty."),
                    )
                    .with_hint(if k == "override_json" {
                        "Use override_policy_documents = [ ... ] instead."
                    } else {
                        "Use source_policy_documents = [ ... ] instead."
                    }),
                );
            }
        }
        for st in blocks_of(config, "statement") {
            match str_of(st, "effect").as_deref() {
                None | Some("Allow" | "Deny") => {}
                Some(e) => out.push(Diagnostic::error(
                    "Invalid statement effect",
                    format!("effect must be \"Allow\" or \"Deny\", not {e:?}."),
                )),
            }
            if let Some(sid) = str_of(st, "sid") {
                if !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
                    out.push(Diagnostic::error(
                        "Invalid statement sid",
                        format!("sid {sid:?} must only include alphanumeric characters."),
                    ));
                }
            }
        }
        out
    }
    async fn read(
        &self,
        _aws: &AwsClients,
        _s: &Schema,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let doc = render_policy_document(config)?;
        let json = doc.to_pretty();
        let mut m = entries(config);
        m.insert(
            "id".into(),
            sv(crate::policy::crc32(json.as_bytes()).to_string()),
        );
        m.insert("minified_json".into(), sv(doc.to_compact()));
        m.insert("json".into(), sv(json));
        if m.get("version").is_none_or(Value::is_null) {
            m.insert("version".into(), sv("2012-10-17"));
        }
        Ok(Value::object(m))
    }
}
