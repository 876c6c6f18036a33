//! `aws_vpc_security_group_ingress_rule` and
//! `aws_vpc_security_group_egress_rule`: one security group rule each,
//! known by its AWS rule ID (`sgr-…`), changed in place with
//! ModifySecurityGroupRules and tagged like other EC2 objects.

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroupRuleRequest,
    SecurityGroupRuleUpdate, UserIdGroupPair,
};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::common::{filter, i32_of, opt_int};
use crate::config::AwsClients;
use crate::ec2::security_group::normalize_protocol;
use crate::ec2::{sync_tags, tag_map, tag_spec, with_tags};
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{entries, id_of, nonempty_str, opt_str_keep_null, opt_sv, read_new, str_of, sv};

/// One type per direction; the code is shared.
pub(crate) struct VpcSecurityGroupRule {
    pub(crate) egress: bool,
}

impl VpcSecurityGroupRule {
    fn dir(&self) -> &'static str {
        if self.egress {
            "egress"
        } else {
            "ingress"
        }
    }
    fn label(&self) -> String {
        format!("VPC Security Group {} Rule", self.dir())
    }
    fn what(&self, id: &str) -> String {
        format!("{} {id}", self.label())
    }
}

const SOURCES: [&str; 4] = [
    "cidr_ipv4",
    "cidr_ipv6",
    "prefix_list_id",
    "referenced_security_group_id",
];

/// Ports for the API: "all protocols" (and ICMPv6 without ports) take -1.
fn api_ports(v: &Value) -> (i32, i32) {
    (
        i32_of(v, "from_port").unwrap_or(-1),
        i32_of(v, "to_port").unwrap_or(-1),
    )
}

fn protocol_of(v: &Value) -> String {
    normalize_protocol(&str_of(v, "ip_protocol").unwrap_or_else(|| "-1".into()))
}

fn permission(v: &Value) -> IpPermission {
    let protocol = protocol_of(v);
    let (from, to) = api_ports(v);
    let desc = nonempty_str(v, "description");
    let mut p = IpPermission::builder().ip_protocol(&protocol);
    if protocol != "-1" {
        p = p.from_port(from).to_port(to);
    }
    if let Some(c) = nonempty_str(v, "cidr_ipv4") {
        p = p.ip_ranges(
            IpRange::builder()
                .cidr_ip(c)
                .set_description(desc.clone())
                .build(),
        );
    }
    if let Some(c) = nonempty_str(v, "cidr_ipv6") {
        p = p.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(c)
                .set_description(desc.clone())
                .build(),
        );
    }
    if let Some(c) = nonempty_str(v, "prefix_list_id") {
        p = p.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(c)
                .set_description(desc.clone())
                .build(),
        );
    }
    if let Some(g) = nonempty_str(v, "referenced_security_group_id") {
        let pair = match g.split_once('/') {
            Some((user, id)) => UserIdGroupPair::builder().user_id(user).group_id(id),
            None => UserIdGroupPair::builder().group_id(g),
        };
        p = p.user_id_group_pairs(pair.set_description(desc).build());
    }
    p.build()
}

/// A port the API reports: -1 ("none") reads back as null unless the
/// configuration said -1 itself.
fn port_value(state: &Value, k: &str, remote: Option<i32>) -> Value {
    match remote {
        Some(-1) | None => match state.get_attr(k).and_then(|x| x.as_number()) {
            Some(_) if remote == Some(-1) => Value::int(-1),
            _ => Value::null(Type::Number),
        },
        Some(n) => Value::int(i64::from(n)),
    }
}

#[async_trait]
impl Resource for VpcSecurityGroupRule {
    fn type_name(&self) -> &'static str {
        if self.egress {
            "aws_vpc_security_group_egress_rule"
        } else {
            "aws_vpc_security_group_ingress_rule"
        }
    }

    fn schema(&self) -> Schema {
        let (peer, desc) = if self.egress {
            (
                "destination",
                "An outbound (egress) rule of a VPC security group.",
            )
        } else {
            (
                "source",
                "An inbound (ingress) rule of a VPC security group.",
            )
        };
        with_tags(Schema::new(desc))
            .attr("id", A::computed(Type::String, "The rule ID (sgr-…)."))
            .attr("arn", A::computed(Type::String, "ARN of the rule."))
            .attr(
                "security_group_rule_id",
                A::computed(Type::String, "The rule ID (sgr-…)."),
            )
            .attr(
                "security_group_id",
                A::required(Type::String, "ID of the security group.").force_new(),
            )
            .attr(
                "cidr_ipv4",
                A::optional(Type::String, &format!("The {peer} IPv4 CIDR range.")),
            )
            .attr(
                "cidr_ipv6",
                A::optional(Type::String, &format!("The {peer} IPv6 CIDR range.")),
            )
            .attr(
                "prefix_list_id",
                A::optional(Type::String, &format!("The {peer} prefix list ID.")),
            )
            .attr(
                "referenced_security_group_id",
                A::optional(
                    Type::String,
                    &format!("The {peer} security group referenced by the rule."),
                ),
            )
            .attr(
                "description",
                A::optional(Type::String, "Description of the rule."),
            )
            .attr(
                "ip_protocol",
                A::required(
                    Type::String,
                    "IP protocol name or number; -1 for all protocols (and all ports).",
                ),
            )
            .attr(
                "from_port",
                A::optional(Type::Number, "Start of the port range, or the ICMP type."),
            )
            .attr(
                "to_port",
                A::optional(Type::Number, "End of the port range, or the ICMP code."),
            )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let all_known = SOURCES
            .iter()
            .all(|k| config.get_attr(k).is_none_or(|v| !v.is_unknown()));
        let n = SOURCES.iter().filter(|k| set(k)).count();
        if all_known && n != 1 {
            out.push(
                Diagnostic::error(
                    if n == 0 {
                        "Missing rule peer"
                    } else {
                        "Conflicting arguments"
                    },
                    "Exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id and referenced_security_group_id must be set.",
                )
                .with_hint("Write one rule resource per source or destination."),
            );
        }
        if let Some(c) = str_of(config, "cidr_ipv4") {
            out.extend(crate::ec2::check_ipv4_cidr("cidr_ipv4", &c, 0..=32));
        }
        if let Some(c) = str_of(config, "cidr_ipv6") {
            out.extend(crate::ec2::check_ipv6_cidr("cidr_ipv6", &c));
        }
        if let Some(p) = str_of(config, "ip_protocol").map(|p| normalize_protocol(&p)) {
            let ports = set("from_port") || set("to_port");
            if p == "-1" && ports {
                out.push(Diagnostic::error(
                    "Invalid ports",
                    "With ip_protocol = \"-1\" (all protocols) the rule covers every port: leave from_port and to_port unset.",
                ));
            }
            if (p == "tcp" || p == "udp")
                && config.get_attr("from_port").is_some_and(Value::is_null)
                && config.get_attr("to_port").is_some_and(Value::is_null)
            {
                out.push(Diagnostic::error(
                    "Missing ports",
                    format!("A {p} rule needs from_port and to_port."),
                ));
            }
        }
        out
    }

    fn normalize_config(
        &self,
        _prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        // "6" and "tcp" (and "all" and "-1") are the same protocol.
        let Some(p) = str_of(&config, "ip_protocol") else {
            return Ok(config);
        };
        let mut m = entries(&config);
        m.insert("ip_protocol".into(), sv(normalize_protocol(&p)));
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let sg = nonempty_str(planned, "security_group_id")
            .ok_or_else(|| crate::util::missing(self.type_name(), "security_group_id"))?;
        let tags = tags::to_apply(aws, planned);
        let spec = tag_spec(ResourceType::SecurityGroupRule, &tags).map(|t| vec![t]);
        let action = format!("creating {} in Security Group {sg}", self.label());
        let rules = if self.egress {
            aws.ec2()
                .authorize_security_group_egress()
                .group_id(&sg)
                .ip_permissions(permission(planned))
                .set_tag_specifications(spec)
                .send()
                .await
                .ctx(action)?
                .security_group_rules
        } else {
            aws.ec2()
                .authorize_security_group_ingress()
                .group_id(&sg)
                .ip_permissions(permission(planned))
                .set_tag_specifications(spec)
                .send()
                .await
                .ctx(action)?
                .security_group_rules
        };
        let id = match rules
            .unwrap_or_default()
            .into_iter()
            .find_map(|r| r.security_group_rule_id)
        {
            Some(id) => id,
            None => self.find_id(aws, &sg, planned).await?.ok_or_else(|| {
                ProviderError::new(
                    format!("creating {} failed", self.label()),
                    format!(
                        "Security Group {sg} accepted the rule but reported no rule ID for it."
                    ),
                )
            })?,
        };
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new(&self.label(), &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, self.type_name())?;
        let out = match aws
            .ec2()
            .describe_security_group_rules()
            .security_group_rule_ids(&id)
            .send()
            .await
            .api()
        {
            Ok(o) => o,
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(e.into_error(format!("reading {}", self.what(&id)))),
        };
        let Some(r) = out
            .security_group_rules
            .unwrap_or_default()
            .into_iter()
            .find(|r| r.security_group_rule_id.as_deref() == Some(id.as_str()))
        else {
            return Ok(None);
        };
        if r.is_egress != Some(self.egress) {
            // The ID names a rule of the other direction: not this type's.
            return Ok(None);
        }
        // The rule's account; when the API leaves it out, the caller's.
        let owner = match r.group_owner_id.clone().filter(|o| !o.is_empty()) {
            Some(o) => o,
            None => aws.caller_identity().await?.account_id.clone(),
        };
        let protocol = normalize_protocol(r.ip_protocol.as_deref().unwrap_or("-1"));
        let referenced = r.referenced_group_info.as_ref().and_then(|g| {
            let gid = g.group_id.clone()?;
            Some(match &g.user_id {
                Some(u) if !u.is_empty() && *u != owner => format!("{u}/{gid}"),
                _ => gid,
            })
        });
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert("security_group_rule_id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(r.security_group_rule_arn.clone().unwrap_or_else(|| {
                aws.arn(
                    "ec2",
                    &aws.region,
                    &owner,
                    &format!("security-group-rule/{id}"),
                )
            })),
        );
        m.insert("security_group_id".into(), opt_sv(r.group_id.as_deref()));
        m.insert("cidr_ipv4".into(), opt_sv(r.cidr_ipv4.as_deref()));
        m.insert("cidr_ipv6".into(), opt_sv(r.cidr_ipv6.as_deref()));
        m.insert("prefix_list_id".into(), opt_sv(r.prefix_list_id.as_deref()));
        m.insert("referenced_security_group_id".into(), opt_sv(referenced));
        m.insert(
            "description".into(),
            opt_str_keep_null(state, "description", r.description.as_deref()),
        );
        m.insert("ip_protocol".into(), sv(&protocol));
        if protocol == "-1" {
            // All protocols have no ports, whatever the API echoes.
            m.insert("from_port".into(), opt_int(None));
            m.insert("to_port".into(), opt_int(None));
        } else {
            m.insert(
                "from_port".into(),
                port_value(state, "from_port", r.from_port),
            );
            m.insert("to_port".into(), port_value(state, "to_port", r.to_port));
        }
        let (t, all) = tags::from_remote(aws, state, tag_map(r.tags.as_deref()));
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
        let id = id_of(prior, self.type_name())?;
        let sg = nonempty_str(prior, "security_group_id")
            .ok_or_else(|| crate::util::missing(self.type_name(), "security_group_id"))?;
        let changed = [
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
            "referenced_security_group_id",
            "description",
            "ip_protocol",
            "from_port",
            "to_port",
        ]
        .iter()
        .any(|k| match (prior.get_attr(k), planned.get_attr(k)) {
            (Some(a), Some(b)) => !(a.raw_equal(b) || (a.is_null() && b.is_null())),
            _ => true,
        });
        if changed {
            let (from, to) = api_ports(planned);
            let referenced = nonempty_str(planned, "referenced_security_group_id")
                .map(|g| g.rsplit('/').next().unwrap_or(&g).to_string());
            let req = SecurityGroupRuleRequest::builder()
                .ip_protocol(protocol_of(planned))
                .from_port(from)
                .to_port(to)
                .set_cidr_ipv4(nonempty_str(planned, "cidr_ipv4"))
                .set_cidr_ipv6(nonempty_str(planned, "cidr_ipv6"))
                .set_prefix_list_id(nonempty_str(planned, "prefix_list_id"))
                .set_referenced_group_id(referenced)
                .description(str_of(planned, "description").unwrap_or_default())
                .build();
            aws.ec2()
                .modify_security_group_rules()
                .group_id(&sg)
                .security_group_rules(
                    SecurityGroupRuleUpdate::builder()
                        .security_group_rule_id(&id)
                        .security_group_rule(req)
                        .build(),
                )
                .send()
                .await
                .ctx(format!("updating {}", self.what(&id)))?;
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new(&self.label(), &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, self.type_name())?;
        let Some(sg) = nonempty_str(state, "security_group_id") else {
            return Ok(());
        };
        let r = if self.egress {
            aws.ec2()
                .revoke_security_group_egress()
                .group_id(&sg)
                .security_group_rule_ids(&id)
                .send()
                .await
                .map(|_| ())
                .api()
        } else {
            aws.ec2()
                .revoke_security_group_ingress()
                .group_id(&sg)
                .security_group_rule_ids(&id)
                .send()
                .await
                .map(|_| ())
                .api()
        };
        match r {
            Ok(()) => Ok(()),
            // The rule (or its whole group) is already gone.
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting {}", self.what(&id)))),
        }
    }

    fn import_hint(&self) -> String {
        format!(
            "{} is imported by its security group rule ID, e.g. sgr-02108b27edd666983.",
            self.type_name()
        )
    }
}

impl VpcSecurityGroupRule {
    /// The ID of the rule `v` describes, when the create response lacked it.
    async fn find_id(
        &self,
        aws: &AwsClients,
        sg: &str,
        v: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let out = aws
            .ec2()
            .describe_security_group_rules()
            .filters(filter("group-id", sg))
            .send()
            .await
            .ctx(format!("reading the rules of Security Group {sg}"))?;
        let protocol = protocol_of(v);
        Ok(out
            .security_group_rules
            .unwrap_or_default()
            .into_iter()
            .find(|r| {
                r.is_egress == Some(self.egress)
                    && normalize_protocol(r.ip_protocol.as_deref().unwrap_or("-1")) == protocol
                    && r.cidr_ipv4 == nonempty_str(v, "cidr_ipv4")
                    && r.cidr_ipv6 == nonempty_str(v, "cidr_ipv6")
                    && r.prefix_list_id == nonempty_str(v, "prefix_list_id")
                    && (protocol == "-1"
                        || (r.from_port, r.to_port)
                            == (i32_of(v, "from_port"), i32_of(v, "to_port")))
            })
            .and_then(|r| r.security_group_rule_id))
    }
}
