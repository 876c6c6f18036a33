//! Reading a passphrase from the terminal without echo.

use zeroize::Zeroizing;

use crate::error::SecretError;

/// Whether a terminal can be prompted (stdin or stderr is one; the prompt
/// itself goes through the controlling terminal, so piped stdin is free
/// for the secret's value).
pub fn can_prompt() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() || std::io::stderr().is_terminal()
}

/// Asks for a passphrase on the terminal, without echo.
pub fn read_passphrase(prompt: &str) -> Result<Zeroizing<String>, SecretError> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| SecretError::NoKey {
            message: format!("cannot read a passphrase from the terminal: {e}"),
        })
}

/// Asks twice for a new passphrase and refuses a mismatch or an empty one.
pub fn read_new_passphrase(prompt: &str) -> Result<Zeroizing<String>, SecretError> {
    let first = read_passphrase(prompt)?;
    if first.is_empty() {
        return Err(SecretError::Key {
            message: "the passphrase is empty".into(),
        });
    }
    let second = read_passphrase("Repeat the passphrase: ")?;
    if *first != *second {
        return Err(SecretError::Key {
            message: "the two passphrases differ; nothing was changed".into(),
        });
    }
    Ok(first)
}

/// Reads one line from standard input (for non-interactive use when stdin
/// is a pipe), without its line ending.
pub fn read_line_stdin() -> Result<Zeroizing<String>, SecretError> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| SecretError::io("read", "standard input", e))?;
    crate::uri::trim_one_newline(&mut line);
    Ok(line)
}
