//! A whitespace-discarding tokenizer for HCL native syntax.
//!
//! The formatter works on tokens rather than on the syntax tree, the same way
//! Terraform's own formatter does: its rules are phrased in terms of "the
//! token before" and "the token after", and line structure is kept exactly as
//! written. Input is validated by hcl-edit before it gets here, so errors are
//! only reported for the few constructs hcl-edit accepts but Terraform reads
//! differently; anything else the lexer does not recognise becomes an
//! [`Kind::Invalid`] token copied through verbatim.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A line ending, `\n` or `\r\n`.
    Newline,
    /// `#`, `//` (including their line ending, if any) or `/* */` comment.
    Comment,
    Ident,
    Number,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    /// Literal text inside a quoted template.
    QuotedLit,
    /// `<<EOT` or `<<-EOT`, including the line ending that follows it.
    OHeredoc,
    /// The closing heredoc marker, including its leading indentation.
    CHeredoc,
    /// Literal text inside a heredoc template.
    StringLit,
    /// `${` or `${~`.
    TemplateInterp,
    /// `%{` or `%{~`.
    TemplateControl,
    /// `}` or `~}` closing an interpolation or directive.
    TemplateSeqEnd,
    Equal,
    EqualOp,
    NotEqual,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Dot,
    Comma,
    Ellipsis,
    DoubleColon,
    Colon,
    Question,
    FatArrow,
    Invalid,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    pub text: String,
    /// Byte offset of the token in the source, used to match tokens with
    /// hcl-edit's spans. Synthesized tokens reuse the offset of what they
    /// replace.
    pub start: usize,
    pub spaces_before: usize,
}

impl Token {
    pub(crate) fn synthetic(kind: Kind, text: &str, start: usize) -> Token {
        Token {
            kind,
            text: text.to_string(),
            start,
            spaces_before: 0,
        }
    }

    /// Newline tokens, and line comments that swallow their line ending,
    /// terminate a formatting line.
    pub(crate) fn ends_line(&self) -> bool {
        match self.kind {
            Kind::Newline => true,
            Kind::Comment => self.text.ends_with('\n'),
            _ => false,
        }
    }

    /// +1 for tokens that open a nesting level, -1 for those that close one.
    pub(crate) fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::OBrace
            | Kind::OBrack
            | Kind::OParen
            | Kind::TemplateInterp
            | Kind::TemplateControl => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

/// What the lexer is currently inside of.
enum Mode {
    /// Ordinary expression/structure tokens. `template` is set for the
    /// expression inside `${ }` or `%{ }`, where an unmatched `}` ends the
    /// sequence; `braces` counts the `{` still open within it.
    Expr {
        template: bool,
        braces: usize,
    },
    Quoted,
    /// `opened_at` is the offset of the `<<` for error reporting.
    Heredoc {
        delim: String,
        line_start: bool,
        opened_at: usize,
    },
}

pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

pub(crate) fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Input that hcl-edit accepts but Terraform rejects or reads differently.
#[derive(Debug)]
pub(crate) struct LexError {
    pub offset: usize,
    pub message: &'static str,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    modes: Vec<Mode>,
    error: Option<LexError>,
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
        modes: vec![Mode::Expr {
            template: false,
            braces: 0,
        }],
        error: None,
    };
    lexer.run();
    if let Some(err) = lexer.error {
        return Err(err);
    }
    // Not expected after hcl-edit accepted the input, but an unterminated
    // heredoc must not be formatted as if it were closed.
    if let Some(Mode::Heredoc { opened_at, .. }) = lexer
        .modes
        .iter()
        .find(|m| matches!(m, Mode::Heredoc { .. }))
    {
        return Err(LexError {
            offset: *opened_at,
            message: "unterminated heredoc; its closing marker must be alone on its line",
        });
    }
    Ok(lexer.tokens)
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn push(&mut self, kind: Kind, len: usize) {
        let end = (self.pos + len).min(self.src.len());
        let text = self.src.get(self.pos..end).unwrap_or("").to_string();
        self.tokens.push(Token {
            kind,
            text,
            start: self.pos,
            spaces_before: 0,
        });
        self.pos = end;
    }

    fn run(&mut self) {
        while self.pos < self.src.len() && self.error.is_none() {
            let before = self.pos;
            match self.modes.last() {
                Some(Mode::Quoted) => self.quoted(),
                Some(Mode::Heredoc { .. }) => self.heredoc(),
                Some(Mode::Expr { .. }) => self.expr(),
                None => {
                    // Only reachable if a stray closer popped the root mode;
                    // fall back to plain expression lexing.
                    self.modes.push(Mode::Expr {
                        template: false,
                        braces: 0,
                    });
                }
            }
            if self.pos == before && self.pos < self.src.len() && self.error.is_none() {
                // Defensive: never loop without progress.
                let len = self.peek().map_or(1, char::len_utf8);
                self.push(Kind::Invalid, len);
            }
        }
    }

    fn line_ending_len(&self) -> usize {
        let rest = self.rest();
        if rest.starts_with("\r\n") {
            2
        } else if rest.starts_with('\n') {
            1
        } else {
            0
        }
    }

    fn expr(&mut self) {
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return;
        };
        match c {
            ' ' | '\t' => self.pos += 1,
            '\r' if !rest.starts_with("\r\n") => self.pos += 1,
            '\n' | '\r' => {
                let len = self.line_ending_len();
                self.push(Kind::Newline, len);
            }
            '#' => self.line_comment(),
            '/' if rest.starts_with("//") => self.line_comment(),
            '/' if rest.starts_with("/*") => {
                let len = rest.find("*/").map_or(rest.len(), |i| i + 2);
                self.push(Kind::Comment, len);
                self.trim_comment();
            }
            '"' => {
                self.push(Kind::OQuote, 1);
                self.modes.push(Mode::Quoted);
            }
            '<' if rest.starts_with("<<") => {
                if !self.heredoc_open() {
                    self.push(Kind::Lt, 1);
                }
            }
            '{' => {
                if let Some(Mode::Expr { braces, .. }) = self.modes.last_mut() {
                    *braces += 1;
                }
                self.push(Kind::OBrace, 1);
            }
            '}' => self.close_brace(1),
            '~' if rest.starts_with("~}") && self.at_template_end() => self.close_brace(2),
            '0'..='9' => {
                let len = number_len(rest);
                self.push(Kind::Number, len);
            }
            c if is_ident_start(c) => {
                let len = rest
                    .char_indices()
                    .find(|&(_, c)| !is_ident_continue(c))
                    .map_or(rest.len(), |(i, _)| i);
                self.push(Kind::Ident, len);
            }
            _ => {
                let (kind, len) = operator(rest);
                self.push(kind, len);
            }
        }
    }

    /// True when a `}` here would end the innermost `${ }` / `%{ }`.
    fn at_template_end(&self) -> bool {
        matches!(
            self.modes.last(),
            Some(Mode::Expr {
                template: true,
                braces: 0
            })
        )
    }

    fn close_brace(&mut self, len: usize) {
        if self.at_template_end() {
            self.push(Kind::TemplateSeqEnd, len);
            self.modes.pop();
            return;
        }
        if let Some(Mode::Expr { braces, .. }) = self.modes.last_mut() {
            *braces = braces.saturating_sub(1);
        }
        self.push(Kind::CBrace, 1);
    }

    fn line_comment(&mut self) {
        let rest = self.rest();
        let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        self.push(Kind::Comment, len);
        self.trim_comment();
    }

    /// Trailing whitespace inside comments is dropped too, so that no
    /// formatted line ends in blanks.
    fn trim_comment(&mut self) {
        if let Some(tok) = self.tokens.last_mut() {
            tok.text = trim_line_ends(&tok.text);
        }
    }

    /// Recognises `<<ID` / `<<-ID` followed by a line ending.
    fn heredoc_open(&mut self) -> bool {
        let rest = self.rest();
        let after = rest.get(2..).unwrap_or("");
        let after = after.strip_prefix('-').unwrap_or(after);
        let marker_start = rest.len() - after.len();
        if !after.chars().next().is_some_and(is_ident_start) {
            return false;
        }
        let id_len = after
            .char_indices()
            .find(|&(_, c)| !is_ident_continue(c))
            .map_or(after.len(), |(i, _)| i);
        let tail = after.get(id_len..).unwrap_or("");
        let eol = if tail.starts_with("\r\n") {
            2
        } else if tail.starts_with('\n') {
            1
        } else {
            return false;
        };
        let delim = after.get(..id_len).unwrap_or("").to_string();
        let opened_at = self.pos;
        self.push(Kind::OHeredoc, marker_start + id_len + eol);
        self.modes.push(Mode::Heredoc {
            delim,
            line_start: true,
            opened_at,
        });
        true
    }

    /// Template sequence openers shared by quoted strings and heredocs.
    /// Returns true if one was consumed.
    fn template_open(&mut self) -> bool {
        let rest = self.rest();
        let kind = if rest.starts_with("${") {
            Kind::TemplateInterp
        } else if rest.starts_with("%{") {
            Kind::TemplateControl
        } else {
            return false;
        };
        let len = if rest.get(2..).is_some_and(|r| r.starts_with('~')) {
            3
        } else {
            2
        };
        self.push(kind, len);
        self.modes.push(Mode::Expr {
            template: true,
            braces: 0,
        });
        true
    }

    fn quoted(&mut self) {
        if self.rest().starts_with('"') {
            self.push(Kind::CQuote, 1);
            self.modes.pop();
            return;
        }
        if self.template_open() {
            return;
        }
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'"' | b'\n' => break,
                b'\\' => i += 2,
                b'$' | b'%'
                    if bytes.get(i + 1) == Some(&bytes[i]) && bytes.get(i + 2) == Some(&b'{') =>
                {
                    // `$${` and `%%{` are escapes for a literal `${` / `%{`.
                    i += 3
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => break,
                _ => i += 1,
            }
        }
        let len = i.min(bytes.len());
        if len == 0 {
            // Only a line break stops a literal at its start. hcl-edit
            // accepts one inside quotes; Terraform does not, and formatting
            // around it would mangle the file.
            self.error = Some(LexError {
                offset: self.pos,
                message:
                    "quoted strings may not be split over multiple lines; use \\n or a heredoc",
            });
            return;
        }
        self.push_lit(Kind::QuotedLit, len);
    }

    /// Pushes a literal of `len` bytes, snapping to a char boundary in case
    /// an escape skipped into the middle of a multi-byte char.
    fn push_lit(&mut self, kind: Kind, mut len: usize) {
        let rest = self.rest();
        while len < rest.len() && !rest.is_char_boundary(len) {
            len += 1;
        }
        self.push(kind, len);
    }

    fn heredoc(&mut self) {
        let Some(Mode::Heredoc {
            delim, line_start, ..
        }) = self.modes.last_mut()
        else {
            return;
        };
        let at_line_start = std::mem::replace(line_start, false);
        let delim = delim.clone();
        let rest = self.rest();
        if at_line_start {
            let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let after = rest.get(indent..).unwrap_or("");
            if let Some(tail) = after.strip_prefix(delim.as_str()) {
                let rest_of_line = tail.trim_start_matches([' ', '\t']);
                if rest_of_line.is_empty()
                    || rest_of_line.starts_with('\n')
                    || rest_of_line.starts_with("\r\n")
                {
                    // Blanks after the marker are dropped like any other
                    // trailing whitespace.
                    self.push(Kind::CHeredoc, indent + delim.len());
                    self.modes.pop();
                    return;
                }
                if !tail.chars().next().is_some_and(is_ident_continue) {
                    // hcl-edit ends the heredoc here, Terraform reads the
                    // line as content; formatting either way could change
                    // the meaning, so refuse.
                    self.error = Some(LexError {
                        offset: self.pos + indent,
                        message: "heredoc closing marker must be alone on its line",
                    });
                    return;
                }
            }
        }
        if self.template_open() {
            return;
        }
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let mut i = 0;
        let mut ended_line = false;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    i += 1;
                    ended_line = true;
                    break;
                }
                b'$' | b'%'
                    if bytes.get(i + 1) == Some(&bytes[i]) && bytes.get(i + 2) == Some(&b'{') =>
                {
                    i += 3
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => break,
                _ => i += 1,
            }
        }
        self.push_lit(Kind::StringLit, i);
        if ended_line {
            if let Some(Mode::Heredoc { line_start, .. }) = self.modes.last_mut() {
                *line_start = true;
            }
        }
    }
}

/// Length of a number literal: digits, an optional fraction and exponent.
fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |from: usize| {
        b.get(from..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let mut i = digits(0);
    if b.get(i) == Some(&b'.') && digits(i + 1) > 0 {
        i += 1 + digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let exp = digits(i + 1 + sign);
        if exp > 0 {
            i += 1 + sign + exp;
        }
    }
    i
}

fn operator(s: &str) -> (Kind, usize) {
    const TWO: [(&str, Kind); 8] = [
        ("==", Kind::EqualOp),
        ("!=", Kind::NotEqual),
        ("<=", Kind::Le),
        (">=", Kind::Ge),
        ("&&", Kind::And),
        ("||", Kind::Or),
        ("=>", Kind::FatArrow),
        ("::", Kind::DoubleColon),
    ];
    if s.starts_with("...") {
        return (Kind::Ellipsis, 3);
    }
    for (op, kind) in TWO {
        if s.starts_with(op) {
            return (kind, 2);
        }
    }
    let kind = match s.chars().next() {
        Some('[') => Kind::OBrack,
        Some(']') => Kind::CBrack,
        Some('(') => Kind::OParen,
        Some(')') => Kind::CParen,
        Some('=') => Kind::Equal,
        Some('<') => Kind::Lt,
        Some('>') => Kind::Gt,
        Some('!') => Kind::Bang,
        Some('+') => Kind::Plus,
        Some('-') => Kind::Minus,
        Some('*') => Kind::Star,
        Some('/') => Kind::Slash,
        Some('%') => Kind::Percent,
        Some('.') => Kind::Dot,
        Some(',') => Kind::Comma,
        Some(':') => Kind::Colon,
        Some('?') => Kind::Question,
        Some(c) => return (Kind::Invalid, c.len_utf8()),
        None => return (Kind::Invalid, 0),
    };
    (kind, 1)
}

/// Removes spaces and tabs before every line ending (and at the very end).
pub(crate) fn trim_line_ends(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (content, ending) = if let Some(c) = line.strip_suffix("\r\n") {
            (c, "\r\n")
        } else if let Some(c) = line.strip_suffix('\n') {
            (c, "\n")
        } else {
            (line, "")
        };
        out.push_str(content.trim_end_matches([' ', '\t']));
        out.push_str(ending);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, String)> {
        tokenize(src)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn template_tokens() {
        let toks = kinds(r#"a = "x${~ b ~}y$${z}%{ if c }d%{ endif }""#);
        let got: Vec<Kind> = toks.iter().map(|t| t.0).collect();
        use Kind::*;
        assert_eq!(
            got,
            vec![
                Ident,
                Equal,
                OQuote,
                QuotedLit,
                TemplateInterp,
                Ident,
                TemplateSeqEnd,
                QuotedLit,
                TemplateControl,
                Ident,
                Ident,
                TemplateSeqEnd,
                QuotedLit,
                TemplateControl,
                Ident,
                TemplateSeqEnd,
                CQuote
            ]
        );
        assert_eq!(toks[7].1, "y$${z}");
    }

    #[test]
    fn heredoc_tokens() {
        let toks = kinds("a = <<-EOT\n  x ${y}\n  EOTX\n  EOT\nb = 1\n");
        let got: Vec<(Kind, &str)> = toks.iter().map(|t| (t.0, t.1.as_str())).collect();
        use Kind::*;
        assert_eq!(
            got,
            vec![
                (Ident, "a"),
                (Equal, "="),
                (OHeredoc, "<<-EOT\n"),
                (StringLit, "  x "),
                (TemplateInterp, "${"),
                (Ident, "y"),
                (TemplateSeqEnd, "}"),
                (StringLit, "\n"),
                (StringLit, "  EOTX\n"),
                (CHeredoc, "  EOT"),
                (Newline, "\n"),
                (Ident, "b"),
                (Equal, "="),
                (Number, "1"),
                (Newline, "\n"),
            ]
        );
    }

    #[test]
    fn numbers_and_operators() {
        let toks = kinds("x = 1.5e+3 + a.0.b... != -2");
        let got: Vec<&str> = toks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            got,
            vec!["x", "=", "1.5e+3", "+", "a", ".", "0", ".", "b", "...", "!=", "-", "2"]
        );
    }

    #[test]
    fn nested_braces_in_interpolation() {
        let toks = kinds(r#""${ {a = 1} }""#);
        let got: Vec<Kind> = toks.iter().map(|t| t.0).collect();
        use Kind::*;
        assert_eq!(
            got,
            vec![
                OQuote,
                TemplateInterp,
                OBrace,
                Ident,
                Equal,
                Number,
                CBrace,
                TemplateSeqEnd,
                CQuote
            ]
        );
    }

    #[test]
    fn line_break_in_quoted_string_is_an_error() {
        let err = tokenize("a = \"${b}\nc\"\n").unwrap_err();
        assert_eq!(err.offset, 9);
    }

    #[test]
    fn heredoc_marker_must_be_alone_on_its_line() {
        let toks = kinds("a = <<EOT\nEOTX : 1\n  EOT  \n");
        let got: Vec<(Kind, &str)> = toks.iter().map(|t| (t.0, t.1.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Kind::Ident, "a"),
                (Kind::Equal, "="),
                (Kind::OHeredoc, "<<EOT\n"),
                (Kind::StringLit, "EOTX : 1\n"),
                (Kind::CHeredoc, "  EOT"),
                (Kind::Newline, "\n"),
            ]
        );
        let err = tokenize("a = x ? <<EOT\n EOT : 1\n").unwrap_err();
        assert_eq!(err.offset, 15);
    }

    #[test]
    fn comments_are_trimmed() {
        let toks = kinds("# a  \r\n/* b \n c */");
        assert_eq!(toks[0].1, "# a\r\n");
        assert_eq!(toks[1].1, "/* b\n c */");
    }
}
