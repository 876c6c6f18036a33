//! Renderings of a [`crate::Report`]: human, JSON, SARIF 2.1.0, Markdown.
