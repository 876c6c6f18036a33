//! Configuration errors. Sending never returns an error: failures are in
//! each [`crate::Delivery`].

/// A webhook setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    #[error("unknown webhook event {0:?} (expected apply_failed, rollback, verify_failed or drift_found)")]
    UnknownEvent(String),
    /// The URL or a header is not usable.
    #[error("webhook {url}: {source}")]
    Invalid {
        /// The URL shown without its path (see [`crate::display_url`]).
        url: String,
        source: cairn_http::HttpError,
    },
}
