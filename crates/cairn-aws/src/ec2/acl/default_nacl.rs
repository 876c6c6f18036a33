//! `aws_default_network_acl`: adopts a VPC's default network ACL. Its
//! entries are absolute (no blocks means no entries besides the built-in
//! deny-all); destroying it only removes it from state, since the default
//! ACL lives as long as its VPC.

use std::collections::BTreeSet;

use async_trait::async_trait;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::nacl::{
    acl_arn, api_entries, associate, check_entries, describe_acl, entries_block, entries_of,
    entry_set, normalize_entry_blocks, subnets_of, sync_entries,
};
use crate::config::AwsClients;
use crate::ec2::{sync_tags, tag_map, with_tags};
use crate::resource::Resource;
use crate::tags;
use crate::util::{entries, id_of, nonempty_str, opt_sv, read_new, str_set, strings_of, sv};

pub(crate) struct DefaultNetworkAcl;

const TYPE: &str = "aws_default_network_acl";

#[async_trait]
impl Resource for DefaultNetworkAcl {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new(
            "Adopts and manages a VPC's default network ACL (never deleted).",
        ))
        .attr("id", A::computed(Type::String, "ID of the default network ACL."))
        .attr("arn", A::computed(Type::String, "ARN of the network ACL."))
        .attr(
            "owner_id",
            A::computed(Type::String, "ID of the AWS account that owns the ACL."),
        )
        .attr(
            "vpc_id",
            A::computed(Type::String, "ID of the VPC the ACL belongs to."),
        )
        .attr(
            "default_network_acl_id",
            A::required(Type::String, "The default network ACL to manage (aws_vpc.default_network_acl_id).")
                .force_new(),
        )
        .attr(
            "subnet_ids",
            A::optional(
                Type::set(Type::String),
                "Subnets to associate with the default ACL. Subnets cannot be removed, only moved to another ACL.",
            ),
        )
        .block("ingress", entries_block())
        .block("egress", entries_block())
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        check_entries(config)
    }

    fn normalize_config(
        &self,
        _prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        let mut m = entries(&config);
        for block in ["ingress", "egress"] {
            m.insert(block.into(), normalize_entry_blocks(&config, block));
        }
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let id = nonempty_str(planned, "default_network_acl_id")
            .ok_or_else(|| crate::util::missing(TYPE, "default_network_acl_id"))?;
        let Some(acl) = describe_acl(aws, &id).await? else {
            return Err(ProviderError::new(
                format!("adopting EC2 Default Network ACL {id} failed"),
                format!("Network ACL {id} does not exist."),
            )
            .with_hint("Use the VPC's default_network_acl_id attribute."));
        };
        if acl.is_default != Some(true) {
            return Err(ProviderError::new(
                format!("adopting EC2 Default Network ACL {id} failed"),
                format!("Network ACL {id} is not the default ACL of its VPC."),
            )
            .with_hint(
                "Use aws_network_acl for other ACLs, or the VPC's default_network_acl_id.",
            ));
        }
        // Adoption starts from a clean slate: every entry AWS (or anyone)
        // put there goes, then the configured ones are created.
        let (ingress, egress) = api_entries(&acl, planned);
        sync_entries(aws, &id, false, &ingress, &entries_of(planned, "ingress")).await?;
        sync_entries(aws, &id, true, &egress, &entries_of(planned, "egress")).await?;
        for s in strings_of(planned, "subnet_ids") {
            associate(aws, &s, &id).await?;
        }
        // Tags go from what the ACL has now to the configured ones.
        let current: std::collections::BTreeMap<String, String> = tag_map(acl.tags.as_deref())
            .into_iter()
            .filter(|(k, _)| !aws.ignored_tag(k) && !k.starts_with("aws:"))
            .collect();
        let from =
            cairn_provider::with_attrs(planned, [("tags_all", crate::util::str_map(&current))]);
        sync_tags(aws, &id, &from, planned).await?;
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Default Network ACL", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(acl) = describe_acl(aws, &id).await? else {
            return Ok(None);
        };
        if acl.is_default != Some(true) {
            return Err(ProviderError::new(
                format!("reading EC2 Default Network ACL {id} failed"),
                format!("Network ACL {id} is not the default ACL of its VPC."),
            )
            .with_hint("Manage it with aws_network_acl instead."));
        }
        let owner = acl.owner_id.clone().unwrap_or_default();
        let (ingress, egress) = api_entries(&acl, state);
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert("default_network_acl_id".into(), sv(&id));
        m.insert("arn".into(), sv(acl_arn(aws, &owner, &id)));
        m.insert("owner_id".into(), sv(&owner));
        m.insert("vpc_id".into(), opt_sv(acl.vpc_id.as_deref()));
        let subnets = subnets_of(&acl);
        // Unset and empty are the same: no subnets managed.
        let subnet_ids =
            if subnets.is_empty() && state.get_attr("subnet_ids").is_none_or(Value::is_null) {
                Value::null(Type::set(Type::String))
            } else {
                str_set(subnets)
            };
        m.insert("subnet_ids".into(), subnet_ids);
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
        // Subnets can only be added: a subnet leaves the default ACL by
        // being associated with another one.
        let old: BTreeSet<String> = strings_of(prior, "subnet_ids").into_iter().collect();
        for s in strings_of(planned, "subnet_ids") {
            if !old.contains(&s) {
                associate(aws, &s, &id).await?;
            }
        }
        sync_tags(aws, &id, prior, planned).await?;
        read_new("EC2 Default Network ACL", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, _aws: &AwsClients, _state: &Value) -> Result<(), ProviderError> {
        // A VPC's default ACL cannot be deleted; as in the Terraform
        // provider, destroying it only stops managing it.
        Ok(())
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let mut m = cairn_provider::empty_object(schema);
        m.insert("id".into(), sv(id));
        m.insert("default_network_acl_id".into(), sv(id));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_default_network_acl is imported by the default ACL's ID, e.g. acl-7aaabd18.".into()
    }
}
