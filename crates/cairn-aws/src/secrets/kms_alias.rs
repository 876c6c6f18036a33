//! `aws_kms_alias`: a friendly name (`alias/...`) pointing at a KMS key;
//! retargeting it is an in-place update.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_kms::types::AliasListEntry;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{Attribute as A, PlanResponse, ProviderError, Schema};
use cairn_value::{Type, Value};

use crate::config::AwsClients;
use crate::error::{ApiError, SdkResultExt};
use crate::resource::Resource;
use crate::util::{
    entries, id_of, nonempty_str, opt_sv, prefix_from_name, read_new, str_of, sv, unique_name,
    PROPAGATION_TIMEOUT,
};

pub(crate) struct KmsAlias;

const TYPE: &str = "aws_kms_alias";

/// The key ID in a key ARN (`arn:...:key/ID`), or the value itself.
fn key_id_of(v: &str) -> &str {
    match v.strip_prefix("arn:") {
        Some(_) => v.rsplit_once(":key/").map_or(v, |(_, id)| id),
        None => v,
    }
}

/// A key ID and a key ARN (or two IDs) that name the same key.
fn same_key(a: &str, b: &str) -> bool {
    a == b || key_id_of(a) == key_id_of(b) && (a.starts_with("arn:") != b.starts_with("arn:"))
}

/// The key ARN for an alias ARN and the alias's target key ID.
fn key_arn(alias_arn: &str, key_id: &str) -> Option<String> {
    alias_arn
        .split_once(":alias/")
        .map(|(head, _)| format!("{head}:key/{key_id}"))
}

fn check_name(attr: &str, v: &str) -> Option<Diagnostic> {
    if !v.starts_with("alias/") {
        return Some(Diagnostic::error(
            format!("Invalid {attr}"),
            format!("{attr} must begin with alias/, not {v:?}."),
        ));
    }
    if v.starts_with("alias/aws/") {
        return Some(Diagnostic::error(
            format!("Invalid {attr}"),
            format!("{attr} cannot begin with alias/aws/ (reserved for AWS managed keys)."),
        ));
    }
    let rest = &v["alias/".len()..];
    if !rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
    {
        return Some(Diagnostic::error(
            format!("Invalid {attr}"),
            format!("{attr} may contain only letters, digits, /, _ and - after alias/."),
        ));
    }
    None
}

/// The alias called `name`, found by listing (KMS has no get-alias call).
async fn find_alias(aws: &AwsClients, name: &str) -> Result<Option<AliasListEntry>, ApiError> {
    let mut marker = None;
    loop {
        let page = aws
            .kms()
            .list_aliases()
            .set_marker(marker)
            .send()
            .await
            .api()?;
        if let Some(a) = page
            .aliases
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.alias_name.as_deref() == Some(name))
        {
            return Ok(Some(a));
        }
        marker = page.next_marker.filter(|_| page.truncated);
        if marker.is_none() {
            return Ok(None);
        }
    }
}

#[async_trait]
impl Resource for KmsAlias {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("An alias for a KMS key.")
            .attr("id", A::computed(Type::String, "Name of the alias."))
            .attr("arn", A::computed(Type::String, "ARN of the alias."))
            .attr(
                "name",
                A::optional_computed(
                    Type::String,
                    "Name of the alias; must begin with alias/. Generated from name_prefix when unset.",
                )
                .force_new(),
            )
            .attr(
                "name_prefix",
                A::optional_computed(
                    Type::String,
                    "Prefix of a generated name; must begin with alias/.",
                )
                .force_new(),
            )
            .attr(
                "target_key_id",
                A::required(Type::String, "ID or ARN of the key the alias points at."),
            )
            .attr(
                "target_key_arn",
                A::computed(Type::String, "ARN of the key the alias points at."),
            )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let mut out = Vec::new();
        if set("name") && set("name_prefix") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "name and name_prefix cannot both be set.",
            ));
        }
        for k in ["name", "name_prefix"] {
            if let Some(v) = str_of(config, k) {
                out.extend(check_name(k, &v));
            }
        }
        out
    }

    fn normalize_config(
        &self,
        prior: Option<&Value>,
        config: Value,
    ) -> Result<Value, ProviderError> {
        // A key ARN and its ID are the same target.
        if let (Some(p), Some(c)) = (
            prior.and_then(|p| str_of(p, "target_key_id")),
            str_of(&config, "target_key_id"),
        ) {
            if p != c && same_key(&p, &c) {
                return Ok(cairn_provider::with_attrs(
                    &config,
                    [("target_key_id", sv(p))],
                ));
            }
        }
        Ok(config)
    }

    fn customize_plan(
        &self,
        _aws: &AwsClients,
        prior: Option<&Value>,
        config: &Value,
        resp: &mut PlanResponse,
    ) -> Result<(), ProviderError> {
        // A new target has a new key ARN.
        if let Some(p) = prior {
            let old = str_of(p, "target_key_id");
            let new = str_of(config, "target_key_id");
            let same = matches!((&old, &new), (Some(a), Some(b)) if same_key(a, b));
            if !same {
                resp.planned = cairn_provider::with_attrs(
                    &resp.planned,
                    [("target_key_arn", Value::unknown(Type::String))],
                );
            }
        }
        Ok(())
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let name = match nonempty_str(planned, "name") {
            Some(n) => n,
            None => unique_name(
                &nonempty_str(planned, "name_prefix").unwrap_or_else(|| "alias/".into()),
            ),
        };
        let target = nonempty_str(planned, "target_key_id")
            .ok_or_else(|| crate::util::missing(TYPE, "target_key_id"))?;
        // A key created a moment ago may not be visible to KMS yet.
        let deadline = Instant::now() + PROPAGATION_TIMEOUT;
        let mut delay = Duration::from_millis(500);
        loop {
            match aws
                .kms()
                .create_alias()
                .alias_name(&name)
                .target_key_id(&target)
                .send()
                .await
                .api()
            {
                Ok(_) => break,
                Err(e) if e.not_found() && Instant::now() + delay < deadline => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                Err(e) => return Err(e.into_error(format!("creating KMS Alias ({name})"))),
            }
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&name))]);
        read_new("KMS Alias", &name, || self.read(aws, &seed)).await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let name = id_of(state, TYPE)?;
        let Some(a) = find_alias(aws, &name)
            .await
            .map_err(|e| e.into_error(format!("reading KMS Alias {name}")))?
        else {
            return Ok(None);
        };
        let arn = a.alias_arn.unwrap_or_default();
        let target = a.target_key_id.unwrap_or_default();
        let mut m = entries(state);
        m.insert("id".into(), sv(&name));
        m.insert("name".into(), sv(&name));
        m.insert("name_prefix".into(), opt_sv(prefix_from_name(&name)));
        m.insert("target_key_arn".into(), opt_sv(key_arn(&arn, &target)));
        m.insert("arn".into(), sv(&arn));
        // Keep the configured form (ID or ARN) while it names the same key.
        let keep = str_of(state, "target_key_id").filter(|p| same_key(p, &target));
        m.insert("target_key_id".into(), sv(keep.unwrap_or(target)));
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let name = id_of(prior, TYPE)?;
        let target = nonempty_str(planned, "target_key_id")
            .ok_or_else(|| crate::util::missing(TYPE, "target_key_id"))?;
        if str_of(prior, "target_key_id").as_deref() != Some(target.as_str()) {
            aws.kms()
                .update_alias()
                .alias_name(&name)
                .target_key_id(&target)
                .send()
                .await
                .ctx(format!("updating KMS Alias {name}"))?;
        }
        read_new("KMS Alias", &name, || async {
            // Until the new target shows, report not-yet-visible.
            Ok(self
                .read(aws, planned)
                .await?
                .filter(|v| str_of(v, "target_key_id").is_some_and(|t| same_key(&t, &target))))
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        let name = id_of(state, TYPE)?;
        match aws
            .kms()
            .delete_alias()
            .alias_name(&name)
            .send()
            .await
            .api()
        {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(e.into_error(format!("deleting KMS Alias {name}"))),
        }
    }

    fn import_hint(&self) -> String {
        "aws_kms_alias is imported by alias name, e.g. alias/my-key.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_and_arns_compare() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/abcd-1234";
        assert!(same_key(arn, "abcd-1234"));
        assert!(same_key("abcd-1234", arn));
        assert!(same_key(arn, arn));
        assert!(!same_key(arn, "other"));
        assert_eq!(
            key_arn("arn:aws:kms:us-east-1:123456789012:alias/x", "k").as_deref(),
            Some("arn:aws:kms:us-east-1:123456789012:key/k")
        );
        assert!(check_name("name", "alias/ok-1").is_none());
        assert!(check_name("name", "nope").is_some());
        assert!(check_name("name", "alias/aws/x").is_some());
    }
}
