//! `cairn secret set|get|list|rm|rekey`: cairn's encrypted secrets file
//! (`.cairn/secrets.json`), read by configurations as `cairn:NAME`.
//!
//! The key comes from `CAIRN_SECRETS_PASSPHRASE`, from the key file named
//! by `CAIRN_SECRETS_KEY_FILE`, or from a passphrase typed at the terminal
//! without echo. Values never come from the command line (where `ps` and
//! shell history would see them): they are read from standard input or
//! from a file.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use cairn_secrets::{
    key_from_env_with_kms, prompt, KeyChoice, KeyFile, KeyKind, KeyProvider, Passphrase,
    SecretError, SecretStore, Zeroizing, KEY_FILE_ENV, PASSPHRASE_ENV,
};

/// Names another secrets file than `.cairn/secrets.json`.
pub const SECRETS_FILE_ENV: &str = "CAIRN_SECRETS_FILE";
/// The new passphrase for `cairn secret rekey` without a terminal.
pub const NEW_PASSPHRASE_ENV: &str = "CAIRN_SECRETS_NEW_PASSPHRASE";
/// How often a mistyped passphrase may be typed again.
const PASSPHRASE_TRIES: usize = 3;

#[derive(Subcommand, Debug)]
pub enum SecretCmd {
    /// Store a secret. The value is read from standard input (hidden when
    /// typed at a terminal), or from --file; one trailing newline is
    /// removed. Never pass a value on the command line.
    Set {
        /// The secret's name: letters, digits, '_', '.', '/' and '-'.
        name: String,
        /// Read the value from standard input (the default).
        #[arg(long = "value-stdin", conflicts_with = "file")]
        value_stdin: bool,
        /// Read the value from this file.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print a secret's value. Refused when standard output is a terminal,
    /// unless --show is given.
    Get {
        name: String,
        /// Print the value even to a terminal.
        #[arg(long)]
        show: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the secrets' names and when each was last set (no values).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove a secret.
    Rm {
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Re-encrypt every secret under a new key; the old key stops working.
    /// By default a new passphrase is asked for (or taken from
    /// CAIRN_SECRETS_NEW_PASSPHRASE).
    Rekey {
        /// Use this key file from now on (created, mode 0600, if missing).
        #[arg(
            long = "to-key-file",
            value_name = "PATH",
            conflicts_with = "to_passphrase"
        )]
        to_key_file: Option<PathBuf>,
        /// Use a new passphrase from now on.
        #[arg(long = "to-passphrase", conflicts_with = "to_kms")]
        to_passphrase: bool,
        /// Use a data key wrapped by this AWS KMS key (ID, ARN or
        /// alias/NAME) from now on.
        #[arg(long = "to-kms", value_name = "KEY_ID", conflicts_with = "to_key_file")]
        to_kms: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Where the secrets file is.
#[derive(Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// The secrets file (default: $CAIRN_SECRETS_FILE, else
    /// .cairn/secrets.json).
    #[arg(long = "secrets-file", value_name = "PATH")]
    pub secrets_file: Option<PathBuf>,
}

impl StoreArgs {
    fn path(&self, dir: &Path) -> PathBuf {
        let given = self.secrets_file.clone().or_else(|| {
            std::env::var_os(SECRETS_FILE_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        match given {
            Some(p) if p.is_absolute() => p,
            Some(p) => dir.join(p),
            None => SecretStore::default_path(dir),
        }
    }
}

/// Runs a `cairn secret` command in the configuration directory `dir`.
/// Exit codes: 0 done, 1 error.
pub fn run(cmd: &SecretCmd, dir: &Path, color: bool) -> u8 {
    match run_inner(cmd, dir) {
        Ok(()) => 0,
        Err(e) => {
            let mut text = format!("Error: {e}");
            if let Some(h) = hint(&e) {
                text.push_str(&format!("\n\nHint: {h}"));
            }
            eprintln!("{}", paint_error(&text, color));
            1
        }
    }
}

/// A CLI-level failure: a library error, or a refusal of this command.
#[derive(Debug)]
enum CliError {
    Secret(SecretError),
    Refused(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Secret(e) => write!(f, "{e}"),
            CliError::Refused(m) => f.write_str(m),
        }
    }
}

impl From<SecretError> for CliError {
    fn from(e: SecretError) -> CliError {
        CliError::Secret(e)
    }
}

fn hint(e: &CliError) -> Option<String> {
    match e {
        CliError::Secret(SecretError::WrongKey { .. }) => Some(format!(
            "use the passphrase or key file the secrets were stored with \
             ({PASSPHRASE_ENV} or {KEY_FILE_ENV})."
        )),
        CliError::Secret(SecretError::NoKey { .. }) => Some(format!(
            "in scripts and CI, set {PASSPHRASE_ENV}, or {KEY_FILE_ENV} to a key file."
        )),
        CliError::Secret(SecretError::NotFound { .. }) => {
            Some("`cairn secret list` shows the names stored.".into())
        }
        _ => None,
    }
}

fn run_inner(cmd: &SecretCmd, dir: &Path) -> Result<(), CliError> {
    match cmd {
        SecretCmd::Set {
            name,
            value_stdin: _,
            file,
            store,
        } => {
            cairn_secrets::validate_name(name)?;
            let path = store.path(dir);
            // The value is on stdin unless --file: the passphrase cannot
            // be read from there too.
            let stdin_busy = file.is_none();
            let mut s = open_store(&path, true, stdin_busy)?;
            let value = read_value(name, file.as_deref())?;
            let created = !s.exists();
            s.set(name, &value)?;
            if created {
                println!("Created the secrets file {}.", path.display());
            }
            println!("Secret {name} set.");
            Ok(())
        }
        SecretCmd::Get { name, show, store } => {
            cairn_secrets::validate_name(name)?;
            let mut out = std::io::stdout();
            let to_terminal = out.is_terminal();
            if to_terminal && !show {
                return Err(CliError::Refused(format!(
                    "refusing to print the secret {name} to a terminal; add --show to see it, \
                     or send the output to a pipe or a file"
                )));
            }
            let path = store.path(dir);
            let s = open_existing(&path)?;
            let v = s.get(name)?;
            // Exactly the value for pipes and command substitution; a
            // newline after it on a terminal so the prompt does not stick.
            let written = out
                .write_all(v.expose().as_bytes())
                .and_then(|_| {
                    if to_terminal {
                        out.write_all(b"\n")
                    } else {
                        Ok(())
                    }
                })
                .and_then(|_| out.flush());
            written.map_err(|e| {
                CliError::Secret(SecretError::Io {
                    action: "write",
                    path: PathBuf::from("standard output"),
                    source: e,
                })
            })
        }
        SecretCmd::List { store } => {
            let path = store.path(dir);
            let s = open_existing(&path)?;
            let entries = s.list();
            if entries.is_empty() {
                println!("No secrets in {}.", path.display());
                return Ok(());
            }
            let width = entries
                .iter()
                .map(|e| e.name.len())
                .max()
                .unwrap_or(4)
                .max(4);
            println!("{:<width$}  UPDATED", "NAME");
            for e in entries {
                println!("{:<width$}  {}", e.name, e.updated);
            }
            Ok(())
        }
        SecretCmd::Rm { name, store } => {
            cairn_secrets::validate_name(name)?;
            let path = store.path(dir);
            let mut s = open_existing(&path)?;
            s.remove(name)?;
            println!("Secret {name} removed.");
            Ok(())
        }
        SecretCmd::Rekey {
            to_key_file,
            to_passphrase,
            to_kms,
            store,
        } => {
            let path = store.path(dir);
            let mut s = open_existing(&path)?;
            let new: Box<dyn KeyProvider> = match (to_key_file, to_passphrase) {
                _ if to_kms.is_some() => cairn_kms::secrets_key_source(to_kms.clone()),
                (Some(p), _) => {
                    let p = if p.is_absolute() {
                        p.clone()
                    } else {
                        dir.join(p)
                    };
                    Box::new(load_or_create_key_file(&p)?)
                }
                (None, true) => Box::new(new_passphrase()?),
                (None, false) => match s.key_header().kind() {
                    KeyKind::Passphrase => Box::new(new_passphrase()?),
                    kind => {
                        return Err(CliError::Refused(format!(
                            "the secrets file is encrypted with {kind}; name the new key with \
                             --to-key-file PATH or --to-kms KEY_ID, or use --to-passphrase"
                        )))
                    }
                },
            };
            s.rekey(new.as_ref())?;
            println!(
                "Re-encrypted {} secret(s) in {} under {}; the old key no longer opens it.",
                s.list().len(),
                path.display(),
                new.describe()
            );
            match new.kind() {
                KeyKind::KeyFile => {
                    if let Some(p) = to_key_file {
                        let p = if p.is_absolute() {
                            p.clone()
                        } else {
                            dir.join(p)
                        };
                        // Absolute, so the hint works from any directory.
                        let p = std::path::absolute(&p).unwrap_or(p);
                        println!("From now on set {KEY_FILE_ENV}={}.", p.display());
                    }
                }
                KeyKind::Kms => println!(
                    "From now on the file opens with AWS credentials allowed to decrypt with \
                     that key."
                ),
                _ => println!("From now on use the new passphrase."),
            }
            Ok(())
        }
    }
}

/// Opens a secrets file that must exist.
fn open_existing(path: &Path) -> Result<SecretStore, CliError> {
    if !path.exists() {
        return Err(CliError::Refused(format!(
            "there is no secrets file at {}; `cairn secret set NAME` creates it",
            path.display()
        )));
    }
    open_store(path, false, false)
}

/// Opens (or, with `create`, starts) the secrets file with the key from
/// the environment or the terminal. A passphrase typed at the terminal may
/// be typed again when wrong.
fn open_store(path: &Path, create: bool, stdin_busy: bool) -> Result<SecretStore, CliError> {
    let header = SecretStore::read_header(path)?;
    let env = |n: &str| std::env::var(n).ok();
    let open = |p: &dyn KeyProvider| -> Result<SecretStore, SecretError> {
        if create {
            SecretStore::open_or_create(path, p)
        } else {
            SecretStore::open(path, p)
        }
    };
    match key_from_env_with_kms(header.as_ref(), &env, Some(&cairn_kms::secrets_key_source))? {
        KeyChoice::Ready(p) => Ok(open(p.as_ref())?),
        KeyChoice::NewKeyFile(kp) => {
            let k = KeyFile::generate(&kp)?;
            eprintln!(
                "Created the key file {} (key {}). Keep a copy somewhere safe: without it the \
                 secrets cannot be read.",
                kp.display(),
                k.fingerprint()
            );
            Ok(open(&k)?)
        }
        KeyChoice::AskPassphrase { new_file } => {
            if !prompt::can_prompt() {
                let stdin = std::io::stdin();
                if stdin_busy || stdin.is_terminal() {
                    return Err(no_terminal());
                }
                // Scripts may pipe the passphrase in when stdin is free.
                let text = prompt::read_line_stdin()?;
                let p = Passphrase::new(text, "standard input")?;
                return Ok(open(&p)?);
            }
            if new_file {
                eprintln!(
                    "Creating the secrets file {}; choose a passphrase for it.",
                    path.display()
                );
                let text = prompt::read_new_passphrase("New passphrase: ")?;
                let p = Passphrase::new(text, "the terminal")?;
                return Ok(open(&p)?);
            }
            let mut last = None;
            for _ in 0..PASSPHRASE_TRIES {
                let text = prompt::read_passphrase("Passphrase for the secrets file: ")?;
                let p = Passphrase::new(text, "the terminal")?;
                match open(&p) {
                    Ok(s) => return Ok(s),
                    Err(e) if e.is_wrong_key() => {
                        eprintln!("Wrong passphrase.");
                        last = Some(e);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(last.map(CliError::from).unwrap_or_else(no_terminal))
        }
    }
}

fn no_terminal() -> CliError {
    CliError::Secret(SecretError::NoKey {
        message: format!(
            "a passphrase is needed and there is no terminal to ask for it; set {PASSPHRASE_ENV} \
             or {KEY_FILE_ENV}"
        ),
    })
}

/// The new passphrase for `rekey`: from CAIRN_SECRETS_NEW_PASSPHRASE, else
/// typed twice at the terminal.
fn new_passphrase() -> Result<Passphrase, CliError> {
    if let Some(v) = std::env::var(NEW_PASSPHRASE_ENV)
        .ok()
        .filter(|v| !v.is_empty())
    {
        return Ok(Passphrase::new(Zeroizing::new(v), NEW_PASSPHRASE_ENV)?);
    }
    if !prompt::can_prompt() {
        return Err(CliError::Secret(SecretError::NoKey {
            message: format!(
                "a new passphrase is needed and there is no terminal to ask for it; set \
                 {NEW_PASSPHRASE_ENV}, or use --to-key-file"
            ),
        }));
    }
    let text = prompt::read_new_passphrase("New passphrase: ")?;
    Ok(Passphrase::new(text, "the terminal")?)
}

fn load_or_create_key_file(p: &Path) -> Result<KeyFile, CliError> {
    if p.exists() {
        return Ok(KeyFile::load(p)?);
    }
    let k = KeyFile::generate(p)?;
    eprintln!(
        "Created the key file {} (key {}). Keep a copy somewhere safe: without it the secrets \
         cannot be read.",
        p.display(),
        k.fingerprint()
    );
    Ok(k)
}

/// The value for `set`: the file's contents, standard input when it is a
/// pipe, or a hidden prompt when it is a terminal. One trailing newline is
/// removed (as `echo value |` adds one).
fn read_value(name: &str, file: Option<&Path>) -> Result<Zeroizing<String>, CliError> {
    let mut text = Zeroizing::new(String::new());
    match file {
        Some(f) => {
            let bytes = Zeroizing::new(std::fs::read(f).map_err(|e| SecretError::Io {
                action: "read",
                path: f.to_path_buf(),
                source: e,
            })?);
            let s = std::str::from_utf8(&bytes).map_err(|_| SecretError::NotUtf8 {
                what: format!("the file {}", f.display()),
            })?;
            text.push_str(s);
        }
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                *text = std::mem::take(&mut *prompt::read_passphrase(&format!(
                    "Value of {name} (hidden): "
                ))?);
            } else {
                let mut bytes = Zeroizing::new(Vec::new());
                stdin
                    .lock()
                    .read_to_end(&mut bytes)
                    .map_err(|e| SecretError::Io {
                        action: "read",
                        path: PathBuf::from("standard input"),
                        source: e,
                    })?;
                let s = std::str::from_utf8(&bytes).map_err(|_| SecretError::NotUtf8 {
                    what: "standard input".into(),
                })?;
                text.push_str(s);
            }
        }
    }
    cairn_secrets::trim_one_newline(&mut text);
    Ok(text)
}

/// Colours the leading "Error:" and "Hint:" words.
fn paint_error(text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    text.lines()
        .map(|l| {
            if let Some(rest) = l.strip_prefix("Error:") {
                format!("\x1b[1;31mError:\x1b[0m\x1b[1m{rest}\x1b[0m")
            } else if let Some(rest) = l.strip_prefix("Hint:") {
                format!("\x1b[1;36mHint:\x1b[0m{rest}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct T {
        #[command(subcommand)]
        cmd: SecretCmd,
    }

    #[test]
    fn parses_the_subcommands() {
        let t = T::try_parse_from(["t", "set", "db/pw", "--file", "x.txt"]).unwrap();
        assert!(matches!(t.cmd, SecretCmd::Set { ref file, .. } if file.is_some()));
        let t = T::try_parse_from(["t", "get", "db/pw", "--show"]).unwrap();
        assert!(matches!(t.cmd, SecretCmd::Get { show: true, .. }));
        let t = T::try_parse_from(["t", "rekey", "--to-key-file", "k"]).unwrap();
        assert!(matches!(t.cmd, SecretCmd::Rekey { ref to_key_file, .. } if to_key_file.is_some()));
        assert!(T::try_parse_from(["t", "list", "--secrets-file", "s.json"]).is_ok());
        assert!(T::try_parse_from(["t", "rm", "x"]).is_ok());
        // No way to give the value on the command line.
        assert!(T::try_parse_from(["t", "set", "db/pw", "hunter2"]).is_err());
        assert!(T::try_parse_from(["t", "set", "x", "--value-stdin", "--file", "f"]).is_err());
    }

    #[test]
    fn value_from_file_loses_one_newline() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("v");
        std::fs::write(&f, "abc\n\n").unwrap();
        assert_eq!(read_value("x", Some(&f)).unwrap().as_str(), "abc\n");
    }

    #[test]
    fn secrets_file_path() {
        let a = StoreArgs {
            secrets_file: Some("s.json".into()),
        };
        assert_eq!(a.path(Path::new("/cfg")), PathBuf::from("/cfg/s.json"));
        let a = StoreArgs {
            secrets_file: Some("/abs/s.json".into()),
        };
        assert_eq!(a.path(Path::new("/cfg")), PathBuf::from("/abs/s.json"));
    }
}
