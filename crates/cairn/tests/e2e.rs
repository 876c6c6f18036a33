//! End-to-end tests of the real binary on the embedded default (local
//! state, built-in providers).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cairn"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cairn(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CAIRN_STATE_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn ok(r: &Run) -> &Run {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

const MAIN: &str = r#"
variable "greeting" {
  type    = string
  default = "hello"
}

variable "names" {
  type    = set(string)
  default = ["alpha", "beta"]
}

resource "random_password" "db" {
  length  = 24
  special = false
}

resource "random_pet" "name" {}

resource "local_file" "greeting" {
  for_each = var.names
  filename = "${path.module}/out/${each.key}.txt"
  content  = "${var.greeting}, ${each.key} from ${random_pet.name.id}\n"
}

resource "local_sensitive_file" "secret" {
  filename = "${path.module}/out/secret.txt"
  content  = random_password.db.result
}

output "pet" {
  value = random_pet.name.id
}

output "password" {
  value     = random_password.db.result
  sensitive = true
}
"#;

fn project() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("main.tf"), MAIN).unwrap();
    d
}

/// Every file under a directory, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn password(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out/secret.txt")).unwrap()
}

#[test]
fn lifecycle_on_the_embedded_default() {
    let d = project();
    let dir = d.path();
    let mut transcript = String::new();
    let mut run = |args: &[&str]| -> Run {
        let r = cairn(dir, args);
        transcript.push_str(&r.stdout);
        transcript.push_str(&r.stderr);
        r
    };

    let r = run(&["apply", "-auto-approve"]);
    ok(&r);
    assert!(
        r.stdout
            .contains("Apply complete! Resources: 5 added, 0 changed, 0 destroyed."),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("password = <sensitive>"), "{}", r.stdout);
    let pet = std::fs::read_to_string(dir.join("out/alpha.txt")).unwrap();
    assert!(pet.starts_with("hello, alpha from "), "{pet}");

    // A pull-request summary.
    let r = run(&["plan", "-format", "markdown", "-var", "greeting=md"]);
    ok(&r);
    assert!(
        r.stdout
            .starts_with("### cairn plan: 2 to add, 0 to change, 2 to destroy"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("| `local_file.greeting[\"alpha\"]` | replace |"),
        "{}",
        r.stdout
    );
    // The state is at version 1 after the first apply: undoing this plan
    // goes back to it.
    assert!(
        r.stdout
            .contains("To roll back after applying: `cairn rollback -to 1`"),
        "{}",
        r.stdout
    );

    // No changes on a second plan.
    let r = run(&["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);

    // A changed variable: exactly the dependent files are replaced.
    let r = run(&["plan", "-detailed-exitcode", "-var", "greeting=hi"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("Plan: 2 to add, 0 to change, 2 to destroy."),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("# local_file.greeting[\"alpha\"] must be replaced"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("random_pet.name will"), "{}", r.stdout);
    ok(&run(&["apply", "-auto-approve", "-var", "greeting=hi"]));
    assert!(std::fs::read_to_string(dir.join("out/beta.txt"))
        .unwrap()
        .starts_with("hi, beta"));

    // A file deleted by hand is recreated.
    std::fs::remove_file(dir.join("out/alpha.txt")).unwrap();
    let r = run(&["plan", "-var", "greeting=hi"]);
    ok(&r);
    assert!(
        r.stdout
            .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{}",
        r.stdout
    );
    ok(&run(&["apply", "-auto-approve", "-var", "greeting=hi"]));
    assert!(dir.join("out/alpha.txt").exists());

    // State commands.
    let r = run(&["state", "list"]);
    ok(&r);
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        vec![
            "local_file.greeting[\"alpha\"]",
            "local_file.greeting[\"beta\"]",
            "local_sensitive_file.secret",
            "random_password.db",
            "random_pet.name",
        ]
    );
    let r = run(&["state", "show", "random_password.db"]);
    ok(&r);
    assert!(
        r.stdout.contains("result") && r.stdout.contains("(sensitive value)"),
        "{}",
        r.stdout
    );
    let r = run(&["output", "-json"]);
    ok(&r);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["password"]["sensitive"], true);
    assert!(j["password"]["value"].is_null());
    assert!(j["pet"]["value"].is_string());

    // Saved plans: applied as reviewed, refused when stale.
    let r = run(&["plan", "-out", "p.plan", "-var", "greeting=hey"]);
    ok(&r);
    let r = run(&["show", "-json", "p.plan"]);
    ok(&r);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for k in [
        "format_version",
        "planned_values",
        "resource_changes",
        "output_changes",
        "configuration",
    ] {
        assert!(j.get(k).is_some(), "missing {k} in {j}");
    }
    let rc = j["resource_changes"].as_array().unwrap();
    let alpha = rc
        .iter()
        .find(|c| c["address"] == "local_file.greeting[\"alpha\"]")
        .unwrap();
    assert_eq!(
        alpha["change"]["actions"],
        serde_json::json!(["delete", "create"])
    );
    for k in [
        "before",
        "after",
        "after_unknown",
        "before_sensitive",
        "after_sensitive",
    ] {
        assert!(alpha["change"].get(k).is_some(), "missing change.{k}");
    }
    // Someone else applies first: the saved plan is stale.
    ok(&run(&["apply", "-auto-approve", "-var", "greeting=yo"]));
    let r = run(&["apply", "p.plan"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Saved plan is stale"), "{}", r.stderr);
    // A fresh saved plan applies.
    ok(&run(&["plan", "-out", "q.plan", "-var", "greeting=hey"]));
    let r = run(&["apply", "q.plan"]);
    ok(&r);
    assert!(std::fs::read_to_string(dir.join("out/alpha.txt"))
        .unwrap()
        .starts_with("hey, alpha"));

    // apply without -auto-approve and without a terminal refuses to prompt.
    let r = run(&["apply", "-var", "greeting=x"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("-auto-approve"), "{}", r.stderr);

    // Destroy removes everything.
    let r = run(&["destroy", "-auto-approve", "-var", "greeting=hey"]);
    ok(&r);
    assert!(
        r.stdout
            .contains("Destroy complete! Resources: 5 destroyed."),
        "{}",
        r.stdout
    );
    assert!(!dir.join("out/alpha.txt").exists());
    let r = run(&["state", "list"]);
    assert!(r.stdout.trim().is_empty(), "{}", r.stdout);
    assert!(!transcript.is_empty());
}

#[test]
fn secrets_never_leak_into_output_state_or_plans() {
    let d = project();
    let dir = d.path();
    let mut transcript = String::new();
    for args in [
        vec!["apply", "-auto-approve"],
        vec!["plan"],
        vec!["plan", "-json"],
        vec!["plan", "-format", "markdown", "-var", "greeting=md"],
        vec!["plan", "-out", "x.plan", "-var", "greeting=bye"],
        vec!["show", "x.plan"],
        vec!["show", "-json", "x.plan"],
        vec!["show"],
        vec!["output"],
        vec!["output", "-json"],
        vec!["output", "password"],
        vec!["state", "show", "random_password.db"],
        vec!["state", "show", "local_sensitive_file.secret"],
    ] {
        let r = cairn(dir, &args);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        transcript.push_str(&r.stdout);
        transcript.push_str(&r.stderr);
    }
    let secret = password(dir);
    assert_eq!(secret.len(), 24);
    assert!(
        !transcript.contains(&secret),
        "the password leaked into command output"
    );
    for f in files_under(&dir.join(".cairn"))
        .into_iter()
        .chain([dir.join("x.plan")])
    {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&secret),
            "the password leaked into {}",
            f.display()
        );
    }
    // Asked for explicitly, it is shown.
    let r = cairn(dir, &["output", "-raw", "-show-sensitive", "password"]);
    ok(&r);
    assert_eq!(r.stdout, secret);
}

#[test]
fn a_second_command_gets_the_lock_error() {
    let d = project();
    let dir = d.path();
    // Hold the state lock from this process, as a running apply would.
    let backend = cairn_state::LocalBackend::new(dir.join(".cairn"));
    std::fs::create_dir_all(dir.join(".cairn")).unwrap();
    let guard = backend
        .lock(cairn_state::LockInfo::new("apply"), Duration::from_secs(0))
        .unwrap();
    let r = cairn(dir, &["apply", "-auto-approve"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("lock"), "{}", r.stderr);
    assert!(r.stderr.contains("apply"), "{}", r.stderr);
    drop(guard);
    ok(&cairn(dir, &["apply", "-auto-approve"]));
}

#[test]
fn killed_apply_is_recovered_without_duplicates() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"local_file\" \"f\" {\n  count    = 400\n  filename = \"${path.module}/out/${count.index}.txt\"\n  content  = \"file ${count.index}\"\n}\n",
    )
    .unwrap();
    let mut child = Command::new(bin())
        .args(["apply", "-auto-approve", "-parallelism", "1"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some operations are journaled.
    let journal = dir.join(".cairn/journal.jsonl");
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(60) {
        let n = std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if n >= 20 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    let _ = child.wait();
    let written_before = files_under(&dir.join("out")).len();
    assert!(
        written_before < 400,
        "apply finished before it was killed ({written_before} files)"
    );

    let r = cairn(dir, &["apply", "-auto-approve"]);
    ok(&r);
    let r = cairn(dir, &["state", "list"]);
    ok(&r);
    let list: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(list.len(), 400, "every instance exactly once");
    let mut uniq = list.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), 400);
    assert_eq!(files_under(&dir.join("out")).len(), 400);
    let r = cairn(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn import_and_moved_through_the_cli() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(dir.join("main.tf"), "resource \"random_uuid\" \"u\" {}\n").unwrap();
    let r = cairn(
        dir,
        &[
            "import",
            "random_uuid.u",
            "0b8f0b44-5a1d-4c3e-9f4b-1a2b3c4d5e6f",
        ],
    );
    ok(&r);
    let r = cairn(dir, &["state", "show", "random_uuid.u"]);
    assert!(
        r.stdout.contains("0b8f0b44-5a1d-4c3e-9f4b-1a2b3c4d5e6f"),
        "{}",
        r.stdout
    );
    let r = cairn(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Importing into an unconfigured address is refused.
    let r = cairn(dir, &["import", "random_uuid.nope", "x"]);
    assert_eq!(r.code, 1);
    // moved: renamed without replacement.
    std::fs::write(
        dir.join("main.tf"),
        "resource \"random_uuid\" \"v\" {}\nmoved {\n  from = random_uuid.u\n  to   = random_uuid.v\n}\n",
    )
    .unwrap();
    let r = cairn(dir, &["plan"]);
    ok(&r);
    assert!(
        r.stdout.contains("has moved to") || r.stdout.contains("moved from"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("0 to add, 0 to change, 0 to destroy"),
        "{}",
        r.stdout
    );
    ok(&cairn(dir, &["apply", "-auto-approve"]));
    let r = cairn(dir, &["state", "list"]);
    assert_eq!(r.stdout.trim(), "random_uuid.v");
}

#[test]
fn replacement_order_and_prevent_destroy() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let cfg = |v: &str, cbd: bool, prevent: bool| {
        format!(
            "resource \"terraform_data\" \"x\" {{\n  triggers_replace = \"{v}\"\n  lifecycle {{\n    create_before_destroy = {cbd}\n    prevent_destroy       = {prevent}\n  }}\n}}\n"
        )
    };
    std::fs::write(dir.join("main.tf"), cfg("1", false, false)).unwrap();
    ok(&cairn(dir, &["apply", "-auto-approve"]));

    // Default: destroy the old object, then create the new one.
    std::fs::write(dir.join("main.tf"), cfg("2", false, false)).unwrap();
    let r = cairn(dir, &["apply", "-auto-approve"]);
    ok(&r);
    assert!(
        r.stdout.contains("-/+ resource \"terraform_data\" \"x\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("# forces replacement"), "{}", r.stdout);
    let destroy = r.stdout.find("terraform_data.x: Destroying...").unwrap();
    let create = r.stdout.find("terraform_data.x: Creating...").unwrap();
    assert!(destroy < create, "{}", r.stdout);

    // create_before_destroy: the other way round.
    std::fs::write(dir.join("main.tf"), cfg("3", true, false)).unwrap();
    let r = cairn(dir, &["apply", "-auto-approve"]);
    ok(&r);
    assert!(
        r.stdout.contains("+/- resource \"terraform_data\" \"x\""),
        "{}",
        r.stdout
    );
    let destroy = r.stdout.find("terraform_data.x: Destroying...").unwrap();
    let create = r.stdout.find("terraform_data.x: Creating...").unwrap();
    assert!(create < destroy, "{}", r.stdout);
    let r = cairn(dir, &["state", "list"]);
    assert_eq!(r.stdout.trim(), "terraform_data.x");

    // prevent_destroy stops a plan that would replace or destroy.
    std::fs::write(dir.join("main.tf"), cfg("4", false, true)).unwrap();
    let r = cairn(dir, &["plan"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Instance cannot be destroyed"),
        "{}",
        r.stderr
    );
    std::fs::write(dir.join("main.tf"), cfg("3", true, true)).unwrap();
    let r = cairn(dir, &["destroy", "-auto-approve"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("prevent_destroy"), "{}", r.stderr);
}

#[test]
fn console_and_fmt_and_validate_through_the_cli() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("main.tf"),
        "variable \"n\" {\n  default = 3\n}\nlocals {\n  xs = [for i in range(var.n) : i * 2]\n}\n",
    )
    .unwrap();
    let mut child = Command::new(bin())
        .args(["console"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"local.xs\nupper(\"ok\")\ncidrsubnet(\"10.0.0.0/16\", 8, 2)\n")
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "[\n  0,\n  2,\n  4,\n]\n\"OK\"\n\"10.0.2.0/24\"\n");

    std::fs::write(
        dir.join("ugly.tf"),
        "resource \"terraform_data\" \"a\" {\ninput = 1\n  triggers_replace = 2\n}\n",
    )
    .unwrap();
    let r = cairn(dir, &["fmt", "-check"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ugly.tf"));
    ok(&cairn(dir, &["fmt"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("ugly.tf")).unwrap(),
        "resource \"terraform_data\" \"a\" {\n  input            = 1\n  triggers_replace = 2\n}\n"
    );
    ok(&cairn(dir, &["fmt", "-check"]));

    let r = cairn(dir, &["validate", "-json"]);
    ok(&r);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["valid"], true);
    std::fs::write(
        dir.join("bad.tf"),
        "output \"o\" {\n  value = var.nope\n}\n",
    )
    .unwrap();
    let r = cairn(dir, &["validate", "-json"]);
    assert_eq!(r.code, 1);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        j["diagnostics"][0]["summary"],
        "Reference to undeclared input variable"
    );
    assert_eq!(j["diagnostics"][0]["span"]["file"], "bad.tf");
    assert_eq!(j["diagnostics"][0]["span"]["start"]["line"], 2);
    let r = cairn(dir, &["validate"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("--> bad.tf:2:11"), "{}", r.stdout);
    assert!(r.stdout.contains("value = var.nope"), "{}", r.stdout);
}

#[test]
fn a_failed_operation_saves_the_rest_and_names_the_address() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(dir.join("blocker"), "a file, not a directory").unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"local_file\" \"good\" {\n  filename = \"${path.module}/good.txt\"\n  content  = \"ok\"\n}\nresource \"local_file\" \"bad\" {\n  filename   = \"${path.module}/blocker/bad.txt\"\n  content    = \"x\"\n  depends_on = [local_file.good]\n}\n",
    )
    .unwrap();
    let r = cairn(dir, &["apply", "-auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("local_file.bad"), "{}", r.stderr);
    let r = cairn(dir, &["state", "list"]);
    assert_eq!(r.stdout.trim(), "local_file.good");
    // Fix the cause: the next apply creates only what is missing.
    std::fs::remove_file(dir.join("blocker")).unwrap();
    let r = cairn(dir, &["apply", "-auto-approve"]);
    ok(&r);
    assert!(
        r.stdout.contains("1 added, 0 changed, 0 destroyed"),
        "{}",
        r.stdout
    );
}

#[test]
fn refresh_only_accepts_drift_and_backends_are_checked() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"local_file\" \"f\" {\n  filename = \"${path.module}/f.txt\"\n  content  = \"one\"\n}\n",
    )
    .unwrap();
    ok(&cairn(dir, &["apply", "-auto-approve"]));
    std::fs::remove_file(dir.join("f.txt")).unwrap();
    let r = cairn(dir, &["plan", "-refresh-only"]);
    ok(&r);
    assert!(
        r.stdout.contains("Objects have changed outside of cairn"),
        "{}",
        r.stdout
    );
    ok(&cairn(dir, &["apply", "-refresh-only", "-auto-approve"]));
    let r = cairn(dir, &["state", "list"]);
    assert!(r.stdout.trim().is_empty(), "{}", r.stdout);

    std::fs::write(
        dir.join("backend.tf"),
        "terraform {\n  backend \"gcs\" {\n    bucket = \"b\"\n  }\n}\n",
    )
    .unwrap();
    let r = cairn(dir, &["plan"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Unsupported backend"), "{}", r.stderr);
}

/// Copies a directory tree (the shipped quickstart) into `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == ".cairn" || name == "out" {
            continue;
        }
        if p.is_dir() {
            copy_tree(&p, &to.join(&name));
        } else {
            std::fs::copy(&p, to.join(&name)).unwrap();
        }
    }
}

#[test]
fn the_quickstart_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart");
    copy_tree(&src, &root.join("quickstart"));
    let r = cairn(root, &["apply", "-auto-approve", "quickstart"]);
    ok(&r);
    assert!(
        r.stdout
            .contains("Apply complete! Resources: 11 added, 0 changed, 0 destroyed."),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("admin_password = <sensitive>"),
        "{}",
        r.stdout
    );
    let conf = std::fs::read_to_string(root.join("quickstart/out/dev/service.conf")).unwrap();
    assert!(conf.contains("  feature debug = on\n"), "{conf}");

    // Re-plan: nothing to do.
    let r = cairn(root, &["plan", "-detailed-exitcode", "quickstart"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // A variable change updates exactly the files that depend on it.
    let r = cairn(
        root,
        &[
            "plan",
            "-detailed-exitcode",
            "-var",
            "environments=[\"dev\",\"prod\",\"qa\"]",
            "quickstart",
        ],
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("# local_file.settings[\"qa\"] will be created"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("# module.service[\"qa\"].local_file.config will be created"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("local_file.settings[\"dev\"] "),
        "{}",
        r.stdout
    );

    // A managed file deleted by hand is recreated.
    std::fs::remove_file(root.join("quickstart/out/prod.json")).unwrap();
    let r = cairn(root, &["plan", "quickstart"]);
    ok(&r);
    assert!(
        r.stdout
            .contains("# local_file.settings[\"prod\"] will be created"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{}",
        r.stdout
    );
    ok(&cairn(root, &["apply", "-auto-approve", "quickstart"]));
    assert!(root.join("quickstart/out/prod.json").exists());

    // The password is nowhere but the credentials file it was written to.
    let creds = std::fs::read_to_string(root.join("quickstart/out/admin-credentials.env")).unwrap();
    let password = creds
        .lines()
        .find_map(|l| l.strip_prefix("ADMIN_PASSWORD="))
        .unwrap()
        .to_string();
    for f in files_under(&root.join("quickstart/.cairn")) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        assert!(!text.contains(&password), "password in {}", f.display());
    }

    // Destroy removes everything.
    let r = cairn(root, &["destroy", "-auto-approve", "quickstart"]);
    ok(&r);
    assert!(
        r.stdout
            .contains("Destroy complete! Resources: 11 destroyed."),
        "{}",
        r.stdout
    );
    assert!(files_under(&root.join("quickstart/out")).is_empty());
}

#[test]
fn every_run_is_in_the_audit_trail_and_tampering_is_found() {
    let d = project();
    let dir = d.path();
    ok(&cairn(dir, &["plan"]));
    ok(&cairn(
        dir,
        &["apply", "-auto-approve", "-var", "greeting=hi"],
    ));
    let r = cairn(dir, &["apply", "-var", "greeting=x"]);
    assert_eq!(r.code, 1);
    let r = cairn(dir, &["audit", "log", "-json"]);
    ok(&r);
    let entries: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let list = entries.as_array().unwrap();
    let cmds: Vec<(&str, &str)> = list
        .iter()
        .map(|e| {
            (
                e["command"].as_str().unwrap(),
                e["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        cmds,
        vec![
            ("plan", "success"),
            ("apply", "success"),
            ("apply", "refused")
        ]
    );
    assert_eq!(list[1]["summary"]["add"], 5);
    assert!(list[1]["plan_digest"].is_string());
    // -var values are not kept.
    assert!(!r.stdout.contains("greeting=hi"), "{}", r.stdout);
    // Each run has a log.
    let run_id = list[1]["run_id"].as_str().unwrap();
    let log = std::fs::read_to_string(dir.join(format!(".cairn/runs/{run_id}.log"))).unwrap();
    assert!(log.contains("random_pet.name: Creation complete"), "{log}");

    let r = cairn(dir, &["audit", "verify"]);
    ok(&r);
    // history names the run that wrote each state version.
    let r = cairn(dir, &["history", "-json"]);
    ok(&r);
    let h: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(h[0]["serial"], 1);
    assert_eq!(h[0]["command"], "apply");
    assert_eq!(h[0]["run_id"], list[1]["run_id"]);
    // Edit the second entry: verify fails and names it.
    let path = dir.join(".cairn/audit.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[1] = lines[1].replacen("\"add\":5", "\"add\":4", 1);
    let edited = lines.join("\n") + "\n";
    assert_ne!(text, edited);
    std::fs::write(&path, edited).unwrap();
    let r = cairn(dir, &["audit", "verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("seq 2"), "{}", r.stdout);
}

#[test]
fn a_deposed_object_left_by_a_crash_is_destroyed() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n",
    )
    .unwrap();
    ok(&cairn(dir, &["apply", "-auto-approve"]));
    // Make state look as if a create_before_destroy replacement was killed
    // after creating the new object: the old one is still there, deposed.
    let backend = cairn_state::LocalBackend::new(dir.join(".cairn"));
    let mut st = backend.read().unwrap().unwrap();
    let mut old = st.resources[0].instances[0].clone();
    old.deposed = Some("deposed".into());
    st.resources[0].instances.push(old);
    backend.write(&mut st).unwrap();

    let r = cairn(dir, &["plan"]);
    ok(&r);
    assert!(
        r.stdout.contains("0 to add, 0 to change, 1 to destroy"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("deposed"), "{}", r.stdout);
    ok(&cairn(dir, &["apply", "-auto-approve"]));
    let st = backend.read().unwrap().unwrap();
    assert_eq!(st.resources.len(), 1);
    assert_eq!(st.resources[0].instances.len(), 1);
    assert!(st.resources[0].instances[0].deposed.is_none());
    let r = cairn(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn drift_reports_deleted_objects_with_exit_codes_and_is_audited() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("main.tf"),
        r#"
resource "local_file" "kept" {
  filename = "${path.module}/kept.txt"
  content  = "one"
}
resource "local_file" "gone" {
  filename = "${path.module}/gone.txt"
  content  = "two"
}
resource "random_password" "db" {
  length = 20
}
resource "local_sensitive_file" "secret" {
  filename = "${path.module}/out/secret.txt"
  content  = random_password.db.result
}
"#,
    )
    .unwrap();
    ok(&cairn(dir, &["apply", "-auto-approve"]));
    let r = cairn(dir, &["drift"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No drift"), "{}", r.stdout);

    std::fs::remove_file(dir.join("gone.txt")).unwrap();
    let r = cairn(dir, &["drift"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("local_file.gone was deleted outside cairn"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("local_file.kept"), "{}", r.stdout);
    let r = cairn(dir, &["drift", "-json"]);
    assert_eq!(r.code, 2);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["deleted"], 1);
    assert_eq!(j["resources"][0]["address"], "local_file.gone");
    assert_eq!(j["resources"][0]["status"], "deleted");
    let r = cairn(dir, &["drift", "-format", "markdown"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("| `local_file.gone` | (deleted) |"),
        "{}",
        r.stdout
    );

    // Drift changes nothing: the state still has the object.
    let r = ok(&cairn(dir, &["state", "list"])).stdout.clone();
    assert!(r.contains("local_file.gone"), "{r}");
    // Bad input is an error (exit 1), not "no drift".
    let r = cairn(dir, &["drift", "-var", "nope=1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);

    // Every drift run is in the audit trail; the password never is.
    let pw = password(dir);
    let log = ok(&cairn(dir, &["audit", "log", "-json"])).stdout.clone();
    assert!(log.matches("\"drift\"").count() >= 3, "{log}");
    for f in files_under(&dir.join(".cairn")) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        assert!(!text.contains(&pw), "password in {}", f.display());
    }
}

#[test]
fn state_commands_read_the_configured_backend_or_say_why_not() {
    // No configuration at all: local state (none yet), no error.
    let d = tempfile::tempdir().unwrap();
    let r = cairn(d.path(), &["state", "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A configuration that does not load might name a remote backend:
    // refuse rather than show the wrong (local) state, and say where.
    std::fs::write(d.path().join("main.tf"), "resource \"x\" {\n").unwrap();
    let r = cairn(d.path(), &["state", "list"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("main.tf:1:"), "{}", r.stderr);
    let r = cairn(d.path(), &["history"]);
    assert_eq!(r.code, 1);
}

/// A root output derived from an attribute the provider marks sensitive
/// must say `sensitive = true` (Terraform's rule); the plan is refused
/// with the output's location, and accepted once it does.
#[test]
fn root_outputs_of_provider_sensitive_values_must_be_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = |extra: &str| {
        format!(
            "resource \"random_password\" \"p\" {{\n  length = 12\n}}\n\noutput \"pw\" {{\n  value = random_password.p.result\n{extra}}}\n"
        )
    };
    std::fs::write(dir.join("main.tf"), config("")).unwrap();
    let r = cairn(dir, &["plan"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("Output refers to sensitive values") && r.stderr.contains("main.tf:6:11"),
        "{}",
        r.stderr
    );
    std::fs::write(dir.join("main.tf"), config("  sensitive = true\n")).unwrap();
    let r = cairn(dir, &["apply", "-auto-approve"]);
    ok(&r);
    assert!(r.stdout.contains("pw = <sensitive>"), "{}", r.stdout);
    // nonsensitive() states that a derived value is not secret.
    std::fs::write(
        dir.join("main.tf"),
        "resource \"random_password\" \"p\" {\n  length = 12\n}\n\noutput \"n\" {\n  value = nonsensitive(length(random_password.p.result))\n}\n",
    )
    .unwrap();
    let r = cairn(dir, &["apply", "-auto-approve"]);
    ok(&r);
    assert!(r.stdout.contains("n = 12"), "{}", r.stdout);
}

/// `show -json` without a plan prints the state in Terraform's JSON
/// values shape: outputs, root module resources, nested child modules;
/// sensitive values null and marked.
#[test]
fn show_json_prints_the_state() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("mod")).unwrap();
    std::fs::write(
        dir.join("mod/main.tf"),
        "resource \"terraform_data\" \"m\" {\n  count = 2\n  input = count.index\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        r#"
variable "pw" {
  type      = string
  sensitive = true
}

resource "terraform_data" "root" {
  input = { user = "app", password = var.pw }
}

module "m" {
  source = "./mod"
}

output "pw" {
  value     = var.pw
  sensitive = true
}

output "user" {
  value = "app"
}
"#,
    )
    .unwrap();
    ok(&cairn(
        dir,
        &["apply", "-auto-approve", "-var", "pw=Show-Json-Secret-1"],
    ));
    let r = cairn(dir, &["show", "-json"]);
    ok(&r);
    assert!(!r.stdout.contains("Show-Json-Secret-1"), "{}", r.stdout);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let values = &j["values"];
    assert_eq!(values["outputs"]["user"]["value"], "app");
    assert_eq!(values["outputs"]["pw"]["sensitive"], true);
    assert_eq!(values["outputs"]["pw"]["value"], serde_json::Value::Null);
    let root = &values["root_module"]["resources"][0];
    assert_eq!(root["address"], "terraform_data.root");
    assert_eq!(root["mode"], "managed");
    assert_eq!(root["provider_name"], "provider.terraform");
    assert!(
        root["sensitive_values"].to_string().contains("true"),
        "{root}"
    );
    let child = &values["root_module"]["child_modules"][0];
    assert_eq!(child["address"], "module.m");
    let rs = child["resources"].as_array().expect("resources");
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[1]["address"], "module.m.terraform_data.m[1]");
    assert_eq!(rs[1]["index"], 1);
}

/// The JSON plan carries `prior_state`: the state the plan starts from and
/// the data sources it read, so a Rego policy can judge what a data source
/// returned.
#[test]
fn json_plan_prior_state_shows_state_and_data_sources_to_policies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("policy")).unwrap();
    std::fs::write(
        dir.join("policy/data.rego"),
        r#"package main

import rego.v1

deny contains msg if {
  some r in input.prior_state.values.root_module.resources
  r.mode == "data"
  r.type == "local_file"
  r.values.content == "forbidden"
  msg := sprintf("%s read forbidden content", [r.address])
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "data \"local_file\" \"f\" {\n  filename = \"${path.module}/in.txt\"\n}\n\nresource \"terraform_data\" \"x\" {\n  input = data.local_file.f.content\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("in.txt"), "fine").unwrap();
    ok(&cairn(dir, &["apply", "-auto-approve"]));
    let r = cairn(dir, &["plan", "-json"]);
    ok(&r);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let resources = j["prior_state"]["values"]["root_module"]["resources"]
        .as_array()
        .expect("prior_state resources")
        .clone();
    let by_addr = |a: &str| resources.iter().find(|r| r["address"] == a).cloned();
    assert_eq!(
        by_addr("terraform_data.x").expect("managed")["values"]["input"],
        "fine",
        "{}",
        j["prior_state"]
    );
    assert_eq!(
        by_addr("data.local_file.f").expect("data")["values"]["content"],
        "fine"
    );
    // What the data source reads now is what the policy judges.
    std::fs::write(dir.join("in.txt"), "forbidden").unwrap();
    let r = cairn(dir, &["plan"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        format!("{}{}", r.stdout, r.stderr).contains("data.local_file.f read forbidden content"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}
