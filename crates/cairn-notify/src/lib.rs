//! Webhook notifications for cairn: apply failed, rollback, verification
//! failed, drift found.
//!
//! * [`Webhook`]: a URL from the configuration, the [`EventKind`]s it wants
//!   (none listed = all) and extra headers. [`Webhook::validate`] checks
//!   it without sending anything.
//! * [`Notification`]: what happened. Its JSON body is its fields plus a
//!   Slack-compatible `text` line, e.g. `:red_circle: cairn apply failed
//!   in prod: 2 of 5 operations failed (run 01J...)`.
//! * [`send_all`]: POSTs to every interested webhook in parallel, with
//!   retries, and returns one [`Delivery`] each; it never fails, so a
//!   broken webhook cannot fail an apply.
//! * Secrets: the caller's `redact` function runs over the body before it
//!   is sent (see [`render_body`]) and over delivery errors.

mod error;
mod event;
mod send;

pub use error::NotifyError;
pub use event::{EventKind, Notification};
pub use send::{display_url, render_body, send_all, send_all_with, Delivery, SendOptions, Webhook};
