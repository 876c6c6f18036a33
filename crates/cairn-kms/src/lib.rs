//! AWS KMS as a key source ([`KmsKey`]): a new data key comes from
//! `GenerateDataKey` and is stored only wrapped (the ciphertext blob KMS
//! returns, in the file's or state's key header); reading it back is one
//! `Decrypt` call. Whoever may call `Decrypt` on the KMS key may read, so
//! access is managed, audited and revoked in IAM, not by sharing files.
//!
//! Every call carries an encryption context naming the purpose
//! (`cairn:purpose = state` or `secrets`), so a data key wrapped for the
//! state cannot be unwrapped as a secrets-file key and key policies can
//! tell the two apart.
//!
//! The SDK is configured from the environment (region, credentials,
//! `AWS_ENDPOINT_URL`, profiles), like the AWS CLI.

use std::fmt;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::Engine as _;
use cairn_secrets::{DataKey, KeyHeader, KeyKind, KeyProvider, SecretError, KEY_LEN};

/// What a data key protects; part of the encryption context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    State,
    Secrets,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::State => "state",
            Purpose::Secrets => "secrets",
        }
    }
}

/// A KMS key used to wrap data keys.
pub struct KmsKey {
    /// Key ID, ARN or alias for new data keys; `None` when only
    /// unwrapping (the header names the key).
    key_id: Option<String>,
    purpose: Purpose,
}

impl fmt::Debug for KmsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsKey")
            .field("key_id", &self.key_id)
            .field("purpose", &self.purpose)
            .finish()
    }
}

impl KmsKey {
    /// A key source that makes new data keys under `key_id` (an ID, ARN,
    /// `alias/NAME` or alias ARN).
    pub fn new(key_id: impl Into<String>, purpose: Purpose) -> KmsKey {
        KmsKey {
            key_id: Some(key_id.into()),
            purpose,
        }
    }

    /// A key source that only unwraps existing data keys (their header
    /// names the KMS key).
    pub fn unwrap_only(purpose: Purpose) -> KmsKey {
        KmsKey {
            key_id: None,
            purpose,
        }
    }

    fn context(&self) -> (String, String) {
        (
            "cairn:purpose".to_string(),
            self.purpose.as_str().to_string(),
        )
    }
}

fn kms_error(action: &str, key: &str, e: impl fmt::Display) -> SecretError {
    SecretError::Key {
        message: format!(
            "AWS KMS {action} with key {key} failed: {e}. Check the AWS credentials and region \
             in the environment (AWS_PROFILE, AWS_REGION, ...) and that they may use the key \
             (kms:GenerateDataKey to create, kms:Decrypt to read)."
        ),
    }
}

/// Runs a KMS call on a runtime of its own, on its own thread: key
/// sources are synchronous and may be called from inside another
/// runtime, where blocking on a future directly would panic.
fn run<T: Send>(
    f: impl FnOnce(
            aws_sdk_kms::Client,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>
        + Send,
) -> Result<T, SecretError> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| SecretError::Key {
                    message: format!("cannot start the AWS KMS client: {e}"),
                })?;
            Ok(rt.block_on(async {
                let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .load()
                    .await;
                f(aws_sdk_kms::Client::new(&conf)).await
            }))
        })
        .join()
        .unwrap_or_else(|_| {
            Err(SecretError::Key {
                message: "the AWS KMS client stopped unexpectedly".into(),
            })
        })
    })
}

fn data_key(bytes: &[u8], key: &str) -> Result<DataKey, SecretError> {
    let arr = <[u8; KEY_LEN]>::try_from(bytes).map_err(|_| SecretError::Key {
        message: format!(
            "AWS KMS returned a data key of {} bytes for key {key}; expected {KEY_LEN}",
            bytes.len()
        ),
    })?;
    Ok(DataKey::from_bytes(arr))
}

impl KeyProvider for KmsKey {
    fn kind(&self) -> KeyKind {
        KeyKind::Kms
    }

    fn describe(&self) -> String {
        match &self.key_id {
            Some(k) => format!("the AWS KMS key {k}"),
            None => "AWS KMS".into(),
        }
    }

    fn create(&self) -> Result<(KeyHeader, DataKey), SecretError> {
        let Some(key_id) = self.key_id.clone() else {
            return Err(SecretError::Key {
                message: "no AWS KMS key was given to make a new data key with".into(),
            });
        };
        let (ck, cv) = self.context();
        let id = key_id.clone();
        let out = run(move |c| {
            Box::pin(async move {
                c.generate_data_key()
                    .key_id(id)
                    .key_spec(DataKeySpec::Aes256)
                    .encryption_context(ck, cv)
                    .send()
                    .await
                    .map_err(|e| aws_sdk_kms::error::DisplayErrorContext(e).to_string())
            })
        })?
        .map_err(|e| kms_error("GenerateDataKey", &key_id, e))?;
        let (Some(plain), Some(blob)) = (out.plaintext(), out.ciphertext_blob()) else {
            return Err(kms_error(
                "GenerateDataKey",
                &key_id,
                "the answer has no data key",
            ));
        };
        let key = data_key(plain.as_ref(), &key_id)?;
        // The ARN KMS answers with, so the header names the key even
        // when an alias was given (aliases can be re-pointed).
        let arn = out.key_id().unwrap_or(&key_id).to_string();
        let header = KeyHeader::Kms {
            key_id: arn,
            encrypted_data_key: base64::engine::general_purpose::STANDARD.encode(blob.as_ref()),
        };
        Ok((header, key))
    }

    fn unlock(&self, header: &KeyHeader) -> Result<DataKey, SecretError> {
        let KeyHeader::Kms {
            key_id,
            encrypted_data_key,
        } = header
        else {
            return Err(SecretError::Key {
                message: format!(
                    "the data key is protected by {}, not by AWS KMS",
                    header.kind()
                ),
            });
        };
        let blob = base64::engine::general_purpose::STANDARD
            .decode(encrypted_data_key)
            .map_err(|_| SecretError::Key {
                message: "the wrapped AWS KMS data key in the key header is not valid base64; \
                          the header was edited or damaged"
                    .into(),
            })?;
        let (ck, cv) = self.context();
        let id = key_id.clone();
        let out = run(move |c| {
            Box::pin(async move {
                c.decrypt()
                    .key_id(id)
                    .ciphertext_blob(Blob::new(blob))
                    .encryption_context(ck, cv)
                    .send()
                    .await
                    .map_err(|e| aws_sdk_kms::error::DisplayErrorContext(e).to_string())
            })
        })?
        .map_err(|e| kms_error("Decrypt", key_id, e))?;
        let plain = out
            .plaintext()
            .ok_or_else(|| kms_error("Decrypt", key_id, "the answer has no plaintext"))?;
        data_key(plain.as_ref(), key_id)
    }
}

/// The secrets file's KMS key source ([`cairn_secrets::KmsFactory`]):
/// `Some(key)` makes new data keys under that key, `None` only unwraps.
pub fn secrets_key_source(key_id: Option<String>) -> Box<dyn KeyProvider + Send + Sync> {
    Box::new(match key_id {
        Some(k) => KmsKey::new(k, Purpose::Secrets),
        None => KmsKey::unwrap_only(Purpose::Secrets),
    })
}
