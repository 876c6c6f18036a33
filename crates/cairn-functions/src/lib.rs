//! Terraform's built-in functions.
//!
//! A [`Registry`] maps names to [`Function`]s. Each function declares its
//! parameters; [`Registry::call`] applies Terraform's calling rules before
//! the implementation runs, so implementations only see what they asked for:
//!
//! - arguments are converted to the parameter types (errors name the
//!   parameter);
//! - a null argument is refused unless the parameter allows null;
//! - an argument that is not wholly known makes the result unknown unless the
//!   parameter allows unknowns;
//! - sensitive marks are removed before the call and put on the result
//!   unless the parameter handles marks itself.
//!
//! `try`, `can` and `templatefile`'s template evaluation need the evaluator
//! and live in `cairn-eval`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use cairn_value::{convert, Type, Value};

mod collections;
mod encoding;
mod filesystem;
mod hash;
mod ip;
mod numeric;
mod strings;
mod time;
mod typefns;

#[cfg(test)]
mod testutil;

/// A template renderer supplied by the evaluator for `templatefile`:
/// (template text, file name for errors, variables object) -> result.
pub type TemplateFn = dyn Fn(&str, &str, &Value) -> Result<Value, String> + Send + Sync;

/// What functions may know about the run.
#[derive(Clone)]
pub struct Context {
    /// Relative paths in `file()` and friends resolve against this (the
    /// working directory, like Terraform).
    pub base_dir: PathBuf,
    /// True while planning: `timestamp()`, `uuid()` and `bcrypt()` return
    /// unknown values then, as in Terraform.
    pub plan_time: bool,
    pub template: Option<Arc<TemplateFn>>,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            base_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            plan_time: false,
            template: None,
        }
    }
}

/// A function's error. `arg` is the index of the argument at fault, so the
/// caller can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FuncError {
    pub arg: Option<usize>,
    pub message: String,
}

impl FuncError {
    /// An error about the call as a whole.
    pub fn new(message: impl Into<String>) -> Self {
        FuncError {
            arg: None,
            message: message.into(),
        }
    }
    /// An error about argument `i`.
    pub fn arg(i: usize, message: impl Into<String>) -> Self {
        FuncError {
            arg: Some(i),
            message: message.into(),
        }
    }
}

/// The error [`Registry::call`] reports, with Terraform's summaries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("Call to unknown function: There is no function named \"{0}\".")]
    Unknown(String),
    #[error("Not enough function arguments: Function \"{name}\" expects {expected} argument(s). Missing value for \"{missing}\".")]
    TooFew {
        name: String,
        expected: usize,
        missing: String,
    },
    #[error(
        "Too many function arguments: Function \"{name}\" expects only {expected} argument(s)."
    )]
    TooMany { name: String, expected: usize },
    #[error("Invalid function argument: Invalid value for \"{param}\" parameter: {message}.")]
    InvalidArg {
        index: usize,
        param: String,
        message: String,
    },
    #[error("Error in function call: Call to function \"{name}\" failed: {message}.")]
    Failed {
        name: String,
        arg: Option<usize>,
        message: String,
    },
}

impl CallError {
    /// The index of the argument the error is about, if any.
    pub fn arg_index(&self) -> Option<usize> {
        match self {
            CallError::InvalidArg { index, .. } => Some(*index),
            CallError::Failed { arg, .. } => *arg,
            _ => None,
        }
    }
    /// (summary, detail) as Terraform prints them.
    pub fn summary_detail(&self) -> (String, String) {
        let s = self.to_string();
        match s.split_once(": ") {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => (s, String::new()),
        }
    }
}

/// One declared parameter.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: Type,
    pub allow_null: bool,
    pub allow_unknown: bool,
    pub allow_marked: bool,
}

impl Param {
    pub fn new(name: &'static str, ty: Type) -> Self {
        Param {
            name,
            ty,
            allow_null: false,
            allow_unknown: false,
            allow_marked: false,
        }
    }
    pub fn allow_null(mut self) -> Self {
        self.allow_null = true;
        self
    }
    pub fn allow_unknown(mut self) -> Self {
        self.allow_unknown = true;
        self
    }
    pub fn allow_marked(mut self) -> Self {
        self.allow_marked = true;
        self
    }
}

type Impl = dyn Fn(&Context, &[Value]) -> Result<Value, FuncError> + Send + Sync;

/// A built-in function.
#[derive(Clone)]
pub struct Function {
    pub params: Vec<Param>,
    pub variadic: Option<Param>,
    /// The result type when it does not depend on the arguments; used for
    /// the unknown result of a call with unknown arguments.
    pub returns: Type,
    /// Impure functions (timestamp, uuid) are unknown during plan.
    pub impure: bool,
    imp: Arc<Impl>,
}

impl Function {
    pub fn new(
        params: Vec<Param>,
        returns: Type,
        imp: impl Fn(&Context, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    ) -> Self {
        Function {
            params,
            variadic: None,
            returns,
            impure: false,
            imp: Arc::new(imp),
        }
    }
    pub fn variadic(mut self, p: Param) -> Self {
        self.variadic = Some(p);
        self
    }
    pub fn impure(mut self) -> Self {
        self.impure = true;
        self
    }
}

/// All functions by name.
#[derive(Clone, Default)]
pub struct Registry {
    funcs: BTreeMap<String, Function>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Terraform's standard library.
    pub fn standard() -> Self {
        let mut r = Registry::new();
        strings::register(&mut r);
        collections::register(&mut r);
        numeric::register(&mut r);
        typefns::register(&mut r);
        encoding::register(&mut r);
        filesystem::register(&mut r);
        hash::register(&mut r);
        ip::register(&mut r);
        time::register(&mut r);
        r
    }

    pub fn add(&mut self, name: &str, f: Function) {
        self.funcs.insert(name.to_string(), f);
    }

    pub fn get(&self, name: &str) -> Option<&Function> {
        self.funcs.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.keys().map(String::as_str)
    }

    /// Calls `name` with Terraform's argument handling (see the crate docs).
    pub fn call(&self, name: &str, ctx: &Context, args: &[Value]) -> Result<Value, CallError> {
        let f = self
            .funcs
            .get(name)
            .ok_or_else(|| CallError::Unknown(name.to_string()))?;
        if args.len() < f.params.len() {
            return Err(CallError::TooFew {
                name: name.to_string(),
                expected: f.params.len(),
                missing: f.params[args.len()].name.to_string(),
            });
        }
        if f.variadic.is_none() && args.len() > f.params.len() {
            return Err(CallError::TooMany {
                name: name.to_string(),
                expected: f.params.len(),
            });
        }
        let mut prepared = Vec::with_capacity(args.len());
        let mut marked = false;
        let mut unknown = false;
        for (i, arg) in args.iter().enumerate() {
            let p = match f.params.get(i).or(f.variadic.as_ref()) {
                Some(p) => p,
                None => break,
            };
            let invalid = |message: String| CallError::InvalidArg {
                index: i,
                param: p.name.to_string(),
                message,
            };
            if arg.is_null() && !p.allow_null {
                return Err(invalid("argument must not be null".into()));
            }
            let mut v = convert(arg, &p.ty).map_err(|e| invalid(e.to_string()))?;
            if !p.allow_marked {
                let (plain, had) = v.unmark_deep();
                marked |= had;
                v = plain;
            }
            if !p.allow_unknown && !v.is_wholly_known() {
                unknown = true;
            }
            prepared.push(v);
        }
        if unknown || (f.impure && ctx.plan_time) {
            return Ok(Value::unknown(f.returns.clone()).mark(marked));
        }
        match (f.imp)(ctx, &prepared) {
            Ok(v) => Ok(v.mark(marked)),
            Err(e) => Err(match e.arg {
                Some(i) => CallError::InvalidArg {
                    index: i,
                    param: f
                        .params
                        .get(i)
                        .or(f.variadic.as_ref())
                        .map(|p| p.name.to_string())
                        .unwrap_or_default(),
                    message: e.message,
                },
                None => CallError::Failed {
                    name: name.to_string(),
                    arg: None,
                    message: e.message,
                },
            }),
        }
    }
}
