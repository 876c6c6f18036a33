//! `random_string` and `random_password`: one generator, two schemas
//! (the password's result is sensitive and comes with a bcrypt hash).

use cairn_diagnostics::Diagnostic;
use cairn_provider::{get_bool, get_str, Attribute, ProviderError, Schema};
use cairn_value::{Type, Value};

use super::{int_arg, invalid, keepers, req_int, MAX_SIZE};
use crate::rng;

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const NUMERIC: &str = "0123456789";
/// The real provider's default special characters.
const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

const MINS: [&str; 4] = ["min_upper", "min_lower", "min_numeric", "min_special"];

/// Go's bcrypt.DefaultCost, which the real provider uses.
const BCRYPT_COST: u32 = 10;

pub(crate) fn schema(password: bool) -> Schema {
    let (what, desc) = if password {
        (
            "password",
            "A random string of alphanumeric and, optionally, special characters, treated as \
             sensitive.",
        )
    } else {
        (
            "string",
            "A random string of alphanumeric and, optionally, special characters.",
        )
    };
    let flag = |d: &str| Attribute::optional_computed(Type::Bool, d).force_new();
    let min = |d: &str| Attribute::optional_computed(Type::Number, d).force_new();
    let mut s = Schema::new(desc)
        .attr(
            "length",
            Attribute::required(
                Type::Number,
                "The length of the string desired. The minimum value for length is 1 and, length \
                 must also be >= (`min_upper` + `min_lower` + `min_numeric` + `min_special`).",
            )
            .force_new(),
        )
        .attr("keepers", keepers())
        .attr(
            "special",
            flag("Include special characters in the result. Default value is `true`."),
        )
        .attr(
            "upper",
            flag("Include uppercase alphabet characters in the result. Default value is `true`."),
        )
        .attr(
            "lower",
            flag("Include lowercase alphabet characters in the result. Default value is `true`."),
        )
        .attr(
            "numeric",
            flag("Include numeric characters in the result. Default value is `true`."),
        )
        .attr(
            "number",
            flag(
                "Include numeric characters in the result. Default value is `true`. Deprecated: \
                 use `numeric`.",
            ),
        )
        .attr(
            "min_upper",
            min("Minimum number of uppercase alphabet characters in the result. Default `0`."),
        )
        .attr(
            "min_lower",
            min("Minimum number of lowercase alphabet characters in the result. Default `0`."),
        )
        .attr(
            "min_numeric",
            min("Minimum number of numeric characters in the result. Default `0`."),
        )
        .attr(
            "min_special",
            min("Minimum number of special characters in the result. Default `0`."),
        )
        .attr(
            "override_special",
            Attribute::optional(
                Type::String,
                "Your own list of special characters, used instead of the default ones; \
                 `special` must still be true for them to be used.",
            )
            .force_new(),
        );
    let result = Attribute::computed(Type::String, &format!("The generated random {what}."));
    if password {
        s = s
            .attr("result", result.sensitive())
            .attr(
                "bcrypt_hash",
                Attribute::computed(
                    Type::String,
                    "A bcrypt hash of the generated random string (of its first 72 bytes when \
                     longer).",
                )
                .sensitive(),
            )
            .attr(
                "id",
                Attribute::computed(Type::String, "A static value, \"none\"."),
            );
    } else {
        s = s.attr("result", result).attr(
            "id",
            Attribute::computed(Type::String, "The generated random string."),
        );
    }
    s
}

/// Defaults as the real provider plans them; `number` and `numeric` are
/// aliases, so an unset one follows the set one.
pub(crate) fn defaults(config: &Value) -> Vec<(&'static str, Value)> {
    let set = |n: &str| config.get_attr(n).filter(|v| !v.is_null()).cloned();
    let numeric = set("numeric")
        .or_else(|| set("number"))
        .unwrap_or_else(|| Value::bool(true));
    let number = set("number")
        .or_else(|| set("numeric"))
        .unwrap_or_else(|| Value::bool(true));
    vec![
        ("special", Value::bool(true)),
        ("upper", Value::bool(true)),
        ("lower", Value::bool(true)),
        ("numeric", numeric),
        ("number", number),
        ("min_upper", Value::int(0)),
        ("min_lower", Value::int(0)),
        ("min_numeric", Value::int(0)),
        ("min_special", Value::int(0)),
    ]
}

pub(crate) fn validate(type_name: &str, config: &Value) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let length = int_arg(type_name, config, "length", &mut diags);
    if let Some(l) = length {
        if l < 1 {
            diags.push(invalid(
                type_name,
                "length",
                &format!("must be at least 1, got {l}"),
            ));
        } else if l > MAX_SIZE {
            diags.push(invalid(
                type_name,
                "length",
                &format!("must be at most {MAX_SIZE}, got {l}"),
            ));
        }
    }
    let mut mins = Vec::new();
    for m in MINS {
        match int_arg(type_name, config, m, &mut diags) {
            Some(v) if v < 0 => {
                diags.push(invalid(
                    type_name,
                    m,
                    &format!("must be at least 0, got {v}"),
                ));
                mins.push(None);
            }
            Some(v) => mins.push(Some(v)),
            // Unset means the default, 0.
            None if config.get_attr(m).is_none_or(Value::is_null) => mins.push(Some(0)),
            None => mins.push(None),
        }
    }
    let min_sum: Option<i64> = mins
        .iter()
        .try_fold(0i64, |acc, m| m.and_then(|v| acc.checked_add(v)));
    if let (Some(l), Some(sum)) = (length, min_sum) {
        if l >= 1 && sum > l {
            diags.push(invalid(
                type_name,
                "length",
                &format!(
                    "({l}) must be at least min_upper + min_lower + min_numeric + min_special \
                     ({sum})"
                ),
            ));
        }
    }
    let number = crate::known(config, "number").and_then(Value::as_bool);
    let numeric = crate::known(config, "numeric").and_then(Value::as_bool);
    if config.get_attr("number").is_some_and(|v| !v.is_null()) {
        diags.push(Diagnostic::warning(
            "Attribute \"number\" is deprecated",
            format!("{type_name}: \"number\" is deprecated; use \"numeric\" instead."),
        ));
    }
    if let (Some(a), Some(b)) = (number, numeric) {
        if a != b {
            diags.push(invalid(
                type_name,
                "numeric",
                &format!(
                    "({b}) conflicts with its deprecated alias \"number\" ({a}); set only \
                     \"numeric\""
                ),
            ));
        }
    }
    // With every argument known, check a string can be made at all.
    let flag = |n: &str| match config.get_attr(n) {
        Some(v) if v.is_null() => Some(true),
        Some(v) => v.as_bool(),
        None => Some(true),
    };
    let override_special = match config.get_attr("override_special") {
        Some(v) if v.is_null() => Some(None),
        Some(v) => v.as_str().map(|s| Some(s.to_string())),
        None => Some(None),
    };
    // `numeric` wins over its alias; both unset means the default, true.
    let numeric_flag = if config.get_attr("numeric").is_some_and(|v| !v.is_null()) {
        numeric
    } else {
        flag("number")
    };
    if let (Some(l), Some(sum), Some(upper), Some(lower), Some(num), Some(special), Some(ov)) = (
        length,
        min_sum,
        flag("upper"),
        flag("lower"),
        numeric_flag,
        flag("special"),
        override_special,
    ) {
        let specials = ov.as_deref().unwrap_or(SPECIAL);
        if let Some(Some(ms)) = mins.get(3) {
            if *ms > 0 && specials.is_empty() {
                diags.push(invalid(
                    type_name,
                    "min_special",
                    "is above 0 but \"override_special\" is empty, so there is no special \
                     character to choose from",
                ));
            }
        }
        let any = upper || lower || num || (special && !specials.is_empty());
        if l > sum && !any {
            diags.push(invalid(
                type_name,
                "length",
                "cannot be met: \"upper\", \"lower\", \"numeric\" and \"special\" are all false \
                 (or the special characters are empty), so there is no character to choose from",
            ));
        }
    }
    diags
}

/// What a generation needs, read from validated arguments.
struct Params {
    length: usize,
    upper: bool,
    lower: bool,
    numeric: bool,
    special: bool,
    mins: [usize; 4],
    specials: Vec<char>,
}

fn size(type_name: &str, v: &Value, name: &str) -> Result<usize, ProviderError> {
    let i = req_int(type_name, v, name)?;
    if !(0..=MAX_SIZE).contains(&i) {
        return Err(ProviderError::new(
            format!("{type_name}: {name:?} is out of range"),
            format!("{name:?} must be between 0 and {MAX_SIZE}; got {i}."),
        ));
    }
    usize::try_from(i).map_err(|_| {
        ProviderError::new(
            format!("{type_name}: {name:?} is out of range"),
            format!("{name:?} is {i}."),
        )
    })
}

fn params(type_name: &str, v: &Value) -> Result<Params, ProviderError> {
    let flag = |n: &str| get_bool(v, n).unwrap_or(true);
    let mut mins = [0usize; 4];
    for (slot, name) in mins.iter_mut().zip(MINS) {
        *slot = size(type_name, v, name)?;
    }
    Ok(Params {
        length: size(type_name, v, "length")?,
        upper: flag("upper"),
        lower: flag("lower"),
        numeric: flag("numeric") && flag("number"),
        special: flag("special"),
        mins,
        specials: get_str(v, "override_special")
            .unwrap_or_else(|| SPECIAL.to_string())
            .chars()
            .collect(),
    })
}

/// The real provider's algorithm: the minimum count from each class (even
/// a disabled one, as it does), the rest from every enabled class, then a
/// shuffle so the required characters are not at the front.
fn generate(type_name: &str, p: &Params) -> Result<String, ProviderError> {
    let upper: Vec<char> = UPPER.chars().collect();
    let lower: Vec<char> = LOWER.chars().collect();
    let numeric: Vec<char> = NUMERIC.chars().collect();
    let classes: [&[char]; 4] = [&upper, &lower, &numeric, &p.specials];
    let mut all: Vec<char> = Vec::new();
    for (on, class) in [p.upper, p.lower, p.numeric, p.special]
        .into_iter()
        .zip(classes)
    {
        if on {
            all.extend_from_slice(class);
        }
    }
    let mut rng = rng::for_seed(None);
    let mut out: Vec<char> = Vec::with_capacity(p.length);
    for ((count, class), name) in p.mins.iter().zip(classes).zip(MINS) {
        if *count > 0 && class.is_empty() {
            return Err(ProviderError::new(
                format!("{type_name}: cannot satisfy {name:?}"),
                format!("{name:?} is {count} but its character set is empty."),
            ));
        }
        for _ in 0..*count {
            out.push(class[rng::index(rng.as_mut(), class.len())]);
        }
    }
    let rest = p.length.saturating_sub(out.len());
    if rest > 0 && all.is_empty() {
        return Err(ProviderError::new(
            format!("{type_name}: no characters to choose from"),
            "\"upper\", \"lower\", \"numeric\" and \"special\" are all false.",
        ));
    }
    for _ in 0..rest {
        out.push(all[rng::index(rng.as_mut(), all.len())]);
    }
    rng::shuffle(rng.as_mut(), &mut out);
    Ok(out.into_iter().collect())
}

/// Go's bcrypt hashes at most 72 bytes; hash those and write the `$2a$`
/// form Go produces.
fn bcrypt_hash(password: &str) -> Result<String, ProviderError> {
    let bytes = password.as_bytes();
    let head = &bytes[..bytes.len().min(72)];
    bcrypt::hash_with_result(head, BCRYPT_COST)
        .map(|h| h.format_for_version(bcrypt::Version::TwoA))
        .map_err(|e| ProviderError::new("random_password: bcrypt hashing failed", e.to_string()))
}

pub(crate) fn create(type_name: &str, inputs: &Value) -> Result<Value, ProviderError> {
    let p = params(type_name, inputs)?;
    let result = generate(type_name, &p)?;
    finish(type_name, inputs, result)
}

/// The state for a generated or imported result.
fn finish(type_name: &str, inputs: &Value, result: String) -> Result<Value, ProviderError> {
    let mut m = inputs.as_entries().cloned().unwrap_or_default();
    if type_name == "random_password" {
        m.insert("bcrypt_hash".into(), Value::string(bcrypt_hash(&result)?));
        m.insert("id".into(), Value::string("none"));
    } else {
        m.insert("id".into(), Value::string(result.as_str()));
    }
    m.insert("result".into(), Value::string(result));
    Ok(Value::object(m))
}

/// Import by the value itself: the length is its length, every other
/// argument its default (as the real provider does).
pub(crate) fn import(type_name: &str, id: &str) -> Result<Value, ProviderError> {
    if id.is_empty() {
        return Err(ProviderError::new(
            format!("{type_name}: empty import ID"),
            format!("Import {type_name} by its value: `import {type_name}.NAME VALUE`."),
        ));
    }
    let length = i64::try_from(id.chars().count()).unwrap_or(i64::MAX);
    let mut m = std::collections::BTreeMap::new();
    m.insert("length".to_string(), Value::int(length));
    m.insert("keepers".to_string(), Value::null(Type::map(Type::String)));
    m.insert("override_special".to_string(), Value::null(Type::String));
    for (k, v) in defaults(&Value::empty_object()) {
        m.insert(k.to_string(), v);
    }
    finish(type_name, &Value::object(m), id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(length: usize, mins: [usize; 4], specials: &str) -> Params {
        Params {
            length,
            upper: true,
            lower: true,
            numeric: true,
            special: true,
            mins,
            specials: specials.chars().collect(),
        }
    }

    #[test]
    fn minimums_are_met_and_length_is_exact() {
        for _ in 0..50 {
            let s = generate("random_string", &p(12, [3, 3, 3, 3], "%")).unwrap();
            assert_eq!(s.chars().count(), 12);
            assert!(s.chars().filter(char::is_ascii_uppercase).count() >= 3);
            assert!(s.chars().filter(char::is_ascii_lowercase).count() >= 3);
            assert!(s.chars().filter(char::is_ascii_digit).count() >= 3);
            assert!(s.chars().filter(|c| *c == '%').count() >= 3);
        }
    }

    #[test]
    fn disabled_classes_are_left_out() {
        let mut params = p(64, [0; 4], SPECIAL);
        params.upper = false;
        params.special = false;
        let s = generate("random_string", &params).unwrap();
        assert!(s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }

    #[test]
    fn multibyte_override_special_stays_whole() {
        let mut params = p(40, [0, 0, 0, 20], "£€");
        params.upper = false;
        params.lower = false;
        params.numeric = false;
        let s = generate("random_string", &params).unwrap();
        assert_eq!(s.chars().count(), 40);
        assert!(s.chars().all(|c| c == '£' || c == '€'));
    }

    #[test]
    fn bcrypt_hash_verifies_and_uses_2a() {
        let h = bcrypt_hash("hunter2").unwrap();
        assert!(h.starts_with("$2a$10$"));
        assert!(bcrypt::verify("hunter2", &h).unwrap());
    }
}
