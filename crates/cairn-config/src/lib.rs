//! Loads Terraform-language configuration into a typed model.
//!
//! A module directory's `*.tf` and `*.tf.json` files are parsed (keeping
//! positions), override files are merged into the blocks they name, and
//! every block is decoded into the [`Module`] model with Terraform's
//! structural checks. Expressions stay unevaluated ([`Expr`]): the
//! evaluator interprets them later, and bodies whose schema belongs to a
//! provider (resources, providers, backends) are kept as generic [`Body`]s.
//!
//! Nothing here panics on bad input: every problem becomes a
//! [`Diagnostic`](cairn_diagnostics::Diagnostic), and loading goes on so
//! that all problems are reported at once.
//!
//! ```no_run
//! let (tree, diags) = cairn_config::load_tree(std::path::Path::new("."));
//! if let Some(tree) = &tree {
//!     print!("{}", cairn_diagnostics::render(&diags, &tree.sources));
//! }
//! ```

mod body;
mod decode;
mod load;
mod model;
mod raw;
mod typeexpr;
mod util;
mod vars;

pub use cairn_syntax::{Expr, Source, SourceFile};
pub use load::{
    load_module, load_tree, module_address, syntax_error, Loader, ModuleNode, ModuleTree, Overlay,
};
pub use model::*;
pub use typeexpr::parse_type_constraint;
pub use util::{is_valid_name, range_text};
pub use vars::{
    collect_var_files, env_vars, parse_cli_var, RawVar, RawVarSource, VarAssignment, VarFile,
    VarFileKind, ENV_PREFIXES,
};
