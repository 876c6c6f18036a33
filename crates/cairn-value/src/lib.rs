//! Terraform's value model: types, values that may be unknown (known only
//! after apply) or sensitive, conversions between types, and JSON.

pub mod convert;
pub mod display;
pub mod json;
pub mod number;
pub mod types;
pub mod value;

pub use convert::{convert, ConvertError, PathStep};
pub use number::Number;
pub use types::{unify, ObjectType, Type};
pub use value::{total_cmp, Kind, Value};
