//! The file sink's state: per file, the collection, the position of the last document written,
//! the end of the range fetched, and the number of documents. It lives in the export directory
//! as `.oura-export.json`, replaced atomically.
//!
//! The state is a record, not the truth: the file sink reads and keys every file before it
//! writes to it, and takes the position to resume from from the file itself, so a state that is
//! missing, older than the files or damaged costs a few requests, never a duplicate.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The state file's name.
pub const FILE: &str = ".oura-export.json";

/// The format version written.
pub const VERSION: u32 = 1;

/// What earlier runs exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The format version of this file.
    pub version: u32,
    /// Per file name (`sleep.ndjson`).
    pub files: BTreeMap<String, Entry>,
}

impl Default for State {
    fn default() -> Self {
        State {
            version: VERSION,
            files: BTreeMap::new(),
        }
    }
}

/// One export file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The collection's route name.
    pub collection: String,
    /// The position of the last document written: a day (`2024-01-31`) or an RFC 3339 instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// The end of the range last fetched completely (a day or an instant): where a collection
    /// that has no documents yet starts next time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through: Option<String>,
    /// Documents in the file.
    pub documents: u64,
    /// The file's size when this entry was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// When the file was last written (RFC 3339).
    pub updated_at: String,
}

/// Why a state file was not used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// It could not be read.
    #[error("cannot read {FILE}: {0}")]
    Io(#[from] io::Error),
    /// It is not a state file this version understands.
    #[error("{FILE} is damaged ({0}); it is rebuilt from the files")]
    Damaged(String),
}

impl State {
    /// The state of `dir` (empty when there is none yet).
    pub fn load(dir: &Path) -> Result<State, LoadError> {
        match std::fs::read(dir.join(FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| LoadError::Damaged(err.to_string())),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(State::default()),
            Err(err) => Err(LoadError::Io(err)),
        }
    }

    /// Saves the state atomically (see [`crate::sink::FileSink`] for how files are replaced).
    pub fn save(&self, dir: &Path, mode: u32) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        crate::sink::replace_with(dir, FILE, mode, |out| io::Write::write_all(out, &bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_starts_empty_and_reports_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut state = State::load(dir.path()).expect("load");
        assert!(state.files.is_empty());
        state.files.insert(
            "sleep.ndjson".into(),
            Entry {
                collection: "sleep".into(),
                last: Some("2024-01-31".into()),
                through: Some("2024-02-01".into()),
                documents: 3,
                bytes: Some(120),
                updated_at: "2024-02-01T00:00:00Z".into(),
            },
        );
        state.save(dir.path(), 0o600).expect("save");
        assert_eq!(State::load(dir.path()).expect("load"), state);
        std::fs::write(dir.path().join(FILE), b"{\"version\":1,\"files\":{\"x\"").expect("write");
        assert!(matches!(State::load(dir.path()), Err(LoadError::Damaged(_))));
    }
}
