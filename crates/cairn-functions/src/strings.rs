//! String functions.

use cairn_value::{Type, Value};

use crate::{Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    r.add(
        "upper",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::String,
            |_, a| Ok(Value::string(str_arg(&a[0]).to_uppercase())),
        ),
    );
    r.add(
        "lower",
        Function::new(
            vec![Param::new("str", Type::String)],
            Type::String,
            |_, a| Ok(Value::string(str_arg(&a[0]).to_lowercase())),
        ),
    );
}

/// A string argument (already converted by the registry).
pub(crate) fn str_arg(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use cairn_value::Type;

    #[test]
    fn upper_lower() {
        assert_eq!(show("upper", vec![s("hello")]), "\"HELLO\"");
        assert_eq!(show("lower", vec![s("HELLO")]), "\"hello\"");
        assert_eq!(show("upper", vec![n(1)]), "\"1\"");
        assert_eq!(
            show("upper", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(show("upper", vec![s("x").marked()]), "(sensitive value)");
        assert_eq!(
            show("upper", vec![]),
            "error: Not enough function arguments: Function \"upper\" expects 1 argument(s). Missing value for \"str\"."
        );
        assert_eq!(
            show("upper", vec![cairn_value::Value::null(Type::String)]),
            "error: Invalid function argument: Invalid value for \"str\" parameter: argument must not be null."
        );
    }
}
