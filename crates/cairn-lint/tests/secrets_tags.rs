//! The secret scanner and the tag policy on hand-built models.
//!
//! Test credentials are generated at run time from a fixed seed, so this
//! file holds no token that a secret scanner would (rightly) complain
//! about, and no real credential.

use std::collections::BTreeMap;
use std::time::Instant;

use cairn_findings::{Finding, Severity};
use cairn_lint::tags::{TagPolicy, TagPolicyError};
use cairn_lint::{secrets, tags, Instance, Model};
use cairn_value::{Type, Value};

// ---------------------------------------------------------------- helpers

fn s(x: &str) -> Value {
    Value::string(x)
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn smap(pairs: &[(&str, &str)]) -> Value {
    Value::map(
        Type::String,
        pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect(),
    )
}

fn unknown_map() -> Value {
    Value::unknown(Type::map(Type::String))
}

fn inst(address: &str, values: Value) -> Instance {
    let type_name = if address.starts_with("provider") {
        "provider".to_string()
    } else {
        address.split('.').next().unwrap_or_default().to_string()
    };
    Instance {
        address: address.into(),
        resource: address.into(),
        type_name,
        values,
        dependencies: vec![],
        taggable: true,
    }
}

fn scan(instances: Vec<Instance>) -> Vec<Finding> {
    let mut out = Vec::new();
    secrets::check(&Model { instances }, &mut out);
    out
}

fn scan_one(address: &str, values: Value) -> Vec<Finding> {
    scan(vec![inst(address, values)])
}

/// Deterministic pseudo-random characters from `alphabet`.
fn random(alphabet: &str, len: usize, seed: u64) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chars[(x % chars.len() as u64) as usize]
        })
        .collect()
}

const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The finding's rule, path and severity.
fn summary(f: &Finding) -> (String, String, Severity) {
    (f.rule_id.clone(), f.path_display(), f.severity)
}

/// No eight consecutive characters of `secret` appear in the message.
fn assert_redacted(findings: &[Finding], secret: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for f in findings {
        for w in chars.windows(8.min(chars.len())) {
            let w: String = w.iter().collect();
            assert!(
                !f.message.contains(&w),
                "message {:?} shows part of the secret ({w:?})",
                f.message
            );
        }
        assert!(!f.fix.contains(secret));
    }
}

fn aws_key_id(seed: u64) -> String {
    format!("AKIA{}", random(UPPER_DIGITS, 16, seed))
}

fn aws_secret(seed: u64) -> String {
    // Real secret keys mix cases and digits; make sure this one does too.
    format!("aZ9{}", random(BASE64, 37, seed))
}

fn pem_key(seed: u64) -> (String, String) {
    let body: Vec<String> = (0..6).map(|i| random(BASE64, 64, seed + i)).collect();
    let body = body.join("\n");
    let begin = format!("-----BEGIN RSA {}-----", "PRIVATE KEY");
    let end = format!("-----END RSA {}-----", "PRIVATE KEY");
    (format!("{begin}\n{body}\n{end}\n"), body)
}

// ------------------------------------------------------------- SECRET001

#[test]
fn secret001_private_key_anywhere() {
    let (pem, body) = pem_key(1);
    let got = scan_one(
        "local_file.key",
        obj(&[("content", s(&pem)), ("filename", s("key.pem"))]),
    );
    assert_eq!(
        got.iter().map(summary).collect::<Vec<_>>(),
        [(
            "SECRET001".to_string(),
            "content".to_string(),
            Severity::Critical
        )]
    );
    assert_eq!(got[0].address.as_deref(), Some("local_file.key"));
    assert!(
        got[0].message.contains("RSA PRIVATE KEY"),
        "{}",
        got[0].message
    );
    assert_redacted(&got, &body);
}

#[test]
fn secret001_not_for_public_keys_or_a_header_in_prose() {
    let public = format!("ssh-ed25519 {} me@host", random(BASE64, 68, 2));
    let prose = format!(
        "paste the key, starting with -----BEGIN {}-----, into the form",
        "PRIVATE KEY"
    );
    let got = scan_one(
        "aws_key_pair.me",
        obj(&[("public_key", s(&public)), ("description", s(&prose))]),
    );
    assert!(got.is_empty(), "{got:#?}");
}

// ------------------------------------------------------- SECRET002 / 003

#[test]
fn secret002_and_003_aws_keys_in_a_provider_configuration() {
    let id = aws_key_id(3);
    let secret = aws_secret(4);
    let got = scan_one(
        "provider.aws",
        obj(&[
            ("region", s("eu-west-1")),
            ("access_key", s(&id)),
            ("secret_key", s(&secret)),
        ]),
    );
    let mut got_s: Vec<_> = got.iter().map(summary).collect();
    got_s.sort();
    assert_eq!(
        got_s,
        [
            (
                "SECRET002".to_string(),
                "secret_key".to_string(),
                Severity::Critical
            ),
            (
                "SECRET003".to_string(),
                "access_key".to_string(),
                Severity::High
            ),
        ]
    );
    assert_redacted(&got, &id[4..]);
    assert_redacted(&got, &secret);
    let id_msg = got
        .iter()
        .find(|f| f.rule_id == "SECRET003")
        .map(|f| f.message.clone());
    assert_eq!(
        id_msg.as_deref(),
        Some("access_key holds an AWS access key ID (AKIA…)")
    );
}

#[test]
fn secret002_in_text_and_in_a_json_environment() {
    let secret = aws_secret(5);
    let text = format!("[default]\naws_secret_access_key = {secret}\n");
    let containers = format!(
        r#"[{{"name":"app","environment":[{{"name":"REGION","value":"eu-west-1"}},{{"name":"AWS_SECRET_ACCESS_KEY","value":"{secret}"}}]}}]"#
    );
    let got = scan_one(
        "aws_ecs_task_definition.app",
        obj(&[
            ("container_definitions", s(&containers)),
            ("family", s(&text)),
        ]),
    );
    let mut got_s: Vec<_> = got.iter().map(summary).collect();
    got_s.sort();
    assert_eq!(
        got_s,
        [
            (
                "SECRET002".to_string(),
                "container_definitions[0].environment[1].value".to_string(),
                Severity::Critical
            ),
            (
                "SECRET002".to_string(),
                "family".to_string(),
                Severity::Critical
            ),
        ]
    );
    let env = got
        .iter()
        .find(|f| f.path.len() > 1)
        .map(|f| f.message.clone())
        .unwrap_or_default();
    assert!(env.contains("(AWS_SECRET_ACCESS_KEY)"), "{env}");
    assert_redacted(&got, &secret);
}

#[test]
fn aws_keys_not_flagged_when_sensitive_example_or_placeholder() {
    let got = scan_one(
        "provider.aws",
        obj(&[
            ("access_key", s(&aws_key_id(6)).marked()),
            ("secret_key", s(&aws_secret(7)).marked()),
            ("token", Value::unknown(Type::String)),
        ]),
    );
    assert!(got.is_empty(), "{got:#?}");
    // The documentation's example keys and an obvious filler.
    let example_id = format!("AKIA{}", "IOSFODNN7EXAMPLE");
    let example_secret = format!("wJalrXUtnFEMI/K7MDENG/bPxRfiCY{}", "EXAMPLEKEY");
    let got = scan_one(
        "provider.aws",
        obj(&[
            ("access_key", s(&example_id)),
            ("secret_key", s(&example_secret)),
            ("profile", s(&format!("AKIA{}", "X".repeat(16)))),
        ]),
    );
    assert!(got.is_empty(), "{got:#?}");
}

#[test]
fn a_sensitive_parent_covers_its_children() {
    let got = scan_one(
        "aws_lambda_function.f",
        obj(&[(
            "environment",
            Value::list(
                Type::Dynamic,
                vec![obj(&[(
                    "variables",
                    smap(&[("AWS_ACCESS_KEY_ID", &aws_key_id(8)), ("DB_PASSWORD", "x1")]),
                )])
                .marked()],
            ),
        )]),
    );
    assert!(got.is_empty(), "{got:#?}");
}

// ------------------------------------------------- SECRET004 .. SECRET008

#[test]
fn secret004_to_008_tokens_by_format() {
    let github = format!("ghp_{}", random(ALNUM, 36, 10));
    let github_pat = format!(
        "github_pat_{}_{}",
        random(ALNUM, 22, 11),
        random(ALNUM, 59, 12)
    );
    let slack = format!(
        "xoxb-{}-{}-{}",
        random("0123456789", 12, 13),
        random("0123456789", 13, 14),
        random(ALNUM, 24, 15)
    );
    let webhook = format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        random(UPPER_DIGITS, 8, 16),
        random(UPPER_DIGITS, 10, 17),
        random(ALNUM, 24, 18)
    );
    let stripe = format!("{}_live_{}", "sk", random(ALNUM, 24, 19));
    let google = format!("AIza{}", random(ALNUM, 35, 20));
    let jwt = format!(
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{}",
        random(ALNUM, 43, 21)
    );
    let got = scan_one(
        "aws_lambda_function.f",
        obj(&[(
            "environment",
            Value::list(
                Type::Dynamic,
                vec![obj(&[(
                    "variables",
                    smap(&[
                        ("GH", &github),
                        ("GH_FINE", &github_pat),
                        ("SLACK", &slack),
                        ("HOOK", &webhook),
                        ("PAYMENTS", &stripe),
                        ("MAPS", &google),
                        ("SESSION", &jwt),
                    ]),
                )])],
            ),
        )]),
    );
    let mut got_s: Vec<_> = got.iter().map(summary).collect();
    got_s.sort();
    let p = |k: &str| format!("environment[0].variables.{k}");
    assert_eq!(
        got_s,
        [
            ("SECRET004".to_string(), p("GH"), Severity::High),
            ("SECRET004".to_string(), p("GH_FINE"), Severity::High),
            ("SECRET005".to_string(), p("HOOK"), Severity::High),
            ("SECRET005".to_string(), p("SLACK"), Severity::High),
            ("SECRET006".to_string(), p("PAYMENTS"), Severity::High),
            ("SECRET007".to_string(), p("MAPS"), Severity::Medium),
            ("SECRET008".to_string(), p("SESSION"), Severity::Medium),
        ]
    );
    for secret in [&github, &github_pat, &slack, &stripe, &google, &jwt] {
        assert_redacted(&got, &secret[4..]);
    }
    assert_redacted(&got, &webhook[33..]);
    let gh = got
        .iter()
        .find(|f| f.path.last().map(String::as_str) == Some("GH"))
        .map(|f| f.message.clone());
    assert_eq!(
        gh.as_deref(),
        Some("environment[0].variables.GH holds a GitHub token (ghp_…)")
    );
}

#[test]
fn secret004_to_008_not_for_fillers_test_keys_or_unsigned_tokens() {
    let got = scan_one(
        "aws_lambda_function.f",
        obj(&[
            ("description", s(&format!("ghp_{}", "x".repeat(36)))),
            ("handler", s("xoxb-your-token-here")),
            ("runtime", s(&format!("sk_test_{}", random(ALNUM, 24, 22)))),
            ("role", s(&format!("AIza{}", random(ALNUM, 10, 23)))),
            (
                "layers",
                Value::list(
                    Type::String,
                    vec![s("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.")],
                ),
            ),
        ]),
    );
    assert!(got.is_empty(), "{got:#?}");
}

// ------------------------------------------------------------- SECRET009

#[test]
fn secret009_any_literal_password_even_changeme() {
    let got = scan_one(
        "aws_db_instance.db",
        obj(&[
            ("password", s("changeme")),
            ("username", s("admin")),
            ("engine", s("postgres")),
        ]),
    );
    assert_eq!(
        got.iter().map(summary).collect::<Vec<_>>(),
        [(
            "SECRET009".to_string(),
            "password".to_string(),
            Severity::High
        )]
    );
    assert_eq!(got[0].message, "password is a literal password");
    assert_redacted(&got, "changeme");
    assert!(!got[0].message.contains("chan"));
    assert!(got[0].fix.contains("sensitive = true"), "{}", got[0].fix);
}

#[test]
fn secret009_password_names_in_nested_blocks_and_name_value_pairs() {
    let got = scan_one(
        "aws_elastic_beanstalk_environment.e",
        obj(&[(
            "setting",
            Value::set(
                Type::Dynamic,
                vec![
                    obj(&[
                        (
                            "namespace",
                            s("aws:elasticbeanstalk:application:environment"),
                        ),
                        ("name", s("DB_PASSWORD")),
                        ("value", s("hunter2")),
                    ]),
                    obj(&[
                        (
                            "namespace",
                            s("aws:elasticbeanstalk:application:environment"),
                        ),
                        ("name", s("DB_HOST")),
                        ("value", s("db.internal")),
                    ]),
                ],
            ),
        )]),
    );
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].rule_id, "SECRET009");
    assert!(
        got[0].message.contains("(DB_PASSWORD)"),
        "{}",
        got[0].message
    );
    assert_redacted(&got, "hunter2");
}

#[test]
fn secret009_not_for_sensitive_unknown_empty_references_or_other_names() {
    let got = scan_one(
        "aws_db_instance.db",
        obj(&[
            ("password", s("from-a-variable").marked()),
            ("master_password", Value::unknown(Type::String)),
            ("admin_password", s("")),
            ("db_password", Value::null(Type::String)),
            (
                "root_password",
                s("{{resolve:secretsmanager:db:SecretString:pw}}"),
            ),
            ("password_length", s("16")),
            ("password_reset_required", s("true")),
            ("manage_master_user_password", Value::bool(true)),
        ]),
    );
    assert!(got.is_empty(), "{got:#?}");
}

// ------------------------------------------------------------- SECRET010

#[test]
fn secret010_random_literal_in_a_secret_attribute() {
    let key = random(ALNUM, 32, 30);
    let token = random("0123456789abcdef", 40, 31);
    let got = scan(vec![
        inst("provider.datadog", obj(&[("api_key", s(&key))])),
        inst(
            "aws_secretsmanager_secret_version.v",
            obj(&[(
                "secret_string",
                s(&format!(r#"{{"client_secret":"{token}"}}"#)),
            )]),
        ),
    ]);
    let mut got_s: Vec<_> = got.iter().map(summary).collect();
    got_s.sort();
    assert_eq!(
        got_s,
        [
            (
                "SECRET010".to_string(),
                "api_key".to_string(),
                Severity::High
            ),
            (
                "SECRET010".to_string(),
                "secret_string.client_secret".to_string(),
                Severity::High
            ),
        ]
    );
    assert_redacted(&got, &key[4..]);
    assert_redacted(&got, &token[4..]);
}

#[test]
fn secret010_not_for_names_ids_arns_uuids_hashes_or_words() {
    let uuid = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";
    let sha1 = random("0123456789abcdef", 40, 32);
    let got = scan_one(
        "aws_instance.web",
        obj(&[
            ("token", s("prod-api-token-2024")),
            ("api_key_name", s(&random(ALNUM, 32, 33))),
            (
                "secret_arn",
                s("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"),
            ),
            ("kms_key_id", s(uuid)),
            ("request_id", s(uuid)),
            ("ami", s("ami-0a1b2c3d4e5f67890")),
            ("user_data", s(&sha1)),
            ("etag", s(&random(ALNUM, 32, 34))),
            ("source_code_hash", s(&random(BASE64, 44, 35))),
            ("output_base64sha256", s(&random(BASE64, 44, 36))),
            ("creation_token", s(&random(ALNUM, 24, 37))),
            ("secret_path", s("/run/secrets/db/very-long-path-name-x1")),
            ("private_key_file", s("~/.ssh/id_ed25519_deploy_key_2024")),
            (
                "credentials_url",
                s("https://vault.internal/v1/creds/Ab12Cd34Ef56"),
            ),
        ]),
    );
    assert!(got.is_empty(), "{got:#?}");
}

// ------------------------------------------------------------- SECRET011

#[test]
fn secret011_password_in_a_url() {
    let got = scan_one(
        "aws_ecs_task_definition.app",
        obj(&[(
            "container_definitions",
            s(
                r#"[{"name":"app","environment":[{"name":"DATABASE_URL","value":"postgres://admin:S3cretPw@db.internal:5432/app"}]}]"#,
            ),
        )]),
    );
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].rule_id, "SECRET011");
    assert!(
        got[0]
            .message
            .contains("holds a URL with a password (postgres://admin:…@db.internal:5432)"),
        "{}",
        got[0].message
    );
    assert_redacted(&got, "S3cretPw");
}

#[test]
fn secret011_not_for_templates_or_urls_without_password() {
    let got = scan_one(
        "aws_instance.web",
        obj(&[
            ("a", s("postgres://admin:${DB_PASSWORD}@db.internal/app")),
            ("b", s("https://example.com/path?q=1")),
            ("c", s("git::ssh://git@example.com/org/repo.git")),
            ("d", s("redis://db.internal:6379")),
        ]),
    );
    assert!(got.is_empty(), "{got:#?}");
}

#[test]
fn secret_rules_metadata() {
    let rules = secrets::rules();
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "SECRET001",
            "SECRET002",
            "SECRET003",
            "SECRET004",
            "SECRET005",
            "SECRET006",
            "SECRET007",
            "SECRET008",
            "SECRET009",
            "SECRET010",
            "SECRET011"
        ]
    );
    for r in &rules {
        assert_eq!(r.category, cairn_findings::Category::Secrets);
        assert_eq!(
            r.help.as_deref(),
            Some(format!("docs/rules.md#{}", r.id.to_ascii_lowercase()).as_str())
        );
    }
}

// ------------------------------------------------------------------ tags

fn policy(required: &[&str], allowed: &[(&str, &str)]) -> TagPolicy {
    let allowed: BTreeMap<String, String> = allowed
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match TagPolicy::new(required.iter().map(|s| s.to_string()).collect(), allowed) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn check_tags(instances: Vec<Instance>, p: &TagPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    tags::check(&Model { instances }, p, &mut out);
    out
}

#[test]
fn tag001_missing_required_tags() {
    let p = policy(&["owner", "team"], &[]);
    let got = check_tags(
        vec![
            inst("aws_vpc.a", obj(&[("tags", smap(&[("Name", "a")]))])),
            inst("aws_vpc.b", obj(&[("tags", smap(&[("owner", "me")]))])),
            inst(
                "aws_vpc.c",
                obj(&[("tags", Value::null(Type::map(Type::String)))]),
            ),
            inst(
                "aws_vpc.ok",
                obj(&[("tags", smap(&[("owner", "me"), ("team", "net")]))]),
            ),
        ],
        &p,
    );
    let got: Vec<_> = got
        .iter()
        .map(|f| {
            (
                f.rule_id.as_str(),
                f.address.as_deref().unwrap_or_default(),
                f.path_display(),
                f.severity,
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "TAG001",
                "aws_vpc.a",
                "tags".to_string(),
                Severity::Medium,
                "missing required tags: owner, team"
            ),
            (
                "TAG001",
                "aws_vpc.b",
                "tags".to_string(),
                Severity::Medium,
                "missing required tag: team"
            ),
            (
                "TAG001",
                "aws_vpc.c",
                "tags".to_string(),
                Severity::Medium,
                "missing required tags: owner, team"
            ),
        ]
    );
}

#[test]
fn tag001_default_tags_count_through_tags_all() {
    let p = policy(&["owner", "team"], &[]);
    let got = check_tags(
        vec![
            // Own tags lack both; default_tags supply them.
            inst(
                "aws_subnet.a",
                obj(&[
                    ("tags", Value::null(Type::map(Type::String))),
                    ("tags_all", smap(&[("owner", "me"), ("team", "net")])),
                ]),
            ),
            // tags_all is authoritative: what it lacks is missing.
            inst(
                "aws_subnet.b",
                obj(&[
                    ("tags", smap(&[("Name", "b")])),
                    ("tags_all", smap(&[("Name", "b"), ("owner", "me")])),
                ]),
            ),
        ],
        &p,
    );
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].address.as_deref(), Some("aws_subnet.b"));
    assert_eq!(got[0].message, "missing required tag: team");
}

#[test]
fn tags_unknown_report_nothing_and_non_taggable_are_skipped() {
    let p = policy(&["owner"], &[("env", "dev|prod")]);
    let mut not_taggable = inst("aws_route.r", obj(&[]));
    not_taggable.taggable = false;
    let got = check_tags(
        vec![
            // The whole map unknown.
            inst("aws_vpc.a", obj(&[("tags", unknown_map())])),
            inst(
                "aws_vpc.b",
                obj(&[("tags", unknown_map()), ("tags_all", unknown_map())]),
            ),
            // tags_all unknown: a tag missing from `tags` may come from
            // default_tags.
            inst(
                "aws_vpc.c",
                obj(&[
                    ("tags", smap(&[("Name", "c")])),
                    ("tags_all", unknown_map()),
                ]),
            ),
            // A known key with an unknown value counts as present and is
            // not matched.
            inst(
                "aws_vpc.d",
                obj(&[(
                    "tags",
                    Value::map(
                        Type::String,
                        [
                            ("owner".to_string(), s("me")),
                            ("env".to_string(), Value::unknown(Type::String)),
                        ]
                        .into_iter()
                        .collect(),
                    ),
                )]),
            ),
            not_taggable,
        ],
        &p,
    );
    assert!(got.is_empty(), "{got:#?}");
}

#[test]
fn tag002_values_must_match_the_whole_pattern() {
    let p = policy(
        &[],
        &[("env", "dev|staging|prod"), ("cost-center", r"\d{4}")],
    );
    let got = check_tags(
        vec![
            inst(
                "aws_vpc.a",
                obj(&[(
                    "tags",
                    smap(&[("env", "production"), ("cost-center", "12345")]),
                )]),
            ),
            inst(
                "aws_vpc.ok",
                obj(&[("tags", smap(&[("env", "prod"), ("cost-center", "0042")]))]),
            ),
            // From default_tags, through tags_all.
            inst(
                "aws_vpc.b",
                obj(&[
                    ("tags", smap(&[("Name", "b")])),
                    ("tags_all", smap(&[("Name", "b"), ("env", "qa")])),
                ]),
            ),
            // tags_all unknown: the known own tags are still judged.
            inst(
                "aws_vpc.c",
                obj(&[
                    ("tags", smap(&[("env", "prd")])),
                    ("tags_all", unknown_map()),
                ]),
            ),
        ],
        &p,
    );
    let got: Vec<_> = got
        .iter()
        .map(|f| {
            (
                f.rule_id.as_str(),
                f.address.as_deref().unwrap_or_default(),
                f.path_display(),
                f.severity,
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "TAG002",
                "aws_vpc.a",
                "tags.cost-center".to_string(),
                Severity::Medium,
                r#"tag cost-center = "12345" does not match the allowed pattern \d{4}"#
            ),
            (
                "TAG002",
                "aws_vpc.a",
                "tags.env".to_string(),
                Severity::Medium,
                r#"tag env = "production" does not match the allowed pattern dev|staging|prod"#
            ),
            (
                "TAG002",
                "aws_vpc.b",
                "tags.env".to_string(),
                Severity::Medium,
                r#"tag env = "qa" (from the provider's default_tags) does not match the allowed pattern dev|staging|prod"#
            ),
            (
                "TAG002",
                "aws_vpc.c",
                "tags.env".to_string(),
                Severity::Medium,
                r#"tag env = "prd" does not match the allowed pattern dev|staging|prod"#
            ),
        ]
    );
}

#[test]
fn tag002_does_not_show_a_sensitive_value() {
    let p = policy(&[], &[("owner", "[a-z]+")]);
    let tags = Value::map(
        Type::String,
        [("owner".to_string(), s("Secret Person").marked())]
            .into_iter()
            .collect(),
    );
    let got = check_tags(vec![inst("aws_vpc.a", obj(&[("tags", tags)]))], &p);
    assert_eq!(got.len(), 1);
    assert!(!got[0].message.contains("Secret"), "{}", got[0].message);
    assert!(got[0].message.contains("(sensitive)"), "{}", got[0].message);
}

#[test]
fn an_invalid_pattern_is_an_error_up_front() {
    let allowed: BTreeMap<String, String> = [("env".to_string(), "(dev|prod".to_string())]
        .into_iter()
        .collect();
    let err: TagPolicyError = match TagPolicy::new(vec![], allowed) {
        Ok(_) => panic!("an unclosed group must be rejected"),
        Err(e) => e,
    };
    assert_eq!(err.tag, "env");
    assert!(err.reason.contains("unclosed group"), "{}", err.reason);
}

// ------------------------------------------------------------ both, at scale

#[test]
fn ten_thousand_instances_are_checked_quickly() {
    let mut instances = Vec::with_capacity(10_000);
    for i in 0..10_000u64 {
        let id = format!("{i:05}");
        instances.push(inst(
            &format!("aws_instance.web[{i}]"),
            obj(&[
                ("ami", s("ami-0a1b2c3d4e5f67890")),
                ("instance_type", s("t3.micro")),
                ("user_data", s(&random("0123456789abcdef", 40, i))),
                (
                    "subnet_id",
                    s(&format!("subnet-{}", random("0123456789abcdef", 17, i + 1))),
                ),
                (
                    "tags",
                    smap(&[
                        ("Name", id.as_str()),
                        ("env", if i % 2 == 0 { "prod" } else { "qa" }),
                    ]),
                ),
                (
                    "tags_all",
                    smap(&[("Name", id.as_str()), ("env", "prod"), ("owner", "me")]),
                ),
                (
                    "root_block_device",
                    Value::list(
                        Type::Dynamic,
                        vec![obj(&[
                            ("volume_size", Value::int(8)),
                            ("encrypted", Value::bool(true)),
                        ])],
                    ),
                ),
                (
                    "description",
                    s("a web server behind the load balancer, nothing secret here"),
                ),
            ]),
        ));
    }
    let model = Model { instances };
    let p = policy(&["owner", "team"], &[("env", "dev|prod")]);
    let start = Instant::now();
    let mut out = Vec::new();
    secrets::check(&model, &mut out);
    tags::check(&model, &p, &mut out);
    let took = start.elapsed();
    // Every instance lacks `team`; env is judged on tags_all (prod), not on
    // the own tags.
    assert_eq!(out.iter().filter(|f| f.rule_id == "TAG001").count(), 10_000);
    assert_eq!(out.len(), 10_000, "{:#?}", &out[..out.len().min(3)]);
    // Unoptimized test builds are several times slower than release; the
    // bound catches anything worse than linear.
    assert!(took.as_secs_f64() < 5.0, "took {took:?}");
    eprintln!("secrets + tags on 10,000 instances: {took:?}");
}
