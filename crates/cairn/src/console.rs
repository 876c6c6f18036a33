//! `cairn console [DIR]`: evaluate expressions as `terraform console` does.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use cairn_eval::{Evaluator, NoReferences};
use cairn_functions::{Context, Registry};

use crate::VarArgs;

#[derive(Args, Debug)]
pub struct ConsoleArgs {
    /// The configuration directory (default: the current directory).
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
}

pub fn run(a: &ConsoleArgs, raw: &[String]) -> u8 {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut opts = cairn_validate::Options {
        cli: a.vars.ordered(raw),
        env: crate::env_pairs(),
        workspace: std::env::var("CAIRN_ENV").unwrap_or_default(),
        require_root_vars: false,
        registry: Some(cairn_engine::Registry::new(cairn_run::providers())),
        unknown_variables: true,
        overlay: None,
    };
    // Errors are judged as validate judges them (variables unknown); the
    // console then evaluates with the variables' real values.
    let checked = cairn_validate::validate(&dir, &opts);
    if checked.diags.has_errors() {
        eprint!(
            "{}",
            cairn_diagnostics::render(&checked.diags, &checked.sources)
        );
        eprintln!("The console needs a valid configuration; fix the errors above.");
        return 1;
    }
    opts.unknown_variables = false;
    let out = cairn_validate::validate(&dir, &opts);
    let funcs = Arc::new(Registry::standard());
    // The console shows real values for timestamp() and friends, like
    // Terraform's console (which is not planning).
    let ctx = cairn_eval::context_with_templates(
        Context {
            base_dir: dir.clone(),
            plan_time: false,
            template: None,
        },
        funcs.clone(),
    );
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut stdout = std::io::stdout().lock();
    let mut failed = false;
    let mut buf = String::new();
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            let _ = write!(stdout, "{}", if buf.is_empty() { "> " } else { ". " });
            let _ = stdout.flush();
        }
        let Some(Ok(line)) = lines.next() else { break };
        let trimmed = line.trim();
        if buf.is_empty() && (trimmed == "exit" || trimmed == "quit") {
            break;
        }
        if buf.is_empty() && trimmed.is_empty() {
            continue;
        }
        buf.push_str(&line);
        buf.push('\n');
        let e = match cairn_eval::parse_expr(&buf, "<console-input>") {
            Ok(e) => e,
            // An unfinished expression (open bracket, heredoc) continues on
            // the next line.
            Err(_) if is_incomplete(&buf) => continue,
            Err(d) => {
                let _ = writeln!(stdout, "Error: {}\n\n{}", d.summary, d.detail);
                failed = true;
                buf.clear();
                continue;
            }
        };
        buf.clear();
        let result = match out.root_scope() {
            Some(scope) => Evaluator::new(&scope, &funcs, &ctx).eval(&e),
            None => Evaluator::new(&NoReferences, &funcs, &ctx).eval(&e),
        };
        match result {
            Ok(v) => {
                let _ = writeln!(stdout, "{}", render_console(&e, &v));
            }
            Err(d) => {
                let _ = writeln!(stdout, "Error: {}\n\n{}", d.summary, d.detail);
                failed = true;
            }
        }
    }
    if interactive {
        let _ = writeln!(stdout);
    }
    u8::from(failed && !interactive)
}

/// `type(x)` prints the type itself, not a quoted string.
fn render_console(e: &cairn_syntax::Expr, v: &cairn_value::Value) -> String {
    if let hcl_edit::expr::Expression::FuncCall(f) = &e.expr {
        if f.name.name.as_str() == "type" && !v.sensitive {
            if let Some(s) = v.as_str() {
                return s.to_string();
            }
        }
    }
    cairn_value::display::console(v)
}

/// Whether the text so far is an unfinished expression: unbalanced
/// brackets or an open heredoc.
fn is_incomplete(text: &str) -> bool {
    let mut depth: i64 = 0;
    let mut in_str = false;
    let mut prev = '\0';
    for c in text.chars() {
        match c {
            '"' if prev != '\\' => in_str = !in_str,
            '(' | '[' | '{' if !in_str => depth += 1,
            ')' | ']' | '}' if !in_str => depth -= 1,
            _ => {}
        }
        prev = c;
    }
    if depth > 0 {
        return true;
    }
    // A heredoc is open until a line holds only its delimiter.
    if let Some(pos) = text.find("<<") {
        let rest = &text[pos + 2..];
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        let delim: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !delim.is_empty() {
            return !text.lines().skip(1).any(|l| l.trim() == delim);
        }
    }
    false
}
