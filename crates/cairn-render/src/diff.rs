//! Structural diffs of two values, computed the way Terraform's plan
//! renderer computes them (its `differ` package): every attribute, element
//! and block gets an action, and the renderer decides what to show.
//!
//! Sensitive values become [`Node::Sensitive`] here, before anything is
//! rendered: the diff tree holds no copy of a sensitive value, so no
//! rendering path can print one.

use std::collections::{BTreeMap, BTreeSet};

use cairn_provider::{Nesting, Schema};
use cairn_value::{Kind, PathStep, Value};

use crate::text::process_slice;

/// The action on one attribute, element or block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Act {
    NoOp,
    Create,
    Update,
    Delete,
}

/// Combines a parent's running action with a child's, as Terraform does:
/// any change to a child of an existing parent is an update of the parent.
pub(crate) fn compare_actions(current: Act, next: Act) -> Act {
    if next == Act::NoOp {
        current
    } else if current != next {
        Act::Update
    } else {
        current
    }
}

/// One side of a change. `Null` is an explicit null (a list element);
/// a null attribute is `Absent`, as Terraform treats it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Side<'a> {
    Absent,
    Null,
    Val(&'a Value),
}

impl<'a> Side<'a> {
    fn of(v: Option<&'a Value>, explicit: bool) -> Side<'a> {
        match v {
            None => Side::Absent,
            Some(v) if v.is_null() => {
                if explicit {
                    Side::Null
                } else {
                    Side::Absent
                }
            }
            Some(v) => Side::Val(v),
        }
    }
    pub fn is_nil(&self) -> bool {
        !matches!(self, Side::Val(_))
    }
    pub fn value(&self) -> Option<&'a Value> {
        match self {
            Side::Val(v) => Some(v),
            _ => None,
        }
    }
    fn is_unknown(&self) -> bool {
        self.value().is_some_and(Value::is_unknown)
    }
    fn entries(&self) -> Option<&'a BTreeMap<String, Value>> {
        self.value().and_then(Value::as_entries)
    }
    fn seq(&self) -> Option<&'a [Value]> {
        self.value().and_then(Value::as_seq)
    }
}

/// Which parts of a value force the replacement of the resource.
#[derive(Clone, Debug, Default)]
pub(crate) struct Matcher<'a> {
    paths: Vec<&'a [PathStep]>,
}

impl<'a> Matcher<'a> {
    pub fn new(paths: &'a [Vec<PathStep>]) -> Self {
        Matcher {
            paths: paths.iter().map(Vec::as_slice).collect(),
        }
    }
    /// True when a path ends here.
    pub fn matches(&self) -> bool {
        self.paths.iter().any(|p| p.is_empty())
    }
    fn step(&self, f: impl Fn(&PathStep) -> bool) -> Matcher<'a> {
        Matcher {
            paths: self
                .paths
                .iter()
                .filter_map(|p| match p.split_first() {
                    Some((s, rest)) if f(s) => Some(rest),
                    _ => None,
                })
                .collect(),
        }
    }
    fn attr(&self, name: &str) -> Matcher<'a> {
        self.step(|s| matches!(s, PathStep::Attr(a) | PathStep::Key(a) if a == name))
    }
    fn index(&self, i: usize) -> Matcher<'a> {
        self.step(|s| matches!(s, PathStep::Index(j) if *j == i))
    }
}

/// A change of one value: both sides, their sensitive marks and the
/// replacement paths below it.
#[derive(Clone, Debug)]
pub(crate) struct Ch<'a> {
    pub before: Side<'a>,
    pub after: Side<'a>,
    pub before_sens: bool,
    pub after_sens: bool,
    pub replace: Matcher<'a>,
}

impl<'a> Ch<'a> {
    /// A whole object (a resource, an output), neither side explicit.
    pub fn root(before: Option<&'a Value>, after: Option<&'a Value>, replace: Matcher<'a>) -> Self {
        Ch::make(before, false, after, false, replace)
    }

    pub(crate) fn make(
        before: Option<&'a Value>,
        before_explicit: bool,
        after: Option<&'a Value>,
        after_explicit: bool,
        replace: Matcher<'a>,
    ) -> Self {
        Ch {
            before: Side::of(before, before_explicit),
            after: Side::of(after, after_explicit),
            before_sens: before.is_some_and(|v| v.sensitive),
            after_sens: after.is_some_and(|v| v.sensitive),
            replace,
        }
    }

    /// Marks both sides sensitive (an output declared `sensitive`, an
    /// attribute the schema calls sensitive).
    pub fn force_sensitive(mut self) -> Self {
        self.before_sens = true;
        self.after_sens = true;
        self
    }

    /// An object attribute or map entry.
    fn child(&self, key: &str, explicit: bool) -> Ch<'a> {
        Ch::make(
            self.before.entries().and_then(|m| m.get(key)),
            explicit,
            self.after.entries().and_then(|m| m.get(key)),
            explicit,
            self.replace.attr(key),
        )
    }

    /// A sequence element, `None` where that side has no element.
    fn element(&self, b: Option<usize>, a: Option<usize>) -> Ch<'a> {
        let before = b.and_then(|i| self.before.seq().and_then(|s| s.get(i)));
        let after = a.and_then(|i| self.after.seq().and_then(|s| s.get(i)));
        let replace = match b.or(a) {
            Some(i) => self.replace.index(i),
            None => Matcher::default(),
        };
        Ch::make(before, before.is_some(), after, after.is_some(), replace)
    }

    fn as_delete(&self) -> Ch<'a> {
        Ch {
            after: Side::Absent,
            after_sens: false,
            ..self.clone()
        }
    }

    fn as_create(&self) -> Ch<'a> {
        Ch {
            before: Side::Absent,
            before_sens: false,
            ..self.clone()
        }
    }
}

/// A primitive value, already in the form it is printed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Prim {
    Str(String),
    Num(String),
    Bool(bool),
}

/// Nested blocks of one type, as the renderer lays them out.
#[derive(Debug)]
pub(crate) enum BlockList {
    Single(Diff),
    List(Vec<Diff>),
    Set(Vec<Diff>),
    Map(BTreeMap<String, Diff>),
}

/// The blocks of one type inside a block, with what is true of them all.
#[derive(Debug)]
pub(crate) struct BlockGroup {
    pub list: BlockList,
    pub before_sens: bool,
    pub after_sens: bool,
    pub replace: bool,
    /// The whole collection is unknown until apply.
    pub unknown: bool,
}

#[derive(Debug)]
pub(crate) enum Node {
    /// A string, number or bool; `None` is null.
    Prim {
        before: Option<Prim>,
        after: Option<Prim>,
    },
    /// A sensitive value: only whether each side was sensitive survives.
    Sensitive {
        before: bool,
        after: bool,
        inner: Act,
    },
    /// A sensitive nested block.
    SensitiveBlock {
        before: bool,
        after: bool,
        inner: Act,
    },
    /// Known only after apply; `before` is the prior value being replaced.
    Unknown {
        before: Option<Box<Diff>>,
    },
    /// An object attribute (`{ a = 1 }`); JSON objects too.
    Object {
        attrs: BTreeMap<String, Diff>,
    },
    Map {
        elems: BTreeMap<String, Diff>,
    },
    List {
        elems: Vec<Diff>,
    },
    Set {
        elems: Vec<Diff>,
    },
    /// A resource body or nested block.
    Block {
        attrs: BTreeMap<String, Diff>,
        blocks: BTreeMap<String, BlockGroup>,
    },
    /// The value changed type (a string became a list, ...).
    TypeChange {
        before: Box<Diff>,
        after: Box<Diff>,
    },
}

#[derive(Debug)]
pub(crate) struct Diff {
    pub node: Node,
    pub action: Act,
    /// This value's change forces the resource's replacement.
    pub replace: bool,
}

impl Diff {
    fn new(node: Node, action: Act, replace: bool) -> Diff {
        Diff {
            node,
            action,
            replace,
        }
    }
}

/// The action for a change, from its sides alone (Terraform's
/// `CalculateAction`).
fn calculate_action(ch: &Ch) -> Act {
    let b_missing = matches!(ch.before, Side::Absent);
    let a_missing = matches!(ch.after, Side::Absent);
    match (b_missing, a_missing) {
        (true, true) => Act::NoOp,
        (true, false) => Act::Create,
        (false, true) => Act::Delete,
        (false, false) => {
            let same = match (ch.before, ch.after) {
                (Side::Null, Side::Null) => true,
                (Side::Val(b), Side::Val(a)) => {
                    b.is_wholly_known() && a.is_wholly_known() && b.raw_equal(a)
                }
                _ => false,
            };
            if same && ch.before_sens == ch.after_sens {
                Act::NoOp
            } else {
                Act::Update
            }
        }
    }
}

/// The action a complex value starts from before its children are seen.
fn default_action(ch: &Ch) -> Act {
    match (ch.before.is_nil(), ch.after.is_nil()) {
        (true, true) => Act::NoOp,
        (true, false) => Act::Create,
        (false, true) => Act::Delete,
        (false, false) => Act::NoOp,
    }
}

/// True when two values are the same, marks included, and fully known:
/// how list and set elements are matched up.
pub(crate) fn same_value(a: &Value, b: &Value) -> bool {
    a.is_wholly_known() && b.is_wholly_known() && a.raw_equal(b) && marks_equal(a, b)
}

fn marks_equal(a: &Value, b: &Value) -> bool {
    if a.sensitive != b.sensitive {
        return false;
    }
    match (&a.kind, &b.kind) {
        (
            Kind::List(_, x) | Kind::Set(_, x) | Kind::Tuple(x),
            Kind::List(_, y) | Kind::Set(_, y) | Kind::Tuple(y),
        ) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| marks_equal(p, q)),
        (Kind::Map(_, x) | Kind::Object(x), Kind::Map(_, y) | Kind::Object(y)) => {
            x.len() == y.len() && x.values().zip(y.values()).all(|(p, q)| marks_equal(p, q))
        }
        _ => true,
    }
}

/// The action of a sensitive value, computed without looking inside it
/// beyond equality: (the action on the value itself, the action shown,
/// which is an update when only the sensitivity changes).
fn sensitive_action(ch: &Ch) -> (Act, Act) {
    let plain = match (ch.before, ch.after) {
        (Side::Absent, Side::Absent) => Act::NoOp,
        (Side::Absent, _) => Act::Create,
        (_, Side::Absent) => Act::Delete,
        (_, Side::Val(a)) if a.is_unknown() => Act::Update,
        (Side::Null, Side::Null) => Act::NoOp,
        (Side::Val(b), Side::Val(a)) => {
            if b.is_wholly_known() && a.is_wholly_known() && b.raw_equal(a) {
                Act::NoOp
            } else {
                Act::Update
            }
        }
        _ => Act::Update,
    };
    let both_missing = matches!(ch.before, Side::Absent) && matches!(ch.after, Side::Absent);
    if plain == Act::NoOp && ch.before_sens != ch.after_sens && !both_missing {
        (plain, Act::Update)
    } else {
        (plain, plain)
    }
}

fn sensitive(ch: &Ch, block: bool) -> Diff {
    let (inner, shown) = sensitive_action(ch);
    let node = if block {
        Node::SensitiveBlock {
            before: ch.before_sens,
            after: ch.after_sens,
            inner,
        }
    } else {
        Node::Sensitive {
            before: ch.before_sens,
            after: ch.after_sens,
            inner,
        }
    };
    Diff::new(node, shown, ch.replace.matches())
}

fn unknown(ch: &Ch, before: impl Fn(&Ch) -> Diff) -> Diff {
    let replace = ch.replace.matches();
    match ch.before {
        Side::Absent => Diff::new(Node::Unknown { before: None }, Act::Create, replace),
        Side::Null => Diff::new(Node::Unknown { before: None }, Act::Update, replace),
        Side::Val(_) => Diff::new(
            Node::Unknown {
                before: Some(Box::new(before(&ch.as_delete()))),
            },
            Act::Update,
            replace,
        ),
    }
}

/// How a value is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Prim,
    Object,
    Map,
    List,
    Set,
}

/// `json` mode is Terraform's rendering of dynamically-typed values
/// (outputs, JSON strings): maps print as objects and every sequence as a
/// list, since JSON cannot tell them apart.
fn shape(side: Side, json: bool) -> Option<Shape> {
    let v = side.value()?;
    Some(match &v.kind {
        Kind::Null(_) | Kind::Unknown(_) => return None,
        Kind::Bool(_) | Kind::Number(_) | Kind::String(_) => Shape::Prim,
        Kind::Object(_) => Shape::Object,
        Kind::Map(..) if json => Shape::Object,
        Kind::Map(..) => Shape::Map,
        Kind::Set(..) if !json => Shape::Set,
        Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => Shape::List,
    })
}

fn prim(side: Side) -> Option<Prim> {
    match &side.value()?.kind {
        Kind::String(s) => Some(Prim::Str(s.to_string())),
        Kind::Number(n) => Some(Prim::Num(n.to_string())),
        Kind::Bool(b) => Some(Prim::Bool(*b)),
        _ => None,
    }
}

/// The diff of an attribute value (Terraform's `ComputeDiffForType`).
pub(crate) fn diff_value(ch: &Ch, json: bool) -> Diff {
    if ch.before_sens || ch.after_sens {
        return sensitive(ch, false);
    }
    if ch.after.is_unknown() {
        return unknown(ch, |c| diff_value(c, json));
    }
    let target = match (shape(ch.before, json), shape(ch.after, json)) {
        (None, None) => Shape::Prim,
        (Some(s), None) | (None, Some(s)) => s,
        (Some(b), Some(a)) if a == b => a,
        (Some(_), Some(_)) => {
            return Diff::new(
                Node::TypeChange {
                    before: Box::new(diff_value(&ch.as_delete(), json)),
                    after: Box::new(diff_value(&ch.as_create(), json)),
                },
                Act::Update,
                ch.replace.matches(),
            )
        }
    };
    match target {
        Shape::Prim => Diff::new(
            Node::Prim {
                before: prim(ch.before),
                after: prim(ch.after),
            },
            calculate_action(ch),
            ch.replace.matches(),
        ),
        Shape::Object => diff_object(ch, json),
        Shape::Map => diff_map(ch),
        Shape::List => diff_list(ch, json),
        Shape::Set => diff_set(ch),
    }
}

fn keys<'a>(ch: &Ch<'a>) -> BTreeSet<&'a str> {
    let mut keys = BTreeSet::new();
    for m in [ch.before.entries(), ch.after.entries()]
        .into_iter()
        .flatten()
    {
        keys.extend(m.keys().map(String::as_str));
    }
    keys
}

fn diff_object(ch: &Ch, json: bool) -> Diff {
    let mut current = default_action(ch);
    let mut attrs = BTreeMap::new();
    for key in keys(ch) {
        // JSON objects keep explicit nulls; object attributes that are
        // null on both sides are not worth a line.
        let child = ch.child(key, json);
        let d = diff_value(&child, json);
        if !json && d.action == Act::NoOp && child.before.is_nil() && child.after.is_nil() {
            continue;
        }
        current = compare_actions(current, d.action);
        attrs.insert(key.to_string(), d);
    }
    Diff::new(Node::Object { attrs }, current, ch.replace.matches())
}

fn diff_map(ch: &Ch) -> Diff {
    let mut current = default_action(ch);
    let mut elems = BTreeMap::new();
    for key in keys(ch) {
        let d = diff_value(&ch.child(key, true), false);
        current = compare_actions(current, d.action);
        elems.insert(key.to_string(), d);
    }
    Diff::new(Node::Map { elems }, current, ch.replace.matches())
}

fn is_object_like(v: &Value) -> bool {
    matches!(v.kind, Kind::Object(_) | Kind::Map(..))
}

fn diff_list(ch: &Ch, json: bool) -> Diff {
    let before = ch.before.seq().unwrap_or(&[]);
    let after = ch.after.seq().unwrap_or(&[]);
    let mut current = default_action(ch);
    let mut elems = Vec::new();
    process_slice(before, after, same_value, is_object_like, |b, a| {
        let d = diff_value(&ch.element(b, a), json);
        current = compare_actions(current, d.action);
        elems.push(d);
    });
    Diff::new(Node::List { elems }, current, ch.replace.matches())
}

/// Pairs set elements that are equal; the rest are deletions then
/// creations, as Terraform shows sets.
fn set_pairs(ch: &Ch) -> Vec<(Option<usize>, Option<usize>)> {
    let before = ch.before.seq().unwrap_or(&[]);
    let after = ch.after.seq().unwrap_or(&[]);
    let mut taken = vec![false; after.len()];
    let mut out = Vec::new();
    for b in before {
        let found = after
            .iter()
            .enumerate()
            .find(|(j, a)| !taken[*j] && same_value(b, a))
            .map(|(j, _)| j);
        if let Some(j) = found {
            taken[j] = true;
        }
        out.push(found);
    }
    let mut pairs: Vec<_> = out
        .into_iter()
        .enumerate()
        .map(|(i, j)| (Some(i), j))
        .collect();
    pairs.extend(
        taken
            .iter()
            .enumerate()
            .filter(|(_, t)| !**t)
            .map(|(j, _)| (None, Some(j))),
    );
    pairs
}

fn diff_set(ch: &Ch) -> Diff {
    let mut current = default_action(ch);
    let mut elems = Vec::new();
    for (b, a) in set_pairs(ch) {
        let d = diff_value(&ch.element(b, a), false);
        current = compare_actions(current, d.action);
        elems.push(d);
    }
    Diff::new(Node::Set { elems }, current, ch.replace.matches())
}

/// The diff of a resource body or nested block. Without a schema every
/// key is rendered as an attribute.
pub(crate) fn diff_block(ch: &Ch, schema: Option<&Schema>) -> Diff {
    if ch.before_sens || ch.after_sens {
        return sensitive(ch, true);
    }
    if ch.after.is_unknown() {
        return unknown(ch, |c| diff_block(c, schema));
    }
    let mut current = default_action(ch);
    let is_block = |k: &str| schema.is_some_and(|s| s.blocks.contains_key(k));

    let mut attr_keys: BTreeSet<&str> = keys(ch).into_iter().filter(|k| !is_block(k)).collect();
    if let Some(s) = schema {
        attr_keys.extend(s.attributes.keys().map(String::as_str));
    }
    let mut attrs = BTreeMap::new();
    for key in attr_keys {
        let spec = schema.and_then(|s| s.attributes.get(key));
        let mut child = ch.child(key, false);
        if spec.is_some_and(|a| a.sensitive) {
            child = child.force_sensitive();
        }
        // Dynamically-typed attributes render like JSON, as in Terraform.
        let json = spec.is_some_and(|a| a.ty().has_dynamic());
        let d = diff_value(&child, json);
        if d.action == Act::NoOp && child.before.is_nil() && child.after.is_nil() {
            continue;
        }
        current = compare_actions(current, d.action);
        attrs.insert(key.to_string(), d);
    }

    let mut blocks = BTreeMap::new();
    if let Some(s) = schema {
        for (key, nb) in &s.blocks {
            let child = ch.child(key, false);
            let unknown = child.after.is_unknown();
            let group_sens = (child.before_sens, child.after_sens);
            // The group's marks are applied when rendering; the elements
            // are diffed as they are.
            let inner = Ch {
                before_sens: false,
                after_sens: false,
                ..child.clone()
            };
            let inner = if unknown { inner.as_delete() } else { inner };
            let (list, action) = match nb.nesting {
                Nesting::Single => {
                    let d = diff_block(&child, Some(&nb.block));
                    let a = d.action;
                    (BlockList::Single(d), a)
                }
                Nesting::List => {
                    let n = inner
                        .before
                        .seq()
                        .map_or(0, <[Value]>::len)
                        .max(inner.after.seq().map_or(0, <[Value]>::len));
                    let mut action = default_action(&inner);
                    let mut items = Vec::new();
                    for i in 0..n {
                        let d = diff_block(&inner.element(Some(i), Some(i)), Some(&nb.block));
                        action = compare_actions(action, d.action);
                        items.push(d);
                    }
                    (BlockList::List(items), action)
                }
                Nesting::Set => {
                    let mut action = default_action(&inner);
                    let mut items = Vec::new();
                    for (b, a) in set_pairs(&inner) {
                        let d = diff_block(&inner.element(b, a), Some(&nb.block));
                        action = compare_actions(action, d.action);
                        items.push(d);
                    }
                    (BlockList::Set(items), action)
                }
                Nesting::Map => {
                    let mut action = default_action(&inner);
                    let mut items = BTreeMap::new();
                    for k in keys(&inner) {
                        let d = diff_block(&inner.child(k, true), Some(&nb.block));
                        action = compare_actions(action, d.action);
                        items.insert(k.to_string(), d);
                    }
                    (BlockList::Map(items), action)
                }
            };
            if action == Act::NoOp && child.before.is_nil() && child.after.is_nil() && !unknown {
                continue;
            }
            current = compare_actions(current, action);
            blocks.insert(
                key.clone(),
                BlockGroup {
                    list,
                    before_sens: group_sens.0,
                    after_sens: group_sens.1,
                    replace: child.replace.matches(),
                    unknown,
                },
            );
        }
    }
    Diff::new(Node::Block { attrs, blocks }, current, ch.replace.matches())
}
