//! The provider configuration (`provider "aws" { ... }`) and the SDK
//! clients built from it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{
    EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles,
};
use cairn_provider::{Attribute, NestedBlock, Nesting, ProviderError, Schema};
use cairn_value::{Type, Value};

use crate::util::{bool_of, i64_of, map_of, str_of, strings_of};

/// Service names accepted in the `endpoints` block: the Terraform AWS
/// provider's names for the services configurations commonly override
/// (the SDK-backed ones cairn uses are wired up; the rest are accepted so
/// existing configurations validate).
pub(crate) const ENDPOINT_SERVICES: &[&str] = &[
    "accessanalyzer",
    "acm",
    "acmpca",
    "amp",
    "apigateway",
    "apigatewayv2",
    "appautoscaling",
    "appconfig",
    "appsync",
    "athena",
    "autoscaling",
    "backup",
    "batch",
    "bedrock",
    "budgets",
    "ce",
    "cloudformation",
    "cloudfront",
    "cloudtrail",
    "cloudwatch",
    "cloudwatchevents",
    "cloudwatchlog",
    "cloudwatchlogs",
    "codebuild",
    "codecommit",
    "codedeploy",
    "codepipeline",
    "cognitoidentity",
    "cognitoidp",
    "configservice",
    "datasync",
    "dax",
    "directconnect",
    "dms",
    "docdb",
    "ds",
    "dynamodb",
    "ebs",
    "ec2",
    "ecr",
    "ecrpublic",
    "ecs",
    "efs",
    "eks",
    "elasticache",
    "elasticbeanstalk",
    "elasticsearch",
    "elb",
    "elbv2",
    "emr",
    "es",
    "events",
    "firehose",
    "glacier",
    "globalaccelerator",
    "glue",
    "guardduty",
    "iam",
    "identitystore",
    "inspector2",
    "iot",
    "kafka",
    "kinesis",
    "kinesisanalyticsv2",
    "kms",
    "lakeformation",
    "lambda",
    "lightsail",
    "logs",
    "memorydb",
    "mq",
    "neptune",
    "networkfirewall",
    "opensearch",
    "organizations",
    "pipes",
    "pricing",
    "ram",
    "rds",
    "redshift",
    "redshiftdata",
    "resourcegroups",
    "resourcegroupstaggingapi",
    "route53",
    "route53domains",
    "route53resolver",
    "s3",
    "s3api",
    "s3control",
    "sagemaker",
    "scheduler",
    "schemas",
    "secretsmanager",
    "securityhub",
    "servicediscovery",
    "servicequotas",
    "ses",
    "sesv2",
    "sfn",
    "shield",
    "sns",
    "sqs",
    "ssm",
    "sso",
    "ssoadmin",
    "stepfunctions",
    "sts",
    "swf",
    "synthetics",
    "timestreamwrite",
    "transcribe",
    "transfer",
    "waf",
    "wafregional",
    "wafv2",
    "xray",
];

/// Other names the provider accepts for a service (`s3api` for `s3`).
fn endpoint_alias(name: &str) -> &str {
    match name {
        "s3api" => "s3",
        "cloudwatchlog" | "cloudwatchlogs" => "logs",
        "cloudwatchevents" | "eventbridge" => "events",
        "stepfunctions" => "sfn",
        "es" | "elasticsearchservice" => "opensearch",
        other => other,
    }
}

fn s(d: &str) -> Attribute {
    Attribute::optional(Type::String, d)
}
fn b(d: &str) -> Attribute {
    Attribute::optional(Type::Bool, d)
}
fn single(block: Schema) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
    }
}

/// The provider block's schema, as the Terraform AWS provider's.
pub(crate) fn provider_schema() -> Schema {
    let mut endpoints = Schema::new("Custom endpoint URLs, per service (for local AWS-API servers such as moto, or VPC endpoints).");
    for name in ENDPOINT_SERVICES {
        endpoints = endpoints.attr(name, s("Endpoint URL of this service."));
    }
    let assume_role = Schema::new("A role to assume with the base credentials.")
        .attr("role_arn", s("ARN of the IAM role to assume."))
        .attr(
            "session_name",
            s("Session name to use when assuming the role."),
        )
        .attr(
            "external_id",
            s("External identifier to use when assuming the role."),
        )
        .attr(
            "duration",
            s("Duration of the assumed role session, e.g. `1h`."),
        )
        .attr(
            "policy",
            s("IAM policy JSON further restricting the session."),
        )
        .attr(
            "policy_arns",
            Attribute::optional(
                Type::set(Type::String),
                "ARNs of IAM policies restricting the session.",
            ),
        )
        .attr("source_identity", s("Source identity of the session."))
        .attr(
            "tags",
            Attribute::optional(Type::map(Type::String), "Session tags."),
        )
        .attr(
            "transitive_tag_keys",
            Attribute::optional(
                Type::set(Type::String),
                "Session tag keys passed on to subsequent sessions.",
            ),
        );
    let web_identity = Schema::new("A role to assume with a web identity token.")
        .attr("role_arn", s("ARN of the IAM role to assume."))
        .attr("session_name", s("Session name."))
        .attr("web_identity_token", s("The OAuth 2.0 / OIDC token."))
        .attr("web_identity_token_file", s("File containing the token."))
        .attr("duration", s("Duration of the session."))
        .attr(
            "policy",
            s("IAM policy JSON further restricting the session."),
        )
        .attr(
            "policy_arns",
            Attribute::optional(
                Type::set(Type::String),
                "ARNs of IAM policies restricting the session.",
            ),
        );
    let default_tags = Schema::new("Tags applied to every resource that supports tags.").attr(
        "tags",
        Attribute::optional(
            Type::map(Type::String),
            "Resource tags to default across all resources.",
        ),
    );
    let ignore_tags = Schema::new("Tag keys the provider ignores on every resource.")
        .attr(
            "keys",
            Attribute::optional(Type::set(Type::String), "Tag keys to ignore."),
        )
        .attr(
            "key_prefixes",
            Attribute::optional(Type::set(Type::String), "Tag key prefixes to ignore."),
        );
    Schema::new("The AWS provider: resources on Amazon Web Services through the official AWS SDK.")
        .attr(
            "access_key",
            s("Access key ID; defaults to the standard credential chain."),
        )
        .attr(
            "secret_key",
            s("Secret access key; defaults to the standard credential chain.").sensitive(),
        )
        .attr(
            "token",
            s("Session token for temporary credentials.").sensitive(),
        )
        .attr(
            "region",
            s("The AWS region; defaults to AWS_REGION or AWS_DEFAULT_REGION."),
        )
        .attr("profile", s("The shared configuration profile to use."))
        .attr(
            "shared_config_files",
            Attribute::optional(Type::list(Type::String), "Paths of shared config files."),
        )
        .attr(
            "shared_credentials_files",
            Attribute::optional(
                Type::list(Type::String),
                "Paths of shared credentials files.",
            ),
        )
        .attr(
            "allowed_account_ids",
            Attribute::optional(
                Type::set(Type::String),
                "The only account IDs this provider may act in.",
            ),
        )
        .attr(
            "forbidden_account_ids",
            Attribute::optional(
                Type::set(Type::String),
                "Account IDs this provider must not act in.",
            ),
        )
        .attr(
            "custom_ca_bundle",
            s("File of additional CA certificates (accepted, not yet applied)."),
        )
        .attr(
            "ec2_metadata_service_endpoint",
            s("Address of the EC2 metadata service (accepted, not yet applied)."),
        )
        .attr(
            "ec2_metadata_service_endpoint_mode",
            s("`IPv4` or `IPv6` (accepted, not yet applied)."),
        )
        .attr(
            "http_proxy",
            s("HTTP proxy URL (accepted, not yet applied)."),
        )
        .attr(
            "https_proxy",
            s("HTTPS proxy URL (accepted, not yet applied)."),
        )
        .attr(
            "no_proxy",
            s("Hosts that bypass the proxy (accepted, not yet applied)."),
        )
        .attr(
            "insecure",
            b("Skip TLS verification (accepted; not supported)."),
        )
        .attr(
            "max_retries",
            Attribute::optional(
                Type::Number,
                "Retries of a throttled or failed API call (attempts are one more).",
            ),
        )
        .attr("retry_mode", s("`standard` or `adaptive`."))
        .attr(
            "s3_use_path_style",
            b("Address S3 buckets by path (`host/bucket`), not by virtual host."),
        )
        .attr(
            "s3_us_east_1_regional_endpoint",
            s("`legacy` or `regional` (accepted)."),
        )
        .attr(
            "skip_credentials_validation",
            b("Do not call STS GetCallerIdentity when configuring."),
        )
        .attr(
            "skip_metadata_api_check",
            s("Do not use the EC2 metadata service (accepted)."),
        )
        .attr("skip_region_validation", b("Accept any region name."))
        .attr(
            "skip_requesting_account_id",
            b("Do not look up the account ID."),
        )
        .attr("sts_region", s("Region of the STS endpoint."))
        .attr(
            "token_bucket_rate_limiter_capacity",
            Attribute::optional(Type::Number, "Retry token bucket capacity (accepted)."),
        )
        .attr("use_dualstack_endpoint", b("Use dual-stack endpoints."))
        .attr("use_fips_endpoint", b("Use FIPS endpoints."))
        .block("assume_role", single(assume_role))
        .block("assume_role_with_web_identity", single(web_identity))
        .block("default_tags", single(default_tags))
        .block("endpoints", single(endpoints))
        .block("ignore_tags", single(ignore_tags))
}

/// The partition a region belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Partition {
    pub id: &'static str,
    pub dns_suffix: &'static str,
    pub reverse_dns_prefix: &'static str,
}

pub(crate) fn partition_of(region: &str) -> Partition {
    let (id, dns_suffix, reverse_dns_prefix) = if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn", "cn.com.amazonaws")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com", "com.amazonaws")
    } else if region.starts_with("us-isob-") {
        ("aws-iso-b", "sc2s.sgov.gov", "gov.sgov.sc2s")
    } else if region.starts_with("us-isof-") {
        ("aws-iso-f", "csp.hci.ic.gov", "gov.ic.hci.csp")
    } else if region.starts_with("eu-isoe-") {
        ("aws-iso-e", "cloud.adc-e.uk", "uk.adc-e.cloud")
    } else if region.starts_with("us-iso-") {
        ("aws-iso", "c2s.ic.gov", "gov.ic.c2s")
    } else if region.starts_with("eusc-") {
        ("aws-eusc", "amazonaws.eu", "eu.amazonaws")
    } else {
        ("aws", "amazonaws.com", "com.amazonaws")
    };
    Partition {
        id,
        dns_suffix,
        reverse_dns_prefix,
    }
}

/// Who the credentials belong to (STS GetCallerIdentity).
#[derive(Debug, Clone)]
pub(crate) struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
}

/// A configured provider's SDK configuration and service clients. Each
/// client is built on first use, so a configuration touching only IAM
/// never builds an EC2 client.
pub(crate) struct AwsClients {
    pub(crate) sdk: SdkConfig,
    pub(crate) region: String,
    pub(crate) partition: Partition,
    endpoints: BTreeMap<String, String>,
    s3_path_style: bool,
    pub(crate) default_tags: BTreeMap<String, String>,
    ignore_tag_keys: BTreeSet<String>,
    ignore_tag_prefixes: Vec<String>,
    clients: Clients,
    identity: tokio::sync::OnceCell<CallerIdentity>,
}

fn config_error(summary: &str, detail: impl Into<String>) -> ProviderError {
    ProviderError::new(summary, detail)
}

/// The single object of a `List`-nested, max-1 block, when present.
fn block_of<'a>(config: &'a Value, name: &str) -> Option<&'a Value> {
    config
        .get_attr(name)
        .and_then(|v| v.as_seq())
        .and_then(|s| s.first())
        .filter(|v| !v.is_null())
}

/// A region name as AWS spells them (`us-east-1`, `us-gov-west-1`).
fn plausible_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

/// Parses Terraform-style durations (`1h`, `15m`, `900s`, `1h30m`).
fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += match c {
            'h' => n * 3600,
            'm' => n * 60,
            's' => n,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    Some(Duration::from_secs(total))
}

/// One lazily built client per service, with the `endpoints` override
/// for that service (by the provider's endpoint name) applied.
macro_rules! service_clients {
    ($($field:ident: $krate:ident => $endpoint:literal),* $(,)?) => {
        #[derive(Default)]
        struct Clients {
            s3: OnceLock<aws_sdk_s3::Client>,
            $($field: OnceLock<$krate::Client>,)*
        }

        impl AwsClients {
            $(
                pub(crate) fn $field(&self) -> &$krate::Client {
                    self.clients.$field.get_or_init(|| {
                        let mut b = $krate::config::Builder::from(&self.sdk);
                        if let Some(u) = self.endpoints.get($endpoint) {
                            b = b.endpoint_url(u);
                        }
                        $krate::Client::from_conf(b.build())
                    })
                }
            )*
        }
    };
}

service_clients! {
    ec2: aws_sdk_ec2 => "ec2",
    iam: aws_sdk_iam => "iam",
    sts: aws_sdk_sts => "sts",
    kms: aws_sdk_kms => "kms",
    dynamodb: aws_sdk_dynamodb => "dynamodb",
    secretsmanager: aws_sdk_secretsmanager => "secretsmanager",
    ssm: aws_sdk_ssm => "ssm",
    logs: aws_sdk_cloudwatchlogs => "logs",
    cloudwatch: aws_sdk_cloudwatch => "cloudwatch",
    sns: aws_sdk_sns => "sns",
}

impl AwsClients {
    /// Builds the SDK configuration from a `provider "aws"` block.
    pub(crate) async fn from_config(config: &Value) -> Result<AwsClients, ProviderError> {
        // Unknown values (a provider block referring to resources not yet
        // created) read as unset, as Terraform does during plan.
        let (config, _) = config.unmark_deep();
        let config = &config;
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());

        let profile = str_of(config, "profile");
        let mut profile_files = None;
        let cfg_files = strings_of(config, "shared_config_files");
        let cred_files = strings_of(config, "shared_credentials_files");
        if !cfg_files.is_empty() || !cred_files.is_empty() {
            let mut pf = ProfileFiles::builder();
            if cfg_files.is_empty() {
                pf = pf.include_default_config_file(true);
            }
            if cred_files.is_empty() {
                pf = pf.include_default_credentials_file(true);
            }
            for f in cfg_files {
                pf = pf.with_file(ProfileFileKind::Config, expand_home(&f));
            }
            for f in cred_files {
                pf = pf.with_file(ProfileFileKind::Credentials, expand_home(&f));
            }
            profile_files = Some(pf.build());
        }

        // Region: the argument, the environment, then the shared config
        // profile (the metadata service only as the SDK's last resort).
        let mut region = str_of(config, "region")
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"));
        if region.is_none() {
            let mut p = aws_config::profile::ProfileFileRegionProvider::builder();
            if let Some(name) = &profile {
                p = p.profile_name(name);
            }
            if let Some(files) = &profile_files {
                p = p.profile_files(files.clone());
            }
            use aws_config::meta::region::ProvideRegion;
            region = p.build().region().await.map(|r| r.to_string());
        }
        let region = region.ok_or_else(|| {
            config_error(
                "No AWS region configured",
                "The aws provider needs a region: none was set in the provider block, in \
                 AWS_REGION or AWS_DEFAULT_REGION, or in the shared config profile.",
            )
            .with_hint("Add region = \"us-east-1\" (or yours) to the provider \"aws\" block, or export AWS_REGION.")
        })?;
        if !bool_of(config, "skip_region_validation").unwrap_or(false) && !plausible_region(&region)
        {
            return Err(config_error(
                "Invalid AWS region",
                format!("{region:?} is not an AWS region name (they look like \"us-east-1\")."),
            )
            .with_hint(
                "Fix the region, or set skip_region_validation = true for a custom region.",
            ));
        }

        let max_attempts = match i64_of(config, "max_retries") {
            Some(n) if n >= 0 => u32::try_from(n.saturating_add(1)).unwrap_or(u32::MAX),
            Some(_) => {
                return Err(config_error(
                    "Invalid max_retries",
                    "max_retries must be zero or more.",
                ))
            }
            // Enough to ride out throttling, short enough that a broken
            // endpoint fails within seconds.
            None => 5,
        };
        let retry = match str_of(config, "retry_mode")
            .or_else(|| env("AWS_RETRY_MODE"))
            .as_deref()
        {
            Some("adaptive") => RetryConfig::adaptive(),
            Some("standard") | None => RetryConfig::standard(),
            Some(other) => {
                return Err(config_error(
                    "Invalid retry_mode",
                    format!("retry_mode must be \"standard\" or \"adaptive\", not {other:?}."),
                ))
            }
        }
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(500))
        .with_max_backoff(Duration::from_secs(20));

        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.clone()))
            .retry_config(retry);
        if let Some(p) = &profile {
            loader = loader.profile_name(p);
        }
        if let Some(files) = profile_files {
            loader = loader.profile_files(files);
        }
        if bool_of(config, "use_fips_endpoint").unwrap_or(false) {
            loader = loader.use_fips(true);
        }
        if bool_of(config, "use_dualstack_endpoint").unwrap_or(false) {
            loader = loader.use_dual_stack(true);
        }
        match (str_of(config, "access_key"), str_of(config, "secret_key")) {
            (Some(ak), Some(sk)) => {
                let token = str_of(config, "token");
                loader = loader.credentials_provider(Credentials::new(
                    ak,
                    sk,
                    token,
                    None,
                    "cairn-provider-config",
                ));
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(config_error(
                    "Incomplete static credentials",
                    "access_key and secret_key must be set together.",
                )
                .with_hint("Set both, or neither to use the standard credential chain (environment, shared files, SSO, instance role)."));
            }
            (None, None) => {}
        }
        let mut sdk = loader.load().await;

        let mut endpoints = BTreeMap::new();
        if let Some(e) = block_of(config, "endpoints") {
            if let Some(m) = e.as_entries() {
                for (k, v) in m {
                    if let Some(url) = v.as_str().filter(|u| !u.is_empty()) {
                        endpoints.insert(endpoint_alias(k).to_string(), url.to_string());
                    }
                }
            }
        }

        if let Some(ar) = block_of(config, "assume_role") {
            if let Some(role_arn) = str_of(ar, "role_arn") {
                let mut base = sdk.clone().into_builder();
                if let Some(url) = endpoints.get("sts") {
                    base = base.endpoint_url(url);
                }
                if let Some(r) = str_of(config, "sts_region") {
                    base = base.region(Region::new(r));
                }
                let base = base.build();
                let mut b = AssumeRoleProvider::builder(role_arn).configure(&base);
                if let Some(x) = str_of(ar, "session_name") {
                    b = b.session_name(x);
                }
                if let Some(x) = str_of(ar, "external_id") {
                    b = b.external_id(x);
                }
                if let Some(x) = str_of(ar, "policy") {
                    b = b.policy(x);
                }
                let arns = strings_of(ar, "policy_arns");
                if !arns.is_empty() {
                    b = b.policy_arns(arns);
                }
                if let Some(d) = str_of(ar, "duration") {
                    let d = parse_duration(&d).ok_or_else(|| {
                        config_error(
                            "Invalid assume_role duration",
                            format!("{d:?} is not a duration such as \"1h\" or \"15m\"."),
                        )
                    })?;
                    b = b.session_length(d);
                }
                if let Some(t) = map_of(ar, "tags") {
                    b = b.tags(t);
                }
                let provider = b.build().await;
                sdk = sdk
                    .into_builder()
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                    )
                    .build();
            }
        }

        if block_of(config, "assume_role_with_web_identity")
            .is_some_and(|w| str_of(w, "role_arn").is_some())
        {
            return Err(config_error(
                "assume_role_with_web_identity is not supported yet",
                "cairn does not yet assume roles with a web identity token from the provider block.",
            )
            .with_hint("Set AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE in the environment instead: the standard credential chain uses them."));
        }

        let default_tags = block_of(config, "default_tags")
            .and_then(|d| map_of(d, "tags"))
            .unwrap_or_default();
        let ignore = block_of(config, "ignore_tags");
        let ignore_tag_keys = ignore
            .map(|i| strings_of(i, "keys"))
            .unwrap_or_default()
            .into_iter()
            .collect();
        let ignore_tag_prefixes = ignore
            .map(|i| strings_of(i, "key_prefixes"))
            .unwrap_or_default();

        // A local server (moto, MinIO) needs path-style URLs:
        // `BUCKET.127.0.0.1` does not resolve.
        let s3_path_style = bool_of(config, "s3_use_path_style").unwrap_or_else(|| {
            endpoints
                .get("s3")
                .cloned()
                .or_else(|| env("AWS_ENDPOINT_URL_S3"))
                .or_else(|| env("AWS_ENDPOINT_URL"))
                .is_some_and(|u| local_endpoint(&u))
        });
        let clients = AwsClients {
            partition: partition_of(&region),
            region,
            sdk,
            endpoints,
            s3_path_style,
            default_tags,
            ignore_tag_keys,
            ignore_tag_prefixes,
            clients: Clients::default(),
            identity: tokio::sync::OnceCell::new(),
        };

        // As Terraform does: prove the credentials work now, with a clear
        // error, rather than on the first resource.
        let validate = !bool_of(config, "skip_credentials_validation").unwrap_or(false);
        let allowed = strings_of(config, "allowed_account_ids");
        let forbidden = strings_of(config, "forbidden_account_ids");
        if validate || !allowed.is_empty() || !forbidden.is_empty() {
            let id = clients.caller_identity().await.map_err(|e| {
                let mut e = e;
                e.summary = format!("Validating the provider's AWS credentials: {}", e.summary);
                if e.hint.is_none() {
                    e.hint = Some("Check the credentials (access_key/secret_key, AWS_PROFILE, or the environment) and the sts endpoint; set skip_credentials_validation = true to skip this check.".into());
                }
                e
            })?;
            if !allowed.is_empty() && !allowed.contains(&id.account_id) {
                return Err(config_error(
                    "AWS account not allowed",
                    format!(
                        "The credentials belong to account {}, which is not in allowed_account_ids ({}).",
                        id.account_id,
                        allowed.join(", ")
                    ),
                ));
            }
            if forbidden.contains(&id.account_id) {
                return Err(config_error(
                    "AWS account forbidden",
                    format!(
                        "The credentials belong to account {}, which is in forbidden_account_ids.",
                        id.account_id
                    ),
                ));
            }
        }
        Ok(clients)
    }

    pub(crate) fn s3(&self) -> &aws_sdk_s3::Client {
        self.clients.s3.get_or_init(|| {
            let mut b =
                aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(self.s3_path_style);
            if let Some(u) = self.endpoints.get("s3") {
                b = b.endpoint_url(u);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        })
    }

    /// The caller's identity, looked up once.
    pub(crate) async fn caller_identity(&self) -> Result<&CallerIdentity, ProviderError> {
        self.identity
            .get_or_try_init(|| async {
                let out = self.sts().get_caller_identity().send().await.map_err(|e| {
                    crate::error::ApiError::from_sdk(e).into_error("calling STS GetCallerIdentity")
                })?;
                Ok(CallerIdentity {
                    account_id: out.account.unwrap_or_default(),
                    arn: out.arn.unwrap_or_default(),
                    user_id: out.user_id.unwrap_or_default(),
                })
            })
            .await
    }

    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
    pub(crate) fn arn(&self, service: &str, region: &str, account: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{region}:{account}:{resource}",
            self.partition.id
        )
    }

    /// Whether a tag key is one the provider was told to ignore.
    pub(crate) fn ignored_tag(&self, key: &str) -> bool {
        self.ignore_tag_keys.contains(key)
            || self
                .ignore_tag_prefixes
                .iter()
                .any(|p| key.starts_with(p.as_str()))
    }
}

/// Whether an endpoint URL names this machine (`localhost` or an IP).
fn local_endpoint(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
}

fn expand_home(p: &str) -> String {
    match (p.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_partitions() {
        assert!(plausible_region("us-east-1"));
        assert!(plausible_region("us-gov-west-1"));
        assert!(!plausible_region("useast1"));
        assert!(!plausible_region("US-EAST-1"));
        assert_eq!(partition_of("us-east-1").id, "aws");
        assert_eq!(partition_of("cn-north-1").dns_suffix, "amazonaws.com.cn");
        assert_eq!(partition_of("us-gov-west-1").id, "aws-us-gov");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("900s"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("15"), None);
        assert_eq!(parse_duration("1d"), None);
    }
}
