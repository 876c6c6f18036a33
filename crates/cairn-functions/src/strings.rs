//! String functions.
//!
//! Terraform takes these from go-cty's `function/stdlib` and its own
//! `lang/funcs`; behaviour (including error texts) follows those. Where Go
//! and Rust libraries differ (case mapping, regular expressions, printf
//! formatting) the Go behaviour is reproduced here.

use std::cmp::Ordering;
use std::sync::OnceLock;

use cairn_value::{convert, Kind, Number, Type, Value};
use num_bigint::{BigInt, Sign};
use num_traits::Zero;
use regex::Regex;

use crate::typefns::friendly;
use crate::{FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    r.add(
        "upper",
        str_fn(&["str"], Type::String, |s| {
            Ok(Value::string(
                s[0].chars().map(simple_upper).collect::<String>(),
            ))
        }),
    );
    r.add(
        "lower",
        str_fn(&["str"], Type::String, |s| {
            Ok(Value::string(
                s[0].chars().map(simple_lower).collect::<String>(),
            ))
        }),
    );
    r.add(
        "title",
        str_fn(&["str"], Type::String, |s| Ok(Value::string(title(s[0])))),
    );
    r.add(
        "strrev",
        str_fn(&["str"], Type::String, |s| {
            Ok(Value::string(
                graphemes(s[0]).into_iter().rev().collect::<String>(),
            ))
        }),
    );
    r.add(
        "substr",
        Function::new(
            vec![
                Param::new("str", Type::String),
                Param::new("offset", Type::Number),
                Param::new("length", Type::Number),
            ],
            Type::String,
            |_, a| substr(str_arg(&a[0]), &a[1], &a[2]),
        ),
    );
    r.add(
        "join",
        Function::new(
            vec![Param::new("separator", Type::String)],
            Type::String,
            |_, a| join(a),
        )
        .variadic(Param::new("lists", Type::list(Type::String))),
    );
    r.add(
        "split",
        str_fn(&["separator", "str"], Type::list(Type::String), |s| {
            // Go's strings.Split with an empty separator splits into
            // characters (and "" into nothing), unlike str::split.
            let parts: Vec<Value> = if s[0].is_empty() {
                s[1].chars().map(|c| Value::string(c.to_string())).collect()
            } else {
                s[1].split(s[0]).map(Value::string).collect()
            };
            Ok(Value::list(Type::String, parts))
        }),
    );
    r.add(
        "replace",
        str_fn(&["str", "substr", "replace"], Type::String, |s| {
            replace(s[0], s[1], s[2])
        }),
    );
    r.add(
        "regex",
        Function::new(
            vec![
                Param::new("pattern", Type::String),
                Param::new("string", Type::String).allow_unknown(),
            ],
            Type::Dynamic,
            |_, a| regex_fn(a, false),
        ),
    );
    r.add(
        "regexall",
        Function::new(
            vec![
                Param::new("pattern", Type::String),
                Param::new("string", Type::String).allow_unknown(),
            ],
            Type::list(Type::Dynamic),
            |_, a| regex_fn(a, true),
        ),
    );
    r.add(
        "trim",
        str_fn(&["str", "cutset"], Type::String, |s| {
            Ok(Value::string(s[0].trim_matches(|c| s[1].contains(c))))
        }),
    );
    r.add(
        "trimprefix",
        str_fn(&["str", "prefix"], Type::String, |s| {
            Ok(Value::string(s[0].strip_prefix(s[1]).unwrap_or(s[0])))
        }),
    );
    r.add(
        "trimsuffix",
        str_fn(&["str", "suffix"], Type::String, |s| {
            Ok(Value::string(s[0].strip_suffix(s[1]).unwrap_or(s[0])))
        }),
    );
    r.add(
        "trimspace",
        str_fn(&["str"], Type::String, |s| Ok(Value::string(s[0].trim()))),
    );
    r.add(
        "chomp",
        // Terraform removes the regex `(?:\r\n?|\n)*\z`, i.e. every trailing
        // CR and LF.
        str_fn(&["str"], Type::String, |s| {
            Ok(Value::string(s[0].trim_end_matches(['\r', '\n'])))
        }),
    );
    r.add(
        "indent",
        Function::new(
            vec![
                Param::new("spaces", Type::Number),
                Param::new("str", Type::String),
            ],
            Type::String,
            |_, a| {
                let n = crate::numeric::int_arg(&a[0])?;
                let n = usize::try_from(n).map_err(|_| {
                    // Go's strings.Repeat panics here; cty reports the panic.
                    FuncError::new(
                        "panic in function implementation: strings: negative Repeat count",
                    )
                })?;
                let pad = format!("\n{}", " ".repeat(n));
                Ok(Value::string(str_arg(&a[1]).replace('\n', &pad)))
            },
        ),
    );
    r.add(
        "startswith",
        Function::new(
            vec![
                Param::new("str", Type::String).allow_unknown(),
                Param::new("prefix", Type::String),
            ],
            Type::Bool,
            |_, a| {
                let prefix = str_arg(&a[1]);
                if a[0].is_unknown() {
                    // Every string starts with "", known or not.
                    return Ok(if prefix.is_empty() {
                        Value::bool(true)
                    } else {
                        Value::unknown(Type::Bool)
                    });
                }
                Ok(Value::bool(str_arg(&a[0]).starts_with(prefix)))
            },
        ),
    );
    r.add(
        "endswith",
        str_fn(&["str", "suffix"], Type::Bool, |s| {
            Ok(Value::bool(s[0].ends_with(s[1])))
        }),
    );
    r.add(
        "strcontains",
        str_fn(&["str", "substr"], Type::Bool, |s| {
            Ok(Value::bool(s[0].contains(s[1])))
        }),
    );
    r.add(
        "format",
        Function::new(
            vec![Param::new("format", Type::String)],
            Type::String,
            |_, a| format_fsm(str_arg(&a[0]), &a[1..]).map(Value::string),
        )
        .variadic(Param::new("args", Type::Dynamic).allow_null()),
    );
    r.add(
        "formatlist",
        Function::new(
            vec![Param::new("format", Type::String)],
            Type::list(Type::String),
            |_, a| formatlist(str_arg(&a[0]), &a[1..]),
        )
        .variadic(
            Param::new("args", Type::Dynamic)
                .allow_null()
                .allow_unknown(),
        ),
    );
}

/// A string argument (already converted by the registry).
pub(crate) fn str_arg(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// A function of string parameters only.
fn str_fn(
    params: &[&'static str],
    returns: Type,
    f: impl Fn(&[&str]) -> Result<Value, FuncError> + Send + Sync + 'static,
) -> Function {
    Function::new(
        params.iter().map(|p| Param::new(p, Type::String)).collect(),
        returns,
        move |_, a| {
            let strs: Vec<&str> = a.iter().map(str_arg).collect();
            f(&strs)
        },
    )
}

// ---------------------------------------------------------------------------
// Characters

/// Unicode extended grapheme clusters (UAX #29), which Terraform counts as
/// "characters" in `length`, `substr`, `strrev` and `format` widths.
pub(crate) fn graphemes(s: &str) -> Vec<&str> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            \p{gcb=CR}\p{gcb=LF}
            | [\p{gcb=Control}\p{gcb=CR}\p{gcb=LF}]
            | \p{gcb=Prepend}*
              (?:
                (?: \p{gcb=L}* (?: \p{gcb=V}+ | \p{gcb=LV}\p{gcb=V}* | \p{gcb=LVT} ) \p{gcb=T}*
                  | \p{gcb=L}+
                  | \p{gcb=T}+ )
                | \p{gcb=RI}\p{gcb=RI}
                | \p{Extended_Pictographic} (?: \p{gcb=Extend}* \p{gcb=ZWJ} \p{Extended_Pictographic} )*
                | [^\p{gcb=Control}\p{gcb=CR}\p{gcb=LF}]
              )
              [\p{gcb=Extend}\p{gcb=ZWJ}\p{gcb=SpacingMark}]*
            | (?s:.)",
        )
        .ok()
    });
    match re {
        Some(re) => re.find_iter(s).map(|m| m.as_str()).collect(),
        // Not expected (the pattern is fixed); fall back to code points.
        None => s
            .char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect(),
    }
}

/// Go's `unicode.ToUpper`: the simple (one-to-one) case mapping, so `ß`
/// stays `ß` where Rust's full mapping would give `SS`.
fn simple_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        // Greek letters with ypogegrammeni map to their titlecase forms.
        _ => match c as u32 {
            0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
                char::from_u32(c as u32 + 8).unwrap_or(c)
            }
            0x1FB3 => '\u{1FBC}',
            0x1FC3 => '\u{1FCC}',
            0x1FF3 => '\u{1FFC}',
            _ => c,
        },
    }
}

/// Go's `unicode.ToLower` (simple mapping, no final-sigma rule).
fn simple_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    let mut low = c.to_lowercase();
    match (low.next(), low.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Go's `strings.Title`: the first letter of each word in title case.
fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_word_separator(prev) {
                match c {
                    'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
                    'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
                    'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
                    'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
                    _ => simple_upper(c),
                }
            } else {
                c
            };
            prev = c;
            out
        })
        .collect()
}

fn is_word_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    c.is_whitespace()
}

/// Quotes like Go's `%q` / `strconv.Quote`, used in error messages.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        go_escape(c, '"', &mut out);
    }
    out.push('"');
    out
}

/// Quotes a rune like Go's `%q`: `'x'`.
fn go_quote_rune(c: char) -> String {
    let mut out = String::from("'");
    go_escape(c, '\'', &mut out);
    out.push('\'');
    out
}

fn go_escape(c: char, quote: char, out: &mut String) {
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push(c),
    }
}

// ---------------------------------------------------------------------------
// substr, join, replace

fn substr(s: &str, offset: &Value, length: &Value) -> Result<Value, FuncError> {
    let mut offset = crate::numeric::int_arg(offset)?;
    let length = crate::numeric::int_arg(length)?;
    let clusters = graphemes(s);
    if offset < 0 {
        offset += clusters.len() as i64;
    } else if length == 0 {
        return Ok(Value::string(""));
    }
    // cty skips `offset` clusters only when it is positive, so a negative
    // offset reaching before the start means "from the start".
    let start = usize::try_from(offset).unwrap_or(0);
    if start > clusters.len() {
        return Ok(Value::string(""));
    }
    let rest = &clusters[start..];
    // cty takes the remainder for any negative length, and also for a
    // length of zero when the offset was negative (its loop never stops).
    let take = match usize::try_from(length) {
        Ok(0) | Err(_) => rest.len(),
        Ok(n) => n.min(rest.len()),
    };
    Ok(Value::string(rest[..take].concat()))
}

fn join(a: &[Value]) -> Result<Value, FuncError> {
    let sep = str_arg(&a[0]);
    let lists = &a[1..];
    if lists.is_empty() {
        return Err(FuncError::new("at least one list is required"));
    }
    let mut items = Vec::new();
    for (li, list) in lists.iter().enumerate() {
        for (ei, v) in list.as_seq().unwrap_or(&[]).iter().enumerate() {
            if v.is_null() {
                let msg = if lists.len() > 1 {
                    format!(
                        "element {ei} of list {} is null; cannot concatenate null values",
                        li + 1
                    )
                } else {
                    format!("element {ei} is null; cannot concatenate null values")
                };
                return Err(FuncError::arg(li + 1, msg));
            }
            items.push(str_arg(v));
        }
    }
    Ok(Value::string(items.join(sep)))
}

fn replace(s: &str, substr: &str, with: &str) -> Result<Value, FuncError> {
    // A substring wrapped in slashes is a regular expression.
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        let pattern = &substr[1..substr.len() - 1];
        let re = go_regex(pattern).map_err(|e| {
            FuncError::new(format!("error parsing regexp: {}: `{}`", e.code, e.expr))
        })?;
        return Ok(Value::string(re.replace_all(s, with)));
    }
    Ok(Value::string(s.replace(substr, with)))
}

// ---------------------------------------------------------------------------
// Regular expressions

/// A pattern error in Go's terms (`regexp/syntax.Error`).
struct RegexError {
    code: String,
    expr: String,
}

/// Compiles a pattern with Go's RE2 semantics: `\d`, `\s`, `\w` and `\b` are
/// ASCII-only, `\Q...\E` quotes, `{` that starts no repetition is a
/// literal, and Rust-only syntax is refused.
fn go_regex(pattern: &str) -> Result<Regex, RegexError> {
    let translated = translate_go_regex(pattern)?;
    Regex::new(&translated).map_err(|e| {
        let text = e.to_string();
        let msg = text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or(&text)
            .to_string();
        let whole = pattern.to_string();
        let (code, expr) = match msg.as_str() {
            "unclosed group" => ("missing closing )", whole),
            "unopened group" => ("unexpected )", whole),
            "unclosed character class" => ("missing closing ]", whole),
            "repetition operator missing expression" => {
                ("missing argument to repetition operator", whole)
            }
            "incomplete escape sequence, reached end of pattern prematurely" => {
                ("trailing backslash at end of expression", String::new())
            }
            m if m.contains("escape")
                || m.contains("backreference")
                || m.contains("hexadecimal") =>
            {
                ("invalid escape sequence", whole)
            }
            m if m.starts_with("invalid character class range")
                || m.starts_with("Unicode property")
                || m.starts_with("invalid Unicode") =>
            {
                ("invalid character class range", whole)
            }
            m if m.contains("repetition") || m.starts_with("decimal literal") => {
                ("invalid repeat count", whole)
            }
            m if m.contains("flag") || m.contains("look-around") => {
                ("invalid or unsupported Perl syntax", whole)
            }
            m if m.contains("capture group") => ("invalid named capture", whole),
            m if m.contains("nested") => ("expression nests too deeply", whole),
            m => (m, whole),
        };
        RegexError {
            code: code.to_string(),
            expr,
        }
    })
}

fn translate_go_regex(p: &str) -> Result<String, RegexError> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 16);
    let mut i = 0;
    let mut in_class = false;
    // Just after `[` or `[^`, where `]` is a literal.
    let mut class_start = false;
    // Where the previous repetition operator began, to refuse `a**` as Go
    // does.
    let mut last_repeat: Option<usize> = None;
    let err = |code: &str, expr: String| RegexError {
        code: code.to_string(),
        expr,
    };
    while i < chars.len() {
        let c = chars[i];
        let mut repeat_at = None;
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                return Err(err(
                    "trailing backslash at end of expression",
                    String::new(),
                ));
            };
            if n == 'Q' && !in_class {
                let rest: String = chars[i + 2..].iter().collect();
                let (lit, used) = match rest.find("\\E") {
                    Some(k) => (&rest[..k], k + 2),
                    None => (&rest[..], rest.len()),
                };
                out.push_str(&regex::escape(lit));
                i += 2 + rest[..used].chars().count();
                last_repeat = None;
                continue;
            }
            let repl = match (n, in_class) {
                ('d', false) => "[0-9]",
                ('D', false) => "[^0-9]",
                ('s', false) => r"[\t\n\f\r ]",
                ('S', false) => r"[^\t\n\f\r ]",
                ('w', false) => "[0-9A-Za-z_]",
                ('W', false) => "[^0-9A-Za-z_]",
                ('b', false) => r"(?-u:\b)",
                ('B', false) => r"(?-u:\B)",
                ('d', true) => "0-9",
                ('s', true) => r"\t\n\f\r ",
                ('w', true) => "0-9A-Za-z_",
                ('D', true) => "[^0-9]",
                ('S', true) => r"[^\t\n\f\r ]",
                ('W', true) => "[^0-9A-Za-z_]",
                // Escaped punctuation is literal in Go; Rust reads these two
                // as word-boundary assertions.
                ('<', _) => "<",
                ('>', _) => ">",
                ('u' | 'U', _) => {
                    return Err(err("invalid escape sequence", format!("\\{n}")));
                }
                ('p' | 'P' | 'x', _) if chars.get(i + 2) == Some(&'{') => {
                    // `\p{Greek}`, `\x{263a}`: copy through the brace.
                    let end = chars[i..]
                        .iter()
                        .position(|&c| c == '}')
                        .map_or(chars.len(), |k| i + k + 1);
                    out.extend(&chars[i..end]);
                    i = end;
                    class_start = false;
                    last_repeat = None;
                    continue;
                }
                _ => {
                    out.push('\\');
                    out.push(n);
                    i += 2;
                    class_start = false;
                    last_repeat = None;
                    continue;
                }
            };
            out.push_str(repl);
            i += 2;
            class_start = false;
            last_repeat = None;
            continue;
        }
        if in_class {
            match c {
                ']' if !class_start => in_class = false,
                ']' => out.push('\\'),
                '[' if chars.get(i + 1) == Some(&':') => {
                    // A POSIX class such as `[:alpha:]`.
                    let rest: String = chars[i..].iter().collect();
                    if let Some(k) = rest.find(":]") {
                        out.push_str(&rest[..k + 2]);
                        i += rest[..k + 2].chars().count();
                        class_start = false;
                        continue;
                    }
                    out.push('\\');
                }
                // Rust reads these as nested classes and set operators.
                '[' | '&' | '~' => out.push('\\'),
                '-' if chars.get(i + 1) == Some(&'-') => out.push('\\'),
                _ => {}
            }
            out.push(c);
            class_start = false;
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                class_start = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                last_repeat = None;
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                // Go knows only the i, m, s and U flags and named groups.
                let mut j = i + 2;
                while j < chars.len() && matches!(chars[j], 'i' | 'm' | 's' | 'U' | '-') {
                    j += 1;
                }
                let ok = match chars.get(j) {
                    Some(':' | ')') => true,
                    Some('P') => chars.get(j + 1) == Some(&'<') && j == i + 2,
                    Some('<') => j == i + 2 && !matches!(chars.get(j + 1), Some('=' | '!')),
                    _ => false,
                };
                if !ok {
                    let end = (j + 1).min(chars.len());
                    return Err(err(
                        "invalid or unsupported Perl syntax",
                        chars[i..end].iter().collect(),
                    ));
                }
                // Copy `(?flags` so its `?` is not read as a repetition.
                out.extend(&chars[i..j]);
                i = j;
                last_repeat = None;
                continue;
            }
            '*' | '+' | '?' => repeat_at = Some(i),
            '{' => {
                // A counted repetition, or else a literal brace as in Go.
                let rest: String = chars[i..].iter().collect();
                let counted = rest.find('}').filter(|&k| {
                    let body = &rest[1..k];
                    let mut parts = body.splitn(2, ',');
                    let lo = parts.next().unwrap_or("");
                    let hi = parts.next();
                    !lo.is_empty()
                        && lo.chars().all(|c| c.is_ascii_digit())
                        && hi.is_none_or(|h| h.chars().all(|c| c.is_ascii_digit()))
                });
                match counted {
                    Some(k) => {
                        let n = rest[..k + 1].chars().count();
                        let too_big = rest[1..k]
                            .split(',')
                            .any(|d| d.parse::<u32>().map_or(!d.is_empty(), |d| d > 1000));
                        if too_big {
                            return Err(err("invalid repeat count", rest[..k + 1].to_string()));
                        }
                        if let Some(start) = last_repeat {
                            return Err(err(
                                "invalid nested repetition operator",
                                chars[start..i + n].iter().collect(),
                            ));
                        }
                        out.push_str(&rest[..k + 1]);
                        last_repeat = Some(i);
                        i += n;
                        if chars.get(i) == Some(&'?') {
                            out.push('?');
                            i += 1;
                        }
                        continue;
                    }
                    None => out.push('\\'),
                }
            }
            '}' => out.push('\\'),
            _ => {}
        }
        if let Some(at) = repeat_at {
            if let Some(start) = last_repeat {
                return Err(err(
                    "invalid nested repetition operator",
                    chars[start..=at].iter().collect(),
                ));
            }
            out.push(c);
            i += 1;
            // A `?` right after a repetition makes it lazy, not nested.
            if chars.get(i) == Some(&'?') {
                out.push('?');
                i += 1;
            }
            last_repeat = Some(at);
            continue;
        }
        last_repeat = None;
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// The result type of `regex` for a pattern: a string without capture
/// groups, a tuple of strings for unnamed groups, an object for named ones.
fn regex_result_type(re: &Regex) -> Result<Type, FuncError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().filter(|n| n.is_some()).count();
    let unnamed = names.len() - named;
    Ok(match (named, unnamed) {
        (0, 0) => Type::String,
        (n, u) if n > 0 && u > 0 => {
            return Err(FuncError::arg(
                0,
                "invalid regexp pattern: cannot mix both named and unnamed capture groups",
            ))
        }
        (0, u) => Type::Tuple(vec![Type::String; u]),
        _ => Type::object(
            names
                .iter()
                .flatten()
                .map(|n| (n.to_string(), Type::String))
                .collect(),
        ),
    })
}

fn regex_fn(a: &[Value], all: bool) -> Result<Value, FuncError> {
    let pattern = str_arg(&a[0]);
    let re = go_regex(pattern).map_err(|e| {
        FuncError::arg(
            0,
            format!("invalid regexp pattern: {} in {}", e.code, e.expr),
        )
    })?;
    let ty = regex_result_type(&re)?;
    if a[1].is_unknown() {
        return Ok(Value::unknown(if all { Type::list(ty) } else { ty }));
    }
    let s = str_arg(&a[1]);
    let result = |caps: regex::Captures| -> Value {
        let group = |i: usize| match caps.get(i) {
            Some(m) => Value::string(m.as_str()),
            // A group inside another group that did not match.
            None => Value::null(Type::String),
        };
        match &ty {
            Type::String => group(0),
            Type::Tuple(ts) => Value::tuple((1..=ts.len()).map(group).collect()),
            _ => Value::object(
                re.capture_names()
                    .enumerate()
                    .filter_map(|(i, n)| n.map(|n| (n.to_string(), group(i))))
                    .collect(),
            ),
        }
    };
    if all {
        let items: Vec<Value> = re.captures_iter(s).map(result).collect();
        return Ok(Value::list(ty.clone(), items));
    }
    match re.captures(s) {
        Some(caps) => Ok(result(caps)),
        None => Err(FuncError::new(
            "pattern did not match any part of the given string",
        )),
    }
}

// ---------------------------------------------------------------------------
// format and formatlist

/// One `%` sequence of a format string.
#[derive(Default)]
struct Verb<'a> {
    raw: &'a str,
    offset: usize,
    arg_num: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// The largest width or precision a format verb may ask for.
const MAX_FMT_SIZE: usize = 1_000_000;

/// Applies a format string to arguments, with cty's grammar:
/// `%` flags width precision `[argindex]` verb.
pub(crate) fn format_fsm(format: &str, args: &[Value]) -> Result<String, FuncError> {
    let b = format.as_bytes();
    let len = b.len();
    let mut out = String::with_capacity(len);
    let mut i = 0;
    let mut next_arg = 1;
    let mut highest = 0;
    let bad_char = |at: usize| {
        let c = format[at..].chars().next().unwrap_or('\u{FFFD}');
        FuncError::new(format!(
            "unrecognized format character {} at offset {at}",
            go_quote_rune(c)
        ))
    };
    let eof = || FuncError::new(format!("invalid format string starting at offset {len}"));
    let digits = |i: &mut usize| {
        let mut n: usize = 0;
        while *i < len && b[*i].is_ascii_digit() {
            n = n
                .saturating_mul(10)
                .saturating_add(usize::from(b[*i] - b'0'));
            *i += 1;
        }
        n
    };
    while i < len {
        if b[i] != b'%' {
            let next = format[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&format[i..i + next]);
            i += next;
            continue;
        }
        let start = i;
        i += 1;
        if i >= len {
            return Err(eof());
        }
        if b[i] == b'%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut v = Verb {
            offset: start,
            arg_num: next_arg,
            ..Verb::default()
        };
        while i < len {
            match b[i] {
                b'0' => v.zero = true,
                b'#' => v.sharp = true,
                b'-' => v.minus = true,
                b'+' => v.plus = true,
                b' ' => v.space = true,
                _ => break,
            }
            i += 1;
        }
        if i < len && (b'1'..=b'9').contains(&b[i]) {
            v.width = Some(digits(&mut i));
        }
        if i < len && b[i] == b'.' {
            i += 1;
            v.prec = Some(digits(&mut i));
        }
        // Go's fmt refuses widths and precisions above 10^6; so do we, rather
        // than build strings of any size the format asks for.
        if v.width.is_some_and(|w| w > MAX_FMT_SIZE) || v.prec.is_some_and(|p| p > MAX_FMT_SIZE) {
            return Err(FuncError::new(format!(
                "width or precision in {:?} at offset {start} is too large (at most {MAX_FMT_SIZE})",
                format.get(start..i).unwrap_or_default()
            )));
        }
        if i < len && b[i] == b'[' {
            i += 1;
            if i < len && (b'1'..=b'9').contains(&b[i]) {
                v.arg_num = digits(&mut i);
            } else if i < len {
                return Err(bad_char(i));
            } else {
                return Err(eof());
            }
            if i >= len {
                return Err(eof());
            }
            if b[i] != b']' {
                return Err(bad_char(i));
            }
            i += 1;
        }
        if i >= len {
            return Err(eof());
        }
        if !b[i].is_ascii_alphabetic() {
            return Err(bad_char(i));
        }
        v.mode = char::from(b[i]);
        i += 1;
        v.raw = &format[start..i];
        highest = highest.max(v.arg_num);
        format_append(&v, &mut out, args).map_err(FuncError::new)?;
        next_arg = v.arg_num + 1;
    }
    if highest < args.len() {
        // Extra arguments are an error, to catch mistakes.
        let msg = if highest == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {highest} used by format string")
        };
        return Err(FuncError::arg(highest + 1, msg));
    }
    Ok(out)
}

fn format_append(v: &Verb, out: &mut String, args: &[Value]) -> Result<(), String> {
    let raw = go_quote(v.raw);
    let Some(arg) = v.arg_num.checked_sub(1).and_then(|i| args.get(i)) else {
        return Err(format!(
            "not enough arguments for {raw} at {}: need index {} but have {} total",
            v.offset,
            v.arg_num,
            args.len()
        ));
    };
    if v.mode != 'v' && arg.is_null() {
        return Err(format!(
            "unsupported value for {raw} at {}: null value cannot be formatted",
            v.offset
        ));
    }
    let unsupported = |e: String| format!("unsupported value for {raw} at {}: {e}", v.offset);
    match v.mode {
        'v' => {
            let text = match &arg.kind {
                Kind::String(s) if !v.sharp => s.to_string(),
                Kind::Number(n) if !v.sharp => go_float(n, 'g', None),
                _ => cairn_value::json::encode(arg).map_err(|e| unsupported(e.to_string()))?,
            };
            out.push_str(&pad_width(v, &text));
        }
        't' => {
            let b = convert_msg(arg, &Type::Bool).map_err(unsupported)?;
            out.push_str(if b.as_bool() == Some(true) {
                "true"
            } else {
                "false"
            });
        }
        'b' | 'd' | 'o' | 'x' | 'X' => {
            let n = convert_msg(arg, &Type::Number).map_err(unsupported)?;
            let i = n
                .as_number()
                .and_then(Number::to_bigint)
                .ok_or_else(|| unsupported("an integer is required".into()))?;
            out.push_str(&go_int_verb(&i, v));
        }
        'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = convert_msg(arg, &Type::Number).map_err(unsupported)?;
            let n = n.as_number().cloned().unwrap_or_else(Number::zero);
            out.push_str(&go_float_verb(&n, v));
        }
        's' | 'q' => {
            let s = convert_msg(arg, &Type::String).map_err(unsupported)?;
            let mut s = str_arg(&s).to_string();
            if let Some(p) = v.prec.filter(|p| *p > 0) {
                s = graphemes(&s).into_iter().take(p).collect();
            }
            if v.mode == 'q' {
                let mut q = String::new();
                cairn_value::json::encode_str(&s, &mut q);
                s = q;
            }
            out.push_str(&pad_width(v, &s));
        }
        m => {
            return Err(format!(
                "unsupported format verb {} in {raw} at offset {}",
                go_quote_rune(m),
                v.offset
            ))
        }
    }
    Ok(())
}

/// Converts for a format verb, with cty's wording for type mismatches
/// ("number required, but have bool").
fn convert_msg(v: &Value, want: &Type) -> Result<Value, String> {
    convert(v, want).map_err(|e| {
        let msg = e.to_string();
        if msg == format!("{} required", friendly(want)) {
            format!("{msg}, but have {}", friendly(&v.ty()))
        } else {
            msg
        }
    })
}

/// Pads to the verb's width, counting characters as grapheme clusters.
fn pad_width(v: &Verb, s: &str) -> String {
    let Some(width) = v.width else {
        return s.to_string();
    };
    let have = graphemes(s).len();
    if have >= width {
        return s.to_string();
    }
    // cty pads with zeros when asked, even on the right.
    let pad = (if v.zero { "0" } else { " " }).repeat(width - have);
    if v.minus {
        format!("{s}{pad}")
    } else {
        format!("{pad}{s}")
    }
}

/// Go's `fmt` formatting of a big integer (`%b %d %o %x %X`).
fn go_int_verb(i: &BigInt, v: &Verb) -> String {
    let base = match v.mode {
        'b' => 2,
        'o' => 8,
        'x' | 'X' => 16,
        _ => 10,
    };
    let sign = if i.sign() == Sign::Minus {
        "-"
    } else if v.plus {
        "+"
    } else if v.space {
        " "
    } else {
        ""
    };
    let prefix = match (v.sharp, v.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut digits = i.magnitude().to_str_radix(base);
    if v.mode == 'X' {
        digits = digits.to_uppercase();
    }
    let mut zeros = 0;
    if let Some(p) = v.prec {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            // Zero with zero precision prints nothing at all.
            return String::new();
        }
    }
    let length = sign.len() + prefix.len() + zeros + digits.len();
    let (mut left, mut right) = (0, 0);
    if let Some(w) = v.width.filter(|w| length < *w) {
        let d = w - length;
        if v.minus {
            right = d;
        } else if v.zero && v.prec.is_none() {
            zeros += d;
        } else {
            left = d;
        }
    }
    format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    )
}

/// Go's `fmt` formatting of a big float (`%e %E %f %g %G`) with flags and
/// width.
fn go_float_verb(n: &Number, v: &Verb) -> String {
    let body = go_float(n, v.mode, v.prec);
    let (sign, body) = match body.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None if v.plus => ("+", body),
        None if v.space => (" ", body),
        None => ("", body),
    };
    let padding = v
        .width
        .map_or(0, |w| w.saturating_sub(sign.len() + body.len()));
    if v.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else if v.zero {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// A decimal mantissa as Go's `math/big` keeps it while formatting: the
/// value is 0.d1d2d3... × 10^exp, digits without trailing zeros.
struct Decimal {
    mant: Vec<u8>,
    exp: i64,
}

/// Go's `big.Float.Text(mode, prec)`; `prec` None means the shortest
/// representation for `g` and 6 digits for `e`/`f`. Terraform numbers are
/// 512-bit binary floats, so a decimal that ends exactly on a rounding tie
/// rounds the way its binary approximation falls.
pub(crate) fn go_float(n: &Number, mode: char, prec: Option<usize>) -> String {
    let (int, scale) = n.as_big().as_bigint_and_exponent();
    let neg = int.sign() == Sign::Minus;
    let mut mant = int.magnitude().to_string().into_bytes();
    let mut scale = scale;
    if int.is_zero() {
        mant.clear();
        scale = 0;
    }
    while mant.last() == Some(&b'0') {
        mant.pop();
        scale -= 1;
    }
    let mut d = Decimal {
        exp: mant.len() as i64 - scale,
        mant,
    };
    let tie = || binary_bias(n);
    let prec = prec.map(|p| p as i64);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    match mode {
        'e' | 'E' => {
            let p = prec.unwrap_or(6);
            round(&mut d, 1 + p, tie);
            fmt_e(&mut out, mode, p, &d);
        }
        'f' => {
            let p = prec.unwrap_or(6);
            let digits = d.exp + p;
            round(&mut d, digits, tie);
            fmt_f(&mut out, p, &d);
        }
        _ => {
            let shortest = prec.is_none();
            let mut p = match prec {
                None => d.mant.len() as i64,
                Some(0) => 1,
                Some(p) => p,
            };
            if !shortest {
                round(&mut d, p, tie);
            }
            let len = d.mant.len() as i64;
            let mut eprec = p;
            if eprec > len && len >= d.exp {
                eprec = len;
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.exp - 1;
            if exp < -4 || exp >= eprec {
                p = p.min(len);
                let e = if mode == 'G' { 'E' } else { 'e' };
                fmt_e(&mut out, e, p - 1, &d);
            } else {
                if p > d.exp {
                    p = len;
                }
                fmt_f(&mut out, (p - d.exp).max(0), &d);
            }
        }
    }
    out
}

/// Rounds to `n` significant digits, half to even on exact ties (as Go's
/// decimal rounding does), with `bias` telling which side of the decimal
/// the binary value lies.
fn round(d: &mut Decimal, n: i64, bias: impl FnOnce() -> Ordering) {
    let Ok(n) = usize::try_from(n) else { return };
    if n >= d.mant.len() {
        return;
    }
    let up = match d.mant[n].cmp(&b'5') {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal if n + 1 < d.mant.len() => true,
        Ordering::Equal => match bias() {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => n > 0 && (d.mant[n - 1] - b'0') % 2 == 1,
        },
    };
    if up {
        let mut k = n;
        while k > 0 && d.mant[k - 1] == b'9' {
            k -= 1;
        }
        if k == 0 {
            d.mant = vec![b'1'];
            d.exp += 1;
        } else {
            d.mant[k - 1] += 1;
            d.mant.truncate(k);
        }
    } else {
        d.mant.truncate(n);
        while d.mant.last() == Some(&b'0') {
            d.mant.pop();
        }
    }
}

fn fmt_e(out: &mut String, e: char, prec: i64, d: &Decimal) {
    out.push(char::from(*d.mant.first().unwrap_or(&b'0')));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as usize {
            out.push(char::from(*d.mant.get(i).unwrap_or(&b'0')));
        }
    }
    out.push(e);
    let exp = if d.mant.is_empty() { 0 } else { d.exp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.abs()));
}

fn fmt_f(out: &mut String, prec: i64, d: &Decimal) {
    if d.exp > 0 {
        for i in 0..d.exp as usize {
            out.push(char::from(*d.mant.get(i).unwrap_or(&b'0')));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            let j = d.exp + i;
            let c = usize::try_from(j)
                .ok()
                .and_then(|j| d.mant.get(j))
                .unwrap_or(&b'0');
            out.push(char::from(*c));
        }
    }
}

/// Where the 512-bit binary float nearest to `n` (how Terraform stores
/// numbers) lies relative to `n`: Greater, Less, or Equal when exact.
fn binary_bias(n: &Number) -> Ordering {
    const BITS: u64 = 512;
    let (int, scale) = n.as_big().as_bigint_and_exponent();
    let num = int.magnitude().clone();
    if num.is_zero() {
        return Ordering::Equal;
    }
    let (num, den) = if scale <= 0 {
        let exp = u32::try_from(-scale).unwrap_or(u32::MAX);
        (
            num * num_bigint::BigUint::from(10u32).pow(exp),
            num_bigint::BigUint::from(1u32),
        )
    } else {
        let exp = u32::try_from(scale).unwrap_or(u32::MAX);
        (num, num_bigint::BigUint::from(10u32).pow(exp))
    };
    // Scale so the quotient has exactly BITS bits: q = floor(num·2^k / den).
    let mut k = BITS as i64 + den.bits() as i64 - num.bits() as i64;
    loop {
        let (a, b) = if k >= 0 {
            (&num << k as usize, den.clone())
        } else {
            (num.clone(), &den << (-k) as usize)
        };
        let q = &a / &b;
        match q.bits().cmp(&BITS) {
            Ordering::Greater => k -= 1,
            Ordering::Less => k += 1,
            Ordering::Equal => {
                let r = &a - &q * &b;
                if r.is_zero() {
                    return Ordering::Equal;
                }
                let twice = r << 1usize;
                return match twice.cmp(&b) {
                    Ordering::Greater => Ordering::Greater,
                    Ordering::Less => Ordering::Less,
                    // Round half to even in binary.
                    Ordering::Equal if q.bit(0) => Ordering::Greater,
                    Ordering::Equal => Ordering::Less,
                };
            }
        }
    }
}

fn formatlist(format: &str, args: &[Value]) -> Result<Value, FuncError> {
    if args.is_empty() {
        return Ok(Value::list(
            Type::String,
            vec![Value::string(format_fsm(format, &[])?)],
        ));
    }
    // Sequences are iterated together; anything else repeats each time.
    let mut iter_len: Option<(usize, usize)> = None;
    let mut unknown = false;
    for (i, arg) in args.iter().enumerate() {
        let len = match (&arg.kind, arg.ty()) {
            (Kind::Null(_), _) => continue,
            (Kind::List(..) | Kind::Set(..) | Kind::Tuple(_), _) => arg.len().unwrap_or(0),
            // An unknown tuple still has a known length to check.
            (Kind::Unknown(_), Type::Tuple(ts)) => {
                unknown = true;
                ts.len()
            }
            (Kind::Unknown(_), Type::List(_) | Type::Set(_) | Type::Dynamic) => {
                unknown = true;
                continue;
            }
            _ => continue,
        };
        match iter_len {
            None => iter_len = Some((len, i)),
            Some((want, first)) if want != len => {
                return Err(FuncError::arg(
                    i + 1,
                    format!(
                        "argument {} has length {len}, which is inconsistent with argument {} of length {want}",
                        i + 1,
                        first + 1
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    if unknown {
        return Ok(Value::unknown(Type::list(Type::String)));
    }
    let n = iter_len.map_or(1, |(n, _)| n);
    let mut out = Vec::with_capacity(n);
    for it in 0..n {
        let call: Vec<Value> = args
            .iter()
            .map(|a| match (&a.kind, a.as_seq()) {
                (Kind::List(..) | Kind::Set(..) | Kind::Tuple(_), Some(items)) => {
                    items.get(it).cloned().unwrap_or_else(Value::dynamic_null)
                }
                _ => a.clone(),
            })
            .collect();
        if !call.iter().all(Value::is_wholly_known) {
            out.push(Value::unknown(Type::String));
            continue;
        }
        let s = format_fsm(format, &call).map_err(|e| {
            FuncError::new(format!("error on format iteration {it}: {}", e.message))
        })?;
        out.push(Value::string(s));
    }
    Ok(Value::list(Type::String, out))
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use cairn_value::{Type, Value};

    #[test]
    fn upper_lower() {
        assert_eq!(show("upper", vec![s("hello")]), "\"HELLO\"");
        assert_eq!(show("upper", vec![s("алло!")]), "\"АЛЛО!\"");
        assert_eq!(show("lower", vec![s("HELLO")]), "\"hello\"");
        assert_eq!(show("lower", vec![s("ΓΕΙΑ ΣΟΥ")]), "\"γεια σου\"");
        // Go's simple case mapping: no final sigma, no ß → SS.
        assert_eq!(show("lower", vec![s("ΟΔΟΣ")]), "\"οδοσ\"");
        assert_eq!(show("upper", vec![s("straße")]), "\"STRAßE\"");
        assert_eq!(show("upper", vec![n(1)]), "\"1\"");
        assert_eq!(
            show("upper", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(show("upper", vec![s("x").marked()]), "(sensitive value)");
        assert_eq!(
            show("upper", vec![]),
            "error: Not enough function arguments: Function \"upper\" expects 1 argument(s). Missing value for \"str\"."
        );
        assert_eq!(
            show("upper", vec![Value::null(Type::String)]),
            "error: Invalid function argument: Invalid value for \"str\" parameter: argument must not be null."
        );
        assert_eq!(
            show("lower", vec![tuple(vec![])]),
            "error: Invalid function argument: Invalid value for \"str\" parameter: string required."
        );
    }

    #[test]
    fn title_fn() {
        assert_eq!(show("title", vec![s("hello world")]), "\"Hello World\"");
        assert_eq!(
            show("title", vec![s("o'neil is_here-now")]),
            "\"O'Neil Is_here-Now\""
        );
        assert_eq!(show("title", vec![s("ǆemal")]), "\"ǅemal\"");
        assert_eq!(
            show("title", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(show("title", vec![s("x").marked()]), "(sensitive value)");
        assert_eq!(
            show("title", vec![obj(&[])]),
            "error: Invalid function argument: Invalid value for \"str\" parameter: string required."
        );
    }

    #[test]
    fn strrev_fn() {
        assert_eq!(show("strrev", vec![s("hello")]), "\"olleh\"");
        assert_eq!(show("strrev", vec![s("a ☃")]), "\"☃ a\"");
        // Grapheme clusters stay whole.
        assert_eq!(show("strrev", vec![s("e\u{301}x💃🏿")]), "\"💃🏿xe\u{301}\"");
        assert_eq!(
            show("strrev", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(show("strrev", vec![s("ab").marked()]), "(sensitive value)");
        assert_eq!(
            show("strrev", vec![]),
            "error: Not enough function arguments: Function \"strrev\" expects 1 argument(s). Missing value for \"str\"."
        );
    }

    #[test]
    fn substr_fn() {
        let sub = |x: &str, o: i64, l: i64| show("substr", vec![s(x), n(o), n(l)]);
        assert_eq!(sub("hello world", 1, 4), "\"ello\"");
        assert_eq!(sub("🤔🤷", 0, 1), "\"🤔\"");
        assert_eq!(sub("hello world", -5, -1), "\"world\"");
        assert_eq!(sub("hello world", 6, 10), "\"world\"");
        assert_eq!(sub("hello", 5, 2), "\"\"");
        assert_eq!(sub("hello", 9, 2), "\"\"");
        assert_eq!(sub("hello", 1, 0), "\"\"");
        assert_eq!(sub("hello", -9, 2), "\"he\"");
        assert_eq!(sub("hello", 0, -3), "\"hello\"");
        assert_eq!(
            show("substr", vec![s("hello"), num("1.5"), n(1)]),
            "error: Error in function call: Call to function \"substr\" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
        assert_eq!(
            show("substr", vec![s("hello"), unknown(Type::Number), n(1)]),
            "(known after apply)"
        );
        assert_eq!(
            show("substr", vec![s("hello").marked(), n(0), n(1)]),
            "(sensitive value)"
        );
    }

    #[test]
    fn join_fn() {
        assert_eq!(
            show("join", vec![s("-"), strs(&["foo", "bar", "baz"])]),
            "\"foo-bar-baz\""
        );
        assert_eq!(
            show("join", vec![s(", "), strs(&["foo", "bar", "baz"])]),
            "\"foo, bar, baz\""
        );
        assert_eq!(show("join", vec![s(", "), strs(&["foo"])]), "\"foo\"");
        assert_eq!(
            show(
                "join",
                vec![s(","), tuple(vec![n(1), b(true)]), strs(&["x"])]
            ),
            "\"1,true,x\""
        );
        assert_eq!(
            show("join", vec![s(",")]),
            "error: Error in function call: Call to function \"join\" failed: at least one list is required."
        );
        assert_eq!(
            show("join", vec![s(","), tuple(vec![s("a"), Value::null(Type::String)])]),
            "error: Invalid function argument: Invalid value for \"lists\" parameter: element 1 is null; cannot concatenate null values."
        );
        assert_eq!(
            show("join", vec![s(","), strs(&["a"]), tuple(vec![Value::null(Type::String)])]),
            "error: Invalid function argument: Invalid value for \"lists\" parameter: element 0 of list 2 is null; cannot concatenate null values."
        );
        assert_eq!(
            show(
                "join",
                vec![s(","), tuple(vec![s("a"), unknown(Type::String)])]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("join", vec![s(","), tuple(vec![s("a"), s("b").marked()])]),
            "(sensitive value)"
        );
    }

    #[test]
    fn split_fn() {
        assert_eq!(
            show("split", vec![s(","), s("foo,bar,baz")]),
            "tolist([\n  \"foo\",\n  \"bar\",\n  \"baz\",\n])"
        );
        assert_eq!(
            show("split", vec![s(","), s("foo")]),
            "tolist([\n  \"foo\",\n])"
        );
        assert_eq!(show("split", vec![s(","), s("")]), "tolist([\n  \"\",\n])");
        assert_eq!(
            show("split", vec![s(""), s("ab")]),
            "tolist([\n  \"a\",\n  \"b\",\n])"
        );
        assert_eq!(show("split", vec![s(""), s("")]), "tolist([])");
        assert_eq!(
            call_ty("split", vec![s(","), unknown(Type::String)]),
            Type::list(Type::String)
        );
        assert_eq!(
            show("split", vec![s(","), s("a,b").marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show("split", vec![s(",")]),
            "error: Not enough function arguments: Function \"split\" expects 2 argument(s). Missing value for \"str\"."
        );
    }

    #[test]
    fn replace_fn() {
        assert_eq!(
            show("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]),
            "\"1 - 2 - 3\""
        );
        assert_eq!(
            show(
                "replace",
                vec![s("hello world"), s("/w.*d/"), s("everybody")]
            ),
            "\"hello everybody\""
        );
        assert_eq!(
            show(
                "replace",
                vec![s("hello world"), s("/(\\w+) (\\w+)/"), s("$2 $1")]
            ),
            "\"world hello\""
        );
        assert_eq!(
            show(
                "replace",
                vec![
                    s("key=value"),
                    s("/(?P<k>\\w+)=(?P<v>\\w+)/"),
                    s("${v}=${k}")
                ]
            ),
            "\"value=key\""
        );
        // A single slash is a plain substring.
        assert_eq!(show("replace", vec![s("a/b"), s("/"), s("-")]), "\"a-b\"");
        assert_eq!(
            show("replace", vec![s("abc"), s(""), s("-")]),
            "\"-a-b-c-\""
        );
        assert_eq!(
            show("replace", vec![s("x"), s("/(/"), s("y")]),
            "error: Error in function call: Call to function \"replace\" failed: error parsing regexp: missing closing ): `(`."
        );
        assert_eq!(
            show("replace", vec![unknown(Type::String), s("a"), s("b")]),
            "(known after apply)"
        );
        assert_eq!(
            show("replace", vec![s("abc"), s("b").marked(), s("x")]),
            "(sensitive value)"
        );
    }

    #[test]
    fn regex_fn() {
        assert_eq!(
            show(
                "regex",
                vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")]
            ),
            "\"aaabbbccc\""
        );
        assert_eq!(
            show(
                "regex",
                vec![s("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)"), s("2019-02-01")]
            ),
            "[\n  \"2019\",\n  \"02\",\n  \"01\",\n]"
        );
        assert_eq!(
            show(
                "regex",
                vec![
                    s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"),
                    s("https://terraform.io/docs/")
                ]
            ),
            "{\n  \"authority\" = \"terraform.io\"\n  \"scheme\"    = \"https\"\n}"
        );
        assert_eq!(
            show("regex", vec![s("[a-z]+"), s("53453453.34534523454")]),
            "error: Error in function call: Call to function \"regex\" failed: pattern did not match any part of the given string."
        );
        // A group that did not take part in the match is null.
        assert_eq!(
            show("regex", vec![s("(a)|(b)"), s("b")]),
            "[\n  null,\n  \"b\",\n]"
        );
        // Go's \d and \w are ASCII-only.
        assert_eq!(show("regex", vec![s("\\w+"), s("été")]), "\"t\"");
        assert_eq!(show("regex", vec![s("\\Qa.b\\E"), s("xa.b")]), "\"a.b\"");
        assert_eq!(show("regex", vec![s("a{,"), s("a{,")]), "\"a{,\"");
        assert_eq!(
            show("regex", vec![s("(?P<a>x)(y)"), s("xy")]),
            "error: Invalid function argument: Invalid value for \"pattern\" parameter: invalid regexp pattern: cannot mix both named and unnamed capture groups."
        );
        assert_eq!(
            show("regex", vec![s("a**"), s("a")]),
            "error: Invalid function argument: Invalid value for \"pattern\" parameter: invalid regexp pattern: invalid nested repetition operator in **."
        );
        assert_eq!(
            show("regex", vec![s("(?x)a"), s("a")]),
            "error: Invalid function argument: Invalid value for \"pattern\" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?x."
        );
        // The pattern decides the type even when the string is unknown.
        let u = call("regex", vec![s("(a)(b)"), unknown(Type::String)]).unwrap();
        assert!(u.is_unknown());
        assert_eq!(u.ty(), Type::Tuple(vec![Type::String, Type::String]));
        assert_eq!(
            show("regex", vec![s("("), unknown(Type::String)]),
            "error: Invalid function argument: Invalid value for \"pattern\" parameter: invalid regexp pattern: missing closing ) in (."
        );
        assert_eq!(
            show("regex", vec![s("a"), s("a").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn regexall_fn() {
        assert_eq!(
            show("regexall", vec![s("[a-z]+"), s("1234abcd5678efgh9")]),
            "tolist([\n  \"abcd\",\n  \"efgh\",\n])"
        );
        assert_eq!(
            show("regexall", vec![s("[a-z]+"), s("123456789")]),
            "tolist([])"
        );
        assert_eq!(
            show("regexall", vec![s("(?P<k>\\w)=(?P<v>\\d)"), s("a=1 b=2")]),
            "tolist([\n  {\n    \"k\" = \"a\"\n    \"v\" = \"1\"\n  },\n  {\n    \"k\" = \"b\"\n    \"v\" = \"2\"\n  },\n])"
        );
        assert_eq!(
            call_ty("regexall", vec![s("(x)"), s("y")]),
            Type::list(Type::Tuple(vec![Type::String]))
        );
        assert_eq!(
            call_ty("regexall", vec![s("x"), unknown(Type::String)]),
            Type::list(Type::String)
        );
        assert_eq!(
            show("regexall", vec![s("[a-"), s("x")]),
            "error: Invalid function argument: Invalid value for \"pattern\" parameter: invalid regexp pattern: missing closing ] in [a-."
        );
        assert_eq!(
            show("regexall", vec![s("a").marked(), s("a")]),
            "(sensitive value)"
        );
    }

    #[test]
    fn trim_family() {
        assert_eq!(show("trim", vec![s("?!hello?!"), s("!?")]), "\"hello\"");
        assert_eq!(show("trim", vec![s("foobar"), s("far")]), "\"oob\"");
        assert_eq!(
            show("trim", vec![s("   hello! world.!  "), s("! ")]),
            "\"hello! world.\""
        );
        assert_eq!(
            show("trimprefix", vec![s("helloworld"), s("hello")]),
            "\"world\""
        );
        assert_eq!(
            show("trimprefix", vec![s("helloworld"), s("cat")]),
            "\"helloworld\""
        );
        assert_eq!(show("trimprefix", vec![s("--hello"), s("-")]), "\"-hello\"");
        assert_eq!(
            show("trimsuffix", vec![s("helloworld"), s("world")]),
            "\"hello\""
        );
        assert_eq!(
            show("trimsuffix", vec![s("helloworld"), s("cat")]),
            "\"helloworld\""
        );
        assert_eq!(show("trimsuffix", vec![s("hello--"), s("-")]), "\"hello-\"");
        assert_eq!(show("trimspace", vec![s("  hello\n\n")]), "\"hello\"");
        assert_eq!(show("trimspace", vec![s("\u{a0}x\u{2003}")]), "\"x\"");
        for f in ["trim", "trimprefix", "trimsuffix"] {
            assert_eq!(
                show(f, vec![unknown(Type::String), s("x")]),
                "(known after apply)"
            );
            assert_eq!(
                show(f, vec![s("xax").marked(), s("x")]),
                "(sensitive value)"
            );
            assert!(show(f, vec![s("x")]).starts_with("error: Not enough function arguments"));
        }
        assert_eq!(
            show("trimspace", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("trimspace", vec![s(" x ").marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show("trimspace", vec![Value::null(Type::String)]),
            "error: Invalid function argument: Invalid value for \"str\" parameter: argument must not be null."
        );
    }

    #[test]
    fn chomp_fn() {
        assert_eq!(show("chomp", vec![s("hello\n")]), "\"hello\"");
        assert_eq!(show("chomp", vec![s("hello\r\n")]), "\"hello\"");
        assert_eq!(show("chomp", vec![s("hello\n\n")]), "\"hello\"");
        assert_eq!(show("chomp", vec![s("hel\nlo\n\r")]), "<<EOT\nhel\nlo\nEOT");
        assert_eq!(
            show("chomp", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(show("chomp", vec![s("x\n").marked()]), "(sensitive value)");
        assert_eq!(
            show("chomp", vec![tuple(vec![])]),
            "error: Invalid function argument: Invalid value for \"str\" parameter: string required."
        );
    }

    #[test]
    fn indent_fn() {
        assert_eq!(
            show("indent", vec![n(2), s("[\n  foo,\n  bar,\n]\n")]),
            "<<EOT\n[\n    foo,\n    bar,\n  ]\n  \nEOT"
        );
        assert_eq!(
            show("indent", vec![n(4), s("a\nb")]),
            "<<EOT\na\n    b\nEOT"
        );
        assert_eq!(
            show("indent", vec![num("1.5"), s("a")]),
            "error: Error in function call: Call to function \"indent\" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
        assert_eq!(
            show("indent", vec![unknown(Type::Number), s("a")]),
            "(known after apply)"
        );
        assert_eq!(
            show("indent", vec![n(1), s("a").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn startswith_endswith_strcontains() {
        assert_eq!(
            show("startswith", vec![s("hello world"), s("hello")]),
            "true"
        );
        assert_eq!(
            show("startswith", vec![s("hello world"), s("world")]),
            "false"
        );
        assert_eq!(show("endswith", vec![s("hello world"), s("world")]), "true");
        assert_eq!(
            show("endswith", vec![s("hello world"), s("hello")]),
            "false"
        );
        assert_eq!(
            show("strcontains", vec![s("hello world"), s("wor")]),
            "true"
        );
        assert_eq!(
            show("strcontains", vec![s("hello world"), s("wod")]),
            "false"
        );
        // Every string starts with "", even an unknown one.
        assert_eq!(
            show("startswith", vec![unknown(Type::String), s("")]),
            "true"
        );
        assert_eq!(
            show("startswith", vec![unknown(Type::String), s("a")]),
            "(known after apply)"
        );
        assert_eq!(
            show("endswith", vec![unknown(Type::String), s("a")]),
            "(known after apply)"
        );
        assert_eq!(
            show("strcontains", vec![s("abc"), unknown(Type::String)]),
            "(known after apply)"
        );
        for f in ["startswith", "endswith", "strcontains"] {
            assert_eq!(
                show(f, vec![s("abc").marked(), s("a")]),
                "(sensitive value)"
            );
            assert_eq!(
                show(f, vec![s("a"), Value::null(Type::String)])
                    .split(':')
                    .next(),
                Some("error")
            );
        }
    }

    fn fmt(f: &str, args: Vec<Value>) -> String {
        let mut all = vec![s(f)];
        all.extend(args);
        show("format", all)
    }

    #[test]
    fn format_doc_examples() {
        assert_eq!(fmt("Hello, %s!", vec![s("Ander")]), "\"Hello, Ander!\"");
        assert_eq!(
            fmt("There are %d lights", vec![n(4)]),
            "\"There are 4 lights\""
        );
        assert_eq!(
            fmt(
                "%[1]s%[2]s%[1]s%[3]s",
                vec![s("/"), s("path"), s("file.tf")]
            ),
            "\"/path/file.tf\""
        );
        assert_eq!(fmt("%#v", vec![s("hello")]), "\"\\\"hello\\\"\"");
        assert_eq!(fmt("%#v", vec![b(true)]), "\"true\"");
        assert_eq!(fmt("%#v", vec![n(1)]), "\"1\"");
        assert_eq!(fmt("%#v", vec![obj(&[("a", n(1))])]), "\"{\\\"a\\\":1}\"");
        assert_eq!(fmt("%#v", vec![tuple(vec![b(true)])]), "\"[true]\"");
        assert_eq!(fmt("%#v", vec![Value::dynamic_null()]), "\"null\"");
        assert_eq!(fmt("%s%02d", vec![s("bar"), n(3)]), "\"bar03\"");
    }

    #[test]
    fn format_verbs() {
        assert_eq!(
            fmt("%v %v %v", vec![s("a"), n(2), b(false)]),
            "\"a 2 false\""
        );
        assert_eq!(fmt("%v", vec![obj(&[])]), "\"{}\"");
        assert_eq!(fmt("%v", vec![Value::null(Type::Bool)]), "\"null\"");
        assert_eq!(fmt("%%%v", vec![b(false)]), "\"%false\"");
        assert_eq!(fmt("%t", vec![s("true")]), "\"true\"");
        assert_eq!(fmt("%q", vec![b(false)]), "\"\\\"false\\\"\"");
        assert_eq!(
            fmt("%10s|%-10s|", vec![s("hello"), s("hello")]),
            "\"     hello|hello     |\""
        );
        assert_eq!(fmt("%4s", vec![s("💃🏿")]), "\"   💃🏿\"");
        assert_eq!(
            fmt("%.2s|%.2q|%4.2s", vec![s("hello"), s("hello"), s("hello")]),
            "\"he|\\\"he\\\"|  he\""
        );
        assert_eq!(fmt("%.5s", vec![s("日本語日本語")]), "\"日本語日本\"");
        assert_eq!(fmt("%q", vec![s("a<b\n")]), "\"\\\"a\\\\u003cb\\\\n\\\"\"");
        assert_eq!(
            fmt(
                "%+d|% d|%5d|%-5d|%05d",
                vec![n(10), n(10), n(10), n(10), n(-42)]
            ),
            "\"+10| 10|   10|10   |-0042\""
        );
        assert_eq!(
            fmt(
                "%b %o %x %X %#x %.4d",
                vec![n(5), n(9), n(254), n(254), n(255), n(7)]
            ),
            "\"101 11 fe FE 0xff 0007\""
        );
        assert_eq!(
            fmt("%d", vec![s("123456789012345678901234567890")]),
            "\"123456789012345678901234567890\""
        );
        assert_eq!(
            fmt("%f|%+f|% f|%.1f", vec![n(10), n(10), n(-10), num("1.06")]),
            "\"10.000000|+10.000000|-10.000000|1.1\""
        );
        assert_eq!(
            fmt(
                "%9.2f|%-9.2f|%09.2f",
                vec![num("3.14159"), num("3.14159"), num("-3.14159")]
            ),
            "\"     3.14|3.14     |-00003.14\""
        );
        assert_eq!(
            fmt("%e %E %g %G", vec![n(1000), n(1000), n(1000), n(1000)]),
            "\"1.000000e+03 1.000000E+03 1000 1000\""
        );
        assert_eq!(
            fmt(
                "%g %G",
                vec![num("0.00000000000000000000001"), num("1e-23")]
            ),
            "\"1e-23 1E-23\""
        );
        assert_eq!(
            fmt("%f", vec![s("100000000000000000000000000000000000001")]),
            "\"100000000000000000000000000000000000001.000000\""
        );
        assert_eq!(
            fmt("%.4f", vec![s("1.00000000000000000000000000000000000001")]),
            "\"1.0000\""
        );
        // %v on numbers is Go's shortest %g: exponents from 1e+06.
        assert_eq!(
            fmt("%v %v %v", vec![num("1.5"), n(123456), n(1234567)]),
            "\"1.5 123456 1.234567e+06\""
        );
        assert_eq!(
            fmt("%.3g|%.3g|%g", vec![num("3.14159"), n(1), num("0.0001")]),
            "\"3.14|1|0.0001\""
        );
        // Ties round as the 512-bit binary value does: 0.125 is exact (to
        // even), 2.675 and 1.005 lie just below, 1.115 just above.
        assert_eq!(
            fmt(
                "%.2f %.2f %.2f %.2f %.0f %.0f",
                vec![
                    num("0.125"),
                    num("2.675"),
                    num("1.005"),
                    num("1.115"),
                    num("0.5"),
                    num("1.5")
                ]
            ),
            "\"0.12 2.67 1.00 1.12 0 2\""
        );
    }

    #[test]
    fn format_errors() {
        let fail = |m: &str| {
            format!("error: Error in function call: Call to function \"format\" failed: {m}.")
        };
        assert_eq!(
            fmt("%d", vec![s("x")]),
            fail("unsupported value for \"%d\" at 0: a number is required")
        );
        assert_eq!(
            fmt("%d things", vec![b(true)]),
            fail("unsupported value for \"%d\" at 0: number required, but have bool")
        );
        assert_eq!(
            fmt("%d", vec![num("1.5")]),
            fail("unsupported value for \"%d\" at 0: an integer is required")
        );
        assert_eq!(
            fmt("%s", vec![tuple(vec![])]),
            fail("unsupported value for \"%s\" at 0: string required, but have tuple")
        );
        assert_eq!(
            fmt("is %t", vec![Value::null(Type::Bool)]),
            fail("unsupported value for \"%t\" at 3: null value cannot be formatted")
        );
        assert_eq!(
            fmt("%s is not in the args list", vec![]),
            fail("not enough arguments for \"%s\" at 0: need index 1 but have 0 total")
        );
        assert_eq!(
            fmt("%[3]s", vec![b(true), b(true)]),
            fail("not enough arguments for \"%[3]s\" at 0: need index 3 but have 2 total")
        );
        assert_eq!(
            fmt("%[0]s", vec![b(true)]),
            fail("unrecognized format character '0' at offset 2")
        );
        assert_eq!(
            fmt("%v %v %v", vec![b(true), b(true)]),
            fail("not enough arguments for \"%v\" at 6: need index 3 but have 2 total")
        );
        assert_eq!(
            fmt("%z", vec![n(10)]),
            fail("unsupported format verb 'z' in \"%z\" at offset 0")
        );
        assert_eq!(
            fmt("%012z", vec![n(10)]),
            fail("unsupported format verb 'z' in \"%012z\" at offset 0")
        );
        assert_eq!(
            fmt("%☠", vec![n(10)]),
            fail("unrecognized format character '☠' at offset 1")
        );
        assert_eq!(
            fmt("abc%", vec![]),
            fail("invalid format string starting at offset 4")
        );
        assert_eq!(
            fmt("no format verbs at all", vec![n(10)]),
            "error: Invalid function argument: Invalid value for \"args\" parameter: too many arguments; no verbs in format string."
        );
        assert_eq!(
            fmt("only one verb %d", vec![n(10), n(11)]),
            "error: Invalid function argument: Invalid value for \"args\" parameter: too many arguments; only 1 used by format string."
        );
    }

    #[test]
    fn format_unknown_and_sensitive() {
        assert_eq!(
            fmt("Hello, %s!", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            fmt("%v", vec![tuple(vec![unknown(Type::String)])]),
            "(known after apply)"
        );
        assert_eq!(
            call_ty("format", vec![s("%v"), Value::dynamic_unknown()]),
            Type::String
        );
        assert_eq!(
            fmt("hello %s", vec![s("world").marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show("format", vec![s("hello %s").marked(), s("w")]),
            "(sensitive value)"
        );
    }

    fn fmtlist(f: &str, args: Vec<Value>) -> String {
        let mut all = vec![s(f)];
        all.extend(args);
        show("formatlist", all)
    }

    #[test]
    fn formatlist_fn() {
        assert_eq!(
            fmtlist("Hello, %s!", vec![strs(&["Valentina", "Ander", "Olivia", "Sam"])]),
            "tolist([\n  \"Hello, Valentina!\",\n  \"Hello, Ander!\",\n  \"Hello, Olivia!\",\n  \"Hello, Sam!\",\n])"
        );
        assert_eq!(
            fmtlist("%s, %s!", vec![s("Salutations"), strs(&["Valentina", "Ander", "Olivia", "Sam"])]),
            "tolist([\n  \"Salutations, Valentina!\",\n  \"Salutations, Ander!\",\n  \"Salutations, Olivia!\",\n  \"Salutations, Sam!\",\n])"
        );
        assert_eq!(fmtlist("100%%", vec![]), "tolist([\n  \"100%\",\n])");
        assert_eq!(fmtlist("%v", vec![tuple(vec![])]), "tolist([])");
        assert_eq!(
            fmtlist("%v", vec![Value::null(Type::list(Type::String))]),
            "tolist([\n  \"null\",\n])"
        );
        assert_eq!(
            fmtlist("%s=%s", vec![strs(&["a", "b"]), strs(&["1", "2", "3"])]),
            "error: Invalid function argument: Invalid value for \"args\" parameter: argument 2 has length 3, which is inconsistent with argument 1 of length 2."
        );
        assert_eq!(
            fmtlist("%d", vec![strs(&["1", "x"])]),
            "error: Error in function call: Call to function \"formatlist\" failed: error on format iteration 1: unsupported value for \"%d\" at 0: a number is required."
        );
        // Unknown elements make just their own results unknown.
        assert_eq!(
            fmtlist("%s", vec![tuple(vec![s("a"), unknown(Type::String)])]),
            "tolist([\n  \"a\",\n  (known after apply),\n])"
        );
        assert_eq!(
            fmtlist("%s", vec![unknown(Type::list(Type::String))]),
            "(known after apply)"
        );
        assert_eq!(
            fmtlist("%s", vec![unknown(Type::String)]),
            "tolist([\n  (known after apply),\n])"
        );
        assert_eq!(
            fmtlist("%s", vec![strs(&["a"]).marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn graphemes_count_clusters() {
        use super::graphemes;
        assert_eq!(graphemes("👾🕹️").len(), 2);
        assert_eq!(graphemes("e\u{301}").len(), 1);
        assert_eq!(graphemes("\r\n").len(), 1);
        assert_eq!(graphemes("🇩🇪🇫🇷").len(), 2);
        assert_eq!(graphemes("👨‍👩‍👧").len(), 1);
        assert_eq!(graphemes("한국어").len(), 3);
        assert_eq!(graphemes("\u{1100}\u{1161}\u{11A8}").len(), 1);
        assert_eq!(graphemes("").len(), 0);
    }
}
