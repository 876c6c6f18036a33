//! Numeric functions.
//!
//! Terraform's versions come from go-cty's stdlib (`abs`, `ceil`, `floor`,
//! `min`, `max`, `signum`, `parseint`) and its own `lang/funcs` (`log`,
//! `pow`, which compute in float64).

use cairn_value::{Number, Type, Value};
use num_bigint::BigInt;

use crate::strings::{go_quote, str_arg};
use crate::typefns::friendly;
use crate::{FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    r.add("abs", num_fn(&["num"], |n| Ok(Value::number(n[0].abs()))));
    r.add("ceil", num_fn(&["num"], |n| Ok(Value::number(n[0].ceil()))));
    r.add(
        "floor",
        num_fn(&["num"], |n| Ok(Value::number(n[0].floor()))),
    );
    r.add(
        "min",
        Function::new(vec![], Type::Number, |_, a| {
            extreme(a, std::cmp::Ordering::Less)
        })
        .variadic(Param::new("numbers", Type::Number)),
    );
    r.add(
        "max",
        Function::new(vec![], Type::Number, |_, a| {
            extreme(a, std::cmp::Ordering::Greater)
        })
        .variadic(Param::new("numbers", Type::Number)),
    );
    r.add(
        "signum",
        Function::new(
            vec![Param::new("num", Type::Number)],
            Type::Number,
            |_, a| {
                // cty converts to a Go int first, so fractions are refused.
                Ok(Value::int(int_arg(&a[0])?.signum()))
            },
        ),
    );
    r.add(
        "log",
        num_fn(&["num", "base"], |n| {
            let (x, base) = (float_arg(n[0])?, float_arg(n[1])?);
            float_result(x.ln() / base.ln())
        }),
    );
    r.add(
        "pow",
        num_fn(&["num", "power"], |n| {
            let (x, p) = (float_arg(n[0])?, float_arg(n[1])?);
            float_result(x.powf(p))
        }),
    );
    r.add(
        "parseint",
        Function::new(
            vec![
                Param::new("number", Type::Dynamic).allow_unknown(),
                Param::new("base", Type::Number),
            ],
            Type::Number,
            |_, a| parseint(&a[0], &a[1]),
        ),
    );
}

/// A function of number parameters only.
fn num_fn(
    params: &[&'static str],
    f: impl Fn(&[&Number]) -> Result<Value, FuncError> + Send + Sync + 'static,
) -> Function {
    Function::new(
        params.iter().map(|p| Param::new(p, Type::Number)).collect(),
        Type::Number,
        move |_, a| {
            let nums = a
                .iter()
                .map(|v| {
                    v.as_number()
                        .ok_or_else(|| FuncError::new("number required"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            f(&nums)
        },
    )
}

/// A whole-number argument as Go's `int`, with cty's `gocty` error for
/// fractions and out-of-range values.
pub(crate) fn int_arg(v: &Value) -> Result<i64, FuncError> {
    v.as_number().and_then(Number::to_i64).ok_or_else(|| {
        FuncError::new(format!(
            "value must be a whole number, between {} and {}",
            i64::MIN,
            i64::MAX
        ))
    })
}

/// A number as float64, as Terraform's `log` and `pow` take them.
fn float_arg(n: &Number) -> Result<f64, FuncError> {
    let f = n.to_f64();
    if f.is_finite() {
        Ok(f)
    } else {
        Err(FuncError::new(format!(
            "value must be between {:.6} and {:.6} inclusive",
            -f64::MAX,
            f64::MAX
        )))
    }
}

fn float_result(f: f64) -> Result<Value, FuncError> {
    if f.is_nan() {
        return Err(FuncError::new("result is not a number"));
    }
    // Terraform would return an infinity here; cairn numbers are finite.
    Number::from_f64(f)
        .map(Value::number)
        .ok_or_else(|| FuncError::new("result is infinite"))
}

fn extreme(a: &[Value], want: std::cmp::Ordering) -> Result<Value, FuncError> {
    let mut best: Option<&Number> = None;
    for n in a.iter().filter_map(Value::as_number) {
        if best.is_none_or(|b| n.cmp_num(b) == want) {
            best = Some(n);
        }
    }
    best.map(|n| Value::number(n.clone()))
        .ok_or_else(|| FuncError::new("must pass at least one number"))
}

fn parseint(v: &Value, base: &Value) -> Result<Value, FuncError> {
    if v.ty() != Type::String {
        return Err(FuncError::arg(
            0,
            format!("first argument must be a string, not {}", friendly(&v.ty())),
        ));
    }
    if v.is_unknown() {
        return Ok(Value::unknown(Type::Number));
    }
    let base = int_arg(base).map_err(|e| FuncError::arg(1, e.message))?;
    if !(2..=62).contains(&base) {
        return Err(FuncError::arg(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let s = str_arg(v);
    parse_go_int(s, base as u32)
        .map(|i| Value::number(Number::from_big(bigdecimal::BigDecimal::from(i))))
        .ok_or_else(|| {
            FuncError::arg(
                0,
                format!("cannot parse {} as a base {base} integer", go_quote(s)),
            )
        })
}

/// Go's `big.Int.SetString` for an explicit base: optional sign, then
/// digits where letters are case-insensitive up to base 36 and `A`-`Z`
/// mean 36-61 above it.
fn parse_go_int(s: &str, base: u32) -> Option<BigInt> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n = BigInt::from(0u32);
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n * base + d;
    }
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use cairn_value::{Type, Value};

    #[test]
    fn min_max() {
        assert_eq!(show("min", vec![n(12), n(54), n(3)]), "3");
        assert_eq!(show("max", vec![n(12), n(54), n(3)]), "54");
        assert_eq!(show("min", vec![s("-1.5"), num("2")]), "-1.5");
        assert_eq!(show("max", vec![num("0.1"), num("0.25")]), "0.25");
        for f in ["min", "max"] {
            assert_eq!(
                show(f, vec![]),
                format!("error: Error in function call: Call to function \"{f}\" failed: must pass at least one number.")
            );
            assert_eq!(
                show(f, vec![n(1), s("x")]),
                "error: Invalid function argument: Invalid value for \"numbers\" parameter: a number is required."
            );
            assert_eq!(
                show(f, vec![n(1), unknown(Type::Number)]),
                "(known after apply)"
            );
            assert_eq!(show(f, vec![n(1), n(2).marked()]), "(sensitive value)");
        }
    }

    #[test]
    fn abs_ceil_floor() {
        assert_eq!(show("abs", vec![n(23)]), "23");
        assert_eq!(show("abs", vec![n(0)]), "0");
        assert_eq!(show("abs", vec![num("-12.4")]), "12.4");
        assert_eq!(show("ceil", vec![n(5)]), "5");
        assert_eq!(show("ceil", vec![num("5.1")]), "6");
        assert_eq!(show("ceil", vec![num("-5.1")]), "-5");
        assert_eq!(show("floor", vec![n(5)]), "5");
        assert_eq!(show("floor", vec![num("4.9")]), "4");
        assert_eq!(show("floor", vec![num("-4.1")]), "-5");
        for f in ["abs", "ceil", "floor"] {
            assert_eq!(show(f, vec![unknown(Type::Number)]), "(known after apply)");
            assert_eq!(show(f, vec![num("-1.5").marked()]), "(sensitive value)");
            assert_eq!(
                show(f, vec![b(true)]),
                "error: Invalid function argument: Invalid value for \"num\" parameter: number required."
            );
        }
    }

    #[test]
    fn log_pow() {
        assert_eq!(show("log", vec![n(50), n(10)]), "1.6989700043360185");
        assert_eq!(show("log", vec![n(16), n(2)]), "4");
        assert_eq!(
            show("ceil", vec![call("log", vec![n(15), n(2)]).unwrap()]),
            "4"
        );
        assert_eq!(
            show("ceil", vec![call("log", vec![n(17), n(2)]).unwrap()]),
            "5"
        );
        assert_eq!(show("pow", vec![n(3), n(2)]), "9");
        assert_eq!(show("pow", vec![n(4), n(0)]), "1");
        assert_eq!(show("pow", vec![n(2), num("0.5")]), "1.4142135623730951");
        assert_eq!(
            show("log", vec![n(-1), n(10)]),
            "error: Error in function call: Call to function \"log\" failed: result is not a number."
        );
        assert_eq!(
            show("pow", vec![n(-8), num("0.5")]),
            "error: Error in function call: Call to function \"pow\" failed: result is not a number."
        );
        assert_eq!(
            show("log", vec![unknown(Type::Number), n(2)]),
            "(known after apply)"
        );
        assert_eq!(show("pow", vec![n(2), n(3).marked()]), "(sensitive value)");
    }

    #[test]
    fn signum_fn() {
        assert_eq!(show("signum", vec![n(-13)]), "-1");
        assert_eq!(show("signum", vec![n(0)]), "0");
        assert_eq!(show("signum", vec![n(344)]), "1");
        assert_eq!(
            show("signum", vec![num("0.5")]),
            "error: Error in function call: Call to function \"signum\" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
        assert_eq!(
            show("signum", vec![unknown(Type::Number)]),
            "(known after apply)"
        );
        assert_eq!(show("signum", vec![n(-2).marked()]), "(sensitive value)");
    }

    #[test]
    fn parseint_fn() {
        assert_eq!(show("parseint", vec![s("100"), n(10)]), "100");
        assert_eq!(show("parseint", vec![s("FF"), n(16)]), "255");
        assert_eq!(show("parseint", vec![s("-10"), n(16)]), "-16");
        assert_eq!(show("parseint", vec![s("1011111011101111"), n(2)]), "48879");
        assert_eq!(show("parseint", vec![s("aA"), n(62)]), "656");
        assert_eq!(
            show("parseint", vec![s("123456789012345678901234567890"), n(10)]),
            "123456789012345678901234567890"
        );
        assert_eq!(
            show("parseint", vec![s("12"), n(2)]),
            "error: Invalid function argument: Invalid value for \"number\" parameter: cannot parse \"12\" as a base 2 integer."
        );
        assert_eq!(
            show("parseint", vec![s("0x10"), n(16)]),
            "error: Invalid function argument: Invalid value for \"number\" parameter: cannot parse \"0x10\" as a base 16 integer."
        );
        assert_eq!(
            show("parseint", vec![s("1"), n(63)]),
            "error: Invalid function argument: Invalid value for \"base\" parameter: base must be a whole number between 2 and 62 inclusive."
        );
        assert_eq!(
            show("parseint", vec![n(100), n(10)]),
            "error: Invalid function argument: Invalid value for \"number\" parameter: first argument must be a string, not number."
        );
        assert_eq!(
            show("parseint", vec![unknown(Type::String), n(10)]),
            "(known after apply)"
        );
        assert_eq!(
            show("parseint", vec![s("10"), unknown(Type::Number)]),
            "(known after apply)"
        );
        assert_eq!(
            show("parseint", vec![s("10").marked(), n(10)]),
            "(sensitive value)"
        );
        assert_eq!(
            show("parseint", vec![Value::null(Type::String), n(10)]),
            "error: Invalid function argument: Invalid value for \"number\" parameter: argument must not be null."
        );
    }
}
