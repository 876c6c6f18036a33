//! S3 rules (`AWS011`–`AWS018`): buckets and the resources that configure
//! them, bucket policies and objects.
//!
//! A bucket's encryption, versioning, public access block and policy are
//! separate resources; they are linked to the bucket by its name (see
//! [`Links`]).

use cairn_findings::Severity;

use super::policy::{action_matches, documents, Document};
use super::{blocks, bool_attr, path, str_attr, Ctx, Links, Rule, Tri};

pub(crate) const ENCRYPTION: Rule = Rule {
    id: "AWS011",
    severity: Severity::Low,
    title: "S3 buckets should declare their default encryption",
    fix: "Add an aws_s3_bucket_server_side_encryption_configuration for the bucket, preferably with sse_algorithm = \"aws:kms\" and a customer managed key.",
};
pub(crate) const VERSIONING: Rule = Rule {
    id: "AWS012",
    severity: Severity::Medium,
    title: "S3 buckets should have versioning enabled",
    fix: "Add an aws_s3_bucket_versioning for the bucket with versioning_configuration { status = \"Enabled\" }.",
};
pub(crate) const NO_PUBLIC_ACCESS_BLOCK: Rule = Rule {
    id: "AWS013",
    severity: Severity::Low,
    title: "S3 buckets should have a public access block",
    fix: "Add an aws_s3_bucket_public_access_block for the bucket with all four settings true.",
};
pub(crate) const PUBLIC_ACCESS_BLOCK_OFF: Rule = Rule {
    id: "AWS014",
    severity: Severity::Medium,
    title: "S3 public access blocks should turn on all four settings",
    fix: "Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets to true.",
};
pub(crate) const POLICY_PUBLIC_READ: Rule = Rule {
    id: "AWS015",
    severity: Severity::High,
    title: "S3 bucket policies must not let anyone read the bucket",
    fix: "Name the principals that need access instead of \"*\", or add a condition (aws:SourceVpce, aws:PrincipalOrgID, aws:SourceArn for CloudFront); serve public content through CloudFront with origin access control.",
};
pub(crate) const POLICY_PUBLIC_WRITE: Rule = Rule {
    id: "AWS016",
    severity: Severity::Critical,
    title: "S3 bucket policies must not let anyone write, delete or reconfigure",
    fix: "Remove the statement, or name the principals that need write access instead of \"*\".",
};
pub(crate) const TLS: Rule = Rule {
    id: "AWS017",
    severity: Severity::Medium,
    title: "S3 buckets should refuse requests that do not use TLS",
    fix: "Add a bucket policy statement that denies s3:* to every principal when aws:SecureTransport is false.",
};
pub(crate) const OBJECT_PUBLIC_ACL: Rule = Rule {
    id: "AWS018",
    severity: Severity::High,
    title: "S3 objects must not have a public canned ACL",
    fix: "Remove acl (or set acl = \"private\"), keep the bucket's object ownership at BucketOwnerEnforced, and share objects through CloudFront or presigned URLs.",
};

pub(crate) const RULES: &[&Rule] = &[
    &ENCRYPTION,
    &VERSIONING,
    &NO_PUBLIC_ACCESS_BLOCK,
    &PUBLIC_ACCESS_BLOCK_OFF,
    &POLICY_PUBLIC_READ,
    &POLICY_PUBLIC_WRITE,
    &TLS,
    &OBJECT_PUBLIC_ACL,
];

/// A bucket is named by its `bucket` (and `id`, the same name).
const BUCKET_KEYS: &[&str] = &["bucket", "id"];

pub(crate) fn check(ctx: &Ctx<'_>) {
    buckets(ctx);
    versioning(ctx);
    public_access_blocks(ctx);
    bucket_policies(ctx);
    objects(ctx);
}

fn buckets(ctx: &Ctx<'_>) {
    let buckets = ctx.of_type("aws_s3_bucket");
    if buckets.is_empty() {
        return;
    }
    let enc = Links::new(
        ctx.of_type("aws_s3_bucket_server_side_encryption_configuration"),
        "bucket",
    );
    let ver = Links::new(ctx.of_type("aws_s3_bucket_versioning"), "bucket");
    let pab = Links::new(ctx.of_type("aws_s3_bucket_public_access_block"), "bucket");
    let pol = Links::new(ctx.of_type("aws_s3_bucket_policy"), "bucket");
    let none = Vec::<String>::new;
    for &b in buckets {
        if enc.of(b, BUCKET_KEYS).is_empty() {
            ctx.report(
                &ENCRYPTION,
                b,
                none(),
                "This bucket has no aws_s3_bucket_server_side_encryption_configuration; objects get only S3's default SSE-S3 encryption, with no key you control.",
            );
        }
        if ver.of(b, BUCKET_KEYS).is_empty() {
            ctx.report(
                &VERSIONING,
                b,
                none(),
                "This bucket has no aws_s3_bucket_versioning, so overwritten or deleted objects cannot be recovered.",
            );
        }
        if pab.of(b, BUCKET_KEYS).is_empty() {
            ctx.report(
                &NO_PUBLIC_ACCESS_BLOCK,
                b,
                none(),
                "This bucket has no aws_s3_bucket_public_access_block, so nothing in the configuration stops a public ACL or policy.",
            );
        }
        if pol.of(b, BUCKET_KEYS).is_empty() {
            ctx.report(
                &TLS,
                b,
                none(),
                "This bucket has no bucket policy denying requests without TLS (aws:SecureTransport = false).",
            );
        }
    }
}

/// `AWS012` on a versioning resource that suspends or disables it.
fn versioning(ctx: &Ctx<'_>) {
    for &v in ctx.of_type("aws_s3_bucket_versioning") {
        let Some(cfgs) = blocks(&v.values, "versioning_configuration") else {
            continue;
        };
        for (i, c) in cfgs.iter().enumerate() {
            if let Tri::Known(status) = str_attr(c, "status") {
                if status != "Enabled" {
                    ctx.report(
                        &VERSIONING,
                        v,
                        path(["versioning_configuration", &i.to_string(), "status"]),
                        format!("Versioning status is {status:?}, not \"Enabled\", so overwritten or deleted objects cannot be recovered."),
                    );
                }
            }
        }
    }
}

const PAB_FLAGS: &[(&str, &str)] = &[
    (
        "block_public_acls",
        "requests that add public ACLs to the bucket or its objects are accepted",
    ),
    (
        "block_public_policy",
        "a bucket policy granting public access can be attached",
    ),
    (
        "ignore_public_acls",
        "public ACLs on the bucket and its objects still grant access",
    ),
    (
        "restrict_public_buckets",
        "a public bucket policy still grants access to anyone",
    ),
];

fn public_access_blocks(ctx: &Ctx<'_>) {
    for &p in ctx.of_type("aws_s3_bucket_public_access_block") {
        for (flag, effect) in PAB_FLAGS {
            match bool_attr(&p.values, flag) {
                Tri::Known(false) => ctx.report(
                    &PUBLIC_ACCESS_BLOCK_OFF,
                    p,
                    [*flag],
                    format!("{flag} = false: {effect}."),
                ),
                Tri::Absent => ctx.report(
                    &PUBLIC_ACCESS_BLOCK_OFF,
                    p,
                    Vec::<String>::new(),
                    format!("{flag} is not set (it defaults to false): {effect}."),
                ),
                Tri::Known(true) | Tri::Unknown => {}
            }
        }
    }
}

/// S3 actions that change or remove data or the bucket's protection.
const S3_WRITES: &[&str] = &[
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectRetention",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:RestoreObject",
    "s3:ReplicateObject",
    "s3:AbortMultipartUpload",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:DeleteBucket",
];

/// Whether an action pattern allows writing (`s3:*`, `s3:Put*`,
/// `s3:DeleteObject`, `*`, any `s3:Put…`/`s3:Delete…` name).
fn is_write(pattern: &str) -> bool {
    if S3_WRITES.iter().any(|w| action_matches(pattern, w)) {
        return true;
    }
    let p = pattern.trim().to_ascii_lowercase();
    let Some(name) = p.strip_prefix("s3:") else {
        return false;
    };
    [
        "put",
        "delete",
        "create",
        "replicate",
        "restore",
        "abort",
        "bypass",
        "update",
    ]
    .iter()
    .any(|w| name.starts_with(w))
}

/// Whether a document denies requests made without TLS.
fn denies_plain_http(doc: &Document) -> bool {
    doc.statements.iter().any(|s| {
        s.effect == super::policy::Effect::Deny
            && s.conditions.iter().flatten().any(|c| {
                let test = c.test.to_ascii_lowercase();
                (test.starts_with("bool")
                    && c.key.eq_ignore_ascii_case("aws:SecureTransport")
                    && c.values.iter().any(|v| v.eq_ignore_ascii_case("false")))
                    || (test.starts_with("numericlessthan")
                        && c.key.eq_ignore_ascii_case("s3:TlsVersion"))
            })
    })
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bucket_policies(ctx: &Ctx<'_>) {
    for &p in ctx.of_type("aws_s3_bucket_policy") {
        let docs = documents(ctx, p, p.attr("policy"));
        if docs.is_empty() {
            continue;
        }
        for doc in &docs {
            for (i, st) in doc.statements.iter().enumerate() {
                let Some(actions) = st.public_allow() else {
                    continue;
                };
                let writes: Vec<String> = actions.iter().filter(|a| is_write(a)).cloned().collect();
                let label = st.label(i);
                if writes.is_empty() {
                    ctx.report(
                        &POLICY_PUBLIC_READ,
                        p,
                        ["policy"],
                        format!(
                            "{label} lets anyone (Principal \"*\") do {} without a condition.",
                            quote_list(actions)
                        ),
                    );
                } else {
                    ctx.report(
                        &POLICY_PUBLIC_WRITE,
                        p,
                        ["policy"],
                        format!(
                            "{label} lets anyone (Principal \"*\") do {} without a condition.",
                            quote_list(&writes)
                        ),
                    );
                }
            }
        }
        if !docs.iter().any(denies_plain_http) {
            ctx.report(
                &TLS,
                p,
                ["policy"],
                "The bucket policy has no statement denying requests without TLS (aws:SecureTransport = false).",
            );
        }
    }
}

fn objects(ctx: &Ctx<'_>) {
    for &o in ctx.of_type("aws_s3_object") {
        if let Tri::Known(acl) = str_attr(&o.values, "acl") {
            let who = match acl {
                "public-read" => "anyone can read this object",
                "public-read-write" => "anyone can read and overwrite this object",
                "authenticated-read" => "any AWS account can read this object",
                _ => continue,
            };
            ctx.report(
                &OBJECT_PUBLIC_ACL,
                o,
                ["acl"],
                format!("acl = {acl:?}: {who}."),
            );
        }
    }
}
