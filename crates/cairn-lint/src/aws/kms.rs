//! Key and secret rules (`AWS038`–`AWS045`): KMS keys, Secrets Manager
//! secrets and SSM parameters.

use cairn_findings::Severity;

use super::policy::report_public;
use super::{bool_attr, int_attr, is_aws_managed_key, str_attr, Ctx, Rule, Tri};
use crate::Instance;

pub(crate) const KMS_ROTATION: Rule = Rule {
    id: "AWS038",
    severity: Severity::Medium,
    title: "Symmetric KMS keys should rotate their key material",
    fix: "Set enable_key_rotation = true (optionally rotation_period_in_days).",
};
pub(crate) const KMS_PUBLIC: Rule = Rule {
    id: "AWS039",
    severity: Severity::Critical,
    title: "KMS key policies must not let anyone use the key",
    fix: "Name the accounts, roles or services in Principal, or add a condition such as aws:PrincipalOrgID or kms:CallerAccount.",
};
pub(crate) const KMS_DELETION_WINDOW: Rule = Rule {
    id: "AWS040",
    severity: Severity::Low,
    title: "KMS keys should keep a deletion window of at least 14 days",
    fix: "Set deletion_window_in_days to 14 or more (30, KMS's default, gives the most time to cancel a mistaken deletion).",
};
pub(crate) const SECRET_CMK: Rule = Rule {
    id: "AWS041",
    severity: Severity::Low,
    title: "Secrets Manager secrets should be encrypted with a customer managed KMS key",
    fix: "Set kms_key_id to a customer managed key, so its key policy controls who can decrypt the secret.",
};
pub(crate) const SECRET_PUBLIC: Rule = Rule {
    id: "AWS042",
    severity: Severity::Critical,
    title: "Secrets Manager resource policies must not let anyone read or change the secret",
    fix: "Name the principals that need the secret, or add a condition such as aws:PrincipalOrgID or aws:SourceVpce.",
};
pub(crate) const SECRET_RECOVERY: Rule = Rule {
    id: "AWS043",
    severity: Severity::Low,
    title: "Secrets Manager secrets should be recoverable after deletion",
    fix: "Remove recovery_window_in_days = 0 (the default is 30 days), or set 7 to 30.",
};
pub(crate) const SSM_PLAINTEXT_SECRET: Rule = Rule {
    id: "AWS044",
    severity: Severity::High,
    title: "SSM parameters that hold secrets must be SecureString",
    fix: "Set type = \"SecureString\" (with key_id set to a customer managed key).",
};
pub(crate) const SSM_CMK: Rule = Rule {
    id: "AWS045",
    severity: Severity::Low,
    title: "SSM SecureString parameters should use a customer managed KMS key",
    fix: "Set key_id to a customer managed key, so its key policy controls who can decrypt the value.",
};

pub(crate) const RULES: &[&Rule] = &[
    &KMS_ROTATION,
    &KMS_PUBLIC,
    &KMS_DELETION_WINDOW,
    &SECRET_CMK,
    &SECRET_PUBLIC,
    &SECRET_RECOVERY,
    &SSM_PLAINTEXT_SECRET,
    &SSM_CMK,
];

/// The shortest deletion window `AWS040` accepts, in days.
const MIN_DELETION_WINDOW: i64 = 14;

pub(crate) fn check(ctx: &Ctx<'_>) {
    for &k in ctx.of_type("aws_kms_key") {
        rotation(ctx, k);
        report_public(ctx, &KMS_PUBLIC, k, "policy", "key");
        if let Tri::Known(days) = int_attr(&k.values, "deletion_window_in_days") {
            if days < MIN_DELETION_WINDOW {
                ctx.report(
                    &KMS_DELETION_WINDOW,
                    k,
                    ["deletion_window_in_days"],
                    format!("deletion_window_in_days = {days}: a destroyed key (and all data encrypted with it) is gone for good after {days} days."),
                );
            }
        }
    }
    for &s in ctx.of_type("aws_secretsmanager_secret") {
        secret(ctx, s);
    }
    for &p in ctx.of_type("aws_ssm_parameter") {
        parameter(ctx, p);
    }
}

/// `AWS038`: only symmetric encryption keys in AWS KMS's own key store
/// can rotate automatically.
fn rotation(ctx: &Ctx<'_>, k: &Instance) {
    let v = &k.values;
    let usage_ok = matches!(
        str_attr(v, "key_usage"),
        Tri::Absent | Tri::Known("ENCRYPT_DECRYPT")
    );
    let spec_ok = matches!(
        str_attr(v, "customer_master_key_spec"),
        Tri::Absent | Tri::Known("SYMMETRIC_DEFAULT")
    );
    let own_store = matches!(str_attr(v, "custom_key_store_id"), Tri::Absent)
        && matches!(str_attr(v, "xks_key_id"), Tri::Absent);
    if !(usage_ok && spec_ok && own_store) {
        return;
    }
    match bool_attr(v, "enable_key_rotation") {
        Tri::Known(false) => ctx.report(
            &KMS_ROTATION,
            k,
            ["enable_key_rotation"],
            "enable_key_rotation = false: the key material never changes.",
        ),
        Tri::Absent => ctx.report(
            &KMS_ROTATION,
            k,
            Vec::<String>::new(),
            "enable_key_rotation is not set (it defaults to false), so the key material never changes.",
        ),
        Tri::Known(true) | Tri::Unknown => {}
    }
}

fn secret(ctx: &Ctx<'_>, s: &Instance) {
    match str_attr(&s.values, "kms_key_id") {
        Tri::Absent => ctx.report(
            &SECRET_CMK,
            s,
            Vec::<String>::new(),
            "kms_key_id is not set, so the secret is encrypted with the AWS managed key aws/secretsmanager.",
        ),
        Tri::Known(k) if k.trim().is_empty() || is_aws_managed_key(k) => ctx.report(
            &SECRET_CMK,
            s,
            ["kms_key_id"],
            format!("kms_key_id = {k:?} is not a customer managed key."),
        ),
        _ => {}
    }
    report_public(ctx, &SECRET_PUBLIC, s, "policy", "secret");
    if int_attr(&s.values, "recovery_window_in_days") == Tri::Known(0) {
        ctx.report(
            &SECRET_RECOVERY,
            s,
            ["recovery_window_in_days"],
            "recovery_window_in_days = 0 deletes the secret at once on destroy, with no way to restore it.",
        );
    }
}

fn parameter(ctx: &Ctx<'_>, p: &Instance) {
    let v = &p.values;
    match str_attr(v, "type") {
        Tri::Known(t @ ("String" | "StringList")) => {
            if let Tri::Known(name) = str_attr(v, "name") {
                if let Some(word) = secret_word(name) {
                    ctx.report(
                        &SSM_PLAINTEXT_SECRET,
                        p,
                        ["type"],
                        format!("Parameter {name:?} looks like a secret ({word:?}) but is type {t:?}, stored and shown in plain text."),
                    );
                }
            }
        }
        Tri::Known("SecureString") => match str_attr(v, "key_id") {
            Tri::Absent => ctx.report(
                &SSM_CMK,
                p,
                Vec::<String>::new(),
                "key_id is not set, so the SecureString is encrypted with the AWS managed key alias/aws/ssm.",
            ),
            Tri::Known(k) if k.trim().is_empty() || is_aws_managed_key(k) => ctx.report(
                &SSM_CMK,
                p,
                ["key_id"],
                format!("key_id = {k:?} is not a customer managed key."),
            ),
            _ => {}
        },
        _ => {}
    }
}

/// Words of a parameter name that mark a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "tokens",
    "credential",
    "credentials",
    "apikey",
    "privatekey",
    "accesskey",
    "secretkey",
    "key",
];

/// Words that, after a secret word, make the name about the secret rather
/// than the secret itself (`db_password_arn`, `kms_key_id`, `token_ttl`).
const METADATA_WORDS: &[&str] = &[
    "id",
    "ids",
    "name",
    "names",
    "arn",
    "arns",
    "alias",
    "path",
    "ref",
    "version",
    "length",
    "len",
    "ttl",
    "expiry",
    "expiration",
    "rotation",
    "policy",
    "pair",
    "spec",
    "usage",
    "type",
    "count",
    "size",
    "url",
    "uri",
    "endpoint",
    "header",
    "field",
    "hint",
    "enabled",
];

/// The word of a parameter name (path segments split at non-alphanumeric
/// characters) that marks it as a secret, if any.
fn secret_word(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let secretish = SECRET_WORDS.contains(w)
            || ["password", "passwd", "secret"]
                .iter()
                .any(|s| w.contains(s))
            || (w.ends_with("token") && w.len() > 5);
        if !secretish {
            continue;
        }
        if words
            .get(i + 1)
            .is_some_and(|next| METADATA_WORDS.contains(next))
        {
            continue;
        }
        return Some((*w).to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::secret_word;

    #[test]
    fn secret_like_names() {
        for n in [
            "/app/db/password",
            "/app/api_key",
            "/app/key",
            "/app/github-token",
            "/prod/DB_PASSWORD",
            "/app/dbpassword",
            "/app/client_secret",
            "/app/slacktoken",
        ] {
            assert!(secret_word(n).is_some(), "{n}");
        }
        for n in [
            "/app/db/host",
            "/app/keyspace",
            "/app/monkey",
            "/app/kms_key_id",
            "/app/db_password_arn",
            "/app/token_ttl",
            "/app/key-pair-name",
            "/app/tokenizer",
        ] {
            assert!(secret_word(n).is_none(), "{n}");
        }
    }
}
