//! cairn's audit trail and run logs.
//!
//! * [`AuditLog`]: `<state dir>/audit.jsonl`, append-only, one entry per
//!   line in canonical JSON (keys sorted, no whitespace). Each entry's
//!   `hash` is the SHA-256 of its canonical JSON without `hash`; its
//!   `prev_hash` is the previous entry's `hash` (64 zeros for the first),
//!   so editing, deleting or moving any entry breaks the chain, and
//!   [`AuditLog::verify`] names the entry.
//! * What a chain cannot show: entries cut from the end (the rest is still
//!   a valid chain), or the whole file rewritten with fresh hashes. Record
//!   [`AuditLog::head`] somewhere else and check it with
//!   [`AuditLog::verify_against`] to catch both.
//! * [`RunLog`]: `<state dir>/runs/<run-id>.log`, timestamped lines.
//! * [`Redactor`]: known secret strings, replaced by `(sensitive value)` in
//!   everything either log writes. Share one between both logs.

mod canonical;
mod entry;
mod error;
mod ident;
mod log;
mod redact;
mod render;
mod runlog;
mod verify;

pub use canonical::{canonical_hash, canonical_json};
pub use entry::{Entry, EntryDraft, Outcome, Summary, GENESIS_HASH};
pub use error::{AuditError, Result};
pub use ident::{host, sanitize_args, user, user_in, REDACTED_ARG};
pub use log::{Anchor, AuditLog, AUDIT_FILE};
pub use redact::{Redactor, REDACTED};
pub use render::render_human;
pub use runlog::{is_valid_run_id, new_run_id, Level, RunLog, RUNS_DIR};
pub use verify::{Position, Problem, VerifyReport};
