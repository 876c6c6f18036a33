//! Type conversion and sensitivity functions: `tostring`, `tonumber`,
//! `tobool`, `tolist`, `toset`, `tomap`, `type`, `sensitive`,
//! `nonsensitive`, `issensitive` (Terraform's `lang/funcs`).

use cairn_value::{Kind, Type, Value};

use crate::collections::convert_coll;
use crate::strings::go_quote;
use crate::{FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    r.add("tostring", to_fn(Type::String));
    r.add("tonumber", to_fn(Type::Number));
    r.add("tobool", to_fn(Type::Bool));
    r.add("tolist", to_fn(Type::list(Type::Dynamic)));
    r.add("toset", to_fn(Type::set(Type::Dynamic)));
    r.add("tomap", to_fn(Type::map(Type::Dynamic)));
    r.add(
        "type",
        Function::new(
            // Marks are ignored: a type discloses nothing of the value, and
            // Terraform's console prints it regardless of marks.
            vec![Param::new("value", Type::Dynamic)
                .allow_unknown()
                .allow_null()
                .allow_marked()],
            Type::String,
            |_, a| Ok(Value::string(type_string(&a[0].ty()))),
        ),
    );
    r.add(
        "sensitive",
        mark_fn(|v| {
            Ok(Value {
                sensitive: true,
                ..v.clone()
            })
        }),
    );
    r.add(
        "nonsensitive",
        // Since Terraform 1.8 a value that is not sensitive passes through
        // unchanged instead of being an error. Only the value's own mark is
        // removed; marks inside it stay.
        mark_fn(|v| {
            Ok(Value {
                sensitive: false,
                ..v.clone()
            })
        }),
    );
    r.add(
        "issensitive",
        Function::new(
            vec![Param::new("value", Type::Dynamic)
                .allow_unknown()
                .allow_null()
                .allow_marked()],
            Type::Bool,
            |_, a| {
                let v = &a[0];
                Ok(if v.sensitive {
                    Value::bool(true)
                } else if v.is_unknown() {
                    // It might yet turn out sensitive.
                    Value::unknown(Type::Bool)
                } else {
                    Value::bool(false)
                })
            },
        ),
    );
}

/// A function taking any value with its marks, unknowns and nulls.
fn mark_fn(f: impl Fn(&Value) -> Result<Value, FuncError> + Send + Sync + 'static) -> Function {
    Function::new(
        vec![Param::new("value", Type::Dynamic)
            .allow_unknown()
            .allow_null()
            .allow_marked()],
        Type::Dynamic,
        move |_, a| f(&a[0]),
    )
}

/// Terraform's `MakeToFunc`: an explicit conversion with messages written
/// for it ("cannot convert tuple to string").
fn to_fn(want: Type) -> Function {
    Function::new(
        vec![Param::new("v", Type::Dynamic)
            .allow_unknown()
            .allow_null()
            .allow_marked()],
        want.clone(),
        move |_, a| to_impl(&a[0], &want),
    )
}

fn to_impl(v: &Value, want: &Type) -> Result<Value, FuncError> {
    let got = v.ty();
    let cannot = || {
        FuncError::arg(
            0,
            format!(
                "cannot convert {} to {}",
                friendly(&got),
                constraint_name(want)
            ),
        )
    };
    // Refused by type alone, even for unknown and null values.
    if got != *want && !convertible(&got, want) {
        return Err(cannot());
    }
    if let Kind::Unknown(_) = v.kind {
        // Terraform answers with the requested type as it stands, so
        // `tolist` of an unknown gives an unknown `list(any)`.
        return Ok(Value::unknown(want.clone()).mark(v.sensitive));
    }
    convert_coll(v, want).map_err(|_| {
        if v.is_sensitive_deep() {
            // Say nothing about the sensitive value itself.
            return FuncError::arg(
                0,
                format!(
                    "cannot convert this sensitive {} to {}",
                    friendly(&got),
                    constraint_name(want)
                ),
            );
        }
        match (&got, want, v.as_str()) {
            (Type::String, Type::Bool, Some(s)) => FuncError::arg(
                0,
                format!(
                    "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                    go_quote(s)
                ),
            ),
            (Type::String, Type::Number, Some(s)) => FuncError::arg(
                0,
                format!(
                    "cannot convert {} to number; given string must be a decimal representation of a number",
                    go_quote(s)
                ),
            ),
            _ => cannot(),
        }
    })
}

/// Whether some conversion from `from` to `to` exists by type alone (cty's
/// `GetConversionUnsafe`), leaving value-dependent failures (like "abc" to
/// number) to the conversion itself.
fn convertible(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (Type::Dynamic, _) | (_, Type::Dynamic) => true,
        (a, b) if a == b => true,
        (Type::String | Type::Number | Type::Bool, Type::String) => true,
        (Type::String, Type::Number | Type::Bool) => true,
        (Type::List(a) | Type::Set(a), Type::List(b) | Type::Set(b)) => convertible(a, b),
        (Type::Tuple(ts), Type::List(b) | Type::Set(b)) => {
            ts.iter().all(|t| convertible(t, b))
                && (!b.has_dynamic() || cairn_value::unify(ts).is_some())
        }
        (Type::Map(a), Type::Map(b)) => convertible(a, b),
        (Type::Object(o), Type::Map(b)) => {
            let ts: Vec<Type> = o.attrs.values().cloned().collect();
            ts.iter().all(|t| convertible(t, b))
                && (!b.has_dynamic() || cairn_value::unify(&ts).is_some())
        }
        _ => cairn_value::convert::check_type(from, to).is_ok(),
    }
}

/// cty's `FriendlyName` of a type, as Terraform's messages use it.
pub(crate) fn friendly(t: &Type) -> String {
    match t {
        Type::Dynamic => "dynamic".into(),
        Type::String => "string".into(),
        Type::Number => "number".into(),
        Type::Bool => "bool".into(),
        Type::List(e) => format!("list of {}", friendly(e)),
        Type::Set(e) => format!("set of {}", friendly(e)),
        Type::Map(e) => format!("map of {}", friendly(e)),
        Type::Tuple(_) => "tuple".into(),
        Type::Object(_) => "object".into(),
    }
}

/// cty's `FriendlyNameForConstraint`: `any` reads "any single type" inside
/// collections.
fn constraint_name(t: &Type) -> String {
    match t {
        Type::Dynamic => "any type".into(),
        Type::List(e) | Type::Set(e) | Type::Map(e) if **e == Type::Dynamic => {
            let kind = match t {
                Type::List(_) => "list",
                Type::Set(_) => "set",
                _ => "map",
            };
            format!("{kind} of any single type")
        }
        Type::List(e) => format!("list of {}", constraint_name(e)),
        Type::Set(e) => format!("set of {}", constraint_name(e)),
        Type::Map(e) => format!("map of {}", constraint_name(e)),
        t => friendly(t),
    }
}

/// A type as `terraform console` prints the result of `type(...)`:
/// structural types over several lines, indented by four spaces.
pub(crate) fn type_string(t: &Type) -> String {
    let mut out = String::new();
    write_type(t, 0, &mut out);
    out
}

fn write_type(t: &Type, indent: usize, out: &mut String) {
    let pad = |n: usize| "    ".repeat(n);
    match t {
        Type::Object(o) if o.attrs.is_empty() => out.push_str("object({})"),
        Type::Object(o) => {
            out.push_str("object({\n");
            for (name, at) in &o.attrs {
                out.push_str(&pad(indent + 1));
                out.push_str(name);
                out.push_str(": ");
                write_type(at, indent + 1, out);
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push_str("})");
        }
        Type::Tuple(ts) if ts.is_empty() => out.push_str("tuple([])"),
        Type::Tuple(ts) => {
            out.push_str("tuple([\n");
            for et in ts {
                out.push_str(&pad(indent + 1));
                write_type(et, indent + 1, out);
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push_str("])");
        }
        Type::List(e) | Type::Set(e) | Type::Map(e) => {
            out.push_str(match t {
                Type::List(_) => "list(",
                Type::Set(_) => "set(",
                _ => "map(",
            });
            // Structural elements get their own lines so the collection
            // around them stays visible.
            let complex = matches!(**e, Type::Object(_) | Type::Tuple(_));
            if complex {
                out.push('\n');
                out.push_str(&pad(indent + 1));
                write_type(e, indent + 1, out);
                out.push_str(",\n");
                out.push_str(&pad(indent));
            } else {
                write_type(e, indent, out);
            }
            out.push(')');
        }
        t => out.push_str(&friendly(t)),
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use cairn_value::{Type, Value};

    fn inv(m: &str) -> String {
        format!("error: Invalid function argument: Invalid value for \"v\" parameter: {m}.")
    }

    #[test]
    fn tostring_fn() {
        assert_eq!(show("tostring", vec![s("hello")]), "\"hello\"");
        assert_eq!(show("tostring", vec![n(1)]), "\"1\"");
        assert_eq!(show("tostring", vec![b(true)]), "\"true\"");
        let null = call("tostring", vec![Value::dynamic_null()]).unwrap();
        assert!(null.is_null());
        assert_eq!(null.ty(), Type::String);
        assert_eq!(
            show("tostring", vec![tuple(vec![])]),
            inv("cannot convert tuple to string")
        );
        assert_eq!(
            show("tostring", vec![strs(&["a"])]),
            inv("cannot convert list of string to string")
        );
        assert_eq!(
            show("tostring", vec![unknown(Type::Tuple(vec![]))]),
            inv("cannot convert tuple to string")
        );
        assert_eq!(
            call_ty("tostring", vec![unknown(Type::Number)]),
            Type::String
        );
        assert_eq!(show("tostring", vec![n(1).marked()]), "(sensitive value)");
    }

    #[test]
    fn tonumber_fn() {
        assert_eq!(show("tonumber", vec![n(1)]), "1");
        assert_eq!(show("tonumber", vec![s("1")]), "1");
        assert_eq!(show("tonumber", vec![Value::dynamic_null()]), "null");
        assert_eq!(
            show("tonumber", vec![s("no")]),
            inv("cannot convert \"no\" to number; given string must be a decimal representation of a number")
        );
        assert_eq!(
            show("tonumber", vec![b(true)]),
            inv("cannot convert bool to number")
        );
        assert_eq!(
            show("tonumber", vec![s("no").marked()]),
            inv("cannot convert this sensitive string to number")
        );
        assert_eq!(
            call_ty("tonumber", vec![unknown(Type::String)]),
            Type::Number
        );
        assert_eq!(show("tonumber", vec![s("2").marked()]), "(sensitive value)");
    }

    #[test]
    fn tobool_fn() {
        assert_eq!(show("tobool", vec![b(true)]), "true");
        assert_eq!(show("tobool", vec![s("true")]), "true");
        assert_eq!(show("tobool", vec![Value::dynamic_null()]), "null");
        assert_eq!(
            show("tobool", vec![s("no")]),
            inv(
                "cannot convert \"no\" to bool; only the strings \"true\" or \"false\" are allowed"
            )
        );
        assert_eq!(
            show("tobool", vec![n(1)]),
            inv("cannot convert number to bool")
        );
        assert_eq!(
            show("tobool", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("tobool", vec![s("false").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn tolist_toset_tomap() {
        assert_eq!(
            show("tolist", vec![strs(&["a", "b", "c"])]),
            "tolist([\n  \"a\",\n  \"b\",\n  \"c\",\n])"
        );
        assert_eq!(
            show("tolist", vec![tuple(vec![s("a"), s("b"), n(3)])]),
            "tolist([\n  \"a\",\n  \"b\",\n  \"3\",\n])"
        );
        assert_eq!(
            call_ty("tolist", vec![tuple(vec![s("a"), n(1)])]),
            Type::list(Type::String)
        );
        assert_eq!(
            show("toset", vec![tuple(vec![s("a"), s("b"), n(3)])]),
            "toset([\n  \"3\",\n  \"a\",\n  \"b\",\n])"
        );
        assert_eq!(
            show("toset", vec![strs(&["c", "b", "b"])]),
            "toset([\n  \"b\",\n  \"c\",\n])"
        );
        assert_eq!(
            show("tomap", vec![obj(&[("a", n(1)), ("b", n(2))])]),
            "tomap({\n  \"a\" = 1\n  \"b\" = 2\n})"
        );
        assert_eq!(
            show("tomap", vec![obj(&[("a", s("foo")), ("b", b(true))])]),
            "tomap({\n  \"a\" = \"foo\"\n  \"b\" = \"true\"\n})"
        );
        assert_eq!(
            show("tolist", vec![tuple(vec![n(1), b(true)])]),
            "error: Invalid function argument: Invalid value for \"v\" parameter: cannot convert tuple to list of any single type."
        );
        assert_eq!(
            show("tomap", vec![s("x")]),
            "error: Invalid function argument: Invalid value for \"v\" parameter: cannot convert string to map of any single type."
        );
        assert_eq!(
            show("toset", vec![obj(&[])]),
            "error: Invalid function argument: Invalid value for \"v\" parameter: cannot convert object to set of any single type."
        );
        assert_eq!(
            call_ty("tolist", vec![unknown(Type::set(Type::Number))]),
            Type::list(Type::Dynamic)
        );
        assert_eq!(
            show("tolist", vec![tuple(vec![unknown(Type::String)])]),
            "tolist([\n  (known after apply),\n])"
        );
        let l = call("tolist", vec![tuple(vec![s("a").marked(), s("b")])]).unwrap();
        assert!(!l.sensitive && l.is_sensitive_deep());
        assert_eq!(
            show("toset", vec![strs(&["a"]).marked()]),
            "(sensitive value)"
        );
        // The element type of an empty collection is kept.
        assert_eq!(call_ty("tolist", vec![strs(&[])]), Type::list(Type::String));
        assert_eq!(
            call_ty("tomap", vec![unknown(Type::map(Type::Number))]),
            Type::map(Type::Dynamic)
        );
        assert_eq!(
            show("tomap", vec![obj(&[("a", n(1))]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn type_fn() {
        assert_eq!(show("type", vec![s("foo")]), "\"string\"");
        assert_eq!(show("type", vec![tuple(vec![])]), "\"tuple([])\"");
        assert_eq!(show("type", vec![Value::dynamic_null()]), "\"dynamic\"");
        let t = call(
            "type",
            vec![tuple(vec![
                obj(&[("foo", s("bar")), ("map", obj(&[("bleep", s("bloop"))]))]),
                obj(&[("beep", s("boop"))]),
            ])],
        )
        .unwrap();
        assert_eq!(
            t.as_str(),
            Some("tuple([\n    object({\n        foo: string,\n        map: object({\n            bleep: string,\n        }),\n    }),\n    object({\n        beep: string,\n    }),\n])")
        );
        let l = call(
            "type",
            vec![Value::list(Type::Tuple(vec![Type::Number]), vec![])],
        )
        .unwrap();
        assert_eq!(
            l.as_str(),
            Some("list(\n    tuple([\n        number,\n    ]),\n)")
        );
        assert_eq!(
            show("type", vec![unknown(Type::map(Type::Bool))]),
            "\"map(bool)\""
        );
        assert_eq!(show("type", vec![s("x").marked()]), "\"string\"");
        assert_eq!(
            show("type", vec![]),
            "error: Not enough function arguments: Function \"type\" expects 1 argument(s). Missing value for \"value\"."
        );
    }

    #[test]
    fn sensitive_fns() {
        assert_eq!(show("sensitive", vec![n(1)]), "(sensitive value)");
        assert_eq!(show("sensitive", vec![s("hello")]), "(sensitive value)");
        assert_eq!(show("sensitive", vec![tuple(vec![])]), "(sensitive value)");
        let u = call("sensitive", vec![unknown(Type::String)]).unwrap();
        assert!(u.sensitive && u.is_unknown());
        assert!(
            call("sensitive", vec![Value::dynamic_null()])
                .unwrap()
                .sensitive
        );

        assert_eq!(show("nonsensitive", vec![s("zqb").marked()]), "\"zqb\"");
        // Not an error since Terraform 1.8.
        assert_eq!(show("nonsensitive", vec![s("clear")]), "\"clear\"");
        assert_eq!(
            show("nonsensitive", vec![unknown(Type::String).marked()]),
            "(known after apply)"
        );
        // Marks inside the value stay.
        assert_eq!(
            show("nonsensitive", vec![tuple(vec![s("a").marked()]).marked()]),
            "[\n  (sensitive value),\n]"
        );

        assert_eq!(show("issensitive", vec![s("secret").marked()]), "true");
        assert_eq!(show("issensitive", vec![s("hello")]), "false");
        assert_eq!(
            show("issensitive", vec![unknown(Type::String).marked()]),
            "true"
        );
        assert_eq!(
            show("issensitive", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(show("issensitive", vec![Value::dynamic_null()]), "false");
        for f in ["sensitive", "nonsensitive", "issensitive"] {
            assert_eq!(
                show(f, vec![n(1), n(2)]),
                format!("error: Too many function arguments: Function \"{f}\" expects only 1 argument(s).")
            );
        }
    }
}
