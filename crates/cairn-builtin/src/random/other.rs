//! `random_id`, `random_integer`, `random_pet`, `random_uuid` and
//! `random_shuffle`.

use std::collections::BTreeMap;

use base64::Engine as _;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{get_str, Attribute, ProviderError, Schema};
use cairn_value::{Type, Value};
use num_bigint::BigUint;

use super::{int_arg, invalid, keepers, req_int, words, MAX_SIZE};
use crate::{opt_string, rng};

// ---- random_id ----

pub(crate) fn id_schema() -> Schema {
    let computed = |d: &str| Attribute::computed(Type::String, d);
    Schema::new("Random bytes meant as unique identifiers, in several encodings.")
        .attr(
            "byte_length",
            Attribute::required(
                Type::Number,
                "The number of random bytes to produce. The minimum value is 1.",
            )
            .force_new(),
        )
        .attr(
            "prefix",
            Attribute::optional(
                Type::String,
                "Arbitrary string to prefix the output value with, as given.",
            )
            .force_new(),
        )
        .attr("keepers", keepers())
        .attr(
            "b64_url",
            computed("The id in URL-safe base64 (unpadded), after the prefix."),
        )
        .attr(
            "b64_std",
            computed("The id in standard base64 (padded), after the prefix."),
        )
        .attr(
            "hex",
            computed("The id in hexadecimal, two digits a byte, after the prefix."),
        )
        .attr(
            "dec",
            computed("The id as a decimal number without leading zeros, after the prefix."),
        )
        .attr(
            "id",
            computed("The id in URL-safe base64 (unpadded), without the prefix."),
        )
}

pub(crate) fn validate_id(config: &Value) -> Vec<Diagnostic> {
    let t = "random_id";
    let mut diags = Vec::new();
    if let Some(n) = int_arg(t, config, "byte_length", &mut diags) {
        if n < 1 {
            diags.push(invalid(
                t,
                "byte_length",
                &format!("must be at least 1, got {n}"),
            ));
        } else if n > MAX_SIZE {
            diags.push(invalid(
                t,
                "byte_length",
                &format!("must be at most {MAX_SIZE}, got {n}"),
            ));
        }
    }
    diags
}

/// The encodings of `bytes`, each after `prefix`; `id` has no prefix.
fn id_state(mut m: BTreeMap<String, Value>, prefix: &str, bytes: &[u8]) -> Value {
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let std = base64::engine::general_purpose::STANDARD.encode(bytes);
    let dec = BigUint::from_bytes_be(bytes).to_string();
    m.insert("b64_url".into(), Value::string(format!("{prefix}{url}")));
    m.insert("b64_std".into(), Value::string(format!("{prefix}{std}")));
    m.insert(
        "hex".into(),
        Value::string(format!("{prefix}{}", hex::encode(bytes))),
    );
    m.insert("dec".into(), Value::string(format!("{prefix}{dec}")));
    m.insert("id".into(), Value::string(url));
    Value::object(m)
}

pub(crate) fn create_id(inputs: &Value) -> Result<Value, ProviderError> {
    let n = req_int("random_id", inputs, "byte_length")?;
    let len = usize::try_from(n)
        .ok()
        .filter(|l| (1..=MAX_SIZE as usize).contains(l))
        .ok_or_else(|| {
            ProviderError::new(
                "random_id: \"byte_length\" is out of range",
                format!("\"byte_length\" must be between 1 and {MAX_SIZE}; got {n}."),
            )
        })?;
    let mut bytes = vec![0u8; len];
    rng::for_seed(None).fill_bytes(&mut bytes);
    let prefix = get_str(inputs, "prefix").unwrap_or_default();
    let m = inputs.as_entries().cloned().unwrap_or_default();
    Ok(id_state(m, &prefix, &bytes))
}

/// `B64URL` or `PREFIX,B64URL`, as the real provider accepts.
pub(crate) fn import_id(id: &str) -> Result<Value, ProviderError> {
    let (prefix, b64) = match id.split_once(',') {
        Some((p, b)) => (Some(p), b),
        None => (None, id),
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .ok()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            ProviderError::new(
                "random_id: invalid import ID",
                format!(
                    "{b64:?} is not unpadded URL-safe base64. Import by the b64_url value, \
                     optionally after a prefix and a comma: `p-9hUg` or `my-prefix-,p-9hUg`."
                ),
            )
        })?;
    let mut m = BTreeMap::new();
    m.insert(
        "byte_length".to_string(),
        Value::int(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
    );
    m.insert("prefix".to_string(), opt_string(prefix));
    m.insert("keepers".to_string(), Value::null(Type::map(Type::String)));
    Ok(id_state(m, prefix.unwrap_or(""), &bytes))
}

// ---- random_integer ----

pub(crate) fn integer_schema() -> Schema {
    Schema::new("A random integer from an inclusive range.")
        .attr(
            "min",
            Attribute::required(Type::Number, "The minimum inclusive value of the range.")
                .force_new(),
        )
        .attr(
            "max",
            Attribute::required(Type::Number, "The maximum inclusive value of the range.")
                .force_new(),
        )
        .attr(
            "seed",
            Attribute::optional(
                Type::String,
                "A custom seed to always produce the same value.",
            )
            .force_new(),
        )
        .attr("keepers", keepers())
        .attr(
            "result",
            Attribute::computed(Type::Number, "The random integer result."),
        )
        .attr(
            "id",
            Attribute::computed(Type::String, "The string representation of the result."),
        )
}

pub(crate) fn validate_integer(config: &Value) -> Vec<Diagnostic> {
    let t = "random_integer";
    let mut diags = Vec::new();
    let min = int_arg(t, config, "min", &mut diags);
    let max = int_arg(t, config, "max", &mut diags);
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            diags.push(invalid(
                t,
                "min",
                &format!("({lo}) must not be greater than \"max\" ({hi})"),
            ));
        }
    }
    diags
}

fn integer_state(mut m: BTreeMap<String, Value>, result: i64) -> Value {
    m.insert("result".into(), Value::int(result));
    m.insert("id".into(), Value::string(result.to_string()));
    Value::object(m)
}

pub(crate) fn create_integer(inputs: &Value) -> Result<Value, ProviderError> {
    let t = "random_integer";
    let min = req_int(t, inputs, "min")?;
    let max = req_int(t, inputs, "max")?;
    if min > max {
        return Err(ProviderError::new(
            "random_integer: \"min\" is greater than \"max\"",
            format!("The range {min}..={max} is empty: \"min\" must not exceed \"max\"."),
        ));
    }
    let seed = get_str(inputs, "seed");
    let mut r = rng::for_seed(seed.as_deref());
    let span = (i128::from(max) - i128::from(min) + 1) as u128;
    let offset = rng::below(r.as_mut(), span);
    // min + offset <= max, so it fits i64.
    let result = i64::try_from(i128::from(min) + offset as i128).unwrap_or(max);
    Ok(integer_state(
        inputs.as_entries().cloned().unwrap_or_default(),
        result,
    ))
}

/// `RESULT,MIN,MAX` or `RESULT,MIN,MAX,SEED`.
pub(crate) fn import_integer(id: &str) -> Result<Value, ProviderError> {
    let bad = |why: String| {
        ProviderError::new(
            "random_integer: invalid import ID",
            format!("{why} Use `RESULT,MIN,MAX` or `RESULT,MIN,MAX,SEED`, e.g. `15390,1,50000`."),
        )
    };
    let parts: Vec<&str> = id.splitn(4, ',').collect();
    if parts.len() < 3 {
        return Err(bad(format!("{id:?} has {} parts.", parts.len())));
    }
    let mut nums = [0i64; 3];
    for (slot, (part, name)) in nums
        .iter_mut()
        .zip(parts.iter().zip(["result", "min", "max"]))
    {
        *slot = part
            .trim()
            .parse()
            .map_err(|_| bad(format!("The {name} {part:?} is not an integer.")))?;
    }
    let [result, min, max] = nums;
    if min > max || result < min || result > max {
        return Err(bad(format!(
            "The result {result} is not within {min}..={max}."
        )));
    }
    let mut m = BTreeMap::new();
    m.insert("min".to_string(), Value::int(min));
    m.insert("max".to_string(), Value::int(max));
    m.insert("seed".to_string(), opt_string(parts.get(3).copied()));
    m.insert("keepers".to_string(), Value::null(Type::map(Type::String)));
    Ok(integer_state(m, result))
}

// ---- random_pet ----

pub(crate) fn pet_schema() -> Schema {
    Schema::new("A random pet name, meant as a unique, readable identifier.")
        .attr(
            "length",
            Attribute::optional_computed(
                Type::Number,
                "The length (in words) of the pet name. Defaults to 2.",
            )
            .force_new(),
        )
        .attr(
            "separator",
            Attribute::optional_computed(
                Type::String,
                "The character to separate words in the pet name. Defaults to \"-\".",
            )
            .force_new(),
        )
        .attr(
            "prefix",
            Attribute::optional(Type::String, "A string to prefix the name with.").force_new(),
        )
        .attr("keepers", keepers())
        .attr(
            "id",
            Attribute::computed(Type::String, "The random pet name."),
        )
}

pub(crate) fn validate_pet(config: &Value) -> Vec<Diagnostic> {
    let t = "random_pet";
    let mut diags = Vec::new();
    if let Some(n) = int_arg(t, config, "length", &mut diags) {
        if n < 1 {
            diags.push(invalid(
                t,
                "length",
                &format!("must be at least 1, got {n}"),
            ));
        } else if n > 1000 {
            diags.push(invalid(
                t,
                "length",
                &format!("must be at most 1000, got {n}"),
            ));
        }
    }
    diags
}

/// One word: the animal; two: adjective and animal; more: adverbs first.
fn pet_name(words_count: usize, sep: &str) -> String {
    let mut r = rng::for_seed(None);
    let mut pick = |list: &[&'static str]| list[rng::index(r.as_mut(), list.len())];
    let mut parts: Vec<&str> = Vec::with_capacity(words_count);
    for _ in 2..words_count {
        parts.push(pick(words::ADVERBS));
    }
    if words_count >= 2 {
        parts.push(pick(words::ADJECTIVES));
    }
    parts.push(pick(words::ANIMALS));
    parts.join(sep)
}

pub(crate) fn create_pet(inputs: &Value) -> Result<Value, ProviderError> {
    let n = req_int("random_pet", inputs, "length")?;
    let n = usize::try_from(n)
        .ok()
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| {
            ProviderError::new(
                "random_pet: \"length\" is out of range",
                format!("\"length\" must be between 1 and 1000; got {n}."),
            )
        })?;
    let sep = get_str(inputs, "separator").unwrap_or_else(|| "-".into());
    let mut name = pet_name(n, &sep);
    if let Some(p) = get_str(inputs, "prefix").filter(|p| !p.is_empty()) {
        name = format!("{p}{sep}{name}");
    }
    let mut m = inputs.as_entries().cloned().unwrap_or_default();
    m.insert("id".into(), Value::string(name));
    Ok(Value::object(m))
}

// ---- random_uuid ----

pub(crate) fn uuid_schema() -> Schema {
    Schema::new("A random UUID string.")
        .attr("keepers", keepers())
        .attr(
            "result",
            Attribute::computed(Type::String, "The generated uuid in string format."),
        )
        .attr(
            "id",
            Attribute::computed(Type::String, "The generated uuid in string format."),
        )
}

fn uuid_state(mut m: BTreeMap<String, Value>, u: &str) -> Value {
    m.insert("result".into(), Value::string(u));
    m.insert("id".into(), Value::string(u));
    Value::object(m)
}

pub(crate) fn create_uuid(inputs: &Value) -> Value {
    let u = uuid::Uuid::new_v4().to_string();
    uuid_state(inputs.as_entries().cloned().unwrap_or_default(), &u)
}

/// The 8-4-4-4-12 hexadecimal form, any case.
fn is_uuid_format(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn import_uuid(id: &str) -> Result<Value, ProviderError> {
    if !is_uuid_format(id) {
        return Err(ProviderError::new(
            "random_uuid: invalid import ID",
            format!(
                "{id:?} is not a UUID; use the 8-4-4-4-12 hexadecimal form, e.g. \
                 aabbccdd-eeff-0011-2233-445566778899."
            ),
        ));
    }
    let mut m = BTreeMap::new();
    m.insert("keepers".to_string(), Value::null(Type::map(Type::String)));
    Ok(uuid_state(m, id))
}

// ---- random_shuffle ----

pub(crate) fn shuffle_schema() -> Schema {
    Schema::new("A random permutation of a list of strings.")
        .attr(
            "input",
            Attribute::required(Type::list(Type::String), "The list of strings to shuffle.")
                .force_new(),
        )
        .attr(
            "result_count",
            Attribute::optional(
                Type::Number,
                "The number of results to return. Defaults to the number of items in `input`; \
                 more than that repeats items.",
            )
            .force_new(),
        )
        .attr(
            "seed",
            Attribute::optional(
                Type::String,
                "Arbitrary string with which to seed the random number generator, for less \
                 volatile permutations.",
            )
            .force_new(),
        )
        .attr("keepers", keepers())
        .attr(
            "result",
            Attribute::computed(
                Type::list(Type::String),
                "Random permutation of the list of strings given in `input`.",
            ),
        )
        .attr(
            "id",
            Attribute::computed(Type::String, "A static value, \"-\"."),
        )
}

pub(crate) fn validate_shuffle(config: &Value) -> Vec<Diagnostic> {
    let t = "random_shuffle";
    let mut diags = Vec::new();
    if let Some(n) = int_arg(t, config, "result_count", &mut diags) {
        if n < 0 {
            diags.push(invalid(
                t,
                "result_count",
                &format!("must be at least 0, got {n}"),
            ));
        } else if n > MAX_SIZE {
            diags.push(invalid(
                t,
                "result_count",
                &format!("must be at most {MAX_SIZE}, got {n}"),
            ));
        }
    }
    if let Some(items) = crate::known(config, "input").and_then(Value::as_seq) {
        if items.iter().any(Value::is_null) {
            diags.push(invalid(t, "input", "must not contain null elements"));
        }
    }
    diags
}

pub(crate) fn create_shuffle(inputs: &Value) -> Result<Value, ProviderError> {
    let t = "random_shuffle";
    let input: Vec<Value> = inputs
        .get_attr("input")
        .and_then(Value::as_seq)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let count = match inputs.get_attr("result_count").filter(|v| !v.is_null()) {
        Some(_) => {
            let n = req_int(t, inputs, "result_count")?;
            usize::try_from(n)
                .ok()
                .filter(|n| *n as i64 <= MAX_SIZE)
                .ok_or_else(|| {
                    ProviderError::new(
                        "random_shuffle: \"result_count\" is out of range",
                        format!("\"result_count\" must be between 0 and {MAX_SIZE}; got {n}."),
                    )
                })?
        }
        None => input.len(),
    };
    let seed = get_str(inputs, "seed");
    let mut r = rng::for_seed(seed.as_deref());
    let mut result = Vec::with_capacity(count);
    // Whole permutations one after another, so no item repeats more often
    // than the number of rounds (as the real provider does).
    while !input.is_empty() && result.len() < count {
        let mut perm: Vec<usize> = (0..input.len()).collect();
        rng::shuffle(r.as_mut(), &mut perm);
        for i in perm {
            if result.len() >= count {
                break;
            }
            result.push(input[i].clone());
        }
    }
    let mut m = inputs.as_entries().cloned().unwrap_or_default();
    m.insert("result".into(), Value::list(Type::String, result));
    m.insert("id".into(), Value::string("-"));
    Ok(Value::object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_format_check() {
        assert!(is_uuid_format("aabbccdd-eeff-0011-2233-445566778899"));
        assert!(is_uuid_format("AABBCCDD-EEFF-0011-2233-445566778899"));
        assert!(!is_uuid_format("aabbccdd-eeff-0011-2233-44556677889"));
        assert!(!is_uuid_format("aabbccdd-eeff-0011-2233-44556677889g"));
        assert!(!is_uuid_format("aabbccddeeff00112233445566778899"));
    }

    #[test]
    fn pet_names_have_the_asked_word_count() {
        for n in 1..6 {
            let name = pet_name(n, "_");
            assert_eq!(name.split('_').count(), n, "{name}");
        }
        let one = pet_name(1, "-");
        assert!(words::ANIMALS.contains(&one.as_str()));
        let two = pet_name(2, "-");
        let (adj, animal) = two.split_once('-').unwrap();
        assert!(words::ADJECTIVES.contains(&adj));
        assert!(words::ANIMALS.contains(&animal));
    }

    #[test]
    fn id_encodings_agree() {
        let v = id_state(BTreeMap::new(), "p-", &[0, 1, 255]);
        assert_eq!(get_str(&v, "hex").unwrap(), "p-0001ff");
        assert_eq!(get_str(&v, "dec").unwrap(), "p-511");
        assert_eq!(get_str(&v, "b64_std").unwrap(), "p-AAH/");
        assert_eq!(get_str(&v, "b64_url").unwrap(), "p-AAH_");
        assert_eq!(get_str(&v, "id").unwrap(), "AAH_");
    }
}
