//! Collection functions.
//!
//! Most come from go-cty's stdlib, some from Terraform's `lang/funcs`. Many
//! accept unknown and marked arguments themselves to behave as those do:
//! cty only short-circuits on an argument that is itself unknown (unknown
//! elements flow through), and functions that handle marks keep the marks
//! of elements on the elements instead of marking the whole result.

use std::collections::BTreeMap;

use cairn_value::{convert, total_cmp, unify, Kind, Number, Type, Value};

use crate::numeric::int_arg;
use crate::strings::{go_quote, graphemes, str_arg};
use crate::typefns::friendly;
use crate::{FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    let any = || Param::new("list", Type::Dynamic);
    r.add(
        "length",
        Function::new(
            vec![Param::new("value", Type::Dynamic)
                .allow_unknown()
                .allow_marked()],
            Type::Number,
            |_, a| length(&a[0]),
        ),
    );
    r.add(
        "element",
        Function::new(
            vec![
                any().allow_unknown().allow_marked(),
                Param::new("index", Type::Number).allow_unknown(),
            ],
            Type::Dynamic,
            |_, a| element(&a[0], &a[1]),
        ),
    );
    r.add(
        "index",
        Function::new(
            vec![
                any().allow_unknown(),
                Param::new("value", Type::Dynamic).allow_unknown(),
            ],
            Type::Number,
            |_, a| index(&a[0], &a[1]),
        ),
    );
    r.add(
        "concat",
        Function::new(vec![], Type::Dynamic, |_, a| concat(a)).variadic(
            Param::new("seqs", Type::Dynamic)
                .allow_unknown()
                .allow_marked(),
        ),
    );
    r.add(
        "contains",
        Function::new(
            vec![
                any().allow_unknown(),
                Param::new("value", Type::Dynamic)
                    .allow_unknown()
                    .allow_null(),
            ],
            Type::Bool,
            |_, a| contains(&a[0], &a[1]),
        ),
    );
    r.add(
        "distinct",
        Function::new(
            vec![Param::new("list", Type::Dynamic).allow_unknown()],
            Type::list(Type::Dynamic),
            |_, a| distinct(&a[0]),
        ),
    );
    r.add(
        "flatten",
        Function::new(
            vec![any().allow_unknown().allow_marked()],
            Type::Dynamic,
            |_, a| flatten(&a[0]),
        ),
    );
    r.add(
        "keys",
        Function::new(
            vec![Param::new("inputMap", Type::Dynamic)
                .allow_unknown()
                .allow_marked()],
            Type::Dynamic,
            |_, a| keys(&a[0]),
        ),
    );
    r.add(
        "values",
        Function::new(
            vec![Param::new("mapping", Type::Dynamic)
                .allow_unknown()
                .allow_marked()],
            Type::Dynamic,
            |_, a| values(&a[0]),
        ),
    );
    r.add(
        "lookup",
        Function::new(
            vec![
                Param::new("inputMap", Type::Dynamic)
                    .allow_unknown()
                    .allow_marked(),
                Param::new("key", Type::String)
                    .allow_unknown()
                    .allow_marked(),
            ],
            Type::Dynamic,
            |_, a| lookup(a),
        )
        .variadic(
            Param::new("default", Type::Dynamic)
                .allow_unknown()
                .allow_null()
                .allow_marked(),
        ),
    );
    r.add(
        "merge",
        Function::new(vec![], Type::Dynamic, |_, a| merge(a)).variadic(
            Param::new("maps", Type::Dynamic)
                .allow_unknown()
                .allow_null()
                .allow_marked(),
        ),
    );
    r.add(
        "range",
        Function::new(vec![], Type::list(Type::Number), |_, a| range(a))
            .variadic(Param::new("params", Type::Number)),
    );
    r.add(
        "reverse",
        Function::new(
            vec![any().allow_unknown().allow_marked()],
            Type::Dynamic,
            |_, a| reverse(&a[0]),
        ),
    );
    r.add(
        "setproduct",
        Function::new(vec![], Type::Dynamic, |_, a| setproduct(a)).variadic(
            Param::new("sets", Type::Dynamic)
                .allow_unknown()
                .allow_marked(),
        ),
    );
    r.add(
        "slice",
        Function::new(
            vec![
                any().allow_unknown().allow_marked(),
                Param::new("start_index", Type::Number).allow_unknown(),
                Param::new("end_index", Type::Number).allow_unknown(),
            ],
            Type::Dynamic,
            |_, a| slice(a),
        ),
    );
    r.add(
        "sort",
        Function::new(
            vec![Param::new("list", Type::list(Type::String))],
            Type::list(Type::String),
            |_, a| sort(&a[0]),
        ),
    );
    r.add(
        "zipmap",
        Function::new(
            vec![
                Param::new("keys", Type::list(Type::String))
                    .allow_unknown()
                    .allow_marked(),
                Param::new("values", Type::Dynamic)
                    .allow_unknown()
                    .allow_marked(),
            ],
            Type::Dynamic,
            |_, a| zipmap(&a[0], &a[1]),
        ),
    );
    r.add(
        "coalesce",
        Function::new(vec![], Type::Dynamic, |_, a| coalesce(a)).variadic(
            Param::new("vals", Type::Dynamic)
                .allow_unknown()
                .allow_null(),
        ),
    );
    r.add(
        "coalescelist",
        Function::new(vec![], Type::Dynamic, |_, a| coalescelist(a)).variadic(
            Param::new("vals", Type::Dynamic)
                .allow_unknown()
                .allow_null(),
        ),
    );
    r.add(
        "compact",
        Function::new(
            vec![Param::new("list", Type::list(Type::String))],
            Type::list(Type::String),
            |_, a| {
                let items = seq(&a[0])
                    .iter()
                    .filter(|v| !v.is_null() && v.as_str() != Some(""))
                    .cloned()
                    .collect();
                Ok(Value::list(Type::String, items))
            },
        ),
    );
    r.add(
        "chunklist",
        Function::new(
            vec![
                Param::new("list", Type::Dynamic)
                    .allow_unknown()
                    .allow_marked(),
                Param::new("size", Type::Number)
                    .allow_unknown()
                    .allow_marked(),
            ],
            Type::list(Type::list(Type::Dynamic)),
            |_, a| chunklist(&a[0], &a[1]),
        ),
    );
    r.add(
        "one",
        Function::new(
            vec![any().allow_unknown()],
            Type::Dynamic,
            |_, a| one(&a[0]),
        ),
    );
    r.add(
        "alltrue",
        Function::new(
            vec![Param::new("list", Type::list(Type::Bool)).allow_unknown()],
            Type::Bool,
            |_, a| alltrue(&a[0]),
        ),
    );
    r.add(
        "anytrue",
        Function::new(
            vec![Param::new("list", Type::list(Type::Bool)).allow_unknown()],
            Type::Bool,
            |_, a| anytrue(&a[0]),
        ),
    );
    r.add(
        "sum",
        Function::new(vec![any().allow_unknown()], Type::Number, |_, a| sum(&a[0])),
    );
    r.add(
        "transpose",
        Function::new(
            vec![Param::new("values", Type::map(Type::list(Type::String)))],
            Type::map(Type::list(Type::String)),
            |_, a| transpose(&a[0]),
        ),
    );
    r.add(
        "matchkeys",
        Function::new(
            vec![
                Param::new("values", Type::Dynamic).allow_unknown(),
                Param::new("keys", Type::Dynamic).allow_unknown(),
                Param::new("searchset", Type::Dynamic).allow_unknown(),
            ],
            Type::list(Type::Dynamic),
            |_, a| matchkeys(&a[0], &a[1], &a[2]),
        ),
    );
    for (name, op) in [
        ("setunion", SetOp::Union),
        ("setintersection", SetOp::Intersection),
    ] {
        r.add(
            name,
            Function::new(
                vec![Param::new("first_set", Type::Dynamic).allow_unknown()],
                Type::set(Type::Dynamic),
                move |_, a| set_op(a, op),
            )
            .variadic(Param::new("other_sets", Type::Dynamic).allow_unknown()),
        );
    }
    r.add(
        "setsubtract",
        Function::new(
            vec![
                Param::new("a", Type::Dynamic).allow_unknown(),
                Param::new("b", Type::Dynamic).allow_unknown(),
            ],
            Type::set(Type::Dynamic),
            |_, a| set_op(a, SetOp::Subtract),
        ),
    );
}

/// The value without its own sensitive mark, and whether it had one.
/// Marks inside it stay where they are.
pub(crate) fn unmark(v: &Value) -> (Value, bool) {
    (
        Value {
            kind: v.kind.clone(),
            sensitive: false,
        },
        v.sensitive,
    )
}

/// Converts to a collection type with `any` elements. For empty, null and
/// unknown collections `convert` cannot see an element type and would
/// settle on `any`, so the value's own element type is kept, as cty does.
pub(crate) fn convert_coll(v: &Value, want: &Type) -> Result<Value, cairn_value::ConvertError> {
    let target = match (want, v.ty()) {
        (Type::List(w) | Type::Set(w), Type::List(e) | Type::Set(e))
        | (Type::Map(w), Type::Map(e))
            if **w == Type::Dynamic && (v.is_empty() || v.is_null() || v.is_unknown()) =>
        {
            match want {
                Type::List(_) => Type::list(*e),
                Type::Set(_) => Type::set(*e),
                _ => Type::map(*e),
            }
        }
        _ => want.clone(),
    };
    convert(v, &target)
}

/// [`convert_coll`] for argument `i`, with the registry's error.
fn coll_arg(v: &Value, want: &Type, i: usize) -> Result<Value, FuncError> {
    convert_coll(v, want).map_err(|e| FuncError::arg(i, e.to_string()))
}

/// Elements of a known list, set or tuple (empty for anything else).
fn seq(v: &Value) -> &[Value] {
    v.as_seq().unwrap_or(&[])
}

fn is_seq_type(t: &Type) -> bool {
    matches!(t, Type::List(_) | Type::Set(_) | Type::Tuple(_))
}

/// True for the unknown value of unknown type, which cty refuses to type
/// check: a call given one returns an unknown of unknown type.
fn is_dynamic_unknown(v: &Value) -> bool {
    matches!(&v.kind, Kind::Unknown(Type::Dynamic))
}

fn length(v: &Value) -> Result<Value, FuncError> {
    let (v, marked) = unmark(v);
    let n = match (v.ty(), &v.kind) {
        (Type::Dynamic, _) => return Ok(Value::unknown(Type::Number).mark(marked)),
        // Structural types know their length even when unknown.
        (Type::Tuple(ts), _) => ts.len(),
        (Type::Object(o), _) => o.attrs.len(),
        (Type::String | Type::List(_) | Type::Set(_) | Type::Map(_), Kind::Unknown(_)) => {
            return Ok(Value::unknown(Type::Number).mark(marked))
        }
        (Type::String, _) => graphemes(str_arg(&v)).len(),
        (Type::List(_) | Type::Set(_) | Type::Map(_), _) => v.len().unwrap_or(0),
        _ => {
            return Err(FuncError::new(
                "argument must be a string, a collection type, or a structural type",
            ))
        }
    };
    Ok(Value::number(Number::from(n)).mark(marked))
}

/// Wraps `index` around a sequence of `len` elements as `element` does.
fn wrap_index(index: i64, len: usize) -> usize {
    let len = len as i64;
    let mut i = index % len;
    if i < 0 {
        i += len;
    }
    i as usize
}

fn element(list: &Value, index: &Value) -> Result<Value, FuncError> {
    let (list, marked) = unmark(list);
    let idx =
        || int_arg(index).map_err(|e| FuncError::new(format!("invalid index: {}", e.message)));
    let empty = || FuncError::new("cannot use element function with an empty list");
    let ty = match list.ty() {
        Type::List(e) => *e,
        Type::Tuple(_) if index.is_unknown() => Type::Dynamic,
        Type::Tuple(ts) => {
            let i = idx()?;
            if ts.is_empty() {
                return Err(empty());
            }
            ts[wrap_index(i, ts.len())].clone()
        }
        Type::Dynamic => Type::Dynamic,
        t => {
            return Err(FuncError::new(format!(
                "cannot read elements from {}",
                friendly(&t)
            )))
        }
    };
    if list.is_unknown() || index.is_unknown() {
        return Ok(Value::unknown(ty).mark(marked));
    }
    let i = idx()?;
    let items = seq(&list);
    if items.is_empty() {
        return Err(empty());
    }
    Ok(items[wrap_index(i, items.len())].clone().mark(marked))
}

fn index(list: &Value, value: &Value) -> Result<Value, FuncError> {
    if list.is_unknown() || value.is_unknown() {
        return Ok(Value::unknown(Type::Number));
    }
    if !matches!(list.ty(), Type::List(_) | Type::Tuple(_)) {
        return Err(FuncError::new("argument must be a list or tuple"));
    }
    let items = seq(list);
    if items.is_empty() {
        return Err(FuncError::new("cannot search an empty list"));
    }
    for (i, v) in items.iter().enumerate() {
        match v.equals(value).as_bool() {
            None => return Ok(Value::unknown(Type::Number)),
            Some(true) => return Ok(Value::number(Number::from(i))),
            Some(false) => {}
        }
    }
    Err(FuncError::new("item not found"))
}

fn concat(args: &[Value]) -> Result<Value, FuncError> {
    if args.is_empty() {
        return Err(FuncError::new("at least one argument is required"));
    }
    let mut marked = false;
    let seqs: Vec<Value> = args
        .iter()
        .map(|a| {
            let (v, m) = unmark(a);
            marked |= m;
            v
        })
        .collect();
    if seqs.iter().any(is_dynamic_unknown) {
        return Ok(Value::dynamic_unknown().mark(marked));
    }
    let ty = concat_type(&seqs)?;
    if seqs.iter().any(Value::is_unknown) {
        return Ok(Value::unknown(ty).mark(marked));
    }
    let mut items = Vec::new();
    match &ty {
        Type::List(et) => {
            for (i, s) in seqs.iter().enumerate() {
                let s = convert(s, &ty).map_err(|e| FuncError::arg(i, e.to_string()))?;
                let (s, m) = unmark(&s);
                marked |= m;
                items.extend(seq(&s).iter().cloned());
            }
            Ok(Value::list((**et).clone(), items).mark(marked))
        }
        _ => {
            for s in &seqs {
                items.extend(seq(s).iter().cloned());
            }
            Ok(Value::tuple(items).mark(marked))
        }
    }
}

/// A list when every argument is a list and they unify, else a tuple.
fn concat_type(seqs: &[Value]) -> Result<Type, FuncError> {
    let types: Vec<Type> = seqs.iter().map(Value::ty).collect();
    if types.iter().all(|t| matches!(t, Type::List(_))) {
        if let Some(t) = unify(&types) {
            return Ok(t);
        }
    }
    let mut etys = Vec::new();
    for (i, (s, t)) in seqs.iter().zip(&types).enumerate() {
        match t {
            Type::Tuple(ts) => etys.extend(ts.iter().cloned()),
            // The element count of an unknown list decides the tuple type.
            Type::List(_) if s.is_unknown() => return Ok(Type::Dynamic),
            Type::List(e) => etys.extend(std::iter::repeat_n((**e).clone(), seq(s).len())),
            t => {
                return Err(FuncError::arg(
                    i,
                    format!("all arguments must be lists or tuples; got {}", friendly(t)),
                ))
            }
        }
    }
    Ok(Type::Tuple(etys))
}

fn contains(list: &Value, value: &Value) -> Result<Value, FuncError> {
    if list.is_unknown() || value.is_unknown() {
        return Ok(Value::unknown(Type::Bool));
    }
    if !is_seq_type(&list.ty()) {
        return Err(FuncError::new("argument must be list, tuple, or set"));
    }
    let mut unknown = false;
    for v in seq(list) {
        match value.equals(v).as_bool() {
            Some(true) => return Ok(Value::bool(true)),
            // An unknown element might still turn out equal.
            None => unknown = true,
            Some(false) => {}
        }
    }
    Ok(if unknown {
        Value::unknown(Type::Bool)
    } else {
        Value::bool(false)
    })
}

fn distinct(list: &Value) -> Result<Value, FuncError> {
    let list = &coll_arg(list, &Type::list(Type::Dynamic), 0)?;
    if !list.is_wholly_known() {
        return Ok(Value::unknown(list.ty()));
    }
    let mut out: Vec<Value> = Vec::new();
    for v in seq(list) {
        if !out.iter().any(|o| o.equals(v).as_bool() == Some(true)) {
            out.push(v.clone());
        }
    }
    let et = list.ty().element_type().cloned().unwrap_or(Type::Dynamic);
    Ok(Value::list(et, out))
}

fn flatten(list: &Value) -> Result<Value, FuncError> {
    // Until everything is known the result type cannot be worked out, so
    // neither is the argument's type checked.
    if list.is_wholly_known() && !is_seq_type(&list.ty()) {
        return Err(FuncError::new("can only flatten lists, sets and tuples"));
    }
    if list.is_unknown() {
        return Ok(Value::dynamic_unknown().mark(list.sensitive));
    }
    let mut out = Vec::new();
    let mut marked = false;
    let known = flatten_into(list, &mut out, &mut marked);
    if !known {
        return Ok(Value::dynamic_unknown().mark(marked));
    }
    Ok(Value::tuple(out).mark(marked))
}

/// Appends the flattened elements of `list`, collecting the marks of the
/// sequences taken apart; false when an unknown sequence is in the way.
fn flatten_into(list: &Value, out: &mut Vec<Value>, marked: &mut bool) -> bool {
    let (list, m) = unmark(list);
    *marked |= m;
    if list.is_unknown() {
        return false;
    }
    let mut known = true;
    for v in seq(&list) {
        if is_dynamic_unknown(v) {
            known = false;
        }
        if !v.is_null() && is_seq_type(&v.ty()) {
            if v.is_unknown() {
                known = false;
                *marked |= v.sensitive;
                continue;
            }
            known &= flatten_into(v, out, marked);
        } else {
            out.push(v.clone());
        }
    }
    known
}

fn keys(map: &Value) -> Result<Value, FuncError> {
    let (m, marked) = unmark(map);
    let out = match m.ty() {
        // Attribute names are known from the type alone.
        Type::Object(o) => {
            Value::tuple(o.attrs.keys().map(|k| Value::string(k.as_str())).collect())
        }
        Type::Map(_) if m.is_unknown() => Value::unknown(Type::list(Type::String)),
        Type::Map(_) => Value::list(
            Type::String,
            m.as_entries()
                .map(|e| e.keys().map(|k| Value::string(k.as_str())).collect())
                .unwrap_or_default(),
        ),
        Type::Dynamic => Value::dynamic_unknown(),
        _ => return Err(FuncError::arg(0, "must have map or object type")),
    };
    Ok(out.mark(marked))
}

fn values(map: &Value) -> Result<Value, FuncError> {
    let (m, marked) = unmark(map);
    let ty = match m.ty() {
        Type::Map(e) => Type::list(*e),
        Type::Object(o) => Type::Tuple(o.attrs.values().cloned().collect()),
        Type::Dynamic => Type::Dynamic,
        _ => {
            return Err(FuncError::new(
                "values() requires a map as the first argument",
            ))
        }
    };
    if m.is_unknown() {
        return Ok(Value::unknown(ty).mark(marked));
    }
    let vals: Vec<Value> = m
        .as_entries()
        .map(|e| e.values().cloned().collect())
        .unwrap_or_default();
    Ok(match ty {
        Type::List(e) => Value::list(*e, vals),
        _ => Value::tuple(vals),
    }
    .mark(marked))
}

fn lookup(a: &[Value]) -> Result<Value, FuncError> {
    if a.len() > 3 {
        return Err(FuncError::new(format!(
            "lookup() takes two or three arguments, got {}",
            a.len()
        )));
    }
    let (map, map_marked) = unmark(&a[0]);
    let (key, key_marked) = unmark(&a[1]);
    let default = a.get(2);
    let marked = map_marked || key_marked;
    let ty = match map.ty() {
        Type::Object(_) if key.is_unknown() => Type::Dynamic,
        Type::Object(o) => match o.attrs.get(str_arg(&key)) {
            Some(t) => t.clone(),
            None => match default {
                Some(d) => d.ty(),
                None => {
                    return Err(FuncError::arg(
                        0,
                        format!(
                            "the given object has no attribute {}",
                            go_quote(str_arg(&key))
                        ),
                    ))
                }
            },
        },
        Type::Map(e) => {
            if let Some(d) = default {
                if convert(d, &e).is_err() {
                    return Err(FuncError::arg(
                        2,
                        "the default value must have the same type as the map elements",
                    ));
                }
            }
            *e
        }
        Type::Dynamic => return Ok(Value::dynamic_unknown().mark(marked)),
        _ => {
            return Err(FuncError::arg(
                0,
                "lookup() requires a map as the first argument",
            ))
        }
    };
    if map.is_unknown() || key.is_unknown() {
        return Ok(Value::unknown(ty).mark(marked));
    }
    let k = str_arg(&key);
    if let Some(v) = map.get_attr(k) {
        return Ok(v.clone().mark(marked));
    }
    match default {
        // The default keeps its own marks.
        Some(d) => Ok(convert(d, &ty)
            .map_err(|e| FuncError::new(e.to_string()))?
            .mark(marked)),
        None => Err(FuncError::new(format!(
            "lookup failed to find key {}",
            if key_marked {
                "(sensitive value)".to_string()
            } else {
                go_quote(k)
            }
        ))),
    }
}

fn merge(args: &[Value]) -> Result<Value, FuncError> {
    if args.is_empty() {
        return Ok(Value::empty_object());
    }
    let mut marked = false;
    let args: Vec<Value> = args
        .iter()
        .map(|a| {
            let (v, m) = unmark(a);
            marked |= m;
            v
        })
        .collect();
    // The result type: the arguments' type when they all have the same,
    // else an object of every key seen (later arguments win).
    let mut attrs: BTreeMap<String, Type> = BTreeMap::new();
    let mut first: Option<Type> = None;
    let mut matching = true;
    let mut attrs_known = true;
    let mut dynamic = false;
    for arg in &args {
        let mut ty = arg.ty();
        match &ty {
            Type::Dynamic => {
                dynamic = true;
                continue;
            }
            // A null object counts as one without attributes.
            Type::Object(_) if arg.is_null() => ty = Type::empty_object(),
            Type::Object(o) => attrs.extend(o.attrs.iter().map(|(k, t)| (k.clone(), t.clone()))),
            Type::Map(_) if arg.is_null() => {}
            Type::Map(_) if arg.is_unknown() => attrs_known = false,
            Type::Map(e) => {
                for k in arg.as_entries().map(|m| m.keys()).into_iter().flatten() {
                    attrs.insert(k.clone(), (**e).clone());
                }
            }
            t => {
                return Err(FuncError::new(format!(
                    "arguments must be maps or objects, got {}",
                    go_quote(&friendly(t))
                )))
            }
        }
        match &first {
            None => first = Some(ty),
            Some(f) if *f != ty => matching = false,
            Some(_) => {}
        }
    }
    let ty = if dynamic {
        Type::Dynamic
    } else if matching {
        first.unwrap_or_else(Type::empty_object)
    } else if !attrs_known {
        Type::Dynamic
    } else {
        Type::object(attrs)
    };
    if args.iter().any(Value::is_unknown) {
        return Ok(Value::unknown(ty).mark(marked));
    }
    let mut out = BTreeMap::new();
    for arg in &args {
        for (k, v) in arg.as_entries().into_iter().flatten() {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(match ty {
        Type::Map(e) => Value::map(*e, out),
        _ => Value::object(out),
    }
    .mark(marked))
}

fn range(a: &[Value]) -> Result<Value, FuncError> {
    let n: Vec<Number> = a.iter().filter_map(|v| v.as_number().cloned()).collect();
    let one = Number::from_i64(1);
    let minus_one = Number::from_i64(-1);
    let (start, end, step) = match n.as_slice() {
        [end] if end.is_negative() => (Number::zero(), end.clone(), minus_one),
        [end] => (Number::zero(), end.clone(), one),
        [start, end] if end.cmp_num(start).is_lt() => (start.clone(), end.clone(), minus_one),
        [start, end] => (start.clone(), end.clone(), one),
        [start, end, step] => (start.clone(), end.clone(), step.clone()),
        _ => return Err(FuncError::new("must have one, two, or three arguments")),
    };
    // cty compares the step with zero by identity, which a step given in
    // configuration never has, so a zero step counts as upward and runs
    // into the element limit below.
    let down = step.is_negative();
    if down && end.cmp_num(&start).is_gt() {
        return Err(FuncError::arg(
            1,
            "end must be less than start when step is negative",
        ));
    }
    if !down && end.cmp_num(&start).is_lt() {
        return Err(FuncError::arg(
            1,
            "end must be greater than start when step is positive",
        ));
    }
    let mut vals = Vec::new();
    let mut num = start;
    loop {
        let done = if down {
            num.cmp_num(&end).is_le()
        } else {
            num.cmp_num(&end).is_ge()
        };
        if done {
            break;
        }
        if vals.len() >= 1024 {
            return Err(FuncError::new(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
            ));
        }
        vals.push(Value::number(num.clone()));
        num = num.add(&step);
    }
    Ok(Value::list(Type::Number, vals))
}

fn reverse(list: &Value) -> Result<Value, FuncError> {
    let (l, marked) = unmark(list);
    let ty = match l.ty() {
        Type::Tuple(ts) => Type::Tuple(ts.into_iter().rev().collect()),
        // Sets are accepted, as they would convert to lists.
        Type::List(e) | Type::Set(e) => Type::list(*e),
        Type::Dynamic => Type::Dynamic,
        t => {
            return Err(FuncError::arg(
                0,
                format!(
                    "can only reverse list or tuple values, not {}",
                    friendly(&t)
                ),
            ))
        }
    };
    if l.is_unknown() {
        return Ok(Value::unknown(ty).mark(marked));
    }
    let items: Vec<Value> = seq(&l).iter().rev().cloned().collect();
    Ok(match ty {
        Type::List(e) => Value::list(*e, items),
        _ => Value::tuple(items),
    }
    .mark(marked))
}

fn setproduct(args: &[Value]) -> Result<Value, FuncError> {
    if args.len() < 2 {
        return Err(FuncError::new("at least two arguments are required"));
    }
    let mut marked = false;
    let args: Vec<Value> = args
        .iter()
        .map(|a| {
            let (v, m) = unmark(a);
            marked |= m;
            v
        })
        .collect();
    if args.iter().any(is_dynamic_unknown) {
        return Ok(Value::dynamic_unknown().mark(marked));
    }
    let mut lists = 0;
    let mut etys = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        match arg.ty() {
            Type::Set(e) => etys.push(*e),
            Type::List(e) => {
                lists += 1;
                etys.push(*e);
            }
            Type::Tuple(ts) => {
                lists += 1;
                if ts.is_empty() {
                    etys.push(Type::Dynamic);
                } else {
                    etys.push(unify(&ts).ok_or_else(|| {
                        FuncError::arg(i, "all elements must be of the same type")
                    })?);
                }
            }
            _ => return Err(FuncError::arg(i, "a set or a list is required")),
        }
    }
    let et = Type::Tuple(etys.clone());
    let all_lists = lists == args.len();
    let ty = if all_lists {
        Type::list(et.clone())
    } else {
        Type::set(et.clone())
    };
    if args.iter().any(Value::is_unknown) {
        return Ok(Value::unknown(ty).mark(marked));
    }
    // Each argument's elements converted to that argument's element type.
    let mut cols: Vec<Vec<Value>> = Vec::with_capacity(args.len());
    for (arg, et) in args.iter().zip(&etys) {
        let col = seq(arg)
            .iter()
            .map(|v| convert(v, et).map_err(|e| FuncError::new(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        cols.push(col);
    }
    let mut product: Vec<Vec<Value>> = vec![Vec::new()];
    for col in &cols {
        product = product
            .into_iter()
            .flat_map(|prefix| {
                col.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(v.clone());
                    p
                })
            })
            .collect();
    }
    let items: Vec<Value> = product.into_iter().map(Value::tuple).collect();
    Ok(if all_lists {
        Value::list(et, items)
    } else {
        Value::set(et, items)
    }
    .mark(marked))
}

fn slice(a: &[Value]) -> Result<Value, FuncError> {
    let (list, marked) = unmark(&a[0]);
    let ty = list.ty();
    match &ty {
        Type::Set(_) => return Err(FuncError::arg(
            0,
            "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important",
        )),
        Type::Dynamic => return Ok(Value::dynamic_unknown().mark(marked)),
        Type::List(_) | Type::Tuple(_) => {}
        _ => return Err(FuncError::arg(0, "must be a list or tuple value")),
    }
    let len = match &ty {
        Type::Tuple(ts) => Some(ts.len()),
        _ if list.is_unknown() => None,
        _ => Some(seq(&list).len()),
    };
    let bound = |i: usize, which: &str| -> Result<Option<usize>, FuncError> {
        if a[i].is_unknown() {
            return Ok(None);
        }
        let n = int_arg(&a[i])
            .map_err(|e| FuncError::arg(i, format!("invalid {which} index: {}", e.message)))?;
        let n = usize::try_from(n)
            .map_err(|_| FuncError::arg(i, format!("{which} index must not be less than zero")))?;
        if len.is_some_and(|l| n > l) {
            return Err(FuncError::arg(
                i,
                format!("{which} index must not be greater than the length of the list"),
            ));
        }
        Ok(Some(n))
    };
    let start = bound(1, "start")?;
    let end = bound(2, "end")?;
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) if s > e => {
            return Err(FuncError::arg(
                1,
                "start index must not be greater than end index",
            ))
        }
        (Some(s), Some(e)) => (s, e),
        _ => {
            let ty = if matches!(ty, Type::List(_)) {
                ty
            } else {
                Type::Dynamic
            };
            return Ok(Value::unknown(ty).mark(marked));
        }
    };
    let rt = match &ty {
        Type::Tuple(ts) => Type::Tuple(ts[start..end].to_vec()),
        t => t.clone(),
    };
    if list.is_unknown() {
        return Ok(Value::unknown(rt).mark(marked));
    }
    let items = seq(&list)[start..end].to_vec();
    Ok(match rt {
        Type::List(e) => Value::list(*e, items),
        _ => Value::tuple(items),
    }
    .mark(marked))
}

fn sort(list: &Value) -> Result<Value, FuncError> {
    let mut items = Vec::new();
    for (i, v) in seq(list).iter().enumerate() {
        if v.is_null() {
            return Err(FuncError::new(format!(
                "given list element {i} is null; a null string cannot be sorted"
            )));
        }
        items.push(str_arg(v));
    }
    // Byte-wise order, as Go's sort.Strings.
    items.sort_unstable();
    Ok(Value::list(
        Type::String,
        items.into_iter().map(Value::string).collect(),
    ))
}

fn zipmap(keys: &Value, values: &Value) -> Result<Value, FuncError> {
    let (keys, keys_marked) = unmark(keys);
    let (values, values_marked) = unmark(values);
    let mut marked = keys_marked || values_marked;
    let mismatch = |k: usize, v: usize| {
        FuncError::new(format!(
            "number of keys ({k}) does not match number of values ({v})"
        ))
    };
    let null_key = |i: usize| FuncError::new(format!("keys list has null value at index {i}"));
    let ty = match values.ty() {
        Type::List(e) => Type::map(*e),
        // A tuple makes an object, whose type needs every key.
        Type::Tuple(_) if !keys.is_wholly_known() => Type::Dynamic,
        Type::Tuple(ts) => {
            let ks = seq(&keys);
            if ks.len() != ts.len() {
                return Err(mismatch(ks.len(), ts.len()));
            }
            let mut attrs = BTreeMap::new();
            for (i, (k, t)) in ks.iter().zip(ts).enumerate() {
                if k.is_null() {
                    return Err(null_key(i));
                }
                attrs.insert(str_arg(k).to_string(), t);
            }
            Type::object(attrs)
        }
        Type::Dynamic => Type::Dynamic,
        _ => {
            return Err(FuncError::new(
                "values argument must be a list or tuple value",
            ))
        }
    };
    if !keys.is_wholly_known() || values.is_unknown() {
        return Ok(Value::unknown(ty).mark(marked));
    }
    let (ks, vs) = (seq(&keys), seq(&values));
    if ks.len() != vs.len() {
        return Err(mismatch(ks.len(), vs.len()));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in ks.iter().zip(vs).enumerate() {
        if k.is_null() {
            return Err(null_key(i));
        }
        // Keys cannot carry marks, so a marked key marks the whole result.
        marked |= k.is_sensitive_deep();
        out.insert(str_arg(k).to_string(), v.clone());
    }
    Ok(match ty {
        Type::Map(e) => Value::map(*e, out),
        _ => Value::object(out),
    }
    .mark(marked))
}

fn coalesce(args: &[Value]) -> Result<Value, FuncError> {
    let types: Vec<Type> = args.iter().map(Value::ty).collect();
    let ty = if types.is_empty() {
        None
    } else {
        unify(&types)
    }
    .ok_or_else(|| FuncError::new("all arguments must have the same type"))?;
    for arg in args {
        let v = convert(arg, &ty).map_err(|e| FuncError::new(e.to_string()))?;
        if v.is_unknown() {
            return Ok(Value::unknown(ty));
        }
        if v.is_null() || (ty == Type::String && v.as_str() == Some("")) {
            continue;
        }
        return Ok(v);
    }
    Err(FuncError::new("no non-null, non-empty-string arguments"))
}

fn coalescelist(args: &[Value]) -> Result<Value, FuncError> {
    if args.is_empty() {
        return Err(FuncError::new("at least one argument is required"));
    }
    let mut ty: Option<Type> = None;
    let mut same = true;
    for arg in args {
        // An unknown argument leaves the result type open (and stops the
        // checking of later arguments, as in cty).
        if arg.is_unknown() {
            same = false;
            break;
        }
        let t = arg.ty();
        if !matches!(t, Type::List(_) | Type::Tuple(_)) {
            return Err(FuncError::new(
                "coalescelist arguments must be lists or tuples",
            ));
        }
        match &ty {
            None => ty = Some(t),
            Some(first) if *first != t => same = false,
            Some(_) => {}
        }
    }
    let ty = match ty {
        Some(t) if same => t,
        _ => Type::Dynamic,
    };
    for arg in args {
        if arg.is_unknown() {
            return Ok(Value::unknown(ty));
        }
        if !arg.is_null() && !arg.is_empty() {
            return Ok(arg.clone());
        }
    }
    Err(FuncError::new("no non-null arguments"))
}

fn chunklist(list: &Value, size: &Value) -> Result<Value, FuncError> {
    let (list, list_marked) = unmark(list);
    let (size, size_marked) = unmark(size);
    let marked = list_marked || size_marked;
    let list = coll_arg(&list, &Type::list(Type::Dynamic), 0)?;
    let lty = list.ty();
    if list.is_unknown() || size.is_unknown() {
        return Ok(Value::unknown(Type::list(lty)).mark(marked));
    }
    let size =
        int_arg(&size).map_err(|e| FuncError::new(format!("invalid size: {}", e.message)))?;
    if size < 0 {
        return Err(FuncError::new("the size argument must be positive"));
    }
    let items = seq(&list);
    if items.is_empty() {
        return Ok(Value::list(lty, vec![]).mark(marked));
    }
    if size == 0 {
        return Ok(Value::list(lty, vec![list]).mark(marked));
    }
    let et = lty.element_type().cloned().unwrap_or(Type::Dynamic);
    let chunk = usize::try_from(size).unwrap_or(usize::MAX);
    let chunks = items
        .chunks(chunk)
        .map(|c| Value::list(et.clone(), c.to_vec()))
        .collect();
    Ok(Value::list(lty, chunks).mark(marked))
}

fn one(list: &Value) -> Result<Value, FuncError> {
    let bad = || {
        FuncError::arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )
    };
    let ty = match list.ty() {
        Type::List(e) | Type::Set(e) => *e,
        Type::Tuple(ts) if ts.len() <= 1 => ts.into_iter().next().unwrap_or(Type::Dynamic),
        Type::Dynamic => Type::Dynamic,
        _ => return Err(bad()),
    };
    if list.is_unknown() {
        return Ok(Value::unknown(ty));
    }
    match seq(list) {
        [] => Ok(Value::null(ty)),
        [v] => Ok(v.clone()),
        _ => Err(bad()),
    }
}

fn alltrue(list: &Value) -> Result<Value, FuncError> {
    if list.is_unknown() {
        return Ok(Value::unknown(Type::Bool));
    }
    for v in seq(list) {
        if v.is_unknown() {
            return Ok(Value::unknown(Type::Bool));
        }
        if v.as_bool() != Some(true) {
            return Ok(Value::bool(false));
        }
    }
    Ok(Value::bool(true))
}

fn anytrue(list: &Value) -> Result<Value, FuncError> {
    if list.is_unknown() {
        return Ok(Value::unknown(Type::Bool));
    }
    let mut unknown = false;
    for v in seq(list) {
        if v.is_unknown() {
            unknown = true;
        } else if v.as_bool() == Some(true) {
            return Ok(Value::bool(true));
        }
    }
    Ok(if unknown {
        Value::unknown(Type::Bool)
    } else {
        Value::bool(false)
    })
}

fn sum(list: &Value) -> Result<Value, FuncError> {
    if list.is_unknown() {
        return Ok(Value::unknown(Type::Number));
    }
    let Some(len) = list.len() else {
        return Err(FuncError::arg(0, "cannot sum noniterable"));
    };
    if len == 0 {
        return Err(FuncError::arg(0, "cannot sum an empty list"));
    }
    let ty = list.ty();
    if !is_seq_type(&ty) {
        return Err(FuncError::arg(
            0,
            format!(
                "argument must be list, set, or tuple. Received {}",
                friendly(&ty)
            ),
        ));
    }
    if !list.is_wholly_known() {
        return Ok(Value::unknown(Type::Number));
    }
    let mut total = Number::zero();
    for v in seq(list) {
        let n = convert(v, &Type::Number)
            .ok()
            .and_then(|n| n.as_number().cloned())
            .ok_or_else(|| {
                FuncError::arg(0, "argument must be list, set, or tuple of number values")
            })?;
        total = total.add(&n);
    }
    Ok(Value::number(total))
}

fn transpose(map: &Value) -> Result<Value, FuncError> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, list) in map.as_entries().into_iter().flatten() {
        if list.is_null() {
            return Err(FuncError::new("input must not contain null list"));
        }
        for v in seq(list) {
            if v.is_null() {
                return Err(FuncError::new("input list must not contain null string"));
            }
            // Input keys come in order, so each output list is sorted.
            out.entry(str_arg(v).to_string())
                .or_default()
                .push(Value::string(k.as_str()));
        }
    }
    Ok(Value::map(
        Type::list(Type::String),
        out.into_iter()
            .map(|(k, v)| (k, Value::list(Type::String, v)))
            .collect(),
    ))
}

fn matchkeys(values: &Value, keys: &Value, search: &Value) -> Result<Value, FuncError> {
    let any = Type::list(Type::Dynamic);
    let values = &coll_arg(values, &any, 0)?;
    let keys = &coll_arg(keys, &any, 1)?;
    let search = &coll_arg(search, &any, 2)?;
    let kt = unify(&[keys.ty(), search.ty()])
        .ok_or_else(|| FuncError::new("keys and searchset must be of the same type"))?;
    let ty = values.ty();
    let et = ty.element_type().cloned().unwrap_or(Type::Dynamic);
    if [values, keys, search].iter().any(|v| v.is_unknown()) {
        return Ok(Value::unknown(ty));
    }
    if seq(values).len() != seq(keys).len() {
        return Err(FuncError::new("length of keys and values should be equal"));
    }
    let keys = convert(keys, &kt).map_err(|e| FuncError::new(e.to_string()))?;
    let search = convert(search, &kt).map_err(|e| FuncError::new(e.to_string()))?;
    if seq(&search).is_empty() {
        return Ok(Value::list(et, vec![]));
    }
    if !values.is_wholly_known() || !keys.is_wholly_known() {
        return Ok(Value::unknown(ty));
    }
    let mut out = Vec::new();
    for (i, key) in seq(&keys).iter().enumerate() {
        for s in seq(&search) {
            match key.equals(s).as_bool() {
                // As in Terraform, an unknown comparison yields no matches.
                None => return Ok(Value::list(et, vec![])),
                Some(true) => {
                    out.push(seq(values)[i].clone());
                    break;
                }
                Some(false) => {}
            }
        }
    }
    Ok(Value::list(et, out))
}

#[derive(Clone, Copy)]
enum SetOp {
    Union,
    Intersection,
    Subtract,
}

fn set_op(args: &[Value], op: SetOp) -> Result<Value, FuncError> {
    if args.iter().any(is_dynamic_unknown) {
        return Ok(Value::unknown(Type::set(Type::Dynamic)));
    }
    let args = args
        .iter()
        .enumerate()
        .map(|(i, a)| coll_arg(a, &Type::set(Type::Dynamic), i))
        .collect::<Result<Vec<_>, _>>()?;
    // Empty sets of unknown element type fit any other set.
    let etys: Vec<Type> = args
        .iter()
        .filter_map(|a| {
            let et = a.ty().element_type().cloned().unwrap_or(Type::Dynamic);
            let skip = !a.is_unknown() && a.is_empty() && et == Type::Dynamic;
            (!skip).then_some(et)
        })
        .collect();
    let et = if etys.is_empty() {
        Type::Dynamic
    } else {
        unify(&etys)
            .ok_or_else(|| FuncError::new("given sets must all have compatible element types"))?
    };
    let ty = Type::set(et.clone());
    let mut sets = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let s = convert(a, &ty).map_err(|e| FuncError::arg(i, e.to_string()))?;
        // Unknown elements could collapse with others later, so only a
        // union can proceed with them.
        let known = match op {
            SetOp::Union => !s.is_unknown(),
            _ => s.is_wholly_known(),
        };
        if !known {
            return Ok(Value::unknown(ty));
        }
        sets.push(s);
    }
    let member = |v: &Value, s: &Value| seq(s).iter().any(|x| total_cmp(x, v).is_eq());
    let first = seq(&sets[0]).to_vec();
    let items: Vec<Value> = match op {
        SetOp::Union => sets.iter().flat_map(|s| seq(s).iter().cloned()).collect(),
        SetOp::Intersection => first
            .into_iter()
            .filter(|v| sets[1..].iter().all(|s| member(v, s)))
            .collect(),
        SetOp::Subtract => first
            .into_iter()
            .filter(|v| !sets[1..].iter().any(|s| member(v, s)))
            .collect(),
    };
    Ok(Value::set(et, items))
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use cairn_value::{Type, Value};

    const LIST_AB: &str = "tolist([\n  \"a\",\n  \"b\",\n])";

    fn fail(f: &str, m: &str) -> String {
        format!("error: Error in function call: Call to function \"{f}\" failed: {m}.")
    }
    fn invalid(p: &str, m: &str) -> String {
        format!("error: Invalid function argument: Invalid value for \"{p}\" parameter: {m}.")
    }

    #[test]
    fn length_fn() {
        assert_eq!(show("length", vec![tuple(vec![])]), "0");
        assert_eq!(show("length", vec![tuple(vec![s("a"), s("b")])]), "2");
        assert_eq!(show("length", vec![obj(&[("a", s("b"))])]), "1");
        assert_eq!(show("length", vec![s("hello")]), "5");
        assert_eq!(show("length", vec![s("👾🕹️")]), "2");
        assert_eq!(show("length", vec![map(Type::Number, &[("a", n(1))])]), "1");
        assert_eq!(
            show("length", vec![set(Type::String, vec![s("a"), s("a")])]),
            "1"
        );
        assert_eq!(
            show("length", vec![n(5)]),
            fail(
                "length",
                "argument must be a string, a collection type, or a structural type"
            )
        );
        assert_eq!(
            show("length", vec![unknown(Type::list(Type::String))]),
            "(known after apply)"
        );
        assert_eq!(
            show("length", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("length", vec![Value::dynamic_unknown()]),
            "(known after apply)"
        );
        // Known collections with unknown elements, and tuples even when
        // unknown, have known lengths.
        assert_eq!(
            show(
                "length",
                vec![list(Type::String, vec![unknown(Type::String)])]
            ),
            "1"
        );
        assert_eq!(
            show("length", vec![unknown(Type::Tuple(vec![Type::String; 3]))]),
            "3"
        );
        assert_eq!(
            show("length", vec![strs(&["a"]).marked()]),
            "(sensitive value)"
        );
        // Marks on elements do not mark the length.
        assert_eq!(show("length", vec![tuple(vec![s("a").marked()])]), "1");
        assert_eq!(show("length", vec![s("abc").marked()]), "(sensitive value)");
    }

    #[test]
    fn element_fn() {
        let abc = || strs(&["a", "b", "c"]);
        assert_eq!(show("element", vec![abc(), n(1)]), "\"b\"");
        assert_eq!(show("element", vec![abc(), n(3)]), "\"a\"");
        assert_eq!(show("element", vec![abc(), n(-1)]), "\"c\"");
        assert_eq!(show("element", vec![abc(), n(-4)]), "\"c\"");
        assert_eq!(show("element", vec![tuple(vec![s("a"), n(1)]), n(1)]), "1");
        assert_eq!(
            show("element", vec![tuple(vec![]), n(0)]),
            fail("element", "cannot use element function with an empty list")
        );
        assert_eq!(
            show("element", vec![strs(&[]), n(0)]),
            fail("element", "cannot use element function with an empty list")
        );
        assert_eq!(
            show("element", vec![abc(), num("1.5")]),
            fail("element", "invalid index: value must be a whole number, between -9223372036854775808 and 9223372036854775807")
        );
        assert_eq!(
            show("element", vec![set(Type::String, vec![s("a")]), n(0)]),
            fail("element", "cannot read elements from set of string")
        );
        assert_eq!(
            call_ty("element", vec![unknown(Type::list(Type::Bool)), n(0)]),
            Type::Bool
        );
        assert_eq!(
            call_ty("element", vec![abc(), unknown(Type::Number)]),
            Type::String
        );
        assert_eq!(
            show("element", vec![abc().marked(), n(0)]),
            "(sensitive value)"
        );
        // Only the chosen element's own mark matters.
        let l = list(Type::String, vec![s("a"), s("b").marked()]);
        assert_eq!(show("element", vec![l.clone(), n(0)]), "\"a\"");
        assert_eq!(show("element", vec![l, n(1)]), "(sensitive value)");
    }

    #[test]
    fn index_fn() {
        assert_eq!(show("index", vec![strs(&["a", "b", "c"]), s("b")]), "1");
        assert_eq!(
            show("index", vec![strs(&["one", "two", "two"]), s("two")]),
            "1"
        );
        assert_eq!(
            show("index", vec![strs(&["a"]), s("z")]),
            fail("index", "item not found")
        );
        // No conversion: a number never equals a string.
        assert_eq!(
            show("index", vec![strs(&["1"]), n(1)]),
            fail("index", "item not found")
        );
        assert_eq!(
            show("index", vec![tuple(vec![]), s("a")]),
            fail("index", "cannot search an empty list")
        );
        assert_eq!(
            show("index", vec![set(Type::String, vec![s("a")]), s("a")]),
            fail("index", "argument must be a list or tuple")
        );
        assert_eq!(
            show(
                "index",
                vec![tuple(vec![unknown(Type::String), s("b")]), s("b")]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "index",
                vec![tuple(vec![s("a"), unknown(Type::String)]), s("a")]
            ),
            "0"
        );
        assert_eq!(
            show("index", vec![strs(&["a"]).marked(), s("a")]),
            "(sensitive value)"
        );
    }

    #[test]
    fn concat_fn() {
        assert_eq!(
            show("concat", vec![strs(&["a", ""]), strs(&["b", "c"])]),
            "tolist([\n  \"a\",\n  \"\",\n  \"b\",\n  \"c\",\n])"
        );
        assert_eq!(
            show(
                "concat",
                vec![
                    tuple(vec![]),
                    tuple(vec![n(1), s("a")]),
                    tuple(vec![tuple(vec![n(3)]), s("c")])
                ]
            ),
            "[\n  1,\n  \"a\",\n  [\n    3,\n  ],\n  \"c\",\n]"
        );
        assert_eq!(
            call_ty("concat", vec![strs(&["a"]), nums(&[1])]),
            Type::list(Type::String)
        );
        assert_eq!(
            call_ty("concat", vec![strs(&["a"]), tuple(vec![n(1)])]),
            Type::Tuple(vec![Type::String, Type::Number])
        );
        assert_eq!(
            show("concat", vec![]),
            fail("concat", "at least one argument is required")
        );
        assert_eq!(
            show("concat", vec![strs(&["a"]), s("b")]),
            invalid("seqs", "all arguments must be lists or tuples; got string")
        );
        assert_eq!(
            show(
                "concat",
                vec![nums(&[1]), unknown(Type::list(Type::Number))]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "concat",
                vec![nums(&[1]), list(Type::Number, vec![unknown(Type::Number)])]
            ),
            "tolist([\n  1,\n  (known after apply),\n])"
        );
        assert_eq!(
            show("concat", vec![nums(&[1]).marked(), nums(&[2])]),
            "(sensitive value)"
        );
        assert_eq!(
            show(
                "concat",
                vec![list(Type::Number, vec![n(1).marked()]), nums(&[2])]
            ),
            "tolist([\n  (sensitive value),\n  2,\n])"
        );
    }

    #[test]
    fn contains_fn() {
        assert_eq!(
            show("contains", vec![strs(&["a", "b", "c"]), s("a")]),
            "true"
        );
        assert_eq!(
            show("contains", vec![strs(&["a", "b", "c"]), s("d")]),
            "false"
        );
        assert_eq!(
            show("contains", vec![set(Type::Number, vec![n(1)]), n(1)]),
            "true"
        );
        assert_eq!(show("contains", vec![tuple(vec![]), s("x")]), "false");
        assert_eq!(
            show("contains", vec![s("abc"), s("a")]),
            fail("contains", "argument must be list, tuple, or set")
        );
        assert_eq!(
            show(
                "contains",
                vec![tuple(vec![s("a"), unknown(Type::String)]), s("b")]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "contains",
                vec![tuple(vec![s("a"), unknown(Type::String)]), s("a")]
            ),
            "true"
        );
        assert_eq!(
            show("contains", vec![strs(&["a"]), unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("contains", vec![strs(&["a"]), s("a").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn distinct_fn() {
        assert_eq!(
            show("distinct", vec![strs(&["a", "b", "a", "c", "d", "b"])]),
            "tolist([\n  \"a\",\n  \"b\",\n  \"c\",\n  \"d\",\n])"
        );
        assert_eq!(
            call_ty("distinct", vec![tuple(vec![n(1), s("1")])]),
            Type::list(Type::String)
        );
        assert_eq!(
            show("distinct", vec![tuple(vec![n(1), s("1")])]),
            "tolist([\n  \"1\",\n])"
        );
        assert_eq!(
            show("distinct", vec![tuple(vec![n(1), b(true)])]),
            invalid("list", "all list elements must have the same type")
        );
        let u = call("distinct", vec![tuple(vec![n(1), unknown(Type::Number)])]).unwrap();
        assert!(u.is_unknown());
        assert_eq!(u.ty(), Type::list(Type::Number));
        assert_eq!(
            show("distinct", vec![strs(&["a"]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn flatten_fn() {
        let abc = "[\n  \"a\",\n  \"b\",\n  \"c\",\n]";
        assert_eq!(
            show(
                "flatten",
                vec![tuple(vec![strs(&["a", "b"]), tuple(vec![]), strs(&["c"])])]
            ),
            abc
        );
        assert_eq!(
            show(
                "flatten",
                vec![tuple(vec![
                    tuple(vec![strs(&["a", "b"]), tuple(vec![])]),
                    strs(&["c"])
                ])]
            ),
            abc
        );
        // Maps are not taken apart, nulls stay.
        assert_eq!(
            show(
                "flatten",
                vec![tuple(vec![
                    obj(&[("a", tuple(vec![n(1)]))]),
                    Value::null(Type::list(Type::String))
                ])]
            ),
            "[\n  {\n    \"a\" = [\n      1,\n    ]\n  },\n  null,\n]"
        );
        assert_eq!(show("flatten", vec![tuple(vec![])]), "[]");
        assert_eq!(
            show("flatten", vec![s("a")]),
            fail("flatten", "can only flatten lists, sets and tuples")
        );
        assert_eq!(
            show(
                "flatten",
                vec![tuple(vec![strs(&["a"]), unknown(Type::list(Type::String))])]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "flatten",
                vec![tuple(vec![strs(&["a"]), unknown(Type::String)])]
            ),
            "[\n  \"a\",\n  (known after apply),\n]"
        );
        // The marks of the lists taken apart mark the result.
        assert_eq!(
            show(
                "flatten",
                vec![tuple(vec![strs(&["a"]).marked(), strs(&["b"])])]
            ),
            "(sensitive value)"
        );
        assert_eq!(
            show(
                "flatten",
                vec![tuple(vec![
                    list(Type::String, vec![s("a").marked()]),
                    strs(&["b"])
                ])]
            ),
            "[\n  (sensitive value),\n  \"b\",\n]"
        );
    }

    #[test]
    fn keys_values() {
        assert_eq!(
            show("keys", vec![obj(&[("a", n(1)), ("c", n(2)), ("d", n(3))])]),
            "[\n  \"a\",\n  \"c\",\n  \"d\",\n]"
        );
        assert_eq!(
            show("keys", vec![map(Type::Number, &[("b", n(1)), ("a", n(2))])]),
            LIST_AB
        );
        assert_eq!(
            call_ty("keys", vec![obj(&[("a", n(1))])]),
            Type::Tuple(vec![Type::String])
        );
        assert_eq!(
            call_ty("keys", vec![map(Type::Bool, &[])]),
            Type::list(Type::String)
        );
        assert_eq!(
            show("keys", vec![strs(&["a"])]),
            invalid("inputMap", "must have map or object type")
        );
        assert_eq!(
            show(
                "keys",
                vec![obj(&[("a", unknown(Type::String)), ("b", n(1))])]
            ),
            LIST_AB.trim_start_matches("tolist(").trim_end_matches(')')
        );
        assert_eq!(
            show(
                "keys",
                vec![unknown(Type::object(
                    [("x".to_string(), Type::Bool)].into()
                ))]
            ),
            "[\n  \"x\",\n]"
        );
        assert_eq!(
            show("keys", vec![unknown(Type::map(Type::String))]),
            "(known after apply)"
        );
        assert_eq!(
            show("keys", vec![obj(&[("a", n(1))]).marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show("keys", vec![obj(&[("a", n(1).marked())])]),
            "[\n  \"a\",\n]"
        );

        assert_eq!(
            show(
                "values",
                vec![obj(&[("a", n(3)), ("c", n(2)), ("d", n(1))])]
            ),
            "[\n  3,\n  2,\n  1,\n]"
        );
        assert_eq!(
            show(
                "values",
                vec![map(Type::String, &[("x", s("a")), ("y", s("b"))])]
            ),
            LIST_AB
        );
        assert_eq!(
            show("values", vec![strs(&[])]),
            fail("values", "values() requires a map as the first argument")
        );
        assert_eq!(
            call_ty("values", vec![unknown(Type::map(Type::Number))]),
            Type::list(Type::Number)
        );
        assert_eq!(
            show("values", vec![obj(&[("a", n(1))]).marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show("values", vec![obj(&[("a", n(1).marked()), ("b", n(2))])]),
            "[\n  (sensitive value),\n  2,\n]"
        );
    }

    #[test]
    fn lookup_fn() {
        let m = || obj(&[("a", s("ay")), ("b", s("bee"))]);
        assert_eq!(show("lookup", vec![m(), s("a"), s("what?")]), "\"ay\"");
        assert_eq!(show("lookup", vec![m(), s("c"), s("what?")]), "\"what?\"");
        assert_eq!(show("lookup", vec![m(), s("b")]), "\"bee\"");
        let tm = || map(Type::Number, &[("a", n(1))]);
        assert_eq!(show("lookup", vec![tm(), s("a")]), "1");
        assert_eq!(show("lookup", vec![tm(), s("z"), s("2")]), "2");
        assert_eq!(
            show("lookup", vec![tm(), s("z")]),
            fail("lookup", "lookup failed to find key \"z\"")
        );
        assert_eq!(
            show("lookup", vec![tm(), s("z").marked()]),
            fail("lookup", "lookup failed to find key (sensitive value)")
        );
        assert_eq!(
            show("lookup", vec![m(), s("c")]),
            invalid("inputMap", "the given object has no attribute \"c\"")
        );
        assert_eq!(
            show("lookup", vec![tm(), s("a"), s("x")]),
            invalid(
                "default",
                "the default value must have the same type as the map elements"
            )
        );
        assert_eq!(
            show("lookup", vec![strs(&["a"]), s("a")]),
            invalid("inputMap", "lookup() requires a map as the first argument")
        );
        assert_eq!(
            show("lookup", vec![tm(), s("a"), n(1), n(2)]),
            fail("lookup", "lookup() takes two or three arguments, got 4")
        );
        assert_eq!(
            call_ty("lookup", vec![unknown(Type::map(Type::Bool)), s("a")]),
            Type::Bool
        );
        assert_eq!(
            show("lookup", vec![tm(), unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("lookup", vec![m(), s("a"), unknown(Type::String)]),
            "\"ay\""
        );
        assert_eq!(
            show("lookup", vec![m().marked(), s("a")]),
            "(sensitive value)"
        );
        assert_eq!(
            show("lookup", vec![tm(), s("z"), n(5).marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show(
                "lookup",
                vec![obj(&[("a", n(1).marked()), ("b", n(2))]), s("b")]
            ),
            "2"
        );
    }

    #[test]
    fn merge_fn() {
        assert_eq!(
            show(
                "merge",
                vec![
                    obj(&[("a", s("b")), ("c", s("d"))]),
                    obj(&[("e", s("f")), ("c", s("z"))])
                ]
            ),
            "{\n  \"a\" = \"b\"\n  \"c\" = \"z\"\n  \"e\" = \"f\"\n}"
        );
        assert_eq!(
            show(
                "merge",
                vec![
                    obj(&[("a", s("b"))]),
                    obj(&[("a", tuple(vec![n(1), n(2)])), ("c", s("z"))]),
                    obj(&[("d", n(3))])
                ]
            ),
            "{\n  \"a\" = [\n    1,\n    2,\n  ]\n  \"c\" = \"z\"\n  \"d\" = 3\n}"
        );
        assert_eq!(
            show(
                "merge",
                vec![
                    obj(&[("a", s("b")), ("c", s("d"))]),
                    obj(&[]),
                    obj(&[("e", s("f")), ("c", s("z"))])
                ]
            ),
            "{\n  \"a\" = \"b\"\n  \"c\" = \"z\"\n  \"e\" = \"f\"\n}"
        );
        let ms = |k: &str, v: &str| map(Type::String, &[(k, s(v))]);
        assert_eq!(
            show("merge", vec![ms("a", "1"), ms("b", "2")]),
            "tomap({\n  \"a\" = \"1\"\n  \"b\" = \"2\"\n})"
        );
        assert_eq!(
            call_ty(
                "merge",
                vec![ms("a", "1"), map(Type::Number, &[("b", n(2))])]
            ),
            Type::object(
                [
                    ("a".to_string(), Type::String),
                    ("b".to_string(), Type::Number)
                ]
                .into()
            )
        );
        assert_eq!(
            call_ty("merge", vec![ms("a", "1"), obj(&[("b", n(2))])]),
            Type::object(
                [
                    ("a".to_string(), Type::String),
                    ("b".to_string(), Type::Number)
                ]
                .into()
            )
        );
        assert_eq!(show("merge", vec![]), "{}");
        assert_eq!(
            show(
                "merge",
                vec![
                    ms("a", "1"),
                    Value::null(Type::map(Type::String)),
                    Value::dynamic_null()
                ]
            ),
            "{\n  \"a\" = \"1\"\n}"
        );
        assert_eq!(
            show(
                "merge",
                vec![ms("a", "1"), Value::null(Type::map(Type::String))]
            ),
            "tomap({\n  \"a\" = \"1\"\n})"
        );
        assert_eq!(
            show("merge", vec![ms("a", "1"), strs(&["x"])]),
            fail(
                "merge",
                "arguments must be maps or objects, got \"list of string\""
            )
        );
        assert_eq!(
            show(
                "merge",
                vec![ms("a", "1"), unknown(Type::map(Type::String))]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "merge",
                vec![obj(&[("a", unknown(Type::String))]), obj(&[("b", n(1))])]
            ),
            "{\n  \"a\" = (known after apply)\n  \"b\" = 1\n}"
        );
        assert_eq!(
            show("merge", vec![ms("a", "1").marked(), ms("b", "2")]),
            "(sensitive value)"
        );
        assert_eq!(
            show(
                "merge",
                vec![obj(&[("a", s("x").marked())]), obj(&[("b", s("y"))])]
            ),
            "{\n  \"a\" = (sensitive value)\n  \"b\" = \"y\"\n}"
        );
    }

    #[test]
    fn range_fn() {
        let r = |a: Vec<Value>| show("range", a);
        assert_eq!(r(vec![n(3)]), "tolist([\n  0,\n  1,\n  2,\n])");
        assert_eq!(r(vec![n(1), n(4)]), "tolist([\n  1,\n  2,\n  3,\n])");
        assert_eq!(
            r(vec![n(1), n(8), n(2)]),
            "tolist([\n  1,\n  3,\n  5,\n  7,\n])"
        );
        assert_eq!(
            r(vec![n(1), n(4), num("0.5")]),
            "tolist([\n  1,\n  1.5,\n  2,\n  2.5,\n  3,\n  3.5,\n])"
        );
        assert_eq!(r(vec![n(4), n(1)]), "tolist([\n  4,\n  3,\n  2,\n])");
        assert_eq!(
            r(vec![n(10), n(5), n(-2)]),
            "tolist([\n  10,\n  8,\n  6,\n])"
        );
        assert_eq!(r(vec![n(-2)]), "tolist([\n  0,\n  -1,\n])");
        assert_eq!(r(vec![n(0)]), "tolist([])");
        assert_eq!(call_ty("range", vec![n(0)]), Type::list(Type::Number));
        assert_eq!(call("range", vec![n(1024)]).unwrap().len(), Some(1024));
        assert_eq!(
            r(vec![n(1025)]),
            fail("range", "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step")
        );
        assert_eq!(
            r(vec![n(1), n(5), n(0)]),
            fail("range", "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step")
        );
        assert_eq!(
            r(vec![n(1), n(5), n(-1)]),
            invalid(
                "params",
                "end must be less than start when step is negative"
            )
        );
        assert_eq!(
            r(vec![n(5), n(1), n(1)]),
            invalid(
                "params",
                "end must be greater than start when step is positive"
            )
        );
        assert_eq!(
            r(vec![]),
            fail("range", "must have one, two, or three arguments")
        );
        assert_eq!(
            r(vec![n(1), n(2), n(3), n(4)]),
            fail("range", "must have one, two, or three arguments")
        );
        assert_eq!(r(vec![unknown(Type::Number)]), "(known after apply)");
        assert_eq!(r(vec![n(2).marked()]), "(sensitive value)");
    }

    #[test]
    fn reverse_fn() {
        assert_eq!(
            show("reverse", vec![tuple(vec![n(1), n(2), n(3)])]),
            "[\n  3,\n  2,\n  1,\n]"
        );
        assert_eq!(show("reverse", vec![strs(&["b", "a"])]), LIST_AB);
        assert_eq!(
            show("reverse", vec![set(Type::String, vec![s("a"), s("b")])]),
            "tolist([\n  \"b\",\n  \"a\",\n])"
        );
        assert_eq!(
            show("reverse", vec![s("ab")]),
            invalid("list", "can only reverse list or tuple values, not string")
        );
        assert_eq!(
            call_ty("reverse", vec![unknown(Type::list(Type::Bool))]),
            Type::list(Type::Bool)
        );
        assert_eq!(
            show("reverse", vec![strs(&["a"]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn setproduct_fn() {
        assert_eq!(
            show("setproduct", vec![strs(&["development", "staging", "production"]), strs(&["app1", "app2"])]),
            "tolist([\n  [\n    \"development\",\n    \"app1\",\n  ],\n  [\n    \"development\",\n    \"app2\",\n  ],\n  [\n    \"staging\",\n    \"app1\",\n  ],\n  [\n    \"staging\",\n    \"app2\",\n  ],\n  [\n    \"production\",\n    \"app1\",\n  ],\n  [\n    \"production\",\n    \"app2\",\n  ],\n])"
        );
        assert_eq!(
            show("setproduct", vec![strs(&["a", "b"]), tuple(vec![])]),
            "tolist([])"
        );
        assert_eq!(
            show("setproduct", vec![strs(&["a"]), strs(&["b"])]),
            "tolist([\n  [\n    \"a\",\n    \"b\",\n  ],\n])"
        );
        assert_eq!(
            show("setproduct", vec![tuple(vec![s("staging"), s("production")]), tuple(vec![s("a"), n(2)])]),
            "tolist([\n  [\n    \"staging\",\n    \"a\",\n  ],\n  [\n    \"staging\",\n    \"2\",\n  ],\n  [\n    \"production\",\n    \"a\",\n  ],\n  [\n    \"production\",\n    \"2\",\n  ],\n])"
        );
        assert_eq!(
            call_ty(
                "setproduct",
                vec![set(Type::String, vec![s("a")]), nums(&[1])]
            ),
            Type::set(Type::Tuple(vec![Type::String, Type::Number]))
        );
        assert_eq!(
            show("setproduct", vec![strs(&["a"])]),
            fail("setproduct", "at least two arguments are required")
        );
        assert_eq!(
            show("setproduct", vec![strs(&["a"]), s("b")]),
            invalid("sets", "a set or a list is required")
        );
        assert_eq!(
            show("setproduct", vec![strs(&["a"]), tuple(vec![n(1), b(true)])]),
            invalid("sets", "all elements must be of the same type")
        );
        assert_eq!(
            show(
                "setproduct",
                vec![strs(&["a"]), unknown(Type::list(Type::String))]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("setproduct", vec![strs(&["a"]).marked(), strs(&["b"])]),
            "(sensitive value)"
        );
    }

    #[test]
    fn slice_fn() {
        let abcd = || strs(&["a", "b", "c", "d"]);
        assert_eq!(
            show("slice", vec![abcd(), n(1), n(3)]),
            "tolist([\n  \"b\",\n  \"c\",\n])"
        );
        assert_eq!(show("slice", vec![abcd(), n(2), n(2)]), "tolist([])");
        assert_eq!(
            show(
                "slice",
                vec![tuple(vec![n(1), s("x"), b(true)]), n(1), n(3)]
            ),
            "[\n  \"x\",\n  true,\n]"
        );
        assert_eq!(
            show("slice", vec![abcd(), n(3), n(1)]),
            invalid(
                "start_index",
                "start index must not be greater than end index"
            )
        );
        assert_eq!(
            show("slice", vec![abcd(), n(-1), n(1)]),
            invalid("start_index", "start index must not be less than zero")
        );
        assert_eq!(
            show("slice", vec![abcd(), n(0), n(5)]),
            invalid(
                "end_index",
                "end index must not be greater than the length of the list"
            )
        );
        assert_eq!(
            show("slice", vec![set(Type::String, vec![s("a")]), n(0), n(1)]),
            invalid("list", "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important")
        );
        assert_eq!(
            call_ty("slice", vec![unknown(Type::list(Type::String)), n(0), n(1)]),
            Type::list(Type::String)
        );
        assert_eq!(
            show("slice", vec![abcd(), n(0), unknown(Type::Number)]),
            "(known after apply)"
        );
        assert_eq!(
            show("slice", vec![abcd().marked(), n(0), n(1)]),
            "(sensitive value)"
        );
    }

    #[test]
    fn sort_fn() {
        assert_eq!(
            show("sort", vec![strs(&["e", "d", "a", "x"])]),
            "tolist([\n  \"a\",\n  \"d\",\n  \"e\",\n  \"x\",\n])"
        );
        // Numbers sort as strings.
        assert_eq!(
            show("sort", vec![nums(&[10, 9, 1])]),
            "tolist([\n  \"1\",\n  \"10\",\n  \"9\",\n])"
        );
        assert_eq!(
            show("sort", vec![tuple(vec![s("a"), Value::null(Type::String)])]),
            fail(
                "sort",
                "given list element 1 is null; a null string cannot be sorted"
            )
        );
        assert_eq!(
            show("sort", vec![tuple(vec![s("a"), unknown(Type::String)])]),
            "(known after apply)"
        );
        assert_eq!(
            call_ty("sort", vec![tuple(vec![s("a"), unknown(Type::String)])]),
            Type::list(Type::String)
        );
        assert_eq!(
            show("sort", vec![strs(&["b", "a"]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn zipmap_fn() {
        assert_eq!(
            show("zipmap", vec![strs(&["a", "b"]), tuple(vec![n(1), n(2)])]),
            "{\n  \"a\" = 1\n  \"b\" = 2\n}"
        );
        assert_eq!(
            show("zipmap", vec![strs(&["a", "b"]), nums(&[1, 2])]),
            "tomap({\n  \"a\" = 1\n  \"b\" = 2\n})"
        );
        assert_eq!(
            show("zipmap", vec![strs(&["a", "a"]), nums(&[1, 2])]),
            "tomap({\n  \"a\" = 2\n})"
        );
        assert_eq!(
            show("zipmap", vec![strs(&["a"]), nums(&[1, 2])]),
            fail(
                "zipmap",
                "number of keys (1) does not match number of values (2)"
            )
        );
        assert_eq!(
            show("zipmap", vec![strs(&["a"]), s("x")]),
            fail("zipmap", "values argument must be a list or tuple value")
        );
        assert_eq!(
            call_ty(
                "zipmap",
                vec![unknown(Type::list(Type::String)), nums(&[1])]
            ),
            Type::map(Type::Number)
        );
        assert_eq!(
            show(
                "zipmap",
                vec![tuple(vec![unknown(Type::String)]), tuple(vec![n(1)])]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("zipmap", vec![tuple(vec![s("a").marked()]), nums(&[1])]),
            "(sensitive value)"
        );
        assert_eq!(
            show(
                "zipmap",
                vec![
                    strs(&["a", "b"]),
                    list(Type::Number, vec![n(1).marked(), n(2)])
                ]
            ),
            "tomap({\n  \"a\" = (sensitive value)\n  \"b\" = 2\n})"
        );
    }

    #[test]
    fn coalesce_fn() {
        assert_eq!(show("coalesce", vec![s("a"), s("b")]), "\"a\"");
        assert_eq!(show("coalesce", vec![s(""), s("b")]), "\"b\"");
        assert_eq!(show("coalesce", vec![n(1), n(2)]), "1");
        assert_eq!(show("coalesce", vec![n(1), s("hello")]), "\"1\"");
        assert_eq!(show("coalesce", vec![b(true), s("hello")]), "\"true\"");
        assert_eq!(show("coalesce", vec![Value::dynamic_null(), n(2)]), "2");
        assert_eq!(
            show("coalesce", vec![obj(&[]), s("hello")]),
            fail("coalesce", "all arguments must have the same type")
        );
        assert_eq!(
            show("coalesce", vec![]),
            fail("coalesce", "all arguments must have the same type")
        );
        assert_eq!(
            show("coalesce", vec![Value::null(Type::String), s("")]),
            fail("coalesce", "no non-null, non-empty-string arguments")
        );
        assert_eq!(
            show("coalesce", vec![unknown(Type::String), s("x")]),
            "(known after apply)"
        );
        assert_eq!(
            show("coalesce", vec![s("x"), unknown(Type::String)]),
            "\"x\""
        );
        assert_eq!(
            show("coalesce", vec![s("x"), s("y").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn coalescelist_fn() {
        assert_eq!(
            show(
                "coalescelist",
                vec![tuple(vec![s("a"), s("b")]), tuple(vec![s("c"), s("d")])]
            ),
            "[\n  \"a\",\n  \"b\",\n]"
        );
        assert_eq!(
            show(
                "coalescelist",
                vec![tuple(vec![]), tuple(vec![s("c"), s("d")])]
            ),
            "[\n  \"c\",\n  \"d\",\n]"
        );
        assert_eq!(
            show("coalescelist", vec![strs(&[]), strs(&["a", "b"])]),
            LIST_AB
        );
        assert_eq!(
            show("coalescelist", vec![]),
            fail("coalescelist", "at least one argument is required")
        );
        assert_eq!(
            show("coalescelist", vec![strs(&["a"]), s("b")]),
            fail(
                "coalescelist",
                "coalescelist arguments must be lists or tuples"
            )
        );
        assert_eq!(
            show("coalescelist", vec![strs(&[])]),
            fail("coalescelist", "no non-null arguments")
        );
        assert_eq!(
            show(
                "coalescelist",
                vec![unknown(Type::list(Type::String)), strs(&["a"])]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "coalescelist",
                vec![strs(&["a"]), unknown(Type::list(Type::String))]
            ),
            "tolist([\n  \"a\",\n])"
        );
        assert_eq!(
            show("coalescelist", vec![strs(&["a"]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn compact_fn() {
        assert_eq!(
            show(
                "compact",
                vec![tuple(vec![
                    s("a"),
                    s(""),
                    s("b"),
                    Value::dynamic_null(),
                    s("c")
                ])]
            ),
            "tolist([\n  \"a\",\n  \"b\",\n  \"c\",\n])"
        );
        assert_eq!(show("compact", vec![strs(&[""])]), "tolist([])");
        assert_eq!(
            show("compact", vec![s("a")]),
            invalid("list", "list of string required")
        );
        assert_eq!(
            show("compact", vec![tuple(vec![s("a"), unknown(Type::String)])]),
            "(known after apply)"
        );
        assert_eq!(
            show("compact", vec![strs(&["a"]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn chunklist_fn() {
        let abcde = || strs(&["a", "b", "c", "d", "e"]);
        assert_eq!(
            show("chunklist", vec![abcde(), n(2)]),
            "tolist([\n  tolist([\n    \"a\",\n    \"b\",\n  ]),\n  tolist([\n    \"c\",\n    \"d\",\n  ]),\n  tolist([\n    \"e\",\n  ]),\n])"
        );
        assert_eq!(
            show("chunklist", vec![abcde(), n(1)]),
            "tolist([\n  tolist([\n    \"a\",\n  ]),\n  tolist([\n    \"b\",\n  ]),\n  tolist([\n    \"c\",\n  ]),\n  tolist([\n    \"d\",\n  ]),\n  tolist([\n    \"e\",\n  ]),\n])"
        );
        assert_eq!(
            show("chunklist", vec![strs(&["a", "b"]), n(0)]),
            "tolist([\n  tolist([\n    \"a\",\n    \"b\",\n  ]),\n])"
        );
        assert_eq!(show("chunklist", vec![strs(&[]), n(3)]), "tolist([])");
        assert_eq!(
            call_ty("chunklist", vec![strs(&[]), n(3)]),
            Type::list(Type::list(Type::String))
        );
        assert_eq!(
            show("chunklist", vec![abcde(), n(-1)]),
            fail("chunklist", "the size argument must be positive")
        );
        assert_eq!(
            show("chunklist", vec![abcde(), num("0.5")]),
            fail("chunklist", "invalid size: value must be a whole number, between -9223372036854775808 and 9223372036854775807")
        );
        assert_eq!(
            show("chunklist", vec![list(Type::String, vec![s("a"), unknown(Type::String)]), n(1)]),
            "tolist([\n  tolist([\n    \"a\",\n  ]),\n  tolist([\n    (known after apply),\n  ]),\n])"
        );
        assert_eq!(
            call_ty("chunklist", vec![unknown(Type::list(Type::Bool)), n(1)]),
            Type::list(Type::list(Type::Bool))
        );
        assert_eq!(
            show("chunklist", vec![abcde(), n(2).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn one_fn() {
        assert_eq!(show("one", vec![tuple(vec![])]), "null");
        assert_eq!(show("one", vec![tuple(vec![s("hello")])]), "\"hello\"");
        assert_eq!(
            show("one", vec![tuple(vec![s("hello"), s("goodbye")])]),
            invalid(
                "list",
                "must be a list, set, or tuple value with either zero or one elements"
            )
        );
        assert_eq!(show("one", vec![set(Type::String, vec![])]), "null");
        assert_eq!(
            call_ty("one", vec![set(Type::String, vec![])]),
            Type::String
        );
        assert_eq!(
            show("one", vec![set(Type::String, vec![s("hello")])]),
            "\"hello\""
        );
        assert_eq!(
            show(
                "one",
                vec![set(Type::String, vec![s("hello"), s("goodbye")])]
            ),
            invalid(
                "list",
                "must be a list, set, or tuple value with either zero or one elements"
            )
        );
        assert_eq!(
            call_ty("one", vec![unknown(Type::list(Type::Number))]),
            Type::Number
        );
        assert_eq!(
            show("one", vec![tuple(vec![unknown(Type::Number)])]),
            "(known after apply)"
        );
        assert_eq!(
            show("one", vec![strs(&["a"]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn alltrue_anytrue() {
        assert_eq!(
            show("alltrue", vec![tuple(vec![s("true"), b(true)])]),
            "true"
        );
        assert_eq!(
            show("alltrue", vec![tuple(vec![b(true), b(false)])]),
            "false"
        );
        assert_eq!(show("alltrue", vec![tuple(vec![])]), "true");
        assert_eq!(show("anytrue", vec![tuple(vec![s("true")])]), "true");
        assert_eq!(show("anytrue", vec![tuple(vec![b(true)])]), "true");
        assert_eq!(
            show("anytrue", vec![tuple(vec![b(true), b(false)])]),
            "true"
        );
        assert_eq!(show("anytrue", vec![tuple(vec![])]), "false");
        assert_eq!(
            show("alltrue", vec![tuple(vec![s("x")])]),
            invalid("list", "element 0: a bool is required")
        );
        assert_eq!(
            show("anytrue", vec![s("x")]),
            invalid("list", "list of bool required")
        );
        assert_eq!(
            show("alltrue", vec![tuple(vec![b(true), unknown(Type::Bool)])]),
            "(known after apply)"
        );
        assert_eq!(
            show("alltrue", vec![tuple(vec![b(false), unknown(Type::Bool)])]),
            "false"
        );
        assert_eq!(
            show("anytrue", vec![tuple(vec![b(false), unknown(Type::Bool)])]),
            "(known after apply)"
        );
        assert_eq!(
            show("anytrue", vec![tuple(vec![unknown(Type::Bool), b(true)])]),
            "true"
        );
        assert_eq!(
            show("alltrue", vec![tuple(vec![b(true).marked()])]),
            "(sensitive value)"
        );
        assert_eq!(
            show("anytrue", vec![tuple(vec![b(true).marked()])]),
            "(sensitive value)"
        );
    }

    #[test]
    fn sum_fn() {
        assert_eq!(
            show("sum", vec![tuple(vec![n(10), n(13), n(6), num("4.5")])]),
            "33.5"
        );
        assert_eq!(
            show("sum", vec![tuple(vec![num("0.1"), num("0.2")])]),
            "0.3"
        );
        assert_eq!(show("sum", vec![set(Type::Number, vec![n(1), n(2)])]), "3");
        assert_eq!(
            show("sum", vec![tuple(vec![])]),
            invalid("list", "cannot sum an empty list")
        );
        assert_eq!(
            show("sum", vec![n(1)]),
            invalid("list", "cannot sum noniterable")
        );
        assert_eq!(
            show("sum", vec![obj(&[("a", n(1))])]),
            invalid(
                "list",
                "argument must be list, set, or tuple. Received object"
            )
        );
        assert_eq!(
            show("sum", vec![tuple(vec![n(1), s("x")])]),
            invalid(
                "list",
                "argument must be list, set, or tuple of number values"
            )
        );
        assert_eq!(
            show("sum", vec![tuple(vec![n(1), unknown(Type::Number)])]),
            "(known after apply)"
        );
        assert_eq!(
            show("sum", vec![tuple(vec![n(1), n(2).marked()])]),
            "(sensitive value)"
        );
    }

    #[test]
    fn transpose_fn() {
        let input = map(
            Type::list(Type::String),
            &[("a", strs(&["1", "2"])), ("b", strs(&["2", "3"]))],
        );
        assert_eq!(
            show("transpose", vec![input]),
            "tomap({\n  \"1\" = tolist([\n    \"a\",\n  ])\n  \"2\" = tolist([\n    \"a\",\n    \"b\",\n  ])\n  \"3\" = tolist([\n    \"b\",\n  ])\n})"
        );
        assert_eq!(
            show(
                "transpose",
                vec![obj(&[("a", tuple(vec![Value::null(Type::String)]))])]
            ),
            fail("transpose", "input list must not contain null string")
        );
        assert_eq!(
            show(
                "transpose",
                vec![obj(&[("a", Value::null(Type::list(Type::String)))])]
            ),
            fail("transpose", "input must not contain null list")
        );
        assert_eq!(
            show(
                "transpose",
                vec![obj(&[("a", tuple(vec![unknown(Type::String)]))])]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("transpose", vec![obj(&[("a", strs(&["x"]))]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn matchkeys_fn() {
        assert_eq!(
            show(
                "matchkeys",
                vec![
                    strs(&["i-123", "i-abc", "i-def"]),
                    strs(&["us-west", "us-east", "us-east"]),
                    strs(&["us-east"])
                ]
            ),
            "tolist([\n  \"i-abc\",\n  \"i-def\",\n])"
        );
        assert_eq!(
            show(
                "matchkeys",
                vec![strs(&["a"]), strs(&["x", "y"]), strs(&["x"])]
            ),
            fail("matchkeys", "length of keys and values should be equal")
        );
        assert_eq!(
            show(
                "matchkeys",
                vec![
                    strs(&["a"]),
                    strs(&["x"]),
                    unknown(Type::list(Type::String))
                ]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "matchkeys",
                vec![strs(&["a"]).marked(), strs(&["x"]), strs(&["x"])]
            ),
            "(sensitive value)"
        );
    }

    #[test]
    fn set_functions() {
        assert_eq!(
            show(
                "setunion",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["d"])]
            ),
            "toset([\n  \"a\",\n  \"b\",\n  \"c\",\n  \"d\",\n])"
        );
        assert_eq!(
            show(
                "setintersection",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])]
            ),
            "toset([\n  \"b\",\n])"
        );
        assert_eq!(
            show(
                "setintersection",
                vec![
                    tuple(vec![n(3), num("3.3"), n(4)]),
                    tuple(vec![n(4), num("3.3"), n(65), n(99)]),
                    tuple(vec![num("4.0"), num("3.3")])
                ]
            ),
            "toset([\n  3.3,\n  4,\n])"
        );
        assert_eq!(
            show(
                "setintersection",
                vec![
                    tuple(vec![s("bob"), s("jane"), n(3)]),
                    tuple(vec![s("jane"), n(3), s("ajax"), n(10)]),
                    tuple(vec![s("3"), s("jane"), n(26), s("nomad")])
                ]
            ),
            "toset([\n  \"3\",\n  \"jane\",\n])"
        );
        assert_eq!(
            show(
                "setsubtract",
                vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]
            ),
            "toset([\n  \"b\",\n])"
        );
        let sub = |x: &[&str], y: &[&str]| call("setsubtract", vec![strs(x), strs(y)]).unwrap();
        assert_eq!(
            show(
                "setunion",
                vec![
                    sub(&["a", "b", "c"], &["a", "c", "d"]),
                    sub(&["a", "c", "d"], &["a", "b", "c"])
                ]
            ),
            "toset([\n  \"b\",\n  \"d\",\n])"
        );
        assert_eq!(
            call_ty("setunion", vec![tuple(vec![]), nums(&[1])]),
            Type::set(Type::Number)
        );
        assert_eq!(
            call_ty("setunion", vec![strs(&["a"]), nums(&[1])]),
            Type::set(Type::String)
        );
        assert_eq!(
            show(
                "setunion",
                vec![strs(&["a"]), list(Type::list(Type::String), vec![])]
            ),
            fail(
                "setunion",
                "given sets must all have compatible element types"
            )
        );
        assert_eq!(
            show("setunion", vec![strs(&["a"]), s("b")]),
            invalid("other_sets", "set of any type required")
        );
        assert_eq!(
            show(
                "setunion",
                vec![strs(&["a"]), tuple(vec![unknown(Type::String)])]
            ),
            "toset([\n  \"a\",\n  (known after apply),\n])"
        );
        assert_eq!(
            show(
                "setintersection",
                vec![strs(&["a"]), tuple(vec![unknown(Type::String)])]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "setsubtract",
                vec![strs(&["a"]), unknown(Type::set(Type::String))]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("setunion", vec![strs(&["a"]).marked(), strs(&["b"])]),
            "(sensitive value)"
        );
        for f in ["setintersection", "setsubtract"] {
            assert_eq!(
                show(f, vec![strs(&["a"]), strs(&["a"]).marked()]),
                "(sensitive value)"
            );
        }
        assert_eq!(
            call_ty("setsubtract", vec![set(Type::Bool, vec![]), tuple(vec![])]),
            Type::set(Type::Bool)
        );
    }
}
