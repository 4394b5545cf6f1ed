//! Semantic drift report between two upstream OpenAPI documents.

use serde_json::Value;

/// The differences between two upstream documents.
#[derive(Debug, Default)]
pub struct Report {
    /// One entry per difference, in a stable order.
    pub changes: Vec<Change>,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Whether a client built from the old document can break against the new one.
    pub breaking: bool,
    /// One Markdown line a reviewer can act on.
    pub text: String,
}

impl Report {
    /// Whether any change is breaking.
    pub fn breaking(&self) -> bool {
        self.changes.iter().any(|c| c.breaking)
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        String::new()
    }
}

/// Compares two upstream documents (raw, not normalized).
pub fn diff(_old: &Value, _new: &Value) -> Report {
    Report::default()
}
