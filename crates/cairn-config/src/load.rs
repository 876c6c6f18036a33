//! Reading module directories and module trees.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use cairn_diagnostics::{Diagnostic, Diagnostics, LineIndex, SourceMap, Span};
use cairn_syntax::json::{parse_json, JsonKind};
use cairn_syntax::{Source, SourceFile};
use indexmap::IndexMap;

use crate::decode::{self, TOP};
use crate::model::*;
use crate::raw::{JsonCtx, RawAttr, RawBlock, RawBody};
use crate::util::range_text_opt;

/// Reads configuration files, registering their text in one [`SourceMap`]
/// so diagnostics can be rendered with source lines.
#[derive(Clone, Debug)]
pub struct Loader {
    base: PathBuf,
    sources: SourceMap,
    /// Configuration files to read instead of the disk (a configuration
    /// kept with an old state version, for rollback).
    overlay: Option<Arc<Overlay>>,
    /// Modules `terraform init` installed (module key -> directory), read
    /// from `.terraform/modules/modules.json` of the root.
    installed: std::cell::RefCell<std::collections::HashMap<String, PathBuf>>,
}

/// Reads Terraform's record of installed modules, so registry and git
/// sources work in a configuration where `terraform init` has run.
fn installed_modules(root: &Path) -> std::collections::HashMap<String, PathBuf> {
    #[derive(serde::Deserialize)]
    struct Record {
        #[serde(rename = "Key")]
        key: String,
        #[serde(rename = "Dir")]
        dir: String,
    }
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(rename = "Modules")]
        modules: Vec<Record>,
    }
    let path = root.join(".terraform").join("modules").join("modules.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Default::default();
    };
    match serde_json::from_str::<Manifest>(&text) {
        Ok(m) => m
            .modules
            .into_iter()
            .filter(|r| !r.key.is_empty())
            .map(|r| (r.key, root.join(r.dir)))
            .collect(),
        Err(_) => Default::default(),
    }
}

/// A parsed file: its identity and its top-level body.
pub(crate) struct ParsedFile {
    pub file: ConfigFile,
    pub body: RawBody,
}

impl Loader {
    /// File names in spans are shown relative to `base` (usually the
    /// working directory or the root module).
    pub fn new(base: impl Into<PathBuf>) -> Loader {
        Loader {
            base: base.into(),
            sources: SourceMap::new(),
            overlay: None,
            installed: Default::default(),
        }
    }

    /// Reads the configuration files from `overlay` instead of the disk:
    /// directories hold exactly the overlay's files (variable files and
    /// files read by functions still come from the disk).
    pub fn with_overlay(mut self, overlay: Arc<Overlay>) -> Loader {
        self.overlay = Some(overlay);
        self
    }

    /// The text of every file read so far.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// The display name of a path: relative to the base directory.
    pub fn display_name(&self, path: &Path) -> String {
        let rel = relative_path(path, &self.base);
        rel.to_string_lossy().replace('\\', "/")
    }

    /// Registers a text under a display name and returns its source file.
    pub fn add_source(&self, name: &str, text: &str) -> Arc<SourceFile> {
        let name: Arc<str> = Arc::from(name);
        self.sources.add(name.clone(), Arc::<str>::from(text));
        Arc::new(SourceFile {
            name,
            index: LineIndex::new(text),
        })
    }

    /// Reads a file; `None` (with a diagnostic) when it cannot be read.
    pub(crate) fn read(
        &self,
        path: &Path,
        diags: &mut Diagnostics,
        span: Option<Span>,
    ) -> Option<(Arc<str>, Arc<SourceFile>)> {
        let read = match self.overlay.as_ref().and_then(|o| o.file(path)) {
            Some(text) => Ok(text.to_string()),
            None => std::fs::read_to_string(path),
        };
        match read {
            Ok(text) => {
                // Editors on Windows may write a byte order mark; HCL has no
                // use for it.
                let text = match text.strip_prefix('\u{feff}') {
                    Some(t) => t.to_string(),
                    None => text,
                };
                let name = self.display_name(path);
                let file = self.add_source(&name, &text);
                Some((Arc::from(text), file))
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        "Failed to read file",
                        format!(
                            "The file {} could not be read: {e}.",
                            self.display_name(path)
                        ),
                    )
                    .with_span(span),
                );
                None
            }
        }
    }

    /// Parses a `.tf`/`.tfvars` (HCL) or `.json` file into a raw body.
    pub(crate) fn parse_file(
        &self,
        path: &Path,
        json: bool,
        diags: &mut Diagnostics,
    ) -> Option<(RawBody, Arc<SourceFile>)> {
        let (text, file) = self.read(path, diags, None)?;
        let body = if json {
            match parse_json(&text) {
                Ok(v) => {
                    if !matches!(v.kind, JsonKind::Object(_) | JsonKind::Array(_)) {
                        diags.push(
                            Diagnostic::error(
                                "Root value must be object",
                                "The root value in a JSON-based configuration must be either a JSON object or a JSON array of objects.",
                            )
                            .with_span(Some(file.index.span(&file.name, v.range.clone()))),
                        );
                        return None;
                    }
                    let objects = match v.kind {
                        JsonKind::Array(items) => items,
                        _ => vec![v],
                    };
                    RawBody::Json {
                        objects,
                        ctx: JsonCtx {
                            text: text.clone(),
                            file: file.clone(),
                        },
                    }
                }
                Err(e) => {
                    diags.push(
                        Diagnostic::error("Invalid JSON syntax", e.message)
                            .with_span(Some(file.index.span(&file.name, e.range))),
                    );
                    return None;
                }
            }
        } else {
            match cairn_syntax::hcl_edit::parser::parse_body(&text) {
                Ok(body) => RawBody::Hcl {
                    body,
                    src: Source::new(file.clone()),
                    text: text.clone(),
                },
                Err(e) => {
                    diags.push(syntax_error(&e, &file));
                    return None;
                }
            }
        };
        Some((body, file))
    }

    /// Loads the module in `dir`. `None` when the directory cannot be read;
    /// otherwise the module as far as it could be decoded, with every
    /// problem in the diagnostics.
    pub fn load_module(&self, dir: &Path) -> (Option<Module>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let module = self.load_module_inner(dir, None, &mut diags);
        (module, diags)
    }

    fn load_module_inner(
        &self,
        dir: &Path,
        call_span: Option<Span>,
        diags: &mut Diagnostics,
    ) -> Option<Module> {
        let listed = match &self.overlay {
            Some(o) => Ok(o.config_files(dir)),
            None => config_files(dir),
        };
        let (primary, overrides) = match listed {
            Ok(f) => f,
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        "Failed to read module directory",
                        format!(
                            "Module directory {} does not exist or cannot be read: {e}.",
                            self.display_name(dir)
                        ),
                    )
                    .with_span(call_span),
                );
                return None;
            }
        };
        if primary.is_empty() && overrides.is_empty() {
            diags.push(
                Diagnostic::error(
                    "No configuration files",
                    format!(
                        "The directory {} contains no Terraform configuration files (.tf or .tf.json).",
                        self.display_name(dir)
                    ),
                )
                .with_span(call_span),
            );
        }
        let mut files = Vec::new();
        let mut parsed = Vec::new();
        for (path, is_override) in primary
            .iter()
            .map(|p| (p, false))
            .chain(overrides.iter().map(|p| (p, true)))
        {
            let json = path.to_string_lossy().ends_with(".json");
            if let Some((body, source)) = self.parse_file(path, json, diags) {
                let file = ConfigFile {
                    path: path.clone(),
                    name: source.name.clone(),
                    source,
                    json,
                    is_override,
                };
                files.push(file.clone());
                parsed.push(ParsedFile { file, body });
            }
        }
        let mut module = build_module(dir, parsed, diags);
        module.files = files;
        Some(module)
    }

    /// Loads the root module in `root` and every module it calls with a
    /// local source, recursively.
    pub fn load_tree(&self, root: &Path) -> (Option<ModuleTree>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let Some(root_module) = self.load_module_inner(root, None, &mut diags) else {
            return (None, diags);
        };
        let mut tree = ModuleTree {
            nodes: IndexMap::new(),
            sources: self.sources.clone(),
        };
        *self.installed.borrow_mut() = installed_modules(root);
        let root_dir = canonical(root);
        self.add_node(
            &mut tree,
            Vec::new(),
            None,
            root_module,
            vec![(root_dir, Vec::new())],
            &mut diags,
        );
        (Some(tree), diags)
    }

    fn add_node(
        &self,
        tree: &mut ModuleTree,
        path: Vec<String>,
        source: Option<String>,
        module: Module,
        ancestors: Vec<(PathBuf, Vec<String>)>,
        diags: &mut Diagnostics,
    ) {
        let calls: Vec<ModuleCall> = module.module_calls.values().cloned().collect();
        let dir = module.dir.clone();
        tree.nodes.insert(
            path.clone(),
            ModuleNode {
                path: path.clone(),
                source,
                module,
            },
        );
        for call in calls {
            let mut child_path = path.clone();
            child_path.push(call.name.clone());
            let address = module_address(&child_path);
            let installed = if is_local_source(&call.source) {
                None
            } else {
                self.installed.borrow().get(&child_path.join(".")).cloned()
            };
            if !is_local_source(&call.source) && installed.is_none() {
                diags.push(
                    Diagnostic::error(
                        "Unsupported module source",
                        format!(
                            "The source of {address}, \"{}\", is not a local path.",
                            call.source
                        ),
                    )
                    .with_span(call.source_span.clone())
                    .with_hint("cairn loads local modules (./ or ../) and modules that `terraform init` installed in .terraform/modules; run terraform init once, or copy the module into this repository and point source at its directory.")
                    .with_address(address),
                );
                continue;
            }
            if call.version.is_some() && installed.is_none() {
                diags.push(
                    Diagnostic::error(
                        "Invalid version constraint",
                        format!(
                            "Cannot apply a version constraint to {address} because it has a relative local path."
                        ),
                    )
                    .with_span(call.source_span.clone())
                    .with_address(address.clone()),
                );
            }
            let child_dir = match &installed {
                Some(d) => normalize(d),
                None => normalize(&dir.join(&call.source)),
            };
            let child_canon = canonical(&child_dir);
            if let Some((_, anc_path)) = ancestors.iter().find(|(d, _)| *d == child_canon) {
                let including = if anc_path.is_empty() {
                    "the root module".to_string()
                } else {
                    module_address(anc_path)
                };
                diags.push(
                    Diagnostic::error(
                        "Recursive module inclusion",
                        format!(
                            "{address} has source \"{}\", the directory of {including}, which is already its ancestor. A module may not include itself, directly or indirectly.",
                            call.source
                        ),
                    )
                    .with_span(call.source_span.clone())
                    .with_address(address),
                );
                continue;
            }
            if let Some(child) = self.load_module_inner(&child_dir, call.source_span.clone(), diags)
            {
                let mut anc = ancestors.clone();
                anc.push((child_canon, child_path.clone()));
                self.add_node(
                    tree,
                    child_path,
                    Some(call.source.clone()),
                    child,
                    anc,
                    diags,
                );
            }
        }
    }
}

/// Loads the module in `dir` (file names shown relative to `dir`).
pub fn load_module(dir: &Path) -> (Option<Module>, Diagnostics) {
    Loader::new(dir).load_module(dir)
}

/// Loads the module tree rooted at `root` (file names shown relative to
/// `root`; the tree's `sources` holds their text).
pub fn load_tree(root: &Path) -> (Option<ModuleTree>, Diagnostics) {
    Loader::new(root).load_tree(root)
}

/// A root module and all the modules it calls, by module path.
#[derive(Clone, Debug)]
pub struct ModuleTree {
    /// Keyed by module path: `[]` for the root, `["a", "b"]` for
    /// `module.a.module.b`; parents come before their children.
    pub nodes: IndexMap<Vec<String>, ModuleNode>,
    pub sources: SourceMap,
}

/// One module in a [`ModuleTree`].
#[derive(Clone, Debug)]
pub struct ModuleNode {
    pub path: Vec<String>,
    /// The `source` of the call that included it; `None` for the root.
    pub source: Option<String>,
    pub module: Module,
}

impl ModuleTree {
    pub fn root(&self) -> Option<&Module> {
        self.nodes.get(&Vec::<String>::new()).map(|n| &n.module)
    }

    pub fn get(&self, path: &[String]) -> Option<&Module> {
        self.nodes.get(path).map(|n| &n.module)
    }

    /// The modules called directly by the module at `path`.
    pub fn children<'a>(&'a self, path: &'a [String]) -> impl Iterator<Item = &'a ModuleNode> + 'a {
        self.nodes
            .values()
            .filter(move |n| n.path.len() == path.len() + 1 && n.path.starts_with(path))
    }
}

/// `module.a.module.b` for `["a", "b"]`.
pub fn module_address(path: &[String]) -> String {
    path.iter()
        .map(|p| format!("module.{p}"))
        .collect::<Vec<_>>()
        .join(".")
}

fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s.starts_with(".\\") || s.starts_with("..\\")
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| normalize(p))
}

/// Removes `.` and `..` components lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // Above the root is the root.
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                // Leading `..`s accumulate.
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    // `a/..` is the current directory, which must stay a readable path.
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `path` relative to `base` when one contains the other's prefix, using
/// `..` to climb out of `base`.
fn relative_path(path: &Path, base: &Path) -> PathBuf {
    // Compare absolute forms, so `.` and `a/..` bases work.
    let abs = |p: &Path| -> PathBuf {
        if p.is_absolute() {
            normalize(p)
        } else {
            match std::env::current_dir() {
                Ok(cwd) => normalize(&cwd.join(p)),
                Err(_) => normalize(p),
            }
        }
    };
    let path_n = abs(path);
    let base_n = abs(base);
    if let Ok(rel) = path_n.strip_prefix(&base_n) {
        return rel.to_path_buf();
    }
    let pc: Vec<_> = path_n.components().collect();
    let bc: Vec<_> = base_n.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return path_n;
    }
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &pc[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// Terraform's override file naming.
fn is_override_name(name: &str) -> bool {
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

/// Configuration files held in memory, by directory: what a configuration
/// looked like when an old state version was written.
#[derive(Debug, Default)]
pub struct Overlay {
    /// Directory (absolute, normalized) -> file name -> text.
    dirs: std::collections::HashMap<PathBuf, std::collections::BTreeMap<String, Arc<str>>>,
}

impl Overlay {
    /// An overlay of `files`, keyed by path relative to `root` (the root
    /// module's directory; module files may start with `../`).
    pub fn new(root: &Path, files: impl IntoIterator<Item = (String, String)>) -> Overlay {
        let mut dirs: std::collections::HashMap<
            PathBuf,
            std::collections::BTreeMap<String, Arc<str>>,
        > = Default::default();
        for (rel, text) in files {
            let p = root.join(&rel);
            let (Some(parent), Some(name)) = (p.parent(), p.file_name()) else {
                continue;
            };
            dirs.entry(overlay_key(parent))
                .or_default()
                .insert(name.to_string_lossy().to_string(), Arc::from(text));
        }
        Overlay { dirs }
    }

    fn file(&self, path: &Path) -> Option<Arc<str>> {
        let name = path.file_name()?.to_string_lossy().to_string();
        self.dirs
            .get(&overlay_key(path.parent()?))?
            .get(&name)
            .cloned()
    }

    /// The primary and override files of `dir`, as [`config_files`] lists
    /// them from the disk.
    fn config_files(&self, dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let mut primary = Vec::new();
        let mut overrides = Vec::new();
        if let Some(files) = self.dirs.get(&overlay_key(dir)) {
            for name in files.keys() {
                if is_ignored_name(name) || !(name.ends_with(".tf") || name.ends_with(".tf.json")) {
                    continue;
                }
                if is_override_name(name) {
                    overrides.push(dir.join(name));
                } else {
                    primary.push(dir.join(name));
                }
            }
        }
        (primary, overrides)
    }
}

/// The key of a directory in an overlay: absolute and normalized, with
/// symbolic links resolved where the directory exists.
fn overlay_key(dir: &Path) -> PathBuf {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    canonical(&abs)
}

/// Editors' backup and lock files Terraform skips.
fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

/// The primary and override configuration files of a directory, each
/// sorted by name.
fn config_files(dir: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut primary = Vec::new();
    let mut overrides = Vec::new();
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if is_ignored_name(&name) || !(name.ends_with(".tf") || name.ends_with(".tf.json")) {
            continue;
        }
        if !entry.path().is_file() {
            continue;
        }
        entries.push((name, entry.path()));
    }
    entries.sort();
    for (name, path) in entries {
        if is_override_name(&name) {
            overrides.push(path);
        } else {
            primary.push(path);
        }
    }
    Ok((primary, overrides))
}

/// A parse error as a diagnostic at hcl-edit's reported position.
pub fn syntax_error(
    e: &cairn_syntax::hcl_edit::parser::Error,
    file: &Arc<SourceFile>,
) -> Diagnostic {
    let offset = e.location().offset();
    let start = file.index.pos(offset);
    let mut end = start;
    end.column += 1;
    end.byte += 1;
    let span = Span {
        file: file.name.clone(),
        start,
        end,
    };
    let message = e.message();
    if message.contains("redefined attribute") {
        // hcl-edit rejects duplicate keys; name the argument as HCL does.
        let name: String = e
            .line()
            .chars()
            .skip(e.location().column().saturating_sub(1))
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        return Diagnostic::error(
            "Attribute redefined",
            format!("The argument \"{name}\" was already set. Each argument may be set only once."),
        )
        .with_span(Some(span));
    }
    Diagnostic::error("Invalid syntax", message.to_string()).with_span(Some(span))
}

/// The top-level blocks of a file, in order; other items are reported.
fn top_level(body: &RawBody, diags: &mut Diagnostics) -> Vec<RawBlock> {
    let c = body.content(&TOP, diags);
    c.reject_others(&TOP, diags);
    c.blocks
}

/// Decodes the files of one module: override blocks are merged into the
/// primary blocks they name, then every block is decoded in file order.
fn build_module(dir: &Path, files: Vec<ParsedFile>, diags: &mut Diagnostics) -> Module {
    let mut primary: Vec<RawBlock> = Vec::new();
    let mut locals: Vec<RawAttr> = Vec::new();
    let mut override_blocks: Vec<RawBlock> = Vec::new();
    for f in &files {
        let blocks = top_level(&f.body, diags);
        if f.file.is_override {
            override_blocks.extend(blocks);
        } else {
            for b in blocks {
                if b.type_name == "locals" {
                    locals.extend(decode::decode_locals(&b, diags));
                } else {
                    primary.push(b);
                }
            }
        }
    }

    let mut terraform_overrides = Vec::new();
    for ob in override_blocks {
        apply_override(
            ob,
            &mut primary,
            &mut locals,
            &mut terraform_overrides,
            diags,
        );
    }

    let mut m = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    for b in &primary {
        add_block(&mut m, b, diags);
    }
    for a in &locals {
        let Some(l) = decode::decode_local(a, diags) else {
            continue;
        };
        if let Some(prev) = m.locals.get(&l.name) {
            diags.push(
                Diagnostic::error(
                    "Duplicate local value definition",
                    format!(
                        "A local value named \"{}\" was already defined at {}. Local value names must be unique within a module.",
                        l.name,
                        range_text_opt(&prev.span)
                    ),
                )
                .with_span(a.name_span.clone()),
            );
            continue;
        }
        m.locals.insert(l.name.clone(), l);
    }
    for tb in terraform_overrides {
        let mut t = TerraformBlock::default();
        decode::decode_terraform(&tb, &mut t, diags);
        merge_terraform(&mut m.terraform, t);
    }
    decode::check_backend_and_cloud(&m.terraform, diags);
    m
}

/// Merges an override file's `terraform` block: what it sets replaces.
fn merge_terraform(base: &mut TerraformBlock, over: TerraformBlock) {
    if !over.required_version.is_empty() {
        base.required_version = over.required_version;
    }
    for (k, v) in over.required_providers {
        base.required_providers.insert(k, v);
    }
    if over.backend.is_some() {
        base.backend = over.backend;
        base.cloud = None;
    }
    if over.cloud.is_some() {
        base.cloud = over.cloud;
        base.backend = None;
    }
    base.experiments.extend(over.experiments);
    for (k, v) in over.provider_meta {
        base.provider_meta.insert(k, v);
    }
}

fn apply_override(
    ob: RawBlock,
    primary: &mut [RawBlock],
    locals: &mut [RawAttr],
    terraform: &mut Vec<RawBlock>,
    diags: &mut Diagnostics,
) {
    let kind = ob.type_name.as_str();
    match kind {
        "terraform" => terraform.push(ob),
        "locals" => {
            for a in decode::decode_locals(&ob, diags) {
                match locals.iter_mut().find(|l| l.name == a.name) {
                    Some(l) => *l = a,
                    None => diags.push(
                        Diagnostic::error(
                            "Missing base local value definition to override",
                            format!(
                                "There is no local value named \"{}\". An override file can only override a local value that was already defined in a primary configuration file.",
                                a.name
                            ),
                        )
                        .with_span(a.name_span.clone()),
                    ),
                }
            }
        }
        "check" | "import" | "moved" | "removed" => {
            diags.push(
                Diagnostic::error(
                    format!("Cannot override '{kind}' blocks"),
                    format!(
                        "{kind} blocks can appear only in normal files, not in override files."
                    ),
                )
                .with_span(ob.decl_span.clone()),
            );
        }
        _ => {
            let alias = (kind == "provider")
                .then(|| decode::provider_alias(&ob))
                .flatten();
            let target = primary.iter_mut().find(|b| {
                b.type_name == ob.type_name
                    && b.labels
                        .iter()
                        .map(|l| &l.value)
                        .eq(ob.labels.iter().map(|l| &l.value))
                    && (kind != "provider" || decode::provider_alias(b) == alias)
            });
            match target {
                Some(t) => {
                    let base = std::mem::replace(&mut t.body, ob.body.clone());
                    t.body = RawBody::Merged {
                        base: Box::new(base),
                        over: Box::new(ob.body),
                    };
                }
                None => diags.push(missing_override_base(&ob, alias.as_deref())),
            }
        }
    }
}

fn missing_override_base(ob: &RawBlock, alias: Option<&str>) -> Diagnostic {
    let (l0, l1) = (ob.label(0), ob.label(1));
    let (summary, detail) = match ob.type_name.as_str() {
        "resource" => (
            "Missing resource to override".to_string(),
            format!("There is no {l0} resource named \"{l1}\". An override file can only override a resource block defined in a primary configuration file."),
        ),
        "data" => (
            "Missing data resource to override".to_string(),
            format!("There is no {l0} data resource named \"{l1}\". An override file can only override a data block defined in a primary configuration file."),
        ),
        "variable" => (
            "Missing base variable declaration to override".to_string(),
            format!("There is no variable named \"{l0}\". An override file can only override a variable that was already declared in a primary configuration file."),
        ),
        "output" => (
            "Missing base output definition to override".to_string(),
            format!("There is no output named \"{l0}\". An override file can only override an output that was already defined in a primary configuration file."),
        ),
        "module" => (
            "Missing module call to override".to_string(),
            format!("There is no module call named \"{l0}\". An override file can only override a module call that was defined in a primary configuration file."),
        ),
        "provider" => (
            "Missing base provider configuration for override".to_string(),
            match alias {
                Some(a) => format!("There is no {l0} provider configuration with the alias \"{a}\". An override file can only override an aliased provider configuration that was already defined in a primary configuration file."),
                None => format!("There is no {l0} provider configuration. An override file can only override a provider configuration that was already defined in a primary configuration file."),
            },
        ),
        other => (
            format!("Missing base {other} block to override"),
            format!("There is no matching {other} block in a primary configuration file."),
        ),
    };
    Diagnostic::error(summary, detail).with_span(ob.decl_span.clone())
}

/// Decodes one top-level block into the module, reporting duplicates.
fn add_block(m: &mut Module, b: &RawBlock, diags: &mut Diagnostics) {
    match b.type_name.as_str() {
        "terraform" => decode::decode_terraform(b, &mut m.terraform, diags),
        "provider" => {
            let Some(p) = decode::decode_provider(b, diags) else {
                return;
            };
            if let Some(prev) = m.provider(&p.name, p.alias.as_deref()) {
                let detail = match &p.alias {
                    None => format!(
                        "A default (non-aliased) provider configuration for \"{}\" was already given at {}. If multiple configurations are required, set the \"alias\" argument for alternative configurations.",
                        p.name,
                        range_text_opt(&prev.decl_span)
                    ),
                    Some(a) => format!(
                        "A provider configuration for \"{}\" with alias \"{a}\" was already given at {}. Each configuration for the same provider must have a distinct alias.",
                        p.name,
                        range_text_opt(&prev.decl_span)
                    ),
                };
                diags.push(
                    Diagnostic::error("Duplicate provider configuration", detail)
                        .with_span(p.decl_span.clone()),
                );
                return;
            }
            m.providers.push(p);
        }
        "variable" => {
            let Some(v) = decode::decode_variable(b, diags) else {
                return;
            };
            if let Some(prev) = m.variables.get(&v.name) {
                diags.push(
                    Diagnostic::error(
                        "Duplicate variable declaration",
                        format!(
                            "A variable named \"{}\" was already declared at {}. Variable names must be unique within a module.",
                            v.name,
                            range_text_opt(&prev.decl_span)
                        ),
                    )
                    .with_span(v.decl_span.clone()),
                );
                return;
            }
            m.variables.insert(v.name.clone(), v);
        }
        "output" => {
            let Some(o) = decode::decode_output(b, diags) else {
                return;
            };
            if let Some(prev) = m.outputs.get(&o.name) {
                diags.push(
                    Diagnostic::error(
                        "Duplicate output definition",
                        format!(
                            "An output named \"{}\" was already defined at {}. Output names must be unique within a module.",
                            o.name,
                            range_text_opt(&prev.decl_span)
                        ),
                    )
                    .with_span(o.decl_span.clone()),
                );
                return;
            }
            m.outputs.insert(o.name.clone(), o);
        }
        "module" => {
            let Some(c) = decode::decode_module_call(b, diags) else {
                return;
            };
            if let Some(prev) = m.module_calls.get(&c.name) {
                diags.push(
                    Diagnostic::error(
                        "Duplicate module call",
                        format!(
                            "A module call named \"{}\" was already defined at {}. Module calls must have unique names within a module.",
                            c.name,
                            range_text_opt(&prev.decl_span)
                        ),
                    )
                    .with_span(c.decl_span.clone()),
                );
                return;
            }
            m.module_calls.insert(c.name.clone(), c);
        }
        "resource" | "data" => {
            let mode = if b.type_name == "data" {
                ResourceMode::Data
            } else {
                ResourceMode::Managed
            };
            let Some(r) = decode::decode_resource(b, mode, diags) else {
                return;
            };
            let key = format!("{}.{}", r.type_name, r.name);
            let map = match mode {
                ResourceMode::Managed => &mut m.resources,
                ResourceMode::Data => &mut m.data,
            };
            if let Some(prev) = map.get(&key) {
                let (kind, what) = match mode {
                    ResourceMode::Managed => ("resource", "resource"),
                    ResourceMode::Data => ("data", "data resource"),
                };
                diags.push(
                    Diagnostic::error(
                        format!("Duplicate {kind} \"{}\" configuration", r.type_name),
                        format!(
                            "A {} {what} named \"{}\" was already declared at {}. Resource names must be unique per type in each module.",
                            r.type_name,
                            r.name,
                            range_text_opt(&prev.decl_span)
                        ),
                    )
                    .with_span(r.decl_span.clone()),
                );
                return;
            }
            map.insert(key, r);
        }
        "check" => {
            let Some(c) = decode::decode_check(b, diags) else {
                return;
            };
            if let Some(prev) = m.checks.get(&c.name) {
                diags.push(
                    Diagnostic::error(
                        format!("Duplicate check \"{}\" configuration block", c.name),
                        format!(
                            "A check block named \"{}\" was already defined at {}. Check blocks must have unique names within a module.",
                            c.name,
                            range_text_opt(&prev.decl_span)
                        ),
                    )
                    .with_span(c.decl_span.clone()),
                );
                return;
            }
            m.checks.insert(c.name.clone(), c);
        }
        "import" => m.imports.extend(decode::decode_import(b, diags)),
        "moved" => m.moved.extend(decode::decode_moved(b, diags)),
        "removed" => m.removed.extend(decode::decode_removed(b, diags)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_names() {
        assert!(is_override_name("override.tf"));
        assert!(is_override_name("a_override.tf.json"));
        assert!(!is_override_name("overrides.tf"));
        assert!(!is_override_name("main.tf"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("/a/b/c.tf"), Path::new("/a")),
            PathBuf::from("b/c.tf")
        );
        assert_eq!(
            relative_path(Path::new("/a/x/c.tf"), Path::new("/a/b")),
            PathBuf::from("../x/c.tf")
        );
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
