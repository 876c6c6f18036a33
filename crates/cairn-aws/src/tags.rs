//! `tags` and `tags_all`: the resource's own tags, and those merged with
//! the provider's `default_tags` (the resource's win), as the Terraform
//! AWS provider plans and reads them.

use std::collections::BTreeMap;
use std::future::Future;

use cairn_provider::{Attribute, ProviderError};
use cairn_value::{Type, Value};

use crate::config::AwsClients;
use crate::util::{map_of, str_map};

pub(crate) fn tags_attr() -> Attribute {
    Attribute::optional(
        Type::map(Type::String),
        "Tags to assign to the resource; they override provider default_tags with the same key.",
    )
}

pub(crate) fn tags_all_attr() -> Attribute {
    Attribute::computed(
        Type::map(Type::String),
        "All tags of the resource, including those inherited from the provider default_tags.",
    )
}

/// The `tags_all` a configuration plans: default tags overlaid with the
/// resource's, minus ignored keys; unknown while `tags` is.
pub(crate) fn planned_tags_all(aws: &AwsClients, config: &Value) -> Value {
    let tags = config.get_attr("tags");
    if tags.is_some_and(|t| !t.is_wholly_known()) {
        return Value::unknown(Type::map(Type::String));
    }
    let own = map_of(config, "tags").unwrap_or_default();
    str_map(&merged(aws, &own))
}

/// Default tags overlaid with `own`, without ignored keys.
pub(crate) fn merged(aws: &AwsClients, own: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut all = aws.default_tags.clone();
    for (k, v) in own {
        all.insert(k.clone(), v.clone());
    }
    all.retain(|k, _| !aws.ignored_tag(k));
    all
}

/// The tags to send on create: `tags_all` of the plan, or the merge of
/// the configuration's tags when the plan did not know it.
pub(crate) fn to_apply(aws: &AwsClients, planned: &Value) -> BTreeMap<String, String> {
    map_of(planned, "tags_all")
        .unwrap_or_else(|| merged(aws, &map_of(planned, "tags").unwrap_or_default()))
}

/// `tags` and `tags_all` from the tags the API reports. `tags` is what is
/// not inherited from default tags (same key and value), except keys the
/// prior state's `tags` had (the configuration set them itself); an empty
/// result stays null when the prior `tags` was null.
pub(crate) fn from_remote(
    aws: &AwsClients,
    prior: &Value,
    remote: BTreeMap<String, String>,
) -> (Value, Value) {
    let all: BTreeMap<String, String> = remote
        .into_iter()
        .filter(|(k, _)| !aws.ignored_tag(k) && !k.starts_with("aws:"))
        .collect();
    let prior_tags = prior.get_attr("tags").filter(|t| !t.is_null());
    let prior_keys: Vec<String> = prior_tags
        .and_then(|t| t.as_entries())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let own: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| prior_keys.contains(k) || aws.default_tags.get(*k).is_none_or(|d| d != *v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let tags = if own.is_empty() && prior_tags.is_none() {
        Value::null(Type::map(Type::String))
    } else {
        str_map(&own)
    };
    (tags, str_map(&all))
}

/// What to change to get from `old` to `new`: tags to set, keys to remove.
pub(crate) fn diff(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    (set, remove)
}

/// Brings a resource's tags from `old` to `new`: `untag` gets the keys to
/// remove and `tag` the tags to set, each called only when it has
/// something to do. Removal goes first: the keys removed and those set never
/// match exactly, but services that compare tag keys without regard to case
/// (IAM) would take the removal of `Env` after setting `env` as the removal
/// of the new tag.
pub(crate) async fn sync<UF, TF, U, T>(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    untag: impl FnOnce(Vec<String>) -> UF,
    tag: impl FnOnce(BTreeMap<String, String>) -> TF,
) -> Result<(), ProviderError>
where
    UF: Future<Output = Result<U, ProviderError>>,
    TF: Future<Output = Result<T, ProviderError>>,
{
    let (set, remove) = diff(old, new);
    if !remove.is_empty() {
        untag(remove).await?;
    }
    if !set.is_empty() {
        tag(set).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn diff_sets_and_removes() {
        let (set, rm) = diff(&m(&[("a", "1"), ("b", "2")]), &m(&[("a", "1"), ("c", "3")]));
        assert_eq!(set, m(&[("c", "3")]));
        assert_eq!(rm, vec!["b".to_string()]);
    }

    #[tokio::test]
    async fn sync_removes_before_setting_and_skips_empty_calls() {
        let calls = std::cell::RefCell::new(Vec::new());
        let log = |what: String| {
            calls.borrow_mut().push(what);
            async { Ok::<(), ProviderError>(()) }
        };
        let old = m(&[("Env", "a"), ("keep", "1")]);
        sync(
            &old,
            &m(&[("env", "a"), ("keep", "1")]),
            |keys| log(format!("untag {keys:?}")),
            |set| log(format!("tag {set:?}")),
        )
        .await
        .unwrap();
        assert_eq!(
            calls.take(),
            vec![
                r#"untag ["Env"]"#.to_string(),
                r#"tag {"env": "a"}"#.to_string()
            ]
        );
        sync(
            &old,
            &old,
            |k| log(format!("{k:?}")),
            |s| log(format!("{s:?}")),
        )
        .await
        .unwrap();
        assert!(calls.take().is_empty());
    }
}
