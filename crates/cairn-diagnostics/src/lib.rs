//! Diagnostics: what went wrong, where (file, line, column), and what to do.
//!
//! Every layer of cairn reports problems as [`Diagnostic`]s so that `validate`
//! can list all of them at once and render them the same way on a terminal and
//! as JSON.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::Serialize;

/// A position in a source file; line and column are 1-based, column counts
/// characters (not bytes) as Terraform does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

/// A range of source text in one file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub file: Arc<str>,
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// The span covering both `self` and `other` (same file assumed).
    pub fn to(&self, other: &Span) -> Span {
        Span {
            file: self.file.clone(),
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.start.line, self.start.column)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in a configuration or during a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// One line: what is wrong ("Reference to undeclared input variable").
    pub summary: String,
    /// The details, naming the offending thing.
    pub detail: String,
    /// Where, when it comes from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The resource or module address it concerns, when not a file position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            span: None,
            hint: None,
            address: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary, detail)
        }
    }

    pub fn with_span(mut self, span: Option<Span>) -> Self {
        if self.span.is_none() {
            self.span = span;
        }
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        if let Some(span) = &self.span {
            write!(f, "{span}: ")?;
        }
        write!(f, "{sev}: {}", self.summary)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// A list of diagnostics, collected so that all problems are reported at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }
    /// Sort by file and position, errors and warnings interleaved, and drop
    /// exact duplicates (the same problem reached twice through two paths).
    pub fn sort_dedup(&mut self) {
        self.0.sort_by(|a, b| {
            let ka = a.span.as_ref().map(|s| (s.file.clone(), s.start));
            let kb = b.span.as_ref().map(|s| (s.file.clone(), s.start));
            ka.cmp(&kb)
        });
        self.0.dedup();
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// The text of every source file read, so diagnostics can show the line.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Arc<RwLock<HashMap<Arc<str>, Arc<str>>>>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&self, name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) {
        if let Ok(mut m) = self.files.write() {
            m.insert(name.into(), text.into());
        }
    }

    pub fn get(&self, name: &str) -> Option<Arc<str>> {
        self.files.read().ok()?.get(name).cloned()
    }

    /// Every file and its text, sorted by name.
    pub fn entries(&self) -> Vec<(Arc<str>, Arc<str>)> {
        let mut v: Vec<(Arc<str>, Arc<str>)> = match self.files.read() {
            Ok(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Err(_) => Vec::new(),
        };
        v.sort();
        v
    }

    /// The text of line `line` (1-based) of `file`.
    pub fn line(&self, file: &str, line: usize) -> Option<String> {
        let text = self.get(file)?;
        text.lines().nth(line.checked_sub(1)?).map(str::to_string)
    }
}

/// Converts byte offsets in a text into line/column positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    text: Arc<str>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex {
            starts,
            text: Arc::from(text),
        }
    }

    pub fn pos(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line = match self.starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let column = self
            .text
            .get(start..byte)
            .map(|s| s.chars().count())
            .unwrap_or(byte - start)
            + 1;
        Pos {
            line: line + 1,
            column,
            byte,
        }
    }

    pub fn span(&self, file: &Arc<str>, range: std::ops::Range<usize>) -> Span {
        Span {
            file: file.clone(),
            start: self.pos(range.start),
            end: self.pos(range.end),
        }
    }
}

/// Render diagnostics for a terminal: position, summary, the source line with
/// a caret under the offending text, the detail and the hint.
pub fn render(diags: &Diagnostics, sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags.iter() {
        out.push_str(&render_one(d, sources));
        out.push('\n');
    }
    out
}

pub fn render_one(d: &Diagnostic, sources: &SourceMap) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let sev = match d.severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    };
    let _ = writeln!(out, "{sev}: {}", d.summary);
    if let Some(span) = &d.span {
        let _ = writeln!(
            out,
            "  --> {}:{}:{}",
            span.file, span.start.line, span.start.column
        );
        if let Some(line) = sources.line(&span.file, span.start.line) {
            let num = span.start.line.to_string();
            let pad = " ".repeat(num.len());
            let _ = writeln!(out, "  {pad} |");
            let _ = writeln!(out, "  {num} | {line}");
            let width = if span.end.line == span.start.line {
                span.end.column.saturating_sub(span.start.column).max(1)
            } else {
                line.chars()
                    .count()
                    .saturating_sub(span.start.column - 1)
                    .max(1)
            };
            let lead: String = line
                .chars()
                .take(span.start.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "  {pad} | {lead}{}", "^".repeat(width));
        }
    } else if let Some(addr) = &d.address {
        let _ = writeln!(out, "  --> {addr}");
    }
    if !d.detail.is_empty() {
        let _ = writeln!(out);
        for l in d.detail.lines() {
            let _ = writeln!(out, "{l}");
        }
    }
    if let Some(h) = &d.hint {
        let _ = writeln!(out, "Hint: {h}");
    }
    out
}

/// A display name for a path relative to the working directory, as users
/// type it ("main.tf", "modules/net/main.tf").
pub fn display_path(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_chars() {
        let idx = LineIndex::new("ab\nçd = 1\n");
        assert_eq!(
            idx.pos(0),
            Pos {
                line: 1,
                column: 1,
                byte: 0
            }
        );
        // 'ç' is two bytes; "d" sits at byte 5, column 2.
        assert_eq!(idx.pos(5).column, 2);
        assert_eq!(idx.pos(5).line, 2);
    }

    #[test]
    fn render_shows_source_line_and_caret() {
        let sm = SourceMap::new();
        sm.add("main.tf", "a = 1\nb = var.x\n");
        let idx = LineIndex::new("a = 1\nb = var.x\n");
        let file: Arc<str> = Arc::from("main.tf");
        let d = Diagnostic::error(
            "Reference to undeclared input variable",
            "No variable \"x\".",
        )
        .with_span(Some(idx.span(&file, 10..15)))
        .with_hint("Declare it with a variable block.");
        let text = render_one(&d, &sm);
        assert!(text.contains("--> main.tf:2:5"), "{text}");
        assert!(text.contains("2 | b = var.x"), "{text}");
        assert!(text.contains("|     ^^^^^"), "{text}");
        assert!(text.contains("Hint: Declare it"), "{text}");
    }
}
