//! Structural errors: exact summary, file, line and column.

use std::path::{Path, PathBuf};

use cairn_config::*;
use cairn_diagnostics::{Diagnostic, Diagnostics, Severity};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn errors(name: &str) -> Diagnostics {
    let (m, d) = load_module(&fixture(name));
    assert!(m.is_some());
    d
}

/// Finds the error with this summary at file:line:column.
fn find<'a>(
    d: &'a Diagnostics,
    summary: &str,
    file: &str,
    line: usize,
    column: usize,
) -> &'a Diagnostic {
    d.iter()
        .find(|x| {
            x.severity == Severity::Error
                && x.summary == summary
                && x.span.as_ref().is_some_and(|s| {
                    &*s.file == file && s.start.line == line && s.start.column == column
                })
        })
        .unwrap_or_else(|| panic!("no \"{summary}\" at {file}:{line}:{column} in:\n{d}"))
}

#[test]
fn block_structure_errors() {
    let d = errors("errors");
    let e = find(&d, "Unsupported block type", "main.tf", 1, 1);
    assert_eq!(
        e.detail,
        "Blocks of type \"resourc\" are not expected here."
    );
    assert_eq!(e.hint.as_deref(), Some("Did you mean \"resource\"?"));

    let e = find(&d, "Missing name for resource", "main.tf", 4, 18);
    assert_eq!(
        e.detail,
        "All resource blocks must have 2 labels (type, name)."
    );

    let e = find(&d, "Extraneous label for variable", "more.tf", 27, 18);
    assert_eq!(
        e.detail,
        "Only 1 labels (name) are expected for variable blocks."
    );

    let e = find(&d, "Invalid resource name", "main.tf", 7, 18);
    assert_eq!(
        e.detail,
        "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes."
    );
    find(&d, "Invalid module instance name", "more.tf", 3, 8);
    let e = find(&d, "Invalid variable name", "more.tf", 1, 10);
    assert_eq!(
        e.detail,
        "The variable name \"count\" is reserved due to its special meaning inside module blocks."
    );
}

#[test]
fn duplicate_definitions() {
    let d = errors("errors");
    let e = find(
        &d,
        "Duplicate resource \"aws_x\" configuration",
        "main.tf",
        13,
        1,
    );
    assert_eq!(
        e.detail,
        "A aws_x resource named \"y\" was already declared at main.tf:10,1-21. Resource names must be unique per type in each module."
    );
    let e = find(
        &d,
        "Duplicate data \"aws_y\" configuration",
        "more.tf",
        25,
        1,
    );
    assert!(e
        .detail
        .starts_with("A aws_y data resource named \"d\" was already declared at more.tf:23,1-17."));
    let e = find(&d, "Duplicate variable declaration", "main.tf", 25, 1);
    assert_eq!(
        e.detail,
        "A variable named \"v\" was already declared at main.tf:21,1-13. Variable names must be unique within a module."
    );
    let e = find(&d, "Duplicate output definition", "more.tf", 7, 1);
    assert!(e
        .detail
        .starts_with("An output named \"o2\" was already defined at main.tf:42,1-12."));
    let e = find(&d, "Duplicate local value definition", "main.tf", 35, 3);
    assert!(e
        .detail
        .starts_with("A local value named \"a\" was already defined at main.tf:32,3-8."));
    let e = find(&d, "Duplicate module call", "more.tf", 15, 1);
    assert!(e
        .detail
        .starts_with("A module call named \"m3\" was already defined at more.tf:11,1-12."));
    let e = find(&d, "Duplicate provider configuration", "more.tf", 21, 1);
    assert!(e.detail.starts_with("A default (non-aliased) provider configuration for \"aws\" was already given at more.tf:19,1-15."));
}

#[test]
fn argument_errors() {
    let d = errors("errors");
    let e = find(
        &d,
        "Invalid combination of \"count\" and \"for_each\"",
        "main.tf",
        18,
        3,
    );
    assert!(e
        .detail
        .starts_with("The \"count\" and \"for_each\" meta-arguments are mutually-exclusive"));

    let e = find(&d, "Unsupported argument", "main.tf", 22, 3);
    assert_eq!(e.detail, "An argument named \"foo\" is not expected here.");
    assert_eq!(e.hint, None);
    let e = find(&d, "Unsupported argument", "main.tf", 44, 3);
    assert_eq!(e.hint.as_deref(), Some("Did you mean \"sensitive\"?"));
    find(&d, "Unsupported argument", "main.tf", 49, 5); // in lifecycle
    find(&d, "Unsupported argument", "main.tf", 54, 3); // in terraform

    let e = find(&d, "Missing required argument", "main.tf", 27, 12);
    assert_eq!(
        e.detail,
        "The argument \"value\" is required, but no definition was found."
    );
    let e = find(&d, "Missing required argument", "main.tf", 29, 12);
    assert_eq!(
        e.detail,
        "The argument \"source\" is required, but no definition was found."
    );
    let e = find(&d, "Missing required argument", "more.tf", 35, 7);
    assert_eq!(
        e.detail,
        "The argument \"to\" is required, but no definition was found."
    );

    let e = find(&d, "Invalid type specification", "main.tf", 39, 10);
    assert_eq!(
        e.detail,
        "The keyword \"strin\" is not a valid type specification."
    );

    // depends_on: a traversal with a computed index, then a quoted string.
    find(&d, "Invalid expression", "more.tf", 30, 17);
    find(&d, "Invalid expression", "more.tf", 30, 36);
    find(&d, "Zero assert blocks", "more.tf", 33, 1);
}

#[test]
fn every_problem_is_reported() {
    let d = errors("errors");
    assert_eq!(d.errors().count(), 25, "{d}");
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let (m, d) = load_module(&fixture("syntax_error"));
    // The good file is still loaded.
    assert!(m.unwrap().variables.contains_key("ok"));
    let e = find(&d, "Invalid syntax", "bad.tf", 2, 13);
    assert!(e.detail.starts_with("invalid expression"), "{}", e.detail);
    let e = find(&d, "Attribute redefined", "dup.tf", 3, 3);
    assert_eq!(
        e.detail,
        "The argument \"x\" was already set. Each argument may be set only once."
    );
    assert_eq!(d.errors().count(), 2);
}

#[test]
fn json_errors() {
    let d = errors("json_error");
    let e = find(&d, "Invalid JSON syntax", "main.tf.json", 6, 13);
    assert_eq!(e.detail, "expected `:`");
    let e = find(&d, "Extraneous JSON object property", "other.tf.json", 2, 3);
    assert_eq!(e.hint.as_deref(), Some("Did you mean \"resource\"?"));
    find(&d, "Missing required argument", "other.tf.json", 4, 10);
    find(&d, "Invalid expression", "other.tf.json", 6, 21);
    find(&d, "Invalid local value name", "other.tf.json", 6, 26);
}

#[test]
fn render_shows_the_source_line() {
    let loader = Loader::new(fixture("errors"));
    let (_, d) = loader.load_module(&fixture("errors"));
    let text = cairn_diagnostics::render(&d, loader.sources());
    assert!(text.contains("--> main.tf:1:1"), "{text}");
    assert!(text.contains("1 | resourc \"aws_x\" \"a\" {"), "{text}");
}

#[test]
fn missing_directory() {
    let (m, d) = load_module(&fixture("does-not-exist"));
    assert!(m.is_none());
    assert_eq!(
        d.errors().next().unwrap().summary,
        "Failed to read module directory"
    );
}
