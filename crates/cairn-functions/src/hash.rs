//! Hash and UUID functions: md5, sha1, sha256, sha512, base64sha256,
//! base64sha512, uuid, uuidv5 and bcrypt.

use base64::Engine as _;
use cairn_value::{Type, Value};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use crate::strings::str_arg;
use crate::{FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    string_hash(r, "md5", |b| hex(&Md5::digest(b)));
    string_hash(r, "sha1", |b| hex(&Sha1::digest(b)));
    string_hash(r, "sha256", |b| hex(&Sha256::digest(b)));
    string_hash(r, "sha512", |b| hex(&Sha512::digest(b)));
    string_hash(r, "base64sha256", |b| b64(&Sha256::digest(b)));
    string_hash(r, "base64sha512", |b| b64(&Sha512::digest(b)));
    r.add(
        "uuid",
        Function::new(vec![], Type::String, |_, _| {
            Ok(Value::string(uuid::Uuid::new_v4().to_string()))
        })
        .impure(),
    );
    r.add(
        "uuidv5",
        Function::new(
            vec![
                Param::new("namespace", Type::String),
                Param::new("name", Type::String),
            ],
            Type::String,
            |_, a| uuidv5(str_arg(&a[0]), str_arg(&a[1])).map(Value::string),
        ),
    );
    r.add(
        "bcrypt",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::String,
            |_, a| bcrypt_hash(a).map(Value::string),
        )
        .variadic(Param::new("cost", Type::Number))
        .impure(),
    );
}

/// Lower-case hexadecimal, as Go's `hex.EncodeToString`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Standard base64 with padding (RFC 4648 section 4).
pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A function hashing the UTF-8 bytes of its string argument.
fn string_hash(r: &mut Registry, name: &str, f: fn(&[u8]) -> String) {
    r.add(
        name,
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::String,
            move |_, a| Ok(Value::string(f(str_arg(&a[0]).as_bytes()))),
        ),
    );
}

fn uuidv5(namespace: &str, name: &str) -> Result<String, FuncError> {
    let ns = match namespace {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => parse_uuid(other).map_err(|e| {
            FuncError::new(format!("uuidv5() doesn't support namespace {other} ({e})"))
        })?,
    };
    Ok(uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string())
}

/// Parses a UUID accepting the forms (and producing the errors) of the Go
/// library Terraform uses: plain, `urn:uuid:`-prefixed, braced, or 32 bare
/// hex digits.
fn parse_uuid(s: &str) -> Result<uuid::Uuid, String> {
    let b = s.as_bytes();
    let body: &[u8] = match b.len() {
        36 => b,
        45 => {
            if !b[..9].eq_ignore_ascii_case(b"urn:uuid:") {
                return Err(format!(
                    "invalid urn prefix: {}",
                    crate::encoding::go_quote(&String::from_utf8_lossy(&b[..9]))
                ));
            }
            &b[9..]
        }
        // The braces themselves are not checked, as in Go.
        38 => &b[1..],
        32 => {
            let mut out = [0u8; 16];
            for (i, o) in out.iter_mut().enumerate() {
                *o = hex_byte(b[i * 2], b[i * 2 + 1]).ok_or("invalid UUID format")?;
            }
            return Ok(uuid::Uuid::from_bytes(out));
        }
        n => return Err(format!("invalid UUID length: {n}")),
    };
    if body[8] != b'-' || body[13] != b'-' || body[18] != b'-' || body[23] != b'-' {
        return Err("invalid UUID format".into());
    }
    const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let mut out = [0u8; 16];
    for (o, &x) in out.iter_mut().zip(AT.iter()) {
        *o = hex_byte(body[x], body[x + 1]).ok_or("invalid UUID format")?;
    }
    Ok(uuid::Uuid::from_bytes(out))
}

fn hex_byte(hi: u8, lo: u8) -> Option<u8> {
    let d = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    Some(d(hi)? << 4 | d(lo)?)
}

/// Go's bcrypt limits.
const BCRYPT_MIN_COST: i64 = 4;
const BCRYPT_MAX_COST: i64 = 31;
const BCRYPT_DEFAULT_COST: i64 = 10;

fn bcrypt_hash(a: &[Value]) -> Result<String, FuncError> {
    let mut cost = BCRYPT_DEFAULT_COST;
    if let Some(c) = a.get(1) {
        cost = c.as_number().and_then(|n| n.to_i64()).ok_or_else(|| {
            FuncError::new(format!(
                "value must be a whole number, between {} and {}",
                i64::MIN,
                i64::MAX
            ))
        })?;
    }
    if a.len() > 2 {
        return Err(FuncError::new("bcrypt() takes no more than two arguments"));
    }
    // Go's bcrypt quietly uses the default cost below the minimum.
    if cost < BCRYPT_MIN_COST {
        cost = BCRYPT_DEFAULT_COST;
    }
    let failed = |why: String| FuncError::new(format!("error occured generating password {why}"));
    if cost > BCRYPT_MAX_COST {
        return Err(failed(format!(
            "crypto/bcrypt: cost {cost} is outside allowed inclusive range {BCRYPT_MIN_COST}..{BCRYPT_MAX_COST}"
        )));
    }
    let input = str_arg(&a[0]);
    if input.len() > 72 {
        return Err(failed("bcrypt: password length exceeds 72 bytes".into()));
    }
    let parts = bcrypt::hash_with_result(input, cost as u32).map_err(|e| failed(e.to_string()))?;
    // Go writes the "2a" version prefix.
    Ok(parts.format_for_version(bcrypt::Version::TwoA))
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use cairn_value::{Type, Value};

    #[test]
    fn string_hashes_match_the_docs() {
        assert_eq!(
            show("md5", vec![s("hello world")]),
            "\"5eb63bbbe01eeed093cb22bb8f5acdc3\""
        );
        assert_eq!(
            show("sha1", vec![s("hello world")]),
            "\"2aae6c35c94fcfb415dbe95f408b9ce91ee846ed\""
        );
        assert_eq!(
            show("sha256", vec![s("hello world")]),
            "\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\""
        );
        assert_eq!(
            show("sha512", vec![s("hello world")]),
            "\"309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f\""
        );
        assert_eq!(
            show("base64sha256", vec![s("hello world")]),
            "\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\""
        );
        assert_eq!(
            show("base64sha512", vec![s("hello world")]),
            "\"MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==\""
        );
        // Hashes the UTF-8 bytes; numbers convert to their string form.
        assert_eq!(
            show("sha1", vec![s("☃")]),
            "\"2686137311c038a99622242fdb662b88c221c08d\""
        );
        assert_eq!(show("md5", vec![n(1)]), show("md5", vec![s("1")]));
    }

    #[test]
    fn hashes_with_unknown_sensitive_and_null() {
        assert_eq!(
            show("sha256", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(show("sha1", vec![s("x").marked()]), "(sensitive value)");
        assert_eq!(
            show("md5", vec![Value::null(Type::String)]),
            "error: Invalid function argument: Invalid value for \"str\" parameter: argument must not be null."
        );
    }

    #[test]
    fn uuid_is_random_v4_and_unknown_while_planning() {
        let a = call("uuid", vec![]).unwrap();
        let b = call("uuid", vec![]).unwrap();
        let a = a.as_str().unwrap().to_string();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, b.as_str().unwrap());
        let ctx = crate::Context {
            plan_time: true,
            ..Default::default()
        };
        assert_eq!(show_in(&ctx, "uuid", vec![]), "(known after apply)");
    }

    #[test]
    fn uuidv5_examples() {
        assert_eq!(
            show("uuidv5", vec![s("dns"), s("www.terraform.io")]),
            "\"a5008fae-b28c-5ba5-96cd-82b4c53552d6\""
        );
        assert_eq!(
            show("uuidv5", vec![s("url"), s("https://www.terraform.io/")]),
            "\"9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5\""
        );
        assert_eq!(
            show("uuidv5", vec![s("oid"), s("1.3.6.1.4")]),
            "\"af9d40a5-7a36-5c07-b23a-851cd99fbfa5\""
        );
        assert_eq!(
            show("uuidv5", vec![s("x500"), s("CN=Example,C=GB")]),
            "\"84e09961-4aa4-57f8-95b7-03edb1073253\""
        );
        assert_eq!(
            show(
                "uuidv5",
                vec![
                    s("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
                    s("www.terraform.io")
                ]
            ),
            "\"a5008fae-b28c-5ba5-96cd-82b4c53552d6\""
        );
        // The other namespace spellings Go accepts.
        for ns in [
            "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
            "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
            "6ba7b8109dad11d180b400c04fd430c8",
        ] {
            assert_eq!(
                show("uuidv5", vec![s(ns), s("www.terraform.io")]),
                "\"a5008fae-b28c-5ba5-96cd-82b4c53552d6\""
            );
        }
        assert_eq!(
            show("uuidv5", vec![s("tada"), s("x")]),
            "error: Error in function call: Call to function \"uuidv5\" failed: uuidv5() doesn't support namespace tada (invalid UUID length: 4)."
        );
        assert_eq!(
            show(
                "uuidv5",
                vec![s("6ba7b810-9dad-11d1-80b4-00c04fd430cx"), s("x")]
            ),
            "error: Error in function call: Call to function \"uuidv5\" failed: uuidv5() doesn't support namespace 6ba7b810-9dad-11d1-80b4-00c04fd430cx (invalid UUID format)."
        );
        assert_eq!(
            show("uuidv5", vec![s("dns"), unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("uuidv5", vec![s("dns"), s("x").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn bcrypt_hashes_verify() {
        let h = call("bcrypt", vec![s("hello world")]).unwrap();
        let h = h.as_str().unwrap();
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert!(bcrypt::verify("hello world", h).unwrap());
        let h = call("bcrypt", vec![s("hello world"), n(4)]).unwrap();
        assert!(h.as_str().unwrap().starts_with("$2a$04$"));
        // Below the minimum, Go's bcrypt uses its default cost.
        let h = call("bcrypt", vec![s("x"), n(1)]).unwrap();
        assert!(h.as_str().unwrap().starts_with("$2a$10$"));
        assert_eq!(
            show("bcrypt", vec![s("x"), n(32)]),
            "error: Error in function call: Call to function \"bcrypt\" failed: error occured generating password crypto/bcrypt: cost 32 is outside allowed inclusive range 4..31."
        );
        assert_eq!(
            show("bcrypt", vec![s("x"), n(5), n(6)]),
            "error: Error in function call: Call to function \"bcrypt\" failed: bcrypt() takes no more than two arguments."
        );
        assert_eq!(
            show("bcrypt", vec![s("x"), num("4.5")]),
            "error: Error in function call: Call to function \"bcrypt\" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
        assert_eq!(
            show("bcrypt", vec![s(&"x".repeat(73))]),
            "error: Error in function call: Call to function \"bcrypt\" failed: error occured generating password bcrypt: password length exceeds 72 bytes."
        );
        assert_eq!(
            show("bcrypt", vec![s("x").marked(), n(4)]),
            "(sensitive value)"
        );
        let ctx = crate::Context {
            plan_time: true,
            ..Default::default()
        };
        assert_eq!(show_in(&ctx, "bcrypt", vec![s("x")]), "(known after apply)");
    }
}
