//! `aws_key_pair`: an imported public key.

use async_trait::async_trait;
use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{KeyPairInfo, ResourceType};
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::codec::same_ssh_key;
use crate::config::AwsClients;
use crate::ec2::{sync_tags, tag_map, tag_spec, with_tags};
use crate::error::SdkResultExt;
use crate::resource::Resource;
use crate::tags;
use crate::util::{
    entries, id_of, name_or_prefix, nonempty_str, opt_sv, prefix_from_name, read_new, str_of, sv,
};

pub(crate) struct KeyPair;

const TYPE: &str = "aws_key_pair";

/// The key pair named `name`, or `None` when it does not exist.
async fn find(aws: &AwsClients, name: &str) -> Result<Option<KeyPairInfo>, ProviderError> {
    match aws
        .ec2()
        .describe_key_pairs()
        .key_names(name)
        .include_public_key(true)
        .send()
        .await
        .api()
    {
        Ok(o) => Ok(o
            .key_pairs
            .unwrap_or_default()
            .into_iter()
            .find(|k| k.key_name.as_deref() == Some(name))),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e.into_error(format!("reading EC2 Key Pair ({name})"))),
    }
}

#[async_trait]
impl Resource for KeyPair {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema_version(&self) -> u64 {
        1
    }

    fn schema(&self) -> Schema {
        with_tags(Schema::new(
            "An EC2 key pair: a public key instances can be launched with.",
        ))
        .attr("id", A::computed(Type::String, "Name of the key pair."))
        .attr("arn", A::computed(Type::String, "ARN of the key pair."))
        .attr(
            "key_name",
            A::optional_computed(Type::String, "Name of the key pair; generated when unset.")
                .force_new(),
        )
        .attr(
            "key_name_prefix",
            A::optional_computed(Type::String, "Prefix of a generated key pair name.").force_new(),
        )
        .attr(
            "public_key",
            A::required(
                Type::String,
                "The public key material (OpenSSH format, RSA or ED25519).",
            )
            .force_new(),
        )
        .attr(
            "fingerprint",
            A::computed(
                Type::String,
                "Fingerprint of the public key as AWS computes it.",
            ),
        )
        .attr(
            "key_pair_id",
            A::computed(Type::String, "ID of the key pair."),
        )
        .attr(
            "key_type",
            A::computed(Type::String, "Type of the key: rsa or ed25519."),
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if nonempty_str(config, "key_name").is_some()
            && nonempty_str(config, "key_name_prefix").is_some()
        {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "key_name and key_name_prefix cannot both be set.",
            ));
        }
        if let Some(n) = str_of(config, "key_name") {
            if n.len() > 255 {
                out.push(Diagnostic::error(
                    "Invalid key_name",
                    format!(
                        "key_name is {} characters long; at most 255 are allowed.",
                        n.len()
                    ),
                ));
            }
        }
        if let Some(n) = str_of(config, "key_name_prefix") {
            if n.len() > 255 - crate::util::UNIQUE_SUFFIX_LEN {
                out.push(Diagnostic::error(
                    "Invalid key_name_prefix",
                    format!(
                        "key_name_prefix is {} characters long; at most {} are allowed.",
                        n.len(),
                        255 - crate::util::UNIQUE_SUFFIX_LEN
                    ),
                ));
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
        if let Some(k) = str_of(&config, "public_key") {
            // Stored trimmed, as the Terraform provider does; the same key
            // with another comment (AWS drops comments) is no change.
            let trimmed = k.trim().to_string();
            let v = match prior.and_then(|p| str_of(p, "public_key")) {
                Some(old) if same_ssh_key(&old, &trimmed) => old,
                _ => trimmed,
            };
            m.insert("public_key".into(), sv(v));
        }
        Ok(Value::object(m).mark(config.sensitive))
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = name_or_prefix(planned, "key_name", "key_name_prefix");
        let public_key = str_of(planned, "public_key")
            .ok_or_else(|| crate::util::missing(TYPE, "public_key"))?;
        let tags = tags::to_apply(aws, planned);
        let out = aws
            .ec2()
            .import_key_pair()
            .key_name(&name)
            .public_key_material(Blob::new(public_key.into_bytes()))
            .set_tag_specifications(tag_spec(ResourceType::KeyPair, &tags).map(|t| vec![t]))
            .send()
            .await
            .ctx(format!("importing EC2 Key Pair ({name})"))?;
        let id = out.key_name.unwrap_or(name);
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("EC2 Key Pair", &id, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let Some(k) = find(aws, &id).await? else {
            return Ok(None);
        };
        let account = aws.caller_identity().await?.account_id.clone();
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert(
            "arn".into(),
            sv(aws.arn("ec2", &aws.region, &account, &format!("key-pair/{id}"))),
        );
        m.insert("key_name".into(), sv(&id));
        m.insert("key_name_prefix".into(), opt_sv(prefix_from_name(&id)));
        m.insert("fingerprint".into(), opt_sv(k.key_fingerprint.as_deref()));
        m.insert("key_pair_id".into(), opt_sv(k.key_pair_id.as_deref()));
        m.insert(
            "key_type".into(),
            opt_sv(k.key_type.as_ref().map(|t| t.as_str())),
        );
        // The API returns the key (without the configured comment) only
        // when asked; keep the state's spelling while it is the same key,
        // so only a real key change shows, and fill it in on import.
        let remote = k
            .public_key
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let public_key = match (str_of(state, "public_key"), remote) {
            (Some(old), Some(r)) if same_ssh_key(&old, r) => sv(old),
            (_, Some(r)) => sv(r),
            (old, None) => opt_sv(old),
        };
        m.insert("public_key".into(), public_key);
        let (t, all) = tags::from_remote(aws, state, tag_map(k.tags.as_deref()));
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
        // Only tags change in place; they are keyed by the key pair ID.
        let key_id = nonempty_str(prior, "key_pair_id").ok_or_else(|| {
            ProviderError::new(
                format!("EC2 Key Pair {id} has no key_pair_id"),
                "The state lacks the key pair ID needed to change its tags.",
            )
            .with_hint("Run cairn plan (refresh) and apply again.")
        })?;
        sync_tags(aws, &key_id, prior, planned).await?;
        read_new("EC2 Key Pair", &id, || self.read(aws, planned)).await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let id = id_of(state, TYPE)?;
        match aws.ec2().delete_key_pair().key_name(&id).send().await.api() {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting EC2 Key Pair ({id})"))),
        }
    }

    fn import_hint(&self) -> String {
        "aws_key_pair is imported by key pair name, e.g. deployer-key.".into()
    }
}
