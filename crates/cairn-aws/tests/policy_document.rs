//! `aws_iam_policy_document` renders byte for byte what the Terraform AWS
//! provider renders. Expected strings are the provider documentation's
//! examples, except that statements without a `sid` have no `"Sid": ""`
//! line: the provider stopped writing empty Sids in v5.0.0 (pull request
//! 28539) and some of its documentation examples predate that.

mod common;

use std::sync::Arc;

use cairn_aws::AwsFactory;
use cairn_provider::{Provider, ProviderFactory, Schema};
use cairn_value::{Type, Value};
use common::{obj, s, string_set, strings};

async fn provider() -> Arc<dyn Provider> {
    let f = AwsFactory::new();
    let ps = f.schema().provider.clone();
    // No AWS calls are needed: the document is computed locally.
    let config = obj(
        &ps,
        &[
            ("region", s("us-east-1")),
            ("access_key", s("test")),
            ("secret_key", s("test")),
            ("skip_credentials_validation", Value::bool(true)),
        ],
    );
    f.configure(&config).await.unwrap_or_else(|e| panic!("{e}"))
}

fn schema(p: &Arc<dyn Provider>) -> Schema {
    p.schema().data_sources["aws_iam_policy_document"]
        .block
        .clone()
}

struct Stmt<'a> {
    sid: Option<&'a str>,
    effect: Option<&'a str>,
    actions: &'a [&'a str],
    resources: &'a [&'a str],
    principals: &'a [(&'a str, &'a [&'a str])],
    conditions: &'a [(&'a str, &'a str, &'a [&'a str])],
}

const EMPTY: Stmt<'static> = Stmt {
    sid: None,
    effect: None,
    actions: &[],
    resources: &[],
    principals: &[],
    conditions: &[],
};

fn statement(schema: &Schema, st: &Stmt) -> Value {
    let b = &schema.blocks["statement"].block;
    let pb = &b.blocks["principals"].block;
    let cb = &b.blocks["condition"].block;
    let mut attrs = Vec::new();
    if let Some(x) = st.sid {
        attrs.push(("sid", s(x)));
    }
    if let Some(x) = st.effect {
        attrs.push(("effect", s(x)));
    }
    if !st.actions.is_empty() {
        attrs.push(("actions", string_set(st.actions)));
    }
    if !st.resources.is_empty() {
        attrs.push(("resources", string_set(st.resources)));
    }
    let principals: Vec<Value> = st
        .principals
        .iter()
        .map(|(t, ids)| obj(pb, &[("type", s(t)), ("identifiers", string_set(ids))]))
        .collect();
    attrs.push(("principals", Value::set(pb.implied_type(), principals)));
    let conditions: Vec<Value> = st
        .conditions
        .iter()
        .map(|(t, v, vals)| {
            obj(
                cb,
                &[
                    ("test", s(t)),
                    ("variable", s(v)),
                    ("values", strings(vals)),
                ],
            )
        })
        .collect();
    attrs.push(("condition", Value::set(cb.implied_type(), conditions)));
    obj(b, &attrs)
}

fn document(schema: &Schema, stmts: &[Stmt], extra: &[(&str, Value)]) -> Value {
    let b = &schema.blocks["statement"].block;
    let mut attrs: Vec<(&str, Value)> = vec![(
        "statement",
        Value::list(
            b.implied_type(),
            stmts.iter().map(|x| statement(schema, x)).collect(),
        ),
    )];
    attrs.extend(extra.iter().cloned());
    obj(schema, &attrs)
}

async fn render(p: &Arc<dyn Provider>, config: &Value) -> Value {
    p.read_data("aws_iam_policy_document", config)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn json(p: &Arc<dyn Provider>, config: &Value) -> String {
    render(p, config)
        .await
        .get_attr("json")
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("json")
}

fn docs(list: &[&str]) -> Value {
    Value::list(Type::String, list.iter().map(|x| s(x)).collect())
}

#[tokio::test]
async fn multiple_condition_keys() {
    let p = provider().await;
    let sc = schema(&p);
    let config = document(
        &sc,
        &[Stmt {
            actions: &["kms:Decrypt", "kms:GenerateDataKey"],
            resources: &["*"],
            conditions: &[
                (
                    "ForAnyValue:StringEquals",
                    "kms:EncryptionContext:service",
                    &["pi"],
                ),
                (
                    "ForAnyValue:StringEquals",
                    "kms:EncryptionContext:aws:pi:service",
                    &["rds"],
                ),
            ],
            ..EMPTY
        }],
        &[],
    );
    assert_eq!(
        json(&p, &config).await,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "kms:GenerateDataKey",
        "kms:Decrypt"
      ],
      "Resource": "*",
      "Condition": {
        "ForAnyValue:StringEquals": {
          "kms:EncryptionContext:aws:pi:service": "rds",
          "kms:EncryptionContext:service": "pi"
        }
      }
    }
  ]
}"#
    );
}

#[tokio::test]
async fn multiple_condition_keys_and_values() {
    let p = provider().await;
    let sc = schema(&p);
    let config = document(
        &sc,
        &[Stmt {
            actions: &["kms:Decrypt", "kms:GenerateDataKey"],
            resources: &["*"],
            conditions: &[
                (
                    "ForAnyValue:StringEquals",
                    "kms:EncryptionContext:service",
                    &["pi"],
                ),
                (
                    "ForAnyValue:StringEquals",
                    "kms:EncryptionContext:aws:pi:service",
                    &["rds"],
                ),
                (
                    "ForAnyValue:StringEquals",
                    "kms:EncryptionContext:aws:rds:db-id",
                    &[
                        "db-AAAAABBBBBCCCCCDDDDDEEEEE",
                        "db-EEEEEDDDDDCCCCCBBBBBAAAAA",
                    ],
                ),
            ],
            ..EMPTY
        }],
        &[],
    );
    assert_eq!(
        json(&p, &config).await,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "kms:GenerateDataKey",
        "kms:Decrypt"
      ],
      "Resource": "*",
      "Condition": {
        "ForAnyValue:StringEquals": {
          "kms:EncryptionContext:aws:pi:service": "rds",
          "kms:EncryptionContext:aws:rds:db-id": [
            "db-AAAAABBBBBCCCCCDDDDDEEEEE",
            "db-EEEEEDDDDDCCCCCBBBBBAAAAA"
          ],
          "kms:EncryptionContext:service": "pi"
        }
      }
    }
  ]
}"#
    );
}

#[tokio::test]
async fn basic_example_with_policy_variables() {
    let p = provider().await;
    let sc = schema(&p);
    let config = document(
        &sc,
        &[
            Stmt {
                sid: Some("1"),
                actions: &["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
                resources: &["arn:aws:s3:::*"],
                ..EMPTY
            },
            Stmt {
                actions: &["s3:ListBucket"],
                resources: &["arn:aws:s3:::mybucket"],
                conditions: &[(
                    "StringLike",
                    "s3:prefix",
                    &["", "home/", "home/&{aws:username}/"],
                )],
                ..EMPTY
            },
            Stmt {
                actions: &["s3:*"],
                resources: &[
                    "arn:aws:s3:::mybucket/home/&{aws:username}",
                    "arn:aws:s3:::mybucket/home/&{aws:username}/*",
                ],
                ..EMPTY
            },
        ],
        &[],
    );
    let out = render(&p, &config).await;
    let pretty = out
        .get_attr("json")
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("json");
    assert_eq!(
        pretty,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "1",
      "Effect": "Allow",
      "Action": [
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::mybucket",
      "Condition": {
        "StringLike": {
          "s3:prefix": [
            "",
            "home/",
            "home/${aws:username}/"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::mybucket/home/${aws:username}/*",
        "arn:aws:s3:::mybucket/home/${aws:username}"
      ]
    }
  ]
}"#
    );
    let minified = out
        .get_attr("minified_json")
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("minified");
    assert_eq!(
        minified,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"1","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::mybucket","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}},{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::mybucket/home/${aws:username}/*","arn:aws:s3:::mybucket/home/${aws:username}"]}]}"#
    );
    // The ID is the CRC-32 of the pretty JSON, in decimal.
    let id = out
        .get_attr("id")
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("id");
    assert!(id.parse::<u32>().is_ok(), "{id}");
}

#[tokio::test]
async fn principals_assume_role_policy() {
    let p = provider().await;
    let sc = schema(&p);
    let config = document(
        &sc,
        &[Stmt {
            actions: &["sts:AssumeRole"],
            principals: &[
                ("Service", &["firehose.amazonaws.com"]),
                (
                    "AWS",
                    &[
                        "arn:aws:iam::123456789012:role/a",
                        "arn:aws:iam::123456789012:role/b",
                    ],
                ),
                (
                    "Federated",
                    &[
                        "arn:aws:iam::123456789012:saml-provider/x",
                        "cognito-identity.amazonaws.com",
                    ],
                ),
            ],
            ..EMPTY
        }],
        &[],
    );
    assert_eq!(
        json(&p, &config).await,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Principal": {
        "AWS": [
          "arn:aws:iam::123456789012:role/b",
          "arn:aws:iam::123456789012:role/a"
        ],
        "Federated": [
          "cognito-identity.amazonaws.com",
          "arn:aws:iam::123456789012:saml-provider/x"
        ],
        "Service": "firehose.amazonaws.com"
      }
    }
  ]
}"#
    );
    // type = "*" with identifiers ["*"] is the bare "*" principal.
    let star = document(
        &sc,
        &[Stmt {
            effect: Some("Deny"),
            actions: &["s3:*"],
            resources: &["*"],
            principals: &[("*", &["*"])],
            ..EMPTY
        }],
        &[],
    );
    assert_eq!(
        json(&p, &star).await,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Deny",
      "Action": "s3:*",
      "Resource": "*",
      "Principal": "*"
    }
  ]
}"#
    );
}

#[tokio::test]
async fn source_and_override_documents() {
    let p = provider().await;
    let sc = schema(&p);
    let source = json(
        &p,
        &document(
            &sc,
            &[
                Stmt {
                    actions: &["ec2:*"],
                    resources: &["*"],
                    ..EMPTY
                },
                Stmt {
                    sid: Some("SidToOverride"),
                    actions: &["s3:*"],
                    resources: &["*"],
                    ..EMPTY
                },
            ],
            &[],
        ),
    )
    .await;
    let with_source = document(
        &sc,
        &[Stmt {
            sid: Some("SidToOverride"),
            actions: &["s3:*"],
            resources: &["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"],
            ..EMPTY
        }],
        &[("source_policy_documents", docs(&[&source]))],
    );
    assert_eq!(
        json(&p, &with_source).await,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "SidToOverride",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::somebucket/*",
        "arn:aws:s3:::somebucket"
      ]
    }
  ]
}"#
    );

    let override_doc = json(
        &p,
        &document(
            &sc,
            &[Stmt {
                sid: Some("SidToOverride"),
                actions: &["s3:*"],
                resources: &["*"],
                ..EMPTY
            }],
            &[],
        ),
    )
    .await;
    let with_override = document(
        &sc,
        &[
            Stmt {
                actions: &["ec2:*"],
                resources: &["*"],
                ..EMPTY
            },
            Stmt {
                sid: Some("SidToOverride"),
                actions: &["s3:*"],
                resources: &["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"],
                ..EMPTY
            },
        ],
        &[("override_policy_documents", docs(&[&override_doc]))],
    );
    assert_eq!(
        json(&p, &with_override).await,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "SidToOverride",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*"
    }
  ]
}"#
    );

    // Both, and no statements of its own ("politik" in the docs).
    let src = json(
        &p,
        &document(
            &sc,
            &[Stmt {
                sid: Some("OverridePlaceholder"),
                actions: &["ec2:DescribeAccountAttributes"],
                resources: &["*"],
                ..EMPTY
            }],
            &[],
        ),
    )
    .await;
    let ovr = json(
        &p,
        &document(
            &sc,
            &[Stmt {
                sid: Some("OverridePlaceholder"),
                actions: &["s3:GetObject"],
                resources: &["*"],
                ..EMPTY
            }],
            &[],
        ),
    )
    .await;
    let politik = document(
        &sc,
        &[],
        &[
            ("source_policy_documents", docs(&[&src])),
            ("override_policy_documents", docs(&[&ovr])),
        ],
    );
    assert_eq!(
        json(&p, &politik).await,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OverridePlaceholder",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    }
  ]
}"#
    );

    // Overrides apply in order; later Sids win (the docs' "combined").
    let one = json(
        &p,
        &document(
            &sc,
            &[Stmt {
                sid: Some("OverridePlaceHolderOne"),
                effect: Some("Allow"),
                actions: &["s3:*"],
                resources: &["*"],
                ..EMPTY
            }],
            &[],
        ),
    )
    .await;
    let two = json(
        &p,
        &document(
            &sc,
            &[
                Stmt {
                    effect: Some("Allow"),
                    actions: &["ec2:*"],
                    resources: &["*"],
                    ..EMPTY
                },
                Stmt {
                    sid: Some("OverridePlaceHolderTwo"),
                    effect: Some("Allow"),
                    actions: &["iam:*"],
                    resources: &["*"],
                    ..EMPTY
                },
            ],
            &[],
        ),
    )
    .await;
    let three = json(
        &p,
        &document(
            &sc,
            &[Stmt {
                sid: Some("OverridePlaceHolderOne"),
                effect: Some("Deny"),
                actions: &["logs:*"],
                resources: &["*"],
                ..EMPTY
            }],
            &[],
        ),
    )
    .await;
    let combined = document(
        &sc,
        &[Stmt {
            sid: Some("OverridePlaceHolderTwo"),
            effect: Some("Deny"),
            actions: &["*"],
            resources: &["*"],
            ..EMPTY
        }],
        &[("override_policy_documents", docs(&[&one, &two, &three]))],
    );
    assert_eq!(
        json(&p, &combined).await,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OverridePlaceHolderTwo",
      "Effect": "Allow",
      "Action": "iam:*",
      "Resource": "*"
    },
    {
      "Sid": "OverridePlaceHolderOne",
      "Effect": "Deny",
      "Action": "logs:*",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    }
  ]
}"#
    );

    // Duplicate Sids across source documents are refused.
    let dup = document(
        &sc,
        &[],
        &[("source_policy_documents", docs(&[&src, &src]))],
    );
    let err = p
        .read_data("aws_iam_policy_document", &dup)
        .await
        .expect_err("duplicate sid");
    assert!(
        err.detail.contains("duplicate Sid (OverridePlaceholder)"),
        "{}",
        err.detail
    );
}

#[tokio::test]
async fn escaping_and_empty_document() {
    let p = provider().await;
    let sc = schema(&p);
    let config = document(
        &sc,
        &[Stmt {
            actions: &["s3:GetObject"],
            resources: &["*"],
            conditions: &[("StringEquals", "aws:UserAgent", &["a<b>&c"])],
            ..EMPTY
        }],
        &[("policy_id", s("my-policy")), ("version", s("2012-10-17"))],
    );
    assert_eq!(
        json(&p, &config).await,
        r#"{
  "Version": "2012-10-17",
  "Id": "my-policy",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "aws:UserAgent": "a\u003cb\u003e\u0026c"
        }
      }
    }
  ]
}"#
    );
    let empty = document(&sc, &[], &[]);
    assert_eq!(
        json(&p, &empty).await,
        "{\n  \"Version\": \"2012-10-17\"\n}"
    );
}
