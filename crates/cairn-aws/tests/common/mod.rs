//! Test harness: a real moto server per test, the provider configured
//! against it, SDK clients for out-of-band changes, and the plan/apply
//! steps the engine performs.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use cairn_aws::AwsFactory;
use cairn_moto::Moto;
use cairn_provider::{
    empty_object, proposed_new, ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderFactory,
    Schema,
};
use cairn_value::{Type, Value};

pub struct Env {
    pub moto: Moto,
    pub provider: Arc<dyn Provider>,
    pub sdk: SdkConfig,
}

pub fn s(v: &str) -> Value {
    Value::string(v)
}

pub fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::map(
        Type::String,
        pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect(),
    )
}

pub fn strings(items: &[&str]) -> Value {
    Value::list(Type::String, items.iter().map(|x| s(x)).collect())
}

pub fn string_set(items: &[&str]) -> Value {
    Value::set(Type::String, items.iter().map(|x| s(x)).collect())
}

/// An object of `schema`'s type: every attribute null, every block
/// empty, then `attrs`.
pub fn obj(schema: &Schema, attrs: &[(&str, Value)]) -> Value {
    let mut m = empty_object(schema);
    for (k, v) in attrs {
        assert!(m.contains_key(*k), "test bug: no attribute {k}");
        m.insert(k.to_string(), v.clone());
    }
    Value::object(m)
}

/// The provider block: static dummy credentials, region us-east-1, every
/// service pointed at moto, one retry (moto answers unimplemented
/// operations with HTTP 500, which must fail fast, not be retried).
pub fn provider_config(endpoint: &str, default_tags: &[(&str, &str)]) -> Value {
    let f = AwsFactory::new();
    let ps = f.schema().provider.clone();
    let ep_schema = &ps.blocks["endpoints"].block;
    let endpoints = obj(
        ep_schema,
        &[
            ("ec2", s(endpoint)),
            ("s3", s(endpoint)),
            ("iam", s(endpoint)),
            ("sts", s(endpoint)),
            ("kms", s(endpoint)),
            ("dynamodb", s(endpoint)),
            ("secretsmanager", s(endpoint)),
            ("ssm", s(endpoint)),
            ("logs", s(endpoint)),
            ("cloudwatch", s(endpoint)),
            ("sns", s(endpoint)),
        ],
    );
    let dt_schema = &ps.blocks["default_tags"].block;
    let mut attrs = vec![
        ("region", s("us-east-1")),
        ("access_key", s("test")),
        ("secret_key", s("test")),
        ("max_retries", Value::int(1)),
        (
            "endpoints",
            Value::list(ep_schema.implied_type(), vec![endpoints]),
        ),
    ];
    if !default_tags.is_empty() {
        attrs.push((
            "default_tags",
            Value::list(
                dt_schema.implied_type(),
                vec![obj(dt_schema, &[("tags", tags(default_tags))])],
            ),
        ));
    }
    obj(&ps, &attrs)
}

pub async fn env() -> Env {
    env_with_default_tags(&[("Environment", "test")]).await
}

pub async fn env_with_default_tags(default_tags: &[(&str, &str)]) -> Env {
    let moto = Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let ep = moto.endpoint();
    let provider = AwsFactory::new()
        .configure(&provider_config(&ep, default_tags))
        .await
        .unwrap_or_else(|e| panic!("configure: {e} {:?}", e.hint));
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&ep)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .load()
        .await;
    Env {
        moto,
        provider,
        sdk,
    }
}

impl Env {
    pub fn schema(&self, type_name: &str) -> Schema {
        self.provider.schema().resources[type_name].block.clone()
    }

    pub fn config(&self, type_name: &str, attrs: &[(&str, Value)]) -> Value {
        obj(&self.schema(type_name), attrs)
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk)
    }
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk)
                .force_path_style(true)
                .build(),
        )
    }
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk)
    }
    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.sdk)
    }
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }
    pub fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk)
    }
    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.sdk)
    }
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk)
    }
    pub fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.sdk)
    }
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.sdk)
    }

    pub async fn plan(
        &self,
        type_name: &str,
        prior: Option<&Value>,
        config: &Value,
    ) -> PlanResponse {
        let schema = self.schema(type_name);
        self.provider
            .plan(PlanRequest {
                type_name: type_name.into(),
                prior: prior.cloned(),
                config: config.clone(),
                proposed: proposed_new(&schema, prior, config),
            })
            .await
            .unwrap_or_else(|e| panic!("plan {type_name}: {e} {:?}", e.hint))
    }

    /// Plans and applies a create; checks the new state keeps every value
    /// the plan knew.
    pub async fn create(&self, type_name: &str, config: &Value) -> Value {
        let plan = self.plan(type_name, None, config).await;
        let state = self
            .provider
            .apply(ApplyRequest {
                type_name: type_name.into(),
                prior: None,
                planned: Some(plan.planned.clone()),
                config: config.clone(),
                idempotency_key: None,
            })
            .await
            .unwrap_or_else(|e| panic!("create {type_name}: {e} {:?}", e.hint));
        assert!(
            state.is_wholly_known(),
            "{type_name}: state has unknowns: {state:?}"
        );
        assert_known_equal(type_name, &plan.planned, &state);
        state
    }

    /// Plans and applies an in-place update; checks it is not a
    /// replacement and the state keeps every planned value.
    pub async fn update(&self, type_name: &str, prior: &Value, config: &Value) -> Value {
        let plan = self.plan(type_name, Some(prior), config).await;
        assert!(
            plan.requires_replace.is_empty(),
            "{type_name}: expected an in-place update, got replacement of {:?}",
            plan.requires_replace
        );
        let state = self
            .provider
            .apply(ApplyRequest {
                type_name: type_name.into(),
                prior: Some(prior.clone()),
                planned: Some(plan.planned.clone()),
                config: config.clone(),
                idempotency_key: None,
            })
            .await
            .unwrap_or_else(|e| panic!("update {type_name}: {e} {:?}", e.hint));
        assert_known_equal(type_name, &plan.planned, &state);
        state
    }

    /// Re-plans with the state as prior: must be no change.
    pub async fn assert_no_changes(&self, type_name: &str, state: &Value, config: &Value) {
        let plan = self.plan(type_name, Some(state), config).await;
        assert!(
            plan.requires_replace.is_empty(),
            "{type_name}: replace {:?}",
            plan.requires_replace
        );
        assert_same(type_name, state, &plan.planned);
    }

    /// Plans a change that must force replacement of `attr`.
    pub async fn assert_replaces(
        &self,
        type_name: &str,
        state: &Value,
        config: &Value,
        attr: &str,
    ) {
        let plan = self.plan(type_name, Some(state), config).await;
        let paths: Vec<String> = plan
            .requires_replace
            .iter()
            .map(|p| format!("{p:?}"))
            .collect();
        assert!(
            paths.iter().any(|p| p.contains(&format!("\"{attr}\""))),
            "{type_name}: expected {attr} to force replacement, got {paths:?}"
        );
    }

    pub async fn read(&self, type_name: &str, state: &Value) -> Option<Value> {
        self.provider
            .read(type_name, state)
            .await
            .unwrap_or_else(|e| panic!("read {type_name}: {e} {:?}", e.hint))
    }

    pub async fn import(&self, type_name: &str, id: &str) -> Value {
        self.provider
            .import(type_name, id)
            .await
            .unwrap_or_else(|e| panic!("import {type_name} {id}: {e} {:?}", e.hint))
    }

    pub async fn delete(&self, type_name: &str, state: &Value) {
        let out = self
            .provider
            .apply(ApplyRequest {
                type_name: type_name.into(),
                prior: Some(state.clone()),
                planned: None,
                config: Value::dynamic_null(),
                idempotency_key: None,
            })
            .await
            .unwrap_or_else(|e| panic!("delete {type_name}: {e} {:?}", e.hint));
        assert!(out.is_null());
    }
}

/// Every attribute known in `planned` has the same value in `state`.
pub fn assert_known_equal(what: &str, planned: &Value, state: &Value) {
    let (Some(p), Some(s)) = (planned.as_entries(), state.as_entries()) else {
        panic!("{what}: not objects");
    };
    for (k, pv) in p {
        if !pv.is_wholly_known() {
            continue;
        }
        let sv = s
            .get(k)
            .unwrap_or_else(|| panic!("{what}: state lacks {k}"));
        assert!(
            pv.raw_equal(sv) || (pv.is_null() && sv.is_null()),
            "{what}.{k}: planned {pv:?}, got {sv:?}"
        );
    }
}

/// Two states are equal attribute by attribute (with a readable message).
pub fn assert_same(what: &str, a: &Value, b: &Value) {
    let (Some(x), Some(y)) = (a.as_entries(), b.as_entries()) else {
        panic!("{what}: not objects");
    };
    for (k, xv) in x {
        let yv = y.get(k).unwrap_or_else(|| panic!("{what}: lacks {k}"));
        assert!(xv.raw_equal(yv), "{what}.{k}: {xv:?} != {yv:?}");
    }
    assert_eq!(x.len(), y.len(), "{what}: attribute sets differ");
}

pub fn get<'a>(v: &'a Value, k: &str) -> &'a Value {
    v.get_attr(k).unwrap_or_else(|| panic!("no attribute {k}"))
}

pub fn str_attr(v: &Value, k: &str) -> String {
    get(v, k)
        .as_str()
        .unwrap_or_else(|| panic!("{k} is not a string: {:?}", get(v, k)))
        .to_string()
}

pub fn tag_map(v: &Value, k: &str) -> BTreeMap<String, String> {
    get(v, k)
        .as_entries()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
