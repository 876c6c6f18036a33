//! Data-driven validation tests.
//!
//! Each directory under `tests/bad/` is a configuration that must fail; its
//! `expected.txt` lists every diagnostic, one per line, exactly:
//! `severity file:line:column summary: detail`. Each directory under
//! `tests/good/` must validate without errors. Set `CAIRN_BLESS=1` to write
//! the current output into the expected files (then review the diff).

use std::path::{Path, PathBuf};

use cairn_validate::{validate, Options};

fn render(dir: &Path, opts: &Options) -> String {
    let out = validate(dir, opts);
    let mut lines = Vec::new();
    for d in out.diags.iter() {
        let sev = if d.is_error() { "error" } else { "warning" };
        let at = d
            .span
            .as_ref()
            .map(|s| format!("{}:{}:{}", s.file, s.start.line, s.start.column))
            .unwrap_or_else(|| "-".into());
        let detail = d.detail.replace('\n', "\\n");
        lines.push(format!("{sev} {at} {}: {detail}", d.summary));
    }
    lines.join("\n") + "\n"
}

fn cases(kind: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(kind);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn options_for(dir: &Path) -> Options {
    // A case may pass variables: one `-var` argument per line of vars.txt.
    let cli = std::fs::read_to_string(dir.join("vars.txt"))
        .map(|t| {
            t.lines()
                .filter(|l| !l.is_empty())
                .map(|l| cairn_vars::CliInput::Var(l.to_string()))
                .collect()
        })
        .unwrap_or_default();
    Options {
        cli,
        require_root_vars: true,
        registry: Some(cairn_engine::Registry::new(cairn_builtin::factories())),
        unknown_variables: true,
        ..Options::default()
    }
}

#[test]
fn bad_configurations_report_exact_diagnostics() {
    let all = cases("bad");
    assert!(
        all.len() >= 10,
        "expected the bad-config corpus, found {}",
        all.len()
    );
    let bless = std::env::var("CAIRN_BLESS").is_ok();
    let mut failures = Vec::new();
    for dir in all {
        let got = render(&dir, &options_for(&dir));
        let expected_path = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            failures.push(format!(
                "{}:\n--- want\n{want}--- got\n{got}",
                dir.display()
            ));
        }
        assert!(
            got.lines().any(|l| l.starts_with("error ")),
            "{} has no error",
            dir.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn good_configurations_validate() {
    let mut examples = cases("good");
    // The examples shipped with cairn must validate too.
    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    if let Ok(rd) = std::fs::read_dir(&ex) {
        examples.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    assert!(!examples.is_empty());
    for dir in examples {
        let opts = Options {
            registry: Some(cairn_engine::Registry::new(cairn_builtin::factories())),
            unknown_variables: true,
            ..Options::default()
        };
        let out = validate(&dir, &opts);
        let errs: Vec<String> = out.diags.errors().map(|d| d.to_string()).collect();
        assert!(errs.is_empty(), "{}: {errs:#?}", dir.display());
    }
}

#[test]
fn fuzz_regressions_give_errors_not_crashes() {
    // Inputs the fuzzer found to panic, abort or hang; each must now end
    // quickly with an ordinary diagnostic.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("tf") {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(&p, tmp.path().join("main.tf")).unwrap();
        let t0 = std::time::Instant::now();
        let out = validate(tmp.path(), &Options::default());
        assert!(
            t0.elapsed().as_secs() < 10,
            "{} took {:?}",
            p.display(),
            t0.elapsed()
        );
        assert!(
            out.diags.has_errors(),
            "{} should be reported as an error",
            p.display()
        );
        n += 1;
    }
    assert!(n >= 7, "expected the fuzz regressions, found {n}");
}
