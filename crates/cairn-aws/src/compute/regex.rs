//! A small regular-expression matcher for `aws_ami`'s `name_regex`: the
//! RE2 syntax such filters use (literals, `.`, classes, `\d\w\s`, groups,
//! alternation, `* + ? {n,m}`, anchors, a leading `(?i)`), with Go's
//! `MatchString` semantics (a match anywhere in the name). Syntax outside
//! that is rejected with a message rather than matched wrongly.

#[derive(Debug, Clone)]
enum ClassItem {
    Char(char),
    Range(char, char),
    Digit(bool),
    Word(bool),
    Space(bool),
}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<ClassItem>, bool),
    Start,
    End,
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, usize, Option<usize>),
}

#[derive(Debug)]
pub(super) struct Regex {
    alts: Vec<Vec<Node>>,
    ignore_case: bool,
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

fn class_escape(c: char) -> Option<ClassItem> {
    Some(match c {
        'd' => ClassItem::Digit(true),
        'D' => ClassItem::Digit(false),
        'w' => ClassItem::Word(true),
        'W' => ClassItem::Word(false),
        's' => ClassItem::Space(true),
        'S' => ClassItem::Space(false),
        _ => return None,
    })
}

fn literal_escape(c: char) -> Result<char, String> {
    match c {
        'n' => Ok('\n'),
        't' => Ok('\t'),
        'r' => Ok('\r'),
        c if c.is_ascii_punctuation() => Ok(c),
        c => Err(format!("the escape \\{c} is not supported")),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn alts(&mut self) -> Result<Vec<Vec<Node>>, String> {
        let mut out = vec![self.seq()?];
        while self.peek() == Some('|') {
            self.i += 1;
            out.push(self.seq()?);
        }
        Ok(out)
    }

    fn seq(&mut self) -> Result<Vec<Node>, String> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            out.push(self.quantified(atom)?);
        }
        Ok(out)
    }

    fn number(&mut self) -> Option<usize> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.s[start..self.i]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                let save = self.i;
                self.i += 1;
                let Some(min) = self.number() else {
                    // Not a repetition: a literal brace, as in RE2.
                    self.i = save;
                    return Ok(atom);
                };
                let max = if self.peek() == Some(',') {
                    self.i += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number().ok_or("a repetition {n,m} needs a number")?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') {
                    return Err("a repetition {n,m} is not closed".into());
                }
                if max.is_some_and(|m| m < min) {
                    return Err("a repetition {n,m} has m < n".into());
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.i += 1;
        // Lazy quantifiers match the same names; only the span differs.
        if self.peek() == Some('?') {
            self.i += 1;
        }
        if matches!(atom, Node::Start | Node::End) {
            return Err("an anchor cannot be repeated".into());
        }
        Ok(Node::Repeat(Box::new(atom), min, max))
    }

    fn atom(&mut self) -> Result<Node, String> {
        let c = self.peek().ok_or("unexpected end")?;
        self.i += 1;
        Ok(match c {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '*' | '+' | '?' => return Err(format!("nothing to repeat before {c:?}")),
            '(' => {
                if self.peek() == Some('?') {
                    self.i += 1;
                    match self.peek() {
                        Some(':') => self.i += 1,
                        Some('P') | Some('<') => {
                            while self.peek().is_some_and(|c| c != '>') {
                                self.i += 1;
                            }
                            self.i += 1;
                        }
                        _ => return Err("only (?:...) and named groups are supported".into()),
                    }
                }
                let alts = self.alts()?;
                if self.peek() != Some(')') {
                    return Err("a group is not closed".into());
                }
                self.i += 1;
                Node::Group(alts)
            }
            '[' => self.class()?,
            '\\' => {
                let e = self.peek().ok_or("trailing backslash")?;
                self.i += 1;
                match class_escape(e) {
                    Some(item) => Node::Class(vec![item], false),
                    None => Node::Char(literal_escape(e)?),
                }
            }
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Result<Node, String> {
        let mut negated = false;
        if self.peek() == Some('^') {
            negated = true;
            self.i += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or("a character class is not closed")?;
            self.i += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            if c == '[' && self.peek() == Some(':') {
                return Err("POSIX classes like [:alpha:] are not supported".into());
            }
            let lo = if c == '\\' {
                let e = self.peek().ok_or("trailing backslash")?;
                self.i += 1;
                if let Some(item) = class_escape(e) {
                    items.push(item);
                    continue;
                }
                literal_escape(e)?
            } else {
                c
            };
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|c| *c != ']') {
                self.i += 1;
                let mut hi = self.peek().ok_or("a character class is not closed")?;
                self.i += 1;
                if hi == '\\' {
                    let e = self.peek().ok_or("trailing backslash")?;
                    self.i += 1;
                    hi = literal_escape(e)?;
                }
                if hi < lo {
                    return Err(format!("invalid range {lo}-{hi}"));
                }
                items.push(ClassItem::Range(lo, hi));
            } else {
                items.push(ClassItem::Char(lo));
            }
        }
        Ok(Node::Class(items, negated))
    }
}

impl Regex {
    pub(super) fn new(pattern: &str) -> Result<Regex, String> {
        let (pattern, ignore_case) = match pattern.strip_prefix("(?i)") {
            Some(rest) => (rest, true),
            None => (pattern, false),
        };
        let chars: Vec<char> = pattern.chars().collect();
        let mut p = Parser { s: &chars, i: 0 };
        let alts = p.alts()?;
        if p.i != chars.len() {
            return Err("unbalanced parenthesis".into());
        }
        Ok(Regex { alts, ignore_case })
    }

    /// Whether the pattern matches anywhere in `s`.
    pub(super) fn is_match(&self, s: &str) -> bool {
        let text: Vec<char> = if self.ignore_case {
            s.chars().flat_map(char::to_lowercase).collect()
        } else {
            s.chars().collect()
        };
        let m = Matcher {
            s: &text,
            ignore_case: self.ignore_case,
        };
        (0..=text.len()).any(|start| m.alts(&self.alts, start, &|_| true))
    }
}

struct Matcher<'a> {
    s: &'a [char],
    ignore_case: bool,
}

impl Matcher<'_> {
    fn class_has(&self, items: &[ClassItem], c: char) -> bool {
        let lower = |x: char| {
            if self.ignore_case {
                x.to_lowercase().next().unwrap_or(x)
            } else {
                x
            }
        };
        items.iter().any(|it| match it {
            ClassItem::Char(x) => lower(*x) == c,
            ClassItem::Range(a, b) => {
                (*a..=*b).contains(&c)
                    || (self.ignore_case
                        && (*a..=*b).contains(&c.to_uppercase().next().unwrap_or(c)))
            }
            ClassItem::Digit(pos) => c.is_ascii_digit() == *pos,
            ClassItem::Word(pos) => (c.is_ascii_alphanumeric() || c == '_') == *pos,
            ClassItem::Space(pos) => c.is_ascii_whitespace() == *pos,
        })
    }

    fn alts(&self, alts: &[Vec<Node>], i: usize, k: &dyn Fn(usize) -> bool) -> bool {
        alts.iter().any(|seq| self.seq(seq, i, k))
    }

    fn seq(&self, seq: &[Node], i: usize, k: &dyn Fn(usize) -> bool) -> bool {
        match seq.split_first() {
            None => k(i),
            Some((n, rest)) => self.node(n, i, &|j| self.seq(rest, j, k)),
        }
    }

    fn node(&self, n: &Node, i: usize, k: &dyn Fn(usize) -> bool) -> bool {
        let cur = self.s.get(i).copied();
        match n {
            Node::Char(c) => {
                let c = if self.ignore_case {
                    c.to_lowercase().next().unwrap_or(*c)
                } else {
                    *c
                };
                cur == Some(c) && k(i + 1)
            }
            Node::Any => cur.is_some_and(|c| c != '\n') && k(i + 1),
            Node::Class(items, neg) => {
                cur.is_some_and(|c| self.class_has(items, c) != *neg) && k(i + 1)
            }
            Node::Start => i == 0 && k(i),
            Node::End => i == self.s.len() && k(i),
            Node::Group(alts) => self.alts(alts, i, k),
            Node::Repeat(inner, min, max) => self.repeat(inner, *min, *max, 0, i, k),
        }
    }

    fn repeat(
        &self,
        n: &Node,
        min: usize,
        max: Option<usize>,
        count: usize,
        i: usize,
        k: &dyn Fn(usize) -> bool,
    ) -> bool {
        // Greedy: one more repetition first, then stop if enough. An
        // empty repetition past the minimum would loop forever.
        if max.is_none_or(|m| count < m)
            && self.node(n, i, &|j| {
                (j != i || count < min) && self.repeat(n, min, max, count + 1, j, k)
            })
        {
            return true;
        }
        count >= min && k(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Regex::new(p)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .is_match(s)
    }

    #[test]
    fn matches_like_re2() {
        assert!(m(
            "^amzn-ami-hvm-.*-x86_64-gp2$",
            "amzn-ami-hvm-2017.09.1.20171103-x86_64-gp2"
        ));
        assert!(!m(
            "^amzn-ami-hvm-.*-x86_64-gp2$",
            "amzn-ami-pv-2017.09.1-x86_64-ebs"
        ));
        assert!(m("hvm", "amzn-ami-hvm-2017"));
        assert!(m(
            "^ubuntu/images/hvm-ssd/ubuntu-(focal|jammy)-\\d{2}\\.\\d{2}",
            "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64"
        ));
        assert!(!m("^ubuntu-(focal|jammy)$", "ubuntu-bionic"));
        assert!(m("[0-9]{4}\\.[0-9]+", "x-2018.03"));
        assert!(m("^a[^b]c$", "axc"));
        assert!(!m("^a[^b]c$", "abc"));
        assert!(m("(?i)^WINDOWS", "Windows_Server"));
        assert!(m("^$", ""));
        assert!(m("a{2,}b?", "caab"));
        assert!(!m("^a{2,3}$", "aaaa"));
        assert!(m("^(a*)*$", "aaaa"));
        assert!(m("^x[-_.]y$", "x.y"));
        assert!(m("\\w+\\s\\w+", "hello world"));
    }

    #[test]
    fn rejects_what_it_cannot_match() {
        assert!(Regex::new("(?=a)").is_err());
        assert!(Regex::new("(a").is_err());
        assert!(Regex::new("a)").is_err());
        assert!(Regex::new("*a").is_err());
        assert!(Regex::new("[a").is_err());
        assert!(Regex::new("\\1").is_err());
    }
}
