//! `data "cairn_secret"` with the real binary against a real AWS-API
//! server (moto on 127.0.0.1): one known secret from each source (env:,
//! file:, cairn:, aws-sm:NAME#key, ssm: SecureString) goes through plan,
//! saved plan, apply, outputs, state, verify, drift and destroy, and never
//! appears in plaintext in any command's output, in any file under
//! `.cairn/`, or in the plan file; the apply provably used every value.
//! Then the errors: each names the URI, says what to do, exits 1 and
//! shows no secret.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cairn_moto::Moto;
use sha2::{Digest, Sha256};

// Five distinct secrets, one per source; none is a substring of another
// or of anything cairn prints by itself.
const ENV_SECRET: &str = "envsecret-Q7w9Zt2x-alpha";
const FILE_SECRET: &str = "filesecret-Vb31Lp8k-bravo";
const CAIRN_SECRET: &str = "cairnsecret-Hd62Ry4m-charlie";
const SM_SECRET: &str = "smsecret-Nc58Wj1q-delta";
const SSM_SECRET: &str = "ssmsecret-Tk04Fg7s-echo";
/// The passphrase of the secrets file: must not leak either.
const PASSPHRASE: &str = "passphrase-Zu83Mx5e-foxtrot";
/// A variable name that is never set.
const UNSET_VAR: &str = "CAIRN_TEST_SECRET_NEVER_SET_4711";

const SECRETS: [(&str, &str); 5] = [
    ("env", ENV_SECRET),
    ("file", FILE_SECRET),
    ("cairn", CAIRN_SECRET),
    ("sm", SM_SECRET),
    ("ssm", SSM_SECRET),
];

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

/// One command's result, with what it was run as.
struct Run {
    what: String,
    code: i32,
    stdout: String,
    stderr: String,
}

fn command(moto: &Moto, dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "2")
        .env("APP_ENV_SECRET", ENV_SECRET)
        .env("CAIRN_SECRETS_PASSPHRASE", PASSPHRASE)
        .env_remove(UNSET_VAR)
        .env_remove("AWS_PROFILE")
        .env_remove("CAIRN_STATE_KEY")
        .env_remove("CAIRN_ENV")
        .env_remove("CAIRN_SECRETS_FILE")
        .env_remove("CAIRN_SECRETS_KEY_FILE");
    c
}

fn run_with(mut c: Command, what: String, stdin: Option<&str>) -> Run {
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = c.spawn().expect("run cairn");
    if let Some(text) = stdin {
        let mut s = child.stdin.take().expect("stdin");
        s.write_all(text.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for cairn");
    Run {
        what,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn cairn(moto: &Moto, dir: &Path, args: &[&str]) -> Run {
    run_with(command(moto, dir, args), args.join(" "), None)
}

fn ok(r: Run) -> Run {
    assert_eq!(
        r.code, 0,
        "{}:\nstdout:\n{}\nstderr:\n{}",
        r.what, r.stdout, r.stderr
    );
    r
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sdk(moto: &Moto, rt: &tokio::runtime::Runtime) -> aws_config::SdkConfig {
    rt.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load(),
    )
}

/// The Secrets Manager secrets (a JSON one and a plain-text one) and the
/// SSM SecureString parameter the configurations read.
fn seed_aws(moto: &Moto) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let conf = sdk(moto, &rt);
    let sm = aws_sdk_secretsmanager::Client::new(&conf);
    let json = format!(r#"{{"username":"app","password":"{SM_SECRET}","port":5432}}"#);
    rt.block_on(sm.create_secret().name("app/db").secret_string(json).send())
        .expect("create the JSON secret");
    rt.block_on(
        sm.create_secret()
            .name("app/plain")
            .secret_string(SM_SECRET)
            .send(),
    )
    .expect("create the plain secret");
    let ssm = aws_sdk_ssm::Client::new(&conf);
    rt.block_on(
        ssm.put_parameter()
            .name("/app/api-token")
            .value(SSM_SECRET)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send(),
    )
    .expect("put the SecureString parameter");
}

/// `cairn secret set NAME` with the value on stdin.
fn set_cairn_secret(moto: &Moto, dir: &Path, name: &str, value: &str) -> Run {
    run_with(
        command(moto, dir, &["secret", "set", name]),
        format!("secret set {name}"),
        Some(value),
    )
}

/// The configuration: every secret into a `terraform_data` input and a
/// sensitive output; each hash in a precondition and a non-sensitive
/// output, so a run that read nothing (or the wrong thing) fails.
fn config() -> String {
    let mut s = String::from(
        r#"
data "cairn_secret" "env" {
  uri = "env:APP_ENV_SECRET"
}
data "cairn_secret" "file" {
  uri = "file:creds/token.txt"
}
data "cairn_secret" "cairn" {
  uri = "cairn:db/password"
}
data "cairn_secret" "sm" {
  uri = "aws-sm:app/db#password"
}
data "cairn_secret" "ssm" {
  uri = "ssm:/app/api-token"
}

locals {
  secrets = {
    env   = data.cairn_secret.env.value
    file  = data.cairn_secret.file.value
    cairn = data.cairn_secret.cairn.value
    sm    = data.cairn_secret.sm.value
    ssm   = data.cairn_secret.ssm.value
  }
}

resource "terraform_data" "app" {
  input = local.secrets
  lifecycle {
"#,
    );
    for (name, secret) in SECRETS {
        s.push_str(&format!(
            "    precondition {{\n      condition     = sha256(data.cairn_secret.{name}.value) == \"{}\"\n      error_message = \"The {name} secret is not the expected one.\"\n    }}\n",
            sha256_hex(secret)
        ));
    }
    s.push_str("  }\n}\n\n");
    for (name, _) in SECRETS {
        s.push_str(&format!(
            "output \"{name}_secret\" {{\n  value     = data.cairn_secret.{name}.value\n  sensitive = true\n}}\n\n"
        ));
        s.push_str(&format!(
            "output \"{name}_hash\" {{\n  value = nonsensitive(sha256(data.cairn_secret.{name}.value))\n}}\n\n"
        ));
    }
    // Known only after apply: proves the applied resource got the values.
    s.push_str(
        "output \"applied_hash\" {\n  value = nonsensitive(sha256(jsonencode(terraform_data.app.output)))\n}\n\n\
         output \"ids\" {\n  value = [for d in [data.cairn_secret.env, data.cairn_secret.sm, data.cairn_secret.ssm] : d.id]\n}\n",
    );
    s
}

/// What `jsonencode(local.secrets)` gives: keys sorted, compact.
fn expected_applied_hash() -> String {
    let m: std::collections::BTreeMap<&str, &str> = SECRETS.iter().copied().collect();
    sha256_hex(&serde_json::to_string(&m).expect("json"))
}

/// Every (place, secret) where one of the secrets (or the passphrase)
/// occurs: in the runs' output and in the files given (directories are
/// walked recursively).
fn leaks(runs: &[Run], paths: &[PathBuf]) -> Vec<String> {
    let mut needles: Vec<&str> = SECRETS.iter().map(|(_, s)| *s).collect();
    needles.push(PASSPHRASE);
    let mut found = Vec::new();
    for r in runs {
        for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            for n in &needles {
                if text.contains(n) {
                    found.push(format!("`cairn {}` {stream} holds {n}", r.what));
                }
            }
        }
    }
    let mut files = Vec::new();
    for p in paths {
        collect_files(p, &mut files);
    }
    for f in files {
        let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        for n in &needles {
            if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                found.push(format!("{} holds {n}", f.display()));
            }
        }
    }
    found
}

fn collect_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let rd = std::fs::read_dir(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
        for e in rd {
            collect_files(&e.expect("dir entry").path(), out);
        }
    } else if p.is_file() {
        out.push(p.to_path_buf());
    }
}

/// Whether a line reads `[+ ]KEY<padding> = VALUE`, as plans and
/// `cairn output` print attributes.
fn shows(text: &str, key: &str, value: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        let l = l.strip_prefix("+ ").unwrap_or(l);
        l.strip_prefix(key)
            .filter(|rest| rest.starts_with(' '))
            .and_then(|rest| rest.trim_start().strip_prefix("= "))
            == Some(value)
    })
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("`cairn {}` is not JSON ({e}):\n{}", r.what, r.stdout))
}

/// Every file the leak scan reads: `.cairn/` (state, history, journal,
/// keys, secrets file, audit log, run logs) and the plan file.
fn scanned(dir: &Path) -> Vec<PathBuf> {
    vec![dir.join(".cairn"), dir.join("plan.bin")]
}

#[test]
fn secrets_from_every_source_are_used_and_never_shown() {
    let moto = Moto::start().expect("moto");
    seed_aws(&moto);
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), config()).expect("config");
    // The file secret sits outside .cairn/ (it is the source, not a copy).
    std::fs::create_dir(dir.join("creds")).expect("creds dir");
    std::fs::write(dir.join("creds/token.txt"), format!("{FILE_SECRET}\n")).expect("file secret");

    let mut runs = Vec::new();
    let r = ok(set_cairn_secret(&moto, dir, "db/password", CAIRN_SECRET));
    assert!(r.stdout.contains("Secret db/password set."), "{}", r.stdout);
    runs.push(r);

    // Offline checks read no secret: lint passes without any of them.
    let mut c = command(&moto, dir, &["lint"]);
    c.env_remove("APP_ENV_SECRET")
        .env_remove("CAIRN_SECRETS_PASSPHRASE")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    let r = run_with(c, "lint (no secrets available)".into(), None);
    assert_eq!(r.code, 0, "lint read secrets:\n{}\n{}", r.stdout, r.stderr);
    runs.push(r);

    let r = ok(cairn(&moto, dir, &["plan", "-out", "plan.bin"]));
    for (name, secret) in SECRETS {
        // The input object's member, the sensitive output, and the hash,
        // which is known at plan time only if the value was read.
        assert!(
            shows(&r.stdout, name, "(sensitive value)"),
            "{name}: {}",
            r.stdout
        );
        assert!(
            shows(&r.stdout, &format!("{name}_secret"), "(sensitive value)"),
            "{name}: {}",
            r.stdout
        );
        assert!(
            shows(
                &r.stdout,
                &format!("{name}_hash"),
                &format!("\"{}\"", sha256_hex(secret))
            ),
            "{name}: {}",
            r.stdout
        );
    }
    runs.push(r);

    let r = ok(cairn(&moto, dir, &["show", "-json", "plan.bin"]));
    let doc = json(&r);
    for (name, _) in SECRETS {
        let o = &doc["planned_values"]["outputs"][format!("{name}_secret")];
        assert_eq!(o["sensitive"], true, "{name}: {o}");
        let oc = &doc["output_changes"][format!("{name}_secret")];
        assert_eq!(oc["after_sensitive"], true, "{name}: {oc}");
    }
    let app = doc["resource_changes"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["address"] == "terraform_data.app"))
        .unwrap_or_else(|| panic!("no terraform_data.app change: {doc}"));
    for (name, _) in SECRETS {
        assert_eq!(
            app["change"]["after_sensitive"]["input"][name], true,
            "{app}"
        );
        assert_eq!(
            app["change"]["after"]["input"][name],
            serde_json::Value::Null,
            "{app}"
        );
    }
    runs.push(r);
    runs.push(ok(cairn(&moto, dir, &["show", "plan.bin"])));

    let r = ok(cairn(&moto, dir, &["apply", "plan.bin"]));
    assert!(r.stdout.contains("Apply complete!"), "{}", r.stdout);
    runs.push(r);

    let r = ok(cairn(&moto, dir, &["output"]));
    for (name, secret) in SECRETS {
        assert!(
            shows(&r.stdout, &format!("{name}_secret"), "<sensitive>"),
            "{}",
            r.stdout
        );
        assert!(
            shows(
                &r.stdout,
                &format!("{name}_hash"),
                &format!("\"{}\"", sha256_hex(secret))
            ),
            "{}",
            r.stdout
        );
    }
    assert!(
        shows(
            &r.stdout,
            "applied_hash",
            &format!("\"{}\"", expected_applied_hash())
        ),
        "the applied resource did not get the secrets:\n{}",
        r.stdout
    );
    runs.push(r);

    // JSON: sensitive outputs are flagged and their value is null.
    let r = ok(cairn(&moto, dir, &["output", "-json"]));
    let doc = json(&r);
    for (name, secret) in SECRETS {
        let o = &doc[format!("{name}_secret")];
        assert_eq!(o["sensitive"], true, "{o}");
        assert_eq!(o["value"], serde_json::Value::Null, "{o}");
        assert_eq!(doc[format!("{name}_hash")]["value"], sha256_hex(secret));
    }
    assert_eq!(
        doc["ids"]["value"],
        serde_json::json!([
            "env:APP_ENV_SECRET",
            "aws-sm:app/db#password",
            "ssm:/app/api-token"
        ])
    );
    runs.push(r);
    for args in [
        ["output", "-json", "sm_secret"].as_slice(),
        ["output", "-raw", "ssm_secret"].as_slice(),
        ["output", "env_secret"].as_slice(),
    ] {
        let r = ok(cairn(&moto, dir, args));
        assert!(
            r.stderr.contains("is sensitive; pass -show-sensitive"),
            "{}: {}",
            r.what,
            r.stderr
        );
        runs.push(r);
    }

    // Asking for one raw output explicitly is the way to see it; that
    // command's output is the one place a secret may appear.
    let asked = ok(cairn(
        &moto,
        dir,
        &["output", "-raw", "-show-sensitive", "cairn_secret"],
    ));
    assert_eq!(asked.stdout, CAIRN_SECRET);

    let r = ok(cairn(&moto, dir, &["show"]));
    assert!(
        r.stdout.contains("value = (sensitive value)"),
        "{}",
        r.stdout
    );
    runs.push(r);
    runs.push(ok(cairn(&moto, dir, &["show", "-json"])));
    let r = ok(cairn(&moto, dir, &["state", "list"]));
    for (name, _) in SECRETS {
        assert!(
            r.stdout.contains(&format!("data.cairn_secret.{name}")),
            "{}",
            r.stdout
        );
    }
    runs.push(r);
    for (name, _) in SECRETS {
        let r = ok(cairn(
            &moto,
            dir,
            &["state", "show", &format!("data.cairn_secret.{name}")],
        ));
        assert!(
            r.stdout.contains("value = (sensitive value)"),
            "{}",
            r.stdout
        );
        runs.push(r);
    }
    runs.push(ok(cairn(
        &moto,
        dir,
        &["state", "show", "terraform_data.app"],
    )));

    // The state holds the data sources, with their values encrypted.
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(".cairn/state.json")).expect("state"),
    )
    .expect("state json");
    let data: Vec<&serde_json::Value> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["mode"] == "data" && r["type"] == "cairn_secret")
        .collect();
    assert_eq!(data.len(), 5, "{state}");
    for r in data {
        let attrs = &r["instances"][0]["attributes"];
        assert!(
            attrs["value"]["cairn_encrypted"].is_string(),
            "{} not encrypted: {attrs}",
            r["name"]
        );
        assert!(attrs["id"].is_string(), "{attrs}");
    }

    for args in [
        ["plan", "-detailed-exitcode"].as_slice(),
        ["plan", "-json"].as_slice(),
        ["plan", "-format", "markdown"].as_slice(),
        ["apply", "-auto-approve"].as_slice(),
        ["apply", "-json", "-auto-approve"].as_slice(),
        ["verify"].as_slice(),
        ["verify", "-json"].as_slice(),
        ["drift"].as_slice(),
        ["drift", "-json"].as_slice(),
        ["history"].as_slice(),
        ["audit", "log"].as_slice(),
        ["audit", "log", "--json"].as_slice(),
        ["audit", "verify"].as_slice(),
        ["secret", "list"].as_slice(),
    ] {
        runs.push(ok(cairn(&moto, dir, args)));
    }

    let r = ok(cairn(&moto, dir, &["destroy", "-auto-approve"]));
    assert!(r.stdout.contains("Destroy complete!"), "{}", r.stdout);
    runs.push(r);

    let found = leaks(&runs, &scanned(dir));
    assert!(
        found.is_empty(),
        "secrets in plaintext:\n{}",
        found.join("\n")
    );

    // The scan finds what is there: the explicit request printed one, and
    // the file secret's source holds another.
    let control = leaks(&[asked], &[dir.join("creds")]);
    assert_eq!(control.len(), 2, "{control:?}");
}

/// A plan of `uri` in a fresh directory whose configuration also reads
/// two secrets that do exist (so there is something to leak).
fn plan_error(moto: &Moto, uri: &str) -> Run {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let cfg = format!(
        r#"
data "cairn_secret" "good_env" {{
  uri = "env:APP_ENV_SECRET"
}}
data "cairn_secret" "good_ssm" {{
  uri = "ssm:/app/api-token"
}}
data "cairn_secret" "bad" {{
  uri = "{uri}"
}}
resource "terraform_data" "x" {{
  input = [data.cairn_secret.good_env.value, data.cairn_secret.good_ssm.value, data.cairn_secret.bad.value]
}}
"#
    );
    std::fs::write(dir.join("main.tf"), cfg).expect("config");
    let mut r = cairn(moto, dir, &["plan"]);
    r.what = format!("plan with {uri}");
    let found = leaks(std::slice::from_ref(&r), &[dir.join(".cairn")]);
    assert!(found.is_empty(), "{uri}: {}", found.join("\n"));
    r
}

fn assert_error(r: &Run, uri: &str, wants: &[&str]) {
    assert_eq!(r.code, 1, "{}:\n{}\n{}", r.what, r.stdout, r.stderr);
    // Where: the block's source line under the file:line:column.
    assert!(
        r.stderr.contains("| data \"cairn_secret\" \"bad\" {"),
        "{}: no location:\n{}",
        r.what,
        r.stderr
    );
    assert!(
        r.stderr.contains(uri),
        "{}: the uri is not named:\n{}",
        r.what,
        r.stderr
    );
    for w in wants {
        assert!(r.stderr.contains(w), "{}: no {w:?}:\n{}", r.what, r.stderr);
    }
}

#[test]
fn unreadable_secrets_are_clear_errors_without_secrets() {
    let moto = Moto::start().expect("moto");
    seed_aws(&moto);

    let uri = format!("env:{UNSET_VAR}");
    let r = plan_error(&moto, &uri);
    assert_error(
        &r,
        &uri,
        &[
            "Cannot read secret",
            "is not set",
            &format!("Export {UNSET_VAR}"),
        ],
    );

    let r = plan_error(&moto, "aws-sm:app/missing");
    assert_error(
        &r,
        "aws-sm:app/missing",
        &[
            "does not exist in region us-east-1",
            "Check the name and the region",
        ],
    );

    let r = plan_error(&moto, "aws-sm:app/db#nokey");
    assert_error(
        &r,
        "aws-sm:app/db#nokey",
        &[
            "has no member \"nokey\"",
            "password, port, username",
            "Fix the key after '#'",
        ],
    );

    let r = plan_error(&moto, "aws-sm:app/plain#password");
    assert_error(&r, "aws-sm:app/plain#password", &["is not JSON"]);

    let r = plan_error(&moto, "ssm:/app/missing");
    assert_error(&r, "ssm:/app/missing", &["SSM parameter", "does not exist"]);

    let r = plan_error(&moto, "vault:kv/db");
    assert_error(
        &r,
        "vault:kv/db",
        &["Invalid secret URI", "unknown scheme \"vault:\""],
    );
    // Reported once, by validation: the invalid URI is not read too.
    assert_eq!(r.stderr.matches("Error:").count(), 1, "{}", r.stderr);

    let r = plan_error(&moto, "file:no/such/file");
    assert_error(&r, "file:no/such/file", &["cannot read the secret file"]);

    // No secrets file in this directory.
    let r = plan_error(&moto, "cairn:db/password");
    assert_error(&r, "cairn:db/password", &["cairn secret set"]);
}

#[test]
fn a_cairn_secret_without_the_passphrase_is_refused_with_what_to_set() {
    let moto = Moto::start().expect("moto");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    ok(set_cairn_secret(&moto, dir, "db/password", CAIRN_SECRET));
    std::fs::write(
        dir.join("main.tf"),
        "data \"cairn_secret\" \"bad\" {\n  uri = \"cairn:db/password\"\n}\n",
    )
    .expect("config");
    let mut c = command(&moto, dir, &["plan"]);
    c.env_remove("CAIRN_SECRETS_PASSPHRASE");
    let r = run_with(c, "plan without the passphrase".into(), None);
    assert_error(&r, "cairn:db/password", &["CAIRN_SECRETS_PASSPHRASE"]);

    let mut c = command(&moto, dir, &["plan"]);
    c.env("CAIRN_SECRETS_PASSPHRASE", "not-the-passphrase");
    let r = run_with(c, "plan with a wrong passphrase".into(), None);
    assert_error(&r, "cairn:db/password", &["wrong key"]);
    let found = leaks(std::slice::from_ref(&r), &[dir.join(".cairn")]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Messages built from a secret: a check assertion's and a precondition's
/// error_message, a function rejecting it, an index by it.
#[test]
fn messages_derived_from_a_secret_do_not_show_it() {
    let moto = Moto::start().expect("moto");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let head = "data \"cairn_secret\" \"s\" {\n  uri = \"env:APP_ENV_SECRET\"\n}\n";
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"{head}
resource "terraform_data" "x" {{
  input = "x"
  lifecycle {{
    precondition {{
      condition     = data.cairn_secret.s.value == "other"
      error_message = "precondition saw ${{data.cairn_secret.s.value}}"
    }}
  }}
}}
check "c" {{
  assert {{
    condition     = data.cairn_secret.s.value == "other"
    error_message = "check saw ${{data.cairn_secret.s.value}}"
  }}
}}
"#
        ),
    )
    .expect("config");
    let r = cairn(&moto, dir, &["plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("Check block assertion failed"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Resource precondition failed"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.matches("(sensitive error message)").count(),
        2,
        "{}",
        r.stderr
    );
    let mut runs = vec![r];

    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"{head}
locals {{
  m = {{ a = 1 }}
}}
output "cidr" {{
  value     = cidrhost(data.cairn_secret.s.value, 1)
  sensitive = true
}}
output "index" {{
  value     = local.m[data.cairn_secret.s.value]
  sensitive = true
}}
"#
        ),
    )
    .expect("config");
    let r = cairn(&moto, dir, &["plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("details are hidden because an argument is sensitive"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("The given key does not identify an element"),
        "{}",
        r.stderr
    );
    runs.push(r);
    let found = leaks(&runs, &[dir.join(".cairn")]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// A secrets file whose data key AWS KMS wraps: `cairn:` secrets are read
/// with the AWS environment's credentials, no passphrase needed.
#[test]
fn cairn_secrets_from_a_kms_wrapped_file() {
    let moto = Moto::start().expect("moto");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let kms = aws_sdk_kms::Client::new(&sdk(&moto, &rt));
    let key_id = rt
        .block_on(kms.create_key().send())
        .expect("create key")
        .key_metadata
        .map(|m| m.key_id)
        .expect("key id");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let mut c = command(&moto, dir, &["secret", "set", "db/password"]);
    c.env_remove("CAIRN_SECRETS_PASSPHRASE")
        .env("CAIRN_SECRETS_KMS_KEY_ID", &key_id);
    ok(run_with(c, "secret set (KMS)".into(), Some(CAIRN_SECRET)));
    std::fs::write(
        dir.join("main.tf"),
        "data \"cairn_secret\" \"db\" {\n  uri = \"cairn:db/password\"\n}\n\
         output \"hash\" {\n  value = nonsensitive(sha256(data.cairn_secret.db.value))\n}\n",
    )
    .expect("config");
    let mut c = command(&moto, dir, &["plan"]);
    c.env_remove("CAIRN_SECRETS_PASSPHRASE");
    let r = ok(run_with(c, "plan (KMS)".into(), None));
    assert!(
        shows(
            &r.stdout,
            "hash",
            &format!("\"{}\"", sha256_hex(CAIRN_SECRET))
        ),
        "{}",
        r.stdout
    );
    let found = leaks(std::slice::from_ref(&r), &[dir.join(".cairn")]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The provider block's `aws { ... }` settings win over the environment:
/// its region and endpoints are used (the environment's endpoint is dead
/// and its region wrong); `secrets_file` moves the secrets file.
#[test]
fn the_provider_block_configures_aws_and_the_secrets_file() {
    let moto = Moto::start().expect("moto");
    seed_aws(&moto);
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let mut c = command(
        &moto,
        dir,
        &[
            "secret",
            "set",
            "db/password",
            "--secrets-file",
            "team/secrets.json",
        ],
    );
    c.env("CAIRN_SECRETS_PASSPHRASE", PASSPHRASE);
    ok(run_with(
        c,
        "secret set --secrets-file".into(),
        Some(CAIRN_SECRET),
    ));
    let endpoint = moto.endpoint();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"
provider "cairn" {{
  secrets_file = "team/secrets.json"
  aws {{
    region = "us-east-1"
    endpoints {{
      ssm            = "{endpoint}"
      secretsmanager = "{endpoint}"
    }}
  }}
}}
data "cairn_secret" "ssm" {{
  uri = "ssm:/app/api-token"
}}
data "cairn_secret" "sm" {{
  uri = "aws-sm:app/plain"
}}
data "cairn_secret" "cairn" {{
  uri = "cairn:db/password"
}}
output "hashes" {{
  value = [for d in [data.cairn_secret.ssm, data.cairn_secret.sm, data.cairn_secret.cairn] : nonsensitive(sha256(d.value))]
}}
"#
        ),
    )
    .expect("config");
    let mut c = command(&moto, dir, &["plan"]);
    c.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_REGION", "eu-west-1");
    let r = ok(run_with(c, "plan with provider settings".into(), None));
    for s in [SSM_SECRET, SM_SECRET, CAIRN_SECRET] {
        assert!(r.stdout.contains(&sha256_hex(s)), "{}", r.stdout);
    }
    assert!(!dir.join(".cairn/secrets.json").exists());
    let found = leaks(std::slice::from_ref(&r), &[dir.join(".cairn")]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}
