//! Whitespace layout of a token stream, following Terraform's formatter.
//!
//! Line breaks are never added or removed; only the spaces before each token
//! change. Each line is split into up to three cells: the "lead" (everything
//! up to an attribute's `=`), the "assign" cell (`=` and a value that closes
//! on the same line) and a trailing comment. Consecutive lines that have an
//! assign cell get their `=` aligned, and consecutive lines with trailing
//! comments get those aligned.

use crate::lexer::{Kind, Token};
use unicode_segmentation::UnicodeSegmentation;

/// Index ranges into the token vector: lead is `start..assign`, the assign
/// cell `assign..comment` and the comment cell `comment..end`.
struct Line {
    start: usize,
    assign: usize,
    comment: usize,
    end: usize,
}

impl Line {
    fn has_assign(&self) -> bool {
        self.assign < self.comment
    }

    fn has_comment(&self) -> bool {
        self.comment < self.end
    }
}

pub(crate) fn layout(tokens: &mut [Token]) {
    let lines = split_lines(tokens);
    indent(tokens, &lines);
    space(tokens, &lines);
    align(tokens, &lines);
}

pub(crate) fn render(tokens: &[Token]) -> String {
    let mut out = String::new();
    for tok in tokens {
        out.extend(std::iter::repeat_n(' ', tok.spaces_before));
        out.push_str(&tok.text);
    }
    out
}

/// Sum of bracket changes over `tokens`, ignoring everything from a heredoc
/// opener on: heredoc content lives inside a single formatting line and must
/// not affect the indentation of the lines around it.
fn net_brackets(tokens: &[Token]) -> i32 {
    let mut net = 0;
    for tok in tokens {
        net += tok.bracket_change();
        if tok.kind == Kind::OHeredoc {
            break;
        }
    }
    net
}

fn split_lines(tokens: &[Token]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, tok) in tokens.iter().enumerate() {
        if tok.ends_line() {
            lines.push(cells(tokens, start, i + 1));
            start = i + 1;
        }
    }
    if start < tokens.len() {
        lines.push(cells(tokens, start, tokens.len()));
    }
    lines
}

fn cells(tokens: &[Token], start: usize, end: usize) -> Line {
    let mut body_end = end;
    if end - start > 1 && tokens[end - 1].kind == Kind::Comment {
        body_end = end - 1;
    }
    let mut assign = body_end;
    // Only the first `=` counts, and only if the value it introduces ends on
    // this line; an opening bracket means a multi-line value follows.
    if let Some(eq) = (start + 1..body_end).find(|&i| tokens[i].kind == Kind::Equal) {
        if net_brackets(&tokens[eq..body_end]) == 0 {
            assign = eq;
        }
    }
    Line {
        start,
        assign,
        comment: body_end,
        end,
    }
}

/// Two spaces per open bracket level. A line that opens several brackets at
/// once only indents its successors by one level, and closing them again
/// only dedents by one level.
fn indent(tokens: &mut [Token], lines: &[Line]) {
    let mut levels: Vec<i32> = Vec::new();
    for line in lines {
        let Some(first) = tokens.get(line.start) else {
            continue;
        };
        if first.kind == Kind::Newline {
            tokens[line.start].spaces_before = 0;
            continue;
        }
        let net = net_brackets(&tokens[line.start..line.assign])
            + net_brackets(&tokens[line.assign..line.comment]);
        if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = levels.last_mut() else {
                    break;
                };
                if closed >= *top {
                    closed -= *top;
                    levels.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        tokens[line.start].spaces_before = 2 * levels.len();
        if net > 0 {
            levels.push(net);
        }
    }
}

fn space(tokens: &mut [Token], lines: &[Line]) {
    for line in lines {
        space_cell(tokens, line.start, line.assign);
        if line.has_assign() {
            // The `=` is always separated from the name it assigns to.
            tokens[line.assign].spaces_before = 1;
            space_cell(tokens, line.assign, line.comment);
        }
    }
}

fn space_cell(tokens: &mut [Token], start: usize, end: usize) {
    for i in start..end.saturating_sub(1) {
        let before = if i > start {
            Some(tokens[i - 1].kind)
        } else {
            None
        };
        let spaced = space_between(&tokens[i], before, &tokens[i + 1]);
        tokens[i + 1].spaces_before = usize::from(spaced);
    }
}

fn is_closer(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd
    )
}

fn is_opener(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::OBrace | Kind::OBrack | Kind::OParen | Kind::TemplateInterp | Kind::TemplateControl
    )
}

/// Whether one space goes between `subject` and `after`; `before` is the
/// token preceding `subject` within the same cell. The order of the checks
/// matters: earlier rules win.
fn space_between(subject: &Token, before: Option<Kind>, after: &Token) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    if a == Newline {
        return false;
    }
    // Function calls, namespaced function names and attribute access.
    if s == Ident && a == OParen {
        return false;
    }
    if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) {
        return false;
    }
    if s == Dot || a == Dot {
        return false;
    }
    if a == Comma || a == Ellipsis {
        return false;
    }
    if s == Comma {
        return true;
    }
    // Template literal text is reproduced exactly.
    if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    // `for x in [a, b]`: here `in` is a keyword, not something being indexed.
    if s == Ident && subject.text == "in" && before == Some(Ident) {
        return true;
    }
    if a == OBrack && (s == Ident || s == Number || is_closer(s)) {
        return false;
    }
    if s == Bang {
        return false;
    }
    if s == Minus {
        // Negation hugs its operand; subtraction gets spaces. It is a
        // negation when nothing that could end an operand precedes it.
        return !matches!(
            before,
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Plus
                    | Star
                    | Slash
                    | Percent
                    | Minus
                    | EqualOp
                    | NotEqual
                    | Gt
                    | Ge
                    | Lt
                    | Le
                    | And
                    | Or
                    | Bang
            )
        );
    }
    // Braces get inner spaces (`{ a = 1 }`), except when empty (`{}`).
    if s == OBrace || a == CBrace {
        return !(s == OBrace && a == CBrace);
    }
    if matches!(s, TemplateInterp | TemplateControl) && a == OBrace {
        return true;
    }
    if s == CBrace && a == TemplateSeqEnd {
        return true;
    }
    if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) {
        return false;
    }
    if is_opener(s) || is_closer(a) {
        return false;
    }
    true
}

/// Display columns as Terraform counts them: grapheme clusters.
fn columns(tokens: &[Token]) -> usize {
    tokens
        .iter()
        .map(|t| t.spaces_before + t.text.graphemes(true).count())
        .sum()
}

fn align(tokens: &mut [Token], lines: &[Line]) {
    // `=` first, since moving it also moves any trailing comment.
    align_runs(
        tokens,
        lines,
        Line::has_assign,
        |l| l.start..l.assign,
        |l| l.assign,
    );
    align_runs(
        tokens,
        lines,
        Line::has_comment,
        |l| l.start..l.comment,
        |l| l.comment,
    );
}

/// For every run of consecutive lines satisfying `member`, pads the token at
/// `target` so that it starts one column after the widest `width` range.
fn align_runs(
    tokens: &mut [Token],
    lines: &[Line],
    member: fn(&Line) -> bool,
    width: fn(&Line) -> std::ops::Range<usize>,
    target: fn(&Line) -> usize,
) {
    for run in lines.split(|l| !member(l)) {
        let widest = run
            .iter()
            .map(|l| columns(&tokens[width(l)]))
            .max()
            .unwrap_or(0);
        for line in run {
            let w = columns(&tokens[width(line)]);
            tokens[target(line)].spaces_before = widest - w + 1;
        }
    }
}
