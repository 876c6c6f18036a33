//! Reading secret values for the `cairn` provider's `cairn_secret` data
//! source: the current version of a Secrets Manager secret and an SSM
//! parameter (SecureString decrypted), with the AWS provider's settings
//! (region, profile, `endpoints`, the `AWS_*` environment).
//!
//! Errors name the secret and the region, never the value.

use std::fmt;

use cairn_provider::{ProviderError, Schema};
use cairn_value::Value;

use crate::config::{self, AwsClients};
use crate::error::{ApiError, SdkResultExt};

/// The schema of the AWS settings block (`provider "aws"`'s), for
/// providers that embed it (the `cairn` provider's `aws { ... }`).
pub fn provider_config_schema() -> Schema {
    config::provider_schema()
}

/// A secret's text, kept out of `Debug` output.
pub struct SecretText(String);

impl SecretText {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

/// Why a secret could not be read. No variant holds the secret's value.
#[derive(Debug, thiserror::Error)]
pub enum SecretReadError {
    /// The AWS settings are unusable (no region, half-set static keys...).
    #[error("{0}")]
    Config(ProviderError),

    /// No such secret or parameter where the reader looked.
    #[error("{what} {name:?} does not exist in region {region}")]
    NotFound {
        what: &'static str,
        name: String,
        region: String,
    },

    /// The secret exists but is scheduled for deletion.
    #[error("{what} {name:?} in region {region} is scheduled for deletion")]
    Deleted {
        what: &'static str,
        name: String,
        region: String,
    },

    /// The credentials may not read it (or may not decrypt it).
    #[error("reading {what} {name:?} in region {region} was denied ({code}): {message}")]
    AccessDenied {
        what: &'static str,
        name: String,
        region: String,
        code: String,
        message: String,
    },

    /// A Secrets Manager secret stored as binary (`SecretBinary`).
    #[error("{what} {name:?} holds binary data, not text")]
    Binary { what: &'static str, name: String },

    /// The answer carried no value at all.
    #[error("{what} {name:?} has no value")]
    Empty { what: &'static str, name: String },

    /// Any other failed call (unreachable endpoint, throttling, KMS).
    #[error("{0}")]
    Api(ProviderError),
}

impl SecretReadError {
    /// What to do about it, when something helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            SecretReadError::Config(e) | SecretReadError::Api(e) => e.hint.clone(),
            SecretReadError::NotFound { region, .. } => Some(format!(
                "Check the name and the region ({region}): the region comes from the cairn \
                 provider's aws {{ region = ... }} block, else AWS_REGION or AWS_DEFAULT_REGION."
            )),
            SecretReadError::Deleted { .. } => Some(
                "Restore the secret (aws secretsmanager restore-secret) or point the uri at \
                 another one."
                    .into(),
            ),
            SecretReadError::AccessDenied { what, .. } => Some(if *what == SM {
                "Grant secretsmanager:GetSecretValue on the secret (and kms:Decrypt on its KMS \
                 key, when it is a customer managed key) to the identity cairn runs as."
                    .into()
            } else {
                "Grant ssm:GetParameter on the parameter (and kms:Decrypt on its KMS key, for a \
                 SecureString) to the identity cairn runs as."
                    .into()
            }),
            SecretReadError::Binary { .. } => Some(
                "cairn_secret reads text secrets only; store the value as SecretString (base64 \
                 it first if it is binary)."
                    .into(),
            ),
            SecretReadError::Empty { .. } => None,
        }
    }
}

const SM: &str = "Secrets Manager secret";
const SSM: &str = "SSM parameter";

/// Reads secrets with one set of AWS settings. Clients are built once.
pub struct SecretReader {
    aws: AwsClients,
}

impl fmt::Debug for SecretReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretReader")
            .field("region", &self.aws.region)
            .finish_non_exhaustive()
    }
}

impl SecretReader {
    /// Builds the SDK clients from AWS provider settings (`cfg` is an
    /// object of [`provider_config_schema`], or null for none: the SDK's
    /// default chain and the environment). Unlike the `aws` provider, the
    /// credentials are not checked with STS first unless
    /// `skip_credentials_validation = false` is set: the secret read
    /// itself reports bad credentials, one call sooner.
    pub async fn from_config(cfg: &Value) -> Result<SecretReader, SecretReadError> {
        let base = if cfg.is_null() || cfg.as_entries().is_none() {
            Value::object(cairn_provider::empty_object(&config::provider_schema()))
        } else {
            cfg.clone()
        };
        let explicit = base
            .get_attr("skip_credentials_validation")
            .and_then(Value::as_bool);
        let base = if explicit.is_none() {
            cairn_provider::with_attrs(&base, [("skip_credentials_validation", Value::bool(true))])
        } else {
            base
        };
        let aws = AwsClients::from_config(&base)
            .await
            .map_err(SecretReadError::Config)?;
        Ok(SecretReader { aws })
    }

    /// The region secrets are read in.
    pub fn region(&self) -> &str {
        &self.aws.region
    }

    /// The current version (`AWSCURRENT`) of a Secrets Manager secret, by
    /// name or ARN, as text.
    pub async fn secrets_manager(&self, name: &str) -> Result<SecretText, SecretReadError> {
        let out = self
            .aws
            .secretsmanager()
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .api()
            .map_err(|e| {
                if crate::secrets::secret_deleted(&e) {
                    SecretReadError::Deleted {
                        what: SM,
                        name: name.to_string(),
                        region: self.region().to_string(),
                    }
                } else {
                    self.classify(e, SM, name, "GetSecretValue")
                }
            })?;
        match (out.secret_string, out.secret_binary) {
            (Some(s), _) => Ok(SecretText(s)),
            (None, Some(_)) => Err(SecretReadError::Binary {
                what: SM,
                name: name.to_string(),
            }),
            (None, None) => Err(SecretReadError::Empty {
                what: SM,
                name: name.to_string(),
            }),
        }
    }

    /// An SSM parameter's value; SecureString parameters are decrypted.
    pub async fn ssm_parameter(&self, name: &str) -> Result<SecretText, SecretReadError> {
        let out = self
            .aws
            .ssm()
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .api()
            .map_err(|e| self.classify(e, SSM, name, "GetParameter"))?;
        out.parameter
            .and_then(|p| p.value)
            .map(SecretText)
            .ok_or_else(|| SecretReadError::Empty {
                what: SSM,
                name: name.to_string(),
            })
    }

    fn classify(&self, e: ApiError, what: &'static str, name: &str, op: &str) -> SecretReadError {
        let region = self.region().to_string();
        if e.not_found() {
            return SecretReadError::NotFound {
                what,
                name: name.to_string(),
                region,
            };
        }
        if e.is_any(&["AccessDeniedException", "AccessDenied"]) {
            return SecretReadError::AccessDenied {
                what,
                name: name.to_string(),
                region,
                code: e.code.clone().unwrap_or_default(),
                message: e.message.clone(),
            };
        }
        SecretReadError::Api(e.into_error(format!("{op} of {what} {name:?} in region {region}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_text_debug_hides_the_value() {
        let t = SecretText("hunter2".into());
        assert!(!format!("{t:?}").contains("hunter2"));
        assert_eq!(t.expose(), "hunter2");
    }

    #[test]
    fn errors_name_the_secret_and_region_and_say_what_to_do() {
        let e = SecretReadError::NotFound {
            what: SM,
            name: "db".into(),
            region: "eu-west-1".into(),
        };
        assert_eq!(
            e.to_string(),
            "Secrets Manager secret \"db\" does not exist in region eu-west-1"
        );
        assert!(e.hint().is_some_and(|h| h.contains("eu-west-1")));
        let e = SecretReadError::AccessDenied {
            what: SSM,
            name: "/p".into(),
            region: "us-east-1".into(),
            code: "AccessDeniedException".into(),
            message: "no".into(),
        };
        assert!(e.hint().is_some_and(|h| h.contains("ssm:GetParameter")));
        let e = SecretReadError::Binary {
            what: SM,
            name: "b".into(),
        };
        assert!(e.hint().is_some_and(|h| h.contains("SecretString")));
    }

    #[tokio::test]
    async fn builds_without_calling_aws() {
        // No STS call: an endpoint nobody listens on must not matter here.
        let cfg = Value::object(
            [
                ("region".to_string(), Value::string("eu-west-1")),
                ("access_key".to_string(), Value::string("a")),
                ("secret_key".to_string(), Value::string("b")),
            ]
            .into_iter()
            .collect(),
        );
        let r = SecretReader::from_config(&cfg).await.unwrap();
        assert_eq!(r.region(), "eu-west-1");
    }
}
