use cairn_fmt::{format_dir, write_changes, FileResult, FmtError};
use std::fs;
use std::path::{Path, PathBuf};

const MESSY: &str = "resource \"a\" \"b\" {\nx=1\n  yy = 2\n}\n";
const TIDY: &str = "resource \"a\" \"b\" {\n  x  = 1\n  yy = 2\n}\n";

fn write(root: &Path, rel: &str, contents: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

fn names(root: &Path, results: &[FileResult]) -> Vec<String> {
    results
        .iter()
        .map(|r| {
            r.path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "main.tf", MESSY);
    write(root, "ok.tf", TIDY);
    write(root, "terraform.tfvars", "a=1\nbbb=2\n");
    write(root, "notes.txt", "x=1\n");
    write(root, "main.tf~", "x=1\n");
    write(root, "sub/nested.tf", "locals {\nz = 1\n}\n");
    write(
        root,
        "sub/basic.tftest.hcl",
        "run \"x\" {\ncommand=plan\n}\n",
    );
    write(root, ".terraform/modules/m/main.tf", "x=1\n");
    write(root, ".cairn/cache.tf", "x=1\n");
    dir
}

#[test]
fn format_dir_finds_files_and_skips_hidden() {
    let dir = project();
    let root = dir.path();

    let flat = format_dir(root, false).unwrap();
    assert_eq!(names(root, &flat), ["main.tf", "ok.tf", "terraform.tfvars"]);

    let all = format_dir(root, true).unwrap();
    assert_eq!(
        names(root, &all),
        [
            "main.tf",
            "ok.tf",
            "sub/basic.tftest.hcl",
            "sub/nested.tf",
            "terraform.tfvars"
        ]
    );
    let changed: Vec<bool> = all.iter().map(FileResult::changed).collect();
    assert_eq!(changed, [true, false, true, true, true]);
    assert_eq!(all[0].original, MESSY);
    assert_eq!(all[0].formatted, TIDY);
    assert_eq!(all[4].formatted, "a   = 1\nbbb = 2\n");
    assert_eq!(all[2].formatted, "run \"x\" {\n  command = plan\n}\n");
}

#[test]
fn write_changes_rewrites_only_changed_files() {
    let dir = project();
    let root = dir.path();
    let results = format_dir(root, true).unwrap();
    write_changes(&results).unwrap();

    assert_eq!(fs::read_to_string(root.join("main.tf")).unwrap(), TIDY);
    assert_eq!(fs::read_to_string(root.join("ok.tf")).unwrap(), TIDY);
    assert_eq!(
        fs::read_to_string(root.join("sub/nested.tf")).unwrap(),
        "locals {\n  z = 1\n}\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("terraform.tfvars")).unwrap(),
        "a   = 1\nbbb = 2\n"
    );
    // Skipped files are left alone.
    assert_eq!(
        fs::read_to_string(root.join(".terraform/modules/m/main.tf")).unwrap(),
        "x=1\n"
    );
    assert_eq!(fs::read_to_string(root.join("notes.txt")).unwrap(), "x=1\n");

    // No temporary files are left behind.
    let mut top: Vec<String> = fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(
        top,
        [
            ".cairn",
            ".terraform",
            "main.tf",
            "main.tf~",
            "notes.txt",
            "ok.tf",
            "sub",
            "terraform.tfvars"
        ]
    );

    // A second pass finds nothing to do.
    let again = format_dir(root, true).unwrap();
    assert!(again.iter().all(|r| !r.changed()));
}

#[cfg(unix)]
#[test]
fn write_changes_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    let path = dir.path().join("main.tf");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    write_changes(&format_dir(dir.path(), false).unwrap()).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn diff_is_unified_with_old_and_new_headers() {
    let result = FileResult {
        path: PathBuf::from("dir/main.tf"),
        original: MESSY.to_string(),
        formatted: TIDY.to_string(),
    };
    assert_eq!(
        result.diff(),
        "--- old/dir/main.tf\n\
         +++ new/dir/main.tf\n\
         @@ -1,4 +1,4 @@\n \
         resource \"a\" \"b\" {\n\
         -x=1\n\
         +  x  = 1\n   \
         yy = 2\n \
         }\n"
    );
    let unchanged = FileResult {
        path: PathBuf::from("ok.tf"),
        original: TIDY.to_string(),
        formatted: TIDY.to_string(),
    };
    assert_eq!(unchanged.diff(), "");
}

#[test]
fn format_dir_reports_syntax_errors_with_path() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.tf", "a = 1\nb = [1, 2\nc = 3\n");
    let err = format_dir(dir.path(), false).unwrap_err();
    let path = dir.path().join("bad.tf");
    match &err {
        FmtError::Syntax {
            file, line, column, ..
        } => {
            assert_eq!(file, &path.display().to_string());
            assert_eq!((*line, *column), (3, 1));
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!("{}:3:1: expected `]`", path.display())
    );
}

#[test]
fn format_dir_reports_missing_dir() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    match format_dir(&missing, true) {
        Err(FmtError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("unexpected result {other:?}"),
    }
}

#[test]
fn format_dir_accepts_a_single_file() {
    let dir = project();
    let file = dir.path().join("main.tf");
    let results = format_dir(&file, false).unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].path, file);
    assert_eq!(results[0].formatted, TIDY);
}
