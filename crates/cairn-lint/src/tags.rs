//! The tag policy: required tags and allowed values.
//!
//! Every taggable instance is checked against the tags it will carry:
//! `tags_all` when the plan knows it (the AWS provider plans it as the
//! resource's `tags` over the provider's `default_tags`, so default tags
//! count), else `tags`. What the plan does not know yet is not judged: an
//! unknown tag map reports nothing, an unknown value is not matched.

use std::collections::BTreeMap;
use std::fmt;

use cairn_findings::{Category, Finding, RuleInfo, Severity};
use cairn_value::display::quote;
use cairn_value::{Kind, Value};
use regex::Regex;

use crate::{Instance, Model};

pub const MISSING_TAG: &str = "TAG001";
pub const TAG_VALUE: &str = "TAG002";

/// Tags every taggable resource must carry (counting the provider's
/// `default_tags`), and patterns their values must match.
///
/// Built with [`TagPolicy::new`], which compiles the patterns, so a policy
/// with a bad pattern cannot exist.
#[derive(Clone, Debug, Default)]
pub struct TagPolicy {
    required: Vec<String>,
    /// (tag, pattern as written, the pattern matching whole values).
    allowed: Vec<(String, String, Regex)>,
}

/// An `allowed` pattern that is not a valid regular expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagPolicyError {
    pub tag: String,
    pub pattern: String,
    /// What the regular expression parser said, on one line.
    pub reason: String,
}

impl fmt::Display for TagPolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tag policy: the allowed values of tag {} ({}) are not a valid regular expression: {}",
            quote(&self.tag),
            quote(&self.pattern),
            self.reason
        )
    }
}

impl std::error::Error for TagPolicyError {}

impl TagPolicy {
    /// A policy whose patterns are known to compile.
    pub fn new(
        required: Vec<String>,
        allowed: BTreeMap<String, String>,
    ) -> Result<Self, TagPolicyError> {
        let mut compiled = Vec::with_capacity(allowed.len());
        for (tag, pattern) in allowed {
            let re = whole(&pattern).map_err(|e| error(&tag, &pattern, &e))?;
            compiled.push((tag, pattern, re));
        }
        Ok(TagPolicy {
            required,
            allowed: compiled,
        })
    }

    pub fn required(&self) -> &[String] {
        &self.required
    }
}

fn error(tag: &str, pattern: &str, e: &regex::Error) -> TagPolicyError {
    let text = e.to_string();
    // A syntax error's message draws the pattern with a caret over several
    // lines, ending in `error: ...`; keep that last line (or the first
    // line of any other error).
    let reason = text
        .lines()
        .rfind(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim())
        .or_else(|| text.lines().next())
        .unwrap_or("invalid pattern");
    TagPolicyError {
        tag: tag.to_string(),
        pattern: pattern.to_string(),
        reason: reason.to_string(),
    }
}

/// The pattern anchored so that it must match the whole value.
fn whole(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

/// The tag rules' metadata.
pub fn rules() -> Vec<RuleInfo> {
    let rule = |id: &str, severity, title: &str, fix: &str| {
        RuleInfo::documented(id, Category::Tags, severity, title, fix)
    };
    vec![
        rule(
            MISSING_TAG,
            Severity::Medium,
            "Taggable resources carry the tags the policy requires",
            "add the missing tags to the resource's tags, or to the provider's default_tags to \
             cover every resource",
        ),
        rule(
            TAG_VALUE,
            Severity::Medium,
            "Tag values match the policy's allowed patterns",
            "change the tag's value to one the policy allows (in the resource's tags or the \
             provider's default_tags)",
        ),
    ]
}

/// Checks every taggable instance against the policy.
pub fn check(model: &Model, policy: &TagPolicy, out: &mut Vec<Finding>) {
    let rules = rules();
    let rule = |id: &str| rules.iter().find(|r| r.id == id);
    let patterns = &policy.allowed;
    let (Some(missing_rule), Some(value_rule)) = (rule(MISSING_TAG), rule(TAG_VALUE)) else {
        return;
    };
    for inst in model.instances.iter().filter(|i| i.taggable) {
        let Some(tags) = Tags::of(inst) else {
            continue;
        };
        if tags.complete {
            let missing: Vec<&str> = policy
                .required
                .iter()
                .filter(|t| !tags.map.is_some_and(|m| m.contains_key(t.as_str())))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                let what = if missing.len() == 1 { "tag" } else { "tags" };
                out.push(
                    Finding::new(
                        missing_rule,
                        Some(inst.address.clone()),
                        format!("missing required {what}: {}", missing.join(", ")),
                    )
                    .at(["tags"]),
                );
            }
        }
        let Some(map) = tags.map else {
            continue;
        };
        for (tag, pattern, re) in patterns {
            let Some(v) = map.get(tag.as_str()) else {
                continue;
            };
            // Unknown (or null) values are not judged.
            let Some(s) = v.as_str() else {
                continue;
            };
            if re.is_match(s) {
                continue;
            }
            let shown = if v.sensitive {
                "(sensitive)".to_string()
            } else {
                quote(s)
            };
            let inherited = if tags.inherited(tag) {
                " (from the provider's default_tags)"
            } else {
                ""
            };
            out.push(
                Finding::new(
                    value_rule,
                    Some(inst.address.clone()),
                    format!(
                        "tag {tag} = {shown}{inherited} does not match the allowed pattern {pattern}"
                    ),
                )
                .at(["tags", tag]),
            );
        }
    }
}

/// The tags an instance will carry, as far as the plan knows them.
struct Tags<'a> {
    /// The known tag map; `None` when the instance has no tags (null).
    map: Option<&'a BTreeMap<String, Value>>,
    /// True when a tag missing from `map` is really missing (not possibly
    /// supplied by `default_tags` that the plan could not merge yet).
    complete: bool,
    /// True when `map` is `tags_all`.
    from_all: bool,
    /// The resource's own `tags`, to tell inherited tags apart.
    own: Option<&'a BTreeMap<String, Value>>,
}

impl<'a> Tags<'a> {
    /// `None` when nothing can be said (the tag map is unknown).
    fn of(inst: &'a Instance) -> Option<Tags<'a>> {
        let own_value = inst.attr("tags");
        let own = own_value.and_then(Value::as_entries);
        match inst.attr("tags_all") {
            Some(all) if !all.is_null() && is_known_map(all) => Some(Tags {
                map: all.as_entries(),
                complete: true,
                from_all: true,
                own,
            }),
            // tags_all is planned but not known yet (an unknown tag value
            // makes the AWS provider leave it unknown): the known `tags`
            // can still be matched, but a tag missing from them may come
            // from default_tags.
            Some(all) if !all.is_null() => own_value.filter(|v| is_known_map(v)).map(|_| Tags {
                map: own,
                complete: false,
                from_all: false,
                own,
            }),
            _ => match own_value {
                Some(v) if !is_known_map(v) => None,
                _ => Some(Tags {
                    map: own,
                    complete: true,
                    from_all: false,
                    own,
                }),
            },
        }
    }

    /// True when the tag's value comes from default_tags: in tags_all but
    /// not set (to that value) by the resource itself.
    fn inherited(&self, tag: &str) -> bool {
        if !self.from_all {
            return false;
        }
        match (
            self.own.and_then(|m| m.get(tag)),
            self.map.and_then(|m| m.get(tag)),
        ) {
            (Some(a), Some(b)) => !a.raw_equal(b),
            (None, Some(_)) => true,
            _ => false,
        }
    }
}

/// A map whose keys are known (null counts: no tags at all).
fn is_known_map(v: &Value) -> bool {
    matches!(v.kind, Kind::Null(_) | Kind::Map(..) | Kind::Object(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_rejects_a_bad_pattern_with_a_clear_message() {
        let mut allowed = BTreeMap::new();
        allowed.insert("env".to_string(), "(dev|prod".to_string());
        let e = TagPolicy::new(vec![], allowed).unwrap_err();
        assert_eq!(e.tag, "env");
        let msg = e.to_string();
        assert!(
            msg.starts_with(
                "tag policy: the allowed values of tag \"env\" (\"(dev|prod\") are not a valid regular expression: "
            ),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "{msg}");
        let mut ok = BTreeMap::new();
        ok.insert("env".to_string(), "dev|prod".to_string());
        assert!(TagPolicy::new(vec!["owner".into()], ok).is_ok());
    }

    #[test]
    fn patterns_match_the_whole_value() {
        let re = whole("dev|prod").unwrap();
        assert!(re.is_match("dev"));
        assert!(re.is_match("prod"));
        assert!(!re.is_match("production"));
        assert!(!re.is_match("xdev"));
    }
}
