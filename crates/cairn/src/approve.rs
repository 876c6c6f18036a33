//! Review gates on the command line: `cairn keygen`, `cairn approve
//! PLANFILE`, and [`gate`], the check `apply` runs for a protected
//! environment.

use std::path::{Path, PathBuf};

use clap::Args;

use cairn_approve::keys::{self, KEY_ENV};
use cairn_approve::store::{self, StoreError};
use cairn_approve::{Accepted, Approval, GatePolicy, PlanIdentity, PrivateKey, Refusal};
use cairn_run::planfile::SavedPlan;

#[derive(Args, Debug)]
pub struct KeygenCmd {
    /// Write the key pair into this directory (default:
    /// $XDG_CONFIG_HOME/cairn/keys, else ~/.config/cairn/keys).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The reviewer name recorded in the key and in each approval
    /// (default: $USER).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Replace an existing key pair.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ApproveCmd {
    /// The saved plan to approve (from `cairn plan -out FILE`).
    #[arg(value_name = "PLANFILE")]
    pub plan: PathBuf,
    /// The private key to sign with (default: $CAIRN_SIGNING_KEY, else
    /// signing.key in the keygen directory).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

/// `cairn keygen`: makes a reviewer key pair. The private key is written
/// with mode 0600 and never printed.
pub fn keygen(a: &KeygenCmd) -> u8 {
    let dir = match &a.out {
        Some(d) => d.clone(),
        None => match keys::default_key_dir() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("Error: {e}\n\nHint: choose a directory with --out DIR.");
                return 1;
            }
        },
    };
    let name = a
        .name
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "reviewer".to_string());
    let key = PrivateKey::generate(&name);
    let paths = match key.write_pair(&dir, a.force) {
        Ok(p) => p,
        Err(e @ cairn_approve::KeyError::Exists { .. }) => {
            eprintln!(
                "Error: {e}\n\nHint: pass --force to replace it; reviewers lists that name the old public key must then be updated."
            );
            return 1;
        }
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    let public = key.public();
    println!("{}", public.to_line());
    println!();
    println!("Fingerprint: {}", public.fingerprint());
    println!(
        "Private key: {} (mode 0600; keep it secret)",
        paths.private.display()
    );
    println!("Public key:  {}", paths.public.display());
    println!("\nAdd the public key line above to the reviewers of each protected environment you review.");
    if let Some(p) = std::env::var_os(KEY_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if p != paths.private {
            println!(
                "\nNote: {KEY_ENV} is set to {}; cairn approve signs with that key, not this one.",
                p.display()
            );
        }
    }
    0
}

/// The identity of a saved plan, as approvals sign it.
pub fn plan_identity(saved: &SavedPlan) -> PlanIdentity {
    PlanIdentity {
        plan_digest: saved.plan_digest.clone(),
        state_lineage: saved.state_lineage.clone(),
        state_serial: saved.state_serial,
        config_digest: saved.config_digest.clone(),
    }
}

/// `cairn approve PLANFILE`: signs the plan's identity with the reviewer's
/// key, writes `PLANFILE.approvals/<fingerprint>.json` (replacing the
/// reviewer's earlier approval) and records it in the audit trail of the
/// plan's configuration directory.
pub fn approve(a: &ApproveCmd, raw: &[String]) -> u8 {
    let saved = match SavedPlan::read(&a.plan) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    let key_path = match &a.key {
        Some(k) => k.clone(),
        None => match keys::default_private_key_path() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("Error: {e}\n\nHint: name the key with --key FILE or {KEY_ENV}.");
                return 1;
            }
        },
    };
    let key = match PrivateKey::load(&key_path) {
        Ok(k) => k,
        Err(e @ cairn_approve::KeyError::Read { .. }) if !key_path.exists() => {
            eprintln!("Error: {e}\n\nHint: make a key with cairn keygen, or name one with --key FILE or {KEY_ENV}.");
            return 1;
        }
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    let public = key.public();
    let (add, change, destroy) = saved.counts;
    println!("Approving {}:", a.plan.display());
    if saved.has_changes {
        println!("  changes:       {add} to add, {change} to change, {destroy} to destroy");
    } else {
        println!("  changes:       none");
    }
    println!("  plan digest:   {}", saved.plan_digest);
    println!("  config digest: {}", saved.config_digest);
    println!(
        "  state:         lineage {}, serial {}",
        saved.state_lineage, saved.state_serial
    );
    println!("  planned at:    {}", show_time(&saved.created));
    println!(
        "  reviewer:      {} ({})",
        public.comment(),
        public.fingerprint()
    );
    if destroy > 0 {
        println!("\nNote: the plan destroys {destroy} resource(s); destroying a protected resource also needs apply's explicit flag.");
    }
    if saved.findings.as_ref().is_some_and(|r| r.fails()) {
        eprintln!("\nWarning: the plan's checks fail; apply refuses it whatever its approvals.");
    }

    let approval = Approval::sign(&plan_identity(&saved), &key);
    let path = match store::save(&a.plan, &approval) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    println!("\nApproval written to {}", path.display());
    println!("Fingerprint: {}", approval.fingerprint);
    audit_approval(&saved, raw, &approval, &path);
    0
}

/// A saved plan's creation time (Unix seconds) as RFC 3339; anything else
/// as it is.
fn show_time(created: &str) -> String {
    created
        .parse::<i64>()
        .ok()
        .and_then(|n| chrono::DateTime::from_timestamp(n, 0))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| created.to_string())
}

/// Records the approval in the audit trail of the plan's configuration
/// directory, when that directory is on this machine (a reviewer may
/// approve a copy of the plan elsewhere; `apply` records who approved in
/// any case).
fn audit_approval(saved: &SavedPlan, raw: &[String], approval: &Approval, path: &Path) {
    let dir = Path::new(&saved.dir);
    if !dir.is_dir() {
        eprintln!(
            "Note: the plan's directory {} is not on this machine; the approval is not in its audit trail until apply records it.",
            saved.dir
        );
        return;
    }
    let rec = crate::audit::Recorder::start(dir);
    rec.line(&format!(
        "approved plan {} as {} ({})",
        approval.plan_digest, approval.reviewer, approval.fingerprint
    ));
    rec.finish(
        "approve",
        raw,
        Some(approval.plan_digest.clone()),
        saved.counts,
        cairn_audit::Outcome::Success,
        serde_json::json!({
            "reviewer": approval.reviewer,
            "fingerprint": approval.fingerprint,
            "state_lineage": approval.state_lineage,
            "state_serial": approval.state_serial,
            "config_digest": approval.config_digest,
            "approval_file": path.display().to_string(),
        }),
    );
}

/// Why the gate did not pass.
#[derive(Debug)]
pub enum GateFailure {
    /// The approvals could not be read (a damaged file is not skipped).
    Load(StoreError),
    Refused(Refusal),
}

impl std::fmt::Display for GateFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GateFailure::Load(e) => write!(f, "the plan's approvals cannot be checked: {e}"),
            GateFailure::Refused(r) => write!(f, "the plan is not approved: {r}"),
        }
    }
}

impl GateFailure {
    /// The failure as JSON, for the apply's audit entry.
    pub fn details(&self) -> serde_json::Value {
        match self {
            GateFailure::Load(e) => serde_json::json!({
                "refusal": "unreadable_approvals",
                "error": e.to_string(),
            }),
            GateFailure::Refused(r) => serde_json::to_value(r)
                .unwrap_or_else(|_| serde_json::json!({ "refusal": r.to_string() })),
        }
    }
}

/// The gate with its full answer: reads the approvals stored next to
/// `plan_path` and verifies them for `plan` (normally
/// [`plan_identity`] of the saved plan; pass the current state's lineage
/// and serial instead to refuse approvals of a state that moved on before
/// re-planning).
pub fn check(
    plan_path: &Path,
    plan: &PlanIdentity,
    policy: &GatePolicy,
) -> Result<Accepted, GateFailure> {
    let approvals = store::load_approvals(plan_path).map_err(GateFailure::Load)?;
    cairn_approve::verify(plan, &approvals, policy).map_err(GateFailure::Refused)
}
