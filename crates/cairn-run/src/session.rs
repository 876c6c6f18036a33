//! A session: one command's configuration, variables, providers and
//! (locked) state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cairn_config::ModuleTree;
use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap};
use cairn_engine::{
    InstanceAddr, Key, Mode, ModuleInstance, Prior, PriorInstance, Registry, ResourceAddr,
};
use cairn_functions::{Context, Registry as Funcs};

use cairn_state::{Cipher, IndexKey, LocalBackend, LockGuard, LockInfo, State, StateError};
use cairn_value::Value;
use cairn_vars::CliInput;

/// What a command gives a session.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// The configuration directory; state lives in its `.cairn/`.
    pub dir: PathBuf,
    pub cli: Vec<CliInput>,
    pub env: Vec<(String, String)>,
    pub workspace: String,
    /// Take the state lock (commands that only read state may skip it).
    pub lock: bool,
    pub lock_timeout: Duration,
    /// The operation named in the lock ("plan", "apply").
    pub operation: String,
    /// Configuration files to use instead of the disk's (rollback).
    pub overlay: Option<Arc<cairn_config::Overlay>>,
}

/// A failure before anything ran: diagnostics and the sources they cite.
#[derive(Debug)]
pub struct Failure {
    pub diags: Diagnostics,
    pub sources: SourceMap,
}

impl Failure {
    pub fn one(d: Diagnostic) -> Failure {
        let mut diags = Diagnostics::new();
        diags.push(d);
        Failure {
            diags,
            sources: SourceMap::new(),
        }
    }
}

/// An open session.
pub struct Session {
    pub dir: PathBuf,
    pub cwd: PathBuf,
    pub tree: ModuleTree,
    pub sources: SourceMap,
    pub root_vars: BTreeMap<String, Value>,
    /// Warnings from loading and validation.
    pub warnings: Diagnostics,
    pub registry: Registry,
    pub funcs: Arc<Funcs>,
    pub ctx: Context,
    pub backend: LocalBackend,
    pub cipher: Cipher,
    pub state: State,
    /// Journal entries replayed from an interrupted run.
    pub recovered: usize,
    pub workspace: String,
    pub lock: Option<LockGuard>,
    /// The decoded prior state, computed once per state version (planning,
    /// applying and secret redaction all read it).
    prior_cache: std::sync::OnceLock<Result<Prior, Diagnostics>>,
}

/// A configuration that validated: its tree, root variables, warnings
/// and sources.
pub(crate) struct Validated {
    pub tree: ModuleTree,
    pub root_vars: BTreeMap<String, Value>,
    pub warnings: Diagnostics,
    pub sources: SourceMap,
}

/// Validates the configuration in `dir`; errors are a [`Failure`].
pub(crate) fn validated(dir: &Path, vopts: &cairn_validate::Options) -> Result<Validated, Failure> {
    let out = cairn_validate::validate(dir, vopts);
    match out.tree {
        Some(tree) if !out.diags.has_errors() => Ok(Validated {
            tree,
            root_vars: out.root_vars,
            warnings: out.diags,
            sources: out.sources,
        }),
        _ => Err(Failure {
            diags: out.diags,
            sources: out.sources,
        }),
    }
}

/// The working directory, the function library and the evaluation
/// context every plan uses.
pub(crate) fn eval_context() -> Result<(PathBuf, Arc<Funcs>, Context), Failure> {
    let cwd = std::env::current_dir().map_err(|e| {
        Failure::one(Diagnostic::error(
            "Cannot read the working directory",
            e.to_string(),
        ))
    })?;
    let funcs = Arc::new(Funcs::standard());
    let ctx = cairn_eval::context_with_templates(
        Context {
            base_dir: cwd.clone(),
            plan_time: false,
            template: None,
        },
        funcs.clone(),
    );
    Ok((cwd, funcs, ctx))
}

/// Where local state lives for a workspace (environment): `.cairn/` for
/// the default one, `.cairn/env/NAME/` for the others, so environments
/// never share state (as Terraform's `terraform.tfstate.d/NAME/`).
pub fn local_state_dir(dir: &Path, workspace: &str) -> PathBuf {
    if workspace.is_empty() || workspace == "default" {
        state_dir(dir)
    } else {
        state_dir(dir).join("env").join(workspace)
    }
}

/// The state directory of a configuration directory.
pub fn state_dir(dir: &Path) -> PathBuf {
    dir.join(".cairn")
}

/// The state backend a configuration's `terraform { backend ... }` block
/// selects (local state in `.cairn/` without one). Backend arguments must
/// be literal values, as in Terraform.
pub fn backend_for(
    dir: &Path,
    block: Option<&cairn_config::Backend>,
    workspace: &str,
    env: Option<&cairn_project::EnvBackend>,
    warnings: &mut Diagnostics,
) -> Result<LocalBackend, Diagnostics> {
    let local = LocalBackend::new(local_state_dir(dir, workspace));
    // The environment's own backend block in cairn.hcl wins.
    if let Some(e) = env {
        let same = block.is_some_and(|b| b.backend_type == e.kind);
        return match e.kind.as_str() {
            "local" => Ok(local),
            "s3" => s3_backend(dir, block.filter(|_| same), Some(e), workspace),
            other => Err(Diagnostics::from(
                Diagnostic::error(
                    "Unsupported backend",
                    format!("cairn stores state with the local and s3 backends; the {other:?} backend is not available."),
                )
                .with_span(e.span.clone())
                .with_hint("Use backend \"s3\" or backend \"local\" in the environment."),
            )),
        };
    }
    let Some(b) = block else {
        return Ok(local);
    };
    match b.backend_type.as_str() {
        "local" => {
            if !b.config.attrs.is_empty() {
                warnings.push(
                    Diagnostic::warning(
                        "Local backend settings ignored",
                        "cairn keeps local state in the .cairn directory of the configuration; the local backend's path settings are not used.",
                    )
                    .with_span(b.span.clone()),
                );
            }
            Ok(local)
        }
        "s3" => s3_backend(dir, Some(b), None, workspace),
        other => Err(Diagnostics::from(Diagnostic::error(
            "Unsupported backend",
            format!("cairn stores state with the local and s3 backends; the {other:?} backend is not available."),
        )
        .with_span(b.type_span.clone().or(b.span.clone()))
        .with_hint("Use backend \"s3\", or remove the backend block to keep local state in .cairn/."))),
    }
}

/// The settings cairn.hcl gives environment `workspace` (the project's
/// own for none). An unknown environment is reported where it is chosen;
/// here it has no settings of its own.
pub fn project_env(dir: &Path, workspace: &str) -> Result<cairn_project::Effective, Diagnostics> {
    let project = cairn_project::load(dir, &SourceMap::new())?;
    let env = Some(workspace).filter(|w| !w.is_empty());
    Ok(project
        .effective(env)
        .or_else(|_| project.effective(None))
        .unwrap_or_default())
}

/// The KMS key cairn.hcl asks new states of environment `workspace` to
/// use; a project file that does not load is reported elsewhere.
pub fn project_kms_key(dir: &Path, workspace: &str) -> Option<String> {
    project_env(dir, workspace).ok()?.state_kms_key
}

/// The s3 backend from the configuration's block and/or the environment's
/// arguments (which win). An environment that names its own `key` gets
/// exactly that object; otherwise the key is prefixed per environment
/// (`env:/NAME/KEY`), as Terraform does for workspaces.
fn s3_backend(
    dir: &Path,
    block: Option<&cairn_config::Backend>,
    env: Option<&cairn_project::EnvBackend>,
    workspace: &str,
) -> Result<LocalBackend, Diagnostics> {
    let schema = cairn_backend_s3::schema();
    let mut args = match block {
        Some(b) => {
            let funcs = Funcs::standard();
            let ctx = Context {
                base_dir: dir.to_path_buf(),
                plan_time: false,
                template: None,
            };
            let ev = cairn_eval::Evaluator::new(&cairn_eval::NoReferences, &funcs, &ctx);
            let value =
                cairn_engine::decode::decode_body(&b.config, &schema, &ev).map_err(|ds| {
                    ds.into_iter().fold(Diagnostics::new(), |mut all, d| {
                        all.push(d);
                        all
                    })
                })?;
            value.as_entries().cloned().unwrap_or_default()
        }
        None => cairn_provider::empty_object(&schema),
    };
    if let Some(e) = env {
        for (k, j) in &e.args {
            let at = e.arg_spans.get(k).cloned().flatten();
            let Some(ty) = schema
                .attributes
                .contains_key(k)
                .then(|| cairn_provider::attribute_type(&schema, k))
                .flatten()
            else {
                let names: Vec<&str> = schema.attributes.keys().map(String::as_str).collect();
                let hint = cairn_eval::closest(k, names.iter().copied(), 3)
                    .map(|c| format!("Did you mean {c:?}?"))
                    .unwrap_or_else(|| {
                        format!("The s3 backend's arguments: {}.", names.join(", "))
                    });
                return Err(Diagnostics::from(
                    Diagnostic::error(
                        "Unsupported argument",
                        format!("The s3 backend has no argument named {k:?}."),
                    )
                    .with_span(at)
                    .with_hint(hint),
                ));
            };
            let v = cairn_value::json::from_json_typed(j, &ty).map_err(|err| {
                Diagnostics::from(
                    Diagnostic::error("Incorrect value type", format!("{k}: {err}"))
                        .with_span(at.clone()),
                )
            })?;
            args.insert(k.clone(), v);
        }
    }
    let value = Value::object(args);
    let span = env
        .and_then(|e| e.span.clone())
        .or_else(|| block.and_then(|b| b.span.clone()));
    // A configuration error, at the backend block, with its hint.
    let at_block = |summary: &str, e: cairn_backend_s3::ConfigError| {
        let d = Diagnostic::error(summary, e.message).with_span(span.clone());
        Diagnostics::from(match e.hint {
            Some(h) => d.with_hint(h),
            None => d,
        })
    };
    let settings = cairn_backend_s3::Settings::from_value(&value)
        .map_err(|e| at_block("Invalid s3 backend configuration", e))?;
    let own_key = env.is_some_and(|e| e.args.contains_key("key"));
    let store = cairn_backend_s3::S3Store::new(&settings, if own_key { "" } else { workspace })
        .map_err(|e| at_block("Cannot configure the s3 backend", e))?;
    Ok(LocalBackend::with_remote(
        local_state_dir(dir, workspace),
        Arc::new(store),
    ))
}

/// The backend of the configuration in `dir`, for commands that only touch
/// state (`state list`, `history`): reads only the root module's
/// `terraform` block.
pub fn open_backend(dir: &Path, workspace: &str) -> Result<LocalBackend, Failure> {
    let (module, diags) = cairn_config::load_module(dir);
    // A configuration that does not load may name a remote backend: using
    // local state instead would show (or change) the wrong state. A
    // directory with no configuration at all has local state.
    if diags.has_errors() && has_config_files(dir) {
        return Err(Failure {
            diags,
            sources: SourceMap::new(),
        });
    }
    let mut warnings = Diagnostics::new();
    let block = module.as_ref().and_then(|m| m.terraform.backend.as_ref());
    let env = match project_env(dir, workspace) {
        Ok(e) => e,
        Err(d) => {
            return Err(Failure {
                diags: d,
                sources: SourceMap::new(),
            })
        }
    };
    match backend_for(dir, block, workspace, env.backend.as_ref(), &mut warnings) {
        Ok(b) => Ok(b),
        Err(d) => {
            let mut all = diags;
            all.extend(d);
            Err(Failure {
                diags: all,
                sources: SourceMap::new(),
            })
        }
    }
}

/// Whether `dir` holds any configuration file (`.tf`, `.tf.json`).
fn has_config_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.flatten().any(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.ends_with(".tf") || n.ends_with(".tf.json")
        })
    })
}

/// A state error as a diagnostic with what to do.
pub fn state_diag(e: &StateError) -> Diagnostic {
    let hint = match e {
        StateError::Locked { .. } => Some("Wait for the other command to finish, or pass -lock-timeout=DURATION to wait for the lock."),
        _ => None,
    };
    let d = Diagnostic::error("State error", e.to_string());
    match hint {
        Some(h) => d.with_hint(h),
        None => d,
    }
}

impl Session {
    /// Loads and validates the configuration, then opens the state.
    pub fn open(opts: &SessionOptions) -> Result<Session, Failure> {
        let vopts = cairn_validate::Options {
            cli: opts.cli.clone(),
            env: opts.env.clone(),
            workspace: opts.workspace.clone(),
            require_root_vars: true,
            registry: Some(Registry::new(crate::providers_in(&opts.dir))),
            unknown_variables: true,
            overlay: opts.overlay.clone(),
        };
        let v = validated(&opts.dir, &vopts)?;
        let (tree, root_vars, mut warnings) = (v.tree, v.root_vars, v.warnings);
        let out_sources = v.sources;
        let (cwd, funcs, ctx) = eval_context()?;
        // cairn.hcl read once: the environment's backend and state key.
        let settings = project_env(&opts.dir, &opts.workspace).map_err(|diags| Failure {
            diags,
            sources: out_sources.clone(),
        })?;
        let backend = match backend_for(
            &opts.dir,
            tree.root().and_then(|m| m.terraform.backend.as_ref()),
            &opts.workspace,
            settings.backend.as_ref(),
            &mut warnings,
        ) {
            Ok(b) => b,
            Err(diags) => {
                return Err(Failure {
                    diags,
                    sources: out_sources,
                });
            }
        };
        let lock = if opts.lock {
            Some(
                backend
                    .lock(LockInfo::new(opts.operation.clone()), opts.lock_timeout)
                    .map_err(|e| Failure::one(state_diag(&e)))?,
            )
        } else {
            None
        };
        let loaded = backend.load().map_err(|e| Failure::one(state_diag(&e)))?;
        let mut recovered = 0;
        let state = if loaded.recovered > 0 && lock.is_some() {
            // An interrupted run: make its journal part of the state now.
            let r = backend
                .recover()
                .map_err(|e| Failure::one(state_diag(&e)))?;
            recovered = r.entries;
            warnings.push(Diagnostic::warning(
                "Recovered an interrupted run",
                format!(
                    "{} operation(s) recorded by an interrupted run were written into the state.",
                    r.entries
                ),
            ));
            backend
                .read()
                .map_err(|e| Failure::one(state_diag(&e)))?
                .unwrap_or_default()
        } else {
            loaded.state.unwrap_or_default()
        };
        // The state's key header says where its key comes from; a new
        // state gets one from the source the environment chooses, and
        // carries its header from the first write on.
        let mut state = state;
        let project_kms = settings.state_kms_key;
        let key = crate::statekey::open_with(
            &state_dir(&opts.dir),
            state.key.as_ref(),
            state.serial > 0,
            project_kms.as_deref(),
        )
        .map_err(|e| Failure::one(state_diag(&e)))?;
        // cairn.hcl asks for KMS, and this state was made before it did.
        if let (Some(k), Some(kind)) = (
            &project_kms,
            state.key.as_ref().and_then(crate::statekey::kind_of),
        ) {
            if kind != cairn_secrets::KeyKind::Kms {
                warnings.push(
                    Diagnostic::warning(
                        "State key differs from cairn.hcl",
                        format!(
                            "cairn.hcl asks for state encrypted with the AWS KMS key {k}, and this \
                             state is encrypted with {kind}."
                        ),
                    )
                    .with_hint(
                        "Move it with cairn state rekey -to kms (cairn.hcl's key is the default).",
                    ),
                );
            }
        }
        state.key = Some(key.info);
        let cipher = key.cipher;
        state
            .verify_key(&cipher)
            .map_err(|e| Failure::one(state_diag(&e)))?;
        Ok(Session {
            dir: opts.dir.clone(),
            cwd,
            tree,
            sources: out_sources,
            root_vars,
            warnings,
            registry: Registry::new(crate::providers_in(&opts.dir)),
            funcs,
            ctx,
            backend,
            cipher,
            state,
            recovered,
            workspace: opts.workspace.clone(),
            lock,
            prior_cache: std::sync::OnceLock::new(),
        })
    }

    /// The state as the engine reads it: values decoded with each resource
    /// type's schema.
    pub fn prior(&self) -> Result<Prior, Diagnostics> {
        self.prior_cache
            .get_or_init(|| prior_from_state(&self.state, &self.registry, &self.cipher))
            .clone()
    }

    /// The configuration as loaded, and the root variables' values
    /// (sensitive ones encrypted), to keep with the state version an apply
    /// writes.
    pub fn config_snapshot(&self) -> Result<cairn_state::ConfigSnapshot, Diagnostic> {
        let files: BTreeMap<String, String> = self
            .sources
            .entries()
            .into_iter()
            .filter(|(name, _)| name.ends_with(".tf") || name.ends_with(".tf.json"))
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        let files = serde_json::to_vec(&files).unwrap_or_default();
        let files = self.cipher.encrypt(&files).map_err(|e| state_diag(&e))?;
        let declared_sensitive = |n: &str| {
            self.tree
                .root()
                .and_then(|m| m.variables.get(n))
                .is_some_and(|v| v.sensitive)
        };
        let mut variables = BTreeMap::new();
        for (name, v) in &self.root_vars {
            let (plain, marked) = v.unmark_deep();
            let json = cairn_value::json::to_json(&plain).map_err(|e| {
                Diagnostic::error(
                    "Cannot record the configuration",
                    format!("variable {name:?}: {e}"),
                )
            })?;
            let value = if marked || declared_sensitive(name) {
                let bytes = serde_json::to_vec(&json).unwrap_or_default();
                cairn_state::SnapshotValue::Encrypted(
                    self.cipher.encrypt(&bytes).map_err(|e| state_diag(&e))?,
                )
            } else {
                cairn_state::SnapshotValue::Plain(json)
            };
            variables.insert(name.clone(), value);
        }
        Ok(cairn_state::ConfigSnapshot {
            files,
            variables,
            workspace: self.workspace.clone(),
        })
    }

    /// Replaces the state (after an apply wrote a new version).
    pub fn set_state(&mut self, state: State) {
        self.state = state;
        self.prior_cache = std::sync::OnceLock::new();
    }
}

/// The provider string stored in state for a provider configuration.
pub fn provider_string(key: &(Vec<String>, String)) -> String {
    let mut s = String::new();
    for m in &key.0 {
        s.push_str(&format!("module.{m}."));
    }
    s.push_str("provider.");
    s.push_str(&key.1);
    s
}

/// The inverse of [`provider_string`]: (key, provider local name).
pub fn parse_provider_string(s: &str) -> ((Vec<String>, String), String) {
    let mut module = Vec::new();
    let mut rest = s;
    while let Some(r) = rest.strip_prefix("module.") {
        match r.split_once('.') {
            Some((m, tail)) => {
                module.push(m.to_string());
                rest = tail;
            }
            None => break,
        }
    }
    let addr = rest.strip_prefix("provider.").unwrap_or(rest).to_string();
    let name = addr.split('.').next().unwrap_or_default().to_string();
    ((module, addr), name)
}

/// Engine module instance from a state module path.
pub fn module_instance(path: &str) -> Result<ModuleInstance, StateError> {
    if path.is_empty() {
        return Ok(ModuleInstance::root());
    }
    let steps = cairn_state::parse_module_path(path)?;
    Ok(ModuleInstance(
        steps
            .into_iter()
            .map(|(n, k)| (n, k.map(|k| key_from_state(&k)).unwrap_or(Key::None)))
            .collect(),
    ))
}

pub fn key_from_state(k: &IndexKey) -> Key {
    match k {
        IndexKey::Int(i) => Key::Int(i64::try_from(*i).unwrap_or(i64::MAX)),
        IndexKey::Str(s) => Key::Str(s.clone()),
    }
}

pub fn key_to_state(k: &Key) -> Option<IndexKey> {
    match k {
        Key::None => None,
        Key::Int(i) => Some(IndexKey::Int(u64::try_from(*i).unwrap_or(0))),
        Key::Str(s) => Some(IndexKey::Str(s.clone())),
    }
}

/// Decodes a state into the engine's prior state.
/// One stored instance's value as the configuration sees it: converted to
/// its schema's types (dynamic attributes unwrapped) and marked sensitive
/// where the schema says; by its JSON shapes when the type is unknown.
pub fn decode_instance(
    registry: &Registry,
    r: &cairn_state::ResourceState,
    inst: &cairn_state::InstanceState,
    cipher: &Cipher,
) -> Result<Value, StateError> {
    let data = r.mode == cairn_state::Mode::Data;
    let (_, name) = parse_provider_string(&r.provider);
    match registry.resource_schema(&name, &r.type_name, data) {
        Ok(schema) => {
            let ty = crate::dynamic::stored_type(&schema.block);
            let v = inst.decode_attributes(&ty, cipher)?;
            Ok(cairn_provider::mark_sensitive(
                &schema.block,
                &crate::dynamic::unwrap(&schema.block, &v),
            ))
        }
        Err(_) => inst.decode_attributes(&cairn_value::Type::Dynamic, cipher),
    }
}

pub fn prior_from_state(
    state: &State,
    registry: &Registry,
    cipher: &Cipher,
) -> Result<Prior, Diagnostics> {
    let mut prior = Prior::default();
    let mut diags = Diagnostics::new();
    for r in &state.resources {
        let data = r.mode == cairn_state::Mode::Data;
        let (key, name) = parse_provider_string(&r.provider);
        let schema = match registry.resource_schema(&name, &r.type_name, data) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d.with_address(r.address()));
                continue;
            }
        };
        let ty = crate::dynamic::stored_type(&schema.block);
        let module = match module_instance(&r.module) {
            Ok(m) => m,
            Err(e) => {
                diags.push(state_diag(&e).with_address(r.address()));
                continue;
            }
        };
        for inst in &r.instances {
            let value = match inst.decode_attributes(&ty, cipher) {
                Ok(v) => cairn_provider::mark_sensitive(
                    &schema.block,
                    &crate::dynamic::unwrap(&schema.block, &v),
                ),
                Err(e) => {
                    diags.push(state_diag(&e).with_address(r.address()));
                    continue;
                }
            };
            let addr = InstanceAddr {
                resource: ResourceAddr {
                    module: module.clone(),
                    mode: if data { Mode::Data } else { Mode::Managed },
                    type_name: r.type_name.clone(),
                    name: r.name.clone(),
                },
                key: inst
                    .index_key
                    .as_ref()
                    .map(key_from_state)
                    .unwrap_or(Key::None),
            };
            let entry = PriorInstance {
                value,
                dependencies: inst.dependencies.clone(),
                provider_key: key.clone(),
                provider_name: name.clone(),
                create_before_destroy: inst.create_before_destroy,
                tainted: inst.tainted,
            };
            if inst.deposed.is_some() {
                // An old object of an interrupted create_before_destroy
                // replacement: the plan deletes it.
                prior.deposed.push((addr, entry));
            } else {
                prior.instances.insert(addr, entry);
            }
        }
    }
    prior.pending_creates = state.pending_creates.clone();
    for (name, o) in &state.outputs {
        match o.decode(cipher) {
            Ok(v) => {
                prior.outputs.insert(name.clone(), v);
            }
            Err(e) => diags.push(state_diag(&e).with_address(format!("output.{name}"))),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(prior)
    }
}
