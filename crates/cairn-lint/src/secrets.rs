//! Credentials written into the configuration.
//!
//! Every known string in an instance's planned value (resources and
//! provider configurations alike) is looked at, through nested objects,
//! lists and maps, and into strings that hold JSON (an ECS task's
//! `container_definitions`, a secret's `secret_string`). A value marked
//! sensitive came from a sensitive variable or a secret store, so it is
//! not hardcoded and is skipped with everything inside it; unknown values
//! are skipped too.
//!
//! Three kinds of evidence, from strongest to weakest:
//!
//! 1. Tokens whose format gives them away, wherever they appear: private
//!    keys, AWS keys, GitHub, Slack, Stripe and Google keys, JWTs, URLs
//!    with a password.
//! 2. A password attribute (`password`, `master_password`,
//!    `DB_PASSWORD`...) with any literal value: `changeme` is still a
//!    password in the repository.
//! 3. A random-looking value (long, high Shannon entropy, not a sequence of
//!    words) in an attribute named like a secret (`secret`, `token`,
//!    `api_key`, `private_key`, `credential`).
//!
//! Attributes that hold hashes (`etag`, `source_code_hash`, `*_sha256`,
//! `user_data`, which cairn stores as its SHA-1) are not looked at, and a
//! name ending in `_arn`, `_id`, `_name`, `_length`, ... is not a secret's
//! name. A finding's message never holds the secret: at most its first
//! four characters.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use cairn_findings::{Category, Finding, RuleInfo, Severity};
use cairn_value::{Kind, Value};
use regex::Regex;

use crate::Model;

pub const PRIVATE_KEY: &str = "SECRET001";
pub const AWS_SECRET_KEY: &str = "SECRET002";
pub const AWS_ACCESS_KEY_ID: &str = "SECRET003";
pub const GITHUB_TOKEN: &str = "SECRET004";
pub const SLACK_TOKEN: &str = "SECRET005";
pub const STRIPE_KEY: &str = "SECRET006";
pub const GOOGLE_API_KEY: &str = "SECRET007";
pub const JWT: &str = "SECRET008";
pub const PASSWORD: &str = "SECRET009";
pub const GENERIC_SECRET: &str = "SECRET010";
pub const URL_PASSWORD: &str = "SECRET011";

/// Nesting deeper than this is not looked into (a guard against stack
/// exhaustion on pathological values, far beyond any real resource).
const MAX_DEPTH: usize = 64;

/// A generic secret is at least this long...
const GENERIC_MIN_LEN: usize = 16;
/// ...and at least this random (Shannon entropy, bits per character).
const GENERIC_MIN_ENTROPY: f64 = 3.3;

const STORE_FIX: &str = "move it to a variable marked sensitive = true and give the value at \
    run time (TF_VAR_name, or a var file kept out of version control); then rotate it: the \
    repository keeps the old value";

/// The secret rules' metadata.
pub fn rules() -> Vec<RuleInfo> {
    let rule = |id: &str, severity, title: &str, fix: &str| {
        RuleInfo::documented(id, Category::Secrets, severity, title, fix)
    };
    vec![
        rule(
            PRIVATE_KEY,
            Severity::Critical,
            "No private keys in the configuration",
            "keep the key out of the configuration (a variable marked sensitive = true, given \
             at run time), and replace the exposed key",
        ),
        rule(
            AWS_SECRET_KEY,
            Severity::Critical,
            "No AWS secret access keys in the configuration",
            "remove the key: let the provider use the default credential chain (environment, \
             shared profile, instance role, OIDC), or pass it in a variable marked \
             sensitive = true; deactivate the exposed key in IAM",
        ),
        rule(
            AWS_ACCESS_KEY_ID,
            Severity::High,
            "No AWS access key IDs in the configuration",
            "remove the key: let the provider use the default credential chain (environment, \
             shared profile, instance role, OIDC), or pass it in a variable marked \
             sensitive = true; deactivate the exposed key in IAM",
        ),
        rule(
            GITHUB_TOKEN,
            Severity::High,
            "No GitHub tokens in the configuration",
            &format!("revoke the token, then {STORE_FIX}"),
        ),
        rule(
            SLACK_TOKEN,
            Severity::High,
            "No Slack tokens or webhook URLs in the configuration",
            &format!("revoke the token or webhook, then {STORE_FIX}"),
        ),
        rule(
            STRIPE_KEY,
            Severity::High,
            "No Stripe live keys in the configuration",
            &format!("roll the key in the Stripe dashboard, then {STORE_FIX}"),
        ),
        rule(
            GOOGLE_API_KEY,
            Severity::Medium,
            "No Google API keys in the configuration",
            &format!("restrict or regenerate the key, then {STORE_FIX}"),
        ),
        rule(
            JWT,
            Severity::Medium,
            "No JSON Web Tokens in the configuration",
            &format!("revoke the token (or rotate its signing key), then {STORE_FIX}"),
        ),
        rule(
            PASSWORD,
            Severity::High,
            "No literal passwords in the configuration",
            &format!("{STORE_FIX}, or let the service manage it (manage_master_user_password)"),
        ),
        rule(
            GENERIC_SECRET,
            Severity::High,
            "No random-looking literals in secret attributes",
            STORE_FIX,
        ),
        rule(
            URL_PASSWORD,
            Severity::High,
            "No passwords in URLs in the configuration",
            &format!(
                "build the URL from a variable marked sensitive = true, or let the client read \
                 the password elsewhere; {}",
                "then change the password"
            ),
        ),
    ]
}

/// Reports hardcoded credentials in every instance of the model.
pub fn check(model: &Model, out: &mut Vec<Finding>) {
    let rules: HashMap<String, RuleInfo> = rules().into_iter().map(|r| (r.id.clone(), r)).collect();
    for inst in &model.instances {
        let mut scan = Scan {
            address: &inst.address,
            rules: &rules,
            seen: HashSet::new(),
            out,
        };
        let mut path = Vec::new();
        scan.value(&inst.values, None, &mut path, 0);
    }
}

struct Scan<'a> {
    address: &'a str,
    rules: &'a HashMap<String, RuleInfo>,
    /// (path, rule) already reported for this instance.
    seen: HashSet<(Vec<String>, &'static str)>,
    out: &'a mut Vec<Finding>,
}

impl Scan<'_> {
    fn value(&mut self, v: &Value, name: Option<&str>, path: &mut Vec<String>, depth: usize) {
        if depth > MAX_DEPTH || v.sensitive {
            return;
        }
        match &v.kind {
            Kind::String(s) => self.string(s, name, path, depth),
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                for (i, x) in items.iter().enumerate() {
                    path.push(i.to_string());
                    self.value(x, name, path, depth + 1);
                    path.pop();
                }
            }
            Kind::Map(_, m) | Kind::Object(m) => {
                let pair = pair_name(
                    m.get("name").and_then(Value::as_str),
                    m.contains_key("value"),
                );
                for (k, x) in m.iter() {
                    path.push(k.clone());
                    let n = if k == "value" {
                        pair.or(Some(k))
                    } else {
                        Some(k.as_str())
                    };
                    self.value(x, n, path, depth + 1);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn json(
        &mut self,
        v: &serde_json::Value,
        name: Option<&str>,
        path: &mut Vec<String>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        match v {
            serde_json::Value::String(s) => self.string(s, name, path, depth),
            serde_json::Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    path.push(i.to_string());
                    self.json(x, name, path, depth + 1);
                    path.pop();
                }
            }
            serde_json::Value::Object(m) => {
                let name_of = |keys: [&str; 4]| keys.iter().find_map(|k| m.get(*k)?.as_str());
                let has_value = m.contains_key("value") || m.contains_key("Value");
                let pair = pair_name(name_of(["name", "Name", "key", "Key"]), has_value);
                for (k, x) in m {
                    path.push(k.clone());
                    let n = if k == "value" || k == "Value" {
                        pair.or(Some(k))
                    } else {
                        Some(k.as_str())
                    };
                    self.json(x, n, path, depth + 1);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn string(&mut self, s: &str, name: Option<&str>, path: &mut Vec<String>, depth: usize) {
        let class = name.map(classify).unwrap_or(NameClass::Plain);
        if class == NameClass::Hash {
            return;
        }
        let t = s.trim();
        if t.starts_with('{') || t.starts_with('[') {
            if let Ok(j) = serde_json::from_str::<serde_json::Value>(t) {
                if j.is_object() || j.is_array() {
                    self.json(&j, name, path, depth + 1);
                    return;
                }
            }
        }
        for hit in detect(s, class) {
            if !self.seen.insert((path.clone(), hit.rule)) {
                continue;
            }
            let Some(rule) = self.rules.get(hit.rule) else {
                continue;
            };
            let f = Finding::new(rule, Some(self.address.to_string()), String::new())
                .at(path.iter().cloned());
            let shown = f.path_display();
            let message = match name {
                // The name a name/value pair gave the value (a list's
                // elements take their attribute's name, already shown).
                Some(n) if !path.iter().any(|p| p == n) => {
                    format!("{shown} ({n}) {}", hit.what)
                }
                _ => format!("{shown} {}", hit.what),
            };
            self.out.push(Finding { message, ..f });
        }
    }
}

/// The name a `{name = "DB_PASSWORD", value = "..."}` pair gives its
/// value (ECS container environments, Beanstalk settings, tag lists).
fn pair_name(name: Option<&str>, has_value: bool) -> Option<&str> {
    if has_value {
        name
    } else {
        None
    }
}

/// What an attribute's name says about its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameClass {
    /// A password: any literal is a finding.
    Password,
    /// A secret, token, key or credential: random-looking literals are.
    Secret,
    /// A hash or digest of something: never a credential.
    Hash,
    Plain,
}

const PASSWORD_WORDS: &[&str] = &["password", "passwords", "passwd", "passphrase"];

/// Last words that make a name describe something other than the secret
/// itself (`secret_arn`, `token_validity`, `password_length`).
const NOT_SECRET_LAST: &[&str] = &[
    "arn",
    "arns",
    "id",
    "ids",
    "name",
    "names",
    "length",
    "type",
    "types",
    "version",
    "versions",
    "validity",
    "units",
    "count",
    "enabled",
    "enable",
    "required",
    "path",
    "file",
    "filename",
    "ttl",
    "duration",
    "expiry",
    "expiration",
    "expires",
    "policy",
    "rotation",
    "prefix",
    "suffix",
    "url",
    "uri",
    "endpoint",
    "location",
    "header",
    "mode",
    "format",
    "algorithm",
    "region",
    "source",
    "reference",
    "ref",
    "kms",
    "parameter",
    "description",
    "status",
    "size",
    "bucket",
];

const HASH_LAST: &[&str] = &[
    "etag",
    "hash",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "base64sha256",
    "base64sha512",
    "md5",
    "base64md5",
    "checksum",
    "digest",
    "fingerprint",
];

/// Names whose "token" is an idempotency token chosen by the user.
const NOT_SECRET_NAMES: &[&str] = &["creation_token", "client_token", "idempotency_token"];

/// `masterUserPassword` / `DB-PASSWORD` -> `master_user_password` /
/// `db_password`: lower case, words joined by `_`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

fn classify(name: &str) -> NameClass {
    let norm = normalize(name);
    let mut words: Vec<&str> = norm.split('_').filter(|w| !w.is_empty()).collect();
    // `password_wo`: Terraform's write-only form of the same argument.
    if words.len() > 1 && words.last() == Some(&"wo") {
        words.pop();
    }
    let Some(last) = words.last().copied() else {
        return NameClass::Plain;
    };
    if norm == "user_data" || HASH_LAST.contains(&last) || norm.ends_with("source_code_hash") {
        return NameClass::Hash;
    }
    if PASSWORD_WORDS.contains(&last) {
        return NameClass::Password;
    }
    if NOT_SECRET_LAST.contains(&last) || NOT_SECRET_NAMES.contains(&norm.as_str()) {
        return NameClass::Plain;
    }
    let joined = words.join("_");
    let secretish = words.iter().any(|w| {
        w.starts_with("secret")
            || *w == "token"
            || *w == "tokens"
            || w.ends_with("token") && w.len() > 5
            || *w == "apikey"
            || *w == "privatekey"
            || w.starts_with("credential")
            || PASSWORD_WORDS.contains(w)
    }) || joined.contains("api_key")
        || joined.contains("private_key");
    if secretish {
        NameClass::Secret
    } else {
        NameClass::Plain
    }
}

/// One credential found in a string.
struct Hit {
    rule: &'static str,
    /// What the attribute holds, redacted: `holds a GitHub token (ghp_…)`.
    what: String,
}

struct Patterns {
    private_key: Regex,
    aws_secret_in_text: Regex,
    aws_key_id: Regex,
    github: Regex,
    slack_token: Regex,
    slack_webhook: Regex,
    stripe: Regex,
    google: Regex,
    jwt: Regex,
    url_password: Regex,
}

/// The detectors' regular expressions, compiled once. They are constants
/// (the `patterns_compile` test builds them), so compiling cannot fail at
/// run time.
static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let re = |p: &str| Regex::new(p).expect("constant pattern (see the patterns_compile test)");
    Patterns {
        private_key: re(r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----"),
        aws_secret_in_text: re(
            r#"(?i:aws_?secret_?(?:access_?)?key)["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        ),
        aws_key_id: re(r"(?:^|[^A-Za-z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?:[^A-Za-z0-9]|$)"),
        github: re(
            r"(?:^|[^A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?:[^A-Za-z0-9_]|$)",
        ),
        slack_token: re(r"(?:^|[^A-Za-z0-9])(xox[baprs]-(?:[0-9]+-)+[A-Za-z0-9]{8,}[A-Za-z0-9-]*)"),
        slack_webhook: re(
            r"https://hooks\.slack\.com/services/(T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,})",
        ),
        stripe: re(r"(?:^|[^A-Za-z0-9_])([sr]k_live_[0-9A-Za-z]{20,})"),
        google: re(r"(?:^|[^A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)"),
        jwt: re(
            r"(?:^|[^A-Za-z0-9_.-])(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})(?:[^A-Za-z0-9_.-]|$)",
        ),
        url_password: re(
            r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,20})://([^\s:/@]*):([^\s/@]+)@([^\s/?#'\x22@]+)",
        ),
    }
});

/// The credentials in `s`, a value of an attribute of class `class`.
fn detect(s: &str, class: NameClass) -> Vec<Hit> {
    let mut hits = Vec::new();
    if s.trim().is_empty() {
        return hits;
    }
    detect_tokens(s, class, &mut hits);
    if !hits.is_empty() {
        return hits;
    }
    let t = s.trim();
    match class {
        NameClass::Password if !placeholder(t) => hits.push(Hit {
            rule: PASSWORD,
            what: "is a literal password".into(),
        }),
        NameClass::Secret if looks_random(t) && !placeholder(t) => hits.push(Hit {
            rule: GENERIC_SECRET,
            what: format!(
                "holds a random-looking literal ({}, {} characters)",
                redact(t),
                t.chars().count()
            ),
        }),
        _ => {}
    }
    hits
}

/// Tokens recognised by their format, in any attribute.
fn detect_tokens(s: &str, class: NameClass, hits: &mut Vec<Hit>) {
    let p = &*PATTERNS;
    if s.contains("PRIVATE KEY") {
        if let Some(m) = p.private_key.find(s) {
            if has_key_body(&s[m.end()..]) {
                hits.push(Hit {
                    rule: PRIVATE_KEY,
                    what: format!("holds a private key ({})", m.as_str()),
                });
            }
        }
    }
    let t = s.trim();
    let aws_secret = if class == NameClass::Secret && aws_secret_shape(t) {
        Some(t)
    } else if s.len() >= 40 && contains_ignore_case(s, "secret") {
        p.aws_secret_in_text
            .captures_iter(s)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .find(|k| aws_secret_shape(k))
    } else {
        None
    };
    if let Some(k) = aws_secret {
        hits.push(Hit {
            rule: AWS_SECRET_KEY,
            what: format!("holds an AWS secret access key ({})", redact(k)),
        });
    }
    if s.contains("AKIA") || s.contains("ASIA") {
        let found = p
            .aws_key_id
            .captures_iter(s)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .find(|k| !k.contains("EXAMPLE") && entropy(&k[4..]) >= 2.5);
        if let Some(k) = found {
            hits.push(Hit {
                rule: AWS_ACCESS_KEY_ID,
                what: format!("holds an AWS access key ID ({})", head4(k)),
            });
        }
    }
    // (cheap pre-checks, pattern, rule, what, length of the fixed prefix
    // left out of the randomness check)
    let simple: [(&[&str], &Regex, &'static str, &str, usize); 5] = [
        (
            &["gh", "github_pat_"],
            &p.github,
            GITHUB_TOKEN,
            "a GitHub token",
            4,
        ),
        (&["xox"], &p.slack_token, SLACK_TOKEN, "a Slack token", 5),
        (&["_live_"], &p.stripe, STRIPE_KEY, "a Stripe live key", 8),
        (&["AIza"], &p.google, GOOGLE_API_KEY, "a Google API key", 4),
        (&["eyJ"], &p.jwt, JWT, "a JSON Web Token", 3),
    ];
    for (needles, re, rule, what, prefix) in simple {
        if !needles.iter().any(|n| s.contains(n)) {
            continue;
        }
        let found = re
            .captures_iter(s)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .find(|k| entropy(k.get(prefix..).unwrap_or(k)) >= 3.0);
        if let Some(k) = found {
            hits.push(Hit {
                rule,
                what: format!("holds {what} ({})", head4(k)),
            });
        }
    }
    if s.contains("hooks.slack.com")
        && !hits.iter().any(|h| h.rule == SLACK_TOKEN)
        && p.slack_webhook.is_match(s)
    {
        hits.push(Hit {
            rule: SLACK_TOKEN,
            what: "holds a Slack webhook URL (https://hooks.slack.com/services/…)".into(),
        });
    }
    if s.contains("://") && s.contains('@') {
        let found = p.url_password.captures_iter(s).find_map(|c| {
            let password = c.get(3)?.as_str();
            if placeholder(password) {
                return None;
            }
            Some(format!(
                "{}://{}:…@{}",
                c.get(1)?.as_str(),
                c.get(2)?.as_str(),
                c.get(4)?.as_str()
            ))
        });
        if let Some(u) = found {
            hits.push(Hit {
                rule: URL_PASSWORD,
                what: format!("holds a URL with a password ({u})"),
            });
        }
    }
}

/// True when the text after a PEM header has key material in it (not a
/// sentence that merely names the header).
fn has_key_body(rest: &str) -> bool {
    let body = rest.split("-----END").next().unwrap_or(rest);
    body.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .take(32)
        .count()
        >= 32
}

/// 40 characters of base64, mixing upper case, lower case and digits, and
/// random enough: how AWS secret access keys look.
fn aws_secret_shape(k: &str) -> bool {
    k.len() == 40
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && k.bytes().any(|b| b.is_ascii_uppercase())
        && k.bytes().any(|b| b.is_ascii_lowercase())
        && k.bytes().any(|b| b.is_ascii_digit())
        && !k.contains("EXAMPLE")
        && entropy(k) >= 4.0
}

fn contains_ignore_case(s: &str, needle: &str) -> bool {
    s.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Shannon entropy of the characters of `s`, in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts: BTreeMap<char, usize> = BTreeMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Long, without spaces, mixing character classes, random (entropy), and
/// not a sequence of words or numbers (`prod-api-token-2024`), nor an
/// ARN, URL or path.
fn looks_random(t: &str) -> bool {
    if t.chars().count() < GENERIC_MIN_LEN || t.chars().any(char::is_whitespace) {
        return false;
    }
    if t.starts_with("arn:")
        || t.contains("://")
        || t.starts_with('/')
        || t.starts_with("./")
        || t.starts_with("~/")
    {
        return false;
    }
    let classes = [
        t.bytes().any(|b| b.is_ascii_lowercase()),
        t.bytes().any(|b| b.is_ascii_uppercase()),
        t.bytes().any(|b| b.is_ascii_digit()),
    ];
    if classes.iter().filter(|c| **c).count() < 2 {
        return false;
    }
    let segments: Vec<&str> = t
        .split(['-', '_', '.', '/', ':'])
        .filter(|s| !s.is_empty())
        .collect();
    let wordy = segments.len() >= 2
        && segments.iter().all(|s| {
            s.len() <= 10
                && (s.bytes().all(|b| b.is_ascii_alphabetic())
                    || s.bytes().all(|b| b.is_ascii_digit()))
        });
    !wordy && entropy(t) >= GENERIC_MIN_ENTROPY
}

/// Values that stand for a secret instead of being one: references left
/// for another tool to fill in (`${DB_PASSWORD}`, `{{resolve:...}}`,
/// `<password>`, `%s`), masks (`********`), ARNs, and documentation
/// examples (AWS's `...EXAMPLEKEY`).
fn placeholder(t: &str) -> bool {
    t.contains("EXAMPLE")
        || t.starts_with('$')
        || t.starts_with("{{")
        || (t.starts_with('<') && t.ends_with('>'))
        || t.starts_with('%')
        || t.starts_with("arn:")
        || t.chars().all(|c| c == '*')
        || (t.len() >= 3 && t.chars().all(|c| c == 'x' || c == 'X'))
}

/// The first four characters and an ellipsis; only the ellipsis for a
/// value too short to give four characters away.
fn redact(s: &str) -> String {
    if s.chars().count() >= 16 {
        let head: String = s.chars().take(4).collect();
        format!("{head}…")
    } else {
        "…".to_string()
    }
}

/// A token's first four characters (its public prefix: `ghp_`, `AKIA`)
/// and an ellipsis.
fn head4(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        let _ = &*PATTERNS;
    }

    #[test]
    fn names_are_classified_by_their_last_word() {
        for n in [
            "password",
            "master_password",
            "DB_PASSWORD",
            "adminPassword",
            "password_wo",
            "passphrase",
        ] {
            assert_eq!(classify(n), NameClass::Password, "{n}");
        }
        for n in [
            "client_secret",
            "secret_key",
            "AWS_SECRET_ACCESS_KEY",
            "api_key",
            "apiKey",
            "APIKey",
            "auth_token",
            "accessToken",
            "private_key",
            "credentials",
            "secret_string",
            "token",
        ] {
            assert_eq!(classify(n), NameClass::Secret, "{n}");
        }
        for n in [
            "password_length",
            "password_reset_required",
            "secret_arn",
            "kms_key_id",
            "token_validity_units",
            "creation_token",
            "secret_name",
            "name",
            "description",
            "",
        ] {
            assert_eq!(classify(n), NameClass::Plain, "{n}");
        }
        for n in [
            "etag",
            "source_code_hash",
            "source_hash",
            "output_base64sha256",
            "content_sha256",
            "user_data",
            "key_fingerprint",
        ] {
            assert_eq!(classify(n), NameClass::Hash, "{n}");
        }
    }

    #[test]
    fn entropy_and_randomness() {
        assert_eq!(entropy(""), 0.0);
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
        assert!(looks_random("q8Zt2LmX9vPaR4sK7wYb"));
        assert!(looks_random("3f9a8c7e1b2d4f6a8c0e2b4d6f8a0c2e"));
        assert!(!looks_random("prod-api-token-2024"));
        assert!(!looks_random("short1A"));
        assert!(!looks_random("arn:aws:iam::123456789012:role/x"));
        assert!(!looks_random("abcdefghijklmnopqrstuvwxyz"));
        assert!(!looks_random("this has spaces 12345 ABC"));
    }

    #[test]
    fn redaction_gives_at_most_four_characters() {
        assert_eq!(redact("q8Zt2LmX9vPaR4sK7wYb"), "q8Zt…");
        assert_eq!(redact("hunter2"), "…");
        assert_eq!(head4("ghp_abcdef"), "ghp_…");
    }
}
