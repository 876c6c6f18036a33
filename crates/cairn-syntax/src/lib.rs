//! Source files and expressions with their positions.
//!
//! Every expression cairn evaluates is an hcl-edit [`Expression`] together
//! with a [`Source`] that maps its byte ranges back to file, line and column.
//! Expressions from `.tf.json` files are parsed into the same tree (their
//! strings are templates), with `offset` pointing at the JSON string.

pub mod json;

use std::ops::Range;
use std::sync::Arc;

use cairn_diagnostics::{LineIndex, Span};
pub use hcl_edit;
use hcl_edit::expr::Expression;
use hcl_edit::Span as _;

/// One source file: its display name and line index.
#[derive(Debug)]
pub struct SourceFile {
    pub name: Arc<str>,
    pub index: LineIndex,
}

/// Where an expression's byte ranges point.
#[derive(Clone, Debug)]
pub struct Source {
    pub file: Arc<SourceFile>,
    /// Added to hcl-edit byte ranges: non-zero when the expression was
    /// parsed from a fragment of the file (a JSON string, say).
    pub offset: usize,
    /// For fragments whose inner positions do not map to the file (JSON
    /// strings with escapes), every span collapses to this one.
    pub fixed: Option<Range<usize>>,
}

impl Source {
    pub fn new(file: Arc<SourceFile>) -> Self {
        Source {
            file,
            offset: 0,
            fixed: None,
        }
    }

    /// The file span of a byte range of the parsed text.
    pub fn span(&self, range: Option<Range<usize>>) -> Option<Span> {
        let r = match &self.fixed {
            Some(f) => f.clone(),
            None => {
                let r = range?;
                r.start + self.offset..r.end + self.offset
            }
        };
        Some(self.file.index.span(&self.file.name, r))
    }
}

/// An expression and where it came from.
#[derive(Clone, Debug)]
pub struct Expr {
    pub expr: Expression,
    pub source: Source,
}

impl Expr {
    pub fn new(expr: Expression, source: Source) -> Self {
        Expr { expr, source }
    }

    /// The span of the whole expression.
    pub fn span(&self) -> Option<Span> {
        self.source.span(self.expr.span())
    }

    /// The span of any node inside this expression.
    pub fn span_of(&self, node: &impl hcl_edit::Span) -> Option<Span> {
        self.source.span(node.span())
    }
}
