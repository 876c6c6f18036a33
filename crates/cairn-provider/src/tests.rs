use super::*;

fn schema() -> Schema {
    Schema::new("test")
        .attr(
            "name",
            Attribute::required(Type::String, "name").force_new(),
        )
        .attr("size", Attribute::optional(Type::Number, "size"))
        .attr("id", Attribute::computed(Type::String, "id"))
        .attr(
            "secret",
            Attribute::optional_computed(Type::String, "secret").sensitive(),
        )
        .block(
            "rule",
            NestedBlock {
                nesting: Nesting::List,
                block: Schema::new("rule")
                    .attr("port", Attribute::required(Type::Number, "port"))
                    .attr("arn", Attribute::computed(Type::String, "arn")),
                min_items: 0,
                max_items: None,
                force_new: false,
            },
        )
}

fn obj(items: &[(&str, Value)]) -> Value {
    Value::object(
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn rule_t() -> Type {
    schema().blocks["rule"].block.implied_type()
}

#[test]
fn proposed_keeps_prior_computed_values() {
    let s = schema();
    let prior = obj(&[
        ("name", Value::string("a")),
        ("size", Value::int(1)),
        ("id", Value::string("i-1")),
        ("secret", Value::string("gen")),
        (
            "rule",
            Value::list(
                rule_t(),
                vec![obj(&[
                    ("port", Value::int(80)),
                    ("arn", Value::string("arn:1")),
                ])],
            ),
        ),
    ]);
    let config = obj(&[
        ("name", Value::string("a")),
        ("size", Value::null(Type::Number)),
        ("id", Value::null(Type::String)),
        ("secret", Value::null(Type::String)),
        (
            "rule",
            Value::list(
                rule_t(),
                vec![
                    obj(&[("port", Value::int(80)), ("arn", Value::null(Type::String))]),
                    obj(&[
                        ("port", Value::int(443)),
                        ("arn", Value::null(Type::String)),
                    ]),
                ],
            ),
        ),
    ]);
    let p = proposed_new(&s, Some(&prior), &config);
    assert_eq!(p.get_attr("id").unwrap().as_str(), Some("i-1"));
    assert_eq!(p.get_attr("secret").unwrap().as_str(), Some("gen"));
    // Optional, not computed: null in config means null.
    assert!(p.get_attr("size").unwrap().is_null());
    let rules = p.get_attr("rule").unwrap().as_seq().unwrap().to_vec();
    assert_eq!(rules[0].get_attr("arn").unwrap().as_str(), Some("arn:1"));
    assert!(rules[1].get_attr("arn").unwrap().is_null());
}

#[test]
fn default_plan_marks_unknowns_and_replacements() {
    let s = schema();
    let config = obj(&[
        ("name", Value::string("b")),
        ("size", Value::null(Type::Number)),
        ("id", Value::null(Type::String)),
        ("secret", Value::null(Type::String)),
        ("rule", Value::list(rule_t(), vec![])),
    ]);
    let create = default_plan(
        &s,
        &PlanRequest {
            type_name: "t".into(),
            prior: None,
            config: config.clone(),
            proposed: config.clone(),
        },
    );
    assert!(create.planned.get_attr("id").unwrap().is_unknown());
    assert!(create.requires_replace.is_empty());

    let prior = with_attrs(
        &config,
        [("name", Value::string("a")), ("id", Value::string("i-1"))],
    );
    let proposed = proposed_new(&s, Some(&prior), &config);
    let r = default_plan(
        &s,
        &PlanRequest {
            type_name: "t".into(),
            prior: Some(prior),
            config,
            proposed,
        },
    );
    assert_eq!(
        r.requires_replace,
        vec![vec![PathStep::Attr("name".into())]]
    );
    // A replacement gets a new id.
    assert!(r.planned.get_attr("id").unwrap().is_unknown());
}

#[test]
fn sensitive_attributes_are_marked() {
    let s = schema();
    let v = obj(&[("secret", Value::string("x")), ("name", Value::string("n"))]);
    let m = mark_sensitive(&s, &v);
    assert!(m.get_attr("secret").unwrap().sensitive);
    assert!(!m.get_attr("name").unwrap().sensitive);
    assert_eq!(s.sensitive_paths(), vec![vec!["secret".to_string()]]);
}

#[test]
fn implied_type_includes_blocks() {
    let t = schema().implied_type();
    assert_eq!(
        t.to_string(),
        "object({id=string, name=string, rule=list(object({arn=string, port=number})), secret=string, size=number})"
    );
}
