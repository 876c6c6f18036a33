//! Secret names: `[A-Za-z0-9_./-]+`, at most 256 characters. They are
//! shown in listings and errors and used in `cairn:NAME` URIs, so they
//! are kept to characters that need no quoting anywhere.

use crate::error::SecretError;

/// The longest name accepted.
pub const MAX_NAME_LEN: usize = 256;

/// Checks a secret name, with a message saying what is wrong.
pub fn validate_name(name: &str) -> Result<(), SecretError> {
    let invalid = |reason: String| SecretError::InvalidName {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("the name is empty".into()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(invalid(format!(
            "the name is {} bytes long; at most {MAX_NAME_LEN} are allowed",
            name.len()
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')))
    {
        return Err(invalid(format!(
            "{c:?} is not allowed; names use only letters A-Z and a-z, digits, '_', '.', '/' and '-'"
        )));
    }
    Ok(())
}
