//! Review gates for protected environments, through the real binary:
//! `cairn keygen`, `cairn approve PLAN`, and `cairn apply PLAN` refusing
//! too few approvals, an unknown key, a tampered plan and a stale plan.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cairn(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CAIRN_ENV")
        .env_remove("CAIRN_STATE_KEY")
        .env_remove("CAIRN_SIGNING_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run cairn");
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
    assert!(r.stderr.contains(why), "expected {why:?} in:\n{}", r.stderr);
    r
}

fn keygen(dir: &Path, name: &str) -> String {
    ok(cairn(
        dir,
        &["keygen", "-out", &format!("keys/{name}"), "-name", name],
    ));
    std::fs::read_to_string(dir.join(format!("keys/{name}/signing.pub")))
        .expect("public key")
        .trim()
        .to_string()
}

fn approve(dir: &Path, plan: &str, who: &str) {
    ok(cairn(
        dir,
        &["approve", plan, "-key", &format!("keys/{who}/signing.key")],
    ));
}

#[test]
fn protected_environments_need_enough_valid_approvals() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let alice = keygen(d, "alice");
    let bob = keygen(d, "bob");
    let _mallory = keygen(d, "mallory");
    std::fs::write(
        d.join("cairn.hcl"),
        format!(
            r#"
environment "dev" {{}}

environment "prod" {{
  protected = true
  approvals {{
    required  = 2
    reviewers = ["{alice}", "{bob}"]
  }}
}}
"#
        ),
    )
    .expect("project");
    let config = |v: &str| {
        format!("resource \"terraform_data\" \"app\" {{\n  input = \"{v}-${{terraform.workspace}}\"\n}}\n")
    };
    std::fs::write(d.join("main.tf"), config("v1")).expect("config");

    // The environments as the project file declares them.
    let list = ok(cairn(d, &["env", "list", "-json"]));
    let doc: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    let envs = doc["environments"].as_array().expect("environments");
    assert_eq!(envs.len(), 2);
    assert_eq!(envs[1]["name"], "prod");
    assert_eq!(envs[1]["protected"], true);
    assert_eq!(envs[1]["approvals_required"], 2);
    assert_eq!(envs[0]["protected"], false);

    // dev is not protected; prod refuses applies without a reviewed plan.
    ok(cairn(d, &["apply", "-env", "dev", "-auto-approve"]));
    refused(
        cairn(d, &["apply", "-env", "prod", "-auto-approve"]),
        "is protected",
    );

    ok(cairn(d, &["plan", "-env", "prod", "-out", "p.plan"]));
    refused(cairn(d, &["apply", "p.plan"]), "approvals");
    approve(d, "p.plan", "alice");
    refused(cairn(d, &["apply", "p.plan"]), "approvals");
    // A key that is not a reviewer of prod does not count.
    approve(d, "p.plan", "mallory");
    let r = refused(cairn(d, &["apply", "p.plan"]), "not approved");
    assert!(
        r.stderr.to_lowercase().contains("not a reviewer")
            || r.stderr.to_lowercase().contains("unknown"),
        "{}",
        r.stderr
    );
    approve(d, "p.plan", "bob");
    let r = ok(cairn(d, &["apply", "p.plan"]));
    assert!(r.stdout.contains("Apply complete!"), "{}", r.stdout);
    let audit = ok(cairn(d, &["audit", "log", "-json"]));
    assert!(
        audit.stdout.contains("alice") && audit.stdout.contains("bob"),
        "{}",
        audit.stdout
    );

    // A tampered plan: the digest in the file no longer matches what was
    // approved.
    std::fs::write(d.join("main.tf"), config("v2")).expect("config");
    ok(cairn(d, &["plan", "-env", "prod", "-out", "t.plan"]));
    approve(d, "t.plan", "alice");
    approve(d, "t.plan", "bob");
    let text = std::fs::read_to_string(d.join("t.plan")).expect("plan");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    doc["plan_digest"] = serde_json::json!("0".repeat(64));
    std::fs::write(d.join("t.plan"), serde_json::to_string(&doc).expect("json")).expect("write");
    refused(cairn(d, &["apply", "t.plan"]), "not approved");

    // A stale plan: approved, but the state moved on before it was applied.
    ok(cairn(d, &["plan", "-env", "prod", "-out", "s.plan"]));
    approve(d, "s.plan", "alice");
    approve(d, "s.plan", "bob");
    std::fs::write(d.join("main.tf"), config("v3")).expect("config");
    ok(cairn(d, &["plan", "-env", "prod", "-out", "n.plan"]));
    approve(d, "n.plan", "alice");
    approve(d, "n.plan", "bob");
    ok(cairn(d, &["apply", "n.plan"]));
    refused(cairn(d, &["apply", "s.plan"]), "stale");

    // Rolling prod back is a change like any other: refused directly,
    // applied from a reviewed rollback plan.
    let first = std::fs::read_dir(d.join(".cairn/env/prod/history"))
        .expect("history")
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".json")?
                .parse::<u64>()
                .ok()
        })
        .min()
        .expect("a first version")
        .to_string();
    let prod_state =
        || std::fs::read_to_string(d.join(".cairn/env/prod/state.json")).expect("state");
    assert!(prod_state().contains("v3-prod"));
    // The review summary names the reviewed way back.
    let serial = serde_json::from_str::<serde_json::Value>(&prod_state()).expect("json")["serial"]
        .as_u64()
        .expect("serial");
    std::fs::write(d.join("main.tf"), config("v4")).expect("config");
    let md = ok(cairn(d, &["plan", "-env", "prod", "-format", "markdown"]));
    assert!(
        md.stdout.contains(&format!(
            "`cairn rollback -env prod -to {serial} -out PLAN`, approved, then `cairn apply PLAN`"
        )),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains(
            "To apply: `cairn plan -env prod -out PLAN`, 2 reviewer(s) run `cairn approve PLAN`, then `cairn apply PLAN`."
        ),
        "{}",
        md.stdout
    );
    std::fs::write(d.join("main.tf"), config("v3")).expect("config");
    refused(
        cairn(
            d,
            &["rollback", "-env", "prod", "-to", &first, "-auto-approve"],
        ),
        "is protected",
    );
    let r = ok(cairn(
        d,
        &["rollback", "-env", "prod", "-to", &first, "-out", "r.plan"],
    ));
    assert!(r.stdout.contains("v1-prod"), "{}", r.stdout);
    refused(cairn(d, &["apply", "r.plan"]), "approvals");
    approve(d, "r.plan", "alice");
    approve(d, "r.plan", "bob");
    ok(cairn(d, &["apply", "r.plan"]));
    let st = prod_state();
    assert!(st.contains("v1-prod") && !st.contains("v3-prod"), "{st}");
    // main.tf on disk still says v3: the plan came from the kept version.
    assert!(std::fs::read_to_string(d.join("main.tf"))
        .expect("main.tf")
        .contains("v3"));

    // State commands take -env too; history names who wrote each version
    // from the project's audit trail.
    let r = ok(cairn(d, &["state", "list", "-env", "prod"]));
    assert_eq!(r.stdout.trim(), "terraform_data.app");
    refused(
        cairn(d, &["state", "list", "-env", "prd"]),
        "Did you mean \"prod\"",
    );
    let h = ok(cairn(d, &["history", "-env", "prod", "-json"]));
    let h: serde_json::Value = serde_json::from_str(&h.stdout).expect("json");
    let last = h.as_array().and_then(|a| a.last()).expect("a version");
    assert_eq!(last["command"], "apply", "{h}");
    assert!(last["user"].is_string(), "{h}");

    // Destroying in prod needs its own flag besides the approvals.
    ok(cairn(
        d,
        &["plan", "-env", "prod", "-destroy", "-out", "d.plan"],
    ));
    approve(d, "d.plan", "alice");
    approve(d, "d.plan", "bob");
    refused(cairn(d, &["apply", "d.plan"]), "-allow-destroy");
    ok(cairn(d, &["apply", "-allow-destroy", "d.plan"]));
}

#[test]
fn a_failed_apply_in_a_protected_environment_is_not_rolled_back_unreviewed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let alice = keygen(d, "alice");
    std::fs::write(
        d.join("cairn.hcl"),
        format!(
            "environment \"dev\" {{}}\n\nenvironment \"prod\" {{\n  protected = true\n  approvals {{\n    required  = 1\n    reviewers = [\"{alice}\"]\n  }}\n}}\n"
        ),
    )
    .expect("project");
    std::fs::write(
        d.join("main.tf"),
        "resource \"terraform_data\" \"app\" {\n  input = \"v1\"\n}\n",
    )
    .expect("config");
    ok(cairn(d, &["plan", "-env", "prod", "-out", "a.plan"]));
    approve(d, "a.plan", "alice");
    ok(cairn(d, &["apply", "a.plan"]));
    ok(cairn(d, &["apply", "-env", "dev", "-auto-approve"]));

    // v2 writes a file under a path that is a regular file: the apply
    // fails after the plan was approved.
    std::fs::write(d.join("blocker"), "not a directory").expect("blocker");
    std::fs::write(
        d.join("main.tf"),
        "resource \"terraform_data\" \"app\" {\n  input = \"v2\"\n}\n\nresource \"local_file\" \"f\" {\n  filename = \"${path.module}/blocker/f.txt\"\n  content  = \"x\"\n}\n",
    )
    .expect("config");
    // Unprotected, a saved plan that fails is rolled back.
    ok(cairn(d, &["plan", "-env", "dev", "-out", "c.plan"]));
    let r = cairn(d, &["apply", "-rollback-on-failure", "c.plan"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Rollback complete"), "{}", r.stderr);
    let dev = std::fs::read_to_string(d.join(".cairn/env/dev/state.json")).expect("state");
    assert!(dev.contains("\"v1\"") && !dev.contains("\"v2\""), "{dev}");

    ok(cairn(d, &["plan", "-env", "prod", "-out", "b.plan"]));
    approve(d, "b.plan", "alice");
    let before = std::fs::read_to_string(d.join(".cairn/env/prod/state.json")).expect("state");
    let r = cairn(d, &["apply", "-rollback-on-failure", "b.plan"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("Not rolling back: the environment \"prod\" is protected"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("cairn rollback -env prod -to 1 -out PLAN"),
        "{}",
        r.stderr
    );
    // The failed run saved what it did (terraform_data changed to v2);
    // no rollback run followed it.
    let after = std::fs::read_to_string(d.join(".cairn/env/prod/state.json")).expect("state");
    assert_ne!(before, after);
    let audit = ok(cairn(d, &["audit", "log", "-json"]));
    let entries: serde_json::Value = serde_json::from_str(&audit.stdout).expect("json");
    let rollbacks = |env: &str| {
        entries
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["command"] == "rollback" && e["environment"] == env)
            .count()
    };
    assert_eq!(rollbacks("dev"), 1, "{}", audit.stdout);
    assert_eq!(rollbacks("prod"), 0, "{}", audit.stdout);
}
