//! The token rewrites `terraform fmt` makes on top of pure whitespace layout.
//!
//! hcl-edit's syntax tree tells us where attribute values and block labels
//! are; the rewrites themselves happen on the token stream so that the layout
//! pass sees the final tokens:
//!
//! * an attribute value that is only `"${expr}"` becomes `expr`;
//! * in top-level `variable` blocks, `type = list` becomes `list(any)` (same
//!   for `map` and `set`) and the legacy quoted `"string"`, `"list"` and
//!   `"map"` become `string`, `list(string)` and `map(string)`;
//! * bare block labels are quoted, and comments among the labels dropped.

use crate::lexer::{Kind, Token};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
use hcl_edit::Span;
use std::ops::Range;

enum Rewrite {
    /// An attribute value.
    Value,
    /// The `type` attribute of a top-level `variable` block.
    VariableType,
    /// From the end of a block's type name to the end of its last label.
    Labels,
}

struct Edit {
    span: Range<usize>,
    rewrite: Rewrite,
}

pub(crate) fn normalize(body: &Body, tokens: Vec<Token>) -> Vec<Token> {
    let mut edits = Vec::new();
    collect(body, &mut Vec::new(), &mut edits);
    edits.sort_by_key(|e| e.span.start);

    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    let mut done_until = 0;
    for edit in &edits {
        // Spans should never overlap, but if they did, rewriting twice would
        // duplicate tokens; keep the first.
        if edit.span.start < done_until {
            continue;
        }
        done_until = edit.span.end;
        while i < tokens.len() && tokens[i].start < edit.span.start {
            out.push(tokens[i].clone());
            i += 1;
        }
        let mut j = i;
        while j < tokens.len() && tokens[j].start < edit.span.end {
            j += 1;
        }
        let slice = &tokens[i..j];
        match edit.rewrite {
            Rewrite::Value => out.extend(unwrap_interpolation(slice)),
            Rewrite::VariableType => out.extend(legacy_type(slice)),
            Rewrite::Labels => out.extend(quote_labels(slice)),
        }
        i = j;
    }
    out.extend_from_slice(tokens.get(i..).unwrap_or(&[]));
    out
}

fn collect(body: &Body, path: &mut Vec<String>, edits: &mut Vec<Edit>) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let Some(span) = attr.value.span() else {
                    continue;
                };
                let rewrite =
                    if path.len() == 1 && path[0] == "variable" && attr.key.as_str() == "type" {
                        Rewrite::VariableType
                    } else {
                        Rewrite::Value
                    };
                edits.push(Edit { span, rewrite });
            }
            Structure::Block(block) => {
                if let Some(span) = label_span(block) {
                    edits.push(Edit {
                        span,
                        rewrite: Rewrite::Labels,
                    });
                }
                path.push(block.ident.as_str().to_string());
                collect(&block.body, path, edits);
                path.pop();
            }
        }
    }
}

fn label_span(block: &Block) -> Option<Range<usize>> {
    let start = block.ident.span()?.end;
    let end = block.labels.last().and_then(BlockLabel::span)?.end;
    Some(start..end)
}

fn unwrap_interpolation(tokens: &[Token]) -> Vec<Token> {
    let n = tokens.len();
    let wrapped = n >= 5
        && tokens[0].kind == Kind::OQuote
        && tokens[1].kind == Kind::TemplateInterp
        && tokens[n - 2].kind == Kind::TemplateSeqEnd
        && tokens[n - 1].kind == Kind::CQuote;
    if !wrapped {
        return tokens.to_vec();
    }
    let inside = &tokens[2..n - 2];

    // Only a single interpolation with no literal text around it can be
    // unwrapped. Quoted strings nested in the expression may contain
    // anything.
    let mut quotes = 0usize;
    for tok in inside {
        match tok.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes = quotes.saturating_sub(1),
            _ if quotes > 0 => {}
            Kind::TemplateInterp | Kind::TemplateSeqEnd | Kind::QuotedLit => {
                return tokens.to_vec();
            }
            _ => {}
        }
    }

    let first = inside.iter().position(|t| t.kind != Kind::Newline);
    let last = inside.iter().rposition(|t| t.kind != Kind::Newline);
    let (Some(first), Some(last)) = (first, last) else {
        return tokens.to_vec();
    };
    let inner = &inside[first..=last];

    // Line breaks were harmless inside `${ }` but would end the attribute
    // once unwrapped, so a multi-line expression gets parentheses. A line
    // comment counts as a line break too.
    let multi_line = inner.iter().any(Token::ends_line);
    let parenthesized = inner.first().is_some_and(|t| t.kind == Kind::OParen)
        && inner.last().is_some_and(|t| t.kind == Kind::CParen);
    if !multi_line || parenthesized {
        return inner.to_vec();
    }
    let at = inner[0].start;
    let mut out = Vec::with_capacity(inner.len() + 2);
    out.push(Token::synthetic(Kind::OParen, "(", at));
    out.extend_from_slice(inner);
    out.push(Token::synthetic(Kind::CParen, ")", at));
    out
}

fn legacy_type(tokens: &[Token]) -> Vec<Token> {
    let call = |name: &str, arg: &str, at: usize| {
        vec![
            Token::synthetic(Kind::Ident, name, at),
            Token::synthetic(Kind::OParen, "(", at),
            Token::synthetic(Kind::Ident, arg, at),
            Token::synthetic(Kind::CParen, ")", at),
        ]
    };
    match tokens {
        // A collection keyword without element type means "of any".
        [t] if t.kind == Kind::Ident && matches!(t.text.as_str(), "list" | "map" | "set") => {
            call(&t.text, "any", t.start)
        }
        // Pre-0.12 quoted types, where collections held strings.
        [o, lit, c]
            if o.kind == Kind::OQuote && lit.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
        {
            match lit.text.as_str() {
                "string" => vec![Token::synthetic(Kind::Ident, "string", o.start)],
                "list" | "map" => call(&lit.text, "string", o.start),
                _ => tokens.to_vec(),
            }
        }
        _ => tokens.to_vec(),
    }
}

fn quote_labels(tokens: &[Token]) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len() + 2);
    for tok in tokens {
        match tok.kind {
            Kind::Comment => {}
            Kind::Ident => {
                out.push(Token::synthetic(Kind::OQuote, "\"", tok.start));
                out.push(Token::synthetic(Kind::QuotedLit, &tok.text, tok.start));
                out.push(Token::synthetic(Kind::CQuote, "\"", tok.start));
            }
            _ => out.push(tok.clone()),
        }
    }
    out
}
