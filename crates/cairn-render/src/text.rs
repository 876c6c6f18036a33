//! Small text helpers shared by the renderers: colours, quoting, symbols.

use std::fmt::Write as _;

/// Emits ANSI colour codes, or nothing when colour is off. Codes are
/// written directly rather than through a markup language so that user
/// values containing `[red]` and the like are never interpreted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Paint(pub bool);

impl Paint {
    fn code(self, c: &'static str) -> &'static str {
        if self.0 {
            c
        } else {
            ""
        }
    }
    pub fn reset(self) -> &'static str {
        self.code("\x1b[0m")
    }
    pub fn bold(self) -> &'static str {
        self.code("\x1b[1m")
    }
    pub fn red(self) -> &'static str {
        self.code("\x1b[31m")
    }
    pub fn green(self) -> &'static str {
        self.code("\x1b[32m")
    }
    pub fn yellow(self) -> &'static str {
        self.code("\x1b[33m")
    }
    pub fn cyan(self) -> &'static str {
        self.code("\x1b[36m")
    }
    pub fn gray(self) -> &'static str {
        self.code("\x1b[90m")
    }
    /// `s` in `color`, reset afterwards.
    pub fn wrap(self, color: &'static str, s: &str) -> String {
        if self.0 {
            format!("{color}{s}{}", self.reset())
        } else {
            s.to_string()
        }
    }
}

/// The three-character action symbols of Terraform's plan output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Sym {
    Create,
    Update,
    Delete,
    DeleteThenCreate,
    CreateThenDelete,
    Read,
    NoOp,
}

impl Sym {
    /// The symbol, always three printable characters wide.
    pub fn render(self, p: Paint) -> String {
        match self {
            Sym::Create => format!("  {}+{}", p.green(), p.reset()),
            Sym::Update => format!("  {}~{}", p.yellow(), p.reset()),
            Sym::Delete => format!("  {}-{}", p.red(), p.reset()),
            Sym::DeleteThenCreate => {
                format!("{}-{}/{}+{}", p.red(), p.reset(), p.green(), p.reset())
            }
            Sym::CreateThenDelete => {
                format!("{}+{}/{}-{}", p.green(), p.reset(), p.red(), p.reset())
            }
            Sym::Read => format!(" {}<={}", p.cyan(), p.reset()),
            Sym::NoOp => "   ".to_string(),
        }
    }

    /// The legend line for the plan header.
    pub fn legend(self, p: Paint) -> String {
        let what = match self {
            Sym::Create => "create",
            Sym::Update => "update in-place",
            Sym::Delete => "destroy",
            Sym::DeleteThenCreate => "destroy and then create replacement",
            Sym::CreateThenDelete => "create replacement and then destroy",
            Sym::Read => "read (data resources)",
            Sym::NoOp => "no-op",
        };
        format!("{} {what}", self.render(p))
    }
}

/// Four spaces per level, as Terraform indents nested values.
pub(crate) fn indent(level: usize) -> String {
    "    ".repeat(level)
}

/// A string literal quoted as Go's `%q` does (Terraform renders strings
/// with it): `"` and `\` escaped, control characters as escapes, other
/// characters kept.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// True for names HCL accepts as identifiers.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// An attribute name as Terraform prints it: bare when it is an
/// identifier, quoted otherwise.
pub(crate) fn attr_name(s: &str) -> String {
    if is_identifier(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Pads `s` with spaces to `width` characters.
pub(crate) fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// A longest common subsequence of `xs` and `ys` under `eq`, as pairs of
/// indices, chosen exactly as Terraform's differ chooses it so that lists
/// diff the same way.
pub(crate) fn lcs_pairs<T>(xs: &[T], ys: &[T], eq: impl Fn(&T, &T) -> bool) -> Vec<(usize, usize)> {
    if xs.is_empty() || ys.is_empty() {
        return Vec::new();
    }
    let w = xs.len();
    let mut c = vec![0usize; xs.len() * ys.len()];
    let mut eqs = vec![false; xs.len() * ys.len()];
    for y in 0..ys.len() {
        for x in 0..xs.len() {
            if eq(&xs[x], &ys[y]) {
                eqs[w * y + x] = true;
                c[w * y + x] = if x == 0 || y == 0 {
                    1
                } else {
                    c[w * (y - 1) + (x - 1)] + 1
                };
            } else {
                let l = if x > 0 { c[w * y + (x - 1)] } else { 0 };
                let u = if y > 0 { c[w * (y - 1) + x] } else { 0 };
                c[w * y + x] = l.max(u);
            }
        }
    }
    let mut out = Vec::new();
    let (mut x, mut y) = (xs.len() as isize - 1, ys.len() as isize - 1);
    while x >= 0 && y >= 0 {
        let (ux, uy) = (x as usize, y as usize);
        if eqs[w * uy + ux] {
            out.push((ux, uy));
            x -= 1;
            y -= 1;
        } else {
            let l = if ux > 0 { c[w * uy + (ux - 1)] } else { 0 };
            let u = if uy > 0 { c[w * (uy - 1) + ux] } else { 0 };
            if l > u {
                x -= 1;
            } else {
                y -= 1;
            }
        }
    }
    out.reverse();
    out
}

/// Walks two sequences the way Terraform's `ProcessSlice` does: runs of
/// deletions and insertions between the common elements, where a deleted
/// and an inserted object facing each other are paired as an update.
/// `f(before, after)` gets `None` for the missing side.
pub(crate) fn process_slice<T>(
    before: &[T],
    after: &[T],
    eq: impl Fn(&T, &T) -> bool,
    is_obj: impl Fn(&T) -> bool,
    mut f: impl FnMut(Option<usize>, Option<usize>),
) {
    // Like Terraform, compare against the common elements' values (not
    // their positions), so duplicates pair up the same way.
    let common: Vec<usize> = lcs_pairs(before, after, &eq)
        .into_iter()
        .map(|(b, _)| b)
        .collect();
    let at_common = |li: usize, x: &T| li < common.len() && eq(x, &before[common[li]]);
    let (mut bi, mut ai, mut li) = (0usize, 0usize, 0usize);
    while bi < before.len() || ai < after.len() || li < common.len() {
        // Deleted elements up to the next common one.
        while bi < before.len() && !at_common(li, &before[bi]) {
            let paired = is_obj(&before[bi])
                && ai < after.len()
                && is_obj(&after[ai])
                && !at_common(li, &after[ai]);
            if paired {
                f(Some(bi), Some(ai));
                bi += 1;
                ai += 1;
                continue;
            }
            f(Some(bi), None);
            bi += 1;
        }
        // Inserted elements up to the next common one.
        while ai < after.len() && !at_common(li, &after[ai]) {
            f(None, Some(ai));
            ai += 1;
        }
        if li < common.len() {
            f(
                (bi < before.len()).then_some(bi),
                (ai < after.len()).then_some(ai),
            );
            bi += 1;
            ai += 1;
            li += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_matches_go() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(quote("\u{1}é${x}"), "\"\\x01é${x}\"");
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("foo_bar-1"));
        assert!(!is_identifier("1foo"));
        assert!(!is_identifier("a b"));
        assert_eq!(attr_name("a b"), "\"a b\"");
    }

    #[test]
    fn slices_walk_like_terraform() {
        let b = ["a", "b", "c"];
        let a = ["a", "x", "c", "d"];
        let mut steps = Vec::new();
        process_slice(&b, &a, |x, y| x == y, |_| false, |i, j| steps.push((i, j)));
        assert_eq!(
            steps,
            vec![
                (Some(0), Some(0)),
                (Some(1), None),
                (None, Some(1)),
                (Some(2), Some(2)),
                (None, Some(3)),
            ]
        );
    }
}
