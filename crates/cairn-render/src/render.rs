//! Renders a [`Diff`] tree as Terraform's plan output does (its
//! `computed/renderers` package): four spaces per level, a three-character
//! action symbol before each line, `=` aligned within each block.

use cairn_value::json::from_json;
use cairn_value::Value;

use crate::diff::{Act, BlockGroup, BlockList, Ch, Diff, Matcher, Node, Prim};
use crate::text::{attr_name, indent, pad, process_slice, quote, Paint, Sym};

/// Rendering switches, as Terraform passes them down the tree.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Opts {
    /// Do not print `-> null` after deleted values.
    pub override_null_suffix: bool,
    /// Print `# forces replacement` even if the diff does not say so.
    pub force_replace: bool,
    /// Never print `# forces replacement`.
    pub forbid_replace: bool,
    /// Show unchanged children instead of counting them.
    pub show_unchanged: bool,
}

impl Opts {
    /// A copy for children: the replacement overrides apply to one level
    /// only.
    fn child(self) -> Opts {
        Opts {
            force_replace: false,
            forbid_replace: false,
            ..self
        }
    }
}

fn sym(a: Act) -> Sym {
    match a {
        Act::NoOp => Sym::NoOp,
        Act::Create => Sym::Create,
        Act::Update => Sym::Update,
        Act::Delete => Sym::Delete,
    }
}

const IMPORTANT: [&str; 3] = ["id", "name", "tags"];

/// A string side, evaluated as Terraform's renderer does: JSON documents
/// and multi-line strings get their own layouts.
struct EvalStr {
    text: String,
    json: Option<Value>,
    multiline: bool,
    null: bool,
}

fn eval_str(v: &Option<Prim>) -> EvalStr {
    let plain = |text: String| EvalStr {
        text,
        json: None,
        multiline: false,
        null: false,
    };
    match v {
        None => EvalStr {
            null: true,
            ..plain("null".into())
        },
        Some(Prim::Str(s)) => {
            if s.starts_with('{') || s.starts_with('[') {
                if let Ok(j) = serde_json::from_str::<serde_json::Value>(s) {
                    return EvalStr {
                        json: Some(from_json(&j)),
                        ..plain(s.clone())
                    };
                }
            }
            if s.contains('\n') {
                return EvalStr {
                    multiline: true,
                    ..plain(s.trim().to_string())
                };
            }
            plain(s.clone())
        }
        Some(Prim::Num(n)) => plain(n.clone()),
        Some(Prim::Bool(b)) => plain(b.to_string()),
    }
}

pub(crate) struct Renderer {
    pub p: Paint,
}

impl Renderer {
    fn symbol(&self, a: Act) -> String {
        format!("{} ", sym(a).render(self.p))
    }

    fn null_suffix(&self, action: Act, o: Opts) -> String {
        if !o.override_null_suffix && action == Act::Delete {
            format!(" {}-> null{}", self.p.gray(), self.p.reset())
        } else {
            String::new()
        }
    }

    fn forces(&self, replace: bool, o: Opts) -> String {
        if (replace || o.force_replace) && !o.forbid_replace {
            format!(" {}# forces replacement{}", self.p.red(), self.p.reset())
        } else {
            String::new()
        }
    }

    fn unchanged(&self, keyword: &str, n: usize) -> String {
        let plural = if n == 1 { "" } else { "s" };
        format!(
            "{}# ({n} unchanged {keyword}{plural} hidden){}",
            self.p.gray(),
            self.p.reset()
        )
    }

    fn arrow(&self) -> String {
        self.p.wrap(self.p.yellow(), "->")
    }

    /// Warnings printed above a value whose sensitivity changes.
    fn warnings(&self, d: &Diff, level: usize) -> Vec<String> {
        let (before, after, inner, what) = match d.node {
            Node::Sensitive {
                before,
                after,
                inner,
            } => (before, after, inner, "attribute value"),
            Node::SensitiveBlock {
                before,
                after,
                inner,
            } => (before, after, inner, "block"),
            _ => return Vec::new(),
        };
        if before == after || inner == Act::Create || inner == Act::Delete {
            return Vec::new();
        }
        let warning = format!("{}Warning{}", self.p.yellow(), self.p.reset());
        let mut w = if before {
            format!(
                "  # {warning}: this {what} will no longer be marked as sensitive\n{}  # after applying this change.",
                indent(level)
            )
        } else {
            format!(
                "  # {warning}: this {what} will be marked as sensitive and will not\n{}  # display in UI output after applying this change.",
                indent(level)
            )
        };
        if inner == Act::NoOp && what == "attribute value" {
            w.push_str(" The value is unchanged.");
        }
        vec![w]
    }

    fn push_warnings(&self, out: &mut String, d: &Diff, level: usize) {
        for w in self.warnings(d, level) {
            out.push_str(&indent(level));
            out.push_str(&w);
            out.push('\n');
        }
    }

    /// Renders `d` at nesting `level`; the first line is not indented (it
    /// follows `name = ` on its parent's line).
    pub fn render(&self, d: &Diff, level: usize, o: Opts) -> String {
        match &d.node {
            Node::Prim { before, after } => self.prim(d, before, after, level, o),
            Node::Sensitive { .. } => format!(
                "(sensitive value){}{}",
                self.null_suffix(d.action, o),
                self.forces(d.replace, o)
            ),
            Node::SensitiveBlock { .. } => {
                let prefix = format!("{}{}", indent(level), self.symbol(Act::NoOp));
                format!(
                    "{{{}\n{prefix}  # At least one attribute in this block is (or was) sensitive,\n{prefix}  # so its contents will not be displayed.\n{prefix}}}",
                    self.forces(d.replace, o)
                )
            }
            Node::Unknown { before } => match before {
                Some(b) if d.action != Act::Create => {
                    let mut bo = o.child();
                    bo.override_null_suffix = true;
                    bo.forbid_replace = d.replace;
                    format!(
                        "{} -> (known after apply){}",
                        self.render(b, level, bo),
                        self.forces(d.replace, o)
                    )
                }
                _ => format!("(known after apply){}", self.forces(d.replace, o)),
            },
            Node::Object { attrs } => self.object(d, attrs, level, o),
            Node::Map { elems } => self.map(d, elems, level, o),
            Node::List { elems } => self.list(d, elems, level, o),
            Node::Set { elems } => self.set(d, elems, level, o),
            Node::Block { attrs, blocks } => self.block(d, attrs, blocks, level, o),
            Node::TypeChange { before, after } => {
                let o = Opts {
                    override_null_suffix: true,
                    ..o
                };
                format!(
                    "{} {} {}",
                    self.render(before, level, o),
                    self.arrow(),
                    self.render(after, level, o)
                )
            }
        }
    }

    fn simple(&self, e: &EvalStr, is_str: bool) -> String {
        if e.null {
            self.p.wrap(self.p.gray(), "null")
        } else if is_str {
            quote(&e.text)
        } else {
            e.text.clone()
        }
    }

    fn prim(
        &self,
        d: &Diff,
        before: &Option<Prim>,
        after: &Option<Prim>,
        level: usize,
        o: Opts,
    ) -> String {
        let is_str = matches!(before, Some(Prim::Str(_))) || matches!(after, Some(Prim::Str(_)));
        if is_str {
            return self.string(d, before, after, level, o);
        }
        let (b, a) = (
            self.simple(&eval_str(before), false),
            self.simple(&eval_str(after), false),
        );
        match d.action {
            Act::Create => format!("{a}{}", self.forces(d.replace, o)),
            Act::Delete => format!(
                "{b}{}{}",
                self.null_suffix(d.action, o),
                self.forces(d.replace, o)
            ),
            Act::NoOp => format!("{b}{}", self.forces(d.replace, o)),
            Act::Update => format!("{b} {} {a}{}", self.arrow(), self.forces(d.replace, o)),
        }
    }

    fn string(
        &self,
        d: &Diff,
        before: &Option<Prim>,
        after: &Option<Prim>,
        level: usize,
        o: Opts,
    ) -> String {
        let line = |a: Act, text: &str| format!("{}{}{text}", indent(level + 1), self.symbol(a));
        let lines: Vec<String> = match d.action {
            Act::Create | Act::NoOp => {
                let e = eval_str(after);
                if let Some(j) = &e.json {
                    let b = (d.action == Act::NoOp).then_some(j);
                    return self.json_string(d, b, Some(j), level, o);
                }
                if !e.multiline {
                    return format!("{}{}", self.simple(&e, true), self.forces(d.replace, o));
                }
                e.text.split('\n').map(|l| line(Act::NoOp, l)).collect()
            }
            Act::Delete => {
                let e = eval_str(before);
                if e.null {
                    return format!("{}{}", self.simple(&e, true), self.forces(d.replace, o));
                }
                if let Some(j) = &e.json {
                    return self.json_string(d, Some(j), None, level, o);
                }
                if !e.multiline {
                    return format!(
                        "{}{}{}",
                        self.simple(&e, true),
                        self.null_suffix(d.action, o),
                        self.forces(d.replace, o)
                    );
                }
                e.text.split('\n').map(|l| line(Act::NoOp, l)).collect()
            }
            Act::Update => {
                let (b, a) = (eval_str(before), eval_str(after));
                if let (Some(bj), Some(aj)) = (&b.json, &a.json) {
                    return self.json_string(d, Some(bj), Some(aj), level, o);
                }
                if b.json.is_some() || a.json.is_some() {
                    // One side is JSON: show it as a change of type.
                    let tc = Diff {
                        node: Node::TypeChange {
                            before: Box::new(Diff {
                                node: Node::Prim {
                                    before: before.clone(),
                                    after: None,
                                },
                                action: Act::Delete,
                                replace: false,
                            }),
                            after: Box::new(Diff {
                                node: Node::Prim {
                                    before: None,
                                    after: after.clone(),
                                },
                                action: Act::Create,
                                replace: false,
                            }),
                        },
                        action: d.action,
                        replace: d.replace,
                    };
                    return self.render(&tc, level, o);
                }
                if !b.multiline && !a.multiline {
                    return format!(
                        "{} {} {}{}",
                        self.simple(&b, true),
                        self.arrow(),
                        self.simple(&a, true),
                        self.forces(d.replace, o)
                    );
                }
                let bl: Vec<&str> = b.text.split('\n').collect();
                let al: Vec<&str> = a.text.split('\n').collect();
                let mut lines = Vec::new();
                process_slice(
                    &bl,
                    &al,
                    |x, y| x == y,
                    |_| false,
                    |bi, ai| match (bi, ai) {
                        (Some(i), Some(j)) if bl[i] != al[j] => {
                            lines.push(line(Act::Delete, bl[i]));
                            lines.push(line(Act::Create, al[j]));
                        }
                        (Some(i), Some(_)) => lines.push(line(Act::NoOp, bl[i])),
                        (Some(i), None) => lines.push(line(Act::Delete, bl[i])),
                        (None, Some(j)) => lines.push(line(Act::Create, al[j])),
                        (None, None) => {}
                    },
                );
                lines
            }
        };
        format!(
            "<<-EOT{}\n{}\n{}{}EOT{}",
            self.forces(d.replace, o),
            lines.join("\n"),
            indent(level),
            self.symbol(Act::NoOp),
            self.null_suffix(d.action, o)
        )
    }

    /// A string holding JSON, shown as `jsonencode(...)` with a structural
    /// diff inside.
    fn json_string(
        &self,
        d: &Diff,
        before: Option<&Value>,
        after: Option<&Value>,
        level: usize,
        o: Opts,
    ) -> String {
        let ch = Ch::make(
            before,
            d.action != Act::Create,
            after,
            d.action != Act::Delete,
            Matcher::default(),
        );
        let jd = crate::diff::diff_value(&ch, true);
        let mut action = d.action;
        let mut jo = o.child();
        jo.override_null_suffix = true;
        let (whitespace, replace) = if jd.action == Act::NoOp && d.action == Act::Update {
            // The JSON is the same: only whitespace or key order changed.
            jo.show_unchanged = true;
            action = Act::NoOp;
            let w = if d.replace {
                " # whitespace changes force replacement"
            } else {
                " # whitespace changes"
            };
            (w.to_string(), String::new())
        } else {
            (String::new(), self.forces(d.replace, o))
        };
        let rendered = self.render(&jd, level + 1, jo);
        if d.action == Act::Create || d.action == Act::Delete {
            action = Act::NoOp;
        }
        if rendered.contains('\n') {
            format!(
                "jsonencode({whitespace}\n{}{}{rendered}{replace}\n{}{}){}",
                indent(level + 1),
                self.symbol(action),
                indent(level),
                self.symbol(Act::NoOp),
                self.null_suffix(d.action, o)
            )
        } else {
            format!("jsonencode({rendered}){whitespace}{replace}")
        }
    }

    fn object(
        &self,
        d: &Diff,
        attrs: &std::collections::BTreeMap<String, Diff>,
        level: usize,
        o: Opts,
    ) -> String {
        if attrs.is_empty() {
            return format!(
                "{{}}{}{}",
                self.null_suffix(d.action, o),
                self.forces(d.replace, o)
            );
        }
        let mut ao = o.child();
        ao.override_null_suffix = true;
        let mut out = format!("{{{}\n", self.forces(d.replace, o));
        self.attr_lines(&mut out, attrs, level, ao, o);
        out.push_str(&format!(
            "{}{}}}{}",
            indent(level),
            self.symbol(Act::NoOp),
            self.null_suffix(d.action, o)
        ));
        out
    }

    fn map(
        &self,
        d: &Diff,
        elems: &std::collections::BTreeMap<String, Diff>,
        level: usize,
        o: Opts,
    ) -> String {
        if elems.is_empty() {
            return format!(
                "{{}}{}{}",
                self.null_suffix(d.action, o),
                self.forces(d.replace, o)
            );
        }
        let mut eo = o.child();
        eo.override_null_suffix = d.action == Act::Delete;
        let width = elems
            .keys()
            .map(|k| quote(k).chars().count())
            .max()
            .unwrap_or(0);
        let mut out = format!("{{{}\n", self.forces(d.replace, o));
        let mut unchanged = 0;
        for (k, e) in elems {
            if e.action == Act::NoOp && !o.show_unchanged {
                unchanged += 1;
                continue;
            }
            self.push_warnings(&mut out, e, level + 1);
            // Terraform puts commas only after object values in maps.
            let comma = if matches!(e.node, Node::Object { .. }) {
                ","
            } else {
                ""
            };
            out.push_str(&format!(
                "{}{}{} = {}{comma}\n",
                indent(level + 1),
                self.symbol(e.action),
                pad(&quote(k), width),
                self.render(e, level + 1, eo)
            ));
        }
        if unchanged > 0 {
            out.push_str(&format!(
                "{}{}{}\n",
                indent(level + 1),
                self.symbol(Act::NoOp),
                self.unchanged("element", unchanged)
            ));
        }
        out.push_str(&format!(
            "{}{}}}{}",
            indent(level),
            self.symbol(Act::NoOp),
            self.null_suffix(d.action, o)
        ));
        out
    }

    /// A list, showing one unchanged element of context on each side of
    /// every change, as Terraform does (order matters in lists).
    fn list(&self, d: &Diff, elems: &[Diff], level: usize, o: Opts) -> String {
        if elems.is_empty() {
            return format!(
                "[]{}{}",
                self.null_suffix(d.action, o),
                self.forces(d.replace, o)
            );
        }
        let mut eo = o.child();
        eo.override_null_suffix = true;
        let mut uo = o.child();
        uo.show_unchanged = true;
        let mut pending: Vec<&Diff> = Vec::new();
        let mut render_next = false;
        let mut out = format!("[{}\n", self.forces(d.replace, o));
        for e in elems {
            if e.action == Act::NoOp && !render_next && !o.show_unchanged {
                pending.push(e);
                continue;
            }
            render_next = false;
            if pending.len() > 1 {
                out.push_str(&format!(
                    "{}{}{}\n",
                    indent(level + 1),
                    self.symbol(Act::NoOp),
                    self.unchanged("element", pending.len() - 1)
                ));
            }
            if let Some(last) = pending.last() {
                out.push_str(&format!(
                    "{}{}{},\n",
                    indent(level + 1),
                    self.symbol(last.action),
                    self.render(last, level + 1, uo)
                ));
            }
            pending.clear();
            let eo = if e.action == Act::NoOp {
                uo
            } else {
                render_next = true;
                eo
            };
            self.push_warnings(&mut out, e, level + 1);
            out.push_str(&format!(
                "{}{}{},\n",
                indent(level + 1),
                self.symbol(e.action),
                self.render(e, level + 1, eo)
            ));
        }
        if !pending.is_empty() {
            out.push_str(&format!(
                "{}{}{}\n",
                indent(level + 1),
                self.symbol(Act::NoOp),
                self.unchanged("element", pending.len())
            ));
        }
        out.push_str(&format!(
            "{}{}]{}",
            indent(level),
            self.symbol(Act::NoOp),
            self.null_suffix(d.action, o)
        ));
        out
    }

    fn set(&self, d: &Diff, elems: &[Diff], level: usize, o: Opts) -> String {
        if elems.is_empty() {
            return format!(
                "[]{}{}",
                self.null_suffix(d.action, o),
                self.forces(d.replace, o)
            );
        }
        let mut eo = o.child();
        eo.override_null_suffix = true;
        let mut out = format!("[{}\n", self.forces(d.replace, o));
        let mut unchanged = 0;
        for e in elems {
            if e.action == Act::NoOp && !o.show_unchanged {
                unchanged += 1;
                continue;
            }
            self.push_warnings(&mut out, e, level + 1);
            out.push_str(&format!(
                "{}{}{},\n",
                indent(level + 1),
                self.symbol(e.action),
                self.render(e, level + 1, eo)
            ));
        }
        if unchanged > 0 {
            out.push_str(&format!(
                "{}{}{}\n",
                indent(level + 1),
                self.symbol(Act::NoOp),
                self.unchanged("element", unchanged)
            ));
        }
        out.push_str(&format!(
            "{}{}]{}",
            indent(level),
            self.symbol(Act::NoOp),
            self.null_suffix(d.action, o)
        ));
        out
    }

    /// One line per attribute, `=` aligned, unchanged ones counted in a
    /// "hidden" line (identifying attributes are always shown, in full).
    fn attr_lines(
        &self,
        out: &mut String,
        attrs: &std::collections::BTreeMap<String, Diff>,
        level: usize,
        ao: Opts,
        o: Opts,
    ) {
        let width = attrs
            .keys()
            .map(|k| attr_name(k).chars().count())
            .max()
            .unwrap_or(0);
        let mut unchanged = 0;
        for (k, a) in attrs {
            let mut lo = ao;
            if IMPORTANT.contains(&k.as_str()) {
                lo.show_unchanged = true;
            } else if a.action == Act::NoOp && !o.show_unchanged {
                unchanged += 1;
                continue;
            }
            self.push_warnings(out, a, level + 1);
            out.push_str(&format!(
                "{}{}{} = {}\n",
                indent(level + 1),
                self.symbol(a.action),
                pad(&attr_name(k), width),
                self.render(a, level + 1, lo)
            ));
        }
        if unchanged > 0 {
            out.push_str(&format!(
                "{}{}{}\n",
                indent(level + 1),
                self.symbol(Act::NoOp),
                self.unchanged("attribute", unchanged)
            ));
        }
    }

    fn block(
        &self,
        d: &Diff,
        attrs: &std::collections::BTreeMap<String, Diff>,
        blocks: &std::collections::BTreeMap<String, BlockGroup>,
        level: usize,
        o: Opts,
    ) -> String {
        if attrs.is_empty() && blocks.is_empty() {
            return format!("{{}}{}", self.forces(d.replace, o));
        }
        let ao = o.child();
        let mut out = format!("{{{}\n", self.forces(d.replace, o));
        self.attr_lines(&mut out, attrs, level, ao, o);

        let mut unchanged_blocks = 0;
        for (key, g) in blocks {
            let mut found = false;
            let mut one = |b: &Diff, map_key: &str, out: &mut String| {
                let creating = b.action == Act::Create && g.after_sens;
                let deleting = b.action == Act::Delete && g.before_sens;
                let modifying =
                    matches!(b.action, Act::Update | Act::NoOp) && (g.before_sens || g.after_sens);
                let wrapped;
                let b = if creating || deleting || modifying {
                    // The whole collection is sensitive: hide each block.
                    let action = if b.action == Act::NoOp && g.before_sens != g.after_sens {
                        Act::Update
                    } else {
                        b.action
                    };
                    wrapped = Diff {
                        node: Node::SensitiveBlock {
                            before: g.before_sens,
                            after: g.after_sens,
                            inner: b.action,
                        },
                        action,
                        replace: b.replace,
                    };
                    &wrapped
                } else {
                    b
                };
                if b.action == Act::NoOp && !o.show_unchanged {
                    unchanged_blocks += 1;
                    return;
                }
                if !found && !attrs.is_empty() {
                    out.push('\n');
                    found = true;
                }
                let mut bo = o.child();
                bo.force_replace = g.replace;
                self.push_warnings(out, b, level + 1);
                out.push_str(&format!(
                    "{}{}{}{map_key} {}\n",
                    indent(level + 1),
                    self.symbol(b.action),
                    attr_name(key),
                    self.render(b, level + 1, bo)
                ));
            };
            let unknown_line = Diff {
                node: Node::Unknown { before: None },
                action: d.action,
                replace: false,
            };
            match &g.list {
                BlockList::Single(b) => one(b, "", &mut out),
                BlockList::List(items) | BlockList::Set(items) => {
                    if g.unknown {
                        one(&unknown_line, "", &mut out);
                    }
                    for b in items {
                        one(b, "", &mut out);
                    }
                }
                BlockList::Map(items) => {
                    if g.unknown {
                        one(&unknown_line, "", &mut out);
                    }
                    for (k, b) in items {
                        one(b, &format!(" {}", quote(k)), &mut out);
                    }
                }
            }
        }
        if unchanged_blocks > 0 {
            out.push_str(&format!(
                "\n{}{}{}\n",
                indent(level + 1),
                self.symbol(Act::NoOp),
                self.unchanged("block", unchanged_blocks)
            ));
        }
        out.push_str(&format!("{}{}}}", indent(level), self.symbol(Act::NoOp)));
        out
    }
}
