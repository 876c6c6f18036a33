//! Terraform's value model: types, values that may be unknown (known only
//! after apply) or sensitive, conversions between types, and JSON.

pub mod number;
pub mod types;

pub use number::Number;
pub use types::{unify, ObjectType, Type};
