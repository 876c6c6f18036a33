//! User policies: Rego files evaluated against the Terraform-format JSON
//! plan with conftest's conventions, reported as [`Finding`]s.
//!
//! # Conventions
//!
//! * Policies are the `*.rego` files of a directory (`policy/` by default),
//!   read recursively in sorted order. `*_test.rego` files hold Rego unit
//!   tests and are skipped, as are hidden files and directories.
//! * Rego v1 syntax (OPA 1.0, conftest's default): `deny contains msg if`.
//!   Rego v0 files can be read with [`LoadOptions::rego_version`].
//! * `input` is the plan as `cairn show -json` / `terraform show -json`
//!   print it.
//! * The rules read are `deny`, `violation` and `warn`, and their
//!   conftest-style named forms `deny_<name>`, `violation_<name>`,
//!   `warn_<name>` (`<name>` is letters and digits, `_`-separated), in the
//!   package `main` and every package under it (`main.s3`, ...) unless other
//!   namespaces are asked for.
//! * A rule is a set (or array) of messages. A message is a string or an
//!   object with a string `msg` and optional `severity` (`low`, `medium`,
//!   `high`, `critical`), `address` (or `resource`: the resource address the
//!   finding is about), `fix`, `id` (or `rule_id`) and `path` (a list of
//!   attribute names). Other members are ignored; so are other element types
//!   and rules whose value is not a set or array (`deny := true`), as
//!   conftest does.
//! * `deny` and `violation` messages are [`Severity::High`] unless they say
//!   otherwise, so they fail a run at the default `--fail-on high`; `warn`
//!   messages are [`Severity::Low`] and fail only a run with `--fail-on low`.
//! * A finding's rule ID is `<package>.<rule>` (`main.deny`,
//!   `main.s3.deny_public`) unless the message gives an `id`. A string
//!   message has no address (none is guessed from the text). Identical
//!   messages of a rule are reported once.
//! * Builtin errors leave their expression undefined, as in OPA and
//!   conftest ([`LoadOptions::strict_builtin_errors`] makes them errors);
//!   `print` output goes to standard error.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use cairn_findings::{Category, Finding, RuleInfo, Severity};
use regorus::unstable::{Parser, Rule, RuleHead};
use regorus::{Engine, Source, Value};
use serde::Deserialize;

/// The policy directory read when none is given.
pub const DEFAULT_DIR: &str = "policy";

/// The namespace evaluated when none is given: `main` and the packages
/// under it.
pub const DEFAULT_NAMESPACE: &str = "main";

/// A namespace that matches every package (conftest's `--all-namespaces`).
pub const ALL_NAMESPACES: &str = "*";

/// What went wrong loading or evaluating policies.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The policy directory (or file) does not exist. When the directory is
    /// the default one, callers usually treat this as "no policies".
    #[error("policy directory {} does not exist", .0.display())]
    MissingDir(PathBuf),

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A policy file that does not parse or compile.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// A rule that failed while being evaluated (a builtin error, a
    /// conflict between rule values). `line` and `column` point at the
    /// failing expression when the engine says where it is, else at the
    /// rule's first definition.
    #[error("{file}:{line}:{column}: policy rule {rule} failed: {message}")]
    Eval {
        rule: String,
        file: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// A message object the conventions do not allow (no string `msg`, an
    /// unknown severity, an address that is not a string).
    #[error("{file}:{line}: policy rule {rule} returned an invalid message: {reason}")]
    BadMessage {
        rule: String,
        file: String,
        line: usize,
        reason: String,
    },

    /// The plan or a data document could not be handed to the engine.
    #[error("cannot pass {what} to the policy engine: {message}")]
    Document { what: &'static str, message: String },
}

impl PolicyError {
    /// True for [`PolicyError::MissingDir`]: lets a caller that loads the
    /// default directory treat its absence as "no policies".
    pub fn is_missing_dir(&self) -> bool {
        matches!(self, PolicyError::MissingDir(_))
    }
}

/// Which Rego syntax the files are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RegoVersion {
    /// Pre-1.0 syntax: `deny[msg] { ... }`.
    V0,
    /// OPA 1.0 syntax: `deny contains msg if { ... }`.
    #[default]
    V1,
}

/// How to read the policy files.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub rego_version: RegoVersion,
    /// Make builtin errors (`to_number("x")`) fail the evaluation instead
    /// of leaving the expression undefined, as OPA's
    /// `--strict-builtin-errors` does. Off by default, like OPA and
    /// conftest.
    pub strict_builtin_errors: bool,
}

/// Loads every policy of `path` (a directory, read recursively, or a single
/// `.rego` file) with the default options.
pub fn load(path: &Path) -> Result<Policies, PolicyError> {
    load_with(path, &LoadOptions::default())
}

/// Loads every policy of `path` (a directory, read recursively, or a single
/// `.rego` file).
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Policies, PolicyError> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PolicyError::MissingDir(path.to_path_buf()))
        }
        Err(source) => {
            return Err(PolicyError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let files = if meta.is_dir() {
        let mut files = Vec::new();
        let mut seen = HashSet::new();
        collect_rego_files(path, &mut files, &mut seen)?;
        files
    } else {
        vec![path.to_path_buf()]
    };

    let mut sources = Vec::with_capacity(files.len());
    for file in files {
        let text = fs::read_to_string(&file).map_err(|source| PolicyError::Io {
            path: file.clone(),
            source,
        })?;
        sources.push((file, text));
    }
    Policies::from_sources(sources, options)
}

/// Appends the policy files under `dir`, sorted by name at each level.
/// `seen` holds the canonical directories already read, so that a symbolic
/// link back up the tree does not loop.
fn collect_rego_files(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
) -> Result<(), PolicyError> {
    let io = |source| PolicyError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if let Ok(canonical) = fs::canonicalize(dir) {
        if !seen.insert(canonical) {
            return Ok(());
        }
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        entries.push(entry.map_err(io)?.path());
    }
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        // Follows symbolic links; a dangling one is skipped.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            collect_rego_files(&path, out, seen)?;
        } else if name.ends_with(".rego") && !name.ends_with("_test.rego") {
            out.push(path);
        }
    }
    Ok(())
}

/// What a rule's messages mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RuleKind {
    /// `deny` and `violation`: failures.
    Failure,
    /// `warn`: warnings.
    Warning,
}

impl RuleKind {
    /// `deny`, `deny_public_bucket`, `warn_x1_y2`; not `denyall`, `deny_`,
    /// `deny__x` or `deny_a-b`.
    fn of(name: &str) -> Option<RuleKind> {
        for (base, kind) in [
            ("deny", RuleKind::Failure),
            ("violation", RuleKind::Failure),
            ("warn", RuleKind::Warning),
        ] {
            let Some(rest) = name.strip_prefix(base) else {
                continue;
            };
            if rest.is_empty() {
                return Some(kind);
            }
            if let Some(suffix) = rest.strip_prefix('_') {
                let ok = suffix.split('_').all(|part| {
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric())
                });
                if ok {
                    return Some(kind);
                }
            }
        }
        None
    }

    fn default_severity(self) -> Severity {
        match self {
            RuleKind::Failure => Severity::High,
            RuleKind::Warning => Severity::Low,
        }
    }
}

/// A `deny`/`violation`/`warn` rule of a package (all its definitions,
/// across files).
#[derive(Clone, Debug)]
struct RuleDef {
    kind: RuleKind,
    /// Where it is first defined.
    file: String,
    line: usize,
    /// From the comment above the first definition, if any.
    title: Option<String>,
}

#[derive(Clone, Debug)]
struct Package {
    /// Dotted name without `data.` (`main.s3`).
    name: String,
    /// The path to query, `data.` and the components, quoted where they
    /// are not identifiers.
    query_path: String,
    rules: BTreeMap<String, RuleDef>,
}

/// Loaded, parsed and compiled policies. The engine is built once; each
/// evaluation works on a copy of it, so [`Policies::evaluate`] takes `&self`
/// and can run from several threads.
#[derive(Clone)]
pub struct Policies {
    engine: Engine,
    files: Vec<PathBuf>,
    /// Sorted by name.
    packages: Vec<Package>,
    /// File name -> text, to turn the engine's columns into characters.
    texts: BTreeMap<String, String>,
}

impl fmt::Debug for Policies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policies")
            .field("files", &self.files)
            .field("packages", &self.packages())
            .finish_non_exhaustive()
    }
}

/// What an evaluation found: the findings and the metadata of the rules
/// they belong to (one entry per rule ID), ready for
/// [`cairn_findings::Report::extend`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub rules: Vec<RuleInfo>,
}

impl Policies {
    /// Builds the policies from `(file, text)` pairs, in order. The file
    /// names are used in error messages.
    pub fn from_sources(
        sources: Vec<(PathBuf, String)>,
        options: &LoadOptions,
    ) -> Result<Policies, PolicyError> {
        let mut engine = Engine::new();
        engine.set_rego_v0(options.rego_version == RegoVersion::V0);
        // OPA's default: a failing builtin makes its expression undefined.
        engine.set_strict_builtin_errors(options.strict_builtin_errors);

        let mut packages: BTreeMap<String, Package> = BTreeMap::new();
        let mut files = Vec::with_capacity(sources.len());
        let mut texts = BTreeMap::new();
        for (path, text) in sources {
            let file = path.display().to_string();
            texts.insert(file.clone(), text.clone());
            if let Err(e) = engine.add_policy(file.clone(), text.clone()) {
                let mut err = source_error(&*e, &file, &texts);
                if options.rego_version == RegoVersion::V1 {
                    if let PolicyError::Parse { message, .. } = &mut err {
                        if parses_as_v0(&file, &text) {
                            message.push_str(
                                " (this file is written in Rego v0 syntax: cairn reads Rego v1, \
                                 as OPA 1.0 and conftest do; write `deny contains msg if { ... }`)",
                            );
                        }
                    }
                }
                return Err(err);
            }
            let components = engine
                .get_policy_package_components()
                .ok()
                .and_then(|mut all| all.pop())
                .map(|p| p.components)
                .unwrap_or_default();
            let rules = rule_defs(&file, &text, options.rego_version, &texts)?;
            let name = components.join(".");
            let package = packages.entry(name.clone()).or_insert_with(|| Package {
                query_path: query_path(&components),
                name,
                rules: BTreeMap::new(),
            });
            for (rule, def) in rules {
                package.rules.entry(rule).or_insert(def);
            }
            files.push(path);
        }

        let mut policies = Policies {
            engine,
            files,
            packages: packages.into_values().collect(),
            texts,
        };
        policies.prepare()?;
        Ok(policies)
    }

    /// Analyses the policies now, once: errors found past parsing (an
    /// unsafe variable) are reported at load time, and the copies of the
    /// engine that evaluations work on start ready.
    fn prepare(&mut self) -> Result<(), PolicyError> {
        if self.files.is_empty() {
            return Ok(());
        }
        match self.engine.eval_query("true".to_string(), false) {
            Ok(_) => Ok(()),
            Err(e) => {
                let fallback = self
                    .files
                    .first()
                    .map(|f| f.display().to_string())
                    .unwrap_or_default();
                Err(source_error(&*e, &fallback, &self.texts))
            }
        }
    }

    /// Adds a data document (`data.<key>` in the policies), as conftest's
    /// `--data` does; documents are merged, and conflicting values are an
    /// error.
    pub fn add_data(&mut self, data: &serde_json::Value) -> Result<(), PolicyError> {
        let value = to_rego(data, "the data document")?;
        self.engine
            .add_data(value)
            .map_err(|e| PolicyError::Document {
                what: "the data document",
                message: e.to_string(),
            })?;
        // New data undoes the engine's preparation.
        self.prepare()
    }

    /// The policy files read, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// No policy files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The packages defined, sorted (`main`, `main.s3`, ...).
    pub fn packages(&self) -> Vec<&str> {
        self.packages.iter().map(|p| p.name.as_str()).collect()
    }

    /// Evaluates the policies of `namespaces` (empty: [`DEFAULT_NAMESPACE`])
    /// against the plan and returns the findings. Output of Rego `print`
    /// calls goes to standard error, as with OPA.
    pub fn evaluate(
        &self,
        plan_json: &serde_json::Value,
        namespaces: &[String],
    ) -> Result<Vec<Finding>, PolicyError> {
        self.evaluate_report(plan_json, namespaces)
            .map(|e| e.findings)
    }

    /// Like [`Policies::evaluate`], with the metadata of the rules that
    /// produced findings.
    ///
    /// A namespace matches the package of that name and every package under
    /// it; [`ALL_NAMESPACES`] matches every package.
    pub fn evaluate_report(
        &self,
        plan_json: &serde_json::Value,
        namespaces: &[String],
    ) -> Result<Evaluation, PolicyError> {
        let default = [DEFAULT_NAMESPACE.to_string()];
        let namespaces = if namespaces.is_empty() {
            &default[..]
        } else {
            namespaces
        };
        let selected: Vec<&Package> = self
            .packages
            .iter()
            .filter(|p| {
                !p.rules.is_empty() && namespaces.iter().any(|ns| in_namespace(&p.name, ns))
            })
            .collect();
        if selected.is_empty() {
            return Ok(Evaluation::default());
        }

        // A copy, since evaluation needs the engine mutably; it shares the
        // compiled modules with the original.
        let mut engine = self.engine.clone();
        engine.set_input(to_rego(plan_json, "the plan")?);

        let mut out = Collector::default();
        for package in selected {
            for (rule, def) in &package.rules {
                let rule_id = format!("{}.{rule}", package.name);
                let value = engine
                    .eval_rule(format!("{}.{rule}", package.query_path))
                    .map_err(|e| eval_error(&*e, &rule_id, def, &self.texts))?;
                out.add(&rule_id, def, &value)?;
            }
        }
        Ok(out.finish())
    }
}

/// True when `package` is `namespace` or a package under it.
fn in_namespace(package: &str, namespace: &str) -> bool {
    namespace == ALL_NAMESPACES
        || package == namespace
        || package
            .strip_prefix(namespace)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// `data.main.s3`, or `data.main["my-pkg"]` for a component that is not an
/// identifier.
fn query_path(components: &[String]) -> String {
    let mut out = String::from("data");
    for c in components {
        let ident = c
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if ident {
            out.push('.');
            out.push_str(c);
        } else {
            // JSON string syntax is Rego string syntax.
            out.push('[');
            out.push_str(&serde_json::Value::String(c.clone()).to_string());
            out.push(']');
        }
    }
    out
}

fn to_rego(json: &serde_json::Value, what: &'static str) -> Result<Value, PolicyError> {
    Value::deserialize(json).map_err(|e| PolicyError::Document {
        what,
        message: e.to_string(),
    })
}

fn parses_as_v0(file: &str, text: &str) -> bool {
    // A file using v1's keywords is not v0; and regorus's v0 parser prints
    // a warning to stderr for every such keyword, which users must not see.
    let words = |w: &str| {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|t| t == w)
    };
    if words("if") || words("contains") {
        return false;
    }
    let Ok(source) = Source::from_contents(file.to_string(), text.to_string()) else {
        return false;
    };
    Parser::new(&source).and_then(|mut p| p.parse()).is_ok()
}

/// The `deny`/`violation`/`warn` rules a file defines, by name. Functions
/// (`deny(x) := ...`) are not rules conftest reads and are left out.
fn rule_defs(
    file: &str,
    text: &str,
    version: RegoVersion,
    texts: &BTreeMap<String, String>,
) -> Result<Vec<(String, RuleDef)>, PolicyError> {
    // The engine has parsed the file already but does not expose its
    // syntax tree; parsing it again here is cheap next to evaluation.
    let module = Source::from_contents(file.to_string(), text.to_string())
        .and_then(|source| {
            let mut parser = Parser::new(&source)?;
            if version == RegoVersion::V1 {
                parser.enable_rego_v1()?;
            }
            parser.parse()
        })
        .map_err(|e| source_error(&*e, file, texts))?;

    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(String, RuleDef)> = Vec::new();
    for rule in &module.policy {
        let (refr, span) = match rule.as_ref() {
            Rule::Spec { head, span, .. } => match head {
                RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } => (refr, span),
                RuleHead::Func { .. } => continue,
            },
            Rule::Default { refr, span, .. } => (refr, span),
        };
        // `deny.s3 contains msg`, `deny[x] := y`: the rule's document is an
        // object, which conftest reads no messages from.
        let Ok(components) = Parser::get_path_ref_components(refr) else {
            continue;
        };
        let [name] = components.as_slice() else {
            continue;
        };
        let name = name.text().to_string();
        let Some(kind) = RuleKind::of(&name) else {
            continue;
        };
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let line = span.line as usize;
        out.push((
            name,
            RuleDef {
                kind,
                file: file.to_string(),
                line,
                title: comment_title(&lines, line),
            },
        ));
    }
    Ok(out)
}

/// The title of the rule defined at 1-based `line`, from the comments right
/// above it: the `title:` of an OPA `METADATA` block, else the first line.
fn comment_title(lines: &[&str], line: usize) -> Option<String> {
    let mut block = Vec::new();
    let mut i = line.checked_sub(1)?;
    while i > 0 {
        let Some(text) = lines.get(i - 1).map(|l| l.trim()) else {
            break;
        };
        let Some(comment) = text.strip_prefix('#') else {
            break;
        };
        block.push(comment.trim());
        i -= 1;
    }
    block.reverse();
    if block.first().is_some_and(|l| *l == "METADATA") {
        return block.iter().find_map(|l| {
            l.strip_prefix("title:")
                .map(|t| t.trim().trim_matches(['"', '\'']).to_string())
                .filter(|t| !t.is_empty())
        });
    }
    block
        .into_iter()
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// Where and what, out of an engine error. The engine renders errors in
/// source as `--> file:line:col`, the offending line, a caret, and
/// `error: message`; errors without a place are a plain message.
struct Located {
    file: Option<String>,
    line: usize,
    column: usize,
    message: String,
}

/// The engine's errors (`anyhow::Error`, which cairn does not depend on),
/// seen as the standard error they dereference to.
type EngineError = dyn std::error::Error + 'static;

fn locate(err: &EngineError, texts: &BTreeMap<String, String>) -> Located {
    // The place is in the innermost error that has one; context added
    // around it (if any) goes in front of the message.
    let mut chain: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        chain.push(e.to_string());
        next = e.source();
    }
    for (i, text) in chain.iter().enumerate() {
        let Some(arrow) = text.find("--> ") else {
            continue;
        };
        let rest = &text[arrow + 4..];
        let place = rest.lines().next().unwrap_or_default().trim();
        let mut parts = place.rsplitn(3, ':');
        let (Some(col), Some(line), Some(file)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(line), Ok(column)) = (line.parse::<usize>(), col.parse::<usize>()) else {
            continue;
        };
        // The message is what follows `error: ` on the last line; the
        // message may itself span lines, so take everything after the caret.
        let after_caret = match rest.find('^') {
            Some(c) => rest[c + 1..].trim_start_matches([' ', '\n']),
            None => rest,
        };
        let mut message = after_caret
            .strip_prefix("error: ")
            .unwrap_or(after_caret)
            .trim()
            .to_string();
        // Text before the rendering (a prefix on the same error).
        let before = text[..arrow].trim().trim_end_matches(':').trim();
        if !before.is_empty() {
            message = format!("{before}: {message}");
        }
        let outer: Vec<&str> = chain[..i]
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if !outer.is_empty() {
            message = format!("{}: {message}", outer.join(": "));
        }
        let column = texts
            .get(file)
            .and_then(|text| text.lines().nth(line.saturating_sub(1)))
            .map_or(column, |text| char_column(text, column));
        return Located {
            file: Some(file.to_string()),
            line,
            column,
            message,
        };
    }
    Located {
        file: None,
        line: 0,
        column: 0,
        message: chain
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(": "),
    }
}

/// The engine counts columns in bytes, a tab as 4; editors and cairn's
/// other locations count characters. Turns the first into the second.
fn char_column(line: &str, engine_column: usize) -> usize {
    let mut width = 1;
    for (i, ch) in line.chars().enumerate() {
        if width >= engine_column {
            return i + 1;
        }
        width += if ch == '\t' { 4 } else { ch.len_utf8() };
    }
    line.chars().count() + 1
}

/// A parse or compile error; `file` is used when the error names no place.
fn source_error(err: &EngineError, file: &str, texts: &BTreeMap<String, String>) -> PolicyError {
    let at = locate(err, texts);
    PolicyError::Parse {
        file: at.file.unwrap_or_else(|| file.to_string()),
        line: at.line.max(1),
        column: at.column.max(1),
        message: at.message,
    }
}

fn eval_error(
    err: &EngineError,
    rule: &str,
    def: &RuleDef,
    texts: &BTreeMap<String, String>,
) -> PolicyError {
    let at = locate(err, texts);
    let (file, line, column) = match at.file {
        Some(file) => (file, at.line.max(1), at.column.max(1)),
        None => (def.file.clone(), def.line, 1),
    };
    PolicyError::Eval {
        rule: rule.to_string(),
        file,
        line,
        column,
        message: at.message,
    }
}

/// Gathers findings, dropping repeats, and the rules they belong to.
#[derive(Default)]
struct Collector {
    findings: Vec<Finding>,
    seen: HashSet<(String, Option<String>, Vec<String>, String)>,
    /// Rule ID -> metadata, in the order first seen.
    rules: Vec<RuleInfo>,
}

impl Collector {
    fn add(&mut self, rule_id: &str, def: &RuleDef, value: &Value) -> Result<(), PolicyError> {
        // Only sets and arrays carry messages (conftest): a boolean or an
        // object rule yields nothing. Undefined means no message either.
        let items = match value {
            Value::Set(_) | Value::Array(_) => match serde_json::to_value(value) {
                Ok(serde_json::Value::Array(items)) => items,
                _ => return Ok(()),
            },
            _ => return Ok(()),
        };
        for item in items {
            let Some(msg) = Message::from_json(&item, rule_id, def)? else {
                continue;
            };
            let severity = msg.severity.unwrap_or(def.kind.default_severity());
            let id = msg.id.unwrap_or_else(|| rule_id.to_string());
            let key = (
                id.clone(),
                msg.address.clone(),
                msg.path.clone(),
                msg.text.clone(),
            );
            if !self.seen.insert(key) {
                continue;
            }
            let rule = RuleInfo {
                id,
                category: Category::Policy,
                severity,
                title: def
                    .title
                    .clone()
                    .unwrap_or_else(|| default_title(rule_id, def)),
                fix: default_fix(rule_id, def),
                help: Some(format!("{}:{}", def.file, def.line)),
            };
            let mut finding = Finding::new(&rule, msg.address, msg.text).at(msg.path);
            if let Some(fix) = msg.fix {
                finding = finding.with_fix(fix);
            }
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                // One rule, several severities: the rule is as severe as
                // its worst finding.
                Some(info) => info.severity = info.severity.max(severity),
                None => self.rules.push(rule),
            }
            self.findings.push(finding);
        }
        Ok(())
    }

    fn finish(self) -> Evaluation {
        Evaluation {
            findings: self.findings,
            rules: self.rules,
        }
    }
}

fn default_title(rule_id: &str, def: &RuleDef) -> String {
    match def.kind {
        RuleKind::Failure => format!("Policy {rule_id} denies the plan"),
        RuleKind::Warning => format!("Policy {rule_id} warns about the plan"),
    }
}

fn default_fix(rule_id: &str, def: &RuleDef) -> String {
    format!(
        "Change the configuration so that policy {rule_id} ({}:{}) passes",
        def.file, def.line
    )
}

/// One message of a rule, in either form.
struct Message {
    text: String,
    severity: Option<Severity>,
    address: Option<String>,
    fix: Option<String>,
    id: Option<String>,
    path: Vec<String>,
}

impl Message {
    /// `None` for elements that are neither a string nor an object.
    fn from_json(
        item: &serde_json::Value,
        rule: &str,
        def: &RuleDef,
    ) -> Result<Option<Message>, PolicyError> {
        let bad = |reason: String| PolicyError::BadMessage {
            rule: rule.to_string(),
            file: def.file.clone(),
            line: def.line,
            reason,
        };
        let obj = match item {
            serde_json::Value::String(s) => {
                return Ok(Some(Message {
                    text: s.clone(),
                    severity: None,
                    address: None,
                    fix: None,
                    id: None,
                    path: Vec::new(),
                }))
            }
            serde_json::Value::Object(obj) => obj,
            _ => return Ok(None),
        };
        let text = match obj.get("msg") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => return Err(bad(format!("`msg` must be a string, not {other}"))),
            None => return Err(bad(format!("an object message needs a `msg`: {item}"))),
        };
        // The first of `keys` present, as a string. With `resource_ok`, an
        // object with an `address` stands for that address: a policy can
        // pass the whole resource change it is about.
        let string = |keys: &[&str], resource_ok: bool| -> Result<Option<String>, PolicyError> {
            for key in keys {
                match obj.get(*key) {
                    None | Some(serde_json::Value::Null) => continue,
                    Some(serde_json::Value::String(s)) => return Ok(Some(s.clone())),
                    Some(serde_json::Value::Object(o)) if resource_ok => {
                        return match o.get("address") {
                            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                            _ => Err(bad(format!(
                                "`{key}` must be an address or an object with an `address`"
                            ))),
                        };
                    }
                    Some(other) => {
                        return Err(bad(format!("`{key}` must be a string, not {other}")))
                    }
                }
            }
            Ok(None)
        };
        let severity = match string(&["severity"], false)? {
            Some(s) => Some(s.parse::<Severity>().map_err(|e| bad(e.to_string()))?),
            None => None,
        };
        let path = match obj.get("path") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Array(parts)) => parts
                .iter()
                .map(|p| match p {
                    serde_json::Value::String(s) => Ok(s.clone()),
                    serde_json::Value::Number(n) => Ok(n.to_string()),
                    other => Err(bad(format!("`path` elements must be strings, not {other}"))),
                })
                .collect::<Result<_, _>>()?,
            Some(serde_json::Value::String(s)) => s.split('.').map(str::to_string).collect(),
            Some(other) => return Err(bad(format!("`path` must be a list, not {other}"))),
        };
        Ok(Some(Message {
            text,
            severity,
            address: string(&["address", "resource"], true)?,
            fix: string(&["fix"], false)?,
            id: string(&["id", "rule_id"], false)?,
            path,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_follow_conftest() {
        assert_eq!(RuleKind::of("deny"), Some(RuleKind::Failure));
        assert_eq!(RuleKind::of("violation"), Some(RuleKind::Failure));
        assert_eq!(RuleKind::of("warn"), Some(RuleKind::Warning));
        assert_eq!(RuleKind::of("deny_public_acl"), Some(RuleKind::Failure));
        assert_eq!(RuleKind::of("warn_s3_v2"), Some(RuleKind::Warning));
        assert_eq!(RuleKind::of("denyall"), None);
        assert_eq!(RuleKind::of("deny_"), None);
        assert_eq!(RuleKind::of("deny__x"), None);
        assert_eq!(RuleKind::of("allow"), None);
        assert_eq!(RuleKind::of("warning"), None);
    }

    #[test]
    fn namespaces_cover_subpackages() {
        assert!(in_namespace("main", "main"));
        assert!(in_namespace("main.s3", "main"));
        assert!(!in_namespace("mainline", "main"));
        assert!(!in_namespace("other", "main"));
        assert!(in_namespace("other", "*"));
    }

    #[test]
    fn query_paths_quote_odd_components() {
        assert_eq!(query_path(&["main".into(), "s3".into()]), "data.main.s3");
        assert_eq!(
            query_path(&["main".into(), "my-pkg".into()]),
            "data.main[\"my-pkg\"]"
        );
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(char_column("\tx > 1", 5), 2);
        assert_eq!(char_column("deny x", 6), 6);
        assert_eq!(char_column("é := 1", 4), 3);
        assert_eq!(char_column("", 1), 1);
    }

    #[test]
    fn titles_come_from_comments() {
        let text = "package main\n\n# Files must not be world-writable.\n# More words.\ndeny contains msg if { false }\n";
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            comment_title(&lines, 5).as_deref(),
            Some("Files must not be world-writable.")
        );
        let meta =
            "# METADATA\n# title: No deletes\n# description: x\ndeny contains msg if { false }\n";
        let lines: Vec<&str> = meta.lines().collect();
        assert_eq!(comment_title(&lines, 4).as_deref(), Some("No deletes"));
        assert_eq!(comment_title(&lines, 1), None);
    }
}
