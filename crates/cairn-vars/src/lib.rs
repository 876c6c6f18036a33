//! Input variables: where their values come from and what they become.
//!
//! Root module values are gathered in Terraform's precedence order (lowest
//! first): environment variables (`TF_VAR_name`, then `CAIRN_VAR_name`),
//! `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars[.json]` in
//! lexical order, then `-var` and `-var-file` in command-line order. Each
//! value is then converted to the variable's type constraint, optional
//! attribute defaults are filled in, `nullable = false` is enforced,
//! sensitive variables are marked and `validation` blocks are checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cairn_config::{Loader, Module, RawVar, RawVarSource, VarFileKind, Variable};
use cairn_diagnostics::{Diagnostic, Diagnostics, Span};
use cairn_eval::{Evaluator, NoReferences, Reference, Resolver};
use cairn_functions::{Context, Registry};
use cairn_syntax::Expr;
use cairn_value::{convert, Kind, Type, Value};

/// One `-var` or `-var-file` option, kept in command-line order because
/// later ones win.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CliInput {
    Var(String),
    VarFile(PathBuf),
    /// A value already decided (as JSON): a rollback gives the values the
    /// old state version was applied with.
    Json(String, serde_json::Value),
    /// A value from the project file (`variables` of an environment in
    /// cairn.hcl), as JSON: checked against the variable's type, and a
    /// warning when the configuration has no such variable.
    Project(String, serde_json::Value),
}

/// A value given for a variable from outside the configuration.
#[derive(Clone, Debug)]
pub struct GivenValue {
    pub value: Value,
    /// Where the value was written, when it was written in a file.
    pub span: Option<Span>,
    /// A description of the source, for messages ("-var", "terraform.tfvars").
    pub origin: String,
}

/// Gathers the values given for the root module's variables.
pub fn gather_root<I>(
    loader: &Loader,
    module: &Module,
    dir: &Path,
    cli: &[CliInput],
    env: I,
    funcs: &Registry,
    ctx: &Context,
) -> (BTreeMap<String, GivenValue>, Diagnostics)
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut diags = Diagnostics::new();
    let mut out: BTreeMap<String, GivenValue> = BTreeMap::new();
    let ev = Evaluator::new(&NoReferences, funcs, ctx);

    // Environment variables for undeclared names are ignored, as Terraform
    // does: the environment is shared by many configurations.
    for raw in loader.env_vars(env) {
        if let Some(var) = module.variables.get(&raw.name) {
            let origin = match &raw.source {
                RawVarSource::Env(n) => format!("environment variable {n}"),
                RawVarSource::Cli => "-var".to_string(),
            };
            match raw_value(&raw, var, &ev) {
                Ok(v) => {
                    out.insert(
                        raw.name.clone(),
                        GivenValue {
                            value: v,
                            span: None,
                            origin,
                        },
                    );
                }
                Err(d) => diags.push(d),
            }
        }
    }

    let (files, d) = loader.collect_var_files(dir, &[]);
    diags.extend(d);
    let mut ordered: Vec<Source> = files.into_iter().map(Source::File).collect();
    for input in cli {
        match input {
            CliInput::Var(arg) => match loader.parse_cli_var(arg) {
                Ok(raw) => ordered.push(Source::Cli(raw)),
                Err(d) => diags.extend(d),
            },
            CliInput::Json(name, v) => ordered.push(Source::Json(name.clone(), v.clone())),
            CliInput::Project(name, v) => ordered.push(Source::Project(name.clone(), v.clone())),
            CliInput::VarFile(p) => {
                if !p.is_file() {
                    diags.push(
                        Diagnostic::error(
                            "Failed to read variables file",
                            format!("Given variables file {} does not exist.", p.display()),
                        )
                        .with_hint("Check the path given to -var-file."),
                    );
                    continue;
                }
                if let Some(f) = loader.parse_var_file(p, VarFileKind::Explicit, &mut diags) {
                    ordered.push(Source::File(f));
                }
            }
        }
    }

    for src in ordered {
        match src {
            Source::File(f) => {
                for a in f.assignments {
                    if !module.variables.contains_key(&a.name) {
                        diags.push(
                            Diagnostic::warning(
                                "Value for undeclared variable",
                                format!(
                                    "The root module does not declare a variable named {:?} but a value was found in file {:?}. If you meant to use this value, add a \"variable\" block to the configuration.",
                                    a.name, &*f.name
                                ),
                            )
                            .with_span(a.name_span.clone()),
                        );
                        continue;
                    }
                    match ev.eval(&a.expr) {
                        Ok(v) => {
                            out.insert(
                                a.name.clone(),
                                GivenValue {
                                    value: v,
                                    span: a.expr.span().or(a.span.clone()),
                                    origin: f.name.to_string(),
                                },
                            );
                        }
                        Err(d) => diags.push(d),
                    }
                }
            }
            Source::Json(name, j) => {
                // A variable the old configuration had and the one being
                // planned lacks cannot happen: both are the same version.
                if let Some(var) = module.variables.get(&name) {
                    let value = cairn_value::json::from_json_typed(&j, &var.ty())
                        .unwrap_or_else(|_| cairn_value::json::from_json(&j));
                    out.insert(
                        name,
                        GivenValue {
                            value,
                            span: None,
                            origin: "the state version's recorded values".into(),
                        },
                    );
                }
            }
            Source::Project(name, j) => {
                if !module.variables.contains_key(&name) {
                    diags.push(Diagnostic::warning(
                        "Value for undeclared variable",
                        format!(
                            "The root module does not declare a variable named {name:?} but the environment's variables in cairn.hcl give it a value. If you meant to use this value, add a \"variable\" block to the configuration."
                        ),
                    ));
                    continue;
                }
                // Converted to the variable's type (and reported) with
                // every other given value.
                out.insert(
                    name,
                    GivenValue {
                        value: cairn_value::json::from_json(&j),
                        span: None,
                        origin: "the environment's variables in cairn.hcl".into(),
                    },
                );
            }
            Source::Cli(raw) => {
                let Some(var) = module.variables.get(&raw.name) else {
                    diags.push(
                        Diagnostic::error(
                            "Value for undeclared variable",
                            format!(
                                "A variable named {:?} was assigned on the command line, but the root module does not declare a variable of that name.",
                                raw.name
                            ),
                        )
                        .with_hint(format!("To use this value, add a variable {:?} {{}} block to the configuration.", raw.name)),
                    );
                    continue;
                };
                match raw_value(&raw, var, &ev) {
                    Ok(v) => {
                        out.insert(
                            raw.name.clone(),
                            GivenValue {
                                value: v,
                                span: None,
                                origin: "-var".into(),
                            },
                        );
                    }
                    Err(d) => diags.push(d),
                }
            }
        }
    }
    (out, diags)
}

enum Source {
    File(cairn_config::VarFile),
    Cli(RawVar),
    Json(String, serde_json::Value),
    Project(String, serde_json::Value),
}

/// A string from `-var` or the environment: taken literally for variables
/// of primitive type (or no type), parsed as an expression otherwise.
fn raw_value(raw: &RawVar, var: &Variable, ev: &Evaluator<'_>) -> Result<Value, Diagnostic> {
    let ty = var.ty();
    let literal = var.type_constraint.is_none() || ty.is_primitive();
    if literal {
        return Ok(Value::string(raw.raw.as_str()));
    }
    match &raw.expr {
        Ok(e) => ev.eval(e),
        Err(d) => Err(d.iter().next().cloned().unwrap_or_else(|| {
            Diagnostic::error(
                "Invalid value for variable",
                format!("The value for var.{} could not be parsed.", raw.name),
            )
        })),
    }
}

/// Evaluates a constant expression (defaults, optional-attribute defaults).
pub fn eval_const(e: &Expr, funcs: &Registry, ctx: &Context) -> Result<Value, Diagnostic> {
    Evaluator::new(&NoReferences, funcs, ctx).eval(e)
}

/// The final value of one variable: the given value or the default,
/// converted, defaulted, null-checked and marked. Validation rules are
/// checked separately by [`check_validations`], once all values are known.
/// `module_addr` is "" for the root module.
pub fn finalize(
    var: &Variable,
    given: Option<&GivenValue>,
    module_addr: &str,
    funcs: &Registry,
    ctx: &Context,
) -> Result<Value, Diagnostic> {
    let at = match given {
        Some(g) => g.span.clone().or(var.decl_span.clone()),
        None => var
            .default
            .as_ref()
            .and_then(|d| d.span())
            .or(var.decl_span.clone()),
    };
    let addr = qualified(module_addr, &var.name);
    let (mut v, from_default) = match given {
        Some(g) => (g.value.clone(), false),
        None => match &var.default {
            Some(d) => (eval_const(d, funcs, ctx)?, true),
            None => {
                return Err(Diagnostic::error(
                    "No value for required variable",
                    format!(
                        "The {} input variable {:?} is not set, and has no default value.",
                        if module_addr.is_empty() { "root module".to_string() } else { module_addr.to_string() },
                        var.name
                    ),
                )
                .with_span(var.decl_span.clone())
                .with_hint("Use a -var or -var-file command line argument, a terraform.tfvars file or a CAIRN_VAR_ environment variable to provide a value for this variable."));
            }
        },
    };
    if v.is_null() && !var.nullable {
        // A non-nullable variable uses its default in place of null.
        match (&var.default, from_default) {
            (Some(d), false) => v = eval_const(d, funcs, ctx)?,
            _ => {
                return Err(Diagnostic::error(
                    "Required variable not set",
                    format!(
                        "Unsuitable value for {addr}: required variable may not be set to null."
                    ),
                )
                .with_span(at));
            }
        }
    }
    if let Some(tc) = &var.type_constraint {
        v = convert(&v, &tc.ty).map_err(|e| {
            let decl = var
                .decl_span
                .as_ref()
                .map(|s| format!(" declared at {s}"))
                .unwrap_or_default();
            Diagnostic::error(
                "Invalid value for input variable",
                format!("The given value is not suitable for {addr}{decl}: {e}."),
            )
            .with_span(at.clone())
        })?;
        // Outer defaults first, so a default object then gets the
        // defaults of its own optional attributes (as Terraform does).
        let mut defaults: Vec<&(Vec<String>, cairn_syntax::Expr)> = tc.defaults.iter().collect();
        defaults.sort_by_key(|(p, _)| p.len());
        for (path, dexpr) in defaults {
            let d = eval_const(dexpr, funcs, ctx)?;
            v = apply_default(&v, path, &d);
        }
    }
    if var.sensitive {
        v = v.marked();
    }
    Ok(v)
}

fn qualified(module_addr: &str, name: &str) -> String {
    if module_addr.is_empty() {
        format!("var.{name}")
    } else {
        format!("{module_addr}.var.{name}")
    }
}

/// Fills an optional attribute's default where the value holds null, along
/// `path` (attribute names; `*` for every element of a collection).
pub fn apply_default(v: &Value, path: &[String], default: &Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return v.clone();
    };
    let marked = v.sensitive;
    let out = match (&v.kind, first.as_str()) {
        (Kind::List(t, items), "*") => Value::list(
            t.clone(),
            items
                .iter()
                .map(|x| apply_default(x, rest, default))
                .collect(),
        ),
        (Kind::Set(t, items), "*") => Value::set(
            t.clone(),
            items
                .iter()
                .map(|x| apply_default(x, rest, default))
                .collect(),
        ),
        (Kind::Tuple(items), "*") => Value::tuple(
            items
                .iter()
                .map(|x| apply_default(x, rest, default))
                .collect(),
        ),
        (Kind::Map(t, m), "*") => Value::map(
            t.clone(),
            m.iter()
                .map(|(k, x)| (k.clone(), apply_default(x, rest, default)))
                .collect(),
        ),
        (Kind::Object(m), name) => {
            let mut m = (**m).clone();
            if let Some(cur) = m.get(name).cloned() {
                let new = if rest.is_empty() {
                    if cur.is_null() {
                        // The default takes the attribute's declared type.
                        convert(default, &cur.ty()).unwrap_or_else(|_| default.clone())
                    } else {
                        cur
                    }
                } else {
                    apply_default(&cur, rest, default)
                };
                m.insert(name.to_string(), new);
            }
            Value::object(m)
        }
        _ => v.clone(),
    };
    out.mark(marked)
}

/// Resolves `var.*` from the given values; any other reference is unknown,
/// so a validation rule that depends on it is skipped until it is known.
struct VarsResolver<'a>(&'a BTreeMap<String, Value>);

impl Resolver for VarsResolver<'_> {
    fn resolve(&self, r: &Reference, span: Option<&Span>) -> Result<Value, Diagnostic> {
        match r {
            Reference::Var(n) => self.0.get(n).cloned().ok_or_else(|| {
                Diagnostic::error(
                    "Reference to undeclared input variable",
                    format!("An input variable with the name {n:?} has not been declared."),
                )
                .with_span(span.cloned())
            }),
            _ => Ok(Value::dynamic_unknown()),
        }
    }
}

/// Checks a variable's `validation` blocks against its final value.
pub fn check_validations(
    var: &Variable,
    values: &BTreeMap<String, Value>,
    given_span: Option<&Span>,
    funcs: &Registry,
    ctx: &Context,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let resolver = VarsResolver(values);
    let ev = Evaluator::new(&resolver, funcs, ctx);
    for rule in &var.validations {
        let cond = match ev.eval(&rule.condition) {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if cond.is_null() {
            diags.push(
                Diagnostic::error(
                    "Invalid condition result",
                    "The condition expression produced a null value. The condition must evaluate to true or false.",
                )
                .with_span(rule.condition.span()),
            );
            continue;
        }
        match convert(&cond, &Type::Bool).map(|c| c.as_bool()) {
            Ok(Some(true)) | Ok(None) => {}
            Ok(Some(false)) => {
                let msg = match ev.eval(&rule.error_message) {
                    Ok(m) if m.is_sensitive_deep() => "(error message is sensitive)".to_string(),
                    Ok(m) => m
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| "(invalid error message)".into()),
                    Err(d) => format!("(the error message could not be evaluated: {})", d.detail),
                };
                let rule_at = rule
                    .condition
                    .span()
                    .map(|s| format!("\n\nThis was checked by the validation rule at {s}."))
                    .unwrap_or_default();
                diags.push(
                    Diagnostic::error("Invalid value for variable", format!("{msg}{rule_at}"))
                        .with_span(given_span.cloned().or(var.decl_span.clone()))
                        .with_address(format!("var.{}", var.name)),
                );
            }
            Err(e) => diags.push(
                Diagnostic::error(
                    "Invalid validation condition",
                    format!("The condition must be a bool: {e}."),
                )
                .with_span(rule.condition.span()),
            ),
        }
    }
    diags
}

/// The root module's final variable values. Variables with problems get an
/// unknown value of their type so evaluation can go on and report more.
pub fn root_values(
    module: &Module,
    given: &BTreeMap<String, GivenValue>,
    funcs: &Registry,
    ctx: &Context,
) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut values = BTreeMap::new();
    for (name, var) in &module.variables {
        match finalize(var, given.get(name), "", funcs, ctx) {
            Ok(v) => {
                values.insert(name.clone(), v);
            }
            Err(d) => {
                diags.push(d);
                values.insert(name.clone(), Value::unknown(var.ty()));
            }
        }
    }
    for (name, var) in &module.variables {
        diags.extend(check_validations(
            var,
            &values,
            given.get(name).and_then(|g| g.span.as_ref()),
            funcs,
            ctx,
        ));
    }
    (values, diags)
}

#[cfg(test)]
mod tests;
