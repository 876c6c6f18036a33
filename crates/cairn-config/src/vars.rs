//! Input variable values from outside the configuration: `.tfvars` files,
//! `-var` options and environment variables. Values are parsed, not
//! evaluated; the caller converts them to each variable's type.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_diagnostics::{Diagnostic, Diagnostics, Span};
use cairn_syntax::{Expr, Source};

use crate::load::Loader;
use crate::raw::RawBody;

/// Where a variable file comes from, in Terraform's precedence order
/// (later kinds override earlier ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VarFileKind {
    /// `terraform.tfvars` or `terraform.tfvars.json`.
    Default,
    /// `*.auto.tfvars` or `*.auto.tfvars.json`.
    Auto,
    /// A `-var-file` option.
    Explicit,
}

/// A variable definitions file.
#[derive(Clone, Debug)]
pub struct VarFile {
    pub path: PathBuf,
    /// The display name used in spans.
    pub name: Arc<str>,
    pub kind: VarFileKind,
    pub assignments: Vec<VarAssignment>,
}

/// One `name = value` of a variable file.
#[derive(Clone, Debug)]
pub struct VarAssignment {
    pub name: String,
    pub expr: Expr,
    /// The whole assignment.
    pub span: Option<Span>,
    pub name_span: Option<Span>,
}

/// Where a raw (string) variable value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawVarSource {
    /// A `-var 'name=value'` option.
    Cli,
    /// An environment variable; holds its full name (`TF_VAR_region`).
    Env(String),
}

/// A variable value given as a string on the command line or in the
/// environment. Terraform uses `raw` as is for variables of a primitive
/// type (`string`, `number`, `bool`), and otherwise parses it as an HCL
/// expression: `expr` holds that parse, or why it failed.
#[derive(Clone, Debug)]
pub struct RawVar {
    pub name: String,
    pub raw: String,
    pub expr: Result<Expr, Diagnostics>,
    pub source: RawVarSource,
}

/// The environment variable prefixes, lowest precedence first: cairn's own
/// prefix wins over Terraform's.
pub const ENV_PREFIXES: [&str; 2] = ["TF_VAR_", "CAIRN_VAR_"];

impl Loader {
    /// The variable files of `dir` and the explicit `-var-file`s, in
    /// precedence order: `terraform.tfvars`, `terraform.tfvars.json`, the
    /// `*.auto.tfvars[.json]` files in lexical order, then `explicit` in
    /// the order given.
    pub fn collect_var_files(
        &self,
        dir: &Path,
        explicit: &[PathBuf],
    ) -> (Vec<VarFile>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let mut paths: Vec<(PathBuf, VarFileKind)> = Vec::new();
        for name in ["terraform.tfvars", "terraform.tfvars.json"] {
            let p = dir.join(name);
            if p.is_file() {
                paths.push((p, VarFileKind::Default));
            }
        }
        let mut auto: Vec<(String, PathBuf)> = Vec::new();
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().to_string();
                    if (name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json"))
                        && entry.path().is_file()
                    {
                        auto.push((name, entry.path()));
                    }
                }
            }
            Err(e) => diags.push(Diagnostic::error(
                "Failed to read directory",
                format!(
                    "The directory {} could not be read: {e}.",
                    self.display_name(dir)
                ),
            )),
        }
        auto.sort();
        paths.extend(auto.into_iter().map(|(_, p)| (p, VarFileKind::Auto)));
        for p in explicit {
            if !p.is_file() {
                diags.push(Diagnostic::error(
                    "Failed to read variables file",
                    format!("Given variables file {} does not exist.", p.display()),
                ));
                continue;
            }
            paths.push((p.clone(), VarFileKind::Explicit));
        }
        let files = paths
            .into_iter()
            .filter_map(|(p, kind)| self.parse_var_file(&p, kind, &mut diags))
            .collect();
        (files, diags)
    }

    /// Parses one variable file (`.json` by its name).
    pub fn parse_var_file(
        &self,
        path: &Path,
        kind: VarFileKind,
        diags: &mut Diagnostics,
    ) -> Option<VarFile> {
        let json = path.to_string_lossy().ends_with(".json");
        let (body, file) = self.parse_file(path, json, diags)?;
        let mut assignments = Vec::new();
        for a in body.just_attributes(diags) {
            // Terraform reads .tfvars.json without an evaluation context, so
            // strings there are never templates.
            let expr = a.literal_expr(diags);
            if let Some(expr) = expr {
                assignments.push(VarAssignment {
                    name: a.name,
                    expr,
                    span: a.span,
                    name_span: a.name_span,
                });
            }
        }
        // A JSON var file holds one object, never blocks by label.
        if let RawBody::Json { objects, .. } = &body {
            if objects.len() > 1 {
                diags.push(Diagnostic::error(
                    "Invalid variables file",
                    format!("The root of {} must be a single JSON object.", file.name),
                ));
            }
        }
        Some(VarFile {
            path: path.to_path_buf(),
            name: file.name.clone(),
            kind,
            assignments,
        })
    }

    /// Parses a `-var` option's argument, `name=value`.
    pub fn parse_cli_var(&self, arg: &str) -> Result<RawVar, Diagnostics> {
        let Some((name, raw)) = arg.split_once('=').filter(|(n, _)| !n.trim().is_empty()) else {
            return Err(Diagnostic::error(
                "Invalid -var option",
                format!(
                    "The given -var option \"{arg}\" is not correctly specified. Must be a variable name and value separated by an equals sign, like -var=\"key=value\"."
                ),
            )
            .into());
        };
        let name = name.trim().to_string();
        Ok(RawVar {
            expr: self.parse_raw_value(&name, raw),
            name,
            raw: raw.to_string(),
            source: RawVarSource::Cli,
        })
    }

    /// The `TF_VAR_name` and `CAIRN_VAR_name` entries of an environment,
    /// lowest precedence first (all `TF_VAR_` ones, then `CAIRN_VAR_`),
    /// each group sorted by name.
    pub fn env_vars<I, K, V>(&self, env: I) -> Vec<RawVar>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut found: Vec<(usize, String, String, String)> = Vec::new();
        for (k, v) in env {
            let key = k.as_ref();
            for (rank, prefix) in ENV_PREFIXES.iter().enumerate() {
                if let Some(name) = key.strip_prefix(prefix).filter(|n| !n.is_empty()) {
                    found.push((
                        rank,
                        name.to_string(),
                        key.to_string(),
                        v.as_ref().to_string(),
                    ));
                }
            }
        }
        found.sort();
        found
            .into_iter()
            .map(|(_, name, key, raw)| RawVar {
                expr: self.parse_raw_value(&name, &raw),
                name,
                raw,
                source: RawVarSource::Env(key),
            })
            .collect()
    }

    /// Parses a raw value as an HCL expression, registered as the source
    /// `<value for var.NAME>` as Terraform names it in messages.
    pub fn parse_raw_value(&self, name: &str, raw: &str) -> Result<Expr, Diagnostics> {
        let file = self.add_source(&format!("<value for var.{name}>"), raw);
        match cairn_syntax::hcl_edit::parser::parse_expr(raw) {
            Ok(e) => Ok(Expr::new(e, Source::new(file))),
            Err(e) => {
                let start = file.index.pos(e.location().offset());
                Err(Diagnostic::error(
                    "Invalid expression",
                    format!(
                        "The value given for var.{name} is not a valid expression: {}.",
                        e.message()
                    ),
                )
                .with_span(Some(Span {
                    file: file.name.clone(),
                    start,
                    end: start,
                }))
                .into())
            }
        }
    }
}

/// [`Loader::collect_var_files`] with names shown relative to `dir`.
pub fn collect_var_files(
    dir: &Path,
    explicit_var_files: &[PathBuf],
) -> (Vec<VarFile>, Diagnostics) {
    Loader::new(dir).collect_var_files(dir, explicit_var_files)
}

/// [`Loader::parse_cli_var`] on a fresh loader.
pub fn parse_cli_var(arg: &str) -> Result<RawVar, Diagnostics> {
    Loader::new(".").parse_cli_var(arg)
}

/// [`Loader::env_vars`] on a fresh loader.
pub fn env_vars<I, K, V>(env: I) -> Vec<RawVar>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    Loader::new(".").env_vars(env)
}
