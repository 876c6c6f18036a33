//! The random provider's resources.

mod common;

use base64::Engine as _;
use cairn_value::{Type, Value};
use common::*;

const DEFAULT_SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

const ALL: [&str; 7] = [
    "random_id",
    "random_integer",
    "random_password",
    "random_pet",
    "random_shuffle",
    "random_string",
    "random_uuid",
];

/// A minimal valid configuration for each type.
fn minimal(p: &dyn cairn_provider::Provider, t: &str, extra: &[(&str, Value)]) -> Value {
    let mut set: Vec<(&str, Value)> = match t {
        "random_id" => vec![("byte_length", Value::int(8))],
        "random_integer" => vec![("min", Value::int(1)), ("max", Value::int(100))],
        "random_password" | "random_string" => vec![("length", Value::int(16))],
        "random_shuffle" => vec![("input", strlist(&["a", "b", "c"]))],
        _ => vec![],
    };
    set.extend(extra.iter().cloned());
    config(p, t, &set)
}

#[tokio::test]
async fn every_argument_forces_replacement_and_keepers_are_string_maps() {
    let p = provider("random").await;
    for t in ALL {
        let sch = schema(&*p, t);
        for (name, a) in &sch.attributes {
            if a.required || a.optional {
                assert!(a.force_new, "{t}.{name} must force replacement");
            } else {
                assert!(a.computed, "{t}.{name}");
            }
        }
        let k = &sch.attributes["keepers"];
        assert!(k.optional && !k.required && *k.ty() == Type::map(Type::String));
    }
}

#[tokio::test]
async fn schema_flags_match_the_real_provider() {
    let p = provider("random").await;
    // Sensitive: only the password's result and hash.
    assert!(attr(&*p, "random_password", "result").sensitive);
    assert!(attr(&*p, "random_password", "bcrypt_hash").sensitive);
    assert!(attr(&*p, "random_password", "bcrypt_hash").computed);
    assert!(!attr(&*p, "random_string", "result").sensitive);
    assert!(!attr(&*p, "random_password", "length").sensitive);
    // Required arguments.
    assert!(attr(&*p, "random_string", "length").required);
    assert!(attr(&*p, "random_id", "byte_length").required);
    assert!(attr(&*p, "random_integer", "min").required);
    assert!(attr(&*p, "random_integer", "max").required);
    assert!(attr(&*p, "random_shuffle", "input").required);
    assert_eq!(
        *attr(&*p, "random_shuffle", "input").ty(),
        Type::list(Type::String)
    );
    assert_eq!(
        *attr(&*p, "random_shuffle", "result").ty(),
        Type::list(Type::String)
    );
    assert_eq!(*attr(&*p, "random_integer", "result").ty(), Type::Number);
    assert_eq!(*attr(&*p, "random_integer", "seed").ty(), Type::String);
    // Defaults are optional + computed.
    for a in [
        "special",
        "upper",
        "lower",
        "numeric",
        "number",
        "min_upper",
    ] {
        let x = attr(&*p, "random_string", a);
        assert!(x.optional && x.computed, "{a}");
    }
    let l = attr(&*p, "random_pet", "length");
    assert!(l.optional && l.computed && !l.required);
    for (t, a) in [
        ("random_id", "b64_url"),
        ("random_id", "b64_std"),
        ("random_id", "hex"),
        ("random_id", "dec"),
        ("random_uuid", "result"),
        ("random_pet", "id"),
    ] {
        assert!(attr(&*p, t, a).computed, "{t}.{a}");
    }
}

#[tokio::test]
async fn no_change_plans_the_prior_state_for_every_type() {
    let p = provider("random").await;
    for t in ALL {
        let cfg = minimal(&*p, t, &[("keepers", strmap(&[("k", "v")]))]);
        let state = create(&*p, t, &cfg).await;
        assert!(state.is_wholly_known(), "{t}: {state:?}");
        assert_no_change(&*p, t, &state, &cfg).await;
        // Refresh keeps it as it is.
        let r = p.read(t, &state).await.unwrap().unwrap();
        assert!(r.raw_equal(&state), "{t}");
    }
}

#[tokio::test]
async fn keepers_change_requires_replace_for_every_type() {
    let p = provider("random").await;
    for t in ALL {
        let cfg = minimal(&*p, t, &[("keepers", strmap(&[("ami", "a-1")]))]);
        let state = create(&*p, t, &cfg).await;
        let cfg2 = minimal(&*p, t, &[("keepers", strmap(&[("ami", "a-2")]))]);
        let resp = plan(&*p, t, Some(&state), &cfg2).await;
        assert!(
            replaces(&resp, "keepers"),
            "{t}: {:?}",
            resp.requires_replace
        );
        // The replacement's results are new: unknown until apply.
        assert!(
            resp.planned.get_attr("id").unwrap().is_unknown(),
            "{t}: {:?}",
            resp.planned
        );
        // An unknown keeper forces replacement too.
        let cfg3 = minimal(
            &*p,
            t,
            &[("keepers", Value::unknown(Type::map(Type::String)))],
        );
        let resp = plan(&*p, t, Some(&state), &cfg3).await;
        assert!(replaces(&resp, "keepers"), "{t}");
    }
}

#[tokio::test]
async fn random_string_respects_classes_minimums_and_override_special() {
    let p = provider("random").await;
    let t = "random_string";
    let cfg = config(
        &*p,
        t,
        &[
            ("length", Value::int(20)),
            ("override_special", Value::string("_%")),
            ("min_upper", Value::int(2)),
            ("min_lower", Value::int(3)),
            ("min_numeric", Value::int(4)),
            ("min_special", Value::int(5)),
        ],
    );
    for _ in 0..20 {
        let st = create(&*p, t, &cfg).await;
        let r = s(&st, "result");
        assert_eq!(r.chars().count(), 20);
        assert_eq!(s(&st, "id"), r);
        assert!(r.chars().filter(char::is_ascii_uppercase).count() >= 2);
        assert!(r.chars().filter(char::is_ascii_lowercase).count() >= 3);
        assert!(r.chars().filter(char::is_ascii_digit).count() >= 4);
        assert!(r.chars().filter(|c| "_%".contains(*c)).count() >= 5);
        assert!(
            r.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_%".contains(c)),
            "{r}"
        );
    }
    // Defaults are recorded in state, as the real provider does.
    let st = create(&*p, t, &cfg).await;
    for f in ["special", "upper", "lower", "numeric", "number"] {
        assert_eq!(st.get_attr(f).unwrap().as_bool(), Some(true), "{f}");
    }
    assert!(!st.get_attr("result").unwrap().sensitive);
}

#[tokio::test]
async fn random_string_default_and_restricted_character_sets() {
    let p = provider("random").await;
    let t = "random_string";
    let cfg = config(&*p, t, &[("length", Value::int(200))]);
    let r = s(&create(&*p, t, &cfg).await, "result");
    assert!(r
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || DEFAULT_SPECIAL.contains(c)));

    let cfg = config(
        &*p,
        t,
        &[
            ("length", Value::int(100)),
            ("special", Value::bool(false)),
            ("upper", Value::bool(false)),
            ("numeric", Value::bool(false)),
        ],
    );
    let st = create(&*p, t, &cfg).await;
    let r = s(&st, "result");
    assert!(r.chars().all(|c| c.is_ascii_lowercase()), "{r}");
    // The deprecated alias follows `numeric`.
    assert_eq!(st.get_attr("number").unwrap().as_bool(), Some(false));

    // The deprecated `number = false` alone turns digits off too.
    let cfg = config(
        &*p,
        t,
        &[
            ("length", Value::int(100)),
            ("special", Value::bool(false)),
            ("number", Value::bool(false)),
        ],
    );
    let st = create(&*p, t, &cfg).await;
    assert!(s(&st, "result").chars().all(|c| c.is_ascii_alphabetic()));
    assert_eq!(st.get_attr("numeric").unwrap().as_bool(), Some(false));
}

#[tokio::test]
async fn random_string_argument_changes_replace_it() {
    let p = provider("random").await;
    let t = "random_string";
    let cfg = config(
        &*p,
        t,
        &[("length", Value::int(8)), ("special", Value::bool(false))],
    );
    let st = create(&*p, t, &cfg).await;
    let resp = plan(
        &*p,
        t,
        Some(&st),
        &config(
            &*p,
            t,
            &[("length", Value::int(9)), ("special", Value::bool(false))],
        ),
    )
    .await;
    assert!(replaces(&resp, "length"));
    assert!(resp.planned.get_attr("result").unwrap().is_unknown());
    // Removing `special = false` goes back to the default, true: replace.
    let resp = plan(
        &*p,
        t,
        Some(&st),
        &config(&*p, t, &[("length", Value::int(8))]),
    )
    .await;
    assert!(replaces(&resp, "special"));
    assert_eq!(
        resp.planned.get_attr("special").unwrap().as_bool(),
        Some(true)
    );
    // An unknown length on create leaves the result unknown.
    let resp = plan(
        &*p,
        t,
        None,
        &config(&*p, t, &[("length", Value::unknown(Type::Number))]),
    )
    .await;
    assert!(resp.planned.get_attr("result").unwrap().is_unknown());
}

#[tokio::test]
async fn random_password_result_is_sensitive_with_bcrypt_hash() {
    let p = provider("random").await;
    let t = "random_password";
    let cfg = config(
        &*p,
        t,
        &[
            ("length", Value::int(24)),
            ("override_special", Value::string("!#%*-_=+")),
            ("min_upper", Value::int(2)),
            ("min_numeric", Value::int(2)),
        ],
    );
    let resp = plan(&*p, t, None, &cfg).await;
    let planned_result = resp.planned.get_attr("result").unwrap();
    assert!(planned_result.is_unknown() && planned_result.sensitive);

    let st = create(&*p, t, &cfg).await;
    let r = s(&st, "result");
    assert_eq!(r.len(), 24);
    assert!(r
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "!#%*-_=+".contains(c)));
    assert!(r.chars().filter(char::is_ascii_uppercase).count() >= 2);
    assert!(r.chars().filter(char::is_ascii_digit).count() >= 2);
    assert_eq!(s(&st, "id"), "none");
    assert!(st.get_attr("result").unwrap().sensitive);
    assert!(st.get_attr("bcrypt_hash").unwrap().sensitive);
    let h = s(&st, "bcrypt_hash");
    assert!(h.starts_with("$2a$10$"), "{h}");
    assert!(bcrypt::verify(&r, &h).unwrap());
    assert_no_change(&*p, t, &st, &cfg).await;
}

#[tokio::test]
async fn random_string_and_password_validation() {
    let p = provider("random").await;
    for t in ["random_string", "random_password"] {
        let d = p.validate_resource(t, &config(&*p, t, &[("length", Value::int(0))]));
        assert!(error_mentions(&d, "length"), "{t}: {d:?}");

        let d = p.validate_resource(
            t,
            &config(
                &*p,
                t,
                &[
                    ("length", Value::int(4)),
                    ("min_upper", Value::int(2)),
                    ("min_lower", Value::int(2)),
                    ("min_special", Value::int(1)),
                ],
            ),
        );
        assert!(error_mentions(&d, "min_upper"), "{t}: {d:?}");

        let d = p.validate_resource(
            t,
            &config(
                &*p,
                t,
                &[("length", Value::int(4)), ("min_numeric", Value::int(-1))],
            ),
        );
        assert!(error_mentions(&d, "min_numeric"), "{t}: {d:?}");

        let d = p.validate_resource(
            t,
            &config(
                &*p,
                t,
                &[
                    ("length", Value::int(4)),
                    ("number", Value::bool(true)),
                    ("numeric", Value::bool(false)),
                ],
            ),
        );
        assert!(error_mentions(&d, "numeric"), "{t}: {d:?}");
        assert!(d
            .iter()
            .any(|x| !x.is_error() && x.summary.contains("number")));

        let d = p.validate_resource(
            t,
            &config(
                &*p,
                t,
                &[
                    ("length", Value::int(4)),
                    ("upper", Value::bool(false)),
                    ("lower", Value::bool(false)),
                    ("numeric", Value::bool(false)),
                    ("special", Value::bool(false)),
                ],
            ),
        );
        assert!(error_mentions(&d, "length"), "{t}: {d:?}");

        let d = p.validate_resource(
            t,
            &config(
                &*p,
                t,
                &[(
                    "length",
                    Value::number(cairn_value::Number::parse("2.5").unwrap()),
                )],
            ),
        );
        assert!(error_mentions(&d, "length"), "{t}: {d:?}");

        // Valid, and unknown values are not judged.
        let ok = config(&*p, t, &[("length", Value::int(16))]);
        assert!(p.validate_resource(t, &ok).is_empty());
        let unknown = config(
            &*p,
            t,
            &[
                ("length", Value::unknown(Type::Number)),
                ("min_upper", Value::int(50)),
            ],
        );
        assert!(p.validate_resource(t, &unknown).is_empty());
    }
}

#[tokio::test]
async fn random_string_and_password_import() {
    let p = provider("random").await;
    let st = p.import("random_string", "test").await.unwrap();
    assert_eq!(s(&st, "result"), "test");
    assert_eq!(s(&st, "id"), "test");
    assert_eq!(
        st.get_attr("length")
            .and_then(Value::as_number)
            .and_then(|n| n.to_i64()),
        Some(4)
    );
    assert_eq!(st.get_attr("special").unwrap().as_bool(), Some(true));
    // The documented config for an imported value plans no change.
    let cfg = config(&*p, "random_string", &[("length", Value::int(4))]);
    assert_no_change(&*p, "random_string", &st, &cfg).await;

    let st = p.import("random_password", "securepassword").await.unwrap();
    assert_eq!(s(&st, "id"), "none");
    assert!(st.get_attr("result").unwrap().sensitive);
    assert!(bcrypt::verify("securepassword", &s(&st, "bcrypt_hash")).unwrap());
    let cfg = config(&*p, "random_password", &[("length", Value::int(14))]);
    assert_no_change(&*p, "random_password", &st, &cfg).await;
}

#[tokio::test]
async fn random_id_encodings_agree() {
    let p = provider("random").await;
    let t = "random_id";
    let cfg = config(&*p, t, &[("byte_length", Value::int(8))]);
    let st = create(&*p, t, &cfg).await;
    let hex_s = s(&st, "hex");
    assert_eq!(hex_s.len(), 16);
    let bytes = hex::decode(&hex_s).unwrap();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let std = base64::engine::general_purpose::STANDARD;
    assert_eq!(url.decode(s(&st, "b64_url")).unwrap(), bytes);
    assert_eq!(url.decode(s(&st, "id")).unwrap(), bytes);
    assert_eq!(std.decode(s(&st, "b64_std")).unwrap(), bytes);
    assert_eq!(
        s(&st, "dec"),
        num_bigint::BigUint::from_bytes_be(&bytes).to_string()
    );

    // With a prefix: on every encoding but id.
    let cfg = config(
        &*p,
        t,
        &[
            ("byte_length", Value::int(4)),
            ("prefix", Value::string("srv-")),
        ],
    );
    let st = create(&*p, t, &cfg).await;
    for a in ["b64_url", "b64_std", "hex", "dec"] {
        assert!(s(&st, a).starts_with("srv-"), "{a}");
    }
    assert!(!s(&st, "id").starts_with("srv-"));
    assert_eq!(format!("srv-{}", s(&st, "id")), s(&st, "b64_url"));
    assert_eq!(s(&st, "hex").len(), 4 + 8);

    let resp = plan(
        &*p,
        t,
        Some(&st),
        &config(
            &*p,
            t,
            &[
                ("byte_length", Value::int(4)),
                ("prefix", Value::string("db-")),
            ],
        ),
    )
    .await;
    assert!(replaces(&resp, "prefix"));

    let d = p.validate_resource(t, &config(&*p, t, &[("byte_length", Value::int(0))]));
    assert!(error_mentions(&d, "byte_length"));
}

#[tokio::test]
async fn random_id_import_with_and_without_prefix() {
    let p = provider("random").await;
    let st = p.import("random_id", "p-9hUg").await.unwrap();
    assert_eq!(s(&st, "b64_url"), "p-9hUg");
    assert_eq!(s(&st, "id"), "p-9hUg");
    assert_eq!(s(&st, "hex"), "a7ef6152");
    assert!(st.get_attr("prefix").unwrap().is_null());
    let cfg = config(&*p, "random_id", &[("byte_length", Value::int(4))]);
    assert_no_change(&*p, "random_id", &st, &cfg).await;

    let st = p.import("random_id", "my-prefix-,p-9hUg").await.unwrap();
    assert_eq!(s(&st, "prefix"), "my-prefix-");
    assert_eq!(s(&st, "b64_url"), "my-prefix-p-9hUg");
    assert_eq!(s(&st, "id"), "p-9hUg");
    assert!(p.import("random_id", "not base64!").await.is_err());
}

#[tokio::test]
async fn random_integer_range_seed_and_validation() {
    let p = provider("random").await;
    let t = "random_integer";
    let cfg = config(&*p, t, &[("min", Value::int(-3)), ("max", Value::int(3))]);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let st = create(&*p, t, &cfg).await;
        let r = st
            .get_attr("result")
            .and_then(Value::as_number)
            .and_then(|n| n.to_i64())
            .unwrap();
        assert!((-3..=3).contains(&r));
        assert_eq!(s(&st, "id"), r.to_string());
        seen.insert(r);
    }
    assert_eq!(seen.len(), 7, "all values of a small range show up");

    // A seed gives the same result every time.
    let seeded = config(
        &*p,
        t,
        &[
            ("min", Value::int(1)),
            ("max", Value::int(1_000_000)),
            ("seed", Value::string("fixed")),
        ],
    );
    let a = s(&create(&*p, t, &seeded).await, "id");
    let b = s(&create(&*p, t, &seeded).await, "id");
    assert_eq!(a, b);

    // The whole i64 range works.
    let wide = config(
        &*p,
        t,
        &[("min", Value::int(i64::MIN)), ("max", Value::int(i64::MAX))],
    );
    create(&*p, t, &wide).await;

    let bad = config(&*p, t, &[("min", Value::int(5)), ("max", Value::int(1))]);
    let d = p.validate_resource(t, &bad);
    assert!(
        error_mentions(&d, "min") && error_mentions(&d, "max"),
        "{d:?}"
    );
    assert!(try_create(&*p, t, &bad).await.is_err());

    let resp = plan(
        &*p,
        t,
        Some(&create(&*p, t, &cfg).await),
        &config(&*p, t, &[("min", Value::int(-3)), ("max", Value::int(4))]),
    )
    .await;
    assert!(replaces(&resp, "max"));
}

#[tokio::test]
async fn random_integer_import() {
    let p = provider("random").await;
    let st = p.import("random_integer", "15390,1,50000").await.unwrap();
    assert_eq!(s(&st, "id"), "15390");
    assert!(st.get_attr("seed").unwrap().is_null());
    let cfg = config(
        &*p,
        "random_integer",
        &[("min", Value::int(1)), ("max", Value::int(50000))],
    );
    assert_no_change(&*p, "random_integer", &st, &cfg).await;
    let st = p.import("random_integer", "7,1,9,abc").await.unwrap();
    assert_eq!(s(&st, "seed"), "abc");
    assert!(p.import("random_integer", "15390").await.is_err());
    assert!(p.import("random_integer", "99,1,5").await.is_err());
}

#[tokio::test]
async fn random_pet_words_separator_and_prefix() {
    let p = provider("random").await;
    let t = "random_pet";
    let st = create(&*p, t, &config(&*p, t, &[])).await;
    let id = s(&st, "id");
    assert_eq!(id.split('-').count(), 2, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
    assert_eq!(
        st.get_attr("length")
            .and_then(Value::as_number)
            .and_then(|n| n.to_i64()),
        Some(2)
    );
    assert_eq!(s(&st, "separator"), "-");

    let cfg = config(
        &*p,
        t,
        &[
            ("length", Value::int(4)),
            ("separator", Value::string(".")),
            ("prefix", Value::string("cairn")),
        ],
    );
    let st = create(&*p, t, &cfg).await;
    let id = s(&st, "id");
    let parts: Vec<&str> = id.split('.').collect();
    assert_eq!(parts.len(), 5, "{id}");
    assert_eq!(parts[0], "cairn");

    let one = create(&*p, t, &config(&*p, t, &[("length", Value::int(1))])).await;
    assert!(!s(&one, "id").contains('-'));

    let d = p.validate_resource(t, &config(&*p, t, &[("length", Value::int(0))]));
    assert!(error_mentions(&d, "length"));
    let e = p.import(t, "happy-cat").await.unwrap_err();
    assert!(e.summary.contains("random_pet"));
}

#[tokio::test]
async fn random_uuid_format_and_import() {
    let p = provider("random").await;
    let t = "random_uuid";
    let st = create(&*p, t, &config(&*p, t, &[])).await;
    let u = s(&st, "result");
    assert_eq!(s(&st, "id"), u);
    let groups: Vec<usize> = u.split('-').map(str::len).collect();
    assert_eq!(groups, vec![8, 4, 4, 4, 12]);
    assert!(u
        .bytes()
        .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));

    let st = p
        .import(t, "aabbccdd-eeff-0011-2233-445566778899")
        .await
        .unwrap();
    assert_eq!(s(&st, "result"), "aabbccdd-eeff-0011-2233-445566778899");
    assert_no_change(&*p, t, &st, &config(&*p, t, &[])).await;
    assert!(p.import(t, "not-a-uuid").await.is_err());
}

fn result_list(v: &Value) -> Vec<String> {
    v.get_attr("result")
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn random_shuffle_permutes_counts_and_seeds() {
    let p = provider("random").await;
    let t = "random_shuffle";
    let items = ["a", "b", "c", "d", "e"];
    let st = create(&*p, t, &config(&*p, t, &[("input", strlist(&items))])).await;
    let mut r = result_list(&st);
    assert_eq!(s(&st, "id"), "-");
    r.sort();
    assert_eq!(r, items);

    let two = create(
        &*p,
        t,
        &config(
            &*p,
            t,
            &[("input", strlist(&items)), ("result_count", Value::int(2))],
        ),
    )
    .await;
    let r = result_list(&two);
    assert_eq!(r.len(), 2);
    assert_ne!(r[0], r[1]);

    // More than the input: items repeat, none more often than the rounds.
    let twelve = create(
        &*p,
        t,
        &config(
            &*p,
            t,
            &[("input", strlist(&items)), ("result_count", Value::int(12))],
        ),
    )
    .await;
    let r = result_list(&twelve);
    assert_eq!(r.len(), 12);
    for i in items {
        let n = r.iter().filter(|x| *x == i).count();
        assert!((2..=3).contains(&n), "{i} appears {n} times");
    }

    let seeded = config(
        &*p,
        t,
        &[("input", strlist(&items)), ("seed", Value::string("s"))],
    );
    assert_eq!(
        result_list(&create(&*p, t, &seeded).await),
        result_list(&create(&*p, t, &seeded).await)
    );

    let empty = create(&*p, t, &config(&*p, t, &[("input", strlist(&[]))])).await;
    assert!(result_list(&empty).is_empty());

    let d = p.validate_resource(
        t,
        &config(
            &*p,
            t,
            &[("input", strlist(&items)), ("result_count", Value::int(-1))],
        ),
    );
    assert!(error_mentions(&d, "result_count"));

    let resp = plan(
        &*p,
        t,
        Some(&st),
        &config(&*p, t, &[("input", strlist(&["a", "b"]))]),
    )
    .await;
    assert!(replaces(&resp, "input"));
    assert!(p.import(t, "x").await.is_err());
}

#[tokio::test]
async fn delete_returns_null() {
    let p = provider("random").await;
    for t in ALL {
        let st = create(&*p, t, &minimal(&*p, t, &[])).await;
        assert!(destroy(&*p, t, &st).await.is_null(), "{t}");
    }
}
