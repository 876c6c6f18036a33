//! `aws_network_acl_rule`: one entry of a network ACL, known by its ACL,
//! rule number and direction. Every argument forces a new entry.

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::common::{crc32, opt_int};
use super::nacl::{create_entry, delete_entry, describe_acl, nacl_protocol, Entry};
use crate::config::AwsClients;
use crate::resource::Resource;
use crate::util::{bool_of, entries, i64_of, nonempty_str, opt_sv, read_new, str_of, sv};

pub(crate) struct NetworkAclRule;

const TYPE: &str = "aws_network_acl_rule";

/// Terraform-style synthetic ID: `nacl-` and a digest of what identifies
/// the entry (the protocol as written).
fn rule_id(acl: &str, rule: i64, egress: bool, protocol: &str) -> String {
    format!(
        "nacl-{}",
        crc32(&format!("{acl}-{rule}-{egress}-{protocol}-"))
    )
}

fn is_icmp(protocol: &str) -> bool {
    matches!(nacl_protocol(protocol).as_str(), "1" | "58")
}

fn entry_of(v: &Value) -> Entry {
    Entry {
        rule_no: i64_of(v, "rule_number").unwrap_or(0),
        protocol: nacl_protocol(&str_of(v, "protocol").unwrap_or_default()),
        action: str_of(v, "rule_action")
            .unwrap_or_default()
            .to_ascii_lowercase(),
        cidr_block: str_of(v, "cidr_block").unwrap_or_default(),
        ipv6_cidr_block: str_of(v, "ipv6_cidr_block").unwrap_or_default(),
        from_port: i64_of(v, "from_port").unwrap_or(0),
        to_port: i64_of(v, "to_port").unwrap_or(0),
        icmp_type: i64_of(v, "icmp_type").unwrap_or(0),
        icmp_code: i64_of(v, "icmp_code").unwrap_or(0),
    }
}

#[async_trait]
impl Resource for NetworkAclRule {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("An entry (rule) of a network ACL.")
            .attr("id", A::computed(Type::String, "ID of the rule (nacl-…)."))
            .attr(
                "network_acl_id",
                A::required(Type::String, "ID of the network ACL.").force_new(),
            )
            .attr(
                "rule_number",
                A::required(
                    Type::Number,
                    "Rule number; entries apply in ascending order.",
                )
                .force_new(),
            )
            .attr(
                "egress",
                A::optional(Type::Bool, "An egress (outbound) rule; defaults to false.")
                    .force_new(),
            )
            .attr(
                "protocol",
                A::required(
                    Type::String,
                    "Protocol: tcp, udp, icmp, a number, or -1 for all.",
                )
                .force_new(),
            )
            .attr(
                "rule_action",
                A::required(Type::String, "allow or deny.").force_new(),
            )
            .attr(
                "cidr_block",
                A::optional(Type::String, "IPv4 network range to allow or deny.").force_new(),
            )
            .attr(
                "ipv6_cidr_block",
                A::optional(Type::String, "IPv6 network range to allow or deny.").force_new(),
            )
            .attr(
                "from_port",
                A::optional(Type::Number, "The from port to match.").force_new(),
            )
            .attr(
                "to_port",
                A::optional(Type::Number, "The to port to match.").force_new(),
            )
            .attr(
                "icmp_type",
                A::optional(Type::Number, "ICMP type (-1 for all).").force_new(),
            )
            .attr(
                "icmp_code",
                A::optional(Type::Number, "ICMP code (-1 for all).").force_new(),
            )
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        vec![("egress", Value::bool(false))]
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let known = |k: &str| config.get_attr(k).is_none_or(|v| !v.is_unknown());
        if known("cidr_block")
            && known("ipv6_cidr_block")
            && set("cidr_block") == set("ipv6_cidr_block")
        {
            out.push(Diagnostic::error(
                "Invalid network range",
                "Exactly one of cidr_block and ipv6_cidr_block must be set.",
            ));
        }
        if let Some(a) = str_of(config, "rule_action") {
            if !a.eq_ignore_ascii_case("allow") && !a.eq_ignore_ascii_case("deny") {
                out.push(Diagnostic::error(
                    "Invalid rule_action",
                    format!("rule_action must be \"allow\" or \"deny\", not {a:?}."),
                ));
            }
        }
        if let Some(c) = str_of(config, "cidr_block") {
            out.extend(crate::ec2::check_ipv4_cidr("cidr_block", &c, 0..=32));
        }
        if let Some(c) = str_of(config, "ipv6_cidr_block") {
            out.extend(crate::ec2::check_ipv6_cidr("ipv6_cidr_block", &c));
        }
        if let Some(n) = i64_of(config, "rule_number") {
            if !(1..=32766).contains(&n) {
                out.push(Diagnostic::error(
                    "Invalid rule_number",
                    format!("rule_number must be between 1 and 32766, not {n}."),
                ));
            }
        }
        if str_of(config, "protocol").is_some_and(|p| is_icmp(&p))
            && known("icmp_type")
            && known("icmp_code")
            && !(set("icmp_type") && set("icmp_code"))
        {
            out.push(
                Diagnostic::error(
                    "Missing ICMP type and code",
                    "An ICMP rule needs icmp_type and icmp_code.",
                )
                .with_hint("Use -1 for both to match every ICMP message."),
            );
        }
        out
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        // Equivalent spellings ("tcp" and "6", "ALLOW" and "allow") keep
        // the prior state's, so they plan as no change.
        let Some(prior) = prior else {
            return Ok(config);
        };
        let mut m = entries(&config);
        if let (Some(p), Some(c)) = (str_of(prior, "protocol"), str_of(&config, "protocol")) {
            if nacl_protocol(&p) == nacl_protocol(&c) {
                m.insert("protocol".into(), sv(p));
            }
        }
        if let (Some(p), Some(c)) = (str_of(prior, "rule_action"), str_of(&config, "rule_action")) {
            if p.eq_ignore_ascii_case(&c) {
                m.insert("rule_action".into(), sv(p));
            }
        }
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let acl = nonempty_str(planned, "network_acl_id")
            .ok_or_else(|| crate::util::missing(TYPE, "network_acl_id"))?;
        let egress = bool_of(planned, "egress").unwrap_or(false);
        let e = entry_of(planned);
        create_entry(aws, &acl, egress, &e).await?;
        let id = rule_id(
            &acl,
            e.rule_no,
            egress,
            &str_of(planned, "protocol").unwrap_or_default(),
        );
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Network ACL Rule", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let acl_id = nonempty_str(state, "network_acl_id")
            .ok_or_else(|| crate::util::missing(TYPE, "network_acl_id"))?;
        let egress = bool_of(state, "egress").unwrap_or(false);
        let rule = i64_of(state, "rule_number").unwrap_or(0);
        let Some(acl) = describe_acl(aws, &acl_id).await? else {
            return Ok(None);
        };
        let Some(e) = acl.entries.unwrap_or_default().into_iter().find(|e| {
            e.egress.unwrap_or(false) == egress && e.rule_number.map(i64::from) == Some(rule)
        }) else {
            return Ok(None);
        };
        let mut m = entries(state);
        let remote_protocol = e.protocol.clone().unwrap_or_else(|| "-1".into());
        let protocol = match str_of(state, "protocol") {
            Some(p) if nacl_protocol(&p) == nacl_protocol(&remote_protocol) => p,
            _ => remote_protocol,
        };
        let remote_action = e
            .rule_action
            .as_ref()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        let action = match str_of(state, "rule_action") {
            Some(a) if a.eq_ignore_ascii_case(&remote_action) => a,
            _ => remote_action,
        };
        m.insert("protocol".into(), sv(&protocol));
        m.insert("rule_action".into(), sv(action));
        m.insert("egress".into(), Value::bool(egress));
        m.insert("rule_number".into(), Value::int(rule));
        m.insert("cidr_block".into(), opt_sv(e.cidr_block.as_deref()));
        m.insert(
            "ipv6_cidr_block".into(),
            opt_sv(e.ipv6_cidr_block.as_deref()),
        );
        // Ports and ICMP fields the API omits (all-protocol entries have
        // no ports; some emulators drop ICMP codes) keep the state's.
        if let Some(p) = &e.port_range {
            m.insert("from_port".into(), opt_int(p.from.map(i64::from)));
            m.insert("to_port".into(), opt_int(p.to.map(i64::from)));
        }
        if let Some(i) = &e.icmp_type_code {
            m.insert("icmp_type".into(), opt_int(i.r#type.map(i64::from)));
            m.insert("icmp_code".into(), opt_int(i.code.map(i64::from)));
        }
        let id =
            nonempty_str(state, "id").unwrap_or_else(|| rule_id(&acl_id, rule, egress, &protocol));
        m.insert("id".into(), sv(id));
        m.insert("network_acl_id".into(), sv(&acl_id));
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        // Every argument forces replacement: nothing changes in place.
        let id = nonempty_str(planned, "id").unwrap_or_default();
        read_new("EC2 Network ACL Rule", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let Some(acl) = nonempty_str(state, "network_acl_id") else {
            return Ok(());
        };
        // Only an entry that still exists is deleted: the ACL or the entry
        // being gone already is success.
        if self.read(aws, state).await?.is_none() {
            return Ok(());
        }
        delete_entry(
            aws,
            &acl,
            bool_of(state, "egress").unwrap_or(false),
            i64_of(state, "rule_number").unwrap_or(0),
        )
        .await
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let bad = |why: &str| {
            ProviderError::new(
                format!("Invalid import ID {id:?}"),
                format!("{why}. {}", self.import_hint()),
            )
        };
        let parts: Vec<&str> = id.split(':').collect();
        let [acl, rule, protocol, egress] = parts.as_slice() else {
            return Err(bad("It must have four parts separated by \":\""));
        };
        let rule: i64 = rule
            .parse()
            .map_err(|_| bad(&format!("{rule:?} is not a rule number")))?;
        let egress: bool = egress
            .parse()
            .map_err(|_| bad(&format!("{egress:?} is not true or false")))?;
        let mut m = cairn_provider::empty_object(schema);
        m.insert("network_acl_id".into(), sv(acl));
        m.insert("rule_number".into(), Value::int(rule));
        m.insert("protocol".into(), sv(protocol));
        m.insert("egress".into(), Value::bool(egress));
        m.insert("id".into(), sv(rule_id(acl, rule, egress, protocol)));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_network_acl_rule is imported as NETWORK_ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS, \
         e.g. acl-7aaabd18:100:tcp:false."
            .into()
    }
}
