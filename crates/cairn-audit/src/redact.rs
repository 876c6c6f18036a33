//! Replaces known secret strings before anything reaches disk.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use serde_json::Value;

/// What a secret is replaced with, as in the rest of cairn's output.
pub const REDACTED: &str = "(sensitive value)";

/// A set of known secret strings, and the function that hides them.
///
/// Cloning gives a handle to the same set: a secret learned mid-run (say, one
/// read from a secrets manager during apply) and added through any handle is
/// then hidden by the audit log and the run log alike.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

// Hand-written so that a debug print can never show the secrets.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor that knows no secrets yet.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// A redactor for these secrets.
    pub fn with_secrets<I, S>(secrets: I) -> Redactor
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let r = Redactor::new();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Adds a secret. Empty strings are ignored (they would match
    /// everywhere and hide nothing).
    pub fn add(&self, secret: impl Into<String>) {
        let secret = secret.into();
        if secret.is_empty() {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(PoisonError::into_inner);
        if !secrets.contains(&secret) {
            secrets.push(secret);
        }
    }

    /// How many secrets are known.
    pub fn len(&self) -> usize {
        self.secrets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no secret is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `text` with every occurrence of every known secret replaced by
    /// [`REDACTED`]. Overlapping or adjacent occurrences (of one secret or
    /// of several) are merged into one placeholder, so no fragment of a
    /// secret survives between two replacements.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let secrets = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for secret in secrets.iter() {
            let mut from = 0;
            while let Some(pos) = text[from..].find(secret.as_str()) {
                let start = from + pos;
                spans.push((start, start + secret.len()));
                // Step one character, not the whole match, so overlapping
                // occurrences ("aa" in "aaa") are all covered.
                let step = text[start..].chars().next().map_or(1, char::len_utf8);
                from = start + step;
            }
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut cursor = 0;
        let mut i = 0;
        while i < spans.len() {
            let (start, mut end) = spans[i];
            i += 1;
            while i < spans.len() && spans[i].0 <= end {
                end = end.max(spans[i].1);
                i += 1;
            }
            out.push_str(&text[cursor..start]);
            out.push_str(REDACTED);
            cursor = end;
        }
        out.push_str(&text[cursor..]);
        Cow::Owned(out)
    }

    /// Redacts `text` in place.
    pub fn redact_string(&self, text: &mut String) {
        if let Cow::Owned(s) = self.redact(text) {
            *text = s;
        }
    }

    /// Redacts every string, object key and number in `value`. Numbers are
    /// included because a sensitive value may be numeric (a PIN, a port);
    /// one that contains a secret becomes the placeholder string.
    pub fn redact_value(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::Null | Value::Bool(_) => {}
            Value::Number(n) => {
                let text = n.to_string();
                if let Cow::Owned(_) = self.redact(&text) {
                    *value = Value::String(REDACTED.to_string());
                }
            }
            Value::String(s) => self.redact_string(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (key, mut v) in old {
                    self.redact_value(&mut v);
                    map.insert(self.redact(&key).into_owned(), v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_every_occurrence() {
        let r = Redactor::with_secrets(["hunter2"]);
        assert_eq!(
            r.redact("pw=hunter2, again hunter2."),
            "pw=(sensitive value), again (sensitive value)."
        );
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn overlapping_secrets_leave_no_fragment() {
        let r = Redactor::with_secrets(["abcdef", "cdefgh"]);
        assert_eq!(r.redact("xabcdefghy"), "x(sensitive value)y");
        let r = Redactor::with_secrets(["aa"]);
        assert_eq!(r.redact("baaab"), "b(sensitive value)b");
    }

    #[test]
    fn handles_unicode_and_empty() {
        let r = Redactor::with_secrets(["", "pässwörd"]);
        assert_eq!(r.len(), 1);
        assert_eq!(r.redact("é pässwörd é"), "é (sensitive value) é");
    }

    #[test]
    fn shared_between_clones_and_hidden_from_debug() {
        let a = Redactor::new();
        let b = a.clone();
        a.add("s3cr3t-value");
        assert_eq!(b.redact("x s3cr3t-value"), "x (sensitive value)");
        assert!(!format!("{b:?}").contains("s3cr3t"));
    }

    #[test]
    fn values_keys_and_numbers() {
        let r = Redactor::with_secrets(["topsecret", "424242"]);
        let mut v = json!({"topsecret-key": ["a topsecret b", 424242, 7], "n": true});
        r.redact_value(&mut v);
        assert_eq!(
            v,
            json!({"(sensitive value)-key": ["a (sensitive value) b", "(sensitive value)", 7], "n": true})
        );
    }
}
