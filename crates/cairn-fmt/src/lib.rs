//! Canonical formatting of Terraform-language files, matching `terraform fmt`.
//!
//! Source is validated with hcl-edit, then tokenized and re-laid out with the
//! same rules Terraform's formatter uses: two-space indentation per open
//! bracket level, normalized spacing between tokens, `=` aligned within runs
//! of single-line attributes and trailing comments aligned within runs of
//! commented lines. Line breaks are kept as written (Terraform never joins or
//! splits lines), except that the file ends in exactly one line break.
//!
//! Like `terraform fmt`, it also unwraps interpolation-only attribute values
//! (`"${var.x}"` becomes `var.x`), modernizes legacy `variable` types and
//! quotes bare block labels.

mod layout;
mod lexer;
mod normalize;

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Why a file could not be formatted.
#[derive(Debug, thiserror::Error)]
pub enum FmtError {
    /// The source is not valid HCL. `line` and `column` are one-based;
    /// `file` is empty for [`format_source`].
    #[error("{}", located(file, *line, *column, message))]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn located(file: &str, line: usize, column: usize, message: &str) -> String {
    if file.is_empty() {
        format!("{line}:{column}: {message}")
    } else {
        format!("{file}:{line}:{column}: {message}")
    }
}

/// Formats one file's worth of HCL source.
pub fn format_source(src: &str) -> Result<String, FmtError> {
    format_named(src, "")
}

fn format_named(src: &str, file: &str) -> Result<String, FmtError> {
    let body = hcl_edit::parser::parse_body(src).map_err(|e| FmtError::Syntax {
        file: file.to_string(),
        line: e.location().line(),
        column: e.location().column(),
        message: e.message().to_string(),
    })?;
    let tokens = lexer::tokenize(src).map_err(|e| {
        let (line, column) = line_column(src, e.offset);
        FmtError::Syntax {
            file: file.to_string(),
            line,
            column,
            message: e.message.to_string(),
        }
    })?;
    let mut tokens = normalize::normalize(&body, tokens);
    layout::layout(&mut tokens);
    Ok(end_with_one_newline(layout::render(&tokens), src))
}

/// One-based line and column (in chars, as hcl-edit counts) of a byte offset.
fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset).unwrap_or(src);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Drops trailing blank lines and makes sure the last line is terminated,
/// using the file's own line-ending style. Empty input stays empty.
fn end_with_one_newline(mut out: String, src: &str) -> String {
    let len = out.trim_end_matches(['\n', '\r']).len();
    out.truncate(len);
    if out.is_empty() {
        return out;
    }
    let crlf = src
        .find('\n')
        .is_some_and(|i| src.get(..i).is_some_and(|s| s.ends_with('\r')));
    out.push_str(if crlf { "\r\n" } else { "\n" });
    out
}

/// One formatted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileResult {
    pub path: PathBuf,
    pub original: String,
    pub formatted: String,
}

impl FileResult {
    /// Whether formatting changed anything.
    pub fn changed(&self) -> bool {
        self.original != self.formatted
    }

    /// Unified diff from the original to the formatted text, with headers
    /// `--- old/<path>` and `+++ new/<path>`. Empty when nothing changed.
    pub fn diff(&self) -> String {
        let path = self.path.display();
        similar::TextDiff::from_lines(&self.original, &self.formatted)
            .unified_diff()
            .header(&format!("old/{path}"), &format!("new/{path}"))
            .to_string()
    }
}

/// Formats every .tf, .tfvars and .tftest.hcl file in `dir` (recursively
/// when `recursive`), in path order. Hidden files and directories (such as
/// `.cairn` and `.terraform`) and editor backup files are skipped, as
/// `terraform fmt` does. If `dir` is a file, that file alone is formatted.
/// Stops at the first file that cannot be read or parsed.
pub fn format_dir(dir: &Path, recursive: bool) -> Result<Vec<FileResult>, FmtError> {
    let mut files = Vec::new();
    if dir.is_file() {
        files.push(dir.to_path_buf());
    } else {
        collect_files(dir, recursive, &mut files)?;
    }
    files
        .into_iter()
        .map(|path| {
            let path = without_cur_dir(&path);
            let original = std::fs::read_to_string(&path).map_err(|source| FmtError::Io {
                path: path.clone(),
                source,
            })?;
            let formatted = format_named(&original, &path.display().to_string())?;
            Ok(FileResult {
                path,
                original,
                formatted,
            })
        })
        .collect()
}

fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

fn is_formattable(name: &str) -> bool {
    [".tf", ".tfvars", ".tftest.hcl"]
        .iter()
        .any(|ext| name.len() > ext.len() && name.ends_with(ext))
}

fn collect_files(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<(), FmtError> {
    let io_err = |source| FmtError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(io_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io_err)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if is_ignored(&name) {
            continue;
        }
        let path = entry.path();
        // Symlinked directories are not followed, so cycles are impossible.
        let file_type = entry.file_type().map_err(|source| FmtError::Io {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() {
            if recursive {
                collect_files(&path, recursive, out)?;
            }
        } else if is_formattable(&name) && path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// `./main.tf` reads better as `main.tf` in messages and diff headers.
fn without_cur_dir(path: &Path) -> PathBuf {
    let cleaned: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if cleaned.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        cleaned
    }
}

/// Writes every changed result back to its path. Each file is replaced
/// atomically: the new content goes to a temporary file in the same
/// directory, which is then renamed over the original, keeping its
/// permissions.
pub fn write_changes(results: &[FileResult]) -> std::io::Result<()> {
    for result in results.iter().filter(|r| r.changed()) {
        write_atomically(&result.path, &result.formatted).map_err(|e| {
            std::io::Error::new(e.kind(), format!("{}: {e}", result.path.display()))
        })?;
    }
    Ok(())
}

fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(contents.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
