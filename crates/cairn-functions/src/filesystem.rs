//! Filesystem functions: file, fileexists, fileset, filebase64, the file
//! hash functions, templatefile, abspath, basename, dirname and pathexpand.
//!
//! Paths are handled as Terraform (Go's `path/filepath`) does on Unix:
//! lexically cleaned, relative ones resolved against the context's base
//! directory, and errors worded as Go's `os` package words them.

use std::io::Read as _;

use cairn_value::{Kind, Type, Value};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use crate::encoding::redact;
use crate::hash::{b64, hex};
use crate::strings::str_arg;
use crate::{Context, FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    // The path parameters handle unknowns and marks themselves so errors
    // can hide sensitive paths, as Terraform's do.
    let path_param = || {
        Param::new("path", Type::String)
            .allow_unknown()
            .allow_marked()
    };
    r.add(
        "file",
        Function::new(vec![path_param()], Type::String, |ctx, a| {
            read_text(ctx, &a[0]).map(|v| v.mark(a[0].sensitive))
        }),
    );
    r.add(
        "filebase64",
        Function::new(vec![path_param()], Type::String, |ctx, a| {
            if a[0].is_unknown() {
                return Ok(Value::unknown(Type::String).mark(a[0].sensitive));
            }
            let bytes = read_file(ctx, str_arg(&a[0]), a[0].sensitive)?;
            Ok(Value::string(b64(&bytes)).mark(a[0].sensitive))
        }),
    );
    r.add(
        "fileexists",
        Function::new(vec![path_param()], Type::Bool, |ctx, a| {
            file_exists(ctx, &a[0])
        }),
    );
    r.add(
        "fileset",
        Function::new(
            vec![
                path_param(),
                Param::new("pattern", Type::String)
                    .allow_unknown()
                    .allow_marked(),
            ],
            Type::set(Type::String),
            |ctx, a| file_set(ctx, &a[0], &a[1]),
        ),
    );
    file_hash(r, "filemd5", |b| hex(&Md5::digest(b)));
    file_hash(r, "filesha1", |b| hex(&Sha1::digest(b)));
    file_hash(r, "filesha256", |b| hex(&Sha256::digest(b)));
    file_hash(r, "filesha512", |b| hex(&Sha512::digest(b)));
    file_hash(r, "filebase64sha256", |b| b64(&Sha256::digest(b)));
    file_hash(r, "filebase64sha512", |b| b64(&Sha512::digest(b)));
    r.add(
        "templatefile",
        Function::new(
            vec![
                path_param(),
                Param::new("vars", Type::Dynamic).allow_unknown(),
            ],
            Type::Dynamic,
            template_file,
        ),
    );
    r.add(
        "abspath",
        Function::new(
            vec![Param::new("path", Type::String)],
            Type::String,
            |ctx, a| {
                let p = str_arg(&a[0]);
                Ok(Value::string(if p.starts_with('/') {
                    clean(p)
                } else {
                    join(&ctx.base_dir.to_string_lossy(), p)
                }))
            },
        ),
    );
    r.add(
        "basename",
        Function::new(
            vec![Param::new("path", Type::String)],
            Type::String,
            |_, a| Ok(Value::string(basename(str_arg(&a[0])))),
        ),
    );
    r.add(
        "dirname",
        Function::new(
            vec![Param::new("path", Type::String)],
            Type::String,
            |_, a| Ok(Value::string(dirname(str_arg(&a[0])))),
        ),
    );
    r.add(
        "pathexpand",
        Function::new(
            vec![Param::new("path", Type::String)],
            Type::String,
            |_, a| {
                expand_home(str_arg(&a[0]))
                    .map(Value::string)
                    .map_err(FuncError::new)
            },
        ),
    );
}

// ---------------------------------------------------------------------------
// Go's lexical path handling.

/// Go's `filepath.Clean`.
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// Go's `filepath.Join` of two elements.
pub(crate) fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(b),
        (false, true) => clean(a),
        (false, false) => clean(&format!("{a}/{b}")),
    }
}

/// Go's `filepath.Base`.
fn basename(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// Go's `filepath.Dir`.
fn dirname(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".into(),
    }
}

/// Go's `filepath.Rel` for two absolute paths.
fn relative(base: &str, target: &str) -> String {
    let base = clean(base);
    let target = clean(target);
    let b: Vec<&str> = base.split('/').filter(|c| !c.is_empty()).collect();
    let t: Vec<&str> = target.split('/').filter(|c| !c.is_empty()).collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = vec![".."; b.len() - common];
    parts.extend(&t[common..]);
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Expands a leading `~` to the home directory, as the Go library
/// Terraform uses does (`~user` is not supported).
fn expand_home(path: &str) -> Result<String, String> {
    if !path.starts_with('~') {
        return Ok(path.to_string());
    }
    if path.len() > 1 && !path[1..].starts_with(['/', '\\']) {
        return Err("cannot expand user-specific home dir".into());
    }
    let home = std::env::var("HOME")
        .ok()
        .filter(|h| !h.is_empty())
        .ok_or("blank output when reading home directory")?;
    Ok(join(&home, &path[1..]))
}

/// The absolute, cleaned path Terraform opens for a path argument.
fn resolve(ctx: &Context, path: &str) -> Result<String, FuncError> {
    let path = expand_home(path).map_err(|e| FuncError::new(format!("failed to expand ~: {e}")))?;
    Ok(if path.starts_with('/') {
        clean(&path)
    } else {
        join(&ctx.base_dir.to_string_lossy(), &path)
    })
}

/// An OS error as Go words it: "open /x: no such file or directory".
fn go_os_error(op: &str, path: &str, e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    let text = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("{op} {path}: {text}")
}

// ---------------------------------------------------------------------------
// Reading files.

/// Where reading a file failed, for the callers' differing messages.
enum ReadError {
    NotFound,
    Open(String),
    Read(String),
    Expand(FuncError),
}

fn read_bytes(ctx: &Context, path: &str) -> Result<Vec<u8>, ReadError> {
    let full = resolve(ctx, path).map_err(ReadError::Expand)?;
    let mut f = match std::fs::File::open(&full) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::NotFound),
        Err(e) => return Err(ReadError::Open(go_os_error("open", &full, &e))),
    };
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|e| ReadError::Read(go_os_error("read", &full, &e)))?;
    Ok(buf)
}

/// Reads a file for `file`, `filebase64` and `templatefile`.
fn read_file(ctx: &Context, path: &str, sensitive: bool) -> Result<Vec<u8>, FuncError> {
    read_bytes(ctx, path).map_err(|e| match e {
        ReadError::NotFound => FuncError::arg(
            0,
            format!(
                "no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource",
                redact(path, sensitive)
            ),
        ),
        ReadError::Open(m) => FuncError::arg(0, m),
        ReadError::Read(m) => FuncError::arg(0, format!("failed to read file: {m}")),
        ReadError::Expand(e) => e,
    })
}

fn read_text(ctx: &Context, path: &Value) -> Result<Value, FuncError> {
    if path.is_unknown() {
        return Ok(Value::unknown(Type::String));
    }
    let p = str_arg(path);
    let bytes = read_file(ctx, p, path.sensitive)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        FuncError::new(format!(
            "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead",
            redact(p, path.sensitive)
        ))
    })?;
    Ok(Value::string(text))
}

/// A function hashing a file's bytes.
fn file_hash(r: &mut Registry, name: &str, f: fn(&[u8]) -> String) {
    r.add(
        name,
        Function::new(
            vec![Param::new("path", Type::String)],
            Type::String,
            move |ctx, a| {
                let bytes = read_bytes(ctx, str_arg(&a[0])).map_err(|e| match e {
                    ReadError::NotFound => {
                        let full = resolve(ctx, str_arg(&a[0])).unwrap_or_default();
                        FuncError::new(format!("open {full}: no such file or directory"))
                    }
                    ReadError::Open(m) | ReadError::Read(m) => FuncError::new(m),
                    ReadError::Expand(e) => e,
                })?;
                Ok(Value::string(f(&bytes)))
            },
        ),
    );
}

fn file_exists(ctx: &Context, path: &Value) -> Result<Value, FuncError> {
    let sensitive = path.sensitive;
    if path.is_unknown() {
        return Ok(Value::unknown(Type::Bool).mark(sensitive));
    }
    let full = resolve(ctx, str_arg(path))?;
    let meta = match std::fs::metadata(&full) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Value::bool(false).mark(sensitive))
        }
        Err(_) => {
            return Err(FuncError::new(format!(
                "failed to stat {}",
                redact(&full, sensitive)
            )))
        }
    };
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(Value::bool(true).mark(sensitive));
    }
    let name = redact(&full, sensitive);
    let what = if ft.is_dir() {
        "is a directory, not a file"
    } else {
        special_file_kind(&ft)
    };
    // Terraform attributes this error to a parameter the function does not
    // have, so it surfaces as a plain call failure.
    Err(FuncError::new(format!("{name} {what}")))
}

#[cfg(unix)]
fn special_file_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_block_device() || ft.is_char_device() {
        "is a device node, not a regular file"
    } else if ft.is_fifo() {
        "is a named pipe, not a regular file"
    } else if ft.is_socket() {
        "is a unix domain socket, not a regular file"
    } else {
        "is not a regular file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_: &std::fs::FileType) -> &'static str {
    "is not a regular file"
}

// ---------------------------------------------------------------------------
// fileset: the glob syntax of the doublestar library Terraform uses.

fn file_set(ctx: &Context, path: &Value, pattern: &Value) -> Result<Value, FuncError> {
    let sensitive = path.sensitive || pattern.sensitive;
    if path.is_unknown() || pattern.is_unknown() {
        return Ok(Value::unknown(Type::set(Type::String)).mark(sensitive));
    }
    let mut base = str_arg(path).to_string();
    if !base.starts_with('/') {
        base = join(&ctx.base_dir.to_string_lossy(), &base);
    }
    let full_pattern = join(&base, str_arg(pattern));
    let mut matches = Vec::new();
    glob(&full_pattern, &mut matches).map_err(|_| {
        FuncError::new(format!(
            "failed to glob pattern {}: syntax error in pattern",
            redact(&full_pattern, sensitive)
        ))
    })?;
    let mut out = Vec::new();
    for m in matches {
        let meta = std::fs::metadata(&m).map_err(|e| {
            FuncError::new(format!(
                "failed to stat {}: {}",
                redact(&m, sensitive),
                go_os_error("stat", &m, &e)
            ))
        })?;
        if meta.is_file() {
            out.push(Value::string(relative(&base, &m)));
        }
    }
    Ok(Value::set(Type::String, out).mark(sensitive))
}

/// A malformed pattern.
struct BadPattern;

/// Index of the first `sep` not escaped with a backslash.
fn index_unescaped(s: &[char], sep: char) -> Option<usize> {
    let i = s.iter().position(|&c| c == sep)?;
    if i > 0 && s[i - 1] == '\\' {
        let start = i + 1;
        return index_unescaped(&s[start..], sep).map(|j| j + start);
    }
    Some(i)
}

/// Splits on unescaped separators; a trailing separator yields a final
/// empty part.
fn split_unescaped(s: &[char], sep: char) -> Vec<Vec<char>> {
    if !s.contains(&sep) {
        return vec![s.to_vec()];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut empty_end = false;
    while start < s.len() {
        match index_unescaped(&s[start..], sep) {
            Some(end) => {
                out.push(s[start..start + end].to_vec());
                start += end + 1;
                empty_end = true;
            }
            None => {
                out.push(s[start..].to_vec());
                empty_end = false;
                start = s.len();
            }
        }
    }
    if empty_end {
        out.push(Vec::new());
    }
    out
}

fn glob(pattern: &str, out: &mut Vec<String>) -> Result<(), BadPattern> {
    let chars: Vec<char> = pattern.chars().collect();
    let comps: Vec<String> = split_unescaped(&chars, '/')
        .into_iter()
        .map(|c| c.into_iter().collect())
        .collect();
    match comps.split_first() {
        Some((first, rest)) if first.is_empty() => glob_in("/".into(), rest, out),
        _ => glob_in(".".into(), &comps, out),
    }
}

fn is_dir_following_links(path: &str) -> bool {
    std::fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false)
}

fn glob_in(mut dir: String, comps: &[String], out: &mut Vec<String>) -> Result<(), BadPattern> {
    let literal = comps
        .iter()
        .take_while(|c| !c.contains(['*', '?', '[', '{', '\\']))
        .count();
    for c in &comps[..literal] {
        dir = join(&dir, c);
    }
    if std::fs::symlink_metadata(&dir).is_err() {
        return Ok(());
    }
    if literal >= comps.len() {
        out.push(dir);
        return Ok(());
    }
    if !is_dir_following_links(&dir) {
        return Ok(());
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    let names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut idx = literal;
    let mut last = idx + 1 >= comps.len();
    if comps[idx] == "**" {
        for name in &names {
            let child = join(&dir, name);
            if is_dir_following_links(&child) {
                if last {
                    out.push(child.clone());
                }
                glob_in(child, &comps[idx..], out)?;
            } else if last && std::fs::metadata(&child).is_ok() {
                out.push(child);
            }
        }
        if last {
            return Ok(());
        }
        idx += 1;
        last = idx + 1 >= comps.len();
    }
    let pat: Vec<char> = comps[idx].chars().collect();
    for name in &names {
        let n: Vec<char> = name.chars().collect();
        if match_component(&pat, &n)? {
            let child = join(&dir, name);
            if last {
                out.push(child);
            } else {
                glob_in(child, &comps[idx + 1..], out)?;
            }
        }
    }
    Ok(())
}

/// Matches one path component: `*`, `?`, `[class]`, `[^class]`,
/// `{alt1,alt2}` and backslash escapes.
fn match_component(pat: &[char], name: &[char]) -> Result<bool, BadPattern> {
    if pat.is_empty() {
        return Ok(name.is_empty());
    }
    if name.is_empty() && pat != ['*'] {
        return Ok(false);
    }
    let (mut pi, mut ni) = (0, 0);
    while pi < pat.len() && ni < name.len() {
        let c = name[ni];
        match pat[pi] {
            '\\' => {
                pi += 1;
                match pat.get(pi) {
                    None => return Err(BadPattern),
                    Some(&p) if p == c => {
                        pi += 1;
                        ni += 1;
                    }
                    Some(_) => return Ok(false),
                }
            }
            '*' => {
                pi += 1;
                if pi >= pat.len() {
                    return Ok(true);
                }
                for k in ni..name.len() {
                    if match_component(&pat[pi..], &name[k..]).unwrap_or(false) {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            '[' => {
                pi += 1;
                let end = pi + index_unescaped(&pat[pi..], ']').ok_or(BadPattern)?;
                let class = &pat[pi..end];
                if class.is_empty() {
                    return Err(BadPattern);
                }
                let negated = class[0] == '^';
                let mut ci = usize::from(negated);
                let mut matched = false;
                while ci < class.len() {
                    let mut low = class[ci];
                    if low == '-' {
                        return Err(BadPattern);
                    }
                    ci += 1;
                    if low == '\\' {
                        low = *class.get(ci).ok_or(BadPattern)?;
                        ci += 1;
                    }
                    let mut high = low;
                    if class.get(ci) == Some(&'-') {
                        ci += 1;
                        high = *class.get(ci).ok_or(BadPattern)?;
                        if high == '-' {
                            return Err(BadPattern);
                        }
                        ci += 1;
                        if high == '\\' {
                            high = *class.get(ci).ok_or(BadPattern)?;
                            ci += 1;
                        }
                    }
                    if low <= c && c <= high {
                        matched = true;
                    }
                }
                if matched == negated {
                    return Ok(false);
                }
                pi = end + 1;
                ni += 1;
            }
            '{' => {
                pi += 1;
                let end = pi + index_unescaped(&pat[pi..], '}').ok_or(BadPattern)?;
                let rest = &pat[end + 1..];
                for option in split_unescaped(&pat[pi..end], ',') {
                    let mut p = option;
                    p.extend_from_slice(rest);
                    if match_component(&p, &name[ni..])? {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            p if p == '?' || p == c => {
                pi += 1;
                ni += 1;
            }
            _ => return Ok(false),
        }
    }
    let rest = &pat[pi.min(pat.len())..];
    Ok((pi >= pat.len() && ni >= name.len())
        || (ni >= name.len() && rest == ['*'])
        || rest == ['*', '*'])
}

// ---------------------------------------------------------------------------
// templatefile.

/// HCL's identifier syntax, which template variable names must follow.
fn valid_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn template_file(ctx: &Context, a: &[Value]) -> Result<Value, FuncError> {
    let (path, vars) = (&a[0], &a[1]);
    if path.is_unknown() || vars.is_unknown() {
        return Ok(Value::dynamic_unknown().mark(path.sensitive));
    }
    let text = read_text(ctx, path)?;
    let text = str_arg(&text);
    if !matches!(vars.kind, Kind::Map(..) | Kind::Object(_)) {
        return Err(FuncError::arg(1, "invalid vars value: must be a map"));
    }
    if let Some(bad) = vars
        .as_entries()
        .and_then(|m| m.keys().find(|k| !valid_identifier(k)))
    {
        return Err(FuncError::arg(
            1,
            format!(
                "invalid template variable name {}: must start with a letter, followed by zero or more letters, digits, and underscores",
                crate::encoding::go_quote(bad)
            ),
        ));
    }
    // The evaluator supplies the renderer; templates rendered by it get no
    // renderer themselves, which is how Terraform forbids recursion.
    let render = ctx.template.as_ref().ok_or_else(|| {
        FuncError::new("cannot recursively call templatefile from inside another template function")
    })?;
    let result = render(text, str_arg(path), vars)
        .map_err(|e| FuncError::new(e.trim_end_matches('.').to_string()))?;
    Ok(result.mark(path.sensitive))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use std::sync::Arc;

    fn ctx_in(dir: &std::path::Path) -> Context {
        Context {
            base_dir: dir.to_path_buf(),
            ..Default::default()
        }
    }

    /// A temporary configuration directory with a few files.
    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("hello.txt"), "Hello World").unwrap();
        std::fs::write(p.join("binary.bin"), [0xff, 0xfe, 0x00]).unwrap();
        std::fs::create_dir_all(p.join("files/subdirectory")).unwrap();
        std::fs::write(p.join("files/hello.txt"), "hello").unwrap();
        std::fs::write(p.join("files/world.txt"), "world").unwrap();
        std::fs::write(p.join("files/other.md"), "md").unwrap();
        std::fs::write(p.join("files/.hidden.txt"), "h").unwrap();
        std::fs::write(p.join("files/subdirectory/anotherfile.txt"), "x").unwrap();
        std::fs::write(p.join("hello.tmpl"), "Hello, ${name}!").unwrap();
        dir
    }

    #[test]
    fn file_reads_relative_to_base_dir() {
        let dir = fixture();
        let ctx = ctx_in(dir.path());
        assert_eq!(
            show_in(&ctx, "file", vec![s("hello.txt")]),
            "\"Hello World\""
        );
        let abs = dir.path().join("hello.txt");
        assert_eq!(
            show_in(&ctx, "file", vec![s(&abs.to_string_lossy())]),
            "\"Hello World\""
        );
        assert_eq!(
            show_in(&ctx, "file", vec![s("./files/../hello.txt")]),
            "\"Hello World\""
        );
        assert_eq!(
            show_in(&ctx, "file", vec![s("missing.txt")]),
            "error: Invalid function argument: Invalid value for \"path\" parameter: no file exists at \"missing.txt\"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."
        );
        assert_eq!(
            show_in(&ctx, "file", vec![s("missing.txt").marked()]),
            "error: Invalid function argument: Invalid value for \"path\" parameter: no file exists at (sensitive value); this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."
        );
        assert_eq!(
            show_in(&ctx, "file", vec![s("binary.bin")]),
            "error: Error in function call: Call to function \"file\" failed: contents of \"binary.bin\" are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead."
        );
        let files = dir.path().join("files");
        assert_eq!(
            show_in(&ctx, "file", vec![s("files")]),
            format!(
                "error: Invalid function argument: Invalid value for \"path\" parameter: failed to read file: read {}: is a directory.",
                files.display()
            )
        );
        assert_eq!(
            show_in(&ctx, "file", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show_in(&ctx, "file", vec![s("hello.txt").marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show_in(&ctx, "file", vec![s("~nobody/x")]),
            "error: Error in function call: Call to function \"file\" failed: failed to expand ~: cannot expand user-specific home dir."
        );
    }

    #[test]
    fn filebase64_and_hashes() {
        let dir = fixture();
        let ctx = ctx_in(dir.path());
        assert_eq!(
            show_in(&ctx, "filebase64", vec![s("hello.txt")]),
            "\"SGVsbG8gV29ybGQ=\""
        );
        assert_eq!(
            show_in(&ctx, "filebase64", vec![s("binary.bin")]),
            "\"//4A\""
        );
        assert_eq!(
            show_in(&ctx, "filemd5", vec![s("hello.txt")]),
            "\"b10a8db164e0754105b7a99be72e3fe5\""
        );
        assert_eq!(
            show_in(&ctx, "filesha1", vec![s("hello.txt")]),
            "\"0a4d55a8d778e5022fab701977c5d840bbc486d0\""
        );
        assert_eq!(
            show_in(&ctx, "filesha256", vec![s("hello.txt")]),
            "\"a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e\""
        );
        assert_eq!(
            show_in(&ctx, "filesha512", vec![s("hello.txt")]),
            "\"2c74fd17edafd80e8447b0d46741ee243b7eb74dd2149a0ab1b9246fb30382f27e853d8585719e0e67cbda0daa8f51671064615d645ae27acb15bfb1447f459b\""
        );
        assert_eq!(
            show_in(&ctx, "filebase64sha256", vec![s("hello.txt")]),
            "\"pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4=\""
        );
        assert_eq!(
            show_in(&ctx, "filebase64sha512", vec![s("hello.txt")]),
            "\"LHT9F+2v2A6ER7DUZ0HuJDt+t03SFJoKsbkkb7MDgvJ+hT2FhXGeDmfL2g2qj1FnEGRhXWRa4nrLFb+xRH9Fmw==\""
        );
        assert_eq!(
            show_in(&ctx, "filemd5", vec![s("missing.txt")]),
            format!(
                "error: Error in function call: Call to function \"filemd5\" failed: open {}: no such file or directory.",
                dir.path().join("missing.txt").display()
            )
        );
        assert_eq!(
            show_in(&ctx, "filesha256", vec![s("files")]),
            format!(
                "error: Error in function call: Call to function \"filesha256\" failed: read {}: is a directory.",
                dir.path().join("files").display()
            )
        );
        assert_eq!(
            show_in(&ctx, "filemd5", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show_in(&ctx, "filesha1", vec![s("hello.txt").marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show_in(&ctx, "filebase64", vec![s("hello.txt").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn fileexists_cases() {
        let dir = fixture();
        let ctx = ctx_in(dir.path());
        assert_eq!(show_in(&ctx, "fileexists", vec![s("hello.txt")]), "true");
        assert_eq!(show_in(&ctx, "fileexists", vec![s("nope.txt")]), "false");
        assert_eq!(
            show_in(&ctx, "fileexists", vec![s("files")]),
            format!(
                "error: Error in function call: Call to function \"fileexists\" failed: \"{}\" is a directory, not a file.",
                dir.path().join("files").display()
            )
        );
        assert_eq!(
            show_in(&ctx, "fileexists", vec![s("files").marked()]),
            "error: Error in function call: Call to function \"fileexists\" failed: (sensitive value) is a directory, not a file."
        );
        assert_eq!(
            show_in(&ctx, "fileexists", vec![s("nope").marked()]),
            "(sensitive value)"
        );
        assert_eq!(
            show_in(&ctx, "fileexists", vec![unknown(Type::String)]),
            "(known after apply)"
        );
    }

    #[test]
    fn fileset_doc_examples() {
        let dir = fixture();
        let ctx = ctx_in(dir.path());
        let root = dir.path().to_string_lossy().to_string();
        assert_eq!(
            show_in(&ctx, "fileset", vec![s(&root), s("files/*.txt")]),
            "toset([\n  \"files/.hidden.txt\",\n  \"files/hello.txt\",\n  \"files/world.txt\",\n])"
        );
        assert_eq!(
            show_in(
                &ctx,
                "fileset",
                vec![s(&root), s("files/{hello,world}.txt")]
            ),
            "toset([\n  \"files/hello.txt\",\n  \"files/world.txt\",\n])"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s(&format!("{root}/files")), s("*")]),
            "toset([\n  \".hidden.txt\",\n  \"hello.txt\",\n  \"other.md\",\n  \"world.txt\",\n])"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("files"), s("**")]),
            "toset([\n  \".hidden.txt\",\n  \"hello.txt\",\n  \"other.md\",\n  \"subdirectory/anotherfile.txt\",\n  \"world.txt\",\n])"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("."), s("**/*.txt")]),
            "toset([\n  \"files/.hidden.txt\",\n  \"files/hello.txt\",\n  \"files/subdirectory/anotherfile.txt\",\n  \"files/world.txt\",\n  \"hello.txt\",\n])"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("files"), s("[hw]?ll*.t[!-z]t")]),
            "toset([\n  \"hello.txt\",\n])"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("files"), s("[^h]*.txt")]),
            "toset([\n  \".hidden.txt\",\n  \"world.txt\",\n])"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("files/subdirectory"), s("../*.md")]),
            "toset([\n  \"../other.md\",\n])"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("nowhere"), s("*")]),
            "toset([])"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("files"), s("[a")]),
            format!(
                "error: Error in function call: Call to function \"fileset\" failed: failed to glob pattern \"{root}/files/[a\": syntax error in pattern."
            )
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("files"), unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show_in(&ctx, "fileset", vec![s("files").marked(), s("*.md")]),
            "(sensitive value)"
        );
    }

    #[test]
    fn templatefile_renders_with_the_context_renderer() {
        let dir = fixture();
        let mut ctx = ctx_in(dir.path());
        // A stand-in renderer: replaces ${name} with the variable's value.
        ctx.template = Some(Arc::new(|text: &str, file: &str, vars: &Value| {
            let mut out = text.to_string();
            for (k, v) in vars.as_entries().into_iter().flatten() {
                if v.is_unknown() {
                    continue;
                }
                let val = v.as_str().ok_or(format!("{file}: {k} is not a string"))?;
                out = out.replace(&format!("${{{k}}}"), val);
            }
            Ok(Value::string(out))
        }));
        assert_eq!(
            show_in(
                &ctx,
                "templatefile",
                vec![s("hello.tmpl"), obj(&[("name", s("Jodie"))])]
            ),
            "\"Hello, Jodie!\""
        );
        assert_eq!(
            show_in(
                &ctx,
                "templatefile",
                vec![
                    s("hello.tmpl"),
                    Value::map(
                        Type::String,
                        [("name".to_string(), s("Map"))].into_iter().collect()
                    )
                ]
            ),
            "\"Hello, Map!\""
        );
        assert_eq!(
            show_in(&ctx, "templatefile", vec![s("hello.tmpl"), obj(&[("name", n(1))])]),
            "error: Error in function call: Call to function \"templatefile\" failed: hello.tmpl: name is not a string."
        );
        assert_eq!(
            show_in(&ctx, "templatefile", vec![s("hello.tmpl"), s("x")]),
            "error: Invalid function argument: Invalid value for \"vars\" parameter: invalid vars value: must be a map."
        );
        assert_eq!(
            show_in(&ctx, "templatefile", vec![s("hello.tmpl"), obj(&[("1x", s("a"))])]),
            "error: Invalid function argument: Invalid value for \"vars\" parameter: invalid template variable name \"1x\": must start with a letter, followed by zero or more letters, digits, and underscores."
        );
        assert!(show_in(&ctx, "templatefile", vec![s("nope.tmpl"), obj(&[])])
            .starts_with("error: Invalid function argument: Invalid value for \"path\" parameter: no file exists at \"nope.tmpl\""));
        assert_eq!(
            show_in(
                &ctx,
                "templatefile",
                vec![s("hello.tmpl"), obj(&[("name", unknown(Type::String))])]
            ),
            "\"Hello, ${name}!\"",
            "partly unknown variables reach the renderer"
        );
        assert_eq!(
            show_in(
                &ctx,
                "templatefile",
                vec![s("hello.tmpl"), unknown(Type::Dynamic)]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show_in(
                &ctx,
                "templatefile",
                vec![s("hello.tmpl"), obj(&[("name", s("S").marked())])]
            ),
            "(sensitive value)"
        );
        assert_eq!(
            show_in(
                &ctx,
                "templatefile",
                vec![s("hello.tmpl").marked(), obj(&[("name", s("S"))])]
            ),
            "(sensitive value)"
        );
        assert_eq!(
            show_in(&ctx_in(dir.path()), "templatefile", vec![s("hello.tmpl"), obj(&[])]),
            "error: Error in function call: Call to function \"templatefile\" failed: cannot recursively call templatefile from inside another template function."
        );
    }

    #[test]
    fn path_functions() {
        assert_eq!(show("basename", vec![s("foo/bar/baz.txt")]), "\"baz.txt\"");
        assert_eq!(show("basename", vec![s("foo/bar/")]), "\"bar\"");
        assert_eq!(show("basename", vec![s("/")]), "\"/\"");
        assert_eq!(show("basename", vec![s("")]), "\".\"");
        assert_eq!(show("dirname", vec![s("foo/bar/baz.txt")]), "\"foo/bar\"");
        assert_eq!(show("dirname", vec![s("baz.txt")]), "\".\"");
        assert_eq!(
            show("dirname", vec![s("/foo//bar/../baz/")]),
            "\"/foo/baz\""
        );
        assert_eq!(show("dirname", vec![s("/")]), "\"/\"");
        let ctx = ctx_in(std::path::Path::new("/home/user/some/terraform/root"));
        assert_eq!(
            show_in(&ctx, "abspath", vec![s(".")]),
            "\"/home/user/some/terraform/root\""
        );
        assert_eq!(
            show_in(&ctx, "abspath", vec![s("../x/./y")]),
            "\"/home/user/some/terraform/x/y\""
        );
        assert_eq!(show_in(&ctx, "abspath", vec![s("/etc//x/")]), "\"/etc/x\"");
        let home = std::env::var("HOME").unwrap_or_default();
        if !home.is_empty() {
            assert_eq!(
                show("pathexpand", vec![s("~/.ssh/id_rsa")]),
                format!("\"{}\"", join(&home, ".ssh/id_rsa"))
            );
        }
        assert_eq!(
            show("pathexpand", vec![s("/etc/resolv.conf")]),
            "\"/etc/resolv.conf\""
        );
        assert_eq!(
            show("pathexpand", vec![s("~other/x")]),
            "error: Error in function call: Call to function \"pathexpand\" failed: cannot expand user-specific home dir."
        );
        assert_eq!(
            show("basename", vec![unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show("dirname", vec![s("a/b").marked()]),
            "(sensitive value)"
        );
    }

    #[test]
    fn go_path_helpers() {
        assert_eq!(clean(""), ".");
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("a//b/./c/"), "a/b/c");
        assert_eq!(relative("/a/b", "/a/b/c/d"), "c/d");
        assert_eq!(relative("/a/b", "/a/x"), "../x");
        assert_eq!(relative("/a/b", "/a/b"), ".");
    }
}
