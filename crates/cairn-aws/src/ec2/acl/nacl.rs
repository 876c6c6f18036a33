//! `aws_network_acl`, and what it shares with `aws_default_network_acl`
//! and `aws_network_acl_rule`: entry blocks, protocol spelling, entry and
//! subnet association changes.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IcmpTypeCode, NetworkAcl, NetworkAclEntry, PortRange, ResourceType, RuleAction,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, NestedBlock, Nesting, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::common::filter;
use crate::config::AwsClients;
use crate::ec2::{delete_retrying, sync_tags, tag_map, tag_spec, with_tags};
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    blocks_of, entries, i64_of, id_of, nonempty_str, opt_sv, read_new, str_of, str_set, strings_of,
    sv,
};

pub(crate) struct NetworkAclResource;

const TYPE: &str = "aws_network_acl";

/// Rule numbers of the catch-all deny entries AWS adds to every ACL
/// (IPv4 and IPv6); they cannot be changed and are never reported.
pub(super) fn is_builtin_rule(n: i32) -> bool {
    n == 32767 || n == 32768
}

/// The ACL API's spelling of a protocol: its number, `-1` for all.
pub(super) fn nacl_protocol(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase();
    match p.as_str() {
        "all" | "-1" => "-1".into(),
        "tcp" => "6".into(),
        "udp" => "17".into(),
        "icmp" => "1".into(),
        "icmpv6" | "ipv6-icmp" => "58".into(),
        _ => p,
    }
}

fn entry_schema() -> Schema {
    Schema::new("A network ACL entry.")
        .attr(
            "from_port",
            A::required(Type::Number, "The from port to match."),
        )
        .attr(
            "to_port",
            A::required(Type::Number, "The to port to match."),
        )
        .attr(
            "rule_no",
            A::required(
                Type::Number,
                "The rule number; entries apply in ascending order.",
            ),
        )
        .attr("action", A::required(Type::String, "allow or deny."))
        .attr(
            "protocol",
            A::required(
                Type::String,
                "The protocol: tcp, udp, icmp, a number, or -1 for all.",
            ),
        )
        .attr(
            "cidr_block",
            A::optional(Type::String, "The IPv4 CIDR block to match."),
        )
        .attr(
            "ipv6_cidr_block",
            A::optional(Type::String, "The IPv6 CIDR block to match."),
        )
        .attr(
            "icmp_type",
            A::optional(Type::Number, "The ICMP type; default 0."),
        )
        .attr(
            "icmp_code",
            A::optional(Type::Number, "The ICMP code; default 0."),
        )
}

pub(super) fn entries_block() -> NestedBlock {
    NestedBlock {
        nesting: Nesting::Set,
        block: entry_schema(),
        min_items: 0,
        max_items: None,
        force_new: false,
    }
}

pub(super) fn entry_type() -> Type {
    entry_schema().implied_type()
}

/// One entry as both the configuration and the API describe it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Entry {
    pub rule_no: i64,
    pub protocol: String,
    pub action: String,
    pub cidr_block: String,
    pub ipv6_cidr_block: String,
    pub from_port: i64,
    pub to_port: i64,
    pub icmp_type: i64,
    pub icmp_code: i64,
}

impl Entry {
    pub(super) fn from_block(v: &Value) -> Entry {
        Entry {
            rule_no: i64_of(v, "rule_no").unwrap_or(0),
            protocol: nacl_protocol(&str_of(v, "protocol").unwrap_or_default()),
            action: str_of(v, "action").unwrap_or_default().to_ascii_lowercase(),
            cidr_block: str_of(v, "cidr_block").unwrap_or_default(),
            ipv6_cidr_block: str_of(v, "ipv6_cidr_block").unwrap_or_default(),
            from_port: i64_of(v, "from_port").unwrap_or(0),
            to_port: i64_of(v, "to_port").unwrap_or(0),
            icmp_type: i64_of(v, "icmp_type").unwrap_or(0),
            icmp_code: i64_of(v, "icmp_code").unwrap_or(0),
        }
    }

    /// The API's entry; `prior` supplies ICMP type and code when the API
    /// omits them (see [`icmp_of`]).
    pub(super) fn from_api(e: &NetworkAclEntry, prior: &[Entry]) -> Entry {
        let rule_no = i64::from(e.rule_number.unwrap_or(0));
        let protocol = nacl_protocol(e.protocol.as_deref().unwrap_or("-1"));
        let ports = e.port_range.as_ref();
        let mut out = Entry {
            rule_no,
            protocol,
            action: e
                .rule_action
                .as_ref()
                .map(|a| a.as_str().to_ascii_lowercase())
                .unwrap_or_default(),
            cidr_block: e.cidr_block.clone().unwrap_or_default(),
            ipv6_cidr_block: e.ipv6_cidr_block.clone().unwrap_or_default(),
            from_port: ports.and_then(|p| p.from).map(i64::from).unwrap_or(0),
            to_port: ports.and_then(|p| p.to).map(i64::from).unwrap_or(0),
            icmp_type: 0,
            icmp_code: 0,
        };
        (out.icmp_type, out.icmp_code) = icmp_of(e, &out, prior);
        out
    }

    pub(super) fn to_block(&self) -> Value {
        let m: BTreeMap<String, Value> = [
            ("rule_no", Value::int(self.rule_no)),
            ("protocol", sv(&self.protocol)),
            ("action", sv(&self.action)),
            ("cidr_block", sv(&self.cidr_block)),
            ("ipv6_cidr_block", sv(&self.ipv6_cidr_block)),
            ("from_port", Value::int(self.from_port)),
            ("to_port", Value::int(self.to_port)),
            ("icmp_type", Value::int(self.icmp_type)),
            ("icmp_code", Value::int(self.icmp_code)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Value::object(m)
    }
}

/// ICMP type and code of an API entry. An ICMP entry always has them in
/// AWS; when the API leaves them out (some emulators do), the prior
/// state's values for the same entry are kept rather than inventing 0.
fn icmp_of(e: &NetworkAclEntry, got: &Entry, prior: &[Entry]) -> (i64, i64) {
    if let Some(i) = &e.icmp_type_code {
        return (
            i64::from(i.r#type.unwrap_or(0)),
            i64::from(i.code.unwrap_or(0)),
        );
    }
    prior
        .iter()
        .find(|p| {
            p.rule_no == got.rule_no
                && p.protocol == got.protocol
                && p.action == got.action
                && p.cidr_block == got.cidr_block
                && p.ipv6_cidr_block == got.ipv6_cidr_block
        })
        .map(|p| (p.icmp_type, p.icmp_code))
        .unwrap_or((0, 0))
}

/// The entries of one direction of a state or configuration.
pub(super) fn entries_of(v: &Value, block: &str) -> BTreeSet<Entry> {
    blocks_of(v, block)
        .into_iter()
        .map(Entry::from_block)
        .collect()
}

/// Entry blocks spelled the way reads report them, so a configuration
/// saying `tcp`, `ALLOW` or leaving `icmp_type` unset plans as no change.
pub(super) fn normalize_entry_blocks(config: &Value, block: &str) -> Value {
    match config.get_attr(block) {
        Some(v) if !v.is_wholly_known() => v.clone(),
        _ => Value::set(
            entry_type(),
            entries_of(config, block)
                .iter()
                .map(Entry::to_block)
                .collect(),
        ),
    }
}

/// The entries of the API's ACL, by direction, without the built-in ones.
pub(super) fn api_entries(acl: &NetworkAcl, prior: &Value) -> (BTreeSet<Entry>, BTreeSet<Entry>) {
    let prior_in: Vec<Entry> = entries_of(prior, "ingress").into_iter().collect();
    let prior_eg: Vec<Entry> = entries_of(prior, "egress").into_iter().collect();
    let mut ingress = BTreeSet::new();
    let mut egress = BTreeSet::new();
    for e in acl.entries.as_deref().unwrap_or_default() {
        if is_builtin_rule(e.rule_number.unwrap_or(0)) {
            continue;
        }
        if e.egress == Some(true) {
            egress.insert(Entry::from_api(e, &prior_eg));
        } else {
            ingress.insert(Entry::from_api(e, &prior_in));
        }
    }
    (ingress, egress)
}

pub(super) fn entry_set(items: &BTreeSet<Entry>) -> Value {
    Value::set(entry_type(), items.iter().map(Entry::to_block).collect())
}

pub(super) async fn describe_acl(
    aws: &AwsClients,
    id: &str,
) -> Result<Option<NetworkAcl>, ProviderError> {
    match aws
        .ec2()
        .describe_network_acls()
        .network_acl_ids(id)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o
            .network_acls
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.network_acl_id.as_deref() == Some(id))),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e.into_error(format!("reading EC2 Network ACL {id}"))),
    }
}

pub(super) async fn create_entry(
    aws: &AwsClients,
    acl: &str,
    egress: bool,
    e: &Entry,
) -> Result<(), ProviderError> {
    let num = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    let mut req = aws
        .ec2()
        .create_network_acl_entry()
        .network_acl_id(acl)
        .rule_number(num(e.rule_no))
        .protocol(&e.protocol)
        .rule_action(RuleAction::from(e.action.as_str()))
        .egress(egress)
        .set_cidr_block(Some(e.cidr_block.clone()).filter(|c| !c.is_empty()))
        .set_ipv6_cidr_block(Some(e.ipv6_cidr_block.clone()).filter(|c| !c.is_empty()));
    if e.protocol == "1" || e.protocol == "58" {
        req = req.icmp_type_code(
            IcmpTypeCode::builder()
                .r#type(num(e.icmp_type))
                .code(num(e.icmp_code))
                .build(),
        );
    }
    // Ports apply to TCP and UDP (required there); other protocols get
    // them only when set, so none are reported back that were not asked for.
    let ported = e.protocol == "6" || e.protocol == "17";
    let other = !matches!(e.protocol.as_str(), "-1" | "1" | "58");
    if ported || (other && (e.from_port, e.to_port) != (0, 0)) {
        req = req.port_range(
            PortRange::builder()
                .from(num(e.from_port))
                .to(num(e.to_port))
                .build(),
        );
    }
    let dir = if egress { "egress" } else { "ingress" };
    req.send().await.ctx(format!(
        "creating EC2 Network ACL {acl} {dir} entry {}",
        e.rule_no
    ))?;
    Ok(())
}

pub(super) async fn delete_entry(
    aws: &AwsClients,
    acl: &str,
    egress: bool,
    rule_no: i64,
) -> Result<(), ProviderError> {
    let dir = if egress { "egress" } else { "ingress" };
    match aws
        .ec2()
        .delete_network_acl_entry()
        .network_acl_id(acl)
        .rule_number(i32::try_from(rule_no).unwrap_or(i32::MAX))
        .egress(egress)
        .send()
        .await
        .api()
    {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(e.into_error(format!(
            "deleting EC2 Network ACL {acl} {dir} entry {rule_no}"
        ))),
    }
}

/// Brings one direction's entries from `old` to `new`: removed and
/// changed entries are deleted first (a rule number is unique per
/// direction), then the new ones are created.
pub(super) async fn sync_entries(
    aws: &AwsClients,
    acl: &str,
    egress: bool,
    old: &BTreeSet<Entry>,
    new: &BTreeSet<Entry>,
) -> Result<(), ProviderError> {
    for e in old.difference(new) {
        delete_entry(aws, acl, egress, e.rule_no).await?;
    }
    for e in new.difference(old) {
        create_entry(aws, acl, egress, e).await?;
    }
    Ok(())
}

/// The ACL a subnet is associated with now: (association ID, ACL ID).
async fn association_of(
    aws: &AwsClients,
    subnet: &str,
) -> Result<Option<(String, String)>, ProviderError> {
    let out = aws
        .ec2()
        .describe_network_acls()
        .filters(filter("association.subnet-id", subnet))
        .send()
        .await
        .ctx(format!("finding the Network ACL of subnet {subnet}"))?;
    for acl in out.network_acls.unwrap_or_default() {
        for a in acl.associations.unwrap_or_default() {
            if a.subnet_id.as_deref() == Some(subnet) {
                if let (Some(assoc), Some(acl_id)) = (
                    a.network_acl_association_id,
                    a.network_acl_id.clone().or(acl.network_acl_id.clone()),
                ) {
                    return Ok(Some((assoc, acl_id)));
                }
            }
        }
    }
    Ok(None)
}

/// Moves a subnet's association to `acl` (a subnet always has exactly one).
pub(super) async fn associate(
    aws: &AwsClients,
    subnet: &str,
    acl: &str,
) -> Result<(), ProviderError> {
    let Some((assoc, current)) = association_of(aws, subnet).await? else {
        return Err(ProviderError::new(
            format!("associating subnet {subnet} with Network ACL {acl} failed"),
            format!("Subnet {subnet} has no network ACL association; it may not exist."),
        )
        .with_hint("Check subnet_ids: every ID must be a subnet of the ACL's VPC."));
    };
    if current == acl {
        return Ok(());
    }
    aws.ec2()
        .replace_network_acl_association()
        .association_id(assoc)
        .network_acl_id(acl)
        .send()
        .await
        .ctx(format!(
            "associating subnet {subnet} with Network ACL {acl}"
        ))?;
    Ok(())
}

/// The VPC's default network ACL.
pub(super) async fn default_acl_of(
    aws: &AwsClients,
    vpc: &str,
) -> Result<Option<String>, ProviderError> {
    let out = aws
        .ec2()
        .describe_network_acls()
        .filters(filter("vpc-id", vpc))
        .filters(filter("default", "true"))
        .send()
        .await
        .ctx(format!("finding the default Network ACL of VPC {vpc}"))?;
    Ok(out
        .network_acls
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.is_default == Some(true))
        .and_then(|a| a.network_acl_id))
}

/// Gives subnets back to the VPC's default ACL (the only way to end an
/// association). A subnet that no longer exists needs nothing.
async fn release_subnets(
    aws: &AwsClients,
    acl: &str,
    vpc: &str,
    subnets: &[String],
) -> Result<(), ProviderError> {
    if subnets.is_empty() {
        return Ok(());
    }
    let Some(default) = default_acl_of(aws, vpc).await? else {
        return Err(ProviderError::new(
            format!("releasing the subnets of Network ACL {acl} failed"),
            format!("VPC {vpc} has no default network ACL to move the subnets to."),
        ));
    };
    for s in subnets {
        match association_of(aws, s).await? {
            Some((assoc, current)) if current == acl => {
                aws.ec2()
                    .replace_network_acl_association()
                    .association_id(assoc)
                    .network_acl_id(&default)
                    .send()
                    .await
                    .ctx(format!(
                        "moving subnet {s} to the default Network ACL {default}"
                    ))?;
            }
            _ => {}
        }
    }
    Ok(())
}

pub(super) fn subnets_of(acl: &NetworkAcl) -> Vec<String> {
    acl.associations
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.subnet_id.clone())
        .collect()
}

pub(super) fn acl_arn(aws: &AwsClients, owner: &str, id: &str) -> String {
    aws.arn("ec2", &aws.region, owner, &format!("network-acl/{id}"))
}

pub(super) fn check_entries(config: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for block in ["ingress", "egress"] {
        for r in blocks_of(config, block) {
            if let Some(a) = str_of(r, "action") {
                let a = a.to_ascii_lowercase();
                if a != "allow" && a != "deny" {
                    out.push(Diagnostic::error(
                        format!("Invalid {block} action"),
                        format!("action must be \"allow\" or \"deny\", not {a:?}."),
                    ));
                }
            }
            if let Some(c) = str_of(r, "cidr_block").filter(|c| !c.is_empty()) {
                out.extend(crate::ec2::check_ipv4_cidr(
                    &format!("{block} cidr_block"),
                    &c,
                    0..=32,
                ));
            }
            if let Some(c) = str_of(r, "ipv6_cidr_block").filter(|c| !c.is_empty()) {
                out.extend(crate::ec2::check_ipv6_cidr(
                    &format!("{block} ipv6_cidr_block"),
                    &c,
                ));
            }
            let all = str_of(r, "protocol").is_some_and(|p| nacl_protocol(&p) == "-1");
            let ports = (i64_of(r, "from_port"), i64_of(r, "to_port"));
            if all && matches!(ports, (Some(f), Some(t)) if (f, t) != (0, 0)) {
                out.push(
                    Diagnostic::error(
                        format!("Invalid {block} entry ports"),
                        "An entry with protocol -1 (all) covers every port: from_port and to_port must be 0.",
                    )
                    .with_hint("Set from_port = 0 and to_port = 0."),
                );
            }
            if let Some(n) = i64_of(r, "rule_no") {
                if !(1..=32766).contains(&n) {
                    out.push(Diagnostic::error(
                        format!("Invalid {block} rule_no"),
                        format!("rule_no must be between 1 and 32766, not {n}."),
                    ));
                }
            }
        }
    }
    out
}

#[async_trait]
impl Resource for NetworkAclResource {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new("A VPC network ACL with inline entries."))
            .attr("id", A::computed(Type::String, "ID of the network ACL."))
            .attr("arn", A::computed(Type::String, "ARN of the network ACL."))
            .attr(
                "owner_id",
                A::computed(Type::String, "ID of the AWS account that owns the ACL."),
            )
            .attr(
                "vpc_id",
                A::required(Type::String, "ID of the VPC.").force_new(),
            )
            .attr(
                "subnet_ids",
                A::optional_computed(Type::set(Type::String), "Subnets to apply the ACL to."),
            )
            .block("ingress", entries_block())
            .block("egress", entries_block())
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        check_entries(config)
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        let mut m = entries(&config);
        for block in ["ingress", "egress"] {
            let known = config.get_attr(block).is_none_or(Value::is_wholly_known);
            let v = if known && blocks_of(&config, block).is_empty() {
                // Optional and computed, as in the Terraform provider: no
                // entry blocks at all leaves the entries alone.
                match prior.and_then(|p| p.get_attr(block)) {
                    Some(p) => p.clone(),
                    None => Value::set(entry_type(), Vec::new()),
                }
            } else {
                normalize_entry_blocks(&config, block)
            };
            m.insert(block.into(), v);
        }
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let vpc =
            nonempty_str(planned, "vpc_id").ok_or_else(|| crate::util::missing(TYPE, "vpc_id"))?;
        let tags = tags::to_apply(aws, planned);
        let out = aws
            .ec2()
            .create_network_acl()
            .vpc_id(&vpc)
            .client_token(crate::util::client_token())
            .set_tag_specifications(tag_spec(ResourceType::NetworkAcl, &tags).map(|t| vec![t]))
            .send()
            .await
            .ctx(format!("creating EC2 Network ACL in VPC {vpc}"))?;
        let id = out
            .network_acl
            .and_then(|a| a.network_acl_id)
            .ok_or_else(|| {
                ProviderError::new(
                    "creating EC2 Network ACL failed",
                    "The API returned no ACL ID.",
                )
            })?;
        for (block, egress) in [("ingress", false), ("egress", true)] {
            sync_entries(
                aws,
                &id,
                egress,
                &BTreeSet::new(),
                &entries_of(planned, block),
            )
            .await?;
        }
        for s in strings_of(planned, "subnet_ids") {
            associate(aws, &s, &id).await?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Network ACL", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(acl) = describe_acl(aws, &id).await? else {
            return Ok(None);
        };
        let owner = acl.owner_id.clone().unwrap_or_default();
        let (ingress, egress) = api_entries(&acl, state);
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert("arn".into(), sv(acl_arn(aws, &owner, &id)));
        m.insert("owner_id".into(), sv(&owner));
        m.insert("vpc_id".into(), opt_sv(acl.vpc_id.as_deref()));
        m.insert("subnet_ids".into(), str_set(subnets_of(&acl)));
        m.insert("ingress".into(), entry_set(&ingress));
        m.insert("egress".into(), entry_set(&egress));
        let (t, all) = tags::from_remote(aws, state, tag_map(acl.tags.as_deref()));
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
        for (block, egress) in [("ingress", false), ("egress", true)] {
            sync_entries(
                aws,
                &id,
                egress,
                &entries_of(prior, block),
                &entries_of(planned, block),
            )
            .await?;
        }
        if planned
            .get_attr("subnet_ids")
            .is_some_and(Value::is_wholly_known)
        {
            let old: BTreeSet<String> = strings_of(prior, "subnet_ids").into_iter().collect();
            let new: BTreeSet<String> = strings_of(planned, "subnet_ids").into_iter().collect();
            for s in new.difference(&old) {
                associate(aws, s, &id).await?;
            }
            let gone: Vec<String> = old.difference(&new).cloned().collect();
            let vpc = nonempty_str(prior, "vpc_id").unwrap_or_default();
            release_subnets(aws, &id, &vpc, &gone).await?;
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 Network ACL", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        // Subnets must be given back to the default ACL first; use the
        // ACL's current associations, which may differ from the state.
        let Some(acl) = describe_acl(aws, &id).await? else {
            return Ok(());
        };
        let vpc = acl.vpc_id.clone().unwrap_or_default();
        release_subnets(aws, &id, &vpc, &subnets_of(&acl)).await?;
        delete_retrying(&format!("EC2 Network ACL {id}"), || async {
            aws.ec2()
                .delete_network_acl()
                .network_acl_id(&id)
                .send()
                .await
                .map(|_| ())
                .map_err(ApiError::from_sdk)
        })
        .await
    }

    fn import_hint(&self) -> String {
        "aws_network_acl is imported by ACL ID, e.g. acl-7aaabd18.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_spell_as_numbers() {
        assert_eq!(nacl_protocol("TCP"), "6");
        assert_eq!(nacl_protocol("all"), "-1");
        assert_eq!(nacl_protocol("17"), "17");
        assert_eq!(nacl_protocol("icmp"), "1");
    }
}
