//! The human plan output, laid out as `terraform plan` lays it out.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::rc::Rc;

use cairn_engine::{Action, Change, Drift, InstanceAddr, Mode, Plan};
use cairn_provider::Schema;

use crate::diff::{diff_block, diff_value, Act, Ch, Diff, Matcher};
use crate::order::addr_cmp;
use crate::reason::{delete_note, Reason};
use crate::render::{Opts, Renderer};
use crate::text::{attr_name, pad, Paint, Sym};

/// Looks up a schema by resource type. Data sources are looked up as
/// `data.TYPE` first (a data source and a resource may share a type name
/// with different schemas), then as `TYPE`.
pub type SchemaLookup<'a> = &'a dyn Fn(&str) -> Option<Schema>;

/// Options for [`human`].
#[derive(Clone, Copy, Default)]
pub struct HumanOptions<'a> {
    /// Emit ANSI colours.
    pub color: bool,
    /// Resource schemas. With them nested blocks render as blocks
    /// (`+ ingress {`), attributes the schema calls sensitive are hidden
    /// even if unmarked, and dynamically-typed attributes render like JSON.
    /// Without them every top-level key renders as an attribute.
    pub schemas: Option<SchemaLookup<'a>>,
}

impl fmt::Debug for HumanOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HumanOptions")
            .field("color", &self.color)
            .field("schemas", &self.schemas.is_some())
            .finish()
    }
}

/// Terraform's horizontal rule as printed when stdout is not a terminal
/// (78 columns).
const RULE_WIDTH: usize = 78;

struct Ctx<'a> {
    r: Renderer,
    p: Paint,
    schemas: Option<SchemaLookup<'a>>,
    // One lookup per type, shared by all its instances.
    cache: HashMap<String, Option<Rc<Schema>>>,
}

impl Ctx<'_> {
    fn schema(&mut self, addr: &InstanceAddr) -> Option<Rc<Schema>> {
        let lookup = self.schemas?;
        let type_name = &addr.resource.type_name;
        let key = match addr.resource.mode {
            Mode::Data => format!("data.{type_name}"),
            Mode::Managed => type_name.clone(),
        };
        self.cache
            .entry(key)
            .or_insert_with_key(|k| {
                // Lookups that only know bare type names still serve data
                // sources.
                lookup(k)
                    .or_else(|| (k != type_name).then(|| lookup(type_name)).flatten())
                    .map(Rc::new)
            })
            .clone()
    }

    fn rule(&self) -> String {
        format!(
            "{}\n{}{}\n",
            self.p.gray(),
            "─".repeat(RULE_WIDTH - 1),
            self.p.reset()
        )
    }
}

/// The symbol Terraform shows for a planned change.
fn change_sym(c: &Change) -> Sym {
    match c.action {
        Action::NoOp => Sym::NoOp,
        Action::Create => Sym::Create,
        Action::Read => Sym::Read,
        Action::Update => Sym::Update,
        Action::Replace if c.create_before_destroy => Sym::CreateThenDelete,
        Action::Replace => Sym::DeleteThenCreate,
        Action::Delete => Sym::Delete,
    }
}

fn header(addr: &InstanceAddr) -> String {
    let mode = match addr.resource.mode {
        Mode::Data => "data",
        Mode::Managed => "resource",
    };
    format!(
        "{mode} \"{}\" \"{}\"",
        addr.resource.type_name, addr.resource.name
    )
}

/// The `# addr will be ...` lines above a change.
fn comment(c: &Change, p: Paint) -> String {
    let (b, r) = (p.bold(), p.reset());
    let red = |s: &str| format!("{b}{}{s}{r}", p.red());
    let addr = &c.addr;
    let reason = Reason::of(c);
    let mut out = String::new();
    let mut printed_moved = false;
    let mut printed_imported = false;
    match c.action {
        Action::Create => out.push_str(&format!("{b}  # {addr}{r} will be created")),
        Action::Read => {
            out.push_str(&format!("{b}  # {addr}{r} will be read during apply"));
            match &reason {
                Some(Reason::ReadConfigUnknown) => {
                    out.push_str("\n  # (config refers to values not yet known)")
                }
                Some(Reason::ReadDependencyPending) => {
                    out.push_str("\n  # (depends on a resource or a module with changes pending)")
                }
                Some(Reason::Other(s)) => out.push_str(&format!("\n  # ({s})")),
                _ => {}
            }
        }
        Action::Update => out.push_str(&format!("{b}  # {addr}{r} will be updated in-place")),
        Action::Replace => {
            let replaced = red("replaced");
            match &reason {
                Some(Reason::ReplaceTainted) => out.push_str(&format!(
                    "{b}  # {addr}{r} is tainted, so must be {replaced}"
                )),
                Some(Reason::ReplaceByRequest) => out.push_str(&format!(
                    "{b}  # {addr}{r} will be {replaced}, as requested"
                )),
                Some(Reason::ReplaceByTriggers) => out.push_str(&format!(
                    "{b}  # {addr}{r} will be {replaced} due to changes in replace_triggered_by"
                )),
                Some(Reason::Other(s)) => {
                    out.push_str(&format!("{b}  # {addr}{r} must be {replaced}\n  # ({s})"))
                }
                _ => out.push_str(&format!("{b}  # {addr}{r} must be {replaced}")),
            }
        }
        Action::Delete => {
            out.push_str(&format!("{b}  # {addr}{r} will be {}", red("destroyed")));
            if let Some(note) = reason.as_ref().and_then(|x| delete_note(c, x)) {
                out.push_str(&format!("\n  # {note}"));
            }
        }
        Action::NoOp => {
            if let Some(from) = c.moved_from.as_ref().filter(|f| *f != addr) {
                out.push_str(&format!("{b}  # {from}{r} has moved to {b}{addr}{r}"));
                printed_moved = true;
            } else if c.importing.is_some() {
                out.push_str(&format!("{b}  # {addr}{r} will be imported"));
                printed_imported = true;
            }
        }
    }
    out.push('\n');
    if let Some(from) = c.moved_from.as_ref().filter(|f| *f != addr) {
        if !printed_moved {
            out.push_str(&format!("  # {r}(moved from {from})\n"));
        }
    }
    if let Some(id) = &c.importing {
        if !printed_imported {
            out.push_str(&format!("  # {r}(imported from \"{id}\")\n"));
        }
        if c.action == Action::Replace {
            out.push_str(&format!(
                "  # {r}{}Warning: this will destroy the imported resource{r}\n",
                p.yellow()
            ));
        }
    }
    out
}

fn render_change(ctx: &mut Ctx, c: &Change) -> String {
    let schema = ctx.schema(&c.addr);
    let ch = Ch::root(
        c.before.as_ref(),
        c.after.as_ref(),
        Matcher::new(&c.replace_paths),
    );
    let d = diff_block(&ch, schema.as_deref());
    let opts = Opts {
        show_unchanged: c.importing.is_some(),
        ..Opts::default()
    };
    format!(
        "{}{} {} {}",
        comment(c, ctx.p),
        change_sym(c).render(ctx.p),
        header(&c.addr),
        ctx.r.render(&d, 0, opts)
    )
}

/// A drifted object with its diff, or `None` when nothing changed.
fn drift_diff(ctx: &mut Ctx, d: &Drift) -> Option<(Act, String)> {
    let schema = ctx.schema(&d.addr);
    let ch = Ch::root(Some(&d.before), d.after.as_ref(), Matcher::default());
    let diff = diff_block(&ch, schema.as_deref());
    let action = match &d.after {
        None => Act::Delete,
        Some(a) if d.before.raw_equal(a) && diff.action == Act::NoOp => return None,
        Some(_) => Act::Update,
    };
    let (b, r) = (ctx.p.bold(), ctx.p.reset());
    let (what, sym) = match action {
        Act::Delete => ("has been deleted", Sym::Delete),
        _ => ("has changed", Sym::Update),
    };
    Some((
        action,
        format!(
            "{b}  # {}{r} {what}\n{} {} {}",
            d.addr,
            sym.render(ctx.p),
            header(&d.addr),
            ctx.r.render(&diff, 0, Opts::default())
        ),
    ))
}

fn render_outputs(ctx: &Ctx, plan: &Plan) -> Vec<String> {
    let width = plan
        .outputs
        .keys()
        .map(|k| attr_name(k).chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    for (name, o) in &plan.outputs {
        let mut ch = Ch::root(o.before.as_ref(), o.after.as_ref(), Matcher::default());
        if o.sensitive {
            ch = ch.force_sensitive();
        }
        let d: Diff = diff_value(&ch, true);
        if d.action == Act::NoOp {
            continue;
        }
        let sym = match d.action {
            Act::Create => Sym::Create,
            Act::Delete => Sym::Delete,
            _ => Sym::Update,
        };
        lines.push(format!(
            "{} {} = {}",
            sym.render(ctx.p),
            pad(&attr_name(name), width),
            ctx.r.render(&d, 0, Opts::default())
        ));
    }
    lines
}

/// True when Terraform would list the change under the planned actions.
fn shown(c: &Change) -> bool {
    let moved = c.moved_from.as_ref().is_some_and(|f| *f != c.addr);
    match c.action {
        Action::NoOp => moved || c.importing.is_some(),
        // Data sources leave state without anything to show.
        Action::Delete => c.addr.resource.mode == Mode::Managed,
        _ => true,
    }
}

/// Renders `plan` as `terraform plan` does (with "cairn" for
/// "Terraform"). Sensitive values print as `(sensitive value)`.
pub fn human(plan: &Plan, opts: &HumanOptions) -> String {
    let p = Paint(opts.color);
    let mut ctx = Ctx {
        r: Renderer { p },
        p,
        schemas: opts.schemas,
        cache: HashMap::new(),
    };
    let (b, r) = (p.bold(), p.reset());
    let mut out = String::new();

    let mut changes: Vec<&Change> = plan.changes.iter().filter(|c| shown(c)).collect();
    changes.sort_by(|x, y| addr_cmp(&x.addr, &y.addr));
    let outputs = render_outputs(&ctx, plan);

    let mut counts: BTreeMap<Sym, usize> = BTreeMap::new();
    let mut imports = 0;
    for c in &changes {
        if c.importing.is_some() {
            imports += 1;
        }
        if c.action != Action::NoOp {
            *counts.entry(change_sym(c)).or_default() += 1;
        }
    }

    // Drift is only worth showing when the plan does something, or when
    // the plan exists to record it (refresh-only).
    let mut drifts: Vec<&Drift> = plan.drift.iter().collect();
    drifts.sort_by(|x, y| addr_cmp(&x.addr, &y.addr));
    let drift_text: Vec<String> = drifts
        .iter()
        .filter_map(|d| drift_diff(&mut ctx, d).map(|(_, s)| s))
        .collect();
    let plan_empty = changes.is_empty() && outputs.is_empty();
    let mut have_refresh = false;
    if !drift_text.is_empty() && (!plan_empty || plan.refresh_only) {
        have_refresh = true;
        out.push_str(&format!(
            "\n{b}{}Note:{r}{b} Objects have changed outside of cairn{r}\n\n",
            p.cyan()
        ));
        out.push_str("cairn detected the following changes made outside of cairn since the last \"cairn apply\" which may have affected this plan:\n");
        for t in &drift_text {
            out.push('\n');
            out.push_str(t);
            out.push('\n');
        }
        if plan.refresh_only {
            out.push_str("\n\nThis is a refresh-only plan, so cairn will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the cairn state without changing any remote objects.\n");
        } else {
            out.push_str("\n\nUnless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n");
        }
    }

    if plan_empty {
        if plan.refresh_only {
            if have_refresh {
                return out;
            }
            out.push_str(&format!(
                "\n{b}{}No changes.{r}{b} Your infrastructure still matches the configuration.{r}\n\n",
                p.green()
            ));
            out.push_str("cairn has checked that the real remote objects still match the result of your most recent changes, and found no differences.\n");
        } else if plan.destroy {
            out.push_str(&format!(
                "\n{b}{}No changes.{r}{b} No objects need to be destroyed.{r}\n\n",
                p.green()
            ));
            out.push_str("Either you have not created any objects yet or the existing objects were already deleted outside of cairn.\n");
        } else {
            out.push_str(&format!(
                "\n{b}{}No changes.{r}{b} Your infrastructure matches the configuration.{r}\n\n",
                p.green()
            ));
            out.push_str("cairn has compared your real infrastructure against your configuration and found no differences, so no changes are needed.\n");
        }
        return out;
    }

    if have_refresh {
        out.push_str(&ctx.rule());
    }

    if !counts.is_empty() {
        out.push_str("\ncairn used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:\n");
        for s in counts.keys() {
            out.push_str(&s.legend(p));
            out.push('\n');
        }
    }

    if !changes.is_empty() {
        out.push_str("\ncairn will perform the following actions:\n");
        for c in &changes {
            out.push('\n');
            out.push_str(&render_change(&mut ctx, c));
            out.push('\n');
        }
        let n = |s: Sym| counts.get(&s).copied().unwrap_or(0);
        let replaced = n(Sym::DeleteThenCreate) + n(Sym::CreateThenDelete);
        out.push_str(&format!("\n{b}Plan:{r} "));
        if imports > 0 {
            out.push_str(&format!("{imports} to import, "));
        }
        out.push_str(&format!(
            "{} to add, {} to change, {} to destroy.\n",
            n(Sym::Create) + replaced,
            n(Sym::Update),
            n(Sym::Delete) + replaced
        ));
    }

    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        out.push_str(&outputs.join("\n"));
        out.push('\n');
        if counts.is_empty() {
            out.push_str("\nYou can apply this plan to save these new output values to the cairn state, without changing any real infrastructure.\n");
        }
    }
    out
}
