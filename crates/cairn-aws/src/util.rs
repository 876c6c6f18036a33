//! Small helpers: reading configuration values, building state values,
//! generated names, and waiting out eventual consistency.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use cairn_provider::{Nesting, ProviderError, Schema};
use cairn_value::{convert, Kind, Type, Value};

// ---- reading values -------------------------------------------------------

/// A known, non-null string attribute.
pub(crate) fn str_of(v: &Value, k: &str) -> Option<String> {
    v.get_attr(k).and_then(|x| x.as_str()).map(str::to_string)
}

/// A known, non-empty string attribute.
pub(crate) fn nonempty_str(v: &Value, k: &str) -> Option<String> {
    str_of(v, k).filter(|s| !s.is_empty())
}

pub(crate) fn bool_of(v: &Value, k: &str) -> Option<bool> {
    v.get_attr(k).and_then(Value::as_bool)
}

pub(crate) fn i64_of(v: &Value, k: &str) -> Option<i64> {
    v.get_attr(k)
        .and_then(|x| x.as_number())
        .and_then(|n| n.to_i64())
}

/// The known strings of a list or set attribute (empty when null).
pub(crate) fn strings_of(v: &Value, k: &str) -> Vec<String> {
    v.get_attr(k)
        .and_then(|x| x.as_seq())
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A map(string) attribute; `None` when null or unknown.
pub(crate) fn map_of(v: &Value, k: &str) -> Option<BTreeMap<String, String>> {
    let m = v.get_attr(k)?;
    if !m.is_wholly_known() {
        return None;
    }
    m.as_entries().map(|e| {
        e.iter()
            .filter_map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    })
}

/// The objects of a nested block (list or set), skipping nulls.
pub(crate) fn blocks_of<'a>(v: &'a Value, k: &str) -> Vec<&'a Value> {
    v.get_attr(k)
        .and_then(|x| x.as_seq())
        .map(|s| s.iter().filter(|x| !x.is_null()).collect())
        .unwrap_or_default()
}

/// The attributes of an object value, cloned.
pub(crate) fn entries(v: &Value) -> BTreeMap<String, Value> {
    v.as_entries().cloned().unwrap_or_default()
}

/// The `id` of a state, or an error when it has none.
pub(crate) fn id_of(v: &Value, type_name: &str) -> Result<String, ProviderError> {
    nonempty_str(v, "id").ok_or_else(|| {
        ProviderError::new(
            format!("{type_name} has no id"),
            "The state of this resource has no ID; it cannot be found in AWS.",
        )
        .with_hint("Remove it from state (cairn state rm) and import it again.")
    })
}

// ---- building values ------------------------------------------------------

pub(crate) fn sv(s: impl AsRef<str>) -> Value {
    Value::string(s.as_ref())
}

/// A string, or a null string when absent.
pub(crate) fn opt_sv(s: Option<impl AsRef<str>>) -> Value {
    match s {
        Some(s) => Value::string(s.as_ref()),
        None => Value::null(Type::String),
    }
}

pub(crate) fn str_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::list(Type::String, items.into_iter().map(sv).collect())
}

pub(crate) fn str_set<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::set(Type::String, items.into_iter().map(sv).collect())
}

pub(crate) fn str_map(m: &BTreeMap<String, String>) -> Value {
    Value::map(
        Type::String,
        m.iter().map(|(k, v)| (k.clone(), sv(v))).collect(),
    )
}

/// An optional bool the API always reports: `false` reads back as null
/// when the prior state had it null (unset), so an unset argument does not
/// show as a change.
pub(crate) fn opt_bool_keep_null(prior: &Value, k: &str, remote: Option<bool>) -> Value {
    match remote {
        Some(true) => Value::bool(true),
        _ if prior.get_attr(k).is_none_or(Value::is_null) => Value::null(Type::Bool),
        _ => Value::bool(false),
    }
}

/// An optional string the API reports as empty when unset: empty reads
/// back as the prior state's null or empty string.
pub(crate) fn opt_str_keep_null(prior: &Value, k: &str, remote: Option<&str>) -> Value {
    match remote {
        Some(s) if !s.is_empty() => sv(s),
        _ => match prior.get_attr(k).and_then(Value::as_str) {
            Some("") => sv(""),
            _ => Value::null(Type::String),
        },
    }
}

/// Coerces an object to exactly the schema's implied type: missing
/// attributes null, extra ones dropped, every value converted. Values that
/// do not convert are left as they are (the engine reports them).
pub(crate) fn conform(schema: &Schema, v: &Value) -> Value {
    if v.is_null() || v.is_unknown() {
        return v.clone();
    }
    let Some(m) = v.as_entries() else {
        return v.clone();
    };
    let mut out = BTreeMap::new();
    for (k, a) in &schema.attributes {
        let x = m
            .get(k)
            .cloned()
            .unwrap_or_else(|| Value::null(a.ty().clone()));
        let x = convert(&x, a.ty()).unwrap_or(x);
        out.insert(k.clone(), x);
    }
    for (k, b) in &schema.blocks {
        let t = b.block.implied_type();
        let x = m.get(k).cloned();
        let items = |x: &Option<Value>| -> Vec<Value> {
            x.as_ref()
                .and_then(|x| x.as_seq())
                .map(|s| s.iter().map(|i| conform(&b.block, i)).collect())
                .unwrap_or_default()
        };
        let y = match b.nesting {
            Nesting::Single => match &x {
                Some(x) if !x.is_null() => conform(&b.block, x),
                _ => Value::null(t),
            },
            Nesting::List => Value::list(t, items(&x)),
            Nesting::Set => Value::set(t, items(&x)),
            Nesting::Map => Value::map(
                t,
                x.as_ref()
                    .and_then(|x| x.as_entries())
                    .map(|m| {
                        m.iter()
                            .map(|(k, i)| (k.clone(), conform(&b.block, i)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        };
        out.insert(k.clone(), y);
    }
    Value::object(out).mark(v.sensitive)
}

/// Replaces every unknown inside a value with a null of its type: the
/// state after apply must be wholly known, and an attribute the API did not
/// report is better null than a failed apply.
pub(crate) fn unknowns_to_null(v: &Value) -> Value {
    let kind = match &v.kind {
        Kind::Unknown(t) => Kind::Null(t.clone()),
        Kind::List(t, items) => Kind::List(
            t.clone(),
            std::sync::Arc::new(items.iter().map(unknowns_to_null).collect()),
        ),
        Kind::Set(t, items) => {
            return Value::set(t.clone(), items.iter().map(unknowns_to_null).collect())
                .mark(v.sensitive)
        }
        Kind::Tuple(items) => Kind::Tuple(std::sync::Arc::new(
            items.iter().map(unknowns_to_null).collect(),
        )),
        Kind::Map(t, m) => Kind::Map(
            t.clone(),
            std::sync::Arc::new(
                m.iter()
                    .map(|(k, x)| (k.clone(), unknowns_to_null(x)))
                    .collect(),
            ),
        ),
        Kind::Object(m) => Kind::Object(std::sync::Arc::new(
            m.iter()
                .map(|(k, x)| (k.clone(), unknowns_to_null(x)))
                .collect(),
        )),
        k => k.clone(),
    };
    Value::from(kind).mark(v.sensitive)
}

/// Fills null attributes with schema defaults.
pub(crate) fn with_defaults(config: &Value, defaults: &[(&str, Value)]) -> Value {
    let Some(m) = config.as_entries() else {
        return config.clone();
    };
    let mut out = m.clone();
    for (k, d) in defaults {
        if out.get(*k).is_none_or(Value::is_null) {
            out.insert((*k).to_string(), d.clone());
        }
    }
    Value::object(out).mark(config.sensitive)
}

/// A `timeouts` block (`create = "10m"` and so on), accepted so
/// configurations written for the Terraform provider validate. cairn's
/// waits have their own bounds, so the values are not used.
pub(crate) fn timeouts_block(ops: &[&str]) -> cairn_provider::NestedBlock {
    let mut s = Schema::new("Operation timeouts (accepted for compatibility).");
    for op in ops {
        s = s.attr(
            op,
            cairn_provider::Attribute::optional(Type::String, "A duration such as \"10m\"."),
        );
    }
    cairn_provider::NestedBlock {
        nesting: Nesting::Single,
        block: s,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
    }
}

/// A timestamp as Go's `time.RFC3339` prints it (whole seconds, `Z`), as
/// the Terraform provider stores timestamps such as `create_date`; empty
/// when out of range.
pub(crate) fn rfc3339(t: &aws_smithy_types::DateTime) -> String {
    chrono::DateTime::from_timestamp(t.secs(), 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

// ---- generated names ------------------------------------------------------

/// Length of the unique suffix of generated names (timestamp + counter).
pub(crate) const UNIQUE_SUFFIX_LEN: usize = 26;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A unique name as Terraform generates them: the prefix, a UTC timestamp
/// to 1/10,000 s, and a counter (`terraform-20240102150405123400000001`).
pub(crate) fn unique_name(prefix: &str) -> String {
    let now = chrono::Utc::now();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
    format!(
        "{prefix}{}{:04}{n:08x}",
        now.format("%Y%m%d%H%M%S"),
        now.timestamp_subsec_micros() / 100
    )
}

/// The name to create with: `name`, or `name_prefix` (default
/// `terraform-`) plus a unique suffix.
pub(crate) fn name_or_prefix(v: &Value, name: &str, prefix: &str) -> String {
    match nonempty_str(v, name) {
        Some(n) => n,
        None => unique_name(&nonempty_str(v, prefix).unwrap_or_else(|| "terraform-".into())),
    }
}

/// The prefix of a generated name (the name minus a 26-hex-digit
/// suffix), or `None` for a name chosen by hand.
pub(crate) fn prefix_from_name(name: &str) -> Option<String> {
    if name.len() <= UNIQUE_SUFFIX_LEN {
        return None;
    }
    let (head, tail) = name.split_at(name.len() - UNIQUE_SUFFIX_LEN);
    tail.chars()
        .all(|c| c.is_ascii_hexdigit())
        .then(|| head.to_string())
}

// ---- idempotent creates --------------------------------------------------

tokio::task_local! {
    /// The configuration of the create or update being applied: what the
    /// plan does not carry (content stored only as a hash, like
    /// `aws_instance.user_data`).
    pub(crate) static APPLY_CONFIG: Value;
}

tokio::task_local! {
    /// The engine's idempotency key for the create being applied (stable
    /// across a retry of the same planned create after a crash).
    pub(crate) static IDEMPOTENCY_KEY: String;
}

/// The token sent for a create: the engine's key (the same on a retry of
/// a create not seen to finish) combined with the planned object. A retry
/// of the same create sends the same token and gets the object the lost
/// call made; a create whose configuration was changed in between (say,
/// after the API refused it) sends a new token rather than tripping
/// `IdempotentParameterMismatch`.
pub(crate) fn token_for(key: &str, planned: &Value) -> String {
    use sha2::{Digest, Sha256};
    let body = cairn_value::json::to_json(&unknowns_to_null(planned))
        .map(|j| j.to_string())
        .unwrap_or_default();
    let digest = Sha256::new()
        .chain_update(key.as_bytes())
        .chain_update(b"\n")
        .chain_update(body.as_bytes())
        .finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The client token for an EC2 create call (`ClientToken`, at most 64
/// ASCII characters): the engine's idempotency key for this create, so a
/// create retried after a timeout or an interrupted run returns the object
/// the first attempt made instead of making a second one. Without a key
/// (direct provider use), a fresh random token still makes the SDK's own
/// retries of one call idempotent.
pub(crate) fn client_token() -> String {
    IDEMPOTENCY_KEY
        .try_with(|k| {
            k.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(64)
                .collect::<String>()
        })
        .ok()
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
}

// ---- waiting --------------------------------------------------------------

/// Polls `f` until it returns `Some`, for at most `timeout`; `None` when
/// time ran out. Errors end the wait at once.
pub(crate) async fn wait_for<T, F, Fut>(
    timeout: Duration,
    mut f: F,
) -> Result<Option<T>, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ProviderError>>,
{
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        if let Some(x) = f().await? {
            return Ok(Some(x));
        }
        if Instant::now() + delay > deadline {
            return Ok(None);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// How long reads of a just-created object may say "not found" before we
/// believe it (EC2 and IAM are eventually consistent).
pub(crate) const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(120);

/// A read right after create or update: retries while the API has not
/// caught up, then fails if the object is still not visible.
pub(crate) async fn read_new<F, Fut>(what: &str, id: &str, f: F) -> Result<Value, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Value>, ProviderError>>,
{
    match wait_for(PROPAGATION_TIMEOUT, f).await? {
        Some(v) => Ok(v),
        None => Err(ProviderError::new(
            format!("{what} {id} not found after creation"),
            format!(
                "AWS accepted the request but {what} {id} was still not visible after {} s.",
                PROPAGATION_TIMEOUT.as_secs()
            ),
        )
        .with_hint("Run cairn plan: if it exists now, cairn will pick it up; otherwise it will be created again.")),
    }
}

/// Errors for an attribute an apply needs but does not have.
pub(crate) fn missing(type_name: &str, attr: &str) -> ProviderError {
    ProviderError::new(
        format!("{type_name}: {attr:?} is not set"),
        format!("{type_name} needs {attr:?} at apply time, and it was null or unknown."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_look_like_terraform_ones() {
        let a = unique_name("terraform-");
        let b = unique_name("terraform-");
        assert_ne!(a, b);
        assert_eq!(a.len(), "terraform-".len() + UNIQUE_SUFFIX_LEN);
        assert_eq!(prefix_from_name(&a).as_deref(), Some("terraform-"));
        assert_eq!(prefix_from_name("web"), None);
        assert_eq!(prefix_from_name("my-name-which-is-quite-long-really"), None);
    }
}

#[cfg(test)]
mod token_tests {
    use super::*;

    #[test]
    fn tokens_follow_the_key_and_the_planned_object() {
        let a = Value::object([("cidr".to_string(), Value::string("10.0.0.0/16"))].into());
        let b = Value::object([("cidr".to_string(), Value::string("10.1.0.0/16"))].into());
        let t = token_for("k1", &a);
        assert_eq!(t.len(), 32);
        assert_eq!(t, token_for("k1", &a), "a retry sends the same token");
        assert_ne!(t, token_for("k2", &a));
        assert_ne!(
            t,
            token_for("k1", &b),
            "a changed configuration gets a new token"
        );
    }
}
