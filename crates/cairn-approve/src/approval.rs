//! Approvals: what a reviewer signs.
//!
//! An approval is a JSON document:
//!
//! ```json
//! { "version": 1, "plan_digest": "…", "state_lineage": "…", "state_serial": 7,
//!   "config_digest": "…", "reviewer": "alice", "public_key": "<base64>",
//!   "fingerprint": "<16 hex>", "time": "2026-11-01T12:00:00Z",
//!   "signature": "<base64, 64 bytes>" }
//! ```
//!
//! The signature is ed25519 over exactly these bytes (UTF-8), every line
//! ending in `\n`, no other whitespace:
//!
//! ```text
//! cairn-approval-v1
//! version=1
//! plan_digest=<JSON string>
//! state_lineage=<JSON string>
//! state_serial=<decimal>
//! config_digest=<JSON string>
//! reviewer=<JSON string>
//! public_key=<JSON string>
//! fingerprint=<JSON string>
//! time=<JSON string>
//! ```
//!
//! `<JSON string>` is the field's value as a JSON string literal (quotes
//! and escapes included), so no value can smuggle in a line end and two
//! different documents never sign the same bytes. The first line separates
//! this use of the key from any other: a signature over an approval can
//! never be replayed as a signature of something else, nor the reverse.
//! Documents with fields beyond these are refused, so every field of an
//! accepted approval is covered by its signature.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::keys::{decode_public, fingerprint, PrivateKey};

/// The domain-separation prefix of the signed bytes.
pub const DOMAIN: &str = "cairn-approval-v1\n";
/// The approval document version this crate writes and reads.
pub const VERSION: u32 = 1;

/// What identifies the plan being approved (from the saved plan file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanIdentity {
    pub plan_digest: String,
    pub state_lineage: String,
    pub state_serial: u64,
    pub config_digest: String,
}

/// A signed approval document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub version: u32,
    pub plan_digest: String,
    pub state_lineage: String,
    pub state_serial: u64,
    pub config_digest: String,
    /// The reviewer's name, from their key's comment.
    pub reviewer: String,
    /// The signer's public key, base64 of its 32 bytes.
    pub public_key: String,
    pub fingerprint: String,
    /// When it was signed, RFC 3339 (UTC).
    pub time: String,
    /// base64 of the 64-byte ed25519 signature over [`Approval::signed_bytes`].
    pub signature: String,
}

/// Errors reading an approval document.
#[derive(Debug, thiserror::Error)]
#[error("not a cairn approval: {0}")]
pub struct ParseError(pub String);

impl Approval {
    /// Signs `plan` with `key`, now.
    pub fn sign(plan: &PlanIdentity, key: &PrivateKey) -> Approval {
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Approval::sign_at(plan, key, &time)
    }

    /// Signs `plan` with `key`, recording `time` as the signing time.
    pub fn sign_at(plan: &PlanIdentity, key: &PrivateKey, time: &str) -> Approval {
        let vk = key.signing_key().verifying_key();
        let mut a = Approval {
            version: VERSION,
            plan_digest: plan.plan_digest.clone(),
            state_lineage: plan.state_lineage.clone(),
            state_serial: plan.state_serial,
            config_digest: plan.config_digest.clone(),
            reviewer: key.comment().to_string(),
            public_key: B64.encode(vk.as_bytes()),
            fingerprint: fingerprint(&vk),
            time: time.to_string(),
            signature: String::new(),
        };
        let sig = key.signing_key().sign(&a.signed_bytes());
        a.signature = B64.encode(sig.to_bytes());
        a
    }

    /// The plan this approval is for.
    pub fn plan(&self) -> PlanIdentity {
        PlanIdentity {
            plan_digest: self.plan_digest.clone(),
            state_lineage: self.state_lineage.clone(),
            state_serial: self.state_serial,
            config_digest: self.config_digest.clone(),
        }
    }

    /// The exact bytes the signature covers (see the module docs).
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut s = String::from(DOMAIN);
        push_num_field(&mut s, "version", u64::from(self.version));
        push_str_field(&mut s, "plan_digest", &self.plan_digest);
        push_str_field(&mut s, "state_lineage", &self.state_lineage);
        push_num_field(&mut s, "state_serial", self.state_serial);
        push_str_field(&mut s, "config_digest", &self.config_digest);
        push_str_field(&mut s, "reviewer", &self.reviewer);
        push_str_field(&mut s, "public_key", &self.public_key);
        push_str_field(&mut s, "fingerprint", &self.fingerprint);
        push_str_field(&mut s, "time", &self.time);
        s.into_bytes()
    }

    /// Checks the document hangs together and its signature verifies;
    /// returns the signer's key. Nothing about the plan or the policy is
    /// checked here.
    pub fn check_signature(&self) -> Result<VerifyingKey, String> {
        if self.version != VERSION {
            return Err(format!(
                "approval version {} (this cairn reads version {VERSION})",
                self.version
            ));
        }
        let vk = decode_public(&self.public_key).map_err(|e| format!("public_key: {e}"))?;
        if fingerprint(&vk) != self.fingerprint {
            return Err("the fingerprint does not match the public key".into());
        }
        let raw = B64
            .decode(self.signature.trim())
            .map_err(|e| format!("the signature is not valid base64: {e}"))?;
        let raw: [u8; 64] = raw
            .as_slice()
            .try_into()
            .map_err(|_| format!("a signature has 64 bytes, not {}", raw.len()))?;
        let sig = Signature::from_bytes(&raw);
        // Strict verification also refuses malleable signatures and weak keys.
        vk.verify_strict(&self.signed_bytes(), &sig)
            .map_err(|_| "the signature does not match the document".to_string())?;
        Ok(vk)
    }

    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serializes.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn from_json(text: &str) -> Result<Approval, ParseError> {
        serde_json::from_str(text).map_err(|e| ParseError(e.to_string()))
    }
}

fn push_num_field(s: &mut String, name: &str, v: u64) {
    s.push_str(name);
    s.push('=');
    s.push_str(&v.to_string());
    s.push('\n');
}

fn push_str_field(s: &mut String, name: &str, v: &str) {
    s.push_str(name);
    s.push('=');
    // A JSON string literal of a &str cannot fail to serialize.
    s.push_str(&serde_json::to_string(v).unwrap_or_default());
    s.push('\n');
}
