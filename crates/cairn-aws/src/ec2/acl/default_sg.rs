//! `aws_default_security_group`: adopts a VPC's default security group.
//! Its rules are absolute (no blocks means no rules); adopting it removes
//! the rules AWS gave it; destroying it only removes it from state, since
//! the default group lives as long as its VPC.

use std::collections::BTreeMap;

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::common::filter;
use crate::config::AwsClients;
use crate::ec2::security_group::{
    all_atoms, apply_rules, describe, normalized_rule, remote_atoms, rule_type, rules_block,
    rules_from_remote,
};
use crate::ec2::{sync_tags, tag_map, with_tags};
use crate::error::{ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    blocks_of, entries, id_of, nonempty_str, opt_sv, read_new, str_map, strings_of, sv,
};

pub(crate) struct DefaultSecurityGroup;

const TYPE: &str = "aws_default_security_group";

/// The default VPC of the region, for a configuration without `vpc_id`.
async fn default_vpc(aws: &AwsClients) -> Result<Option<String>, ProviderError> {
    let out = aws
        .ec2()
        .describe_vpcs()
        .filters(filter("isDefault", "true"))
        .send()
        .await
        .ctx("finding the default VPC")?;
    Ok(out
        .vpcs
        .unwrap_or_default()
        .into_iter()
        .find(|v| v.is_default == Some(true))
        .and_then(|v| v.vpc_id))
}

async fn default_group(aws: &AwsClients, vpc: &str) -> Result<Option<String>, ProviderError> {
    let out = aws
        .ec2()
        .describe_security_groups()
        .filters(filter("vpc-id", vpc))
        .filters(filter("group-name", "default"))
        .send()
        .await
        .ctx(format!("finding the default Security Group of VPC {vpc}"))?;
    Ok(out
        .security_groups
        .unwrap_or_default()
        .into_iter()
        .find(|g| g.group_name.as_deref() == Some("default") && g.vpc_id.as_deref() == Some(vpc))
        .and_then(|g| g.group_id))
}

#[async_trait]
impl Resource for DefaultSecurityGroup {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema_version(&self) -> u64 {
        1
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new(
            "Adopts and manages a VPC's default security group (never deleted).",
        ))
        .attr("id", A::computed(Type::String, "ID of the security group."))
        .attr(
            "arn",
            A::computed(Type::String, "ARN of the security group."),
        )
        .attr(
            "name",
            A::computed(Type::String, "Name of the group (default)."),
        )
        .attr(
            "name_prefix",
            A::computed(Type::String, "Always empty for the default group."),
        )
        .attr(
            "description",
            A::computed(Type::String, "Description of the group."),
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
                "Deprecated and ignored: the default group is never deleted.",
            ),
        )
        .block("ingress", rules_block())
        .block("egress", rules_block())
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for block in ["ingress", "egress"] {
            for r in blocks_of(config, block) {
                for c in strings_of(r, "cidr_blocks") {
                    out.extend(crate::ec2::check_ipv4_cidr(
                        &format!("{block} cidr_blocks"),
                        &c,
                        0..=32,
                    ));
                }
                for c in strings_of(r, "ipv6_cidr_blocks") {
                    out.extend(crate::ec2::check_ipv6_cidr(
                        &format!("{block} ipv6_cidr_blocks"),
                        &c,
                    ));
                }
            }
        }
        out
    }

    fn normalize_config(
        &self,
        _prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        // Rules spelled as reads report them; no blocks means no rules.
        let mut m = entries(&config);
        for block in ["ingress", "egress"] {
            let v = match config.get_attr(block) {
                Some(v) if !v.is_wholly_known() => v.clone(),
                _ => Value::set(
                    rule_type(),
                    blocks_of(&config, block)
                        .into_iter()
                        .map(normalized_rule)
                        .collect(),
                ),
            };
            m.insert(block.into(), v);
        }
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let vpc = match nonempty_str(planned, "vpc_id") {
            Some(v) => v,
            None => default_vpc(aws).await?.ok_or_else(|| {
                ProviderError::new(
                    "adopting the default Security Group failed",
                    "vpc_id is not set and this region has no default VPC.",
                )
                .with_hint("Set vpc_id to the VPC whose default group to manage.")
            })?,
        };
        let id = default_group(aws, &vpc).await?.ok_or_else(|| {
            ProviderError::new(
                "adopting the default Security Group failed",
                format!("VPC {vpc} has no security group named \"default\"."),
            )
        })?;
        let Some(sg) = describe(aws, &id)
            .await
            .ctx(format!("reading Security Group {id}"))?
        else {
            return Err(ProviderError::new(
                format!("adopting default Security Group {id} failed"),
                "The group disappeared while being adopted.",
            ));
        };
        let owner = sg.owner_id.clone().unwrap_or_default();
        // Adoption leaves exactly the configured rules: whatever the group
        // has now (AWS's defaults, or anything else) is revoked.
        let cur_in = remote_atoms(sg.ip_permissions.as_deref().unwrap_or_default(), &owner);
        let cur_eg = remote_atoms(
            sg.ip_permissions_egress.as_deref().unwrap_or_default(),
            &owner,
        );
        apply_rules(
            aws,
            &id,
            false,
            &cur_in,
            &all_atoms(planned, "ingress", &id),
        )
        .await?;
        apply_rules(aws, &id, true, &cur_eg, &all_atoms(planned, "egress", &id)).await?;
        let current: BTreeMap<String, String> = tag_map(sg.tags.as_deref())
            .into_iter()
            .filter(|(k, _)| !aws.ignored_tag(k) && !k.starts_with("aws:"))
            .collect();
        let from = cairn_provider::with_attrs(planned, [("tags_all", str_map(&current))]);
        sync_tags(aws, &id, &from, planned).await?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("default Security Group", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(sg) = describe(aws, &id)
            .await
            .ctx(format!("reading Security Group {id}"))?
        else {
            return Ok(None);
        };
        if sg.group_name.as_deref() != Some("default") {
            return Err(ProviderError::new(
                format!("reading default Security Group {id} failed"),
                format!(
                    "Security Group {id} ({}) is not a VPC's default group.",
                    sg.group_name.as_deref().unwrap_or_default()
                ),
            )
            .with_hint("Manage it with aws_security_group instead."));
        }
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
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(sg.security_group_arn.clone().unwrap_or_else(|| {
                aws.arn("ec2", &aws.region, &owner, &format!("security-group/{id}"))
            })),
        );
        m.insert("name".into(), opt_sv(sg.group_name.as_deref()));
        m.insert("name_prefix".into(), sv(""));
        m.insert("description".into(), opt_sv(sg.description.as_deref()));
        m.insert("vpc_id".into(), opt_sv(sg.vpc_id.as_deref()));
        m.insert("owner_id".into(), sv(&owner));
        m.insert("ingress".into(), ingress);
        m.insert("egress".into(), egress);
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
        read_new("default Security Group", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, _aws: &AwsClients, _state: &Value) -> Result<(), ProviderError> {
        // A VPC's default group cannot be deleted; as in the Terraform
        // provider, destroying it only stops managing it and leaves its
        // rules as they are.
        Ok(())
    }

    fn import_hint(&self) -> String {
        "aws_default_security_group is imported by the default group's ID, e.g. sg-903004f8.".into()
    }
}
