//! The export state: per file, the collection, the position (day or instant) of the last
//! document written, and the number of documents. It lives in the export directory as
//! `.oura-export.json` and is replaced atomically after each flush.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The state file's name.
pub const FILE: &str = ".oura-export.json";

/// What earlier runs exported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The format version of this file.
    pub version: u32,
    /// Per file name (`sleep.ndjson`).
    pub files: BTreeMap<String, Entry>,
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
    /// The file's size when this entry was written: a file of another size was changed after
    /// the state was saved (an interrupted run), and is read in full before it is merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// When the file was last written (RFC 3339).
    pub updated_at: String,
}

impl State {
    /// The state of `dir` (empty when there is none yet).
    pub fn load(dir: &Path) -> io::Result<State> {
        match fs::read(dir.join(FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is damaged ({err}); delete it to export everything again", FILE),
                )
            }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(State {
                version: 1,
                ..State::default()
            }),
            Err(err) => Err(err),
        }
    }

    /// Saves the state: a temporary file, flushed, renamed over the old one.
    pub fn save(&self, dir: &Path) -> io::Result<()> {
        let tmp = dir.join(format!("{FILE}{}{}", super::store::TMP_MARK, std::process::id()));
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        let result = (|| {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, dir.join(FILE))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_and_starts_empty() {
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
        state.save(dir.path()).expect("save");
        assert_eq!(State::load(dir.path()).expect("load"), state);
    }
}
