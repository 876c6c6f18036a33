//! Decoders from raw blocks to the typed model, one per block type, with
//! Terraform's structural checks and messages.

use cairn_diagnostics::{Diagnostic, Diagnostics};
use cairn_syntax::hcl_edit::expr::Expression;
use cairn_syntax::{json, Expr, Source};
use indexmap::IndexMap;

use crate::body::{body_from_parts, generic_body, missing_argument, valid_label};
use crate::model::*;
use crate::raw::{block, Content, RawAttr, RawBlock, Schema};
use crate::typeexpr::decode_type_attr;
use crate::util::{self, check_reference, provider_ref, range_text_opt};

/// The block types of a configuration file.
pub(crate) const TOP: Schema = Schema {
    attrs: &[],
    blocks: &[
        block("terraform", &[]),
        block("provider", &["name"]),
        block("variable", &["name"]),
        block("locals", &[]),
        block("output", &["name"]),
        block("module", &["name"]),
        block("resource", &["type", "name"]),
        block("data", &["type", "name"]),
        block("check", &["name"]),
        block("import", &[]),
        block("moved", &[]),
        block("removed", &[]),
    ],
    merge_blocks: &[],
};

const RESOURCE: Schema = Schema {
    attrs: &["count", "for_each", "provider", "depends_on"],
    blocks: &[
        block("lifecycle", &[]),
        block("connection", &[]),
        block("provisioner", &["type"]),
    ],
    merge_blocks: &["lifecycle"],
};

const DATA: Schema = Schema {
    attrs: &["count", "for_each", "provider", "depends_on"],
    blocks: &[block("lifecycle", &[])],
    merge_blocks: &["lifecycle"],
};

const LIFECYCLE: Schema = Schema {
    attrs: &[
        "create_before_destroy",
        "prevent_destroy",
        "ignore_changes",
        "replace_triggered_by",
    ],
    blocks: &[block("precondition", &[]), block("postcondition", &[])],
    merge_blocks: &[],
};

const DATA_LIFECYCLE: Schema = Schema {
    attrs: &[],
    blocks: &[block("precondition", &[]), block("postcondition", &[])],
    merge_blocks: &[],
};

const PROVISIONER: Schema = Schema {
    attrs: &["when", "on_failure"],
    blocks: &[block("connection", &[])],
    merge_blocks: &[],
};

const RULE: Schema = Schema {
    attrs: &["condition", "error_message"],
    blocks: &[],
    merge_blocks: &[],
};

const VARIABLE: Schema = Schema {
    attrs: &[
        "type",
        "default",
        "description",
        "sensitive",
        "nullable",
        "ephemeral",
    ],
    blocks: &[block("validation", &[])],
    merge_blocks: &[],
};

const OUTPUT: Schema = Schema {
    attrs: &[
        "value",
        "description",
        "sensitive",
        "ephemeral",
        "depends_on",
    ],
    blocks: &[block("precondition", &[])],
    merge_blocks: &[],
};

const MODULE: Schema = Schema {
    attrs: &[
        "source",
        "version",
        "count",
        "for_each",
        "depends_on",
        "providers",
    ],
    blocks: &[],
    merge_blocks: &[],
};

const PROVIDER: Schema = Schema {
    attrs: &["alias", "version"],
    blocks: &[],
    merge_blocks: &[],
};

const TERRAFORM: Schema = Schema {
    attrs: &["required_version", "experiments", "language"],
    blocks: &[
        block("required_providers", &[]),
        block("backend", &["type"]),
        block("cloud", &[]),
        block("provider_meta", &["provider"]),
    ],
    merge_blocks: &[],
};

const CHECK: Schema = Schema {
    attrs: &[],
    blocks: &[block("data", &["type", "name"]), block("assert", &[])],
    merge_blocks: &[],
};

const IMPORT: Schema = Schema {
    attrs: &["to", "id", "identity", "provider", "for_each"],
    blocks: &[],
    merge_blocks: &[],
};

const MOVED: Schema = Schema {
    attrs: &["from", "to"],
    blocks: &[],
    merge_blocks: &[],
};

const REMOVED: Schema = Schema {
    attrs: &["from"],
    blocks: &[
        block("lifecycle", &[]),
        block("provisioner", &["type"]),
        block("connection", &[]),
    ],
    merge_blocks: &[],
};

const REMOVED_LIFECYCLE: Schema = Schema {
    attrs: &["destroy"],
    blocks: &[],
    merge_blocks: &[],
};

/// Names a module call uses itself, so no variable may take them.
const RESERVED_VARIABLE_NAMES: &[&str] = &[
    "count",
    "depends_on",
    "for_each",
    "lifecycle",
    "providers",
    "source",
    "version",
    "locals",
];

fn expr_of(c: &Content, name: &str, diags: &mut Diagnostics) -> Option<Expr> {
    c.attrs.get(name).and_then(|a| a.expr(diags))
}

fn string_of(c: &Content, name: &str, diags: &mut Diagnostics) -> Option<String> {
    c.attrs.get(name).and_then(|a| a.static_string(diags))
}

fn bool_of(c: &Content, name: &str, diags: &mut Diagnostics) -> Option<bool> {
    c.attrs.get(name).and_then(|a| a.static_bool(diags))
}

/// `depends_on`: a list of static references.
fn depends_on(c: &Content, diags: &mut Diagnostics) -> Vec<Expr> {
    let Some(list) = c
        .attrs
        .get("depends_on")
        .and_then(|a| a.keyword_list(diags))
    else {
        return Vec::new();
    };
    list.into_iter()
        .filter(|e| check_reference(e, true, diags))
        .collect()
}

fn count_and_for_each(c: &Content, diags: &mut Diagnostics) -> (Option<Expr>, Option<Expr>) {
    let count = expr_of(c, "count", diags);
    let for_each = expr_of(c, "for_each", diags);
    if count.is_some() && for_each.is_some() {
        diags.push(
            Diagnostic::error(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.",
            )
            .with_span(c.attrs.get("for_each").and_then(|a| a.name_span.clone())),
        );
    }
    (count, for_each)
}

/// A `condition`/`error_message` block.
fn check_rule(b: &RawBlock, diags: &mut Diagnostics) -> Option<CheckRule> {
    let c = b.body.content(&RULE, diags);
    c.reject_others(&RULE, diags);
    let mut ok = true;
    for name in ["condition", "error_message"] {
        if !c.attrs.contains_key(name) {
            diags.push(missing_argument(name, b));
            ok = false;
        }
    }
    let condition = expr_of(&c, "condition", diags);
    let error_message = expr_of(&c, "error_message", diags);
    if !ok {
        return None;
    }
    Some(CheckRule {
        condition: condition?,
        error_message: error_message?,
        span: b.span.clone(),
    })
}

fn rules(c: &Content, block_type: &str, diags: &mut Diagnostics) -> Vec<CheckRule> {
    c.blocks_of(block_type)
        .filter_map(|b| check_rule(b, diags))
        .collect()
}

/// Only one block of a type (lifecycle, connection); later ones are
/// reported.
fn single<'a>(
    c: &'a Content,
    block_type: &'a str,
    owner: &str,
    diags: &mut Diagnostics,
) -> Option<&'a RawBlock> {
    let mut it = c.blocks_of(block_type);
    let first = it.next()?;
    for extra in it {
        diags.push(
            Diagnostic::error(
                format!("Duplicate {block_type} block"),
                format!(
                    "This {owner} already has a {block_type} block at {}.",
                    range_text_opt(&first.decl_span)
                ),
            )
            .with_span(extra.decl_span.clone()),
        );
    }
    Some(first)
}

pub(crate) fn decode_resource(
    b: &RawBlock,
    mode: ResourceMode,
    diags: &mut Diagnostics,
) -> Option<Resource> {
    let (kind, schema) = match mode {
        ResourceMode::Managed => ("resource", &RESOURCE),
        ResourceMode::Data => ("data source", &DATA),
    };
    let type_ok = valid_label(b, 0, &format!("Invalid {kind} type name"), diags);
    let name_ok = valid_label(b, 1, &format!("Invalid {kind} name"), diags);
    let c = b.body.content(schema, diags);
    let (count, for_each) = count_and_for_each(&c, diags);
    let provider = c
        .attrs
        .get("provider")
        .and_then(|a| a.keyword(diags))
        .and_then(|e| provider_ref(&e, diags));
    let depends_on = depends_on(&c, diags);
    let mut r = Resource {
        mode,
        type_name: b.label(0).to_string(),
        name: b.label(1).to_string(),
        provider,
        count,
        for_each,
        depends_on,
        lifecycle: Lifecycle::default(),
        connection: None,
        provisioners: Vec::new(),
        body: Body::default(),
        span: b.span.clone(),
        decl_span: b.decl_span.clone(),
    };
    if let Some(lb) = single(&c, "lifecycle", kind, diags) {
        r.lifecycle = decode_lifecycle(lb, mode, diags);
    }
    if let Some(cb) = single(&c, "connection", kind, diags) {
        r.connection = Some(decode_connection(cb, diags));
    }
    let address = format!(
        "{}{}.{}",
        if mode == ResourceMode::Data {
            "data."
        } else {
            ""
        },
        r.type_name,
        r.name
    );
    for pb in c.blocks_of("provisioner") {
        if let Some(p) = decode_provisioner(pb, &address, diags) {
            r.provisioners.push(p);
        }
    }
    r.body = body_from_parts(
        c.other_attrs,
        c.other_blocks,
        b.body.is_json(),
        b.body.span(),
        diags,
    );
    (type_ok && name_ok).then_some(r)
}

fn decode_lifecycle(b: &RawBlock, mode: ResourceMode, diags: &mut Diagnostics) -> Lifecycle {
    let schema = match mode {
        ResourceMode::Managed => &LIFECYCLE,
        ResourceMode::Data => &DATA_LIFECYCLE,
    };
    let c = b.body.content(schema, diags);
    c.reject_others(schema, diags);
    let mut l = Lifecycle {
        create_before_destroy: expr_of(&c, "create_before_destroy", diags),
        prevent_destroy: expr_of(&c, "prevent_destroy", diags),
        preconditions: rules(&c, "precondition", diags),
        postconditions: rules(&c, "postcondition", diags),
        span: b.span.clone(),
        ..Lifecycle::default()
    };
    if let Some(a) = c.attrs.get("ignore_changes") {
        l.ignore_changes = ignore_changes(a, diags);
    }
    if let Some(list) = c
        .attrs
        .get("replace_triggered_by")
        .and_then(|a| a.keyword_list(diags))
    {
        l.replace_triggered_by = list
            .into_iter()
            .filter(|e| check_reference(e, false, diags))
            .collect();
    }
    l
}

fn ignore_changes(a: &RawAttr, diags: &mut Diagnostics) -> IgnoreChanges {
    let mut scratch = Diagnostics::new();
    if let Some(e) = a.keyword(&mut scratch) {
        if matches!(&e.expr, Expression::Variable(v) if v.as_str() == "all") {
            return IgnoreChanges::All;
        }
    }
    let Some(list) = a.keyword_list(diags) else {
        return IgnoreChanges::None;
    };
    let mut out = Vec::new();
    for e in list {
        // Terraform 0.11 quoted attribute names.
        let e = match json::literal_string(&e.expr) {
            Some(s) => {
                if s == "*" {
                    diags.push(
                        Diagnostic::warning(
                            "Deprecated ignore_changes wildcard",
                            "The [\"*\"] form of ignore_changes wildcard is deprecated. Use \"ignore_changes = all\" to ignore changes to all attributes.",
                        )
                        .with_span(e.span()),
                    );
                    return IgnoreChanges::All;
                }
                diags.push(
                    Diagnostic::warning(
                        "Quoted references are deprecated",
                        "In this context, references are expected literally rather than in quotes. Remove the quotes surrounding this reference to silence this warning.",
                    )
                    .with_span(e.span()),
                );
                match cairn_syntax::hcl_edit::parser::parse_expr(&s) {
                    Ok(parsed) => Expr::new(
                        parsed,
                        Source {
                            file: e.source.file.clone(),
                            offset: 0,
                            fixed: e.span().map(|s| s.start.byte..s.end.byte),
                        },
                    ),
                    Err(_) => e,
                }
            }
            None => e,
        };
        if check_reference(&e, true, diags) {
            out.push(e);
        }
    }
    IgnoreChanges::List(out)
}

fn decode_connection(b: &RawBlock, diags: &mut Diagnostics) -> Connection {
    Connection {
        body: generic_body(&b.body, diags),
        span: b.span.clone(),
    }
}

fn decode_provisioner(b: &RawBlock, owner: &str, diags: &mut Diagnostics) -> Option<Provisioner> {
    let type_name = b.label(0).to_string();
    diags.push(
        Diagnostic::warning(
            "Provisioners are not run",
            format!("cairn does not run provisioners; the \"{type_name}\" provisioner of {owner} will be ignored."),
        )
        .with_span(b.decl_span.clone())
        .with_hint("Do the work in a resource, or in your pipeline after apply."),
    );
    let c = b.body.content(&PROVISIONER, diags);
    let mut p = Provisioner {
        type_name,
        when: ProvisionerWhen::Create,
        on_failure: ProvisionerOnFailure::Fail,
        connection: None,
        body: Body::default(),
        span: b.span.clone(),
    };
    let mut ok = true;
    if let Some(e) = c.attrs.get("when").and_then(|a| a.keyword(diags)) {
        match util::reference_text(&e.expr).as_deref() {
            Some("create") => p.when = ProvisionerWhen::Create,
            Some("destroy") => p.when = ProvisionerWhen::Destroy,
            _ => {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        "Invalid \"when\" keyword",
                        "The \"when\" argument requires one of the following keywords: create or destroy.",
                    )
                    .with_span(e.span()),
                );
            }
        }
    }
    if let Some(e) = c.attrs.get("on_failure").and_then(|a| a.keyword(diags)) {
        match util::reference_text(&e.expr).as_deref() {
            Some("continue") => p.on_failure = ProvisionerOnFailure::Continue,
            Some("fail") => p.on_failure = ProvisionerOnFailure::Fail,
            _ => {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        "Invalid \"on_failure\" keyword",
                        "The \"on_failure\" argument requires one of the following keywords: continue or fail.",
                    )
                    .with_span(e.span()),
                );
            }
        }
    }
    if let Some(cb) = single(&c, "connection", "provisioner", diags) {
        p.connection = Some(decode_connection(cb, diags));
    }
    p.body = body_from_parts(
        c.other_attrs,
        c.other_blocks,
        b.body.is_json(),
        b.body.span(),
        diags,
    );
    ok.then_some(p)
}

pub(crate) fn decode_variable(b: &RawBlock, diags: &mut Diagnostics) -> Option<Variable> {
    let name = b.label(0).to_string();
    let mut ok = valid_label(b, 0, "Invalid variable name", diags);
    if ok && RESERVED_VARIABLE_NAMES.contains(&name.as_str()) {
        ok = false;
        diags.push(
            Diagnostic::error(
                "Invalid variable name",
                format!("The variable name \"{name}\" is reserved due to its special meaning inside module blocks."),
            )
            .with_span(b.label_span(0)),
        );
    }
    let c = b.body.content(&VARIABLE, diags);
    c.reject_others(&VARIABLE, diags);
    let v = Variable {
        type_constraint: c.attrs.get("type").and_then(|a| decode_type_attr(a, diags)),
        default: c.attrs.get("default").and_then(|a| a.literal_expr(diags)),
        description: string_of(&c, "description", diags),
        sensitive: bool_of(&c, "sensitive", diags).unwrap_or(false),
        nullable: bool_of(&c, "nullable", diags).unwrap_or(true),
        ephemeral: bool_of(&c, "ephemeral", diags).unwrap_or(false),
        validations: rules(&c, "validation", diags),
        span: b.span.clone(),
        decl_span: b.decl_span.clone(),
        name,
    };
    ok.then_some(v)
}

pub(crate) fn decode_output(b: &RawBlock, diags: &mut Diagnostics) -> Option<Output> {
    let ok = valid_label(b, 0, "Invalid output name", diags);
    let c = b.body.content(&OUTPUT, diags);
    c.reject_others(&OUTPUT, diags);
    if !c.attrs.contains_key("value") {
        diags.push(missing_argument("value", b));
    }
    let expr = expr_of(&c, "value", diags);
    let o = Output {
        name: b.label(0).to_string(),
        description: string_of(&c, "description", diags),
        sensitive: bool_of(&c, "sensitive", diags).unwrap_or(false),
        ephemeral: bool_of(&c, "ephemeral", diags).unwrap_or(false),
        depends_on: depends_on(&c, diags),
        preconditions: rules(&c, "precondition", diags),
        span: b.span.clone(),
        decl_span: b.decl_span.clone(),
        expr: expr?,
    };
    ok.then_some(o)
}

pub(crate) fn decode_locals(b: &RawBlock, diags: &mut Diagnostics) -> Vec<RawAttr> {
    b.body.just_attributes(diags)
}

pub(crate) fn decode_local(a: &RawAttr, diags: &mut Diagnostics) -> Option<Local> {
    let ok = util::check_name(
        &a.name,
        "Invalid local value name",
        a.name_span.clone(),
        diags,
    );
    let expr = a.expr(diags)?;
    ok.then(|| Local {
        name: a.name.clone(),
        expr,
        span: a.span.clone(),
    })
}

pub(crate) fn decode_module_call(b: &RawBlock, diags: &mut Diagnostics) -> Option<ModuleCall> {
    let ok = valid_label(b, 0, "Invalid module instance name", diags);
    let c = b.body.content(&MODULE, diags);
    for extra in &c.other_blocks {
        diags.push(crate::raw::unsupported_block(
            &extra.type_name,
            extra.type_span.clone(),
            &[],
        ));
    }
    if !c.attrs.contains_key("source") {
        diags.push(missing_argument("source", b));
    }
    let source = string_of(&c, "source", diags);
    let (count, for_each) = count_and_for_each(&c, diags);
    let mut providers = IndexMap::new();
    if let Some(items) = c.attrs.get("providers").and_then(|a| a.object_items(diags)) {
        for item in items {
            let child = provider_ref_from_text(&item.name, item.name_span.clone(), diags);
            let parent = item.keyword(diags).and_then(|e| provider_ref(&e, diags));
            if let (Some(child), Some(parent)) = (child, parent) {
                providers.insert(child.address(), PassedProvider { child, parent });
            }
        }
    }
    let mut inputs = IndexMap::new();
    for a in &c.other_attrs {
        if let Some(expr) = a.expr(diags) {
            inputs.insert(
                a.name.clone(),
                Attribute {
                    name: a.name.clone(),
                    expr,
                    span: a.span.clone(),
                    name_span: a.name_span.clone(),
                },
            );
        }
    }
    let m = ModuleCall {
        name: b.label(0).to_string(),
        source_span: c.attrs.get("source").and_then(|a| a.value_span()),
        source: source?,
        version: string_of(&c, "version", diags),
        count,
        for_each,
        depends_on: depends_on(&c, diags),
        providers,
        inputs,
        span: b.span.clone(),
        decl_span: b.decl_span.clone(),
    };
    ok.then_some(m)
}

fn provider_ref_from_text(
    text: &str,
    span: Option<cairn_diagnostics::Span>,
    diags: &mut Diagnostics,
) -> Option<ProviderRef> {
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        [name] if util::is_valid_name(name) => Some(ProviderRef {
            name: name.to_string(),
            alias: None,
            span,
        }),
        [name, alias] if util::is_valid_name(name) && util::is_valid_name(alias) => {
            Some(ProviderRef {
                name: name.to_string(),
                alias: Some(alias.to_string()),
                span,
            })
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid provider configuration reference",
                    "The provider argument requires a provider type name, optionally followed by a period and then a configuration alias.",
                )
                .with_span(span),
            );
            None
        }
    }
}

/// The alias of a provider block, read quietly (for matching overrides).
pub(crate) fn provider_alias(b: &RawBlock) -> Option<String> {
    let mut scratch = Diagnostics::new();
    let c = b.body.content(&PROVIDER, &mut scratch);
    string_of(&c, "alias", &mut scratch)
}

pub(crate) fn decode_provider(b: &RawBlock, diags: &mut Diagnostics) -> Option<ProviderConfig> {
    let ok = valid_label(b, 0, "Invalid provider local name", diags);
    let c = b.body.content(&PROVIDER, diags);
    let alias = string_of(&c, "alias", diags);
    if let (Some(a), Some(attr)) = (&alias, c.attrs.get("alias")) {
        if !util::check_name(
            a,
            "Invalid provider configuration alias",
            attr.value_span(),
            diags,
        ) {
            return None;
        }
    }
    let version = expr_of(&c, "version", diags);
    if let Some(attr) = c.attrs.get("version") {
        diags.push(
            Diagnostic::warning(
                "Version constraints inside provider configuration blocks are deprecated",
                "Terraform 0.13 and earlier allowed provider version constraints inside the provider configuration block, but that is now deprecated. Use the required_providers block in the terraform block instead.",
            )
            .with_span(attr.name_span.clone()),
        );
    }
    let p = ProviderConfig {
        name: b.label(0).to_string(),
        alias,
        version,
        body: body_from_parts(
            c.other_attrs,
            c.other_blocks,
            b.body.is_json(),
            b.body.span(),
            diags,
        ),
        span: b.span.clone(),
        decl_span: b.decl_span.clone(),
    };
    ok.then_some(p)
}

/// Decodes one `terraform` block into `t`, reporting conflicts with what
/// earlier blocks set.
pub(crate) fn decode_terraform(b: &RawBlock, t: &mut TerraformBlock, diags: &mut Diagnostics) {
    let c = b.body.content(&TERRAFORM, diags);
    c.reject_others(&TERRAFORM, diags);
    if let Some(a) = c.attrs.get("required_version") {
        if let Some(v) = a.static_string(diags) {
            t.required_version.push(Spanned {
                value: v,
                span: a.value_span(),
            });
        }
    }
    if let Some(list) = c
        .attrs
        .get("experiments")
        .and_then(|a| a.keyword_list(diags))
    {
        t.experiments.extend(list);
    }
    for rp in c.blocks_of("required_providers") {
        for a in rp.body.just_attributes(diags) {
            let Some(req) = required_provider(&a, diags) else {
                continue;
            };
            if let Some(prev) = t.required_providers.get(&a.name) {
                diags.push(
                    Diagnostic::error(
                        "Duplicate required provider",
                        format!(
                            "A provider requirement for \"{}\" was already declared at {}. Each provider may be required only once per module.",
                            a.name,
                            range_text_opt(&prev.span)
                        ),
                    )
                    .with_span(a.name_span.clone()),
                );
                continue;
            }
            t.required_providers.insert(a.name.clone(), req);
        }
    }
    for bb in c.blocks_of("backend") {
        if let Some(prev) = &t.backend {
            diags.push(
                Diagnostic::error(
                    "Duplicate backend configuration",
                    format!(
                        "A module may have only one backend configuration. The backend was previously configured at {}.",
                        range_text_opt(&prev.type_span)
                    ),
                )
                .with_span(bb.decl_span.clone()),
            );
            continue;
        }
        t.backend = Some(Backend {
            backend_type: bb.label(0).to_string(),
            config: generic_body(&bb.body, diags),
            span: bb.span.clone(),
            type_span: bb.decl_span.clone(),
        });
    }
    for cb in c.blocks_of("cloud") {
        if let Some(prev) = &t.cloud {
            diags.push(
                Diagnostic::error(
                    "Duplicate cloud configurations",
                    format!(
                        "A module may have only one 'cloud' block configuring HCP Terraform or Terraform Enterprise. The 'cloud' block was previously configured at {}.",
                        range_text_opt(&prev.span)
                    ),
                )
                .with_span(cb.decl_span.clone()),
            );
            continue;
        }
        t.cloud = Some(CloudBlock {
            config: generic_body(&cb.body, diags),
            span: cb.span.clone(),
        });
    }
    for pm in c.blocks_of("provider_meta") {
        t.provider_meta
            .insert(pm.label(0).to_string(), generic_body(&pm.body, diags));
    }
}

/// Reports a `backend` and a `cloud` block in the same module.
pub(crate) fn check_backend_and_cloud(t: &TerraformBlock, diags: &mut Diagnostics) {
    if let (Some(_), Some(cloud)) = (&t.backend, &t.cloud) {
        diags.push(
            Diagnostic::error(
                "Both a backend and cloud configuration are present",
                "A module may declare either one 'cloud' block or one 'backend' block configuring a state backend, not both.",
            )
            .with_span(cloud.span.clone()),
        );
    }
}

fn required_provider(a: &RawAttr, diags: &mut Diagnostics) -> Option<RequiredProvider> {
    let mut req = RequiredProvider {
        name: a.name.clone(),
        source: None,
        version: None,
        configuration_aliases: Vec::new(),
        span: a.span.clone(),
    };
    // Terraform 0.12's `aws = "~> 2.0"`: a version constraint alone.
    let mut scratch = Diagnostics::new();
    if let Some(v) = a.static_string(&mut scratch) {
        req.version = Some(v);
        return Some(req);
    }
    for item in a.object_items(diags)? {
        match item.name.as_str() {
            "source" => req.source = item.static_string(diags),
            "version" => req.version = item.static_string(diags),
            "configuration_aliases" => {
                for e in item.keyword_list(diags).unwrap_or_default() {
                    if let Some(p) = provider_ref(&e, diags) {
                        req.configuration_aliases.push(p);
                    }
                }
            }
            _ => diags.push(
                Diagnostic::error(
                    "Invalid required_providers object",
                    "required_providers objects can only contain \"version\", \"source\" and \"configuration_aliases\" attributes. To configure a provider, use a \"provider\" block.",
                )
                .with_span(item.name_span.clone()),
            ),
        }
    }
    Some(req)
}

pub(crate) fn decode_check(b: &RawBlock, diags: &mut Diagnostics) -> Option<Check> {
    let ok = valid_label(b, 0, "Invalid check block name", diags);
    let c = b.body.content(&CHECK, diags);
    let data = c
        .blocks_of("data")
        .filter_map(|d| decode_resource(d, ResourceMode::Data, diags))
        .collect();
    let asserts = rules(&c, "assert", diags);
    // cairn's `probe` blocks are checks too: a check may hold only probes.
    let probes = c.other_blocks.iter().any(|x| x.type_name == "probe");
    if c.blocks_of("assert").next().is_none() && !probes {
        diags.push(
            Diagnostic::error(
                "Zero assert blocks",
                "Check blocks must have at least one assert block (or, in cairn, a probe block).",
            )
            .with_span(b.decl_span.clone()),
        );
    }
    let check = Check {
        name: b.label(0).to_string(),
        data,
        asserts,
        body: body_from_parts(
            c.other_attrs,
            c.other_blocks,
            b.body.is_json(),
            b.body.span(),
            diags,
        ),
        span: b.span.clone(),
        decl_span: b.decl_span.clone(),
    };
    ok.then_some(check)
}

fn required_keyword(
    c: &Content,
    name: &str,
    b: &RawBlock,
    static_keys: bool,
    diags: &mut Diagnostics,
) -> Option<Expr> {
    let Some(a) = c.attrs.get(name) else {
        diags.push(missing_argument(name, b));
        return None;
    };
    let e = a.keyword(diags)?;
    check_reference(&e, static_keys, diags).then_some(e)
}

pub(crate) fn decode_import(b: &RawBlock, diags: &mut Diagnostics) -> Option<Import> {
    let c = b.body.content(&IMPORT, diags);
    c.reject_others(&IMPORT, diags);
    let to = required_keyword(&c, "to", b, false, diags);
    let id = expr_of(&c, "id", diags);
    let identity = expr_of(&c, "identity", diags);
    match (c.attrs.get("id"), c.attrs.get("identity")) {
        (None, None) => diags.push(
            Diagnostic::error(
                "Invalid import block",
                "An import block must set either \"id\" or \"identity\".",
            )
            .with_span(b.decl_span.clone()),
        ),
        (Some(_), Some(a)) => diags.push(
            Diagnostic::error(
                "Invalid import block",
                "An import block may set only one of \"id\" and \"identity\".",
            )
            .with_span(a.name_span.clone()),
        ),
        _ => {}
    }
    let provider = c
        .attrs
        .get("provider")
        .and_then(|a| a.keyword(diags))
        .and_then(|e| provider_ref(&e, diags));
    Some(Import {
        to: to?,
        id,
        identity,
        provider,
        for_each: expr_of(&c, "for_each", diags),
        span: b.span.clone(),
    })
}

pub(crate) fn decode_moved(b: &RawBlock, diags: &mut Diagnostics) -> Option<Moved> {
    let c = b.body.content(&MOVED, diags);
    c.reject_others(&MOVED, diags);
    let from = required_keyword(&c, "from", b, true, diags);
    let to = required_keyword(&c, "to", b, true, diags);
    Some(Moved {
        from: from?,
        to: to?,
        span: b.span.clone(),
    })
}

pub(crate) fn decode_removed(b: &RawBlock, diags: &mut Diagnostics) -> Option<Removed> {
    let c = b.body.content(&REMOVED, diags);
    c.reject_others(&REMOVED, diags);
    let from = required_keyword(&c, "from", b, true, diags);
    let mut destroy = None;
    if let Some(lb) = single(&c, "lifecycle", "removed block", diags) {
        let lc = lb.body.content(&REMOVED_LIFECYCLE, diags);
        lc.reject_others(&REMOVED_LIFECYCLE, diags);
        destroy = expr_of(&lc, "destroy", diags);
    }
    let owner = from
        .as_ref()
        .and_then(|e| util::reference_text(&e.expr))
        .unwrap_or_else(|| "a removed block".into());
    let provisioners = c
        .blocks_of("provisioner")
        .filter_map(|p| decode_provisioner(p, &owner, diags))
        .collect();
    Some(Removed {
        from: from?,
        destroy,
        provisioners,
        span: b.span.clone(),
    })
}
