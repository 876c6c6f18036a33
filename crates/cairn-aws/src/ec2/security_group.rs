//! `aws_security_group`, with inline `ingress`/`egress` rules.
//!
//! Rules are compared as "atoms": one source (an IPv4 or IPv6 CIDR, a
//! prefix list, or a security group) for one protocol and port range, with
//! its description. The API groups atoms by protocol and ports; a rule
//! block groups them by its own lists. Reading matches the prior state's
//! rules against the API's atoms, keeping a rule as written when all its
//! atoms are still there, and regrouping the rest, so rules changed
//! outside cairn show up as a diff and untouched ones do not.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, UserIdGroupPair,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, NestedBlock, Nesting, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{delete_retrying, sync_tags, tag_map, tag_spec, with_tags};
use crate::config::AwsClients;
use crate::error::{ApiError, ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    blocks_of, bool_of, entries, i64_of, id_of, name_or_prefix, nonempty_str, opt_sv,
    prefix_from_name, read_new, str_list, str_of, str_set, strings_of, sv, wait_for,
};

pub(crate) struct SecurityGroup;

const TYPE: &str = "aws_security_group";
const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

pub(crate) fn rule_schema() -> Schema {
    Schema::new("A security group rule.")
        .attr(
            "from_port",
            A::required(Type::Number, "Start port (or ICMP type)."),
        )
        .attr(
            "to_port",
            A::required(Type::Number, "End port (or ICMP code)."),
        )
        .attr(
            "protocol",
            A::required(
                Type::String,
                "Protocol: tcp, udp, icmp, icmpv6, a number, or -1 for all.",
            ),
        )
        .attr(
            "cidr_blocks",
            A::optional(Type::list(Type::String), "IPv4 CIDR blocks."),
        )
        .attr(
            "ipv6_cidr_blocks",
            A::optional(Type::list(Type::String), "IPv6 CIDR blocks."),
        )
        .attr(
            "prefix_list_ids",
            A::optional(Type::list(Type::String), "Prefix list IDs."),
        )
        .attr(
            "security_groups",
            A::optional(
                Type::set(Type::String),
                "Security group IDs (or account/ID).",
            ),
        )
        .attr(
            "self",
            A::optional(Type::Bool, "Whether the group itself is a source."),
        )
        .attr(
            "description",
            A::optional(Type::String, "Description of the rule."),
        )
}

pub(crate) fn rules_block() -> NestedBlock {
    NestedBlock {
        nesting: Nesting::Set,
        block: rule_schema(),
        min_items: 0,
        max_items: None,
        force_new: false,
    }
}

/// The API's spelling of a protocol: names for the common numbers, `-1`
/// for all.
pub(crate) fn normalize_protocol(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase();
    match p.as_str() {
        "all" | "-1" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        _ => p,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    /// A group ID, `account/group-id`, or a group name.
    Group(String),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Atom {
    pub(crate) protocol: String,
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) source: Source,
    pub(crate) description: String,
}

pub(crate) fn ports(protocol: &str, from: i64, to: i64) -> (i64, i64) {
    // "All traffic" has no ports; the API reports none.
    if protocol == "-1" {
        (0, 0)
    } else {
        (from, to)
    }
}

/// The atoms of one configured rule.
pub(crate) fn rule_atoms(rule: &Value, own_id: &str) -> Vec<Atom> {
    let protocol = normalize_protocol(&str_of(rule, "protocol").unwrap_or_default());
    let (from, to) = ports(
        &protocol,
        i64_of(rule, "from_port").unwrap_or(0),
        i64_of(rule, "to_port").unwrap_or(0),
    );
    let description = str_of(rule, "description").unwrap_or_default();
    let mut sources: Vec<Source> = Vec::new();
    sources.extend(
        strings_of(rule, "cidr_blocks")
            .into_iter()
            .map(Source::Cidr),
    );
    sources.extend(
        strings_of(rule, "ipv6_cidr_blocks")
            .into_iter()
            .map(Source::Ipv6),
    );
    sources.extend(
        strings_of(rule, "prefix_list_ids")
            .into_iter()
            .map(Source::PrefixList),
    );
    sources.extend(
        strings_of(rule, "security_groups")
            .into_iter()
            .map(Source::Group),
    );
    if bool_of(rule, "self").unwrap_or(false) {
        sources.push(Source::Group(own_id.to_string()));
    }
    sources
        .into_iter()
        .map(|source| Atom {
            protocol: protocol.clone(),
            from,
            to,
            source,
            description: description.clone(),
        })
        .collect()
}

/// The atoms of the API's permissions.
pub(crate) fn remote_atoms(perms: &[IpPermission], owner: &str) -> BTreeSet<Atom> {
    let mut out = BTreeSet::new();
    for p in perms {
        let protocol = normalize_protocol(p.ip_protocol.as_deref().unwrap_or("-1"));
        let (from, to) = ports(
            &protocol,
            i64::from(p.from_port.unwrap_or(0)),
            i64::from(p.to_port.unwrap_or(0)),
        );
        let mut add = |source: Source, d: Option<&str>| {
            out.insert(Atom {
                protocol: protocol.clone(),
                from,
                to,
                source,
                description: d.unwrap_or_default().to_string(),
            });
        };
        for r in p.ip_ranges.as_deref().unwrap_or_default() {
            if let Some(c) = &r.cidr_ip {
                add(Source::Cidr(c.clone()), r.description.as_deref());
            }
        }
        for r in p.ipv6_ranges.as_deref().unwrap_or_default() {
            if let Some(c) = &r.cidr_ipv6 {
                add(Source::Ipv6(c.clone()), r.description.as_deref());
            }
        }
        for r in p.prefix_list_ids.as_deref().unwrap_or_default() {
            if let Some(c) = &r.prefix_list_id {
                add(Source::PrefixList(c.clone()), r.description.as_deref());
            }
        }
        for g in p.user_id_group_pairs.as_deref().unwrap_or_default() {
            let id = match (&g.group_id, &g.group_name) {
                (Some(id), _) => match &g.user_id {
                    Some(u) if !u.is_empty() && u != owner => format!("{u}/{id}"),
                    _ => id.clone(),
                },
                (None, Some(name)) => name.clone(),
                (None, None) => continue,
            };
            add(Source::Group(id), g.description.as_deref());
        }
    }
    out
}

pub(crate) fn rule_type() -> Type {
    rule_schema().implied_type()
}

/// A rule value with every attribute set the way the API reports it
/// (empty lists, `self = false`, `description = ""`).
pub(crate) fn normalized_rule(rule: &Value) -> Value {
    let mut m = entries(rule);
    let protocol = normalize_protocol(&str_of(rule, "protocol").unwrap_or_default());
    m.insert("protocol".into(), sv(&protocol));
    for k in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] {
        if m.get(k).is_none_or(Value::is_null) {
            m.insert(k.into(), Value::list(Type::String, Vec::new()));
        }
    }
    if m.get("security_groups").is_none_or(Value::is_null) {
        m.insert(
            "security_groups".into(),
            Value::set(Type::String, Vec::new()),
        );
    }
    if m.get("self").is_none_or(Value::is_null) {
        m.insert("self".into(), Value::bool(false));
    }
    if m.get("description").is_none_or(Value::is_null) {
        m.insert("description".into(), sv(""));
    }
    crate::util::conform(&rule_schema(), &Value::object(m))
}

/// Rules from the API's atoms, keeping the prior rules that still match
/// as they were written.
pub(crate) fn rules_from_remote(
    prior_rules: &[&Value],
    mut remote: BTreeSet<Atom>,
    own_id: &str,
) -> Value {
    let mut out = Vec::new();
    for rule in prior_rules {
        let atoms = rule_atoms(rule, own_id);
        if !atoms.is_empty() && atoms.iter().all(|a| remote.contains(a)) {
            for a in &atoms {
                remote.remove(a);
            }
            out.push(normalized_rule(rule));
        }
    }
    let mut groups: BTreeMap<(String, i64, i64, String), Vec<Source>> = BTreeMap::new();
    for a in remote {
        groups
            .entry((a.protocol, a.from, a.to, a.description))
            .or_default()
            .push(a.source);
    }
    for ((protocol, from, to, description), sources) in groups {
        let mut cidrs = Vec::new();
        let mut v6 = Vec::new();
        let mut pls = Vec::new();
        let mut sgs = Vec::new();
        let mut is_self = false;
        for s in sources {
            match s {
                Source::Cidr(c) => cidrs.push(c),
                Source::Ipv6(c) => v6.push(c),
                Source::PrefixList(c) => pls.push(c),
                Source::Group(g) if g == own_id => is_self = true,
                Source::Group(g) => sgs.push(g),
            }
        }
        let m: BTreeMap<String, Value> = [
            ("protocol", sv(&protocol)),
            ("from_port", Value::int(from)),
            ("to_port", Value::int(to)),
            ("cidr_blocks", str_list(cidrs)),
            ("ipv6_cidr_blocks", str_list(v6)),
            ("prefix_list_ids", str_list(pls)),
            ("security_groups", str_set(sgs)),
            ("self", Value::bool(is_self)),
            ("description", sv(&description)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        out.push(Value::object(m));
    }
    Value::set(rule_type(), out)
}

/// API permissions for a set of atoms, one per protocol and port range.
pub(crate) fn permissions(atoms: &[Atom]) -> Vec<IpPermission> {
    let mut by: BTreeMap<(String, i64, i64), Vec<&Atom>> = BTreeMap::new();
    for a in atoms {
        by.entry((a.protocol.clone(), a.from, a.to))
            .or_default()
            .push(a);
    }
    by.into_iter()
        .map(|((protocol, from, to), atoms)| {
            let mut p = IpPermission::builder().ip_protocol(&protocol);
            if protocol != "-1" {
                p = p
                    .from_port(i32::try_from(from).unwrap_or(0))
                    .to_port(i32::try_from(to).unwrap_or(0));
            }
            let desc = |d: &str| (!d.is_empty()).then(|| d.to_string());
            for a in atoms {
                p = match &a.source {
                    Source::Cidr(c) => p.ip_ranges(
                        IpRange::builder()
                            .cidr_ip(c)
                            .set_description(desc(&a.description))
                            .build(),
                    ),
                    Source::Ipv6(c) => p.ipv6_ranges(
                        Ipv6Range::builder()
                            .cidr_ipv6(c)
                            .set_description(desc(&a.description))
                            .build(),
                    ),
                    Source::PrefixList(c) => p.prefix_list_ids(
                        PrefixListId::builder()
                            .prefix_list_id(c)
                            .set_description(desc(&a.description))
                            .build(),
                    ),
                    Source::Group(g) => {
                        let pair = if let Some((user, id)) = g.split_once('/') {
                            UserIdGroupPair::builder().user_id(user).group_id(id)
                        } else if g.starts_with("sg-") {
                            UserIdGroupPair::builder().group_id(g)
                        } else {
                            UserIdGroupPair::builder().group_name(g)
                        };
                        p.user_id_group_pairs(pair.set_description(desc(&a.description)).build())
                    }
                };
            }
            p.build()
        })
        .collect()
}

pub(crate) fn all_atoms(v: &Value, block: &str, own_id: &str) -> BTreeSet<Atom> {
    blocks_of(v, block)
        .into_iter()
        .flat_map(|r| rule_atoms(r, own_id))
        .collect()
}

/// Revokes and authorizes rules of one direction to go from `old` to
/// `new` (revocations first, so a changed description is re-added).
pub(crate) async fn apply_rules(
    aws: &AwsClients,
    id: &str,
    egress: bool,
    old: &BTreeSet<Atom>,
    new: &BTreeSet<Atom>,
) -> Result<(), ProviderError> {
    let revoke: Vec<Atom> = old.difference(new).cloned().collect();
    let authorize: Vec<Atom> = new.difference(old).cloned().collect();
    let dir = if egress { "egress" } else { "ingress" };
    if !revoke.is_empty() {
        let perms = permissions(&revoke);
        let r = if egress {
            aws.ec2()
                .revoke_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(perms))
                .send()
                .await
                .map(|_| ())
                .api()
        } else {
            aws.ec2()
                .revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(perms))
                .send()
                .await
                .map(|_| ())
                .api()
        };
        match r {
            Ok(()) => {}
            // Already gone: the goal is reached.
            Err(e) if e.is("InvalidPermission.NotFound") => {}
            Err(e) => {
                return Err(e.into_error(format!("revoking {dir} rules of Security Group {id}")))
            }
        }
    }
    if !authorize.is_empty() {
        let perms = permissions(&authorize);
        if egress {
            aws.ec2()
                .authorize_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(perms))
                .send()
                .await
                .ctx(format!("authorizing {dir} rules of Security Group {id}"))?;
        } else {
            aws.ec2()
                .authorize_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(perms))
                .send()
                .await
                .ctx(format!("authorizing {dir} rules of Security Group {id}"))?;
        }
    }
    Ok(())
}

pub(crate) async fn describe(
    aws: &AwsClients,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::SecurityGroup>, ApiError> {
    match aws
        .ec2()
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o.security_groups.unwrap_or_default().into_iter().next()),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl Resource for SecurityGroup {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema_version(&self) -> u64 {
        1
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new("A VPC security group with inline rules."))
            .attr("id", A::computed(Type::String, "ID of the security group."))
            .attr(
                "arn",
                A::computed(Type::String, "ARN of the security group."),
            )
            .attr(
                "name",
                A::optional_computed(
                    Type::String,
                    "Name; generated from name_prefix (or terraform-) when unset.",
                )
                .force_new(),
            )
            .attr(
                "name_prefix",
                A::optional_computed(Type::String, "Prefix of a generated name.").force_new(),
            )
            .attr(
                "description",
                A::optional(
                    Type::String,
                    "Description; defaults to \"Managed by Terraform\".",
                )
                .force_new(),
            )
            .attr(
                "vpc_id",
                A::optional_computed(Type::String, "ID of the VPC; defaults to the default VPC.")
                    .force_new(),
            )
            .attr(
                "owner_id",
                A::computed(Type::String, "ID of the AWS account that owns the group."),
            )
            .attr(
                "revoke_rules_on_delete",
                A::optional(
                    Type::Bool,
                    "Revoke all rules before deleting the group; defaults to false.",
                ),
            )
            .block("ingress", rules_block())
            .block("egress", rules_block())
            .block(
                "timeouts",
                crate::util::timeouts_block(&["create", "delete"]),
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("description", sv(DEFAULT_DESCRIPTION)),
            ("revoke_rules_on_delete", Value::bool(false)),
        ]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let name = str_of(config, "name");
        if name.is_some() && config.get_attr("name_prefix").is_some_and(|v| !v.is_null()) {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "name and name_prefix cannot both be set.",
            ));
        }
        for k in ["name", "name_prefix"] {
            if str_of(config, k).is_some_and(|n| n.starts_with("sg-")) {
                out.push(Diagnostic::error(
                    format!("Invalid {k}"),
                    format!("A security group {k} cannot begin with \"sg-\"."),
                ));
            }
        }
        if str_of(config, "description").is_some_and(|d| d.is_empty() || d.len() > 255) {
            out.push(Diagnostic::error(
                "Invalid description",
                "A security group description must be 1 to 255 characters.",
            ));
        }
        for block in ["ingress", "egress"] {
            for r in blocks_of(config, block) {
                for c in strings_of(r, "cidr_blocks") {
                    out.extend(super::check_ipv4_cidr(
                        &format!("{block} cidr_blocks"),
                        &c,
                        0..=32,
                    ));
                }
                for c in strings_of(r, "ipv6_cidr_blocks") {
                    out.extend(super::check_ipv6_cidr(
                        &format!("{block} ipv6_cidr_blocks"),
                        &c,
                    ));
                }
                let p = str_of(r, "protocol").map(|p| normalize_protocol(&p));
                let (f, t) = (i64_of(r, "from_port"), i64_of(r, "to_port"));
                if p.as_deref() == Some("-1")
                    && (f.is_some_and(|x| x != 0 && x != -1)
                        || t.is_some_and(|x| x != 0 && x != -1))
                {
                    out.push(
                        Diagnostic::error(
                            format!("Invalid {block} rule ports"),
                            "A rule with protocol -1 (all) covers every port: from_port and to_port must be 0.",
                        )
                        .with_hint("Set from_port = 0 and to_port = 0."),
                    );
                }
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
        for block in ["ingress", "egress"] {
            let rules = blocks_of(&config, block);
            let known = config.get_attr(block).is_none_or(Value::is_wholly_known);
            let v = if rules.is_empty() && known {
                // Optional and computed, as in the Terraform provider: no
                // rule blocks at all means "leave the rules alone".
                match prior.and_then(|p| p.get_attr(block)) {
                    Some(p) => p.clone(),
                    None => Value::set(rule_type(), Vec::new()),
                }
            } else if !known {
                match config.get_attr(block) {
                    Some(v) => v.clone(),
                    None => Value::set(rule_type(), Vec::new()),
                }
            } else {
                Value::set(
                    rule_type(),
                    rules.into_iter().map(normalized_rule).collect(),
                )
            };
            m.insert(block.into(), v);
        }
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = name_or_prefix(planned, "name", "name_prefix");
        let tags = tags::to_apply(aws, planned);
        let out = aws
            .ec2()
            .create_security_group()
            .group_name(&name)
            .description(
                str_of(planned, "description").unwrap_or_else(|| DEFAULT_DESCRIPTION.into()),
            )
            .set_vpc_id(nonempty_str(planned, "vpc_id"))
            .set_tag_specifications(tag_spec(ResourceType::SecurityGroup, &tags).map(|t| vec![t]))
            .send()
            .await
            .ctx(format!("creating Security Group ({name})"))?;
        let id = out.group_id.ok_or_else(|| {
            ProviderError::new(
                "creating Security Group failed",
                "The API returned no group ID.",
            )
        })?;

        let sg = wait_for(Duration::from_secs(600), || async {
            describe(aws, &id)
                .await
                .ctx(format!("waiting for Security Group {id}"))
        })
        .await?
        .ok_or_else(|| {
            ProviderError::new(
                format!("Security Group {id} did not appear"),
                "The group was created but could not be read back within 10 minutes.",
            )
        })?;
        let owner = sg.owner_id.clone().unwrap_or_default();

        // AWS gives every new group an allow-all egress rule; like the
        // Terraform provider, remove it so only configured rules exist.
        let current_egress = remote_atoms(
            sg.ip_permissions_egress.as_deref().unwrap_or_default(),
            &owner,
        );
        let default_egress: BTreeSet<Atom> = current_egress
            .iter()
            .filter(|a| {
                a.protocol == "-1"
                    && (matches!(&a.source, Source::Cidr(c) if c == "0.0.0.0/0")
                        || matches!(&a.source, Source::Ipv6(c) if c == "::/0"))
            })
            .cloned()
            .collect();
        apply_rules(aws, &id, true, &default_egress, &BTreeSet::new()).await?;
        apply_rules(
            aws,
            &id,
            false,
            &BTreeSet::new(),
            &all_atoms(planned, "ingress", &id),
        )
        .await?;
        apply_rules(
            aws,
            &id,
            true,
            &BTreeSet::new(),
            &all_atoms(planned, "egress", &id),
        )
        .await?;

        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("Security Group", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(sg) = describe(aws, &id)
            .await
            .ctx(format!("reading Security Group {id}"))?
        else {
            return Ok(None);
        };
        let owner = sg.owner_id.clone().unwrap_or_default();
        let ingress = rules_from_remote(
            &blocks_of(state, "ingress"),
            remote_atoms(sg.ip_permissions.as_deref().unwrap_or_default(), &owner),
            &id,
        );
        let egress = rules_from_remote(
            &blocks_of(state, "egress"),
            remote_atoms(
                sg.ip_permissions_egress.as_deref().unwrap_or_default(),
                &owner,
            ),
            &id,
        );
        let name = sg.group_name.clone().unwrap_or_default();
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(sg.security_group_arn.clone().unwrap_or_else(|| {
                aws.arn("ec2", &aws.region, &owner, &format!("security-group/{id}"))
            })),
        );
        m.insert("name".into(), sv(&name));
        m.insert("name_prefix".into(), opt_sv(prefix_from_name(&name)));
        m.insert("description".into(), opt_sv(sg.description.as_deref()));
        m.insert("vpc_id".into(), opt_sv(sg.vpc_id.as_deref()));
        m.insert("owner_id".into(), sv(&owner));
        m.insert("ingress".into(), ingress);
        m.insert("egress".into(), egress);
        if m.get("revoke_rules_on_delete").is_none_or(Value::is_null) {
            m.insert("revoke_rules_on_delete".into(), Value::bool(false));
        }
        let (t, all) = tags::from_remote(aws, state, tag_map(sg.tags.as_deref()));
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
            let old = all_atoms(prior, block, &id);
            let new = all_atoms(planned, block, &id);
            apply_rules(aws, &id, egress, &old, &new).await?;
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new("Security Group", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        if bool_of(state, "revoke_rules_on_delete").unwrap_or(false) {
            match describe(aws, &id)
                .await
                .ctx(format!("reading Security Group {id}"))?
            {
                Some(sg) => {
                    let owner = sg.owner_id.clone().unwrap_or_default();
                    let ing =
                        remote_atoms(sg.ip_permissions.as_deref().unwrap_or_default(), &owner);
                    let eg = remote_atoms(
                        sg.ip_permissions_egress.as_deref().unwrap_or_default(),
                        &owner,
                    );
                    apply_rules(aws, &id, false, &ing, &BTreeSet::new()).await?;
                    apply_rules(aws, &id, true, &eg, &BTreeSet::new()).await?;
                }
                None => return Ok(()),
            }
        }
        delete_retrying(&format!("Security Group {id}"), || async {
            aws.ec2()
                .delete_security_group()
                .group_id(&id)
                .send()
                .await
                .api()
                .map(|_| ())
        })
        .await
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let mut m = cairn_provider::empty_object(schema);
        m.insert("id".into(), sv(id));
        m.insert("revoke_rules_on_delete".into(), Value::bool(false));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_security_group is imported by group ID, e.g. sg-0a1b2c3d.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: i64, to: i64, cidrs: &[&str]) -> Value {
        let m: BTreeMap<String, Value> = [
            ("protocol", sv(protocol)),
            ("from_port", Value::int(from)),
            ("to_port", Value::int(to)),
            ("cidr_blocks", str_list(cidrs.iter().copied())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Value::object(m)
    }

    #[test]
    fn protocols_normalize() {
        assert_eq!(normalize_protocol("ALL"), "-1");
        assert_eq!(normalize_protocol("6"), "tcp");
        assert_eq!(normalize_protocol("TCP"), "tcp");
        assert_eq!(normalize_protocol("50"), "50");
    }

    #[test]
    fn matching_rules_survive_and_extra_atoms_regroup() {
        let prior = rule("tcp", 443, 443, &["10.0.0.0/8", "192.168.0.0/16"]);
        let mut remote: BTreeSet<Atom> = rule_atoms(&prior, "sg-1").into_iter().collect();
        let extra = rule("tcp", 22, 22, &["1.2.3.4/32"]);
        remote.extend(rule_atoms(&extra, "sg-1"));
        let got = rules_from_remote(&[&prior], remote, "sg-1");
        let items = got.as_seq().unwrap_or_default();
        assert_eq!(items.len(), 2);
        assert!(items.iter().any(|r| r.raw_equal(&normalized_rule(&prior))));
        assert!(items.iter().any(|r| r.raw_equal(&normalized_rule(&extra))));
    }

    #[test]
    fn permissions_group_by_ports() {
        let atoms: Vec<Atom> = rule_atoms(&rule("tcp", 80, 80, &["a", "b"]), "sg-1")
            .into_iter()
            .chain(rule_atoms(&rule("-1", 0, 0, &["c"]), "sg-1"))
            .collect();
        let p = permissions(&atoms);
        assert_eq!(p.len(), 2);
        assert!(p
            .iter()
            .any(|x| x.ip_protocol.as_deref() == Some("-1") && x.from_port.is_none()));
    }
}
