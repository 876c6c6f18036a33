//! `state list|show|rm|mv`, `output`, `show`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};

use cairn_state::{Cipher, LocalBackend, LockInfo, State};
use cairn_value::Value;

#[derive(Subcommand, Debug)]
pub enum StateCmd {
    /// List resource instances in state.
    List {
        /// Only addresses starting with this.
        filter: Option<String>,
        /// The environment (default: CAIRN_ENV).
        #[arg(long = "env")]
        env: Option<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Show one instance's attributes (sensitive values redacted).
    Show {
        address: String,
        /// The environment (default: CAIRN_ENV).
        #[arg(long = "env")]
        env: Option<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Forget instances without destroying them.
    Rm {
        #[arg(required = true)]
        addresses: Vec<String>,
        /// The environment (default: CAIRN_ENV).
        #[arg(long = "env")]
        env: Option<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Move an instance or resource to another address.
    Mv {
        from: String,
        to: String,
        /// The environment (default: CAIRN_ENV).
        #[arg(long = "env")]
        env: Option<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Re-encrypt the state and every version in its history under a new
    /// key. The current key must be available (as for any command).
    Rekey {
        /// The new key's source: `key-file` (a new random key in
        /// .cairn/keys/state-<id>.key), `passphrase`
        /// (CAIRN_STATE_NEW_PASSPHRASE, or asked twice) or `kms`.
        #[arg(long = "to", value_parser = ["key-file", "passphrase", "kms"])]
        to: String,
        /// With `-to kms`: the KMS key ID, ARN or alias (default:
        /// CAIRN_STATE_KMS_KEY_ID).
        #[arg(long = "kms-key-id")]
        kms_key_id: Option<String>,
        /// The environment whose state to rekey (default: CAIRN_ENV).
        #[arg(long = "env")]
        env: Option<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

/// The variable holding the new passphrase for `state rekey -to passphrase`.
pub const NEW_PASSPHRASE_ENV: &str = "CAIRN_STATE_NEW_PASSPHRASE";

#[derive(Args, Debug)]
pub struct OutputCmd {
    /// One output's name (default: all).
    pub name: Option<String>,
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The environment (default: CAIRN_ENV).
    #[arg(long = "env")]
    pub env: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print a string output's raw value (no quotes).
    #[arg(long)]
    pub raw: bool,
    /// Print sensitive values in plaintext (they are redacted otherwise).
    #[arg(long = "show-sensitive")]
    pub show_sensitive: bool,
}

#[derive(Args, Debug)]
pub struct ShowCmd {
    /// A saved plan file (default: show the state).
    pub plan: Option<PathBuf>,
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The environment (default: CAIRN_ENV).
    #[arg(long = "env")]
    pub env: Option<String>,
    /// Print as JSON (Terraform's JSON plan format for plans).
    #[arg(long)]
    pub json: bool,
}

/// The backend the configuration in `dir` selects (local or s3).
fn backend(dir: &Path, env: &Option<String>) -> Result<LocalBackend, String> {
    backend_in(dir, &workspace(dir, env)?)
}

/// The environment `-env` (or CAIRN_ENV) names, checked against
/// cairn.hcl like every other command does ("did you mean").
fn workspace(dir: &Path, env: &Option<String>) -> Result<String, String> {
    let sources = cairn_diagnostics::SourceMap::new();
    let name = crate::checks::env_name(env);
    match crate::checks::project_settings(dir, name.as_deref(), &sources) {
        Ok(p) => Ok(p.environment.unwrap_or_default()),
        Err(d) => {
            let text = cairn_diagnostics::render(&d, &sources);
            Err(text
                .strip_prefix("Error: ")
                .unwrap_or(&text)
                .trim_end()
                .to_string())
        }
    }
}

fn backend_in(dir: &Path, workspace: &str) -> Result<LocalBackend, String> {
    cairn_run::session::open_backend(dir, workspace).map_err(|f| {
        // `fail` adds the "Error: " the renderer starts with.
        let text = cairn_diagnostics::render(&f.diags, &f.sources);
        text.strip_prefix("Error: ")
            .unwrap_or(&text)
            .trim_end()
            .to_string()
    })
}

fn open_state(dir: &Path, env: &Option<String>) -> Result<(LocalBackend, Cipher, State), String> {
    let backend = backend(dir, env)?;
    let loaded = backend.load().map_err(|e| e.to_string())?;
    let st = loaded.state.unwrap_or_default();
    let cipher = cairn_run::statekey::for_state(&cairn_run::session::state_dir(dir), &st)
        .map_err(|e| e.to_string())?;
    Ok((backend, cipher, st))
}

fn fail(e: impl std::fmt::Display) -> u8 {
    eprintln!("Error: {e}");
    1
}

pub fn run_state(c: &StateCmd) -> u8 {
    match c {
        StateCmd::List { filter, dir, env } => {
            let (_, _, st) = match open_state(dir, env) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            match st.list(filter.as_deref()) {
                Ok(list) => {
                    for a in list {
                        println!("{a}");
                    }
                    0
                }
                Err(e) => fail(e),
            }
        }
        StateCmd::Show { address, dir, env } => {
            let (_, cipher, st) = match open_state(dir, env) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            let (r, inst) = match st.get_instance(address) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            // Decode without a schema: the JSON shapes are enough to show.
            let v = match cairn_state::decode_value(
                &inst.attributes,
                &cairn_value::Type::Dynamic,
                &cipher,
            ) {
                Ok(v) => v,
                Err(e) => return fail(e),
            };
            println!("# {address}:");
            let kw = if r.mode == cairn_state::Mode::Data {
                "data"
            } else {
                "resource"
            };
            println!("{kw} {:?} {:?} {}", r.type_name, r.name, body(&v, 0));
            0
        }
        StateCmd::Rm {
            addresses,
            dir,
            env,
        } => mutate(dir, env, "state rm", |st| {
            let mut n = 0;
            for a in addresses {
                n += st.remove(a).map_err(|e| e.to_string())?;
                println!("Removed {a}");
            }
            Ok(format!("Successfully removed {n} resource instance(s)."))
        }),
        StateCmd::Rekey {
            to,
            kms_key_id,
            env,
            dir,
        } => rekey(dir, env.as_deref(), to, kms_key_id.as_deref()),
        StateCmd::Mv { from, to, dir, env } => mutate(dir, env, "state mv", |st| {
            let n = st.move_instance(from, to).map_err(|e| e.to_string())?;
            Ok(format!(
                "Move {from:?} to {to:?}\nSuccessfully moved {n} object(s)."
            ))
        }),
    }
}

fn mutate(
    dir: &Path,
    env: &Option<String>,
    op: &str,
    f: impl FnOnce(&mut State) -> Result<String, String>,
) -> u8 {
    let backend = match backend(dir, env) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let _lock = match backend.lock(LockInfo::new(op), Duration::from_secs(0)) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let loaded = match backend.load() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let Some(mut st) = loaded.state else {
        return fail("there is no state yet: nothing to change");
    };
    match f(&mut st) {
        Ok(msg) => {
            if let Err(e) = backend.write(&mut st) {
                return fail(e);
            }
            println!("{msg}");
            0
        }
        Err(e) => fail(e),
    }
}

/// An attribute block like `terraform state show` prints.
fn body(v: &Value, level: usize) -> String {
    let pad = "    ".repeat(level + 1);
    let Some(m) = v.as_entries() else {
        return cairn_value::display::console(v);
    };
    let width = m.keys().map(|k| k.len()).max().unwrap_or(0);
    let mut s = String::from("{\n");
    for (k, x) in m.iter() {
        if x.is_null() {
            continue;
        }
        let shown = if x.is_sensitive_deep() {
            "(sensitive value)".to_string()
        } else {
            cairn_value::display::console(x).replace('\n', &format!("\n{pad}"))
        };
        s.push_str(&format!("{pad}{k:width$} = {shown}\n"));
    }
    s.push_str(&"    ".repeat(level));
    s.push('}');
    s
}

pub fn run_output(c: &OutputCmd) -> u8 {
    let (_, cipher, st) = match open_state(&c.dir, &c.env) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let mut outs = std::collections::BTreeMap::new();
    for (k, o) in &st.outputs {
        match o.decode(&cipher) {
            Ok(v) => {
                outs.insert(k.clone(), v);
            }
            Err(e) => return fail(e),
        }
    }
    let show = |v: &Value| -> Option<Value> {
        if v.is_sensitive_deep() && !c.show_sensitive {
            None
        } else {
            Some(v.unmark_deep().0)
        }
    };
    if let Some(name) = &c.name {
        let Some(v) = outs.get(name) else {
            return fail(format!(
                "Output {name:?} not found\n\nThe output variable requested could not be found in the state. Outputs: {}.",
                outs.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        };
        let Some(plain) = show(v) else {
            if c.json {
                println!("null");
                eprintln!("(output {name} is sensitive; pass -show-sensitive to print it)");
                return 0;
            }
            println!("<sensitive>");
            eprintln!("(output {name} is sensitive; pass -show-sensitive to print it)");
            return 0;
        };
        if c.raw {
            match plain.as_str() {
                Some(s) => print!("{s}"),
                None => match &plain.kind {
                    cairn_value::Kind::Number(n) => print!("{n}"),
                    cairn_value::Kind::Bool(b) => print!("{b}"),
                    _ => {
                        return fail(
                            "-raw works only with string, number and bool outputs; use -json",
                        )
                    }
                },
            }
            return 0;
        }
        if c.json {
            println!("{}", cairn_value::json::encode(&plain).unwrap_or_default());
        } else {
            println!("{}", cairn_value::display::console(&plain));
        }
        return 0;
    }
    if c.json {
        let mut m = serde_json::Map::new();
        for (k, v) in &outs {
            let sensitive = v.is_sensitive_deep();
            let value = show(v)
                .and_then(|p| cairn_value::json::to_json(&p).ok())
                .unwrap_or(serde_json::Value::Null);
            m.insert(
                k.clone(),
                serde_json::json!({"sensitive": sensitive, "type": cairn_value::json::type_to_json(&v.ty()), "value": value}),
            );
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Object(m)).unwrap_or_default()
        );
        return 0;
    }
    for (k, v) in &outs {
        match show(v) {
            Some(p) => println!("{k} = {}", cairn_value::display::console(&p)),
            None => println!("{k} = <sensitive>"),
        }
    }
    0
}

pub fn run_show(c: &ShowCmd) -> u8 {
    if let Some(p) = &c.plan {
        let saved = match cairn_run::planfile::SavedPlan::read(p) {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        if c.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&saved.json).unwrap_or_default()
            );
        } else {
            print!("{}", saved.human);
        }
        return 0;
    }
    let (_, cipher, st) = match open_state(&c.dir, &c.env) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    if c.json {
        let registry = cairn_engine::Registry::new(cairn_run::providers_in(&c.dir));
        return match crate::statejson::state_json(&st, &cipher, &registry, None) {
            Ok(j) => {
                println!("{}", serde_json::to_string_pretty(&j).unwrap_or_default());
                0
            }
            Err(e) => fail(e),
        };
    }
    if st.resources.is_empty() && st.outputs.is_empty() {
        println!("The state is empty.");
        return 0;
    }
    for (r, inst, addr) in st.instances() {
        let v =
            match cairn_state::decode_value(&inst.attributes, &cairn_value::Type::Dynamic, &cipher)
            {
                Ok(v) => v,
                Err(e) => return fail(e),
            };
        let kw = if r.mode == cairn_state::Mode::Data {
            "data"
        } else {
            "resource"
        };
        println!(
            "# {addr}:\n{kw} {:?} {:?} {}\n",
            r.type_name,
            r.name,
            body(&v, 0)
        );
    }
    0
}

#[derive(Args, Debug)]
pub struct HistoryCmd {
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The environment (default: CAIRN_ENV).
    #[arg(long = "env")]
    pub env: Option<String>,
    /// Print a JSON list of objects (serial, time, resources).
    #[arg(long)]
    pub json: bool,
}

/// `cairn history`: every state version kept.
pub fn run_history(c: &HistoryCmd) -> u8 {
    let ws = match workspace(&c.dir, &c.env) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let backend = match backend_in(&c.dir, &ws) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let list = match backend.history() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    // Who wrote each version, from the audit trail (applies record the
    // serial they saved).
    let mut runs: std::collections::BTreeMap<u64, cairn_audit::Entry> = Default::default();
    // The trail is the project's (one for every environment); serials
    // are per environment.
    let trail = cairn_run::session::state_dir(&c.dir);
    if let Ok(log) = cairn_audit::AuditLog::open(&trail) {
        for e in log.list(None).unwrap_or_default() {
            if e.environment.as_deref().unwrap_or_default() != ws {
                continue;
            }
            if let Some(serial) = e.details.get("state_serial").and_then(|v| v.as_u64()) {
                runs.insert(serial, e);
            }
        }
    }
    if c.json {
        let v: Vec<serde_json::Value> = list
            .iter()
            .map(|h| {
                let run = runs.get(&h.serial);
                serde_json::json!({
                    "serial": h.serial,
                    "time": h.modified.to_rfc3339(),
                    "resources": h.resource_count,
                    "user": run.map(|e| e.user.clone()),
                    "command": run.map(|e| e.command.clone()),
                    "run_id": run.map(|e| e.run_id.clone()),
                    "summary": run.map(|e| e.summary.to_string()),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return 0;
    }
    if list.is_empty() {
        println!("No state versions yet.");
        return 0;
    }
    println!(
        "{:>8}  {:<20}  {:>9}  {:<24}  {:<8}  CHANGES",
        "SERIAL", "TIME", "RESOURCES", "WHO", "COMMAND"
    );
    for h in &list {
        let n = h
            .resource_count
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".into());
        let run = runs.get(&h.serial);
        println!(
            "{:>8}  {:<20}  {:>9}  {:<24}  {:<8}  {}",
            h.serial,
            h.modified.format("%Y-%m-%dT%H:%M:%SZ"),
            n,
            run.map(|e| e.user.as_str()).unwrap_or("-"),
            run.map(|e| e.command.as_str()).unwrap_or("-"),
            run.map(|e| e.summary.to_string()).unwrap_or_default()
        );
    }
    0
}

#[derive(Args, Debug)]
pub struct ForceUnlockCmd {
    /// The lock ID, as the "state is locked" error shows it.
    pub lock_id: String,
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The environment (default: CAIRN_ENV).
    #[arg(long = "env")]
    pub env: Option<String>,
}

/// `cairn force-unlock ID`: removes a remote lock whose holder died. The
/// ID must match the lock's, so a lock taken since by a live run is never
/// removed by mistake.
pub fn run_force_unlock(c: &ForceUnlockCmd) -> u8 {
    let backend = match backend(&c.dir, &c.env) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    match backend.force_unlock(&c.lock_id) {
        Ok(h) => {
            println!(
                "Removed the lock {} on {} (held by {} for \"{}\" since {}).",
                h.id,
                backend.location().display(),
                h.who,
                h.operation,
                h.created.format("%Y-%m-%d %H:%M:%S UTC")
            );
            0
        }
        Err(e) => fail(e),
    }
}

/// `cairn state rekey`: every version is converted in memory first (so a
/// version that cannot be decrypted stops the command before anything is
/// written), then the history versions are replaced one by one and the
/// current state is written as a new version. Each version carries its
/// own key header, so a crash part way leaves every version readable with
/// the old or the new key, and running the command again finishes it.
fn rekey(dir: &Path, env: Option<&str>, to: &str, kms_key_id: Option<&str>) -> u8 {
    // Key changes are in the audit trail like every state change.
    let rec = crate::audit::Recorder::start(dir);
    if let Some(e) = crate::checks::env_name(&env.map(str::to_string)) {
        rec.set_environment(&e);
    }
    let mut details = serde_json::Map::new();
    let code = rekey_inner(dir, env, to, kms_key_id, &mut details);
    details.insert("exit_code".into(), code.into());
    details.insert("to".into(), to.into());
    let raw: Vec<String> = std::env::args().collect();
    let outcome = if code == 0 {
        cairn_audit::Outcome::Success
    } else {
        cairn_audit::Outcome::Failure
    };
    rec.finish(
        "state rekey",
        &raw,
        None,
        (0, 0, 0),
        outcome,
        serde_json::Value::Object(details),
    );
    code
}

fn rekey_inner(
    dir: &Path,
    env: Option<&str>,
    to: &str,
    kms_key_id: Option<&str>,
    details: &mut serde_json::Map<String, serde_json::Value>,
) -> u8 {
    use cairn_run::statekey::{self, NewKey};
    let workspace = match workspace(dir, &env.map(str::to_string)) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let key_dir = cairn_run::session::state_dir(dir);
    let backend = match backend_in(dir, &workspace) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let _lock = match backend.lock(LockInfo::new("state rekey"), Duration::from_secs(0)) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let loaded = match backend.load() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    if loaded.recovered > 0 {
        return fail(
            "an interrupted run left operations in the journal; run `cairn state recover` \
             first, then rekey",
        );
    }
    let Some(mut st) = loaded.state else {
        return fail(format!(
            "there is no state yet: nothing to rekey. A new state takes its key from {} , {} \
             or {} when set, else from the key file",
            statekey::KMS_ENV,
            statekey::PASSPHRASE_ENV,
            cairn_state::KEY_ENV
        ));
    };
    let old = match statekey::open(&key_dir, st.key.as_ref(), true) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    if let Err(e) = st.verify_key(&old.cipher) {
        return fail(e);
    }
    let how = match to {
        "key-file" => NewKey::FreshKeyFile,
        "passphrase" => match new_passphrase() {
            Ok(p) => p,
            Err(e) => return fail(e),
        },
        _ => match kms_key_id
            .map(str::to_string)
            .or_else(|| {
                std::env::var(statekey::KMS_ENV)
                    .ok()
                    .filter(|s| !s.is_empty())
            })
            .or_else(|| cairn_run::session::project_kms_key(dir, &workspace))
        {
            Some(id) => NewKey::Kms(id),
            None => {
                return fail(format!(
                    "-to kms needs the KMS key: pass -kms-key-id ID (a key ID, ARN or alias/NAME), \
                     set {}, or name it in cairn.hcl (state_encryption {{ kms_key_id = ... }})",
                    statekey::KMS_ENV
                ))
            }
        },
    };
    let new = match statekey::create(&key_dir, &how) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    if new.info.key_id == old.info.key_id {
        return fail("the new key is the key already in use; nothing to do");
    }
    // Every history version, converted before anything is written.
    let history = match backend.history() {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let mut versions = Vec::with_capacity(history.len());
    let mut values = 0;
    for h in &history {
        let mut v = match backend.read_version(h.serial) {
            Ok(v) => v,
            Err(e) => return fail(format!("history version {}: {e}", h.serial)),
        };
        let vcipher = match statekey::for_state(&key_dir, &v) {
            Ok(c) => c,
            Err(e) => return fail(format!("history version {}: {e}", h.serial)),
        };
        match v.reencrypt(&vcipher, &new.cipher) {
            Ok(n) => values += n,
            Err(e) => return fail(format!("history version {}: {e}", h.serial)),
        }
        v.key = Some(new.info.clone());
        versions.push(v);
    }
    let current = match st.reencrypt(&old.cipher, &new.cipher) {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    st.key = Some(new.info.clone());
    for v in &versions {
        if let Err(e) = backend.replace_version(v) {
            return fail(format!(
                "{e}\n\nVersions up to {} were re-encrypted; each names its own key, so all stay \
                 readable with the old or the new key. Run the command again to finish.",
                v.serial.saturating_sub(1)
            ));
        }
    }
    if let Err(e) = backend.write(&mut st) {
        return fail(e);
    }
    details.insert("state_serial".into(), st.serial.into());
    details.insert("old_key".into(), old.info.key_id.clone().into());
    details.insert("new_key".into(), new.info.key_id.clone().into());
    details.insert("versions".into(), versions.len().into());
    println!(
        "Re-encrypted {current} value(s) of the state and {values} in {} history version(s) \
         under key {} ({}); the state is now at serial {}.",
        versions.len(),
        new.info.key_id,
        new.cipher.source(),
        st.serial
    );
    println!(
        "Plans saved before now were sealed with the old key {}: make them again. Other \
         environments' states keep their own keys.",
        old.info.key_id
    );
    0
}

fn new_passphrase() -> Result<cairn_run::statekey::NewKey, String> {
    use cairn_run::statekey::NewKey;
    if let Some(p) = std::env::var(NEW_PASSPHRASE_ENV)
        .ok()
        .filter(|s| !s.is_empty())
    {
        return Ok(NewKey::Passphrase(
            cairn_secrets::Zeroizing::new(p),
            NEW_PASSPHRASE_ENV,
        ));
    }
    if !cairn_secrets::prompt::can_prompt() {
        return Err(format!(
            "-to passphrase needs the new passphrase: set {NEW_PASSPHRASE_ENV} or run in a terminal"
        ));
    }
    let p = cairn_secrets::prompt::read_new_passphrase("New state passphrase: ")
        .map_err(|e| e.to_string())?;
    Ok(NewKey::Passphrase(p, "the terminal"))
}
