//! Keys and secrets: KMS keys and aliases, Secrets Manager secrets and versions, SSM parameters.

use std::sync::Arc;

use crate::resource::{DataSource, Resource};

mod kms_alias;
mod kms_key;
mod secret;
mod secret_version;
mod ssm_parameter;

pub(crate) fn resources() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(kms_key::KmsKey),
        Arc::new(kms_alias::KmsAlias),
        Arc::new(secret::Secret),
        Arc::new(secret_version::SecretVersion),
        Arc::new(ssm_parameter::SsmParameter),
    ]
}

pub(crate) fn data_sources() -> Vec<Arc<dyn DataSource>> {
    vec![]
}

/// A Secrets Manager `ClientRequestToken` (32 to 64 characters): the
/// engine's idempotency key for this create, padded to the minimum length
/// so the same create retried sends the same token.
pub(crate) fn secrets_token() -> String {
    let mut t = crate::util::client_token();
    while t.len() < 32 {
        t.push('0');
    }
    t
}

/// Whether a Secrets Manager error says the secret is deleted or
/// scheduled for deletion (`InvalidRequestException` with that message).
pub(crate) fn secret_deleted(e: &crate::error::ApiError) -> bool {
    e.is("InvalidRequestException") && e.message.contains("deleted")
        || e.is("InvalidRequestException") && e.message.contains("marked for deletion")
}
