//! `# cairn:ignore RULE reason` comments on resource blocks.

use cairn_config::ModuleTree;
use cairn_diagnostics::{Diagnostic, Diagnostics, SourceMap, Span};
use cairn_findings::{parse_ignore_comments, Suppression};

/// The suppressions written as comments on (or inside) resource blocks in
/// every module, each for the resource's address (all its instances, in
/// every instance of its module). A comment without a rule ID or reason
/// is a warning and suppresses nothing.
pub fn comment_suppressions(
    tree: &ModuleTree,
    sources: &SourceMap,
) -> (Vec<Suppression>, Diagnostics) {
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    let mut texts: std::collections::HashMap<String, Option<std::sync::Arc<str>>> =
        std::collections::HashMap::new();
    for (path, node) in &tree.nodes {
        let m = &node.module;
        let prefix: String = path.iter().map(|p| format!("module.{p}.")).collect();
        let blocks = m
            .resources
            .values()
            .map(|r| (r, format!("{prefix}{}", r.address())))
            .chain(
                m.data
                    .values()
                    .map(|r| (r, format!("{prefix}{}", r.address()))),
            );
        for (r, addr) in blocks {
            let Some(span) = r.span.as_ref().or(r.decl_span.as_ref()) else {
                continue;
            };
            let file = span.file.to_string();
            let text = texts
                .entry(file.clone())
                .or_insert_with(|| {
                    sources.get(&file).or_else(|| {
                        std::fs::read_to_string(&file)
                            .ok()
                            .map(std::sync::Arc::from)
                    })
                })
                .clone();
            let Some(text) = text else {
                continue;
            };
            if !text.contains("cairn:ignore") {
                continue;
            }
            for c in parse_ignore_comments(&text, span.start.line, span.end.line) {
                match c {
                    Ok(c) => out.push(c.suppression(addr.clone())),
                    Err(e) => {
                        let at = Span {
                            file: span.file.clone(),
                            start: cairn_diagnostics::Pos {
                                line: e.line,
                                column: e.column,
                                byte: 0,
                            },
                            end: cairn_diagnostics::Pos {
                                line: e.line,
                                column: e.column + 1,
                                byte: 0,
                            },
                        };
                        diags.push(
                            Diagnostic::warning("Suppression ignored", e.message)
                                .with_span(Some(at))
                                .with_address(addr.clone()),
                        );
                    }
                }
            }
        }
    }
    (out, diags)
}
