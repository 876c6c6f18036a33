//! The configuration model: one [`Module`] per directory, its blocks decoded
//! into typed items that keep their expressions unevaluated ([`Expr`]) and
//! their source positions.

use std::path::PathBuf;
use std::sync::Arc;

use cairn_diagnostics::Span;
use cairn_syntax::{Expr, SourceFile};
use cairn_value::Type;
use indexmap::IndexMap;

/// One configuration file of a module.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// The display name used in spans and the source map.
    pub name: Arc<str>,
    pub source: Arc<SourceFile>,
    /// A `.tf.json` file.
    pub json: bool,
    /// An override file (`override.tf`, `*_override.tf`, and JSON forms).
    pub is_override: bool,
}

/// The configuration of one module directory.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    /// Primary files in name order, then override files in name order.
    pub files: Vec<ConfigFile>,
    /// All `terraform` blocks merged.
    pub terraform: TerraformBlock,
    pub providers: Vec<ProviderConfig>,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Local>,
    pub outputs: IndexMap<String, Output>,
    /// Managed resources keyed by `"type.name"`.
    pub resources: IndexMap<String, Resource>,
    /// Data resources keyed by `"type.name"` (without the `data.` prefix).
    pub data: IndexMap<String, Resource>,
    pub module_calls: IndexMap<String, ModuleCall>,
    pub checks: IndexMap<String, Check>,
    pub imports: Vec<Import>,
    pub moved: Vec<Moved>,
    pub removed: Vec<Removed>,
}

impl Module {
    /// The provider configuration for a local provider name and alias.
    pub fn provider(&self, name: &str, alias: Option<&str>) -> Option<&ProviderConfig> {
        self.providers
            .iter()
            .find(|p| p.name == name && p.alias.as_deref() == alias)
    }
}

/// A static string and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Option<Span>,
}

/// The merged `terraform` blocks of a module.
#[derive(Clone, Debug, Default)]
pub struct TerraformBlock {
    /// One constraint per `required_version` argument; all must hold.
    pub required_version: Vec<Spanned<String>>,
    /// Keyed by local provider name.
    pub required_providers: IndexMap<String, RequiredProvider>,
    pub backend: Option<Backend>,
    pub cloud: Option<CloudBlock>,
    pub experiments: Vec<Expr>,
    /// `provider_meta "name" { ... }` blocks, keyed by provider name.
    pub provider_meta: IndexMap<String, Body>,
}

/// An entry of `required_providers`.
#[derive(Clone, Debug)]
pub struct RequiredProvider {
    pub name: String,
    /// `hashicorp/aws`; `None` means the default `hashicorp/<name>`.
    pub source: Option<String>,
    pub version: Option<String>,
    /// References like `aws.west` this module expects to be passed in.
    pub configuration_aliases: Vec<ProviderRef>,
    pub span: Option<Span>,
}

/// A `backend "type" { ... }` block.
#[derive(Clone, Debug)]
pub struct Backend {
    pub backend_type: String,
    /// The configuration arguments (unevaluated; backends allow only
    /// literal values, checked when the backend is configured).
    pub config: Body,
    pub span: Option<Span>,
    pub type_span: Option<Span>,
}

/// A `cloud { ... }` block.
#[derive(Clone, Debug)]
pub struct CloudBlock {
    pub config: Body,
    pub span: Option<Span>,
}

/// A `provider "name" { ... }` block.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    /// Deprecated `version` argument (use `required_providers`).
    pub version: Option<Expr>,
    /// The provider's own arguments.
    pub body: Body,
    pub span: Option<Span>,
    pub decl_span: Option<Span>,
}

impl ProviderConfig {
    /// `aws` or `aws.west`, as references to this configuration read.
    pub fn address(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A reference to a provider configuration: `aws` or `aws.west`.
#[derive(Clone, Debug)]
pub struct ProviderRef {
    pub name: String,
    pub alias: Option<String>,
    pub span: Option<Span>,
}

impl ProviderRef {
    pub fn address(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

impl PartialEq for ProviderRef {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.alias == other.alias
    }
}

/// A `variable "name" { ... }` block.
#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    /// `None` when no `type` is given (any type).
    pub type_constraint: Option<TypeConstraint>,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    /// Whether `null` may be assigned; Terraform's default is true.
    pub nullable: bool,
    pub ephemeral: bool,
    pub validations: Vec<CheckRule>,
    pub span: Option<Span>,
    pub decl_span: Option<Span>,
}

impl Variable {
    /// The variable's type; `any` when no constraint is given.
    pub fn ty(&self) -> Type {
        self.type_constraint
            .as_ref()
            .map(|t| t.ty.clone())
            .unwrap_or(Type::Dynamic)
    }
}

/// A type constraint with the defaults of `optional(T, default)` attributes.
#[derive(Clone, Debug)]
pub struct TypeConstraint {
    pub ty: Type,
    /// Defaults by attribute path from the top of the type; `"*"` steps
    /// into the elements of a list, set or map, a number into a tuple
    /// element. The last step is the optional attribute's name.
    pub defaults: Vec<(Vec<String>, Expr)>,
    pub span: Option<Span>,
}

/// A `condition` and `error_message` pair: variable `validation`,
/// `precondition`, `postcondition` and check `assert` blocks.
#[derive(Clone, Debug)]
pub struct CheckRule {
    pub condition: Expr,
    pub error_message: Expr,
    pub span: Option<Span>,
}

/// One entry of a `locals` block.
#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
    pub span: Option<Span>,
}

/// An `output "name" { ... }` block.
#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub expr: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    pub ephemeral: bool,
    pub depends_on: Vec<Expr>,
    pub preconditions: Vec<CheckRule>,
    pub span: Option<Span>,
    pub decl_span: Option<Span>,
}

impl Output {
    /// The error for a root output carrying sensitive values without
    /// `sensitive = true` (validation finds it when the value is known to
    /// be sensitive from the configuration, planning when a provider says).
    pub fn sensitive_error(&self) -> cairn_diagnostics::Diagnostic {
        cairn_diagnostics::Diagnostic::error(
            "Output refers to sensitive values",
            "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, cairn requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.",
        )
        .with_span(self.expr.span())
        .with_hint("If you do intend to export this data, annotate the output value as sensitive by adding the argument sensitive = true.")
    }
}

/// Managed (`resource`) or data (`data`) resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceMode {
    Managed,
    Data,
}

/// A `resource` or `data` block.
#[derive(Clone, Debug)]
pub struct Resource {
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
    /// The `provider` meta-argument.
    pub provider: Option<ProviderRef>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// Each element a static reference (`aws_vpc.main`, `module.net`).
    pub depends_on: Vec<Expr>,
    pub lifecycle: Lifecycle,
    pub connection: Option<Connection>,
    pub provisioners: Vec<Provisioner>,
    /// The provider-specific arguments and nested blocks.
    pub body: Body,
    pub span: Option<Span>,
    /// The block header: `resource "type" "name"`.
    pub decl_span: Option<Span>,
}

impl Resource {
    /// `aws_instance.web` or `data.aws_ami.ubuntu`.
    pub fn address(&self) -> String {
        match self.mode {
            ResourceMode::Managed => format!("{}.{}", self.type_name, self.name),
            ResourceMode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }

    /// The local provider name: the `provider` argument's, else the type
    /// name's prefix up to the first underscore (`aws_instance` -> `aws`).
    pub fn provider_name(&self) -> String {
        match &self.provider {
            Some(p) => p.name.clone(),
            None => implied_provider(&self.type_name),
        }
    }
}

/// The provider a resource type belongs to by Terraform's naming rule.
pub fn implied_provider(type_name: &str) -> String {
    type_name
        .split_once('_')
        .map(|(p, _)| p)
        .unwrap_or(type_name)
        .to_string()
}

/// A resource's `lifecycle` block.
#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    pub create_before_destroy: Option<Expr>,
    pub prevent_destroy: Option<Expr>,
    pub ignore_changes: IgnoreChanges,
    pub replace_triggered_by: Vec<Expr>,
    pub preconditions: Vec<CheckRule>,
    pub postconditions: Vec<CheckRule>,
    pub span: Option<Span>,
}

/// `ignore_changes = all` or a list of attribute references.
#[derive(Clone, Debug, Default)]
pub enum IgnoreChanges {
    #[default]
    None,
    All,
    /// Each a relative traversal such as `tags` or `tags["Name"]`.
    List(Vec<Expr>),
}

/// A `connection` block, kept for provisioners.
#[derive(Clone, Debug)]
pub struct Connection {
    pub body: Body,
    pub span: Option<Span>,
}

/// When a provisioner runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProvisionerWhen {
    #[default]
    Create,
    Destroy,
}

/// What a failing provisioner does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProvisionerOnFailure {
    #[default]
    Fail,
    Continue,
}

/// A `provisioner "type" { ... }` block (parsed and kept; cairn does not
/// run provisioners).
#[derive(Clone, Debug)]
pub struct Provisioner {
    pub type_name: String,
    pub when: ProvisionerWhen,
    pub on_failure: ProvisionerOnFailure,
    pub connection: Option<Connection>,
    pub body: Body,
    pub span: Option<Span>,
}

/// A `module "name" { ... }` block.
#[derive(Clone, Debug)]
pub struct ModuleCall {
    pub name: String,
    pub source: String,
    pub source_span: Option<Span>,
    pub version: Option<String>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// Keyed by the child's provider address (`aws` or `aws.west`).
    pub providers: IndexMap<String, PassedProvider>,
    /// The module's input variables.
    pub inputs: IndexMap<String, Attribute>,
    pub span: Option<Span>,
    pub decl_span: Option<Span>,
}

/// One `providers = { child = parent }` entry of a module call.
#[derive(Clone, Debug)]
pub struct PassedProvider {
    pub child: ProviderRef,
    pub parent: ProviderRef,
}

/// A `check "name" { ... }` block.
#[derive(Clone, Debug)]
pub struct Check {
    pub name: String,
    /// Scoped `data` blocks, read only for this check.
    pub data: Vec<Resource>,
    pub asserts: Vec<CheckRule>,
    /// Other arguments and blocks (cairn's probes are decoded later).
    pub body: Body,
    pub span: Option<Span>,
    pub decl_span: Option<Span>,
}

/// An `import { to = ..., id = ... }` block.
#[derive(Clone, Debug)]
pub struct Import {
    /// The resource address, a reference such as `aws_s3_bucket.b` or
    /// `aws_s3_bucket.b[each.key]`.
    pub to: Expr,
    pub id: Option<Expr>,
    pub identity: Option<Expr>,
    pub provider: Option<ProviderRef>,
    pub for_each: Option<Expr>,
    pub span: Option<Span>,
}

/// A `moved { from = ..., to = ... }` block.
#[derive(Clone, Debug)]
pub struct Moved {
    pub from: Expr,
    pub to: Expr,
    pub span: Option<Span>,
}

/// A `removed { from = ... }` block.
#[derive(Clone, Debug)]
pub struct Removed {
    pub from: Expr,
    /// `lifecycle { destroy = ... }`; Terraform's default is true.
    pub destroy: Option<Expr>,
    pub provisioners: Vec<Provisioner>,
    pub span: Option<Span>,
}

/// A block body whose schema is not known when loading (resource, provider
/// and backend arguments): kept generic, interpreted later.
#[derive(Clone, Debug, Default)]
pub struct Body {
    pub attrs: IndexMap<String, Attribute>,
    pub blocks: Vec<Block>,
    pub dynamic_blocks: Vec<DynamicBlock>,
    /// Read from a `.tf.json` file: nested blocks cannot be told from
    /// object-valued arguments without the schema, so they are in `attrs`;
    /// see [`Body::blocks_of_type`].
    pub from_json: bool,
    pub span: Option<Span>,
}

/// An argument: `name = expr`.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub expr: Expr,
    pub span: Option<Span>,
    pub name_span: Option<Span>,
}

/// A nested block.
#[derive(Clone, Debug)]
pub struct Block {
    pub type_name: String,
    pub labels: Vec<String>,
    pub body: Body,
    pub span: Option<Span>,
    /// Position among all nested blocks (static and dynamic) of the parent
    /// body, so dynamic expansions can be placed in source order.
    pub order: usize,
}

/// A `dynamic "type_name" { for_each = ..., content { ... } }` block.
#[derive(Clone, Debug)]
pub struct DynamicBlock {
    /// The type of the blocks it generates (the `dynamic` block's label).
    pub type_name: String,
    pub for_each: Expr,
    /// The iterator variable name; defaults to `type_name`.
    pub iterator: Option<String>,
    /// Label expressions of the generated blocks.
    pub labels: Vec<Expr>,
    pub content: Body,
    pub span: Option<Span>,
    pub order: usize,
}

impl DynamicBlock {
    /// The name the iterator variable is referenced by.
    pub fn iterator_name(&self) -> &str {
        self.iterator.as_deref().unwrap_or(&self.type_name)
    }
}
