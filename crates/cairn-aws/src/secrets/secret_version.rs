//! `aws_secretsmanager_secret_version`: one version of a secret's value.
//! A new value is a new version (replacement); only the staging labels
//! change in place.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_smithy_types::base64;
use aws_smithy_types::Blob;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{empty_object, Attribute as A, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{secret_deleted, secrets_token};
use crate::config::AwsClients;
use crate::error::{ApiResultExt, SdkResultExt};
use crate::resource::Resource;
use crate::util::{
    entries, id_of, nonempty_str, opt_sv, read_new, str_of, str_set, strings_of, sv,
};

pub(crate) struct SecretVersion;

const TYPE: &str = "aws_secretsmanager_secret_version";

/// The label Secrets Manager keeps on exactly one version: it can move,
/// never be removed.
const CURRENT: &str = "AWSCURRENT";
const PREVIOUS: &str = "AWSPREVIOUS";

/// `SECRET-ID|VERSION-ID`.
fn parse_id(id: &str) -> Option<(String, String)> {
    id.split_once('|')
        .filter(|(s, v)| !s.is_empty() && !v.is_empty())
        .map(|(s, v)| (s.to_string(), v.to_string()))
}

fn bad_id(id: &str) -> ProviderError {
    ProviderError::new(
        "Invalid aws_secretsmanager_secret_version ID",
        format!("{id:?} is not SECRET-ID|VERSION-ID."),
    )
    .with_hint(SecretVersion.import_hint())
}

fn set_given(v: &Value, k: &str) -> bool {
    v.get_attr(k).is_some_and(|x| !x.is_null())
}

/// The version holding `AWSCURRENT` now.
async fn current_version(aws: &AwsClients, secret: &str) -> Result<Option<String>, ProviderError> {
    let mut token = None;
    loop {
        let page = aws
            .secretsmanager()
            .list_secret_version_ids()
            .secret_id(secret)
            .set_next_token(token)
            .send()
            .await
            .ctx(format!(
                "listing versions of Secrets Manager Secret {secret}"
            ))?;
        for v in page.versions.unwrap_or_default() {
            if v.version_stages
                .unwrap_or_default()
                .iter()
                .any(|s| s == CURRENT)
            {
                return Ok(v.version_id);
            }
        }
        token = page.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(None);
        }
    }
}

async fn move_stage(
    aws: &AwsClients,
    secret: &str,
    stage: &str,
    to: Option<&str>,
    from: Option<&str>,
) -> Result<(), crate::error::ApiError> {
    aws.secretsmanager()
        .update_secret_version_stage()
        .secret_id(secret)
        .version_stage(stage)
        .set_move_to_version_id(to.map(str::to_string))
        .set_remove_from_version_id(from.map(str::to_string))
        .send()
        .await
        .api()
        .map(|_| ())
}

#[async_trait]
impl Resource for SecretVersion {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema::new("A version of a Secrets Manager secret's value.")
            .attr("id", A::computed(Type::String, "SECRET-ID|VERSION-ID."))
            .attr("arn", A::computed(Type::String, "ARN of the secret."))
            .attr(
                "secret_id",
                A::required(Type::String, "ARN or name of the secret.").force_new(),
            )
            .attr(
                "secret_string",
                A::optional(Type::String, "Text value of this version.")
                    .force_new()
                    .sensitive(),
            )
            .attr(
                "secret_binary",
                A::optional(
                    Type::String,
                    "Binary value of this version, base64-encoded.",
                )
                .force_new()
                .sensitive(),
            )
            .attr(
                "version_id",
                A::computed(Type::String, "ID of the version."),
            )
            .attr(
                "version_stages",
                A::optional_computed(
                    Type::set(Type::String),
                    "Staging labels of the version; AWSCURRENT moves to a new version when unset.",
                ),
            )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if set_given(config, "secret_string") && set_given(config, "secret_binary") {
            out.push(Diagnostic::error(
                "Conflicting arguments",
                "secret_string and secret_binary cannot both be set.",
            ));
        }
        if let Some(b) = str_of(config, "secret_binary") {
            if base64::decode(&b).is_err() {
                out.push(Diagnostic::error(
                    "Invalid secret_binary",
                    "secret_binary must be base64-encoded (use base64encode(...)).",
                ));
            }
        }
        out
    }

    async fn create(&self, aws: &AwsClients, planned: &Value) -> Result<Value, ProviderError> {
        let secret = nonempty_str(planned, "secret_id")
            .ok_or_else(|| crate::util::missing(TYPE, "secret_id"))?;
        let binary = match str_of(planned, "secret_binary") {
            Some(b) => Some(Blob::new(base64::decode(&b).map_err(|e| {
                ProviderError::new(
                    "Invalid secret_binary",
                    format!("secret_binary is not valid base64: {e}."),
                )
            })?)),
            None => None,
        };
        let stages: Vec<String> = strings_of(planned, "version_stages");
        let out = aws
            .secretsmanager()
            .put_secret_value()
            .secret_id(&secret)
            .client_request_token(secrets_token())
            .set_secret_string(str_of(planned, "secret_string"))
            .set_secret_binary(binary)
            .set_version_stages((!stages.is_empty()).then_some(stages))
            .send()
            .await
            .ctx(format!("putting value of Secrets Manager Secret {secret}"))?;
        let version = out.version_id.ok_or_else(|| {
            ProviderError::new(
                "putting Secrets Manager Secret value failed",
                "The API returned no version ID.",
            )
        })?;
        let id = format!("{secret}|{version}");
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("Secrets Manager Secret Version", &id, || {
            self.read(aws, &seed)
        })
        .await
    }

    async fn read(&self, aws: &AwsClients, state: &Value) -> Result<Option<Value>, ProviderError> {
        let id = id_of(state, TYPE)?;
        let (secret, version) = parse_id(&id).ok_or_else(|| bad_id(&id))?;
        let out = match aws
            .secretsmanager()
            .get_secret_value()
            .secret_id(&secret)
            .version_id(&version)
            .send()
            .await
            .api()
        {
            Ok(o) => o,
            // The version, or the whole secret, is gone or scheduled for
            // deletion.
            Err(e) if e.not_found() || secret_deleted(&e) => return Ok(None),
            Err(e) => {
                return Err(e.into_error(format!("reading Secrets Manager Secret Version {id}")))
            }
        };
        let mut m = entries(state);
        m.insert("id".into(), sv(&id));
        m.insert("secret_id".into(), sv(&secret));
        m.insert("arn".into(), opt_sv(out.arn.as_deref()));
        m.insert(
            "version_id".into(),
            sv(out.version_id.as_deref().unwrap_or(&version)),
        );
        m.insert("secret_string".into(), opt_sv(out.secret_string.as_deref()));
        m.insert(
            "secret_binary".into(),
            opt_sv(out.secret_binary.map(|b| base64::encode(b.as_ref()))),
        );
        m.insert(
            "version_stages".into(),
            str_set(out.version_stages.unwrap_or_default()),
        );
        Ok(Some(Value::object(m)))
    }

    async fn update(
        &self,
        aws: &AwsClients,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        // Everything but the staging labels forces a new version.
        let id = id_of(prior, TYPE)?;
        let (secret, version) = parse_id(&id).ok_or_else(|| bad_id(&id))?;
        let old: BTreeSet<String> = strings_of(prior, "version_stages").into_iter().collect();
        let new: BTreeSet<String> = strings_of(planned, "version_stages").into_iter().collect();
        let mut took_current = false;
        for stage in new.difference(&old) {
            // AWSCURRENT must be taken from the version that holds it.
            let from = if stage == CURRENT {
                took_current = true;
                current_version(aws, &secret).await?
            } else {
                None
            };
            move_stage(aws, &secret, stage, Some(&version), from.as_deref())
                .await
                .ctx(format!(
                    "adding stage {stage} to Secrets Manager Secret Version {id}"
                ))?;
        }
        for stage in old.difference(&new) {
            // AWSCURRENT cannot be removed, only moved; and taking it moves
            // AWSPREVIOUS away by itself.
            if stage == CURRENT || took_current && stage == PREVIOUS {
                continue;
            }
            move_stage(aws, &secret, stage, None, Some(&version))
                .await
                .ctx(format!(
                    "removing stage {stage} from Secrets Manager Secret Version {id}"
                ))?;
        }
        let seed = cairn_provider::with_attrs(planned, [("id", sv(&id))]);
        read_new("Secrets Manager Secret Version", &id, || {
            self.read(aws, &seed)
        })
        .await
    }

    async fn delete(&self, aws: &AwsClients, state: &Value) -> Result<(), ProviderError> {
        // A version cannot be deleted as such: taking its labels away makes
        // Secrets Manager deprecate it. AWSCURRENT stays (it cannot be
        // removed) until another version takes it.
        let id = id_of(state, TYPE)?;
        let (secret, version) = parse_id(&id).ok_or_else(|| bad_id(&id))?;
        let stages = match self.read(aws, state).await? {
            Some(now) => strings_of(&now, "version_stages"),
            None => return Ok(()),
        };
        for stage in stages.iter().filter(|s| *s != CURRENT) {
            match move_stage(aws, &secret, stage, None, Some(&version)).await {
                Ok(()) => {}
                Err(e) if e.not_found() || secret_deleted(&e) => return Ok(()),
                Err(e) => {
                    return Err(e.into_error(format!(
                        "removing stage {stage} from Secrets Manager Secret Version {id}"
                    )))
                }
            }
        }
        Ok(())
    }

    fn import_state(&self, schema: &Schema, id: &str) -> Result<Value, ProviderError> {
        let (secret, version) = parse_id(id).ok_or_else(|| bad_id(id))?;
        let mut m = empty_object(schema);
        m.insert("id".into(), sv(id));
        m.insert("secret_id".into(), sv(secret));
        m.insert("version_id".into(), sv(version));
        Ok(Value::object(m))
    }

    fn import_hint(&self) -> String {
        "aws_secretsmanager_secret_version is imported as SECRET-ARN|VERSION-ID, e.g. arn:aws:secretsmanager:us-east-1:123456789012:secret:example-123456|xxxxx-xxxxxxx-xxxxxxx-xxxxx.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_at_the_pipe() {
        assert_eq!(
            parse_id("arn:aws:secretsmanager:us-east-1:1:secret:s-abc|v1"),
            Some((
                "arn:aws:secretsmanager:us-east-1:1:secret:s-abc".to_string(),
                "v1".to_string()
            ))
        );
        assert_eq!(parse_id("s"), None);
        assert_eq!(parse_id("|v"), None);
    }
}
