//! `aws_security_group_rule`: one or more permissions (one per source) of
//! an existing security group, for one direction, protocol and port range.
//!
//! The permissions are the same "atoms" `aws_security_group` compares its
//! inline rules by; this resource owns exactly the atoms its sources make.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::common::{crc32, filter};
use crate::config::AwsClients;
use crate::ec2::security_group::{
    apply_rules, describe, normalize_protocol, remote_atoms, rule_atoms, Atom, Source,
};
use crate::error::{ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::util::{
    bool_of, entries, i64_of, nonempty_str, opt_str_keep_null, opt_sv, read_new, str_list, str_of,
    str_set, strings_of, sv,
};

pub(crate) struct SecurityGroupRule;

const TYPE: &str = "aws_security_group_rule";

/// An atom without its description: what identifies a permission.
type Key = (String, i64, i64, Source);

fn key(a: &Atom) -> Key {
    (a.protocol.clone(), a.from, a.to, a.source.clone())
}

fn egress(v: &Value) -> bool {
    str_of(v, "type").as_deref() == Some("egress")
}

/// The rule in the shape of an inline `aws_security_group` rule, so its
/// atoms come out the same way.
fn as_inline(v: &Value, sg_id: &str) -> Value {
    let source_sg = nonempty_str(v, "source_security_group_id").filter(|s| s != sg_id);
    let m: BTreeMap<String, Value> = [
        (
            "protocol",
            sv(normalize_protocol(
                &str_of(v, "protocol").unwrap_or_default(),
            )),
        ),
        ("from_port", Value::int(i64_of(v, "from_port").unwrap_or(0))),
        ("to_port", Value::int(i64_of(v, "to_port").unwrap_or(0))),
        ("cidr_blocks", str_list(strings_of(v, "cidr_blocks"))),
        (
            "ipv6_cidr_blocks",
            str_list(strings_of(v, "ipv6_cidr_blocks")),
        ),
        (
            "prefix_list_ids",
            str_list(strings_of(v, "prefix_list_ids")),
        ),
        ("security_groups", str_set(source_sg)),
        ("self", Value::bool(bool_of(v, "self").unwrap_or(false))),
        (
            "description",
            sv(str_of(v, "description").unwrap_or_default()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Value::object(m)
}

fn atoms(v: &Value, sg_id: &str) -> Vec<Atom> {
    rule_atoms(&as_inline(v, sg_id), sg_id)
}

/// Terraform-style synthetic ID: `sgrule-` and a digest of what
/// identifies the rule.
fn rule_hash(v: &Value, sg_id: &str) -> String {
    let mut keys: Vec<String> = atoms(v, sg_id)
        .iter()
        .map(|a| format!("{:?}", key(a)))
        .collect();
    keys.sort();
    let dir = if egress(v) { "egress" } else { "ingress" };
    format!(
        "sgrule-{}",
        crc32(&format!("{sg_id}-{dir}-{}", keys.join("-")))
    )
}

/// The permissions of one direction of the group, by key, with their
/// descriptions; `None` when the group is gone.
async fn remote(
    aws: &AwsClients,
    sg_id: &str,
    egress: bool,
) -> Result<Option<BTreeMap<Key, String>>, ProviderError> {
    let Some(sg) = describe(aws, sg_id)
        .await
        .ctx(format!("reading Security Group {sg_id}"))?
    else {
        return Ok(None);
    };
    let owner = sg.owner_id.clone().unwrap_or_default();
    let perms = if egress {
        sg.ip_permissions_egress.unwrap_or_default()
    } else {
        sg.ip_permissions.unwrap_or_default()
    };
    Ok(Some(
        remote_atoms(&perms, &owner)
            .into_iter()
            .map(|a| {
                let d = a.description.clone();
                (key(&a), d)
            })
            .collect(),
    ))
}

/// The AWS rule ID (`sgr-…`) of a rule with a single source.
async fn aws_rule_id(
    aws: &AwsClients,
    sg_id: &str,
    egress: bool,
    atom: &Atom,
) -> Result<Option<String>, ProviderError> {
    let out = aws
        .ec2()
        .describe_security_group_rules()
        .filters(filter("group-id", sg_id))
        .send()
        .await
        .ctx(format!("reading the rules of Security Group {sg_id}"))?;
    for r in out.security_group_rules.unwrap_or_default() {
        if r.is_egress != Some(egress) {
            continue;
        }
        let protocol = normalize_protocol(r.ip_protocol.as_deref().unwrap_or("-1"));
        let (from, to) = crate::ec2::security_group::ports(
            &protocol,
            i64::from(r.from_port.unwrap_or(0)),
            i64::from(r.to_port.unwrap_or(0)),
        );
        if (protocol.as_str(), from, to) != (atom.protocol.as_str(), atom.from, atom.to) {
            continue;
        }
        let source_matches = match &atom.source {
            Source::Cidr(c) => r.cidr_ipv4.as_deref() == Some(c),
            Source::Ipv6(c) => r.cidr_ipv6.as_deref() == Some(c),
            Source::PrefixList(p) => r.prefix_list_id.as_deref() == Some(p),
            Source::Group(g) => {
                let id = g.rsplit('/').next().unwrap_or(g);
                r.referenced_group_info
                    .as_ref()
                    .and_then(|x| x.group_id.as_deref())
                    == Some(id)
            }
        };
        if source_matches {
            return Ok(r.security_group_rule_id);
        }
    }
    Ok(None)
}

/// Parses `SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE…]`.
fn parse_import_id(id: &str) -> Result<BTreeMap<&'static str, Value>, ProviderError> {
    let bad = |why: &str| {
        ProviderError::new(
            format!("Invalid import ID {id:?}"),
            format!("{why}. {}", SecurityGroupRule.import_hint()),
        )
    };
    let parts: Vec<&str> = id.split('_').collect();
    if parts.len() < 6 {
        return Err(bad("It has fewer than six parts separated by \"_\""));
    }
    let sg = parts[0];
    if !sg.starts_with("sg-") {
        return Err(bad("The first part must be a security group ID (sg-…)"));
    }
    let kind = parts[1];
    if kind != "ingress" && kind != "egress" {
        return Err(bad("The second part must be ingress or egress"));
    }
    let protocol = normalize_protocol(parts[2]);
    let port = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| bad(&format!("{s:?} is not a port number")))
    };
    let from = port(parts[3])?;
    let to = port(parts[4])?;
    let (mut v4, mut v6, mut pls) = (Vec::new(), Vec::new(), Vec::new());
    let mut source_sg: Option<String> = None;
    let mut is_self = false;
    for s in &parts[5..] {
        if *s == "self" {
            is_self = true;
        } else if s.starts_with("sg-") || s.contains("/sg-") {
            if source_sg.is_some() {
                return Err(bad("A rule can have only one source security group"));
            }
            source_sg = Some((*s).to_string());
        } else if s.starts_with("pl-") {
            pls.push((*s).to_string());
        } else if s.contains(':') {
            v6.push((*s).to_string());
        } else if s.contains('/') {
            v4.push((*s).to_string());
        } else {
            return Err(bad(&format!(
                "{s:?} is not a CIDR block, prefix list, security group or self"
            )));
        }
    }
    let list = |v: Vec<String>| {
        if v.is_empty() {
            Value::null(Type::list(Type::String))
        } else {
            str_list(v)
        }
    };
    Ok([
        ("security_group_id", sv(sg)),
        ("type", sv(kind)),
        ("protocol", sv(protocol)),
        ("from_port", Value::int(from)),
        ("to_port", Value::int(to)),
        ("cidr_blocks", list(v4)),
        ("ipv6_cidr_blocks", list(v6)),
        ("prefix_list_ids", list(pls)),
        ("source_security_group_id", opt_sv(source_sg)),
        ("self", Value::bool(is_self)),
    ]
    .into_iter()
    .collect())
}

#[async_trait]
impl Resource for SecurityGroupRule {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema_version(&self) -> u64 {
        2
    }

    fn schema(&self) -> Schema {
        Schema::new("A rule (ingress or egress) of an existing security group.")
            .attr(
                "id",
                A::computed(Type::String, "ID of the rule (sgrule-…)."),
            )
            .attr(
                "type",
                A::required(Type::String, "ingress (inbound) or egress (outbound).").force_new(),
            )
            .attr(
                "from_port",
                A::required(Type::Number, "Start port (or ICMP type).").force_new(),
            )
            .attr(
                "to_port",
                A::required(Type::Number, "End port (or ICMP code).").force_new(),
            )
            .attr(
                "protocol",
                A::required(
                    Type::String,
                    "Protocol: tcp, udp, icmp, icmpv6, all (-1), or a protocol number.",
                )
                .force_new(),
            )
            .attr(
                "cidr_blocks",
                A::optional(Type::list(Type::String), "IPv4 CIDR blocks.").force_new(),
            )
            .attr(
                "ipv6_cidr_blocks",
                A::optional(Type::list(Type::String), "IPv6 CIDR blocks.").force_new(),
            )
            .attr(
                "prefix_list_ids",
                A::optional(Type::list(Type::String), "Prefix list IDs.").force_new(),
            )
            .attr(
                "source_security_group_id",
                A::optional_computed(
                    Type::String,
                    "Security group to allow access to/from (depending on type).",
                )
                .force_new(),
            )
            .attr(
                "self",
                A::optional(
                    Type::Bool,
                    "Whether the group itself is the source; defaults to false.",
                )
                .force_new(),
            )
            .attr(
                "description",
                A::optional(Type::String, "Description of the rule."),
            )
            .attr(
                "security_group_id",
                A::required(Type::String, "Security group to add the rule to.").force_new(),
            )
            .attr(
                "security_group_rule_id",
                A::computed(
                    Type::String,
                    "The AWS rule ID (sgr-…) when the rule has a single source; empty otherwise.",
                ),
            )
            .block("timeouts", crate::util::timeouts_block(&["create"]))
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![("self", Value::bool(false))]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        if let Some(t) = str_of(config, "type") {
            if t != "ingress" && t != "egress" {
                out.push(Diagnostic::error(
                    "Invalid type",
                    format!("type must be \"ingress\" or \"egress\", not {t:?}."),
                ));
            }
        }
        let is_self = bool_of(config, "self").unwrap_or(false);
        let cidrs = set("cidr_blocks") || set("ipv6_cidr_blocks");
        if set("source_security_group_id") && (cidrs || is_self) {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "source_security_group_id cannot be set with cidr_blocks, ipv6_cidr_blocks or self = true.",
            ));
        }
        if is_self && cidrs {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "self = true cannot be set with cidr_blocks or ipv6_cidr_blocks.",
            ));
        }
        let all_known = [
            "cidr_blocks",
            "ipv6_cidr_blocks",
            "prefix_list_ids",
            "source_security_group_id",
            "self",
        ]
        .iter()
        .all(|k| config.get_attr(k).is_none_or(Value::is_wholly_known));
        if all_known
            && !cidrs
            && !is_self
            && !set("prefix_list_ids")
            && !set("source_security_group_id")
        {
            out.push(
                Diagnostic::error(
                    "Missing rule source",
                    "One of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, self or source_security_group_id must be set.",
                )
                .with_hint("Add cidr_blocks = [\"10.0.0.0/16\"] or source_security_group_id."),
            );
        }
        for c in strings_of(config, "cidr_blocks") {
            out.extend(crate::ec2::check_ipv4_cidr("cidr_blocks", &c, 0..=32));
        }
        for c in strings_of(config, "ipv6_cidr_blocks") {
            out.extend(crate::ec2::check_ipv6_cidr("ipv6_cidr_blocks", &c));
        }
        out
    }

    fn normalize_config(
        &self,
        _prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        // The API's spelling of the protocol ("6" is "tcp", "all" is "-1"),
        // so equivalent spellings plan as no change.
        let Some(p) = str_of(&config, "protocol") else {
            return Ok(config);
        };
        let mut m = entries(&config);
        m.insert("protocol".into(), sv(normalize_protocol(&p)));
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let sg_id = nonempty_str(planned, "security_group_id")
            .ok_or_else(|| crate::util::missing(TYPE, "security_group_id"))?;
        let want: BTreeSet<Atom> = atoms(planned, &sg_id).into_iter().collect();
        apply_rules(aws, &sg_id, egress(planned), &BTreeSet::new(), &want).await?;
        let id = rule_hash(planned, &sg_id);
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("Security Group Rule", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let sg_id = nonempty_str(state, "security_group_id")
            .ok_or_else(|| crate::util::missing(TYPE, "security_group_id"))?;
        let eg = egress(state);
        let Some(remote) = remote(aws, &sg_id, eg).await? else {
            return Ok(None);
        };
        let wanted = atoms(state, &sg_id);
        let found: Vec<&Atom> = wanted
            .iter()
            .filter(|a| remote.contains_key(&key(a)))
            .collect();
        let Some(first) = found.first() else {
            return Ok(None);
        };
        let present = |s: &Source| found.iter().any(|a| &a.source == s);
        let mut m = entries(state);
        // Sources removed outside cairn drop out of the lists, so the plan
        // shows the difference (and recreates the rule).
        for (k, mk) in [
            ("cidr_blocks", Source::Cidr as fn(String) -> Source),
            ("ipv6_cidr_blocks", Source::Ipv6),
            ("prefix_list_ids", Source::PrefixList),
        ] {
            if state.get_attr(k).is_some_and(|v| !v.is_null()) {
                let kept: Vec<String> = strings_of(state, k)
                    .into_iter()
                    .filter(|c| present(&mk(c.clone())))
                    .collect();
                m.insert(k.into(), str_list(kept));
            }
        }
        let source_sg = nonempty_str(state, "source_security_group_id")
            .filter(|g| g != &sg_id && present(&Source::Group(g.clone())));
        m.insert("source_security_group_id".into(), opt_sv(source_sg));
        let is_self =
            bool_of(state, "self").unwrap_or(false) && present(&Source::Group(sg_id.clone()));
        m.insert("self".into(), Value::bool(is_self));
        let desc = remote.get(&key(first)).cloned().unwrap_or_default();
        m.insert(
            "description".into(),
            opt_str_keep_null(state, "description", Some(&desc)),
        );
        if let Some(p) = str_of(state, "protocol") {
            m.insert("protocol".into(), sv(normalize_protocol(&p)));
        }
        let rule_id = if found.len() == 1 && wanted.len() == 1 {
            aws_rule_id(aws, &sg_id, eg, first)
                .await?
                .unwrap_or_default()
        } else {
            String::new()
        };
        m.insert("security_group_rule_id".into(), sv(rule_id));
        let probe = Value::object(m.clone());
        let id = nonempty_str(state, "id").unwrap_or_else(|| rule_hash(&probe, &sg_id));
        m.insert("id".into(), sv(id));
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        // Only the description changes in place.
        let sg_id = nonempty_str(prior, "security_group_id")
            .ok_or_else(|| crate::util::missing(TYPE, "security_group_id"))?;
        if str_of(prior, "description") != str_of(planned, "description") {
            let perms = crate::ec2::security_group::permissions(&atoms(planned, &sg_id));
            let what = format!("updating the description of {TYPE} in Security Group {sg_id}");
            if egress(planned) {
                aws.ec2()
                    .update_security_group_rule_descriptions_egress()
                    .group_id(&sg_id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .ctx(what)?;
            } else {
                aws.ec2()
                    .update_security_group_rule_descriptions_ingress()
                    .group_id(&sg_id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .ctx(what)?;
            }
        }
        let id = nonempty_str(prior, "id").unwrap_or_default();
        read_new("Security Group Rule", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let Some(sg_id) = nonempty_str(state, "security_group_id") else {
            return Ok(());
        };
        let eg = egress(state);
        let Some(remote) = remote(aws, &sg_id, eg).await? else {
            return Ok(());
        };
        // Revoke only what is still there: a revoke naming a permission
        // that is gone fails as a whole.
        let present: BTreeSet<Atom> = atoms(state, &sg_id)
            .into_iter()
            .filter_map(|a| {
                remote.get(&key(&a)).map(|d| Atom {
                    description: d.clone(),
                    ..a
                })
            })
            .collect();
        match apply_rules(aws, &sg_id, eg, &present, &BTreeSet::new()).await {
            Err(e) if e.code.as_deref() == Some("InvalidGroup.NotFound") => Ok(()),
            r => r,
        }
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let mut m = cairn_provider::empty_object(schema);
        for (k, v) in parse_import_id(id)? {
            m.insert(k.to_string(), v);
        }
        let v = Value::object(m.clone());
        let sg = str_of(&v, "security_group_id").unwrap_or_default();
        m.insert("id".into(), sv(rule_hash(&v, &sg)));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_security_group_rule is imported as SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE…], \
         e.g. sg-0a1b2c3d_ingress_tcp_443_443_10.0.0.0/8_self (sources: CIDR blocks, pl-…, sg-…, self)."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_parse() {
        let m = parse_import_id("sg-1_ingress_all_0_65536_self_2001:db8::/48_pl-9_10.0.0.0/8")
            .unwrap_or_default();
        assert_eq!(m["protocol"].as_str(), Some("-1"));
        assert_eq!(m["self"].as_bool(), Some(true));
        assert_eq!(m["ipv6_cidr_blocks"].len(), Some(1));
        assert_eq!(m["prefix_list_ids"].len(), Some(1));
        assert_eq!(m["cidr_blocks"].len(), Some(1));
        assert!(m["source_security_group_id"].is_null());
        let m = parse_import_id("sg-1_egress_tcp_80_80_123456789012/sg-2").unwrap_or_default();
        assert_eq!(
            m["source_security_group_id"].as_str(),
            Some("123456789012/sg-2")
        );
        assert!(parse_import_id("sg-1_sideways_tcp_80_80_10.0.0.0/8").is_err());
        assert!(parse_import_id("sg-1_ingress_tcp_80_80").is_err());
    }
}
