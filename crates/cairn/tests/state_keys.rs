//! State encryption keys through the real binary: a state encrypted under
//! one key cannot be read with another (and nothing is modified), the key
//! sources (key file, `CAIRN_STATE_KEY`, passphrase, AWS KMS against
//! moto), and `cairn state rekey` re-encrypting the state and its whole
//! history so rollback keeps working.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cairn_moto::Moto;

const SECRET: &str = "Sealed-Value-7Qx2";
const SECRET2: &str = "Second-Value-9Kp4";

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs cairn with exactly the key variables given (the others removed).
fn cairn(dir: &Path, keys: &[(&str, &str)], moto: Option<&Moto>, args: &[&str]) -> Run {
    let mut c = Command::new(bin());
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CAIRN_ENV")
        .env_remove("CAIRN_STATE_KEY")
        .env_remove("CAIRN_STATE_PASSPHRASE")
        .env_remove("CAIRN_STATE_NEW_PASSPHRASE")
        .env_remove("CAIRN_STATE_KMS_KEY_ID")
        .env_remove("AWS_PROFILE")
        .env_remove("CAIRN_SECRETS_PASSPHRASE")
        .env_remove("CAIRN_SECRETS_KEY_FILE")
        .env_remove("CAIRN_SECRETS_KMS_KEY_ID")
        .stdin(Stdio::null());
    if let Some(m) = moto {
        c.env("AWS_ENDPOINT_URL", m.endpoint())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_MAX_ATTEMPTS", "2");
    }
    for (k, v) in keys {
        c.env(k, v);
    }
    let out = c.output().expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

fn refused(r: Run, why: &str) -> Run {
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(why) || r.stdout.contains(why),
        "expected {why:?} in:\n{}{}",
        r.stdout,
        r.stderr
    );
    assert!(
        !r.stdout.contains("Sealed-Value") && !r.stderr.contains("Sealed-Value"),
        "secret printed"
    );
    r
}

const CONFIG: &str = r#"
variable "pw" {
  type      = string
  sensitive = true
}

resource "terraform_data" "x" {
  input = var.pw
}

output "pw" {
  value     = var.pw
  sensitive = true
}

output "digest" {
  value = nonsensitive(sha256(var.pw))
}
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.tf"), CONFIG).expect("write");
    dir
}

fn state_json(d: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(d.join(".cairn/state.json")).expect("state");
    serde_json::from_str(&text).expect("json")
}

/// Every file under `.cairn/`, as bytes, for "nothing modified" checks.
fn snapshot(d: &Path) -> Vec<(PathBuf, String)> {
    fn walk(p: &Path, out: &mut Vec<(PathBuf, String)>) {
        let Ok(rd) = std::fs::read_dir(p) else { return };
        for e in rd.flatten() {
            let p = e.path();
            // Run logs and the audit trail grow with every command.
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name == "runs" || name.starts_with("audit") {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push((p, sha256_bytes(&b)));
            }
        }
    }
    let mut out = Vec::new();
    walk(&d.join(".cairn"), &mut out);
    out.sort();
    out
}

fn assert_no_plaintext(d: &Path, secrets: &[&str]) {
    fn walk(p: &Path, secrets: &[&str]) {
        let Ok(rd) = std::fs::read_dir(p) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, secrets);
            } else if let Ok(b) = std::fs::read(&p) {
                let text = String::from_utf8_lossy(&b);
                for s in secrets {
                    assert!(!text.contains(s), "{s} in plaintext in {}", p.display());
                }
            }
        }
    }
    walk(&d.join(".cairn"), secrets);
}

fn digest_of(d: &Path, keys: &[(&str, &str)], moto: Option<&Moto>) -> String {
    let r = ok(cairn(d, keys, moto, &["output", "-raw", "digest"]));
    r.stdout.trim().to_string()
}

fn sha256_hex(s: &str) -> String {
    sha256_bytes(s.as_bytes())
}

fn sha256_bytes(b: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(b)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B: &str = "HxweHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";

#[test]
fn a_state_encrypted_under_one_key_cannot_be_read_with_another() {
    let dir = project();
    let d = dir.path();
    let a = [("CAIRN_STATE_KEY", KEY_A)];
    let b = [("CAIRN_STATE_KEY", KEY_B)];
    ok(cairn(
        d,
        &a,
        None,
        &["apply", "-auto-approve", "-var", &format!("pw={SECRET}")],
    ));
    let st = state_json(d);
    assert_eq!(st["key"]["kdf"]["type"], "key-file");
    assert_no_plaintext(d, &[SECRET]);
    // No key file was made: the key came from the variable.
    assert!(!d.join(".cairn/keys/state.key").exists());
    let before = snapshot(d);

    // Every command that reads the state refuses key B, names both keys,
    // and changes nothing.
    for args in [
        vec!["plan", "-var", "pw=x"],
        vec!["apply", "-auto-approve", "-var", "pw=x"],
        vec!["output", "pw"],
        vec!["state", "show", "terraform_data.x"],
        vec!["destroy", "-auto-approve", "-var", "pw=x"],
    ] {
        let r = refused(cairn(d, &b, None, &args), "it is encrypted with key");
        assert!(
            r.stderr.contains("Nothing has been modified"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("CAIRN_STATE_KEY"), "{}", r.stderr);
        assert_eq!(snapshot(d), before, "{args:?} modified .cairn/");
    }
    // Nor with no key at all: a fresh key file is not a way in.
    refused(
        cairn(d, &[], None, &["plan", "-var", "pw=x"]),
        "it is encrypted with key",
    );
    // With key A everything is as it was.
    assert_eq!(digest_of(d, &a, None), sha256_hex(SECRET));
    let r = ok(cairn(
        d,
        &a,
        None,
        &[
            "plan",
            "-detailed-exitcode",
            "-var",
            &format!("pw={SECRET}"),
        ],
    ));
    assert!(r.stdout.contains("no differences"), "{}", r.stdout);
}

#[test]
fn rekey_to_a_passphrase_then_a_key_file_keeps_history_and_rollback() {
    let dir = project();
    let d = dir.path();
    ok(cairn(
        d,
        &[],
        None,
        &["apply", "-auto-approve", "-var", &format!("pw={SECRET}")],
    ));
    ok(cairn(
        d,
        &[],
        None,
        &["apply", "-auto-approve", "-var", &format!("pw={SECRET2}")],
    ));
    let old_id = state_json(d)["key"]["key_id"]
        .as_str()
        .expect("key id")
        .to_string();
    assert!(d.join(".cairn/keys/state.key").exists());

    // A new passphrase: state and history re-encrypted, a new version.
    let r = ok(cairn(
        d,
        &[("CAIRN_STATE_NEW_PASSPHRASE", "correct horse battery")],
        None,
        &["state", "rekey", "-to", "passphrase"],
    ));
    assert!(r.stdout.contains("2 history version(s)"), "{}", r.stdout);
    let st = state_json(d);
    assert_eq!(st["serial"], 3);
    assert_eq!(st["key"]["kdf"]["type"], "pbkdf2-hmac-sha512");
    assert_ne!(st["key"]["key_id"], old_id.as_str());
    for v in 1..=3 {
        let text = std::fs::read_to_string(d.join(format!(".cairn/history/{v:08}.json")))
            .expect("history");
        let j: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(j["key"]["kdf"]["type"], "pbkdf2-hmac-sha512", "version {v}");
    }
    assert_no_plaintext(d, &[SECRET, SECRET2, "correct horse battery"]);

    // The old key file no longer opens it; no passphrase, a wrong one:
    // refused, nothing modified.
    let before = snapshot(d);
    refused(
        cairn(d, &[], None, &["plan", "-var", "pw=x"]),
        "Set CAIRN_STATE_PASSPHRASE",
    );
    refused(
        cairn(
            d,
            &[("CAIRN_STATE_PASSPHRASE", "wrong horse")],
            None,
            &["plan", "-var", "pw=x"],
        ),
        "is not the one it was encrypted with",
    );
    assert_eq!(snapshot(d), before);
    let pass = [("CAIRN_STATE_PASSPHRASE", "correct horse battery")];
    assert_eq!(digest_of(d, &pass, None), sha256_hex(SECRET2));

    // Rollback reads version 1, re-encrypted under the passphrase.
    ok(cairn(
        d,
        &pass,
        None,
        &["rollback", "-to", "1", "-auto-approve"],
    ));
    assert_eq!(digest_of(d, &pass, None), sha256_hex(SECRET));

    // And on to a fresh key file of its own.
    let r = ok(cairn(
        d,
        &pass,
        None,
        &["state", "rekey", "-to", "key-file"],
    ));
    let st = state_json(d);
    let new_id = st["key"]["key_id"].as_str().expect("key id").to_string();
    assert!(r.stdout.contains(&new_id), "{}", r.stdout);
    assert!(d.join(format!(".cairn/keys/state-{new_id}.key")).exists());
    // Opened by that file, with no variable set.
    assert_eq!(digest_of(d, &[], None), sha256_hex(SECRET));
    assert_no_plaintext(d, &[SECRET, SECRET2]);

    // Rekeying to the key in use, or without a state, is refused.
    let empty = tempfile::tempdir().expect("tempdir");
    std::fs::write(empty.path().join("main.tf"), CONFIG).expect("write");
    refused(
        cairn(
            empty.path(),
            &[],
            None,
            &["state", "rekey", "-to", "key-file"],
        ),
        "no state yet",
    );
}

#[test]
fn new_states_take_their_key_source_from_the_environment() {
    let dir = project();
    let d = dir.path();
    // Two sources at once are refused, before anything is written.
    refused(
        cairn(
            d,
            &[("CAIRN_STATE_PASSPHRASE", "p1"), ("CAIRN_STATE_KEY", KEY_A)],
            None,
            &["apply", "-auto-approve", "-var", "pw=x"],
        ),
        "Unset all but one",
    );
    assert!(!d.join(".cairn/state.json").exists());

    // A passphrase from the start: no key file is made; a plan saved
    // before the state existed is applied with the same key.
    let pass = [("CAIRN_STATE_PASSPHRASE", "from the start")];
    ok(cairn(
        d,
        &pass,
        None,
        &["plan", "-out", "p.plan", "-var", &format!("pw={SECRET}")],
    ));
    ok(cairn(d, &pass, None, &["apply", "p.plan"]));
    assert!(!d.join(".cairn/keys/state.key").exists());
    assert_eq!(state_json(d)["key"]["kdf"]["type"], "pbkdf2-hmac-sha512");
    assert_eq!(digest_of(d, &pass, None), sha256_hex(SECRET));
    assert_no_plaintext(d, &[SECRET, "from the start"]);
    let plan = std::fs::read_to_string(d.join("p.plan")).expect("plan");
    assert!(!plan.contains(SECRET));
}

fn create_kms_key(moto: &Moto, alias: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load()
            .await;
        let c = aws_sdk_kms::Client::new(&conf);
        let k = c.create_key().send().await.expect("create key");
        let id = k.key_metadata().expect("metadata").key_id().to_string();
        c.create_alias()
            .alias_name(alias)
            .target_key_id(&id)
            .send()
            .await
            .expect("alias");
        id
    })
}

#[test]
fn aws_kms_wraps_the_state_key() {
    let moto = Moto::start().expect("moto");
    let m = Some(&moto);
    let key_id = create_kms_key(&moto, "alias/cairn-state");
    let dir = project();
    let d = dir.path();
    let kms = [("CAIRN_STATE_KMS_KEY_ID", "alias/cairn-state")];
    ok(cairn(
        d,
        &kms,
        m,
        &["apply", "-auto-approve", "-var", &format!("pw={SECRET}")],
    ));
    let st = state_json(d);
    assert_eq!(st["key"]["kdf"]["type"], "kms");
    assert!(
        st["key"]["kdf"]["key_id"]
            .as_str()
            .is_some_and(|k| k.contains(&key_id)),
        "{}",
        st["key"]
    );
    assert!(!d.join(".cairn/keys/state.key").exists());
    assert_no_plaintext(d, &[SECRET]);
    // Opened with only AWS credentials: the header names the key.
    assert_eq!(digest_of(d, &[], m), sha256_hex(SECRET));
    // Without AWS (no endpoint/credentials) it is refused, unmodified.
    let before = snapshot(d);
    let r = cairn(d, &[], None, &["plan", "-var", "pw=x"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("AWS KMS"), "{}", r.stderr);
    assert_eq!(snapshot(d), before);

    // Rekey from KMS to another KMS key, then to a passphrase.
    let other = create_kms_key(&moto, "alias/cairn-other");
    ok(cairn(
        d,
        &[],
        m,
        &[
            "state",
            "rekey",
            "-to",
            "kms",
            "-kms-key-id",
            "alias/cairn-other",
        ],
    ));
    let st = state_json(d);
    assert!(
        st["key"]["kdf"]["key_id"]
            .as_str()
            .is_some_and(|k| k.contains(&other)),
        "{}",
        st["key"]
    );
    assert_eq!(digest_of(d, &[], m), sha256_hex(SECRET));
    refused(
        cairn(d, &[], m, &["state", "rekey", "-to", "kms"]),
        "-kms-key-id",
    );
    assert_no_plaintext(d, &[SECRET]);

    // The secrets file under KMS too: made with CAIRN_SECRETS_KMS_KEY_ID,
    // read back with only AWS credentials, moved to another KMS key.
    let kms_secrets = [("CAIRN_SECRETS_KMS_KEY_ID", "alias/cairn-state")];
    let set = secret_set(d, &kms_secrets, &moto, "db/password", SECRET2);
    assert_eq!(set.code, 0, "{}{}", set.stdout, set.stderr);
    let file = std::fs::read_to_string(d.join(".cairn/secrets.json")).expect("secrets file");
    assert!(file.contains("\"kms\""), "{file}");
    assert!(!file.contains(SECRET2));
    let got = ok(cairn(d, &[], m, &["secret", "get", "db/password"]));
    assert_eq!(got.stdout, SECRET2);
    ok(cairn(
        d,
        &[],
        m,
        &["secret", "rekey", "-to-kms", "alias/cairn-other"],
    ));
    let file = std::fs::read_to_string(d.join(".cairn/secrets.json")).expect("secrets file");
    assert!(file.contains(&other), "{file}");
    let got = ok(cairn(d, &[], m, &["secret", "get", "db/password"]));
    assert_eq!(got.stdout, SECRET2);
    // Without AWS access it cannot be opened.
    let r = cairn(d, &[], None, &["secret", "get", "db/password"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains(SECRET2) && !r.stderr.contains(SECRET2));
}

#[test]
fn cairn_hcl_names_the_kms_key_for_new_states() {
    let moto = Moto::start().expect("moto");
    let m = Some(&moto);
    create_kms_key(&moto, "alias/project-state");
    let hcl = "state_encryption {\n  kms_key_id = \"alias/project-state\"\n}\n";

    // A new state under cairn.hcl's key, with no key variable set.
    let dir = project();
    let d = dir.path();
    std::fs::write(d.join("cairn.hcl"), hcl).expect("write");
    ok(cairn(
        d,
        &[],
        m,
        &["apply", "-auto-approve", "-var", &format!("pw={SECRET}")],
    ));
    assert_eq!(state_json(d)["key"]["kdf"]["type"], "kms");
    assert!(!d.join(".cairn/keys/state.key").exists());

    // A state made before cairn.hcl asked for KMS: a warning says how to
    // move it, and rekey takes cairn.hcl's key by default.
    let old = project();
    let o = old.path();
    ok(cairn(
        o,
        &[],
        m,
        &["apply", "-auto-approve", "-var", &format!("pw={SECRET}")],
    ));
    assert_eq!(state_json(o)["key"]["kdf"]["type"], "key-file");
    std::fs::write(o.join("cairn.hcl"), hcl).expect("write");
    let r = ok(cairn(o, &[], m, &["plan", "-var", &format!("pw={SECRET}")]));
    assert!(
        r.stderr.contains("State key differs from cairn.hcl")
            && r.stderr.contains("cairn state rekey -to kms"),
        "{}",
        r.stderr
    );
    ok(cairn(o, &[], m, &["state", "rekey", "-to", "kms"]));
    assert_eq!(state_json(o)["key"]["kdf"]["type"], "kms");
    let r = ok(cairn(o, &[], m, &["plan", "-var", &format!("pw={SECRET}")]));
    assert!(!r.stderr.contains("State key differs"), "{}", r.stderr);
    assert_eq!(digest_of(o, &[], m), sha256_hex(SECRET));
    assert_no_plaintext(o, &[SECRET]);
}

fn secret_set(d: &Path, keys: &[(&str, &str)], moto: &Moto, name: &str, value: &str) -> Run {
    use std::io::Write as _;
    let mut c = Command::new(bin());
    c.args(["secret", "set", name])
        .current_dir(d)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env_remove("CAIRN_SECRETS_PASSPHRASE")
        .env_remove("CAIRN_SECRETS_KEY_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in keys {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("spawn");
    if let Some(mut i) = child.stdin.take() {
        i.write_all(value.as_bytes()).expect("stdin");
    }
    let out = child.wait_with_output().expect("wait");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}
